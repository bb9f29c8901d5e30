#include "handler.h"

#include "cs/function.h"
#include "cs/reporting.h"

const struct cs_function cs_function = {
    .name = "reporting-list",
    .summary = "List contact-centre records with Manager API filters and paging, teams with "
               "assignees and the team tree (seed 002)",
    .family = CS_FAMILY_REPORTING,
    .routes = {{"GET", "/manager/api/v1/teams/tree"},
               {"GET", "/manager/api/v1/teams/with_assignees"},
               {"GET", "/manager/api/v1/{resource}"}},
    .nroutes = 3,
    .auth = CS_AUTH_BEARER,
    .basic = cs_rp_authenticate,
    .rate_key = "reporting",
    .rate_of = cs_rp_rate,
    .init = cs_rp_init,
    .needs = CS_NEED_STORE,
    .handle = fn_reporting_list,
};
