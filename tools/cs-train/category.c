/* cs-train --task category: the triage category model (the ten issue categories of
 * /work/shared/triage/LABELLING.md, seed 003).
 *
 *   cs-train --task category --jsonl data/triage/train.jsonl --name triage-category
 *            --out FILE.csm [text options] [--cv K]
 *            [--intent-map data/triage/intent_map.json
 *             --augment intent-banking77=FILE.csv:TEXTCOL:LABELCOL ... [--augment-cap N]]
 *
 * The corpus is JSON Lines with "text", "category" and "lang" per ticket. Its rows are
 * all fitted except the development part (cs_textfeat_is_dev), which sets the
 * calibration temperature before the refit; the corpus's separate dev.jsonl is the
 * held-out split `cs-eval --only triage` reports and is never read here.
 *
 * --augment adds rows of an intent data set, each labelled with the category the intent
 * map gives its intent (intents mapped to null are left out); at most --augment-cap
 * rows per intent, in file order. Augmented rows are always fitted and never scored.
 *
 * --extra FILE.jsonl adds labelled rows of another file the same way (fitted, never
 * scored), e.g. the session messages of data/triage/messages_train.jsonl.
 *
 * --cv K: K folds over the corpus rows only (fold = fnv1a64(text) >> 16 mod K);
 * augmented rows are fitted in every fold. Prints pooled out-of-fold accuracy and
 * macro-F1 and accuracy per language: that is how options and the augmentation were
 * chosen.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/csv.h"
#include "cs/model.h"
#include "cs/triage.h"
#include "train_int.h"

static const char *const CATEGORIES[] = {
    "ACCOUNT",         "BILLING", "CANCELLATION", "COMPLAINT",    "GENERAL_INQUIRY",
    "PRODUCT_QUALITY", "REFUND",  "SHIPPING",     "SUBSCRIPTION", "TECHNICAL"};
#define N_CAT (sizeof(CATEGORIES) / sizeof(CATEGORIES[0]))
#define MAX_LANGS 8

struct cat_job {
    struct text_job j;
    char **owned;    /* corpus texts (strdup) */
    size_t n_corpus; /* rows [0, n_corpus) come from JSONL files (owned texts) */
    size_t n_scored; /* rows [0, n_scored) are the corpus that CV folds and scores */
    uint8_t *lang;   /* corpus rows: index into langs */
    char langs[MAX_LANGS][8];
    int n_langs;
    struct cs_csv *csv[TRAIN_MAX_DOMAIN];
    size_t cap;
    char **glossed; /* --gloss: every row's glossed text (j.n entries) */
};

/* PRIORITIES: --label-key priority trains the impact model over the same rows. */
static const char *const PRIORITIES[] = {"P1", "P2", "P3"};

static const char *const *g_labels = CATEGORIES;
static size_t g_n_labels = N_CAT;

static int cat_index(const char *s)
{
    for (size_t i = 0; s && i < g_n_labels; i++)
        if (strcmp(s, g_labels[i]) == 0) return (int)i;
    return -1;
}

static void cat_free(struct cat_job *c)
{
    for (size_t i = 0; i < c->n_corpus; i++) free(c->owned[i]);
    free(c->owned);
    for (size_t i = 0; c->glossed && i < c->j.n; i++) free(c->glossed[i]);
    free(c->glossed);
    free(c->lang);
    for (int i = 0; i < TRAIN_MAX_DOMAIN; i++) cs_csv_destroy(c->csv[i]);
    c->j.csv = NULL;
    c->j.labels = NULL; /* static */
    text_job_free(&c->j);
}

static int grow(struct cat_job *c, size_t need)
{
    if (need <= c->cap) return CS_OK;
    size_t cap = c->cap ? c->cap : 1024;
    while (cap < need) cap *= 2;
    struct text_job *j = &c->j;
    const char **t = realloc(j->text, sizeof(char *) * cap);
    if (t) j->text = t;
    size_t *l = realloc(j->len, sizeof(size_t) * cap);
    if (l) j->len = l;
    uint32_t *lab = realloc(j->label, sizeof(uint32_t) * cap);
    if (lab) j->label = lab;
    uint8_t *v = realloc(j->is_val, cap);
    if (v) j->is_val = v;
    if (!t || !l || !lab || !v) return CS_ERR_NOMEM;
    c->cap = cap;
    return CS_OK;
}

