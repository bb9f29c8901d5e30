/* cs-train --task text|intent|sentiment: a text classifier from a labelled CSV. */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/csv.h"
#include "cs/model.h"
#include "train_int.h"

char *train_metadata(const struct train_args *a, const char *task, double val_acc, size_t n_train,
                     size_t n_val)
{
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    json_object_object_add(o, "task", json_object_new_string(task));
    if (a->source) json_object_object_add(o, "source", json_object_new_string(a->source));
    if (a->licence) json_object_object_add(o, "licence", json_object_new_string(a->licence));
    if (a->notice) json_object_object_add(o, "notice", json_object_new_string(a->notice));
    if (a->gloss)
        json_object_object_add(o, "gloss", json_object_new_boolean(1)); /* cs_triage_gloss */
    json_object_object_add(o, "train_rows", json_object_new_int64((int64_t)n_train));
    json_object_object_add(o, "validation_rows", json_object_new_int64((int64_t)n_val));
    if (n_val) {
        char acc[32];
        snprintf(acc, sizeof(acc), "%.4f", val_acc);
        json_object_object_add(o, "validation_accuracy", json_object_new_string(acc));
    }
    json_object_object_add(o, "validation_rule", json_object_new_string("fnv1a64(text) % 10 == 0"));
    if ((a->text_col || a->n_domain) && a->feat_desc[0]) { /* text models only */
        json_object_object_add(
            o, "dev_rule",
            json_object_new_string("fnv1a64(text) % 20 == 1: calibration and tuning"));
        json_object_object_add(o, "features", json_object_new_string(a->feat_desc));
    }
    json_object *t = json_object_new_object();
    json_object_object_add(t, "epochs", json_object_new_int((int)a->opts.epochs));
    json_object_object_add(t, "seed", json_object_new_int64((int64_t)a->opts.seed));
    json_object_object_add(t, "balanced", json_object_new_boolean(a->opts.balanced));
    json_object_object_add(t, "average", json_object_new_boolean(a->opts.average));
    char num[32];
    snprintf(num, sizeof(num), "%g", (double)a->opts.lr);
    json_object_object_add(t, "lr", json_object_new_string(num));
    snprintf(num, sizeof(num), "%g", (double)a->opts.l2);
    json_object_object_add(t, "l2", json_object_new_string(num));
    if (a->opts.nb_power > 0) {
        snprintf(num, sizeof(num), "%g", (double)a->opts.nb_power);
        json_object_object_add(t, "nb_power", json_object_new_string(num));
    }
    if (a->class_bias)
        json_object_object_add(t, "class_bias", json_object_new_string(a->class_bias));
    if (a->opts.balanced && a->opts.balance_power > 0) {
        snprintf(num, sizeof(num), "%g", (double)a->opts.balance_power);
        json_object_object_add(t, "balance_power", json_object_new_string(num));
    }
    json_object_object_add(o, "trainer", t);
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    char *copy = s ? strdup(s) : NULL;
    json_object_put(o);
    return copy;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorted distinct labels: sorting makes label indices independent of row order. */
static int collect_labels(const struct cs_csv *csv, int col, size_t nrows, const char ***out,
                          uint32_t *n_out)
{
    const char **all = malloc(sizeof(char *) * (nrows ? nrows : 1));
    if (!all) return CS_ERR_NOMEM;
    for (size_t i = 0; i < nrows; i++) all[i] = cs_csv_cell(csv, i, (size_t)col, NULL);
    qsort(all, nrows, sizeof(char *), cmp_str);
    uint32_t n = 0;
    for (size_t i = 0; i < nrows; i++) {
        if (n > 0 && strcmp(all[n - 1], all[i]) == 0) continue;
        if (n == CS_MODEL_MAX_CLASSES) {
            free(all);
            return CS_ERR_INVALID;
        }
        all[n++] = all[i];
    }
    *out = all;
    *n_out = n;
    return CS_OK;
}

static uint32_t label_of(const char *const *labels, uint32_t n, const char *s)
{
    const char *const *hit = bsearch(&s, labels, n, sizeof(char *), cmp_str);
    return hit ? (uint32_t)(hit - labels) : 0;
}

void text_job_free(struct text_job *j)
{
    cs_csv_destroy(j->csv);
    free(j->labels);
    free(j->text);
    free(j->len);
    free(j->label);
    free(j->is_val);
    for (size_t i = 0; i < j->n_own; i++) free(j->own[i]);
    free(j->own);
}

static int load_rows(const struct train_args *a, struct text_job *j)
{
    int rc = cs_csv_read_file(a->csv, &j->csv);
    if (rc != CS_OK) return rc;
    int tc = cs_csv_column(j->csv, a->text_col), lc = cs_csv_column(j->csv, a->label_col);
    if (tc < 0 || lc < 0) {
        fprintf(stderr, "cs-train: no column %s\n", tc < 0 ? a->text_col : a->label_col);
        return CS_ERR_INVALID;
    }
    size_t n = cs_csv_rows(j->csv);
    if (a->max_rows && n > a->max_rows) n = a->max_rows;
    rc = collect_labels(j->csv, lc, n, &j->labels, &j->n_labels);
    if (rc != CS_OK) return rc;
    j->text = malloc(sizeof(char *) * (n + 1));
    j->len = malloc(sizeof(size_t) * (n + 1));
    j->label = malloc(sizeof(uint32_t) * (n + 1));
    j->is_val = malloc(n + 1);
    if (!j->text || !j->len || !j->label || !j->is_val) return CS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        j->text[i] = cs_csv_cell(j->csv, i, (size_t)tc, &j->len[i]);
        j->label[i] = label_of(j->labels, j->n_labels, cs_csv_cell(j->csv, i, (size_t)lc, NULL));
        j->is_val[i] = a->no_val                                          ? CS_TRAIN_ROW_FIT
                       : cs_textfeat_is_validation(j->text[i], j->len[i]) ? CS_TRAIN_ROW_VAL
                       : cs_textfeat_is_dev(j->text[i], j->len[i])        ? CS_TRAIN_ROW_DEV
                                                                          : CS_TRAIN_ROW_FIT;
    }
    j->n = n;
    return a->n_jsonl ? text_job_add_jsonl(a, j) : CS_OK;
}

