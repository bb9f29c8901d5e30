/* Features and labels of the per-tenant outcome models (cs/tenant_models.h). One
 * function of a ticket's facts serves the fit and the prediction, so what the model
 * learnt is what it is asked. */
#include <math.h>
#include <string.h>

#include "cs/json.h"
#include "cs/sentiment.h"
#include "cs/store.h"
#include "cs/insights.h"
#include "cs/tenant_models.h"
#include "cs/triage.h"

#define HOUR_MS 3600000LL

const char *cs_tm_name(enum cs_tm_kind k)
{
    static const char *const n[] = {"escalation", "churn", "sla_breach", "resolution_time"};
    return (unsigned)k < CS_TM_N ? n[k] : NULL;
}

static const char *const churn_names[] = {
    "negative_sentiment", "angry_customer", "repeat_contacts",    "escalated", "reopened",
    "low_csat",           "high_csat",      "cancellation_topic", "hours_open"};
static const char *const sla_names[] = {"priority_urgent",    "priority_high",  "priority_low",
                                        "negative_sentiment", "angry_customer", "repeat_contacts",
                                        "opened_off_hours",   "escalated",      "reopened"};
/* Resolution: priority, sentiment, hour (in or out of business hours) and category. */
static const char *const res_names[] = {"priority_urgent",
                                        "priority_high",
                                        "priority_low",
                                        "negative_sentiment",
                                        "angry_customer",
                                        "opened_off_hours",
                                        "category_account",
                                        "category_billing",
                                        "category_cancellation",
                                        "category_complaint",
                                        "category_general_inquiry",
                                        "category_product_quality",
                                        "category_refund",
                                        "category_shipping",
                                        "category_subscription",
                                        "category_technical"};

#define N_OF(a) (sizeof(a) / sizeof(*(a)))

size_t cs_tm_n_features(enum cs_tm_kind k)
{
    switch (k) {
    case CS_TM_ESCALATION: return CS_ESCALATION_N_FEATURES;
    case CS_TM_CHURN: return N_OF(churn_names);
    case CS_TM_SLA: return N_OF(sla_names);
    case CS_TM_RESOLUTION: return N_OF(res_names);
    default: return 0;
    }
}

const char *cs_tm_feature_name(enum cs_tm_kind k, size_t i)
{
    if (i >= cs_tm_n_features(k)) return NULL;
    switch (k) {
    case CS_TM_ESCALATION: return cs_escalation_feature_name(i);
    case CS_TM_CHURN: return churn_names[i];
    case CS_TM_SLA: return sla_names[i];
    default: return res_names[i];
    }
}

double cs_tm_sla_hours(const char *priority) { return cs_insights_sla_hours(priority); }

static bool prio_is(const struct cs_tm_facts *f, const char *p)
{
    return f->priority && strcmp(f->priority, p) == 0;
}

/* Counts on a log scale: the tenth repeat contact says less than the second. */
static float log_count(double n) { return (float)log1p(n > 1000 ? 1000 : (n < 0 ? 0 : n)); }

void cs_tm_features(enum cs_tm_kind k, const struct cs_tm_facts *f, float *x)
{
    float neg = 1.0f - f->esc.sentiment_score, angry = f->esc.sentiment_level >= CS_SENT_ANGRY;
    float urgent = prio_is(f, "urgent"), high = prio_is(f, "high"), low = prio_is(f, "low");
    int cat = f->category ? cs_triage_category_parse(f->category) : -1;
    size_t i = 0;
    switch (k) {
    case CS_TM_ESCALATION: cs_escalation_features(&f->esc, x); return;
    case CS_TM_CHURN:
        x[i++] = neg, x[i++] = angry, x[i++] = log_count(f->esc.repeat_contacts);
        x[i++] = f->escalated != 0, x[i++] = f->reopened != 0;
        x[i++] = f->csat >= 1 && f->csat <= 2, x[i++] = f->csat >= 4;
        x[i++] = cat == CS_CAT_CANCELLATION || cat == CS_CAT_SUBSCRIPTION;
        x[i++] = log_count(f->hours_open);
        return;
    case CS_TM_SLA:
        x[i++] = urgent, x[i++] = high, x[i++] = low, x[i++] = neg, x[i++] = angry;
        x[i++] = log_count(f->esc.repeat_contacts), x[i++] = f->opened_off_hours;
        x[i++] = f->escalated != 0, x[i++] = f->reopened != 0;
        return;
    case CS_TM_RESOLUTION:
        x[i++] = urgent, x[i++] = high, x[i++] = low, x[i++] = neg, x[i++] = angry,
        x[i++] = f->opened_off_hours;
        for (int c = 0; c < CS_CAT__COUNT; c++) x[i++] = cat == c;
        return;
    default: return;
    }
}

