#include "handler.h"

#include "cs/function.h"

/* The POST body is read by the handler (its routes share this function with GET and
 * DELETE, which carry none). */
const struct cs_function cs_function = {
    .name = "ai-training",
    .summary = "Tenant training jobs: create (STARTING at once; a worker trains), status with "
               "per-epoch progress, cancel (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/ai/distributed-training", CS_ROLES_CONFIG},
               {"GET", "/api/v1/ai/training-job/{job_id}", NULL},
               {"DELETE", "/api/v1/ai/training-job/{job_id}", CS_ROLES_CONFIG}},
    .nroutes = 3,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE,
    .init = fn_ai_training_init,
    .handle = fn_ai_training,
};
