/* Seed 001's analytics summary, from the rollups or by aggregating tickets; see
 * cs/summary.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/summary.h"

static void fold(struct cs_summary *out, const char *label, int64_t n)
{
    if (label && strcmp(label, "positive") == 0)
        out->positive += n;
    else if (label && strcmp(label, "neutral") == 0)
        out->neutral += n;
    else
        out->negative += n; /* frustrated, angry, negative, and no label */
}

/* ---- by aggregating the tickets (UTC) ---- */

static int agg(struct cs_store *st, struct cs_arena *a, const char *tenant, struct cs_agg *g,
               struct cs_agg_row **rows, size_t *n)
{
    return cs_store_aggregate(st, a, tenant, CS_INSIGHTS_TICKETS, g, rows, n);
}

static int by_scan(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t from,
                   int64_t to, enum cs_tz_unit unit, struct cs_summary *out)
{
    static const enum cs_bucket buckets[] = {CS_BUCKET_DAY, CS_BUCKET_WEEK, CS_BUCKET_MONTH};
    struct cs_filter f[2] = {{"opened_ms", CS_OP_GTE, cs_val_int(from)},
                             {"opened_ms", CS_OP_LTE, cs_val_int(to)}};
    struct cs_agg g = {.filters = f,
                       .nfilters = 2,
                       .metrics = {{CS_AGG_COUNT, NULL},
                                   {CS_AGG_AVG, "csat"},
                                   {CS_AGG_AVG, "first_reply_s"},
                                   {CS_AGG_SUM, "open"}},
                       .nmetrics = 4};
    struct cs_agg_row *rows;
    size_t n;
    int rc = agg(st, a, tenant, &g, &rows, &n);
    if (rc) return rc;
    out->total = n ? (int64_t)rows[0].values[0] : 0;
    out->avg_csat = n ? rows[0].values[1] : NAN;
    out->avg_first_reply_s = n ? rows[0].values[2] : NAN;
    out->open = n && !isnan(rows[0].values[3]) ? (int64_t)rows[0].values[3] : 0;
    g = (struct cs_agg){.filters = f,
                        .nfilters = 2,
                        .group_by = "sentiment",
                        .metrics = {{CS_AGG_COUNT, NULL}},
                        .nmetrics = 1};
    if ((rc = agg(st, a, tenant, &g, &rows, &n))) return rc;
    for (size_t i = 0; i < n; i++)
        fold(out, rows[i].key.type == CS_VAL_STR ? rows[i].key.s : NULL,
             (int64_t)rows[i].values[0]);
    g = (struct cs_agg){.filters = f,
                        .nfilters = 2,
                        .group_by = "opened_ms",
                        .bucket = buckets[unit],
                        .metrics = {{CS_AGG_COUNT, NULL}, {CS_AGG_AVG, "sentiment_score"}},
                        .nmetrics = 2};
    if ((rc = agg(st, a, tenant, &g, &rows, &n))) return rc;
    out->timeline = cs_arena_alloc(a, (n + 1) * sizeof(*out->timeline));
    if (!out->timeline) return CS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        out->timeline[out->ntimeline++] =
            (struct cs_summary_bucket){rows[i].key.type == CS_VAL_STR ? rows[i].key.s : NULL,
                                       (int64_t)rows[i].values[0], rows[i].values[1]};
    g = (struct cs_agg){.filters = f,
                        .nfilters = 2,
                        .group_by = "category",
                        .metrics = {{CS_AGG_COUNT, NULL}, {CS_AGG_AVG, "sentiment_score"}},
                        .nmetrics = 2,
                        .by_metric = true,
                        .limit = CS_SUMMARY_TOP_ISSUES};
    if ((rc = agg(st, a, tenant, &g, &rows, &n))) return rc;
    for (size_t i = 0; i < n; i++)
        if (rows[i].key.type == CS_VAL_STR)
            out->issues[out->nissues++] = (struct cs_summary_issue){
                rows[i].key.s, (int64_t)rows[i].values[0], rows[i].values[1]};
    return CS_OK;
}

/* ---- from the rollups ---- */

static double mean(const struct cs_rollup_row *r, const char *field)
{
    int m = cs_store_rollup_measure(CS_INSIGHTS_TICKETS, field);
    return r && m >= 0 && r->n[m] ? r->sum[m] / (double)r->n[m] : NAN;
}

/* Most tickets first; ties by name, the unnamed group first (as SQL orders NULL). */
static int by_count(const void *x, const void *y)
{
    const struct cs_rollup_row *a = x, *b = y;
    if (a->count != b->count) return a->count < b->count ? 1 : -1;
    if (!a->key || !b->key) return (a->key != NULL) - (b->key != NULL);
    return strcmp(a->key, b->key);
}

