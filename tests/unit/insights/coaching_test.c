/* cs_insights_coaching_tip_ai: a tenant's hosted LLM phrases the coaching tip from the
 * stored facts, against a fake OpenAI-compatible provider on loopback; an invented
 * number, an answer outside the schema, an HTTP error, a timeout and a tenant without a
 * hosted provider all give the built-in tip, and say why. */
#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

#include "../../support/fake_lambda_api.h" /* test_write_file */
#include "../../support/fake_provider.h"
#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/ai.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/insights.h"
#include "cs/store.h"

static const char *secret(const char *name)
{
    return strcmp(name, "TEST_OPENAI_KEY") == 0 ? "sk-test-coach" : NULL;
}

#define REPLY(content)                                                                             \
    "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{"       \
    "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" content                       \
    "\"},\"finish_reason\":\"stop\"}],"                                                            \
    "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":30,\"total_tokens\":150}}"

#define GOOD_TIP                                                                                   \
    "Your CSAT of 70.0% trails the team's 85.0%: go through your low-rated tickets with a "        \
    "senior agent."
static const char good[] = REPLY("{\\\"tip\\\":\\\"" GOOD_TIP "\\\"}");
static const char invented[] =
    REPLY("{\\\"tip\\\":\\\"Lift your CSAT by 15 points to 85.0% within 2 weeks.\\\"}");
static const char prose[] = REPLY("Keep going, you are doing fine.");
static const char wrong_type[] = REPLY("{\\\"tip\\\":42}");
static const char empty_tip[] = REPLY("{\\\"tip\\\":\\\"\\\"}");

/* 12 resolved, CSAT 70% against a median of 85%: the low-CSAT rule. */
static const struct cs_insights_figures me = {.total = 20,
                                              .open = 2,
                                              .resolved = 12,
                                              .rated = 10,
                                              .avg_resolution_s = 3 * 3600.0,
                                              .csat_pct = 70.0,
                                              .fcr_pct = 60.0,
                                              .escalation_pct = 5.0};
static const struct cs_insights_team team = {.agents = 4,
                                             .median_resolution_s = 2 * 3600.0,
                                             .median_csat_pct = 85.0,
                                             .median_fcr_pct = 65.0};
static const char builtin_tip[] =
    "CSAT 70.0% is below the team median of 85.0%: review your low-rated tickets with a senior "
    "agent and focus on acknowledging the customer's issue early.";

struct fx {
    struct cs_ai *ai;
    struct cs_ai_call call;
    struct cs_arena *a;
    struct cs_store *st;
    struct temp_db db;
    char prov[96];
};

static int fx_open(struct fx *x, const char *base_url)
{
    memset(x, 0, sizeof(*x));
    snprintf(x->prov, sizeof(x->prov), "/tmp/cs-coach-ai-%d.json", (int)getpid());
    struct cs_ai_config cfg = {.secret = secret,
                               .timeout_ms = 1500,
                               .connect_timeout_ms = 1000,
                               .max_retries = 0,
                               .backoff_base_ms = 10,
                               .backoff_max_ms = 10};
    if (base_url) {
        char text[512];
        snprintf(text, sizeof(text),
                 "{\"providers\":[{\"id\":\"coach_llm\",\"provider\":\"openai\",\"model\":\"gpt-"
                 "4o-mini\",\"base_url\":\"%s/v1\",\"api_key_env\":\"TEST_OPENAI_KEY\","
                 "\"default\":true}]}",
                 base_url);
        if (test_write_file(x->prov, text, strlen(text))) return -1;
        cfg.providers_file = x->prov;
    }
    const char *why = NULL;
    if (cs_ai_open(&cfg, &x->ai, &why)) return -1;
    x->a = cs_arena_new(0);
    if (!x->a || !(x->st = temp_db_create(&x->db, "coach-ai"))) return -1;
    x->call = (struct cs_ai_call){.ai = x->ai,
                                  .store = x->st,
                                  .arena = x->a,
                                  .tenant = "acme",
                                  .now_ms = cs_now_ms(),
                                  .operation = "coaching"};
    return 0;
}

static void fx_close(struct fx *x)
{
    cs_arena_destroy(x->a);
    temp_db_close(&x->db, x->st);
    cs_ai_close(x->ai);
    unlink(x->prov);
}

