/* cs-train: builds the built-in model files from labelled data.
 *
 *   cs-train --task text --csv FILE --text-col COL --label-col COL --name NAME --out FILE.csm
 *            [--hash-bits N] [--word-max 0-3] [--char-min N] [--char-max N] [--negation]
 *            [--epochs N] [--lr X] [--l2 X] [--seed N] [--balanced] [--balance-power X] [--average]
 *            [--no-val] [--source TEXT] [--licence TEXT] [--notice TEXT]
 *     (--task intent and --task sentiment are the same trainer with those defaults)
 *   cs-train --task escalation (--prior FILE.json | --csv FILE --label-col COL) --out FILE.csm
 *   cs-train --task pii --presidio FILE.jsonl [--wnut FILE.conll ...] [--names FILE.tsv] [--places FILE.tsv]
 *           --out FILE.csm
 *   cs-train --task gate --domain MODEL=FILE.csv:TEXTCOL[:LABELCOL] ... --name NAME
 *            --out FILE.csm [text options] [--cv K [--route-cv MODELS_DIR]]
 *     (the domain gate between intent models; see gate.c)
 *   cs-train --task category --jsonl TICKETS.jsonl --name NAME --out FILE.csm [text options]
 *            [--intent-map MAP.json --augment MODEL=FILE.csv:TEXTCOL:LABELCOL ...
 *             [--augment-cap N]] [--cv K]
 *     (the triage category model over the labelled ticket corpus; see category.c)
 *
 * Rows whose text hashes to 0 mod 10 (cs_textfeat_is_validation) are held out for the
 * printed validation accuracy, and rows hashing to 1 mod 20 (cs_textfeat_is_dev) for
 * the calibration temperature and option tuning (dev acc), unless --no-val. The
 * shipped weights are then refitted on the training and development rows together,
 * keeping that temperature (--no-refit keeps the first fit, which `cs-eval --dev`
 * needs to score options on rows the model has not seen). --cv K prints K-fold
 * cross-validated accuracy and macro-F1 over the non-validation rows and writes nothing:
 * that is how the shipped options were chosen.
 * Output is deterministic: the same input and options give the same bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/error.h"
#include "cs/progress.h"
#include "train_int.h"

static void usage(void)
{
    fputs("usage: cs-train --task text|intent|sentiment --csv FILE --text-col COL --label-col COL\n"
          "                --name NAME --out FILE.csm [--hash-bits N] [--word-max 0-3]\n"
          "                [--char-min N] [--char-max N] [--negation] [--cues] [--lexicon]\n"
          "                [--nb X] [--class-bias LABEL=X,...] [--jsonl FILE]... [--epochs N] "
          "[--lr X]\n"
          "                [--l2 X] [--seed N] [--balanced] [--balance-power X]\n"
          "                [--average] [--no-val] [--no-refit] [--cv K] [--source TEXT]\n"
          "                [--licence TEXT] [--notice TEXT]\n"
          "       cs-train --task escalation (--prior FILE.json | --csv FILE --label-col COL |\n"
          "                --jsonl FILE... [--prior FILE.json] [--models DIR])\n"
          "                --out FILE.csm [--source TEXT]\n"
          "       cs-train --task embed --corpus FILE.csv:COL|FILE.jsonl:FIELD ... [--dims 128] "
          "--out FILE.cse\n"
          "                [--label-corpus FILE.csv:TEXTCOL:LABELCOL... [--map-shrink X]\n"
          "                [--map-power X]] [--cv K]\n"
          "       cs-train --task pii --presidio FILE.jsonl [--wnut FILE.conll]... [--names "
          "FILE.tsv]\n                [--places FILE.tsv] --out FILE.csm\n"
          "       cs-train --task gate --domain MODEL=FILE.csv:TEXTCOL[:LABELCOL]... --name NAME\n"
          "                --out FILE.csm [text options] [--cv K [--route-cv MODELS_DIR]]\n"
          "       cs-train --task category --jsonl FILE.jsonl --name NAME --out FILE.csm\n"
          "                [--intent-map MAP.json --augment MODEL=FILE.csv:TEXTCOL:LABELCOL...\n"
          "                [--augment-cap N]] [text options] [--cv K]\n",
          stderr);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int parse_float(const char *s, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

/* Parses argv into args; returns 0 or prints why and returns -1. */
static int parse_args(int argc, char **argv, struct train_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (strcmp(k, "--balanced") == 0) {
            a->opts.balanced = 1;
            continue;
        }
        if (strcmp(k, "--no-val") == 0) {
            a->no_val = 1;
            continue;
        }
        if (strcmp(k, "--average") == 0) {
            a->opts.average = 1;
            continue;
        }
        if (strcmp(k, "--no-refit") == 0) {
            a->no_refit = 1;
            continue;
        }
        if (strcmp(k, "--gloss") == 0) {
            a->gloss = 1;
            continue;
        }
        if (strcmp(k, "--negation") == 0) {
            a->feat.flags |= CS_TEXTFEAT_F_NEGATION;
            continue;
        }
        if (strcmp(k, "--cues") == 0) {
            a->feat.flags |= CS_TEXTFEAT_F_CUES;
            continue;
        }
        if (strcmp(k, "--lexicon") == 0) {
            a->feat.flags |= CS_TEXTFEAT_F_LEXICON;
            continue;
        }
        if (!v) {
            fprintf(stderr, "cs-train: %s needs a value\n", k);
            return -1;
        }
        i++;
        if (strcmp(k, "--task") == 0)
            a->task = v;
        else if (strcmp(k, "--csv") == 0)
            a->csv = v;
        else if (strcmp(k, "--text-col") == 0)
            a->text_col = v;
        else if (strcmp(k, "--label-col") == 0)
            a->label_col = v;
        else if (strcmp(k, "--name") == 0)
            a->name = v;
        else if (strcmp(k, "--out") == 0)
            a->out = v;
        else if (strcmp(k, "--source") == 0)
            a->source = v;
        else if (strcmp(k, "--licence") == 0 || strcmp(k, "--license") == 0)
            a->licence = v;
        else if (strcmp(k, "--notice") == 0)
            a->notice = v;
        else if (strcmp(k, "--prior") == 0)
            a->prior = v;
        else if (strcmp(k, "--presidio") == 0)
            a->presidio = v;
        else if (strcmp(k, "--names") == 0)
            a->names = v;
        else if (strcmp(k, "--places") == 0)
            a->places = v;
        else if (strcmp(k, "--corpus") == 0 && a->n_corpus < TRAIN_MAX_CORPUS)
            a->corpus[a->n_corpus++] = v;
        else if (strcmp(k, "--label-corpus") == 0 && a->n_label_corpus < TRAIN_MAX_DOMAIN)
            a->label_corpus[a->n_label_corpus++] = v;
        else if (strcmp(k, "--map-shrink") == 0 && parse_float(v, &a->map_shrink) == 0 &&
                 a->map_shrink >= 0.0f) {
        } else if (strcmp(k, "--map-power") == 0 && parse_float(v, &a->map_power) == 0 &&
                   a->map_power >= 0.0f && a->map_power <= 2.0f) {
        } else if (strcmp(k, "--dims") == 0 && parse_long(v, 8, 1024, &n) == 0)
            a->dims = (uint32_t)n;
        else if (strcmp(k, "--wnut") == 0 && a->n_wnut < TRAIN_MAX_WNUT)
            a->wnut[a->n_wnut++] = v;
        else if (strcmp(k, "--domain") == 0 && a->n_domain < TRAIN_MAX_DOMAIN)
            a->domain[a->n_domain++] = v;
        else if (strcmp(k, "--route-cv") == 0)
            a->route_cv = v;
        else if (strcmp(k, "--intent-map") == 0)
            a->intent_map = v;
        else if (strcmp(k, "--label-key") == 0)
            a->label_col = v;
        else if (strcmp(k, "--oof") == 0)
            a->oof = v;
        else if (strcmp(k, "--extra") == 0)
            a->extra = v;
        else if (strcmp(k, "--augment") == 0 && a->n_augment < TRAIN_MAX_DOMAIN)
            a->augment[a->n_augment++] = v;
        else if (strcmp(k, "--augment-cap") == 0 && parse_long(v, 1, 100000000L, &n) == 0)
            a->augment_cap = (size_t)n;
        else if (strcmp(k, "--class-bias") == 0)
            a->class_bias = v;
        else if (strcmp(k, "--models") == 0)
            a->models = v;
        else if (strcmp(k, "--jsonl") == 0 && a->n_jsonl < TRAIN_MAX_JSONL)
            a->jsonl[a->n_jsonl++] = v;
        else if (strcmp(k, "--nb") == 0 && parse_float(v, &a->opts.nb_power) == 0 &&
                 a->opts.nb_power >= 0.0f && a->opts.nb_power <= 4.0f) {
        } else if (strcmp(k, "--hash-bits") == 0 && parse_long(v, 10, 22, &n) == 0)
            a->feat.hash_bits = (uint32_t)n;
        else if (strcmp(k, "--word-max") == 0 && parse_long(v, 0, 3, &n) == 0)
            a->feat.word_max = (uint32_t)n;
        else if (strcmp(k, "--char-min") == 0 && parse_long(v, 0, 8, &n) == 0)
            a->feat.char_min = (uint32_t)n;
        else if (strcmp(k, "--char-max") == 0 && parse_long(v, 0, 8, &n) == 0)
            a->feat.char_max = (uint32_t)n;
        else if (strcmp(k, "--cv") == 0 && parse_long(v, 2, 20, &n) == 0)
            a->cv = (uint32_t)n;
        else if (strcmp(k, "--epochs") == 0 && parse_long(v, 1, 1000, &n) == 0)
            a->opts.epochs = (uint32_t)n;
        else if (strcmp(k, "--seed") == 0 && parse_long(v, 0, 0x7fffffffL, &n) == 0)
            a->opts.seed = (uint64_t)n;
        else if (strcmp(k, "--max-rows") == 0 && parse_long(v, 1, 100000000L, &n) == 0)
            a->max_rows = (size_t)n;
        else if (strcmp(k, "--lr") == 0 && parse_float(v, &a->opts.lr) == 0) {
        } else if (strcmp(k, "--balance-power") == 0 && parse_float(v, &a->opts.balance_power) == 0)
            a->opts.balanced = 1;
        else if (strcmp(k, "--l2") == 0 && parse_float(v, &a->opts.l2) == 0) {
        } else {
            fprintf(stderr, "cs-train: bad option %s %s\n", k, v);
            return -1;
        }
    }
    if (!a->task || !a->out) return -1;
    if (a->feat.word_max == 0) a->feat.word_min = 0;
    if (a->feat.char_max == 0) a->feat.char_min = 0;
    snprintf(a->feat_desc, sizeof(a->feat_desc), "hash_bits=%u word=%u-%u char=%u-%u%s%s%s",
             a->feat.hash_bits, a->feat.word_min, a->feat.word_max, a->feat.char_min,
             a->feat.char_max, (a->feat.flags & CS_TEXTFEAT_F_NEGATION) ? " negation" : "",
             (a->feat.flags & CS_TEXTFEAT_F_CUES) ? " cues" : "",
             (a->feat.flags & CS_TEXTFEAT_F_LEXICON) ? " lexicon" : "");
    return 0;
}

