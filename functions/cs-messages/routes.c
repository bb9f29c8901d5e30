#include "handler.h"

#include "cs/function.h"
#include "cs/insights.h"
#include "cs/models.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/session.h"
#include "cs/store.h"

/* The limit of the session's company: the session is read here, and left in
 * req->rate_reads for the handler's write round to take as its first read; an unknown
 * session gets the default limit (the handler answers 404). */
static int rate_of(const struct cs_req *req, struct cs_rate *out)
{
    struct cs_session s;
    const char *company = NULL;
    const char *id = cs_req_param(req, "id");
    if (cs_session_id_valid(id) &&
        cs_session_load(req->store, req->arena, req->auth.tenant, id, &s) == CS_OK) {
        company = s.company_id;
        if (req->rate_reads) *req->rate_reads->doc = s.doc;
    }
    return cs_session_rate_for(req, company, "sendMessage", out);
}

static const struct cs_field fields[] = {
    {.name = "message",
     .type = CS_J_STRING,
     .required = true,
     .min_len = 1,
     .max_len = CS_SESSION_MAX_MESSAGE},
};
static const struct cs_schema schema = {fields, 1};

/* the turn's sentiment and reply (embed; a hosted reply falls back to the builtin one,
 * ai_builtin.c), and the first message's triage (the category models) */
static const char *const models[] = {CS_MODELS_EMBED, "sentiment", "triage-category",
                                     "triage-priority", NULL};

const struct cs_function cs_function = {
    .name = "cs-messages",
    .summary = "Send a customer message; the session's current tier answers (seed 003)",
    .family = CS_FAMILY_SESSIONS,
    .routes = {{"POST", "/api/v1/cs/sessions/{id}/messages", CS_ROLES_WORK}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &schema,
    .rate_of = rate_of,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_AI,
    /* The triage policy: a session without issueCategory triages its first message. */
    .init = cs_insights_policy_init,
    .fini = cs_insights_policy_fini,
    .models = models,
    .handle = fn_cs_messages,
};
