/* GET /api/v1/tickets/metrics?period=24h|7d|30d|all: computed in the store (grouped
 * counts, averages and nearest-rank percentiles), never by loading every ticket. */
#include <math.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/store.h"

int fn_tickets_metrics(const struct cs_req *req, struct cs_resp *resp);

#define TICKETS "tickets"

struct window {
    const char *period;
    struct cs_filter filter[1];
    size_t nfilter;
};

static int parse_period(const struct cs_req *req, struct cs_resp *resp, struct window *w)
{
    static const struct {
        const char *name;
        int64_t ms;
    } periods[] = {{"24h", 86400000LL}, {"7d", 7 * 86400000LL}, {"30d", 30 * 86400000LL},
                   {"90d", 90 * 86400000LL}, {"all", 0}};
    const char *p = cs_req_query(req, "period");
    w->period = p ? p : "all";
    for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
        if (strcmp(w->period, periods[i].name) != 0) continue;
        w->nfilter = periods[i].ms ? 1 : 0;
        w->filter[0] = (struct cs_filter){"_created", CS_OP_GTE, cs_val_int(req->now_ms - periods[i].ms)};
        return CS_OK;
    }
    cs_resp_field_error(resp, "query", "period", "Input should be '24h', '7d', '30d', '90d' or 'all'", "enum");
    return CS_ERR_VALIDATION;
}

/* {"<key>": count, ...} for one grouping field. */
static int mix(const struct cs_req *req, const struct window *w, const char *field, json_object **out)
{
    struct cs_agg agg = {.filters = w->filter, .nfilters = w->nfilter, .group_by = field,
                         .metrics = {{CS_AGG_COUNT, NULL}}, .nmetrics = 1, .by_metric = true};
    struct cs_agg_row *rows;
    size_t n;
    int rc = cs_store_aggregate(req->store, req->arena, req->auth.tenant, TICKETS, &agg, &rows, &n);
    if (rc) return rc;
    json_object *o = json_object_new_object();
    for (size_t i = 0; o && i < n; i++)
        if (rows[i].key.type == CS_VAL_STR)
            json_object_object_add(o, rows[i].key.s, json_object_new_int64((int64_t)rows[i].values[0]));
    *out = o;
    return o ? CS_OK : CS_ERR_NOMEM;
}

static int latency(const struct cs_req *req, const struct window *w, double avg, json_object **out)
{
    static const double qs[] = {0.5, 0.95, 0.99};
    double v[3];
    int rc = cs_store_quantiles(req->store, req->auth.tenant, TICKETS, w->filter, w->nfilter,
                                "processing_ms", qs, 3, v);
    if (rc) return rc;
    json_object *o = json_object_new_object();
    rc = o ? CS_OK : CS_ERR_NOMEM;
    if (!rc) rc = cs_json_add_double(o, "p50", v[0], 3);
    if (!rc) rc = cs_json_add_double(o, "p95", v[1], 3);
    if (!rc) rc = cs_json_add_double(o, "p99", v[2], 3);
    if (!rc) rc = cs_json_add_double(o, "avg", avg, 3);
    *out = o;
    return rc;
}

/* Totals in one pass: count, averages, and the shares of flagged tickets. */
static int totals(const struct cs_req *req, const struct window *w, double out[5])
{
    struct cs_agg agg = {.filters = w->filter, .nfilters = w->nfilter,
                         .metrics = {{CS_AGG_COUNT, NULL}, {CS_AGG_AVG, "processing_ms"},
                                     {CS_AGG_AVG, "confidence"}, {CS_AGG_AVG, "escalation_needed"},
                                     {CS_AGG_AVG, "kb_answer"}},
                         .nmetrics = 5};
    struct cs_agg_row *rows;
    size_t n;
    int rc = cs_store_aggregate(req->store, req->arena, req->auth.tenant, TICKETS, &agg, &rows, &n);
    if (rc) return rc;
    for (int i = 0; i < 5; i++) out[i] = n ? rows[0].values[i] : 0;
    return CS_OK;
}

int fn_tickets_metrics(const struct cs_req *req, struct cs_resp *resp)
{
    struct window w;
    int rc = parse_period(req, resp, &w);
    double t[5];
    if (!rc) rc = totals(req, &w, t);
    json_object *o = rc ? NULL : cs_json_object(req->arena);
    if (!rc && !o) rc = CS_ERR_NOMEM;
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_OFFSET_US, ts);
    json_object *lat = NULL, *cats = NULL, *prios = NULL, *sents = NULL, *comp = NULL;
    if (!rc) rc = latency(req, &w, t[1], &lat);
    if (!rc) rc = cs_json_add_str(o, "period", w.period);
    if (!rc) rc = cs_json_add_int(o, "total_processed", (int64_t)t[0]);
    if (!rc) rc = cs_json_add(o, "latency_ms", lat);
    if (!rc) rc = cs_json_add_double(o, "avg_confidence", isnan(t[2]) ? 0 : t[2], 3);
    if (!rc) rc = cs_json_add_double(o, "escalation_rate", isnan(t[3]) ? 0 : t[3], 3);
    if (!rc) rc = cs_json_add_double(o, "kb_answer_rate", isnan(t[4]) ? 0 : t[4], 3);
    if (!rc) rc = mix(req, &w, "category", &cats);
    if (!rc) rc = cs_json_add(o, "categories", cats);
    if (!rc) rc = mix(req, &w, "priority", &prios);
    if (!rc) rc = cs_json_add(o, "priorities", prios);
    if (!rc) rc = mix(req, &w, "sentiment", &sents);
    if (!rc) rc = cs_json_add(o, "sentiments", sents);
    if (!rc) rc = mix(req, &w, "compliance", &comp);
    if (!rc) rc = cs_json_add(o, "compliance", comp);
    if (!rc) rc = cs_json_add_str(o, "generated_at", ts);
    if (!rc) rc = cs_family_ok(CS_FAMILY_TRIAGE, req, resp, 200, o);
    return rc;
}
