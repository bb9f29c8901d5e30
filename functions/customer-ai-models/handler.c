/* GET /api/v1/customer/ai-models and POST /api/v1/customer/ai-models/{model}/predict.
 *
 *   escalation_predictor       the escalation model (cs/escalation.h) over a stored
 *                              ticket's facts or raw fields; risk_factors and the
 *                              per-feature contributions are the model's exact ones
 *   resolution_time_predictor  median of the tenant's resolved tickets like this one
 *   sla_breach_predictor       share of the tenant's tickets of the priority that
 *                              missed the target
 *   sentiment_analyzer         the built-in sentiment model over raw text
 * Each answer says its source: "prior" when the tenant's data is too thin. */
#include <math.h>
#include <string.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/env.h"
#include "cs/escalation.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/model.h"
#include "cs/models.h"
#include "cs/sentiment.h"
#include "cs/store.h"

int fn_customer_ai_models(const struct cs_req *req, struct cs_resp *resp);

static const struct cs_field body_fields[] = {
    {.name = "ticket_id", .type = CS_J_STRING, .nullable = true, .format = CS_FMT_ID},
    {.name = "message", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 20000},
    {.name = "priority", .type = CS_J_STRING, .nullable = true, .max_len = 16},
    {.name = "category", .type = CS_J_STRING, .nullable = true, .max_len = 64},
    {.name = "repeat_contacts", .type = CS_J_INT, .nullable = true, .has_min = true, .min = 0,
     .has_max = true, .max = 1000},
    {.name = "wait_minutes", .type = CS_J_NUMBER, .nullable = true, .has_min = true, .min = 0,
     .has_max = true, .max = 525600},
    {.name = "refund_amount", .type = CS_J_NUMBER, .nullable = true, .has_min = true, .min = 0,
     .has_max = true, .max = 1e9},
    {.name = "tier_limit", .type = CS_J_NUMBER, .nullable = true, .has_min = true, .min = 0,
     .has_max = true, .max = 1e9},
    {.name = "vip", .type = CS_J_BOOL, .nullable = true},
    {.name = "include_explanation", .type = CS_J_BOOL, .nullable = true},
};
static const struct cs_schema body_schema = {body_fields, sizeof(body_fields) / sizeof(*body_fields)};

static const char *const MODELS[] = {"escalation_predictor", "resolution_time_predictor",
                                     "sla_breach_predictor", "sentiment_analyzer"};

static int bad(struct cs_resp *resp, const char *code, const char *msg, int rc)
{
    resp->err_code_name = code;
    resp->err_message = msg;
    return rc;
}

/* The stored ticket named by ticket_id, or NULL (*doc) when the body has raw fields. */
static int load_ticket(const struct cs_req *req, struct cs_resp *resp, json_object *b, json_object **doc)
{
    const char *id = cs_json_get_str(b, "ticket_id");
    *doc = NULL;
    if (!id) return CS_OK;
    struct cs_doc d;
    int rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_INSIGHTS_TICKETS, id, &d);
    if (rc == CS_ERR_NOT_FOUND) return bad(resp, "ticket_not_found", "No ticket with this id", rc);
    if (!rc) *doc = d.body;
    return rc;
}

static const char *recommended_action(double p)
{
    if (p >= 0.7) return "Route to senior agent";
    if (p >= 0.35) return "Monitor closely";
    return "Standard handling";
}

static int escalation_inputs(const struct cs_req *req, struct cs_resp *resp, json_object *b, json_object *doc,
                             struct cs_escalation_input *in)
{
    if (doc) return cs_insights_escalation_input(req->store, req->auth.tenant, doc, req->now_ms, in);
    const char *msg = cs_json_get_str(b, "message");
    if (!msg) return bad(resp, "missing_input", "Give ticket_id or message", CS_ERR_VALIDATION);
    struct cs_sentiment s;
    int rc = cs_sentiment_analyze(req->env->models, msg, strlen(msg), &s);
    if (rc) return rc;
    *in = (struct cs_escalation_input){
        .sentiment_score = s.score, .sentiment_level = (int)s.level,
        .repeat_contacts = (int)cs_json_get_int(b, "repeat_contacts", 0),
        .wait_minutes = (float)cs_json_get_double(b, "wait_minutes", 0),
        .refund_amount = (float)cs_json_get_double(b, "refund_amount", 0),
        .tier_limit = (float)cs_json_get_double(b, "tier_limit", 0),
        .legal_threat = s.cues.legal > 0, .social_threat = s.cues.social > 0,
        .vip = cs_json_get_bool(b, "vip", false)};
    return CS_OK;
}

