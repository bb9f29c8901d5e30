#include "cs/words.h"

#include <stdio.h>
#include <string.h>

#include "../../support/test.h"

/* The words of text, folded, joined by '|'. */
static void words_of(const char *text, unsigned flags, char *out, size_t cap)
{
    size_t pos = 0, o = 0, len = strlen(text);
    struct cs_word w;
    out[0] = '\0';
    while (cs_words_next(text, len, &pos, flags, &w) && o + 2 < cap) {
        if (o) out[o++] = '|';
        o += cs_words_fold(text + w.off, w.len, flags, out + o, cap - o - 1);
        out[o] = '\0';
    }
}

static void check_words(const char *text, unsigned flags, const char *want)
{
    char got[256];
    words_of(text, flags, got, sizeof(got));
    if (strcmp(got, want) != 0) printf("# \"%s\" flags %u: got \"%s\"\n", text, flags, got);
    CHECK_STR(got, want);
}

/* ¡ ¿ « » and the typographic quotes are separators in the UTF-8 reading (they once
 * glued "¡Sois" and "“resolved”" into words no phrase matched); accents fold. */
static void test_utf8_punctuation(void)
{
    check_words("\xc2\xa1Sois unos ladrones! \xc2\xbf"
                "D\xc3\xb3nde est\xc3\xa1?",
                CS_WORDS_UTF8, "sois|unos|ladrones|donde|esta");
    check_words("they said \xe2\x80\x9cresolved\xe2\x80\x9d \xe2\x80\x94 \xc2\xab non \xc2\xbb",
                CS_WORDS_UTF8, "they|said|resolved|non");
    check_words("Stra\xc3\x9f"
                "e \xc5\x92uvre na\xc3\xafve",
                CS_WORDS_UTF8, "strasse|oeuvre|naive");
    /* the curly apostrophe is an apostrophe: "wasn’t" is one word with CS_WORDS_APOS */
    check_words("it wasn\xe2\x80\x99t", CS_WORDS_UTF8 | CS_WORDS_APOS, "it|wasn't");
    check_words("it wasn\xe2\x80\x99t", CS_WORDS_UTF8, "it|wasn|t");
    /* another script stays a word; an emoji too (first three bytes kept when folded) */
    check_words("\xd0\xbf\xd1\x80\xd0\xb8 ok", CS_WORDS_UTF8, "\xd0\xbf\xd1\x80\xd0\xb8|ok");
}

/* The byte reading (the models' features): every byte >= 0x80 is a word byte, ASCII
 * is lower-cased, nothing else changes. */
static void test_bytes(void)
{
    check_words("\xc2\xa1Hola! Caf\xc3\xa9", 0, "\xc2\xa1hola|caf\xc3\xa9");
    check_words("Don't 'quoted' a''b x'", CS_WORDS_APOS, "don't|quoted|a|b|x");
    check_words("Don't", 0, "don|t");
    check_words("order #55-10293, $49.00", 0, "order|55|10293|49|00");
    check_words("", 0, "");
    check_words(" ,;! ", CS_WORDS_APOS, "");
}

static void test_counts_and_cut(void)
{
    const char *t = "NOT ok \xc3\x89T\xc3\x89";
    size_t pos = 0;
    struct cs_word w;
    REQUIRE(cs_words_next(t, strlen(t), &pos, 0, &w));
    CHECK_INT(w.uppers, 3);
    CHECK_INT(w.letters, 3);
    REQUIRE(cs_words_next(t, strlen(t), &pos, 0, &w));
    CHECK_INT(w.uppers, 0);
    REQUIRE(cs_words_next(t, strlen(t), &pos, CS_WORDS_UTF8, &w));
    CHECK_INT(w.uppers, 3); /* É T É */
    CHECK(!cs_words_next(t, strlen(t), &pos, 0, &w));
    CHECK_INT(pos, strlen(t));
    /* folding stops at a character boundary: "ß" is two bytes "ss", never one */
    char out[4];
    CHECK_INT(cs_words_fold("a\xc3\x9f", 3, CS_WORDS_UTF8, out, 2), 1);
    CHECK_INT(cs_words_fold("a\xc3\x9f", 3, CS_WORDS_UTF8, out, 3), 3);
    /* a cut multi-byte character at the end is read, not overrun */
    struct cs_wchar c;
    CHECK_INT(cs_words_char("\xe2\x80", 2, 0, CS_WORDS_UTF8, &c), 2);
    CHECK_INT(cs_words_char("\xf0\x9f", 2, 0, CS_WORDS_UTF8, &c), 2);
}

static void test_stop_words(void)
{
    CHECK(cs_words_stop("the"));
    CHECK(cs_words_stop("didn"));
    CHECK(cs_words_stop("please"));
    CHECK(!cs_words_stop("refund"));
    CHECK(!cs_words_stop(""));
}

int main(void)
{
    TEST_RUN(test_utf8_punctuation);
    TEST_RUN(test_bytes);
    TEST_RUN(test_counts_and_cut);
    TEST_RUN(test_stop_words);
    return test_done();
}
