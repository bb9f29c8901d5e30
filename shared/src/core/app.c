#include "cs/app.h"

#include <ctype.h>
#include <sodium.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/events.h"
#include "cs/family.h"
#include "cs/function.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/log.h"
#include "cs/router.h"
#include "cs/store.h"

static bool needs_store(const struct cs_function *fn)
{
    /* Bearer functions need the store for their shared rate-limit counters. */
    return (fn->needs & CS_NEED_STORE) || fn->auth == CS_AUTH_BEARER;
}

int cs_worker_init(struct cs_worker *w, struct cs_env *env, const char **why)
{
    memset(w, 0, sizeof(*w));
    w->env = env;
    w->arena = cs_arena_new(0);
    if (!w->arena) {
        *why = "out of memory";
        return CS_ERR_NOMEM;
    }
    if (needs_store(env->fn)) {
        int rc = cs_store_open(env->cfg.store_uri, &w->store);
        if (rc) {
            *why = "store could not be opened (check CS_STORE_URI)";
            cs_arena_destroy(w->arena);
            w->arena = NULL;
            return rc;
        }
    }
    return CS_OK;
}

void cs_worker_clean_up(struct cs_worker *w)
{
    cs_store_close(w->store);
    cs_arena_destroy(w->arena);
    memset(w, 0, sizeof(*w));
}

/* ---- request id ---- */

static bool request_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 128) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-_.:", *s)) return false;
    return true;
}

static const char *request_id(struct cs_req *req)
{
    const char *given = cs_req_header(req, "x-request-id");
    if (request_id_ok(given)) return given;
    unsigned char r[8];
    req->env->random(r, sizeof(r));
    return cs_arena_printf(req->arena, "req-%lld.%02x%02x%02x%02x%02x%02x%02x%02x",
                           (long long)(req->now_ms / 1000), r[0], r[1], r[2], r[3], r[4], r[5],
                           r[6], r[7]);
}

/* ---- CORS ---- */

static void cors_headers(const struct cs_req *req, struct cs_resp *resp)
{
    const char *allowed = req->env->cfg.cors_origin;
    const char *origin = cs_req_header(req, "origin");
    const char *value = allowed;
    if (strcmp(allowed, "*") != 0) {
        /* A list of exact origins: echo the caller's only when it is on it. */
        value = NULL;
        size_t olen = origin ? strlen(origin) : 0;
        for (const char *p = allowed; origin && *p;) {
            size_t n = strcspn(p, ", ");
            if (n == olen && strncmp(p, origin, n) == 0) value = origin;
            p += n;
            while (*p == ',' || *p == ' ') p++;
        }
        if (!value) return;
        (void)cs_resp_header(resp, "vary", "Origin");
    }
    (void)cs_resp_header(resp, "access-control-allow-origin", value);
    /* Credentials only for a named origin: browsers refuse `*` with credentials, and a
     * wildcard that echoed the caller's origin instead would hand every site the
     * user's session. */
    if (strcmp(value, "*") != 0)
        (void)cs_resp_header(resp, "access-control-allow-credentials", "true");
    (void)cs_resp_header(resp, "access-control-expose-headers",
                         "x-request-id, x-rate-limit-limit, x-rate-limit-remaining, "
                         "x-rate-limit-reset, retry-after");
}

static bool is_preflight(const struct cs_req *req)
{
    return strcmp(req->method, "OPTIONS") == 0 &&
           cs_req_header(req, "access-control-request-method") != NULL;
}

