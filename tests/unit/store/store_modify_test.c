/* cs_store_modify and cs_store_put (cs/store.h): the one read-modify-write loop, on a
 * real SQLite store. A "race" is simulated by a mutate callback that writes the same
 * document behind the loop's back, so the loop's own write then loses on the version. */
#include <json-c/json.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/json.h"
#include "cs/store.h"

static struct temp_db db;
static struct cs_store *S;
static struct cs_arena *A;

#define T "acme"
#define C "things"

static int setup(void)
{
    A = cs_arena_new(0);
    S = temp_db_create(&db, "modify");
    return A && S ? 0 : -1;
}

static void teardown(void)
{
    temp_db_close(&db, S);
    cs_arena_destroy(A);
    S = NULL;
    A = NULL;
}

static int insert(const char *id, int64_t n)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "n", json_object_new_int64(n));
    int rc = cs_store_insert(S, A, T, C, id, b, NULL, 1000, NULL);
    json_object_put(b);
    return rc;
}

static int64_t stored_n(const char *id, int64_t *version)
{
    struct cs_doc d;
    if (cs_store_get(S, A, T, C, id, &d)) return -1;
    if (version) *version = d.version;
    return cs_json_get_int(d.body, "n", -1);
}

static int stage_one(void)
{
    json_object *p = json_object_new_object();
    int rc = cs_store_stage(S, T, "sub_1", "thing.changed", p);
    json_object_put(p);
    return rc;
}

static int64_t open_events(void)
{
    int64_t open = -1, done, dead;
    if (cs_store_outbox_stats(S, T, NULL, &open, &done, &dead)) return -1;
    return open;
}

/* What the callbacks below do, and what they saw. */
struct probe {
    int calls;
    int races;      /* rounds that write behind the loop's back first */
    int fail_with;  /* nonzero: return this instead of changing anything */
    bool unchanged; /* return CS_STORE_UNCHANGED */
    bool stage;     /* stage one outbox event per round */
    int64_t seen_version[CS_STORE_MODIFY_ATTEMPTS + 1];
};

/* Adds one to "n" (creating the body when absent). */
static int bump(void *ctx, struct cs_doc *d)
{
    struct probe *p = ctx;
    if (p->calls <= CS_STORE_MODIFY_ATTEMPTS) p->seen_version[p->calls] = d->version;
    p->calls++;
    if (p->races > 0) {
        p->races--;
        /* Another writer: bumps by 10 in between. */
        struct cs_doc cur;
        if (cs_store_get(S, A, T, C, d->id, &cur) == CS_OK) {
            json_object_object_add(cur.body, "n",
                                   json_object_new_int64(cs_json_get_int(cur.body, "n", 0) + 10));
            if (cs_store_update(S, A, T, C, d->id, cur.version, cur.body, NULL, 1500, NULL))
                return CS_ERR_STORE;
        } else if (insert(d->id, 10)) {
            return CS_ERR_STORE;
        }
    }
    /* After the other writer's write, which would otherwise carry what is staged. */
    if (p->stage && stage_one()) return CS_ERR_INVALID;
    if (p->fail_with) return p->fail_with;
    if (p->unchanged) return CS_STORE_UNCHANGED;
    if (!d->body) {
        d->body = cs_json_object(A);
        if (!d->body) return CS_ERR_NOMEM;
    }
    return cs_json_add_int(d->body, "n", cs_json_get_int(d->body, "n", 0) + 1);
}

static int modify(struct probe *p, const char *id, unsigned flags, struct cs_doc *out)
{
    const struct cs_store_modify m = {
        .tenant = T, .coll = C, .id = id, .flags = flags, .mutate = bump, .ctx = p, .now_ms = 2000};
    return cs_store_modify(S, A, &m, out);
}

static void modify_updates_in_one_round(void)
{
    REQUIRE(setup() == 0);
    REQUIRE(insert("a", 1) == CS_OK);
    struct probe p = {0};
    struct cs_doc out;
    CHECK_INT(modify(&p, "a", 0, &out), CS_OK);
    CHECK_INT(p.calls, 1);
    CHECK_INT(p.seen_version[0], 1);
    CHECK_INT(out.version, 2);
    int64_t v;
    CHECK_INT(stored_n("a", &v), 2);
    CHECK_INT(v, 2);
    teardown();
}

