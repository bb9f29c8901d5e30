/* POST /api/v1/cs/sessions/{id}/resolve: records the resolution; a resolved session is
 * final (CS_003 on a second resolve, and it refuses messages). */
#include "handler.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/notify.h"
#include "cs/session.h"
#include "cs/store.h"

static json_object *resolution(const struct cs_req *req)
{
    json_object *acts = NULL;
    const char *summary = cs_json_get_str(req->json, "summary");
    struct cs_jb r;
    cs_jb_init(&r, json_object_new_object());
    cs_jb_str(&r, "type", cs_json_get_str(req->json, "resolutionType"));
    if (summary) cs_jb_str(&r, "summary", summary);
    if (json_object_object_get_ex(req->json, "actionsTaken", &acts))
        cs_jb_add(&r, "actionsTaken", json_object_get(acts));
    cs_jb_bool(&r, "followUpRequired", cs_json_get_bool(req->json, "followUpRequired", false));
    if (cs_jb_done(&r)) {
        json_object_put(r.obj);
        return NULL;
    }
    return r.obj;
}

static int mark(const struct cs_req *req, struct cs_session *sess, const char *ts)
{
    json_object *s = sess->stats, *body = sess->doc.body;
    int64_t created = cs_json_get_int(s, "createdMs", req->now_ms);
    int rc = cs_session_set_status(sess, CS_STATUS_RESOLVED);
    if (rc) return rc;
    struct cs_jb b, st;
    cs_jb_init(&b, body);
    cs_jb_add(&b, "resolution", resolution(req));
    cs_jb_str(&b, "resolvedAt", ts);
    cs_jb_str(&b, "updatedAt", ts);
    if ((rc = cs_jb_done(&b))) return rc;
    cs_jb_init(&st, s);
    cs_jb_int(&st, "resolved", 1);
    cs_jb_int(&st, "resolutionSeconds", (req->now_ms - created) / 1000);
    return cs_jb_done(&st);
}

static int stage(const struct cs_req *req, const char *id, const struct cs_session *s)
{
    struct cs_jb b;
    cs_session_event_begin(req, id, s->company_id, s->customer_id, &b);
    cs_jb_str(&b, "tier", cs_session_tier_name(s->tier));
    cs_jb_str(&b, "resolutionType", cs_json_get_str(req->json, "resolutionType"));
    return cs_session_event_stage(req, "session.resolved", &b);
}

struct resolve {
    const struct cs_req *req;
    struct cs_resp *resp;
    const char *id;
    const char *ts;
};

/* One round of cs_session_req_modify on the freshly loaded session. */
static int resolve(void *ctx, struct cs_session *s)
{
    const struct resolve *x = ctx;
    if (s->status == CS_STATUS_RESOLVED)
        return cs_session_fail(x->req, x->resp, CS_ERR_SESSION_RESOLVED, "sessionId", x->id);
    int rc = stage(x->req, x->id, s);
    if (!rc) rc = mark(x->req, s, x->ts);
    return rc;
}

CS_HANDLER(fn_cs_resolve)
{
    const char *id = cs_req_param(req, "id");
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_Z, ts);
    struct cs_session sess;
    struct resolve x = {.req = req, .resp = resp, .id = id, .ts = ts};
    int rc = cs_session_req_modify(req, resp, id, resolve, &x, &sess);
    if (rc) return rc;
    json_object *r = NULL;
    json_object_object_get_ex(sess.doc.body, "resolution", &r);
    struct cs_jb s, o;
    cs_jb_init(&s, json_object_new_object());
    cs_jb_str(&s, "id", id);
    cs_jb_str(&s, "status", cs_session_status_name(sess.status));
    cs_jb_add(&s, "resolution", json_object_get(r));
    cs_jb_str(&s, "resolvedAt", ts);
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_nest(&o, "session", &s);
    cs_jb_bool(&o, "success", true);
    if ((rc = cs_jb_done(&o))) return rc;
    return cs_family_ok(CS_FAMILY_SESSIONS, req, resp, 200, o.obj);
}
