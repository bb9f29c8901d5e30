/* Per-tenant outcome models in the store (cs/tenant_models.h): reading a fit back (as
 * outside input), the documented churn prior, predictions with exact explanations, and
 * the once-per-ticket alerts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/events.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/log.h"
#include "cs/notify.h"
#include "cs/sentiment.h"
#include "cs/store.h"
#include "cs/summary.h"
#include "cs/tenant_models.h"
#include "cs/tz.h"

/* A stored model file is a few hundred bytes; anything far larger is not ours. */
#define MAX_MODEL_B64 65536

static void free_tz(void *tz) { cs_tz_free(tz); }

/* The tenant's zone onto the clock (freed with the arena). */
static int load_zone(struct cs_store *st, struct cs_arena *a, const char *tenant,
                     struct cs_insights_cfg *cfg)
{
    struct cs_tz *tz = NULL;
    int rc = cs_tenant_tz(st, a, tenant, &tz);
    if (rc == CS_ERR_CONFIG) return CS_ERR_FORMAT; /* a stored name the system lacks */
    if (rc) return rc;
    if (cs_arena_defer(a, free_tz, tz)) {
        cs_tz_free(tz);
        return CS_ERR_NOMEM;
    }
    cfg->bh.tz = tz;
    snprintf(cfg->time_zone, sizeof(cfg->time_zone), "%s", cs_tz_name(tz));
    return CS_OK;
}

int cs_insights_cfg_load(struct cs_store *st, struct cs_arena *a, const char *tenant,
                         struct cs_insights_cfg *cfg, json_object **doc)
{
    struct cs_doc d;
    const char *field, *why;
    if (doc) *doc = NULL;
    int rc = cs_store_get(st, a, tenant, CS_TM_CFG_COLL, CS_TM_CFG_ID, &d);
    if (rc == CS_ERR_NOT_FOUND) {
        /* The defaults: 24x7, thresholds 0.7. */
        memset(cfg, 0, sizeof(*cfg));
        cs_bh_always(&cfg->bh);
        cfg->sla_threshold = cfg->churn_threshold = CS_TM_DEFAULT_THRESHOLD;
        cfg->max_workload = CS_INSIGHTS_DEFAULT_MAX_WORKLOAD;
        return load_zone(st, a, tenant, cfg);
    }
    if (rc) return rc;
    /* Read back from the store: validated as a request body would be. */
    if (cs_insights_cfg_read(d.body, cfg, &field, &why)) return CS_ERR_FORMAT;
    if (doc) *doc = d.body;
    return load_zone(st, a, tenant, cfg);
}

static void close_model(void *m) { cs_model_close(m); }

/* Opens base64 model bytes into the arena (8-byte aligned, as cs_model_open_mem asks);
 * the model is closed with the arena. */
