/* Group fairness metrics, as Fairlearn defines them:
 *   demographic parity difference = max_g rate(g) - min_g rate(g)
 *   demographic parity ratio      = min_g rate(g) / max_g rate(g)
 *   equalized odds difference     = max(TPR gap, FPR gap) across groups
 * where rate is the selection rate (share of positive outcomes) for a binary outcome.
 * For a numeric outcome (a satisfaction score) the group mean takes the rate's place,
 * so the ratio reads as "the worst-served group gets x of the best-served one's mean".
 * The four-fifths rule (US EEOC) passes when the ratio is at least 0.8. */
#include <math.h>

#include "cs/insights.h"

static void gap(double v, double *lo, double *hi)
{
    if (isnan(v)) return;
    if (isnan(*lo) || v < *lo) *lo = v;
    if (isnan(*hi) || v > *hi) *hi = v;
}

int cs_fair_compare(const struct cs_fair_group *g, size_t n, bool has_eo,
                    struct cs_fair_result *out)
{
    *out = (struct cs_fair_result){.eo_difference = NAN};
    double tlo = NAN, thi = NAN, flo = NAN, fhi = NAN;
    for (size_t i = 0; i < n; i++) {
        if (!g[i].scored) continue;
        if (out->nscored == 0 || g[i].value < g[out->lowest].value) out->lowest = i;
        if (out->nscored == 0 || g[i].value > g[out->highest].value) out->highest = i;
        out->nscored++;
        gap(g[i].tpr, &tlo, &thi);
        gap(g[i].fpr, &flo, &fhi);
    }
    if (out->nscored < 2) return CS_ERR_INVALID;
    double lo = g[out->lowest].value, hi = g[out->highest].value;
    out->dp_difference = hi - lo;
    out->dp_ratio = hi > 0 ? lo / hi : 1.0;
    out->four_fifths_ok = out->dp_ratio >= 0.8;
    out->disparity = 1.0 - out->dp_ratio;
    if (has_eo) {
        double t = isnan(tlo) ? 0 : thi - tlo, f = isnan(flo) ? 0 : fhi - flo;
        out->eo_difference = t > f ? t : f;
    }
    /* Thresholds: a gap under 10% is noise-level, over 20% fails the four-fifths rule. */
    out->concern = out->disparity < 0.1 ? "low" : out->four_fifths_ok ? "medium" : "high";
    return CS_OK;
}
