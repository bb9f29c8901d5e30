#include "handler.h"

#include "cs/function.h"

/* none used: readiness is that the bundle opened (every model's name read) */
static const char *const models[] = {NULL};

const struct cs_function cs_function = {
    .name = "health-ready",
    .summary = "Readiness: the store answers and the built-in models are loaded",
    .family = CS_FAMILY_TRIAGE,
    .routes = {{"GET", "/health/ready", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_NONE,
    .needs = CS_NEED_STORE | CS_NEED_MODELS,
    .models = models,
    .handle = fn_health_ready,
};
