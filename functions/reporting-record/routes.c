#include "handler.h"

#include "cs/function.h"
#include "cs/reporting.h"

const struct cs_function cs_function = {
    .name = "reporting-record",
    .summary = "One contact-centre record, a call's segments or participants, and imports "
               "(seed 002)",
    .family = CS_FAMILY_REPORTING,
    .routes = {{"POST", "/manager/api/v1/import/{resource}"},
               {"GET", "/manager/api/v1/{resource}/{id}"},
               {"GET", "/manager/api/v1/{resource}/{id}/{sub}"}},
    .nroutes = 3,
    .auth = CS_AUTH_BEARER,
    .basic = cs_rp_authenticate,
    .rate_key = "reporting",
    .rate_of = cs_rp_rate,
    .init = cs_rp_init,
    .needs = CS_NEED_STORE,
    .handle = fn_reporting_record,
};
