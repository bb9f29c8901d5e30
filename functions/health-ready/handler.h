/* health-ready: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_HEALTH_READY_H
#define CS_FN_HEALTH_READY_H

#include "cs/function.h"

CS_HANDLER(fn_health_ready);

#endif