/* Every feature's exact contribution to the "yes" logit (weight x (value - mean)). */
static json_object *contributions(const struct cs_escalation *e)
{
    json_object *arr = json_object_new_array();
    for (uint32_t i = 0; arr && i < e->explanation.n; i++) {
        const struct cs_model_contrib *c = &e->explanation.item[i];
        json_object *o = json_object_new_object();
        if (!o || json_object_array_add(arr, o) ||
            cs_json_add_str(o, "feature", cs_escalation_feature_name(c->feature)) ||
            cs_json_add_double(o, "value", c->value, 4) || cs_json_add_double(o, "contribution", c->contribution, 4)) {
            json_object_put(arr);
            return NULL;
        }
    }
    return arr;
}

static int escalation(const struct cs_req *req, struct cs_resp *resp, json_object *b, json_object *doc,
                      json_object *pred)
{
    struct cs_escalation_input in;
    struct cs_escalation e;
    int rc = escalation_inputs(req, resp, b, doc, &in);
    if (!rc) rc = cs_escalation_predict(req->env->models, &in, &e);
    if (rc) return rc;
    double p = e.probability;
    rc = cs_json_add_double(pred, "escalation_probability", p, 4);
    if (!rc) rc = cs_json_add_double(pred, "confidence", p > 0.5 ? p : 1 - p, 4);
    if (rc || !cs_json_get_bool(b, "include_explanation", false)) return rc;
    json_object *f = json_object_new_array();
    for (size_t i = 0; f && i < e.n_factors; i++) json_object_array_add(f, json_object_new_string(e.factors[i]));
    rc = cs_json_add(pred, "risk_factors", f);
    if (!rc) rc = cs_json_add_str(pred, "recommended_action", recommended_action(p));
    /* base_value + every contribution = output_value, the "yes" class logit (exact for
     * a linear model); the probability also weighs the "no" class's logit. */
    if (!rc) rc = cs_json_add_double(pred, "base_value", e.explanation.base, 4);
    if (!rc) rc = cs_json_add_double(pred, "output_value", e.explanation.logit, 4);
    if (!rc) rc = cs_json_add(pred, "contributions", contributions(&e));
    return rc;
}

/* A raw-fields prediction describes its ticket by priority/category. */
static json_object *raw_doc(const struct cs_req *req, json_object *b)
{
    json_object *d = cs_json_object(req->arena);
    if (!d || cs_json_add_str(d, "priority", cs_json_get_str(b, "priority")) ||
        cs_json_add_str(d, "category", cs_json_get_str(b, "category")))
        return NULL;
    return d;
}

static int resolution(const struct cs_req *req, json_object *b, json_object *doc, json_object *pred,
                      const char **source)
{
    struct cs_ticket_insights ti;
    memset(&ti, 0, sizeof(ti));
    if (!doc && !(doc = raw_doc(req, b))) return CS_ERR_NOMEM;
    int rc = cs_insights_predict_resolution(req->store, req->auth.tenant, doc, &ti);
    if (!rc) rc = cs_json_add_str(pred, "predicted_resolution_time", ti.resolution_text);
    if (!rc) rc = cs_json_add_double(pred, "predicted_resolution_seconds", ti.resolution_s, 0);
    if (!rc) rc = cs_json_add_int(pred, "sample_size", ti.resolution_n);
    *source = ti.resolution_source;
    return rc;
}

static int sla(const struct cs_req *req, json_object *b, json_object *doc, json_object *pred, const char **source)
{
    const char *prio = cs_json_get_str(doc ? doc : b, "priority");
    double p;
    int64_t n;
    int rc = cs_insights_sla_breach(req->store, req->auth.tenant, prio ? prio : "medium", &p, &n, source);
    if (!rc) rc = cs_json_add_double(pred, "breach_probability", p, 4);
    if (!rc) rc = cs_json_add_double(pred, "sla_hours", cs_insights_sla_hours(prio), 1);
    if (!rc) rc = cs_json_add_int(pred, "sample_size", n);
    return rc;
}

