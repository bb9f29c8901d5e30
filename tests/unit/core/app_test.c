/* The whole request pipeline (shared/src/core/app.c) in process: an in-test function with a
 * path parameter, bearer auth with a role, a body schema, the shared rate limit and a
 * SQLite store in a temp folder, driven request by request as a transport would. Ends
 * with a fault-injection matrix: the nth arena allocation or store call fails, and every
 * request still gets a well-formed error (or succeeds), never a crash or a leak. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/app.h"
#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/env.h"
#include "cs/function.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/log.h"
#include "cs/store.h"

#define NOW_MS 1767225615000LL /* 2026-01-01T00:00:15Z: 45 s left in the minute */

/* ---- the function under test ---- */

static const struct cs_field thing_fields[] = {
    {.name = "name", .type = CS_J_STRING, .required = true, .min_len = 2},
    {.name = "email", .type = CS_J_STRING, .format = CS_FMT_EMAIL},
};
static const struct cs_schema thing_schema = {thing_fields, 2};

static int handle_thing(const struct cs_req *req, struct cs_resp *resp)
{
    json_object *out = cs_json_object(req->arena);
    if (!out) return CS_ERR_NOMEM;
    int rc = CS_OK;
    if (strcmp(req->method, "POST") == 0) {
        const char *name = cs_json_get_str(req->json, "name");
        if (strcmp(name, "leaky") == 0) {
            /* An error path that forgets the event it staged: the core must drop it. */
            if (cs_store_stage(req->store, req->auth.tenant, "sub_1", "thing.created", NULL))
                return CS_ERR_INTERNAL;
            return CS_ERR_BAD_REQUEST;
        }
        struct cs_doc doc;
        json_object *body = cs_json_object(req->arena);
        if (!body) return CS_ERR_NOMEM;
        rc = cs_json_add_str(body, "name", name);
        if (!rc)
            rc = cs_store_insert(req->store, req->arena, req->auth.tenant, "things", NULL, body,
                                 NULL, req->now_ms, &doc);
        if (!rc) rc = cs_json_add_str(out, "id", doc.id);
        if (!rc) rc = cs_json_add_str(out, "name", name);
        if (!rc) rc = cs_json_add_str(out, "tenant", req->auth.tenant);
        if (!rc) rc = cs_family_ok(req->env->fn->family, req, resp, 201, out);
        return rc;
    }
    rc = cs_json_add_str(out, "id", cs_req_param(req, "id"));
    if (!rc) rc = cs_json_add_str(out, "q", cs_req_query(req, "q"));
    if (!rc) rc = cs_family_ok(req->env->fn->family, req, resp, 200, out);
    return rc;
}

static const struct cs_function fn = {
    .name = "things",
    .summary = "test function",
    .family = CS_FAMILY_PREDICT,
    .routes = {{"POST", "/api/v1/things", "agent"}, {"GET", "/api/v1/things/{id}", "agent"}},
    .nroutes = 2,
    .auth = CS_AUTH_BEARER,
    .body = &thing_schema,
    .needs = CS_NEED_STORE,
    .handle = handle_thing,
};