/* Accuracy and macro-F1 of the quantised model `tm` on rows with is_val == DEV. */
int text_score_dev(const struct train_args *a, const struct text_job *j,
                   const struct cs_train_model *tm, double *acc, double *mf1, float *oof)
{
    struct cs_model_spec spec;
    memset(&spec, 0, sizeof(spec));
    cs_train_model_spec(tm, &spec);
    spec.name = a->name;
    spec.labels = j->labels;
    spec.feat = a->feat;
    uint8_t *buf = NULL;
    size_t size = 0;
    struct cs_model *m = NULL;
    struct cs_textfeat_vec *v = malloc(sizeof(*v));
    unsigned *conf = calloc((size_t)j->n_labels * j->n_labels, sizeof(unsigned));
    int rc = v && conf ? cs_model_encode(&spec, &buf, &size) : CS_ERR_NOMEM;
    if (rc == CS_OK) rc = cs_model_open_mem(buf, size, &m);
    size_t n = 0, ok = 0;
    for (size_t i = 0; rc == CS_OK && i < j->n; i++) {
        if (j->is_val[i] != CS_TRAIN_ROW_DEV) continue;
        struct cs_model_pred p;
        rc = cs_model_predict_text(m, j->text[i], j->len[i], v, &p);
        if (rc != CS_OK) break;
        if (oof) memcpy(oof + i * j->n_labels, p.logit, sizeof(float) * j->n_labels);
        conf[(size_t)j->label[i] * j->n_labels + p.top]++;
        ok += p.top == j->label[i];
        n++;
    }
    double f1 = 0.0;
    uint32_t present = 0;
    for (uint32_t k = 0; rc == CS_OK && k < j->n_labels; k++) {
        unsigned tp = conf[k * j->n_labels + k], fp = 0, fn = 0;
        for (uint32_t q = 0; q < j->n_labels; q++)
            if (q != k) fp += conf[q * j->n_labels + k], fn += conf[k * j->n_labels + q];
        if (tp + fn == 0) continue;
        present++;
        f1 += tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
    }
    *acc = n ? (double)ok / n : 0.0;
    *mf1 = present ? f1 / present : 0.0;
    cs_model_close(m);
    free(buf);
    free(v);
    free(conf);
    return rc;
}

