/* POST /api/v1/cs/sessions/{id}/messages: one customer message through the session
 * message path (cs_session_turn_apply: sentiment, irate protocol and refund limits, the
 * current tier's reply), stored with the AI's answer in one versioned update. Concurrent
 * writers re-read and retry on a version conflict, so no message is lost; the decision
 * and the reply are recomputed on the fresh session, because a concurrent message may
 * have escalated it. */
#include "handler.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/sentiment.h"
#include "cs/session.h"
#include "cs/store.h"

struct msg {
    const struct cs_req *req;
    struct cs_resp *resp;
    const char *session_id;
    const char *text;
    const char *ts;
    struct cs_sentiment sent;
    struct cs_money_ask ask;
    json_object *cfg;
    struct cs_session_topic topic; /* the first message's triage, once per request */
    /* per attempt */
    struct cs_session s;
    struct cs_session_turn turn;
};

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return false;
    return true;
}

static int check_open(const struct cs_req *req, struct cs_resp *resp, struct msg *t)
{
    if (t->s.status == CS_STATUS_RESOLVED)
        return cs_session_fail(req, resp, CS_ERR_SESSION_RESOLVED, "sessionId", t->session_id);
    if (json_object_array_length(t->s.messages) + 2 > CS_SESSION_MAX_MESSAGES) {
        resp->err_message = "Session has reached its message limit";
        return cs_session_fail(req, resp, CS_ERR_MESSAGE_CONTENT, "sessionId", t->session_id);
    }
    return CS_OK;
}

/* One round of cs_session_req_modify on the freshly loaded session t->s. */
static int turn(void *ctx, struct cs_session *s)
{
    struct msg *t = ctx;
    const struct cs_req *req = t->req;
    if (!t->cfg) {
        int rc = cs_session_req_config(req, t->resp, s->company_id, true, &t->cfg);
        if (rc) return rc;
    }
    int rc = check_open(req, t->resp, t);
    if (!rc)
        rc = cs_session_turn_apply(req, t->cfg, s, t->text, &t->sent, &t->ask, t->ts, &t->topic,
                                   &t->turn);
    return rc;
}

static int respond(const struct cs_req *req, struct cs_resp *resp, struct msg *t)
{
    json_object *body = t->s.doc.body;
    const struct cs_decision *dec = &t->turn.dec;
    struct cs_jb o, u, e;
    cs_jb_init(&u, json_object_new_object());
    cs_jb_str(&u, "customerSentiment", cs_json_get_str(body, "customerSentiment"));
    cs_jb_str(&u, "issueSummary", cs_json_get_str(body, "issueSummary"));
    cs_jb_str(&u, "currentTier", cs_session_tier_name(t->s.tier));
    cs_jb_str(&u, "status", cs_session_status_name(t->s.status));
    if (dec->reason) {
        cs_jb_init(&e, json_object_new_object());
        cs_jb_str(&e, "fromTier", t->turn.from_tier);
        cs_jb_str(&e, "toTier", dec->target);
        cs_jb_str(&e, "reason", dec->reason);
        cs_jb_nest(&u, "escalation", &e);
    }
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_nest(&o, "sessionUpdate", &u);
    cs_jb_add(&o, "customerMessage", json_object_get(t->turn.customer_msg));
    cs_jb_add(&o, "aiResponse", json_object_get(t->turn.ai_msg));
    int rc = cs_jb_done(&o);
    if (!rc) rc = cs_family_ok(CS_FAMILY_SESSIONS, req, resp, 201, o.obj);
    return rc;
}

CS_HANDLER(fn_cs_messages)
{
    struct msg t;
    memset(&t, 0, sizeof(t));
    t.req = req;
    t.resp = resp;
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
    rc = cs_session_req_modify(req, resp, t.session_id, turn, &t, &t.s);
    return rc ? rc : respond(req, resp, &t);
}
