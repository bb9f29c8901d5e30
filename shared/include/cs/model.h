/* Built-in model files: one compact, versioned binary format for every built-in model,
 * loaded read-only with mmap at cold start, plus linear inference and exact
 * explanations.
 *
 * A file holds a magic ("CSMODEL\0"), a format version, the model kind, the feature
 * settings, the label names, a JSON metadata string (source data, licence, training
 * command) and the parameters. Three kinds share the format:
 *   CS_MODEL_TEXT    multinomial logistic regression over hashed n-grams (cs/textfeat.h)
 *                    with sublinear TF-IDF weighting, int8 weights with a per-class scale;
 *   CS_MODEL_DENSE   multinomial logistic regression over a few named numeric features
 *                    (float weights), e.g. escalation risk;
 *   CS_MODEL_LEXICON a sorted table of 64-bit word hashes with flag bytes (name lists).
 *
 * Every loaded file is validated (offsets, sizes, alignment, NUL-terminated strings,
 * finite floats, a checksum over everything but the int8 weight block, whose every
 * byte value is valid) so a corrupt or truncated file yields CS_ERR_FORMAT, never a
 * crash. Inference never allocates: outputs go into caller structs.
 */
#ifndef CS_MODEL_H
#define CS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"
#include "cs/textfeat.h"

#define CS_MODEL_VERSION 2u /* written; version 1 files still load */
#define CS_MODEL_MAX_CLASSES 128u
#define CS_MODEL_MAX_DENSE 64u   /* most features of a dense model */
#define CS_MODEL_MAX_EXPLAIN 16u /* most contributions one explanation lists */
#define CS_MODEL_NAME_MAX 64u

enum cs_model_kind { CS_MODEL_TEXT = 1, CS_MODEL_DENSE = 2, CS_MODEL_LEXICON = 3 };

struct cs_model; /* opaque; immutable once opened, so shareable between threads */

/* Maps and validates a model file. On success *out owns the mapping; close it with
 * cs_model_close. Errors: CS_ERR_IO (cannot open/map), CS_ERR_FORMAT (not a valid
 * model file or unsupported version), CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_model_open(const char *path, struct cs_model **out);
/* Same, over bytes the caller keeps alive and unchanged until cs_model_close (tests,
 * fuzzing, models embedded in a binary). The bytes must be 8-byte aligned. */
CS_MUST_CHECK int cs_model_open_mem(const void *data, size_t size, struct cs_model **out);
/* The name stored in a model file, from its header and name section only: the rest
 * is neither read nor validated (cs_models_open_only skips undeclared files with it).
 * CS_ERR_IO, CS_ERR_FORMAT (the header or the name is invalid). */
CS_MUST_CHECK int cs_model_peek_name(const char *path, char name[CS_MODEL_NAME_MAX]);
/* Unmaps and frees; NULL is a no-op. */
void cs_model_close(struct cs_model *m);

/* Accessors; strings live as long as the model. */
const char *cs_model_name(const struct cs_model *m);
const char *cs_model_metadata(const struct cs_model *m); /* JSON object text */
enum cs_model_kind cs_model_kind(const struct cs_model *m);
uint32_t cs_model_n_classes(const struct cs_model *m);
const char *cs_model_label(const struct cs_model *m, uint32_t i);      /* NULL if out of range */
int cs_model_label_index(const struct cs_model *m, const char *label); /* -1 if absent */
uint32_t cs_model_n_features(const struct cs_model *m);
const char *cs_model_feature_name(const struct cs_model *m, uint32_t i); /* dense only */
float cs_model_temperature(const struct cs_model *m);
const struct cs_textfeat_cfg *cs_model_textfeat(const struct cs_model *m);
size_t cs_model_file_size(const struct cs_model *m);

/* One prediction. `logit` are the raw linear scores; `prob` = softmax(logit / T) with
 * the calibration temperature T fitted on the validation split, so `confidence`
 * (= prob[top]) is a calibrated probability. */
struct cs_model_pred {
    uint32_t n_classes;
    uint32_t top;
    float confidence;
    float logit[CS_MODEL_MAX_CLASSES];
    float prob[CS_MODEL_MAX_CLASSES];
};

