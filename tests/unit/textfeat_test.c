#include "cs/textfeat.h"

#include <stdlib.h>

#include "../support/test.h"

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

struct grams { int words, chars; };
static void count_gram(void *ctx, uint32_t bucket, enum cs_textfeat_kind kind, const char *g, size_t n)
{
    struct grams *c = ctx;
    (void)bucket, (void)g, (void)n;
    if (kind == CS_TEXTFEAT_WORD) c->words++;
    else c->chars++;
}

static void test_utf8_char_grams(void)
{
    struct cs_textfeat_cfg cfg;
    cs_textfeat_cfg_init(&cfg);
    struct grams c = {0, 0};
    /* "åb" is 2 code points: padded " åb " has 4 -> 3+2+1 grams of order 2..4, none of 5 */
    cs_textfeat_each_gram(&cfg, "\xc3\xa5" "b", 3, count_gram, &c);
    CHECK_INT(c.words, 1);
    CHECK_INT(c.chars, 6);
}

int main(void)
{
    TEST_RUN(test_counts_and_case);
    TEST_RUN(test_cfg_check);
    TEST_RUN(test_split_rule_stable);
    TEST_RUN(test_utf8_char_grams);
    return test_done();
}
