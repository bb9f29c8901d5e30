#include "cs/lang.h"

#include <string.h>

#include "../../support/test.h"

#define FP_DIR "/usr/share/libexttextcat"

static void test_served_languages(void)
{
    struct cs_lang *l;
    /* Debian's fingerprints and the shipped list must load: fail, do not skip */
    REQUIRE(cs_lang_open("data/triage/languages.conf", FP_DIR, &l) == CS_OK);
    static const struct { const char *text, *code; } cases[] = {
        {"My parcel never arrived", "en"},
        {"Mi pedido no ha llegado todavía", "es"},
        {"Mein Paket ist nicht angekommen", "de"},
        {"Je veux annuler mon abonnement", "fr"},
        {"Não consigo entrar na minha conta desde ontem", "pt"},
        {"I was charged twice for my subscription this month. Please help!", "en"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cs_lang_result r;
        CHECK_INT(cs_lang_detect(l, cases[i].text, strlen(cases[i].text), &r), CS_OK);
        CHECK_STR(r.code, cases[i].code);
        CHECK(r.confidence > 0.0f && r.confidence <= 1.0f);
    }
    struct cs_lang_result r;
    CHECK_INT(cs_lang_detect(l, "", 0, &r), CS_OK);
    CHECK_STR(r.code, "");
    CHECK_NEAR(r.confidence, 0.0, 1e-9);
    /* very short: a code, with little confidence */
    CHECK_INT(cs_lang_detect(l, "ok", 2, &r), CS_OK);
    CHECK(r.confidence <= 0.1f);
    CHECK_INT(cs_lang_detect(l, NULL, 3, &r), CS_ERR_INVALID);
    cs_lang_close(l);
}

static void test_open_errors(void)
{
    struct cs_lang *l = (struct cs_lang *)&l;
    CHECK_INT(cs_lang_open("no/such/languages.conf", FP_DIR, &l), CS_ERR_IO);
    CHECK(l == NULL);
    CHECK_INT(cs_lang_open("data/triage/languages.conf", "/no/such/dir", &l), CS_ERR_IO);
    CHECK_INT(cs_lang_open(NULL, FP_DIR, &l), CS_ERR_INVALID);
    cs_lang_close(NULL);
}

int main(void)
{
    TEST_RUN(test_served_languages);
    TEST_RUN(test_open_errors);
    return test_done();
}
