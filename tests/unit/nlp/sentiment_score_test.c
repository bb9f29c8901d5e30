/* cs_sentiment_score (cs/sentiment_score.h): the analyze endpoints' `use_ai` against a
 * fake OpenAI-compatible classifier on loopback. A hosted default supplies the three
 * probabilities and is named as the source; without use_ai, without a hosted provider,
 * or when its answer is unusable, the built-in model's reading stands. */
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
#include "cs/sentiment_score.h"
#include "cs/store.h"

#define TEXT "The refund took three weeks and nobody answered my emails."

static const char *secret(const char *name)
{
    return strcmp(name, "TEST_OPENAI_KEY") == 0 ? "sk-test-sentiment" : NULL;
}

static const char classified[] =
    "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{"
    "\"index\":0,"
    "\"message\":{\"role\":\"assistant\",\"content\":\"{\\\"negative\\\": 0.7, \\\"neutral\\\": "
    "0.2, "
    "\\\"positive\\\": 0.1}\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":40,"
    "\"completion_tokens\":9,\"total_tokens\":49}}";

static const char rambling[] =
    "{\"id\":\"c2\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{"
    "\"index\":0,"
    "\"message\":{\"role\":\"assistant\",\"content\":\"It sounds rather unhappy to me.\"},"
    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":7,"
    "\"total_tokens\":47}}";

struct fx {
    struct cs_env env;
    struct cs_req req;
    struct temp_db db;
    char prov[96];
};

static int fx_open(struct fx *x, const char *base_url)
{
    memset(x, 0, sizeof(*x));
    snprintf(x->prov, sizeof(x->prov), "/tmp/cs-sentiment-score-%d.json", (int)getpid());
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
    const char *why = NULL, *dir = getenv("CS_DATA_DIR");
    char models[512];
    snprintf(models, sizeof(models), "%s/models", dir ? dir : "data");
    if (cs_ai_open(&cfg, &x->env.ai, &why) || cs_models_open(models, &x->env.models)) return -1;
    x->req.arena = cs_arena_new(0);
    if (!x->req.arena || !(x->req.store = temp_db_create(&x->db, "sentiment-score"))) return -1;
    x->req.env = &x->env;
    x->req.auth.tenant = "acme";
    x->req.now_ms = cs_now_ms();
    return 0;
}

static void fx_close(struct fx *x)
{
    cs_arena_destroy(x->req.arena);
    temp_db_close(&x->db, x->req.store);
    cs_ai_close(x->env.ai);
    cs_models_close(x->env.models);
    unlink(x->prov);
}

static void builtin_reading(struct fx *x, struct cs_sentiment *s)
{
    if (cs_sentiment_analyze(x->env.models, TEXT, strlen(TEXT), s) != CS_OK) abort();
}

static void test_hosted_classifier_supplies_probabilities(void)
{
    struct fake_reply r[] = {{.status = 200, .body = classified}};
    struct fake_provider *fp = fake_provider_start(r, 1);
    REQUIRE(fp);
    struct fx x;
    REQUIRE(fx_open(&x, fake_provider_url(fp)) == 0);
    struct cs_sentiment s, b;
    const char *source = NULL;
    CHECK_INT(cs_sentiment_score(&x.req, TEXT, strlen(TEXT), true, &s, &source), CS_OK);
    CHECK_STR(source, "support_llm");
    CHECK_NEAR(s.prob[CS_SENT_NEGATIVE], 0.7, 1e-6);
    CHECK_NEAR(s.prob[CS_SENT_NEUTRAL_CLASS], 0.2, 1e-6);
    CHECK_NEAR(s.prob[CS_SENT_POSITIVE], 0.1, 1e-6);
    /* The built-in reading stays underneath: level and intensity are the model's. */
    builtin_reading(&x, &b);
    CHECK_INT(s.level, b.level);
    CHECK_INT(fake_provider_count(fp), 1);
    CHECK(strstr(fake_provider_body(fp, 0), "nobody answered my emails") != NULL);
    /* Without use_ai nothing is asked. */
    CHECK_INT(cs_sentiment_score(&x.req, TEXT, strlen(TEXT), false, &s, &source), CS_OK);
    CHECK_STR(source, "builtin");
    CHECK_NEAR(s.prob[CS_SENT_NEGATIVE], b.prob[CS_SENT_NEGATIVE], 1e-6);
    CHECK_INT(fake_provider_count(fp), 1);
    fx_close(&x);
    fake_provider_stop(fp);
}

static void test_unusable_answer_keeps_builtin(void)
{
    struct fake_reply r[] = {{.status = 200, .body = rambling}};
    struct fake_provider *fp = fake_provider_start(r, 1);
    REQUIRE(fp);
    struct fx x;
    REQUIRE(fx_open(&x, fake_provider_url(fp)) == 0);
    struct cs_sentiment s, b;
    const char *source = NULL;
    CHECK_INT(cs_sentiment_score(&x.req, TEXT, strlen(TEXT), true, &s, &source), CS_OK);
    CHECK_STR(source, "builtin");
    builtin_reading(&x, &b);
    for (int k = 0; k < 3; k++) CHECK_NEAR(s.prob[k], b.prob[k], 1e-6);
    CHECK(fake_provider_count(fp) >= 1);
    fx_close(&x);
    fake_provider_stop(fp);
}

static void test_no_hosted_provider_asks_nobody(void)
{
    struct fx x;
    REQUIRE(fx_open(&x, NULL) == 0);
    struct cs_sentiment s, b;
    const char *source = NULL;
    CHECK_INT(cs_sentiment_score(&x.req, TEXT, strlen(TEXT), true, &s, &source), CS_OK);
    CHECK_STR(source, "builtin");
    builtin_reading(&x, &b);
    for (int k = 0; k < 3; k++) CHECK_NEAR(s.prob[k], b.prob[k], 1e-6);
    fx_close(&x);
}

int main(void)
{
    TEST_RUN(test_hosted_classifier_supplies_probabilities);
    TEST_RUN(test_unusable_answer_keeps_builtin);
    TEST_RUN(test_no_hosted_provider_asks_nobody);
    return test_done();
}
