/* Sessions (cs/session.h): configuration defaults and validated deep merge, the irate
 * protocol's decisions, refund/credit limits per tier, and the reply generator's money
 * guard, length cap and metadata. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/json.h"
#include "cs/kb.h"
#include "cs/retrieval.h"
#include "cs/models.h"
#include "cs/sentiment.h"
#include "cs/session.h"
#include "cs/store.h"

static struct cs_arena *arena;

static json_object *cfg_with(const char *patch)
{
    json_object *cfg = cs_session_config_defaults();
    if (!patch) return cfg;
    json_object *p = json_tokener_parse(patch);
    const char *where, *why;
    int rc = cs_session_config_merge(cfg, p, arena, &where, &why);
    json_object_put(p);
    if (rc) {
        json_object_put(cfg);
        return NULL;
    }
    return cfg;
}

/* Merges `patch` into the defaults and returns the code; *where gets the bad path. */
static int merge_rc(const char *patch, const char **where)
{
    json_object *cfg = cs_session_config_defaults(), *p = json_tokener_parse(patch);
    const char *why;
    int rc = p ? cs_session_config_merge(cfg, p, arena, where, &why) : -1;
    json_object_put(p);
    json_object_put(cfg);
    return rc;
}

static void test_config_defaults_match_seed(void)
{
    json_object *cfg = cs_session_config_defaults();
    REQUIRE(cfg != NULL);
    struct cs_tier_caps rep, mgr;
    cs_session_tier_caps(cfg, "AI_REP", &rep);
    cs_session_tier_caps(cfg, "AI_MANAGER", &mgr);
    CHECK(rep.enabled && !rep.can_refund && rep.can_credit);
    CHECK_NEAR(rep.max_refund, 0, 1e-9);
    CHECK_NEAR(rep.max_credit, 10, 1e-9);
    CHECK_STR(rep.tone, "friendly");
    CHECK_INT(rep.max_response_length, 200);
    CHECK(mgr.can_refund && mgr.can_modify_subscription);
    CHECK_NEAR(mgr.max_refund, 100, 1e-9);
    CHECK_NEAR(mgr.max_credit, 50, 1e-9);
    CHECK(rep.system_prompt && mgr.system_prompt &&
          strcmp(rep.system_prompt, mgr.system_prompt) != 0);
    struct cs_irate_config ic;
    cs_session_irate_config(cfg, &ic);
    CHECK(ic.enabled && ic.auto_escalate);
    CHECK_NEAR(ic.threshold, 0.7, 1e-9);
    CHECK_INT(ic.nkeywords, 3);
    CHECK_STR(ic.keywords[1], "furious");
    CHECK_INT(ic.after_attempts, 2);
    CHECK_STR(ic.target_tier, "AI_MANAGER");
    CHECK_INT(cs_session_rate_limit(cfg, "createSession"), 100);
    CHECK_INT(cs_session_rate_limit(cfg, "sendMessage"), 60);
    CHECK_INT(cs_session_rate_limit(cfg, "listSessions"), 200);
    CHECK_INT(cs_session_rate_limit(cfg, "analytics"), 20);
    CHECK_INT(cs_session_rate_limit(cfg, "nope"), 0);
    json_object_put(cfg);
}

static void test_config_partial_merge(void)
{
    /* The seed's PUT example: one nested value changes, its siblings stay. */
    json_object *cfg =
        cfg_with("{\"companyId\":\"c1\",\"enabled\":true,"
                 "\"tiers\":{\"aiRep\":{\"capabilities\":{\"maxCreditAmount\":15}}}}");
    REQUIRE(cfg != NULL);
    struct cs_tier_caps rep;
    cs_session_tier_caps(cfg, "AI_REP", &rep);
    CHECK_NEAR(rep.max_credit, 15, 1e-9);
    CHECK(rep.can_credit && !rep.can_refund);
    CHECK_STR(rep.tone, "friendly");
    CHECK_STR(cs_json_get_str(cfg, "companyId"), "c1");
    json_object_put(cfg);
    /* Arrays replace, they do not append. */
    cfg = cfg_with("{\"irateProtocol\":{\"triggerKeywords\":[\"lawsuit\"],"
                   "\"autoEscalate\":{\"afterAttempts\":1,\"targetTier\":\"HUMAN_AGENT\"}}}");
    REQUIRE(cfg != NULL);
    struct cs_irate_config ic;
    cs_session_irate_config(cfg, &ic);
    CHECK_INT(ic.nkeywords, 1);
    CHECK_STR(ic.keywords[0], "lawsuit");
    CHECK_INT(ic.after_attempts, 1);
    CHECK_STR(ic.target_tier, "HUMAN_AGENT");
    CHECK(ic.auto_escalate);
    json_object_put(cfg);
}

