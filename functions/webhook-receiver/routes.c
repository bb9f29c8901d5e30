#include "handler.h"

#include "cs/function.h"
#include "cs/insights.h"

/* Incoming helpdesk events, authenticated by a Standard Webhooks signature with the
 * tenant's receiver secret (POST /api/v1/customer/webhook-receiver makes one), not a
 * bearer token. The handler reads the body itself, after the signature checks out. */
/* triage as the shipped policy names it (data/policy/triage_default.json), escalation */
static const char *const models[] = {"escalation", "sentiment", "triage-category",
                                     "triage-priority", NULL};

const struct cs_function cs_function = {
    .name = "webhook-receiver",
    .summary =
        "Receive signed helpdesk ticket events, score escalation risk, emit escalation.predicted",
    .family = CS_FAMILY_PREDICT,
    .routes = {{"POST", "/api/v1/webhooks/incoming/{tenant}", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_NONE,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_JWT,
    .models = models,
    .init = cs_insights_policy_init,
    .fini = cs_insights_policy_fini,
    .handle = fn_webhook_receiver,
};
