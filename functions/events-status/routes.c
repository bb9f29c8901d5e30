#include "handler.h"

#include "cs/function.h"

/* No routes: publishes system_status to every watched tenant's feed (cs/events.h);
 * EventBridge runs it every minute on Lambda, `build.sh serve` with --loop. */
const struct cs_function cs_function = {
    .name = "events-status",
    .summary = "Publish the system_status real-time event (function health, queue depth, latency "
               "p50/p99) to watched tenants",
    .family = CS_FAMILY_INSIGHTS,
    .nroutes = 0,
    .auth = CS_AUTH_NONE,
    .needs = CS_NEED_STORE,
    .schedule = "rate(1 minute)",
    .init = fn_events_status_init,
    .run = fn_events_status_run,
};