/* Classifies text[0..len) with a CS_MODEL_TEXT model. `scratch` is caller storage
 * (contents undefined afterwards). CS_ERR_INVALID for a wrong model kind. */
CS_MUST_CHECK int cs_model_predict_text(const struct cs_model *m, const char *text, size_t len,
                                        struct cs_textfeat_vec *scratch, struct cs_model_pred *out);
/* Classifies a feature vector x[0..n) (n must equal cs_model_n_features) with a
 * CS_MODEL_DENSE model. */
CS_MUST_CHECK int cs_model_predict_dense(const struct cs_model *m, const float *x, size_t n,
                                         struct cs_model_pred *out);

/* Exact additive explanation of one class's logit (SHAP values of a linear model):
 *   logit[cls] == base + sum(item[i].contribution) + other
 * where an item's contribution is weight * (value - training mean), `base` is the
 * logit at the training mean, and `other` sums every feature not listed (including
 * n-grams absent from the text, whose value 0 lies below their mean). Items are the
 * features with the largest |contribution|, largest first; `name` is the n-gram text
 * as it appears in the input (text models, buckets shared by several n-grams list them
 * joined by " | ") or the feature name (dense models). */
struct cs_model_contrib {
    char name[CS_TEXTFEAT_MAX_GRAM + 1];
    uint32_t feature;
    uint32_t kind; /* text: enum cs_textfeat_kind of the first n-gram named; dense: 0 */
    float value;
    float contribution;
};
struct cs_model_explanation {
    uint32_t cls;
    float logit;
    float base;
    float other;
    uint32_t n;
    struct cs_model_contrib item[CS_MODEL_MAX_EXPLAIN];
};
CS_MUST_CHECK int cs_model_explain_text(const struct cs_model *m, const char *text, size_t len,
                                        uint32_t cls, uint32_t top_k,
                                        struct cs_textfeat_vec *scratch,
                                        struct cs_model_explanation *out);
CS_MUST_CHECK int cs_model_explain_dense(const struct cs_model *m, const float *x, size_t n,
                                         uint32_t cls, uint32_t top_k,
                                         struct cs_model_explanation *out);

/* Lexicon lookup: the flag byte stored for `word` (case-folded by the caller as the
 * lexicon was built), or 0 when absent. */
uint8_t cs_model_lexicon_get(const struct cs_model *m, const char *word, size_t len);

/* ---- Writing (trainer side; may allocate) ---- */

/* Everything a model file holds, as plain arrays the caller owns. Unused arrays for a
 * kind are NULL. Weights are row-major [n_features][n_classes]. */
struct cs_model_spec {
    enum cs_model_kind kind;
    const char *name;          /* e.g. "sentiment" (< CS_MODEL_NAME_MAX bytes) */
    const char *metadata_json; /* JSON object text, e.g. {"licence":"..."} */
    uint32_t n_classes;
    const char *const *labels; /* n_classes names */
    uint32_t n_features;
    const char *const *feature_names; /* dense: n_features names */
    struct cs_textfeat_cfg feat;      /* text: feature settings */
    float temperature;
    const float *idf;     /* text: n_features */
    const float *mean;    /* text/dense: n_features, training mean of each value */
    const float *bias;    /* n_classes */
    const float *weights; /* n_features * n_classes */
    /* lexicon: n_entries (hash, flag) pairs, any order; see cs_model_lexicon_hash */
    uint32_t n_entries;
    const uint64_t *lex_hash;
    const uint8_t *lex_flag;
};

/* Serialises a spec into a malloc'ed buffer (*out, *size); text weights are quantised
 * to int8 here. Deterministic: the same spec gives the same bytes. */
CS_MUST_CHECK int cs_model_encode(const struct cs_model_spec *spec, uint8_t **out, size_t *size);
/* Encodes and writes atomically (temporary file + rename). */
CS_MUST_CHECK int cs_model_write(const struct cs_model_spec *spec, const char *path);
/* Hash used for lexicon entries (lower-cased ASCII by the caller). */
uint64_t cs_model_lexicon_hash(const char *word, size_t len);

#endif
