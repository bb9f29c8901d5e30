/* POST /api/v1/ai/classify: a score per caller-given category (best first, summing to
 * 1) and the top category, from the asked (or default) provider or builtin. */
#include <string.h>

#include "cs/ai.h"
#include "cs/arena.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"

int fn_ai_classify(const struct cs_req *req, struct cs_resp *resp);

#define MAX_CATEGORY_BYTES 100

static int read_categories(const struct cs_req *req, struct cs_resp *resp, const char ***cats,
                           size_t *n)
{
    json_object *arr = NULL;
    json_object_object_get_ex(req->json, "categories", &arr);
    *n = json_object_array_length(arr);
    *cats = cs_arena_alloc(req->arena, *n * sizeof(char *));
    if (!*cats) return CS_ERR_NOMEM;
    for (size_t i = 0; i < *n; i++) {
        json_object *c = json_object_array_get_idx(arr, i);
        const char *s = json_object_get_string(c);
        int len = json_object_get_string_len(c);
        const char *why = NULL;
        if (len == 0 || len > MAX_CATEGORY_BYTES) why = "Each category must hold 1 to 100 bytes";
        for (size_t j = 0; !why && j < i; j++)
            if (strcmp((*cats)[j], s) == 0) why = "Categories must be distinct";
        if (why) {
            cs_resp_field_error(resp, "body", "categories", why, "value_error");
            return CS_ERR_VALIDATION;
        }
        (*cats)[i] = s;
    }
    return CS_OK;
}

int fn_ai_classify(const struct cs_req *req, struct cs_resp *resp)
{
    const char **cats;
    size_t n;
    int rc = read_categories(req, resp, &cats, &n);
    if (rc) return rc;
    struct cs_ai_call call;
    cs_ai_call_from_req(req, "classify", &call);
    struct cs_ai_classification c;
    rc = cs_ai_classify(&call, cs_json_get_str(req->json, "model"),
                        cs_json_get_str(req->json, "text"), cats, n, &c);
    if (rc == CS_ERR_NOT_FOUND || rc == CS_ERR_VALIDATION) {
        cs_resp_field_error(resp, "body", "model",
                            rc == CS_ERR_NOT_FOUND
                                ? "Unknown model: not a provider id of this tenant"
                                : "This provider cannot classify",
                            "value_error");
        return CS_ERR_VALIDATION;
    }
    if (rc) return rc;
    json_object *d = cs_json_object(req->arena);
    json_object *scores = json_object_new_object();
    if (!d || !scores || cs_json_add(d, "classifications", scores)) return CS_ERR_NOMEM;
    for (size_t i = 0; !rc && i < c.n; i++)
        rc = cs_json_add_double(scores, c.scores[i].category, c.scores[i].score, 4);
    if (!rc) rc = cs_json_add_str(d, "top_category", c.top_category);
    if (!rc) rc = cs_json_add_str(d, "model", c.model);
    if (!rc) rc = cs_json_add_str(d, "provider", c.provider);
    if (!rc) rc = cs_json_add_str(d, "provider_id", c.provider_id);
    if (!rc) rc = cs_json_add_bool(d, "fallback", c.fallback);
    if (!rc && c.fallback_reason) rc = cs_json_add_str(d, "fallback_reason", c.fallback_reason);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d);
    return rc;
}
