#include "cs/escalation.h"

#include "cs/sentiment.h"
#include "../../support/test.h"

static void test_features_scaled(void)
{
    struct cs_escalation_input in = {.sentiment_score = 0.2f, .refund_amount = 300,
                                     .tier_limit = 100, .wait_minutes = 1e9f, .legal_threat = 1};
    float x[CS_ESCALATION_N_FEATURES];
    cs_escalation_features(&in, x);
    for (size_t i = 0; i < CS_ESCALATION_N_FEATURES; i++) CHECK(x[i] >= 0.0f && x[i] <= 1.0f);
    CHECK_NEAR(x[0], 0.8, 1e-6);
    CHECK_NEAR(x[5], 1.0, 1e-6);
    CHECK_STR(cs_escalation_feature_name(6), "legal_mention");
}

static void test_prior_model(void)
{
    struct cs_models *ms;
    if (cs_models_open("data/models", &ms) != CS_OK) TEST_SKIP("data/models not found (run from the repo root)");
    struct cs_escalation_input calm = {.sentiment_score = 0.6f, .sentiment_level = CS_SENT_NEUTRAL};
    struct cs_escalation_input hot = {.sentiment_score = 0.1f, .sentiment_level = CS_SENT_IRATE,
                                      .legal_threat = 1, .repeat_contacts = 2};
    struct cs_escalation a, b;
    CHECK_INT(cs_escalation_predict(ms, &calm, &a), CS_OK);
    CHECK_INT(cs_escalation_predict(ms, &hot, &b), CS_OK);
    CHECK(a.probability < 0.2f && !a.escalate);
    CHECK(b.probability > 0.9f && b.escalate);
    CHECK_STR(b.reason, "LEGAL_MENTION");
    double sum = b.explanation.base + b.explanation.other;
    for (uint32_t i = 0; i < b.explanation.n; i++) sum += b.explanation.item[i].contribution;
    CHECK_NEAR(sum, b.explanation.logit, 1e-5);
    cs_models_close(ms);
}

int main(void)
{
    TEST_RUN(test_features_scaled);
    TEST_RUN(test_prior_model);
    return test_done();
}
