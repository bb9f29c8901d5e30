/* POST /api/v1/cs/sessions: a new session at the AI rep tier. An initial message is the
 * conversation's first message: the session message path answers it (the AI rep's reply
 * is the second message) and applies every rule, escalation included. */
#include "handler.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/notify.h"
#include "cs/reporting.h"
#include "cs/sentiment.h"
#include "cs/session.h"
#include "cs/store.h"

#define REPEAT_WINDOW_MS (7 * 86400000LL)

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return false;
    return true;
}

static const char *new_id(const struct cs_req *req)
{
    unsigned char r[12];
    req->env->random(r, sizeof(r));
    char hex[25];
    for (size_t i = 0; i < sizeof(r); i++) {
        static const char digits[] = "0123456789abcdef";
        hex[2 * i] = digits[r[i] >> 4];
        hex[2 * i + 1] = digits[r[i] & 15];
    }
    hex[24] = '\0';
    return cs_arena_printf(req->arena, "sess_%s", hex);
}

/* Earlier sessions of this customer with this company in the last week. */
static int repeat_contacts(const struct cs_req *req, const char *company, const char *customer,
                           int64_t *n)
{
    struct cs_filter f[] = {
        {"companyId", CS_OP_EQ, cs_val_str(company)},
        {"customerId", CS_OP_EQ, cs_val_str(customer)},
        {"_created", CS_OP_GTE, cs_val_int(req->now_ms - REPEAT_WINDOW_MS)},
    };
    return cs_store_count(req->store, req->auth.tenant, CS_SESSIONS_COLL, f, 3, n);
}

static void context_of(const struct cs_req *req, int64_t repeats, struct cs_jb *ctx)
{
    json_object *meta = NULL, *cust = NULL;
    json_object_object_get_ex(req->json, "metadata", &meta);
    cs_jb_init(ctx, json_object_new_object());
    /* The seed's context.customer arrives with the caller's metadata. */
    if (meta && json_object_object_get_ex(meta, "customer", &cust) &&
        json_object_is_type(cust, json_type_object))
        cs_jb_add(ctx, "customer", json_object_get(cust));
    cs_jb_int(ctx, "repeatContacts", repeats);
}

/* The initial message is a message: it goes through the same path as POST
 * /sessions/{id}/messages (cs_session_turn_apply), so the tier answers it and every
 * rule (irate protocol, refund limits, escalation) runs on it. */
static int first_message(const struct cs_req *req, json_object *cfg, const char *id,
                         json_object *body, const char *text, const char *ts,
                         struct cs_session_topic *topic)
{
    struct cs_sentiment sent;
    struct cs_money_ask ask;
    if (cs_sentiment_analyze(req->env->models, text, strlen(text), &sent))
        return CS_ERR_AI_UNAVAILABLE;
    cs_session_money_ask(text, &ask);
    struct cs_doc d = {.id = id, .body = body};
    struct cs_session s;
    struct cs_session_turn turn;
    int rc = cs_session_parse(&d, &s);
    if (!rc) rc = cs_session_turn_apply(req, cfg, &s, text, &sent, &ask, ts, topic, &turn);
    /* The session's reporting chat, written with its insert (as cs_session_modify
     * stages it for every later change). */
    if (!rc) rc = cs_rp_chat_stage(req->store, req->arena, req->auth.tenant, id, s.doc.body);
    return rc;
}

/* The client's issueCategory; without one, the initial message's triage may give one
 * (cs_session_topic_triage), stored where a client's would be. */
static int category_of(const struct cs_req *req, const char *text, struct cs_session_topic *topic,
                       const char **out)
{
    *out = cs_json_get_str(req->json, "issueCategory");
    if (*out || !text || blank(text)) return CS_OK;
    int rc = cs_session_topic_triage(req, text, topic);
    *out = topic->code;
    return rc;
}

