/* POST /api/v1/customer/webhooks (seed 000) in process: a public receiver is registered;
 * a loopback or private one is refused at registration with a message that says why
 * (deliveries there would be refused on every attempt), unless CS_WEBHOOK_ALLOW_PRIVATE
 * allows local receivers. Bodies compared whole with golden files. */
#include <stdlib.h>

#include "../../functions/customer-webhooks/handler.c"
#include "../../functions/customer-webhooks/routes.c"
#include "../support/handler_harness.h"
#include "../support/test.h"

static struct hh h;
static const char *const admin[] = {"admin"};

static void expect(const char *url, int status, const char *golden)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"url\": \"%s\", \"events\": [\"ticket.created\"]}", url);
    struct hh_answer a;
    REQUIRE(hh_call(&h, "POST", "/api/v1/customer/webhooks", body, "acme", admin, 1, &a) == 0);
    CHECK_INT(a.status, status);
    CHECK(hh_golden_match(golden, a.body));
    hh_answer_clean_up(&a);
}

static void test_public_receiver_registered(void)
{
    expect("https://hooks.example.com/cs", 201, "customer-webhooks/public");
}

static void test_private_receivers_refused(void)
{
    expect("http://127.0.0.1:9000/hook", 422, "customer-webhooks/loopback");
    expect("https://10.1.2.3/hook", 422, "customer-webhooks/private");
    expect("http://[::1]:8080/hook", 422, "customer-webhooks/loopback_v6");
    expect("http://localhost/hook", 422, "customer-webhooks/localhost");
    expect("http://169.254.169.254/latest", 422, "customer-webhooks/metadata");
}

int main(void)
{
    unsetenv("CS_WEBHOOK_ALLOW_PRIVATE");
    if (hh_init(&h, &cs_function, "hh-customer-webhooks")) return 1;
    TEST_RUN(test_public_receiver_registered);
    TEST_RUN(test_private_receivers_refused);
    hh_clean_up(&h);
    return test_done();
}
