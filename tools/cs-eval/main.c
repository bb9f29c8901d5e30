/* cs-eval: validation figures of the shipped models on the held-out split of their
 * training files (the rows cs-train never fitted on).
 *
 *   cs-eval [--models DIR] [--data DIR] [--policy FILE] [--triage DIR] [--dev] [--only MODEL]
 *           [--errors] [--triage-file FILE.jsonl] [--predictions FILE.jsonl]
 *
 * --dev scores the text models on the development rows (cs_textfeat_is_dev), the ones
 * option tuning may look at, and the PII training templates; --only limits the run to
 * one model ("pii", "routing" too); --errors lists the PII misses and false alarms.
 *
 * Text models: rows with fnv1a64(text) % 10 == 0; prints accuracy, macro-F1 and the
 * most frequent confusions. PII: Presidio records of held-out templates
 * (cs/presidio.h: grouped by masked template text); span-level precision/recall/F1, exact and overlap
 * matching, over the types the detector covers (Presidio's GPE, ORGANIZATION, TITLE,
 * NRP, AGE, ZIP_CODE, DATE_TIME and US_DRIVER_LICENSE are out of scope and ignored).
 * Calibration: expected calibration error of `confidence` (the temperature-scaled top
 * probability) over 15 equal-width bins, on the same held-out rows, which the trainer
 * never fits weights or the temperature on. Retrieval: retrieval.c. Routing between
 * the intent models, before and after the domain gate (--only routing): routing.c.
 * Escalation triggers, six-level sentiment and the escalation predictor on the triage
 * corpus's dev files (--only cues; --dev: its train files): cues_eval.c.
 * Triage against the labelled tickets of DIR/dev.jsonl (--only triage; --triage-file
 * another file, --predictions another program's answers): triage.c.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/csv.h"
#include "cs/progress.h"
#include "cs/models.h"
#include "cs/pii.h"
#include "cs/presidio.h"
#include "cs/retrieval.h"
#include "eval_int.h"

struct text_eval {
    const char *model, *file, *text_col, *label_col;
};

static const struct text_eval TEXT_EVALS[] = {
    {"intent-banking77", "banking77/train.csv", "text", "category"},
    {"intent-support", "bitext_customer_support/train.csv", "instruction", "intent"},
    {"sentiment", "airline_sentiment/train.csv", "text", "airline_sentiment"},
};

/* --dev: text models on the development rows (for tuning options) instead of the
 * validation rows (for the reported figures). */
static int g_dev;

static void print_confusions(const struct cs_model *m, const unsigned *conf, uint32_t c)
{
    /* the three largest off-diagonal cells */
    unsigned used[3][2] = {{0}};
    for (int k = 0; k < 3; k++) {
        unsigned best = 0, bi = 0, bj = 0;
        for (uint32_t i = 0; i < c; i++)
            for (uint32_t j = 0; j < c; j++) {
                int seen = 0;
                for (int q = 0; q < k; q++) seen |= used[q][0] == i && used[q][1] == j;
                if (i != j && !seen && conf[i * c + j] > best)
                    best = conf[i * c + j], bi = i, bj = j;
            }
        if (!best) break;
        used[k][0] = bi, used[k][1] = bj;
        printf("    confused: %s -> %s (%u)\n", cs_model_label(m, bi), cs_model_label(m, bj), best);
    }
}

