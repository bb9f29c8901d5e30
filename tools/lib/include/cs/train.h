/* Trainer for the built-in linear models: multinomial logistic regression fitted by
 * SGD with L2 regularisation, then a calibration temperature fitted on the validation
 * rows. Deterministic: the same rows, options and seed give bit-identical parameters
 * (single thread, fixed iteration order, a seeded splitmix64 shuffle), so a model
 * file can be rebuilt byte for byte.
 *
 * Training may allocate (tens of MB for the text sets); nothing here is on a request
 * path.
 */
#ifndef CS_TRAIN_H
#define CS_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"
#include "cs/model.h"
#include "cs/textfeat.h"

/* Where a fit stands after a finished epoch: everything SGD carries into the next one
 * beyond what the rows, options and seed give again (the shuffle order and step count
 * are replayed from the seed). A fit resumed from it (cs_train_opts.resume) ends with
 * bit-identical parameters to one that never stopped (checkpoints, issue 18). */
struct cs_train_state {
    uint32_t epoch;       /* epochs finished, 1..epochs */
    const float *weights; /* n_features * n_classes: the true (mixed) weights */
    const float *bias;    /* n_classes */
    const float *avg_w;   /* epoch-averaging sums (n_features * n_classes); NULL when n_avg 0 */
    const double *avg_b;  /* n_classes; NULL when n_avg 0 */
    uint32_t n_avg;       /* epochs summed so far */
};

/* One finished epoch, for progress reports. */
struct cs_train_epoch {
    uint32_t epoch; /* 1-based */
    uint32_t epochs;
    size_t steps;        /* SGD steps (rows) of this fit per epoch */
    double train_loss;   /* mean cross-entropy of the epoch's steps, before each update */
    double val_accuracy; /* on the validation rows with the end-of-epoch weights; 0 without */
    double val_loss;     /* mean cross-entropy there (temperature 1) */
    size_t n_val;
    struct cs_train_state state; /* valid during the on_epoch call only */
};

struct cs_train_opts {
    uint32_t epochs;     /* passes over the training rows */
    float lr;            /* initial step size; decays as lr / (1 + lr * l2 * t) */
    float l2;            /* L2 penalty per example */
    uint64_t seed;       /* shuffle seed */
    int balanced;        /* weight each class by n / (n_classes * n_class) */
    float balance_power; /* with balanced: weight^power (0 means 1); 0.5 is a milder push */
    int average;         /* return the mean of the end-of-epoch weights of the second half */
    /* Text models: > 0 multiplies each feature's IDF by its naive-Bayes log-count ratio
     * raised to this power (NBSVM-style; see train.c); 0 leaves plain TF-IDF. */
    float nb_power;
    /* NULL, or n_classes offsets added to the fitted biases before the temperature is
     * fitted: a prior shift for macro-F1 (chosen by cross-validation, see cs-train). */
    const float *bias_shift;
    /* NULL, or a progress line (cs/progress.h): each epoch adds the rows it fitted. */
    struct cs_progress *progress;
    /* Per-epoch hooks (model lifecycle, issue 18); all NULL by default.
     * fit_mask: NULL, or per row 0 to leave a fitted row out of this fit's SGD steps
     * (another shard's); it still counts for IDF and feature means, so every shard of
     * one job shares the same features. */
    const uint8_t *fit_mask;
    /* mix: called at the end of every epoch with the true weights (n_features *
     * n_classes, row-major) and biases, which it may replace (iterative parameter
     * mixing averages the shards' weights here). on_epoch: called next with the
     * epoch's figures. A non-zero return from either stops training with that code. */
    int (*mix)(void *user, uint32_t epoch, float *weights, float *bias);
    int (*on_epoch)(void *user, const struct cs_train_epoch *e);
    void *user;
    /* NULL, or the state a checkpoint kept (on_epoch's e->state, copied): the fit starts
     * after resume->epoch from it. Sizes must match the fit's. */
    const struct cs_train_state *resume;
};

/* Defaults tuned on the shipped data sets (see data/models/README.md). */
void cs_train_opts_init(struct cs_train_opts *o);

/* Labelled rows. is_val[i] (is_val may be NULL: every row is fitted):
 *   0  fitted on;
 *   1  validation: never fitted on, only measured (val_acc, the reported figures);
 *   2  development: never fitted on; sets the calibration temperature and is what
 *      option tuning looks at (dev_acc), so the validation figures stay untouched.
 * Without development rows the temperature is fitted on the validation rows. */
struct cs_progress;
#define CS_TRAIN_ROW_FIT 0
#define CS_TRAIN_ROW_VAL 1
#define CS_TRAIN_ROW_DEV 2
struct cs_train_rows {
    size_t n;
    uint32_t n_classes;
    const uint32_t *label; /* n labels, each < n_classes */
    const uint8_t *is_val;
    /* text models */
    const char *const *text;
    const size_t *len;
    /* dense models: x[i * n_dense + j] */
    const float *x;
    uint32_t n_dense;
};

/* Fitted parameters (owned; release with cs_train_model_clean_up). */
struct cs_train_model {
    uint32_t n_features, n_classes;
    float *idf;     /* text only */
    float *mean;    /* n_features */
    float *bias;    /* n_classes */
    float *weights; /* n_features * n_classes */
    float temperature;
    size_t n_train, n_val, n_dev;
    double train_acc, val_acc, dev_acc;
};

/* Fits a text model with the given feature settings. CS_ERR_INVALID for empty or
 * inconsistent input, CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_train_text(const struct cs_train_rows *rows,
                                const struct cs_textfeat_cfg *feat, const struct cs_train_opts *o,
                                struct cs_train_model *out);
/* Fits a dense model over rows->x. */
CS_MUST_CHECK int cs_train_dense(const struct cs_train_rows *rows, const struct cs_train_opts *o,
                                 struct cs_train_model *out);
void cs_train_model_clean_up(struct cs_train_model *m);

/* Fills a model spec that points into `tm` (valid while tm lives). */
void cs_train_model_spec(const struct cs_train_model *tm, struct cs_model_spec *spec);

#endif
