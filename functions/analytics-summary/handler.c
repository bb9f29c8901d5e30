/* GET /api/v1/analytics/summary?start_date&end_date&granularity=daily|weekly|monthly:
 * seed 001's dashboard over the tickets opened in the range (a conversation is a
 * ticket), read from the store's hourly rollups (cs/summary.h). Buckets are days, ISO
 * weeks (Monday) and calendar months of the tenant's time zone (UTC unless set), keyed by
 * their first day. */
#include "handler.h"

#include <math.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/summary.h"
#include "cs/tz.h"

#define DAY_MS 86400000LL

struct range {
    int64_t from, to;
    enum cs_tz_unit unit;
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
    if (e && cs_time_parse_iso(e, &end))
        return invalid(resp, "end_date", "end_date should be an ISO date");
    if (e && strlen(e) == 10) end += DAY_MS - 1; /* a bare date includes its whole day */
    if (s && cs_time_parse_iso(s, &start))
        return invalid(resp, "start_date", "start_date should be an ISO date");
    if (!s) start = end - 30 * DAY_MS;
    if (start > end) return invalid(resp, "start_date", "start_date is after end_date");
    if (!g || strcmp(g, "daily") == 0)
        r->unit = CS_TZ_DAY;
    else if (strcmp(g, "weekly") == 0)
        r->unit = CS_TZ_WEEK;
    else if (strcmp(g, "monthly") == 0)
        r->unit = CS_TZ_MONTH;
    else
        return invalid(resp, "granularity", "granularity should be 'daily', 'weekly' or 'monthly'");
    r->from = start;
    r->to = end;
    return CS_OK;
}

static json_object *distribution(const struct cs_summary *s)
{
    double total = (double)s->total;
    struct cs_jb d;
    cs_jb_init(&d, json_object_new_object());
    cs_jb_double(&d, "positive", total ? (double)s->positive / total : 0, 4);
    cs_jb_double(&d, "negative", total ? (double)s->negative / total : 0, 4);
    cs_jb_double(&d, "neutral", total ? (double)s->neutral / total : 0, 4);
    return cs_jb_take(&d);
}

static json_object *timeline(const struct cs_summary *s)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < s->ntimeline; i++) {
        struct cs_jb b;
        cs_jb_init(&b, json_object_new_object());
        cs_jb_str(&b, "date", s->timeline[i].date);
        cs_jb_int(&b, "conversations", s->timeline[i].conversations);
        cs_jb_double(&b, "avg_sentiment", s->timeline[i].avg_sentiment, 4);
        if (cs_json_push(arr, cs_jb_take(&b))) json_object_put(arr), arr = NULL;
    }
    return arr;
}

static json_object *top_issues(const struct cs_summary *s)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < s->nissues; i++) {
        struct cs_jb b;
        cs_jb_init(&b, json_object_new_object());
        cs_jb_str(&b, "issue", s->issues[i].issue);
        cs_jb_int(&b, "count", s->issues[i].count);
        cs_jb_double(&b, "sentiment", s->issues[i].sentiment, 4);
        if (cs_json_push(arr, cs_jb_take(&b))) json_object_put(arr), arr = NULL;
    }
    return arr;
}

static void free_tz(void *tz) { cs_tz_free(tz); }

CS_HANDLER(fn_analytics_summary)
{
    struct range r;
    int rc = parse(req, resp, &r);
    if (rc) return rc;
    struct cs_tz *tz;
    if ((rc = cs_tenant_tz(req->store, req->arena, req->auth.tenant, &tz))) return rc;
    if (cs_arena_defer(req->arena, free_tz, tz)) return cs_tz_free(tz), CS_ERR_NOMEM;
    struct cs_summary s;
    rc = cs_summary(req->store, req->arena, req->auth.tenant, r.from, r.to, r.unit, tz, false, &s);
    if (rc == CS_ERR_INVALID)
        return invalid(resp, "start_date", "the range spans too many buckets for its granularity");
    if (rc) return rc;
    double total = (double)s.total;
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_int(&o, "total_conversations", s.total);
    cs_jb_add(&o, "sentiment_distribution", distribution(&s));
    cs_jb_double(&o, "average_satisfaction", s.avg_csat, 2);
    /* Minutes from opening to the first agent reply. */
    cs_jb_double(&o, "response_time_avg", s.avg_first_reply_s / 60.0, 2);
    cs_jb_double(&o, "resolution_rate", total ? (total - (double)s.open) / total : NAN, 4);
    cs_jb_str(&o, "time_zone", cs_tz_name(tz));
    cs_jb_add(&o, "timeline_data", timeline(&s));
    cs_jb_add(&o, "top_issues", top_issues(&s));
    rc = cs_jb_done(&o);
    return rc ? rc : cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, o.obj);
}
