#include "cs/intent.h"

#include <math.h>
#include <string.h>

#include "../../support/test.h"

static void test_classify(void)
{
    struct cs_models *ms;
    if (cs_models_open("data/models", &ms) != CS_OK)
        TEST_SKIP("data/models not found (run from the repo root)");
    struct cs_intent in;
    const char *t = "I still have not received my new card, when will it arrive?";
    const char *bank[] = {"intent-banking77", NULL};
    CHECK_INT(cs_intent_classify(ms, bank, t, strlen(t), &in), CS_OK);
    CHECK_STR(in.intent, "card_arrival");
    CHECK_INT(in.gated, 0); /* one candidate: nothing to choose, the gate does not run */
    const char *only[] = {"intent-support", NULL};
    const char *u = "I want to cancel my order";
    CHECK_INT(cs_intent_classify(ms, only, u, strlen(u), &in), CS_OK);
    CHECK_STR(in.intent, "cancel_order");
    CHECK_STR(in.model, "intent-support");
    const char *none[] = {"missing", NULL};
    CHECK_INT(cs_intent_classify(ms, none, u, strlen(u), &in), CS_ERR_NOT_FOUND);
    cs_models_close(ms);
}

/* Texts phrased for this test (not rows of either data set) that the shipped gate
 * must send to each side. The first two went to intent-support under the old
 * max-confidence rule (both as check_cancellation_fee). */
static const char *const BANKING[] = {
    "cash withdrawal",
    "I want to withdraw cash",
    "The ATM gave me less cash than I asked for",
    "my card payment was declined at the shop",
    "I was charged twice for my subscription this month. Please help!",
};
static const char *const SUPPORT[] = {
    "How do I change my shipping address?",
    "I want to speak to a human agent",
    "I need an invoice for my last purchase",
};

static void check_side(const struct cs_models *ms, const char *text, const char *model)
{
    struct cs_intent in;
    CHECK_INT(cs_intent_classify(ms, NULL, text, strlen(text), &in), CS_OK);
    CHECK_STR(in.model, model);
    CHECK_INT(in.gated, 1);
    if (strcmp(in.model ? in.model : "", model) != 0) fprintf(stderr, "  text: %s\n", text);
}

static void test_gate_routes_each_side(void)
{
    struct cs_models *ms;
    if (cs_models_open("data/models", &ms) != CS_OK)
        TEST_SKIP("data/models not found (run from the repo root)");
    const struct cs_model *gate = cs_models_get(ms, CS_INTENT_GATE);
    REQUIRE(gate != NULL);
    /* the gate's labels are the intent models it chooses between */
    CHECK_INT(cs_model_n_classes(gate), 2);
    CHECK(cs_model_label_index(gate, "intent-banking77") >= 0);
    CHECK(cs_model_label_index(gate, "intent-support") >= 0);
    for (size_t i = 0; i < sizeof(BANKING) / sizeof(BANKING[0]); i++)
        check_side(ms, BANKING[i], "intent-banking77");
    for (size_t i = 0; i < sizeof(SUPPORT) / sizeof(SUPPORT[0]); i++)
        check_side(ms, SUPPORT[i], "intent-support");
    struct cs_intent in;
    CHECK_INT(cs_intent_classify(ms, NULL, BANKING[2], strlen(BANKING[2]), &in), CS_OK);
    CHECK_STR(in.intent, "wrong_amount_of_cash_received");
    cs_models_close(ms);
}

/* The routing rule itself: confidence is P(domain) * P(intent | domain); a gate that
 * names none of the candidates, or no gate, falls back to the most confident model. */
static void test_route_rule(void)
{
    struct cs_models *ms;
    if (cs_models_open("data/models", &ms) != CS_OK)
        TEST_SKIP("data/models not found (run from the repo root)");
    const struct cs_model *gate = cs_models_get(ms, CS_INTENT_GATE);
    const struct cs_model *both[] = {cs_models_get(ms, "intent-banking77"),
                                     cs_models_get(ms, "intent-support")};
    REQUIRE(gate && both[0] && both[1]);
    const char *t = "cash withdrawal";
    size_t n = strlen(t);
    struct cs_intent g, plain;
    CHECK_INT(cs_intent_route(gate, both, 2, t, n, &g), CS_OK);
    CHECK_INT(g.gated, 1);
    CHECK(g.domain_confidence > 0.5f && g.domain_confidence <= 1.0f);
    struct cs_model_pred gp, mp;
    CHECK_INT(cs_model_predict_text(gate, t, n, cs_models_scratch(), &gp), CS_OK);
    CHECK_NEAR(g.domain_confidence, gp.prob[cs_model_label_index(gate, g.model)], 1e-6);
    const struct cs_model *chosen = strcmp(g.model, "intent-banking77") == 0 ? both[0] : both[1];
    CHECK_INT(cs_model_predict_text(chosen, t, n, cs_models_scratch(), &mp), CS_OK);
    CHECK_STR(g.intent, cs_model_label(chosen, mp.top));
    CHECK_NEAR(g.confidence, mp.confidence * g.domain_confidence, 1e-6);

    /* no gate: every model runs and the more confident answers */
    CHECK_INT(cs_intent_route(NULL, both, 2, t, n, &plain), CS_OK);
    CHECK_INT(plain.gated, 0);
    struct cs_model_pred p0, p1;
    CHECK_INT(cs_model_predict_text(both[0], t, n, cs_models_scratch(), &p0), CS_OK);
    CHECK_INT(cs_model_predict_text(both[1], t, n, cs_models_scratch(), &p1), CS_OK);
    CHECK_STR(plain.model, p0.confidence >= p1.confidence ? "intent-banking77" : "intent-support");
    CHECK_NEAR(plain.confidence, p0.confidence >= p1.confidence ? p0.confidence : p1.confidence,
               1e-6);

    /* a "gate" whose labels name no candidate (sentiment) changes nothing */
    struct cs_intent odd;
    CHECK_INT(cs_intent_route(cs_models_get(ms, "sentiment"), both, 2, t, n, &odd), CS_OK);
    CHECK_INT(odd.gated, 0);
    CHECK_STR(odd.model, plain.model);
    CHECK_STR(odd.intent, plain.intent);

    /* only the candidates the caller allows: the gate cannot pick a model not listed */
    const struct cs_model *sup[] = {both[1]};
    CHECK_INT(cs_intent_route(gate, sup, 1, t, n, &odd), CS_OK);
    CHECK_STR(odd.model, "intent-support");

    /* errors */
    CHECK_INT(cs_intent_route(gate, both, 0, t, n, &odd), CS_ERR_NOT_FOUND);
    const struct cs_model *dense[] = {both[0], cs_models_get(ms, "escalation")};
    CHECK_INT(cs_intent_route(gate, dense, 2, t, n, &odd), CS_ERR_INVALID);
    CHECK_INT(cs_intent_route(cs_models_get(ms, "escalation"), both, 2, t, n, &odd),
              CS_ERR_INVALID);
    CHECK_INT(cs_intent_classify_gated(ms, NULL, "no-such-gate", t, n, &odd), CS_ERR_NOT_FOUND);
    CHECK_INT(cs_intent_classify_gated(ms, NULL, "", t, n, &odd), CS_OK);
    CHECK_STR(odd.model, plain.model);
    CHECK_INT(odd.gated, 0);
    cs_models_close(ms);
}

int main(void)
{
    TEST_RUN(test_classify);
    TEST_RUN(test_gate_routes_each_side);
    TEST_RUN(test_route_rule);
    return test_done();
}
