#include "handler.h"

#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"

CS_HANDLER(fn_health_live)
{
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_OFFSET_US, ts);
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_str(&o, "status", "alive");
    cs_jb_str(&o, "timestamp", ts);
    int rc = cs_jb_done(&o);
    return rc ? rc : cs_family_ok(CS_FAMILY_TRIAGE, req, resp, 200, o.obj);
}
