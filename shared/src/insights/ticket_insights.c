/* Seed 000's ai_insights for one stored ticket (cs/insights.h). */
#include <math.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/escalation.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/tenant_models.h"

double cs_insights_resolution_prior(const char *priority)
{
    /* Documented priors (README "Customer insights"): the usual helpdesk targets for
     * resolution by priority, used only until the tenant has its own history. */
    if (priority && strcmp(priority, "urgent") == 0) return 2 * 3600.0;
    if (priority && strcmp(priority, "high") == 0) return 4 * 3600.0;
    if (priority && strcmp(priority, "low") == 0) return 72 * 3600.0;
    return 24 * 3600.0;
}

/* Median resolution of the resolved tickets matching filters; n = their count. */
static int median_of(struct cs_store *st, const char *tenant, struct cs_filter *f, size_t nf,
                     double *median, int64_t *n)
{
    int rc = cs_store_count(st, tenant, CS_INSIGHTS_TICKETS, f, nf, n);
    if (rc || *n < CS_INSIGHTS_MIN_SAMPLE) return rc;
    static const double half = 0.5;
    return cs_store_quantiles(st, tenant, CS_INSIGHTS_TICKETS, f, nf, "resolution_s", &half, 1,
                              median);
}

int cs_insights_predict_resolution(struct cs_store *st, const char *tenant, json_object *doc,
                                   struct cs_ticket_insights *out)
{
    const char *cat = cs_json_get_str(doc, "category"), *prio = cs_json_get_str(doc, "priority");
    struct cs_filter f[3] = {{"resolution_s", CS_OP_EXISTS, cs_val_bool(true)},
                             {"category", CS_OP_EQ, cs_val_str(cat ? cat : "")},
                             {"priority", CS_OP_EQ, cs_val_str(prio ? prio : "")}};
    double med = NAN;
    int64_t n = 0;
    int rc = median_of(st, tenant, f, 3, &med, &n);
    out->resolution_source = "category_priority_median";
    if (!rc && n < CS_INSIGHTS_MIN_SAMPLE) {
        rc = median_of(st, tenant, f, 2, &med, &n);
        out->resolution_source = "category_median";
    }
    if (rc) return rc;
    if (n < CS_INSIGHTS_MIN_SAMPLE || isnan(med)) {
        med = cs_insights_resolution_prior(prio);
        out->resolution_source = "prior";
        n = 0;
    }
    out->resolution_s = med;
    out->resolution_n = n;
    cs_insights_duration_text(med, out->resolution_text, sizeof(out->resolution_text));
    return CS_OK;
}

int cs_insights_agent_name(struct cs_store *st, struct cs_arena *a, const char *tenant,
                           const char *agent, const char **name)
{
    struct cs_query q = {.limit = 1, .sort = "_updated", .desc = true};
    int rc = cs_query_where(&q, "assignee", CS_OP_EQ, cs_val_str(agent));
    if (!rc) rc = cs_query_where(&q, "assignee_name", CS_OP_EXISTS, cs_val_bool(true));
    struct cs_doc_list l;
    if (!rc) rc = cs_store_find(st, a, tenant, CS_INSIGHTS_TICKETS, &q, &l);
    *name = (!rc && l.n) ? cs_json_get_str(l.docs[0].body, "assignee_name") : NULL;
    if (!*name) *name = agent;
    return rc;
}

/* The tenant's own fits, when it has them, answer instead of the shipped model and the
 * medians: the same answers as POST /ai-models/{model}/predict for this ticket. */
static int tenant_fits(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       json_object *doc, int64_t now_ms, struct cs_ticket_insights *out)
{
    struct cs_tm_model esc, res;
    int re = cs_tm_load(st, a, tenant, CS_TM_ESCALATION, &esc, NULL);
    int rr = cs_tm_load(st, a, tenant, CS_TM_RESOLUTION, &res, NULL);
    if (re != CS_OK && rr != CS_OK)
        return CS_OK; /* none (or a damaged one: the fallback answers) */
    struct cs_insights_cfg cfg;
    struct cs_tm_facts f;
    struct cs_tm_pred p;
    int rc = cs_insights_cfg_load(st, a, tenant, &cfg, NULL);
    if (!rc) rc = cs_tm_facts_of_doc(st, tenant, &cfg, doc, now_ms, &f);
    if (!rc && re == CS_OK && !(rc = cs_tm_predict(&esc, &f, &p))) {
        struct cs_escalation *e = &out->escalation;
        e->probability = (float)p.value;
        e->escalate = p.value >= 0.5;
        e->explanation = p.ex;
        e->n_factors = 0;
        for (uint32_t i = 0; i < p.ex.n && e->n_factors < CS_ESCALATION_N_FEATURES; i++)
            if (p.ex.item[i].contribution > 0)
                e->factors[e->n_factors++] =
                    cs_tm_feature_name(CS_TM_ESCALATION, p.ex.item[i].feature);
        out->escalation_source = "tenant";
    }
    if (!rc && rr == CS_OK && !(rc = cs_tm_predict(&res, &f, &p))) {
        out->resolution_s = p.value;
        out->resolution_source = "tenant";
        out->resolution_n = res.n_examples;
        cs_insights_duration_text(p.value, out->resolution_text, sizeof(out->resolution_text));
    }
    return rc;
}

int cs_insights_ticket_insights(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                const struct cs_models *m, const void *policy, json_object *doc,
                                int64_t now_ms, struct cs_ticket_insights *out)
{
    memset(out, 0, sizeof(*out));
    struct cs_escalation_input in;
    out->escalation_source = "builtin";
    int rc = cs_insights_escalation_input(st, tenant, doc, now_ms, &in);
    if (!rc) rc = cs_escalation_predict(m, &in, &out->escalation);
    if (!rc) rc = cs_insights_predict_resolution(st, tenant, doc, out);
    if (!rc) rc = tenant_fits(st, a, tenant, doc, now_ms, out);
    if (!rc) rc = cs_insights_recommend_agent(st, a, tenant, policy, doc, now_ms, out);
    return rc;
}

double cs_insights_sla_hours(const char *priority)
{
    /* Documented targets (README): resolution within 4/8/24/72 hours by priority. */
    if (priority && strcmp(priority, "urgent") == 0) return 4;
    if (priority && strcmp(priority, "high") == 0) return 8;
    if (priority && strcmp(priority, "low") == 0) return 72;
    return 24;
}

int cs_insights_sla_breach(struct cs_store *st, const char *tenant, const char *priority, double *p,
                           int64_t *n, const char **source)
{
    double limit = cs_insights_sla_hours(priority) * 3600.0;
    struct cs_filter f[3] = {{"resolution_s", CS_OP_EXISTS, cs_val_bool(true)},
                             {"priority", CS_OP_EQ, cs_val_str(priority ? priority : "")},
                             {"resolution_s", CS_OP_GT, cs_val_real(limit)}};
    int64_t late = 0;
    int rc = cs_store_count(st, tenant, CS_INSIGHTS_TICKETS, f, 2, n);
    if (!rc && *n >= CS_INSIGHTS_MIN_SAMPLE)
        rc = cs_store_count(st, tenant, CS_INSIGHTS_TICKETS, f, 3, &late);
    if (rc) return rc;
    if (*n < CS_INSIGHTS_MIN_SAMPLE) {
        *p = CS_INSIGHTS_SLA_BREACH_PRIOR;
        *source = "prior";
        *n = 0;
    } else {
        *p = (double)late / (double)*n;
        *source = "priority_breach_share";
    }
    return CS_OK;
}
