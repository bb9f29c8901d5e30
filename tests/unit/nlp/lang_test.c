#include "cs/lang.h"

#include <stdlib.h>
#include <string.h>

#include "../../support/test.h"

#define FP_DIR "/usr/share/libexttextcat"

static void test_served_languages(void)
{
    struct cs_lang *l;
    /* Debian's fingerprints and the shipped list must load: fail, do not skip */
    REQUIRE(cs_lang_open("data/triage/languages.conf", FP_DIR, &l) == CS_OK);
    static const struct {
        const char *text, *code;
    } cases[] = {
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

/* libexttextcat walks characters by their lead bytes and runs off its buffer on bytes
 * that are not UTF-8 (tests/fuzz/triage_text_fuzz found it: a SEGV in fp_Create on the
 * input below, which depended on the memory after the buffer and does not crash alone),
 * so the detector hands it whole, well-formed sequences only. These are the shapes that
 * reach it: stray bytes, a text ending inside a character, and a long text without
 * spaces whose 100-byte sample would end inside one (each in a buffer of exactly its
 * length); each must answer, in range. */
static void test_cut_characters(void)
{
    struct cs_lang *l = NULL;
    REQUIRE(cs_lang_open("data/triage/languages.conf", FP_DIR, &l) == CS_OK);
    struct cs_lang_result r;
    static const char fuzzed[] = "Re/chn\xc2\xa3g \xc3\xbc"
                                 "ber 1.2\xba\xcc\xcb$$$\xd3\xca 1,,2\xff\xff\xff"
                                 " .\xd2\xc8\xc9\xdf\xbaUR \xe2r\x82";
    char *f = malloc(sizeof(fuzzed) - 1);
    REQUIRE(f != NULL);
    memcpy(f, fuzzed, sizeof(fuzzed) - 1);
    CHECK_INT(cs_lang_detect(l, f, sizeof(fuzzed) - 1, &r), CS_OK);
    free(f);
    static const char tail[] = "Mein Paket ist nicht angekommen \xe2";
    char *t = malloc(sizeof(tail) - 1);
    REQUIRE(t != NULL);
    memcpy(t, tail, sizeof(tail) - 1);
    CHECK_INT(cs_lang_detect(l, t, sizeof(tail) - 1, &r), CS_OK);
    free(t);
    size_t n = 0;
    char *cjk = malloc(300);
    REQUIRE(cjk != NULL);
    while (n + 3 <= 300) memcpy(cjk + n, "\xe6\x97\xa5", 3), n += 3; /* U+65E5, no spaces */
    CHECK_INT(cs_lang_detect(l, cjk, n, &r), CS_OK);
    CHECK(r.confidence >= 0.0f && r.confidence <= 1.0f);
    free(cjk);
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
    TEST_RUN(test_cut_characters);
    return test_done();
}
