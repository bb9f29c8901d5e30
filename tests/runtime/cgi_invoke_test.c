/* The CGI transport, local invoke (--invoke), --routes and the usage exit of the real
 * function binaries, and the sample events under events/.
 *
 * Needs CS_TEST_BIN (the function binaries), CS_TEST_TMP and CS_DATA_DIR as build.sh
 * test sets them, and runs from the repository root (for events/ and functions/). */
#include <dirent.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../support/fake_lambda_api.h"
#include "../support/json_path.h"
#include "../support/temp_store.h"
#include "../support/test.h"
#include "../support/test_jwt.h"
#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/error.h"
#include "cs/function.h"
#include "cs/http.h"
#include "cs/router.h"
#include "runtime.h"

#define CHILD_TIMEOUT_MS 60000
#define JWT_SECRET "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static const char *bin_dir, *tmp_dir, *data_dir;
static struct temp_db db, loop_db; /* the children's stores: requests, and the --loop run */
static char owned_tmp[256];
static int seq;

/* ---- running a binary ---- */

struct out {
    int code;
    char *out, *err;
    size_t out_len;
};

static void out_free(struct out *o)
{
    free(o->out);
    free(o->err);
    memset(o, 0, sizeof(*o));
}

/* Runs `fn` with argv[1..] = args (NULL-terminated, may be NULL), extra environment
 * `env` (NULL-terminated) on top of the test's base settings, and `input` on stdin. */
static void run(struct out *o, const char *fn, const char *const *args, const char *const *env,
                const char *input, size_t input_len)
{
    memset(o, 0, sizeof(*o));
    o->code = -1;
    char path[512], in[600], outp[600], errp[600];
    snprintf(path, sizeof(path), "%s/%s", bin_dir, fn);
    int n = ++seq;
    snprintf(in, sizeof(in), "%s/cgi-%d-%d.in", tmp_dir, (int)getpid(), n);
    snprintf(outp, sizeof(outp), "%s/cgi-%d-%d.out", tmp_dir, (int)getpid(), n);
    snprintf(errp, sizeof(errp), "%s/cgi-%d-%d.err", tmp_dir, (int)getpid(), n);
    if (input && test_write_file(in, input, input_len) != 0) return;

    char var[600], store[700], data[600];
    snprintf(var, sizeof(var), "CS_VAR=%s/cgi-var", tmp_dir);
    snprintf(store, sizeof(store), "CS_STORE_URI=%s", db.uri);
    snprintf(data, sizeof(data), "CS_DATA_DIR=%s", data_dir);
    char *envp[32];
    size_t k = 0;
    envp[k++] = var;
    envp[k++] = store;
    envp[k++] = data;
    envp[k++] = (char *)"CS_JWT_SECRET=" JWT_SECRET;
    for (size_t i = 0; env && env[i] && k < 31; i++) envp[k++] = (char *)env[i];
    envp[k] = NULL;
    char *argv[16];
    size_t a = 0;
    argv[a++] = path;
    for (size_t i = 0; args && args[i] && a < 15; i++) argv[a++] = (char *)args[i];
    argv[a] = NULL;

    pid_t pid = test_child_start(path, argv, envp, input ? in : NULL, outp, errp);
    if (pid > 0) o->code = test_child_wait(pid, CHILD_TIMEOUT_MS);
    o->out = test_read_file(outp, &o->out_len);
    o->err = test_read_file(errp, NULL);
    if (o->err && (strstr(o->err, "AddressSanitizer") || strstr(o->err, "LeakSanitizer") ||
                   strstr(o->err, "runtime error:"))) {
        fprintf(stderr, "  sanitizer report from %s:\n%s\n", fn, o->err);
        CHECK(!"sanitizer report in a child");
    }
    if (input) unlink(in);
    unlink(outp);
    unlink(errp);
}

/* A CGI response split into status, headers (as one string) and body. */
struct cgi {
    int status;
    char head[8192];
    const char *body;
    size_t body_len;
};