static void test_config_rejects_bad_fields(void)
{
    const char *where = NULL;
    CHECK_INT(merge_rc("{\"bogus\":1}", &where), CS_ERR_INVALID);
    CHECK_STR(where, "bogus");
    CHECK_INT(
        merge_rc("{\"tiers\":{\"aiRep\":{\"capabilities\":{\"maxCreditAmount\":\"x\"}}}}", &where),
        CS_ERR_INVALID);
    CHECK_STR(where, "tiers.aiRep.capabilities.maxCreditAmount");
    CHECK_INT(
        merge_rc("{\"tiers\":{\"aiRep\":{\"capabilities\":{\"maxRefundAmount\":-5}}}}", &where),
        CS_ERR_INVALID);
    CHECK_INT(merge_rc("{\"irateProtocol\":{\"detectionThreshold\":1.5}}", &where), CS_ERR_INVALID);
    CHECK_STR(where, "irateProtocol.detectionThreshold");
    CHECK_INT(
        merge_rc("{\"irateProtocol\":{\"autoEscalate\":{\"targetTier\":\"AI_REP\"}}}", &where),
        CS_ERR_INVALID);
    CHECK_INT(merge_rc("{\"irateProtocol\":{\"autoEscalate\":{\"afterAttempts\":1.5}}}", &where),
              CS_ERR_INVALID);
    CHECK_INT(merge_rc("{\"irateProtocol\":{\"triggerKeywords\":[\"ok\",3]}}", &where),
              CS_ERR_INVALID);
    CHECK_INT(merge_rc("{\"irateProtocol\":{\"triggerKeywords\":[\"\"]}}", &where), CS_ERR_INVALID);
    CHECK_INT(merge_rc("{\"tiers\":\"none\"}", &where), CS_ERR_INVALID);
    CHECK_STR(where, "tiers");
    CHECK_INT(
        merge_rc("{\"tiers\":{\"aiRep\":{\"responseGuidelines\":{\"tone\":\"rude\"}}}}", &where),
        CS_ERR_INVALID);
    CHECK_INT(merge_rc("{\"tiers\":{\"humanAgent\":{\"escalationPhone\":\"call me\"}}}", &where),
              CS_ERR_INVALID);
    CHECK_INT(merge_rc("{\"enabled\":\"yes\"}", &where), CS_ERR_INVALID);
    CHECK_INT(merge_rc("{\"rateLimits\":{\"analytics\":0}}", &where), CS_ERR_INVALID);
    /* companyId is only a top-level key. */
    CHECK_INT(merge_rc("{\"tiers\":{\"companyId\":\"x\"}}", &where), CS_ERR_INVALID);
    CHECK_INT(merge_rc("{\"rateLimits\":{\"analytics\":3}}", &where), CS_OK);
}

/* A sentiment as the model would report it: the six-level reading of the text with
 * the given probabilities. */
static struct cs_sentiment sentiment_of(const char *text, float neg, float neu, float pos)
{
    float prob[3] = {neg, neu, pos};
    struct cs_sentiment s;
    cs_sentiment_read(prob, text, strlen(text), &s);
    return s;
}

static struct cs_decision decide(json_object *cfg, const struct cs_session_state *st,
                                 const char *text, float neg)
{
    struct cs_sentiment s = sentiment_of(text, neg, (1 - neg) / 2, (1 - neg) / 2);
    struct cs_money_ask ask;
    cs_session_money_ask(text, &ask);
    struct cs_decision d;
    cs_session_decide(cfg, st, &s, text, &ask, &d);
    return d;
}

static void test_irate_auto_escalation_after_attempts(void)
{
    json_object *cfg = cs_session_config_defaults();
    struct cs_session_state st = {.tier = "AI_REP", .ai_replies = 1};
    const char *shout = "This is RIDICULOUS!!! I am FURIOUS, worst service ever!!";
    struct cs_decision d = decide(cfg, &st, shout, 0.95f);
    CHECK(d.irate);
    CHECK(d.reason == NULL);
    CHECK_INT(d.irate_attempts, 1);
    st.irate_attempts = d.irate_attempts;
    d = decide(cfg, &st, shout, 0.95f);
    CHECK(d.reason == NULL);
    CHECK_INT(d.irate_attempts, 2);
    st.irate_attempts = d.irate_attempts;
    d = decide(cfg, &st, shout, 0.95f);
    CHECK_STR(d.reason, "IRATE_CUSTOMER");
    CHECK_STR(d.target, "AI_MANAGER");
    /* A calm message neither counts nor escalates. */
    d = decide(cfg, &st, "Thanks, when will the parcel arrive?", 0.05f);
    CHECK(!d.irate);
    CHECK(d.reason == NULL);
    CHECK_INT(d.irate_attempts, 2);
    json_object_put(cfg);
}

