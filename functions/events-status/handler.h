/* events-status: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_EVENTS_STATUS_H
#define CS_FN_EVENTS_STATUS_H

#include "cs/function.h"

CS_INIT(fn_events_status_init);
CS_RUN(fn_events_status_run);

#endif
