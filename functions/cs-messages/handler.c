/* POST /api/v1/cs/sessions/{id}/messages: stores the customer message with its
 * sentiment, applies the irate protocol and refund limits (cs_session_decide), lets the
 * session's tier answer (cs_session_reply) and stores both messages in one versioned
 * update. Concurrent writers re-read and retry on a version conflict, so no message is
 * lost; the decision and the reply are recomputed on the fresh session, because a
 * concurrent message may have escalated it. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cs/ai.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/cues.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/notify.h"
#include "cs/sentiment.h"
#include "cs/session.h"
#include "cs/store.h"

int fn_cs_messages(const struct cs_req *req, struct cs_resp *resp);

#define HISTORY_TURNS 10

struct turn {
    const char *session_id;
    const char *text;
    const char *ts;
    struct cs_sentiment sent;
    struct cs_money_ask ask;
    json_object *cfg;
    /* per attempt */
    struct cs_doc doc;
    struct cs_decision dec;
    const char *from_tier;
    json_object *customer_msg, *ai_msg, *update;
};

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return false;
    return true;
}

static json_object *stats(json_object *body)
{
    json_object *s = NULL;
    json_object_object_get_ex(body, "stats", &s);
    return s;
}

static size_t message_count(json_object *body)
{
    json_object *m;
    return json_object_object_get_ex(body, "messages", &m) ? json_object_array_length(m) : 0;
}

/* Earlier contacts the customer stated in this session's earlier messages ("I called
 * twice last week"): a later frustrated message escalates as REPEAT_CONTACT. */
static int stated_contacts(json_object *body)
{
    json_object *msgs = NULL;
    json_object_object_get_ex(body, "messages", &msgs);
    size_t n = json_object_is_type(msgs, json_type_array) ? json_object_array_length(msgs) : 0;
    int best = 0;
    for (size_t i = 0; i < n && best < 2; i++) {
        json_object *m = json_object_array_get_idx(msgs, i);
        const char *role = cs_json_get_str(m, "role"), *text = cs_json_get_str(m, "content");
        if (!role || !text || strcmp(role, "customer") != 0) continue;
        struct cs_cues c;
        cs_cues_scan(text, strlen(text), &c);
        if (c.earlier_contacts > best) best = c.earlier_contacts;
    }
    return best;
}

static void state_of(json_object *body, struct cs_session_state *st)
{
    json_object *ctx = NULL, *cust = NULL;
    json_object_object_get_ex(body, "context", &ctx);
    if (ctx) json_object_object_get_ex(ctx, "customer", &cust);
    json_object *s = stats(body);
    st->tier = cs_json_get_str(body, "currentTier");
    if (!st->tier) st->tier = "AI_REP";
    st->irate_attempts = (int)cs_json_get_int(s, "irateAttempts", 0);
    st->vip = cs_json_get_bool(cust, "isVIP", false);
    st->repeat_contacts = (int)cs_json_get_int(ctx, "repeatContacts", 0);
    st->ai_replies = (int)(cs_json_get_int(s, "messageCount", 0) - cs_json_get_int(s, "customerMessages", 0));
    st->stated_contacts = stated_contacts(body);
}

/* The phrase behind a drop in sentiment: the cue the scanner found, else the decision's. */
static const char *trigger_of(struct turn *t, json_object *body, struct cs_arena *a)
{
    const char *prev = cs_json_get_str(body, "customerSentiment");
    int prev_level = prev ? cs_sentiment_level_parse(prev) : CS_SENT_NEUTRAL;
    if ((int)t->sent.level <= prev_level && !t->dec.irate) return NULL;
    if (t->sent.cues.cue_len > 0 && t->sent.cues.cue_off + t->sent.cues.cue_len <= strlen(t->text))
        return cs_arena_strndup(a, t->text + t->sent.cues.cue_off, t->sent.cues.cue_len);
    return t->dec.trigger;
}