static void absent_is_not_found_unless_creating(void)
{
    REQUIRE(setup() == 0);
    struct probe p = {0};
    CHECK_INT(modify(&p, "b", 0, NULL), CS_ERR_NOT_FOUND);
    CHECK_INT(p.calls, 0);
    CHECK_INT(modify(&p, "b", CS_MODIFY_CREATE, NULL), CS_OK);
    CHECK_INT(p.calls, 1);
    CHECK_INT(p.seen_version[0], 0);
    CHECK_INT(stored_n("b", NULL), 1);
    teardown();
}

static void lost_race_rereads_and_keeps_both_changes(void)
{
    REQUIRE(setup() == 0);
    REQUIRE(insert("c", 0) == CS_OK);
    struct probe p = {.races = 2};
    CHECK_INT(modify(&p, "c", 0, NULL), CS_OK);
    /* Two rounds lost (each to a +10), the third wrote on top of both. */
    CHECK_INT(p.calls, 3);
    CHECK_INT(p.seen_version[0], 1);
    CHECK_INT(p.seen_version[1], 2);
    CHECK_INT(p.seen_version[2], 3);
    CHECK_INT(stored_n("c", NULL), 21);
    teardown();
}

static void concurrent_create_is_a_lost_race(void)
{
    REQUIRE(setup() == 0);
    struct probe p = {.races = 1};
    CHECK_INT(modify(&p, "d", CS_MODIFY_CREATE, NULL), CS_OK);
    CHECK_INT(p.calls, 2);
    CHECK_INT(p.seen_version[0], 0); /* absent: our insert lost to the other's */
    CHECK_INT(p.seen_version[1], 1);
    CHECK_INT(stored_n("d", NULL), 11);
    teardown();
}

static void gives_up_after_the_budget(void)
{
    REQUIRE(setup() == 0);
    REQUIRE(insert("e", 0) == CS_OK);
    struct probe p = {.races = 1000};
    CHECK_INT(modify(&p, "e", 0, NULL), CS_ERR_CONFLICT);
    CHECK_INT(p.calls, CS_STORE_MODIFY_ATTEMPTS);
    CHECK_INT(stored_n("e", NULL), 10 * CS_STORE_MODIFY_ATTEMPTS);
    teardown();
}

static void mutate_error_is_final_and_drops_the_stage(void)
{
    REQUIRE(setup() == 0);
    REQUIRE(insert("f", 5) == CS_OK);
    /* Even a CS_ERR_CONFLICT of mutate's own (an "already decided") is not retried. */
    struct probe p = {.fail_with = CS_ERR_CONFLICT, .stage = true};
    CHECK_INT(modify(&p, "f", 0, NULL), CS_ERR_CONFLICT);
    CHECK_INT(p.calls, 1);
    CHECK_INT(cs_store_staged(S), 0);
    CHECK_INT(stored_n("f", NULL), 5);
    /* Nothing left to ride on the next write either. */
    REQUIRE(insert("g", 0) == CS_OK);
    CHECK_INT(open_events(), 0);
    teardown();
}

static void unchanged_writes_nothing(void)
{
    REQUIRE(setup() == 0);
    REQUIRE(insert("h", 5) == CS_OK);
    struct probe p = {.unchanged = true, .stage = true};
    struct cs_doc out;
    CHECK_INT(modify(&p, "h", 0, &out), CS_OK);
    CHECK_INT(out.version, 1);
    int64_t v;
    CHECK_INT(stored_n("h", &v), 5);
    CHECK_INT(v, 1);
    CHECK_INT(cs_store_staged(S), 0);
    CHECK_INT(open_events(), 0);
    teardown();
}

static void events_of_a_lost_round_are_not_doubled(void)
{
    REQUIRE(setup() == 0);
    REQUIRE(insert("i", 0) == CS_OK);
    struct probe p = {.races = 3, .stage = true};
    CHECK_INT(modify(&p, "i", 0, NULL), CS_OK);
    CHECK_INT(p.calls, 4);
    CHECK_INT(open_events(), 1);
    teardown();
}

static void insert_first_skips_the_read(void)
{
    REQUIRE(setup() == 0);
    struct probe p = {0};
    CHECK_INT(modify(&p, "j", CS_MODIFY_CREATE | CS_MODIFY_INSERT_FIRST, NULL), CS_OK);
    CHECK_INT(p.calls, 1);
    CHECK_INT(stored_n("j", NULL), 1);
    /* Known id: the blind insert fails, the second round reads and updates. */
    p = (struct probe){0};
    CHECK_INT(modify(&p, "j", CS_MODIFY_CREATE | CS_MODIFY_INSERT_FIRST, NULL), CS_OK);
    CHECK_INT(p.calls, 2);
    CHECK_INT(p.seen_version[0], 0);
    CHECK_INT(p.seen_version[1], 1);
    CHECK_INT(stored_n("j", NULL), 2);
    teardown();
}

