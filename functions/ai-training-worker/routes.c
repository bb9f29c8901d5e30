#include "handler.h"

#include "cs/function.h"

/* No routes: EventBridge runs it every minute on Lambda; `build.sh serve` runs it with
 * --loop. It claims queued training jobs (with leases) and trains them; on AWS a job
 * with instance_count > 1 is handed to the training state machine (template.yaml),
 * which invokes this function for each step (the task hook). The TRAINS file
 * beside this one links the trainer (tools/lib). */
const struct cs_function cs_function = {
    .name = "ai-training-worker",
    .summary = "Train queued tenant models (issue 18): lease-claimed jobs, per-epoch progress, "
               "shards mixed each epoch",
    .family = CS_FAMILY_INSIGHTS,
    .nroutes = 0,
    .auth = CS_AUTH_NONE,
    .needs = CS_NEED_STORE | CS_NEED_MODELS,
    .schedule = "rate(1 minute)",
    .init = fn_ai_training_worker_init,
    .run = fn_ai_training_worker_run,
    /* Step Functions' steps of a multi-instance job (cs_ml_step_run) */
    .task = fn_ai_training_worker_task,
};
