/* POST /api/v1/cs/sessions/{id}/escalate: a manual escalation. The target must be a
 * tier above the current one (AI_MANAGER or HUMAN_AGENT) that the company's config
 * enables; anything else is CS_004. A resolved session cannot be escalated (CS_003). */
#include "handler.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/notify.h"
#include "cs/session.h"
#include "cs/store.h"

static int check_target(const struct cs_req *req, struct cs_resp *resp, json_object *cfg,
                        const struct cs_session *s, const char *target)
{
    const char *cur = cs_session_tier_name(s->tier);
    struct cs_tier_caps caps;
    int rank = cs_session_tier_rank(target);
    bool ok = rank > (int)s->tier; /* above the current tier: AI_MANAGER or HUMAN_AGENT */
    if (ok) {
        cs_session_tier_caps(cfg, target, &caps);
        ok = caps.enabled;
    }
    if (ok) return CS_OK;
    json_object *d = cs_json_object(req->arena);
    if (d && !cs_json_add_str(d, "currentTier", cur) && !cs_json_add_str(d, "targetTier", target))
        resp->err_details = d;
    return CS_ERR_ESCALATION_TARGET;
}

static int stage(const struct cs_req *req, const char *id, const struct cs_session *s,
                 const char *to, const char *reason)
{
    struct cs_jb b;
    cs_session_event_begin(req, id, s->company_id, s->customer_id, &b);
    cs_jb_str(&b, "fromTier", cs_session_tier_name(s->tier));
    cs_jb_str(&b, "toTier", to);
    cs_jb_str(&b, "reason", reason);
    return cs_session_event_stage(req, "session.escalated", &b);
}

struct escalate {
    const struct cs_req *req;
    struct cs_resp *resp;
    const char *id;
};

/* One round of cs_session_req_modify on the freshly loaded session. */
static int escalate(void *ctx, struct cs_session *s)
{
    const struct escalate *x = ctx;
    const struct cs_req *req = x->req;
    const char *target = cs_json_get_str(req->json, "targetTier");
    const char *reason = cs_json_get_str(req->json, "reason");
    json_object *cfg;
    if (s->status == CS_STATUS_RESOLVED)
        return cs_session_fail(req, x->resp, CS_ERR_SESSION_RESOLVED, "sessionId", x->id);
    int rc = cs_session_req_config(req, x->resp, s->company_id, false, &cfg);
    if (!rc) rc = check_target(req, x->resp, cfg, s, target);
    if (!rc) rc = stage(req, x->id, s, target, reason);
    if (!rc)
        rc = cs_session_escalate(s->doc.body, target, reason, cs_json_get_str(req->json, "notes"),
                                 req->now_ms);
    return rc;
}

CS_HANDLER(fn_cs_escalate)
{
    const char *id = cs_req_param(req, "id");
    struct cs_session sess;
    struct escalate x = {.req = req, .resp = resp, .id = id};
    int rc = cs_session_req_modify(req, resp, id, escalate, &x, &sess);
    if (rc) return rc;
    json_object *h = NULL;
    json_object_object_get_ex(sess.doc.body, "escalationHistory", &h);
    struct cs_jb s, o;
    cs_jb_init(&s, json_object_new_object());
    cs_jb_str(&s, "id", id);
    /* cs_session_escalate wrote both from the name tables. */
    cs_jb_str(&s, "currentTier", cs_json_get_str(req->json, "targetTier"));
    cs_jb_str(&s, "status", cs_session_status_name(CS_STATUS_ESCALATED));
    cs_jb_add(&s, "escalationHistory", json_object_get(h));
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_nest(&o, "session", &s);
    cs_jb_bool(&o, "success", true);
    if ((rc = cs_jb_done(&o))) return rc;
    return cs_family_ok(CS_FAMILY_SESSIONS, req, resp, 200, o.obj);
}
