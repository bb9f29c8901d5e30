#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

/* targetTier is checked by the handler, which answers CS_004 for an invalid target. */
static const struct cs_field fields[] = {
    {.name = "reason",
     .type = CS_J_STRING,
     .required = true,
     .one_of = (const char *const[]){"IRATE_CUSTOMER", "REFUND_REQUEST", "COMPLEX_ISSUE",
                                     "REPEAT_CONTACT", "HIGH_VALUE_CUSTOMER", "LEGAL_MENTION",
                                     "SOCIAL_MEDIA_THREAT", "REFUND_OVER_THRESHOLD",
                                     "CUSTOMER_REQUEST", "POLICY_EXCEPTION", "ESCALATED_COMPLAINT",
                                     "TECHNICAL_LIMITATION", NULL}},
    {.name = "targetTier", .type = CS_J_STRING, .required = true, .max_len = 64},
    {.name = "notes", .type = CS_J_STRING, .max_len = 2000},
};
static const struct cs_schema schema = {fields, 3};

const struct cs_function cs_function = {
    .name = "cs-escalate",
    .summary = "Escalate a customer-service session to a higher tier (seed 003)",
    .family = CS_FAMILY_SESSIONS,
    .routes = {{"POST", "/api/v1/cs/sessions/{id}/escalate", CS_ROLES_WORK}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &schema,
    .needs = CS_NEED_STORE,
    .handle = fn_cs_escalate,
};