int main(int argc, char **argv)
{
    struct train_args a;
    memset(&a, 0, sizeof(a));
    cs_train_opts_init(&a.opts);
    cs_textfeat_cfg_init(&a.feat);
    a.map_shrink = 0.1f; /* embed's intent map (embed_proj.c): chosen on the tuning pairs */
    a.map_power = 0.5f;
    if (parse_args(argc, argv, &a) != 0) {
        usage();
        return 2;
    }
    /* Rows fitted so far over every fit of the task (folds, sweeps), on a terminal. */
    struct cs_progress prog;
    cs_progress_start(&prog, "cs-train", "rows fitted", 0);
    a.opts.progress = &prog;
    int rc;
    if (strcmp(a.task, "text") == 0 || strcmp(a.task, "intent") == 0 ||
        strcmp(a.task, "sentiment") == 0)
        rc = train_text_task(&a);
    else if (strcmp(a.task, "escalation") == 0)
        rc = train_escalation_task(&a);
    else if (strcmp(a.task, "pii") == 0)
        rc = train_pii_task(&a);
    else if (strcmp(a.task, "embed") == 0)
        rc = train_embed_task(&a);
    else if (strcmp(a.task, "gate") == 0)
        rc = train_gate_task(&a);
    else if (strcmp(a.task, "category") == 0)
        rc = train_category_task(&a);
    else {
        usage();
        return 2;
    }
    cs_progress_finish(&prog);
    if (rc != CS_OK) {
        fprintf(stderr, "cs-train: %s\n", cs_error_message(rc));
        return 1;
    }
    return 0;
}
