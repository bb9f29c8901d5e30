/* GET /api/v1/customer/ai-models, POST /api/v1/customer/ai-models/{model}/predict and
 * GET/PUT /api/v1/customer/insights/config.
 *
 *   escalation_predictor       the tenant's fitted escalation model, else the shipped one
 *   churn_predictor            the tenant's fitted churn model, else the documented prior
 *   sla_breach_predictor       the tenant's fitted SLA-breach model, else the share of its
 *                              tickets of the priority past the target, else the prior
 *   resolution_time_predictor  the tenant's fitted time classes, else medians, else priors
 *   sentiment_analyzer         the built-in sentiment model over raw text
 * Each answer says its source ("tenant", "prior", "builtin", or the median it used);
 * include_explanation adds every feature's exact contribution when a linear model
 * answered (cs/tenant_models.h). */
#include "handler.h"

#include <math.h>
#include <string.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/escalation.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/log.h"
#include "cs/model.h"
#include "cs/models.h"
#include "cs/sentiment.h"
#include "cs/store.h"
#include "cs/summary.h"
#include "cs/tenant_models.h"

static const char *const PRIORITIES[] = {"low", "medium", "high", "urgent", NULL};

static const struct cs_field body_fields[] = {
    {.name = "ticket_id", .type = CS_J_STRING, .nullable = true, .format = CS_FMT_ID},
    {.name = "message", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 20000},
    {.name = "priority", .type = CS_J_STRING, .nullable = true, .one_of = PRIORITIES},
    {.name = "category", .type = CS_J_STRING, .nullable = true, .max_len = 64},
    CS_INSIGHTS_ESCALATION_FIELDS,
    {.name = "escalated", .type = CS_J_BOOL, .nullable = true},
    {.name = "reopened", .type = CS_J_BOOL, .nullable = true},
    {.name = "csat_rating",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 1,
     .has_max = true,
     .max = 5},
    {.name = "hours_open",
     .type = CS_J_NUMBER,
     .nullable = true,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 87600},
    {.name = "opened_at", .type = CS_J_STRING, .nullable = true, .max_len = 40},
    {.name = "include_explanation", .type = CS_J_BOOL, .nullable = true},
};
static const struct cs_schema body_schema = {body_fields,
                                             sizeof(body_fields) / sizeof(*body_fields)};

enum { M_ESC, M_RES, M_SLA, M_SENT, M_CHURN, M_N };
static const char *const MODELS[M_N] = {"escalation_predictor", "resolution_time_predictor",
                                        "sla_breach_predictor", "sentiment_analyzer",
                                        "churn_predictor"};
/* The tenant model behind each name (-1: none). */
static const int KIND[M_N] = {CS_TM_ESCALATION, CS_TM_RESOLUTION, CS_TM_SLA, -1, CS_TM_CHURN};

static int bad(struct cs_resp *resp, const char *code, const char *msg, int rc)
{
    resp->err_code_name = code;
    resp->err_message = msg;
    return rc;
}

/* The stored ticket named by ticket_id, or NULL (*doc) when the body has raw fields. */
static int load_ticket(const struct cs_req *req, struct cs_resp *resp, json_object *b,
                       json_object **doc)
{
    const char *id = cs_json_get_str(b, "ticket_id");
    *doc = NULL;
    if (!id) return CS_OK;
    struct cs_doc d;
    int rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_INSIGHTS_TICKETS, id, &d);
    if (rc == CS_ERR_NOT_FOUND) return bad(resp, "ticket_not_found", "No ticket with this id", rc);
    if (!rc &&
        (!json_object_is_type(d.body, json_type_object) || !cs_json_get_str(d.body, "ticket_id")))
        rc = CS_ERR_FORMAT;
    if (!rc) *doc = d.body;
    return rc;
}

