#include "cs/train.h"

#include <stdlib.h>
#include <string.h>

#include "../../support/test.h"

/* Separable 2-D data: the trainer must fit it and hold out the validation rows. */
static void test_dense_fit(void)
{
    float x[40 * 2];
    uint32_t y[40];
    uint8_t val[40];
    for (int i = 0; i < 40; i++) {
        y[i] = i % 2;
        x[2 * i] = y[i] ? 1.0f : 0.0f;
        x[2 * i + 1] = (float)(i % 5) / 5.0f;
        val[i] = i % 10 == 0 || i % 10 == 1;
    }
    struct cs_train_rows rows = {
        .n = 40, .n_classes = 2, .label = y, .is_val = val, .x = x, .n_dense = 2};
    struct cs_train_opts o;
    cs_train_opts_init(&o);
    o.epochs = 50;
    struct cs_train_model m;
    REQUIRE(cs_train_dense(&rows, &o, &m) == CS_OK);
    CHECK_INT(m.n_val, 8);
    CHECK_NEAR(m.train_acc, 1.0, 1e-9);
    CHECK_NEAR(m.val_acc, 1.0, 1e-9);
    CHECK(m.weights[0 * 2 + 1] - m.weights[0 * 2 + 0] > 0.5f);
    CHECK(m.temperature > 0.0f);
    cs_train_model_clean_up(&m);
}

/* Development rows are held out like validation rows and set the temperature;
 * averaging keeps the fit deterministic. */
static void test_dev_rows_and_average(void)
{
    float x[60 * 2];
    uint32_t y[60];
    uint8_t part[60];
    for (int i = 0; i < 60; i++) {
        y[i] = i % 2;
        x[2 * i] = y[i] ? 1.0f : -1.0f;
        x[2 * i + 1] = (float)(i % 7) / 7.0f;
        part[i] = i % 10 == 0   ? CS_TRAIN_ROW_VAL
                  : i % 10 == 1 ? CS_TRAIN_ROW_DEV
                                : CS_TRAIN_ROW_FIT;
    }
    struct cs_train_rows rows = {
        .n = 60, .n_classes = 2, .label = y, .is_val = part, .x = x, .n_dense = 2};
    struct cs_train_opts o;
    cs_train_opts_init(&o);
    o.epochs = 20;
    o.average = 1;
    struct cs_train_model a, b;
    REQUIRE(cs_train_dense(&rows, &o, &a) == CS_OK);
    REQUIRE(cs_train_dense(&rows, &o, &b) == CS_OK);
    CHECK_INT(a.n_val, 6);
    CHECK_INT(a.n_dev, 6);
    CHECK_INT(a.n_train, 48);
    CHECK_NEAR(a.dev_acc, 1.0, 1e-9);
    CHECK_NEAR(a.val_acc, 1.0, 1e-9);
    CHECK(memcmp(a.weights, b.weights, sizeof(float) * 4) == 0);
    CHECK(a.temperature == b.temperature);
    cs_train_model_clean_up(&a);
    cs_train_model_clean_up(&b);
}

/* NB scaling changes only the stored IDF (deterministically), and a bias shift moves
 * each class's bias by exactly its offset, leaving the weights alone. */
static void test_text_nb_and_bias_shift(void)
{
    static const char *texts[] = {"great flight thanks",  "thanks for the great crew",
                                  "lost my bag again",    "flight delayed and bag lost",
                                  "the flight was great", "my bag is lost"};
    static const uint32_t y[] = {1, 1, 0, 0, 1, 0};
    size_t len[6];
    for (int i = 0; i < 6; i++) len[i] = strlen(texts[i]);
    struct cs_train_rows rows = {.n = 6, .n_classes = 2, .label = y, .text = texts, .len = len};
    struct cs_textfeat_cfg feat;
    cs_textfeat_cfg_init(&feat);
    feat.hash_bits = 10;
    struct cs_train_opts o;
    cs_train_opts_init(&o);
    struct cs_train_model plain, nb1, nb2, shifted;
    REQUIRE(cs_train_text(&rows, &feat, &o, &plain) == CS_OK);
    o.nb_power = 1.0f;
    REQUIRE(cs_train_text(&rows, &feat, &o, &nb1) == CS_OK);
    REQUIRE(cs_train_text(&rows, &feat, &o, &nb2) == CS_OK);
    CHECK(memcmp(nb1.idf, nb2.idf, sizeof(float) * nb1.n_features) == 0);
    CHECK(memcmp(nb1.weights, nb2.weights, sizeof(float) * nb1.n_features * 2) == 0);
    CHECK(memcmp(nb1.idf, plain.idf, sizeof(float) * nb1.n_features) != 0);
    o.nb_power = 0.0f;
    const float shift[2] = {0.0f, 0.5f};
    o.bias_shift = shift;
    REQUIRE(cs_train_text(&rows, &feat, &o, &shifted) == CS_OK);
    CHECK_NEAR(shifted.bias[0], plain.bias[0], 1e-7);
    CHECK_NEAR(shifted.bias[1], plain.bias[1] + 0.5f, 1e-6);
    CHECK(memcmp(shifted.weights, plain.weights, sizeof(float) * plain.n_features * 2) == 0);
    cs_train_model_clean_up(&plain);
    cs_train_model_clean_up(&nb1);
    cs_train_model_clean_up(&nb2);
    cs_train_model_clean_up(&shifted);
}

