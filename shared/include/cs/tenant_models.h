/* Per-tenant outcome models (seed 000's escalation, churn, SLA breach and resolution
 * time predictors) and the tenant's SLA clock.
 *
 * A tenant's models are fitted by the insights-refit worker (tools/lib insights_fit.h,
 * the project's trainer) on the tenant's own ticket outcomes once it has enough labelled
 * examples (CS_TM_MIN_EXAMPLES, at least CS_TM_MIN_CLASS of each class), and stored in
 * the tenant's CS_TM_COLL collection as a model file (cs/model.h, base64) with the
 * held-out metrics beside it. Reading one back opens it with cs_model_open_mem, which
 * validates every offset, size, float and checksum, so a damaged document is
 * CS_ERR_FORMAT, never a crash. Below the threshold the documented priors answer.
 *
 * Features are the same function of a ticket at fit time and at prediction time
 * (cs_tm_features), so the contributions a prediction reports are the exact SHAP
 * values of the fitted linear model.
 */
#ifndef CS_TENANT_MODELS_H
#define CS_TENANT_MODELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"
#include "cs/escalation.h"
#include "cs/model.h"
#include "cs/tz.h"

struct cs_arena;
struct cs_store;
struct cs_models;

/* ---- The SLA clock: business hours and holidays ---- */

#define CS_BH_MAX_HOLIDAYS 366

struct cs_business_hours {
    bool always; /* 24x7: every second counts (the default) */
    /* The wall clock the hours and holidays are on: the tenant's IANA zone (cs/tz.h;
     * borrowed, NULL: UTC). cs_insights_cfg_load sets it; cs_bh_read leaves it NULL. */
    const struct cs_tz *tz;
    uint8_t days;  /* bit d set: ISO weekday d+1 (bit 0 Monday .. bit 6 Sunday) is open */
    int open_min;  /* opening, minutes after local midnight */
    int close_min; /* closing, > open_min (a shift never crosses midnight) */
    size_t nholidays;
    int32_t holidays[CS_BH_MAX_HOLIDAYS]; /* local days since 1970-01-01, sorted, closed all day */
};

/* The 24x7 clock. */
void cs_bh_always(struct cs_business_hours *bh);
/* Reads {"business_hours": null | {"days":["mon",...], "open":"09:00","close":"17:00"},
 * "holidays":["2026-12-25",...]} (local wall times and dates) from a tenant's
 * configuration. CS_ERR_VALIDATION with *field and *why on anything out of range (also
 * the former fixed "utc_offset": the zone is the tenant's IANA time_zone). */
CS_MUST_CHECK int cs_bh_read(json_object *cfg, struct cs_business_hours *bh, const char **field,
                             const char **why);
/* Business seconds in [from_ms, to_ms) (0 when to <= from). */
double cs_bh_seconds(const struct cs_business_hours *bh, int64_t from_ms, int64_t to_ms);
/* The instant at which `seconds` business seconds have passed since from_ms; INT64_MAX
 * when the calendar never gets there within ten years. */
int64_t cs_bh_due(const struct cs_business_hours *bh, int64_t from_ms, double seconds);
/* Whether at_ms falls inside business hours. */
bool cs_bh_open_at(const struct cs_business_hours *bh, int64_t at_ms);

/* ---- The tenant's insights configuration (collection CS_TM_CFG_COLL, id "config") ---- */

#define CS_TM_CFG_COLL "insights_config"
#define CS_TM_CFG_ID "config"
/* A fitted probability at or above the threshold fires the webhook (once per ticket). */
#define CS_TM_DEFAULT_THRESHOLD 0.7

struct cs_insights_cfg {
    struct cs_business_hours bh;
    /* The tenant's IANA zone name (CS_TENANT_SETTINGS_COLL, cs/summary.h): what
     * cs_insights_cfg_load read, or a body's top-level "time_zone" ("" when not given). */
    char time_zone[CS_TZ_NAME_MAX];
    int64_t max_workload;   /* open tickets per agent (CS_INSIGHTS_DEFAULT_MAX_WORKLOAD) */
    double sla_threshold;   /* sla.breach_risk */
    double churn_threshold; /* churn.detected */
};

/* Reads and validates a whole configuration body (business_hours, holidays,
 * thresholds {sla_breach, churn} in (0, 1], time_zone an IANA name the system knows,
 * max_workload an integer 1..1000);
 * absent parts take the defaults. bh.tz stays NULL (pure). */
CS_MUST_CHECK int cs_insights_cfg_read(json_object *body, struct cs_insights_cfg *cfg,
                                       const char **field, const char **why);
/* The tenant's stored configuration (defaults when none) on the tenant's time zone
 * (cs_tenant_tz; the zone is freed with the arena). A stored document or zone that no
 * longer validates is CS_ERR_FORMAT. *doc (may be NULL) receives the stored body. */
CS_MUST_CHECK int cs_insights_cfg_load(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                       struct cs_insights_cfg *cfg, json_object **doc);

/* ---- Models ---- */

#define CS_TM_COLL "insights_models"
/* Labelled examples a tenant needs before its own fit answers, and of each class. */
#define CS_TM_MIN_EXAMPLES 200
#define CS_TM_MIN_CLASS 20
/* Resolution time is fitted as CS_TM_RES_BUCKETS ordered time classes (the tenant's
 * quartiles); the prediction is the probability-weighted mean of the classes' medians. */
#define CS_TM_RES_BUCKETS 4
#define CS_TM_MAX_FEATURES 24

enum cs_tm_kind { CS_TM_ESCALATION, CS_TM_CHURN, CS_TM_SLA, CS_TM_RESOLUTION, CS_TM_N };