/* Facts from raw fields: the message's sentiment and cues, the numbers as given. */
static int raw_facts(const struct cs_req *req, struct cs_resp *resp, json_object *b,
                     const struct cs_insights_cfg *cfg, bool need_message, struct cs_tm_facts *f)
{
    memset(f, 0, sizeof(*f));
    const char *msg = cs_json_get_str(b, "message");
    if (!msg && need_message)
        return bad(resp, "missing_input", "Give ticket_id or message", CS_ERR_VALIDATION);
    f->esc.sentiment_score = 0.5f;
    f->esc.sentiment_level = CS_SENT_NEUTRAL;
    if (msg) {
        int rc = cs_escalation_read_conversation(req->env->models, &msg, NULL, 1, &f->esc);
        if (rc) return rc;
    }
    cs_insights_escalation_fields_read(b, &f->esc);
    f->priority = cs_json_get_str(b, "priority") ? cs_json_get_str(b, "priority") : "medium";
    f->category = cs_json_get_str(b, "category");
    f->escalated = cs_json_get_bool(b, "escalated", false);
    f->reopened = cs_json_get_bool(b, "reopened", false);
    f->csat = (int)cs_json_get_int(b, "csat_rating", 0);
    f->hours_open = cs_json_get_double(b, "hours_open", f->esc.wait_minutes / 60.0);
    const char *at = cs_json_get_str(b, "opened_at");
    int64_t opened = req->now_ms;
    if (at && cs_time_parse_iso(at, &opened)) {
        cs_resp_field_error(resp, "body", "opened_at", "Input should be an ISO-8601 time",
                            "value_error");
        return bad(resp, "invalid_input", "opened_at should be an ISO-8601 time",
                   CS_ERR_VALIDATION);
    }
    f->opened_off_hours = !cs_bh_open_at(&cfg->bh, opened);
    return CS_OK;
}

/* The tenant's fit of kind k when it has one; a damaged stored fit is logged and the
 * fallback answers (it is replaced by the next refit). */
static int tenant_model(const struct cs_req *req, enum cs_tm_kind k, struct cs_tm_model *tm,
                        bool *have)
{
    int rc = cs_tm_load(req->store, req->arena, req->auth.tenant, k, tm, NULL);
    *have = rc == CS_OK;
    if (rc == CS_ERR_FORMAT)
        cs_log(CS_LOG_WARN, "stored tenant model malformed; answering from the fallback", "model",
               cs_tm_name(k), NULL);
    return rc == CS_ERR_NOT_FOUND || rc == CS_ERR_FORMAT ? CS_OK : rc;
}

static const char *action(int model, double p)
{
    static const char *const hi[M_N] = {"Route to senior agent", NULL,
                                        "Prioritise now: likely to miss the SLA", NULL,
                                        "Retention outreach by a senior agent"};
    static const char *const mid[M_N] = {"Monitor closely", NULL, "Watch the SLA clock", NULL,
                                         "Follow up after resolution"};
    if (!hi[model]) return "Set the customer's expectation to the predicted time";
    return p >= 0.7 ? hi[model] : p >= 0.35 ? mid[model] : "Standard handling";
}

/* Every feature's exact contribution (weight x (value - mean)) to the explained logit. */
static json_object *contributions(enum cs_tm_kind k, const struct cs_model_explanation *ex)
{
    json_object *arr = json_object_new_array();
    for (uint32_t i = 0; arr && i < ex->n; i++) {
        const struct cs_model_contrib *c = &ex->item[i];
        struct cs_jb o;
        cs_jb_init(&o, json_object_new_object());
        cs_jb_str(&o, "feature", cs_tm_feature_name(k, c->feature));
        cs_jb_double(&o, "value", c->value, 4);
        cs_jb_double(&o, "contribution", c->contribution, 4);
        if (cs_json_push(arr, cs_jb_take(&o))) {
            json_object_put(arr);
            return NULL;
        }
    }
    return arr;
}

/* risk_factors: the features pushing the explained logit up, strongest first (the
 * explanation lists them by |contribution|). */
static void explain(struct cs_jb *pred, enum cs_tm_kind k, int model, double p,
                    const struct cs_model_explanation *ex)
{
    json_object *f = json_object_new_array();
    for (uint32_t i = 0; f && i < ex->n; i++)
        if (ex->item[i].contribution > 0 &&
            cs_json_push(f, json_object_new_string(cs_tm_feature_name(k, ex->item[i].feature)))) {
            json_object_put(f);
            f = NULL;
        }
    cs_jb_add(pred, "risk_factors", f);
    cs_jb_str(pred, "recommended_action", action(model, p));
    /* base_value + every contribution + other = output_value, the explained class's
     * logit (exact for a linear model). */
    cs_jb_double(pred, "base_value", ex->base, 4);
    cs_jb_double(pred, "output_value", ex->logit, 4);
    if (fabs(ex->other) >= 5e-5) cs_jb_double(pred, "other", ex->other, 4);
    cs_jb_add(pred, "contributions", contributions(k, ex));
}

