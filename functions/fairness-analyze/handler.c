/* POST /api/v1/fairness/analyze: seed 001's fairness report over the rows given
 * (cs_fair_report; metric definitions as Fairlearn documents them). Stateless. */
#include "handler.h"

#include "cs/family.h"
#include "cs/http.h"
#include "cs/insights.h"
#include "cs/json.h"

CS_HANDLER(fn_fairness_analyze)
{
    json_object *out = NULL;
    const char *why = NULL;
    int rc = cs_fair_report(req->json, req->arena, &out, &why);
    if (rc == CS_ERR_VALIDATION) {
        resp->err_message = why;
        cs_resp_field_error(resp, "body", "data", why, "value_error");
    }
    if (rc) return rc;
    return cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, out);
}
