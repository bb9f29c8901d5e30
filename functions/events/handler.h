/* events: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_EVENTS_H
#define CS_FN_EVENTS_H

#include "cs/function.h"

CS_HANDLER(fn_events);
CS_INIT(fn_events_init);

#endif
