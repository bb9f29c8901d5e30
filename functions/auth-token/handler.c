#include "handler.h"

#include <stdio.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"

CS_HANDLER(fn_auth_token)
{
    const char *key = cs_json_get_str(req->json, "api_key");
    const char *secret = cs_json_get_str(req->json, "api_secret");
    struct cs_principal p;
    int rc = cs_login_guarded(req, resp, key, secret, cs_apikey_verify, &p);
    char *token = NULL;
    int64_t ttl = req->env->cfg.token_ttl_s;
    if (!rc)
        rc = cs_jwt_sign(&req->env->cfg.jwt_key, &p, req->now_ms / 1000, ttl, req->arena, &token);
    if (rc) return rc;
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_str(&o, "access_token", token);
    cs_jb_str(&o, "token_type", "bearer");
    cs_jb_int(&o, "expires_in", ttl);
    rc = cs_jb_done(&o);
    if (!rc) rc = cs_resp_header(resp, "cache-control", "no-store");
    if (!rc) rc = cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, o.obj);
    return rc;
}
