/* customer-agent-performance: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_CUSTOMER_AGENT_PERFORMANCE_H
#define CS_FN_CUSTOMER_AGENT_PERFORMANCE_H

#include "cs/function.h"

CS_HANDLER(fn_customer_agent_performance);

#endif
