#include "handler.h"

#include "cs/function.h"

const struct cs_function cs_function = {
    .name = "health-live",
    .summary = "Liveness: the process answers",
    .family = CS_FAMILY_TRIAGE,
    .routes = {{"GET", "/health/live", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_NONE,
    .handle = fn_health_live,
};
