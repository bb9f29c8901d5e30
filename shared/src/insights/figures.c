/* Service figures over a tenant's tickets, computed in the store (one grouped aggregate
 * and a count per question, never a scan of documents in the function). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/insights.h"
#include "cs/session.h"
#include "cs/store.h"

static double pct(double share) { return isnan(share) ? NAN : share * 100.0; }

int cs_insights_figures_scan(struct cs_store *st, struct cs_arena *a, const char *tenant,
                             int64_t since_ms, const char *agent, struct cs_insights_figures *out)
{
    memset(out, 0, sizeof(*out));
    struct cs_filter f[3];
    size_t nf = 0;
    if (since_ms > 0) f[nf++] = (struct cs_filter){"opened_ms", CS_OP_GTE, cs_val_int(since_ms)};
    if (agent) f[nf++] = (struct cs_filter){"assignee", CS_OP_EQ, cs_val_str(agent)};
    struct cs_agg g = {.filters = f,
                       .nfilters = nf,
                       .metrics = {{CS_AGG_COUNT, NULL},
                                   {CS_AGG_SUM, "open"},
                                   {CS_AGG_AVG, "resolution_s"},
                                   {CS_AGG_AVG, "csat_satisfied"},
                                   {CS_AGG_AVG, "fcr"},
                                   {CS_AGG_AVG, "escalated"}},
                       .nmetrics = 6};
    struct cs_agg_row *rows;
    size_t n;
    int rc = cs_store_aggregate(st, a, tenant, CS_INSIGHTS_TICKETS, &g, &rows, &n);
    if (rc) return rc;
    const double *v = n ? rows[0].values : (const double[6]){0, 0, NAN, NAN, NAN, NAN};
    out->total = (int64_t)v[0];
    out->open = isnan(v[1]) ? 0 : (int64_t)v[1];
    out->resolved = out->total - out->open;
    out->avg_resolution_s = out->resolved ? v[2] : NAN;
    out->csat_pct = pct(v[3]);
    out->fcr_pct = out->resolved ? pct(v[4]) : NAN;
    out->escalation_pct = out->total ? pct(v[5]) : NAN;
    f[nf] = (struct cs_filter){"csat", CS_OP_EXISTS, cs_val_bool(true)};
    rc = cs_store_count(st, tenant, CS_INSIGHTS_TICKETS, f, nf + 1, &out->rated);
    if (!rc && !out->rated) out->csat_pct = NAN;
    return rc;
}

/* The same figures from the rollups (cs/store.h): O(hours) whatever the number of
 * tickets. Rollups keep no per-agent split, so an agent's figures are scanned. */
static double share(const struct cs_rollup_row *r, const char *field)
{
    int m = cs_store_rollup_measure(CS_INSIGHTS_TICKETS, field);
    return r && m >= 0 && r->n[m] ? r->sum[m] / (double)r->n[m] : NAN;
}

int cs_insights_figures(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        int64_t since_ms, const char *agent, struct cs_insights_figures *out)
{
    if (agent || since_ms <= 0)
        return cs_insights_figures_scan(st, a, tenant, since_ms, agent, out);
    memset(out, 0, sizeof(*out));
    struct cs_rollup_row *rows;
    size_t n;
    int rc =
        cs_store_rollup(st, a, tenant, CS_INSIGHTS_TICKETS, NULL, since_ms, INT64_MAX, &rows, &n);
    if (rc) return rc;
    const struct cs_rollup_row *t = n ? &rows[0] : NULL;
    int open = cs_store_rollup_measure(CS_INSIGHTS_TICKETS, "open"),
        csat = cs_store_rollup_measure(CS_INSIGHTS_TICKETS, "csat");
    if (open < 0 || csat < 0) return CS_ERR_INTERNAL;
    out->total = t ? t->count : 0;
    out->open = t ? (int64_t)t->sum[open] : 0;
    out->resolved = out->total - out->open;
    out->avg_resolution_s = out->resolved ? share(t, "resolution_s") : NAN;
    out->rated = t ? t->n[csat] : 0;
    out->csat_pct = out->rated ? pct(share(t, "csat_satisfied")) : NAN;
    out->fcr_pct = out->resolved ? pct(share(t, "fcr")) : NAN;
    out->escalation_pct = out->total ? pct(share(t, "escalated")) : NAN;
    return CS_OK;
}

int cs_insights_deflection(struct cs_store *st, const char *tenant, int64_t since_ms,
                           int64_t *sessions, int64_t *deflected)
{
    /* A session resolved while still on an AI tier never reached a human: tiers only
     * move up, so its current tier says so. */
    struct cs_filter f[3] = {{"_created", CS_OP_GTE, cs_val_int(since_ms)},
                             {"status", CS_OP_EQ, cs_val_str("RESOLVED")},
                             {"currentTier", CS_OP_NE, cs_val_str("HUMAN_AGENT")}};
    int rc = cs_store_count(st, tenant, CS_SESSIONS_COLL, f, 1, sessions);
    if (!rc) rc = cs_store_count(st, tenant, CS_SESSIONS_COLL, f, 3, deflected);
    return rc;
}

