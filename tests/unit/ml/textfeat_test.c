#include "cs/textfeat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../support/test.h"

static void test_counts_and_case(void)
{
    struct cs_textfeat_cfg cfg;
    cs_textfeat_cfg_init(&cfg);
    struct cs_textfeat_vec *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    REQUIRE(a && b);
    cs_textfeat_extract(&cfg, "Card card", 9, a);
    cs_textfeat_extract(&cfg, "card CARD", 9, b);
    CHECK_INT(a->n, b->n);
    float total = 0;
    for (uint32_t i = 0; i < a->n; i++) total += a->ent[i].value;
    /* 2 unigrams + 1 bigram + 2 x (5+4+3+2 char grams of " card ") = 31 */
    CHECK_NEAR(total, 31.0, 1e-6);
    free(a);
    free(b);
}

static void test_cfg_check(void)
{
    struct cs_textfeat_cfg cfg;
    cs_textfeat_cfg_init(&cfg);
    CHECK_INT(cs_textfeat_cfg_check(&cfg), CS_OK);
    cfg.hash_bits = 30;
    CHECK_INT(cs_textfeat_cfg_check(&cfg), CS_ERR_INVALID);
}

static void test_split_rule_stable(void)
{
    /* the split rule must not change, or eval figures silently move */
    CHECK(cs_textfeat_hash64("", 0) == 0xcbf29ce484222325ull);
    CHECK(cs_textfeat_hash64("a", 1) == 0xaf63dc4c8601ec8cull);
}

struct grams {
    int words, chars;
};
static void count_gram(void *ctx, uint32_t bucket, enum cs_textfeat_kind kind, const char *g,
                       size_t n)
{
    struct grams *c = ctx;
    (void)bucket, (void)g, (void)n;
    if (kind == CS_TEXTFEAT_WORD)
        c->words++;
    else
        c->chars++;
}

static void test_utf8_char_grams(void)
{
    struct cs_textfeat_cfg cfg;
    cs_textfeat_cfg_init(&cfg);
    struct grams c = {0, 0};
    /* "åb" is 2 code points: padded " åb " has 4 -> 3+2+1 grams of order 2..4, none of 5 */
    cs_textfeat_each_gram(&cfg,
                          "\xc3\xa5"
                          "b",
                          3, count_gram, &c);
    CHECK_INT(c.words, 1);
    CHECK_INT(c.chars, 6);
}

struct wordlist {
    int n;
    char last[64];
    int negated;
};
static void collect_words(void *ctx, uint32_t bucket, enum cs_textfeat_kind kind, const char *g,
                          size_t n)
{
    struct wordlist *w = ctx;
    (void)bucket;
    if (kind != CS_TEXTFEAT_WORD) return;
    w->n++;
    if (n >= 4 && memcmp(g, "NOT_", 4) == 0) w->negated++;
    if (n < sizeof(w->last)) {
        memcpy(w->last, g, n);
        w->last[n] = '\0';
    }
}

static void test_trigrams_and_negation(void)
{
    struct cs_textfeat_cfg cfg;
    cs_textfeat_cfg_init(&cfg);
    cfg.char_min = cfg.char_max = 0;
    cfg.word_max = 3;
    CHECK_INT(cs_textfeat_cfg_check(&cfg), CS_OK);
    struct wordlist w = {0, "", 0};
    cs_textfeat_each_gram(&cfg, "a b c", 5, collect_words, &w);
    CHECK_INT(w.n, 6); /* 3 unigrams, 2 bigrams, 1 trigram */
    CHECK_STR(w.last, "a b c");
    cfg.word_max = 4;
    CHECK_INT(cs_textfeat_cfg_check(&cfg), CS_ERR_INVALID);

    cfg.word_max = 1;
    cfg.flags = CS_TEXTFEAT_F_NEGATION;
    struct wordlist n = {0, "", 0};
    /* "good" and "service" are in the scope of "not"; the comma closes it */
    const char *t = "not good service, great staff";
    cs_textfeat_each_gram(&cfg, t, strlen(t), collect_words, &n);
    CHECK_INT(n.negated, 2);
    struct wordlist d = {0, "", 0};
    const char *t2 = "I didn't like it";
    cs_textfeat_each_gram(&cfg, t2, strlen(t2), collect_words, &d);
    CHECK_INT(d.negated, 2);
    cfg.flags = 0x80;
    CHECK_INT(cs_textfeat_cfg_check(&cfg), CS_ERR_INVALID);
}

/* Cue features: their texts in order, joined by '/'. */
struct cuelist {
    char all[256];
    size_t n;
    int others;
};
static void collect_cues(void *ctx, uint32_t bucket, enum cs_textfeat_kind kind, const char *g,
                         size_t n)
{
    struct cuelist *c = ctx;
    (void)bucket;
    if (kind != CS_TEXTFEAT_CUE) {
        c->others++;
        return;
    }
    if (c->n + n + 2 > sizeof(c->all)) return;
    if (c->n) c->all[c->n++] = '/';
    memcpy(c->all + c->n, g, n);
    c->n += n;
    c->all[c->n] = '\0';
}

