#include "handler.h"

#include "cs/function.h"
#include "cs/json.h"

static const struct cs_field fields[] = {
    {.name = "data",
     .type = CS_J_ARRAY,
     .required = true,
     .min_len = 1,
     .max_len = 20000,
     .items = CS_J_OBJECT},
    {.name = "attributes",
     .type = CS_J_ARRAY,
     .required = true,
     .min_len = 1,
     .max_len = 10,
     .items = CS_J_STRING},
    {.name = "outcome_columns",
     .type = CS_J_ARRAY,
     .nullable = true,
     .max_len = 10,
     .items = CS_J_STRING},
    {.name = "prediction_column",
     .type = CS_J_STRING,
     .nullable = true,
     .min_len = 1,
     .max_len = 64},
    {.name = "label_column", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 64},
    {.name = "min_group_size",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 1,
     .has_max = true,
     .max = 1000000},
};
static const struct cs_schema schema = {fields, sizeof(fields) / sizeof(*fields)};

const struct cs_function cs_function = {
    .name = "fairness-analyze",
    .summary = "Fairness across demographic groups: parity difference/ratio, equalized odds, "
               "four-fifths rule (seed 001)",
    .family = CS_FAMILY_INSIGHTS,
    .routes = {{"POST", "/api/v1/fairness/analyze"}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .body = &schema,
    .handle = fn_fairness_analyze,
};
