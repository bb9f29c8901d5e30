#include "handler.h"

#include "cs/function.h"

/* Seed 000's webhook registration, plus list, delete and the delivery log; and the
 * tenant's incoming-webhook receiver (secret, escalation threshold). Only POSTs
 * takes a body, so the handler reads it (cs_app_read_json) instead of the core. */
const struct cs_function cs_function = {
    .name = "customer-webhooks",
    .summary = "Register, list and delete signed webhook subscriptions, read their delivery log, "
               "configure the incoming receiver (seed 000)",
    .family = CS_FAMILY_PREDICT,
    .routes = {{"POST", "/api/v1/customer/webhooks", CS_ROLES_CONFIG},
               {"GET", "/api/v1/customer/webhooks", NULL},
               {"DELETE", "/api/v1/customer/webhooks/{id}", CS_ROLES_CONFIG},
               {"GET", "/api/v1/customer/webhooks/{id}/deliveries", NULL},
               {"POST", "/api/v1/customer/webhook-receiver", CS_ROLES_CONFIG},
               {"GET", "/api/v1/customer/webhook-receiver", NULL}},
    .nroutes = 6,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE,
    .init = fn_customer_webhooks_init,
    .handle = fn_customer_webhooks,
};
