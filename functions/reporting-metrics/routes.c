#include "handler.h"

#include "cs/function.h"
#include "cs/reporting.h"

const struct cs_function cs_function = {
    .name = "reporting-metrics",
    .summary = "Call-segment metrics (count, sum, mean, p50, p90, p99) grouped by agent, team, "
               "menu, day or hour (seed 002)",
    .family = CS_FAMILY_REPORTING,
    .routes = {{"GET", "/manager/api/v1/metrics/call_segments"}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .basic = cs_rp_authenticate,
    .rate_key = "reporting",
    .rate_of = cs_rp_rate,
    .init = cs_rp_init,
    .needs = CS_NEED_STORE,
    .handle = fn_reporting_metrics,
};
