/* Issue 13.5: the login and token endpoints' brute-force guard through the gateway.
 * The e2e stack trusts 127.0.0.1 as a proxy (CS_TRUSTED_PROXIES, tests/run.sh), so each
 * scenario plays a different client by its X-Forwarded-For; the untrusted case (a
 * client-sent X-Forwarded-For is ignored) is tested in tests/unit/core/app_test.c.
 * Uses the login analyst@acme.test and the API key CS_TEST_KEY_A. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../support/e2e.h"
#include "../support/http_client.h"
#include "../support/test.h"

static long login(const char *client, const char *user, const char *password, struct http_result *r)
{
    char xff[96], body[256];
    snprintf(xff, sizeof(xff), "X-Forwarded-For: %s", client);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
    const char *h[] = {"Content-Type: application/json", xff, NULL};
    if (http_do("POST", "/api/v1/auth/login", body, h, r) != 0) return -1;
    return r->status;
}

static long token(const char *client, const char *secret_override, struct http_result *r)
{
    char body[512], xff[96];
    if (e2e_token_body("CS_TEST_KEY_A", body, sizeof(body)) != 0) return -1;
    if (secret_override) {
        /* Same key, another secret: replace the api_secret value. */
        char *s = strstr(body, "\"api_secret\":\"");
        if (!s) return -1;
        snprintf(s, sizeof(body) - (size_t)(s - body), "\"api_secret\":\"%s\"}", secret_override);
    }
    snprintf(xff, sizeof(xff), "X-Forwarded-For: %s", client);
    const char *h[] = {"Content-Type: application/json", xff, NULL};
    if (http_do("POST", "/api/v1/auth/token", body, h, r) != 0) return -1;
    return r->status;
}

static int retry_after(const struct http_result *r)
{
    char buf[32];
    const char *v = http_header(r, "retry-after", buf, sizeof(buf));
    return v ? (int)strtol(v, NULL, 10) : -1;
}

/* 30 usernames from one client: throttled after the free failures, in the insights
 * format with Retry-After; another client logs in at once meanwhile. */
static void test_spray_is_throttled(void)
{
    const char *sprayer = "203.0.113.77";
    struct http_result r;
    int refused = 0, wrong = 0, first_refused = -1;
    for (int i = 0; i < 30; i++) {
        char user[64];
        snprintf(user, sizeof(user), "spray%02d@acme.test", i);
        long st = login(sprayer, user, "guess-123456", &r);
        if (st == 401) wrong++;
        if (st == 429) {
            if (first_refused < 0) {
                first_refused = i;
                CHECK(json_object_get_boolean(jget(r.json, "error")));
                CHECK_INT(json_object_get_int(jget(r.json, "status_code")), 429);
                CHECK_STR(jstr(r.json, "message"), "Rate limit exceeded");
                CHECK(retry_after(&r) >= 1 && retry_after(&r) <= 60);
            }
            refused++;
        }
        http_result_free(&r);
    }
    CHECK_INT(first_refused, 11); /* 10 free failures, the 11th sets a 1 s delay */
    CHECK(refused >= 18);
    CHECK(wrong <= 12);
    /* Another client is not slowed by the spray. */
    CHECK_INT(login("198.51.100.20", "analyst@acme.test", "correct horse 1", &r), 200);
    http_result_free(&r);
}

/* Wrong secrets for one key delay that key from that client, briefly; the correct
 * secret works once the delay is over, and at once from elsewhere: no lockout. */
static void test_no_lockout_of_the_owner(void)
{
    const char *attacker = "203.0.113.88", *owner = "198.51.100.30";
    struct http_result r;
    for (int i = 0; i < 6; i++) {
        CHECK_INT(token(attacker,
                        "cs_0000000000000000000000000000000000000000000000000000000000000000", &r),
                  401);
        http_result_free(&r);
    }
    /* The sixth failure set a delay: even the right secret from the attacker's place waits. */
    CHECK_INT(token(attacker, NULL, &r), 429);
    CHECK_STR(jstr(r.json, "error.code"), "rate_limited");
    int wait = retry_after(&r);
    CHECK(wait >= 1 && wait <= 2);
    http_result_free(&r);
    /* The owner elsewhere: never delayed. */
    CHECK_INT(token(owner, NULL, &r), 200);
    http_result_free(&r);
    sleep((unsigned)(wait > 0 ? wait : 1));
    CHECK_INT(token(attacker, NULL, &r), 200);
    http_result_free(&r);
}

int main(void)
{
    TEST_RUN(test_spray_is_throttled);
    TEST_RUN(test_no_lockout_of_the_owner);
    return test_done();
}
