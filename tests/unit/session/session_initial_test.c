/* initialMessage is a message: POST /sessions answers it through the session message
 * path (the AI rep replies, every rule runs), and a thank-you later gets a closing reply
 * after which the session resolves. Real handlers compiled in, called in process on a
 * real store with the shipped sample knowledge base; no LLM configured. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../../../functions/cs-sessions-create/handler.c"
#undef blank
#define blank messages_blank
#define attempt messages_attempt
#include "../../../functions/cs-messages/handler.c"
#undef attempt
#define attempt resolve_attempt
#include "../../../functions/cs-resolve/handler.c"
#undef attempt
#include "../../../functions/cs-sessions-read/handler.c"
#include "../../support/sample_kb.h"
#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/app.h"
#include "cs/function.h"
#include "cs/insights.h"

static const struct cs_function test_fn = {
    .name = "cs-initial-test",
    .family = CS_FAMILY_SESSIONS,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_AI,
    .init = cs_insights_policy_init, /* as cs-sessions-create and cs-messages load it */
    .fini = cs_insights_policy_fini,
};

static struct cs_env env;
static struct cs_worker w;
static struct temp_db db;

static void fixed_random(void *buf, size_t n)
{
    static unsigned char next = 1;
    unsigned char *b = buf;
    for (size_t i = 0; i < n; i++) b[i] = next++;
}

static int setup(void)
{
    temp_db_init(&db, "session-initial");
    setenv("CS_STORE_URI", db.uri, 1);
    setenv("CS_JWT_SECRET", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1);
    setenv("CS_LOG_LEVEL", "error", 1);
    unsetenv("CS_PROVIDERS_FILE");
    if (!getenv("CS_DATA_DIR")) setenv("CS_DATA_DIR", "data", 1);
    const char *why = NULL;
    if (sodium_init() < 0 || cs_env_init(&env, &test_fn, &why) || cs_worker_init(&w, &env, &why))
        return -1;
    env.random = fixed_random;
    int rc = sample_kb_load(w.store, w.arena);
    cs_arena_reset(w.arena);
    return rc;
}

typedef int (*handler_fn)(const struct cs_req *, struct cs_resp *);

static int last_rc; /* of the last call(): the body's parse, else the handler's */

/* Parsed answer of `fn` (NULL on an error status). */
static json_object *call(handler_fn fn, const char *id, const char *body)
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
    if (id) {
        req.param_names[0] = "id";
        req.param_values[0] = id;
        req.nparams = 1;
    }
    req.request_id = "req-1";
    req.auth.tenant = "acme";
    req.now_ms = 1764000000000;
    json_object *out = NULL;
    if ((last_rc = cs_json_parse(body, strlen(body), w.arena, &req.json, NULL)) != CS_OK)
        return NULL;
    if ((last_rc = fn(&req, &resp)) != CS_OK || !resp.body) return NULL;
    if (cs_json_parse(resp.body, resp.body_len, w.arena, &out, NULL) != CS_OK) return NULL;
    return out;
}

static json_object *msg(json_object *session, size_t i)
{
    json_object *m = NULL;
    json_object_object_get_ex(session, "messages", &m);
    return m && i < json_object_array_length(m) ? json_object_array_get_idx(m, i) : NULL;
}

static size_t nmessages(json_object *session)
{
    json_object *m = NULL;
    return json_object_object_get_ex(session, "messages", &m) ? json_object_array_length(m) : 0;
}

static void test_initial_message_is_answered(void)
{
    json_object *s =
        call(fn_cs_sessions_create, NULL,
             "{\"companyId\":\"co1\",\"customerId\":\"cu1\",\"channel\":\"chat\","
             "\"initialMessage\":\"My new blender arrived broken, the jug is cracked.\","
             "\"issueCategory\":\"PRODUCT_QUALITY\"}");
    REQUIRE(s != NULL);
    CHECK_INT(nmessages(s), 2);
    CHECK_STR(cs_json_get_str(msg(s, 0), "role"), "customer");
    CHECK_STR(cs_json_get_str(msg(s, 0), "id"), "msg_1");
    CHECK_STR(cs_json_get_str(msg(s, 1), "role"), "ai_rep");
    CHECK_STR(cs_json_get_str(msg(s, 1), "id"), "msg_2");
    const char *reply = cs_json_get_str(msg(s, 1), "content");
    REQUIRE(reply != NULL);
    CHECK(strstr(reply, "[KB-4005]") != NULL);
    CHECK(strstr(reply, "passed") == NULL); /* nothing was passed on */
    /* answered by the rep: the customer's turn (seed 003 WAITING_CUSTOMER) */
    CHECK_STR(cs_json_get_str(s, "status"), "WAITING_CUSTOMER");
    CHECK_STR(cs_json_get_str(s, "currentTier"), "AI_REP");
    CHECK(cs_json_get_str(s, "issueSummary") != NULL);
    cs_arena_reset(w.arena);
}

