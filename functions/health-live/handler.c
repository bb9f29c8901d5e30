#include "handler.h"

#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"

CS_HANDLER(fn_health_live)
{
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_OFFSET_US, ts);
    json_object *o = cs_json_object(req->arena);
    int rc = o ? cs_json_add_str(o, "status", "alive") : CS_ERR_NOMEM;
    if (!rc) rc = cs_json_add_str(o, "timestamp", ts);
    if (!rc) rc = cs_family_ok(CS_FAMILY_TRIAGE, req, resp, 200, o);
    return rc;
}
