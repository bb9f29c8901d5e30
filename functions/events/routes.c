#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

/* PUT /api/v1/events/settings: the tenant's real-time settings. */
static const struct cs_field settings_fields[] = {
    {.name = "sentiment_alert_threshold",
     .type = CS_J_NUMBER,
     .required = true,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 1},
};
static const struct cs_schema settings_schema = {settings_fields, 1};

const struct cs_function cs_function = {
    .name = "events",
    .summary = "Real-time events of the tenant as Server-Sent Events (types filter, Last-Event-ID "
               "resume, heartbeats); real-time settings (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"GET", "/api/v1/events", NULL},
               {"GET", "/api/v1/events/settings", NULL},
               {"PUT", "/api/v1/events/settings", CS_ROLES_CONFIG}},
    .nroutes = 3,
    .auth = CS_AUTH_BEARER,
    .body = &settings_schema,
    .needs = CS_NEED_STORE,
    .init = fn_events_init,
    .handle = fn_events,
};
