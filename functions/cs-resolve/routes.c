#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

static const struct cs_field fields[] = {
    {.name = "resolutionType",
     .type = CS_J_STRING,
     .required = true,
     .one_of =
         (const char *const[]){"INFORMATION_PROVIDED", "ISSUE_RESOLVED", "REFUND_PROCESSED",
                               "REPLACEMENT_SENT", "CREDIT_APPLIED", "SUBSCRIPTION_MODIFIED",
                               "ESCALATED_TO_HUMAN", "CUSTOMER_SATISFIED", "UNRESOLVED", NULL}},
    {.name = "summary", .type = CS_J_STRING, .max_len = 4000},
    {.name = "actionsTaken", .type = CS_J_ARRAY, .items = CS_J_STRING, .max_len = 50},
    {.name = "followUpRequired", .type = CS_J_BOOL},
};
static const struct cs_schema schema = {fields, 4};

const struct cs_function cs_function = {
    .name = "cs-resolve",
    .summary = "Resolve a customer-service session (seed 003)",
    .family = CS_FAMILY_SESSIONS,
    .routes = {{"POST", "/api/v1/cs/sessions/{id}/resolve", CS_ROLES_WORK}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &schema,
    .needs = CS_NEED_STORE,
    .handle = fn_cs_resolve,
};