/* The same function in the triage family, whose decode errors are FastAPI 422s. */
static const struct cs_function fn_triage = {
    .name = "things-triage",
    .family = CS_FAMILY_TRIAGE,
    .routes = {{"POST", "/api/v1/things"}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &thing_schema,
    .handle = handle_thing,
};

/* ---- environment and driver ---- */

static struct temp_db db; /* the worker's store, named by CS_STORE_URI */
static struct cs_env env;
static struct cs_worker w;
static struct cs_req req;
static struct cs_resp resp;
static char *tok_agent, *tok_viewer, *tok_other;
static struct cs_arena *tok_arena;

static int64_t fixed_now(void) { return NOW_MS; }
static void counting_random(void *buf, size_t n)
{
    static unsigned char next = 0;
    for (size_t i = 0; i < n; i++) ((unsigned char *)buf)[i] = next++;
}

static const char *test_env(const char *name)
{
    if (strcmp(name, "CS_STORE_URI") == 0) return db.uri;
    if (strcmp(name, "CS_MAX_BODY") == 0) return "1024";
    if (strcmp(name, "CS_JWT_SECRET") == 0) return "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    if (strcmp(name, "CS_RATE_LIMIT") == 0) return "100000";
    return NULL;
}

static int setup(void)
{
    temp_db_init(&db, "app");
    const char *why = NULL;
    if (sodium_init() < 0 || cs_config_load(&env.cfg, test_env, &why) != CS_OK) return -1;
    env.fn = &fn;
    env.now_ms = fixed_now;
    env.random = counting_random;
    if (cs_worker_init(&w, &env, &why) != CS_OK) return -1;
    cs_log_set_level(CS_LOG_ERROR + 1); /* keep the test output readable */
    tok_arena = cs_arena_new(0);
    struct cs_principal agent = {
        .tenant = "acme", .subject = "u1", .roles = {"agent"}, .nroles = 1};
    struct cs_principal viewer = {
        .tenant = "acme", .subject = "u2", .roles = {"viewer"}, .nroles = 1};
    struct cs_principal other = {
        .tenant = "ratetest", .subject = "u3", .roles = {"admin"}, .nroles = 1};
    char *t;
    if (cs_jwt_sign(&env.cfg.jwt_key, &agent, NOW_MS / 1000, 3600, tok_arena, &t)) return -1;
    tok_agent = cs_arena_printf(tok_arena, "Bearer %s", t);
    if (cs_jwt_sign(&env.cfg.jwt_key, &viewer, NOW_MS / 1000, 3600, tok_arena, &t)) return -1;
    tok_viewer = cs_arena_printf(tok_arena, "Bearer %s", t);
    if (cs_jwt_sign(&env.cfg.jwt_key, &other, NOW_MS / 1000, 3600, tok_arena, &t)) return -1;
    tok_other = cs_arena_printf(tok_arena, "Bearer %s", t);
    return 0;
}

static void teardown(void)
{
    cs_worker_clean_up(&w);
    cs_arena_destroy(tok_arena);
    temp_db_remove(&db);
}

static struct cs_header hdrs[16];

/* One request, as a transport hands it over: headers as NULL-terminated name/value
 * pairs. The response stays readable until next(). */
static void call(const char *method, const char *path, const char *query, const char *body, ...)
{
    cs_arena_reset(w.arena);
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    size_t n = 0;
    va_list ap;
    va_start(ap, body);
    for (const char *k; n < 16 && (k = va_arg(ap, const char *));) {
        hdrs[n].name = k;
        hdrs[n].value = va_arg(ap, const char *);
        n++;
    }
    va_end(ap);
    req.method = method;
    req.path = path;
    req.query = query ? query : "";
    req.headers = hdrs;
    req.nheaders = n;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    cs_app_handle(&w, &req, &resp);
}

static const char *rh(const char *name)
{
    for (size_t i = 0; i < resp.nheaders; i++)
        if (strcmp(resp.headers[i].name, name) == 0) return resp.headers[i].value;
    return NULL;
}

static const char *body_str(void)
{
    static char copy[4096];
    size_t n = resp.body_len < sizeof(copy) - 1 ? resp.body_len : sizeof(copy) - 1;
    if (resp.body) memcpy(copy, resp.body, n);
    copy[n] = '\0';
    return copy;
}

#define JSON_CT "content-type", "application/json"

/* ---- tests ---- */

static void test_success(void)
{
    call("POST", "/api/v1/things", NULL, "{\"name\":\"widget\"}", JSON_CT, "authorization",
         tok_agent, NULL);
    CHECK_INT(resp.status, 201);
    json_object *o = json_tokener_parse(body_str());
    REQUIRE(o != NULL);
    CHECK_STR(cs_json_get_str(o, "name"), "widget");
    CHECK_STR(cs_json_get_str(o, "tenant"), "acme");
    CHECK(cs_json_get_str(o, "id") != NULL);
    json_object_put(o);
    CHECK_STR(resp.content_type, "application/json");
    CHECK_STR(rh("x-rate-limit-limit"), "100000");
    CHECK_STR(rh("x-rate-limit-reset"), "1767225660");

    call("GET", "/api/v1/things/a%20b", "x=1&q=hello+world&q=2", NULL, "authorization", tok_agent,
         NULL);
    CHECK_INT(resp.status, 200);
    CHECK_STR(body_str(), "{\"id\":\"a b\",\"q\":\"hello world\"}");
    /* Query keys are percent-decoded too. */
    call("GET", "/api/v1/things/x", "%71=enc%20oded", NULL, "authorization", tok_agent, NULL);
    CHECK_STR(body_str(), "{\"id\":\"x\",\"q\":\"enc oded\"}");
    call("GET", "/api/v1/things/x", "qq=1&%7A=2", NULL, "authorization", tok_agent, NULL);
    CHECK_STR(body_str(), "{\"id\":\"x\",\"q\":null}");
}

/* A handler that stages an event and fails leaks nothing: the stage is empty after the
 * request, and the next request's write announces nothing. */
static void test_staged_events_end_with_the_request(void)
{
    call("POST", "/api/v1/things", NULL, "{\"name\":\"leaky\"}", JSON_CT, "authorization",
         tok_agent, NULL);
    CHECK_INT(resp.status, 400);
    CHECK_INT(cs_store_staged(w.store), 0);
    call("POST", "/api/v1/things", NULL, "{\"name\":\"widget\"}", JSON_CT, "authorization",
         tok_agent, NULL);
    CHECK_INT(resp.status, 201);
    int64_t open = -1, done = -1, dead = -1;
    CHECK_INT(cs_store_outbox_stats(w.store, "acme", NULL, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 0);
    CHECK_INT(done + dead, 0);
}

static void test_request_id(void)
{
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, "x-request-id",
         "abc-123.x:y_z", NULL);
    CHECK_STR(rh("x-request-id"), "abc-123.x:y_z");
    /* Unsafe or absent ids are replaced by a generated one, on errors too. */
    call("GET", "/nowhere", NULL, NULL, "x-request-id", "bad id\r\nx: y", NULL);
    const char *id = rh("x-request-id");
    REQUIRE(id != NULL);
    CHECK(strncmp(id, "req-1767225615.", 15) == 0);
    CHECK_INT(strlen(id), 15 + 16);
    CHECK(strspn(id + 15, "0123456789abcdef") == 16);
    call("GET", "/nowhere", NULL, NULL, NULL);
    const char *id2 = rh("x-request-id");
    CHECK(id2 && strncmp(id2, "req-", 4) == 0);
    char long_id[200];
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    call("GET", "/nowhere", NULL, NULL, "x-request-id", long_id, NULL);
    CHECK(rh("x-request-id") && strncmp(rh("x-request-id"), "req-", 4) == 0);
}

static void test_cors(void)
{
    call("OPTIONS", "/api/v1/things", NULL, NULL, "origin", "https://app.example",
         "access-control-request-method", "POST", "access-control-request-headers",
         "authorization, content-type", NULL);
    CHECK_INT(resp.status, 200);
    CHECK_STR(rh("access-control-allow-origin"), "*");
    CHECK(rh("access-control-allow-credentials") == NULL); /* never with "*" (issue 13) */
    CHECK_STR(rh("access-control-allow-headers"), "authorization, content-type");
    CHECK(rh("access-control-allow-methods") && strstr(rh("access-control-allow-methods"), "POST"));
    CHECK_STR(rh("access-control-max-age"), "600");
    CHECK(rh("www-authenticate") == NULL); /* a preflight needs no token */
    /* OPTIONS without the preflight header is just a wrong method. */
    call("OPTIONS", "/api/v1/things", NULL, NULL, NULL);
    CHECK_INT(resp.status, 405);
    /* An origin list echoes only listed origins. */
    const char *saved = env.cfg.cors_origin;
    env.cfg.cors_origin = "https://a.example, https://b.example";
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, "origin",
         "https://b.example", NULL);
    CHECK_STR(rh("access-control-allow-origin"), "https://b.example");
    CHECK_STR(rh("access-control-allow-credentials"), "true");
    CHECK_STR(rh("vary"), "Origin");
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, "origin",
         "https://evil.example", NULL);
    CHECK(rh("access-control-allow-origin") == NULL);
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, "origin",
         "https://a.exam", NULL);
    CHECK(rh("access-control-allow-origin") == NULL); /* a prefix is not a match */
    env.cfg.cors_origin = saved;
}