static void test_provider_phrases_from_facts(void)
{
    struct fake_reply r[] = {{.status = 200, .body = good}};
    struct fake_provider *fp = fake_provider_start(r, 1);
    REQUIRE(fp);
    struct fx x;
    REQUIRE(fx_open(&x, fake_provider_url(fp)) == 0);
    struct cs_insights_tip tip;
    CHECK_INT(cs_insights_coaching_tip_ai(&x.call, &me, &team, &tip), CS_OK);
    CHECK_STR(tip.text, GOOD_TIP);
    CHECK_STR(tip.source, "coach_llm");
    CHECK(tip.fallback_reason == NULL);
    CHECK_INT((int)fake_provider_count(fp), 1);
    const char *body = fake_provider_body(fp, 0);
    /* The facts as the built-in tip shows them, the focus, and the answer's schema. */
    CHECK(body && strstr(body, "\\\"csat_percent\\\":70,"));
    CHECK(body && strstr(body, "\\\"team_median_csat_percent\\\":85,"));
    CHECK(body && strstr(body, "\\\"focus\\\":\\\"low_csat\\\""));
    CHECK(body && strstr(body, "\\\"average_resolution_time\\\":\\\"3.0 hours\\\""));
    CHECK(body && strstr(body, "JSON Schema") && strstr(body, "\\\"required\\\":[\\\"tip\\\"]"));
    fx_close(&x);
    fake_provider_stop(fp);
}

static void expect_builtin(const struct fake_reply *r, size_t n, const char *why)
{
    struct fake_provider *fp = fake_provider_start(r, n);
    REQUIRE(fp);
    struct fx x;
    REQUIRE(fx_open(&x, fake_provider_url(fp)) == 0);
    struct cs_insights_tip tip;
    CHECK_INT(cs_insights_coaching_tip_ai(&x.call, &me, &team, &tip), CS_OK);
    CHECK_STR(tip.text, builtin_tip);
    CHECK_STR(tip.source, "builtin");
    CHECK_STR(tip.fallback_reason, why);
    CHECK((int)fake_provider_count(fp) >= 1); /* it was asked */
    fx_close(&x);
    fake_provider_stop(fp);
}

static void test_unusable_answers_give_builtin(void)
{
    struct fake_reply r1[] = {{.status = 200, .body = invented}};
    expect_builtin(r1, 1, "unsupported_number"); /* "15" and "2" are in no fact */
    struct fake_reply r2[] = {{.status = 200, .body = prose}};
    expect_builtin(r2, 1, "invalid_output");
    struct fake_reply r3[] = {{.status = 200, .body = wrong_type}};
    expect_builtin(r3, 1, "invalid_output");
    struct fake_reply r4[] = {{.status = 200, .body = empty_tip}};
    expect_builtin(r4, 1, "invalid_output");
    struct fake_reply r5[] = {{.status = 500, .body = "{\"error\":{\"message\":\"boom\"}}"}};
    expect_builtin(r5, 1, "provider_error");
    /* Slower than the call's budget: a timeout. */
    struct fake_reply r6[] = {{.status = 200, .body = good, .delay_ms = 3000}};
    expect_builtin(r6, 1, "provider_error");
}

static void test_without_provider(void)
{
    struct fx x;
    REQUIRE(fx_open(&x, NULL) == 0);
    struct cs_insights_tip tip;
    CHECK_INT(cs_insights_coaching_tip_ai(&x.call, &me, &team, &tip), CS_OK);
    CHECK_STR(tip.text, builtin_tip);
    CHECK_STR(tip.source, "builtin");
    CHECK(tip.fallback_reason == NULL);
    CHECK_INT(cs_insights_coaching_tip_ai(NULL, &me, &team, &tip), CS_OK);
    CHECK_STR(tip.text, builtin_tip);
    fx_close(&x);
}

static void test_number_check(void)
{
    const double allowed[] = {1204, 92.5, 3.0, 12};
    CHECK(cs_insights_tip_numbers_ok("1,204 tickets at 92.5% in 3.0 hours", allowed, 4));
    CHECK(cs_insights_tip_numbers_ok("12 resolved, 92.50% satisfied, 3 hours", allowed, 4));
    CHECK(cs_insights_tip_numbers_ok("No numbers at all.", allowed, 4));
    CHECK(!cs_insights_tip_numbers_ok("Aim for 95% next month.", allowed, 4));
    CHECK(!cs_insights_tip_numbers_ok("12 of 13 tickets", allowed, 4));
    CHECK(!cs_insights_tip_numbers_ok("92.5.1", allowed, 4)); /* the trailing 1 */
    CHECK(!cs_insights_tip_numbers_ok("1,2045", allowed, 4)); /* not a thousands group */
}

int main(void)
{
    TEST_RUN(test_provider_phrases_from_facts);
    TEST_RUN(test_unusable_answers_give_builtin);
    TEST_RUN(test_without_provider);
    TEST_RUN(test_number_check);
    return test_done();
}
