/* POST /api/v1/ai/embed: one vector per text from the asked (or default) provider,
 * falling back to the builtin embedding; the answer names the model that made them. */
#include "handler.h"

#include <stdio.h>
#include <string.h>

#include "cs/ai.h"
#include "cs/arena.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"

#define MAX_TEXT_BYTES 32000

/* Seven significant digits: what a float holds, and a third of json-c's default size. */
static json_object *vector_json(const float *v, unsigned dims)
{
    json_object *arr = json_object_new_array_ext((int)dims);
    for (unsigned i = 0; arr && i < dims; i++) {
        char num[32];
        snprintf(num, sizeof(num), "%.7g", (double)v[i]);
        json_object *x = json_object_new_double_s(v[i], num); /* NULL would add a null */
        if (!x || json_object_array_add(arr, x)) {
            json_object_put(x);
            json_object_put(arr);
            return NULL;
        }
    }
    return arr;
}

static int read_texts(const struct cs_req *req, struct cs_resp *resp, const char ***texts,
                      size_t *n)
{
    json_object *arr = NULL;
    json_object_object_get_ex(req->json, "texts", &arr);
    *n = json_object_array_length(arr);
    *texts = cs_arena_alloc(req->arena, *n * sizeof(char *));
    if (!*texts) return CS_ERR_NOMEM;
    for (size_t i = 0; i < *n; i++) {
        json_object *t = json_object_array_get_idx(arr, i);
        if (json_object_get_string_len(t) == 0 || json_object_get_string_len(t) > MAX_TEXT_BYTES) {
            cs_resp_field_error(resp, "body", "texts", "Each text must hold 1 to 32000 bytes",
                                "value_error");
            return CS_ERR_VALIDATION;
        }
        (*texts)[i] = json_object_get_string(t);
    }
    return CS_OK;
}

CS_HANDLER(fn_ai_embed)
{
    const char **texts;
    size_t n;
    int rc = read_texts(req, resp, &texts, &n);
    if (rc) return rc;
    struct cs_ai_call call;
    cs_ai_call_from_req(req, "embed", &call);
    struct cs_ai_embeddings e;
    rc = cs_ai_embed(&call, cs_json_get_str(req->json, "model"), texts, n,
                     (unsigned)cs_json_get_int(req->json, "dimensions", 0), &e);
    if (rc == CS_ERR_NOT_FOUND || rc == CS_ERR_VALIDATION) {
        cs_resp_field_error(resp, "body", "model",
                            rc == CS_ERR_NOT_FOUND
                                ? "Unknown model: not a provider id of this tenant"
                                : "This provider has no embeddings",
                            "value_error");
        return CS_ERR_VALIDATION;
    }
    if (rc) return rc;
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    json_object *list = json_object_new_array_ext((int)e.n);
    cs_jb_add(&d, "embeddings", list);
    if (cs_jb_done(&d)) return CS_ERR_NOMEM; /* list is d's from here */
    for (size_t i = 0; i < e.n; i++) {
        json_object *v = vector_json(e.vec[i], e.dims);
        if (!v || json_object_array_add(list, v)) {
            json_object_put(v);
            return CS_ERR_NOMEM;
        }
    }
    cs_jb_str(&d, "model", e.model);
    cs_jb_int(&d, "dimensions", e.dims);
    cs_jb_str(&d, "provider", e.provider);
    cs_jb_str(&d, "provider_id", e.provider_id);
    cs_jb_bool(&d, "fallback", e.fallback);
    if (e.fallback_reason) cs_jb_str(&d, "fallback_reason", e.fallback_reason);
    rc = cs_jb_done(&d);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
    return rc;
}
