/* Shared between the cs-train tool's files. */
#ifndef CS_TRAIN_TOOL_INT_H
#define CS_TRAIN_TOOL_INT_H

#include <stddef.h>

#include "cs/textfeat.h"
#include "cs/train.h"

#define TRAIN_MAX_WNUT 8
#define TRAIN_MAX_DOMAIN 8
#define TRAIN_MAX_CORPUS 16
#define TRAIN_MAX_JSONL 4

struct train_args {
    const char *task, *csv, *text_col, *label_col, *name, *out;
    const char *source, *licence, *notice, *prior, *presidio;
    const char *wnut[TRAIN_MAX_WNUT];
    const char *corpus[TRAIN_MAX_CORPUS]; /* embed: "FILE.csv:COL" or "FILE.jsonl:FIELD" */
    int n_corpus;
    uint32_t dims; /* embed: vector size (default 128) */
    /* embed, the intent map (embed_proj.c): intent-labelled texts and its options */
    const char *label_corpus[TRAIN_MAX_DOMAIN]; /* "FILE.csv:TEXTCOL:LABELCOL" */
    int n_label_corpus;
    float map_shrink, map_power;
    const char *names;  /* pii: "first|last<TAB>Name" lines (data/datasets/faker_names) */
    const char *places; /* pii: "place<TAB>Name" lines (data/datasets/places) */
    int n_wnut;
    /* --task gate: "MODEL=FILE.csv:TEXTCOL:LABELCOL", one per intent model */
    const char *domain[TRAIN_MAX_DOMAIN];
    int n_domain;
    const char *route_cv; /* --route-cv DIR: end-to-end routing CV with DIR's options */
    int no_val;
    int no_refit;    /* keep the model fitted without the development rows */
    uint32_t cv;     /* --cv K: cross-validate on the non-validation rows, write nothing */
    size_t max_rows; /* 0: all rows (CI uses a small subset to check determinism) */
    struct cs_train_opts opts;
    struct cs_textfeat_cfg feat;
    char feat_desc[96];     /* the feature settings, for the metadata */
    const char *class_bias; /* --class-bias LABEL=X,...: prior shift (text models) */
    /* --jsonl FILE: sentiment: extra rows, "text" + six-level "sentiment" (jsonl.c);
     * escalation: "text" + "escalation_expected" (escalation.c) */
    const char *jsonl[TRAIN_MAX_JSONL];
    int n_jsonl;
    const char *models; /* --models DIR: the sentiment model for escalation features */
    /* --task category: the labelled ticket corpus, and intent data sets mapped onto
     * the ten categories by an intent map (category.c) */
    const char *intent_map;                /* the corpus is --jsonl FILE (jsonl[0]) */
    const char *augment[TRAIN_MAX_DOMAIN]; /* "MODEL=FILE.csv:TEXTCOL:LABELCOL" */
    int n_augment;
    size_t augment_cap; /* most rows taken per mapped intent; 0: all */
    const char *oof;    /* --oof FILE: out-of-fold probabilities of --cv (category.c) */
    int gloss;          /* --gloss: train on cs_triage_gloss(text) (category.c) */
    const char *extra;  /* --extra FILE.jsonl: fitted, never scored rows (category.c) */
};

/* Labelled text rows and their labels (sorted names, so indices do not depend on row
 * order). `csv` may be NULL when the rows come from elsewhere (gate.c). */
struct cs_csv;
struct text_job {
    struct cs_csv *csv;
    const char **labels;
    uint32_t n_labels;
    const char **text;
    size_t *len;
    uint32_t *label;
    uint8_t *is_val;
    size_t n;
    char **own; /* texts read from --jsonl files, freed with the job */
    size_t n_own;
};
void text_job_free(struct text_job *j);
/* Appends the rows of a->jsonl[] to j, their six-level labels mapped to the 3-class
 * names (LABELLING.md section 4) that j->labels must already hold. */
int text_job_add_jsonl(const struct train_args *a, struct text_job *j);
/* Fit (development rows set the temperature), refit, write a->out. */
int text_fit_write(const struct train_args *a, struct text_job *j);
/* --cv K over the non-validation rows; prints accuracy and macro-F1, writes nothing. */
int text_cross_validate(const struct train_args *a, struct text_job *j);
/* Accuracy and macro-F1 of the quantised `tm` on the rows with is_val == DEV; with
 * `oof` non-NULL, also each such row's logits at oof[row * n_labels]. */
int text_score_dev(const struct train_args *a, const struct text_job *j,
                   const struct cs_train_model *tm, double *acc, double *mf1, float *oof);

int train_text_task(const struct train_args *a);       /* text.c */
int train_gate_task(const struct train_args *a);       /* gate.c */
int train_escalation_task(const struct train_args *a); /* escalation.c */
int train_pii_task(const struct train_args *a);        /* pii.c */
int train_embed_task(const struct train_args *a);      /* embed.c */
int train_category_task(const struct train_args *a);   /* category.c */

/* Builds the metadata JSON (malloc'ed) common to every model file. */
char *train_metadata(const struct train_args *a, const char *task, double val_acc, size_t n_train,
                     size_t n_val);

#endif
