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
    struct cs_jb o, checks;
    cs_jb_init(&checks, json_object_new_object());
    cs_jb_str(&checks, "store", store_ok ? "ok" : "unavailable");
    cs_jb_str(&checks, "models", models_ok ? "ok" : "unavailable");
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_nest(&o, "checks", &checks);
    cs_jb_str(&o, "status", ready ? "ready" : "not_ready");
    cs_jb_str(&o, "timestamp", ts);
    int rc = cs_jb_done(&o);
    return rc ? rc : cs_family_ok(CS_FAMILY_TRIAGE, req, resp, ready ? 200 : 503, o.obj);
}
