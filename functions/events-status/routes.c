#include "cs/function.h"

int fn_events_status_run(struct cs_worker *w, int64_t deadline_ms,
                         const volatile sig_atomic_t *stop, json_object **summary);
int fn_events_status_init(struct cs_env *env);

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
