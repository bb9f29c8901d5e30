/* End to end through the real nginx and the sanitizer-built functions, started by
 * build.sh test (tests/run.sh t_e2e), which exports CS_TEST_BASE_URL, CS_TEST_KEY_A and
 * CS_TEST_KEY_B (cs-admin create-key output for tenants "acme" and "globex") and a
 * login analyst@acme.test. */
#include <math.h>
#include <regex.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/e2e.h"
#include "../support/http_client.h"
#include "../support/test.h"
#include "cs/clock.h"
#include "cs/json.h"

static char token_a[2048], token_b[2048];

static int post_ticket(const char *auth, const char *body, struct http_result *r)
{
    const char *h[] = {"Content-Type: application/json", auth, "X-Request-Id: e2e-req-42", NULL};
    return http_do("POST", "/api/v1/tickets/process", body, h, r);
}

static const char seed_ticket[] =
    "{\"customer_email\":\"john.doe@example.com\",\"customer_name\":\"John Doe\","
    "\"raw_message\":\"I was charged twice for my subscription this month. Please help!\","
    "\"ticket_id\":\"TKT-2025-001\"}";

static void test_health(void)
{
    struct http_result r;
    REQUIRE(http_do("GET", "/health", NULL, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "status"), "healthy");
    CHECK_STR(jstr(r.json, "components.store"), "ok");
    http_result_free(&r);
    REQUIRE(http_do("GET", "/health/ready", NULL, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "status"), "ready");
    CHECK_STR(jstr(r.json, "checks.models"), "ok");
    http_result_free(&r);
    REQUIRE(http_do("GET", "/health/live", NULL, NULL, &r) == 0);
    CHECK_STR(jstr(r.json, "status"), "alive");
    http_result_free(&r);
}

/* The OpenAPI document and its page, served by the gateway: every declared route of the
 * running functions (CS_TEST_ROUTES, from their --routes) is in the document. */
static void check_routes_documented(json_object *paths)
{
    const char *file = getenv("CS_TEST_ROUTES");
    REQUIRE(file != NULL);
    FILE *f = fopen(file, "r");
    REQUIRE(f != NULL);
    char line[65536];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        json_object *fn = json_tokener_parse(line), *routes, *item, *op;
        REQUIRE(fn && json_object_object_get_ex(fn, "routes", &routes));
        for (size_t i = 0; i < json_object_array_length(routes); i++, n++) {
            json_object *ro = json_object_array_get_idx(routes, i);
            const char *path = jstr(ro, "path");
            /* WebSocket routes are not HTTP operations; OpenAPI cannot hold them. */
            if (strcmp(jstr(ro, "method"), "WS") == 0) continue;
            char method[16];
            snprintf(method, sizeof(method), "%s", jstr(ro, "method"));
            for (char *c = method; *c; c++) *c = (char)(*c - 'A' + 'a');
            int found = json_object_object_get_ex(paths, path, &item) &&
                        json_object_object_get_ex(item, method, &op);
            if (!found) fprintf(stderr, "  not in /openapi.json: %s %s\n", method, path);
            CHECK(found);
        }
        json_object_put(fn);
    }
    fclose(f);
    CHECK(n >= 50);
}

