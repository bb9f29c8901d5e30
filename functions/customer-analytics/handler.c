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

static int add_pct(json_object *o, const char *key, double v)
{
    return isnan(v) ? cs_json_add_str(o, key, NULL) : cs_json_add_double(o, key, v, 1);
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
    json_object *o = cs_json_object(req->arena), *m = json_object_new_object(),
                *n = json_object_new_object();
    if (!o || !m || !n || cs_json_add(o, "metrics", m) || cs_json_add(o, "sample_sizes", n)) {
        json_object_put(m);
        json_object_put(n);
        return CS_ERR_NOMEM;
    }
    char text[32];
    cs_insights_duration_text(f.avg_resolution_s, text, sizeof(text));
    rc = cs_json_add_str(o, "period", period);
    if (!rc) rc = cs_json_add_int(m, "total_tickets", f.total);
    if (!rc)
        rc = isnan(f.avg_resolution_s) ? cs_json_add_str(m, "avg_resolution_time", NULL)
                                       : cs_json_add_str(m, "avg_resolution_time", text);
    if (!rc)
        rc = isnan(f.avg_resolution_s)
                 ? cs_json_add_str(m, "avg_resolution_seconds", NULL)
                 : cs_json_add_double(m, "avg_resolution_seconds", f.avg_resolution_s, 1);
    if (!rc) rc = add_pct(m, "csat_score", f.csat_pct);
    if (!rc) rc = add_pct(m, "first_contact_resolution", f.fcr_pct);
    if (!rc) rc = add_pct(m, "escalation_rate", f.escalation_pct);
    if (!rc)
        rc = add_pct(m, "self_service_deflection",
                     sessions ? 100.0 * (double)deflected / (double)sessions : NAN);
    if (!rc) rc = cs_json_add_int(n, "tickets", f.total);
    if (!rc) rc = cs_json_add_int(n, "resolved", f.resolved);
    if (!rc) rc = cs_json_add_int(n, "rated", f.rated);
    if (!rc) rc = cs_json_add_int(n, "sessions", sessions);
    if (!rc) rc = cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, o);
    return rc;
}
