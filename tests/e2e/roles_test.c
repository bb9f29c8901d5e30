/* Issue 13.2: every write route, every role. The route list is the functions' own
 * declarations (`<binary> --routes`, gathered by tests/run.sh into CS_TEST_ROUTES), so a
 * route added later is covered without touching this file. A role the route does not
 * admit gets 403 in the route's family format before its body is read; a role it
 * admits gets past the gate (whatever the empty body then earns, never a 403). Then a
 * few writes with real bodies: the config a manager may change and an analyst may not,
 * and the refund authority no one may raise past the tier above. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/e2e.h"
#include "../support/http_client.h"
#include "../support/test.h"
#include "../support/test_jwt.h"

static const char *const roles[] = {"admin", "manager", "agent", "analyst", "reviewer"};
#define NROLES (sizeof(roles) / sizeof(roles[0]))
static char auth[NROLES][2048];

static int make_tokens(void)
{
    const char *secret = getenv("CS_TEST_JWT_SECRET");
    for (size_t i = 0; i < NROLES; i++) {
        char *t = test_jwt_sign(secret, "rolestest", "e2e-roles", &roles[i], 1, 3600);
        if (!t) return -1;
        snprintf(auth[i], sizeof(auth[i]), "Authorization: Bearer %s", t);
        free(t);
    }
    return 0;
}

static bool admits(const char *list, const char *role)
{
    if (!list || strcmp(list, "any") == 0 || strcmp(role, "admin") == 0) return true;
    size_t n = strlen(role);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, role, n) == 0) return true;
        p += k + (p[k] == ',');
    }
    return false;
}

/* "/a/{id}/b" -> "/a/x-id/b" */
static void fill_path(const char *pattern, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 16 < cap; p++) {
        if (*p == '{') {
            o += (size_t)snprintf(out + o, cap - o, "sess_ffffffffffffffffffffffff");
            p = strchr(p, '}');
            if (!p) break;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

/* The 403 body of each family (shared/src/core/family.c). */
static bool forbidden_body(const char *family, json_object *j)
{
    if (strcmp(family, "triage") == 0)
        return jstr(j, "detail") && strcmp(jstr(j, "detail"), "Insufficient permissions") == 0;
    if (strcmp(family, "insights") == 0)
        return json_object_get_boolean(jget(j, "error")) &&
               json_object_get_int(jget(j, "status_code")) == 403 && jstr(j, "message") &&
               strcmp(jstr(j, "message"), "Insufficient permissions") == 0;
    const char *want = strcmp(family, "sessions") == 0 ? "CS_009" : "forbidden";
    return jstr(j, "error.code") && strcmp(jstr(j, "error.code"), want) == 0 &&
           jstr(j, "error.message") &&
           strcmp(jstr(j, "error.message"), "Insufficient permissions") == 0;
}

static void test_every_write_route_every_role(void)
{
    const char *file = getenv("CS_TEST_ROUTES");
    FILE *f = file ? fopen(file, "r") : NULL;
    REQUIRE(f != NULL);
    char line[65536];
    int routes = 0, refused = 0, admitted = 0;
    while (fgets(line, sizeof(line), f)) {
        json_object *fn = json_tokener_parse(line);
        REQUIRE(fn != NULL);
        const char *family = jstr(fn, "family");
        json_object *rs = jget(fn, "routes");
        bool bearer = jstr(fn, "auth") && strcmp(jstr(fn, "auth"), "bearer") == 0;
        for (size_t i = 0; bearer && rs && i < json_object_array_length(rs); i++) {
            json_object *r = json_object_array_get_idx(rs, i);
            const char *method = jstr(r, "method"), *pattern = jstr(r, "path"),
                       *need = jstr(r, "roles");
            if (strcmp(method, "GET") == 0) continue;
            CHECK(need != NULL); /* every bearer route prints its roles */
            char path[512];
            fill_path(pattern, path, sizeof(path));
            routes++;
            for (size_t k = 0; k < NROLES; k++) {
                const char *h[] = {"Content-Type: application/json", auth[k], NULL};
                struct http_result res;
                REQUIRE(http_do(method, path, "{}", h, &res) == 0);
                if (admits(need, roles[k])) {
                    admitted++;
                    if (res.status == 403 && forbidden_body(family, res.json))
                        fprintf(stderr, "  %s %s refused %s\n", method, pattern, roles[k]);
                    CHECK(!(res.status == 403 && forbidden_body(family, res.json)));
                } else {
                    refused++;
                    if (res.status != 403 || !forbidden_body(family, res.json))
                        fprintf(stderr, "  %s %s let %s in: %ld %s\n", method, pattern, roles[k],
                                res.status, res.body);
                    CHECK_INT(res.status, 403);
                    CHECK(forbidden_body(family, res.json));
                }
                http_result_free(&res);
            }
        }
        json_object_put(fn);
    }
    fclose(f);
    /* The matrix the README states: at least these many writes exist and are guarded. */
    CHECK(routes >= 17);
    CHECK(refused >= 30);
    CHECK(admitted > 0);
}

static void test_config_writes(void)
{
    struct http_result r;
    const char *body = "{\"companyId\":\"co-roles\",\"rateLimits\":{\"analytics\":30}}";
    /* analyst (3) and agent (2) may read the config but not change it. */
    REQUIRE(e2e_call(auth[3], "PUT", "/api/v1/cs/config", body, &r) == 0);
    CHECK_INT(r.status, 403);
    CHECK_STR(jstr(r.json, "error.code"), "CS_009");
    http_result_free(&r);
    REQUIRE(e2e_call(auth[2], "PUT", "/api/momentum/cs/config", body, &r) == 0);
    CHECK_INT(r.status, 403);
    http_result_free(&r);
    REQUIRE(e2e_call(auth[1], "PUT", "/api/v1/cs/config", body, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(jint(r.json, "rateLimits.analytics"), 30);
    http_result_free(&r);
    REQUIRE(e2e_call(auth[3], "GET", "/api/v1/cs/config?companyId=co-roles", NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(jint(r.json, "rateLimits.analytics"), 30);
    http_result_free(&r);
    /* The AI's refund authority: bounded, and never above the tier above it. */
    REQUIRE(e2e_call(auth[0], "PUT", "/api/v1/cs/config",
                     "{\"companyId\":\"co-roles\",\"tiers\":{\"aiManager\":{\"capabilities\":"
                     "{\"maxRefundAmount\":1000000}}}}",
                     &r) == 0);
    CHECK_INT(r.status, 400);
    CHECK_STR(jstr(r.json, "error.code"), "CS_008");
    CHECK_STR(jstr(r.json, "error.details.field"), "tiers.aiManager.capabilities.maxRefundAmount");
    http_result_free(&r);
    REQUIRE(e2e_call(auth[0], "PUT", "/api/v1/cs/config",
                     "{\"companyId\":\"co-roles\",\"tiers\":{\"aiRep\":{\"capabilities\":"
                     "{\"canProcessRefunds\":true,\"maxRefundAmount\":500}}}}",
                     &r) == 0);
    CHECK_INT(r.status, 400);
    CHECK_STR(jstr(r.json, "error.details.field"), "tiers.aiRep.capabilities.maxRefundAmount");
    http_result_free(&r);
    /* A reviewer decides reviews but cannot register webhooks (predict family). */
    REQUIRE(e2e_call(auth[4], "POST", "/api/v1/customer/webhooks",
                     "{\"url\":\"https://example.com/h\",\"events\":[\"*\"]}", &r) == 0);
    CHECK_INT(r.status, 403);
    CHECK_STR(jstr(r.json, "error.code"), "forbidden");
    http_result_free(&r);
}

int main(void)
{
    if (make_tokens() != 0) return 1;
    TEST_RUN(test_every_write_route_every_role);
    TEST_RUN(test_config_writes);
    return test_done();
}
