#include "handler.h"

#include "cs/function.h"

/* The seed 000 model endpoints: the list with each model's source and metrics, and a
 * prediction by ticket id or raw fields, optionally explained; the tenant's insights
 * configuration (business hours, holidays, alert thresholds). */
const struct cs_function cs_function = {
    .name = "customer-ai-models",
    .summary = "List the prediction models and predict with one, explained per feature (seed 000)",
    .family = CS_FAMILY_PREDICT,
    .routes = {{"GET", "/api/v1/customer/ai-models"},
               {"POST", "/api/v1/customer/ai-models/{model_name}/predict"},
               {"GET", "/api/v1/customer/insights/config"},
               {"PUT", "/api/v1/customer/insights/config", CS_ROLES_CONFIG}},
    .nroutes = 4,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE | CS_NEED_MODELS,
    .handle = fn_customer_ai_models,
};
