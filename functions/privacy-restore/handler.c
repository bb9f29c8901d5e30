/* POST /api/v1/privacy/restore: opens a restore token sealed by privacy-anonymize for
 * the caller's tenant and replaces its placeholders in the given text. A token that is
 * malformed, tampered with or sealed for another tenant gets one and the same 422, so
 * nothing is learnt about other tenants. No provider is involved: this is local
 * cryptography only. Never logs the text, the token or the mapping. */
#include "handler.h"

#include <sodium.h>
#include <string.h>

#include "cs/anonymize.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"

static int open_token(const struct cs_req *req, json_object *tok, struct cs_anon_entry **e,
                      size_t *n)
{
    /* Tokens issued before a CS_JWT_SECRET rotation were sealed under an older key of
     * the ring: each key is tried, newest first. */
    const struct cs_keyring *ring = &req->env->cfg.keyring;
    int rc = CS_ERR_INVALID;
    for (size_t i = 0; i < ring->n && rc == CS_ERR_INVALID; i++) {
        unsigned char key[CS_ANON_KEY_BYTES];
        cs_anon_key(&ring->key[i], req->auth.tenant, key);
        rc = cs_anon_open(key, req->auth.tenant, json_object_get_string(tok),
                          (size_t)json_object_get_string_len(tok), req->arena, e, n);
        sodium_memzero(key, sizeof(key));
    }
    return rc;
}

CS_HANDLER(fn_privacy_restore)
{
    json_object *text, *tok;
    json_object_object_get_ex(req->json, "text", &text);
    json_object_object_get_ex(req->json, "restore_token", &tok);
    struct cs_anon_entry *e = NULL;
    size_t n = 0;
    int rc = open_token(req, tok, &e, &n);
    if (rc == CS_ERR_INVALID) {
        cs_resp_field_error(resp, "body", "restore_token",
                            "Token is malformed, was altered, or was not issued to this tenant",
                            "value_error");
        return CS_ERR_VALIDATION;
    }
    const char *out = NULL;
    size_t replaced = 0;
    if (!rc)
        rc = cs_anon_restore(json_object_get_string(text), (size_t)json_object_get_string_len(text),
                             e, n, req->arena, &out, &replaced);
    if (rc) return rc;
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_str(&d, "text", out);
    cs_jb_int(&d, "restored", (int64_t)replaced);
    rc = cs_jb_done(&d);
    if (!rc) rc = cs_resp_header(resp, "cache-control", "no-store");
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
    return rc;
}
