/* POST /api/v1/webhooks/incoming/{tenant}: a ticket created in an outside helpdesk.
 *
 * Order matters: the signature and timestamp are checked on the raw body before it is
 * parsed; the webhook-id is then recorded in the same store write that carries the
 * escalation.predicted event (if any), so a replay is refused (409) and can never emit
 * twice. The answer is seed 000's prediction shape. */
#include "handler.h"

#include <sodium.h>
#include <string.h>

#include "cs/app.h"
#include "cs/clock.h"
#include "cs/arena.h"
#include "cs/env.h"
#include "cs/escalation.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/log.h"
#include "cs/notify.h"
#include "cs/sentiment.h"
#include "cs/store.h"
#include "cs/webhook.h"

static const struct cs_field ticket_fields[] = {
    {.name = "ticket_id", .type = CS_J_STRING, .required = true, .format = CS_FMT_ID},
    {.name = "subject", .type = CS_J_STRING, .nullable = true, .max_len = 500},
    {.name = "message", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 20000},
    {.name = "customer_id", .type = CS_J_STRING, .nullable = true, .max_len = 128},
    CS_INSIGHTS_ESCALATION_FIELDS,
    {.name = "created_at", .type = CS_J_STRING, .nullable = true, .max_len = 40},
    {.name = "category", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 64},
    {.name = "priority", .type = CS_J_STRING, .nullable = true, .max_len = 16},
};
static const struct cs_schema ticket_schema = {ticket_fields,
                                               sizeof(ticket_fields) / sizeof(*ticket_fields)};
static const char *const incoming_types[] = {"ticket.created", "ticket.updated", "ticket.solved",
                                             "ticket.rated", NULL};
/* data is checked per type: ticket_schema for a new ticket, cs_ticket_change_read for
 * an outcome. */
static const struct cs_field event_fields[] = {
    {.name = "type", .type = CS_J_STRING, .required = true, .one_of = incoming_types},
    {.name = "timestamp", .type = CS_J_STRING, .nullable = true, .max_len = 40},
    {.name = "data", .type = CS_J_OBJECT, .required = true},
};
static const struct cs_schema event_schema = {event_fields, 3};

struct receiver {
    struct cs_webhook_key key;
    double threshold;
};

/* 401 in the family's format with a machine-readable reason; the same answer for an
 * unknown tenant as for a bad signature, so tenants cannot be probed. */
static int unauthorized(struct cs_resp *resp, enum cs_webhook_reject why)
{
    resp->err_code_name = cs_webhook_reject_name(why);
    resp->err_message =
        why == CS_WEBHOOK_STALE ? "Webhook timestamp outside the 5 minute tolerance"
        : why == CS_WEBHOOK_MISSING_HEADERS
            ? "Missing or malformed webhook-id, webhook-timestamp or webhook-signature"
            : "Webhook signature could not be verified";
    return CS_ERR_UNAUTHORIZED;
}

/* Seals a receiver secret read under an older server key again under the current one
 * (after a CS_JWT_SECRET rotation), so the old key can be retired. Best effort: the old
 * sealing still opens if this write loses a race. */
static void reseal(const struct cs_req *req, const char *tenant, struct cs_doc *d,
                   const char *secret)
{
    char *sealed = NULL;
    if (cs_webhook_seal(&req->env->cfg.jwt_key, secret, req->arena, &sealed) ||
        cs_json_add_str(d->body, "secret_sealed", sealed) ||
        cs_store_update(req->store, req->arena, tenant, CS_WEBHOOK_RECEIVER_COLL, d->id, d->version,
                        d->body, NULL, req->now_ms, NULL))
        cs_log(CS_LOG_INFO, "receiver secret not re-sealed", "tenant", tenant, NULL);
}

static int load_receiver(const struct cs_req *req, const char *tenant, struct receiver *r)
{
    struct cs_doc d;
    int rc = cs_store_get(req->store, req->arena, tenant, CS_WEBHOOK_RECEIVER_COLL,
                          CS_WEBHOOK_RECEIVER_ID, &d);
    if (rc) return rc;
    char *secret = NULL;
    bool stale = false;
    rc = cs_webhook_unseal(&req->env->cfg.keyring, cs_json_get_str(d.body, "secret_sealed"),
                           req->arena, &secret, &stale);
    if (!rc) rc = cs_webhook_secret_parse(secret, &r->key) ? CS_ERR_FORMAT : CS_OK;
    if (!rc && stale) reseal(req, tenant, &d, secret);
    if (secret) sodium_memzero(secret, strlen(secret));
    r->threshold = cs_json_get_double(d.body, "escalation_threshold", CS_WEBHOOK_DEFAULT_THRESHOLD);
    return rc;
}