/* A figure with no features behind it (a share, a median, a fixed prior): nothing to
 * attribute, so the explanation is its base alone. */
static void explain_constant(struct cs_jb *pred, int model, double p, bool logit)
{
    double out = logit ? log(p / (1 - p)) : p;
    cs_jb_add(pred, "risk_factors", json_object_new_array());
    cs_jb_str(pred, "recommended_action", action(model, p));
    cs_jb_double(pred, "base_value", out, 4);
    cs_jb_double(pred, "output_value", out, 4);
    cs_jb_add(pred, "contributions", json_object_new_array());
}

struct ctx {
    const struct cs_req *req;
    struct cs_resp *resp;
    json_object *b, *doc;
    struct cs_jb pred; /* the answer's prediction, checked once in predict */
    struct cs_insights_cfg cfg;
    struct cs_tm_facts f;
    bool want_explanation;
    const char *source;
    json_object *metrics;
};

static void add_p(struct ctx *c, const char *key, double p)
{
    cs_jb_double(&c->pred, key, p, 4);
    cs_jb_double(&c->pred, "confidence", p > 0.5 ? p : 1 - p, 4);
}

static int escalation(struct ctx *c)
{
    struct cs_tm_model tm;
    bool have;
    int rc = tenant_model(c->req, CS_TM_ESCALATION, &tm, &have);
    if (rc) return rc;
    if (have) {
        struct cs_tm_pred p;
        c->source = "tenant", c->metrics = tm.metrics;
        rc = cs_tm_predict(&tm, &c->f, &p);
        if (!rc) add_p(c, "escalation_probability", p.value);
        if (!rc && c->want_explanation) explain(&c->pred, CS_TM_ESCALATION, M_ESC, p.value, &p.ex);
        return rc;
    }
    /* The shipped model, fitted on the project's labelled tickets (data/models/README.md). */
    struct cs_escalation e;
    c->source = "builtin";
    rc = cs_escalation_predict(c->req->env->models, &c->f.esc, &e);
    if (!rc) add_p(c, "escalation_probability", e.probability);
    if (!rc && c->want_explanation)
        explain(&c->pred, CS_TM_ESCALATION, M_ESC, e.probability, &e.explanation);
    return rc;
}

static int churn(struct ctx *c)
{
    struct cs_tm_model tm;
    bool have;
    int rc = tenant_model(c->req, CS_TM_CHURN, &tm, &have);
    if (!rc && !have) rc = cs_tm_churn_prior(c->req->arena, &tm);
    if (rc) return rc;
    struct cs_tm_pred p;
    c->source = tm.source, c->metrics = tm.metrics;
    rc = cs_tm_predict(&tm, &c->f, &p);
    if (!rc) add_p(c, "churn_probability", p.value);
    if (!rc && c->want_explanation) explain(&c->pred, CS_TM_CHURN, M_CHURN, p.value, &p.ex);
    return rc;
}

static void sla_clock(struct ctx *c)
{
    double hours = cs_tm_sla_hours(c->f.priority);
    cs_jb_double(&c->pred, "sla_hours", hours, 1);
    cs_jb_str(&c->pred, "sla_clock", c->cfg.bh.always ? "24x7" : "business_hours");
    if (!c->doc) return;
    int64_t opened = cs_json_get_int(c->doc, "opened_ms", 0),
            due = cs_bh_due(&c->cfg.bh, opened, hours * 3600.0);
    char iso[CS_ISO_MAX];
    if (due != INT64_MAX) cs_time_iso(due, CS_ISO_Z, iso);
    cs_jb_str(&c->pred, "sla_due_at", due == INT64_MAX ? NULL : iso);
    /* Business time the ticket has been open (or took), on the tenant's clock. */
    int64_t end = cs_json_get_int(c->doc, "open", 1)
                      ? c->req->now_ms
                      : cs_json_get_int(c->doc, "resolved_ms", c->req->now_ms);
    cs_jb_double(&c->pred, "sla_elapsed_hours", cs_bh_seconds(&c->cfg.bh, opened, end) / 3600.0, 2);
}

