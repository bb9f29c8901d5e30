/* The request layer's bridge to the AI layer (cs/ai.h): the AI layer takes a plain
 * cs_ai_call and never includes the request layer; this file, on the request side,
 * fills one from a request. */
#include "cs/ai.h"
#include "cs/env.h"
#include "cs/http.h"

void cs_ai_call_from_req(const struct cs_req *req, const char *operation, struct cs_ai_call *out)
{
    *out = (struct cs_ai_call){
        .ai = req->env->ai,
        .store = req->store,
        .arena = req->arena,
        .models = req->env->models,
        .tenant = req->auth.tenant,
        .now_ms = req->now_ms,
        .deadline_ms = req->deadline_ms,
        .operation = operation,
    };
}
