/* A session tier answered by a hosted model (cs_session_reply through cs/ai.h), against
 * a fake OpenAI-compatible server on loopback: the tier's prompt, tone and money rules
 * reach the model; a reply within the tier's authority is taken with the model's name
 * and token counts; a reply promising more than the tier may give is replaced by the
 * built-in draft; with no hosted provider configured nothing is called. */
#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "../../support/fake_provider.h"
#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/ai.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/sentiment.h"
#include "cs/session.h"
#include "cs/store.h"

static const char providers_fmt[] =
    "{\"providers\":[{\"id\":\"support_llm\",\"provider\":\"openai\",\"model\":\"gpt-4o\","
    "\"base_url\":\"%s/v1\",\"api_key_env\":\"TEST_OPENAI_KEY\",\"default\":true}]}";

static const char *secret(const char *name)
{
    return strcmp(name, "TEST_OPENAI_KEY") == 0 ? "sk-test-session" : NULL;
}

static char *openai_answer(const char *content)
{
    static char buf[2048];
    snprintf(buf, sizeof(buf),
             "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1764000000,"
             "\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
             "\"assistant\",\"content\":\"%s\"},\"finish_reason\":\"stop\"}],\"usage\":{"
             "\"prompt_tokens\":90,\"completion_tokens\":21,\"total_tokens\":111}}",
             content);
    return buf;
}

struct fx {
    struct cs_ai *ai;
    struct cs_store *st;
    struct cs_arena *a;
    struct cs_ai_call call;
    struct temp_db db;
    char prov[96];
    /* set by fx_start */
    struct fake_provider *fp;
    json_object *cfg;        /* the default session configuration */
    struct cs_tier_caps rep; /* its AI_REP tier */
};

static int fx_open(struct fx *x, const char *base_url)
{
    memset(x, 0, sizeof(*x));
    temp_db_init(&x->db, "session-hosted");
    snprintf(x->prov, sizeof(x->prov), "/tmp/cs-session-hosted-%d.json", (int)getpid());
    struct cs_ai_config cfg = {.secret = secret, .timeout_ms = 5000, .connect_timeout_ms = 1000};
    if (base_url) {
        FILE *f = fopen(x->prov, "w");
        if (!f) return -1;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        fprintf(f, providers_fmt, base_url);
#pragma GCC diagnostic pop
        fclose(f);
        cfg.providers_file = x->prov;
    }
    const char *why = NULL;
    if (cs_ai_open(&cfg, &x->ai, &why)) return -1;
    x->a = cs_arena_new(0);
    if (!x->a || !(x->st = temp_db_open(&x->db))) return -1;
    x->call = (struct cs_ai_call){.ai = x->ai,
                                  .store = x->st,
                                  .arena = x->a,
                                  .tenant = "acme",
                                  .now_ms = cs_now_ms(),
                                  .operation = "session_reply"};
    return 0;
}

static void fx_close(struct fx *x)
{
    cs_arena_destroy(x->a);
    temp_db_close(&x->db, x->st);
    cs_ai_close(x->ai);
    unlink(x->prov);
}

/* Every test: a fake provider playing s, and the fixture with the default configuration;
 * hosted says whether the fixture's providers file names that provider at all. */
static int fx_start(struct fx *x, const struct fake_reply *s, size_t n, bool hosted)
{
    struct fake_provider *fp = fake_provider_start(s, n);
    if (!fp) return -1;
    if (fx_open(x, hosted ? fake_provider_url(fp) : NULL)) {
        fake_provider_stop(fp);
        return -1;
    }
    x->fp = fp;
    x->cfg = cs_session_config_defaults();
    cs_session_tier_caps(x->cfg, "AI_REP", &x->rep);
    return 0;
}

static void fx_stop(struct fx *x)
{
    json_object_put(x->cfg);
    fx_close(x);
    fake_provider_stop(x->fp);
}

static struct cs_sentiment upset(void)
{
    struct cs_sentiment s;
    memset(&s, 0, sizeof(s));
    s.level = CS_SENT_FRUSTRATED;
    s.label = "negative";
    return s;
}

