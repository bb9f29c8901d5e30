/* A stored session that is malformed (no status, an unknown tier, messages that are not
 * an array, no companyId) is an error response in the sessions family's format from every
 * handler that reads one back, never a crash: the real handlers (compiled in) are called
 * in process on a real store, and the error body is rendered by the family's writer.
 * Their file-local helpers share names (attempt, stage), hence the renames. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define attempt messages_attempt
#include "../../../functions/cs-messages/handler.c"
#undef attempt
#define attempt escalate_attempt
#define stage escalate_stage
#include "../../../functions/cs-escalate/handler.c"
#undef attempt
#undef stage
#define attempt resolve_attempt
#define stage resolve_stage
#include "../../../functions/cs-resolve/handler.c"
#undef attempt
#undef stage
#include "../../../functions/cs-sessions-read/handler.c"
#define stage abandon_stage
#include "../../../functions/cs-abandon/handler.c"
#undef stage
#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/app.h"
#include "cs/function.h"

/* What the sessions functions together need from the environment. */
static const struct cs_function test_fn = {
    .name = "cs-stored-test",
    .family = CS_FAMILY_SESSIONS,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_AI,
};

static struct cs_env env;
static struct cs_worker w;
static struct temp_db db;

static void setup(void)
{
    temp_db_init(&db, "session-stored");
    setenv("CS_STORE_URI", db.uri, 1);
    setenv("CS_JWT_SECRET", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1);
    setenv("CS_LOG_LEVEL", "error", 1);
    if (!getenv("CS_DATA_DIR")) setenv("CS_DATA_DIR", "data", 1);
    const char *why = NULL;
    REQUIRE(sodium_init() >= 0);
    REQUIRE(cs_env_init(&env, &test_fn, &why) == CS_OK);
    REQUIRE(cs_worker_init(&w, &env, &why) == CS_OK);
}

static void store_raw(const char *id, const char *json)
{
    json_object *b = NULL;
    REQUIRE(cs_json_parse(json, strlen(json), w.arena, &b, NULL) == CS_OK);
    REQUIRE(cs_store_insert(w.store, w.arena, "acme", CS_SESSIONS_COLL, id, b, NULL, 1000, NULL) ==
            CS_OK);
    cs_arena_reset(w.arena);
}

typedef int (*handler_fn)(const struct cs_req *, struct cs_resp *);

/* Calls `fn` for session `id` with `body` and renders its error as the gateway would. */
static int call(handler_fn fn, const char *id, const char *body, struct cs_resp *resp)
{
    int rc = CS_ERR_INTERNAL;
    struct cs_req req;
    memset(&req, 0, sizeof(req));
    memset(resp, 0, sizeof(*resp));
    req.method = "POST";
    req.query = "";
    req.arena = w.arena;
    req.env = &env;
    req.store = w.store;
    req.param_names[0] = "id";
    req.param_values[0] = id;
    req.nparams = 1;
    req.request_id = "req-1";
    req.auth.tenant = "acme";
    req.now_ms = 2000;
    if (body && cs_json_parse(body, strlen(body), w.arena, &req.json, NULL) != CS_OK) return rc;
    rc = fn(&req, resp);
    if (rc) cs_family_error(CS_FAMILY_SESSIONS, &req, resp, rc);
    return rc;
}

static void expect_corrupt(handler_fn fn, const char *body, const char *id, const char *field)
{
    struct cs_resp resp;
    int rc = call(fn, id, body, &resp);
    CHECK_INT(rc, CS_ERR_SESSION_CORRUPT);
    CHECK_INT(resp.status, 500);
    char want[256];
    snprintf(want, sizeof(want),
             "{\"error\":{\"code\":\"CS_010\",\"message\":\"Stored session is malformed\","
             "\"details\":{\"sessionId\":\"%s\",\"field\":\"%s\"}}}",
             id, field);
    CHECK(resp.body != NULL);
    if (resp.body) CHECK_STR(resp.body, want);
    cs_arena_reset(w.arena);
}