/* The ticket's words (threats, requests, stated contacts and waits, six-level
 * sentiment) and its numeric context give the escalation features (cs/escalation.h);
 * the triage of the same words is kept for the ticket's lifecycle record. */
static int predict(const struct cs_req *req, json_object *t, struct cs_escalation *out,
                   struct cs_insights_class *cl)
{
    const char *msg = cs_json_get_str(t, "message");
    int rc = cs_insights_classify(req->env->models, req->env->triage_policy, msg, cl);
    if (rc) return rc;
    struct cs_escalation_input in;
    memset(&in, 0, sizeof(in));
    cs_insights_escalation_fields_read(t, &in);
    rc = cs_escalation_read_conversation(req->env->models, &msg, NULL, 1, &in);
    if (rc) return rc;
    return cs_escalation_predict(req->env->models, &in, out);
}

static const char *recommended_action(double p, double threshold)
{
    if (p >= threshold) return "Route to senior agent";
    if (p >= threshold / 2) return "Monitor closely";
    return "Standard handling";
}

static json_object *factors_json(const struct cs_escalation *e)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < e->n_factors; i++)
        json_object_array_add(arr, json_object_new_string(e->factors[i]));
    return arr;
}

/* escalation.predicted for subscribers, staged to ride with the replay-guard write. */
static int stage_event(const struct cs_req *req, const char *tenant, const char *ticket_id,
                       const struct cs_escalation *e, double threshold)
{
    json_object *data = cs_json_object(req->arena);
    if (!data || cs_json_add_str(data, "ticket_id", ticket_id) ||
        cs_json_add_str(data, "source", "incoming_webhook") ||
        cs_json_add_double(data, "escalation_probability", e->probability, 4) ||
        cs_json_add_double(data, "threshold", threshold, 4) ||
        cs_json_add(data, "risk_factors", factors_json(e)) ||
        cs_json_add_str(data, "reason", e->reason))
        return CS_ERR_NOMEM;
    return cs_notify_stage(req->store, req->arena, tenant, "escalation.predicted", data,
                           req->now_ms, NULL);
}

/* Records the message id; CS_ERR_EXISTS for a replay (staged events are then dropped). */
static int record_received(const struct cs_req *req, const char *tenant, const char *id,
                           const char *ticket_id, double p)
{
    json_object *doc = cs_json_object(req->arena);
    if (!doc || cs_json_add_str(doc, "ticket_id", ticket_id) ||
        cs_json_add_double(doc, "escalation_probability", p, 4))
        return CS_ERR_NOMEM;
    return cs_store_insert(req->store, req->arena, tenant, CS_WEBHOOK_RECEIVED_COLL, id, doc, NULL,
                           req->now_ms, NULL);
}

/* A replay-guard record is needed only while its message could still pass the timestamp
 * check: older ones are dropped a few at a time on each accepted delivery, so the
 * collection stays about one tolerance window long without a separate sweeper.
 * Best effort: a failure here leaves records for the next delivery to drop. */
#define PRUNE_BATCH 16

static void prune_received(const struct cs_req *req, const char *tenant)
{
    struct cs_query q = {.limit = PRUNE_BATCH};
    int64_t cutoff = req->now_ms - 2 * (int64_t)CS_WEBHOOK_TOLERANCE_S * 1000;
    if (cs_query_where(&q, "_created", CS_OP_LT, cs_val_int(cutoff))) return;
    struct cs_doc_list old;
    if (cs_store_find(req->store, req->arena, tenant, CS_WEBHOOK_RECEIVED_COLL, &q, &old)) return;
    for (size_t i = 0; i < old.n; i++)
        if (cs_store_delete(req->store, tenant, CS_WEBHOOK_RECEIVED_COLL, old.docs[i].id, -1))
            break;
}

