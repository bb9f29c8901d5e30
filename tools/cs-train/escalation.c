/* cs-train --task escalation: the escalation model from documented priors (JSON), from
 * a tenant's labelled history (CSV with cs_escalation_input column names), or from
 * labelled texts (--jsonl: "text" + "escalation_expected", features read from the words
 * by cs_escalation_read_conversation with the sentiment model of --models DIR); with
 * --prior too, features the texts cannot show (all zero there) keep the prior weight. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/jsonl_each.h"
#include "cs/csv.h"
#include "cs/escalation.h"
#include "cs/models.h"
#include "cs/sentiment.h"
#include "train_int.h"

#define NF CS_ESCALATION_N_FEATURES

static const char *const LABELS[] = {"no", "yes"};

static int write_model(const struct train_args *a, const float *w, const float *b,
                       const float *mean, float temp, const char *meta)
{
    const char *fn[NF];
    for (size_t i = 0; i < NF; i++) fn[i] = cs_escalation_feature_name(i);
    struct cs_model_spec spec = {.kind = CS_MODEL_DENSE,
                                 .name = a->name ? a->name : "escalation",
                                 .metadata_json = meta,
                                 .n_classes = 2,
                                 .labels = LABELS,
                                 .n_features = NF,
                                 .feature_names = fn,
                                 .temperature = temp,
                                 .mean = mean,
                                 .bias = b,
                                 .weights = w};
    return cs_model_write(&spec, a->out);
}

static int from_prior(const struct train_args *a)
{
    json_object *root = json_object_from_file(a->prior), *feats, *v;
    if (!root) return CS_ERR_IO;
    float w[NF * 2] = {0}, b[2] = {0}, mean[NF] = {0};
    int rc = CS_OK;
    if (!json_object_object_get_ex(root, "features", &feats) ||
        json_object_array_length(feats) != NF || !json_object_object_get_ex(root, "bias", &v))
        rc = CS_ERR_FORMAT;
    else
        b[1] = (float)json_object_get_double(v);
    for (size_t i = 0; rc == CS_OK && i < NF; i++) {
        json_object *f = json_object_array_get_idx(feats, i), *n, *wt, *mn;
        if (!json_object_object_get_ex(f, "name", &n) ||
            !json_object_object_get_ex(f, "weight", &wt) ||
            !json_object_object_get_ex(f, "mean", &mn) ||
            strcmp(json_object_get_string(n), cs_escalation_feature_name(i)) != 0) {
            fprintf(stderr, "cs-train: prior feature %zu must be %s\n", i,
                    cs_escalation_feature_name(i));
            rc = CS_ERR_FORMAT;
            break;
        }
        w[i * 2 + 1] = (float)json_object_get_double(wt); /* class "no" keeps weight 0 */
        mean[i] = (float)json_object_get_double(mn);
    }
    char *meta = NULL;
    if (rc == CS_OK) {
        struct train_args m = *a;
        m.source =
            "documented prior weights (data/models/escalation_prior.json), not fitted to data";
        m.licence = "project licence";
        meta = train_metadata(&m, "escalation-prior", 0.0, 0, 0);
        rc = meta ? write_model(a, w, b, mean, 1.0f, meta) : CS_ERR_NOMEM;
    }
    free(meta);
    json_object_put(root);
    return rc;
}

static float cell_f(const struct cs_csv *c, size_t r, int col)
{
    if (col < 0) return 0.0f;
    const char *s = cs_csv_cell(c, r, (size_t)col, NULL);
    char *end;
    float v = strtof(s, &end);
    if (end == s) {
        if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0) return 1.0f;
        int lv = cs_sentiment_level_parse(s);
        return lv >= 0 ? (float)lv : 0.0f;
    }
    return v;
}

