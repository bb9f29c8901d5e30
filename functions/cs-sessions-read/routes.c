#include "handler.h"

#include <string.h>

#include "cs/function.h"
#include "cs/http.h"
#include "cs/session.h"

/* The seed limits listing (200/min); reading one session uses the default. */
static int rate_of(const struct cs_req *req, struct cs_rate *out)
{
    if (strchr(req->route->pattern, '{')) {
        *out = (struct cs_rate){0, 0};
        return CS_OK;
    }
    return cs_session_rate(req, "listSessions", out);
}

const struct cs_function cs_function = {
    .name = "cs-sessions-read",
    .summary = "Get one customer-service session or list them with filters (seed 003)",
    .family = CS_FAMILY_SESSIONS,
    .routes = {{"GET", "/api/v1/cs/sessions/{id}", NULL}, {"GET", "/api/v1/cs/sessions", NULL}},
    .nroutes = 2,
    .auth = CS_AUTH_BEARER,
    .rate_of = rate_of,
    .needs = CS_NEED_STORE,
    .handle = fn_cs_sessions_read,
};
