/* cs-abandon: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_CS_ABANDON_H
#define CS_FN_CS_ABANDON_H

#include "cs/function.h"

CS_HANDLER(fn_cs_abandon);

#endif
