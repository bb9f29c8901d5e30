#include "handler.h"

#include "cs/function.h"

const struct cs_function cs_function = {
    .name = "analytics-summary",
    .summary = "Dashboard summary over the tenant's tickets: sentiment, satisfaction, timeline, "
               "top issues (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"GET", "/api/v1/analytics/summary"}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE,
    .handle = fn_analytics_summary,
};
