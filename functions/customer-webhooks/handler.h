/* customer-webhooks: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_CUSTOMER_WEBHOOKS_H
#define CS_FN_CUSTOMER_WEBHOOKS_H

#include "cs/function.h"

CS_HANDLER(fn_customer_webhooks);
CS_INIT(fn_customer_webhooks_init);

#endif
