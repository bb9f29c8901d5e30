#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

/* Seed 001's classify request. */
static const struct cs_field classify_fields[] = {
    {.name = "text", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 20000},
    {.name = "categories",
     .type = CS_J_ARRAY,
     .required = true,
     .min_len = 1,
     .max_len = 64,
     .items = CS_J_STRING},
    {.name = "model", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 64},
};
static const struct cs_schema classify_schema = {classify_fields, 3};

/* the builtin provider classifies with the intent models (ai_builtin.c) */
static const char *const models[] = {"intent-banking77", "intent-domain", "intent-support", NULL};

const struct cs_function cs_function = {
    .name = "ai-classify",
    .summary = "Score a text against caller-given categories with the tenant's AI provider or "
               "builtin (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/ai/classify", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &classify_schema,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_AI,
    .models = models,
    .handle = fn_ai_classify,
};
