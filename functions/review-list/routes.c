#include "handler.h"

#include "cs/function.h"

const struct cs_function cs_function = {
    .name = "review-list",
    .summary =
        "List the human review queue by status and priority with estimated review times (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"GET", "/api/v1/review/queue", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE,
    .handle = fn_review_list,
};
