/* GET /api/v1/tickets/metrics?period=24h|7d|30d|90d|all: read from the store's hourly
 * rollups of the tickets (cs/ticket_metrics.h), so a call costs O(hours x labels), not
 * O(tickets): counts, averages, nearest-rank percentiles and the mix of each label. */
#include <math.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/ticket_metrics.h"

int fn_tickets_metrics(const struct cs_req *req, struct cs_resp *resp);

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
    } periods[] = {{"24h", 86400000LL},
                   {"7d", 7 * 86400000LL},
                   {"30d", 30 * 86400000LL},
                   {"90d", 90 * 86400000LL},
                   {"all", 0}};
    const char *p = cs_req_query(req, "period");
    w->period = p ? p : "all";
    for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
        if (strcmp(w->period, periods[i].name) != 0) continue;
        w->nfilter = periods[i].ms ? 1 : 0;
        w->filter[0] =
            (struct cs_filter){"_created", CS_OP_GTE, cs_val_int(req->now_ms - periods[i].ms)};
        return CS_OK;
    }
    cs_resp_field_error(resp, "query", "period",
                        "Input should be '24h', '7d', '30d', '90d' or 'all'", "enum");
    return CS_ERR_VALIDATION;
}

/* {"<key>": count, ...}, most frequent first. */
static int mix(const struct cs_tm_mix *m, json_object **out)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; o && i < m->n; i++)
        json_object_object_add(o, m->keys[i], json_object_new_int64(m->counts[i]));
    *out = o;
    return o ? CS_OK : CS_ERR_NOMEM;
}

static int latency(const struct cs_ticket_metrics *t, json_object **out)
{
    json_object *o = json_object_new_object();
    int rc = o ? CS_OK : CS_ERR_NOMEM;
    if (!rc) rc = cs_json_add_double(o, "p50", t->p50_ms, 3);
    if (!rc) rc = cs_json_add_double(o, "p95", t->p95_ms, 3);
    if (!rc) rc = cs_json_add_double(o, "p99", t->p99_ms, 3);
    if (!rc) rc = cs_json_add_double(o, "avg", t->avg_ms, 3);
    *out = o;
    return rc;
}

int fn_tickets_metrics(const struct cs_req *req, struct cs_resp *resp)
{
    struct window w;
    int rc = parse_period(req, resp, &w);
    struct cs_ticket_metrics t;
    if (!rc)
        rc = cs_ticket_metrics(req->store, req->arena, req->auth.tenant,
                               w.nfilter ? w.filter[0].v.i : INT64_MIN, false, &t);
    json_object *o = rc ? NULL : cs_json_object(req->arena);
    if (!rc && !o) rc = CS_ERR_NOMEM;
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_OFFSET_US, ts);
    json_object *lat = NULL, *mixes[CS_TM_MIXES] = {NULL};
    static const char *const names[CS_TM_MIXES] = {"categories", "priorities", "sentiments",
                                                   "compliance"};
    if (!rc) rc = latency(&t, &lat);
    if (!rc) rc = cs_json_add_str(o, "period", w.period);
    if (!rc) rc = cs_json_add_int(o, "total_processed", t.total);
    if (!rc) rc = cs_json_add(o, "latency_ms", lat);
    if (!rc)
        rc = cs_json_add_double(o, "avg_confidence", isnan(t.avg_confidence) ? 0 : t.avg_confidence,
                                3);
    if (!rc)
        rc = cs_json_add_double(o, "escalation_rate",
                                isnan(t.escalation_rate) ? 0 : t.escalation_rate, 3);
    if (!rc)
        rc = cs_json_add_double(o, "kb_answer_rate", isnan(t.kb_answer_rate) ? 0 : t.kb_answer_rate,
                                3);
    for (int i = 0; !rc && i < CS_TM_MIXES; i++) {
        rc = mix(&t.mix[i], &mixes[i]);
        if (!rc) rc = cs_json_add(o, names[i], mixes[i]);
    }
    if (!rc) rc = cs_json_add_str(o, "generated_at", ts);
    if (!rc) rc = cs_family_ok(CS_FAMILY_TRIAGE, req, resp, 200, o);
    return rc;
}
