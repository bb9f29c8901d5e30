#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/version.h"

int fn_health(const struct cs_req *req, struct cs_resp *resp);

int fn_health(const struct cs_req *req, struct cs_resp *resp)
{
    /* Healthy means this process can serve; a store outage shows as "degraded" with 200
     * so that load balancers keep the instance while /health/ready reports it. */
    bool store_ok = cs_store_ping(req->store) == CS_OK;
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_OFFSET_US, ts);
    json_object *o = cs_json_object(req->arena);
    json_object *comp = json_object_new_object();
    int rc = o ? cs_json_add(o, "components", comp) : CS_ERR_NOMEM;
    if (!rc) rc = cs_json_add_str(o, "status", store_ok ? "healthy" : "degraded");
    if (!rc) rc = cs_json_add_str(o, "version", CS_VERSION);
    if (!rc) rc = cs_json_add_str(o, "timestamp", ts);
    if (!rc) rc = cs_json_add_str(comp, "store", store_ok ? "ok" : "unavailable");
    if (!rc) rc = cs_json_add_str(comp, "store_backend", cs_store_backend(req->store));
    if (!rc) rc = cs_family_ok(CS_FAMILY_TRIAGE, req, resp, 200, o);
    return rc;
}
