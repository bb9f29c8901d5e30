/* websocket-broadcast: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_WEBSOCKET_BROADCAST_H
#define CS_FN_WEBSOCKET_BROADCAST_H

#include "cs/function.h"

CS_INIT(fn_ws_broadcast_init);
CS_RUN(fn_ws_broadcast_run);

#endif
