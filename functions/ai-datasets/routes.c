#include "handler.h"

#include "cs/dataset.h"
#include "cs/function.h"

/* The body is the dataset itself (CSV or JSON Lines), not JSON: no schema. */
const struct cs_function cs_function = {
    .name = "ai-datasets",
    .summary = "Upload a labelled CSV / JSON Lines dataset for tenant model training (issue 18, "
               "seed 001 lifecycle)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/ai/datasets", CS_ROLES_CONFIG}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE,
    .max_body = CS_DATASET_MAX_BYTES,
    .handle = fn_ai_datasets,
};