static int sla(struct ctx *c)
{
    struct cs_tm_model tm;
    bool have;
    int rc = tenant_model(c->req, CS_TM_SLA, &tm, &have);
    if (rc) return rc;
    if (have) {
        struct cs_tm_pred p;
        c->source = "tenant", c->metrics = tm.metrics;
        rc = cs_tm_predict(&tm, &c->f, &p);
        if (!rc) add_p(c, "breach_probability", p.value);
        if (!rc && c->want_explanation) explain(&c->pred, CS_TM_SLA, M_SLA, p.value, &p.ex);
    } else {
        double p;
        int64_t n;
        rc = cs_insights_sla_breach(c->req->store, c->req->auth.tenant, c->f.priority, &p, &n,
                                    &c->source);
        if (!rc) {
            add_p(c, "breach_probability", p);
            cs_jb_int(&c->pred, "sample_size", n);
        }
        if (!rc && c->want_explanation) explain_constant(&c->pred, M_SLA, p, true);
    }
    if (!rc) sla_clock(c);
    return rc;
}

static int resolution(struct ctx *c)
{
    struct cs_tm_model tm;
    bool have;
    int rc = tenant_model(c->req, CS_TM_RESOLUTION, &tm, &have);
    if (rc) return rc;
    double secs;
    if (have) {
        struct cs_tm_pred p;
        c->source = "tenant", c->metrics = tm.metrics;
        rc = cs_tm_predict(&tm, &c->f, &p);
        secs = p.value;
        static const char *const cls[] = {"q1", "q2", "q3", "q4"};
        if (!rc) cs_jb_str(&c->pred, "likeliest_time_class", cls[p.cls]);
        if (!rc && c->want_explanation) explain(&c->pred, CS_TM_RESOLUTION, M_RES, p.value, &p.ex);
    } else {
        struct cs_ticket_insights ti;
        memset(&ti, 0, sizeof(ti));
        struct cs_jb d; /* the ticket, or one made of the raw facts */
        cs_jb_init(&d, c->doc ? c->doc : cs_json_object(c->req->arena));
        if (!c->doc) {
            cs_jb_str(&d, "priority", c->f.priority);
            cs_jb_str(&d, "category", c->f.category);
        }
        if ((rc = cs_jb_done(&d))) return rc;
        rc = cs_insights_predict_resolution(c->req->store, c->req->auth.tenant, d.obj, &ti);
        secs = ti.resolution_s;
        c->source = ti.resolution_source;
        if (!rc) cs_jb_int(&c->pred, "sample_size", ti.resolution_n);
        if (!rc && c->want_explanation) explain_constant(&c->pred, M_RES, secs, false);
    }
    char text[32];
    cs_insights_duration_text(secs, text, sizeof(text));
    if (!rc) {
        cs_jb_str(&c->pred, "predicted_resolution_time", text);
        cs_jb_double(&c->pred, "predicted_resolution_seconds", secs, 0);
    }
    return rc;
}

static int sentiment(struct ctx *c)
{
    const char *msg = cs_json_get_str(c->b, "message");
    if (!msg) return bad(c->resp, "missing_input", "Give message", CS_ERR_VALIDATION);
    struct cs_sentiment s;
    /* The tenant's deployed sentiment model answers when there is one (issue 18), as it
     * does for /analyze/sentiment and triage; the answer names the deployment. */
    struct cs_ml_served sv;
    int rc = cs_ml_served_get(c->req, "sentiment", &sv);
    if (rc) return rc;
    if (sv.model) {
        rc = cs_ml_sentiment(sv.model, msg, strlen(msg), &s);
        c->source = "tenant";
        if (!rc) {
            cs_jb_str(&c->pred, "deployment", sv.deployment);
            cs_jb_str(&c->pred, "model_id", sv.model_id);
        }
    } else {
        rc = cs_sentiment_analyze(c->req->env->models, msg, strlen(msg), &s);
        c->source = "builtin";
    }
    if (!rc) {
        cs_jb_str(&c->pred, "sentiment", s.label);
        cs_jb_double(&c->pred, "sentiment_score", s.score, 4);
        cs_jb_double(&c->pred, "confidence", s.confidence, 4);
    }
    return rc;
}

