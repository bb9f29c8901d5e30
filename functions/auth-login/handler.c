#include "handler.h"

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"

static json_object *roles_json(const struct cs_principal *p)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < p->nroles; i++) {
        json_object *r = json_object_new_string(p->roles[i]); /* NULL would add a null */
        if (!r || json_object_array_add(a, r)) {
            json_object_put(r);
            json_object_put(a);
            a = NULL;
        }
    }
    return a;
}

CS_HANDLER(fn_auth_login)
{
    const char *user = cs_json_get_str(req->json, "username");
    const char *password = cs_json_get_str(req->json, "password");
    struct cs_principal p;
    int rc = cs_login_guarded(req, resp, user, password, cs_user_login, &p);
    char *token = NULL;
    if (!rc)
        rc = cs_jwt_sign(&req->env->cfg.jwt_key, &p, req->now_ms / 1000, req->env->cfg.token_ttl_s,
                         req->arena, &token);
    if (rc) return rc;
    struct cs_jb data;
    cs_jb_init(&data, cs_json_object(req->arena));
    cs_jb_str(&data, "token", token);
    cs_jb_str(&data, "user_id", p.subject);
    cs_jb_add(&data, "roles", roles_json(&p));
    rc = cs_jb_done(&data);
    if (!rc) rc = cs_resp_header(resp, "cache-control", "no-store");
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, data.obj);
    return rc;
}