static int add_customer_message(const struct cs_req *req, struct turn *t, json_object *body)
{
    const char *trigger = trigger_of(t, body, req->arena);
    json_object *m = json_object_new_object(), *h = json_object_new_object();
    int rc = m && h ? CS_OK : CS_ERR_NOMEM;
    const char *id = cs_arena_printf(req->arena, "msg_%zu", message_count(body) + 1);
    if (!rc) rc = cs_json_add_str(m, "id", id);
    if (!rc) rc = cs_json_add_str(m, "role", "customer");
    if (!rc) rc = cs_json_add_str(m, "content", t->text);
    if (!rc) rc = cs_json_add_str(m, "timestamp", t->ts);
    if (!rc) rc = cs_json_add_str(m, "sentiment", t->sent.level_name);
    if (!rc) rc = cs_json_add_str(h, "sentiment", t->sent.level_name);
    if (!rc) rc = cs_json_add_double(h, "score", t->sent.score, 3);
    if (!rc) rc = cs_json_add_str(h, "timestamp", t->ts);
    if (!rc && trigger) rc = cs_json_add_str(h, "trigger", trigger);
    if (rc) {
        json_object_put(m);
        json_object_put(h);
        return rc;
    }
    t->customer_msg = m;
    rc = cs_session_push(body, "messages", json_object_get(m));
    if (!rc) rc = cs_json_own(req->arena, m);
    if (!rc) rc = cs_session_push(body, "sentimentHistory", h);
    if (!rc) rc = cs_json_add_str(body, "customerSentiment", t->sent.level_name);
    return rc;
}

/* Sentiment and irate figures the analytics sum. */
static int update_stats(struct turn *t, json_object *body)
{
    json_object *s = stats(body);
    if (!s) return CS_ERR_INTERNAL;
    int64_t customer = cs_json_get_int(s, "customerMessages", 0) + 1;
    int rc = cs_json_add_int(s, "customerMessages", customer);
    if (!rc) rc = cs_json_add_int(s, "messageCount", cs_json_get_int(s, "messageCount", 0) + 2);
    if (!rc) rc = cs_json_add_int(s, "satisfaction", cs_session_satisfaction((int)t->sent.level));
    if (!rc && !json_object_object_get_ex(s, "firstScore", NULL))
        rc = cs_json_add_double(s, "firstScore", t->sent.score, 4);
    double first = cs_json_get_double(s, "firstScore", t->sent.score);
    if (!rc && customer >= 2) rc = cs_json_add_int(s, "sentimentImproved", t->sent.score > first + 0.05);
    /* An incident is a run of irate messages; attempts count the AI's replies to it. */
    bool was_irate = cs_json_get_bool(s, "lastIrate", false);
    if (!rc && t->dec.irate && !was_irate)
        rc = cs_json_add_int(s, "irateIncidents", cs_json_get_int(s, "irateIncidents", 0) + 1);
    if (!rc) rc = cs_json_add_bool(s, "lastIrate", t->dec.irate);
    if (!rc) rc = cs_json_add_int(s, "irateAttempts", t->dec.irate_attempts);
    return rc;
}

static int escalate(const struct cs_req *req, struct turn *t, json_object *body)
{
    char notes[160];
    snprintf(notes, sizeof(notes), "Automatic escalation (%s)%s%s", t->dec.reason,
             t->dec.trigger ? ": " : "", t->dec.trigger ? t->dec.trigger : "");
    json_object *d = cs_json_object(req->arena);
    int rc = d ? CS_OK : CS_ERR_NOMEM;
    if (!rc) rc = cs_json_add_str(d, "sessionId", t->session_id);
    if (!rc) rc = cs_json_add_str(d, "companyId", cs_json_get_str(body, "companyId"));
    if (!rc) rc = cs_json_add_str(d, "customerId", cs_json_get_str(body, "customerId"));
    if (!rc) rc = cs_json_add_str(d, "fromTier", t->from_tier);
    if (!rc) rc = cs_json_add_str(d, "toTier", t->dec.target);
    if (!rc) rc = cs_json_add_str(d, "reason", t->dec.reason);
    if (!rc) rc = cs_notify_stage(req->store, req->arena, req->auth.tenant, "session.escalated", d,
                                  req->now_ms, NULL);
    if (!rc) rc = cs_session_escalate(body, t->dec.target, t->dec.reason, cs_arena_strdup(req->arena, notes), req->now_ms);
    return rc;
}