static int eval_text(const struct cs_models *ms, const char *data, const struct text_eval *te)
{
    const struct cs_model *m = cs_models_get(ms, te->model);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", data, te->file);
    struct cs_csv *csv;
    if (!m || cs_csv_read_file(path, &csv) != CS_OK) {
        printf("%-18s skipped (model or %s missing)\n", te->model, path);
        return 1;
    }
    int tc = cs_csv_column(csv, te->text_col), lc = cs_csv_column(csv, te->label_col);
    uint32_t c = cs_model_n_classes(m);
    unsigned *conf = calloc((size_t)c * c, sizeof(unsigned));
    size_t n = 0, ok = 0;
    /* calibration bins: count, correct, summed confidence */
    enum { NBIN = 15 };
    double bin_n[NBIN] = {0}, bin_ok[NBIN] = {0}, bin_conf[NBIN] = {0};
    for (size_t r = 0; conf && tc >= 0 && lc >= 0 && r < cs_csv_rows(csv); r++) {
        size_t len;
        const char *t = cs_csv_cell(csv, r, (size_t)tc, &len);
        if (!(g_dev ? cs_textfeat_is_dev(t, len) : cs_textfeat_is_validation(t, len))) continue;
        int gold = cs_model_label_index(m, cs_csv_cell(csv, r, (size_t)lc, NULL));
        struct cs_model_pred p;
        if (gold < 0 || cs_model_predict_text(m, t, len, cs_models_scratch(), &p) != CS_OK)
            continue;
        conf[(size_t)gold * c + p.top]++;
        ok += p.top == (uint32_t)gold;
        n++;
        int b = (int)(p.confidence * NBIN);
        b = b < 0 ? 0 : b >= NBIN ? NBIN - 1 : b;
        bin_n[b] += 1.0;
        bin_ok[b] += p.top == (uint32_t)gold;
        bin_conf[b] += p.confidence;
    }
    double f1sum = 0.0;
    uint32_t present = 0;
    for (uint32_t k = 0; conf && k < c; k++) {
        unsigned tp = conf[k * c + k], fp = 0, fn = 0;
        for (uint32_t j = 0; j < c; j++)
            if (j != k) fp += conf[j * c + k], fn += conf[k * c + j];
        if (tp + fn == 0) continue; /* class absent from the split */
        present++;
        f1sum += tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
    }
    double ece = 0.0, mean_conf = 0.0;
    for (int b = 0; b < NBIN; b++) {
        if (bin_n[b] == 0) continue;
        double gap = bin_conf[b] / bin_n[b] - bin_ok[b] / bin_n[b];
        ece += bin_n[b] * (gap < 0 ? -gap : gap);
        mean_conf += bin_conf[b];
    }
    printf("%-18s n=%zu accuracy=%.4f macro_f1=%.4f\n", te->model, n, n ? (double)ok / n : 0.0,
           present ? f1sum / present : 0.0);
    printf("    calibration: ECE=%.4f mean confidence=%.4f temperature=%.3f\n",
           n ? ece / (double)n : 0.0, n ? mean_conf / (double)n : 0.0,
           (double)cs_model_temperature(m));
    if (conf) print_confusions(m, conf, c);
    free(conf);
    cs_csv_destroy(csv);
    return 0;
}

/* Presidio type -> detector type, or -1 when out of scope. */
static int map_type(const char *t)
{
    static const char *const map[][2] = {{"PERSON", "PERSON"},
                                         {"EMAIL_ADDRESS", "EMAIL_ADDRESS"},
                                         {"PHONE_NUMBER", "PHONE_NUMBER"},
                                         {"CREDIT_CARD", "CREDIT_CARD"},
                                         {"IBAN_CODE", "IBAN_CODE"},
                                         {"US_SSN", "US_SSN"},
                                         {"IP_ADDRESS", "IP_ADDRESS"},
                                         {"DOMAIN_NAME", "URL"},
                                         {"STREET_ADDRESS", "STREET_ADDRESS"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(t, map[i][0]) == 0) return cs_pii_type_parse(map[i][1]);
    return -1;
}

struct prf {
    unsigned tp, fp, fn;
};

static void prf_print(const char *name, const struct prf *x)
{
    double p = x->tp + x->fp ? (double)x->tp / (x->tp + x->fp) : 0.0;
    double r = x->tp + x->fn ? (double)x->tp / (x->tp + x->fn) : 0.0;
    printf("    %-16s P=%.4f R=%.4f F1=%.4f (tp=%u fp=%u fn=%u)\n", name, p, r,
           p + r > 0 ? 2 * p * r / (p + r) : 0.0, x->tp, x->fp, x->fn);
}

struct gold {
    int type;
    size_t start, end;
    int any; /* out-of-scope type: predictions overlapping it are not counted as errors */
};

/* --errors: print each PII miss and false alarm of the scored split (use with --dev:
 * the held-out records are for the final figures, not for reading). */
static int g_errors;

static void print_span(const char *what, const char *text, size_t b, size_t e, const char *type)
{
    /* character offsets -> bytes for printing */
    size_t bb = 0, be = 0, ch = 0, i = 0;
    for (; text[i]; i++) {
        if (((unsigned char)text[i] & 0xC0u) != 0x80u) {
            if (ch == b) bb = i;
            if (ch == e) break;
            ch++;
        }
    }
    be = i;
    printf("      %s %-14s \"%.*s\"\n", what, type, (int)(be - bb), text + bb);
}

static void score_record(const struct cs_pii_result *r, const struct gold *g, size_t ng,
                         struct prf *exact, struct prf *overlap, struct prf *per_type,
                         struct prf *per_type_ov, const char *text)
{
    int printed = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct cs_pii_span *s = &r->span[i];
        int ex = 0, ov = 0, ignore = 0;
        for (size_t k = 0; k < ng; k++) {
            int hit = s->start < g[k].end && g[k].start < s->end;
            if (g[k].any) {
                ignore |= hit;
                continue;
            }
            if (g[k].type != (int)s->type) continue;
            ex |= s->start == g[k].start && s->end == g[k].end;
            ov |= hit;
        }
        if (!ov && ignore) continue;
        ex ? exact->tp++ : exact->fp++;
        ov ? overlap->tp++ : overlap->fp++;
        ex ? per_type[s->type].tp++ : per_type[s->type].fp++;
        ov ? per_type_ov[s->type].tp++ : per_type_ov[s->type].fp++;
        if (g_errors && !ex) {
            if (!printed++) printf("    | %s\n", text);
            print_span(ov ? "FP~" : "FP ", text, s->start, s->end, cs_pii_type_name(s->type));
        }
    }
    for (size_t k = 0; k < ng; k++) {
        if (g[k].any) continue;
        int ex = 0, ov = 0;
        for (size_t i = 0; i < r->n; i++) {
            const struct cs_pii_span *s = &r->span[i];
            if ((int)s->type != g[k].type) continue;
            ex |= s->start == g[k].start && s->end == g[k].end;
            ov |= s->start < g[k].end && g[k].start < s->end;
        }
        if (!ex) exact->fn++, per_type[g[k].type].fn++;
        if (!ov) overlap->fn++, per_type_ov[g[k].type].fn++;
        if (g_errors && !ex) {
            if (!printed++) printf("    | %s\n", text);
            print_span(ov ? "FN~" : "FN ", text, g[k].start, g[k].end,
                       cs_pii_type_name((enum cs_pii_type)g[k].type));
        }
    }
}

