/* Delivery at once (cs/events.h): the asynchronous Lambda Invoke is a POST to the Invoke
 * API with InvocationType Event, signed with SigV4 by libcurl, and only a 202 counts.
 * Held against a loopback server that checks the request line, the SigV4 headers'
 * shape (Authorization, X-Amz-Date, the session token) and the body. AWS itself is not
 * reached from here. */
#include <stdio.h>
#include <string.h>

#include "../../support/one_shot.h"
#include "../../support/test.h"
#include "cs/events.h"

static void test_invoke_signed(void)
{
    struct one_shot s = {.answer = "202 Accepted"};
    pthread_t t;
    REQUIRE(one_shot_start(&s, &t) == 0);
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", s.port);
    struct cs_lambda_target target = {.endpoint = endpoint,
                                      .region = "eu-west-1",
                                      .key_id = "AKIDEXAMPLE",
                                      .secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                      .session_token = "FwoGZXIvYXdzEXAMPLETOKEN",
                                      .function = "cs-webhook-dispatch"};
    const char *body = "{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\"}";
    long status = 0;
    CHECK_INT(cs_lambda_invoke_event(&target, body, &status), CS_OK);
    CHECK_INT(status, 202);
    one_shot_stop(&s, t);
    CHECK(strncmp(s.req, "POST /2015-03-31/functions/cs-webhook-dispatch/invocations HTTP/1.1\r\n",
                  69) == 0);
    char v[1024];
    const char *auth = one_shot_header(&s, "authorization", v, sizeof(v));
    printf("# %s\n", auth ? auth : "(no Authorization)");
    CHECK(one_shot_matches(auth,
                           "^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/[0-9]{8}/eu-west-1/lambda/"
                           "aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$"));
    CHECK(one_shot_matches(auth, "SignedHeaders=([a-z0-9-]+;)*host;([a-z0-9-]+;)*x-amz-date(;|,)"));
    CHECK(auth && strstr(auth, "wJalrXUtnFEMI") == NULL); /* the secret never travels */
    char date[64], tok[128], type[32], ct[64];
    CHECK(one_shot_matches(one_shot_header(&s, "x-amz-date", date, sizeof(date)),
                           "^[0-9]{8}T[0-9]{6}Z$"));
    CHECK(auth && strstr(auth, "Credential=AKIDEXAMPLE/") &&
          strncmp(strstr(auth, "Credential=AKIDEXAMPLE/") + 23, date, 8) == 0);
    CHECK_STR(one_shot_header(&s, "x-amz-security-token", tok, sizeof(tok)),
              "FwoGZXIvYXdzEXAMPLETOKEN");
    CHECK_STR(one_shot_header(&s, "x-amz-invocation-type", type, sizeof(type)), "Event");
    CHECK_STR(one_shot_header(&s, "content-type", ct, sizeof(ct)), "application/json");
    CHECK_INT(one_shot_header_count(&s, "content-type"), 1);
    CHECK_STR(one_shot_body(&s), body);
}

static void test_invoke_refused(void)
{
    struct one_shot s = {.answer = "403 Forbidden"};
    pthread_t t;
    REQUIRE(one_shot_start(&s, &t) == 0);
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", s.port);
    struct cs_lambda_target target = {.endpoint = endpoint,
                                      .region = "eu-west-1",
                                      .key_id = "AKIDEXAMPLE",
                                      .secret = "secret",
                                      .function = "f"};
    long status = 0;
    CHECK_INT(cs_lambda_invoke_event(&target, "{}", &status), CS_ERR_UPSTREAM);
    CHECK_INT(status, 403);
    one_shot_stop(&s, t);
    CHECK_INT(one_shot_header_count(&s, "x-amz-security-token"), 0); /* none without a token */
    target.key_id = NULL; /* no credentials: nothing is sent */
    CHECK_INT(cs_lambda_invoke_event(&target, "{}", &status), CS_ERR_CONFIG);
    CHECK_INT(status, 0);
}

static void test_staged_flag(void)
{
    CHECK(!cs_events_take_staged());
    cs_events_mark_staged();
    CHECK(cs_events_take_staged());
    CHECK(!cs_events_take_staged()); /* once */
}

int main(void)
{
    TEST_RUN(test_invoke_signed);
    TEST_RUN(test_invoke_refused);
    TEST_RUN(test_staged_flag);
    return test_done();
}
