#include "handler.h"

#include "cs/function.h"

/* No routes: sends every live WebSocket connection its tenant's new events through
 * the gateway's management API (POST @connections/{id}), SigV4-signed on AWS. */
const struct cs_function cs_function = {
    .name = "websocket-broadcast",
    .summary = "Send real-time events to WebSocket connections via the @connections API (SigV4), "
               "drop gone ones",
    .family = CS_FAMILY_INSIGHTS,
    .nroutes = 0,
    .auth = CS_AUTH_NONE,
    .needs = CS_NEED_STORE,
    .schedule = "rate(1 minute)",
    .init = fn_ws_broadcast_init,
    .run = fn_ws_broadcast_run,
};
