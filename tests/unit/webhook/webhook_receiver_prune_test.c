/* The incoming-webhook receiver's replay guard is pruned once its messages can no
 * longer pass the timestamp check, and pruning never lets a replay through: the real
 * handler (compiled in) driven through the core pipeline with a test clock. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../functions/webhook-receiver/handler.c"
#include "../../../functions/webhook-receiver/routes.c"
#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/app.h"
#include "cs/store.h"

static struct cs_env env;
static struct cs_worker w;
static struct cs_webhook_key key;
static int64_t clock_ms = 1764000000000;
static struct temp_db db;

static int64_t test_now(void) { return clock_ms; }

static int setup(void)
{
    temp_db_init(&db, "whrecv-prune");
    setenv("CS_STORE_URI", db.uri, 1);
    setenv("CS_JWT_SECRET", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1);
    setenv("CS_LOG_LEVEL", "error", 1);
    if (!getenv("CS_DATA_DIR")) setenv("CS_DATA_DIR", "data", 1);
    const char *why = NULL;
    if (sodium_init() < 0 || cs_env_init(&env, &cs_function, &why)) return -1;
    env.now_ms = test_now;
    if (cs_worker_init(&w, &env, &why)) return -1;
    char secret[CS_WEBHOOK_SECRET_MAX], *sealed = NULL;
    cs_webhook_secret_new(NULL, secret);
    json_object *doc = cs_json_object(w.arena);
    if (!doc || cs_webhook_secret_parse(secret, &key) ||
        cs_webhook_seal(&env.cfg.jwt_key, secret, w.arena, &sealed) ||
        cs_json_add_str(doc, "secret_sealed", sealed) ||
        cs_json_add_double(doc, "escalation_threshold", 0.9, 2) ||
        cs_store_insert(w.store, w.arena, "acme", CS_WEBHOOK_RECEIVER_COLL, CS_WEBHOOK_RECEIVER_ID,
                        doc, NULL, clock_ms, NULL))
        return -1;
    cs_arena_reset(w.arena);
    return 0;
}

/* Posts a delivery signed at `signed_s` (Unix seconds); returns the status. */
static int deliver(const char *id, int64_t signed_s)
{
    static const char body[] = "{\"type\":\"ticket.created\",\"data\":{\"ticket_id\":\"HD-1\","
                               "\"message\":\"Where is my order?\"}}";
    char ts[24], sig[CS_WEBHOOK_SIG_MAX];
    snprintf(ts, sizeof(ts), "%lld", (long long)signed_s);
    if (cs_webhook_sign(&key, id, signed_s, body, sizeof(body) - 1, sig)) return -1;
    struct cs_header h[] = {{"content-type", "application/json"},
                            {"webhook-id", id},
                            {"webhook-timestamp", ts},
                            {"webhook-signature", sig}};
    struct cs_req req;
    struct cs_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    req.method = "POST";
    req.path = "/api/v1/webhooks/incoming/acme";
    req.query = "";
    req.headers = h;
    req.nheaders = 4;
    req.body = body;
    req.body_len = sizeof(body) - 1;
    cs_app_handle(&w, &req, &resp);
    int status = resp.status;
    cs_arena_reset(w.arena);
    return status;
}

static int64_t guard_records(void)
{
    int64_t n = -1;
    if (cs_store_count(w.store, "acme", CS_WEBHOOK_RECEIVED_COLL, NULL, 0, &n)) return -1;
    return n;
}

static bool guarded(const char *id)
{
    struct cs_doc d;
    bool found = cs_store_get(w.store, w.arena, "acme", CS_WEBHOOK_RECEIVED_COLL, id, &d) == CS_OK;
    cs_arena_reset(w.arena);
    return found;
}

static void test_guard_pruned_after_window_and_replays_still_refused(void)
{
    REQUIRE(setup() == 0);
    int64_t t0 = clock_ms / 1000;
    CHECK_INT(deliver("msg_a", t0), 200);
    CHECK_INT(deliver("msg_b", t0), 200);
    CHECK_INT(guard_records(), 2);
    /* Within the window a replay meets its guard record. */
    clock_ms += 60 * 1000;
    CHECK_INT(deliver("msg_a", t0), 409);
    CHECK(guarded("msg_a"));
    /* Eleven minutes on, a new delivery drops the records that can no longer matter. */
    clock_ms += 10 * 60 * 1000;
    CHECK_INT(deliver("msg_c", clock_ms / 1000), 200);
    CHECK(!guarded("msg_a"));
    CHECK(!guarded("msg_b"));
    CHECK(guarded("msg_c"));
    CHECK_INT(guard_records(), 1);
    /* The old message replayed now fails the timestamp check instead. */
    CHECK_INT(deliver("msg_a", t0), 401);
    CHECK(!guarded("msg_a"));
    cs_worker_clean_up(&w);
    cs_env_clean_up(&env);
    temp_db_remove(&db);
}

int main(void)
{
    TEST_RUN(test_guard_pruned_after_window_and_replays_still_refused);
    return test_done();
}
