#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

/* Seed 001's request plus `reversible`: also return the exact mapping sealed for this
 * tenant (restore_token) for POST /api/v1/privacy/restore. 65536 characters keeps the
 * text inside the PII scanner's window (longer UTF-8 texts answer 422 in the handler). */
static const struct cs_field anonymize_fields[] = {
    {.name = "text", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 65536},
    {.name = "keep_mapping", .type = CS_J_BOOL, .nullable = true},
    {.name = "reversible", .type = CS_J_BOOL, .nullable = true},
};
static const struct cs_schema anonymize_schema = {anonymize_fields, 3};

static const char *const models[] = {"pii", NULL};

const struct cs_function cs_function = {
    .name = "privacy-anonymize",
    .summary =
        "Replace PII with typed placeholders; masked mapping and sealed restore token (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/privacy/anonymize", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &anonymize_schema,
    .needs = CS_NEED_MODELS | CS_NEED_JWT,
    .models = models,
    .handle = fn_privacy_anonymize,
};
