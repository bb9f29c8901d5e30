#include "handler.h"

#include "cs/function.h"
#include "cs/insights.h"

/* One ticket: GET answers seed 000's shape with ai_insights; PATCH records a lifecycle
 * change (status, assignee, agent reply, CSAT, escalation) as a timed event. */
/* triage as the shipped policy names it (data/policy/triage_default.json), escalation */
static const char *const models[] = {"escalation", "sentiment", "triage-category",
                                     "triage-priority", NULL};

const struct cs_function cs_function = {
    .name = "customer-tickets",
    .summary = "Ticket with AI insights (seed 000) and lifecycle changes as timed events",
    .family = CS_FAMILY_PREDICT,
    .routes = {{"GET", "/api/v1/customer/tickets/{ticket_id}"},
               {"PATCH", "/api/v1/customer/tickets/{ticket_id}"}},
    .nroutes = 2,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE | CS_NEED_MODELS,
    .models = models,
    /* The triage policy maps a ticket's category to the team its agent comes from. */
    .init = cs_insights_policy_init,
    .fini = cs_insights_policy_fini,
    .handle = fn_customer_tickets,
};