/* The lifecycle hooks: mix and on_epoch run once per epoch with the epoch's figures; a
 * mix that changes nothing leaves the model bit-identical to a fit without hooks; a
 * non-zero return stops training with that code; fit_mask leaves rows out of SGD. */
struct hook_log {
    uint32_t mixes, epochs, last_epoch, stop_at;
    size_t steps;
    double loss, val_acc;
};
static int log_mix(void *user, uint32_t epoch, float *w, float *b)
{
    struct hook_log *l = user;
    (void)w;
    (void)b;
    l->mixes++;
    return l->stop_at && epoch == l->stop_at ? 77 : 0;
}
static int log_epoch(void *user, const struct cs_train_epoch *e)
{
    struct hook_log *l = user;
    l->epochs++;
    l->last_epoch = e->epoch;
    l->steps = e->steps;
    l->loss = e->train_loss;
    l->val_acc = e->val_accuracy;
    return 0;
}

static void test_epoch_hooks(void)
{
    static const char *texts[] = {"great flight thanks",  "thanks for the great crew",
                                  "lost my bag again",    "flight delayed and bag lost",
                                  "the flight was great", "my bag is lost"};
    static const uint32_t y[] = {1, 1, 0, 0, 1, 0};
    static const uint8_t val[] = {0, 0, 0, 0, 1, 1};
    size_t len[6];
    for (int i = 0; i < 6; i++) len[i] = strlen(texts[i]);
    struct cs_train_rows rows = {
        .n = 6, .n_classes = 2, .label = y, .is_val = val, .text = texts, .len = len};
    struct cs_textfeat_cfg feat;
    cs_textfeat_cfg_init(&feat);
    feat.hash_bits = 10;
    struct cs_train_opts o;
    cs_train_opts_init(&o);
    o.epochs = 5;
    struct cs_train_model plain, hooked;
    REQUIRE(cs_train_text(&rows, &feat, &o, &plain) == CS_OK);
    struct hook_log l = {0};
    o.mix = log_mix;
    o.on_epoch = log_epoch;
    o.user = &l;
    REQUIRE(cs_train_text(&rows, &feat, &o, &hooked) == CS_OK);
    CHECK_INT(l.mixes, 5);
    CHECK_INT(l.epochs, 5);
    CHECK_INT(l.last_epoch, 5);
    CHECK_INT(l.steps, 4);
    CHECK(l.loss > 0 && l.loss < 0.7);
    CHECK_NEAR(l.val_acc, 1.0, 1e-9);
    for (size_t i = 0; i < plain.n_features * 2; i++)
        CHECK_NEAR(hooked.weights[i], plain.weights[i], 1e-5);
    cs_train_model_clean_up(&hooked);
    l = (struct hook_log){.stop_at = 2};
    CHECK_INT(cs_train_text(&rows, &feat, &o, &hooked), 77);
    CHECK_INT(l.mixes, 2);
    CHECK_INT(l.epochs, 1);
    static const uint8_t mask[] = {1, 0, 1, 0, 0, 0};
    o.fit_mask = mask;
    l = (struct hook_log){0};
    REQUIRE(cs_train_text(&rows, &feat, &o, &hooked) == CS_OK);
    CHECK_INT(l.steps, 2);
    CHECK_INT(hooked.n_train, 4); /* masked rows still count as fitted rows (IDF, means) */
    cs_train_model_clean_up(&hooked);
    cs_train_model_clean_up(&plain);
}

