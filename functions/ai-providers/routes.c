#include "handler.h"

#include "cs/function.h"

const struct cs_function cs_function = {
    .name = "ai-providers",
    .summary = "List the tenant's AI providers and models, builtin included (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"GET", "/api/v1/ai/providers", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE | CS_NEED_AI,
    .handle = fn_ai_providers,
};
