/* GET /api/v1/tickets/metrics?period=24h|7d|30d|90d|all, or ?from=&to= (ISO 8601; either
 * may be left out; a date alone as `to` includes that whole day): read from the store's
 * hourly rollups of the tickets (cs/ticket_metrics.h), so a call costs O(hours x labels),
 * not O(tickets): counts, averages, nearest-rank percentiles and the mix of each label. */
#include "handler.h"

#include <math.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/ticket_metrics.h"

struct window {
    const char *period;
    int64_t from_ms, to_ms; /* INT64_MIN / INT64_MAX: open */
    const char *from, *to;  /* as given, NULL when not */
};

/* One end of a custom range; a bare date as `to` means through the end of that day. */
static int parse_bound(const struct cs_req *req, struct cs_resp *resp, const char *name,
                       int64_t *ms)
{
    const char *v = cs_req_query(req, name);
    if (!v) return CS_OK;
    if (cs_time_parse_iso(v, ms) != CS_OK) {
        cs_resp_field_error(resp, "query", name,
                            "Input should be an ISO 8601 date or date-time, e.g. "
                            "2026-12-01 or 2026-12-01T08:00:00Z",
                            "datetime_parsing");
        return CS_ERR_VALIDATION;
    }
    if (strcmp(name, "to") == 0 && strlen(v) == 10) *ms += 86400000LL - 1;
    return CS_OK;
}

static int parse_range(const struct cs_req *req, struct cs_resp *resp, struct window *w)
{
    w->from = cs_req_query(req, "from");
    w->to = cs_req_query(req, "to");
    if (cs_req_query(req, "period")) {
        cs_resp_field_error(resp, "query", "period", "Give either period or from/to, not both",
                            "value_error");
        return CS_ERR_VALIDATION;
    }
    w->period = "custom";
    int rc = parse_bound(req, resp, "from", &w->from_ms);
    if (!rc) rc = parse_bound(req, resp, "to", &w->to_ms);
    if (!rc && w->from_ms > w->to_ms) {
        cs_resp_field_error(resp, "query", "to", "Input should not be before from", "value_error");
        rc = CS_ERR_VALIDATION;
    }
    return rc;
}

static int parse_period(const struct cs_req *req, struct cs_resp *resp, struct window *w)
{
    static const struct {
        const char *name;
        int64_t ms;
    } periods[] = {{"24h", 86400000LL},
                   {"7d", 7 * 86400000LL},
                   {"30d", 30 * 86400000LL},
                   {"90d", 90 * 86400000LL},
                   {"all", 0}};
    *w = (struct window){.from_ms = INT64_MIN, .to_ms = INT64_MAX};
    if (cs_req_query(req, "from") || cs_req_query(req, "to")) return parse_range(req, resp, w);
    const char *p = cs_req_query(req, "period");
    w->period = p ? p : "all";
    for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
        if (strcmp(w->period, periods[i].name) != 0) continue;
        if (periods[i].ms) w->from_ms = req->now_ms - periods[i].ms;
        return CS_OK;
    }
    cs_resp_field_error(resp, "query", "period",
                        "Input should be '24h', '7d', '30d', '90d' or 'all'", "enum");
    return CS_ERR_VALIDATION;
}

/* {"<key>": count, ...}, most frequent first. */
static json_object *mix(const struct cs_tm_mix *m)
{
    struct cs_jb o;
    cs_jb_init(&o, json_object_new_object());
    for (size_t i = 0; i < m->n; i++) cs_jb_int(&o, m->keys[i], m->counts[i]);
    return cs_jb_take(&o);
}

static json_object *latency(const struct cs_ticket_metrics *t)
{
    struct cs_jb o;
    cs_jb_init(&o, json_object_new_object());
    cs_jb_double(&o, "p50", t->p50_ms, 3);
    cs_jb_double(&o, "p95", t->p95_ms, 3);
    cs_jb_double(&o, "p99", t->p99_ms, 3);
    cs_jb_double(&o, "avg", t->avg_ms, 3);
    return cs_jb_take(&o);
}

/* The range's end as applied, so a client sees how a bare date was read. */
static void add_bound(struct cs_jb *o, const char *name, int64_t ms)
{
    char ts[CS_ISO_MAX];
    cs_time_iso(ms, CS_ISO_Z_MS, ts);
    cs_jb_str(o, name, ts);
}

CS_HANDLER(fn_tickets_metrics)
{
    struct window w;
    int rc = parse_period(req, resp, &w);
    struct cs_ticket_metrics t;
    if (!rc)
        rc = cs_ticket_metrics_range(req->store, req->arena, req->auth.tenant, w.from_ms, w.to_ms,
                                     false, &t);
    if (rc) return rc;
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_OFFSET_US, ts);
    static const char *const names[CS_TM_MIXES] = {"categories", "priorities", "sentiments",
                                                   "compliance"};
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_str(&o, "period", w.period);
    if (w.from) add_bound(&o, "from", w.from_ms);
    if (w.to) add_bound(&o, "to", w.to_ms);
    cs_jb_int(&o, "total_processed", t.total);
    cs_jb_add(&o, "latency_ms", latency(&t));
    cs_jb_double(&o, "avg_confidence", isnan(t.avg_confidence) ? 0 : t.avg_confidence, 3);
    cs_jb_double(&o, "escalation_rate", isnan(t.escalation_rate) ? 0 : t.escalation_rate, 3);
    cs_jb_double(&o, "kb_answer_rate", isnan(t.kb_answer_rate) ? 0 : t.kb_answer_rate, 3);
    for (int i = 0; i < CS_TM_MIXES; i++) cs_jb_add(&o, names[i], mix(&t.mix[i]));
    cs_jb_str(&o, "generated_at", ts);
    rc = cs_jb_done(&o);
    return rc ? rc : cs_family_ok(CS_FAMILY_TRIAGE, req, resp, 200, o.obj);
}