static int lang_index(struct cat_job *c, const char *code)
{
    for (int i = 0; i < c->n_langs; i++)
        if (strcmp(c->langs[i], code) == 0) return i;
    if (c->n_langs == MAX_LANGS || strlen(code) >= sizeof(c->langs[0])) return MAX_LANGS - 1;
    snprintf(c->langs[c->n_langs], sizeof(c->langs[0]), "%s", code);
    return c->n_langs++;
}

static uint8_t row_kind(const char *text, size_t len)
{
    return cs_textfeat_is_dev(text, len) ? CS_TRAIN_ROW_DEV : CS_TRAIN_ROW_FIT;
}

/* One JSON object per line: text, category (one of the ten), lang. */
static int load_corpus(const char *path, const char *key, struct cat_job *c)
{
    FILE *f = fopen(path, "rb");
    if (!f) return CS_ERR_IO;
    char *line = NULL;
    size_t lcap = 0, lineno = 0;
    ssize_t got;
    int rc = CS_OK;
    while (rc == CS_OK && (got = getline(&line, &lcap, f)) > 0) {
        lineno++;
        if (got <= 1) continue;
        json_object *o = json_tokener_parse(line), *t, *k, *lg;
        const char *text =
            json_object_object_get_ex(o, "text", &t) ? json_object_get_string(t) : NULL;
        int cat = json_object_object_get_ex(o, key, &k) ? cat_index(json_object_get_string(k)) : -1;
        const char *lang =
            json_object_object_get_ex(o, "lang", &lg) ? json_object_get_string(lg) : "";
        if (!text || cat < 0) {
            fprintf(stderr, "cs-train: %s:%zu: needs \"text\" and a known \"%s\"\n", path, lineno,
                    key);
            rc = CS_ERR_FORMAT;
        }
        size_t i = c->n_corpus;
        if (rc == CS_OK) rc = grow(c, i + 1);
        char **ow = rc == CS_OK ? realloc(c->owned, sizeof(char *) * (i + 1)) : NULL;
        uint8_t *lv = ow ? realloc(c->lang, i + 1) : NULL;
        if (ow) c->owned = ow;
        if (lv) c->lang = lv;
        if (rc == CS_OK && (!ow || !lv || !(c->owned[i] = strdup(text)))) rc = CS_ERR_NOMEM;
        if (rc == CS_OK) {
            c->j.text[i] = c->owned[i];
            c->j.len[i] = strlen(text);
            c->j.label[i] = (uint32_t)cat;
            c->j.is_val[i] = row_kind(text, c->j.len[i]);
            c->lang[i] = (uint8_t)lang_index(c, lang ? lang : "");
            c->n_corpus = i + 1;
        }
        json_object_put(o);
    }
    free(line);
    fclose(f);
    if (rc == CS_OK && c->n_corpus == 0) rc = CS_ERR_INVALID;
    return rc;
}

