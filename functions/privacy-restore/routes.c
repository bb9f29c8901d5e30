#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

/* A text with placeholders (the anonymized text, or a reply written from it) and the
 * restore_token that /api/v1/privacy/anonymize returned with `reversible: true`. */
static const struct cs_field restore_fields[] = {
    {.name = "text", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 200000},
    {.name = "restore_token",
     .type = CS_J_STRING,
     .required = true,
     .min_len = 1,
     .max_len = 512 * 1024},
};
static const struct cs_schema restore_schema = {restore_fields, 2};

const struct cs_function cs_function = {
    .name = "privacy-restore",
    .summary = "Put the originals back into a text from a tenant-sealed anonymization token",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/privacy/restore", CS_ROLES_PII}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &restore_schema,
    .needs = CS_NEED_JWT,
    .handle = fn_privacy_restore,
};
