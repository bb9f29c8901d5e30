/* POST /api/v1/cs/sessions/abandon-idle {"idleMinutes": 30, "limit": 100}: every open
 * session (not RESOLVED, not ABANDONED) of the caller's tenant untouched for idleMinutes
 * becomes ABANDONED, announcing session.abandoned in the same store write. A session
 * that a message moved meanwhile (version conflict) is re-read and left alone when it is
 * no longer idle, so a sweep never abandons a conversation that just came back. */
#include "handler.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/log.h"
#include "cs/notify.h"
#include "cs/session.h"
#include "cs/store.h"

#define DEFAULT_IDLE_MIN 30
#define DEFAULT_LIMIT 100

static bool idle(const struct cs_session *s, int64_t cutoff)
{
    return s->doc.updated_ms <= cutoff && s->status != CS_STATUS_RESOLVED &&
           s->status != CS_STATUS_ABANDONED;
}

static int stage(const struct cs_req *req, const struct cs_session *s, int64_t idle_s)
{
    struct cs_jb b;
    cs_session_event_begin(req, s->doc.id, s->company_id, s->customer_id, &b);
    cs_jb_str(&b, "tier", cs_session_tier_name(s->tier));
    cs_jb_int(&b, "idleSeconds", idle_s);
    return cs_session_event_stage(req, "session.abandoned", &b);
}

struct abandon {
    const struct cs_req *req;
    int64_t cutoff;
    const char *ts;
    bool done;
};

/* One round of cs_session_modify: abandons the freshly loaded session if still idle. */
static int abandon(void *ctx, struct cs_session *s)
{
    struct abandon *x = ctx;
    const struct cs_req *req = x->req;
    x->done = false;
    if (!idle(s, x->cutoff)) return CS_STORE_UNCHANGED;
    int rc = stage(req, s, (req->now_ms - s->doc.updated_ms) / 1000);
    if (!rc) rc = cs_session_set_status(s, CS_STATUS_ABANDONED);
    if (!rc) rc = cs_json_add_str(s->doc.body, "updatedAt", x->ts);
    x->done = rc == CS_OK;
    return rc;
}

/* Abandons one session if it is still idle; *done says whether it was. */
static int abandon_one(const struct cs_req *req, const char *id, int64_t cutoff, bool *done)
{
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_Z, ts);
    struct abandon x = {.req = req, .cutoff = cutoff, .ts = ts};
    struct cs_session s;
    int load_rc;
    int rc = cs_session_modify(req->store, req->arena, req->auth.tenant, id, req->now_ms, abandon,
                               &x, &s, &load_rc);
    *done = rc == CS_OK && x.done;
    if (rc == CS_ERR_SESSION_NOT_FOUND) return CS_OK;
    if (load_rc == CS_ERR_SESSION_CORRUPT || load_rc == CS_ERR_SESSION_ID) {
        /* One broken document must not stop the sweep for the tenant's others. */
        cs_log(CS_LOG_WARN, "stored session malformed, not abandoned", "sessionId", id, "field",
               s.bad_field ? s.bad_field : "id", NULL);
        return CS_OK;
    }
    return rc;
}

CS_HANDLER(fn_cs_abandon)
{
    int64_t idle_min = cs_json_get_int(req->json, "idleMinutes", DEFAULT_IDLE_MIN);
    int64_t cutoff = req->now_ms - idle_min * 60000;
    struct cs_query q = {.sort = "_updated",
                         .limit = cs_json_get_int(req->json, "limit", DEFAULT_LIMIT)};
    int rc = cs_query_where(&q, "status", CS_OP_NE,
                            cs_val_str(cs_session_status_name(CS_STATUS_RESOLVED)));
    if (!rc)
        rc = cs_query_where(&q, "status", CS_OP_NE,
                            cs_val_str(cs_session_status_name(CS_STATUS_ABANDONED)));
    if (!rc) rc = cs_query_where(&q, "_updated", CS_OP_LTE, cs_val_int(cutoff));
    struct cs_doc_list l = {0};
    if (!rc) rc = cs_store_find(req->store, req->arena, req->auth.tenant, CS_SESSIONS_COLL, &q, &l);
    if (rc) return rc;
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    json_object *ids = json_object_new_array();
    cs_jb_add(&o, "sessionIds", ids);
    rc = cs_jb_done(&o); /* ids is o's from here */
    int64_t n = 0;
    for (size_t i = 0; !rc && i < l.n; i++) {
        bool done;
        rc = abandon_one(req, l.docs[i].id, cutoff, &done);
        if (!rc && done) {
            n++;
            /* Checked: a failed string would list null for a session already abandoned. */
            json_object *id = json_object_new_string(l.docs[i].id);
            if (!id || json_object_array_add(ids, id)) {
                json_object_put(id);
                rc = CS_ERR_NOMEM;
            }
        }
    }
    cs_jb_int(&o, "abandoned", n);
    cs_jb_int(&o, "idleMinutes", idle_min);
    if (!rc) rc = cs_jb_done(&o);
    if (!rc) rc = cs_family_ok(CS_FAMILY_SESSIONS, req, resp, 200, o.obj);
    return rc;
}