/* The client address for throttling: the transport's peer; X-Forwarded-For only when
 * that peer is a configured proxy, and then only the entry the proxy appended. */
static void test_client_address(void)
{
    struct cs_req r;
    struct cs_header h[] = {{"x-forwarded-for", "6.6.6.6, 203.0.113.5"}};
    memset(&r, 0, sizeof(r));
    r.env = &env;
    r.arena = w.arena;
    r.headers = h;
    r.nheaders = 1;
    CHECK(cs_req_client(&r) == NULL);
    r.peer_addr = "198.51.100.9";
    const char *saved = env.cfg.trusted_proxies;
    env.cfg.trusted_proxies = "";
    CHECK_STR(cs_req_client(&r), "198.51.100.9"); /* a client's own header is ignored */
    env.cfg.trusted_proxies = "10.0.0.1, 198.51.100.9";
    CHECK_STR(cs_req_client(&r), "203.0.113.5");
    env.cfg.trusted_proxies = "10.0.0.1";
    CHECK_STR(cs_req_client(&r), "198.51.100.9");
    env.cfg.trusted_proxies = saved;
}

/* A revoked subject's token is refused like an expired one (issue 13). */
static void test_revoked_token(void)
{
    cs_revoked_reset_cache();
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 200);
    json_object *b = json_object_new_object();
    json_object_object_add(b, "tenant", json_object_new_string("acme"));
    REQUIRE(cs_store_insert(w.store, w.arena, CS_SYSTEM_TENANT, "revoked", "u1", b, NULL, NOW_MS,
                            NULL) == CS_OK);
    json_object_put(b);
    cs_revoked_reset_cache();
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 401);
    CHECK_STR(body_str(),
              "{\"error\":{\"code\":\"bad_token\",\"message\":\"Invalid or expired token\"}}");
    CHECK(cs_store_delete(w.store, CS_SYSTEM_TENANT, "revoked", "u1", -1) == CS_OK);
    cs_revoked_reset_cache();
}

