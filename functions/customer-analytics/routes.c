#include "handler.h"

#include "cs/function.h"

const struct cs_function cs_function = {
    .name = "customer-analytics",
    .summary = "Service analytics overview by period: volume, resolution, CSAT, FCR, escalation, "
               "deflection (seed 000)",
    .family = CS_FAMILY_PREDICT,
    .routes = {{"GET", "/api/v1/customer/analytics/overview"}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE,
    .handle = fn_customer_analytics,
};
