#include "handler.h"

#include "cs/function.h"
#include "cs/insights.h"
#include "cs/models.h"
#include "cs/json.h"
#include "cs/session.h"

static int rate_of(const struct cs_req *req, struct cs_rate *out)
{
    return cs_session_rate(req, "createSession", out);
}

/* Seed 003 "Start a CS Session"; companyId is checked by the handler (CS_005). */
static const struct cs_field fields[] = {
    {.name = "companyId", .type = CS_J_STRING, .max_len = 128},
    {.name = "customerId", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 128},
    {.name = "channel",
     .type = CS_J_STRING,
     .required = true,
     .one_of = (const char *const[]){"voice", "chat", "email", "sms", NULL}},
    {.name = "initialMessage", .type = CS_J_STRING, .max_len = CS_SESSION_MAX_MESSAGE},
    {.name = "issueCategory",
     .type = CS_J_STRING,
     .one_of = (const char *const[]){"BILLING", "SHIPPING", "PRODUCT_QUALITY", "SUBSCRIPTION",
                                     "REFUND", "TECHNICAL", "ACCOUNT", "GENERAL_INQUIRY",
                                     "COMPLAINT", "CANCELLATION", NULL}},
    {.name = "metadata", .type = CS_J_OBJECT},
};
static const struct cs_schema schema = {fields, sizeof(fields) / sizeof(fields[0])};

/* the turn's sentiment and reply (embed; a hosted reply falls back to the builtin one,
 * ai_builtin.c), and the first message's triage (the category models) */
static const char *const models[] = {CS_MODELS_EMBED, "sentiment", "triage-category",
                                     "triage-priority", NULL};

const struct cs_function cs_function = {
    .name = "cs-sessions-create",
    .summary = "Start a tiered customer-service session (seed 003)",
    .family = CS_FAMILY_SESSIONS,
    .routes = {{"POST", "/api/v1/cs/sessions", CS_ROLES_WORK}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &schema,
    .rate_of = rate_of,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_AI, /* initialMessage: the tier answers */
    /* The triage policy: a session without issueCategory triages its first message. */
    .init = cs_insights_policy_init,
    .fini = cs_insights_policy_fini,
    .models = models,
    .handle = fn_cs_sessions_create,
};
