/* POST /api/v1/privacy/anonymize: typed placeholders for every PII span (cs/anonymize.h),
 * the masked mapping when asked (keep_mapping), and with `reversible` the exact mapping
 * sealed for the caller's tenant. Texts, mappings and tokens hold PII: nothing here
 * logs, and the access log line records no body. */
#include "handler.h"

#include <sodium.h>
#include <string.h>

#include "cs/anonymize.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/models.h"

/* PROVIDER HOOK: the one place a remote PII/NER service would answer this endpoint
 * (cs/ai.h, for tenants whose compliance level allows sending the raw text out); its
 * spans would be merged with the built-in detector's before placeholders are assigned.
 * Today the built-in detector answers every request. */
static int anonymize_text(const struct cs_req *req, const char *text, size_t len,
                          struct cs_anon_result *out)
{
    return cs_anon_apply(cs_models_get(req->env->models, "pii"), text, len, req->arena, out);
}

static json_object *mapping_json(const struct cs_anon_result *r)
{
    json_object *m = json_object_new_object();
    for (size_t i = 0; m && i < r->n; i++)
        if (cs_json_add_str(m, r->entry[i].placeholder, r->entry[i].masked)) {
            json_object_put(m);
            return NULL;
        }
    return m;
}

static json_object *detected_json(const struct cs_anon_result *r)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < r->ndetected; i++) {
        json_object *s = json_object_new_string(r->detected[i]); /* NULL would add a null */
        if (!s || json_object_array_add(a, s)) {
            json_object_put(s);
            json_object_put(a);
            a = NULL;
        }
    }
    return a;
}

static int seal(const struct cs_req *req, const struct cs_anon_result *r, char **token)
{
    unsigned char key[CS_ANON_KEY_BYTES];
    cs_anon_key(&req->env->cfg.jwt_key, req->auth.tenant, key);
    int rc = cs_anon_seal(key, req->auth.tenant, r->entry, r->n, req->now_ms, req->arena, token);
    sodium_memzero(key, sizeof(key));
    return rc;
}

static int too_large(struct cs_resp *resp)
{
    cs_resp_field_error(
        resp, "body", "text",
        "Text is too long or holds too much PII to anonymize safely; send it in parts",
        "value_error");
    return CS_ERR_VALIDATION;
}

CS_HANDLER(fn_privacy_anonymize)
{
    json_object *t;
    json_object_object_get_ex(req->json, "text", &t);
    struct cs_anon_result r;
    int rc =
        anonymize_text(req, json_object_get_string(t), (size_t)json_object_get_string_len(t), &r);
    if (rc == CS_ERR_TOO_LARGE) return too_large(resp);
    char *token = NULL;
    if (!rc && cs_json_get_bool(req->json, "reversible", false)) rc = seal(req, &r, &token);
    if (rc) return rc;
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_str(&d, "anonymized_text", r.text);
    if (cs_json_get_bool(req->json, "keep_mapping", false))
        cs_jb_add(&d, "mapping", mapping_json(&r));
    else
        cs_jb_null(&d, "mapping"); /* the field stays, as null */
    cs_jb_add(&d, "pii_detected", detected_json(&r));
    if (token) cs_jb_str(&d, "restore_token", token);
    rc = cs_jb_done(&d);
    if (!rc) rc = cs_resp_header(resp, "cache-control", "no-store");
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
    return rc;
}
