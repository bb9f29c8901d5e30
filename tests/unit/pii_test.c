#include "cs/pii.h"

#include <string.h>

#include "cs/models.h"
#include "../support/test.h"

static const struct cs_pii_span *find(const struct cs_pii_result *r, enum cs_pii_type t)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->span[i].type == t) return &r->span[i];
    return NULL;
}

static void test_checksums(void)
{
    CHECK(cs_pii_luhn_valid("4111111111111111", 16));
    CHECK(!cs_pii_luhn_valid("4111111111111112", 16));
    CHECK(cs_pii_iban_valid("GB82 WEST 1234 5698 7654 32", 27));
    CHECK(cs_pii_iban_valid("DE89370400440532013000", 22));
    CHECK(!cs_pii_iban_valid("DE89370400440532013001", 22));
}

static void test_patterns(void)
{
    const char *t = "Mail a.b@example.co.uk, card 4111-1111-1111-1111, SSN 078-05-1120, "
                    "IBAN DE89 3704 0044 0532 0130 00, ip 10.0.0.255 or 2001:db8::ff00:42:8329, "
                    "see https://example.com/x. Call +44 20 7946 0958. Account 12345678.";
    struct cs_pii_result r;
    REQUIRE(cs_pii_detect(NULL, t, strlen(t), &r) == CS_OK);
    const struct cs_pii_span *s = find(&r, CS_PII_EMAIL);
    REQUIRE(s);
    CHECK_INT(s->start, 5);
    CHECK_INT(s->end, 22);
    CHECK(find(&r, CS_PII_CREDIT_CARD));
    CHECK(find(&r, CS_PII_US_SSN));
    CHECK(find(&r, CS_PII_IBAN));
    CHECK(find(&r, CS_PII_IP_ADDRESS));
    CHECK(find(&r, CS_PII_URL));
    CHECK(find(&r, CS_PII_PHONE));
    CHECK(find(&r, CS_PII_ACCOUNT_NUMBER));
    /* an invalid card number is not a card */
    REQUIRE(cs_pii_detect(NULL, "card 4111 1111 1111 1112", 24, &r) == CS_OK);
    CHECK(!find(&r, CS_PII_CREDIT_CARD));
}

static void test_char_offsets_utf8(void)
{
    const char *t = "Ünïcode x@y.io"; /* two 2-byte characters before the email */
    struct cs_pii_result r;
    REQUIRE(cs_pii_detect(NULL, t, strlen(t), &r) == CS_OK);
    REQUIRE(r.n == 1);
    CHECK_INT(r.span[0].start, 8);
    CHECK_INT(r.span[0].start_byte, 10);
    CHECK_INT(r.span[0].end, 14);
}

static void test_names_and_address(void)
{
    struct cs_models *ms;
    if (cs_models_open("data/models", &ms) != CS_OK) TEST_SKIP("data/models not found (run from the repo root)");
    const char *t = "Hello, my name is Maria Garcia and I live at 42 Main Street, Springfield. Born 12/03/1980.";
    struct cs_pii_result r;
    CHECK_INT(cs_pii_detect(cs_models_get(ms, "pii"), t, strlen(t), &r), CS_OK);
    const struct cs_pii_span *p = find(&r, CS_PII_PERSON);
    CHECK(p && p->start == 18 && p->end == 30);
    CHECK(find(&r, CS_PII_STREET_ADDRESS));
    CHECK(find(&r, CS_PII_DATE_OF_BIRTH));
    cs_models_close(ms);
}

int main(void)
{
    TEST_RUN(test_checksums);
    TEST_RUN(test_patterns);
    TEST_RUN(test_char_offsets_utf8);
    TEST_RUN(test_names_and_address);
    return test_done();
}
