#include "cs/lang.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <textcat.h>
#include <unistd.h>

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

/* What cs_lang_detect answered before it scored the fingerprints itself: the library's
 * verdict on the same sample (first 100 bytes cut at a space, whole characters). */
static void library_answer(void *tc, const char *text, size_t len, struct cs_lang_result *out)
{
    memset(out, 0, sizeof(*out));
    if (len > 100) {
        size_t cut = 100;
        while (cut > 50 && text[cut] != ' ') cut--;
        len = text[cut] == ' ' ? cut : 100;
    }
    size_t i = 0; /* whole UTF-8 sequences only */
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        size_t n = c < 0x80                 ? 1
                   : c >= 0xc2 && c <= 0xdf ? 2
                   : c >= 0xe0 && c <= 0xef ? 3
                   : c >= 0xf0 && c <= 0xf4 ? 4
                                            : 0;
        size_t k = 1;
        while (n && k < n && i + k < len && ((unsigned char)text[i + k] & 0xc0) == 0x80) k++;
        if (n == 0 || k < n) break;
        i += n;
    }
    len = i;
    if (len == 0) return;
    char sample[101];
    memcpy(sample, text, len);
    sample[len] = '\0';
    candidate_t *c = textcat_GetClassifyFullOutput(tc);
    int k = textcat_ClassifyFull(tc, sample, len, c);
    if (k > 0 && strlen(c[0].name) < sizeof(out->code)) {
        strcpy(out->code, c[0].name);
        size_t letters = 0;
        for (size_t j = 0; j < len; j++) {
            unsigned char b = (unsigned char)sample[j];
            letters += ((b | 32) >= 'a' && (b | 32) <= 'z') || b >= 0xc0;
        }
        out->confidence = (letters >= 20 ? 1.0f : (float)letters / 20) / (float)k;
    }
    textcat_ReleaseClassifyFullOutput(tc, c);
}

static size_t same_as_library(struct cs_lang *l, void *tc, const char *text, size_t len)
{
    struct cs_lang_result want, got;
    library_answer(tc, text, len, &want);
    if (cs_lang_detect(l, text, len, &got) != CS_OK) return 1;
    return strcmp(want.code, got.code) != 0 || want.confidence != got.confidence;
}

/* The detector scores libexttextcat's fingerprints itself (for speed): its answers must
 * be the library's, code and confidence, on the training tickets and on random texts of
 * spaces, digits, letters, UTF-8 and stray bytes. (tests/bench/lang_check runs the same
 * comparison over every text of the data sets, for both lists.) */
static void test_same_as_libexttextcat(void)
{
    struct cs_lang *l = NULL;
    REQUIRE(cs_lang_open("data/triage/languages.conf", FP_DIR, &l) == CS_OK);
    void *tc = special_textcat_Init("data/triage/languages.conf", FP_DIR "/");
    REQUIRE(tc != NULL);
    textcat_SetProperty(tc, TCPROP_MINIMUM_DOCUMENT_SIZE, 3);
    FILE *f = fopen("data/triage/train.jsonl", "r");
    REQUIRE(f != NULL);
    char *line = NULL;
    size_t cap = 0, texts = 0, diffs = 0;
    while (getline(&line, &cap, f) > 0) {
        json_object *o = json_tokener_parse(line), *t;
        if (o && json_object_object_get_ex(o, "text", &t)) {
            diffs += same_as_library(l, tc, json_object_get_string(t),
                                     (size_t)json_object_get_string_len(t));
            texts++;
        }
        json_object_put(o);
    }
    free(line);
    fclose(f);
    CHECK(texts > 2000);
    static const char *const pieces[] = {
        " ",    "1",    "a",  "e",  "th", "_", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
        "\xff", "\xc3", "\t", "de", "la"};
    unsigned s = 7;
    char text[200];
    for (int r = 0; r < 3000; r++) {
        size_t n = 0, want = (s = s * 1103515245u + 12345u) >> 16 & 127;
        while (n + 4 <= want) {
            const char *p = pieces[((s = s * 1103515245u + 12345u) >> 16) % 14];
            memcpy(text + n, p, strlen(p));
            n += strlen(p);
        }
        diffs += same_as_library(l, tc, text, n);
    }
    CHECK_INT((int)diffs, 0);
    textcat_Done(tc);
    cs_lang_close(l);
}

/* The full list of Debian's fingerprints (cs-eval's comparison) loads, and a list line
 * with one field is skipped as the library skips it. */
static void test_full_list(void)
{
    struct cs_lang *l = NULL;
    REQUIRE(cs_lang_open(FP_DIR "/fpdb.conf", FP_DIR, &l) == CS_OK);
    struct cs_lang_result r;
    CHECK_INT(cs_lang_detect(l, "Mein Paket ist nicht angekommen", 31, &r), CS_OK);
    CHECK_STR(r.code, "de--utf8"); /* the names fpdb.conf gives */
    cs_lang_close(l);
    char path[] = "/tmp/lang_test_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    FILE *f = fdopen(fd, "w");
    REQUIRE(f != NULL);
    fputs("# comment\nlonely\n  es.lm es # trailing\n", f);
    fclose(f);
    REQUIRE(cs_lang_open(path, FP_DIR, &l) == CS_OK);
    CHECK_INT(cs_lang_detect(l, "Je veux annuler mon abonnement", 30, &r), CS_OK);
    CHECK_STR(r.code, "es"); /* the only listed language */
    cs_lang_close(l);
    f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs("# nothing listed\n", f);
    fclose(f);
    CHECK_INT(cs_lang_open(path, FP_DIR, &l), CS_ERR_IO);
    unlink(path);
}

int main(void)
{
    TEST_RUN(test_served_languages);
    TEST_RUN(test_open_errors);
    TEST_RUN(test_cut_characters);
    TEST_RUN(test_same_as_libexttextcat);
    TEST_RUN(test_full_list);
    return test_done();
}
