/* StartExecution of the training state machine (functions/ai-training-worker/sfn.c):
 * Step Functions' JSON 1.0 API, a POST to / with X-Amz-Target and its own Content-Type,
 * signed with SigV4 for the "states" service, the execution named by the caller, and only
 * a 200 counts. Held against a loopback server; AWS itself is not reached from here. */
#include "../../functions/ai-training-worker/sfn.c"

#include <json-c/json.h>

#include "../support/one_shot.h"
#include "../support/test.h"

static void test_start_signed(void)
{
    struct one_shot s = {.answer = "200 OK"};
    pthread_t t;
    REQUIRE(one_shot_start(&s, &t) == 0);
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", s.port);
    const struct fn_sfn_target target = {
        .endpoint = endpoint,
        .region = "eu-west-1",
        .key_id = "AKIDEXAMPLE",
        .secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        .session_token = "FwoGZXIvYXdzEXAMPLETOKEN",
        .state_machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:cs-training"};
    const char *input = "{\"job_id\":\"job_1\",\"tenant\":\"acme\",\"shards\":[0,1]}";
    CHECK_INT(fn_ai_training_worker_sfn_start((void *)&target, "job_1-a2", input), CS_OK);
    one_shot_stop(&s, t);
    CHECK(strncmp(s.req, "POST / HTTP/1.1\r\n", 17) == 0);
    char v[1024], ct[64], target_h[64], tok[64];
    const char *auth = one_shot_header(&s, "authorization", v, sizeof(v));
    CHECK(one_shot_matches(auth, "^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/[0-9]{8}/eu-west-1/"
                                 "states/aws4_request, SignedHeaders=[a-z0-9;-]+, "
                                 "Signature=[0-9a-f]{64}$"));
    CHECK(one_shot_matches(auth, "SignedHeaders=.*x-amz-target"));
    CHECK(auth && strstr(auth, "wJalrXUtnFEMI") == NULL); /* the secret never travels */
    /* One Content-Type, the API's own: a second, generic one would make AWS refuse it. */
    CHECK_INT(one_shot_header_count(&s, "content-type"), 1);
    CHECK_STR(one_shot_header(&s, "content-type", ct, sizeof(ct)), "application/x-amz-json-1.0");
    CHECK_STR(one_shot_header(&s, "x-amz-target", target_h, sizeof(target_h)),
              "AWSStepFunctions.StartExecution");
    CHECK_STR(one_shot_header(&s, "x-amz-security-token", tok, sizeof(tok)),
              "FwoGZXIvYXdzEXAMPLETOKEN");
    CHECK_STR(one_shot_body(&s),
              "{\"stateMachineArn\":\"arn:aws:states:eu-west-1:123456789012:stateMachine:cs-"
              "training\",\"name\":\"job_1-a2\",\"input\":\"{\\\"job_id\\\":\\\"job_1\\\","
              "\\\"tenant\\\":\\\"acme\\\",\\\"shards\\\":[0,1]}\"}");
}

static void test_start_refused_or_unconfigured(void)
{
    struct one_shot s = {.answer = "400 Bad Request"};
    pthread_t t;
    REQUIRE(one_shot_start(&s, &t) == 0);
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", s.port);
    struct fn_sfn_target target = {.endpoint = endpoint,
                                   .region = "eu-west-1",
                                   .key_id = "AKIDEXAMPLE",
                                   .secret = "secret",
                                   .state_machine = "arn:aws:states:eu-west-1:1:stateMachine:x"};
    /* ExecutionAlreadyExists and the like: the claim gives the job back. */
    CHECK_INT(fn_ai_training_worker_sfn_start(&target, "job_2-a1", "{}"), CS_ERR_UPSTREAM);
    one_shot_stop(&s, t);
    CHECK_INT(one_shot_header_count(&s, "x-amz-security-token"), 0);
    target.state_machine = NULL; /* not configured: nothing is sent */
    CHECK_INT(fn_ai_training_worker_sfn_start(&target, "job_2-a2", "{}"), CS_ERR_CONFIG);
}

int main(void)
{
    TEST_RUN(test_start_signed);
    TEST_RUN(test_start_refused_or_unconfigured);
    return test_done();
}
