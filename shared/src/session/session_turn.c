/* One customer message applied to a session: THE message path, shared by POST
 * /sessions/{id}/messages and by POST /sessions's initialMessage, so both run every rule.
 * The message is stored with its sentiment, the irate protocol and refund limits decide
 * (cs_session_decide), an escalation is recorded and announced (staged for the caller's
 * store write), the session's tier answers (cs_session_reply) and the summary follows. */
#include "cs/session.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cs/ai.h"
#include "cs/arena.h"
#include "cs/cues.h"
#include "cs/env.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/events.h"
#include "cs/notify.h"
#include "cs/reporting.h"

#define HISTORY_TURNS 10

struct turn {
    const struct cs_req *req;
    json_object *cfg;
    struct cs_session *s;
    const char *text, *ts;
    const struct cs_sentiment *sent;
    const struct cs_money_ask *ask;
    struct cs_session_turn *out;
};

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

static void state_of(const struct cs_session *s, struct cs_session_state *st)
{
    json_object *ctx = NULL, *cust = NULL, *body = s->doc.body;
    json_object_object_get_ex(body, "context", &ctx);
    if (ctx) json_object_object_get_ex(ctx, "customer", &cust);
    st->tier = cs_session_tier_name(s->tier);
    st->irate_attempts = (int)cs_json_get_int(s->stats, "irateAttempts", 0);
    st->vip = cs_json_get_bool(cust, "isVIP", false);
    st->repeat_contacts = (int)cs_json_get_int(ctx, "repeatContacts", 0);
    st->ai_replies = (int)(cs_json_get_int(s->stats, "messageCount", 0) -
                           cs_json_get_int(s->stats, "customerMessages", 0));
    st->stated_contacts = stated_contacts(body);
}

/* The phrase behind a drop in sentiment: the cue the scanner found, else the decision's. */
static const char *trigger_of(const struct turn *t, struct cs_arena *a)
{
    const char *prev = cs_json_get_str(t->s->doc.body, "customerSentiment");
    int prev_level = prev ? cs_sentiment_level_parse(prev) : CS_SENT_NEUTRAL;
    const struct cs_decision *dec = &t->out->dec;
    if ((int)t->sent->level <= prev_level && !dec->irate) return NULL;
    const struct cs_sentiment *s = t->sent;
    if (s->cues.cue_len > 0 && s->cues.cue_off + s->cues.cue_len <= strlen(t->text))
        return cs_arena_strndup(a, t->text + s->cues.cue_off, s->cues.cue_len);
    return dec->trigger;
}

static const char *next_id(struct cs_arena *a, const struct cs_session *s)
{
    return cs_arena_printf(a, "msg_%zu", json_object_array_length(s->messages) + 1);
}

/* sentiment_alert for an ANGRY/IRATE message or one below the tenant's threshold
 * (cs/events.h), staged so the session update writes it. Ids only: no message text. */
static int stage_sentiment_alert(struct turn *t, const char *message_id)
{
    const struct cs_req *req = t->req;
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_str(&d, "source", "session_message");
    cs_jb_str(&d, "sessionId", t->s->doc.id);
    cs_jb_str(&d, "companyId", t->s->company_id);
    cs_jb_str(&d, "customerId", t->s->customer_id);
    cs_jb_str(&d, "messageId", message_id);
    int rc = cs_jb_done(&d);
    if (rc) return rc;
    return cs_events_sentiment_check(req->store, req->arena, req->auth.tenant, d.obj,
                                     t->sent->level_name, t->sent->score, req->now_ms, NULL);
}

