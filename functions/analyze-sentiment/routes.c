#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

/* Seed 001's sentiment request: the text, and whether an LLM provider may answer. */
static const struct cs_field sentiment_fields[] = {
    {.name = "text", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 20000},
    {.name = "use_ai", .type = CS_J_BOOL, .nullable = true},
};
static const struct cs_schema sentiment_schema = {sentiment_fields, 2};

static const char *const models[] = {"sentiment", NULL};

const struct cs_function cs_function = {
    .name = "analyze-sentiment",
    .summary = "3-class sentiment probabilities with satisfaction score and key phrases (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/analyze/sentiment", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &sentiment_schema,
    .needs = CS_NEED_MODELS | CS_NEED_STORE | CS_NEED_AI,
    .models = models,
    .handle = fn_analyze_sentiment,
};
