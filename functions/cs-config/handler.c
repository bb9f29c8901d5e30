/* GET /api/v1/cs/config?companyId= and PUT /api/v1/cs/config: one company's configuration
 * (the seed's defaults until a PUT for that company changes them). PUT deep-merges a partial document and
 * refuses it whole when any field is unknown, of the wrong type or out of range. */
#include "handler.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/session.h"
#include "cs/store.h"

/* companyId first, as in the seed, then the settings. */
static int answer(const struct cs_req *req, struct cs_resp *resp, const char *company,
                  json_object *cfg)
{
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_str(&o, "companyId", company);
    json_object_object_foreach(cfg, key, val)
    {
        if (strcmp(key, "companyId") == 0) continue;
        cs_jb_add(&o, key, json_object_get(val));
    }
    int rc = cs_jb_done(&o);
    if (!rc) rc = cs_family_ok(CS_FAMILY_SESSIONS, req, resp, 200, o.obj);
    return rc;
}

/* The function declares no body schema because GET carries none; PUT parses its own,
 * and cs_session_config_merge checks every field of it. */
static int put(const struct cs_req *req, struct cs_resp *resp)
{
    json_object *patch;
    if (req->body_len > req->env->cfg.max_body) return CS_ERR_TOO_LARGE;
    int rc = cs_json_parse(req->body, req->body_len, req->arena, &patch, &resp->fields);
    if (rc) return rc;
    if (!json_object_is_type(patch, json_type_object)) {
        resp->err_message = "Body must be a JSON object";
        return CS_ERR_BAD_REQUEST;
    }
    const char *company = cs_json_get_str(patch, "companyId");
    if (!company || !*company) return CS_ERR_COMPANY_ID;
    json_object *cfg;
    const char *where = NULL, *why = NULL;
    rc = cs_session_config_update(req->store, req->arena, req->auth.tenant, company, patch,
                                  req->now_ms, &cfg, &where, &why);
    if (rc == CS_ERR_INVALID) {
        resp->err_message = cs_arena_printf(req->arena, "Invalid configuration: %s %s",
                                            where ? where : "body", why ? why : "is invalid");
        return cs_session_fail(req, resp, CS_ERR_INVALID, "field", where);
    }
    return rc ? rc : answer(req, resp, company, cfg);
}

CS_HANDLER(fn_cs_config)
{
    if (strcmp(req->method, "PUT") == 0) return put(req, resp);
    const char *company = cs_req_query(req, "companyId");
    json_object *cfg;
    int rc = cs_session_req_config(req, resp, company, false, &cfg);
    return rc ? rc : answer(req, resp, company, cfg);
}
