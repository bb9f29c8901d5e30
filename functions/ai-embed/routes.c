#include "handler.h"

#include "cs/function.h"
#include "cs/models.h"
#include "cs/json.h"

/* Seed 001's embed request. */
static const struct cs_field embed_fields[] = {
    {.name = "texts",
     .type = CS_J_ARRAY,
     .required = true,
     .min_len = 1,
     .max_len = 256,
     .items = CS_J_STRING},
    {.name = "model", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 64},
    {.name = "dimensions",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 1,
     .has_max = true,
     .max = 4096},
};
static const struct cs_schema embed_schema = {embed_fields, 3};

/* the builtin provider's word vectors */
static const char *const models[] = {CS_MODELS_EMBED, NULL};

const struct cs_function cs_function = {
    .name = "ai-embed",
    .summary = "Embed texts with the tenant's AI provider, or the builtin semantic word-vector "
               "embedding (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/ai/embed", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &embed_schema,
    .needs = CS_NEED_STORE | CS_NEED_MODELS | CS_NEED_AI, /* models: data/models/embed.cse */
    .models = models,
    .handle = fn_ai_embed,
};