static int64_t later_ms;
static int64_t later_now(void) { return later_ms; }

/* A token accepted once (and so kept in the thread's memo) is refused as soon as it
 * expires, and under another key: the memo never outlives what verification says. */
static void test_token_memo_follows_verification(void)
{
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 200);
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 200);
    env.now_ms = later_now;
    later_ms = NOW_MS + (3600 + env.cfg.token_skew_s - 1) * 1000LL; /* within the skew */
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 200);
    later_ms = NOW_MS + (3600 + env.cfg.token_skew_s) * 1000LL;
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 401);
    env.now_ms = fixed_now;
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 200);
    struct cs_jwt_key saved = env.cfg.jwt_key;
    env.cfg.jwt_key.bytes[0] ^= 1;
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 401);
    env.cfg.jwt_key = saved;
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 200);
}

static void test_auth_errors(void)
{
    call("GET", "/api/v1/things/1", NULL, NULL, NULL);
    CHECK_INT(resp.status, 401);
    CHECK_STR(rh("www-authenticate"), "Bearer");
    CHECK_STR(body_str(),
              "{\"error\":{\"code\":\"unauthorized\",\"message\":\"Not authenticated\"}}");
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", "Basic dXNlcjpwYXNz", NULL);
    CHECK_INT(resp.status, 401);
    CHECK_STR(body_str(),
              "{\"error\":{\"code\":\"bad_token\",\"message\":\"Invalid or expired token\"}}");
    CHECK_STR(rh("www-authenticate"), "Bearer");
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", "Bearer abc.def.ghi", NULL);
    CHECK_INT(resp.status, 401);
    CHECK_STR(body_str(),
              "{\"error\":{\"code\":\"bad_token\",\"message\":\"Invalid or expired token\"}}");
    /* Tampered: one character of the signature changed. */
    char *t = cs_arena_strdup(tok_arena, tok_agent);
    size_t n = strlen(t);
    t[n - 2] = t[n - 2] == 'A' ? 'B' : 'A';
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", t, NULL);
    CHECK_INT(resp.status, 401);
    /* Valid token without the role: 403, no challenge. */
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_viewer, NULL);
    CHECK_INT(resp.status, 403);
    CHECK_STR(body_str(),
              "{\"error\":{\"code\":\"forbidden\",\"message\":\"Insufficient permissions\"}}");
    CHECK(rh("www-authenticate") == NULL);
    /* "bearer" in any case, extra spaces tolerated. */
    char *lower = cs_arena_printf(tok_arena, "bearer   %s", tok_agent + 7);
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", lower, NULL);
    CHECK_INT(resp.status, 200);
}

