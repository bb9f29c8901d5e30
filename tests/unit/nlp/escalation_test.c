#include "cs/escalation.h"

#include <stdbool.h>
#include <string.h>

#include "cs/sentiment.h"
#include "../../support/test.h"

static void test_features_scaled(void)
{
    struct cs_escalation_input in = {.sentiment_score = 0.2f,
                                     .refund_amount = 300,
                                     .tier_limit = 100,
                                     .wait_minutes = 1e9f,
                                     .legal_threat = 1};
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
    /* the shipped model must load: a missing or broken file fails, never skips */
    REQUIRE(cs_models_open("data/models", &ms) == CS_OK);
    struct cs_escalation_input calm = {.sentiment_score = 0.6f, .sentiment_level = CS_SENT_NEUTRAL};
    struct cs_escalation_input hot = {.sentiment_score = 0.1f,
                                      .sentiment_level = CS_SENT_IRATE,
                                      .legal_threat = 1,
                                      .repeat_contacts = 2};
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

static bool has_factor(const struct cs_escalation *e, const char *name)
{
    for (size_t i = 0; i < e->n_factors; i++)
        if (strcmp(e->factors[i], name) == 0) return true;
    return false;
}

static void check_identity(const struct cs_escalation *e)
{
    double sum = e->explanation.base + e->explanation.other;
    for (uint32_t i = 0; i < e->explanation.n; i++) sum += e->explanation.item[i].contribution;
    CHECK_NEAR(sum, e->explanation.logit, 1e-5);
}

/* The examples: the words decide, not the numbers alone. */
static void test_reads_the_text(void)
{
    struct cs_models *ms;
    REQUIRE(cs_models_open("data/models", &ms) == CS_OK);
    const char *hot =
        "I have called four times about this and I want a manager now or I will cancel";
    struct cs_escalation_input in = {0};
    CHECK_INT(cs_escalation_read_conversation(ms, &hot, NULL, 1, &in), CS_OK);
    CHECK_INT(in.human_request, 1);
    CHECK_INT(in.ultimatum, 1);
    CHECK_INT(in.stated_contacts, 2);
    struct cs_escalation e;
    CHECK_INT(cs_escalation_predict(ms, &in, &e), CS_OK);
    CHECK(e.probability >= 0.5f && e.escalate);
    CHECK(has_factor(&e, "customer_request"));
    CHECK(has_factor(&e, "repeat_contact"));
    check_identity(&e);

    const char *polite = "Hi, could you please send me a copy of my last invoice? Thanks!";
    struct cs_escalation_input calm = {0};
    CHECK_INT(cs_escalation_read_conversation(ms, &polite, NULL, 1, &calm), CS_OK);
    CHECK(calm.sentiment_level == CS_SENT_NEUTRAL || calm.sentiment_level == CS_SENT_SATISFIED);
    CHECK_INT(cs_escalation_predict(ms, &calm, &e), CS_OK);
    CHECK(e.probability < 0.2f && !e.escalate);
    CHECK(!has_factor(&e, "negative_sentiment"));
    check_identity(&e);

    /* history: waits and contacts stated earlier count, the trend is first -> latest */
    const char *conv[] = {"Thanks, that sounds good.",
                          "Still nothing after three weeks. This is the "
                          "third time I'm writing to you. I'm really disappointed."};
    struct cs_escalation_input h = {0};
    CHECK_INT(cs_escalation_read_conversation(ms, conv, NULL, 2, &h), CS_OK);
    CHECK_NEAR(h.stated_wait_days, 21.0, 1e-4);
    CHECK_INT(h.stated_contacts, 2);
    CHECK(h.sentiment_trend < 0.0f);
    CHECK_INT(cs_escalation_read_conversation(ms, NULL, NULL, 1, &h), CS_ERR_INVALID);
    cs_models_close(ms);
}

int main(void)
{
    TEST_RUN(test_features_scaled);
    TEST_RUN(test_prior_model);
    TEST_RUN(test_reads_the_text);
    return test_done();
}
