#include "cs/auth.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/models.h"
#include "cs/store.h"

int fn_health_ready(const struct cs_req *req, struct cs_resp *resp);

/* A store that answers reads but refuses writes (full disk, read-only file, lost
 * lock) is not ready: the probe writes, as every ticket does. One counter bumped per
 * minute window in the system tenant; windows expire on their own. */
static bool store_writable(const struct cs_req *req)
{
    int64_t window = req->now_ms - req->now_ms % 60000, n = 0;
    return cs_store_counter_add(req->store, CS_SYSTEM_TENANT, "health:ready", window, 120000, 1,
                                &n) == CS_OK;
}

int fn_health_ready(const struct cs_req *req, struct cs_resp *resp)
{
    bool store_ok = cs_store_ping(req->store) == CS_OK && store_writable(req);
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