static int open_b64(struct cs_arena *a, const char *b64, struct cs_model **out)
{
    size_t n = strlen(b64), len = 0;
    if (n == 0 || n > MAX_MODEL_B64) return CS_ERR_FORMAT;
    uint8_t *raw = cs_arena_alloc(a, n + 8);
    if (!raw) return CS_ERR_NOMEM;
    uint8_t *bytes = (uint8_t *)(((uintptr_t)raw + 7) & ~(uintptr_t)7);
    if (sodium_base642bin(bytes, n, b64, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return CS_ERR_FORMAT;
    int rc = cs_model_open_mem(bytes, len, out);
    if (rc) return rc == CS_ERR_NOMEM ? rc : CS_ERR_FORMAT;
    if (cs_arena_defer(a, close_model, *out)) {
        cs_model_close(*out);
        return CS_ERR_NOMEM;
    }
    return CS_OK;
}

/* The model must be the one this kind's features feed: same names, same order. */
static bool shape_ok(enum cs_tm_kind k, const struct cs_model *m)
{
    uint32_t classes = k == CS_TM_RESOLUTION ? CS_TM_RES_BUCKETS : 2;
    if (cs_model_kind(m) != CS_MODEL_DENSE || cs_model_n_features(m) != cs_tm_n_features(k) ||
        cs_model_n_classes(m) != classes)
        return false;
    for (uint32_t i = 0; i < cs_model_n_features(m); i++)
        if (strcmp(cs_model_feature_name(m, i), cs_tm_feature_name(k, i)) != 0) return false;
    return k == CS_TM_RESOLUTION || cs_model_label_index(m, "yes") == 1;
}

static int read_buckets(json_object *body, double *b)
{
    json_object *arr;
    if (!json_object_object_get_ex(body, "bucket_seconds", &arr) ||
        !json_object_is_type(arr, json_type_array) ||
        json_object_array_length(arr) != CS_TM_RES_BUCKETS)
        return CS_ERR_FORMAT;
    for (size_t i = 0; i < CS_TM_RES_BUCKETS; i++) {
        b[i] = json_object_get_double(json_object_array_get_idx(arr, i));
        if (!(b[i] >= 0 && b[i] < 1e9) || (i && b[i] < b[i - 1])) return CS_ERR_FORMAT;
    }
    return CS_OK;
}

int cs_tm_load(struct cs_store *st, struct cs_arena *a, const char *tenant, enum cs_tm_kind k,
               struct cs_tm_model *out, json_object **status_doc)
{
    memset(out, 0, sizeof(*out));
    out->kind = k;
    if (status_doc) *status_doc = NULL;
    struct cs_doc d;
    int rc = cs_store_get(st, a, tenant, CS_TM_COLL, cs_tm_name(k), &d);
    if (rc) return rc;
    if (!json_object_is_type(d.body, json_type_object)) return CS_ERR_FORMAT;
    const char *status = cs_json_get_str(d.body, "status");
    if (status_doc) *status_doc = d.body;
    if (status && strcmp(status, "insufficient") == 0) return CS_ERR_NOT_FOUND;
    return cs_tm_from_doc(a, k, d.body, out);
}

int cs_tm_from_doc(struct cs_arena *a, enum cs_tm_kind k, json_object *body,
                   struct cs_tm_model *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = k;
    const char *status = cs_json_get_str(body, "status"), *b64 = cs_json_get_str(body, "model");
    if (!status || strcmp(status, "fitted") != 0 || !b64) return CS_ERR_FORMAT;
    int rc = open_b64(a, b64, &out->m);
    if (rc) return rc;
    if (!shape_ok(k, out->m)) return CS_ERR_FORMAT;
    if (k == CS_TM_RESOLUTION && (rc = read_buckets(body, out->bucket_s))) return rc;
    json_object *metrics;
    if (!json_object_object_get_ex(body, "metrics", &metrics) ||
        !json_object_is_type(metrics, json_type_object))
        return CS_ERR_FORMAT;
    out->metrics = metrics;
    out->fitted_ms = cs_json_get_int(body, "fitted_ms", 0);
    out->n_examples = cs_json_get_int(body, "n_examples", 0);
    if (out->fitted_ms <= 0 || out->n_examples < CS_TM_MIN_EXAMPLES) return CS_ERR_FORMAT;
    out->source = "tenant";
    return CS_OK;
}

/* Encodes a spec into base64 text (malloc'ed). */
static int spec_b64(const struct cs_model_spec *spec, char **out)
{
    uint8_t *buf = NULL;
    size_t size = 0;
    int rc = cs_model_encode(spec, &buf, &size);
    if (rc) return rc;
    size_t cap = sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL);
    *out = malloc(cap);
    if (*out) sodium_bin2base64(*out, cap, buf, size, sodium_base64_VARIANT_ORIGINAL);
    free(buf);
    return *out ? CS_OK : CS_ERR_NOMEM;
}

/* The documented churn prior (README "Fitted models"): hand-set log-odds per feature,
 * in the order of cs_tm_feature_name(CS_TM_CHURN, i); not fitted to anyone's data. */
static const float churn_prior_w[] = {1.5f, 0.5f, 0.5f, 0.5f, 0.5f, 1.5f, -1.0f, 2.0f, 0.1f};
#define CHURN_PRIOR_BIAS (-3.5f)

int cs_tm_churn_prior(struct cs_arena *a, struct cs_tm_model *out)
{
    enum { NF = sizeof(churn_prior_w) / sizeof(*churn_prior_w) };
    memset(out, 0, sizeof(*out));
    out->kind = CS_TM_CHURN;
    out->source = "prior";
    float w[NF * 2], mean[NF] = {0}, bias[2] = {0, CHURN_PRIOR_BIAS};
    const char *names[NF];
    for (size_t i = 0; i < NF; i++)
        w[i * 2] = 0, w[i * 2 + 1] = churn_prior_w[i],
              names[i] = cs_tm_feature_name(CS_TM_CHURN, i);
    static const char *const labels[] = {"no", "yes"};
    struct cs_model_spec spec = {.kind = CS_MODEL_DENSE,
                                 .name = "churn",
                                 .metadata_json = "{\"source\":\"prior\"}",
                                 .n_classes = 2,
                                 .labels = labels,
                                 .n_features = NF,
                                 .feature_names = names,
                                 .temperature = 1.0f,
                                 .mean = mean,
                                 .bias = bias,
                                 .weights = w};
    char *b64 = NULL;
    int rc = spec_b64(&spec, &b64);
    if (!rc) rc = open_b64(a, b64, &out->m);
    free(b64);
    return rc;
}

int cs_tm_predict(const struct cs_tm_model *tm, const struct cs_tm_facts *f, struct cs_tm_pred *out)
{
    memset(out, 0, sizeof(*out));
    if (!tm->m) return CS_ERR_INVALID;
    float x[CS_TM_MAX_FEATURES];
    size_t n = cs_tm_n_features(tm->kind);
    cs_tm_features(tm->kind, f, x);
    struct cs_model_pred p;
    int rc = cs_model_predict_dense(tm->m, x, n, &p);
    if (rc) return rc;
    if (tm->kind == CS_TM_RESOLUTION) {
        out->cls = p.top;
        for (uint32_t c = 0; c < CS_TM_RES_BUCKETS; c++) out->value += p.prob[c] * tm->bucket_s[c];
    } else {
        out->cls = 1;
        out->value = p.prob[1];
    }
    return cs_model_explain_dense(tm->m, x, n, out->cls, CS_MODEL_MAX_EXPLAIN, &out->ex);
}

int cs_tm_doc_new(const struct cs_model_spec *spec, const double *bucket_s, json_object *metrics,
                  int64_t n_examples, int64_t now_ms, json_object **out)
{
    char *b64 = NULL;
    int rc = spec_b64(spec, &b64);
    *out = NULL;
    if (rc) return rc;
    struct cs_jb d;
    cs_jb_init(&d, json_object_new_object());
    cs_jb_str(&d, "status", "fitted");
    cs_jb_str(&d, "model", b64);
    cs_jb_int(&d, "fitted_ms", now_ms);
    cs_jb_int(&d, "checked_ms", now_ms);
    cs_jb_int(&d, "n_examples", n_examples);
    cs_jb_add(&d, "metrics", json_object_get(metrics));
    if (bucket_s) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; arr && i < CS_TM_RES_BUCKETS; i++)
            if (cs_json_push(arr, json_object_new_double(bucket_s[i]))) {
                json_object_put(arr);
                arr = NULL;
            }
        cs_jb_add(&d, "bucket_seconds", arr);
    }
    free(b64);
    *out = cs_jb_take(&d);
    return *out ? CS_OK : CS_ERR_NOMEM;
}