static void test_initial_message_runs_the_rules(void)
{
    /* An explicit request for a person escalates, from the first message too. */
    json_object *s = call(fn_cs_sessions_create, NULL,
                          "{\"companyId\":\"co1\",\"customerId\":\"cu2\",\"channel\":\"chat\","
                          "\"initialMessage\":\"I want to speak to a human agent right now.\"}");
    REQUIRE(s != NULL);
    CHECK_STR(cs_json_get_str(s, "status"), "ESCALATED");
    CHECK_STR(cs_json_get_str(s, "currentTier"), "HUMAN_AGENT");
    json_object *h = NULL;
    REQUIRE(json_object_object_get_ex(s, "escalationHistory", &h));
    REQUIRE(json_object_array_length(h) == 1);
    CHECK_STR(cs_json_get_str(json_object_array_get_idx(h, 0), "reason"), "CUSTOMER_REQUEST");
    CHECK_STR(cs_json_get_str(msg(s, 1), "role"), "system");
    cs_arena_reset(w.arena);
}

static void test_thanks_closes_and_session_resolves(void)
{
    json_object *s = call(fn_cs_sessions_create, NULL,
                          "{\"companyId\":\"co1\",\"customerId\":\"cu3\",\"channel\":\"chat\","
                          "\"initialMessage\":\"How do I reset my password?\"}");
    REQUIRE(s != NULL);
    const char *id = cs_arena_strdup(w.arena, cs_json_get_str(s, "id"));
    REQUIRE(id != NULL);
    json_object *m =
        call(fn_cs_messages, id, "{\"message\":\"Thank you, that worked perfectly!\"}");
    REQUIRE(m != NULL);
    json_object *ai = NULL, *md = NULL, *sugg = NULL;
    REQUIRE(json_object_object_get_ex(m, "aiResponse", &ai));
    const char *reply = cs_json_get_str(ai, "content");
    REQUIRE(reply != NULL);
    CHECK(strncmp(reply, "You're welcome! I'm glad that's sorted.", 39) == 0);
    CHECK(strstr(reply, "knowledge base") == NULL);
    REQUIRE(json_object_object_get_ex(ai, "metadata", &md));
    REQUIRE(json_object_object_get_ex(md, "suggestedActions", &sugg));
    REQUIRE(json_object_array_length(sugg) == 1);
    CHECK_STR(json_object_get_string(json_object_array_get_idx(sugg, 0)), "resolve_session");
    json_object *r = call(fn_cs_resolve, id, "{\"resolutionType\":\"CUSTOMER_SATISFIED\"}");
    REQUIRE(r != NULL);
    json_object *sess = NULL;
    REQUIRE(json_object_object_get_ex(r, "session", &sess));
    CHECK_STR(cs_json_get_str(sess, "status"), "RESOLVED");
    cs_arena_reset(w.arena);
}

/* The AI rep's reply of a created session (its second message). */
static const char *first_reply(json_object *s) { return cs_json_get_str(msg(s, 1), "content"); }

/* The session as GET /sessions/{id} answers it. */
static json_object *read_back(const char *id) { return call(fn_cs_sessions_read, id, "{}"); }

/* No issueCategory from the client: the first message's triage names the topic, the
 * session stores it (the read shows it in the seed's code form, as seed 003's GET
 * does) and every later turn reuses it. */
static void test_first_message_sets_the_topic(void)
{
    json_object *s = call(fn_cs_sessions_create, NULL,
                          "{\"companyId\":\"co1\",\"customerId\":\"cu20\",\"channel\":\"chat\","
                          "\"initialMessage\":\"Any news on my order?\"}");
    REQUIRE(s != NULL);
    CHECK_STR(cs_json_get_str(s, "issueCategory"), "SHIPPING");
    const char *reply = first_reply(s);
    REQUIRE(reply != NULL);
    CHECK(strstr(reply, "Thanks for reaching out about your shipping issue!") != NULL);
    /* the tracking article, not the returns one ("news" stemmed is "new": "Place the new
     * order first ...") */
    CHECK(strstr(reply, "[KB-4002]") != NULL && strstr(reply, "[KB-4004]") == NULL);
    CHECK_STR(cs_json_get_str(s, "issueSummary"), "Shipping inquiry - handled by AI_REP");
    const char *id = cs_arena_strdup(w.arena, cs_json_get_str(s, "id"));
    json_object *r = read_back(id);
    REQUIRE(r != NULL);
    CHECK_STR(cs_json_get_str(r, "issueCategory"), "SHIPPING");
    /* A later message is not triaged: the stored topic stays and answers again. */
    json_object *m = call(fn_cs_messages, id, "{\"message\":\"I was also charged twice.\"}");
    REQUIRE(m != NULL);
    json_object *u = NULL;
    REQUIRE(json_object_object_get_ex(m, "sessionUpdate", &u));
    CHECK_STR(cs_json_get_str(u, "issueSummary"), "Shipping inquiry - handled by AI_REP");
    r = read_back(id);
    REQUIRE(r != NULL);
    CHECK_STR(cs_json_get_str(r, "issueCategory"), "SHIPPING");
    cs_arena_reset(w.arena);
}