static int from_csv(const struct train_args *a)
{
    struct cs_csv *c;
    int rc = cs_csv_read_file(a->csv, &c);
    if (rc != CS_OK) return rc;
    static const char *const cols[] = {
        "sentiment_score", "sentiment_trend", "sentiment_level",  "repeat_contacts", "wait_minutes",
        "refund_amount",   "tier_limit",      "legal_threat",     "social_threat",   "vip",
        "human_request",   "ultimatum",       "stated_wait_days", "stated_contacts"};
    int ci[14], lc = cs_csv_column(c, a->label_col ? a->label_col : "escalated");
    for (int i = 0; i < 14; i++) ci[i] = cs_csv_column(c, cols[i]);
    size_t n = cs_csv_rows(c);
    float *x = malloc(sizeof(float) * NF * (n + 1));
    uint32_t *y = malloc(sizeof(uint32_t) * (n + 1));
    uint8_t *val = malloc(n + 1);
    if (lc < 0) rc = CS_ERR_INVALID;
    if (!x || !y || !val) rc = CS_ERR_NOMEM;
    for (size_t r = 0; rc == CS_OK && r < n; r++) {
        struct cs_escalation_input in = {
            cell_f(c, r, ci[0]),      cell_f(c, r, ci[1]),       (int)cell_f(c, r, ci[2]),
            (int)cell_f(c, r, ci[3]), cell_f(c, r, ci[4]),       cell_f(c, r, ci[5]),
            cell_f(c, r, ci[6]),      (int)cell_f(c, r, ci[7]),  (int)cell_f(c, r, ci[8]),
            (int)cell_f(c, r, ci[9]), (int)cell_f(c, r, ci[10]), (int)cell_f(c, r, ci[11]),
            cell_f(c, r, ci[12]),     (int)cell_f(c, r, ci[13])};
        if (ci[0] < 0) in.sentiment_score = 0.5f;
        cs_escalation_features(&in, x + r * NF);
        y[r] = cell_f(c, r, lc) >= 0.5f;
        char id[32];
        int k = snprintf(id, sizeof(id), "row%zu", r);
        val[r] = !a->no_val && cs_textfeat_is_validation(id, (size_t)k);
    }
    struct cs_train_model tm = {0};
    if (rc == CS_OK) {
        struct cs_train_rows rows = {
            .n = n, .n_classes = 2, .label = y, .is_val = val, .x = x, .n_dense = NF};
        struct cs_train_opts o = a->opts;
        rc = cs_train_dense(&rows, &o, &tm);
    }
    char *meta = NULL;
    if (rc == CS_OK) {
        fprintf(stderr, "escalation: %zu train rows, %zu validation rows, validation acc %.4f\n",
                tm.n_train, tm.n_val, tm.val_acc);
        struct train_args m = *a;
        if (!m.source) m.source = a->csv;
        meta = train_metadata(&m, "escalation", tm.val_acc, tm.n_train, tm.n_val);
        rc = meta ? write_model(a, tm.weights, tm.bias, tm.mean, tm.temperature, meta)
                  : CS_ERR_NOMEM;
    }
    free(meta);
    cs_train_model_clean_up(&tm);
    free(x);
    free(y);
    free(val);
    cs_csv_destroy(c);
    return rc;
}

struct esc_rows {
    float *x;
    uint32_t *y;
    uint8_t *val;
    size_t n, cap;
};

static int esc_push(struct esc_rows *r, const float *x, uint32_t y, uint8_t val)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        float *nx = realloc(r->x, sizeof(float) * NF * cap);
        if (nx) r->x = nx;
        uint32_t *ny = realloc(r->y, sizeof(uint32_t) * cap);
        if (ny) r->y = ny;
        uint8_t *nv = realloc(r->val, cap);
        if (nv) r->val = nv;
        if (!nx || !ny || !nv) return CS_ERR_NOMEM;
        r->cap = cap;
    }
    memcpy(r->x + r->n * NF, x, sizeof(float) * NF);
    r->y[r->n] = y;
    r->val[r->n++] = val;
    return CS_OK;
}

struct esc_ctx {
    const struct train_args *a;
    const struct cs_models *ms;
    struct esc_rows *r;
};