/* ---- alerts ---- */

static bool alerted(json_object *doc, const char *key)
{
    json_object *al;
    return json_object_object_get_ex(doc, "alerts", &al) &&
           json_object_object_get_ex(al, key, NULL);
}

static int mark(json_object *doc, const char *key, int64_t now_ms)
{
    json_object *al;
    if (!json_object_object_get_ex(doc, "alerts", &al) ||
        !json_object_is_type(al, json_type_object)) {
        al = json_object_new_object();
        if (!al || json_object_object_add(doc, "alerts", al))
            return json_object_put(al), CS_ERR_NOMEM;
    }
    return cs_json_add_int(al, key, now_ms);
}

/* The tenant's fit of kind k for an alert (NULL: none, or a damaged one, logged). */
static int alert_model(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       json_object *doc, enum cs_tm_kind k, struct cs_tm_model *m, bool *have)
{
    *have = false;
    const char *key = k == CS_TM_SLA ? "sla_breach_ms" : "churn_ms";
    if (alerted(doc, key) || (k == CS_TM_SLA && cs_json_get_int(doc, "open", 1) != 1)) return CS_OK;
    int rc = cs_tm_load(st, a, tenant, k, m, NULL);
    if (rc == CS_ERR_NOT_FOUND) return CS_OK; /* priors never fire */
    if (rc == CS_ERR_FORMAT) {
        /* A damaged fit must not block the ticket's own change; the next refit replaces it. */
        cs_log(CS_LOG_WARN, "stored tenant model malformed; no alert", "model", cs_tm_name(k),
               NULL);
        return CS_OK;
    }
    *have = rc == CS_OK;
    return rc;
}