static void test_irate_config_is_honoured(void)
{
    struct cs_session_state st = {.tier = "AI_REP", .ai_replies = 1, .irate_attempts = 5};
    /* Keyword from the config marks a mildly worded message irate. */
    json_object *cfg = cfg_with("{\"irateProtocol\":{\"triggerKeywords\":[\"last straw\"]}}");
    REQUIRE(cfg != NULL);
    struct cs_decision d = decide(cfg, &st, "Honestly this is the last straw for me.", 0.4f);
    CHECK(d.irate);
    CHECK_STR(d.trigger, "last straw");
    CHECK_STR(d.reason, "IRATE_CUSTOMER");
    json_object_put(cfg);
    /* Auto-escalation off: the AI keeps answering, counting attempts. */
    cfg = cfg_with("{\"irateProtocol\":{\"autoEscalate\":{\"enabled\":false}}}");
    d = decide(cfg, &st, "I am furious!!! UNACCEPTABLE!!", 0.95f);
    CHECK(d.irate);
    CHECK(d.reason == NULL);
    CHECK_INT(d.irate_attempts, 6);
    json_object_put(cfg);
    /* Protocol off: never irate. */
    cfg = cfg_with("{\"irateProtocol\":{\"enabled\":false}}");
    d = decide(cfg, &st, "I am furious!!! UNACCEPTABLE!!", 0.95f);
    CHECK(!d.irate);
    CHECK(d.reason == NULL);
    json_object_put(cfg);
    /* Target tier from the config, and a plain complaint stays below the threshold. */
    cfg = cfg_with("{\"irateProtocol\":{\"triggerKeywords\":[],\"autoEscalate\":{\"targetTier\":"
                   "\"HUMAN_AGENT\",\"afterAttempts\":1}}}");
    st.irate_attempts = 1;
    d = decide(cfg, &st, "The parcel is late again and I am disappointed.", 0.9f);
    CHECK(!d.irate);
    d = decide(cfg, &st, "WORST COMPANY EVER!!! This is RIDICULOUS and UNACCEPTABLE!!", 0.97f);
    CHECK(d.irate);
    CHECK(d.irate_score >= 0.7);
    CHECK_STR(d.target, "HUMAN_AGENT");
    json_object_put(cfg);
    /* The configured target (the manager) disabled: the next enabled tier, a human. */
    cfg = cfg_with("{\"tiers\":{\"aiManager\":{\"enabled\":false}}}");
    struct cs_session_state rep = {.tier = "AI_REP", .ai_replies = 3, .irate_attempts = 2};
    d = decide(cfg, &rep, "This is RIDICULOUS!!! I am FURIOUS, worst service ever!!", 0.95f);
    CHECK(d.irate);
    CHECK_STR(d.reason, "IRATE_CUSTOMER");
    CHECK_STR(d.target, "HUMAN_AGENT");
    json_object_put(cfg);
    /* ... and with humans disabled too there is nowhere to go: the AI keeps counting. */
    cfg = cfg_with(
        "{\"tiers\":{\"aiManager\":{\"enabled\":false},\"humanAgent\":{\"enabled\":false}}}");
    d = decide(cfg, &rep, "This is RIDICULOUS!!! I am FURIOUS, worst service ever!!", 0.95f);
    CHECK(d.reason == NULL);
    CHECK_INT(d.irate_attempts, 3);
    json_object_put(cfg);
}

static void test_special_reasons(void)
{
    json_object *cfg = cs_session_config_defaults();
    struct cs_session_state st = {.tier = "AI_REP", .ai_replies = 1};
    struct cs_decision d = decide(cfg, &st, "I will contact my lawyer about this.", 0.7f);
    CHECK_STR(d.reason, "LEGAL_MENTION");
    CHECK_STR(d.target, "AI_MANAGER");
    d = decide(cfg, &st, "I am going to post about this on twitter.", 0.7f);
    CHECK_STR(d.reason, "SOCIAL_MEDIA_THREAT");
    d = decide(cfg, &st, "Please let me talk to a real person.", 0.5f);
    CHECK_STR(d.reason, "CUSTOMER_REQUEST");
    CHECK_STR(d.target, "HUMAN_AGENT");
    d = decide(cfg, &st, "Can I speak to your manager?", 0.5f);
    CHECK_STR(d.reason, "CUSTOMER_REQUEST");
    CHECK_STR(d.target, "AI_MANAGER");
    /* VIP and repeat contacts escalate on the first message at the rep. */
    struct cs_session_state vip = {.tier = "AI_REP", .vip = true};
    d = decide(cfg, &vip, "Where is my order?", 0.2f);
    CHECK_STR(d.reason, "HIGH_VALUE_CUSTOMER");
    struct cs_session_state rep = {.tier = "AI_REP", .repeat_contacts = 2};
    d = decide(cfg, &rep, "Where is my order?", 0.2f);
    CHECK_STR(d.reason, "REPEAT_CONTACT");
    rep.ai_replies = 1;
    d = decide(cfg, &rep, "Where is my order?", 0.2f);
    CHECK(d.reason == NULL);
    /* At the manager a legal mention goes to a human; with humans disabled, nowhere. */
    struct cs_session_state mgr = {.tier = "AI_MANAGER", .ai_replies = 3};
    d = decide(cfg, &mgr, "My attorney will hear about this.", 0.7f);
    CHECK_STR(d.reason, "LEGAL_MENTION");
    CHECK_STR(d.target, "HUMAN_AGENT");
    json_object_put(cfg);
    cfg = cfg_with("{\"tiers\":{\"humanAgent\":{\"enabled\":false}}}");
    d = decide(cfg, &mgr, "My attorney will hear about this.", 0.7f);
    CHECK(d.reason == NULL);
    json_object_put(cfg);
    /* With the manager disabled, the rep's legal case skips to a human. */
    cfg = cfg_with("{\"tiers\":{\"aiManager\":{\"enabled\":false}}}");
    d = decide(cfg, &st, "I will contact my lawyer about this.", 0.7f);
    CHECK_STR(d.target, "HUMAN_AGENT");
    json_object_put(cfg);
}

