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

/* Exact span of type t covering text `want`, by character offsets (ASCII texts). */
static int has_exact(const struct cs_pii_result *r, enum cs_pii_type t, const char *text,
                     const char *want)
{
    const char *at = strstr(text, want);
    size_t b = at ? (size_t)(at - text) : 0, e = b + strlen(want);
    for (size_t i = 0; at && i < r->n; i++)
        if (r->span[i].type == t && r->span[i].start == b && r->span[i].end == e) return 1;
    return 0;
}

static void test_address_formats(void)
{
    struct cs_pii_result r;
    static const char *const cases[][2] = {
        /* European order: name, then number */
        {"Please ship it to Mellemvej 32 by Friday.", "Mellemvej 32"},
        {"Our office is on Villacher Strasse 89 now.", "Villacher Strasse 89"},
        /* number, name, house number after an address cue */
        {"my new address is 30497 Ibirapita 8057", "30497 Ibirapita 8057"},
        /* US military mail */
        {"Send it to PSC 6293, Box 8158\nAPO AP 04336", "PSC 6293, Box 8158\nAPO AP 04336"},
        {"the corner of Pachergasse 64 and Radolic Harbor", "the corner of Pachergasse 64 and Radolic Harbor"},
        {"I live at 42 Main Street, Apt 4, Springfield, IL 62704", "42 Main Street, Apt 4, Springfield, IL 62704"},
        {"Deliver to ul. Biskupa Bogedaina 118 please", "ul. Biskupa Bogedaina 118"},
        {"It was at 33 avenue de Provence", "33 avenue de Provence"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_INT(cs_pii_detect(NULL, cases[i][0], strlen(cases[i][0]), &r), CS_OK);
        if (!has_exact(&r, CS_PII_STREET_ADDRESS, cases[i][0], cases[i][1]))
            fprintf(stderr, "  missed address: %s\n", cases[i][0]);
        CHECK(has_exact(&r, CS_PII_STREET_ADDRESS, cases[i][0], cases[i][1]));
    }
    /* a capitalised word and a number without a street word or cue is not an address */
    static const char *const clean[] = {"Order 12 arrived late.", "Windows 11 keeps crashing.",
                                        "I was on Flight 4521 to Boston.",
                                        "I contacted you via Twitter and via Email 3 times.",
                                        "During 1972 the company grew."};
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
        CHECK_INT(cs_pii_detect(NULL, clean[i], strlen(clean[i]), &r), CS_OK);
        CHECK(find(&r, CS_PII_STREET_ADDRESS) == NULL);
    }
}

static void test_name_cues(void)
{
    struct cs_models *ms;
    if (cs_models_open("data/models", &ms) != CS_OK) TEST_SKIP("data/models not found (run from the repo root)");
    const struct cs_model *names = cs_models_get(ms, "pii");
    struct cs_pii_result r;
    static const char *const cases[][2] = {
        {"Mr. Palffy is a 19 year old man.", "Palffy"},           /* title before a period */
        {"What is the name on the account? User: Vilma Holm", "Vilma Holm"}, /* cue + colon */
        {"\"It broke,\" says Liisa Lepisto in a review.", "Liisa Lepisto"},   /* unknown first name */
        {"Bryan Maclean's killers were sentenced.", "Bryan Maclean"},          /* possessive */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_INT(cs_pii_detect(names, cases[i][0], strlen(cases[i][0]), &r), CS_OK);
        if (!has_exact(&r, CS_PII_PERSON, cases[i][0], cases[i][1]))
            fprintf(stderr, "  missed name: %s\n", cases[i][0]);
        CHECK(has_exact(&r, CS_PII_PERSON, cases[i][0], cases[i][1]));
    }
    /* places after "from" and all-capital words are not people */
    static const char *const clean[] = {"We moved here from Fortaleza last year.",
                                        "I'm in HARSTAD, at the conference.",
                                        "Hello, this is Mr. Dustin Wirth."};
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
        CHECK_INT(cs_pii_detect(names, clean[i], strlen(clean[i]), &r), CS_OK);
        const struct cs_pii_span *p = find(&r, CS_PII_PERSON);
        if (i < 2) CHECK(p == NULL);
        else CHECK(p && has_exact(&r, CS_PII_PERSON, clean[i], "Dustin Wirth"));
    }
    cs_models_close(ms);
}

int main(void)
{
    TEST_RUN(test_checksums);
    TEST_RUN(test_patterns);
    TEST_RUN(test_char_offsets_utf8);
    TEST_RUN(test_names_and_address);
    TEST_RUN(test_address_formats);
    TEST_RUN(test_name_cues);
    return test_done();
}