static void test_hosted_reply_within_authority_is_taken(void)
{
    struct fake_reply s[] = {{.status = 200,
                              .body = openai_answer("I am sorry about the delay. I have checked "
                                                    "your order and it ships tomorrow.")}};
    struct fx x;
    REQUIRE(fx_start(&x, s, 1, true) == 0);
    struct cs_sentiment sent = upset();
    struct cs_money_ask ask;
    const char *text = "My order is late again and I want a refund of $400.";
    cs_session_money_ask(text, &ask);
    struct cs_reply_turn hist[] = {{"customer", "Where is my order?"},
                                   {"ai_rep", "Let me check that for you."},
                                   {"system", "escalation check"}};
    struct cs_reply_input in = {.tier = &x.rep,
                                .history = hist,
                                .nhistory = 3,
                                .message = text,
                                .sentiment = &sent,
                                .ask = &ask,
                                .refund_allowed = false,
                                .ai = &x.call};
    struct cs_reply r;
    REQUIRE(cs_session_reply(x.st, x.a, "acme", &in, &r) == CS_OK);
    CHECK_STR(r.content,
              "I am sorry about the delay. I have checked your order and it ships tomorrow.");
    CHECK_STR(r.model, "gpt-4o-2024-08-06");
    CHECK_INT(r.tokens_in, 90);
    CHECK_INT(r.tokens_out, 21);
    /* What the model was told: the tier's own prompt, its limits, the conversation. */
    REQUIRE(fake_provider_count(x.fp) == 1);
    const char *sent_body = fake_provider_body(x.fp, 0);
    json_object *req = json_tokener_parse(sent_body);
    REQUIRE(req);
    json_object *msgs, *m0, *content, *role;
    REQUIRE(json_object_object_get_ex(req, "messages", &msgs));
    CHECK_INT(json_object_array_length(msgs), 4); /* system, user, assistant, user */
    m0 = json_object_array_get_idx(msgs, 0);
    CHECK(json_object_object_get_ex(m0, "role", &role) &&
          strcmp(json_object_get_string(role), "system") == 0);
    CHECK(json_object_object_get_ex(m0, "content", &content));
    const char *sys = json_object_get_string(content);
    CHECK(x.rep.system_prompt && strstr(sys, x.rep.system_prompt) != NULL);
    CHECK(strstr(sys, "cannot approve this refund") != NULL);
    CHECK(strstr(sys, "never name or promise an amount") != NULL);
    json_object *last = json_object_array_get_idx(msgs, 3);
    CHECK(json_object_object_get_ex(last, "content", &content) &&
          strcmp(json_object_get_string(content), text) == 0);
    CHECK(strstr(sent_body, "escalation check") == NULL); /* system notes stay out */
    json_object_put(req);
    fx_stop(&x);
}

static void test_hosted_promise_beyond_authority_is_replaced(void)
{
    struct fake_reply s[] = {
        {.status = 200, .body = openai_answer("No problem! We will refund you $400 today.")}};
    struct fx x;
    REQUIRE(fx_start(&x, s, 1, true) == 0);
    struct cs_sentiment sent = upset();
    struct cs_money_ask ask;
    const char *text = "The blender broke after two days, I want a refund of $400.";
    cs_session_money_ask(text, &ask);
    struct cs_reply_input in = {.tier = &x.rep,
                                .message = text,
                                .sentiment = &sent,
                                .ask = &ask,
                                .refund_allowed = false,
                                .ai = &x.call};
    struct cs_reply r;
    REQUIRE(cs_session_reply(x.st, x.a, "acme", &in, &r) == CS_OK);
    CHECK_INT(fake_provider_count(x.fp), 1);
    CHECK(strstr(r.content, "$400") == NULL);
    CHECK(strstr(r.content, "not able to approve") != NULL);
    CHECK_STR(r.model, "builtin-extractive-v1");
    fx_stop(&x);
}

static void test_no_hosted_provider_calls_nothing(void)
{
    struct fake_reply s[] = {{.status = 200, .body = openai_answer("unused")}};
    struct fx x;
    REQUIRE(fx_start(&x, s, 1, false) == 0);
    struct cs_sentiment sent = upset();
    struct cs_reply_input in = {.tier = &x.rep,
                                .message = "Where is my parcel? It has been a week.",
                                .sentiment = &sent,
                                .ai = &x.call};
    struct cs_reply r;
    REQUIRE(cs_session_reply(x.st, x.a, "acme", &in, &r) == CS_OK);
    CHECK_STR(r.model, "builtin-extractive-v1");
    CHECK(r.content && strlen(r.content) > 20);
    CHECK_INT(fake_provider_count(x.fp), 0);
    fx_stop(&x);
}

int main(void)
{
    TEST_RUN(test_hosted_reply_within_authority_is_taken);
    TEST_RUN(test_hosted_promise_beyond_authority_is_replaced);
    TEST_RUN(test_no_hosted_provider_calls_nothing);
    return test_done();
}
