#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

static const struct cs_field token_fields[] = {
    {.name = "api_key", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 128},
    {.name = "api_secret", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 256},
};
static const struct cs_schema token_schema = {token_fields, 2};

const struct cs_function cs_function = {
    .name = "auth-token",
    .summary = "Exchange an API key and secret for a bearer token (seed 000)",
    .family = CS_FAMILY_PREDICT,
    .routes = {{"POST", "/api/v1/auth/token", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_NONE,
    .body = &token_schema,
    .needs = CS_NEED_STORE | CS_NEED_JWT,
    .handle = fn_auth_token,
};
