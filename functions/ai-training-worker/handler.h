/* ai-training-worker: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_AI_TRAINING_WORKER_H
#define CS_FN_AI_TRAINING_WORKER_H

#include "cs/function.h"

CS_INIT(fn_ai_training_worker_init);
CS_RUN(fn_ai_training_worker_run);
int fn_ai_training_worker_task(struct cs_worker *w, json_object *event, json_object **result,
                               const char **error_type);

/* The training state machine to start for multi-instance jobs (AWS), from the
 * environment: CS_TRAINING_STATE_MACHINE (its ARN; unset: threads here), AWS_REGION,
 * the Lambda's credentials, CS_SFN_ENDPOINT (tests: a local server). sfn.c. */
struct fn_sfn_target {
    const char *endpoint, *region, *key_id, *secret, *session_token, *state_machine;
};
int fn_ai_training_worker_sfn_start(void *user, const char *name, const char *input);

#endif