/* Earlier tickets of the same customer (the escalation model's repeat contacts). */
static int repeats(struct cs_store *st, const char *tenant, json_object *doc, int64_t *out)
{
    const char *cust = cs_json_get_str(doc, "customer_id");
    *out = 0;
    if (!cust) return CS_OK;
    struct cs_filter f[2] = {
        {"customer_id", CS_OP_EQ, cs_val_str(cust)},
        {"opened_ms", CS_OP_LT, cs_val_int(cs_json_get_int(doc, "opened_ms", 0))}};
    return cs_store_count(st, tenant, CS_INSIGHTS_TICKETS, f, 2, out);
}

int cs_tm_facts_of_doc(struct cs_store *st, const char *tenant, const struct cs_insights_cfg *cfg,
                       json_object *doc, int64_t now_ms, struct cs_tm_facts *f)
{
    int64_t r = 0;
    int rc = repeats(st, tenant, doc, &r);
    return rc ? rc : cs_tm_facts_fill(cfg, doc, now_ms, r, f);
}

int cs_tm_facts_fill(const struct cs_insights_cfg *cfg, json_object *doc, int64_t now_ms,
                     int64_t repeat_contacts, struct cs_tm_facts *f)
{
    memset(f, 0, sizeof(*f));
    double score = cs_json_get_double(doc, "sentiment_score", 0.5);
    int64_t level = cs_json_get_int(doc, "sentiment_level", CS_SENT_NEUTRAL);
    int64_t esc = cs_json_get_int(doc, "escalated", 0), reo = cs_json_get_int(doc, "reopened", 0),
            csat = cs_json_get_int(doc, "csat", 0), rep = cs_json_get_int(doc, "replies", 0),
            opened = cs_json_get_int(doc, "opened_ms", 0);
    /* Stored values are checked like outside input. */
    if (!(score >= 0 && score <= 1) || level < CS_SENT_HAPPY || level > CS_SENT_IRATE || esc < 0 ||
        esc > 1 || reo < 0 || reo > CS_INSIGHTS_MAX_EVENTS || csat < 0 || csat > 5 || rep < 0 ||
        rep > CS_INSIGHTS_MAX_EVENTS || opened <= 0 || opened > now_ms + HOUR_MS)
        return CS_ERR_FORMAT;
    f->esc.sentiment_score = (float)score;
    f->esc.sentiment_level = (int)level;
    f->esc.repeat_contacts = (int)(repeat_contacts > 1000 ? 1000 : repeat_contacts);
    /* Waiting: until the first agent reply, else until the solve, else until now (as
     * cs_insights_escalation_input). */
    json_object *fr;
    double res = cs_json_get_double(doc, "resolution_s", -1);
    double wait_s = json_object_object_get_ex(doc, "first_reply_s", &fr)
                        ? json_object_get_double(fr)
                    : res >= 0 ? res
                               : (double)(now_ms - opened) / 1000.0;
    f->esc.wait_minutes = (float)(wait_s > 0 && isfinite(wait_s) ? wait_s / 60.0 : 0);
    f->priority = cs_json_get_str(doc, "priority");
    f->category = cs_json_get_str(doc, "category");
    f->escalated = (int)esc, f->reopened = (int)reo, f->csat = (int)csat, f->replies = (int)rep;
    f->opened_off_hours = !cs_bh_open_at(&cfg->bh, opened);
    f->hours_open = res >= 0 && isfinite(res)
                        ? res / 3600.0
                        : (double)(now_ms > opened ? now_ms - opened : 0) / (double)HOUR_MS;
    return CS_OK;
}

void cs_tm_label(enum cs_tm_kind k, const struct cs_insights_cfg *cfg, json_object *doc,
                 int64_t now_ms, bool *labelled, uint32_t *label, double *seconds)
{
    bool resolved = cs_json_get_int(doc, "open", 1) == 0;
    int64_t opened = cs_json_get_int(doc, "opened_ms", 0),
            done = cs_json_get_int(doc, "resolved_ms", 0);
    double res = cs_json_get_double(doc, "resolution_s", -1);
    *labelled = false, *label = 0, *seconds = 0;
    switch (k) {
    case CS_TM_ESCALATION: /* escalated at some point, or resolved without */
        *label = cs_json_get_int(doc, "escalated", 0) == 1;
        *labelled = *label || resolved;
        return;
    case CS_TM_CHURN: /* the outcome is known once the ticket is resolved, or churn was reported */
        *label = cs_json_get_int(doc, "churned", 0) == 1;
        *labelled = *label || resolved;
        return;
    case CS_TM_SLA: { /* resolved: was it late on the business clock; open: is it late already */
        double target = cs_tm_sla_hours(cs_json_get_str(doc, "priority")) * 3600.0;
        int64_t end = resolved ? done : now_ms;
        if (opened <= 0 || end < opened) return;
        *label = cs_bh_seconds(&cfg->bh, opened, end) > target;
        *labelled = resolved || *label;
        return;
    }
    case CS_TM_RESOLUTION:
        *labelled = resolved && res >= 0 && isfinite(res);
        *seconds = res;
        return;
    default: return;
    }
}