static int eval_pii(const struct cs_models *ms, const char *data)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/presidio_synth_pii/train.jsonl", data);
    FILE *f = fopen(path, "r");
    const struct cs_model *names = cs_models_get(ms, "pii");
    if (!f || !names) {
        printf("pii                skipped (model or %s missing)\n", path);
        if (f) fclose(f);
        return 1;
    }
    struct prf exact = {0}, overlap = {0}, per_type[CS_PII__COUNT], per_type_ov[CS_PII__COUNT];
    memset(per_type, 0, sizeof(per_type));
    memset(per_type_ov, 0, sizeof(per_type_ov));
    char *line = NULL;
    size_t cap = 0, records = 0;
    while (getline(&line, &cap, f) > 0) {
        json_object *o = json_tokener_parse(line), *v = NULL, *spans, *txt;
        if (!o) continue;
        json_object_object_get_ex(o, "masked", &v);
        /* --dev: the training templates, for rule work; the figures are the held-out ones */
        if (cs_presidio_is_heldout(json_object_get_string(v),
                                   (size_t)json_object_get_string_len(v)) == !g_dev &&
            json_object_object_get_ex(o, "spans", &spans) &&
            json_object_object_get_ex(o, "full_text", &txt)) {
            struct gold g[64];
            size_t ng = 0;
            for (size_t i = 0; i < json_object_array_length(spans) && ng < 64; i++) {
                json_object *sp = json_object_array_get_idx(spans, i), *t, *s, *e;
                json_object_object_get_ex(sp, "entity_type", &t);
                json_object_object_get_ex(sp, "start_position", &s);
                json_object_object_get_ex(sp, "end_position", &e);
                int ty = map_type(json_object_get_string(t));
                g[ng++] = (struct gold){ty, (size_t)json_object_get_int(s),
                                        (size_t)json_object_get_int(e), ty < 0};
            }
            struct cs_pii_result r;
            if (cs_pii_detect(names, json_object_get_string(txt),
                              (size_t)json_object_get_string_len(txt), &r) == CS_OK) {
                score_record(&r, g, ng, &exact, &overlap, per_type, per_type_ov,
                             json_object_get_string(txt));
                records++;
            }
        }
        json_object_put(o);
    }
    free(line);
    fclose(f);
    printf("pii                records=%zu (%s templates)\n", records,
           g_dev ? "training" : "held-out");
    prf_print("exact spans", &exact);
    prf_print("overlap spans", &overlap);
    printf("    per type, exact:\n");
    for (int t = 0; t < CS_PII__COUNT; t++)
        if (per_type[t].tp + per_type[t].fp + per_type[t].fn)
            prf_print(cs_pii_type_name((enum cs_pii_type)t), &per_type[t]);
    printf("    per type, overlap (a span of the right type overlapping a gold span counts):\n");
    for (int t = 0; t < CS_PII__COUNT; t++)
        if (per_type_ov[t].tp + per_type_ov[t].fp + per_type_ov[t].fn)
            prf_print(cs_pii_type_name((enum cs_pii_type)t), &per_type_ov[t]);
    return 0;
}