/* "escalation", "churn", "sla_breach", "resolution_time" (the store ids). */
const char *cs_tm_name(enum cs_tm_kind k);
size_t cs_tm_n_features(enum cs_tm_kind k);
const char *cs_tm_feature_name(enum cs_tm_kind k, size_t i);

/* What a ticket's features are made of, from a stored ticket or raw fields. */
struct cs_tm_facts {
    struct cs_escalation_input esc; /* sentiment, waits, repeat contacts, threats */
    const char *priority;           /* low|medium|high|urgent */
    const char *category;
    int escalated, reopened, csat, replies;
    bool opened_off_hours; /* opened outside the tenant's business hours */
    double hours_open;     /* opening to resolution, or to now while open (wall clock) */
};

/* Facts of a stored ticket as of now_ms (checked like outside input: CS_ERR_FORMAT for
 * out-of-range sentiment or counters). One tenant-scoped count (earlier tickets). */
CS_MUST_CHECK int cs_tm_facts_of_doc(struct cs_store *st, const char *tenant,
                                     const struct cs_insights_cfg *cfg, json_object *doc,
                                     int64_t now_ms, struct cs_tm_facts *f);
/* The same without the store: repeat_contacts given (the refit counts them in memory). */
CS_MUST_CHECK int cs_tm_facts_fill(const struct cs_insights_cfg *cfg, json_object *doc,
                                   int64_t now_ms, int64_t repeat_contacts, struct cs_tm_facts *f);
/* The model's scaled features x[0..cs_tm_n_features(k)). */
void cs_tm_features(enum cs_tm_kind k, const struct cs_tm_facts *f, float *x);

/* The label of a stored ticket for model k, when its outcome is known: *labelled false
 * otherwise. Binary models: *label 0/1. Resolution: *seconds (wall clock). */
void cs_tm_label(enum cs_tm_kind k, const struct cs_insights_cfg *cfg, json_object *doc,
                 int64_t now_ms, bool *labelled, uint32_t *label, double *seconds);

/* SLA target by priority in hours (urgent 4, high 8, medium 24, low 72), counted on the
 * tenant's business clock. */
double cs_tm_sla_hours(const char *priority);

/* A model ready to answer. */
struct cs_tm_model {
    enum cs_tm_kind kind;
    const char *source;                 /* "tenant", "prior", "builtin" */
    struct cs_model *m;                 /* NULL: no linear model (a prior without features) */
    double bucket_s[CS_TM_RES_BUCKETS]; /* resolution only */
    json_object *metrics;               /* held-out metrics of the fit (NULL for priors) */
    int64_t fitted_ms, n_examples;
};

/* The tenant's fitted model k (closed with the arena). CS_ERR_NOT_FOUND when the tenant
 * has no fit (then *status_doc, when not NULL, gets the refit's last check, or NULL);
 * CS_ERR_FORMAT when the stored document does not validate. */
CS_MUST_CHECK int cs_tm_load(struct cs_store *st, struct cs_arena *a, const char *tenant,
                             enum cs_tm_kind k, struct cs_tm_model *out, json_object **status_doc);
/* Opens a stored model document's body (what cs_tm_load reads back), validated. */
CS_MUST_CHECK int cs_tm_from_doc(struct cs_arena *a, enum cs_tm_kind k, json_object *body,
                                 struct cs_tm_model *out);
/* The documented churn prior (README): a small logistic model with hand-set weights,
 * built in the arena. */
CS_MUST_CHECK int cs_tm_churn_prior(struct cs_arena *a, struct cs_tm_model *out);

struct cs_tm_pred {
    double value;                   /* P(yes) for binary models; expected seconds for resolution */
    uint32_t cls;                   /* the explained class ("yes", or the likeliest time class) */
    struct cs_model_explanation ex; /* exact: ex.logit == ex.base + sum(item) + ex.other */
};
CS_MUST_CHECK int cs_tm_predict(const struct cs_tm_model *tm, const struct cs_tm_facts *f,
                                struct cs_tm_pred *out);

/* Stored model document from a fitted spec (the refit's side; json is a new reference).
 * bucket_s: CS_TM_RES_BUCKETS medians for resolution, else NULL. */
CS_MUST_CHECK int cs_tm_doc_new(const struct cs_model_spec *spec, const double *bucket_s,
                                json_object *metrics, int64_t n_examples, int64_t now_ms,
                                json_object **out);

/* ---- Alerts: sla.breach_risk and churn.detected ---- */

/* Called by a ticket write before it stores `doc` (same versioned write): with the
 * tenant's fitted churn and SLA models, stages churn.detected / sla.breach_risk (SLA
 * only while the ticket is open) when the probability reaches the tenant's threshold
 * and the ticket has not fired that event before, and marks the document
 * (alerts.churn_ms, alerts.sla_breach_ms), so it fires once per ticket. Priors never
 * fire. *fired (may be NULL) counts the events staged. */
CS_MUST_CHECK int cs_tm_alerts(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               json_object *doc, int64_t now_ms, int *fired);

/* The same for a ticket as it arrives (tickets-process, the incoming receiver, an
 * import), before the write that stores it: sentiment.alert while it is open and its
 * stored sentiment is ANGRY/IRATE or below the tenant's threshold (cs/events.h; marked
 * alerts.sentiment_ms), then cs_tm_alerts. Each fires once per ticket, also when the
 * same ticket arrives again. *fired (may be NULL) counts the alerts staged (one per
 * alert, whatever the number of subscribers). */
CS_MUST_CHECK int cs_tm_alerts_opened(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                      json_object *doc, int64_t now_ms, int *fired);

#endif
