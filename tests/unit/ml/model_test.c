#include "cs/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs/train.h"
#include "../../support/test.h"

static const char *TEXTS[] = {"my card has not arrived",       "where is my new card",
                              "card still not here",           "i was charged twice",
                              "double charge on my statement", "charged two times for one payment",
                              "card delivery is late",         "refund the duplicate charge"};
static const uint32_t LABELS[] = {0, 0, 0, 1, 1, 1, 0, 1};
static const char *const NAMES[] = {"card_arrival", "charged_twice"};

static int train_small(uint8_t **buf, size_t *size)
{
    size_t lens[8];
    for (int i = 0; i < 8; i++) lens[i] = strlen(TEXTS[i]);
    struct cs_train_rows rows = {
        .n = 8, .n_classes = 2, .label = LABELS, .text = TEXTS, .len = lens};
    struct cs_textfeat_cfg feat;
    cs_textfeat_cfg_init(&feat);
    feat.hash_bits = 12;
    struct cs_train_opts o;
    cs_train_opts_init(&o);
    struct cs_train_model tm;
    int rc = cs_train_text(&rows, &feat, &o, &tm);
    if (rc != CS_OK) return rc;
    struct cs_model_spec spec;
    memset(&spec, 0, sizeof(spec));
    cs_train_model_spec(&tm, &spec);
    spec.name = "tiny";
    spec.metadata_json = "{\"licence\":\"test\"}";
    spec.labels = NAMES;
    spec.feat = feat;
    rc = cs_model_encode(&spec, buf, size);
    cs_train_model_clean_up(&tm);
    return rc;
}

static void test_roundtrip_file(void)
{
    uint8_t *buf;
    size_t size;
    REQUIRE(train_small(&buf, &size) == CS_OK);
    char path[] = "/tmp/cs_model_testXXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    CHECK(write(fd, buf, size) == (ssize_t)size);
    close(fd);
    struct cs_model *a = NULL, *b = NULL;
    CHECK_INT(cs_model_open_mem(buf, size, &a), CS_OK);
    CHECK_INT(cs_model_open(path, &b), CS_OK);
    unlink(path);
    if (a && b) {
        struct cs_textfeat_vec *v = malloc(sizeof(*v));
        struct cs_model_pred pa, pb;
        CHECK_INT(cs_model_predict_text(a, "my card is late", 15, v, &pa), CS_OK);
        CHECK_INT(cs_model_predict_text(b, "my card is late", 15, v, &pb), CS_OK);
        CHECK_STR(cs_model_label(b, pb.top), "card_arrival");
        CHECK(memcmp(pa.logit, pb.logit, sizeof(float) * 2) == 0);
        CHECK_STR(cs_model_name(b), "tiny");
        CHECK_INT(cs_model_label_index(b, "charged_twice"), 1);
        free(v);
    }
    cs_model_close(a);
    cs_model_close(b);
    free(buf);
}

/* Feature flags and trigram settings survive the file round trip, so inference
 * extracts what training did; with the cue and lexicon features and NB-scaled IDF the
 * explanation still sums exactly to the logit (the extra features are ordinary
 * buckets, and the NB factor lives in the stored IDF). */
static void test_feature_flags_roundtrip(void)
{
    size_t lens[8];
    for (int i = 0; i < 8; i++) lens[i] = strlen(TEXTS[i]);
    struct cs_train_rows rows = {
        .n = 8, .n_classes = 2, .label = LABELS, .text = TEXTS, .len = lens};
    struct cs_textfeat_cfg feat;
    cs_textfeat_cfg_init(&feat);
    feat.hash_bits = 12;
    feat.word_max = 3;
    feat.flags = CS_TEXTFEAT_F_NEGATION | CS_TEXTFEAT_F_CUES | CS_TEXTFEAT_F_LEXICON;
    struct cs_train_opts o;
    cs_train_opts_init(&o);
    o.nb_power = 0.5f;
    struct cs_train_model tm;
    REQUIRE(cs_train_text(&rows, &feat, &o, &tm) == CS_OK);
    struct cs_model_spec spec;
    memset(&spec, 0, sizeof(spec));
    cs_train_model_spec(&tm, &spec);
    spec.name = "flags";
    spec.labels = NAMES;
    spec.feat = feat;
    uint8_t *buf = NULL;
    size_t size = 0;
    struct cs_model *m = NULL;
    CHECK_INT(cs_model_encode(&spec, &buf, &size), CS_OK);
    CHECK_INT(cs_model_open_mem(buf, size, &m), CS_OK);
    if (m) {
        const struct cs_textfeat_cfg *c = cs_model_textfeat(m);
        CHECK_INT(c->flags, CS_TEXTFEAT_F_NEGATION | CS_TEXTFEAT_F_CUES | CS_TEXTFEAT_F_LEXICON);
        CHECK_INT(c->word_max, 3);
        struct cs_textfeat_vec *v = malloc(sizeof(*v));
        const char *t = "CHARGED twice?! not great :(";
        struct cs_model_pred p;
        struct cs_model_explanation e;
        REQUIRE(v);
        CHECK_INT(cs_model_predict_text(m, t, strlen(t), v, &p), CS_OK);
        CHECK_INT(cs_model_explain_text(m, t, strlen(t), 1, CS_MODEL_MAX_EXPLAIN, v, &e), CS_OK);
        double sum = e.base + e.other;
        int cues = 0;
        for (uint32_t i = 0; i < e.n; i++) {
            sum += e.item[i].contribution;
            cues += e.item[i].kind == CS_TEXTFEAT_CUE;
        }
        CHECK_NEAR(sum, p.logit[1], 1e-4);
        CHECK(cues > 0);
        free(v);
    }
    cs_model_close(m);
    free(buf);
    cs_train_model_clean_up(&tm);
}