static int timeline(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t from,
                    int64_t to, enum cs_tz_unit unit, const struct cs_tz *tz,
                    struct cs_summary *out)
{
    int64_t *bounds = cs_arena_alloc(a, (CS_SUMMARY_MAX_BUCKETS + 1) * sizeof(*bounds));
    if (!bounds) return CS_ERR_NOMEM;
    size_t nb = 0;
    bounds[nb++] = cs_tz_unit_start(tz, from, unit);
    while (bounds[nb - 1] <= to) {
        if (nb > CS_SUMMARY_MAX_BUCKETS) return CS_ERR_INVALID;
        bounds[nb] = cs_tz_unit_next(tz, bounds[nb - 1], unit);
        if (bounds[nb] <= bounds[nb - 1]) return CS_ERR_INTERNAL;
        nb++;
    }
    struct cs_rollup_row *rows;
    int rc =
        cs_store_rollup_buckets(st, a, tenant, CS_INSIGHTS_TICKETS, from, to, bounds, nb, &rows);
    if (rc) return rc;
    out->timeline = cs_arena_alloc(a, nb * sizeof(*out->timeline));
    if (!out->timeline) return CS_ERR_NOMEM;
    for (size_t i = 0; i + 1 < nb; i++) {
        if (!rows[i].count) continue; /* as a grouping: only buckets with tickets */
        char *date = cs_arena_alloc(a, 11);
        if (!date) return CS_ERR_NOMEM;
        cs_tz_date(tz, bounds[i], date);
        out->timeline[out->ntimeline++] =
            (struct cs_summary_bucket){date, rows[i].count, mean(&rows[i], "sentiment_score")};
    }
    return CS_OK;
}

static int by_rollup(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t from,
                     int64_t to, enum cs_tz_unit unit, const struct cs_tz *tz,
                     struct cs_summary *out)
{
    struct cs_rollup_row *rows;
    size_t n;
    int rc = cs_store_rollup(st, a, tenant, CS_INSIGHTS_TICKETS, NULL, from, to, &rows, &n);
    if (rc) return rc;
    int open = cs_store_rollup_measure(CS_INSIGHTS_TICKETS, "open");
    if (open < 0) return CS_ERR_INTERNAL;
    out->total = n ? rows[0].count : 0;
    out->open = n ? (int64_t)rows[0].sum[open] : 0;
    out->avg_csat = mean(n ? &rows[0] : NULL, "csat");
    out->avg_first_reply_s = mean(n ? &rows[0] : NULL, "first_reply_s");
    if ((rc =
             cs_store_rollup(st, a, tenant, CS_INSIGHTS_TICKETS, "sentiment", from, to, &rows, &n)))
        return rc;
    for (size_t i = 0; i < n; i++) fold(out, rows[i].key, rows[i].count);
    if ((rc = timeline(st, a, tenant, from, to, unit, tz, out))) return rc;
    if ((rc = cs_store_rollup(st, a, tenant, CS_INSIGHTS_TICKETS, "category", from, to, &rows, &n)))
        return rc;
    if (n) qsort(rows, n, sizeof(*rows), by_count);
    for (size_t i = 0; i < n && i < CS_SUMMARY_TOP_ISSUES; i++)
        if (rows[i].key)
            out->issues[out->nissues++] = (struct cs_summary_issue){
                rows[i].key, rows[i].count, mean(&rows[i], "sentiment_score")};
    return CS_OK;
}

int cs_summary(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t from_ms,
               int64_t to_ms, enum cs_tz_unit unit, const struct cs_tz *tz, bool scan,
               struct cs_summary *out)
{
    memset(out, 0, sizeof(*out));
    if (unit > CS_TZ_MONTH || from_ms > to_ms) return CS_ERR_INVALID;
    struct cs_tz *utc = NULL;
    int rc = CS_OK;
    if (!tz && (rc = cs_tz_load("UTC", &utc))) return rc;
    const struct cs_tz *z = tz ? tz : utc;
    if (scan)
        rc = strcmp(cs_tz_name(z), "UTC") == 0 ? by_scan(st, a, tenant, from_ms, to_ms, unit, out)
                                               : CS_ERR_INVALID;
    else
        rc = by_rollup(st, a, tenant, from_ms, to_ms, unit, z, out);
    cs_tz_free(utc);
    return rc;
}

/* ---- the tenant's time zone ---- */

int cs_tenant_tz(struct cs_store *st, struct cs_arena *a, const char *tenant, struct cs_tz **out)
{
    struct cs_doc d;
    int rc = cs_store_get(st, a, tenant, CS_TENANT_SETTINGS_COLL, CS_TENANT_TZ_ID, &d);
    if (rc == CS_ERR_NOT_FOUND) return cs_tz_load("UTC", out);
    if (rc) return rc;
    const char *name = cs_json_get_str(d.body, "time_zone");
    return name && cs_tz_load(name, out) == CS_OK ? CS_OK : CS_ERR_CONFIG;
}

int cs_tenant_tz_set(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name,
                     int64_t now_ms)
{
    struct cs_tz *tz;
    int rc = cs_tz_load(name, &tz);
    if (rc) return rc;
    cs_tz_free(tz);
    json_object *body = cs_json_object(a);
    if (!body) return CS_ERR_NOMEM;
    if ((rc = cs_json_add_str(body, "time_zone", name))) return rc;
    return cs_store_put(st, a, tenant, CS_TENANT_SETTINGS_COLL, CS_TENANT_TZ_ID, body, now_ms,
                        NULL);
}