static int add_customer_message(struct turn *t)
{
    struct cs_arena *a = t->req->arena;
    json_object *body = t->s->doc.body;
    const char *trigger = trigger_of(t, a), *id = next_id(a, t->s);
    if (!id) return CS_ERR_NOMEM; /* not a message stored with a null id */
    struct cs_jb mb, hb;
    cs_jb_init(&mb, json_object_new_object());
    cs_jb_init(&hb, json_object_new_object());
    cs_jb_str(&mb, "id", id);
    cs_jb_str(&mb, "role", "customer");
    cs_jb_str(&mb, "content", t->text);
    cs_jb_str(&mb, "timestamp", t->ts);
    cs_jb_str(&mb, "sentiment", t->sent->level_name);
    cs_jb_str(&hb, "sentiment", t->sent->level_name);
    cs_jb_double(&hb, "score", t->sent->score, 3);
    cs_jb_str(&hb, "timestamp", t->ts);
    if (trigger) cs_jb_str(&hb, "trigger", trigger);
    int rc = cs_jb_done(&mb);
    if (!rc) rc = cs_jb_done(&hb);
    if (rc) {
        json_object_put(mb.obj);
        json_object_put(hb.obj);
        return rc;
    }
    json_object *m = mb.obj, *h = hb.obj;
    t->out->customer_msg = m;
    rc = stage_sentiment_alert(t, cs_json_get_str(m, "id"));
    if (!rc) rc = cs_session_push(body, "messages", json_object_get(m));
    if (!rc) rc = cs_json_own(a, m);
    if (!rc) rc = cs_session_push(body, "sentimentHistory", h);
    if (!rc) rc = cs_json_add_str(body, "customerSentiment", t->sent->level_name);
    return rc;
}

/* Sentiment and irate figures the analytics sum. */
static int update_stats(struct turn *t)
{
    json_object *s = t->s->stats;
    const struct cs_decision *dec = &t->out->dec;
    double score = t->sent->score;
    int64_t customer = cs_json_get_int(s, "customerMessages", 0) + 1;
    struct cs_jb b;
    cs_jb_init(&b, s);
    cs_jb_int(&b, "customerMessages", customer);
    cs_jb_int(&b, "messageCount", cs_json_get_int(s, "messageCount", 0) + 2);
    cs_jb_int(&b, "satisfaction", cs_session_satisfaction((int)t->sent->level));
    if (!json_object_object_get_ex(s, "firstScore", NULL)) cs_jb_double(&b, "firstScore", score, 4);
    double first = cs_json_get_double(s, "firstScore", score);
    if (customer >= 2) cs_jb_int(&b, "sentimentImproved", score > first + 0.05);
    /* An incident is a run of irate messages; attempts count the AI's replies to it. */
    bool was_irate = cs_json_get_bool(s, "lastIrate", false);
    if (dec->irate && !was_irate)
        cs_jb_int(&b, "irateIncidents", cs_json_get_int(s, "irateIncidents", 0) + 1);
    cs_jb_bool(&b, "lastIrate", dec->irate);
    cs_jb_int(&b, "irateAttempts", dec->irate_attempts);
    return cs_jb_done(&b);
}

static int escalate(struct turn *t)
{
    const struct cs_req *req = t->req;
    const struct cs_decision *dec = &t->out->dec;
    char notes[160];
    snprintf(notes, sizeof(notes), "Automatic escalation (%s)%s%s", dec->reason,
             dec->trigger ? ": " : "", dec->trigger ? dec->trigger : "");
    struct cs_jb b;
    cs_session_event_begin(req, t->s->doc.id, t->s->company_id, t->s->customer_id, &b);
    cs_jb_str(&b, "fromTier", t->out->from_tier);
    cs_jb_str(&b, "toTier", dec->target);
    cs_jb_str(&b, "reason", dec->reason);
    int rc = cs_session_event_stage(req, "session.escalated", &b);
    if (!rc)
        rc = cs_session_escalate(t->s->doc.body, dec->target, dec->reason,
                                 cs_arena_strdup(req->arena, notes), req->now_ms);
    int rank = cs_session_tier_rank(dec->target);
    if (!rc && rank >= 0) t->s->tier = (enum cs_session_tier_id)rank;
    if (!rc) t->s->status = CS_STATUS_ESCALATED;
    return rc;
}

/* The last turns before this message, oldest first, for the reply generator. A stored
 * message without a role or content is left out: it came back from the store. */