static int predict(const struct cs_req *req, struct cs_resp *resp)
{
    const char *model = cs_req_param(req, "model_name");
    int k = 0;
    while (k < M_N && strcmp(model, MODELS[k]) != 0) k++;
    if (k == M_N) return bad(resp, "model_not_found", "Unknown model", CS_ERR_NOT_FOUND);
    struct ctx c = {.req = req, .resp = resp};
    int rc = cs_app_read_json(req, resp, &body_schema, &c.b);
    if (!rc && k != M_SENT) rc = load_ticket(req, resp, c.b, &c.doc);
    if (!rc && k != M_SENT)
        rc = cs_insights_cfg_load(req->store, req->arena, req->auth.tenant, &c.cfg, NULL);
    if (!rc && k != M_SENT)
        rc = c.doc ? cs_tm_facts_of_doc(req->store, req->auth.tenant, &c.cfg, c.doc, req->now_ms,
                                        &c.f)
                   : raw_facts(req, resp, c.b, &c.cfg, k == M_ESC, &c.f);
    if (rc) return rc;
    c.want_explanation = cs_json_get_bool(c.b, "include_explanation", false);
    cs_jb_init(&c.pred, json_object_new_object());
    switch (k) {
    case M_ESC: rc = escalation(&c); break;
    case M_CHURN: rc = churn(&c); break;
    case M_SLA: rc = sla(&c); break;
    case M_RES: rc = resolution(&c); break;
    default: rc = sentiment(&c); break;
    }
    if (rc) {
        json_object_put(c.pred.obj);
        return rc;
    }
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_nest(&o, "prediction", &c.pred);
    cs_jb_str(&o, "model", MODELS[k]);
    if (c.doc) cs_jb_str(&o, "ticket_id", cs_json_get_str(c.b, "ticket_id"));
    cs_jb_str(&o, "source", c.source);
    if (c.metrics) cs_jb_add(&o, "model_metrics", json_object_get(c.metrics));
    rc = cs_jb_done(&o);
    return rc ? rc : cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, o.obj);
}

/* ---- the list ---- */

static const char *const KINDS[M_N] = {
    "logistic regression over conversation facts",
    "time classes (the tenant's quartiles) by logistic regression over priority, sentiment, hour "
    "and category",
    "logistic regression over priority, sentiment, contacts and hour, on the tenant's business "
    "clock",
    "linear text classifier",
    "logistic regression over sentiment, contacts, escalation, reopening, CSAT and topic"};

/* What answers when the tenant has no fit. */
static const char *const FALLBACK[M_N] = {"builtin", "tenant_medians_or_prior",
                                          "tenant_share_or_prior", "builtin", "prior"};

/* "metrics": the held-out metrics in the shipped model's own file (null when none). */
static void add_builtin_metrics(const struct cs_req *req, const char *model, struct cs_jb *m)
{
    const struct cs_model *bm = cs_models_get(req->env->models, model);
    json_object *meta =
                    bm && cs_model_metadata(bm) ? json_tokener_parse(cs_model_metadata(bm)) : NULL,
                *metrics = NULL;
    if (meta) json_object_object_get_ex(meta, "metrics", &metrics);
    cs_jb_ref(m, "metrics", metrics);
    json_object_put(meta);
}

static int list_one(const struct cs_req *req, int i, struct cs_jb *m)
{
    cs_jb_str(m, "name", MODELS[i]);
    cs_jb_str(m, "kind", KINDS[i]);
    if (KIND[i] < 0) {
        /* The shipped text model: its file's own metadata (training data, held-out metrics). */
        cs_jb_str(m, "source", "builtin");
        add_builtin_metrics(req, "sentiment", m);
        return cs_jb_done(m);
    }
    struct cs_tm_model tm;
    json_object *status = NULL;
    int rc = cs_tm_load(req->store, req->arena, req->auth.tenant, (enum cs_tm_kind)KIND[i], &tm,
                        &status);
    if (rc == CS_OK) {
        char iso[CS_ISO_MAX];
        cs_time_iso(tm.fitted_ms, CS_ISO_Z, iso);
        cs_jb_str(m, "source", "tenant");
        cs_jb_add(m, "metrics", json_object_get(tm.metrics));
        cs_jb_int(m, "labelled_examples", tm.n_examples);
        cs_jb_str(m, "fitted_at", iso);
        return cs_jb_done(m);
    }
    if (rc != CS_ERR_NOT_FOUND && rc != CS_ERR_FORMAT) return rc;
    if (rc == CS_ERR_FORMAT)
        cs_log(CS_LOG_WARN, "stored tenant model malformed", "model", MODELS[i], NULL);
    int64_t n = status && rc == CS_ERR_NOT_FOUND ? cs_json_get_int(status, "n_examples", 0) : 0;
    cs_jb_str(m, "source", FALLBACK[i]);
    if (i == M_ESC)
        add_builtin_metrics(req, "escalation", m);
    else
        cs_jb_null(m, "metrics");
    /* Labelled examples the last refit counted (null before the first). */
    if (status)
        cs_jb_int(m, "labelled_examples", n);
    else
        cs_jb_null(m, "labelled_examples");
    return cs_jb_done(m);
}