static int answer(const struct cs_req *req, struct cs_resp *resp, const char *id,
                  const char *ticket_id, const struct cs_escalation *e, double threshold,
                  bool emitted)
{
    json_object *out = cs_json_object(req->arena), *pred = json_object_new_object();
    double p = e->probability;
    if (!out || cs_json_add_str(out, "model", "escalation_predictor") ||
        cs_json_add_str(out, "webhook_id", id) || cs_json_add_str(out, "ticket_id", ticket_id) ||
        cs_json_add(out, "prediction", pred) ||
        cs_json_add_double(pred, "escalation_probability", p, 4) ||
        cs_json_add_double(pred, "confidence", p > 0.5 ? p : 1 - p, 4) ||
        cs_json_add(pred, "risk_factors", factors_json(e)) ||
        cs_json_add_str(pred, "recommended_action", recommended_action(p, threshold)) ||
        cs_json_add_double(out, "threshold", threshold, 4) ||
        cs_json_add_bool(out, "escalation_event", emitted))
        return CS_ERR_NOMEM;
    return cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, out);
}

/* The new ticket's lifecycle record (cs/insights.h), opened at the helpdesk's own time. */
static int prepare_open(const struct cs_req *req, struct cs_resp *resp, json_object *ev,
                        json_object *t, const struct cs_insights_class *cl,
                        struct cs_ticket_open *out)
{
    struct cs_ticket_open o = cl->open;
    const char *when = cs_json_get_str(t, "created_at") ? cs_json_get_str(t, "created_at")
                                                        : cs_json_get_str(ev, "timestamp");
    o.opened_ms = req->now_ms;
    if (when && (cs_time_parse_iso(when, &o.opened_ms) || o.opened_ms > req->now_ms + 60000)) {
        cs_resp_field_error(resp, "body", "data.created_at",
                            "Input should be an ISO-8601 time, not in the future", "value_error");
        return CS_ERR_VALIDATION;
    }
    o.ticket_id = cs_json_get_str(t, "ticket_id");
    o.subject = cs_json_get_str(t, "subject");
    o.customer_id = cs_json_get_str(t, "customer_id");
    o.source = "incoming_webhook";
    if (cs_json_get_str(t, "category")) o.category = cs_json_get_str(t, "category");
    if (cs_json_get_str(t, "priority")) o.priority = cs_json_get_str(t, "priority");
    if (!cs_insights_priority_valid(o.priority)) {
        cs_resp_field_error(resp, "body", "data.priority",
                            "Input should be 'low', 'medium', 'high' or 'urgent'", "enum");
        return CS_ERR_VALIDATION;
    }
    *out = o;
    return CS_OK;
}

/* ticket.updated / ticket.solved / ticket.rated: one lifecycle change. The webhook-id is
 * recorded first, so a replay is refused before it could count the change twice; a
 * change that then fails gives the id back. */
