/* cs-analytics: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_CS_ANALYTICS_H
#define CS_FN_CS_ANALYTICS_H

#include "cs/function.h"

CS_HANDLER(fn_cs_analytics);

#endif