static int list(const struct cs_req *req, struct cs_resp *resp)
{
    json_object *arr = cs_json_array(req->arena);
    if (!arr) return CS_ERR_NOMEM;
    for (int i = 0; i < M_N; i++) {
        struct cs_jb m;
        cs_jb_init(&m, json_object_new_object());
        int rc = list_one(req, i, &m);
        if (rc) {
            json_object_put(m.obj);
            return rc;
        }
        if ((rc = cs_json_push(arr, m.obj))) return rc;
    }
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_ref(&o, "models", arr);
    cs_jb_int(&o, "min_sample", CS_INSIGHTS_MIN_SAMPLE);
    cs_jb_int(&o, "min_labelled_examples", CS_TM_MIN_EXAMPLES);
    cs_jb_int(&o, "min_examples_per_class", CS_TM_MIN_CLASS);
    int rc = cs_jb_done(&o);
    return rc ? rc : cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, o.obj);
}

/* ---- the tenant's configuration ---- */

static int cfg_json(const struct cs_insights_cfg *cfg, json_object *stored, struct cs_arena *a,
                    json_object **out)
{
    json_object *v;
    struct cs_jb o, t;
    cs_jb_init(&t, json_object_new_object());
    cs_jb_double(&t, "sla_breach", cfg->sla_threshold, 4);
    cs_jb_double(&t, "churn", cfg->churn_threshold, 4);
    json_object *bh = stored && json_object_object_get_ex(stored, "business_hours", &v) ? v : NULL;
    json_object *hol = stored && json_object_object_get_ex(stored, "holidays", &v) && v
                           ? json_object_get(v)
                           : json_object_new_array();
    cs_jb_init(&o, cs_json_object(a));
    cs_jb_nest(&o, "thresholds", &t);
    cs_jb_ref(&o, "business_hours", bh);
    cs_jb_add(&o, "holidays", hol);
    cs_jb_str(&o, "sla_clock", cfg->bh.always ? "24x7" : "business_hours");
    cs_jb_str(&o, "time_zone", cfg->time_zone);
    cs_jb_int(&o, "max_workload", cfg->max_workload);
    *out = o.obj;
    return cs_jb_done(&o);
}

static int config(const struct cs_req *req, struct cs_resp *resp)
{
    struct cs_insights_cfg cfg;
    json_object *stored = NULL, *out = NULL;
    int rc = CS_OK;
    if (strcmp(req->method, "PUT") == 0) {
        static const struct cs_schema any = {NULL, 0};
        const char *field = NULL, *why = NULL;
        rc = cs_app_read_json(req, resp, &any, &stored);
        if (!rc) rc = cs_insights_cfg_read(stored, &cfg, &field, &why);
        if (rc == CS_ERR_VALIDATION && why) {
            cs_resp_field_error(resp, "body", field, why, "value_error");
            return bad(resp, "invalid_config", why, rc);
        }
        /* The zone is the tenant's one setting, which its summaries read too; the
         * rest is one configuration document per tenant, replaced whole. */
        if (!rc && cfg.time_zone[0])
            rc = cs_tenant_tz_set(req->store, req->arena, req->auth.tenant, cfg.time_zone,
                                  req->now_ms);
        json_object_object_del(stored, "time_zone");
        if (!rc)
            rc = cs_store_put(req->store, req->arena, req->auth.tenant, CS_TM_CFG_COLL,
                              CS_TM_CFG_ID, stored, req->now_ms, NULL);
    }
    if (!rc) rc = cs_insights_cfg_load(req->store, req->arena, req->auth.tenant, &cfg, &stored);
    if (!rc) rc = cfg_json(&cfg, stored, req->arena, &out);
    return rc ? rc : cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, out);
}

CS_HANDLER(fn_customer_ai_models)
{
    if (strstr(req->path, "/insights/config")) return config(req, resp);
    return strcmp(req->method, "GET") == 0 ? list(req, resp) : predict(req, resp);
}
