#include "handler.h"

#include "cs/function.h"
#include "cs/session.h"

static int rate_of(const struct cs_req *req, struct cs_rate *out)
{
    return cs_session_rate(req, "analytics", out);
}

const struct cs_function cs_function = {
    .name = "cs-analytics",
    .summary = "Customer-service analytics by tier, channel, escalation and sentiment (seed 003)",
    .family = CS_FAMILY_SESSIONS,
    .routes = {{"GET", "/api/v1/cs/analytics", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .rate_of = rate_of,
    .needs = CS_NEED_STORE,
    .handle = fn_cs_analytics,
};
