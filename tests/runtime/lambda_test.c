/* The Lambda custom runtime end to end: the real (sanitizer-built) function binaries run
 * as child processes against a fake Runtime API (tests/support/fake_lambda_api.c).
 *
 * Needs CS_TEST_BIN (the function binaries), CS_TEST_TMP and CS_DATA_DIR, as build.sh test
 * sets them; without CS_TEST_BIN every test skips. */
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../support/fake_lambda_api.h"
#include "../support/temp_store.h"
#include "../support/test.h"
#include "../support/webhook_sink.h"
#include "cs/arena.h"
#include "cs/notify.h"
#include "cs/store.h"
#include "cs/webhook.h"

#define CHILD_TIMEOUT_MS 60000
/* 32 bytes 0x00..0x1f, base64: a fixed key keeps the tests deterministic. */
#define JWT_SECRET "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static const char *bin_dir, *tmp_dir, *data_dir;
static struct temp_db db; /* the functions' store, shared with the test's own checks */
static char owned_tmp[256];

/* ---- events ---- */

static json_object *headers_obj(const char *const *kv)
{
    json_object *h = json_object_new_object();
    for (size_t i = 0; kv && kv[i]; i += 2)
        json_object_object_add(h, kv[i], json_object_new_string(kv[i + 1]));
    return h;
}

static char *to_string(json_object *o)
{
    char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return s;
}

/* An HTTP API (payload 2.0) event; kv is a NULL-terminated name, value list. b64: 0 plain
 * body, 1 body base64-encoded, 2 flagged base64 but left as given. */
static char *v2_event(const char *method, const char *path, const char *query,
                      const char *const *kv, const char *body, int b64)
{
    json_object *ev = json_object_new_object();
    json_object_object_add(ev, "version", json_object_new_string("2.0"));
    json_object_object_add(ev, "routeKey", json_object_new_string("$default"));
    json_object_object_add(ev, "rawPath", json_object_new_string(path));
    json_object_object_add(ev, "rawQueryString", json_object_new_string(query ? query : ""));
    json_object_object_add(ev, "headers", headers_obj(kv));
    json_object *rc = json_object_new_object(), *http = json_object_new_object();
    json_object_object_add(http, "method", json_object_new_string(method));
    json_object_object_add(http, "path", json_object_new_string(path));
    json_object_object_add(http, "protocol", json_object_new_string("HTTP/1.1"));
    json_object_object_add(http, "sourceIp", json_object_new_string("198.51.100.7"));
    json_object_object_add(http, "userAgent", json_object_new_string("lambda-test"));
    json_object_object_add(rc, "accountId", json_object_new_string("123456789012"));
    json_object_object_add(rc, "apiId", json_object_new_string("abc123"));
    json_object_object_add(rc, "http", http);
    json_object_object_add(rc, "requestId", json_object_new_string("JKJaXmPLvHcESHA="));
    json_object_object_add(rc, "stage", json_object_new_string("$default"));
    json_object_object_add(ev, "requestContext", rc);
    if (body) {
        if (b64 == 1) {
            size_t n = strlen(body);
            size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
            char *enc = malloc(cap);
            sodium_bin2base64(enc, cap, (const unsigned char *)body, n,
                              sodium_base64_VARIANT_ORIGINAL);
            json_object_object_add(ev, "body", json_object_new_string(enc));
            free(enc);
        } else {
            json_object_object_add(ev, "body", json_object_new_string(body));
        }
    }
    json_object_object_add(ev, "isBase64Encoded", json_object_new_boolean(b64 != 0));
    return to_string(ev);
}

/* ---- running a function under the fake API ---- */

struct run {
    struct fake_lambda *api;
    int exit_code;
    double started_ms;
    char log_path[512];
    char out_path[520];
};

