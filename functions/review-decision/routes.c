#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

static const struct cs_field edits_fields[] = {
    {.name = "modified_response",
     .type = CS_J_STRING,
     .required = true,
     .min_len = 1,
     .max_len = 20000},
};
static const struct cs_schema edits_schema = {edits_fields, 1};

/* Seed 001's decision: approved, optional feedback, optional edits. */
static const struct cs_field decision_fields[] = {
    {.name = "item_id", .type = CS_J_STRING, .required = true, .format = CS_FMT_ID},
    {.name = "approved", .type = CS_J_BOOL, .required = true},
    {.name = "feedback", .type = CS_J_STRING, .nullable = true, .max_len = 5000},
    {.name = "edits", .type = CS_J_OBJECT, .nullable = true, .object = &edits_schema},
};
static const struct cs_schema decision_schema = {decision_fields, 4};

const struct cs_function cs_function = {
    .name = "review-decision",
    .summary = "Approve, reject or edit a queued response; each item is decided once (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/review/decision", CS_ROLES_REVIEW}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &decision_schema,
    .needs = CS_NEED_STORE,
    .handle = fn_review_decision,
};
