#include "cs/triage.h"

#include <string.h>

#include "../../support/test.h"

static const char *POLICY =
    "{\"sla_hours\":{\"P1\":4,\"P2\":24,\"P3\":72},\"urgency_terms\":[\"urgent\"],"
    "\"default\":{\"category\":\"General Inquiry\",\"subcategory\":\"Other\",\"team\":\"Care\",\"priority\":\"P3\",\"sla_hours\":72},"
    "\"intents\":{\"transaction_charged_twice\":{\"category\":\"Billing\",\"code\":\"BILLING\",\"subcategory\":\"Duplicate Charge\",\"team\":\"Finance Team\",\"priority\":\"P2\",\"sla_hours\":24}}}";

static void test_policy_parse(void)
{
    struct cs_triage_policy *p;
    REQUIRE(cs_triage_policy_parse(POLICY, strlen(POLICY), &p) == CS_OK);
    CHECK_STR(cs_triage_policy_route(p, "transaction_charged_twice")->team, "Finance Team");
    CHECK_STR(cs_triage_policy_route(p, "nope")->category, "General Inquiry");
    cs_triage_policy_destroy(p);
    CHECK_INT(cs_triage_policy_parse("{", 1, &p), CS_ERR_BAD_JSON);
    const char *bad = "{\"default\":{\"category\":\"a\",\"subcategory\":\"b\",\"team\":\"c\",\"priority\":\"P4\",\"sla_hours\":1}}";
    CHECK_INT(cs_triage_policy_parse(bad, strlen(bad), &p), CS_ERR_CONFIG);
}

static void test_ticket_seed004(void)
{
    struct cs_models *ms;
    struct cs_triage_policy *p;
    if (cs_models_open("data/models", &ms) != CS_OK) TEST_SKIP("data/models not found (run from the repo root)");
    REQUIRE(cs_triage_policy_load("data/policy/triage_default.json", &p) == CS_OK);
    const char *t = "I was charged twice for my subscription this month. Please help!";
    struct cs_triage r;
    CHECK_INT(cs_triage_ticket(ms, p, t, strlen(t), &r), CS_OK);
    CHECK_STR(r.category, "Billing");
    CHECK_STR(r.subcategory, "Duplicate Charge");
    CHECK_STR(r.suggested_team, "Finance Team");
    CHECK_STR(r.priority, "P2");
    CHECK_INT(r.sla_hours, 24);
    CHECK_STR(r.intent_model, "intent-banking77");
    CHECK_STR(r.intent, "transaction_charged_twice");
    CHECK_STR(r.sentiment, "frustrated");
    CHECK(r.confidence > 0.5f && r.confidence <= 1.0f);
    const char *u = "URGENT!!! I was charged twice, this is unacceptable, I will sue you";
    CHECK_INT(cs_triage_ticket(ms, p, u, strlen(u), &r), CS_OK);
    CHECK_STR(r.priority, "P1");
    CHECK_INT(r.sla_hours, 4);
    CHECK_STR(r.sentiment, "angry");
    cs_triage_policy_destroy(p);
    cs_models_close(ms);
}

/* Banking tickets the old most-confident-model rule sent to the support model now
 * reach the banking policy routes; a support ticket still reaches its own. */
static void test_ticket_routing(void)
{
    struct cs_models *ms;
    struct cs_triage_policy *p;
    if (cs_models_open("data/models", &ms) != CS_OK) TEST_SKIP("data/models not found (run from the repo root)");
    REQUIRE(cs_triage_policy_load("data/policy/triage_default.json", &p) == CS_OK);
    struct cs_triage r;
    /* both went to intent-support's check_cancellation_fee (Cancellation) before */
    const char *cash_texts[] = {"cash withdrawal", "I want to withdraw cash"};
    for (int i = 0; i < 2; i++) {
        CHECK_INT(cs_triage_ticket(ms, p, cash_texts[i], strlen(cash_texts[i]), &r), CS_OK);
        CHECK_STR(r.intent_model, "intent-banking77");
        CHECK_STR(r.category, "Billing");
        CHECK_STR(r.subcategory, cs_triage_policy_route(p, r.intent)->subcategory);
    }
    const char *cash = "The ATM gave me less cash than I asked for";
    CHECK_INT(cs_triage_ticket(ms, p, cash, strlen(cash), &r), CS_OK);
    CHECK_STR(r.intent_model, "intent-banking77");
    CHECK_STR(r.intent, "wrong_amount_of_cash_received");
    CHECK_STR(r.category, cs_triage_policy_route(p, "wrong_amount_of_cash_received")->category);
    const char *ship = "How do I change my shipping address?";
    CHECK_INT(cs_triage_ticket(ms, p, ship, strlen(ship), &r), CS_OK);
    CHECK_STR(r.intent_model, "intent-support");
    CHECK_STR(r.intent, "change_shipping_address");
    CHECK_STR(r.suggested_team, cs_triage_policy_route(p, "change_shipping_address")->team);
    cs_triage_policy_destroy(p);

    /* a policy naming a gate the bundle lacks fails loudly instead of silently
     * falling back to the max-confidence rule */
    const char *missing = "{\"intent_gate\":\"no-such-gate\","
        "\"default\":{\"category\":\"a\",\"subcategory\":\"b\",\"team\":\"c\",\"priority\":\"P3\",\"sla_hours\":72}}";
    REQUIRE(cs_triage_policy_parse(missing, strlen(missing), &p) == CS_OK);
    CHECK_INT(cs_triage_ticket(ms, p, cash, strlen(cash), &r), CS_ERR_NOT_FOUND);
    cs_triage_policy_destroy(p);
    const char *bad = "{\"intent_gate\":5,"
        "\"default\":{\"category\":\"a\",\"subcategory\":\"b\",\"team\":\"c\",\"priority\":\"P3\",\"sla_hours\":72}}";
    CHECK_INT(cs_triage_policy_parse(bad, strlen(bad), &p), CS_ERR_CONFIG);
    cs_models_close(ms);
}

int main(void)
{
    TEST_RUN(test_policy_parse);
    TEST_RUN(test_ticket_seed004);
    TEST_RUN(test_ticket_routing);
    return test_done();
}
