/* GET /api/v1/customer/tickets/{ticket_id}: seed 000's ticket with ai_insights, every
 * figure from the tenant's stored tickets (cs/insights.h says which when data is thin);
 * PATCH the same path: one lifecycle change, stored as an event with its time. */
#include "handler.h"

#include <string.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"

static int ticket_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 128) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
              (id[i] >= '0' && id[i] <= '9') || strchr("-_.:", id[i])))
            return 0;
    return 1;
}

static int not_found(struct cs_resp *resp)
{
    resp->err_code_name = "ticket_not_found";
    resp->err_message = "No ticket with this id";
    return CS_ERR_NOT_FOUND;
}

static int insights_json(const struct cs_req *req, json_object *doc, json_object **out)
{
    struct cs_ticket_insights ti;
    int rc = cs_insights_ticket_insights(req->store, req->arena, req->auth.tenant, req->env->models,
                                         req->env->triage_policy, doc, req->now_ms, &ti);
    if (rc) return rc;
    struct cs_jb o;
    cs_jb_init(&o, json_object_new_object());
    cs_jb_double(&o, "escalation_risk", ti.escalation.probability, 2);
    cs_jb_str(&o, "escalation_source", ti.escalation_source);
    cs_jb_str(&o, "predicted_resolution_time", ti.resolution_text);
    cs_jb_double(&o, "predicted_resolution_seconds", ti.resolution_s, 0);
    cs_jb_str(&o, "predicted_resolution_source", ti.resolution_source);
    cs_jb_int(&o, "predicted_resolution_sample_size", ti.resolution_n);
    cs_jb_str(&o, "recommended_agent", ti.agent_name);
    if (ti.agent_id) cs_jb_str(&o, "recommended_agent_id", ti.agent_id);
    cs_jb_str(&o, "recommended_agent_source", ti.agent_source);
    if (ti.agent_id) cs_jb_int(&o, "recommended_agent_workload", ti.agent_workload);
    cs_jb_str(&o, "sentiment", cs_json_get_str(doc, "sentiment"));
    cs_jb_double(&o, "sentiment_score", cs_json_get_double(doc, "sentiment_score", 0), 2);
    *out = cs_jb_take(&o);
    return *out ? CS_OK : CS_ERR_NOMEM;
}

static int get_ticket(const struct cs_req *req, struct cs_resp *resp, const char *id)
{
    struct cs_doc d;
    int rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_INSIGHTS_TICKETS, id, &d);
    if (rc == CS_ERR_NOT_FOUND) return not_found(resp);
    if (rc) return rc;
    json_object *ai = NULL;
    rc = insights_json(req, d.body, &ai);
    if (rc) return rc;
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_str(&o, "ticket_id", id);
    cs_jb_str(&o, "subject", cs_json_get_str(d.body, "subject"));
    cs_jb_str(&o, "customer_id", cs_json_get_str(d.body, "customer_id"));
    cs_jb_str(&o, "priority", cs_json_get_str(d.body, "priority"));
    cs_jb_str(&o, "category", cs_json_get_str(d.body, "category"));
    cs_jb_str(&o, "status", cs_json_get_str(d.body, "status"));
    cs_jb_add(&o, "ai_insights", ai);
    rc = cs_jb_done(&o);
    return rc ? rc : cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, o.obj);
}

static void add_opt_double(struct cs_jb *o, json_object *doc, const char *from, const char *to)
{
    json_object *v;
    if (!json_object_object_get_ex(doc, from, &v))
        cs_jb_null(o, to);
    else
        cs_jb_double(o, to, json_object_get_double(v), 3);
}

/* The lifecycle as it stands after the change: derived fields only. */
static int lifecycle_json(const struct cs_req *req, const char *id, json_object *doc,
                          json_object **out)
{
    json_object *ev = NULL;
    char ts[CS_ISO_MAX];
    cs_time_iso(cs_json_get_int(doc, "opened_ms", 0), CS_ISO_Z, ts);
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_str(&o, "ticket_id", id);
    cs_jb_str(&o, "status", cs_json_get_str(doc, "status"));
    cs_jb_str(&o, "assignee", cs_json_get_str(doc, "assignee"));
    cs_jb_str(&o, "opened_at", ts);
    add_opt_double(&o, doc, "first_reply_s", "first_reply_seconds");
    add_opt_double(&o, doc, "resolution_s", "resolution_seconds");
    cs_jb_int(&o, "agent_replies", cs_json_get_int(doc, "replies", 0));
    cs_jb_int(&o, "reopened", cs_json_get_int(doc, "reopened", 0));
    cs_jb_bool(&o, "escalated", cs_json_get_int(doc, "escalated", 0) != 0);
    cs_jb_bool(&o, "churned", cs_json_get_int(doc, "churned", 0) != 0);
    if (json_object_object_get_ex(doc, "csat", NULL))
        cs_jb_int(&o, "csat_rating", cs_json_get_int(doc, "csat", 0));
    else
        cs_jb_null(&o, "csat_rating");
    if (json_object_object_get_ex(doc, "fcr", NULL))
        cs_jb_bool(&o, "first_contact_resolution", cs_json_get_int(doc, "fcr", 0) != 0);
    if (json_object_object_get_ex(doc, "events", &ev))
        cs_jb_int(&o, "events", (int64_t)json_object_array_length(ev));
    *out = o.obj;
    return cs_jb_done(&o);
}

static int patch_ticket(const struct cs_req *req, struct cs_resp *resp, const char *id)
{
    static const struct cs_schema any = {NULL, 0};
    json_object *body = NULL, *doc = NULL, *out = NULL;
    int rc = cs_app_read_json(req, resp, &any, &body);
    if (rc) return rc;
    struct cs_ticket_change c;
    const char *field = NULL, *why = NULL;
    rc = cs_ticket_change_read(body, req->now_ms, &c, &field, &why);
    if (!rc)
        rc = cs_insights_ticket_change(req->store, req->arena, req->auth.tenant, id, &c,
                                       req->now_ms, &doc, &why);
    if (rc == CS_ERR_NOT_FOUND) return not_found(resp);
    if (rc == CS_ERR_VALIDATION) {
        resp->err_code_name = "invalid_change";
        resp->err_message = why;
        if (field) cs_resp_field_error(resp, "body", field, why, "value_error");
        return rc;
    }
    if (!rc) rc = lifecycle_json(req, id, doc, &out);
    if (!rc) rc = cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, out);
    return rc;
}

CS_HANDLER(fn_customer_tickets)
{
    const char *id = cs_req_param(req, "ticket_id");
    if (!ticket_id_ok(id)) return not_found(resp);
    return strcmp(req->method, "PATCH") == 0 ? patch_ticket(req, resp, id)
                                             : get_ticket(req, resp, id);
}