static void test_openapi_served(void)
{
    struct http_result r;
    char ct[128];
    REQUIRE(http_do("GET", "/openapi.json", NULL, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(http_header(&r, "Content-Type", ct, sizeof(ct)), "application/json");
    CHECK_STR(jstr(r.json, "openapi"), "3.1.0");
    CHECK_STR(jstr(r.json, "components.securitySchemes.basicAuth.scheme"), "basic");
    json_object *paths = NULL;
    REQUIRE(r.json && json_object_object_get_ex(r.json, "paths", &paths));
    check_routes_documented(paths);
    http_result_free(&r);

    REQUIRE(http_do("GET", "/docs", NULL, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(http_header(&r, "Content-Type", ct, sizeof(ct)), "text/html");
    CHECK(strstr(r.body, "/docs/vendor/swagger-ui/swagger-ui-bundle.js") != NULL);
    CHECK(strstr(r.body, "//cdn") == NULL && strstr(r.body, "https://") == NULL);
    http_result_free(&r);
    REQUIRE(http_do("GET", "/docs/api.js", NULL, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, "url: \"/openapi.json\"") != NULL);
    http_result_free(&r);
    REQUIRE(http_do("GET", "/docs/vendor/swagger-ui/swagger-ui-bundle.js", NULL, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(http_header(&r, "Content-Type", ct, sizeof(ct)), "application/javascript");
    CHECK(r.body_len > 500000 && strstr(r.body, "SwaggerUIBundle") != NULL);
    http_result_free(&r);
}

static void test_token_shape(void)
{
    REQUIRE(e2e_token_for_key("CS_TEST_KEY_A", token_a, sizeof(token_a), NULL, 0) == 0);
    REQUIRE(e2e_token_for_key("CS_TEST_KEY_B", token_b, sizeof(token_b), NULL, 0) == 0);
    char body[512];
    REQUIRE(e2e_token_body("CS_TEST_KEY_A", body, sizeof(body)) == 0);
    const char *h[] = {"Content-Type: application/json", NULL};
    struct http_result r;
    REQUIRE(http_do("POST", "/api/v1/auth/token", body, h, &r) == 0);
    CHECK_STR(jstr(r.json, "token_type"), "bearer");
    CHECK_INT(json_object_get_int(jget(r.json, "expires_in")), 3600);
    CHECK(strncmp(jstr(r.json, "access_token"), "eyJ", 3) == 0);
    http_result_free(&r);
}

static void test_token_bad_secret(void)
{
    const char *h[] = {"Content-Type: application/json", NULL};
    struct http_result r;
    REQUIRE(http_do("POST", "/api/v1/auth/token", "{\"api_key\":\"ck_nope\",\"api_secret\":\"x\"}",
                    h, &r) == 0);
    CHECK_INT(r.status, 401);
    CHECK_STR(jstr(r.json, "error.code"), "bad_credentials");
    CHECK_STR(jstr(r.json, "error.message"), "Invalid credentials");
    http_result_free(&r);
}

static void test_login(void)
{
    const char *h[] = {"Content-Type: application/json", NULL};
    struct http_result r;
    REQUIRE(http_do("POST", "/api/v1/auth/login",
                    "{\"username\":\"analyst@acme.test\",\"password\":\"correct horse 1\"}", h,
                    &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK(json_object_get_boolean(jget(r.json, "error")) == 0);
    CHECK_INT(json_object_get_int(jget(r.json, "status_code")), 200);
    CHECK(jstr(r.json, "data.token") != NULL);
    CHECK(jstr(r.json, "data.user_id") != NULL);
    json_object *roles = jget(r.json, "data.roles");
    CHECK(roles && json_object_array_length(roles) == 1);
    CHECK_STR(roles ? json_object_get_string(json_object_array_get_idx(roles, 0)) : NULL,
              "analyst");
    CHECK(jstr(r.json, "timestamp") != NULL);
    http_result_free(&r);
    REQUIRE(http_do("POST", "/api/v1/auth/login",
                    "{\"username\":\"analyst@acme.test\",\"password\":\"wrong password\"}", h,
                    &r) == 0);
    CHECK_INT(r.status, 401);
    CHECK(json_object_get_boolean(jget(r.json, "error")) == 1);
    CHECK_INT(json_object_get_int(jget(r.json, "status_code")), 401);
    CHECK_STR(jstr(r.json, "message"), "Invalid credentials");
    http_result_free(&r);
}

static void check_citations(json_object *result)
{
    json_object *cites = jget(result, "citations");
    const char *body = jstr(result, "answer_draft.body");
    REQUIRE(cites && json_object_is_type(cites, json_type_array) && body);
    for (size_t i = 0; i < json_object_array_length(cites); i++) {
        json_object *c = json_object_array_get_idx(cites, i);
        const char *doc = jstr(c, "doc_id"), *chunk = jstr(c, "chunk_id");
        REQUIRE(doc && chunk);
        char marker[128];
        snprintf(marker, sizeof(marker), "[%s]", doc);
        CHECK(strstr(body, marker) != NULL); /* cited only when quoted */
        CHECK(strncmp(chunk, doc, strlen(doc)) == 0 && strstr(chunk, "-c-") != NULL);
        double score = json_object_get_double(jget(c, "score"));
        CHECK(score > 0 && score <= 1);
        CHECK(e2e_matches(jstr(c, "url"), "^https?://"));
        CHECK(jstr(c, "title") != NULL);
    }
}

static void test_process_seed_ticket(void)
{
    struct http_result r;
    REQUIRE(post_ticket(token_a, seed_ticket, &r) == 0);
    CHECK_INT(r.status, 200);
    char rid[128];
    CHECK_STR(http_header(&r, "x-request-id", rid, sizeof(rid)), "e2e-req-42");
    CHECK(json_object_get_boolean(jget(r.json, "success")));
    CHECK_STR(jstr(r.json, "ticket_id"), "TKT-2025-001");
    json_object *res = jget(r.json, "result");
    REQUIRE(res != NULL);
    CHECK_STR(jstr(res, "ticket_id"), "TKT-2025-001");
    CHECK(e2e_matches(jstr(res, "timestamp"), "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+\\+00:00$"));
    /* seed 004's ticket by LABELLING.md: a duplicate charge is BILLING, money wrongly
     * taken is P2, nothing escalates; the shipped policy's team and P2 SLA */
    CHECK_STR(jstr(res, "triage.category"), "Billing");
    CHECK_STR(jstr(res, "triage.priority"), "P2");
    CHECK_INT(json_object_get_int(jget(res, "triage.sla_hours")), 24);
    CHECK_STR(jstr(res, "triage.suggested_team"), "Finance Team");
    CHECK_STR(jstr(res, "triage.language"), "en");
    double lconf = json_object_get_double(jget(res, "triage.language_confidence"));
    CHECK(lconf > 0 && lconf <= 1);
    double conf = json_object_get_double(jget(res, "triage.confidence"));
    CHECK(conf > 0 && conf <= 1);
    CHECK(jstr(res, "triage.subcategory") != NULL);
    CHECK(e2e_matches(jstr(res, "triage.sentiment"), "^[a-z]+$"));
    CHECK(!json_object_get_boolean(jget(res, "policy_check.escalation_needed")));
    CHECK(json_object_object_get_ex(jget(res, "policy_check"), "escalation_reason", NULL));
    CHECK(jget(res, "policy_check.escalation_reason") == NULL); /* JSON null */
    CHECK(e2e_matches(jstr(res, "answer_draft.greeting"), "John"));
    CHECK(e2e_matches(jstr(res, "answer_draft.tone"), "^(empathetic_professional|formal|casual)$"));
    CHECK(jstr(res, "answer_draft.closing") != NULL);
    CHECK(e2e_matches(jstr(res, "policy_check.compliance"), "^(passed|failed|warning)$"));
    CHECK(json_object_is_type(jget(res, "policy_check.refund_promise"), json_type_boolean));
    check_citations(res);
    http_result_free(&r);
}

/* Deterministic triage of clear-cut tickets (LABELLING.md): exact category, priority,
 * language and escalation through nginx and the function binary. */
static void test_process_triage_examples(void)
{
    static const struct {
        const char *id, *msg, *category, *priority, *lang, *reason;
    } cases[] = {
        {"TKT-E2E-OUT",
         "Your service has been down for our whole company since 9am. Every page returns a 502 "
         "error and none of our 40 staff can work. When will it be back?",
         "Technical", "P1", "en", NULL},
        {"TKT-E2E-LEGAL",
         "I have been treated appallingly by your staff and I've had enough. My solicitor will "
         "be in touch and I will be taking you to court.",
         "Complaint", "P1", "en", "LEGAL_MENTION"},
        {"TKT-E2E-IDEA",
         "It would be great if your app had a dark mode. Any plans to add one? Love the product "
         "otherwise.",
         "General Inquiry", "P3", "en", NULL},
        {"TKT-E2E-ES",
         "Mi pedido deb\u00eda llegar el lunes y el seguimiento no se mueve desde hace una semana. "
         "\u00bfD\u00f3nde est\u00e1 mi paquete?",
         "Shipping", NULL, "es", NULL},
        {"TKT-E2E-DE",
         "Ich m\u00f6chte meinen Vertrag zum Monatsende k\u00fcndigen. Bitte best\u00e4tigen Sie "
         "die "
         "K\u00fcndigung schriftlich.",
         "Cancellation", NULL, "de", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[1024];
        snprintf(body, sizeof(body),
                 "{\"customer_email\":\"sam@example.com\",\"customer_name\":\"Sam\","
                 "\"raw_message\":\"%s\",\"ticket_id\":\"%s\"}",
                 cases[i].msg, cases[i].id);
        struct http_result r;
        REQUIRE(post_ticket(token_a, body, &r) == 0);
        CHECK_INT(r.status, 200);
        json_object *t = jget(r.json, "result.triage");
        REQUIRE(t != NULL);
        CHECK_STR(jstr(t, "category"), cases[i].category);
        if (cases[i].priority) CHECK_STR(jstr(t, "priority"), cases[i].priority);
        CHECK_STR(jstr(t, "language"), cases[i].lang);
        json_object *pc = jget(r.json, "result.policy_check");
        CHECK(json_object_get_boolean(jget(pc, "escalation_needed")) == (cases[i].reason != NULL));
        if (cases[i].reason) CHECK_STR(jstr(pc, "escalation_reason"), cases[i].reason);
        http_result_free(&r);
    }
}

/* A GDPR erasure ticket: the draft quotes the knowledge base's own privacy address,
 * which is no PII leak; the policy check still passes. */
static void test_process_kb_email_not_a_leak(void)
{
    struct http_result r;
    REQUIRE(post_ticket(token_a,
                        "{\"customer_email\":\"ann.lee@gmail.com\",\"customer_name\":\"Ann Lee\","
                        "\"raw_message\":\"I cannot sign in. How do I make a formal request under "
                        "GDPR to delete my account and personal data?\","
                        "\"ticket_id\":\"TKT-GDPR-1\"}",
                        &r) == 0);
    CHECK_INT(r.status, 200);
    const char *body = jstr(r.json, "result.answer_draft.body");
    REQUIRE(body);
    CHECK(strstr(body, "privacy@example.com") != NULL); /* quoted from the cited KB passage */
    CHECK(strstr(body, "ann.lee@gmail.com") == NULL);
    CHECK_STR(jstr(r.json, "result.policy_check.compliance"), "passed");
    CHECK(jget(r.json, "result.policy_check.issues") == NULL);
    check_citations(jget(r.json, "result"));
    http_result_free(&r);
}

/* Issue 14's broken blender: the damaged-item article, not a money-transfer one. */
static void test_process_damaged_item_article(void)
{
    struct http_result r;
    REQUIRE(post_ticket(token_a,
                        "{\"customer_email\":\"ana@example.com\",\"customer_name\":\"Ana Lima\","
                        "\"raw_message\":\"My new blender arrived broken, the jug is cracked and "
                        "it won't turn on.\","
                        "\"ticket_id\":\"TKT-BLENDER-1\"}",
                        &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "result.citations.0.doc_id"), "KB-4005");
    const char *body = jstr(r.json, "result.answer_draft.body");
    REQUIRE(body);
    CHECK(strstr(body, "[KB-4005]") != NULL);
    CHECK(strstr(body, "wrong account") == NULL);
    http_result_free(&r);
}

static void test_validation_errors(void)
{
    struct {
        const char *body, *field, *type;
    } cases[] = {
        {"{\"customer_email\":\"a@b.co\",\"customer_name\":\"A\",\"raw_message\":\"short\","
         "\"ticket_id\":\"T1\"}",
         "raw_message", "string_too_short"},
        {"{\"customer_email\":\"not-an-email\",\"customer_name\":\"A\",\"raw_message\":\"long "
         "enough message\",\"ticket_id\":\"T1\"}",
         "customer_email", "value_error"},
        {"{\"customer_email\":\"a@b.co\",\"customer_name\":\"A\",\"raw_message\":\"long enough "
         "message\"}",
         "ticket_id", "missing"},
        {"{\"customer_email\":\"a@b.co\",\"customer_name\":7,\"raw_message\":\"long enough "
         "message\",\"ticket_id\":\"T1\"}",
         "customer_name", "string_type"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct http_result r;
        REQUIRE(post_ticket(token_a, cases[i].body, &r) == 0);
        CHECK_INT(r.status, 422);
        json_object *d0 = json_object_array_get_idx(jget(r.json, "detail"), 0);
        CHECK_STR(jstr(d0, "type"), cases[i].type);
        json_object *loc = jget(d0, "loc");
        CHECK_STR(loc ? json_object_get_string(json_object_array_get_idx(loc, 0)) : NULL, "body");
        CHECK_STR(loc ? json_object_get_string(json_object_array_get_idx(loc, 1)) : NULL,
                  cases[i].field);
        CHECK(jstr(d0, "msg") != NULL);
        http_result_free(&r);
    }
}

static void expect_detail(const char *method, const char *path, const char *body,
                          const char *const *h, long status, const char *detail)
{
    struct http_result r;
    REQUIRE(http_do(method, path, body, h, &r) == 0);
    CHECK_INT(r.status, status);
    if (detail)
        CHECK_STR(jstr(r.json, "detail"), detail);
    else
        CHECK(r.json && json_object_is_type(jget(r.json, "detail"), json_type_array));
    http_result_free(&r);
}

static void test_bad_input(void)
{
    const char *json_h[] = {"Content-Type: application/json", token_a, NULL};
    const char *text_h[] = {"Content-Type: text/plain", token_a, NULL};
    expect_detail("POST", "/api/v1/tickets/process", "{\"ticket_id\":", json_h, 422, NULL);
    expect_detail("POST", "/api/v1/tickets/process", "{\"raw_message\":\"\xff\xfe bad utf8 here\"}",
                  json_h, 422, "Request body is not valid UTF-8");
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 99);
    deep[199] = '\0';
    expect_detail("POST", "/api/v1/tickets/process", deep, json_h, 422, "JSON nesting too deep");
    expect_detail("POST", "/api/v1/tickets/process", seed_ticket, text_h, 415,
                  "Unsupported media type; expected application/json");
    expect_detail("GET", "/api/v1/tickets/process", NULL, json_h, 405, "Method Not Allowed");
    expect_detail("GET", "/api/v1/tickets/nope", NULL, json_h, 404, "Not Found");
    expect_detail("GET", "/definitely/not/here", NULL, NULL, 404, "Not Found");
    size_t big = (1u << 20) + 100;
    char *huge = malloc(big + 1);
    REQUIRE(huge);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    huge[big] = '\0';
    expect_detail("POST", "/api/v1/tickets/process", huge, json_h, 413, "Request body too large");
    free(huge);
}

static void test_auth_required(void)
{
    const char *none[] = {"Content-Type: application/json", NULL};
    expect_detail("POST", "/api/v1/tickets/process", seed_ticket, none, 401, "Not authenticated");
    char tampered[2100];
    snprintf(tampered, sizeof(tampered), "%s", token_a);
    size_t n = strlen(tampered);
    tampered[n - 3] = tampered[n - 3] == 'A' ? 'B' : 'A';
    const char *bad[] = {"Content-Type: application/json", tampered, NULL};
    expect_detail("POST", "/api/v1/tickets/process", seed_ticket, bad, 401,
                  "Invalid or expired token");
    const char *alg_none[] = {
        "Content-Type: application/json",
        "Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwidGlkIjoiYWNtZSJ9.", NULL};
    expect_detail("GET", "/api/v1/tickets/metrics", NULL, alg_none, 401,
                  "Invalid or expired token");
}

/* What GET /tickets/metrics must answer, computed here from acme's stored tickets (the
 * store file under CS_TEST_VAR, read-only): counts, averages, nearest-rank percentiles,
 * and the label mixes. */
struct expect {
    int n;
    double ms[512], sum_ms, sum_conf, esc, kb;
    json_object *mix[4];
};

static const char *const mix_name[4] = {"categories", "priorities", "sentiments", "compliance"};

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static int expected_metrics(struct expect *e, int64_t from_ms, int64_t to_ms)
{
    char path[600];
    const char *var = getenv("CS_TEST_VAR");
    if (!var) return -1;
    snprintf(path, sizeof(path), "%s/cs.db", var);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return sqlite3_close(db), -1;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(
        db,
        "SELECT json_extract(body, '$.processing_ms'), json_extract(body, '$.confidence'),"
        " json_extract(body, '$.escalation_needed'), json_extract(body, '$.kb_answer'),"
        " json_extract(body, '$.category'), json_extract(body, '$.priority'),"
        " json_extract(body, '$.sentiment'), json_extract(body, '$.compliance')"
        " FROM docs WHERE tenant='acme' AND coll='tickets' AND created_ms BETWEEN ?1 AND ?2",
        -1, &q, NULL);
    if (rc == SQLITE_OK) sqlite3_bind_int64(q, 1, from_ms);
    if (rc == SQLITE_OK) sqlite3_bind_int64(q, 2, to_ms);
    memset(e, 0, sizeof(*e));
    for (int m = 0; m < 4; m++) e->mix[m] = json_object_new_object();
    while (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW && e->n < 512) {
        e->ms[e->n++] = sqlite3_column_double(q, 0);
        e->sum_ms += sqlite3_column_double(q, 0);
        e->sum_conf += sqlite3_column_double(q, 1);
        e->esc += sqlite3_column_int(q, 2);
        e->kb += sqlite3_column_int(q, 3);
        for (int m = 0; m < 4; m++) {
            const char *k = (const char *)sqlite3_column_text(q, 4 + m);
            json_object *c;
            if (!k) continue;
            int was = json_object_object_get_ex(e->mix[m], k, &c) ? json_object_get_int(c) : 0;
            json_object_object_add(e->mix[m], k, json_object_new_int(was + 1));
        }
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    qsort(e->ms, (size_t)e->n, sizeof(double), cmp_d);
    return rc == SQLITE_OK ? 0 : -1;
}

/* The value as the endpoint prints it (3 decimals). */
static double printed(double v)
{
    json_object *o = json_object_new_object();
    double out = cs_json_add_double(o, "v", v, 3) == 0 ? json_object_get_double(jget(o, "v")) : NAN;
    json_object_put(o);
    return out;
}

static double rank(const struct expect *e, double q)
{
    long r = (long)ceil(q * e->n);
    return e->ms[r < 1 ? 0 : r - 1];
}

static void check_metrics(json_object *got, const struct expect *e)
{
    CHECK_INT(json_object_get_int(jget(got, "total_processed")), e->n);
    CHECK(json_object_get_double(jget(got, "latency_ms.p50")) == printed(rank(e, 0.5)));
    CHECK(json_object_get_double(jget(got, "latency_ms.p95")) == printed(rank(e, 0.95)));
    CHECK(json_object_get_double(jget(got, "latency_ms.p99")) == printed(rank(e, 0.99)));
    CHECK(json_object_get_double(jget(got, "latency_ms.avg")) == printed(e->sum_ms / e->n));
    CHECK(json_object_get_double(jget(got, "avg_confidence")) == printed(e->sum_conf / e->n));
    CHECK(json_object_get_double(jget(got, "escalation_rate")) == printed(e->esc / e->n));
    CHECK(json_object_get_double(jget(got, "kb_answer_rate")) == printed(e->kb / e->n));
    for (int m = 0; m < 4; m++) {
        json_object *mix = jget(got, mix_name[m]);
        CHECK_INT(mix ? json_object_object_length(mix) : -1, json_object_object_length(e->mix[m]));
        json_object_object_foreach(e->mix[m], k, v)
        {
            json_object *c;
            CHECK(mix && json_object_object_get_ex(mix, k, &c) &&
                  json_object_get_int(c) == json_object_get_int(v));
        }
        /* most frequent first */
        int prev = 1 << 30;
        json_object_object_foreach(mix, k2, v2)
        {
            (void)k2;
            CHECK(json_object_get_int(v2) <= prev);
            prev = json_object_get_int(v2);
        }
    }
}

static void test_metrics_and_isolation(void)
{
    const char *ha[] = {token_a, NULL}, *hb[] = {token_b, NULL};
    struct http_result r;
    struct expect e;
    REQUIRE(expected_metrics(&e, INT64_MIN, INT64_MAX) == 0);
    REQUIRE(e.n >= 5); /* the tickets this file processed */
    /* every acme ticket is from this run: all of them are in the last 24 hours too */
    for (int all = 0; all < 2; all++) {
        REQUIRE(http_do("GET",
                        all ? "/api/v1/tickets/metrics" : "/api/v1/tickets/metrics?period=24h",
                        NULL, ha, &r) == 0);
        CHECK_INT(r.status, 200);
        CHECK_STR(jstr(r.json, "period"), all ? "all" : "24h");
        check_metrics(r.json, &e);
        char lim[32];
        CHECK(http_header(&r, "x-rate-limit-limit", lim, sizeof(lim)) != NULL);
        http_result_free(&r);
    }
    for (int m = 0; m < 4; m++) json_object_put(e.mix[m]);
    REQUIRE(http_do("GET", "/api/v1/tickets/metrics", NULL, hb, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(json_object_get_int(jget(r.json, "total_processed")),
              0); /* globex sees none of acme's */
    CHECK(json_object_get_double(jget(r.json, "latency_ms.avg")) == 0 ||
          json_object_is_type(jget(r.json, "latency_ms.avg"), json_type_null));
    CHECK_INT(json_object_object_length(jget(r.json, "categories")), 0);
    http_result_free(&r);
    REQUIRE(http_do("GET", "/api/v1/tickets/metrics?period=bogus", NULL, ha, &r) == 0);
    CHECK_INT(r.status, 422);
    CHECK_STR(jstr(r.json, "detail.0.loc.1"), "period");
    http_result_free(&r);
}

/* acme's ticket creation times, oldest first (read-only, as expected_metrics). */
static int ticket_times(int64_t *ms, int max)
{
    char path[600];
    const char *var = getenv("CS_TEST_VAR");
    if (!var) return -1;
    snprintf(path, sizeof(path), "%s/cs.db", var);
    sqlite3 *db;
    sqlite3_stmt *q;
    int n = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return sqlite3_close(db), -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT created_ms FROM docs WHERE tenant='acme' AND coll='tickets'"
                           " ORDER BY created_ms",
                           -1, &q, NULL) == SQLITE_OK) {
        while (sqlite3_step(q) == SQLITE_ROW && n < max) ms[n++] = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return n;
}

/* from/to windows (the console's date range): exact against the stored tickets whose
 * creation time falls inside, both ends included, at millisecond edges. */
static void test_metrics_range(void)
{
    const char *ha[] = {token_a, NULL};
    int64_t ms[512];
    int n = ticket_times(ms, 512);
    REQUIRE(n >= 5);
    /* from the second ticket to the one before the last, given to the millisecond */
    int64_t lo = ms[1], hi = ms[n - 2];
    char a[CS_ISO_MAX], b[CS_ISO_MAX + 16], url[256];
    cs_time_iso(lo, CS_ISO_Z_MS, a);
    cs_time_iso(hi, CS_ISO_Z_MS, b);
    struct http_result r;
    struct expect e;
    snprintf(url, sizeof(url), "/api/v1/tickets/metrics?from=%s&to=%s", a, b);
    REQUIRE(http_do("GET", url, NULL, ha, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "period"), "custom");
    CHECK_STR(jstr(r.json, "from"), a);
    CHECK_STR(jstr(r.json, "to"), b);
    REQUIRE(expected_metrics(&e, lo, hi) == 0);
    CHECK(e.n >= 3);
    check_metrics(r.json, &e);
    for (int m = 0; m < 4; m++) json_object_put(e.mix[m]);
    http_result_free(&r);
    /* one millisecond after the newest ticket: nothing (the hour's rollup is cut exactly) */
    cs_time_iso(ms[n - 1] + 1, CS_ISO_Z_MS, a);
    snprintf(url, sizeof(url), "/api/v1/tickets/metrics?from=%s", a);
    REQUIRE(http_do("GET", url, NULL, ha, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(json_object_get_int(jget(r.json, "total_processed")), 0);
    CHECK_INT(json_object_object_length(jget(r.json, "categories")), 0);
    CHECK(jget(r.json, "to") == NULL);
    http_result_free(&r);
    /* a bare date as `to` takes in that whole day */
    cs_time_iso(ms[n - 1], CS_ISO_DATE, a);
    snprintf(url, sizeof(url), "/api/v1/tickets/metrics?to=%s", a);
    REQUIRE(http_do("GET", url, NULL, ha, &r) == 0);
    CHECK_INT(r.status, 200);
    snprintf(b, sizeof(b), "%sT23:59:59.999Z", a);
    CHECK_STR(jstr(r.json, "to"), b);
    REQUIRE(expected_metrics(&e, INT64_MIN, INT64_MAX) == 0);
    check_metrics(r.json, &e);
    for (int m = 0; m < 4; m++) json_object_put(e.mix[m]);
    http_result_free(&r);
    static const struct {
        const char *query, *loc;
    } bad[] = {{"period=7d&from=2026-01-01", "period"},
               {"from=yesterday", "from"},
               {"to=2026-02-30", "to"},
               {"from=2026-03-02&to=2026-03-01", "to"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(url, sizeof(url), "/api/v1/tickets/metrics?%s", bad[i].query);
        REQUIRE(http_do("GET", url, NULL, ha, &r) == 0);
        CHECK_INT(r.status, 422);
        CHECK_STR(jstr(r.json, "detail.0.loc.0"), "query");
        CHECK_STR(jstr(r.json, "detail.0.loc.1"), bad[i].loc);
        http_result_free(&r);
    }
}

static void test_cors_preflight(void)
{
    const char *h[] = {"Origin: https://app.example.com", "Access-Control-Request-Method: POST",
                       "Access-Control-Request-Headers: authorization, content-type", NULL};
    struct http_result r;
    REQUIRE(http_do("OPTIONS", "/api/v1/tickets/process", NULL, h, &r) == 0);
    CHECK_INT(r.status, 200);
    char v[256];
    CHECK_STR(http_header(&r, "access-control-allow-origin", v, sizeof(v)), "*");
    CHECK(http_header(&r, "access-control-allow-methods", v, sizeof(v)) && strstr(v, "POST"));
    CHECK_STR(http_header(&r, "access-control-allow-headers", v, sizeof(v)),
              "authorization, content-type");
    http_result_free(&r);
}

int main(void)
{
    if (!getenv("CS_TEST_BASE_URL")) {
        printf("tally: 0 passed, 1 failed, 0 skipped\n");
        return 1;
    }
    TEST_RUN(test_health);
    TEST_RUN(test_openapi_served);
    TEST_RUN(test_token_shape);
    TEST_RUN(test_token_bad_secret);
    TEST_RUN(test_login);
    TEST_RUN(test_process_seed_ticket);
    TEST_RUN(test_process_triage_examples);
    TEST_RUN(test_process_kb_email_not_a_leak);
    TEST_RUN(test_process_damaged_item_article);
    TEST_RUN(test_validation_errors);
    TEST_RUN(test_bad_input);
    TEST_RUN(test_auth_required);
    TEST_RUN(test_metrics_and_isolation);
    TEST_RUN(test_metrics_range);
    TEST_RUN(test_cors_preflight);
    return test_done();
}
