/* cs-train --task text|intent|sentiment: a text classifier from a labelled CSV. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/csv.h"
#include "cs/model.h"
#include "train_int.h"

char *train_metadata(const struct train_args *a, const char *task, double val_acc,
                     size_t n_train, size_t n_val)
{
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    json_object_object_add(o, "task", json_object_new_string(task));
    if (a->source) json_object_object_add(o, "source", json_object_new_string(a->source));
    if (a->licence) json_object_object_add(o, "licence", json_object_new_string(a->licence));
    if (a->notice) json_object_object_add(o, "notice", json_object_new_string(a->notice));
    json_object_object_add(o, "train_rows", json_object_new_int64((int64_t)n_train));
    json_object_object_add(o, "validation_rows", json_object_new_int64((int64_t)n_val));
    if (n_val) {
        char acc[32];
        snprintf(acc, sizeof(acc), "%.4f", val_acc);
        json_object_object_add(o, "validation_accuracy", json_object_new_string(acc));
    }
    json_object_object_add(o, "validation_rule", json_object_new_string("fnv1a64(text) % 10 == 0"));
    json_object *t = json_object_new_object();
    json_object_object_add(t, "epochs", json_object_new_int((int)a->opts.epochs));
    json_object_object_add(t, "seed", json_object_new_int64((int64_t)a->opts.seed));
    json_object_object_add(t, "balanced", json_object_new_boolean(a->opts.balanced));
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

struct text_job {
    struct cs_csv *csv;
    const char **labels;
    uint32_t n_labels;
    const char **text;
    size_t *len;
    uint32_t *label;
    uint8_t *is_val;
    size_t n;
};

static void job_free(struct text_job *j)
{
    cs_csv_destroy(j->csv);
    free(j->labels);
    free(j->text);
    free(j->len);
    free(j->label);
    free(j->is_val);
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
        j->is_val[i] = !a->no_val && cs_textfeat_is_validation(j->text[i], j->len[i]);
    }
    j->n = n;
    return CS_OK;
}

int train_text_task(const struct train_args *a)
{
    if (!a->csv || !a->text_col || !a->label_col || !a->name) return CS_ERR_INVALID;
    struct text_job j;
    memset(&j, 0, sizeof(j));
    int rc = load_rows(a, &j);
    struct cs_train_model tm;
    memset(&tm, 0, sizeof(tm));
    if (rc == CS_OK) {
        struct cs_train_rows rows = {.n = j.n, .n_classes = j.n_labels, .label = j.label,
                                     .is_val = j.is_val, .text = j.text, .len = j.len};
        rc = cs_train_text(&rows, &a->feat, &a->opts, &tm);
    }
    char *meta = NULL;
    if (rc == CS_OK) {
        fprintf(stderr, "%s: %zu train rows, %zu validation rows, %u labels, train acc %.4f, "
                        "validation acc %.4f, temperature %.3f\n",
                a->name, tm.n_train, tm.n_val, j.n_labels, tm.train_acc, tm.val_acc,
                (double)tm.temperature);
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
    job_free(&j);
    return rc;
}