static size_t history(const struct cs_session *s, struct cs_reply_turn *out, size_t cap)
{
    size_t n = json_object_array_length(s->messages), start = n > cap + 1 ? n - cap - 1 : 0, k = 0;
    for (size_t i = start; i + 1 < n && k < cap; i++) {
        json_object *x = json_object_array_get_idx(s->messages, i);
        struct cs_reply_turn r = {cs_json_get_str(x, "role"), cs_json_get_str(x, "content")};
        if (r.role && r.content) out[k++] = r;
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

/* NULL on failure: a message stored without one of its actions would go unnoticed. */
static json_object *string_array(const char *const *items, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < n; i++) {
        json_object *s = json_object_new_string(items[i]);
        if (!s || json_object_array_add(a, s)) {
            json_object_put(s);
            json_object_put(a);
            a = NULL;
        }
    }
    return a;
}

static int metadata(const struct cs_reply *r, const char *const *taken, size_t ntaken,
                    json_object **out)
{
    struct cs_jb md, tok;
    cs_jb_init(&md, json_object_new_object());
    cs_jb_init(&tok, json_object_new_object());
    cs_jb_bool(&md, "aiGenerated", r->model != NULL);
    if (r->model) cs_jb_str(&md, "model", r->model);
    cs_jb_int(&tok, "input", r->tokens_in);
    cs_jb_int(&tok, "output", r->tokens_out);
    cs_jb_nest(&md, "tokens", &tok);
    cs_jb_int(&md, "latencyMs", (int64_t)(r->latency_ms + 0.5));
    cs_jb_add(&md, "actionsTaken", string_array(taken, ntaken));
    cs_jb_add(&md, "suggestedActions", string_array(r->actions, r->nactions));
    int rc = cs_jb_done(&md);
    if (rc) json_object_put(md.obj);
    *out = rc ? NULL : md.obj;
    return rc;
}

static const char *category_label(const char *c)
{
    static const char *const map[][2] = {{"BILLING", "Billing"},
                                         {"SHIPPING", "Shipping"},
                                         {"PRODUCT_QUALITY", "Product quality"},
                                         {"SUBSCRIPTION", "Subscription"},
                                         {"REFUND", "Refund"},
                                         {"TECHNICAL", "Technical"},
                                         {"ACCOUNT", "Account"},
                                         {"GENERAL_INQUIRY", "General"},
                                         {"COMPLAINT", "Complaint"},
                                         {"CANCELLATION", "Cancellation"}};
    for (size_t i = 0; c && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], c) == 0) return map[i][1];
    return "General";
}

/* "shipping", "product quality": how a reply names the topic. */
static const char *topic(struct cs_arena *a, const char *category, const struct cs_money_ask *ask)
{
    if (!category)
        return ask->refund ? "refund request" : ask->credit ? "credit request" : "request";
    char *s = cs_arena_strdup(a, category_label(category));
    for (char *p = s; p && *p; p++) *p = (char)tolower((unsigned char)*p);
    return s;
}

/* The answering tier's reply; a human tier gets a hand-off note, not an AI answer. */
static int answer(struct turn *t, const char **role, struct cs_reply *r)
{
    const struct cs_req *req = t->req;
    memset(r, 0, sizeof(*r));
    if (t->s->tier == CS_TIER_HUMAN_AGENT) {
        *role = "system";
        r->content = "Thank you. Your conversation is with our customer care team now; a member "
                     "of the team will reply here shortly.";
        return CS_OK;
    }
    *role = t->s->tier == CS_TIER_AI_MANAGER ? "ai_manager" : "ai_rep";
    struct cs_tier_caps caps;
    cs_session_tier_caps(t->cfg, cs_session_tier_name(t->s->tier), &caps);
    struct cs_reply_turn turns[HISTORY_TURNS];
    struct cs_ai_call call;
    cs_ai_call_from_req(req, "session_reply", &call);
    const struct cs_decision *dec = &t->out->dec;
    struct cs_reply_input in = {
        .tier = &caps,
        .history = turns,
        .nhistory = history(t->s, turns, HISTORY_TURNS),
        .message = t->text,
        .sentiment = t->sent,
        .ask = t->ask,
        .refund_allowed = dec->refund_allowed,
        .irate = dec->irate,
        .escalated = dec->reason != NULL,
        .customer_name = customer_name(t->s->doc.body),
        .issue_category =
            topic(req->arena, cs_json_get_str(t->s->doc.body, "issueCategory"), t->ask),
        .category_code = cs_json_get_str(t->s->doc.body, "issueCategory"),
        .ai = &call,
    };
    return cs_session_reply(req->store, req->arena, req->auth.tenant, &in, r);
}