static void test_money_ask(void)
{
    struct cs_money_ask a;
    cs_session_money_ask("I want a refund of $80 please", &a);
    CHECK(a.refund && !a.credit);
    CHECK_NEAR(a.amount, 80, 1e-9);
    cs_session_money_ask("Refund me 1,250.50 dollars or $20, whichever", &a);
    CHECK_NEAR(a.amount, 1250.5, 1e-9);
    cs_session_money_ask("Could I get store credit of 15 EUR?", &a);
    CHECK(a.credit && !a.refund);
    CHECK_NEAR(a.amount, 15, 1e-9);
    cs_session_money_ask("My credit card was charged $40", &a);
    CHECK(!a.credit && !a.refund);
    CHECK_NEAR(a.amount, 0, 1e-9);
    cs_session_money_ask("I'd like my money back", &a);
    CHECK(a.refund);
    CHECK_NEAR(a.amount, 0, 1e-9);
    cs_session_money_ask("Order 12345 needs a refund", &a);
    CHECK_NEAR(a.amount, 0, 1e-9); /* a bare number is not an amount */
}

static void test_refund_limits(void)
{
    json_object *cfg = cs_session_config_defaults();
    struct cs_session_state st = {.tier = "AI_REP", .ai_replies = 1};
    /* The rep may not refund at all: the manager (limit 100) takes $80. */
    struct cs_decision d = decide(cfg, &st, "I want a refund of $80 for the broken blender.", 0.6f);
    CHECK_STR(d.reason, "REFUND_REQUEST");
    CHECK_STR(d.target, "AI_MANAGER");
    CHECK(d.refund_allowed);
    /* Above every AI limit: a human. */
    d = decide(cfg, &st, "I want a refund of $500 for the TV.", 0.6f);
    CHECK_STR(d.reason, "REFUND_OVER_THRESHOLD");
    CHECK_STR(d.target, "HUMAN_AGENT");
    CHECK(!d.refund_allowed);
    /* Credits within the rep's own limit stay with the rep. */
    d = decide(cfg, &st, "Could you give me a $8 credit for the delay?", 0.5f);
    CHECK(d.reason == NULL);
    CHECK(d.refund_allowed);
    d = decide(cfg, &st, "Could you give me a $30 credit for the delay?", 0.5f);
    CHECK_STR(d.reason, "REFUND_REQUEST");
    /* The manager's own limit, lowered by the tenant. */
    json_object_put(cfg);
    cfg = cfg_with("{\"tiers\":{\"aiManager\":{\"capabilities\":{\"maxRefundAmount\":50}}}}");
    struct cs_session_state mgr = {.tier = "AI_MANAGER", .ai_replies = 2};
    d = decide(cfg, &mgr, "I want a refund of $80 for the broken blender.", 0.6f);
    CHECK_STR(d.reason, "REFUND_OVER_THRESHOLD");
    d = decide(cfg, &mgr, "I want a refund of $45 for the broken blender.", 0.6f);
    CHECK(d.reason == NULL);
    CHECK(d.refund_allowed);
    json_object_put(cfg);
    /* The manager disabled: a $50 refund the rep may not grant goes to a human. */
    cfg = cfg_with("{\"tiers\":{\"aiManager\":{\"enabled\":false}}}");
    d = decide(cfg, &st, "I want a refund of $50 for the broken blender.", 0.6f);
    CHECK_STR(d.reason, "REFUND_OVER_THRESHOLD");
    CHECK_STR(d.target, "HUMAN_AGENT");
    CHECK(!d.refund_allowed);
    json_object_put(cfg);
}

/* A message that escalates for another reason still has its money ask answered by the
 * tier it lands on, within that tier's limits. */
static void test_refund_with_other_escalation(void)
{
    json_object *cfg = cs_session_config_defaults();
    struct cs_session_state st = {.tier = "AI_REP", .ai_replies = 1};
    struct cs_decision d =
        decide(cfg, &st, "I want to speak to a manager, and I want a refund of $50", 0.6f);
    CHECK_STR(d.reason, "CUSTOMER_REQUEST");
    CHECK_STR(d.target, "AI_MANAGER");
    CHECK(d.refund_allowed);
    d = decide(cfg, &st, "I will contact my lawyer unless I get a refund of $60.", 0.7f);
    CHECK_STR(d.reason, "LEGAL_MENTION");
    CHECK_STR(d.target, "AI_MANAGER");
    CHECK(d.refund_allowed);
    /* Beyond the manager's limit (100): further up, the reason stays the customer's. */
    d = decide(cfg, &st, "I want to speak to a manager, and I want a refund of $500", 0.6f);
    CHECK_STR(d.reason, "CUSTOMER_REQUEST");
    CHECK_STR(d.target, "HUMAN_AGENT");
    CHECK(!d.refund_allowed);
    /* A credit the manager may grant (limit 50). */
    d = decide(cfg, &st, "Get me your supervisor. I want a $20 credit.", 0.6f);
    CHECK_STR(d.target, "AI_MANAGER");
    CHECK(d.refund_allowed);
    json_object_put(cfg);
}