/* Evaluations done so far, on a terminal; each result is printed with the line erased
 * first (the comma sequences the clear before the evaluation). */
static struct cs_progress g_prog;
static int step_done(int r)
{
    cs_progress_add(&g_prog, 1);
    return r;
}
#define STEP(call) (cs_progress_clear(&g_prog), step_done(call))

int main(int argc, char **argv)
{
    const char *dir = "data/models", *data = "data/datasets";
    const char *policy = "data/policy/triage_default.json";
    const char *only = NULL, *pairs = "data/eval/paraphrase_pairs.jsonl";
    const char *triage = "data/triage", *triage_file = NULL, *preds = NULL;
    double weight = CS_RETRIEVAL_RERANK_WEIGHT;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dev") == 0)
            g_dev = 1;
        else if (strcmp(argv[i], "--errors") == 0)
            g_errors = 1;
        else if (i + 1 < argc && strcmp(argv[i], "--models") == 0)
            dir = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--data") == 0)
            data = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--only") == 0)
            only = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--policy") == 0)
            policy = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--pairs") == 0)
            pairs = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--rerank-weight") == 0)
            weight = strtod(argv[++i], NULL);
        else if (i + 1 < argc && strcmp(argv[i], "--triage") == 0)
            triage = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--triage-file") == 0)
            triage_file = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--predictions") == 0)
            preds = argv[++i];
    }
    struct cs_models *ms;
    int rc = cs_models_open(dir, &ms);
    if (rc != CS_OK) {
        fprintf(stderr, "cs-eval: %s: %s\n", dir, cs_error_message(rc));
        return 1;
    }
    int bad = 0;
    cs_progress_start(&g_prog, "cs-eval", "evaluations", 0);
    for (size_t i = 0; i < sizeof(TEXT_EVALS) / sizeof(TEXT_EVALS[0]); i++)
        if (!only || strcmp(only, TEXT_EVALS[i].model) == 0)
            bad |= STEP(eval_text(ms, data, &TEXT_EVALS[i]));
    if (!only || strcmp(only, "routing") == 0) bad |= STEP(eval_routing(ms, data, policy, g_dev));
    /* "--only pii --dev" is the loop for rule work: the training templates, seconds */
    if (!only || strcmp(only, "pii") == 0) bad |= STEP(eval_pii(ms, data));
    if (!only || strcmp(only, "kb") == 0) bad |= STEP(eval_kb(ms, "data/kb", policy, g_errors));
    if (!only || strcmp(only, "pii") == 0 || strcmp(only, "pii-wnut") == 0)
        bad |=
            STEP(eval_pii_wnut(ms, data, g_errors && only && strcmp(only, "pii-wnut") == 0, g_dev));
    if (!only || strcmp(only, "embed") == 0) bad |= STEP(eval_embed(cs_models_embed(ms), pairs));
    if (!only || strcmp(only, "cues") == 0) bad |= STEP(eval_cues(ms, triage, g_dev, g_errors));
    if (!only || strcmp(only, "triage") == 0) {
        char dev_file[4096];
        snprintf(dev_file, sizeof(dev_file), "%s/dev.jsonl", triage);
        bad |= STEP(eval_triage(ms, triage_file ? triage_file : dev_file, policy, preds));
    }
    if (!g_dev && (!only || strcmp(only, "retrieval") == 0))
        bad |= STEP(eval_retrieval(data, cs_models_embed(ms), weight));
    if (only) goto done;
    if (g_dev) goto done;
done:
    cs_progress_clear(&g_prog);
    cs_models_close(ms);
    return bad;
}
