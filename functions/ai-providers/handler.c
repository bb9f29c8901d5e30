/* GET /api/v1/ai/providers: the tenant's registry (synced from the providers file) and
 * builtin, as seed 001 lists them. Key variable names and base URLs stay out: they are
 * deployment details, not something an API client needs. */
#include "cs/ai.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"

int fn_ai_providers(const struct cs_req *req, struct cs_resp *resp);

static json_object *caps_json(unsigned caps)
{
    json_object *arr = json_object_new_array();
    for (unsigned bit = 1; arr && bit <= CS_AI_CAP_STREAM; bit <<= 1)
        if ((caps & bit) &&
            json_object_array_add(arr, json_object_new_string(cs_ai_cap_name(bit)))) {
            json_object_put(arr);
            return NULL;
        }
    return arr;
}

static int add_provider(json_object *list, const struct cs_ai_provider *p)
{
    json_object *o = json_object_new_object();
    if (!o || json_object_array_add(list, o)) {
        json_object_put(o);
        return CS_ERR_NOMEM;
    }
    int rc = cs_json_add_str(o, "id", p->id);
    if (!rc) rc = cs_json_add_str(o, "provider", p->provider);
    if (!rc) rc = cs_json_add_str(o, "model", p->model);
    if (!rc && p->embedding_model) rc = cs_json_add_str(o, "embedding_model", p->embedding_model);
    if (!rc) rc = cs_json_add_str(o, "compliance_level", p->compliance_level);
    if (!rc) rc = cs_json_add(o, "capabilities", caps_json(p->caps));
    if (!rc) rc = cs_json_add_bool(o, "is_default", p->is_default);
    return rc;
}

int fn_ai_providers(const struct cs_req *req, struct cs_resp *resp)
{
    struct cs_ai_call call;
    cs_ai_call_from_req(req, "providers", &call);
    struct cs_ai_provider *ps;
    size_t n;
    int rc = cs_ai_providers(&call, &ps, &n);
    if (rc) return rc;
    json_object *d = cs_json_object(req->arena);
    json_object *list = json_object_new_array();
    if (!d || !list || cs_json_add(d, "providers", list)) return CS_ERR_NOMEM;
    const char *dflt = CS_AI_BUILTIN_ID;
    for (size_t i = 0; !rc && i < n; i++) {
        rc = add_provider(list, &ps[i]);
        if (ps[i].is_default) dflt = ps[i].id;
    }
    if (!rc) rc = cs_json_add_str(d, "default_provider", dflt);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d);
    return rc;
}