static int sentiment(const struct cs_req *req, struct cs_resp *resp, json_object *b, json_object *pred)
{
    const char *msg = cs_json_get_str(b, "message");
    if (!msg) return bad(resp, "missing_input", "Give message", CS_ERR_VALIDATION);
    struct cs_sentiment s;
    int rc = cs_sentiment_analyze(req->env->models, msg, strlen(msg), &s);
    if (!rc) rc = cs_json_add_str(pred, "sentiment", s.label);
    if (!rc) rc = cs_json_add_double(pred, "sentiment_score", s.score, 4);
    if (!rc) rc = cs_json_add_double(pred, "confidence", s.confidence, 4);
    return rc;
}

static int predict(const struct cs_req *req, struct cs_resp *resp)
{
    const char *model = cs_req_param(req, "model_name");
    size_t k = 0;
    while (k < sizeof(MODELS) / sizeof(*MODELS) && strcmp(model, MODELS[k]) != 0) k++;
    if (k == sizeof(MODELS) / sizeof(*MODELS)) return bad(resp, "model_not_found", "Unknown model", CS_ERR_NOT_FOUND);
    json_object *b = NULL, *doc = NULL;
    int rc = cs_app_read_json(req, resp, &body_schema, &b);
    if (!rc && k != 3) rc = load_ticket(req, resp, b, &doc);
    if (rc) return rc;
    json_object *o = cs_json_object(req->arena), *pred = json_object_new_object();
    if (!o || !pred || cs_json_add(o, "prediction", pred)) return CS_ERR_NOMEM;
    /* The shipped escalation model is fitted on the project's labelled tickets, not on
     * this tenant's outcomes (data/models/README.md). */
    const char *source = "builtin";
    if (k == 0) rc = escalation(req, resp, b, doc, pred);
    else if (k == 1) rc = resolution(req, b, doc, pred, &source);
    else if (k == 2) rc = sla(req, b, doc, pred, &source);
    else rc = sentiment(req, resp, b, pred), source = "builtin";
    if (!rc) rc = cs_json_add_str(o, "model", MODELS[k]);
    if (!rc && doc && cs_json_get_str(b, "ticket_id")) rc = cs_json_add_str(o, "ticket_id", cs_json_get_str(b, "ticket_id"));
    if (!rc) rc = cs_json_add_str(o, "source", source);
    if (!rc) rc = cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, o);
    return rc;
}

static int list(const struct cs_req *req, struct cs_resp *resp)
{
    static const char *const kind[] = {"logistic regression (fitted on the project's labelled tickets; priors for features texts cannot show)",
                                       "median of the tenant's resolved tickets",
                                       "share of the tenant's tickets past the SLA target",
                                       "linear text classifier"};
    static const char *const bundle[] = {"escalation", NULL, NULL, "sentiment"};
    json_object *o = cs_json_object(req->arena), *arr = json_object_new_array();
    if (!o || !arr || cs_json_add(o, "models", arr)) return CS_ERR_NOMEM;
    for (size_t i = 0; i < sizeof(MODELS) / sizeof(*MODELS); i++) {
        json_object *m = json_object_new_object(), *meta = NULL;
        if (!m || json_object_array_add(arr, m)) return CS_ERR_NOMEM;
        const struct cs_model *bm = bundle[i] ? cs_models_get(req->env->models, bundle[i]) : NULL;
        /* The model file's own metadata (training data, held-out metrics) as stored. */
        if (bm && cs_model_metadata(bm)) meta = json_tokener_parse(cs_model_metadata(bm));
        if (cs_json_add_str(m, "name", MODELS[i]) || cs_json_add_str(m, "kind", kind[i]) ||
            cs_json_add_str(m, "source", i == 0 || i == 3 ? "builtin" : "tenant_history_or_prior"))
            return json_object_put(meta), CS_ERR_NOMEM;
        json_object *metrics = NULL;
        if (meta && json_object_object_get_ex(meta, "metrics", &metrics)) json_object_get(metrics);
        json_object_put(meta);
        if (json_object_object_add(m, "metrics", metrics)) return json_object_put(metrics), CS_ERR_NOMEM;
    }
    if (cs_json_add_int(o, "min_sample", CS_INSIGHTS_MIN_SAMPLE)) return CS_ERR_NOMEM;
    return cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, o);
}

int fn_customer_ai_models(const struct cs_req *req, struct cs_resp *resp)
{
    return strcmp(req->method, "GET") == 0 ? list(req, resp) : predict(req, resp);
}
