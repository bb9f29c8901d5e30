/* insights-refit: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_INSIGHTS_REFIT_H
#define CS_FN_INSIGHTS_REFIT_H

#include "cs/function.h"

CS_INIT(fn_insights_refit_init);
CS_RUN(fn_insights_refit_run);

#endif
