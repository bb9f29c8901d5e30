#include "handler.h"

#include "cs/clock.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/models.h"
#include "cs/store.h"

CS_HANDLER(fn_health_ready)
{
    bool store_ok = cs_store_ping(req->store) == CS_OK &&
                    cs_store_probe_write(req->store, req->now_ms) == CS_OK;
    bool models_ok = req->env->models != NULL;
    bool ready = store_ok && models_ok;
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_OFFSET_US, ts);
    json_object *o = cs_json_object(req->arena);
    json_object *checks = json_object_new_object();
    int rc = o ? cs_json_add(o, "checks", checks) : CS_ERR_NOMEM;
    if (!rc) rc = cs_json_add_str(o, "status", ready ? "ready" : "not_ready");
    if (!rc) rc = cs_json_add_str(o, "timestamp", ts);
    if (!rc) rc = cs_json_add_str(checks, "store", store_ok ? "ok" : "unavailable");
    if (!rc) rc = cs_json_add_str(checks, "models", models_ok ? "ok" : "unavailable");
    if (!rc) rc = cs_family_ok(CS_FAMILY_TRIAGE, req, resp, ready ? 200 : 503, o);
    return rc;
}