/* A greeting is GENERAL_INQUIRY: no topic is set or named, as before. */
static void test_greeting_sets_no_topic(void)
{
    json_object *s = call(fn_cs_sessions_create, NULL,
                          "{\"companyId\":\"co1\",\"customerId\":\"cu21\",\"channel\":\"chat\","
                          "\"initialMessage\":\"Hi, this is Sue\"}");
    REQUIRE(s != NULL);
    CHECK(!json_object_object_get_ex(s, "issueCategory", NULL));
    const char *reply = first_reply(s);
    REQUIRE(reply != NULL);
    CHECK(strstr(reply, "Thanks for reaching out about your request!") != NULL);
    CHECK_STR(cs_json_get_str(s, "issueSummary"), "General inquiry - handled by AI_REP");
    /* Only the first message is triaged: the order question after the greeting is not. */
    const char *id = cs_arena_strdup(w.arena, cs_json_get_str(s, "id"));
    json_object *m = call(fn_cs_messages, id, "{\"message\":\"Any news on my order?\"}");
    REQUIRE(m != NULL);
    json_object *r = read_back(id);
    REQUIRE(r != NULL);
    CHECK(!json_object_object_get_ex(r, "issueCategory", NULL));
    cs_arena_reset(w.arena);
}

/* A specific category below CS_SESSION_TOPIC_MIN_CONFIDENCE names no topic either
 * ("broken" reads PRODUCT_QUALITY at 0.77): a wrong topic is worse than none. */
static void test_unsure_triage_sets_no_topic(void)
{
    json_object *s = call(fn_cs_sessions_create, NULL,
                          "{\"companyId\":\"co1\",\"customerId\":\"cu24\",\"channel\":\"chat\","
                          "\"initialMessage\":\"The blender I received is broken\"}");
    REQUIRE(s != NULL);
    CHECK(!json_object_object_get_ex(s, "issueCategory", NULL));
    /* a frustrated customer: the empathetic register, still naming no topic */
    CHECK(strstr(first_reply(s), "I'm really sorry to hear about your request.") != NULL);
    cs_arena_reset(w.arena);
}

/* A client's issueCategory is never replaced by the triage. */
static void test_client_category_stands(void)
{
    json_object *s = call(fn_cs_sessions_create, NULL,
                          "{\"companyId\":\"co1\",\"customerId\":\"cu22\",\"channel\":\"chat\","
                          "\"initialMessage\":\"Any news on my order?\","
                          "\"issueCategory\":\"BILLING\"}");
    REQUIRE(s != NULL);
    CHECK_STR(cs_json_get_str(s, "issueCategory"), "BILLING");
    CHECK(strstr(first_reply(s), "Thanks for reaching out about your billing issue!") != NULL);
    cs_arena_reset(w.arena);
}

/* Without initialMessage, the first POST /messages is the message triaged. */
static void test_first_posted_message_sets_the_topic(void)
{
    json_object *s = call(fn_cs_sessions_create, NULL,
                          "{\"companyId\":\"co1\",\"customerId\":\"cu23\",\"channel\":\"chat\"}");
    REQUIRE(s != NULL);
    CHECK(!json_object_object_get_ex(s, "issueCategory", NULL));
    const char *id = cs_arena_strdup(w.arena, cs_json_get_str(s, "id"));
    json_object *m = call(fn_cs_messages, id, "{\"message\":\"Where is my parcel?\"}");
    REQUIRE(m != NULL);
    json_object *ai = NULL, *u = NULL;
    REQUIRE(json_object_object_get_ex(m, "aiResponse", &ai));
    const char *reply = cs_json_get_str(ai, "content");
    REQUIRE(reply != NULL);
    CHECK(strstr(reply, "Thanks for reaching out about your shipping issue!") != NULL);
    CHECK(strstr(reply, "[KB-4003]") != NULL); /* "My parcel is lost or delayed" */
    REQUIRE(json_object_object_get_ex(m, "sessionUpdate", &u));
    CHECK_STR(cs_json_get_str(u, "issueSummary"), "Shipping inquiry - handled by AI_REP");
    json_object *r = read_back(id);
    REQUIRE(r != NULL);
    CHECK_STR(cs_json_get_str(r, "issueCategory"), "SHIPPING");
    cs_arena_reset(w.arena);
}