/* The last turns before this message, oldest first, for the reply generator. */
static size_t history(json_object *body, struct cs_reply_turn *out, size_t cap)
{
    json_object *m;
    if (!json_object_object_get_ex(body, "messages", &m)) return 0;
    size_t n = json_object_array_length(m), start = n > cap + 1 ? n - cap - 1 : 0, k = 0;
    for (size_t i = start; i + 1 < n && k < cap; i++) {
        json_object *x = json_object_array_get_idx(m, i);
        out[k++] = (struct cs_reply_turn){cs_json_get_str(x, "role"), cs_json_get_str(x, "content")};
    }
    return k;
}

static const char *customer_name(json_object *body)
{
    json_object *ctx = NULL, *cust = NULL;
    json_object_object_get_ex(body, "context", &ctx);
    if (ctx) json_object_object_get_ex(ctx, "customer", &cust);
    return cs_json_get_str(cust, "name");
}

static json_object *string_array(const char *const *items, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < n; i++) json_object_array_add(a, json_object_new_string(items[i]));
    return a;
}

static int metadata(const struct cs_reply *r, const char *const *taken, size_t ntaken, json_object **out)
{
    json_object *md = json_object_new_object(), *tok = json_object_new_object();
    int rc = md && tok ? CS_OK : CS_ERR_NOMEM;
    if (!rc) rc = cs_json_add_bool(md, "aiGenerated", r->model != NULL);
    if (!rc && r->model) rc = cs_json_add_str(md, "model", r->model);
    if (!rc) rc = cs_json_add_int(tok, "input", r->tokens_in);
    if (!rc) rc = cs_json_add_int(tok, "output", r->tokens_out);
    if (!rc) {
        rc = cs_json_add(md, "tokens", tok);
        tok = NULL;
    }
    if (!rc) rc = cs_json_add_int(md, "latencyMs", (int64_t)(r->latency_ms + 0.5));
    if (!rc) rc = cs_json_add(md, "actionsTaken", string_array(taken, ntaken));
    if (!rc) rc = cs_json_add(md, "suggestedActions", string_array(r->actions, r->nactions));
    json_object_put(tok);
    if (rc) json_object_put(md);
    *out = rc ? NULL : md;
    return rc;
}

static const char *category_label(const char *c);

/* "shipping", "product quality": how a reply names the topic. */
static const char *topic(struct cs_arena *a, const char *category, const struct cs_money_ask *ask)
{
    if (!category) return ask->refund ? "refund request" : ask->credit ? "credit request" : "request";
    char *s = cs_arena_strdup(a, category_label(category));
    for (char *p = s; p && *p; p++) *p = (char)tolower((unsigned char)*p);
    return s;
}

/* The answering tier's reply; a human tier gets a hand-off note, not an AI answer. */
static int answer(const struct cs_req *req, struct turn *t, json_object *body, const char **role,
                  struct cs_reply *r)
{
    const char *tier = cs_json_get_str(body, "currentTier");
    memset(r, 0, sizeof(*r));
    if (strcmp(tier, "HUMAN_AGENT") == 0) {
        *role = "system";
        r->content = "Thank you. Your conversation is with our customer care team now; a member "
                     "of the team will reply here shortly.";
        return CS_OK;
    }
    *role = strcmp(tier, "AI_MANAGER") == 0 ? "ai_manager" : "ai_rep";
    struct cs_tier_caps caps;
    cs_session_tier_caps(t->cfg, tier, &caps);
    struct cs_reply_turn turns[HISTORY_TURNS];
    struct cs_ai_call call;
    cs_ai_call_from_req(req, "session_reply", &call);
    struct cs_reply_input in = {
        .tier = &caps,
        .history = turns,
        .nhistory = history(body, turns, HISTORY_TURNS),
        .message = t->text,
        .sentiment = &t->sent,
        .ask = &t->ask,
        .refund_allowed = t->dec.refund_allowed,
        .irate = t->dec.irate,
        .customer_name = customer_name(body),
        .issue_category = topic(req->arena, cs_json_get_str(body, "issueCategory"), &t->ask),
        .ai = &call,
    };
    return cs_session_reply(req->store, req->arena, req->auth.tenant, &in, r);
}

