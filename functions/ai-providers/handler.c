/* GET /api/v1/ai/providers: the tenant's registry (synced from the providers file) and
 * builtin, as seed 001 lists them. Key variable names and base URLs stay out: they are
 * deployment details, not something an API client needs. */
#include "handler.h"

#include "cs/ai.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"

static json_object *caps_json(unsigned caps)
{
    json_object *arr = json_object_new_array();
    for (unsigned bit = 1; arr && bit <= CS_AI_CAP_STREAM; bit <<= 1) {
        if (!(caps & bit)) continue;
        json_object *c = json_object_new_string(cs_ai_cap_name(bit)); /* NULL would add null */
        if (!c || json_object_array_add(arr, c)) {
            json_object_put(c);
            json_object_put(arr);
            return NULL;
        }
    }
    return arr;
}

static int add_provider(json_object *list, const struct cs_ai_provider *p)
{
    struct cs_jb o;
    cs_jb_init(&o, json_object_new_object());
    cs_jb_str(&o, "id", p->id);
    cs_jb_str(&o, "provider", p->provider);
    cs_jb_str(&o, "model", p->model);
    if (p->embedding_model) cs_jb_str(&o, "embedding_model", p->embedding_model);
    cs_jb_str(&o, "compliance_level", p->compliance_level);
    cs_jb_add(&o, "capabilities", caps_json(p->caps));
    cs_jb_bool(&o, "is_default", p->is_default);
    int rc = cs_jb_done(&o);
    if (!rc && json_object_array_add(list, o.obj)) rc = CS_ERR_NOMEM;
    if (rc) json_object_put(o.obj);
    return rc;
}

CS_HANDLER(fn_ai_providers)
{
    struct cs_ai_call call;
    cs_ai_call_from_req(req, "providers", &call);
    struct cs_ai_provider *ps;
    size_t n;
    int rc = cs_ai_providers(&call, &ps, &n);
    if (rc) return rc;
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    json_object *list = json_object_new_array();
    cs_jb_add(&d, "providers", list);
    if (cs_jb_done(&d)) return CS_ERR_NOMEM; /* list is d's from here */
    const char *dflt = CS_AI_BUILTIN_ID;
    for (size_t i = 0; !rc && i < n; i++) {
        rc = add_provider(list, &ps[i]);
        if (ps[i].is_default) dflt = ps[i].id;
    }
    cs_jb_str(&d, "default_provider", dflt);
    if (!rc) rc = cs_jb_done(&d);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
    return rc;
}
