#include "handler.h"

#include "cs/function.h"
#include "cs/models.h"
#include "cs/json.h"

/* Seed 001's response-generation request ("model" beyond the seed picks a provider). */
static const struct cs_field response_fields[] = {
    {.name = "query", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 20000},
    {.name = "customer_id", .type = CS_J_STRING, .nullable = true, .max_len = 128},
    {.name = "context", .type = CS_J_OBJECT, .nullable = true},
    {.name = "model", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 64},
};
static const struct cs_schema response_schema = {response_fields, 4};

/* the intent routing, and the builtin reply (ai_builtin.c) */
static const char *const models[] = {CS_MODELS_EMBED,  "intent-banking77", "intent-domain",
                                     "intent-support", "sentiment",        NULL};

const struct cs_function cs_function = {
    .name = "generate-response",
    .summary = "Draft a reply to a customer query with category, confidence, alternatives; risky "
               "replies go to human review (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/generate/response", CS_ROLES_WORK}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &response_schema,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_AI,
    .models = models,
    .handle = fn_generate_response,
};