/* "MODEL=FILE:TEXTCOL:LABELCOL" rows mapped through map[MODEL][intent]. */
static int load_augment(const struct train_args *a, int which, json_object *map, struct cat_job *c)
{
    char spec[1024];
    snprintf(spec, sizeof(spec), "%s", a->augment[which]);
    char *eq = strchr(spec, '='), *c1 = eq ? strchr(eq + 1, ':') : NULL;
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) {
        fprintf(stderr, "cs-train: --augment wants MODEL=FILE:TEXTCOL:LABELCOL\n");
        return CS_ERR_INVALID;
    }
    *eq = *c1 = *c2 = '\0';
    json_object *sets, *m;
    if (!json_object_object_get_ex(map, "sets", &sets) ||
        !json_object_object_get_ex(sets, spec, &m)) {
        fprintf(stderr, "cs-train: intent map has no set %s\n", spec);
        return CS_ERR_INVALID;
    }
    int rc = cs_csv_read_file(eq + 1, &c->csv[which]);
    if (rc != CS_OK) return rc;
    struct cs_csv *csv = c->csv[which];
    int tc = cs_csv_column(csv, c1 + 1), lc = cs_csv_column(csv, c2 + 1);
    if (tc < 0 || lc < 0) return CS_ERR_INVALID;
    json_object *taken = json_object_new_object(); /* intent -> rows taken */
    if (!taken) return CS_ERR_NOMEM;
    for (size_t r = 0; rc == CS_OK && r < cs_csv_rows(csv); r++) {
        const char *intent = cs_csv_cell(csv, r, (size_t)lc, NULL);
        json_object *v, *cnt;
        if (!json_object_object_get_ex(m, intent, &v)) {
            fprintf(stderr, "cs-train: intent map %s lacks intent %s\n", spec, intent);
            rc = CS_ERR_INVALID;
            break;
        }
        json_object *cv = v; /* "CATEGORY" or {"category": "CATEGORY", "subcategory": ...} */
        if (json_object_is_type(v, json_type_object) &&
            !json_object_object_get_ex(v, "category", &cv))
            cv = NULL;
        int cat =
            json_object_is_type(cv, json_type_string) ? cat_index(json_object_get_string(cv)) : -1;
        if (!json_object_is_type(v, json_type_null) && cat < 0) {
            fprintf(stderr, "cs-train: intent map %s: %s maps to no category\n", spec, intent);
            rc = CS_ERR_INVALID;
            break;
        }
        if (cat < 0) continue; /* null: the intent has no single category */
        int64_t n = json_object_object_get_ex(taken, intent, &cnt) ? json_object_get_int64(cnt) : 0;
        if (a->augment_cap && (size_t)n >= a->augment_cap) continue;
        json_object_object_add(taken, intent, json_object_new_int64(n + 1));
        size_t i = c->j.n;
        rc = grow(c, i + 1);
        if (rc != CS_OK) break;
        c->j.text[i] = cs_csv_cell(csv, r, (size_t)tc, &c->j.len[i]);
        c->j.label[i] = (uint32_t)cat;
        c->j.is_val[i] = CS_TRAIN_ROW_FIT;
        c->j.n = i + 1;
    }
    json_object_put(taken);
    return rc;
}

static int load_all(const struct train_args *a, struct cat_job *c)
{
    const char *key = a->label_col ? a->label_col : "category";
    if (strcmp(key, "priority") == 0)
        g_labels = PRIORITIES, g_n_labels = 3;
    else if (strcmp(key, "category") != 0)
        return CS_ERR_INVALID;
    int rc = load_corpus(a->jsonl[0], key, c);
    c->n_scored = c->n_corpus;
    /* --extra FILE.jsonl: more labelled rows (e.g. session messages), fitted, never scored */
    if (rc == CS_OK && a->extra) rc = load_corpus(a->extra, key, c);
    for (size_t i = c->n_scored; i < c->n_corpus; i++) c->j.is_val[i] = CS_TRAIN_ROW_FIT;
    c->j.n = c->n_corpus;
    c->j.labels = (const char **)g_labels;
    c->j.n_labels = (uint32_t)g_n_labels;
    if (rc != CS_OK || a->n_augment == 0) return rc;
    if (g_labels != CATEGORIES) return CS_ERR_INVALID; /* intents map to categories only */
    if (!a->intent_map) return CS_ERR_INVALID;
    json_object *map = json_object_from_file(a->intent_map);
    if (!map) return CS_ERR_IO;
    for (int i = 0; rc == CS_OK && i < a->n_augment; i++) rc = load_augment(a, i, map, c);
    json_object_put(map);
    fprintf(stderr, "%s: %zu corpus rows, %zu augmented rows\n", a->name, c->n_corpus,
            c->j.n - c->n_corpus);
    return rc;
}

/* Pooled out-of-fold figures over the corpus rows. */
static void report_cv(const struct train_args *a, const struct cat_job *c, const float *oof)
{
    unsigned conf[N_CAT][N_CAT];
    size_t nl = g_n_labels;
    unsigned lang_n[MAX_LANGS] = {0}, lang_ok[MAX_LANGS] = {0};
    memset(conf, 0, sizeof(conf));
    size_t ok = 0;
    for (size_t i = 0; i < c->n_scored; i++) {
        const float *l = oof + i * nl;
        uint32_t top = 0;
        for (uint32_t k = 1; k < nl; k++)
            if (l[k] > l[top]) top = k;
        conf[c->j.label[i]][top]++;
        ok += top == c->j.label[i];
        lang_n[c->lang[i]]++;
        lang_ok[c->lang[i]] += top == c->j.label[i];
    }
    double f1 = 0.0;
    unsigned present = 0;
    for (size_t k = 0; k < nl; k++) {
        unsigned tp = conf[k][k], fp = 0, fn = 0;
        for (size_t q = 0; q < nl; q++)
            if (q != k) fp += conf[q][k], fn += conf[k][q];
        if (tp + fn == 0) continue;
        present++;
        f1 += tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
    }
    printf("%s cv%u (%zu corpus rows, %zu added): accuracy %.4f macro_f1 %.4f (%s)\n", a->name,
           a->cv, c->n_scored, c->j.n - c->n_scored, (double)ok / (double)c->n_scored,
           present ? f1 / present : 0.0, a->feat_desc);
    printf("   per language:");
    for (int i = 0; i < c->n_langs; i++)
        printf(" %s %.3f (%u)", c->langs[i], lang_n[i] ? (double)lang_ok[i] / lang_n[i] : 0.0,
               lang_n[i]);
    printf("\n");
}