static int preflight(const struct cs_req *req, struct cs_resp *resp)
{
    const char *hdrs = cs_req_header(req, "access-control-request-headers");
    int rc = cs_resp_header(resp, "access-control-allow-methods",
                            "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
    if (!rc && hdrs) rc = cs_resp_header(resp, "access-control-allow-headers", hdrs);
    if (!rc) rc = cs_resp_header(resp, "access-control-max-age", "600");
    cs_resp_raw(resp, 200, "text/plain; charset=utf-8", "OK", 2);
    return rc;
}

/* ---- pipeline steps ---- */

/* Seed 003 documents its base path as /api/momentum/cs; the routes are declared once,
 * under /api/v1/cs, and the gateway (cs-gen) sends both here. */
static const char *seed_alias(struct cs_arena *a, const char *path)
{
    static const char seed[] = "/api/momentum/cs/", own[] = "/api/v1/cs/";
    if (strncmp(path, seed, sizeof(seed) - 1) != 0) return path;
    const char *p = cs_arena_printf(a, "%s%s", own, path + sizeof(seed) - 1);
    return p ? p : path;
}

static int route(struct cs_req *req, struct cs_resp *resp, bool *answered)
{
    const struct cs_function *fn = req->env->fn;
    if (req->schedule_tenant) {
        /* A scheduled run has no path of its own: it is the function's first route. */
        if (fn->nroutes == 0) return CS_ERR_NOT_FOUND;
        req->route = &fn->routes[0];
        req->method = fn->routes[0].method;
        req->path = fn->routes[0].pattern;
        return CS_OK;
    }
    struct cs_route_match m;
    const char *allow = NULL;
    req->path = seed_alias(req->arena, req->path);
    int rc = cs_route_find(fn->routes, fn->nroutes, req->method, req->path, req->arena, &m, &allow);
    if (rc == CS_ERR_METHOD && is_preflight(req)) {
        *answered = true;
        return preflight(req, resp);
    }
    if (rc == CS_ERR_METHOD && allow) (void)cs_resp_header(resp, "allow", allow);
    if (rc) return rc;
    req->route = m.route;
    req->nparams = m.n;
    for (size_t i = 0; i < m.n; i++) {
        req->param_names[i] = m.names[i];
        req->param_values[i] = m.values[i];
    }
    return CS_OK;
}

static int challenge(struct cs_resp *resp, int rc)
{
    (void)cs_resp_header(resp, "www-authenticate", "Bearer");
    return rc;
}

/* "Basic base64(user:password)" for functions that take it (reporting tokens). */
static int basic_auth(struct cs_req *req, struct cs_resp *resp, const char *b64)
{
    while (*b64 == ' ') b64++;
    size_t n = strlen(b64), len = 0;
    char *raw = cs_arena_alloc(req->arena, n + 1);
    if (!raw) return CS_ERR_NOMEM;
    char *colon = NULL;
    if (n > 1024 ||
        sodium_base642bin((unsigned char *)raw, n, b64, n, NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        memchr(raw, '\0', len) || !(colon = memchr(raw, ':', len))) {
        (void)cs_resp_header(resp, "www-authenticate", "Basic realm=\"reporting\"");
        return CS_ERR_BAD_CREDENTIALS;
    }
    raw[len] = '\0';
    *colon = '\0';
    int rc = req->env->fn->basic(req, raw, colon + 1);
    if (rc) (void)cs_resp_header(resp, "www-authenticate", "Basic realm=\"reporting\"");
    return rc;
}

/* The last bearer token this thread verified and what it said. Clients send the same
 * token with every request until it expires, and verifying it again (base64, HMAC, a
 * json-c parse of the claims) was ~4% of a ticket's CPU under bench load (perf). A
 * token is served from here only byte for byte the same (compared in constant time),
 * under the same key and skew, not earlier than it was verified (nbf and iat only get
 * easier as time passes) and while still unexpired by the rule cs_jwt_verify applies;
 * revocation is checked on every request as before. */
#define TOKEN_MEMO_MAX 1024 /* longer tokens are verified every time */
#define TOKEN_MEMO_STRS 512
struct token_memo {
    struct cs_jwt_key key;
    int64_t skew_s, verified_s;
    size_t len; /* 0: empty */
    unsigned char tok[TOKEN_MEMO_MAX];
    char strs[TOKEN_MEMO_STRS]; /* the principal's strings */
    struct cs_principal p;
};
static __thread struct token_memo token_memo;

static bool token_memo_get(const struct cs_jwt_key *key, const char *tok, size_t len, int64_t now_s,
                           int64_t skew_s, struct cs_principal *out)
{
    struct token_memo *m = &token_memo;
    if (m->len == 0 || m->len != len || m->skew_s != skew_s || now_s < m->verified_s ||
        m->p.exp <= now_s - (skew_s < 0 ? 0 : skew_s) || sodium_memcmp(m->tok, tok, len) != 0 ||
        sodium_memcmp(m->key.bytes, key->bytes, sizeof(key->bytes)) != 0)
        return false;
    *out = m->p;
    return true;
}

/* Copies s into the memo's string room at *used; NULL when it does not fit. */
static const char *token_memo_str(struct token_memo *m, size_t *used, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    if (n > TOKEN_MEMO_STRS - *used) return NULL;
    char *d = memcpy(m->strs + *used, s, n);
    *used += n;
    return d;
}

static void token_memo_put(const struct cs_jwt_key *key, const char *tok, size_t len, int64_t now_s,
                           int64_t skew_s, const struct cs_principal *p)
{
    struct token_memo *m = &token_memo;
    m->len = 0;
    if (len == 0 || len > TOKEN_MEMO_MAX || p->nroles > CS_MAX_ROLES) return;
    size_t used = 0;
    m->p = *p;
    bool ok = (m->p.tenant = token_memo_str(m, &used, p->tenant)) != NULL || !p->tenant;
    ok = ok && ((m->p.subject = token_memo_str(m, &used, p->subject)) != NULL || !p->subject);
    for (size_t i = 0; ok && i < p->nroles; i++)
        ok = (m->p.roles[i] = token_memo_str(m, &used, p->roles[i])) != NULL || !p->roles[i];
    if (!ok) return;
    memcpy(m->tok, tok, len);
    m->key = *key;
    m->skew_s = skew_s;
    m->verified_s = now_s;
    m->len = len;
}

static int verify_token(const struct cs_req *req, const char *tok, struct cs_principal *out)
{
    const struct cs_jwt_key *key = &req->env->cfg.jwt_key;
    int64_t now_s = req->now_ms / 1000, skew = req->env->cfg.token_skew_s;
    size_t len = strlen(tok);
    if (token_memo_get(key, tok, len, now_s, skew, out)) return CS_OK;
    int rc = cs_jwt_verify_skew(key, tok, len, now_s, skew, req->arena, out);
    if (rc == CS_OK) token_memo_put(key, tok, len, now_s, skew, out);
    return rc;
}

static int authenticate(struct cs_req *req, struct cs_resp *resp)
{
    const struct cs_function *fn = req->env->fn;
    if (fn->auth == CS_AUTH_NONE) return CS_OK;
    if (req->schedule_tenant) {
        req->auth = (struct cs_principal){.tenant = req->schedule_tenant,
                                          .subject = "scheduler",
                                          .roles = {"scheduler"},
                                          .nroles = 1};
        return CS_OK;
    }
    const char *h = cs_req_header(req, "authorization");
    if (!h) return challenge(resp, CS_ERR_UNAUTHORIZED);
    if (fn->basic && strncasecmp(h, "Basic ", 6) == 0) return basic_auth(req, resp, h + 6);
    if (strncasecmp(h, "Bearer ", 7) != 0) return challenge(resp, CS_ERR_BAD_TOKEN);
    const char *tok = h + 7;
    while (*tok == ' ') tok++;
    int rc = verify_token(req, tok, &req->auth);
    if (!rc) rc = cs_revoked_check(req->store, req->arena, &req->auth, req->now_ms);
    if (rc) {
        if (rc == CS_ERR_BAD_TOKEN) memset(&req->auth, 0, sizeof(req->auth));
        return rc == CS_ERR_BAD_TOKEN ? challenge(resp, rc) : rc;
    }
    return CS_OK;
}

/* The route's declared roles (cs_route.roles): any one of them, or admin, lets the
 * caller in. Scheduled runs are the platform's own and were let in by authenticate. */
static int authorize(const struct cs_req *req)
{
    if (req->env->fn->auth == CS_AUTH_NONE || req->schedule_tenant || !req->route) return CS_OK;
    const char *need = req->route->roles;
    if (need && !cs_principal_has_any_role(&req->auth, need)) return CS_ERR_FORBIDDEN;
    return CS_OK;
}

static int rate_limit(struct cs_req *req, struct cs_resp *resp)
{
    const struct cs_function *fn = req->env->fn;
    if (!req->auth.tenant || !req->store) return CS_OK;
    struct cs_rate r = {0, 0};
    char key[160];
    snprintf(key, sizeof(key), "rl:%s", fn->rate_key ? fn->rate_key : fn->name);
    if (fn->rate_of) {
        int rrc = fn->rate_of(req, &r);
        if (rrc) return rrc;
        if (!fn->rate_key)
            snprintf(key, sizeof(key), "rl:%s:%s %s", fn->name, req->route->method,
                     req->route->pattern);
    }
    if (!r.limit) r = (struct cs_rate){fn->rate.limit, r.window_s ? r.window_s : fn->rate.window_s};
    int64_t limit = r.limit ? r.limit : req->env->cfg.rate_limit;
    int64_t window = (r.window_s ? r.window_s : 60) * 1000LL;
    int64_t start = req->now_ms - req->now_ms % window;
    int64_t used = 0;
    int rc = cs_store_counter_add(req->store, req->auth.tenant, key, start, 2 * window, 1, &used);
    if (rc) return rc;
    int64_t reset_s = (start + window) / 1000;
    int64_t left = limit - used;
    struct cs_arena *a = req->arena;
    (void)cs_resp_header(resp, "x-rate-limit-limit", cs_arena_printf(a, "%lld", (long long)limit));
    (void)cs_resp_header(resp, "x-rate-limit-remaining",
                         cs_arena_printf(a, "%lld", (long long)(left > 0 ? left : 0)));
    (void)cs_resp_header(resp, "x-rate-limit-reset",
                         cs_arena_printf(a, "%lld", (long long)reset_s));
    if (used <= limit) return CS_OK;
    int64_t wait = reset_s - req->now_ms / 1000;
    (void)cs_resp_header(resp, "retry-after",
                         cs_arena_printf(a, "%lld", (long long)(wait > 0 ? wait : 1)));
    return CS_ERR_RATE_LIMITED;
}

static bool json_content_type(const char *ct)
{
    if (!ct) return true; /* FastAPI-style leniency: an untyped body is read as JSON */
    size_t n = strcspn(ct, ";");
    while (n > 0 && ct[n - 1] == ' ') n--;
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0) return true;
    return n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0;
}

static int read_json(const struct cs_req *req, struct cs_field_errors *errs,
                     const struct cs_schema *s, json_object **out)
{
    if (req->body_len > req->env->cfg.max_body) return CS_ERR_TOO_LARGE;
    /* FastAPI reads no body at all as a missing required body, before looking at its
     * content type: 422 [{"type":"missing","loc":["body"],"msg":"Field required"}]. */
    if (req->body_len == 0 && req->env->fn->family == CS_FAMILY_TRIAGE) {
        const char *const loc[] = {"body", NULL};
        cs_field_errors_add(errs, loc, -1, "Field required", "missing");
        return CS_ERR_VALIDATION;
    }
    if (!json_content_type(cs_req_header(req, "content-type"))) return CS_ERR_MEDIA_TYPE;
    int rc = cs_json_parse(req->body, req->body_len, req->arena, out, errs);
    if (rc) return rc;
    return cs_json_validate(s, *out, req->arena, errs);
}

int cs_app_read_json(const struct cs_req *req, struct cs_resp *resp, const struct cs_schema *s,
                     json_object **out)
{
    return read_json(req, &resp->fields, s, out);
}

static int read_body(struct cs_req *req, struct cs_field_errors *errs)
{
    const struct cs_function *fn = req->env->fn;
    /* A function may also declare GET/DELETE routes; only these methods carry a body. */
    bool has_body = strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0 ||
                    strcmp(req->method, "PATCH") == 0;
    if (!fn->body || !has_body) return CS_OK;
    return read_json(req, errs, fn->body, &req->json);
}

static int pipeline(struct cs_req *req, struct cs_resp *resp)
{
    bool answered = false;
    int rc = route(req, resp, &answered);
    if (rc || answered) return rc;
    if ((rc = authenticate(req, resp))) return rc;
    if ((rc = authorize(req))) return rc;
    /* The body is read before the limit, so a limit that depends on it (the company of a
     * session request, cs_session_rate) reads req->json instead of parsing it again; its
     * errors still come after the limit and the query check, as clients always saw. */
    struct cs_field_errors body_errs = {.n = 0};
    int body_rc = read_body(req, &body_errs);
    struct cs_doc rate_doc = {.body = NULL};
    struct cs_rate_reads rate_reads = {.doc = &rate_doc};
    req->rate_reads = &rate_reads;
    rc = rate_limit(req, resp);
    if (rc) return rc;
    if ((rc = cs_req_query_check(req, resp))) return rc;
    if (body_rc) {
        resp->fields = body_errs;
        return body_rc;
    }
    rc = req->env->fn->handle(req, resp);
    if (rc == CS_OK && resp->status == 0) rc = CS_ERR_INTERNAL; /* handler forgot a body */
    return rc;
}

/* Staged outbox events ride on the handle's next write (cs/store.h). Any still staged
 * when the handler returns were for a write that did not happen: dropped here, so that
 * no handler's error path can hand them to the next request's write. */
static void drop_staged(const struct cs_req *req)
{
    if (!req->store || cs_store_staged(req->store) == 0) return;
    char n[24];
    snprintf(n, sizeof(n), "%zu", cs_store_staged(req->store));
    cs_log(CS_LOG_WARN, "staged events dropped at the end of the request", "events", n,
           "request_id", req->request_id, NULL);
    cs_store_unstage(req->store);
}

void cs_app_handle(struct cs_worker *w, struct cs_req *req, struct cs_resp *resp)
{
    double t0 = cs_mono_ms();
    const struct cs_function *fn = w->env->fn;
    req->arena = w->arena;
    req->env = w->env;
    req->store = w->store;
    req->now_ms = w->env->now_ms();
    memset(&req->auth, 0, sizeof(req->auth));
    req->request_id = request_id(req);
    if (!req->request_id) req->request_id = "req-unknown";
    /* Before the handler, so that a streamed response carries them too. */
    (void)cs_resp_header(resp, "x-request-id", req->request_id);
    cors_headers(req, resp);
    /* Group commit (cs/store.h): the answer waits for the request's writes to commit. */
    bool scoped = req->store && (fn->needs & CS_NEED_STORE_SCOPE);
    if (scoped) cs_store_scope_begin(req->store);
    int rc = pipeline(req, resp);
    drop_staged(req);
    if (scoped) {
        int src = cs_store_scope_end(req->store);
        if (src && !rc) rc = src;
    }
    /* Events committed: have them delivered now rather than on the next schedule. */
    if (cs_events_take_staged() && !rc) cs_events_kick();
    if (rc && !resp->streamed) cs_family_error(fn->family, req, resp, rc);
    if (!resp->content_type) resp->content_type = "application/json";
    struct cs_access_log e = {
        .request_id = req->request_id,
        .tenant = req->auth.tenant,
        .method = req->method,
        .route = req->route ? req->route->pattern : NULL,
        .status = resp->status,
        .error = rc ? cs_error_name(rc) : NULL,
        .latency_ms = cs_mono_ms() - t0,
    };
    cs_log_access(&e);
    /* system_status's per-function figures: counted here, written about once a minute. */
    cs_events_fn_note(req->store, w->arena, fn->name, resp->status, e.latency_ms, req->now_ms);
}

void cs_app_print_routes(const struct cs_function *fn)
{
    json_object *o = json_object_new_object();
    json_object *routes = json_object_new_array();
    for (size_t i = 0; i < fn->nroutes; i++) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "method", json_object_new_string(fn->routes[i].method));
        json_object_object_add(r, "path", json_object_new_string(fn->routes[i].pattern));
        if (fn->auth == CS_AUTH_BEARER)
            json_object_object_add(
                r, "roles",
                json_object_new_string(fn->routes[i].roles ? fn->routes[i].roles : "any"));
        json_object_array_add(routes, r);
    }
    json_object_object_add(o, "name", json_object_new_string(fn->name));
    json_object_object_add(o, "summary", json_object_new_string(fn->summary ? fn->summary : ""));
    json_object_object_add(o, "family", json_object_new_string(cs_family_name(fn->family)));
    json_object_object_add(o, "auth",
                           json_object_new_string(fn->auth == CS_AUTH_BEARER ? "bearer" : "none"));
    json_object_object_add(o, "routes", routes);
    /* The OpenAPI generator (cs-gen openapi) reads these: the body schema the validator
     * enforces and whether Basic credentials are accepted beside bearer tokens. */
    if (fn->body) json_object_object_add(o, "body", cs_json_schema_describe(fn->body));
    if (fn->basic) json_object_object_add(o, "basic", json_object_new_boolean(1));
    /* Packaging reads these to ship only the data a function opens. */
    json_object *needs = json_object_new_array();
    if (fn->needs & CS_NEED_STORE) json_object_array_add(needs, json_object_new_string("store"));
    if (fn->needs & CS_NEED_MODELS) json_object_array_add(needs, json_object_new_string("models"));
    if (fn->needs & CS_NEED_JWT) json_object_array_add(needs, json_object_new_string("jwt"));
    json_object_object_add(o, "needs", needs);
    if (fn->schedule) json_object_object_add(o, "schedule", json_object_new_string(fn->schedule));
    if (fn->sweep) json_object_object_add(o, "sweep", json_object_new_string(fn->sweep));
    /* a state machine's task too (cs-gen declares the machine that invokes it) */
    if (fn->task) json_object_object_add(o, "task", json_object_new_boolean(1));
    if (fn->max_body)
        json_object_object_add(o, "max_body", json_object_new_int64((int64_t)fn->max_body));
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
}