static int add_ai_message(const struct cs_req *req, struct turn *t, json_object *body)
{
    const char *role;
    struct cs_reply r;
    int rc = answer(req, t, body, &role, &r);
    if (rc) return rc;
    const char *taken[2];
    size_t ntaken = 0;
    if (t->dec.reason) taken[ntaken++] = "escalated";
    if (t->dec.irate) taken[ntaken++] = "irate_protocol";
    json_object *md = NULL, *m = json_object_new_object();
    rc = m ? metadata(&r, taken, ntaken, &md) : CS_ERR_NOMEM;
    const char *id = cs_arena_printf(req->arena, "msg_%zu", message_count(body) + 1);
    if (!rc) rc = cs_json_add_str(m, "id", id);
    if (!rc) rc = cs_json_add_str(m, "role", role);
    if (!rc) rc = cs_json_add_str(m, "content", r.content);
    if (!rc) rc = cs_json_add_str(m, "timestamp", t->ts);
    if (!rc) {
        rc = cs_json_add(m, "metadata", md);
        md = NULL;
    }
    json_object_put(md);
    if (rc) {
        json_object_put(m);
        return rc;
    }
    t->ai_msg = m;
    rc = cs_session_push(body, "messages", json_object_get(m));
    if (!rc) rc = cs_json_own(req->arena, m);
    return rc;
}

static const char *category_label(const char *c)
{
    static const char *const map[][2] = {
        {"BILLING", "Billing"}, {"SHIPPING", "Shipping"}, {"PRODUCT_QUALITY", "Product quality"},
        {"SUBSCRIPTION", "Subscription"}, {"REFUND", "Refund"}, {"TECHNICAL", "Technical"},
        {"ACCOUNT", "Account"}, {"GENERAL_INQUIRY", "General"}, {"COMPLAINT", "Complaint"},
        {"CANCELLATION", "Cancellation"}};
    for (size_t i = 0; c && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], c) == 0) return map[i][1];
    return "General";
}

/* A one-line summary a human picking the case up can read at a glance. */
static const char *summary(struct cs_arena *a, const struct turn *t, json_object *body)
{
    const char *what = category_label(cs_json_get_str(body, "issueCategory"));
    const char *ask = "";
    if (t->ask.refund || t->ask.credit)
        ask = t->ask.amount > 0 ? cs_arena_printf(a, " - %s request of $%.2f", t->ask.refund ? "refund" : "credit", t->ask.amount)
                                : (t->ask.refund ? " - refund request" : " - credit request");
    const char *tier = cs_json_get_str(body, "currentTier");
    if (t->dec.reason)
        return cs_arena_printf(a, "%s inquiry%s - escalated to %s (%s)", what, ask ? ask : "", tier, t->dec.reason);
    return cs_arena_printf(a, "%s inquiry%s - handled by %s", what, ask ? ask : "", tier);
}

static int apply(const struct cs_req *req, struct turn *t, json_object *body)
{
    struct cs_session_state st;
    state_of(body, &st);
    t->from_tier = cs_arena_strdup(req->arena, st.tier); /* body's string is replaced on escalation */
    if (!t->from_tier) return CS_ERR_NOMEM;
    cs_session_decide(t->cfg, &st, &t->sent, t->text, &t->ask, &t->dec);
    int rc = add_customer_message(req, t, body);
    if (!rc) rc = update_stats(t, body);
    if (!rc && t->dec.reason) rc = escalate(req, t, body);
    /* The customer came back: the status the session's tier implies again, ESCALATED
     * above the rep (as escalation sets it, seed 003 "Session Status"), else ACTIVE. */
    if (!rc && strcmp(cs_json_get_str(body, "status"), "ABANDONED") == 0)
        rc = cs_json_add_str(body, "status",
                             strcmp(cs_json_get_str(body, "currentTier"), "AI_REP") == 0 ? "ACTIVE"
                                                                                      : "ESCALATED");
    if (!rc) rc = add_ai_message(req, t, body);
    const char *sum = rc ? NULL : summary(req->arena, t, body);
    if (!rc && !sum) rc = CS_ERR_NOMEM;
    if (!rc) rc = cs_json_add_str(body, "issueSummary", sum);
    if (!rc) rc = cs_json_add_str(body, "updatedAt", t->ts);
    return rc;
}

