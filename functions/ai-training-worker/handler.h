/* ai-training-worker: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_AI_TRAINING_WORKER_H
#define CS_FN_AI_TRAINING_WORKER_H

#include "cs/function.h"

CS_INIT(fn_ai_training_worker_init);
CS_RUN(fn_ai_training_worker_run);

#endif
