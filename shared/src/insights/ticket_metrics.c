/* Ticket processing metrics, from the rollups or by a scan; see cs/ticket_metrics.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/store.h"
#include "cs/ticket_metrics.h"

const char *const cs_tm_mix_field[CS_TM_MIXES] = {"category", "priority", "sentiment",
                                                  "compliance"};

static const char *const measures[] = {"processing_ms", "confidence", "escalation_needed",
                                       "kb_answer"};
static const double qs[] = {0.5, 0.95, 0.99};

static int mix_alloc(struct cs_arena *a, size_t n, struct cs_tm_mix *m)
{
    m->n = 0;
    m->keys = cs_arena_alloc(a, (n + 1) * sizeof(*m->keys));
    m->counts = cs_arena_alloc(a, (n + 1) * sizeof(*m->counts));
    return m->keys && m->counts ? CS_OK : CS_ERR_NOMEM;
}

/* ---- by scan: one aggregate per question over the window's tickets ---- */

static int scan_mix(struct cs_store *st, struct cs_arena *a, const char *tenant,
                    const struct cs_filter *f, size_t nf, const char *field, struct cs_tm_mix *m)
{
    struct cs_agg agg = {.filters = f,
                         .nfilters = nf,
                         .group_by = field,
                         .metrics = {{CS_AGG_COUNT, NULL}},
                         .nmetrics = 1,
                         .by_metric = true};
    struct cs_agg_row *rows;
    size_t n;
    int rc = cs_store_aggregate(st, a, tenant, CS_TICKET_METRICS_COLL, &agg, &rows, &n);
    if (!rc) rc = mix_alloc(a, n, m);
    for (size_t i = 0; !rc && i < n; i++) {
        if (rows[i].key.type != CS_VAL_STR) continue;
        m->keys[m->n] = rows[i].key.s;
        m->counts[m->n++] = (int64_t)rows[i].values[0];
    }
    return rc;
}

static int by_scan(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t since,
                   int64_t until, struct cs_ticket_metrics *out)
{
    struct cs_filter f[2];
    size_t nf = 0;
    if (since != INT64_MIN) f[nf++] = (struct cs_filter){"_created", CS_OP_GTE, cs_val_int(since)};
    if (until != INT64_MAX) f[nf++] = (struct cs_filter){"_created", CS_OP_LTE, cs_val_int(until)};
    struct cs_agg agg = {.filters = f,
                         .nfilters = nf,
                         .metrics = {{CS_AGG_COUNT, NULL},
                                     {CS_AGG_AVG, measures[0]},
                                     {CS_AGG_AVG, measures[1]},
                                     {CS_AGG_AVG, measures[2]},
                                     {CS_AGG_AVG, measures[3]}},
                         .nmetrics = 5};
    struct cs_agg_row *rows;
    size_t n;
    int rc = cs_store_aggregate(st, a, tenant, CS_TICKET_METRICS_COLL, &agg, &rows, &n);
    if (rc) return rc;
    const double *v = n ? rows[0].values : (const double[5]){0, NAN, NAN, NAN, NAN};
    out->total = (int64_t)v[0];
    out->avg_ms = v[1];
    out->avg_confidence = v[2];
    out->escalation_rate = v[3];
    out->kb_answer_rate = v[4];
    double p[3];
    rc = cs_store_quantiles(st, tenant, CS_TICKET_METRICS_COLL, f, nf, measures[0], qs, 3, p);
    out->p50_ms = p[0], out->p95_ms = p[1], out->p99_ms = p[2];
    for (int i = 0; !rc && i < CS_TM_MIXES; i++)
        rc = scan_mix(st, a, tenant, f, nf, cs_tm_mix_field[i], &out->mix[i]);
    return rc;
}

/* ---- from the rollups ---- */

static int by_count(const void *x, const void *y)
{
    const struct cs_rollup_row *a = x, *b = y;
    if (a->count != b->count) return a->count < b->count ? 1 : -1;
    if (!a->key || !b->key) return (a->key != NULL) - (b->key != NULL);
    return strcmp(a->key, b->key);
}

static double avg(const struct cs_rollup_row *r, int m)
{
    return r && r->n[m] ? r->sum[m] / (double)r->n[m] : NAN;
}

static int by_rollup(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t since,
                     int64_t until, struct cs_ticket_metrics *out)
{
    struct cs_rollup_row *rows;
    size_t n;
    int rc = cs_store_rollup(st, a, tenant, CS_TICKET_METRICS_COLL, NULL, since, until, &rows, &n);
    if (rc) return rc;
    int m[4];
    for (int i = 0; i < 4; i++)
        if ((m[i] = cs_store_rollup_measure(CS_TICKET_METRICS_COLL, measures[i])) < 0)
            return CS_ERR_INTERNAL;
    const struct cs_rollup_row *t = n ? &rows[0] : NULL;
    out->total = t ? t->count : 0;
    out->avg_ms = avg(t, m[0]);
    out->avg_confidence = avg(t, m[1]);
    out->escalation_rate = avg(t, m[2]);
    out->kb_answer_rate = avg(t, m[3]);
    double p[3];
    rc = cs_store_rollup_quantiles(st, tenant, CS_TICKET_METRICS_COLL, since, until, qs, 3, p);
    out->p50_ms = p[0], out->p95_ms = p[1], out->p99_ms = p[2];
    for (int i = 0; !rc && i < CS_TM_MIXES; i++) {
        rc = cs_store_rollup(st, a, tenant, CS_TICKET_METRICS_COLL, cs_tm_mix_field[i], since,
                             until, &rows, &n);
        if (!rc) rc = mix_alloc(a, n, &out->mix[i]);
        if (rc) break;
        if (n) qsort(rows, n, sizeof(*rows), by_count);
        for (size_t j = 0; j < n; j++) {
            if (!rows[j].key) continue;
            out->mix[i].keys[out->mix[i].n] = rows[j].key;
            out->mix[i].counts[out->mix[i].n++] = rows[j].count;
        }
    }
    return rc;
}

int cs_ticket_metrics(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t since_ms,
                      bool scan, struct cs_ticket_metrics *out)
{
    return cs_ticket_metrics_range(st, a, tenant, since_ms, INT64_MAX, scan, out);
}

int cs_ticket_metrics_range(struct cs_store *st, struct cs_arena *a, const char *tenant,
                            int64_t from_ms, int64_t to_ms, bool scan,
                            struct cs_ticket_metrics *out)
{
    memset(out, 0, sizeof(*out));
    return scan ? by_scan(st, a, tenant, from_ms, to_ms, out)
                : by_rollup(st, a, tenant, from_ms, to_ms, out);
}
