/* GET /api/v1/customer/analytics/overview?period=24h|7d|30d|90d: seed 000's figures over
 * the tickets opened in the period, computed in the store (cs_insights_figures); each
 * figure is null when its sample is empty, and sample_sizes says how thin it is. */
#include "handler.h"

#include <math.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"

static int parse_period(const struct cs_req *req, struct cs_resp *resp, const char **name,
                        int64_t *ms)
{
    static const struct {
        const char *name;
        int64_t ms;
    } periods[] = {{"24h", 86400000LL},
                   {"7d", 7 * 86400000LL},
                   {"30d", 30 * 86400000LL},
                   {"90d", 90 * 86400000LL}};
    const char *p = cs_req_query(req, "period");
    *name = p ? p : "30d";
    for (size_t i = 0; i < sizeof(periods) / sizeof(*periods); i++)
        if (strcmp(*name, periods[i].name) == 0) return *ms = periods[i].ms, CS_OK;
    resp->err_code_name = "invalid_period";
    resp->err_message = "period should be '24h', '7d', '30d' or '90d'";
    return CS_ERR_VALIDATION;
}

/* v with one decimal, or null when there is no figure (NaN). */
static void add_figure(struct cs_jb *o, const char *key, double v)
{
    if (isnan(v))
        cs_jb_null(o, key);
    else
        cs_jb_double(o, key, v, 1);
}

CS_HANDLER(fn_customer_analytics)
{
    const char *period;
    int64_t span;
    int rc = parse_period(req, resp, &period, &span);
    if (rc) return rc;
    int64_t since = req->now_ms - span, sessions = 0, deflected = 0;
    struct cs_insights_figures f;
    rc = cs_insights_figures(req->store, req->arena, req->auth.tenant, since, NULL, &f);
    if (!rc)
        rc = cs_insights_deflection(req->store, req->auth.tenant, since, &sessions, &deflected);
    if (rc) return rc;
    char text[32];
    cs_insights_duration_text(f.avg_resolution_s, text, sizeof(text));
    struct cs_jb o, m, n;
    cs_jb_init(&m, json_object_new_object());
    cs_jb_int(&m, "total_tickets", f.total);
    cs_jb_str(&m, "avg_resolution_time", isnan(f.avg_resolution_s) ? NULL : text);
    add_figure(&m, "avg_resolution_seconds", f.avg_resolution_s);
    add_figure(&m, "csat_score", f.csat_pct);
    add_figure(&m, "first_contact_resolution", f.fcr_pct);
    add_figure(&m, "escalation_rate", f.escalation_pct);
    add_figure(&m, "self_service_deflection",
               sessions ? 100.0 * (double)deflected / (double)sessions : NAN);
    cs_jb_init(&n, json_object_new_object());
    cs_jb_int(&n, "tickets", f.total);
    cs_jb_int(&n, "resolved", f.resolved);
    cs_jb_int(&n, "rated", f.rated);
    cs_jb_int(&n, "sessions", sessions);
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_nest(&o, "metrics", &m);
    cs_jb_nest(&o, "sample_sizes", &n);
    cs_jb_str(&o, "period", period);
    rc = cs_jb_done(&o);
    return rc ? rc : cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, o.obj);
}
