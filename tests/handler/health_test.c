/* GET /health (seed 004) in process: the body the seed documents, compared whole. */
#include "../../functions/health/handler.c"
#include "../../functions/health/routes.c"
#include "../support/handler_harness.h"
#include "../support/test.h"

static struct hh h;

static void test_health(void)
{
    struct hh_answer a;
    REQUIRE(hh_call(&h, "GET", "/health", NULL, NULL, NULL, 0, &a) == 0);
    CHECK_INT(a.status, 200);
    CHECK(hh_golden_match("health/ok", a.body));
    hh_answer_clean_up(&a);
}

static void test_unknown_method(void)
{
    struct hh_answer a;
    REQUIRE(hh_call(&h, "DELETE", "/health", NULL, NULL, NULL, 0, &a) == 0);
    CHECK_INT(a.status, 405);
    CHECK(hh_golden_match("health/method_not_allowed", a.body));
    hh_answer_clean_up(&a);
}

int main(void)
{
    if (hh_init(&h, &cs_function, "hh-health")) return 1;
    TEST_RUN(test_health);
    TEST_RUN(test_unknown_method);
    hh_clean_up(&h);
    return test_done();
}
