/* POST /api/v1/review/queue (seed 001) in process: the seed's own example, the queue
 * order it reports, and the insights family's errors (seed 001: 400 with a field map),
 * each compared whole with a golden file. */
#include "../../functions/review-queue/handler.c"
#include "../../functions/review-queue/routes.c"
#include "../support/handler_harness.h"
#include "../support/test.h"

static struct hh h;
static const char *const agent[] = {"agent"};

static const char seed_example[] =
    "{\"query\": \"What stocks should I invest in for maximum returns?\","
    " \"response\": \"Based on market trends, diversifying your portfolio across technology, "
    "healthcare, and energy sectors may provide balanced growth potential...\","
    " \"category\": \"investment_advice\", \"priority\": 2,"
    " \"metadata\": {\"customer_id\": \"cust-789\", \"interaction_id\": \"int-456\"}}";

static void expect(const char *method, const char *body, const char *tenant, int status,
                   const char *golden)
{
    struct hh_answer a;
    REQUIRE(hh_call(&h, method, "/api/v1/review/queue", body, tenant, agent, 1, &a) == 0);
    CHECK_INT(a.status, status);
    CHECK(hh_golden_match(golden, a.body));
    hh_answer_clean_up(&a);
}

static void test_seed_example_is_queued(void)
{
    expect("POST", seed_example, "acme", 200, "review-queue/seed_example");
}

static void test_second_item_is_behind_the_first(void)
{
    expect("POST", seed_example, "acme", 200, "review-queue/second_item");
}

static void test_missing_query_is_a_validation_error(void)
{
    expect("POST", "{\"response\": \"x\", \"category\": \"c\", \"priority\": 2}", "acme", 400,
           "review-queue/missing_query");
}

static void test_priority_out_of_range(void)
{
    expect("POST", "{\"query\": \"q\", \"response\": \"r\", \"category\": \"c\", \"priority\": 9}",
           "acme", 400, "review-queue/priority_out_of_range");
}

static void test_no_token(void)
{
    expect("POST", seed_example, NULL, 401, "review-queue/no_token");
}

int main(void)
{
    if (hh_init(&h, &cs_function, "hh-review-queue")) return 1;
    TEST_RUN(test_seed_example_is_queued);
    TEST_RUN(test_second_item_is_behind_the_first);
    TEST_RUN(test_missing_query_is_a_validation_error);
    TEST_RUN(test_priority_out_of_range);
    TEST_RUN(test_no_token);
    hh_clean_up(&h);
    return test_done();
}
