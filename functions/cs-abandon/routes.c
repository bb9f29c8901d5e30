#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

static const struct cs_field fields[] = {
    {.name = "idleMinutes",
     .type = CS_J_INT,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 43200},
    {.name = "limit", .type = CS_J_INT, .has_min = true, .min = 1, .has_max = true, .max = 500},
};
static const struct cs_schema schema = {fields, 2};

/* Meant to be called on a schedule (cron through the gateway locally; an EventBridge
 * rule in the cloud) with the tenant's token: sweeps that tenant's idle sessions. */
const struct cs_function cs_function = {
    .name = "cs-abandon",
    .summary = "Mark idle customer-service sessions abandoned (scheduled sweep, seed 003)",
    .family = CS_FAMILY_SESSIONS,
    .routes = {{"POST", "/api/v1/cs/sessions/abandon-idle", CS_ROLES_CONFIG}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &schema,
    .needs = CS_NEED_STORE,
    .sweep = "rate(15 minutes)",
    .handle = fn_cs_abandon,
};