/* Runs binary `fn` until the queue of events is drained. with_secret: set CS_JWT_SECRET. */
static int run_function(struct run *r, const char *fn, char **events, const char *const *ids,
                        size_t n, int with_secret)
{
    memset(r, 0, sizeof(*r));
    r->exit_code = -1;
    r->api = fake_lambda_start((const char *const *)events, ids, n);
    if (!r->api) return -1;
    char path[512], api[64], secret[128], var[512], store[sizeof(db.uri) + 16], data[512];
    snprintf(path, sizeof(path), "%s/%s", bin_dir, fn);
    snprintf(api, sizeof(api), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%d", fake_lambda_port(r->api));
    snprintf(secret, sizeof(secret), "CS_JWT_SECRET=%s", JWT_SECRET);
    snprintf(var, sizeof(var), "CS_VAR=%s/lambda-var", tmp_dir);
    snprintf(store, sizeof(store), "CS_STORE_URI=%s", db.uri);
    snprintf(data, sizeof(data), "CS_DATA_DIR=%s", data_dir);
    snprintf(r->log_path, sizeof(r->log_path), "%s/lambda-%s.%d.log", tmp_dir, fn, (int)getpid());
    snprintf(r->out_path, sizeof(r->out_path), "%s.out", r->log_path);
    char *envp[] = {
        api, var, store, data, (char *)"CS_WEBHOOK_ALLOW_PRIVATE=1", with_secret ? secret : NULL,
        NULL};
    char *argv[] = {path, NULL};
    r->started_ms = fake_lambda_now_ms();
    pid_t pid = test_child_start(path, argv, envp, NULL, r->out_path, r->log_path);
    if (pid < 0) return -1;
    r->exit_code = test_child_wait(pid, CHILD_TIMEOUT_MS);
    return 0;
}

/* Checks the child's log for sanitizer reports, prints it when the test failed, removes
 * it, and stops the API. */
static void finish(struct run *r)
{
    size_t len = 0;
    char *log = r->log_path[0] ? test_read_file(r->log_path, &len) : NULL;
    if (log) {
        CHECK(strstr(log, "AddressSanitizer") == NULL);
        CHECK(strstr(log, "LeakSanitizer") == NULL);
        CHECK(strstr(log, "runtime error:") == NULL);
        if (test_cur_failed_) fprintf(stderr, "  --- child stderr ---\n%s\n  ---\n", log);
        free(log);
    }
    if (r->log_path[0]) unlink(r->log_path);
    /* Lambda ships stdout to the function's log: the runtime must not write there (the
     * Runtime API's {"status":"OK"} answers once leaked to it). */
    char *out = r->out_path[0] ? test_read_file(r->out_path, &len) : NULL;
    if (out) {
        if (len) fprintf(stderr, "  child stdout: %s\n", out);
        CHECK_INT(len, 0);
        free(out);
    }
    if (r->out_path[0]) unlink(r->out_path);
    fake_lambda_stop(r->api);
    r->api = NULL;
}

static json_object *parse(const char *s) { return s ? json_tokener_parse(s) : NULL; }

static const char *str_of(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int int_of(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return v && json_object_is_type(v, json_type_int) ? json_object_get_int(v) : -1;
}

/* The /response for `id` as a parsed proxy response, NULL (and a failed check) if none. */
static json_object *response_of(struct run *r, const char *id)
{
    const struct fake_lambda_result *res = fake_lambda_result(r->api, id);
    CHECK(res != NULL);
    if (!res) return NULL;
    CHECK_INT(res->kind, FAKE_LAMBDA_RESPONSE);
    CHECK(res->error_type == NULL);
    json_object *o = parse(res->body);
    CHECK(o != NULL && json_object_is_type(o, json_type_object));
    if (!o) fprintf(stderr, "  response body: %s\n", res->body);
    return o;
}

static void free_events(char **ev, size_t n)
{
    for (size_t i = 0; i < n; i++) free(ev[i]);
}

static int setup(void) { return bin_dir != NULL; }

/* ---- tests ---- */

static void test_v2_health_live(void)
{
    if (!setup()) TEST_SKIP("CS_TEST_BIN not set");
    const char *hdr[] = {"Accept", "application/json", "X-Request-Id", "lambda-v2-1", NULL};
    char *ev[] = {v2_event("GET", "/health/live", "", hdr, NULL, 0)};
    const char *ids[] = {"0e6f6d0c-1f7a-4c1e-9a4e-lambda-v2-1"};
    struct run r;
    REQUIRE(ev[0] != NULL);
    int rc = run_function(&r, "health-live", ev, ids, 1, 1);
    free_events(ev, 1);
    if (rc != 0) {
        finish(&r);
        REQUIRE(rc == 0);
    }
    CHECK_INT(r.exit_code, 1); /* the loop returns 1 when the API goes away; 23 would be a leak */
    CHECK_INT(fake_lambda_delivered(r.api), 1);
    CHECK_INT(fake_lambda_protocol_errors(r.api), 0);
    const struct fake_lambda_result *res = fake_lambda_result(r.api, ids[0]);
    if (res)
        printf(
            "# info: lambda cold start of %s/health-live (fork/exec to first /response): %.1f ms\n",
            bin_dir, res->at_ms - r.started_ms);
    json_object *o = response_of(&r, ids[0]);
    CHECK_INT(int_of(o, "statusCode"), 200);
    json_object *h = get(o, "headers");
    CHECK_STR(str_of(h, "content-type"), "application/json");
    CHECK_STR(str_of(h, "x-request-id"), "lambda-v2-1");
    CHECK_STR(str_of(h, "access-control-allow-origin"), "*");
    CHECK(get(o, "multiValueHeaders") == NULL); /* payload 2.0 has no multiValueHeaders */
    CHECK(get(o, "isBase64Encoded") && !json_object_get_boolean(get(o, "isBase64Encoded")));
    json_object *body = parse(str_of(o, "body"));
    CHECK_STR(str_of(body, "status"), "alive");
    const char *ts = str_of(body, "timestamp");
    CHECK(ts && strlen(ts) >= 20 && ts[4] == '-' && ts[10] == 'T');
    CHECK_INT(json_object_object_length(body), 2);
    json_object_put(body);
    json_object_put(o);
    finish(&r);
}

static void test_v1_rest_event(void)
{
    if (!setup()) TEST_SKIP("CS_TEST_BIN not set");
    char *ev[] = {strdup(
        "{\"resource\":\"/health/live\",\"path\":\"/health/live\",\"httpMethod\":\"GET\","
        "\"headers\":{\"Accept\":\"application/json\",\"X-Request-Id\":\"lambda-v1-1\"},"
        "\"multiValueHeaders\":{\"Accept\":[\"application/"
        "json\"],\"X-Request-Id\":[\"lambda-v1-1\"]},"
        "\"queryStringParameters\":{\"verbose\":\"1\"},"
        "\"multiValueQueryStringParameters\":{\"verbose\":[\"1\"]},"
        "\"pathParameters\":null,\"stageVariables\":null,"
        "\"requestContext\":{\"accountId\":\"123456789012\",\"apiId\":\"1234567890\","
        "\"httpMethod\":\"GET\",\"path\":\"/prod/health/live\",\"protocol\":\"HTTP/1.1\","
        "\"requestId\":\"c6af9ac6-7b61-11e6-9a41-93e8deadbeef\",\"resourcePath\":\"/health/live\","
        "\"stage\":\"prod\",\"identity\":{\"sourceIp\":\"198.51.100.7\",\"userAgent\":\"lambda-"
        "test\"}},"
        "\"body\":null,\"isBase64Encoded\":false}")};
    const char *ids[] = {"c6af9ac6-7b61-11e6-9a41-93e8deadbeef"};
    struct run r;
    int rc = run_function(&r, "health-live", ev, ids, 1, 1);
    free_events(ev, 1);
    if (rc != 0) {
        finish(&r);
        REQUIRE(rc == 0);
    }
    CHECK_INT(r.exit_code, 1);
    json_object *o = response_of(&r, ids[0]);
    CHECK_INT(int_of(o, "statusCode"), 200);
    CHECK_STR(str_of(get(o, "headers"), "content-type"), "application/json");
    json_object *mv = get(o, "multiValueHeaders");
    CHECK(mv && json_object_is_type(mv, json_type_object));
    json_object *ct = get(mv, "content-type"), *rid = get(mv, "x-request-id");
    CHECK(ct && json_object_is_type(ct, json_type_array) && json_object_array_length(ct) == 1);
    CHECK(rid && json_object_is_type(rid, json_type_array) && json_object_array_length(rid) == 1);
    if (ct && json_object_is_type(ct, json_type_array) && json_object_array_length(ct) == 1)
        CHECK_STR(json_object_get_string(json_object_array_get_idx(ct, 0)), "application/json");
    if (rid && json_object_is_type(rid, json_type_array) && json_object_array_length(rid) == 1)
        CHECK_STR(json_object_get_string(json_object_array_get_idx(rid, 0)), "lambda-v1-1");
    json_object *body = parse(str_of(o, "body"));
    CHECK_STR(str_of(body, "status"), "alive");
    json_object_put(body);
    json_object_put(o);
    finish(&r);
}

static void test_unknown_route_404(void)
{
    if (!setup()) TEST_SKIP("CS_TEST_BIN not set");
    char *ev[] = {v2_event("GET", "/health/nope", "", NULL, NULL, 0)};
    struct run r;
    int rc = run_function(&r, "health-live", ev, NULL, 1, 1);
    free_events(ev, 1);
    if (rc != 0) {
        finish(&r);
        REQUIRE(rc == 0);
    }
    json_object *o = response_of(&r, fake_lambda_request_id(r.api, 0));
    CHECK_INT(int_of(o, "statusCode"), 404);
    CHECK_STR(str_of(o, "body"), "{\"detail\":\"Not Found\"}");
    CHECK_STR(str_of(get(o, "headers"), "content-type"), "application/json");
    const char *rid = str_of(get(o, "headers"), "x-request-id");
    CHECK(rid && strncmp(rid, "req-", 4) == 0); /* generated when the caller sent none */
    json_object_put(o);
    finish(&r);
}

/* auth-token (predict family) warm through several bodies, one base64-encoded. */
static void test_auth_token_bodies(void)
{
    if (!setup()) TEST_SKIP("CS_TEST_BIN not set");
    const char *json[] = {"Content-Type", "application/json", NULL};
    char *ev[] = {
        v2_event("POST", "/api/v1/auth/token", "", json,
                 "{\"api_key\":\"cs_lambda_test_no_such_key\",\"api_secret\":\"wrong\"}", 1),
        v2_event("POST", "/api/v1/auth/token", "", json, "{\"api_key\":", 0),
        v2_event("POST", "/api/v1/auth/token", "", json, "{\"api_key\":\"\"}", 0),
        v2_event("POST", "/api/v1/auth/token", "", json, "not base64!", 2),
        v2_event("POST", "/api/v1/auth/token", "", NULL,
                 "{\"api_key\":\"cs_lambda_test_other\",\"api_secret\":\"x\"}", 0),
    };
    struct run r;
    int rc = run_function(&r, "auth-token", ev, NULL, 5, 1);
    free_events(ev, 5);
    if (rc != 0) {
        finish(&r);
        REQUIRE(rc == 0);
    }
    CHECK_INT(r.exit_code, 1);
    CHECK_INT(fake_lambda_delivered(r.api), 5);
    CHECK_INT(fake_lambda_protocol_errors(r.api), 0);

    json_object *o = response_of(&r, fake_lambda_request_id(r.api, 0)); /* decoded base64 */
    CHECK_INT(int_of(o, "statusCode"), 401);
    CHECK_STR(str_of(o, "body"),
              "{\"error\":{\"code\":\"bad_credentials\",\"message\":\"Invalid credentials\"}}");
    json_object_put(o);

    o = response_of(&r, fake_lambda_request_id(r.api, 1)); /* malformed JSON */
    CHECK_INT(int_of(o, "statusCode"), 400);
    CHECK_STR(str_of(o, "body"),
              "{\"error\":{\"code\":\"bad_json\",\"message\":\"Malformed JSON body\","
              "\"details\":{\"body\":\"JSON decode error\"}}}");
    json_object_put(o);

    o = response_of(&r, fake_lambda_request_id(r.api, 2)); /* schema violations */
    CHECK_INT(int_of(o, "statusCode"), 422);
    CHECK_STR(str_of(o, "body"),
              "{\"error\":{\"code\":\"validation\",\"message\":\"Validation error\","
              "\"details\":{\"api_key\":\"String should have at least 1 character\","
              "\"api_secret\":\"Field required\"}}}");
    json_object_put(o);

    /* A body flagged base64 that is not base64 makes the event invalid, not a 4xx. */
    const struct fake_lambda_result *bad =
        fake_lambda_result(r.api, fake_lambda_request_id(r.api, 3));
    CHECK(bad && bad->kind == FAKE_LAMBDA_ERROR);
    CHECK(bad && bad->error_type && strcmp(bad->error_type, "InvalidEvent") == 0);

    /* The worker recovers: the next event is served normally (no content-type: JSON). */
    o = response_of(&r, fake_lambda_request_id(r.api, 4));
    CHECK_INT(int_of(o, "statusCode"), 401);
    CHECK_STR(str_of(o, "body"),
              "{\"error\":{\"code\":\"bad_credentials\",\"message\":\"Invalid credentials\"}}");
    json_object_put(o);
    finish(&r);
}

static void test_invalid_event(void)
{
    if (!setup()) TEST_SKIP("CS_TEST_BIN not set");
    char *ev[] = {strdup("{\"foo\":1}"), strdup("[1,2,3]"),
                  strdup("{\"version\":\"2.0\",\"rawPath\":\"/health/live\"}"),
                  v2_event("GET", "/health/live", "", NULL, NULL, 0)};
    struct run r;
    int rc = run_function(&r, "health-live", ev, NULL, 4, 1);
    free_events(ev, 4);
    if (rc != 0) {
        finish(&r);
        REQUIRE(rc == 0);
    }
    CHECK_INT(r.exit_code, 1);
    CHECK_INT(fake_lambda_protocol_errors(r.api), 0);
    for (size_t i = 0; i < 3; i++) {
        const struct fake_lambda_result *res =
            fake_lambda_result(r.api, fake_lambda_request_id(r.api, i));
        CHECK(res != NULL);
        if (!res) continue;
        CHECK_INT(res->kind, FAKE_LAMBDA_ERROR);
        CHECK_STR(res->error_type, "InvalidEvent");
        json_object *o = parse(res->body);
        CHECK_STR(str_of(o, "errorType"), "InvalidEvent");
        CHECK_STR(str_of(o, "errorMessage"), "not an API Gateway proxy event");
        json_object_put(o);
    }
    json_object *o = response_of(&r, fake_lambda_request_id(r.api, 3));
    CHECK_INT(int_of(o, "statusCode"), 200);
    json_object_put(o);
    finish(&r);
}

/* One process answers a run of events in order, each at the URL of its request id. */
static void test_warm_invocations_in_order(void)
{
    if (!setup()) TEST_SKIP("CS_TEST_BIN not set");
    enum { N = 6 };
    char *ev[N];
    char idbuf[N][64], ridbuf[N][32];
    const char *ids[N];
    for (int i = 0; i < N; i++) {
        snprintf(idbuf[i], sizeof(idbuf[i]), "9f1c2d3e-0000-4000-8000-%012d", 100 + i);
        snprintf(ridbuf[i], sizeof(ridbuf[i]), "warm-%d", i);
        ids[i] = idbuf[i];
        const char *hdr[] = {"x-request-id", ridbuf[i], NULL};
        ev[i] = v2_event("GET", i == 3 ? "/missing" : "/health/live", "", hdr, NULL, 0);
    }
    struct run r;
    int rc = run_function(&r, "health-live", ev, ids, N, 1);
    free_events(ev, N);
    if (rc != 0) {
        finish(&r);
        REQUIRE(rc == 0);
    }
    CHECK_INT(r.exit_code, 1);
    CHECK_INT(fake_lambda_delivered(r.api), N);
    CHECK_INT(fake_lambda_protocol_errors(r.api), 0);
    for (int i = 0; i < N; i++) {
        const struct fake_lambda_result *res = fake_lambda_result(r.api, ids[i]);
        CHECK(res != NULL);
        if (!res) continue;
        CHECK_INT(res->order, i);
        json_object *o = response_of(&r, ids[i]);
        CHECK_INT(int_of(o, "statusCode"), i == 3 ? 404 : 200);
        CHECK_STR(str_of(get(o, "headers"), "x-request-id"), ridbuf[i]);
        json_object_put(o);
    }
    double first = fake_lambda_result(r.api, ids[0]) ? fake_lambda_result(r.api, ids[0])->at_ms : 0;
    double last =
        fake_lambda_result(r.api, ids[N - 1]) ? fake_lambda_result(r.api, ids[N - 1])->at_ms : 0;
    printf("# info: %d warm invocations after the first: %.2f ms each\n", N - 1,
           (last - first) / (N - 1));
    finish(&r);
}

static void test_init_error(void)
{
    if (!setup()) TEST_SKIP("CS_TEST_BIN not set");
    char *ev[] = {v2_event("POST", "/api/v1/auth/token", "", NULL, "{}", 0)};
    struct run r;
    int rc = run_function(&r, "auth-token", ev, NULL, 1, 0);
    free_events(ev, 1);
    if (rc != 0) {
        finish(&r);
        REQUIRE(rc == 0);
    }
    CHECK(r.exit_code > 0 && r.exit_code < 128); /* a plain non-zero exit, no crash */
    CHECK(r.exit_code != 23);                    /* LeakSanitizer's exit code */
    CHECK_INT(fake_lambda_delivered(r.api), 0);  /* it never asked for an event */
    const struct fake_lambda_result *ie = fake_lambda_init_error(r.api);
    CHECK(ie != NULL);
    if (ie) {
        CHECK_STR(ie->error_type, "Runtime.InitError");
        json_object *o = parse(ie->body);
        CHECK_STR(str_of(o, "errorType"), "Runtime.InitError");
        const char *msg = str_of(o, "errorMessage");
        CHECK(msg && strstr(msg, "CS_JWT_SECRET") != NULL);
        CHECK(msg && strstr(msg, JWT_SECRET) == NULL);
        json_object_put(o);
    }
    finish(&r);
}

/* A bearer function without a token: 401 with a challenge, in the triage family. */
static void test_bearer_function_unauthorized(void)
{
    if (!setup()) TEST_SKIP("CS_TEST_BIN not set");
    char path[512];
    snprintf(path, sizeof(path), "%s/tickets-process", bin_dir);
    if (access(path, X_OK) != 0) TEST_SKIP("tickets-process not built");
    const char *hdr[] = {"content-type", "application/json", NULL};
    char *ev[] = {v2_event("POST", "/api/v1/tickets/process", "", hdr, "{}", 0)};
    struct run r;
    int rc = run_function(&r, "tickets-process", ev, NULL, 1, 1);
    free_events(ev, 1);
    if (rc != 0) {
        finish(&r);
        REQUIRE(rc == 0);
    }
    json_object *o = response_of(&r, fake_lambda_request_id(r.api, 0));
    CHECK_INT(int_of(o, "statusCode"), 401);
    CHECK_STR(str_of(get(o, "headers"), "www-authenticate"), "Bearer");
    CHECK_STR(str_of(o, "body"), "{\"detail\":\"Not authenticated\"}");
    json_object_put(o);
    finish(&r);
}

/* The scheduled dispatcher on Lambda: an EventBridge scheduled event drains what is due
 * (here one ticket.created for a receiver on loopback) and answers with a summary; an
 * API Gateway event is refused. */
static void test_scheduled_dispatch(void)
{
    if (!setup()) TEST_SKIP("CS_TEST_BIN not set");
    struct sink *s = sink_start(NULL, 0, 200, 0);
    REQUIRE(s != NULL);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", sink_port(s));
    struct cs_store *st = NULL;
    struct cs_arena *a = cs_arena_new(0);
    struct cs_jwt_key server;
    json_object *events = json_tokener_parse("[\"ticket.created\"]");
    json_object *data = json_tokener_parse("{\"ticket_id\":\"TKT-L1\"}");
    struct cs_doc sub;
    int ok = cs_jwt_key_parse(JWT_SECRET, &server) == CS_OK && (st = temp_db_open(&db)) != NULL &&
             cs_webhook_subscribe(st, a, "lambdaco", &server, url, events,
                                  "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1000,
                                  &sub) == CS_OK &&
             cs_notify_stage(st, a, "lambdaco", "ticket.created", data, 1000, NULL) == CS_OK &&
             cs_store_outbox_flush(st, 1000) == CS_OK;
    json_object_put(events);
    json_object_put(data);
    cs_store_close(st);
    cs_arena_destroy(a);
    if (!ok) sink_stop(s);
    REQUIRE(ok);
    char *ev[] = {
        strdup("{\"version\":\"0\",\"id\":\"e1\",\"detail-type\":\"Scheduled Event\","
               "\"source\":\"aws.events\",\"time\":\"2026-11-25T12:00:00Z\",\"detail\":{}}"),
        v2_event("GET", "/health/live", "", NULL, NULL, 0)};
    struct run r;
    int rc = run_function(&r, "webhook-dispatch", ev, NULL, 2, 1);
    free_events(ev, 2);
    if (rc == 0) {
        const struct fake_lambda_result *res =
            fake_lambda_result(r.api, fake_lambda_request_id(r.api, 0));
        CHECK(res && res->kind == FAKE_LAMBDA_RESPONSE);
        json_object *o = res ? parse(res->body) : NULL;
        CHECK(json_object_get_boolean(get(o, "ok")));
        CHECK_INT(int_of(get(o, "summary"), "delivered"), 1);
        json_object_put(o);
        res = fake_lambda_result(r.api, fake_lambda_request_id(r.api, 1));
        CHECK(res && res->kind == FAKE_LAMBDA_ERROR);
        CHECK(res && res->error_type && strcmp(res->error_type, "InvalidEvent") == 0);
        CHECK_INT(sink_count(s), 1);
        struct sink_msg m;
        struct cs_webhook_key k;
        CHECK(sink_get(s, 0, &m) && strstr(m.body, "TKT-L1") != NULL);
        CHECK(cs_webhook_secret_parse("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", &k) ==
                  CS_OK &&
              cs_webhook_verify(&k, m.id, m.ts, m.sig, m.body, m.body_len, (int64_t)time(NULL),
                                NULL) == CS_OK);
    }
    finish(&r);
    sink_stop(s);
    REQUIRE(rc == 0);
}

/* The training worker is also the training state machine's task: an event that is not a
 * scheduled one goes to its step handler, whose output is the invocation's response and
 * whose error name is Lambda's errorType (what the machine's Retry and Catch match). */
static void test_training_steps(void)
{
    if (!setup()) TEST_SKIP("CS_TEST_BIN not set");
    char *ev[] = {
        strdup("{\"version\":\"0\",\"id\":\"e2\",\"detail-type\":\"Scheduled Event\","
               "\"source\":\"aws.events\",\"time\":\"2026-11-25T12:00:00Z\",\"detail\":{}}"),
        strdup("{\"action\":\"mix\",\"tenant\":\"lambdaco\",\"job_id\":\"j1\"}"),
        strdup("{\"action\":\"start\",\"tenant\":\"lambdaco\",\"job_id\":\"absent\","
               "\"lease\":{\"id\":\"x\",\"lease_id\":1},\"started_ms\":1}")};
    struct run r;
    int rc = run_function(&r, "ai-training-worker", ev, NULL, 3, 1);
    free_events(ev, 3);
    if (rc == 0) {
        const struct fake_lambda_result *res =
            fake_lambda_result(r.api, fake_lambda_request_id(r.api, 0));
        CHECK(res && res->kind == FAKE_LAMBDA_RESPONSE);
        json_object *o = res ? parse(res->body) : NULL;
        CHECK(json_object_get_boolean(get(o, "ok")));
        CHECK_INT(int_of(get(o, "summary"), "jobs"), 0);
        json_object_put(o);
        res = fake_lambda_result(r.api, fake_lambda_request_id(r.api, 1));
        CHECK(res && res->kind == FAKE_LAMBDA_ERROR);
        CHECK(res && res->error_type && strcmp(res->error_type, "InvalidStep") == 0);
        res = fake_lambda_result(r.api, fake_lambda_request_id(r.api, 2));
        CHECK(res && res->kind == FAKE_LAMBDA_RESPONSE);
        o = res ? parse(res->body) : NULL; /* no such job: nothing to do, the machine ends */
        CHECK(json_object_get_boolean(get(o, "done")));
        CHECK(get(o, "status") == NULL);
        json_object_put(o);
    }
    finish(&r);
    REQUIRE(rc == 0);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    bin_dir = getenv("CS_TEST_BIN");
    tmp_dir = getenv("CS_TEST_TMP");
    data_dir = getenv("CS_DATA_DIR");
    if (!data_dir) data_dir = "data";
    if (!tmp_dir) {
        snprintf(owned_tmp, sizeof(owned_tmp), "/tmp/cs-lambda-test.XXXXXX");
        tmp_dir = mkdtemp(owned_tmp);
        if (!tmp_dir) return 1;
    }
    temp_db_init(&db, "lambda");
    TEST_RUN(test_v2_health_live);
    TEST_RUN(test_v1_rest_event);
    TEST_RUN(test_unknown_route_404);
    TEST_RUN(test_auth_token_bodies);
    TEST_RUN(test_invalid_event);
    TEST_RUN(test_warm_invocations_in_order);
    TEST_RUN(test_init_error);
    TEST_RUN(test_bearer_function_unauthorized);
    TEST_RUN(test_scheduled_dispatch);
    TEST_RUN(test_training_steps);
    temp_db_remove(&db);
    char p[600];
    snprintf(p, sizeof(p), "%s/lambda-var", tmp_dir);
    rmdir(p); /* only when the functions left nothing in it */
    if (owned_tmp[0]) rmdir(owned_tmp);
    return test_done();
}
