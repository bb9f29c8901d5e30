/* --jsonl FILE: rows of the labelled triage corpus (data/triage/train.jsonl and messages_train.jsonl, one JSON
 * object a line with "text" and a six-level "sentiment") added to a sentiment model's
 * training rows. The six levels map to the model's three classes as LABELLING.md
 * section 4 reads them: HAPPY/SATISFIED positive, NEUTRAL neutral, the rest negative. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/jsonl_each.h"
#include "cs/error.h"
#include "cs/sentiment.h"
#include "train_int.h"

static const char *class_of(const char *level)
{
    int lv = level ? cs_sentiment_level_parse(level) : -1;
    if (lv < 0) return NULL;
    return lv <= CS_SENT_SATISFIED ? "positive" : lv == CS_SENT_NEUTRAL ? "neutral" : "negative";
}

static int label_index(const struct text_job *j, const char *name)
{
    for (uint32_t k = 0; k < j->n_labels; k++)
        if (strcmp(j->labels[k], name) == 0) return (int)k;
    return -1;
}

static int grow(struct text_job *j, size_t cap)
{
    const char **t = realloc(j->text, sizeof(*t) * cap);
    if (t) j->text = t;
    size_t *l = realloc(j->len, sizeof(*l) * cap);
    if (l) j->len = l;
    uint32_t *lb = realloc(j->label, sizeof(*lb) * cap);
    if (lb) j->label = lb;
    uint8_t *v = realloc(j->is_val, cap);
    if (v) j->is_val = v;
    char **o = realloc(j->own, sizeof(*o) * cap);
    if (o) j->own = o;
    return t && l && lb && v && o ? CS_OK : CS_ERR_NOMEM;
}

static int add_row(const struct train_args *a, struct text_job *j, const char *text, int label)
{
    char *copy = strdup(text);
    if (!copy) return CS_ERR_NOMEM;
    int rc = grow(j, j->n + 1);
    if (rc) {
        free(copy);
        return rc;
    }
    size_t len = strlen(copy);
    j->own[j->n_own++] = copy;
    j->text[j->n] = copy;
    j->len[j->n] = len;
    j->label[j->n] = (uint32_t)label;
    j->is_val[j->n] = a->no_val                              ? CS_TRAIN_ROW_FIT
                      : cs_textfeat_is_validation(copy, len) ? CS_TRAIN_ROW_VAL
                      : cs_textfeat_is_dev(copy, len)        ? CS_TRAIN_ROW_DEV
                                                             : CS_TRAIN_ROW_FIT;
    j->n++;
    return CS_OK;
}

struct file_ctx {
    const struct train_args *a;
    struct text_job *j;
    const char *path;
    size_t rows;
};

static int file_row(json_object *o, void *ud)
{
    struct file_ctx *c = ud;
    json_object *t = NULL, *s = NULL;
    json_object_object_get_ex(o, "text", &t);
    json_object_object_get_ex(o, "sentiment", &s);
    const char *cls = class_of(s ? json_object_get_string(s) : NULL);
    int label = cls ? label_index(c->j, cls) : -1;
    if (!t || label < 0) {
        fprintf(stderr, "cs-train: %s: row without text or six-level sentiment\n", c->path);
        return CS_ERR_FORMAT;
    }
    c->rows++;
    return add_row(c->a, c->j, json_object_get_string(t), label);
}

static int add_file(const struct train_args *a, struct text_job *j, const char *path)
{
    struct file_ctx c = {a, j, path, 0};
    int rc = cs_jsonl_each(path, file_row, &c);
    if (rc == CS_ERR_IO) {
        fprintf(stderr, "cs-train: cannot read %s\n", path);
        return CS_ERR_NOT_FOUND;
    }
    if (rc == CS_OK) fprintf(stderr, "cs-train: %zu rows from %s\n", c.rows, path);
    return rc;
}

int text_job_add_jsonl(const struct train_args *a, struct text_job *j)
{
    if (label_index(j, "negative") < 0 || label_index(j, "neutral") < 0 ||
        label_index(j, "positive") < 0) {
        fprintf(stderr, "cs-train: --jsonl needs a CSV with negative/neutral/positive labels\n");
        return CS_ERR_INVALID;
    }
    for (int i = 0; i < a->n_jsonl; i++) {
        int rc = add_file(a, j, a->jsonl[i]);
        if (rc) return rc;
    }
    return CS_OK;
}
