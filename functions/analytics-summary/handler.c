/* GET /api/v1/analytics/summary?start_date&end_date&granularity=daily|weekly|monthly:
 * seed 001's dashboard over the tickets opened in the range (a conversation is a
 * ticket), computed in the store. Buckets are UTC days, ISO weeks (Monday) and calendar
 * months, keyed by their first day. */
#include <math.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"

int fn_analytics_summary(const struct cs_req *req, struct cs_resp *resp);

#define DAY_MS 86400000LL
#define TOP_ISSUES 5

struct range {
    struct cs_filter f[2];
    enum cs_bucket bucket;
};

static int invalid(struct cs_resp *resp, const char *field, const char *msg)
{
    resp->err_message = msg;
    cs_resp_field_error(resp, "query", field, msg, "value_error");
    return CS_ERR_VALIDATION;
}

static int parse(const struct cs_req *req, struct cs_resp *resp, struct range *r)
{
    const char *s = cs_req_query(req, "start_date"), *e = cs_req_query(req, "end_date"),
               *g = cs_req_query(req, "granularity");
    int64_t start = 0, end = req->now_ms;
    if (e && cs_time_parse_iso(e, &end)) return invalid(resp, "end_date", "end_date should be an ISO date");
    if (e && strlen(e) == 10) end += DAY_MS - 1; /* a bare date includes its whole day */
    if (s && cs_time_parse_iso(s, &start)) return invalid(resp, "start_date", "start_date should be an ISO date");
    if (!s) start = end - 30 * DAY_MS;
    if (start > end) return invalid(resp, "start_date", "start_date is after end_date");
    if (!g || strcmp(g, "daily") == 0) r->bucket = CS_BUCKET_DAY;
    else if (strcmp(g, "weekly") == 0) r->bucket = CS_BUCKET_WEEK;
    else if (strcmp(g, "monthly") == 0) r->bucket = CS_BUCKET_MONTH;
    else return invalid(resp, "granularity", "granularity should be 'daily', 'weekly' or 'monthly'");
    r->f[0] = (struct cs_filter){"opened_ms", CS_OP_GTE, cs_val_int(start)};
    r->f[1] = (struct cs_filter){"opened_ms", CS_OP_LTE, cs_val_int(end)};
    return CS_OK;
}

static int aggregate(const struct cs_req *req, struct cs_agg *g, struct cs_agg_row **rows, size_t *n)
{
    return cs_store_aggregate(req->store, req->arena, req->auth.tenant, CS_INSIGHTS_TICKETS, g, rows, n);
}

/* Seed 004's labels folded into the seed's three: frustrated and angry are negative. */
static int distribution(const struct cs_req *req, const struct range *r, double total, json_object *o)
{
    struct cs_agg g = {.filters = r->f, .nfilters = 2, .group_by = "sentiment",
                       .metrics = {{CS_AGG_COUNT, NULL}}, .nmetrics = 1};
    struct cs_agg_row *rows;
    size_t n;
    int rc = aggregate(req, &g, &rows, &n);
    double pos = 0, neg = 0, neu = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *k = rows[i].key.type == CS_VAL_STR ? rows[i].key.s : "";
        if (strcmp(k, "positive") == 0) pos += rows[i].values[0];
        else if (strcmp(k, "neutral") == 0) neu += rows[i].values[0];
        else neg += rows[i].values[0];
    }
    json_object *d = json_object_new_object();
    if (!rc && (!d || cs_json_add(o, "sentiment_distribution", d))) rc = CS_ERR_NOMEM;
    if (!rc) rc = cs_json_add_double(d, "positive", total ? pos / total : 0, 4);
    if (!rc) rc = cs_json_add_double(d, "negative", total ? neg / total : 0, 4);
    if (!rc) rc = cs_json_add_double(d, "neutral", total ? neu / total : 0, 4);
    return rc;
}