static void test_explanation_sums_to_logit(void)
{
    uint8_t *buf;
    size_t size;
    REQUIRE(train_small(&buf, &size) == CS_OK);
    struct cs_model *m;
    REQUIRE(cs_model_open_mem(buf, size, &m) == CS_OK);
    struct cs_textfeat_vec *v = malloc(sizeof(*v));
    const char *t = "charged twice for my card";
    for (uint32_t cls = 0; cls < 2; cls++) {
        struct cs_model_pred p;
        struct cs_model_explanation e;
        CHECK_INT(cs_model_predict_text(m, t, strlen(t), v, &p), CS_OK);
        CHECK_INT(cs_model_explain_text(m, t, strlen(t), cls, 5, v, &e), CS_OK);
        double sum = e.base + e.other;
        for (uint32_t i = 0; i < e.n; i++) sum += e.item[i].contribution;
        CHECK_NEAR(sum, p.logit[cls], 1e-4);
        CHECK_NEAR(e.logit, p.logit[cls], 1e-6);
        CHECK(e.n == 5 && e.item[0].name[0] != '\0');
    }
    free(v);
    cs_model_close(m);
    free(buf);
}

static void test_training_deterministic(void)
{
    uint8_t *a, *b;
    size_t na, nb;
    REQUIRE(train_small(&a, &na) == CS_OK);
    REQUIRE(train_small(&b, &nb) == CS_OK);
    CHECK(na == nb && memcmp(a, b, na) == 0);
    free(a);
    free(b);
}

static void test_corrupt_rejected(void)
{
    uint8_t *buf;
    size_t size;
    REQUIRE(train_small(&buf, &size) == CS_OK);
    struct cs_model *m = NULL;
    for (size_t cut = 0; cut < size; cut += size / 97 + 1) /* truncations */
        CHECK_INT(cs_model_open_mem(buf, cut & ~(size_t)7, &m), CS_ERR_FORMAT);
    buf[20] ^= 0x40; /* header field */
    CHECK_INT(cs_model_open_mem(buf, size, &m), CS_ERR_FORMAT);
    buf[20] ^= 0x40;
    buf[300] ^= 0x01; /* name/labels area, covered by the checksum */
    CHECK_INT(cs_model_open_mem(buf, size, &m), CS_ERR_FORMAT);
    buf[300] ^= 0x01;
    CHECK_INT(cs_model_open_mem(buf, size, &m), CS_OK);
    cs_model_close(m);
    CHECK_INT(cs_model_open("/nonexistent/x.csm", &m), CS_ERR_IO);
    free(buf);
}

static void test_dense_and_lexicon(void)
{
    static const char *const fn[] = {"a", "b"};
    static const char *const lab[] = {"no", "yes"};
    float w[] = {0, 2, 0, -1}, bias[] = {0, 0.5f}, mean[] = {0.5f, 0.25f};
    struct cs_model_spec s = {.kind = CS_MODEL_DENSE,
                              .name = "d",
                              .n_classes = 2,
                              .labels = lab,
                              .n_features = 2,
                              .feature_names = fn,
                              .temperature = 1,
                              .mean = mean,
                              .bias = bias,
                              .weights = w};
    uint8_t *buf;
    size_t size;
    REQUIRE(cs_model_encode(&s, &buf, &size) == CS_OK);
    struct cs_model *m;
    REQUIRE(cs_model_open_mem(buf, size, &m) == CS_OK);
    float x[] = {1, 1};
    struct cs_model_explanation e;
    CHECK_INT(cs_model_explain_dense(m, x, 2, 1, 2, &e), CS_OK);
    CHECK_NEAR(e.logit, 0.5 + 2 - 1, 1e-6);
    CHECK_NEAR(e.base, 0.5 + 1 - 0.25, 1e-6);
    CHECK_STR(e.item[0].name, "a");
    CHECK_NEAR(e.item[0].contribution, 1.0, 1e-6);
    cs_model_close(m);
    free(buf);

    uint64_t h[] = {cs_model_lexicon_hash("anna", 4), cs_model_lexicon_hash("smith", 5),
                    cs_model_lexicon_hash("anna", 4)};
    uint8_t f[] = {1, 2, 4};
    struct cs_model_spec l = {.kind = CS_MODEL_LEXICON,
                              .name = "lex",
                              .n_classes = 2,
                              .labels = lab,
                              .temperature = 1,
                              .n_entries = 3,
                              .lex_hash = h,
                              .lex_flag = f};
    REQUIRE(cs_model_encode(&l, &buf, &size) == CS_OK);
    REQUIRE(cs_model_open_mem(buf, size, &m) == CS_OK);
    CHECK_INT(cs_model_lexicon_get(m, "anna", 4), 5);
    CHECK_INT(cs_model_lexicon_get(m, "smith", 5), 2);
    CHECK_INT(cs_model_lexicon_get(m, "bob", 3), 0);
    cs_model_close(m);
    free(buf);
}

int main(void)
{
    TEST_RUN(test_roundtrip_file);
    TEST_RUN(test_feature_flags_roundtrip);
    TEST_RUN(test_explanation_sums_to_logit);
    TEST_RUN(test_training_deterministic);
    TEST_RUN(test_corrupt_rejected);
    TEST_RUN(test_dense_and_lexicon);
    return test_done();
}
