/* cs/anonymize.h: placeholders and masks on the seed's text, same value -> same
 * placeholder, sealing round trip, and refusal of tampered, foreign and malformed
 * tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../support/test.h"
#include "cs/anonymize.h"
#include "cs/arena.h"
#include "cs/models.h"

static struct cs_models *models;
static struct cs_arena *arena;

static const struct cs_model *names(void) { return models ? cs_models_get(models, "pii") : NULL; }

static const char seed_text[] = "Hi, my name is John Smith and my account number is 1234567890. "
                                "My phone number is 555-123-4567.";

static void test_seed_example(void)
{
    if (!names()) TEST_SKIP("no pii model (set CS_DATA_DIR)");
    struct cs_anon_result r;
    REQUIRE(cs_anon_apply(names(), seed_text, strlen(seed_text), arena, &r) == CS_OK);
    CHECK_STR(r.text, "Hi, my name is [NAME_1] and my account number is [ACCOUNT_NUMBER_1]. "
                      "My phone number is [PHONE_1].");
    REQUIRE(r.n == 3);
    CHECK_STR(r.entry[0].placeholder, "[NAME_1]");
    CHECK_STR(r.entry[0].masked, "John Smith");
    CHECK_STR(r.entry[1].placeholder, "[ACCOUNT_NUMBER_1]");
    CHECK_STR(r.entry[1].masked, "XXXXXX7890");
    CHECK_STR(r.entry[1].original, "1234567890");
    CHECK_STR(r.entry[2].placeholder, "[PHONE_1]");
    CHECK_STR(r.entry[2].masked, "XXX-XXX-4567");
    REQUIRE(r.ndetected == 3);
    CHECK_STR(r.detected[0], "name");
    CHECK_STR(r.detected[1], "account_number");
    CHECK_STR(r.detected[2], "phone_number");
}

static void test_same_value_same_placeholder(void)
{
    const char *t =
        "Call 555-123-4567 or (555) 123-4567, or 555-987-6543. Mail Jane.Doe@Example.com "
        "or jane.doe@example.com.";
    struct cs_anon_result r;
    REQUIRE(cs_anon_apply(NULL, t, strlen(t), arena, &r) == CS_OK);
    CHECK_STR(r.text, "Call [PHONE_1] or [PHONE_1], or [PHONE_2]. Mail [EMAIL_1] or [EMAIL_1].");
    REQUIRE(r.n == 3);
    CHECK_STR(r.entry[0].original, "555-123-4567"); /* the first spelling is kept */
    CHECK_STR(r.entry[2].masked, "J***@Example.com");
}