/* A copy of the state after one chosen epoch (what a checkpoint keeps). */
struct snap {
    uint32_t at, nw, nc;
    struct cs_train_state st;
    float w[4096], b[4], aw[4096];
    double ab[4];
};

static int keep_state(void *user, const struct cs_train_epoch *e)
{
    struct snap *s = user;
    if (e->epoch != s->at) return 0;
    s->st = e->state;
    memcpy(s->w, e->state.weights, sizeof(float) * s->nw);
    memcpy(s->b, e->state.bias, sizeof(float) * s->nc);
    s->st.weights = s->w;
    s->st.bias = s->b;
    if (e->state.n_avg) {
        memcpy(s->aw, e->state.avg_w, sizeof(float) * s->nw);
        memcpy(s->ab, e->state.avg_b, sizeof(double) * s->nc);
        s->st.avg_w = s->aw;
        s->st.avg_b = s->ab;
    }
    return 0;
}

/* Checkpoints (issue 18): a fit resumed from the state after epoch k ends with
 * bit-identical parameters to the fit that never stopped, before and after epoch
 * averaging has begun. */
static void test_resume_is_bit_identical(void)
{
    static const char *texts[] = {"great flight thanks",  "thanks for the great crew",
                                  "lost my bag again",    "flight delayed and bag lost",
                                  "the flight was great", "my bag is lost",
                                  "crew was lovely",      "delayed again, bag gone"};
    static const uint32_t y[] = {1, 1, 0, 0, 1, 0, 1, 0};
    static const uint8_t val[] = {0, 0, 0, 0, 1, 1, 0, 0};
    size_t len[8];
    for (int i = 0; i < 8; i++) len[i] = strlen(texts[i]);
    struct cs_train_rows rows = {
        .n = 8, .n_classes = 2, .label = y, .is_val = val, .text = texts, .len = len};
    struct cs_textfeat_cfg feat;
    cs_textfeat_cfg_init(&feat);
    feat.hash_bits = 10;
    struct cs_train_opts o;
    cs_train_opts_init(&o);
    o.epochs = 8;
    o.average = 1;
    static const uint32_t at[] = {2, 5, 8};
    for (size_t t = 0; t < 3; t++) {
        struct snap *s = calloc(1, sizeof(*s));
        REQUIRE(s);
        s->at = at[t];
        s->nw = (1u << 10) * 2;
        s->nc = 2;
        o.on_epoch = keep_state;
        o.user = s;
        o.resume = NULL;
        struct cs_train_model whole, resumed;
        REQUIRE(cs_train_text(&rows, &feat, &o, &whole) == CS_OK);
        CHECK_INT(s->st.epoch, at[t]);
        CHECK_INT(s->st.n_avg, at[t] > 4 ? at[t] - 4 : 0);
        s->at = 0; /* keep the snapshot */
        o.resume = &s->st;
        REQUIRE(cs_train_text(&rows, &feat, &o, &resumed) == CS_OK);
        CHECK(memcmp(whole.weights, resumed.weights, sizeof(float) * s->nw) == 0);
        CHECK(memcmp(whole.bias, resumed.bias, sizeof(float) * 2) == 0);
        CHECK(whole.temperature == resumed.temperature);
        CHECK_NEAR(whole.val_acc, resumed.val_acc, 0);
        cs_train_model_clean_up(&whole);
        cs_train_model_clean_up(&resumed);
        free(s);
    }
    /* a state past the last epoch is refused */
    struct cs_train_state bad = {.epoch = 9};
    o.resume = &bad;
    o.on_epoch = NULL;
    struct cs_train_model m;
    CHECK_INT(cs_train_text(&rows, &feat, &o, &m), CS_ERR_INVALID);
}

static void test_rejects_bad_labels(void)
{
    uint32_t y[1] = {5};
    float x[1] = {0};
    struct cs_train_rows rows = {.n = 1, .n_classes = 2, .label = y, .x = x, .n_dense = 1};
    struct cs_train_opts o;
    cs_train_opts_init(&o);
    struct cs_train_model m;
    CHECK_INT(cs_train_dense(&rows, &o, &m), CS_ERR_INVALID);
}

int main(void)
{
    TEST_RUN(test_dense_fit);
    TEST_RUN(test_dev_rows_and_average);
    TEST_RUN(test_text_nb_and_bias_shift);
    TEST_RUN(test_rejects_bad_labels);
    TEST_RUN(test_epoch_hooks);
    TEST_RUN(test_resume_is_bit_identical);
    return test_done();
}
