/* tickets-process: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_TICKETS_PROCESS_H
#define CS_FN_TICKETS_PROCESS_H

#include "cs/function.h"

CS_HANDLER(fn_tickets_process);
CS_INIT(fn_tickets_process_init);
CS_FINI(fn_tickets_process_fini);

#endif
