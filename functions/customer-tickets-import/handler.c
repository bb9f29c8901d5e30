/* POST /api/v1/customer/tickets/import: a batch of helpdesk tickets, each with its
 * creation time and timed changes. The whole batch is checked (and every history
 * replayed in memory) before anything is written, so a bad ticket stores nothing; an id
 * the tenant already has is skipped, never overwritten. */
#include "handler.h"

#include <stdio.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/tenant_models.h"

static int invalid(const struct cs_req *req, struct cs_resp *resp, size_t i, const char *field,
                   const char *why)
{
    char *loc = cs_arena_alloc(req->arena, 48);
    if (loc) snprintf(loc, 48, "tickets[%zu].%s", i, field);
    resp->err_code_name = "invalid_ticket";
    resp->err_message = why;
    cs_resp_field_error(resp, "body", loc ? loc : "tickets", why, "value_error");
    return CS_ERR_VALIDATION;
}

/* The ticket's document with its history applied; *doc is arena-owned. */
static int build(const struct cs_req *req, struct cs_resp *resp, size_t i, json_object *t,
                 json_object **doc)
{
    struct cs_ticket_open o = {.ticket_id = cs_json_get_str(t, "ticket_id"),
                               .subject = cs_json_get_str(t, "subject"),
                               .customer_id = cs_json_get_str(t, "customer_id"),
                               .source = "import"};
    if (cs_time_parse_iso(cs_json_get_str(t, "created_at"), &o.opened_ms) ||
        o.opened_ms > req->now_ms + 60000)
        return invalid(req, resp, i, "created_at",
                       "Input should be an ISO-8601 time, not in the future");
    struct cs_insights_class cl;
    int rc = cs_insights_classify(req->env->models, req->env->triage_policy,
                                  cs_json_get_str(t, "message"), &cl);
    if (rc) return rc;
    o.category = cs_json_get_str(t, "category") ? cs_json_get_str(t, "category") : cl.open.category;
    o.priority = cs_json_get_str(t, "priority") ? cs_json_get_str(t, "priority") : cl.open.priority;
    if (!cs_insights_priority_valid(o.priority))
        return invalid(req, resp, i, "priority",
                       "Input should be 'low', 'medium', 'high' or 'urgent'");
    o.sentiment = cl.open.sentiment;
    o.sentiment_score = cl.open.sentiment_score;
    o.sentiment_level = cl.open.sentiment_level;
    json_object *d = cs_ticket_doc_new(&o), *events = NULL;
    if (!d || cs_json_own(req->arena, d)) return CS_ERR_NOMEM;
    json_object_object_get_ex(t, "events", &events);
    size_t n = events ? json_object_array_length(events) : 0;
    for (size_t k = 0; k < n; k++) {
        struct cs_ticket_change c;
        const char *field = NULL, *why = NULL;
        rc = cs_ticket_change_read(json_object_array_get_idx(events, k), req->now_ms, &c, &field,
                                   &why);
        if (!rc) rc = cs_ticket_apply(d, &c, &why);
        if (rc == CS_ERR_VALIDATION) {
            char *f = cs_arena_alloc(req->arena, 64);
            if (f) snprintf(f, 64, "events[%zu].%s", k, field ? field : "at");
            return invalid(req, resp, i, f ? f : "events", why);
        }
        if (rc) return rc;
    }
    *doc = d;
    return CS_OK;
}

CS_HANDLER(fn_customer_tickets_import)
{
    json_object *tickets = NULL;
    json_object_object_get_ex(req->json, "tickets", &tickets);
    size_t n = json_object_array_length(tickets);
    json_object **docs = cs_arena_alloc(req->arena, n * sizeof(*docs));
    if (!docs) return CS_ERR_NOMEM;
    int rc = CS_OK;
    for (size_t i = 0; !rc && i < n; i++)
        rc = build(req, resp, i, json_object_array_get_idx(tickets, i), &docs[i]);
    if (rc) return rc;
    json_object *skipped = cs_json_array(req->arena);
    if (!skipped) return CS_ERR_NOMEM;
    int64_t imported = 0, events = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *id = cs_json_get_str(docs[i], "ticket_id");
        /* The arrival's alerts ride on the insert; a skipped id's are dropped with it. */
        rc = cs_tm_alerts_opened(req->store, req->arena, req->auth.tenant, docs[i], req->now_ms,
                                 NULL);
        if (!rc)
            rc = cs_store_insert(req->store, req->arena, req->auth.tenant, CS_INSIGHTS_TICKETS, id,
                                 docs[i], NULL, req->now_ms, NULL);
        if (rc == CS_ERR_EXISTS) {
            rc = cs_json_push(skipped, json_object_new_string(id));
            continue;
        }
        json_object *ev;
        if (!rc && json_object_object_get_ex(docs[i], "events", &ev))
            events += (int64_t)json_object_array_length(ev);
        imported += !rc;
    }
    if (rc) return rc;
    struct cs_jb out;
    cs_jb_init(&out, cs_json_object(req->arena));
    cs_jb_ref(&out, "skipped", skipped);
    cs_jb_int(&out, "imported", imported);
    cs_jb_int(&out, "events", events);
    rc = cs_jb_done(&out);
    return rc ? rc : cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, out.obj);
}