static void test_routing_errors(void)
{
    call("GET", "/api/v1/nothing", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 404);
    CHECK_STR(body_str(), "{\"error\":{\"code\":\"not_found\",\"message\":\"Not Found\"}}");
    call("DELETE", "/api/v1/things/1", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 405);
    CHECK_STR(rh("allow"), "GET");
    CHECK_STR(body_str(), "{\"error\":{\"code\":\"method\",\"message\":\"Method Not Allowed\"}}");
    call("PUT", "/api/v1/things", NULL, "{}", JSON_CT, NULL);
    CHECK_INT(resp.status, 405);
    CHECK_STR(rh("allow"), "POST");
    call("GET", "/api/v1/things/", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 404); /* {id} is never empty */
}

/* A value that does not percent-decode is refused, not read as absent: "?status=%zz"
 * once listed everything unfiltered. */
static void test_query_errors(void)
{
    static const char *const bad[] = {"q=%zz", "x=1&q=%G1", "q=%00", "q=a%00b",
                                      "%zz=1", "q=%FF",     "q=%4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        call("GET", "/api/v1/things/x", bad[i], NULL, "authorization", tok_agent, NULL);
        CHECK_INT(resp.status, 422);
        if (resp.status != 422) fprintf(stderr, "  query %s gave %d\n", bad[i], resp.status);
        json_object *o = json_tokener_parse(body_str());
        REQUIRE(o != NULL);
        json_object *err = NULL;
        CHECK(json_object_object_get_ex(o, "error", &err));
        CHECK_STR(cs_json_get_str(err, "code"), "validation");
        json_object_put(o);
    }
    call("GET", "/api/v1/things/x", "x=%zz", NULL, "authorization", tok_agent, NULL);
    CHECK_STR(body_str(),
              "{\"error\":{\"code\":\"validation\",\"message\":\"Validation error\","
              "\"details\":{\"x\":\"Malformed percent-encoding in the query string\"}}}");
    call("GET", "/api/v1/things/x", "q=%C3%A9t%C3%A9&empty=&flag", NULL, "authorization", tok_agent,
         NULL);
    CHECK_INT(resp.status, 200);
    CHECK_STR(body_str(), "{\"id\":\"x\",\"q\":\"\u00e9t\u00e9\"}");
}