/* The first tier's irate reply reports no hand-over unless the message escalated. */
static void test_no_false_action_claims(void)
{
    json_object *cfg = cs_session_config_defaults();
    REQUIRE(cfg != NULL);
    struct cs_tier_caps rep;
    cs_session_tier_caps(cfg, "AI_REP", &rep);
    const char *text =
        "This is the third time I write, your service is useless and I want a refund of $900!";
    struct cs_sentiment sent;
    REQUIRE(cs_sentiment_analyze(env.models, text, strlen(text), &sent) == CS_OK);
    struct cs_money_ask ask;
    cs_session_money_ask(text, &ask);
    CHECK(ask.refund);
    struct cs_reply_input in = {
        .tier = &rep, .message = text, .sentiment = &sent, .ask = &ask, .irate = true};
    struct cs_reply r;
    REQUIRE(cs_session_reply(w.store, w.arena, "acme", &in, &r) == CS_OK);
    CHECK(strstr(r.content, "passed") == NULL);
    CHECK(strstr(r.content, "I'm not able to approve that refund myself; it needs a review") !=
          NULL);
    in.escalated = true;
    REQUIRE(cs_session_reply(w.store, w.arena, "acme", &in, &r) == CS_OK);
    CHECK(strstr(r.content, "so I've passed your request to a colleague") != NULL);
    json_object_put(cfg);
    cs_arena_reset(w.arena);
}

/* Out of memory from each arena allocation on, in a create (its first message escalates)
 * and in a later message the manager answers: CS_ERR_NOMEM or the whole answer, never
 * another error or a crash, and the JSON builders release what they were given
 * (LeakSanitizer, in the ASan run). A failed call may still have written the session:
 * the answer is what failed. */
static void test_arena_faults_fail_cleanly(void)
{
    static const char create[] = "{\"companyId\":\"co1\",\"customerId\":\"cu9\","
                                 "\"channel\":\"chat\",\"initialMessage\":\"My parcel is late, "
                                 "where is it? I want a refund of $40.\"}";
    env.random = randombytes_buf; /* fixed_random's ids repeat within the hundreds of calls */
    json_object *s = call(fn_cs_sessions_create, NULL, create);
    REQUIRE(s != NULL);
    char id[80];
    snprintf(id, sizeof(id), "%s", cs_json_get_str(s, "id"));
    cs_arena_reset(w.arena);
    const struct {
        handler_fn fn;
        const char *id, *body;
    } cases[] = {
        {fn_cs_sessions_create, NULL, create},
        {fn_cs_messages, id, "{\"message\":\"Thanks. Where can I find the tracking link?\"}"}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        int ok = 0, nomem = 0;
        for (unsigned n = 1; n <= 5000 && !ok; n++) {
            cs_arena_fail_after(w.arena, n);
            json_object *out = call(cases[c].fn, cases[c].id, cases[c].body);
            cs_arena_fail_after(w.arena, 0);
            if (out) {
                ok = 1;
                CHECK(cs_json_get_str(out, "id") || cs_json_get_str(out, "sessionUpdate") ||
                      json_object_object_get_ex(out, "aiResponse", NULL));
            } else if (last_rc == CS_ERR_NOMEM) {
                nomem++;
            } else {
                fprintf(stderr, "  case %zu fault %u: %s\n", c, n, cs_error_name(last_rc));
                CHECK(0);
            }
            cs_store_unstage(w.store); /* as the app does after every request */
            cs_arena_reset(w.arena);
        }
        CHECK(ok);
        CHECK(nomem > 20); /* the faults reached the handlers' building */
    }
    env.random = fixed_random;
}

int main(void)
{
    if (setup() != 0) {
        fprintf(stderr, "setup failed: models or sample KB missing under CS_DATA_DIR\n");
        return 1;
    }
    TEST_RUN(test_initial_message_is_answered);
    TEST_RUN(test_initial_message_runs_the_rules);
    TEST_RUN(test_thanks_closes_and_session_resolves);
    TEST_RUN(test_first_message_sets_the_topic);
    TEST_RUN(test_greeting_sets_no_topic);
    TEST_RUN(test_unsure_triage_sets_no_topic);
    TEST_RUN(test_client_category_stands);
    TEST_RUN(test_first_posted_message_sets_the_topic);
    TEST_RUN(test_no_false_action_claims);
    TEST_RUN(test_arena_faults_fail_cleanly);
    cs_worker_clean_up(&w);
    cs_env_clean_up(&env);
    temp_db_remove(&db);
    return test_done();
}