/* LABELLING.md section 5 with the shipped sentiment model: everyday words (names,
 * products, "news", "review") never escalate; real triggers always do. */
static void test_cue_words_in_context(void)
{
    static const char *const benign[] = {
        "Any news on my order?",
        "I'd like to review my invoice",
        "Hi, this is Sue",
        "I need to replace the screw set",
        "My lawyer friend recommended you, how do I open an account?",
        "Is the \"Lawsuit\" perfume still available?",
        "I follow you on Instagram, love the brand",
        "My manager asked me to request an invoice",
        "Is there a phone number I can call?",
        "I'm not angry, just confused about the bill",
        "Who is the manager of the Leeds branch? I want to send a thank-you card.",
        "Can someone from your team call me to arrange the installation date?",
        "Je voudrais transmettre mes coordonnées bancaires.",
        NULL};
    static const struct {
        const char *text, *reason, *target;
    } real[] = {
        {"I have called four times about this and I want a manager now or I will cancel",
         "CUSTOMER_REQUEST", "AI_MANAGER"},
        {"quiero hablar con un humano", "CUSTOMER_REQUEST", "HUMAN_AGENT"},
        {"ich will einen Vorgesetzten", "CUSTOMER_REQUEST", "AI_MANAGER"},
        /* issue #14's third round: the tier a forwarding or a preference names */
        {"Bitte leiten Sie das an Ihren Vorgesetzten weiter.", "CUSTOMER_REQUEST", "AI_MANAGER"},
        {"Merci de transmettre mon dossier à un responsable.", "CUSTOMER_REQUEST", "AI_MANAGER"},
        {"I'd rather deal with a person.", "CUSTOMER_REQUEST", "HUMAN_AGENT"},
        {"Ich werde Sie verklagen, mein Anwalt ist informiert", "LEGAL_MENTION", "AI_MANAGER"},
        {"If you don't fix this I'll sue", "LEGAL_MENTION", "AI_MANAGER"},
        {"I will post this on Twitter and leave a terrible review", "SOCIAL_MEDIA_THREAT",
         "AI_MANAGER"},
        {"This is the third time I'm writing to you about this and it is still not fixed, I am fed "
         "up",
         "REPEAT_CONTACT", "AI_MANAGER"},
    };
    struct cs_models *ms;
    REQUIRE(cs_models_open("data/models", &ms) == CS_OK);
    json_object *cfg = cs_session_config_defaults();
    struct cs_session_state st = {.tier = "AI_REP", .ai_replies = 1};
    for (size_t i = 0; benign[i]; i++) {
        struct cs_sentiment s;
        CHECK_INT(cs_sentiment_analyze(ms, benign[i], strlen(benign[i]), &s), CS_OK);
        struct cs_money_ask ask;
        cs_session_money_ask(benign[i], &ask);
        struct cs_decision d;
        cs_session_decide(cfg, &st, &s, benign[i], &ask, &d);
        if (d.reason || d.irate) printf("# \"%s\": %s\n", benign[i], d.reason ? d.reason : "irate");
        CHECK(d.reason == NULL && !d.irate);
        CHECK(s.level < CS_SENT_ANGRY);
    }
    for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
        struct cs_sentiment s;
        CHECK_INT(cs_sentiment_analyze(ms, real[i].text, strlen(real[i].text), &s), CS_OK);
        struct cs_money_ask ask;
        cs_session_money_ask(real[i].text, &ask);
        struct cs_decision d;
        cs_session_decide(cfg, &st, &s, real[i].text, &ask, &d);
        if (!d.reason || strcmp(d.reason, real[i].reason) != 0)
            printf("# \"%s\": %s\n", real[i].text, d.reason ? d.reason : "none");
        CHECK_STR(d.reason, real[i].reason);
        CHECK_STR(d.target, real[i].target);
    }
    /* the conversation so far: contacts stated in an earlier message, frustration now */
    struct cs_session_state told = {.tier = "AI_REP", .ai_replies = 2, .stated_contacts = 2};
    const char *now = "It is still not fixed and I am really disappointed.";
    struct cs_sentiment s;
    CHECK_INT(cs_sentiment_analyze(ms, now, strlen(now), &s), CS_OK);
    struct cs_money_ask none = {0};
    struct cs_decision d;
    cs_session_decide(cfg, &told, &s, now, &none, &d);
    CHECK_STR(d.reason, "REPEAT_CONTACT");
    const char *calm = "Thanks, when will the engineer come?";
    CHECK_INT(cs_sentiment_analyze(ms, calm, strlen(calm), &s), CS_OK);
    cs_session_decide(cfg, &told, &s, calm, &none, &d);
    CHECK(d.reason == NULL);
    json_object_put(cfg);
    cs_models_close(ms);
}

static struct temp_db db;

/* One configuration per company: a PUT for co1 leaves co2 on the defaults; a company
 * without a document of its own falls back to the tenant's older tenant-wide one. */
