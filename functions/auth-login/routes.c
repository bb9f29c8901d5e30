#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

static const struct cs_field login_fields[] = {
    {.name = "username", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 128},
    {.name = "password", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 1024},
};
static const struct cs_schema login_schema = {login_fields, 2};

const struct cs_function cs_function = {
    .name = "auth-login",
    .summary = "Log in with username and password; returns a bearer token and roles (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/auth/login", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_NONE,
    .body = &login_schema,
    .needs = CS_NEED_STORE | CS_NEED_JWT,
    .handle = fn_auth_login,
};
