#include "handler.h"

#include "cs/function.h"

const struct cs_function cs_function = {
    .name = "tickets-metrics",
    .summary = "Ticket processing metrics: counts, latency percentiles, category mix (seed 004)",
    .family = CS_FAMILY_TRIAGE,
    .routes = {{"GET", "/api/v1/tickets/metrics", NULL}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE,
    .handle = fn_tickets_metrics,
};
