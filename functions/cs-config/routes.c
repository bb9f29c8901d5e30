#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

const struct cs_function cs_function = {
    .name = "cs-config",
    .summary = "Read or update a company's customer-service configuration (seed 003)",
    .family = CS_FAMILY_SESSIONS,
    .routes = {{"GET", "/api/v1/cs/config", NULL}, {"PUT", "/api/v1/cs/config", CS_ROLES_CONFIG}},
    .nroutes = 2,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE,
    .handle = fn_cs_config,
};