static void test_masks(void)
{
    struct {
        enum cs_pii_type t;
        const char *in, *out;
    } cases[] = {
        {CS_PII_CREDIT_CARD, "4111 1111 1111 1111", "XXXX XXXX XXXX 1111"},
        {CS_PII_US_SSN, "123-45-6789", "XXX-XX-6789"},
        {CS_PII_IP_ADDRESS, "192.168.1.12", "XXX.XXX.X.12"},
        {CS_PII_URL, "https://example.com/reset?token=abc", "https://example.com/***"},
        {CS_PII_URL, "https://example.com", "https://example.com"},
        {CS_PII_DATE_OF_BIRTH, "1990-05-17", "XXXX-XX-XX"},
        {CS_PII_STREET_ADDRESS, "221 Baker Street", "XXX XXXXX XXXXXX"},
        {CS_PII_EMAIL, "@nobody", "@XXXXXX"},
        {CS_PII_PHONE, "12", "12"},
        {CS_PII_STREET_ADDRESS, "Ö Straße 1", "X XXXXXX X"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(cs_anon_mask(arena, cases[i].t, cases[i].in, strlen(cases[i].in)), cases[i].out);
}

static void test_refuses_what_it_cannot_fully_hide(void)
{
    /* More spans than the detector reports: PII would stay, so the call refuses. */
    char t[4096] = "";
    size_t n = 0;
    for (int i = 0; i < 80; i++) n += (size_t)snprintf(t + n, sizeof(t) - n, "u%d@example.com ", i);
    struct cs_anon_result r;
    CHECK_INT(cs_anon_apply(NULL, t, n, arena, &r), CS_ERR_TOO_LARGE);
    char *big = malloc(CS_PII_MAX_BYTES + 2);
    REQUIRE(big);
    memset(big, 'a', CS_PII_MAX_BYTES + 1);
    CHECK_INT(cs_anon_apply(NULL, big, CS_PII_MAX_BYTES + 1, arena, &r), CS_ERR_TOO_LARGE);
    free(big);
    CHECK_INT(cs_anon_apply(NULL, "", 0, arena, &r), CS_OK);
    CHECK_STR(r.text, "");
    CHECK_INT(r.n, 0);
}

static void key_for(const char *secret_byte, const char *tenant,
                    unsigned char key[CS_ANON_KEY_BYTES])
{
    struct cs_jwt_key master;
    memset(master.bytes, secret_byte[0], sizeof(master.bytes));
    cs_anon_key(&master, tenant, key);
}

static void test_seal_open_restore(void)
{
    const char *t = "Dear Maria Garcia, we will call 555-123-4567 and write to maria@example.com.";
    struct cs_anon_result r;
    REQUIRE(cs_anon_apply(names(), t, strlen(t), arena, &r) == CS_OK);
    REQUIRE(r.n >= 2);
    unsigned char ka[CS_ANON_KEY_BYTES];
    key_for("k", "acme", ka);
    char *tok = NULL;
    REQUIRE(cs_anon_seal(ka, "acme", r.entry, r.n, 1764000000000, arena, &tok) == CS_OK);
    CHECK(strncmp(tok, CS_ANON_TOKEN_PREFIX, strlen(CS_ANON_TOKEN_PREFIX)) == 0);
    CHECK(strstr(tok, "555") == NULL && strstr(tok, "maria") == NULL); /* opaque */
    struct cs_anon_entry *e = NULL;
    size_t n = 0;
    REQUIRE(cs_anon_open(ka, "acme", tok, strlen(tok), arena, &e, &n) == CS_OK);
    REQUIRE(n == r.n);
    for (size_t i = 0; i < n; i++) {
        CHECK_STR(e[i].placeholder, r.entry[i].placeholder);
        CHECK_STR(e[i].original, r.entry[i].original);
        CHECK_STR(e[i].masked, r.entry[i].masked);
        CHECK_INT(e[i].type, r.entry[i].type);
    }
    const char *back = NULL;
    size_t replaced = 0;
    REQUIRE(cs_anon_restore(r.text, strlen(r.text), e, n, arena, &back, &replaced) == CS_OK);
    CHECK_STR(back, t);
    CHECK_INT(replaced, r.n);
    /* A reply written from the anonymized text: placeholders anywhere, unknown ones kept. */
    REQUIRE(cs_anon_restore("[PHONE_1]? [PHONE_10] [x", 24, e, n, arena, &back, &replaced) ==
            CS_OK);
    CHECK_STR(back, "555-123-4567? [PHONE_10] [x");
    CHECK_INT(replaced, 1);
}

static void test_open_refuses_tampered_and_foreign(void)
{
    struct cs_anon_result r;
    REQUIRE(cs_anon_apply(NULL, "mail a@example.com", 18, arena, &r) == CS_OK);
    unsigned char ka[CS_ANON_KEY_BYTES], kb[CS_ANON_KEY_BYTES], kother[CS_ANON_KEY_BYTES];
    key_for("k", "acme", ka);
    key_for("k", "globex", kb);
    key_for("z", "acme", kother);
    CHECK(memcmp(ka, kb, sizeof(ka)) != 0);
    char *tok = NULL;
    REQUIRE(cs_anon_seal(ka, "acme", r.entry, r.n, 1, arena, &tok) == CS_OK);
    size_t len = strlen(tok);
    struct cs_anon_entry *e;
    size_t n;
    CHECK_INT(cs_anon_open(kb, "globex", tok, len, arena, &e, &n), CS_ERR_INVALID);
    CHECK_INT(cs_anon_open(kother, "acme", tok, len, arena, &e, &n), CS_ERR_INVALID);
    /* The tenant sealed inside is checked too, independently of the key. */
    CHECK_INT(cs_anon_open(ka, "globex", tok, len, arena, &e, &n), CS_ERR_INVALID);
    for (size_t i = strlen(CS_ANON_TOKEN_PREFIX); i < len; i += 7) {
        char *bad = cs_arena_strdup(arena, tok);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        CHECK_INT(cs_anon_open(ka, "acme", bad, len, arena, &e, &n), CS_ERR_INVALID);
    }
    CHECK_INT(cs_anon_open(ka, "acme", tok, len - 5, arena, &e, &n), CS_ERR_INVALID);
    CHECK_INT(cs_anon_open(ka, "acme", "csa1.", 5, arena, &e, &n), CS_ERR_INVALID);
    CHECK_INT(cs_anon_open(ka, "acme", "nope", 4, arena, &e, &n), CS_ERR_INVALID);
    CHECK_INT(cs_anon_open(ka, "acme", "csa1.!!!!", 9, arena, &e, &n), CS_ERR_INVALID);
    CHECK_INT(cs_anon_open(ka, "acme", tok, len, arena, &e, &n), CS_OK);
}

static void test_open_rejects_authentic_but_malformed_rows(void)
{
    /* A row whose placeholder does not match its type is refused even when sealed with
     * the right key, so a future format bug cannot restore one type as another. */
    unsigned char ka[CS_ANON_KEY_BYTES];
    key_for("k", "acme", ka);
    struct cs_anon_entry bad = {
        .type = CS_PII_EMAIL, .placeholder = "[NAME_1]", .original = "x@y.z", .masked = "x"};
    char *tok = NULL;
    REQUIRE(cs_anon_seal(ka, "acme", &bad, 1, 1, arena, &tok) == CS_OK);
    struct cs_anon_entry *e;
    size_t n;
    CHECK_INT(cs_anon_open(ka, "acme", tok, strlen(tok), arena, &e, &n), CS_ERR_INVALID);
}

int main(void)
{
    const char *dir = getenv("CS_DATA_DIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/models", dir ? dir : "data");
    if (cs_models_open(path, &models) != CS_OK) models = NULL;
    arena = cs_arena_new(0);
    TEST_RUN(test_seed_example);
    TEST_RUN(test_same_value_same_placeholder);
    TEST_RUN(test_masks);
    TEST_RUN(test_refuses_what_it_cannot_fully_hide);
    TEST_RUN(test_seal_open_restore);
    TEST_RUN(test_open_refuses_tampered_and_foreign);
    TEST_RUN(test_open_rejects_authentic_but_malformed_rows);
    cs_arena_destroy(arena);
    cs_models_close(models);
    return test_done();
}