/* Accuracy and macro-F1 over the rows with use[i] set, from logits + shift. */
static void score_logits(const struct text_job *j, const float *logit, const uint8_t *use,
                         const float *shift, double *acc, double *mf1)
{
    uint32_t c = j->n_labels;
    unsigned conf[16 * 16];
    size_t n = 0, ok = 0;
    memset(conf, 0, sizeof(conf));
    for (size_t i = 0; i < j->n; i++) {
        if (!use[i]) continue;
        uint32_t top = 0;
        for (uint32_t k = 1; k < c; k++)
            if (logit[i * c + k] + shift[k] > logit[i * c + top] + shift[top]) top = k;
        conf[j->label[i] * c + top]++;
        ok += top == j->label[i];
        n++;
    }
    double f1 = 0.0;
    uint32_t present = 0;
    for (uint32_t k = 0; k < c; k++) {
        unsigned tp = conf[k * c + k], fp = 0, fn = 0;
        for (uint32_t q = 0; q < c; q++)
            if (q != k) fp += conf[q * c + k], fn += conf[k * c + q];
        if (tp + fn == 0) continue;
        present++;
        f1 += tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
    }
    *acc = n ? (double)ok / n : 0.0;
    *mf1 = present ? f1 / present : 0.0;
}

/* Grid search of a prior shift (class 0 fixed at 0, the others in [-1, 1] by 0.05)
 * maximising macro-F1 over the rows with use[i] set; ties keep the smaller shift. Only
 * for 2 or 3 classes (the grid grows as 41^(c-1)). */
#define SHIFT_STEPS 41
static void best_shift(const struct text_job *j, const float *logit, const uint8_t *use,
                       float *shift)
{
    uint32_t c = j->n_labels;
    float s[3] = {0, 0, 0};
    double best = -1.0, best_norm = 0.0;
    for (int a1 = 0; a1 < SHIFT_STEPS; a1++)
        for (int a2 = 0; a2 < (c == 3 ? SHIFT_STEPS : 1); a2++) {
            s[1] = -1.0f + 0.05f * (float)a1;
            s[2] = c == 3 ? -1.0f + 0.05f * (float)a2 : 0.0f;
            double acc, f1, norm = fabs(s[1]) + fabs(s[2]);
            score_logits(j, logit, use, s, &acc, &f1);
            if (f1 > best + 1e-12 || (f1 > best - 1e-12 && norm < best_norm)) {
                best = f1;
                best_norm = norm;
                memcpy(shift, s, sizeof(float) * c);
            }
        }
}

/* --cv K: K-fold cross-validation over the non-validation rows, for choosing options on
 * more rows than the development part holds. Writes no model. For 2-3 classes it also
 * reports the prior shift (--class-bias) that maximises the out-of-fold macro-F1, and
 * an honest estimate of what choosing it that way gives: each fold scored with the
 * shift chosen on the other folds' out-of-fold predictions. */