static int parse_cgi(const struct out *o, struct cgi *c)
{
    memset(c, 0, sizeof(*c));
    if (!o->out) return -1;
    const char *end = strstr(o->out, "\r\n\r\n");
    if (!end || strncmp(o->out, "Status: ", 8) != 0) return -1;
    size_t hl = (size_t)(end - o->out) + 2;
    if (hl >= sizeof(c->head)) return -1;
    memcpy(c->head, o->out, hl);
    c->head[hl] = '\0';
    char *stop;
    c->status = (int)strtol(o->out + 8, &stop, 10);
    c->body = end + 4;
    c->body_len = o->out_len - (size_t)(c->body - o->out);
    return 0;
}

/* The value of header `name` (exact case as the runtime writes it) in a CGI head. */
static const char *cgi_header(struct cgi *c, const char *name, char *buf, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = c->head; p && *p;) {
        if (strncmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ') v++;
            size_t vl = strcspn(v, "\r");
            if (vl >= cap) return NULL;
            memcpy(buf, v, vl);
            buf[vl] = '\0';
            return buf;
        }
        p = strstr(p, "\r\n");
        if (p) p += 2;
    }
    return NULL;
}

static char *tmp_path(const char *name)
{
    size_t n = strlen(tmp_dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", tmp_dir, name);
    return p;
}

/* A bearer token for tenant acme signed with the key the children get. */
static char *make_token(void)
{
    static const char *const roles[] = {"analyst", "agent"};
    return test_jwt_sign(JWT_SECRET, "acme", "cgi-test", roles, 2, 600);
}

#define NEED_BIN()                                                                                 \
    do {                                                                                           \
        if (!bin_dir) TEST_SKIP("CS_TEST_BIN not set");                                            \
    } while (0)

/* ---- CGI ---- */

static void test_cgi_get(void)
{
    NEED_BIN();
    const char *env[] = {"GATEWAY_INTERFACE=CGI/1.1",           "REQUEST_METHOD=GET",
                         "REQUEST_URI=/health/live?x=1",        "HTTP_X_REQUEST_ID=cgi-get-1",
                         "HTTP_ORIGIN=https://app.example.com", NULL};
    struct out o;
    run(&o, "health-live", NULL, env, NULL, 0);
    CHECK_INT(o.code, 0);
    struct cgi c;
    REQUIRE(parse_cgi(&o, &c) == 0);
    CHECK_INT(c.status, 200);
    CHECK(strncmp(c.head, "Status: 200 OK\r\n", 16) == 0);
    char buf[256], len[32];
    CHECK_STR(cgi_header(&c, "Content-Type", buf, sizeof(buf)), "application/json");
    snprintf(len, sizeof(len), "%zu", c.body_len);
    CHECK_STR(cgi_header(&c, "Content-Length", buf, sizeof(buf)), len);
    CHECK_STR(cgi_header(&c, "x-request-id", buf, sizeof(buf)), "cgi-get-1");
    CHECK_STR(cgi_header(&c, "access-control-allow-origin", buf, sizeof(buf)), "*");
    json_object *b = json_tokener_parse(c.body);
    CHECK_STR(jstr(b, "status"), "alive");
    CHECK(jstr(b, "timestamp") != NULL);
    json_object_put(b);
    out_free(&o);
}

static void test_cgi_post_422_fastapi_list(void)
{
    NEED_BIN();
    char *tok = make_token();
    REQUIRE(tok != NULL);
    char auth[1024];
    snprintf(auth, sizeof(auth), "HTTP_AUTHORIZATION=Bearer %s", tok);
    free(tok);
    static const char body[] =
        "{\"ticket_id\":\"TKT-2025-001\",\"raw_message\":\"too short\","
        "\"customer_name\":\"John Doe\",\"customer_email\":\"john.doe@example.com\"}";
    char cl[64];
    snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", sizeof(body) - 1);
    const char *env[] = {"GATEWAY_INTERFACE=CGI/1.1",
                         "REQUEST_METHOD=POST",
                         "REQUEST_URI=/api/v1/tickets/process",
                         "CONTENT_TYPE=application/json",
                         cl,
                         "HTTP_X_REQUEST_ID=cgi-422",
                         auth,
                         NULL};
    struct out o;
    run(&o, "tickets-process", NULL, env, body, sizeof(body) - 1);
    CHECK_INT(o.code, 0);
    struct cgi c;
    REQUIRE(parse_cgi(&o, &c) == 0);
    CHECK_INT(c.status, 422);
    CHECK(strncmp(c.head, "Status: 422 Unprocessable Entity\r\n", 34) == 0);
    char buf[256];
    CHECK_STR(cgi_header(&c, "x-request-id", buf, sizeof(buf)), "cgi-422");
    CHECK(cgi_header(&c, "x-rate-limit-limit", buf, sizeof(buf)) !=
          NULL); /* authenticated, counted */
    CHECK_STR(c.body,
              "{\"detail\":[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"raw_message\"],"
              "\"msg\":\"String should have at least 10 characters\"}]}");
    if (c.status != 422) fprintf(stderr, "  stderr: %s\n", o.err ? o.err : "");
    out_free(&o);
}

static void test_cgi_post_predict_errors(void)
{
    NEED_BIN();
    static const char bad_json[] = "{\"api_key\":";
    static const char bad_key[] =
        "{\"api_key\":\"ck_cgi_test_missing\",\"api_secret\":\"cs_nope\"}";
    const char *bodies[] = {bad_json, bad_key};
    const int want_status[] = {400, 401};
    const char *want_body[] = {
        "{\"error\":{\"code\":\"bad_json\",\"message\":\"Malformed JSON "
        "body\",\"details\":{\"body\":\"JSON decode error\"}}}",
        "{\"error\":{\"code\":\"bad_credentials\",\"message\":\"Invalid credentials\"}}",
    };
    for (int i = 0; i < 2; i++) {
        char cl[64];
        snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", strlen(bodies[i]));
        const char *env[] = {"GATEWAY_INTERFACE=CGI/1.1",
                             "REQUEST_METHOD=POST",
                             "REQUEST_URI=/api/v1/auth/token",
                             "CONTENT_TYPE=application/json",
                             cl,
                             NULL};
        struct out o;
        run(&o, "auth-token", NULL, env, bodies[i], strlen(bodies[i]));
        CHECK_INT(o.code, 0);
        struct cgi c;
        if (parse_cgi(&o, &c) == 0) {
            CHECK_INT(c.status, want_status[i]);
            CHECK_STR(c.body, want_body[i]);
        } else {
            CHECK(!"unparseable CGI output");
        }
        out_free(&o);
    }
}

static void test_cgi_bad_environment(void)
{
    NEED_BIN();
    const char *env[] = {"GATEWAY_INTERFACE=CGI/1.1", "REQUEST_URI=/health/live", NULL};
    struct out o;
    run(&o, "health-live", NULL, env, NULL, 0);
    CHECK_INT(o.code, 0);
    struct cgi c;
    REQUIRE(parse_cgi(&o, &c) == 0);
    CHECK_INT(c.status, 400);
    CHECK_STR(c.body, "{\"detail\":\"Bad request\"}");
    out_free(&o);
}

static void test_init_failure_names_function(void)
{
    /* A bad CS_* value fails the cold start; the log line names the function (not the
     * library default "cs") and the variable, never the value. */
    NEED_BIN();
    const char *env[] = {"GATEWAY_INTERFACE=CGI/1.1", "REQUEST_METHOD=GET",
                         "REQUEST_URI=/health/live", "CS_MAX_BODY=lots-of-bytes", NULL};
    struct out o;
    run(&o, "health-live", NULL, env, NULL, 0);
    CHECK_INT(o.code, 1);
    CHECK(o.err && strstr(o.err, "\"fn\":\"health-live\"") != NULL);
    CHECK(o.err && strstr(o.err, "\"msg\":\"init failed\"") != NULL);
    CHECK(o.err && strstr(o.err, "\"reason\":\"CS_MAX_BODY\"") != NULL);
    CHECK(o.err && strstr(o.err, "lots-of-bytes") == NULL);
    if (o.err && !strstr(o.err, "health-live")) fprintf(stderr, "  stderr: %s\n", o.err);
    out_free(&o);
}

static void test_cgi_method_not_allowed(void)
{
    NEED_BIN();
    const char *env[] = {"GATEWAY_INTERFACE=CGI/1.1", "REQUEST_METHOD=DELETE",
                         "REQUEST_URI=/health/live", NULL};
    struct out o;
    run(&o, "health-live", NULL, env, NULL, 0);
    struct cgi c;
    REQUIRE(parse_cgi(&o, &c) == 0);
    CHECK_INT(c.status, 405);
    char buf[64];
    CHECK_STR(cgi_header(&c, "allow", buf, sizeof(buf)), "GET");
    CHECK_STR(c.body, "{\"detail\":\"Method Not Allowed\"}");
    out_free(&o);
}

/* ---- local invoke ---- */

static json_object *invoke(const char *fn, const char *event_path, struct out *o)
{
    const char *args[] = {"--invoke", event_path, NULL};
    run(o, fn, args, NULL, NULL, 0);
    return o->out ? json_tokener_parse(o->out) : NULL;
}

static void test_invoke(void)
{
    NEED_BIN();
    char *path = tmp_path("invoke-health-live.json");
    REQUIRE(path != NULL);
    static const char ev[] =
        "{\"version\":\"2.0\",\"routeKey\":\"$default\",\"rawPath\":\"/health/"
        "live\",\"rawQueryString\":\"\","
        "\"headers\":{\"x-request-id\":\"invoke-1\"},\"requestContext\":{\"http\":{\"method\":"
        "\"GET\","
        "\"path\":\"/health/live\",\"protocol\":\"HTTP/"
        "1.1\",\"sourceIp\":\"127.0.0.1\",\"userAgent\":\"t\"},"
        "\"requestId\":\"r\",\"stage\":\"$default\"},\"isBase64Encoded\":false}";
    REQUIRE(test_write_file(path, ev, sizeof(ev) - 1) == 0);
    struct out o;
    json_object *r = invoke("health-live", path, &o);
    CHECK_INT(o.code, 0);
    CHECK(o.out && o.out_len > 0 && o.out[o.out_len - 1] == '\n');
    CHECK(o.out && strchr(o.out, '\n') == o.out + o.out_len - 1); /* one line */
    CHECK_INT(json_object_get_int(jget(r, "statusCode")), 200);
    CHECK_STR(jstr(jget(r, "headers"), "x-request-id"), "invoke-1");
    CHECK_STR(jstr(jget(r, "headers"), "content-type"), "application/json");
    CHECK(jget(r, "multiValueHeaders") == NULL);
    json_object *b = json_tokener_parse(jstr(r, "body") ? jstr(r, "body") : "");
    CHECK_STR(jstr(b, "status"), "alive");
    json_object_put(b);
    json_object_put(r);
    out_free(&o);

    /* Not an API Gateway event: exit 1 with a message, nothing on stdout. */
    REQUIRE(test_write_file(path, "{\"foo\":1}", 9) == 0);
    r = invoke("health-live", path, &o);
    CHECK_INT(o.code, 1);
    CHECK(o.out_len == 0);
    CHECK(o.err && strstr(o.err, "is not an API Gateway proxy event") != NULL);
    json_object_put(r);
    out_free(&o);
    unlink(path);

    r = invoke("health-live", path, &o); /* gone */
    CHECK_INT(o.code, 1);
    CHECK(o.err && strstr(o.err, "cannot read") != NULL);
    json_object_put(r);
    out_free(&o);
    free(path);
}

/* ---- --routes and usage ---- */

static void test_routes(void)
{
    NEED_BIN();
    const char *args[] = {"--routes", NULL};
    struct out o;
    run(&o, "health-live", args, NULL, NULL, 0);
    CHECK_INT(o.code, 0);
    json_object *r = o.out ? json_tokener_parse(o.out) : NULL;
    CHECK_STR(jstr(r, "name"), "health-live");
    CHECK_STR(jstr(r, "family"), "triage");
    CHECK_STR(jstr(r, "auth"), "none");
    json_object *routes = jget(r, "routes");
    CHECK(routes && json_object_is_type(routes, json_type_array) &&
          json_object_array_length(routes) == 1);
    if (routes && json_object_is_type(routes, json_type_array) &&
        json_object_array_length(routes) == 1) {
        json_object *r0 = json_object_array_get_idx(routes, 0);
        CHECK_STR(jstr(r0, "method"), "GET");
        CHECK_STR(jstr(r0, "path"), "/health/live");
    }
    json_object_put(r);
    out_free(&o);

    /* --routes needs no configuration: it works without CS_JWT_SECRET's function too. */
    run(&o, "auth-token", args, NULL, NULL, 0);
    r = o.out ? json_tokener_parse(o.out) : NULL;
    CHECK_STR(jstr(r, "name"), "auth-token");
    CHECK_STR(jstr(r, "family"), "predict");
    json_object_put(r);
    out_free(&o);
}

static void test_usage(void)
{
    NEED_BIN();
    struct out o;
    run(&o, "health-live", NULL, NULL, NULL, 0); /* stdin /dev/null: no transport */
    CHECK_INT(o.code, 2);
    CHECK(o.out_len == 0);
    CHECK(o.err &&
          strstr(o.err, "usage: health-live --routes | --invoke EVENT.json | --fcgi SOCKET") !=
              NULL);
    out_free(&o);

    const char *args[] = {"--bogus", NULL};
    run(&o, "health-live", args, NULL, NULL, 0);
    CHECK_INT(o.code, 2);
    CHECK(o.err && strstr(o.err, "usage: health-live") != NULL);
    out_free(&o);
}

/* ---- events/ ---- */

struct routes {
    struct cs_route r[CS_MAX_ROUTES];
    size_t n;
    json_object *doc;
};

static int load_routes(const char *fn, struct routes *rs)
{
    memset(rs, 0, sizeof(*rs));
    const char *args[] = {"--routes", NULL};
    struct out o;
    run(&o, fn, args, NULL, NULL, 0);
    rs->doc = o.code == 0 && o.out ? json_tokener_parse(o.out) : NULL;
    out_free(&o);
    json_object *arr = jget(rs->doc, "routes");
    if (!arr || !json_object_is_type(arr, json_type_array)) return -1;
    for (size_t i = 0; i < json_object_array_length(arr) && rs->n < CS_MAX_ROUTES; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        rs->r[rs->n].method = jstr(e, "method");
        rs->r[rs->n].pattern = jstr(e, "path");
        if (rs->r[rs->n].method && rs->r[rs->n].pattern) rs->n++;
    }
    return rs->n ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_sample_events(void)
{
    NEED_BIN();
    DIR *d = opendir("events");
    if (!d) TEST_SKIP("no events/ directory here (run from the repository root)");
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 256) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0) names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_str);
    CHECK(n > 0);
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a != NULL);
    for (size_t i = 0; i < n; i++) {
        char path[512], fn[256], bin[768];
        snprintf(path, sizeof(path), "events/%s", names[i]);
        snprintf(fn, sizeof(fn), "%.*s", (int)strcspn(names[i], "."), names[i]);
        size_t len = 0;
        char *text = test_read_file(path, &len);
        CHECK(text != NULL);
        /* A scheduled function's sample is an EventBridge scheduled event. */
        struct routes srs = {.doc = NULL};
        snprintf(bin, sizeof(bin), "%s/%s", bin_dir, fn);
        if (access(bin, X_OK) == 0) (void)load_routes(fn, &srs); /* no routes: -1, doc kept */
        int scheduled = jstr(srs.doc, "schedule") != NULL;
        json_object_put(srs.doc);
        if (scheduled) {
            json_object *ev = text ? json_tokener_parse(text) : NULL;
            CHECK_STR(jstr(ev, "source"), "aws.events");
            CHECK_STR(jstr(ev, "detail-type"), "Scheduled Event");
            json_object_put(ev);
            free(text);
            continue;
        }
        struct cs_req req;
        memset(&req, 0, sizeof(req));
        int version = 0;
        int rc = text ? cs_event_to_req(a, text, len, &req, &version) : -1;
        if (rc != CS_OK) fprintf(stderr, "  %s: not an API Gateway event\n", path);
        CHECK_INT(rc, CS_OK);
        /* HTTP API events are payload 2.0; WebSocket API events (route keys) answer in 1.0. */
        CHECK_INT(version, req.method && strcmp(req.method, "WS") == 0 ? 1 : 2);
        snprintf(bin, sizeof(bin), "%s/%s", bin_dir, fn);
        if (access(bin, X_OK) != 0) {
            fprintf(stderr, "  %s: no function binary %s\n", path, bin);
            CHECK(!"event for a function that is not built");
        } else if (rc == CS_OK) {
            struct routes rs;
            CHECK(load_routes(fn, &rs) == 0);
            struct cs_route_match m;
            const char *allow = NULL;
            int found = cs_route_find(rs.r, rs.n, req.method, req.path, a, &m, &allow);
            if (found != CS_OK)
                fprintf(stderr, "  %s: %s %s is not a route of %s\n", path, req.method, req.path,
                        fn);
            CHECK_INT(found, CS_OK);
            /* Bearer functions get the placeholder token documented in events/README.md. */
            const char *authz = NULL;
            for (size_t h = 0; h < req.nheaders; h++)
                if (strcmp(req.headers[h].name, "authorization") == 0) authz = req.headers[h].value;
            if (jstr(rs.doc, "auth") && strcmp(jstr(rs.doc, "auth"), "bearer") == 0)
                CHECK_STR(authz, "Bearer REPLACE_WITH_TOKEN");
            /* The body, when there is one, is JSON (the functions take JSON), unless the
             * event says it is something else (a dataset upload is CSV). */
            const char *ctype = NULL;
            for (size_t h = 0; h < req.nheaders; h++)
                if (strcmp(req.headers[h].name, "content-type") == 0) ctype = req.headers[h].value;
            if (req.body && (!ctype || strncmp(ctype, "application/json", 16) == 0)) {
                json_object *b = json_tokener_parse(req.body);
                CHECK(b != NULL);
                json_object_put(b);
            }
            json_object_put(rs.doc);
        }
        free(text);
        cs_arena_reset(a);
    }
    cs_arena_destroy(a);

    /* Every function folder has at least one sample event. */
    d = opendir("functions");
    if (d) {
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.') continue;
            char fdir[512];
            struct stat st;
            snprintf(fdir, sizeof(fdir), "functions/%s", de->d_name);
            if (stat(fdir, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
            size_t fl = strlen(de->d_name);
            int has = 0;
            for (size_t i = 0; i < n; i++)
                if (strncmp(names[i], de->d_name, fl) == 0 && (names[i][fl] == '.')) has = 1;
            if (!has)
                fprintf(stderr, "  functions/%s has no events/%s.json\n", de->d_name, de->d_name);
            CHECK(has);
        }
        closedir(d);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
}

/* The unauthenticated sample events answer through --invoke as documented. */
static void test_sample_events_invoke(void)
{
    NEED_BIN();
    if (access("events/health-live.json", R_OK) != 0) TEST_SKIP("no events/health-live.json here");
    struct out o;
    json_object *r = invoke("health-live", "events/health-live.json", &o);
    CHECK_INT(o.code, 0);
    CHECK_INT(json_object_get_int(jget(r, "statusCode")), 200);
    json_object_put(r);
    out_free(&o);

    r = invoke("tickets-process", "events/tickets-process.json", &o); /* placeholder token */
    CHECK_INT(o.code, 0);
    CHECK_INT(json_object_get_int(jget(r, "statusCode")), 401);
    CHECK_STR(jstr(r, "body"), "{\"detail\":\"Invalid or expired token\"}");
    CHECK_STR(jstr(jget(r, "headers"), "www-authenticate"), "Bearer");
    json_object_put(r);
    out_free(&o);
}

/* A scheduled function (webhook-dispatch) runs for its EventBridge event and answers
 * with its summary; an HTTP event is not work for it. */
static void test_scheduled_invoke(void)
{
    NEED_BIN();
    if (access("events/webhook-dispatch.json", R_OK) != 0)
        TEST_SKIP("no events/webhook-dispatch.json here");
    struct out o;
    json_object *r = invoke("webhook-dispatch", "events/webhook-dispatch.json", &o);
    CHECK_INT(o.code, 0);
    CHECK(json_object_get_boolean(jget(r, "ok")));
    CHECK(jget(jget(r, "summary"), "claimed") != NULL);
    CHECK_INT(json_object_get_int(jget(jget(r, "summary"), "delivered")), 0);
    json_object_put(r);
    out_free(&o);
    r = invoke("webhook-dispatch", "events/health-live.json", &o);
    CHECK_INT(o.code, 1);
    CHECK(r == NULL);
    CHECK(o.err && strstr(o.err, "not an EventBridge scheduled event") != NULL);
    json_object_put(r);
    out_free(&o);
}

/* `--loop` (how build.sh serve runs the dispatcher) keeps running until SIGTERM, then
 * exits 0 after finishing its round; a function without scheduled work refuses it. */
static void test_loop_stops_on_sigterm(void)
{
    NEED_BIN();
    char path[512], store[700], data[600], errp[600];
    snprintf(path, sizeof(path), "%s/webhook-dispatch", bin_dir);
    snprintf(store, sizeof(store), "CS_STORE_URI=%s", loop_db.uri);
    snprintf(data, sizeof(data), "CS_DATA_DIR=%s", data_dir);
    snprintf(errp, sizeof(errp), "%s/loop-%d.err", tmp_dir, (int)getpid());
    char *envp[] = {store, data, (char *)"CS_JWT_SECRET=" JWT_SECRET, NULL};
    char *argv[] = {path, (char *)"--loop", NULL};
    pid_t pid = test_child_start(path, argv, envp, NULL, NULL, errp);
    REQUIRE(pid > 0);
    struct timespec ts = {1, 200 * 1000000L}; /* a round or two */
    nanosleep(&ts, NULL);
    CHECK_INT(kill(pid, SIGTERM), 0);
    CHECK_INT(test_child_wait(pid, 5000), 0);
    size_t len = 0;
    char *err = test_read_file(errp, &len);
    CHECK(err && strstr(err, "\"loop started\"") && strstr(err, "\"loop stopped\""));
    CHECK(err && !strstr(err, "scheduled run failed"));
    free(err);
    unlink(errp);
    struct out o;
    const char *args[] = {"--loop", NULL};
    run(&o, "health-live", args, NULL, NULL, 0);
    CHECK_INT(o.code, 2);
    out_free(&o);
}

int main(void)
{
    bin_dir = getenv("CS_TEST_BIN");
    tmp_dir = getenv("CS_TEST_TMP");
    data_dir = getenv("CS_DATA_DIR");
    if (!data_dir) data_dir = "data";
    if (!tmp_dir) {
        snprintf(owned_tmp, sizeof(owned_tmp), "/tmp/cs-cgi-test.XXXXXX");
        tmp_dir = mkdtemp(owned_tmp);
        if (!tmp_dir) return 1;
    }
    temp_db_init(&db, "cgi");
    temp_db_init(&loop_db, "cgi-loop");
    TEST_RUN(test_cgi_get);
    TEST_RUN(test_cgi_post_422_fastapi_list);
    TEST_RUN(test_cgi_post_predict_errors);
    TEST_RUN(test_cgi_bad_environment);
    TEST_RUN(test_init_failure_names_function);
    TEST_RUN(test_cgi_method_not_allowed);
    TEST_RUN(test_invoke);
    TEST_RUN(test_routes);
    TEST_RUN(test_usage);
    TEST_RUN(test_sample_events);
    TEST_RUN(test_sample_events_invoke);
    TEST_RUN(test_scheduled_invoke);
    TEST_RUN(test_loop_stops_on_sigterm);
    temp_db_remove(&db);
    temp_db_remove(&loop_db);
    char p[600];
    snprintf(p, sizeof(p), "%s/cgi-var", tmp_dir);
    rmdir(p);
    if (owned_tmp[0]) rmdir(owned_tmp);
    return test_done();
}
