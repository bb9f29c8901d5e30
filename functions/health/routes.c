#include "handler.h"

#include "cs/function.h"

const struct cs_function cs_function = {
    .name = "health",
    .summary = "Health check: service status, version and store backend",
    .family = CS_FAMILY_TRIAGE,
    .routes = {{"GET", "/health", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_NONE,
    .needs = CS_NEED_STORE,
    .handle = fn_health,
};
