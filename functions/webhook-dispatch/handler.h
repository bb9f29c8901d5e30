/* webhook-dispatch: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_WEBHOOK_DISPATCH_H
#define CS_FN_WEBHOOK_DISPATCH_H

#include "cs/function.h"

CS_INIT(fn_webhook_dispatch_init);
CS_RUN(fn_webhook_dispatch_run);

#endif
