/* Issue 14's reply examples through the real handlers (compiled in, called in process on
 * a real store holding the shipped sample knowledge base, no LLM configured):
 * POST /tickets/process cites the damaged-item article for a broken blender; POST
 * /generate/response sends investment advice to human review under a sensible
 * category, answers a thank-you with a closing line, and never reads an intent label
 * back to the customer. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../../../functions/tickets-process/handler.c"
#undef PASSAGES
#include "../../../functions/generate-response/handler.c"
#include "../../support/sample_kb.h"
#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/app.h"
#include "cs/function.h"

static const struct cs_function test_fn = {
    .name = "reply-handlers-test",
    .family = CS_FAMILY_INSIGHTS,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_AI,
};

static struct cs_env env;
static struct cs_worker w;
static struct temp_db db;

static int setup(void)
{
    temp_db_init(&db, "reply-handlers");
    setenv("CS_STORE_URI", db.uri, 1);
    setenv("CS_JWT_SECRET", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1);
    setenv("CS_LOG_LEVEL", "error", 1);
    unsetenv("CS_PROVIDERS_FILE");
    if (!getenv("CS_DATA_DIR")) setenv("CS_DATA_DIR", "data", 1);
    const char *why = NULL;
    if (sodium_init() < 0 || cs_env_init(&env, &test_fn, &why) || cs_worker_init(&w, &env, &why))
        return -1;
    if (fn_tickets_process_init(&env)) return -1;
    int rc = sample_kb_load(w.store, w.arena);
    cs_arena_reset(w.arena);
    return rc;
}

typedef int (*handler_fn)(const struct cs_req *, struct cs_resp *);

/* The handler's answer as JSON ("data" of the insights envelope, or the triage body). */
static json_object *call(handler_fn fn, const char *body, json_object **root)
{
    struct cs_req req;
    struct cs_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    req.method = "POST";
    req.query = "";
    req.arena = w.arena;
    req.env = &env;
    req.store = w.store;
    req.request_id = "req-1";
    req.auth.tenant = "acme";
    req.auth.subject = "tester";
    req.now_ms = 1764000000000;
    *root = NULL;
    if (cs_json_parse(body, strlen(body), w.arena, &req.json, NULL) != CS_OK) return NULL;
    if (fn(&req, &resp) != CS_OK || !resp.body) return NULL;
    if (cs_json_parse(resp.body, resp.body_len, w.arena, root, NULL) != CS_OK) return NULL;
    json_object *d = NULL;
    return json_object_object_get_ex(*root, "data", &d) ? d : *root;
}

/* No snake_case word (an intent or category label) in text a customer reads. */
static bool has_label(const char *s)
{
    for (const char *p = s; *p; p++)
        if (*p == '_' && p > s && p[-1] >= 'a' && p[-1] <= 'z' && p[1] >= 'a' && p[1] <= 'z')
            return true;
    return false;
}

static void test_blender_cites_damaged_item_article(void)
{
    json_object *root;
    json_object *out = call(fn_tickets_process,
                            "{\"ticket_id\":\"TKT-1\",\"customer_name\":\"Ana "
                            "Lima\",\"customer_email\":\"ana@example.com\","
                            "\"raw_message\":\"My new blender arrived broken, the jug is cracked "
                            "and it won't turn on.\"}",
                            &root);
    REQUIRE(out != NULL);
    json_object *result = NULL, *cites = NULL, *draft = NULL;
    REQUIRE(json_object_object_get_ex(out, "result", &result));
    REQUIRE(json_object_object_get_ex(result, "citations", &cites));
    REQUIRE(json_object_object_get_ex(result, "answer_draft", &draft));
    REQUIRE(json_object_array_length(cites) >= 1);
    CHECK_STR(cs_json_get_str(json_object_array_get_idx(cites, 0), "doc_id"), "KB-4005");
    const char *body = cs_json_get_str(draft, "body");
    REQUIRE(body != NULL);
    CHECK(strstr(body, "[KB-4005]") != NULL);
    CHECK(strstr(body, "wrong account") == NULL);
    CHECK(strstr(body, "card delivery") == NULL); /* the triage label it got at 0.48 */
    CHECK(!has_label(body));
    cs_arena_reset(w.arena);
}

static void test_investment_advice_goes_to_review(void)
{
    json_object *root;
    json_object *d =
        call(fn_generate_response,
             "{\"query\":\"What stocks should I invest in\",\"customer_id\":\"c-1\"}", &root);
    REQUIRE(d != NULL);
    CHECK(cs_json_get_bool(d, "requires_human_review", false));
    CHECK_STR(cs_json_get_str(d, "category"), "investment_advice");
    CHECK(cs_json_get_str(d, "review_item_id") != NULL);
    CHECK(!has_label(cs_json_get_str(d, "response")));
    cs_arena_reset(w.arena);
}

static void test_loan_question_category(void)
{
    json_object *root;
    json_object *d = call(fn_generate_response,
                          "{\"query\":\"Can I get a personal loan with a credit score of "
                          "650?\",\"customer_id\":\"cust-456\","
                          "\"context\":{\"previous_interactions\":3,\"account_type\":\"savings\"}}",
                          &root);
    REQUIRE(d != NULL);
    CHECK_STR(cs_json_get_str(d, "category"), "loan_inquiry");
    cs_arena_reset(w.arena);
}

static void test_thanks_gets_closing_and_no_label(void)
{
    json_object *root;
    json_object *d =
        call(fn_generate_response, "{\"query\":\"Thank you, that worked perfectly!\"}", &root);
    REQUIRE(d != NULL);
    const char *r = cs_json_get_str(d, "response");
    REQUIRE(r != NULL);
    CHECK(strncmp(r, "You're welcome!", 15) == 0);
    CHECK(strstr(r, "knowledge base") == NULL);
    cs_arena_reset(w.arena);
    /* The example: an intent label ("cancel_transfer") used to open the reply. */
    d = call(fn_generate_response,
             "{\"query\":\"I need to cancel a transfer I sent to the wrong account\"}", &root);
    REQUIRE(d != NULL);
    r = cs_json_get_str(d, "response");
    REQUIRE(r != NULL);
    CHECK(strstr(r, "cancel transfer") == NULL);
    CHECK(!has_label(r));
    cs_arena_reset(w.arena);
}

int main(void)
{
    if (setup() != 0) {
        fprintf(stderr, "setup failed: models, policy or sample KB missing under CS_DATA_DIR\n");
        return 1;
    }
    TEST_RUN(test_blender_cites_damaged_item_article);
    TEST_RUN(test_investment_advice_goes_to_review);
    TEST_RUN(test_loan_question_category);
    TEST_RUN(test_thanks_gets_closing_and_no_label);
    fn_tickets_process_fini(&env);
    cs_worker_clean_up(&w);
    cs_env_clean_up(&env);
    temp_db_remove(&db);
    return test_done();
}
