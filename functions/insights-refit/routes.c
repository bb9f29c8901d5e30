#include "handler.h"

#include "cs/function.h"

/* No routes: an EventBridge schedule on Lambda, `--loop` under build.sh serve. Refits
 * the per-tenant outcome models (escalation, churn, SLA breach, resolution time) of
 * every tenant whose tickets changed since its last fit, or whose fit is older than the
 * refit interval. */
const struct cs_function cs_function = {
    .name = "insights-refit",
    .summary = "Refit each tenant's escalation, churn, SLA-breach and resolution-time models on "
               "its own outcomes",
    .family = CS_FAMILY_PREDICT,
    .nroutes = 0,
    .auth = CS_AUTH_NONE,
    .needs = CS_NEED_STORE,
    .schedule = "rate(1 hour)",
    .init = fn_insights_refit_init,
    .run = fn_insights_refit_run,
};
