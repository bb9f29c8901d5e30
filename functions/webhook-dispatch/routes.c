#include "handler.h"

#include "cs/function.h"

/* No routes: EventBridge runs it every minute on Lambda; `build.sh serve` runs it with
 * --loop. It drains the outbox's due webhook deliveries and returns. */
const struct cs_function cs_function = {
    .name = "webhook-dispatch",
    .summary = "Deliver due webhook events from the outbox: signed, logged, retried with backoff, "
               "dead-lettered",
    .family = CS_FAMILY_PREDICT,
    .nroutes = 0,
    .auth = CS_AUTH_NONE,
    .needs = CS_NEED_STORE | CS_NEED_JWT,
    .schedule = "rate(1 minute)",
    .init = fn_webhook_dispatch_init,
    .run = fn_webhook_dispatch_run,
};
