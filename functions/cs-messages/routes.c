#include "cs/function.h"
#include "cs/json.h"
#include "cs/session.h"

int fn_cs_messages(const struct cs_req *req, struct cs_resp *resp);
static int rate_of(const struct cs_req *req, struct cs_rate *out)
{
    return cs_session_rate(req, "sendMessage", out);
}

static const struct cs_field fields[] = {
    {.name = "message", .type = CS_J_STRING, .required = true, .min_len = 1,
     .max_len = CS_SESSION_MAX_MESSAGE},
};
static const struct cs_schema schema = {fields, 1};

const struct cs_function cs_function = {
    .name = "cs-messages",
    .summary = "Send a customer message; the session's current tier answers (seed 003)",
    .family = CS_FAMILY_SESSIONS,
    .routes = {{"POST", "/api/v1/cs/sessions/{id}/messages"}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &schema,
    .rate_of = rate_of,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_AI,
    .handle = fn_cs_messages,
};
