#include "handler.h"

#include "cs/function.h"
#include "cs/models.h"
#include "cs/json.h"

/* Seed 001's generate request. */
static const struct cs_field generate_fields[] = {
    {.name = "prompt", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 32000},
    {.name = "model", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 64},
    {.name = "max_tokens",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 1,
     .has_max = true,
     .max = 8192},
    {.name = "temperature",
     .type = CS_J_NUMBER,
     .nullable = true,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 2},
    {.name = "system_prompt", .type = CS_J_STRING, .nullable = true, .max_len = 16000},
    {.name = "stream", .type = CS_J_BOOL, .nullable = true},
    {.name = "context", .type = CS_J_OBJECT, .nullable = true},
};
static const struct cs_schema generate_schema = {generate_fields, 7};

/* the builtin reply: meaning re-ranking and the asker's sentiment (ai_builtin.c) */
static const char *const models[] = {CS_MODELS_EMBED, "sentiment", NULL};

const struct cs_function cs_function = {
    .name = "ai-generate",
    .summary = "Generate text with the tenant's AI provider (or builtin), with a compliance check; "
               "SSE when stream is true (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/ai/generate", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &generate_schema,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_AI,
    .models = models,
    .handle = fn_ai_generate,
};
