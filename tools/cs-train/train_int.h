/* Shared between the cs-train tool's files. */
#ifndef CS_TRAIN_TOOL_INT_H
#define CS_TRAIN_TOOL_INT_H

#include <stddef.h>

#include "cs/textfeat.h"
#include "cs/train.h"

#define TRAIN_MAX_WNUT 8

struct train_args {
    const char *task, *csv, *text_col, *label_col, *name, *out;
    const char *source, *licence, *notice, *prior, *presidio;
    const char *wnut[TRAIN_MAX_WNUT];
    int n_wnut;
    int no_val;
    int no_refit; /* keep the model fitted without the development rows */
    uint32_t cv;  /* --cv K: cross-validate on the non-validation rows, write nothing */
    size_t max_rows; /* 0: all rows (CI uses a small subset to check determinism) */
    struct cs_train_opts opts;
    struct cs_textfeat_cfg feat;
    char feat_desc[96]; /* the feature settings, for the metadata */
};

int train_text_task(const struct train_args *a);       /* text.c */
int train_escalation_task(const struct train_args *a); /* escalation.c */
int train_pii_task(const struct train_args *a);        /* pii.c */

/* Builds the metadata JSON (malloc'ed) common to every model file. */
char *train_metadata(const struct train_args *a, const char *task, double val_acc,
                     size_t n_train, size_t n_val);

#endif