static int outcome(const struct cs_req *req, struct cs_resp *resp, const char *tenant,
                   const char *id, json_object *ev, json_object *t)
{
    const char *type = cs_json_get_str(ev, "type"), *ticket_id = cs_json_get_str(t, "ticket_id");
    if (!ticket_id || strlen(ticket_id) > CS_STORE_ID_MAX - 1) {
        cs_resp_field_error(resp, "body", "data.ticket_id", "Field required", "missing");
        return CS_ERR_VALIDATION;
    }
    json_object *c_in = NULL;
    if (json_object_deep_copy(t, &c_in, NULL) || cs_json_own(req->arena, c_in)) return CS_ERR_NOMEM;
    json_object_object_del(c_in, "ticket_id");
    if (strcmp(type, "ticket.solved") == 0 && !cs_json_get_str(c_in, "status") &&
        cs_json_add_str(c_in, "status", "solved"))
        return CS_ERR_NOMEM;
    json_object *rating;
    if (json_object_object_get_ex(c_in, "rating", &rating) &&
        json_object_object_add(c_in, "csat_rating", json_object_get(rating)))
        return CS_ERR_NOMEM;
    json_object_object_del(c_in, "rating");
    if (!json_object_object_get_ex(c_in, "at", NULL) && cs_json_get_str(ev, "timestamp") &&
        cs_json_add_str(c_in, "at", cs_json_get_str(ev, "timestamp")))
        return CS_ERR_NOMEM;
    struct cs_ticket_change c;
    const char *field = NULL, *why = NULL;
    int rc = cs_ticket_change_read(c_in, req->now_ms, &c, &field, &why);
    if (!rc && strcmp(type, "ticket.rated") == 0 && !c.csat)
        field = "rating", why = "Field required", rc = CS_ERR_VALIDATION;
    if (!rc) rc = record_received(req, tenant, id, ticket_id, 0);
    if (rc == CS_ERR_EXISTS) {
        resp->err_code_name = "replayed";
        resp->err_message = "This webhook-id was already received";
        return rc;
    }
    json_object *doc = NULL;
    if (!rc) {
        rc = cs_insights_ticket_change(req->store, req->arena, tenant, ticket_id, &c, req->now_ms,
                                       &doc, &why);
        if (rc && cs_store_delete(req->store, tenant, CS_WEBHOOK_RECEIVED_COLL, id,
                                  -1)) { /* best effort */
        }
    }
    if (rc == CS_ERR_VALIDATION) {
        resp->err_message = why;
        cs_resp_field_error(resp, "body", field ? field : "data", why, "value_error");
    }
    if (rc) return rc;
    prune_received(req, tenant);
    json_object *out = cs_json_object(req->arena);
    if (!out || cs_json_add_str(out, "webhook_id", id) ||
        cs_json_add_str(out, "ticket_id", ticket_id) || cs_json_add_str(out, "event", type) ||
        cs_json_add_str(out, "status", cs_json_get_str(doc, "status")))
        return CS_ERR_NOMEM;
    return cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, out);
}

CS_HANDLER(fn_webhook_receiver)
{
    const char *tenant = cs_req_param(req, "tenant");
    if (req->body_len > req->env->cfg.max_body) return CS_ERR_TOO_LARGE; /* before any HMAC */
    struct receiver r;
    memset(&r, 0, sizeof(r));
    int rc = cs_tenant_valid(tenant) ? load_receiver(req, tenant, &r) : CS_ERR_NOT_FOUND;
    if (rc == CS_ERR_NOT_FOUND || rc == CS_ERR_FORMAT)
        return unauthorized(resp, CS_WEBHOOK_BAD_SIGNATURE);
    if (rc) return rc;
    const char *id = cs_req_header(req, "webhook-id");
    enum cs_webhook_reject why = CS_WEBHOOK_OK;
    rc = cs_webhook_verify(&r.key, id, cs_req_header(req, "webhook-timestamp"),
                           cs_req_header(req, "webhook-signature"), req->body, req->body_len,
                           req->now_ms / 1000, &why);
    sodium_memzero(&r.key, sizeof(r.key));
    if (rc) return unauthorized(resp, why);
    json_object *ev = NULL, *t = NULL;
    if ((rc = cs_app_read_json(req, resp, &event_schema, &ev))) return rc;
    json_object_object_get_ex(ev, "data", &t);
    if (strcmp(cs_json_get_str(ev, "type"), "ticket.created") != 0)
        return outcome(req, resp, tenant, id, ev, t);
    if ((rc = cs_json_validate(&ticket_schema, t, req->arena, &resp->fields))) return rc;
    const char *ticket_id = cs_json_get_str(t, "ticket_id");
    struct cs_escalation e;
    struct cs_insights_class cl;
    struct cs_ticket_open o;
    if ((rc = predict(req, t, &e, &cl)) || (rc = prepare_open(req, resp, ev, t, &cl, &o)))
        return rc;
    bool emit = e.probability >= r.threshold;
    /* A failure here returns: the core drops what was staged with the request. */
    if (emit && (rc = stage_event(req, tenant, ticket_id, &e, r.threshold))) return rc;
    rc = record_received(req, tenant, id, ticket_id, e.probability);
    if (rc == CS_ERR_EXISTS) {
        resp->err_code_name = "replayed";
        resp->err_message = "This webhook-id was already received";
    }
    if (!rc) rc = cs_insights_ticket_open(req->store, req->arena, tenant, &o, req->now_ms);
    if (rc) return rc;
    prune_received(req, tenant);
    return answer(req, resp, id, ticket_id, &e, r.threshold, emit);
}
