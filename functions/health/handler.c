#include "handler.h"

#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/version.h"

CS_HANDLER(fn_health)
{
    /* Healthy means this process can serve; a store outage shows as "degraded" with 200
     * so that load balancers keep the instance while /health/ready reports it. */
    bool store_ok = cs_store_ping(req->store) == CS_OK;
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_OFFSET_US, ts);
    struct cs_jb o, comp;
    cs_jb_init(&comp, json_object_new_object());
    cs_jb_str(&comp, "store", store_ok ? "ok" : "unavailable");
    cs_jb_str(&comp, "store_backend", cs_store_backend(req->store));
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_nest(&o, "components", &comp);
    cs_jb_str(&o, "status", store_ok ? "healthy" : "degraded");
    cs_jb_str(&o, "version", CS_VERSION);
    cs_jb_str(&o, "timestamp", ts);
    int rc = cs_jb_done(&o);
    if (!rc) rc = cs_family_ok(CS_FAMILY_TRIAGE, req, resp, 200, o.obj);
    return rc;
}