/* Issue 13: the AI's money authority is bounded and ordered by tier. */
static void test_config_authority_bounds(void)
{
    const char *where = NULL;
    CHECK_INT(
        merge_rc("{\"tiers\":{\"aiManager\":{\"capabilities\":{\"maxRefundAmount\":1000000}}}}",
                 &where),
        CS_ERR_INVALID);
    CHECK_STR(where, "tiers.aiManager.capabilities.maxRefundAmount");
    CHECK_INT(merge_rc("{\"rateLimits\":{\"sendMessage\":100000}}", &where), CS_ERR_INVALID);
    struct cs_store *st = temp_db_create(&db, "session");
    REQUIRE(st != NULL);
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a != NULL);
    json_object *out;
    const char *why = NULL;
    /* The rep above the manager (default 100): refused whole, nothing stored. */
    json_object *patch =
        json_tokener_parse("{\"tiers\":{\"aiRep\":{\"capabilities\":"
                           "{\"canProcessRefunds\":true,\"maxRefundAmount\":500}}}}");
    CHECK_INT(cs_session_config_update(st, a, "acme", "co1", patch, 1000, &out, &where, &why),
              CS_ERR_INVALID);
    CHECK_STR(where, "tiers.aiRep.capabilities.maxRefundAmount");
    json_object_put(patch);
    patch = json_tokener_parse(
        "{\"tiers\":{\"aiManager\":{\"capabilities\":{\"maxCreditAmount\":5}}}}");
    CHECK_INT(cs_session_config_update(st, a, "acme", "co1", patch, 1000, &out, &where, &why),
              CS_ERR_INVALID);
    CHECK_STR(where, "tiers.aiRep.capabilities.maxCreditAmount");
    json_object_put(patch);
    /* Raising both together is fine. */
    patch = json_tokener_parse("{\"tiers\":{\"aiRep\":{\"capabilities\":{\"maxRefundAmount\":500}},"
                               "\"aiManager\":{\"capabilities\":{\"maxRefundAmount\":800}}}}");
    CHECK_INT(cs_session_config_update(st, a, "acme", "co1", patch, 1000, &out, &where, &why),
              CS_OK);
    json_object_put(patch);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static void test_config_per_company(void)
{
    struct cs_store *st = temp_db_create(&db, "session");
    REQUIRE(st != NULL);
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a != NULL);
    json_object *patch = json_tokener_parse("{\"companyId\":\"co1\",\"enabled\":false,"
                                            "\"tiers\":{\"aiManager\":{\"enabled\":false}}}");
    REQUIRE(patch != NULL);
    json_object *out, *cfg;
    const char *where, *why;
    int64_t version;
    CHECK_INT(cs_session_config_update(st, a, "acme", "co1", patch, 1000, &out, &where, &why),
              CS_OK);
    CHECK(!cs_json_get_bool(out, "enabled", true));
    CHECK_INT(cs_session_config_update(st, a, "acme", NULL, patch, 1000, &out, &where, &why),
              CS_ERR_COMPANY_ID);
    json_object_put(patch);
    CHECK_INT(cs_session_config_load(st, a, "acme", "co1", &cfg, &version), CS_OK);
    CHECK(!cs_json_get_bool(cfg, "enabled", true));
    CHECK(version > 0);
    struct cs_tier_caps m;
    cs_session_tier_caps(cfg, "AI_MANAGER", &m);
    CHECK(!m.enabled);
    CHECK_INT(cs_session_config_load(st, a, "acme", "co2", &cfg, &version), CS_OK);
    CHECK(cs_json_get_bool(cfg, "enabled", false));
    CHECK_INT(version, 0);
    cs_session_tier_caps(cfg, "AI_MANAGER", &m);
    CHECK(m.enabled);
    /* A companyId as long as the seed allows (128) still gets a document of its own. */
    char longco[129];
    memset(longco, 'x', 128);
    longco[128] = '\0';
    patch = json_tokener_parse("{\"enabled\":false}");
    CHECK_INT(cs_session_config_update(st, a, "acme", longco, patch, 1000, &out, &where, &why),
              CS_OK);
    json_object_put(patch);
    CHECK_INT(cs_session_config_load(st, a, "acme", longco, &cfg, &version), CS_OK);
    CHECK(!cs_json_get_bool(cfg, "enabled", true));
    CHECK_INT(cs_session_config_load(st, a, "acme", "co2", &cfg, &version), CS_OK);
    CHECK(cs_json_get_bool(cfg, "enabled", false));
    /* The older tenant-wide document: the fallback for companies without their own. */
    json_object *legacy =
        json_tokener_parse("{\"tiers\":{\"aiRep\":{\"capabilities\":{\"maxCreditAmount\":25}}}}");
    CHECK_INT(cs_store_insert(st, a, "acme", CS_CONFIG_COLL, "config", legacy, NULL, 1000, NULL),
              CS_OK);
    json_object_put(legacy);
    CHECK_INT(cs_session_config_load(st, a, "acme", "co3", &cfg, &version), CS_OK);
    struct cs_tier_caps r;
    cs_session_tier_caps(cfg, "AI_REP", &r);
    CHECK_NEAR(r.max_credit, 25, 1e-9);
    CHECK_INT(cs_session_config_load(st, a, "acme", "co1", &cfg, &version), CS_OK);
    cs_session_tier_caps(cfg, "AI_REP", &r);
    CHECK_NEAR(r.max_credit, 10, 1e-9);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static int count_words(const char *s)
{
    int n = 0;
    for (bool in = false; *s; s++) {
        bool sp = *s == ' ' || *s == '\n' || *s == '\t';
        if (!sp && !in) n++;
        in = !sp;
    }
    return n;
}

