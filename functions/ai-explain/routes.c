#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

static const char *const methods[] = {"shap", NULL};

/* Seed 001's explain request. `data` is checked against the named model's inputs in
 * the handler; `top_k` (beyond the seed) bounds the features listed. */
static const struct cs_field explain_fields[] = {
    {.name = "model_name", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 128},
    {.name = "data", .type = CS_J_OBJECT, .required = true},
    {.name = "explanation_method", .type = CS_J_STRING, .nullable = true, .one_of = methods},
    {.name = "top_k",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 1,
     .has_max = true,
     .max = 16},
};
static const struct cs_schema explain_schema = {explain_fields, 4};

const struct cs_function cs_function = {
    .name = "ai-explain",
    .summary = "Exact SHAP explanation (linear contributions + base = logit) of a built-in model's "
               "prediction (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/ai/explain", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &explain_schema,
    .needs = CS_NEED_MODELS | CS_NEED_STORE, /* store: tenant deployments */
    .handle = fn_ai_explain,
};
