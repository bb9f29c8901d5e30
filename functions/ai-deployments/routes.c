#include "handler.h"

#include "cs/function.h"

/* POST bodies are read by the handler (rollback takes none). */
const struct cs_function cs_function = {
    .name = "ai-deployments",
    .summary = "Tenant models and deployments: list, deploy (atomic switch, metrics gate), roll "
               "back (seed 001, issue 18)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"GET", "/api/v1/ai/models", NULL},
               {"POST", "/api/v1/ai/deploy", CS_ROLES_CONFIG},
               {"POST", "/api/v1/ai/deploy/{name}/rollback", CS_ROLES_CONFIG}},
    .nroutes = 3,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE,
    .handle = fn_ai_deployments,
};