static void test_reply_respects_tier(void)
{
    struct cs_store *st = temp_db_create(&db, "session");
    REQUIRE(st != NULL);
    json_object *cfg = cs_session_config_defaults();
    struct cs_tier_caps rep, mgr;
    cs_session_tier_caps(cfg, "AI_REP", &rep);
    cs_session_tier_caps(cfg, "AI_MANAGER", &mgr);
    const char *text = "The TV arrived broken, I want a refund of $500 now.";
    struct cs_sentiment s = sentiment_of(text, 0.8f, 0.1f, 0.1f);
    struct cs_money_ask ask;
    cs_session_money_ask(text, &ask);
    struct cs_reply_turn hist[] = {{"customer", "Hello"}, {"ai_rep", "Hi, how can I help?"}};
    struct cs_reply_input in = {.tier = &rep,
                                .history = hist,
                                .nhistory = 2,
                                .message = text,
                                .sentiment = &s,
                                .ask = &ask,
                                .refund_allowed = false};
    struct cs_reply r;
    REQUIRE(cs_session_reply(st, arena, "t1", &in, &r) == CS_OK);
    CHECK(strstr(r.content, "$500") == NULL);
    CHECK(strstr(r.content, "not able to approve") != NULL);
    CHECK_STR(r.model, "builtin-extractive-v1");
    CHECK(r.tokens_in > (int64_t)(strlen(text) / 4));
    CHECK(r.tokens_out > 0 && r.latency_ms >= 0);
    CHECK(r.nactions >= 1);
    CHECK_STR(r.actions[0], "review_refund_request");
    /* The manager may offer $80 (within 100), in its own signature. */
    const char *t80 = "I want a refund of $80 for the blender.";
    cs_session_money_ask(t80, &ask);
    in = (struct cs_reply_input){.tier = &mgr,
                                 .message = t80,
                                 .sentiment = &s,
                                 .ask = &ask,
                                 .refund_allowed = true,
                                 .irate = true};
    REQUIRE(cs_session_reply(st, arena, "t1", &in, &r) == CS_OK);
    CHECK(strstr(r.content, "$80.00") != NULL);
    CHECK(strstr(r.content, "manager") != NULL);
    /* Length cap from the tier's guidelines. */
    rep.max_response_length = 25;
    in = (struct cs_reply_input){
        .tier = &rep, .message = "Where is my parcel? It has been a week.", .sentiment = &s};
    REQUIRE(cs_session_reply(st, arena, "t1", &in, &r) == CS_OK);
    CHECK(count_words(r.content) <= 25);
    CHECK(count_words(r.content) > 3);
    json_object_put(cfg);
    temp_db_close(&db, st);
}

/* A knowledge-base passage that itself promises money must not reach a tier without
 * that authority: the reply goes out without the quoted passages. */
static void test_reply_drops_quoted_promises(void)
{
    struct cs_store *st = temp_db_create(&db, "session");
    REQUIRE(st != NULL);
    static const char body[] =
        "Damaged television deliveries are handled by our returns desk. "
        "We will refund you $500 for a damaged television delivery straight away. "
        "Damaged television deliveries should be reported within seven days of delivery.";
    struct cs_kb_article art = {"KB-9001",
                                "Damaged television delivery",
                                "https://example.com/kb/9001",
                                "Shipping",
                                body,
                                sizeof(body) - 1};
    size_t nchunks = 0;
    REQUIRE(cs_retrieval_index_article(st, arena, "t-promise", &art, 1000, &nchunks) == CS_OK);
    /* bm25 needs a collection to rank against. */
    static const char *const other[] = {
        "Passwords can be reset from the sign-in page using the forgot password link.",
        "Invoices are available in the billing section of your account settings page.",
        "Subscriptions renew automatically at the end of each billing period unless cancelled.",
        "Two-factor authentication can be enabled under security in your profile settings.",
        "Gift cards never expire and can be combined with other payment methods at checkout."};
    for (size_t i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof(id), "KB-10%zu", i);
        struct cs_kb_article o = {id,        "Other topic", "https://example.com/kb/other",
                                  "General", other[i],      strlen(other[i])};
        REQUIRE(cs_retrieval_index_article(st, arena, "t-promise", &o, 1000, &nchunks) == CS_OK);
    }
    json_object *cfg = cs_session_config_defaults();
    struct cs_tier_caps rep;
    cs_session_tier_caps(cfg, "AI_REP", &rep);
    const char *text =
        "My television delivery arrived damaged, what happens with a damaged television delivery?";
    struct cs_sentiment s = sentiment_of(text, 0.3f, 0.6f, 0.1f);
    struct cs_money_ask ask;
    cs_session_money_ask(text, &ask);
    struct cs_reply_input in = {.tier = &rep, .message = text, .sentiment = &s, .ask = &ask};
    struct cs_reply r;
    REQUIRE(cs_session_reply(st, arena, "t-promise", &in, &r) == CS_OK);
    CHECK(strstr(r.content, "$500") == NULL);
    CHECK(strstr(r.content, "refund you") == NULL);
    CHECK(strstr(r.content, "KB-9001") == NULL);
    /* Nothing escalated this message: the reply does not say that anyone will follow up. */
    CHECK(strstr(r.content, "colleague will follow up") == NULL);
    CHECK(strstr(r.content, "passed your") == NULL);
    CHECK(strstr(r.content, "can't go into more detail on that here") != NULL);
    /* A tier whose authority covers the amount gets the passage as it is: the quote is
     * only dropped when it breaks the answering tier's limit. */
    struct cs_tier_caps big = rep;
    big.can_refund = true;
    big.max_refund = 1000;
    in.tier = &big;
    in.refund_allowed = true;
    ask.refund = true;
    REQUIRE(cs_session_reply(st, arena, "t-promise", &in, &r) == CS_OK);
    CHECK(strstr(r.content, "KB-9001") != NULL);
    json_object_put(cfg);
    temp_db_close(&db, st);
}

