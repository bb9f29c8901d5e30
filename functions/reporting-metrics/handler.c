/* GET /manager/api/v1/metrics/call_segments?group_by=agent|team|menu|day|hour
 *     &created_at[from]=&created_at[to]=
 * One row per group: {"group_by","key","calls","segments":{name:{count,sum,mean,p50,
 * p90,p99}}}. A segment that applied to no call of the group has count 0 and null
 * statistics. Without created_at[from] the window starts 30 days before created_at[to]
 * (default: now). Keys are UTC days and hours. */
#include "handler.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/reporting.h"

#define DEFAULT_WINDOW_MS (30LL * 86400000LL)

static const char *const groups[] = {"agent", "team", "menu", "day", "hour"};

static json_object *stat_json(const struct cs_rp_stat *s)
{
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    json_object_object_add(o, "count", json_object_new_int64(s->count));
    json_object_object_add(o, "sum", s->count ? json_object_new_double(s->sum) : NULL);
    json_object_object_add(o, "mean", s->count ? json_object_new_double(s->mean) : NULL);
    json_object_object_add(o, "p50", s->count ? json_object_new_double(s->p50) : NULL);
    json_object_object_add(o, "p90", s->count ? json_object_new_double(s->p90) : NULL);
    json_object_object_add(o, "p99", s->count ? json_object_new_double(s->p99) : NULL);
    return o;
}

static json_object *row_json(const char *group, const struct cs_rp_group_row *row)
{
    json_object *o = json_object_new_object(), *segs = json_object_new_object();
    if (!o || !segs) {
        json_object_put(o), json_object_put(segs);
        return NULL;
    }
    json_object_object_add(o, "group_by", json_object_new_string(group));
    json_object_object_add(o, "key", row->key ? json_object_new_string(row->key) : NULL);
    json_object_object_add(o, "calls", json_object_new_int64(row->calls));
    for (int k = 0; k < RP_SEG__COUNT; k++)
        json_object_object_add(segs, cs_rp_seg_name((enum cs_rp_seg)k), stat_json(&row->seg[k]));
    json_object_object_add(o, "segments", segs);
    return o;
}

CS_HANDLER(fn_reporting_metrics)
{
    static const char *const extra[] = {"group_by", NULL};
    const struct cs_rp_resource *calls = cs_rp_resource_find("calls");
    struct cs_rp_query *q = cs_arena_alloc(req->arena, sizeof(*q));
    if (!q) return CS_ERR_NOMEM;
    struct cs_rp_error err;
    int rc = cs_rp_query_parse(calls, req->query, extra, req->arena, q, &err);
    if (rc) return cs_rp_query_fail(resp, rc, &err);
    int g = -1;
    for (int i = 0; q->group_by && i < 5; i++)
        if (!strcmp(q->group_by, groups[i])) g = i;
    if (g < 0)
        return cs_rp_fail(resp, CS_ERR_BAD_REQUEST, "bad_group_by",
                          "group_by must be agent, team, menu, day or hour");
    int64_t to = req->now_ms, from = -1;
    for (size_t i = 0; i < q->nfilters; i++) {
        const struct cs_rp_filter *f = &q->filters[i];
        if (strcmp(f->field->name, "created_at") || f->kind != RP_F_RANGE)
            return cs_rp_fail(resp, CS_ERR_VALIDATION, "unknown_filter",
                              cs_arena_printf(req->arena,
                                              "Unknown filter: %s (metrics take "
                                              "created_at[from] and created_at[to])",
                                              f->field->name));
        if (f->has_to) to = f->to_i;
        if (f->has_from) from = f->from_i;
    }
    if (q->sort || q->has_after || q->with_deleted)
        return cs_rp_fail(resp, CS_ERR_VALIDATION, "unknown_filter",
                          "Metrics take only group_by, created_at[from] and created_at[to]");
    if (from < 0) from = to - DEFAULT_WINDOW_MS;
    struct cs_rp_group_row *rows;
    size_t n;
    rc = cs_rp_store_segment_stats(req->store, req->arena, req->auth.tenant, (enum cs_rp_group)g,
                                   from, to, &rows, &n);
    if (rc) return rc;
    json_object *out = cs_json_array(req->arena);
    if (!out) return CS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        json_object *o = row_json(groups[g], &rows[i]);
        if (!o || json_object_array_add(out, o)) return CS_ERR_NOMEM;
    }
    return cs_family_ok(CS_FAMILY_REPORTING, req, resp, 200, out);
}
