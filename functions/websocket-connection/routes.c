#include "handler.h"

#include "cs/function.h"

/* The WebSocket API's three routes, called by API Gateway on AWS and by the local
 * gateway (`--websocket`, runtime/ws.c) under build.sh serve: the same code in both.
 * Auth is the handler's own: the token may come in the query or in the first message. */
const struct cs_function cs_function = {
    .name = "websocket-connection",
    .summary = "WebSocket $connect/$default/$disconnect: token, subscribed event types, ping; "
               "connections kept in the store with a TTL (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"WS", "/websocket/$connect", NULL},
               {"WS", "/websocket/$default", NULL},
               {"WS", "/websocket/$disconnect", NULL}},
    .nroutes = 3,
    .auth = CS_AUTH_NONE,
    .needs = CS_NEED_STORE | CS_NEED_JWT,
    .handle = fn_ws_connection,
};
