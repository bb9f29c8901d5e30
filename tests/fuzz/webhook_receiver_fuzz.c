/* Fuzzes incoming webhook bodies through the real webhook-receiver function (its
 * handler and routes are compiled in) and the core request path: each input is POSTed
 * correctly signed with the tenant's receiver secret, so the fuzzer gets past the
 * signature to the JSON parser, the schema, the models and the store. Every answer
 * must be a clean status; an accepted message sent again must be refused as a replay. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../functions/webhook-receiver/handler.c"
#include "../../functions/webhook-receiver/routes.c"
#include "cs/app.h"
#include "cs/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_env env;
static struct cs_worker w;
static struct cs_webhook_key key;
static unsigned long counter;

static char db[96];

static void remove_db(void)
{
    char p[128];
    unlink(db + 9);
    snprintf(p, sizeof(p), "%s-wal", db + 9);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", db + 9);
    unlink(p);
}

static void setup(void)
{
    snprintf(db, sizeof(db), "sqlite:///tmp/cs-whrecv-fuzz-%d.db", (int)getpid());
    remove_db();
    atexit(remove_db);
    setenv("CS_STORE_URI", db, 1);
    setenv("CS_JWT_SECRET", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1);
    setenv("CS_LOG_LEVEL", "error", 1);
    if (!getenv("CS_DATA_DIR")) setenv("CS_DATA_DIR", "data", 1);
    const char *why = NULL;
    if (sodium_init() < 0 || cs_env_init(&env, &cs_function, &why) ||
        cs_worker_init(&w, &env, &why)) {
        fprintf(stderr, "setup failed: %s\n", why ? why : "?");
        abort();
    }
    char secret[CS_WEBHOOK_SECRET_MAX], *sealed = NULL;
    cs_webhook_secret_new(NULL, secret);
    json_object *doc = cs_json_object(w.arena);
    if (cs_webhook_secret_parse(secret, &key) ||
        cs_webhook_seal(&env.cfg.jwt_key, secret, w.arena, &sealed) ||
        cs_json_add_str(doc, "secret_sealed", sealed) ||
        cs_json_add_double(doc, "escalation_threshold", 0.5, 2) ||
        cs_store_insert(w.store, w.arena, "acme", CS_WEBHOOK_RECEIVER_COLL, CS_WEBHOOK_RECEIVER_ID,
                        doc, NULL, env.now_ms(), NULL))
        abort();
    cs_arena_reset(w.arena);
}

static int post(const char *id, const char *ts, const char *sig, const uint8_t *data, size_t size,
                struct cs_resp *resp)
{
    struct cs_header h[] = {{"content-type", "application/json"},
                            {"webhook-id", id},
                            {"webhook-timestamp", ts},
                            {"webhook-signature", sig}};
    struct cs_req req;
    memset(&req, 0, sizeof(req));
    memset(resp, 0, sizeof(*resp));
    req.method = "POST";
    req.path = "/api/v1/webhooks/incoming/acme";
    req.query = "";
    req.headers = h;
    req.nheaders = 4;
    req.body = size ? (const char *)data : NULL;
    req.body_len = size;
    cs_app_handle(&w, &req, resp);
    return resp->status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!w.arena) setup();
    char id[48], ts[24], sig[CS_WEBHOOK_SIG_MAX];
    snprintf(id, sizeof(id), "msg_fuzz_%d_%lu", (int)getpid(), ++counter);
    int64_t now_s = env.now_ms() / 1000;
    snprintf(ts, sizeof(ts), "%lld", (long long)now_s);
    if (cs_webhook_sign(&key, id, now_s, (const char *)data, size, sig)) abort();
    struct cs_resp resp;
    int status = post(id, ts, sig, data, size, &resp);
    if (status != 200 && status != 400 && status != 413 && status != 422) {
        fprintf(stderr, "unexpected status %d\n", status);
        abort();
    }
    if (!resp.body || resp.body_len == 0) abort();
    if (status == 200) {
        if (!memmem(resp.body, resp.body_len, "\"prediction\"", 12)) abort();
        cs_arena_reset(w.arena);
        if (post(id, ts, sig, data, size, &resp) != 409) abort();
    }
    cs_arena_reset(w.arena);
    return 0;
}
