#include "cs/sentiment.h"

#include <string.h>

#include "../../support/test.h"

static void test_cues(void)
{
    struct cs_sentiment_cues c;
    const char *t = "This is UNACCEPTABLE!!! I will call my lawyer and post on twitter. Not happy.";
    cs_sentiment_scan_cues(t, strlen(t), &c);
    CHECK_INT(c.caps_words, 1);
    CHECK_INT(c.exclaim_runs, 1);
    CHECK(c.anger_terms >= 1);
    CHECK_INT(c.legal, 1);
    CHECK_INT(c.social, 1);
    CHECK_INT(c.negated_positive, 1);
    CHECK_INT(c.cue_off, 8);
    CHECK_INT(c.cue_len, 12);

    /* "court" is a legal cue only in a legal phrase */
    const char *food = "The food court near your store was closed.";
    cs_sentiment_scan_cues(food, strlen(food), &c);
    CHECK_INT(c.legal, 0);
    const char *threat = "Fine, see you in court.";
    cs_sentiment_scan_cues(threat, strlen(threat), &c);
    CHECK_INT(c.legal, 1);
}

static void test_mapping_levels(void)
{
    struct cs_sentiment_cues none, loud;
    memset(&none, 0, sizeof(none));
    memset(&loud, 0, sizeof(loud));
    loud.legal = 1, loud.caps_words = 2, loud.exclaim_runs = 1, loud.anger_terms = 1;
    struct cs_sentiment s;
    float neg[3] = {0.8f, 0.15f, 0.05f}, pos[3] = {0.02f, 0.03f, 0.95f}, neu[3] = {0.1f, 0.8f, 0.1f};
    cs_sentiment_map(neg, &none, &s);
    CHECK_STR(s.level_name, "FRUSTRATED");
    CHECK_STR(s.label, "frustrated");
    float plain = s.score;
    cs_sentiment_map(neg, &loud, &s);
    CHECK_STR(s.level_name, "IRATE");
    CHECK(s.score < plain);
    cs_sentiment_map(neu, &none, &s);
    CHECK_STR(s.label, "neutral");
    CHECK_NEAR(s.score, 0.5, 1e-6);
    cs_sentiment_map(pos, &none, &s);
    CHECK_STR(s.label, "positive");
    CHECK(s.level == CS_SENT_HAPPY);
    CHECK_INT(cs_sentiment_level_parse("ANGRY"), CS_SENT_ANGRY);
}

static void test_model_and_trigger(void)
{
    struct cs_models *ms;
    if (cs_models_open("data/models", &ms) != CS_OK) TEST_SKIP("data/models not found (run from the repo root)");
    struct cs_sentiment a, b;
    const char *t1 = "thanks, that was quick and helpful", *t2 = "my flight was cancelled again and nobody answers";
    CHECK_INT(cs_sentiment_analyze(ms, t1, strlen(t1), &a), CS_OK);
    CHECK_INT(cs_sentiment_analyze(ms, t2, strlen(t2), &b), CS_OK);
    CHECK_STR(a.label, "positive");
    CHECK(b.prob[CS_SENT_NEGATIVE] > 0.5f);
    char why[128];
    int dropped;
    CHECK_INT(cs_sentiment_trigger(ms, &a, &b, t2, strlen(t2), why, sizeof(why), &dropped), CS_OK);
    CHECK_INT(dropped, 1);
    CHECK(why[0] != '\0' && strstr(t2, why) != NULL);
    CHECK_INT(cs_sentiment_trigger(ms, &b, &a, t1, strlen(t1), why, sizeof(why), &dropped), CS_OK);
    CHECK_INT(dropped, 0);
    cs_models_close(ms);
}

int main(void)
{
    TEST_RUN(test_cues);
    TEST_RUN(test_mapping_levels);
    TEST_RUN(test_model_and_trigger);
    return test_done();
}