static int add_ai_message(struct turn *t)
{
    const char *role;
    struct cs_reply r;
    int rc = answer(t, &role, &r);
    if (rc) return rc;
    const struct cs_decision *dec = &t->out->dec;
    const char *taken[2];
    size_t ntaken = 0;
    if (dec->reason) taken[ntaken++] = "escalated";
    if (dec->irate) taken[ntaken++] = "irate_protocol";
    const char *id = next_id(t->req->arena, t->s);
    if (!id) return CS_ERR_NOMEM; /* not a message stored with a null id */
    json_object *md = NULL;
    struct cs_jb mb;
    cs_jb_init(&mb, json_object_new_object());
    rc = metadata(&r, taken, ntaken, &md);
    cs_jb_str(&mb, "id", id);
    cs_jb_str(&mb, "role", role);
    cs_jb_str(&mb, "content", r.content);
    cs_jb_str(&mb, "timestamp", t->ts);
    cs_jb_add(&mb, "metadata", md); /* NULL when metadata failed: fails mb */
    if (!rc) rc = cs_jb_done(&mb);
    if (rc) {
        json_object_put(mb.obj);
        return rc;
    }
    json_object *m = mb.obj;
    t->out->ai_msg = m;
    t->out->closing = r.closing;
    rc = cs_session_push(t->s->doc.body, "messages", json_object_get(m));
    if (!rc) rc = cs_json_own(t->req->arena, m);
    return rc;
}

/* A one-line summary a human picking the case up can read at a glance. */
static const char *summary(const struct turn *t)
{
    struct cs_arena *a = t->req->arena;
    const struct cs_money_ask *ask = t->ask;
    const char *what = category_label(cs_json_get_str(t->s->doc.body, "issueCategory"));
    const char *money = "";
    if (ask->refund || ask->credit)
        money = ask->amount > 0 ? cs_arena_printf(a, " - %s request of $%.2f",
                                                  ask->refund ? "refund" : "credit", ask->amount)
                                : (ask->refund ? " - refund request" : " - credit request");
    const char *tier = cs_session_tier_name(t->s->tier);
    if (t->out->dec.reason)
        return cs_arena_printf(a, "%s inquiry%s - escalated to %s (%s)", what, money ? money : "",
                               tier, t->out->dec.reason);
    return cs_arena_printf(a, "%s inquiry%s - handled by %s", what, money ? money : "", tier);
}

int cs_session_turn_apply(const struct cs_req *req, json_object *cfg, struct cs_session *s,
                          const char *text, const struct cs_sentiment *sent,
                          const struct cs_money_ask *ask, const char *ts,
                          struct cs_session_topic *topic, struct cs_session_turn *out)
{
    memset(out, 0, sizeof(*out));
    struct turn t = {req, cfg, s, text, ts, sent, ask, out};
    struct cs_session_state st;
    state_of(s, &st);
    /* Before the message is added: "first" means no customer message yet. */
    int rc = CS_OK;
    if (topic && cs_session_topic_wanted(s)) {
        rc = cs_session_topic_triage(req, text, topic);
        if (!rc && topic->code) rc = cs_json_add_str(s->doc.body, "issueCategory", topic->code);
        if (rc) return rc;
    }
    out->from_tier = cs_session_tier_name(s->tier); /* static: survives the escalation */
    cs_session_decide(cfg, &st, sent, text, ask, &out->dec);
    rc = add_customer_message(&t);
    if (!rc) rc = update_stats(&t);
    if (!rc && out->dec.reason) rc = escalate(&t);
    /* The customer came back: the status the session's tier implies again, ESCALATED
     * above the rep (as escalation sets it, seed 003 "Session Status"), else ACTIVE. */
    if (!rc && s->status == CS_STATUS_ABANDONED)
        rc = cs_session_set_status(s, s->tier == CS_TIER_AI_REP ? CS_STATUS_ACTIVE
                                                                : CS_STATUS_ESCALATED);
    if (!rc) rc = add_ai_message(&t);
    /* The AI rep answered and the turn is the customer's again: seed 003's
     * WAITING_CUSTOMER. A session a higher tier holds stays ESCALATED. */
    if (!rc && s->tier == CS_TIER_AI_REP &&
        (s->status == CS_STATUS_ACTIVE || s->status == CS_STATUS_WAITING_CUSTOMER))
        rc = cs_session_set_status(s, CS_STATUS_WAITING_CUSTOMER);
    if (rc) return rc;
    const char *sum = summary(&t);
    if (!sum) return CS_ERR_NOMEM;
    struct cs_jb b;
    cs_jb_init(&b, s->doc.body);
    cs_jb_str(&b, "issueSummary", sum);
    cs_jb_str(&b, "updatedAt", ts);
    /* The reporting chat is staged by the write round itself (cs_session_modify). */
    return cs_jb_done(&b);
}