static void store_errors_end_the_loop(void)
{
    REQUIRE(setup() == 0);
    REQUIRE(insert("k", 0) == CS_OK);
    struct probe p = {0};
    cs_store_fail_after(S, 1); /* the read */
    CHECK_INT(modify(&p, "k", 0, NULL), CS_ERR_STORE);
    CHECK_INT(p.calls, 0);
    cs_store_fail_after(S, 2); /* the write */
    p = (struct probe){.stage = true};
    CHECK_INT(modify(&p, "k", 0, NULL), CS_ERR_STORE);
    CHECK_INT(p.calls, 1);
    CHECK_INT(cs_store_staged(S), 0);
    cs_store_fail_after(S, 0);
    CHECK_INT(stored_n("k", NULL), 0);
    teardown();
}

static void put_inserts_then_replaces(void)
{
    REQUIRE(setup() == 0);
    json_object *b = cs_json_object(A);
    REQUIRE(b && cs_json_add_int(b, "n", 7) == CS_OK);
    struct cs_doc out;
    CHECK_INT(cs_store_put(S, A, T, C, "p", b, 3000, &out), CS_OK);
    CHECK_INT(out.version, 1);
    json_object *b2 = cs_json_object(A);
    REQUIRE(b2 && cs_json_add_int(b2, "n", 8) == CS_OK);
    CHECK_INT(cs_store_put(S, A, T, C, "p", b2, 4000, &out), CS_OK);
    CHECK_INT(out.version, 2);
    CHECK_INT(stored_n("p", NULL), 8);
    teardown();
}

/* A document the caller already read: the first round mutates it without reading; when
 * it is stale (another write since), that round loses and the next reads afresh. */
static void first_document_skips_the_read(void)
{
    REQUIRE(setup() == 0);
    REQUIRE(insert("f", 1) == CS_OK);
    struct cs_doc first;
    REQUIRE(cs_store_get(S, A, T, C, "f", &first) == CS_OK);
    struct probe p = {0};
    struct cs_store_modify m = {
        .tenant = T, .coll = C, .id = "f", .mutate = bump, .ctx = &p, .now_ms = 2000};
    m.first = &first;
    first.body = json_object_new_object(); /* what the caller holds: n = 5, not the store's 1 */
    REQUIRE(first.body && cs_json_own(A, first.body) == CS_OK);
    REQUIRE(cs_json_add_int(first.body, "n", 5) == CS_OK);
    CHECK_INT(cs_store_modify(S, A, &m, NULL), CS_OK);
    CHECK_INT(p.calls, 1);
    CHECK_INT(stored_n("f", NULL), 6); /* the given body was used, not a fresh read */
    /* Stale now (version 1, the store has 2): the write loses, round two reads. */
    p = (struct probe){0};
    CHECK_INT(cs_store_modify(S, A, &m, NULL), CS_OK);
    CHECK_INT(p.calls, 2);
    CHECK_INT(p.seen_version[0], 1);
    CHECK_INT(p.seen_version[1], 2);
    CHECK_INT(stored_n("f", NULL), 7);
    /* Another document's, or one never stored, is not taken. */
    first.id = "other";
    p = (struct probe){0};
    CHECK_INT(cs_store_modify(S, A, &m, NULL), CS_OK);
    CHECK_INT(p.calls, 1);
    CHECK_INT(stored_n("f", NULL), 8);
    teardown();
}

int main(void)
{
    TEST_RUN(modify_updates_in_one_round);
    TEST_RUN(absent_is_not_found_unless_creating);
    TEST_RUN(lost_race_rereads_and_keeps_both_changes);
    TEST_RUN(concurrent_create_is_a_lost_race);
    TEST_RUN(gives_up_after_the_budget);
    TEST_RUN(mutate_error_is_final_and_drops_the_stage);
    TEST_RUN(unchanged_writes_nothing);
    TEST_RUN(events_of_a_lost_round_are_not_doubled);
    TEST_RUN(insert_first_skips_the_read);
    TEST_RUN(store_errors_end_the_loop);
    TEST_RUN(put_inserts_then_replaces);
    TEST_RUN(first_document_skips_the_read);
    return test_done();
}