static void test_malformed_sessions_answer_errors(void)
{
    setup();
    store_raw("sess_nostatus",
              "{\"companyId\":\"co1\",\"currentTier\":\"AI_REP\",\"messages\":[],\"stats\":{}}");
    store_raw("sess_badtier",
              "{\"companyId\":\"co1\",\"status\":\"ACTIVE\",\"currentTier\":\"BOSS\"}");
    store_raw("sess_badmsgs", "{\"companyId\":\"co1\",\"status\":\"ACTIVE\",\"currentTier\":\"AI_"
                              "REP\",\"messages\":\"hi\"}");
    store_raw("sess_nocompany", "{\"status\":\"ACTIVE\",\"currentTier\":\"AI_REP\"}");
    store_raw("sess_numstatus", "{\"companyId\":\"co1\",\"status\":7,\"currentTier\":\"AI_REP\"}");
    static const struct {
        const char *id, *field;
    } bad[] = {{"sess_nostatus", "status"},
               {"sess_badtier", "currentTier"},
               {"sess_badmsgs", "messages"},
               {"sess_nocompany", "companyId"},
               {"sess_numstatus", "status"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_corrupt(fn_cs_messages, "{\"message\":\"Where is my order?\"}", bad[i].id,
                       bad[i].field);
        expect_corrupt(fn_cs_escalate,
                       "{\"targetTier\":\"AI_MANAGER\",\"reason\":\"CUSTOMER_REQUEST\"}", bad[i].id,
                       bad[i].field);
        expect_corrupt(fn_cs_resolve, "{\"resolutionType\":\"ISSUE_RESOLVED\"}", bad[i].id,
                       bad[i].field);
        expect_corrupt(fn_cs_sessions_read, NULL, bad[i].id, bad[i].field);
    }
    /* The idle sweep skips the broken documents and still abandons the good one. */
    store_raw("sess_good",
              "{\"companyId\":\"co1\",\"status\":\"ACTIVE\",\"currentTier\":\"AI_REP\"}");
    struct cs_resp resp;
    CHECK_INT(call(fn_cs_abandon, "", "{\"idleMinutes\":0}", &resp), CS_OK);
    CHECK_INT(resp.status, 200);
    if (resp.body)
        CHECK_STR(resp.body, "{\"sessionIds\":[\"sess_good\"],\"abandoned\":1,\"idleMinutes\":0}");
    cs_arena_reset(w.arena);
    /* The other document the handlers read back, the company configuration: a stored
     * one that breaks the schema is an error answer too (CS_ERR_CONFIG), never a crash. */
    static const char bad_cfg[] = "{\"tiers\":{\"aiRep\":{\"maxRefundAmount\":\"lots\"}}}";
    json_object *cfg = NULL;
    REQUIRE(cs_json_parse(bad_cfg, sizeof(bad_cfg) - 1, w.arena, &cfg, NULL) == CS_OK);
    REQUIRE(cs_store_insert(w.store, w.arena, "acme", CS_CONFIG_COLL, "config", cfg, NULL, 1000,
                            NULL) == CS_OK);
    cs_arena_reset(w.arena);
    store_raw("sess_good2",
              "{\"companyId\":\"co9\",\"status\":\"ACTIVE\",\"currentTier\":\"AI_REP\"}");
    CHECK_INT(call(fn_cs_messages, "sess_good2", "{\"message\":\"Where is my order?\"}", &resp),
              CS_ERR_CONFIG);
    CHECK_INT(resp.status, 500);
    if (resp.body)
        CHECK_STR(resp.body,
                  "{\"error\":{\"code\":\"CS_010\",\"message\":\"Invalid configuration\"}}");
    cs_arena_reset(w.arena);
    /* Nothing was written over the broken documents. */
    struct cs_doc d;
    REQUIRE(cs_store_get(w.store, w.arena, "acme", CS_SESSIONS_COLL, "sess_nostatus", &d) == CS_OK);
    CHECK_INT(d.version, 1);
    CHECK(cs_json_get_str(d.body, "status") == NULL);
    cs_worker_clean_up(&w);
    cs_env_clean_up(&env);
    temp_db_remove(&db);
}

int main(void)
{
    TEST_RUN(test_malformed_sessions_answer_errors);
    return test_done();
}