static int build(const struct cs_req *req, json_object *cfg, const char *id, int64_t repeats,
                 json_object **out)
{
    const char *text = cs_json_get_str(req->json, "initialMessage"), *category;
    struct cs_session_topic topic = {0};
    int rc = category_of(req, text, &topic, &category);
    if (rc) return rc;
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_Z, ts);
    struct cs_jb b, stats, ctx;
    /* Numbers the analytics aggregate in the store (first in the document, as ever). */
    cs_jb_init(&stats, json_object_new_object());
    cs_jb_int(&stats, "createdMs", req->now_ms);
    cs_jb_int(&stats, "resolved", 0);
    cs_jb_int(&stats, "escalations", 0);
    cs_jb_int(&stats, "messageCount", 0);
    cs_jb_int(&stats, "satisfaction", 3);
    json_object *meta = NULL;
    json_object_object_get_ex(req->json, "metadata", &meta);
    cs_jb_init(&b, cs_json_object(req->arena));
    cs_jb_nest(&b, "stats", &stats);
    cs_jb_str(&b, "companyId", cs_json_get_str(req->json, "companyId"));
    cs_jb_str(&b, "customerId", cs_json_get_str(req->json, "customerId"));
    cs_jb_str(&b, "channel", cs_json_get_str(req->json, "channel"));
    cs_jb_str(&b, "currentTier", cs_session_tier_name(CS_TIER_AI_REP));
    cs_jb_str(&b, "status", cs_session_status_name(CS_STATUS_ACTIVE));
    if (category) cs_jb_str(&b, "issueCategory", category);
    cs_jb_str(&b, "customerSentiment", "NEUTRAL");
    cs_jb_add(&b, "sentimentHistory", json_object_new_array());
    cs_jb_add(&b, "escalationHistory", json_object_new_array());
    cs_jb_add(&b, "messages", json_object_new_array());
    context_of(req, repeats, &ctx);
    cs_jb_nest(&b, "context", &ctx);
    if (meta) cs_jb_add(&b, "metadata", json_object_get(meta));
    cs_jb_str(&b, "createdAt", ts);
    cs_jb_str(&b, "updatedAt", ts);
    rc = cs_jb_done(&b);
    if (!rc && text && !blank(text)) rc = first_message(req, cfg, id, b.obj, text, ts, &topic);
    *out = b.obj;
    return rc;
}

static int announce(const struct cs_req *req, const char *id, const char *company,
                    const char *customer)
{
    struct cs_jb b;
    cs_session_event_begin(req, id, company, customer, &b);
    cs_jb_str(&b, "channel", cs_json_get_str(req->json, "channel"));
    cs_jb_str(&b, "tier", cs_session_tier_name(CS_TIER_AI_REP));
    return cs_session_event_stage(req, "session.created", &b);
}

CS_HANDLER(fn_cs_sessions_create)
{
    const char *company = cs_json_get_str(req->json, "companyId");
    json_object *cfg, *body = NULL;
    int rc = cs_session_req_config(req, resp, company, true, &cfg);
    const char *text = cs_json_get_str(req->json, "initialMessage");
    if (!rc && text && blank(text) && *text)
        rc = cs_session_fail(req, resp, CS_ERR_MESSAGE_CONTENT, "field", "initialMessage");
    int64_t repeats = 0;
    if (!rc) rc = repeat_contacts(req, company, cs_json_get_str(req->json, "customerId"), &repeats);
    const char *id = new_id(req);
    if (!rc && !id) rc = CS_ERR_NOMEM;
    /* session.created is staged before the message path may stage session.escalated. */
    if (!rc) rc = announce(req, id, company, cs_json_get_str(req->json, "customerId"));
    if (!rc) rc = build(req, cfg, id, repeats, &body);
    struct cs_doc d;
    if (!rc)
        rc = cs_store_insert(req->store, req->arena, req->auth.tenant, CS_SESSIONS_COLL, id, body,
                             NULL, req->now_ms, &d);
    json_object *view = rc ? NULL : cs_session_view(req->arena, id, body);
    if (!rc && !view) rc = CS_ERR_NOMEM;
    if (!rc) rc = cs_family_ok(CS_FAMILY_SESSIONS, req, resp, 201, view);
    return rc;
}
