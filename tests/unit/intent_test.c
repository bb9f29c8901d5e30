#include "cs/intent.h"

#include <string.h>

#include "../support/test.h"

static void test_classify(void)
{
    struct cs_models *ms;
    if (cs_models_open("data/models", &ms) != CS_OK) TEST_SKIP("data/models not found (run from the repo root)");
    struct cs_intent in;
    const char *t = "I still have not received my new card, when will it arrive?";
    const char *bank[] = {"intent-banking77", NULL};
    CHECK_INT(cs_intent_classify(ms, bank, t, strlen(t), &in), CS_OK);
    CHECK_STR(in.intent, "card_arrival");
    const char *only[] = {"intent-support", NULL};
    const char *u = "I want to cancel my order";
    CHECK_INT(cs_intent_classify(ms, only, u, strlen(u), &in), CS_OK);
    CHECK_STR(in.intent, "cancel_order");
    CHECK_STR(in.model, "intent-support");
    const char *none[] = {"missing", NULL};
    CHECK_INT(cs_intent_classify(ms, none, u, strlen(u), &in), CS_ERR_NOT_FOUND);
    cs_models_close(ms);
}

int main(void)
{
    TEST_RUN(test_classify);
    return test_done();
}