/* --oof FILE: one line per corpus row, "<label>\t<p_0> ... <p_k>" (softmax of the
 * out-of-fold logits, label order), for combining the model with rules offline. */
static int write_oof(const char *path, const struct cat_job *c, const float *oof)
{
    FILE *f = fopen(path, "w");
    if (!f) return CS_ERR_IO;
    size_t nl = g_n_labels;
    for (size_t i = 0; i < c->n_scored; i++) {
        const float *l = oof + i * nl;
        float mx = l[0], sum = 0.0f, p[N_CAT];
        for (size_t k = 1; k < nl; k++) mx = l[k] > mx ? l[k] : mx;
        for (size_t k = 0; k < nl; k++) sum += p[k] = expf(l[k] - mx);
        fprintf(f, "%s", g_labels[c->j.label[i]]);
        for (size_t k = 0; k < nl; k++) fprintf(f, "\t%.4f", (double)(p[k] / sum));
        fputc('\n', f);
    }
    return fclose(f) == 0 ? CS_OK : CS_ERR_IO;
}

static int category_cv(const struct train_args *a, struct cat_job *c)
{
    struct text_job *j = &c->j;
    float *oof = calloc(j->n * g_n_labels, sizeof(float));
    if (!oof) return CS_ERR_NOMEM;
    int rc = CS_OK;
    for (uint32_t f = 0; rc == CS_OK && f < a->cv; f++) {
        for (size_t i = 0; i < c->n_scored; i++) {
            /* folds by the original text, glossed or not: the same folds either way */
            uint64_t h = cs_textfeat_hash64(c->owned[i], strlen(c->owned[i])) >> 16;
            j->is_val[i] = h % a->cv == f ? CS_TRAIN_ROW_DEV : CS_TRAIN_ROW_FIT;
        }
        struct cs_train_rows rows = {.n = j->n,
                                     .n_classes = j->n_labels,
                                     .label = j->label,
                                     .is_val = j->is_val,
                                     .text = j->text,
                                     .len = j->len};
        struct cs_train_model tm;
        rc = cs_train_text(&rows, &a->feat, &a->opts, &tm);
        double acc, f1;
        if (rc == CS_OK) rc = text_score_dev(a, j, &tm, &acc, &f1, oof);
        cs_train_model_clean_up(&tm);
    }
    if (rc == CS_OK) report_cv(a, c, oof);
    if (rc == CS_OK && a->oof) rc = write_oof(a->oof, c, oof);
    free(oof);
    return rc;
}

/* --gloss: the model reads cs_triage_gloss(text), as triage will ask it. The split
 * and folds stay those of the original text. */
static int gloss_all(struct cat_job *c)
{
    c->glossed = calloc(c->j.n + 1, sizeof(char *));
    if (!c->glossed) return CS_ERR_NOMEM;
    for (size_t i = 0; i < c->j.n; i++) {
        size_t cap = c->j.len[i] + 1024;
        if (!(c->glossed[i] = malloc(cap))) return CS_ERR_NOMEM;
        c->j.len[i] = cs_triage_gloss(c->j.text[i], c->j.len[i], c->glossed[i], cap);
        c->j.text[i] = c->glossed[i];
    }
    return CS_OK;
}

int train_category_task(const struct train_args *a)
{
    if (a->n_jsonl != 1 || !a->name) return CS_ERR_INVALID;
    struct train_args a2 = *a;
    if (!a2.text_col) a2.text_col = "text"; /* metadata: a text model */
    struct cat_job c;
    memset(&c, 0, sizeof(c));
    int rc = load_all(&a2, &c);
    if (rc == CS_OK && a2.gloss) rc = gloss_all(&c);
    if (rc == CS_OK) rc = a2.cv ? category_cv(&a2, &c) : text_fit_write(&a2, &c.j);
    cat_free(&c);
    return rc;
}