static int alert_one(struct cs_store *st, struct cs_arena *a, const char *tenant, json_object *doc,
                     int64_t now_ms, const struct cs_insights_cfg *cfg, const struct cs_tm_facts *f,
                     const struct cs_tm_model *tm, int *fired)
{
    enum cs_tm_kind k = tm->kind;
    struct cs_tm_pred p;
    int rc = cs_tm_predict(tm, f, &p);
    double thr = k == CS_TM_SLA ? cfg->sla_threshold : cfg->churn_threshold;
    if (rc || p.value < thr) return rc;
    struct cs_jb data;
    cs_jb_init(&data, cs_json_object(a));
    cs_jb_str(&data, "ticket_id", cs_json_get_str(doc, "ticket_id"));
    if (cs_json_get_str(doc, "customer_id"))
        cs_jb_str(&data, "customer_id", cs_json_get_str(doc, "customer_id"));
    cs_jb_double(&data, k == CS_TM_SLA ? "breach_probability" : "churn_probability", p.value, 4);
    cs_jb_double(&data, "threshold", thr, 4);
    cs_jb_str(&data, "source", "tenant");
    if (k == CS_TM_SLA) {
        int64_t due = cs_bh_due(&cfg->bh, cs_json_get_int(doc, "opened_ms", now_ms),
                                cs_tm_sla_hours(cs_json_get_str(doc, "priority")) * 3600.0);
        char iso[CS_ISO_MAX];
        if (due != INT64_MAX) cs_time_iso(due, CS_ISO_Z, iso);
        cs_jb_str(&data, "sla_due_at", due == INT64_MAX ? NULL : iso);
    }
    rc = cs_jb_done(&data);
    if (!rc)
        rc = cs_notify_stage(st, a, tenant, k == CS_TM_SLA ? "sla.breach_risk" : "churn.detected",
                             data.obj, now_ms, NULL);
    if (!rc) rc = mark(doc, k == CS_TM_SLA ? "sla_breach_ms" : "churn_ms", now_ms);
    if (!rc && fired) (*fired)++;
    return rc;
}

int cs_tm_alerts(struct cs_store *st, struct cs_arena *a, const char *tenant, json_object *doc,
                 int64_t now_ms, int *fired)
{
    if (fired) *fired = 0;
    struct cs_tm_model sla, churn;
    bool have_sla, have_churn;
    int rc = alert_model(st, a, tenant, doc, CS_TM_SLA, &sla, &have_sla);
    if (!rc) rc = alert_model(st, a, tenant, doc, CS_TM_CHURN, &churn, &have_churn);
    if (rc || (!have_sla && !have_churn)) return rc;
    struct cs_insights_cfg cfg;
    struct cs_tm_facts f;
    rc = cs_insights_cfg_load(st, a, tenant, &cfg, NULL);
    if (!rc) rc = cs_tm_facts_of_doc(st, tenant, &cfg, doc, now_ms, &f);
    if (rc == CS_ERR_FORMAT) {
        /* A stored configuration or ticket that no longer validates must not block the
         * ticket's own change: no alert, and a line for the operator. */
        cs_log(CS_LOG_WARN, "stored insights config or ticket malformed; no alert", NULL);
        return CS_OK;
    }
    if (!rc && have_sla) rc = alert_one(st, a, tenant, doc, now_ms, &cfg, &f, &sla, fired);
    if (!rc && have_churn) rc = alert_one(st, a, tenant, doc, now_ms, &cfg, &f, &churn, fired);
    return rc;
}

/* sentiment.alert for a ticket that arrives harsh (ANGRY/IRATE) or below the tenant's
 * threshold (cs/events.h), while it is open: a historic ticket imported already solved
 * needs nobody's attention. Marked like the others (alerts.sentiment_ms). */
static int sentiment_alert(struct cs_store *st, struct cs_arena *a, const char *tenant,
                           json_object *doc, int64_t now_ms, int *fired)
{
    if (alerted(doc, "sentiment_ms") || cs_json_get_int(doc, "open", 1) != 1) return CS_OK;
    int64_t level = cs_json_get_int(doc, "sentiment_level", CS_SENT_NEUTRAL);
    double score = cs_json_get_double(doc, "sentiment_score", 0.5);
    /* Stored values are checked like outside input: a damaged one alerts nobody. */
    if (level < CS_SENT_HAPPY || level > CS_SENT_IRATE || !(score >= 0 && score <= 1)) return CS_OK;
    struct cs_jb data;
    cs_jb_init(&data, cs_json_object(a));
    cs_jb_str(&data, "source", "ticket");
    cs_jb_str(&data, "ticket_id", cs_json_get_str(doc, "ticket_id"));
    cs_jb_str(&data, "priority", cs_json_get_str(doc, "priority"));
    cs_jb_str(&data, "channel", cs_json_get_str(doc, "source"));
    bool fired_now = false;
    int rc = cs_jb_done(&data);
    if (!rc)
        rc = cs_events_sentiment_check(st, a, tenant, data.obj,
                                       cs_sentiment_level_name((enum cs_sentiment_level)level),
                                       score, now_ms, &fired_now);
    if (!rc && fired_now) rc = mark(doc, "sentiment_ms", now_ms);
    if (!rc && fired_now && fired) (*fired)++;
    return rc;
}

int cs_tm_alerts_opened(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        json_object *doc, int64_t now_ms, int *fired)
{
    int n = 0, m = 0;
    int rc = sentiment_alert(st, a, tenant, doc, now_ms, &n);
    if (!rc) rc = cs_tm_alerts(st, a, tenant, doc, now_ms, &m);
    if (fired) *fired = n + m;
    return rc;
}
