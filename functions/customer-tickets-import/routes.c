#include "handler.h"

#include "cs/function.h"
#include "cs/insights.h"
#include "cs/json.h"

static const struct cs_field ticket_fields[] = {
    {.name = "ticket_id", .type = CS_J_STRING, .required = true, .format = CS_FMT_ID},
    {.name = "subject", .type = CS_J_STRING, .nullable = true, .max_len = 500},
    {.name = "message", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 20000},
    {.name = "customer_id", .type = CS_J_STRING, .nullable = true, .max_len = 128},
    {.name = "created_at", .type = CS_J_STRING, .required = true, .max_len = 40},
    {.name = "category", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 64},
    {.name = "priority", .type = CS_J_STRING, .nullable = true, .max_len = 16},
    {.name = "events",
     .type = CS_J_ARRAY,
     .nullable = true,
     .max_len = CS_INSIGHTS_MAX_EVENTS,
     .items = CS_J_OBJECT},
};
static const struct cs_schema ticket_schema = {ticket_fields,
                                               sizeof(ticket_fields) / sizeof(*ticket_fields)};
static const struct cs_field body_fields[] = {
    {.name = "tickets",
     .type = CS_J_ARRAY,
     .required = true,
     .min_len = 1,
     .max_len = 500,
     .object = &ticket_schema,
     .items = CS_J_OBJECT},
};
static const struct cs_schema body_schema = {body_fields, 1};

/* Imports from a helpdesk: tickets with their creation time and their history of
 * changes, each change replayed through the same lifecycle rules as a PATCH. */
/* triage as the shipped policy names it (data/policy/triage_default.json), escalation */
static const char *const models[] = {"escalation", "sentiment", "triage-category",
                                     "triage-priority", NULL};

const struct cs_function cs_function = {
    .name = "customer-tickets-import",
    .summary = "Import helpdesk tickets with their timed lifecycle events",
    .family = CS_FAMILY_PREDICT,
    .routes = {{"POST", "/api/v1/customer/tickets/import"}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &body_schema,
    .needs = CS_NEED_STORE | CS_NEED_MODELS,
    .models = models,
    .init = cs_insights_policy_init,
    .fini = cs_insights_policy_fini,
    .handle = fn_customer_tickets_import,
};
