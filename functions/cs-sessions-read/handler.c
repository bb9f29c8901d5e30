/* GET /api/v1/cs/sessions/{id} and GET /api/v1/cs/sessions?companyId=...&status=&tier=
 * &customerId=&startDate=&endDate=&limit=&offset= (newest first, with total). Another
 * tenant's session reads as not found: every store call is scoped by the token's tenant. */
#include "handler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/session.h"
#include "cs/store.h"

#define LIST_DEFAULT 50
#define LIST_MAX 200

static int get_one(const struct cs_req *req, struct cs_resp *resp, const char *id)
{
    struct cs_session s;
    int rc = cs_session_load(req->store, req->arena, req->auth.tenant, id, &s);
    if (rc) return cs_session_load_fail(req, resp, rc, &s, id);
    json_object *v = cs_session_view(req->arena, s.doc.id, s.doc.body);
    return v ? cs_family_ok(CS_FAMILY_SESSIONS, req, resp, 200, v) : CS_ERR_NOMEM;
}

static int bad_query(const struct cs_req *req, struct cs_resp *resp, const char *name,
                     const char *msg)
{
    resp->err_message = msg;
    return cs_session_fail(req, resp, CS_ERR_BAD_REQUEST, "parameter", name);
}

static int int_param(const struct cs_req *req, struct cs_resp *resp, const char *name, int64_t dflt,
                     int64_t min, int64_t max, int64_t *out)
{
    const char *s = cs_req_query(req, name);
    *out = dflt;
    if (!s) return CS_OK;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return bad_query(req, resp, name,
                         cs_arena_printf(req->arena, "%s must be an integer from %lld to %lld",
                                         name, (long long)min, (long long)max));
    *out = v;
    return CS_OK;
}

static int enum_filter(const struct cs_req *req, struct cs_resp *resp, struct cs_query *q,
                       const char *param, const char *field, const char *const *set)
{
    const char *v = cs_req_query(req, param);
    if (!v) return CS_OK;
    if (set && !cs_session_enum_ok(set, v))
        return bad_query(req, resp, param, cs_arena_printf(req->arena, "Unknown %s", param));
    return cs_query_where(q, field, CS_OP_EQ, cs_val_str(v));
}

static int date_filter(const struct cs_req *req, struct cs_resp *resp, struct cs_query *q,
                       const char *param, enum cs_op op)
{
    const char *v = cs_req_query(req, param);
    int64_t ms;
    if (!v) return CS_OK;
    if (cs_time_parse_iso(v, &ms))
        return bad_query(req, resp, param,
                         cs_arena_printf(req->arena, "%s must be an ISO 8601 date", param));
    /* A bare date as endDate means the whole day. */
    if (op == CS_OP_LTE && strlen(v) == 10) ms += 86400000LL - 1;
    return cs_query_where(q, "_created", op, cs_val_int(ms));
}

static int build_query(const struct cs_req *req, struct cs_resp *resp, const char *company,
                       struct cs_query *q)
{
    memset(q, 0, sizeof(*q));
    int rc = cs_query_where(q, "companyId", CS_OP_EQ, cs_val_str(company));
    if (!rc) rc = enum_filter(req, resp, q, "status", "status", cs_session_statuses);
    if (!rc) rc = enum_filter(req, resp, q, "tier", "currentTier", cs_session_tiers);
    if (!rc) rc = enum_filter(req, resp, q, "customerId", "customerId", NULL);
    if (!rc) rc = enum_filter(req, resp, q, "channel", "channel", cs_session_channels);
    if (!rc) rc = date_filter(req, resp, q, "startDate", CS_OP_GTE);
    if (!rc) rc = date_filter(req, resp, q, "endDate", CS_OP_LTE);
    if (!rc) rc = int_param(req, resp, "limit", LIST_DEFAULT, 1, LIST_MAX, &q->limit);
    if (!rc) rc = int_param(req, resp, "offset", 0, 0, 1000000, &q->offset);
    q->sort = "_created";
    q->desc = true;
    q->want_total = true;
    return rc;
}

static int list(const struct cs_req *req, struct cs_resp *resp)
{
    const char *company = cs_req_query(req, "companyId");
    if (!company || !*company) return CS_ERR_COMPANY_ID;
    struct cs_query q;
    int rc = build_query(req, resp, company, &q);
    struct cs_doc_list l = {0};
    if (!rc) rc = cs_store_find(req->store, req->arena, req->auth.tenant, CS_SESSIONS_COLL, &q, &l);
    if (rc) return rc;
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    json_object *arr = json_object_new_array();
    cs_jb_add(&o, "sessions", arr);
    rc = cs_jb_done(&o); /* arr is o's from here */
    for (size_t i = 0; !rc && i < l.n; i++) {
        /* The view is the arena's; the array takes a reference of its own. */
        json_object *v = json_object_get(cs_session_view(req->arena, l.docs[i].id, l.docs[i].body));
        if (!v || json_object_array_add(arr, v)) {
            json_object_put(v);
            rc = CS_ERR_NOMEM;
        }
    }
    cs_jb_int(&o, "total", l.total);
    cs_jb_int(&o, "limit", q.limit);
    cs_jb_int(&o, "offset", q.offset);
    if (!rc) rc = cs_jb_done(&o);
    if (!rc) rc = cs_family_ok(CS_FAMILY_SESSIONS, req, resp, 200, o.obj);
    return rc;
}

CS_HANDLER(fn_cs_sessions_read)
{
    const char *id = cs_req_param(req, "id");
    return id ? get_one(req, resp, id) : list(req, resp);
}