int text_cross_validate(const struct train_args *a, struct text_job *j)
{
    double sum_acc = 0.0, sum_f1 = 0.0;
    int rc = CS_OK;
    uint32_t c = j->n_labels;
    float *oof = malloc(sizeof(float) * j->n * c);
    uint8_t *fold = malloc(j->n ? j->n : 1), *use = malloc(j->n ? j->n : 1);
    if (!oof || !fold || !use) rc = CS_ERR_NOMEM;
    for (uint32_t f = 0; rc == CS_OK && f < a->cv; f++) {
        for (size_t i = 0; i < j->n; i++) {
            if (cs_textfeat_is_validation(j->text[i], j->len[i])) {
                j->is_val[i] = CS_TRAIN_ROW_VAL;
                fold[i] = 0xff;
                continue;
            }
            uint64_t h = cs_textfeat_hash64(j->text[i], j->len[i]) >> 16;
            j->is_val[i] = h % a->cv == f ? CS_TRAIN_ROW_DEV : CS_TRAIN_ROW_FIT;
            if (h % a->cv == f) fold[i] = (uint8_t)f;
        }
        struct cs_train_rows rows = {.n = j->n,
                                     .n_classes = j->n_labels,
                                     .label = j->label,
                                     .is_val = j->is_val,
                                     .text = j->text,
                                     .len = j->len};
        struct cs_train_model tm;
        rc = cs_train_text(&rows, &a->feat, &a->opts, &tm);
        double acc = 0.0, f1 = 0.0;
        if (rc == CS_OK) rc = text_score_dev(a, j, &tm, &acc, &f1, oof);
        cs_train_model_clean_up(&tm);
        sum_acc += acc;
        sum_f1 += f1;
    }
    if (rc == CS_OK)
        printf("%s cv%u: accuracy %.4f macro_f1 %.4f (%s)\n", a->name, a->cv, sum_acc / a->cv,
               sum_f1 / a->cv, a->feat_desc);
    if (rc == CS_OK && (c == 2 || c == 3)) {
        float shift[3] = {0, 0, 0}, zero[3] = {0, 0, 0};
        double n_acc = 0.0, n_f1 = 0.0, acc, f1;
        for (uint32_t f = 0; f < a->cv; f++) {
            for (size_t i = 0; i < j->n; i++) use[i] = fold[i] != 0xff && fold[i] != f;
            best_shift(j, oof, use, shift);
            for (size_t i = 0; i < j->n; i++) use[i] = fold[i] == f;
            score_logits(j, oof, use, shift, &acc, &f1);
            n_acc += acc;
            n_f1 += f1;
        }
        for (size_t i = 0; i < j->n; i++) use[i] = fold[i] != 0xff;
        best_shift(j, oof, use, shift);
        score_logits(j, oof, use, shift, &acc, &f1);
        double acc0, f10;
        score_logits(j, oof, use, zero, &acc0, &f10);
        printf("%s cv%u out-of-fold: no shift accuracy %.4f macro_f1 %.4f; best --class-bias",
               a->name, a->cv, acc0, f10);
        for (uint32_t k = 1; k < c; k++)
            printf("%s%s=%.2f", k > 1 ? "," : " ", j->labels[k], (double)shift[k]);
        printf(" accuracy %.4f macro_f1 %.4f; nested (shift chosen on the other folds) "
               "accuracy %.4f macro_f1 %.4f\n",
               acc, f1, n_acc / a->cv, n_f1 / a->cv);
    }
    free(oof);
    free(fold);
    free(use);
    return rc;
}

/* --class-bias "neutral=0.2,positive=0.1" -> shift[] in label order (others 0). */
static int parse_class_bias(const char *spec, const struct text_job *j, float *shift)
{
    for (uint32_t k = 0; k < j->n_labels; k++) shift[k] = 0.0f;
    const char *p = spec;
    while (p && *p) {
        const char *eq = strchr(p, '='), *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        if (!eq || eq > end) return CS_ERR_INVALID;
        int found = 0;
        for (uint32_t k = 0; k < j->n_labels; k++) {
            if (strlen(j->labels[k]) != (size_t)(eq - p) ||
                memcmp(j->labels[k], p, (size_t)(eq - p)))
                continue;
            char num[32], *stop;
            size_t nl = (size_t)(end - eq - 1);
            if (nl == 0 || nl >= sizeof(num)) return CS_ERR_INVALID;
            memcpy(num, eq + 1, nl);
            num[nl] = '\0';
            shift[k] = strtof(num, &stop);
            if (*stop || !isfinite(shift[k])) return CS_ERR_INVALID;
            found = 1;
        }
        if (!found) {
            fprintf(stderr, "cs-train: --class-bias: no label %.*s\n", (int)(eq - p), p);
            return CS_ERR_INVALID;
        }
        p = *end ? end + 1 : end;
    }
    return CS_OK;
}

