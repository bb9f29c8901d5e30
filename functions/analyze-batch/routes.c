#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

/* Most conversations one request may carry; more answer 422 (split the batch). */
#define BATCH_MAX 100

static const struct cs_field conversation_fields[] = {
    {.name = "id", .type = CS_J_STRING, .required = true, .format = CS_FMT_ID},
    {.name = "text", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 20000},
};
static const struct cs_schema conversation_schema = {conversation_fields, 2};

static const struct cs_field batch_fields[] = {
    {.name = "conversations",
     .type = CS_J_ARRAY,
     .required = true,
     .min_len = 1,
     .max_len = BATCH_MAX,
     .items = CS_J_OBJECT,
     .object = &conversation_schema},
    {.name = "use_ai", .type = CS_J_BOOL, .nullable = true},
};
static const struct cs_schema batch_schema = {batch_fields, 2};

static const char *const models[] = {"sentiment", NULL};

const struct cs_function cs_function = {
    .name = "analyze-batch",
    .summary = "Batch sentiment of up to 100 conversations with summary counts (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/analyze/batch", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &batch_schema,
    .needs = CS_NEED_MODELS | CS_NEED_STORE | CS_NEED_AI,
    .models = models,
    .handle = fn_analyze_batch,
};