static int check_open(const struct cs_req *req, struct cs_resp *resp, struct turn *t)
{
    json_object *body = t->doc.body;
    const char *status = cs_json_get_str(body, "status");
    if (status && strcmp(status, "RESOLVED") == 0)
        return cs_session_fail(req, resp, CS_ERR_SESSION_RESOLVED, "sessionId", t->session_id);
    if (message_count(body) + 2 > CS_SESSION_MAX_MESSAGES) {
        resp->err_message = "Session has reached its message limit";
        return cs_session_fail(req, resp, CS_ERR_MESSAGE_CONTENT, "sessionId", t->session_id);
    }
    return CS_OK;
}

static int attempt(const struct cs_req *req, struct cs_resp *resp, struct turn *t)
{
    int rc = cs_session_load(req->store, req->arena, req->auth.tenant, t->session_id, &t->doc);
    if (rc) return cs_session_fail(req, resp, rc, "sessionId", t->session_id);
    if (!t->cfg) {
        rc = cs_session_req_config(req, resp, cs_json_get_str(t->doc.body, "companyId"), true, &t->cfg);
        if (rc) return rc;
    }
    if ((rc = check_open(req, resp, t))) return rc;
    rc = apply(req, t, t->doc.body);
    if (!rc) rc = cs_store_update(req->store, req->arena, req->auth.tenant, CS_SESSIONS_COLL,
                                  t->session_id, t->doc.version, t->doc.body, NULL, req->now_ms, NULL);
    if (rc) cs_store_unstage(req->store);
    return rc;
}

static int respond(const struct cs_req *req, struct cs_resp *resp, struct turn *t)
{
    json_object *o = cs_json_object(req->arena), *u = json_object_new_object();
    int rc = o && u && !cs_json_add(o, "sessionUpdate", u) ? CS_OK : CS_ERR_NOMEM;
    json_object *body = t->doc.body;
    if (!rc) rc = cs_json_add(o, "customerMessage", json_object_get(t->customer_msg));
    if (!rc) rc = cs_json_add(o, "aiResponse", json_object_get(t->ai_msg));
    if (!rc) rc = cs_json_add_str(u, "customerSentiment", cs_json_get_str(body, "customerSentiment"));
    if (!rc) rc = cs_json_add_str(u, "issueSummary", cs_json_get_str(body, "issueSummary"));
    if (!rc) rc = cs_json_add_str(u, "currentTier", cs_json_get_str(body, "currentTier"));
    if (!rc) rc = cs_json_add_str(u, "status", cs_json_get_str(body, "status"));
    if (!rc && t->dec.reason) {
        json_object *e = json_object_new_object();
        rc = e ? CS_OK : CS_ERR_NOMEM;
        if (!rc) rc = cs_json_add_str(e, "fromTier", t->from_tier);
        if (!rc) rc = cs_json_add_str(e, "toTier", t->dec.target);
        if (!rc) rc = cs_json_add_str(e, "reason", t->dec.reason);
        if (!rc) rc = cs_json_add(u, "escalation", e);
        else json_object_put(e);
    }
    if (!rc) rc = cs_family_ok(CS_FAMILY_SESSIONS, req, resp, 201, o);
    return rc;
}

int fn_cs_messages(const struct cs_req *req, struct cs_resp *resp)
{
    struct turn t;
    memset(&t, 0, sizeof(t));
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_Z, ts);
    t.ts = ts;
    t.session_id = cs_req_param(req, "id");
    t.text = cs_json_get_str(req->json, "message");
    if (!cs_session_id_valid(t.session_id))
        return cs_session_fail(req, resp, CS_ERR_SESSION_ID, "sessionId", t.session_id);
    if (!t.text || blank(t.text)) {
        resp->err_message = "Message must not be empty";
        return CS_ERR_MESSAGE_CONTENT;
    }
    int rc = cs_sentiment_analyze(req->env->models, t.text, strlen(t.text), &t.sent);
    if (rc) return CS_ERR_AI_UNAVAILABLE;
    cs_session_money_ask(t.text, &t.ask);
    for (int i = 0; i < CS_SESSION_UPDATE_RETRIES; i++) {
        rc = attempt(req, resp, &t);
        if (rc != CS_ERR_CONFLICT) break;
    }
    return rc ? rc : respond(req, resp, &t);
}