static void test_cues_and_lexicon(void)
{
    struct cs_textfeat_cfg cfg;
    cs_textfeat_cfg_init(&cfg);
    cfg.char_min = cfg.char_max = 0;
    cfg.word_max = 1;
    /* without the flags there are no cue features at all */
    struct cuelist none = {"", 0, 0};
    const char *t = "WHY is my bag lost?!!! Not good :( thanks";
    cs_textfeat_each_gram(&cfg, t, strlen(t), collect_cues, &none);
    CHECK_INT((int)none.n, 0);

    cfg.flags = CS_TEXTFEAT_F_CUES | CS_TEXTFEAT_F_LEXICON | CS_TEXTFEAT_F_NEGATION;
    CHECK_INT(cs_textfeat_cfg_check(&cfg), CS_OK);
    struct cuelist c = {"", 0, 0};
    cs_textfeat_each_gram(&cfg, t, strlen(t), collect_cues, &c);
    /* capitals, a punctuation run with the third '!' dropped, "good" negated by "not",
     * an emoticon, a positive word; "is", "bag" are not in the lexicon */
    CHECK_STR(c.all, "<caps>/?!!/<not-pos>/:(/<pos>");
    /* the same run spelled longer is the same cue, so counts stay comparable */
    struct cuelist d = {"", 0, 0};
    cs_textfeat_each_gram(&cfg, "ok!!!!!!", 8, collect_cues, &d);
    CHECK_STR(d.all, "!!");
    /* a mixed-case word is not shouting; "I" is too short */
    struct cuelist e = {"", 0, 0};
    cs_textfeat_each_gram(&cfg, "I Hate It", 9, collect_cues, &e);
    CHECK_STR(e.all, "<neg>");
}

/* The reference count: every occurrence looked up by a linear scan, in first-occurrence
 * order, with the same cap. */
struct naive {
    struct cs_textfeat_ent ent[CS_TEXTFEAT_MAX_FEATS];
    uint32_t n, truncated;
};

static void naive_add(void *ctx, uint32_t bucket, enum cs_textfeat_kind kind, const char *gram,
                      size_t gram_len)
{
    struct naive *v = ctx;
    (void)kind, (void)gram, (void)gram_len;
    for (uint32_t i = 0; i < v->n; i++)
        if (v->ent[i].bucket == bucket) {
            v->ent[i].value += 1.0f;
            return;
        }
    if (v->n == CS_TEXTFEAT_MAX_FEATS) {
        v->truncated = 1;
        return;
    }
    v->ent[v->n++] = (struct cs_textfeat_ent){bucket, 1.0f};
}

/* Texts with a few features, with more than the hash table's first size holds (it
 * grows), and past the cap: the table never changes the answer. The vector is reused
 * dirty, as the models reuse theirs. */
static void test_table_growth_matches_reference(void)
{
    struct cs_textfeat_cfg cfg;
    cs_textfeat_cfg_init(&cfg);
    struct cs_textfeat_vec *v = malloc(sizeof(*v));
    struct naive *r = malloc(sizeof(*r));
    char *text = malloc(40000);
    REQUIRE(v && r && text);
    memset(v, 0xab, sizeof(*v));
    static const size_t words[] = {0, 3, 120, 400, 3000};
    for (size_t k = 0; k < sizeof(words) / sizeof(*words); k++) {
        size_t len = 0;
        uint32_t x = 12345;
        for (size_t w = 0; w < words[k]; w++) {
            x = x * 1103515245u + 12345u;
            len += (size_t)snprintf(text + len, 40000 - len, "w%uq%c ", (x >> 8) % 5000,
                                    'a' + (int)(x % 26));
        }
        cs_textfeat_extract(&cfg, text, len, v);
        r->n = r->truncated = 0;
        cs_textfeat_each_gram(&cfg, text, len, naive_add, r);
        CHECK_INT(v->n, r->n);
        CHECK_INT(v->truncated, r->truncated || len > CS_TEXTFEAT_MAX_BYTES);
        int same = v->n == r->n;
        for (uint32_t i = 0; same && i < v->n; i++)
            same = v->ent[i].bucket == r->ent[i].bucket && v->ent[i].value == r->ent[i].value;
        CHECK(same);
    }
    CHECK_INT(r->truncated, 1); /* the last text did reach the cap */
    free(text);
    free(r);
    free(v);
}

int main(void)
{
    TEST_RUN(test_counts_and_case);
    TEST_RUN(test_cfg_check);
    TEST_RUN(test_split_rule_stable);
    TEST_RUN(test_utf8_char_grams);
    TEST_RUN(test_trigrams_and_negation);
    TEST_RUN(test_cues_and_lexicon);
    TEST_RUN(test_table_growth_matches_reference);
    return test_done();
}