int cs_insights_team(struct cs_store *st, struct cs_arena *a, const char *tenant,
                     struct cs_insights_team *out)
{
    memset(out, 0, sizeof(*out));
    struct cs_filter f[1] = {{"resolution_s", CS_OP_EXISTS, cs_val_bool(true)}};
    struct cs_agg g = {.filters = f,
                       .nfilters = 1,
                       .group_by = "assignee",
                       .metrics = {{CS_AGG_COUNT, NULL},
                                   {CS_AGG_AVG, "resolution_s"},
                                   {CS_AGG_AVG, "csat_satisfied"},
                                   {CS_AGG_AVG, "fcr"}},
                       .nmetrics = 4};
    struct cs_agg_row *rows;
    size_t n;
    int rc = cs_store_aggregate(st, a, tenant, CS_INSIGHTS_TICKETS, &g, &rows, &n);
    if (rc) return rc;
    double *res = cs_arena_alloc(a, (n + 1) * sizeof(double) * 3);
    if (!res) return CS_ERR_NOMEM;
    double *csat = res + n + 1, *fcr = csat + n + 1;
    size_t nr = 0, nc = 0, nfc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].key.type != CS_VAL_STR) continue; /* resolved without an assignee */
        out->agents++;
        if (!isnan(rows[i].values[1])) res[nr++] = rows[i].values[1];
        if (!isnan(rows[i].values[2])) csat[nc++] = rows[i].values[2] * 100.0;
        if (!isnan(rows[i].values[3])) fcr[nfc++] = rows[i].values[3] * 100.0;
    }
    out->median_resolution_s = cs_insights_median(res, nr);
    out->median_csat_pct = cs_insights_median(csat, nc);
    out->median_fcr_pct = cs_insights_median(fcr, nfc);
    return CS_OK;
}

const char *cs_insights_coaching_focus(const struct cs_insights_figures *me,
                                       const struct cs_insights_team *team)
{
    if (me->resolved < CS_INSIGHTS_MIN_AGENT_SAMPLE || team->agents < 2) return "thin";
    if (!isnan(me->csat_pct) && me->csat_pct < team->median_csat_pct - 5) return "low_csat";
    if (me->avg_resolution_s > 1.25 * team->median_resolution_s) return "slow";
    if (!isnan(me->fcr_pct) && me->fcr_pct < team->median_fcr_pct - 5) return "low_fcr";
    if (!isnan(me->csat_pct) && me->csat_pct >= team->median_csat_pct + 5) return "high_csat";
    return "on_par";
}

/* Deterministic: the same figures always give the same tip. Margins: 5 percentage
 * points for shares, 25% for the resolution time (cs_insights_coaching_focus). */
void cs_insights_coaching_tip(const struct cs_insights_figures *me,
                              const struct cs_insights_team *team, char *out, size_t cap)
{
    char mine[32], theirs[32];
    const char *focus = cs_insights_coaching_focus(me, team);
    if (strcmp(focus, "thin") == 0) {
        snprintf(out, cap,
                 "Not enough resolved tickets yet (%lld, and %zu agent(s) on the team) to compare "
                 "with the team.",
                 (long long)me->resolved, team->agents);
        return;
    }
    cs_insights_duration_text(me->avg_resolution_s, mine, sizeof(mine));
    cs_insights_duration_text(team->median_resolution_s, theirs, sizeof(theirs));
    if (strcmp(focus, "low_csat") == 0)
        snprintf(
            out, cap,
            "CSAT %.1f%% is below the team median of %.1f%%: review your low-rated tickets with a "
            "senior agent and focus on acknowledging the customer's issue early.",
            me->csat_pct, team->median_csat_pct);
    else if (strcmp(focus, "slow") == 0)
        snprintf(out, cap,
                 "Resolution takes %s on average against a team median of %s: look at your "
                 "longest-running "
                 "tickets and hand off earlier when blocked.",
                 mine, theirs);
    else if (strcmp(focus, "low_fcr") == 0)
        snprintf(out, cap,
                 "First-contact resolution %.1f%% is below the team median of %.1f%%: gather the "
                 "details "
                 "you need in the first reply.",
                 me->fcr_pct, team->median_fcr_pct);
    else if (strcmp(focus, "high_csat") == 0)
        snprintf(
            out, cap,
            "Excellent performance: CSAT %.1f%% against a team median of %.1f%%, resolving in %s "
            "(team median %s). Consider mentoring junior agents.",
            me->csat_pct, team->median_csat_pct, mine, theirs);
    else
        snprintf(out, cap,
                 "On par with the team: CSAT %.1f%% (median %.1f%%), resolution %s (median %s). "
                 "Keep it up.",
                 isnan(me->csat_pct) ? 0.0 : me->csat_pct, team->median_csat_pct, mine, theirs);
}
