#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

/* Seed 004's TicketInput. */
static const struct cs_field ticket_fields[] = {
    {.name = "ticket_id", .type = CS_J_STRING, .required = true, .format = CS_FMT_ID},
    {.name = "raw_message", .type = CS_J_STRING, .required = true, .min_len = 10, .max_len = 20000},
    {.name = "customer_name", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 200},
    {.name = "customer_email", .type = CS_J_STRING, .required = true, .format = CS_FMT_EMAIL},
};
static const struct cs_schema ticket_schema = {ticket_fields, 4};

/* triage as the shipped policy names it (data/policy/triage_default.json: no intent
 * models); a policy that lists some needs them here too */
static const char *const models[] = {"sentiment", "triage-category", "triage-priority", NULL};

const struct cs_function cs_function = {
    .name = "tickets-process",
    .summary =
        "Triage a support ticket, draft a cited reply and check it against policy (seed 004)",
    .family = CS_FAMILY_TRIAGE,
    .routes = {{"POST", "/api/v1/tickets/process", CS_ROLES_WORK}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &ticket_schema,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_STORE_SCOPE | CS_NEED_AI,
    .models = models,
    .init = fn_tickets_process_init,
    .fini = fn_tickets_process_fini,
    .handle = fn_tickets_process,
};