static void test_body_errors(void)
{
    char big[1100];
    memset(big, ' ', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[0] = '{';
    big[sizeof(big) - 2] = '}';
    call("POST", "/api/v1/things", NULL, big, JSON_CT, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 413);
    CHECK_STR(body_str(),
              "{\"error\":{\"code\":\"too_large\",\"message\":\"Request body too large\"}}");
    call("POST", "/api/v1/things", NULL, "{\"name\":\"ab\"}", "content-type", "text/plain",
         "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 415);
    CHECK_STR(body_str(), "{\"error\":{\"code\":\"media_type\",\"message\":\"Unsupported media "
                          "type; expected application/json\"}}");
    call("POST", "/api/v1/things", NULL, "{\"name\":\"ab\"}", "content-type",
         "application/json; charset=utf-8", "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 201);
    call("POST", "/api/v1/things", NULL, "{\"name\":\"ab\"}", "content-type",
         "application/problem+json", "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 201);
    call("POST", "/api/v1/things", NULL, "{\"name\":", JSON_CT, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 400);
    CHECK_STR(body_str(), "{\"error\":{\"code\":\"bad_json\",\"message\":\"Malformed JSON body\","
                          "\"details\":{\"body\":\"JSON decode error\"}}}");
    call("POST", "/api/v1/things", NULL, "{\"name\":\"\xff\xfe\"}", JSON_CT, "authorization",
         tok_agent, NULL);
    CHECK_INT(resp.status, 400);
    CHECK_STR(
        body_str(),
        "{\"error\":{\"code\":\"bad_utf8\",\"message\":\"Request body is not valid UTF-8\"}}");
    char deep[41];
    memset(deep, '[', 40);
    deep[40] = '\0';
    call("POST", "/api/v1/things", NULL, deep, JSON_CT, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 400);
    CHECK_STR(body_str(),
              "{\"error\":{\"code\":\"too_deep\",\"message\":\"JSON nesting too deep\"}}");
    call("POST", "/api/v1/things", NULL, NULL, JSON_CT, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 400);
    call("POST", "/api/v1/things", NULL, "{\"name\":\"x\",\"email\":\"nope\"}", JSON_CT,
         "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 422);
    CHECK_STR(body_str(),
              "{\"error\":{\"code\":\"validation\",\"message\":\"Validation error\",\"details\":"
              "{\"name\":\"String should have at least 2 characters\","
              "\"email\":\"value is not a valid email address: An email address must have an "
              "@-sign.\"}}}");
    /* A GET on a function with a body schema reads no body. */
    call("GET", "/api/v1/things/7", NULL, NULL, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 200);
}

static void test_triage_family(void)
{
    env.fn = &fn_triage;
    call("POST", "/api/v1/things", NULL, "{\"name\":", JSON_CT, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 422);
    CHECK_STR(body_str(), "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",8],\"msg\":"
                          "\"JSON decode error\"}]}");
    call("POST", "/api/v1/things", NULL, "{}", JSON_CT, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 422);
    CHECK_STR(body_str(), "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":"
                          "\"Field required\"}]}");
    /* no body at all is a missing body, whatever the content type says */
    call("POST", "/api/v1/things", NULL, NULL, JSON_CT, "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 422);
    CHECK_STR(
        body_str(),
        "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\"}]}");
    call("POST", "/api/v1/things", NULL, NULL, "content-type", "text/plain", "authorization",
         tok_agent, NULL);
    CHECK_INT(resp.status, 422);
    call("GET", "/x", NULL, NULL, NULL);
    CHECK_STR(body_str(), "{\"detail\":\"Not Found\"}");
    env.fn = &fn;
}

static void test_rate_limit(void)
{
    unsigned saved = env.cfg.rate_limit;
    env.cfg.rate_limit = 3;
    for (int i = 0; i < 3; i++) {
        call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_other, NULL);
        CHECK_INT(resp.status, 200);
        char left[8];
        snprintf(left, sizeof(left), "%d", 2 - i);
        CHECK_STR(rh("x-rate-limit-remaining"), left);
    }
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", tok_other, NULL);
    CHECK_INT(resp.status, 429);
    CHECK_STR(body_str(),
              "{\"error\":{\"code\":\"rate_limited\",\"message\":\"Rate limit exceeded\"}}");
    CHECK_STR(rh("retry-after"), "45");
    CHECK_STR(rh("x-rate-limit-limit"), "3");
    CHECK_STR(rh("x-rate-limit-remaining"), "0");
    CHECK_STR(rh("x-rate-limit-reset"), "1767225660");
    /* Per tenant: a fresh tenant starts with its own full window. */
    struct cs_principal fresh = {
        .tenant = "fresh", .subject = "u4", .roles = {"agent"}, .nroles = 1};
    char *t = NULL;
    REQUIRE(cs_jwt_sign(&env.cfg.jwt_key, &fresh, NOW_MS / 1000, 3600, tok_arena, &t) == CS_OK);
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization",
         cs_arena_printf(tok_arena, "Bearer %s", t), NULL);
    CHECK_INT(resp.status, 200);
    CHECK_STR(rh("x-rate-limit-remaining"), "2");
    env.cfg.rate_limit = saved;
}

/* A limit that depends on the body (the sessions family's per-company limits) reads the
 * body the core parsed: "name" picks the limit here. Over the limit, a body that fails
 * the schema still gets the 429 first, as before the body moved ahead of the limit. */
static unsigned body_limit_seen;
static int rate_of_body(const struct cs_req *r, struct cs_rate *out)
{
    const char *name = cs_json_get_str(r->json, "name");
    *out = (struct cs_rate){name && strcmp(name, "strict") == 0 ? 1 : 0, 60};
    body_limit_seen = out->limit;
    return CS_OK;
}

static void test_rate_of_reads_the_parsed_body(void)
{
    struct cs_function by_body = fn;
    by_body.name = "things-by-body";
    by_body.rate_of = rate_of_body;
    env.fn = &by_body;
    call("POST", "/api/v1/things", NULL, "{\"name\":\"strict\"}", "authorization", tok_agent, NULL);
    CHECK_INT(resp.status, 201);
    CHECK_INT(body_limit_seen, 1);
    CHECK_STR(rh("x-rate-limit-limit"), "1");
    /* Over the limit with a body the schema refuses ("email" malformed): 429, not 422. */
    call("POST", "/api/v1/things", NULL, "{\"name\":\"strict\",\"email\":\"no\"}", "authorization",
         tok_agent, NULL);
    CHECK_INT(resp.status, 429);
    CHECK_INT(resp.fields.n, 0);
    /* A body that does not parse gets the default limit, then its own error. */
    call("POST", "/api/v1/things", NULL, "{\"name\":", "authorization", tok_agent, NULL);
    CHECK_INT(body_limit_seen, 0);
    CHECK_INT(resp.status, 400);
    CHECK_INT(resp.fields.n, 1);
    CHECK_STR(resp.fields.e[0].type, "json_invalid");
    env.fn = &fn;
}

/* Every transport writes resp as it is: status, a JSON body, no NULL names. */
static int well_formed(void)
{
    if (resp.status < 200 || resp.status > 599 || !resp.body || !resp.content_type) return 0;
    for (size_t i = 0; i < resp.nheaders; i++)
        if (!resp.headers[i].name) return 0;
    json_object *o = json_tokener_parse(body_str());
    int ok = o != NULL;
    json_object_put(o);
    return ok;
}

static void fault_matrix(int store)
{
    int succeeded = 0, failed = 0;
    for (unsigned n = 1; n <= 300 && !succeeded; n++) {
        cs_arena_reset(w.arena);
        if (store)
            cs_store_fail_after(w.store, n);
        else
            cs_arena_fail_after(w.arena, n);
        call("POST", "/api/v1/things", NULL, "{\"name\":\"fault\",\"email\":\"a@b.example\"}",
             JSON_CT, "authorization", tok_agent, "x-request-id", "fault-1", NULL);
        int status = resp.status;
        if (!well_formed() || (status != 201 && status < 500)) {
            fprintf(stderr, "  %s fault %u: status %d body %s\n", store ? "store" : "arena", n,
                    status, body_str());
            CHECK(0);
        }
        if (status == 201)
            succeeded = 1;
        else
            failed++;
        if (store)
            cs_store_fail_after(w.store, 0);
        else
            cs_arena_fail_after(w.arena, 0);
    }
    CHECK(succeeded);
    /* The faults did reach the pipeline. The token was verified by an earlier call and
     * comes from the thread's memo, so verification allocates nothing here (its own
     * faults are cs_jwt_verify's, tests/unit/auth). */
    CHECK(failed >= (store ? 2 : 5));
    cs_arena_reset(w.arena);
}

static void test_fault_arena(void) { fault_matrix(0); }
static void test_fault_store(void) { fault_matrix(1); }

static void test_access_log_has_no_secrets(void)
{
    /* The access line goes to stderr: capture it and look for anything secret. */
    char path[sizeof(db.path) + 8];
    snprintf(path, sizeof(path), "%s.log", db.path);
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(path, "w+");
    REQUIRE(f != NULL && saved >= 0);
    dup2(fileno(f), 2);
    cs_log_set_level(CS_LOG_DEBUG);
    call("POST", "/api/v1/things", "api_secret=cs_q",
         "{\"name\":\"Secret Name\",\"password\":\"hunter2pass\","
         "\"api_secret\":\"cs_topsecret\"}",
         JSON_CT, "authorization", tok_agent, "x-request-id", "log-1", NULL);
    call("GET", "/api/v1/things/1", NULL, NULL, "authorization", "Bearer not.a.token", NULL);
    fflush(stderr);
    cs_log_set_level(CS_LOG_ERROR + 1);
    dup2(saved, 2);
    close(saved);
    char text[4096];
    fseek(f, 0, SEEK_SET);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(path);
    int lines = 0;
    for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = '\0';
        json_object *o = json_tokener_parse(line);
        CHECK(o && json_object_is_type(o, json_type_object));
        if (lines == 0) {
            CHECK_STR(cs_json_get_str(o, "request_id"), "log-1");
            CHECK_STR(cs_json_get_str(o, "route"), "/api/v1/things");
            CHECK_STR(cs_json_get_str(o, "tenant"), "acme");
            CHECK_STR(cs_json_get_str(o, "fn"), "things");
            CHECK_INT(cs_json_get_int(o, "status", 0), 201);
        } else {
            CHECK_INT(cs_json_get_int(o, "status", 0), 401);
            CHECK_STR(cs_json_get_str(o, "error"), "CS_ERR_BAD_TOKEN");
        }
        json_object_put(o);
        *nl = '\n';
        lines++;
    }
    CHECK_INT(lines, 2);
    CHECK(strstr(text, tok_agent + 7) == NULL);
    CHECK(strstr(text, "not.a.token") == NULL);
    CHECK(strstr(text, "hunter2pass") == NULL);
    CHECK(strstr(text, "cs_topsecret") == NULL);
    CHECK(strstr(text, "cs_q") == NULL);
    CHECK(strstr(text, "Secret Name") == NULL);
}

int main(void)
{
    if (setup() != 0) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    cs_log_set_function(fn.name);
    TEST_RUN(test_success);
    TEST_RUN(test_request_id);
    TEST_RUN(test_staged_events_end_with_the_request);
    TEST_RUN(test_cors);
    TEST_RUN(test_auth_errors);
    TEST_RUN(test_token_memo_follows_verification);
    TEST_RUN(test_client_address);
    TEST_RUN(test_revoked_token);
    TEST_RUN(test_routing_errors);
    TEST_RUN(test_query_errors);
    TEST_RUN(test_body_errors);
    TEST_RUN(test_triage_family);
    TEST_RUN(test_rate_limit);
    TEST_RUN(test_rate_of_reads_the_parsed_body);
    TEST_RUN(test_fault_arena);
    TEST_RUN(test_fault_store);
    TEST_RUN(test_access_log_has_no_secrets);
    teardown();
    return test_done();
}
