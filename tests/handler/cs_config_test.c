/* GET/PUT /api/v1/cs/config (seed 003) in process: a company's defaults, a validated
 * deep merge read back, and the sessions family's errors, compared with golden files. */
#include "../../functions/cs-config/handler.c"
#include "../../functions/cs-config/routes.c"
#include "../support/handler_harness.h"
#include "../support/test.h"

static struct hh h;
static const char *const admin[] = {"admin"};

static void expect(const char *method, const char *target, const char *body, int status,
                   const char *golden)
{
    struct hh_answer a;
    REQUIRE(hh_call(&h, method, target, body, "acme", admin, 1, &a) == 0);
    CHECK_INT(a.status, status);
    CHECK(hh_golden_match(golden, a.body));
    hh_answer_clean_up(&a);
}

static void test_defaults_of_a_new_company(void)
{
    expect("GET", "/api/v1/cs/config?companyId=comp_1", NULL, 200, "cs-config/defaults");
}

static void test_merge_then_read_back(void)
{
    expect("PUT", "/api/v1/cs/config",
           "{\"companyId\": \"comp_1\", \"tiers\": {\"aiManager\": {\"capabilities\": "
           "{\"maxRefundAmount\": 75}}}}",
           200, "cs-config/merged");
    expect("GET", "/api/v1/cs/config?companyId=comp_1", NULL, 200, "cs-config/merged_read_back");
    /* Another company of the same tenant keeps the defaults. */
    expect("GET", "/api/v1/cs/config?companyId=comp_2", NULL, 200, "cs-config/defaults_comp_2");
}

static void test_missing_company(void)
{
    expect("GET", "/api/v1/cs/config", NULL, 400, "cs-config/missing_company");
}

int main(void)
{
    if (hh_init(&h, &cs_function, "hh-cs-config")) return 1;
    TEST_RUN(test_defaults_of_a_new_company);
    TEST_RUN(test_merge_then_read_back);
    TEST_RUN(test_missing_company);
    hh_clean_up(&h);
    return test_done();
}
