/* POST /api/v1/cs/sessions/{id}/messages in process, through the whole pipeline: the rate
 * hook reads the session for its company's limit, and the write round takes that read as
 * its first attempt, so a message reads the session (and its company's settings) once; a write between the two still
 * makes the round read again and decide on the fresh session (optimistic concurrency).
 * The store's reads are counted by linking with -Wl,--wrap=cs_store_get (Makefile). */
#include "../../functions/cs-messages/handler.c"
#include "../../functions/cs-messages/routes.c"
#include "../support/handler_harness.h"
#include "../support/test.h"

static struct hh h;
static const char *const agent[] = {"agent"};

/* Session reads seen by the wrapper, and whether it should write the session behind the
 * reader's back right after the next one (as a concurrent request would). */
static int session_reads, config_reads;
static bool bump_next_read;

int __real_cs_store_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const char *coll, const char *id, struct cs_doc *out);
int __wrap_cs_store_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const char *coll, const char *id, struct cs_doc *out);

static void write_behind(struct cs_store *st, struct cs_arena *a, const char *tenant,
                         const struct cs_doc *read)
{
    static const char body[] =
        "{\"companyId\":\"co1\",\"status\":\"ACTIVE\",\"currentTier\":\"AI_REP\",\"stats\":{},"
        "\"messages\":[{\"id\":\"m0\",\"role\":\"customer\",\"content\":\"Hello\"}],"
        "\"concurrent\":true}";
    json_object *b = NULL;
    REQUIRE(cs_json_parse(body, sizeof(body) - 1, a, &b, NULL) == CS_OK);
    REQUIRE(cs_store_update(st, a, tenant, CS_SESSIONS_COLL, read->id, read->version, b, NULL, 1500,
                            NULL) == CS_OK);
}

int __wrap_cs_store_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const char *coll, const char *id, struct cs_doc *out)
{
    int rc = __real_cs_store_get(st, a, tenant, coll, id, out);
    config_reads += strcmp(coll, CS_CONFIG_COLL) == 0;
    if (strcmp(coll, CS_SESSIONS_COLL) != 0) return rc;
    session_reads++;
    if (!rc && bump_next_read) {
        bump_next_read = false;
        write_behind(st, a, tenant, out);
    }
    return rc;
}

static void store_session(const char *id)
{
    static const char body[] = "{\"companyId\":\"co1\",\"status\":\"ACTIVE\","
                               "\"currentTier\":\"AI_REP\",\"stats\":{},\"messages\":[]}";
    json_object *b = NULL;
    REQUIRE(cs_json_parse(body, sizeof(body) - 1, h.w.arena, &b, NULL) == CS_OK);
    REQUIRE(cs_store_insert(h.w.store, h.w.arena, "acme", CS_SESSIONS_COLL, id, b, NULL, 1000,
                            NULL) == CS_OK);
    cs_arena_reset(h.w.arena);
}

/* Posts a message to session `id`; *out is the parsed answer (NULL when none). */
static void post_message(const char *id, int want_status, json_object **out)
{
    char target[128];
    snprintf(target, sizeof(target), "/api/v1/cs/sessions/%s/messages", id);
    struct hh_answer a;
    *out = NULL;
    REQUIRE(hh_call(&h, "POST", target, "{\"message\":\"Where is my order?\"}", "acme", agent, 1,
                    &a) == 0);
    CHECK_INT(a.status, want_status);
    *out = json_tokener_parse(a.body);
    hh_answer_clean_up(&a);
    CHECK(*out != NULL);
}

/* The stored session after the request: version and message count. */
static void stored(const char *id, int64_t *version, size_t *nmessages, bool *concurrent)
{
    struct cs_doc d;
    REQUIRE(__real_cs_store_get(h.w.store, h.w.arena, "acme", CS_SESSIONS_COLL, id, &d) == CS_OK);
    json_object *m = NULL;
    REQUIRE(json_object_object_get_ex(d.body, "messages", &m));
    *version = d.version;
    *nmessages = json_object_array_length(m);
    *concurrent = cs_json_get_bool(d.body, "concurrent", false);
    cs_arena_reset(h.w.arena);
}

static void test_a_message_reads_the_session_once(void)
{
    store_session("sess_once");
    session_reads = config_reads = 0;
    json_object *j;
    post_message("sess_once", 201, &j);
    CHECK_INT(session_reads, 1);
    /* The company's settings too: loaded once, for the limit, and kept (two gets: the
     * company's document, then the tenant's older one, neither stored here; was four). */
    CHECK_INT(config_reads, 2);
    json_object *u = NULL;
    CHECK(json_object_object_get_ex(j, "sessionUpdate", &u));
    CHECK_STR(cs_json_get_str(u, "status"), "WAITING_CUSTOMER");
    json_object_put(j);
    int64_t version = 0;
    size_t n = 0;
    bool concurrent = false;
    stored("sess_once", &version, &n, &concurrent);
    CHECK_INT(version, 2);
    CHECK_INT(n, 2); /* the customer's message and the AI's answer */
}

static void test_a_write_in_between_is_read_again(void)
{
    store_session("sess_raced");
    session_reads = 0;
    bump_next_read = true; /* right after the rate hook's read */
    json_object *j;
    post_message("sess_raced", 201, &j);
    json_object_put(j);
    CHECK_INT(session_reads, 2); /* the first write lost the race and read again */
    int64_t version = 0;
    size_t n = 0;
    bool concurrent = false;
    stored("sess_raced", &version, &n, &concurrent);
    CHECK_INT(version, 3); /* the write behind, then the message's */
    CHECK(concurrent);     /* the message was applied to the fresh session ... */
    CHECK_INT(n, 1 + 2);   /* ... after its message, not over it */
}

static void test_unknown_session_is_read_once_and_404(void)
{
    session_reads = 0;
    json_object *j;
    post_message("sess_nobody", 404, &j);
    json_object_put(j);
    /* The rate hook found nothing to hand over, so the round read for itself. */
    CHECK_INT(session_reads, 2);
}

int main(void)
{
    if (hh_init(&h, &cs_function, "hh-cs-messages")) return 1;
    TEST_RUN(test_a_message_reads_the_session_once);
    TEST_RUN(test_a_write_in_between_is_read_again);
    TEST_RUN(test_unknown_session_is_read_once_and_404);
    hh_clean_up(&h);
    return test_done();
}
