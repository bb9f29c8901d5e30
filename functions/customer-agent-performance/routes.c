#include "handler.h"

#include "cs/function.h"

const struct cs_function cs_function = {
    .name = "customer-agent-performance",
    .summary = "Agent performance against the team's medians with a coaching tip (seed 000)",
    .family = CS_FAMILY_PREDICT,
    .routes = {{"GET", "/api/v1/customer/agents/{agent_id}/performance"}},
    .nroutes = 1,
    .auth = CS_AUTH_BEARER,
    .needs = CS_NEED_STORE | CS_NEED_AI,
    .handle = fn_customer_agent_performance,
};