int train_text_task(const struct train_args *a)
{
    if (!a->csv || !a->text_col || !a->label_col || !a->name) return CS_ERR_INVALID;
    struct text_job j;
    memset(&j, 0, sizeof(j));
    int rc = load_rows(a, &j);
    struct train_args a2 = *a;
    float shift[CS_MODEL_MAX_CLASSES];
    if (rc == CS_OK && a->class_bias) {
        rc = parse_class_bias(a->class_bias, &j, shift);
        a2.opts.bias_shift = shift;
    }
    if (rc == CS_OK) rc = a->cv ? text_cross_validate(&a2, &j) : text_fit_write(&a2, &j);
    text_job_free(&j);
    return rc;
}

int text_fit_write(const struct train_args *a, struct text_job *jp)
{
    struct text_job j = *jp; /* fields only; jp keeps ownership */
    int rc = CS_OK;
    struct cs_train_model tm;
    memset(&tm, 0, sizeof(tm));
    if (rc == CS_OK) {
        struct cs_train_rows rows = {.n = j.n,
                                     .n_classes = j.n_labels,
                                     .label = j.label,
                                     .is_val = j.is_val,
                                     .text = j.text,
                                     .len = j.len};
        rc = cs_train_text(&rows, &a->feat, &a->opts, &tm);
    }
    if (rc == CS_OK)
        fprintf(stderr,
                "%s: %zu train rows, %zu dev rows, %zu validation rows, %u labels, "
                "train acc %.4f, dev acc %.4f, validation acc %.4f, temperature %.3f\n",
                a->name, tm.n_train, tm.n_dev, tm.n_val, j.n_labels, tm.train_acc, tm.dev_acc,
                tm.val_acc, (double)tm.temperature);
    /* Refit on the fit and development rows with the same options, keeping the
     * temperature the development rows gave: the shipped weights then use all but the
     * validation rows, and the validation rows still chose nothing. */
    if (rc == CS_OK && tm.n_dev > 0 && !a->no_refit) {
        float temp = tm.temperature;
        size_t n_dev = tm.n_dev;
        double dev_acc = tm.dev_acc;
        for (size_t i = 0; i < j.n; i++)
            if (j.is_val[i] == CS_TRAIN_ROW_DEV) j.is_val[i] = CS_TRAIN_ROW_FIT;
        cs_train_model_clean_up(&tm);
        struct cs_train_rows rows = {.n = j.n,
                                     .n_classes = j.n_labels,
                                     .label = j.label,
                                     .is_val = j.is_val,
                                     .text = j.text,
                                     .len = j.len};
        rc = cs_train_text(&rows, &a->feat, &a->opts, &tm);
        if (rc == CS_OK) {
            tm.temperature = temp;
            tm.n_dev = n_dev;
            tm.dev_acc = dev_acc;
            fprintf(stderr, "%s: refit on %zu rows, validation acc %.4f, temperature %.3f (dev)\n",
                    a->name, tm.n_train, tm.val_acc, (double)tm.temperature);
        }
    }
    char *meta = NULL;
    if (rc == CS_OK) {
        meta = train_metadata(a, a->task, tm.val_acc, tm.n_train, tm.n_val);
        if (!meta) rc = CS_ERR_NOMEM;
    }
    if (rc == CS_OK) {
        struct cs_model_spec spec;
        memset(&spec, 0, sizeof(spec));
        cs_train_model_spec(&tm, &spec);
        spec.name = a->name;
        spec.metadata_json = meta;
        spec.labels = j.labels;
        spec.feat = a->feat;
        rc = cs_model_write(&spec, a->out);
    }
    free(meta);
    cs_train_model_clean_up(&tm);
    return rc;
}