static int timeline(const struct cs_req *req, const struct range *r, json_object *o)
{
    struct cs_agg g = {.filters = r->f, .nfilters = 2, .group_by = "opened_ms", .bucket = r->bucket,
                       .metrics = {{CS_AGG_COUNT, NULL}, {CS_AGG_AVG, "sentiment_score"}}, .nmetrics = 2};
    struct cs_agg_row *rows;
    size_t n;
    int rc = aggregate(req, &g, &rows, &n);
    json_object *arr = json_object_new_array();
    if (!rc && (!arr || cs_json_add(o, "timeline_data", arr))) rc = CS_ERR_NOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        json_object *b = json_object_new_object();
        if (!b || json_object_array_add(arr, b)) return json_object_put(b), CS_ERR_NOMEM;
        rc = cs_json_add_str(b, "date", rows[i].key.type == CS_VAL_STR ? rows[i].key.s : NULL);
        if (!rc) rc = cs_json_add_int(b, "conversations", (int64_t)rows[i].values[0]);
        if (!rc) rc = cs_json_add_double(b, "avg_sentiment", rows[i].values[1], 4);
    }
    return rc;
}

static int top_issues(const struct cs_req *req, const struct range *r, json_object *o)
{
    struct cs_agg g = {.filters = r->f, .nfilters = 2, .group_by = "category",
                       .metrics = {{CS_AGG_COUNT, NULL}, {CS_AGG_AVG, "sentiment_score"}}, .nmetrics = 2,
                       .by_metric = true, .limit = TOP_ISSUES};
    struct cs_agg_row *rows;
    size_t n;
    int rc = aggregate(req, &g, &rows, &n);
    json_object *arr = json_object_new_array();
    if (!rc && (!arr || cs_json_add(o, "top_issues", arr))) rc = CS_ERR_NOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        if (rows[i].key.type != CS_VAL_STR) continue;
        json_object *b = json_object_new_object();
        if (!b || json_object_array_add(arr, b)) return json_object_put(b), CS_ERR_NOMEM;
        rc = cs_json_add_str(b, "issue", rows[i].key.s);
        if (!rc) rc = cs_json_add_int(b, "count", (int64_t)rows[i].values[0]);
        if (!rc) rc = cs_json_add_double(b, "sentiment", rows[i].values[1], 4);
    }
    return rc;
}

int fn_analytics_summary(const struct cs_req *req, struct cs_resp *resp)
{
    struct range r;
    int rc = parse(req, resp, &r);
    if (rc) return rc;
    struct cs_agg g = {.filters = r.f, .nfilters = 2,
                       .metrics = {{CS_AGG_COUNT, NULL}, {CS_AGG_AVG, "csat"}, {CS_AGG_AVG, "first_reply_s"},
                                   {CS_AGG_SUM, "open"}},
                       .nmetrics = 4};
    struct cs_agg_row *rows;
    size_t n;
    if ((rc = aggregate(req, &g, &rows, &n))) return rc;
    double total = n ? rows[0].values[0] : 0, open = n && !isnan(rows[0].values[3]) ? rows[0].values[3] : 0;
    json_object *o = cs_json_object(req->arena);
    if (!o) return CS_ERR_NOMEM;
    rc = cs_json_add_int(o, "total_conversations", (int64_t)total);
    if (!rc) rc = distribution(req, &r, total, o);
    if (!rc) rc = cs_json_add_double(o, "average_satisfaction", n ? rows[0].values[1] : NAN, 2);
    /* Minutes from opening to the first agent reply. */
    if (!rc) rc = cs_json_add_double(o, "response_time_avg", n ? rows[0].values[2] / 60.0 : NAN, 2);
    if (!rc) rc = cs_json_add_double(o, "resolution_rate", total ? (total - open) / total : NAN, 4);
    if (!rc) rc = timeline(req, &r, o);
    if (!rc) rc = top_issues(req, &r, o);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, o);
    return rc;
}