static int esc_row(json_object *o, void *ud)
{
    const struct esc_ctx *c = ud;
    json_object *t = NULL, *e = NULL;
    json_object_object_get_ex(o, "text", &t);
    json_object_object_get_ex(o, "escalation_expected", &e);
    if (!t || !e) return CS_ERR_FORMAT;
    const char *text = json_object_get_string(t);
    size_t len = (size_t)json_object_get_string_len(t);
    struct cs_escalation_input in = {.sentiment_score = 0.5f};
    float x[NF];
    int rc = cs_escalation_read_conversation(c->ms, &text, &len, 1, &in);
    cs_escalation_features(&in, x);
    uint8_t val = !c->a->no_val && cs_textfeat_is_validation(text, len);
    return rc ? rc : esc_push(c->r, x, json_object_get_boolean(e) ? 1u : 0u, val);
}

static int read_jsonl(const struct train_args *a, const struct cs_models *ms, const char *path,
                      struct esc_rows *r)
{
    struct esc_ctx c = {a, ms, r};
    int rc = cs_jsonl_each(path, esc_row, &c);
    if (rc == CS_ERR_IO) return rc;
    if (rc) fprintf(stderr, "cs-train: %s: bad row (needs text and escalation_expected)\n", path);
    return rc;
}

/* Features that are zero in every row carry no evidence: they keep the prior's weight
 * and reference mean (the logit of every training row is unchanged, x being 0). */
static int keep_prior_where_unseen(const struct train_args *a, const struct esc_rows *r,
                                   struct cs_train_model *tm)
{
    if (!a->prior) return CS_OK;
    json_object *root = json_object_from_file(a->prior), *feats;
    if (!root || !json_object_object_get_ex(root, "features", &feats) ||
        json_object_array_length(feats) != NF) {
        json_object_put(root);
        return CS_ERR_FORMAT;
    }
    for (size_t j = 0; j < NF; j++) {
        bool seen = false;
        for (size_t i = 0; i < r->n && !seen; i++) seen = r->x[i * NF + j] != 0.0f;
        if (seen) continue;
        json_object *fo = json_object_array_get_idx(feats, j), *wt, *mn;
        if (!json_object_object_get_ex(fo, "weight", &wt) ||
            !json_object_object_get_ex(fo, "mean", &mn))
            continue;
        tm->weights[j * 2 + 0] = 0.0f;
        tm->weights[j * 2 + 1] = (float)json_object_get_double(wt);
        tm->mean[j] = (float)json_object_get_double(mn);
        fprintf(stderr, "escalation: %s unseen in the data, prior weight %.2f\n",
                cs_escalation_feature_name(j), tm->weights[j * 2 + 1]);
    }
    json_object_put(root);
    return CS_OK;
}

static int from_jsonl(const struct train_args *a)
{
    struct cs_models *ms;
    int rc = cs_models_open(a->models ? a->models : "data/models", &ms);
    if (rc) {
        fprintf(stderr, "cs-train: cannot open the models for the sentiment feature\n");
        return rc;
    }
    struct esc_rows r = {0};
    for (int i = 0; rc == CS_OK && i < a->n_jsonl; i++) rc = read_jsonl(a, ms, a->jsonl[i], &r);
    struct cs_train_model tm = {0};
    if (rc == CS_OK) {
        struct cs_train_rows rows = {
            .n = r.n, .n_classes = 2, .label = r.y, .is_val = r.val, .x = r.x, .n_dense = NF};
        rc = cs_train_dense(&rows, &a->opts, &tm);
    }
    if (rc == CS_OK) rc = keep_prior_where_unseen(a, &r, &tm);
    char *meta = NULL;
    if (rc == CS_OK) {
        fprintf(stderr, "escalation: %zu train rows, %zu validation rows, validation acc %.4f\n",
                tm.n_train, tm.n_val, tm.val_acc);
        struct train_args m = *a;
        meta = train_metadata(&m, "escalation", tm.val_acc, tm.n_train, tm.n_val);
        rc = meta ? write_model(a, tm.weights, tm.bias, tm.mean, tm.temperature, meta)
                  : CS_ERR_NOMEM;
    }
    free(meta);
    cs_train_model_clean_up(&tm);
    free(r.x);
    free(r.y);
    free(r.val);
    cs_models_close(ms);
    return rc;
}

int train_escalation_task(const struct train_args *a)
{
    if (a->n_jsonl) return from_jsonl(a);
    if (a->prior) return from_prior(a);
    if (a->csv) return from_csv(a);
    return CS_ERR_INVALID;
}
