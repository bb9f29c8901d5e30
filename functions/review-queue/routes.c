#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

/* Seed 001's review request; priority 1 is the most urgent, 3 when omitted. */
static const struct cs_field queue_fields[] = {
    {.name = "query", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 20000},
    {.name = "response", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 20000},
    {.name = "category", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 100},
    {.name = "priority",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 1,
     .has_max = true,
     .max = 5},
    {.name = "metadata", .type = CS_J_OBJECT, .nullable = true},
};
static const struct cs_schema queue_schema = {queue_fields, 5};

const struct cs_function cs_function = {
    .name = "review-queue",
    .summary = "Queue a response for human review with a throughput-based estimated review time "
               "(seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/review/queue", CS_ROLES_WORK}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &queue_schema,
    .needs = CS_NEED_STORE,
    .handle = fn_review_queue,
};
