/* cs_triage_ask_provider (cs/triage.h): a tenant's hosted LLM chooses the category
 * among the ten codes, against a fake OpenAI-compatible provider on loopback; every
 * unusable answer (prose, a partial score map, an HTTP error) and a tenant without a
 * hosted provider keep the built-in models' answer. */
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
#include "cs/env.h"
#include "cs/http.h"
#include "cs/models.h"
#include "cs/store.h"
#include "cs/triage.h"

/* built-in: BILLING (a duplicate charge); the fake LLM says REFUND */
#define TEXT "I was charged twice for my subscription this month. Please help!"

static const char *secret(const char *name)
{
    return strcmp(name, "TEST_OPENAI_KEY") == 0 ? "sk-test-triage" : NULL;
}

#define REPLY(content)                                                                             \
    "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{"       \
    "\"index\":0,"                                                                                 \
    "\"message\":{\"role\":\"assistant\",\"content\":\"" content                                   \
    "\"},\"finish_reason\":\"stop\"}],"                                                            \
    "\"usage\":{\"prompt_tokens\":90,\"completion_tokens\":40,\"total_tokens\":130}}"

static const char refund[] = REPLY(
    "{\\\"ACCOUNT\\\":0,\\\"BILLING\\\":0.1,\\\"CANCELLATION\\\":0,\\\"COMPLAINT\\\":0,"
    "\\\"GENERAL_INQUIRY\\\":0,\\\"PRODUCT_QUALITY\\\":0,\\\"REFUND\\\":0.9,\\\"SHIPPING\\\":0,"
    "\\\"SUBSCRIPTION\\\":0,\\\"TECHNICAL\\\":0}");
static const char partial[] = REPLY("{\\\"REFUND\\\":0.9,\\\"SPAM\\\":0.1}");
static const char prose[] = REPLY("This looks like a billing matter to me.");

struct fx {
    struct cs_env env;
    struct cs_req req;
    struct temp_db db;
    struct cs_triage_policy *policy;
    char prov[96];
};

static int fx_open(struct fx *x, const char *base_url)
{
    memset(x, 0, sizeof(*x));
    snprintf(x->prov, sizeof(x->prov), "/tmp/cs-triage-ai-%d.json", (int)getpid());
    struct cs_ai_config cfg = {.secret = secret, .timeout_ms = 5000, .connect_timeout_ms = 1000};
    if (base_url) {
        char text[512];
        snprintf(text, sizeof(text),
                 "{\"providers\":[{\"id\":\"support_llm\",\"provider\":\"openai\",\"model\":\"gpt-"
                 "4o-mini\","
                 "\"base_url\":\"%s/v1\",\"api_key_env\":\"TEST_OPENAI_KEY\",\"default\":true}]}",
                 base_url);
        if (test_write_file(x->prov, text, strlen(text))) return -1;
        cfg.providers_file = x->prov;
    }
    const char *why = NULL;
    if (cs_ai_open(&cfg, &x->env.ai, &why) || cs_models_open("data/models", &x->env.models) ||
        cs_triage_policy_load("data/policy/triage_default.json", &x->policy))
        return -1;
    x->req.arena = cs_arena_new(0);
    if (!x->req.arena || !(x->req.store = temp_db_create(&x->db, "triage-ai"))) return -1;
    x->req.env = &x->env;
    x->req.auth.tenant = "acme";
    x->req.now_ms = cs_now_ms();
    return 0;
}

static void fx_close(struct fx *x)
{
    cs_triage_policy_destroy(x->policy);
    cs_arena_destroy(x->req.arena);
    temp_db_close(&x->db, x->req.store);
    cs_ai_close(x->env.ai);
    cs_models_close(x->env.models);
    unlink(x->prov);
}

static void builtin(struct fx *x, struct cs_triage *t)
{
    if (cs_triage_ticket(x->env.models, x->policy, TEXT, strlen(TEXT), t) != CS_OK) abort();
}

static void test_provider_chooses_category(void)
{
    struct fake_reply r[] = {{.status = 200, .body = refund}};
    struct fake_provider *fp = fake_provider_start(r, 1);
    REQUIRE(fp);
    struct fx x;
    REQUIRE(fx_open(&x, fake_provider_url(fp)) == 0);
    struct cs_triage t;
    builtin(&x, &t);
    CHECK_STR(t.category_code, "BILLING");
    CHECK_STR(t.category_source, "builtin");
    CHECK_INT(cs_triage_ask_provider(&x.req, x.policy, TEXT, &t), CS_OK);
    CHECK_STR(t.category_code, "REFUND");
    CHECK_STR(t.category, "Refund");
    CHECK_STR(t.suggested_team, "Finance Team");
    CHECK_STR(t.category_source, "support_llm");
    CHECK_NEAR(t.confidence, 0.9, 1e-6);
    CHECK_INT(fake_provider_count(fp), 1);
    const char *body = fake_provider_body(fp, 0);
    /* the taxonomy is in the prompt, the ticket inside the data fence */
    CHECK(body && strstr(body, "PRODUCT_QUALITY") && strstr(body, "GENERAL_INQUIRY"));
    CHECK(body && strstr(body, "charged twice for my subscription"));
    fx_close(&x);
    fake_provider_stop(fp);
}

static void check_unusable(const struct fake_reply *r, size_t n)
{
    struct fake_provider *fp = fake_provider_start(r, n);
    REQUIRE(fp);
    struct fx x;
    REQUIRE(fx_open(&x, fake_provider_url(fp)) == 0);
    struct cs_triage t, b;
    builtin(&x, &b);
    builtin(&x, &t);
    CHECK_INT(cs_triage_ask_provider(&x.req, x.policy, TEXT, &t), CS_OK);
    CHECK_STR(t.category_code, b.category_code);
    CHECK_STR(t.priority, b.priority);
    CHECK_STR(t.category_source, "builtin");
    CHECK_NEAR(t.confidence, b.confidence, 1e-9);
    CHECK(fake_provider_count(fp) >= 1); /* it was asked */
    fx_close(&x);
    fake_provider_stop(fp);
}

static void test_unusable_answers_keep_builtin(void)
{
    struct fake_reply partial_r[] = {{.status = 200, .body = partial}};
    check_unusable(partial_r, 1);
    struct fake_reply prose_r[] = {{.status = 200, .body = prose}};
    check_unusable(prose_r, 1);
    struct fake_reply err[] = {
        {.status = 400, .body = "{\"error\":{\"message\":\"bad request\"}}"}};
    check_unusable(err, 1);
}

static void test_no_hosted_provider(void)
{
    struct fx x;
    REQUIRE(fx_open(&x, NULL) == 0);
    struct cs_triage t, b;
    builtin(&x, &b);
    builtin(&x, &t);
    CHECK_INT(cs_triage_ask_provider(&x.req, x.policy, TEXT, &t), CS_OK);
    CHECK_STR(t.category_code, b.category_code);
    CHECK_STR(t.category_source, "builtin");
    CHECK_INT(cs_triage_ask_provider(NULL, x.policy, TEXT, &t), CS_ERR_INVALID);
    fx_close(&x);
}

int main(void)
{
    TEST_RUN(test_provider_chooses_category);
    TEST_RUN(test_unusable_answers_keep_builtin);
    TEST_RUN(test_no_hosted_provider);
    return test_done();
}