static void test_enums_and_ids(void)
{
    CHECK(cs_session_enum_ok(cs_session_channels, "sms"));
    CHECK(!cs_session_enum_ok(cs_session_channels, "fax"));
    CHECK(cs_session_enum_ok(cs_session_reasons, "REFUND_OVER_THRESHOLD"));
    CHECK(cs_session_enum_ok(cs_session_resolutions, "CUSTOMER_SATISFIED"));
    CHECK_INT(cs_session_tier_rank("HUMAN_AGENT"), 2);
    CHECK_INT(cs_session_tier_rank("BOSS"), -1);
    CHECK(cs_session_id_valid("sess_0123abcd"));
    CHECK(!cs_session_id_valid("sess_"));
    CHECK(!cs_session_id_valid("sess_../x"));
    CHECK(!cs_session_id_valid("msg_1"));
    CHECK(!cs_session_id_valid(NULL));
}

static void test_escalate_bookkeeping(void)
{
    json_object *b = json_tokener_parse("{\"currentTier\":\"AI_REP\",\"status\":\"ACTIVE\","
                                        "\"stats\":{\"createdMs\":1000}}");
    REQUIRE(b != NULL);
    CHECK_INT(cs_session_escalate(b, "AI_MANAGER", "IRATE_CUSTOMER", NULL, 61000), CS_OK);
    CHECK_INT(cs_session_escalate(b, "HUMAN_AGENT", "REFUND_OVER_THRESHOLD", "n", 121000), CS_OK);
    CHECK_STR(cs_json_get_str(b, "currentTier"), "HUMAN_AGENT");
    CHECK_STR(cs_json_get_str(b, "status"), "ESCALATED");
    json_object *h, *s, *by;
    REQUIRE(json_object_object_get_ex(b, "escalationHistory", &h));
    CHECK_INT(json_object_array_length(h), 2);
    CHECK_STR(cs_json_get_str(json_object_array_get_idx(h, 1), "fromTier"), "AI_MANAGER");
    CHECK_STR(cs_json_get_str(json_object_array_get_idx(h, 1), "notes"), "n");
    REQUIRE(json_object_object_get_ex(b, "stats", &s));
    CHECK_INT(cs_json_get_int(s, "escalations", 0), 2);
    CHECK_INT(cs_json_get_int(s, "firstEscalationSeconds", 0), 60);
    REQUIRE(json_object_object_get_ex(s, "escByReason", &by));
    CHECK_INT(cs_json_get_int(by, "IRATE_CUSTOMER", 0), 1);
    json_object *v = cs_session_view(arena, "sess_1", b);
    CHECK(v && !json_object_object_get_ex(v, "stats", NULL));
    CHECK_STR(cs_json_get_str(v, "id"), "sess_1");
    json_object_put(b);
}

int main(void)
{
    arena = cs_arena_new(0);
    TEST_RUN(test_config_defaults_match_seed);
    TEST_RUN(test_config_partial_merge);
    TEST_RUN(test_config_rejects_bad_fields);
    TEST_RUN(test_irate_auto_escalation_after_attempts);
    TEST_RUN(test_irate_config_is_honoured);
    TEST_RUN(test_special_reasons);
    TEST_RUN(test_money_ask);
    TEST_RUN(test_refund_limits);
    TEST_RUN(test_refund_with_other_escalation);
    TEST_RUN(test_config_authority_bounds);
    TEST_RUN(test_cue_words_in_context);
    TEST_RUN(test_config_per_company);
    TEST_RUN(test_reply_respects_tier);
    TEST_RUN(test_reply_drops_quoted_promises);
    TEST_RUN(test_enums_and_ids);
    TEST_RUN(test_escalate_bookkeeping);
    cs_arena_destroy(arena);
    return test_done();
}
