/* cs-train --task gate: the domain gate that decides which intent model answers.
 *
 *   cs-train --task gate --domain MODEL=FILE.csv:TEXTCOL[:LABELCOL] ... --name intent-domain
 *            --out FILE.csm [text options] [--cv K [--route-cv MODELS_DIR]]
 *
 * Every row of every FILE is one training text labelled with its MODEL name, so the
 * gate learns "which data set does this text look like". Each intent model is
 * calibrated on its own data only; its confidence on the other set's text is not
 * comparable with the other model's, which is why "most confident model wins" sent
 * banking texts to the support model. The split rules are the project's (validation
 * fnv1a64 % 10 == 0, development % 20 == 1) applied to the texts, so the gate never
 * fits a row that any intent model's validation figures use.
 *
 * --cv K prints the gate's K-fold accuracy. With --route-cv DIR it also measures what
 * matters end to end, on the same folds of the non-validation rows: for every fold it
 * refits each intent model (with the feature settings and trainer options stored in
 * DIR/MODEL.csm) and the gate on the other folds, then routes the held-out fold's
 * texts with and without the gate (cs_intent_route) and counts the rows whose routed
 * model is the gold one and whose intent is the gold intent (needs LABELCOL).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/csv.h"
#include "cs/intent.h"
#include "cs/model.h"
#include "train_int.h"

struct domain {
    char *spec; /* owned copy, split in place */
    const char *name, *file, *text_col, *label_col;
    struct cs_csv *csv;
};

struct gate_job {
    struct domain d[TRAIN_MAX_DOMAIN];
    int n_domain;
    struct text_job j;   /* label = domain index */
    const char **intent; /* gold intent per row (NULL without LABELCOL) */
};

static int cmp_domain(const void *x, const void *y)
{
    return strcmp(((const struct domain *)x)->name, ((const struct domain *)y)->name);
}

static void gate_free(struct gate_job *g)
{
    for (int i = 0; i < g->n_domain; i++) {
        free(g->d[i].spec);
        cs_csv_destroy(g->d[i].csv);
    }
    g->j.csv = NULL; /* the CSVs belong to the domains */
    text_job_free(&g->j);
    free(g->intent);
}

/* "MODEL=FILE:TEXTCOL[:LABELCOL]"; FILE may not contain ':' (paths in this project
 * do not). */
static int parse_domain(const char *spec, struct domain *d)
{
    memset(d, 0, sizeof(*d));
    d->spec = strdup(spec);
    if (!d->spec) return CS_ERR_NOMEM;
    char *eq = strchr(d->spec, '=');
    char *c1 = eq ? strchr(eq + 1, ':') : NULL;
    if (!eq || !c1 || eq == d->spec) {
        fprintf(stderr, "cs-train: --domain wants MODEL=FILE:TEXTCOL[:LABELCOL], got %s\n", spec);
        return CS_ERR_INVALID;
    }
    *eq = '\0';
    *c1 = '\0';
    char *c2 = strchr(c1 + 1, ':');
    if (c2) *c2 = '\0';
    d->name = d->spec;
    d->file = eq + 1;
    d->text_col = c1 + 1;
    d->label_col = c2 ? c2 + 1 : NULL;
    return CS_OK;
}

static int load_domains(const struct train_args *a, struct gate_job *g)
{
    int rc = CS_OK;
    for (int i = 0; rc == CS_OK && i < a->n_domain; i++, g->n_domain++)
        rc = parse_domain(a->domain[i], &g->d[i]);
    if (rc != CS_OK) return rc;
    /* label index = position in name order, like every other model's labels */
    qsort(g->d, (size_t)g->n_domain, sizeof(g->d[0]), cmp_domain);
    for (int i = 1; i < g->n_domain; i++)
        if (strcmp(g->d[i - 1].name, g->d[i].name) == 0) return CS_ERR_INVALID;
    size_t total = 0;
    for (int i = 0; rc == CS_OK && i < g->n_domain; i++) {
        rc = cs_csv_read_file(g->d[i].file, &g->d[i].csv);
        if (rc == CS_OK) total += cs_csv_rows(g->d[i].csv);
    }
    if (rc != CS_OK) return rc;
    struct text_job *j = &g->j;
    j->n_labels = (uint32_t)g->n_domain;
    j->labels = malloc(sizeof(char *) * (size_t)g->n_domain);
    j->text = malloc(sizeof(char *) * (total + 1));
    j->len = malloc(sizeof(size_t) * (total + 1));
    j->label = malloc(sizeof(uint32_t) * (total + 1));
    j->is_val = malloc(total + 1);
    g->intent = calloc(total + 1, sizeof(char *));
    if (!j->labels || !j->text || !j->len || !j->label || !j->is_val || !g->intent)
        return CS_ERR_NOMEM;
    for (int i = 0; i < g->n_domain; i++) {
        const struct domain *d = &g->d[i];
        j->labels[i] = d->name;
        int tc = cs_csv_column(d->csv, d->text_col);
        int lc = d->label_col ? cs_csv_column(d->csv, d->label_col) : -1;
        if (tc < 0 || (d->label_col && lc < 0)) {
            fprintf(stderr, "cs-train: %s: no column %s\n", d->file,
                    tc < 0 ? d->text_col : d->label_col);
            return CS_ERR_INVALID;
        }
        size_t rows = cs_csv_rows(d->csv);
        if (a->max_rows && rows > a->max_rows) rows = a->max_rows;
        for (size_t r = 0; r < rows; r++) {
            size_t k = j->n++;
            j->text[k] = cs_csv_cell(d->csv, r, (size_t)tc, &j->len[k]);
            j->label[k] = (uint32_t)i;
            g->intent[k] = lc >= 0 ? cs_csv_cell(d->csv, r, (size_t)lc, NULL) : NULL;
            j->is_val[k] = a->no_val                                          ? CS_TRAIN_ROW_FIT
                           : cs_textfeat_is_validation(j->text[k], j->len[k]) ? CS_TRAIN_ROW_VAL
                           : cs_textfeat_is_dev(j->text[k], j->len[k])        ? CS_TRAIN_ROW_DEV
                                                                              : CS_TRAIN_ROW_FIT;
        }
    }
    return CS_OK;
}

/* ---- --route-cv ---- */

/* Trainer options as stored in a shipped model's metadata ("trainer" object). */
static void opts_from_meta(const char *meta, struct cs_train_opts *o)
{
    cs_train_opts_init(o);
    json_object *root = json_tokener_parse(meta ? meta : "{}"), *t, *v;
    if (!root) return;
    if (json_object_object_get_ex(root, "trainer", &t)) {
        if (json_object_object_get_ex(t, "epochs", &v))
            o->epochs = (uint32_t)json_object_get_int(v);
        if (json_object_object_get_ex(t, "seed", &v)) o->seed = (uint64_t)json_object_get_int64(v);
        if (json_object_object_get_ex(t, "balanced", &v)) o->balanced = json_object_get_boolean(v);
        if (json_object_object_get_ex(t, "average", &v)) o->average = json_object_get_boolean(v);
        if (json_object_object_get_ex(t, "lr", &v)) o->lr = (float)json_object_get_double(v);
        if (json_object_object_get_ex(t, "l2", &v)) o->l2 = (float)json_object_get_double(v);
        if (json_object_object_get_ex(t, "balance_power", &v))
            o->balance_power = (float)json_object_get_double(v);
    }
    json_object_put(root);
}

/* Encodes a fitted model and opens it from memory: the quantised model that would
 * ship, not the float one. */
static int open_trained(const struct cs_train_model *tm, const char *name, const char **labels,
                        const struct cs_textfeat_cfg *feat, uint8_t **buf, struct cs_model **out)
{
    struct cs_model_spec spec;
    memset(&spec, 0, sizeof(spec));
    cs_train_model_spec(tm, &spec);
    spec.name = name;
    spec.labels = labels;
    spec.feat = *feat;
    size_t size = 0;
    int rc = cs_model_encode(&spec, buf, &size);
    return rc == CS_OK ? cs_model_open_mem(*buf, size, out) : rc;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Fits domain d's intent model on the rows of that domain marked FIT (DEV rows set the
 * temperature, as in the shipped pipeline before its refit). */
static int fit_intent(const struct gate_job *g, int d, const struct cs_model *shipped,
                      uint8_t **buf, struct cs_model **out, const char ***labels_out)
{
    const struct text_job *j = &g->j;
    size_t n = 0;
    for (size_t i = 0; i < j->n; i++) n += j->label[i] == (uint32_t)d;
    const char **lab = malloc(sizeof(char *) * (n + 1));
    const char **text = malloc(sizeof(char *) * (n + 1));
    size_t *len = malloc(sizeof(size_t) * (n + 1));
    uint32_t *y = malloc(sizeof(uint32_t) * (n + 1));
    uint8_t *part = malloc(n + 1);
    int rc = lab && text && len && y && part ? CS_OK : CS_ERR_NOMEM;
    size_t k = 0, nl = 0;
    for (size_t i = 0; rc == CS_OK && i < j->n; i++) {
        if (j->label[i] != (uint32_t)d) continue;
        if (!g->intent[i]) rc = CS_ERR_INVALID; /* --route-cv needs LABELCOL */
        lab[k] = g->intent[i], text[k] = j->text[i], len[k] = j->len[i], part[k] = j->is_val[i];
        k++;
    }
    if (rc == CS_OK) { /* sorted distinct intents, as cs-train --task intent labels them */
        const char **sorted = malloc(sizeof(char *) * (n + 1));
        if (!sorted) rc = CS_ERR_NOMEM;
        for (size_t i = 0; sorted && i < n; i++) sorted[i] = lab[i];
        if (sorted) qsort(sorted, n, sizeof(char *), cmp_str);
        for (size_t i = 0; sorted && i < n; i++)
            if (nl == 0 || strcmp(sorted[nl - 1], sorted[i]) != 0) sorted[nl++] = sorted[i];
        for (size_t i = 0; sorted && i < n; i++) {
            const char *const *hit = bsearch(&lab[i], sorted, nl, sizeof(char *), cmp_str);
            y[i] = (uint32_t)(hit - sorted);
        }
        *labels_out = sorted;
        if (nl < 2 || nl > CS_MODEL_MAX_CLASSES) rc = CS_ERR_INVALID;
    }
    struct cs_train_model tm;
    memset(&tm, 0, sizeof(tm));
    struct cs_train_opts o;
    opts_from_meta(cs_model_metadata(shipped), &o);
    if (rc == CS_OK) {
        struct cs_train_rows rows = {.n = n,
                                     .n_classes = (uint32_t)nl,
                                     .label = y,
                                     .is_val = part,
                                     .text = text,
                                     .len = len};
        rc = cs_train_text(&rows, cs_model_textfeat(shipped), &o, &tm);
    }
    if (rc == CS_OK) {
        /* the temperature decides how confident a model is outside its domain, so it
         * is what the max-confidence rule hinges on: show it next to the shipped one */
        fprintf(stderr, "route-cv: %s temperature %.3f (shipped %.3f)\n", cs_model_name(shipped),
                (double)tm.temperature, (double)cs_model_temperature(shipped));
        rc = open_trained(&tm, cs_model_name(shipped), *labels_out, cs_model_textfeat(shipped), buf,
                          out);
    }
    cs_train_model_clean_up(&tm);
    free(lab);
    free(text);
    free(len);
    free(y);
    free(part);
    return rc;
}

struct route_count {
    size_t n, ok_max, dom_max, ok_gate, dom_gate, ok_joint, dom_joint;
};

/* The alternative to routing by the gate alone: every model runs and the answer
 * maximising P_gate(domain) * confidence(intent | domain) wins (the most probable
 * (domain, intent) pair). Measured here to choose between the two rules. */
static int route_joint(const struct cs_model *gate, struct cs_model *const *models, int n,
                       const char *text, size_t len, int *best_d, uint32_t *best_k)
{
    struct cs_model_pred pg, p;
    int rc = cs_model_predict_text(gate, text, len, cs_models_scratch(), &pg);
    float best = -1.0f;
    for (int d = 0; rc == CS_OK && d < n; d++) {
        rc = cs_model_predict_text(models[d], text, len, cs_models_scratch(), &p);
        float s = pg.prob[d] * p.confidence; /* gate labels are in domain order */
        if (rc == CS_OK && s > best) best = s, *best_d = d, *best_k = p.top;
    }
    return rc;
}

static int route_fold(const struct train_args *a, struct gate_job *g, const uint8_t *test,
                      struct route_count *cnt)
{
    struct text_job *j = &g->j;
    struct cs_model *intent[TRAIN_MAX_DOMAIN] = {0}, *gate = NULL;
    uint8_t *buf[TRAIN_MAX_DOMAIN + 1] = {0};
    const char **labels[TRAIN_MAX_DOMAIN] = {0};
    int rc = CS_OK;
    for (int d = 0; rc == CS_OK && d < g->n_domain; d++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.csm", a->route_cv, g->d[d].name);
        struct cs_model *shipped = NULL;
        rc = cs_model_open(path, &shipped);
        if (rc != CS_OK) fprintf(stderr, "cs-train: --route-cv: cannot open %s\n", path);
        if (rc == CS_OK) rc = fit_intent(g, d, shipped, &buf[d], &intent[d], &labels[d]);
        cs_model_close(shipped);
    }
    struct cs_train_model tm;
    memset(&tm, 0, sizeof(tm));
    if (rc == CS_OK) {
        struct cs_train_rows rows = {.n = j->n,
                                     .n_classes = j->n_labels,
                                     .label = j->label,
                                     .is_val = j->is_val,
                                     .text = j->text,
                                     .len = j->len};
        rc = cs_train_text(&rows, &a->feat, &a->opts, &tm);
    }
    if (rc == CS_OK)
        rc = open_trained(&tm, a->name, j->labels, &a->feat, &buf[TRAIN_MAX_DOMAIN], &gate);
    cs_train_model_clean_up(&tm);
    for (size_t i = 0; rc == CS_OK && i < j->n; i++) {
        if (!test[i]) continue;
        struct cs_intent r0, r1;
        int d = (int)j->label[i];
        rc = cs_intent_route(NULL, (const struct cs_model *const *)intent, (size_t)g->n_domain,
                             j->text[i], j->len[i], &r0);
        if (rc == CS_OK)
            rc = cs_intent_route(gate, (const struct cs_model *const *)intent, (size_t)g->n_domain,
                                 j->text[i], j->len[i], &r1);
        int jd = 0;
        uint32_t jk = 0;
        if (rc == CS_OK)
            rc = route_joint(gate, intent, g->n_domain, j->text[i], j->len[i], &jd, &jk);
        if (rc != CS_OK) break;
        cnt[d].dom_joint += jd == d;
        cnt[d].ok_joint += jd == d && strcmp(cs_model_label(intent[jd], jk), g->intent[i]) == 0;
        int m0 = strcmp(r0.model, g->d[d].name) == 0, m1 = strcmp(r1.model, g->d[d].name) == 0;
        cnt[d].n++;
        cnt[d].dom_max += m0;
        cnt[d].dom_gate += m1;
        cnt[d].ok_max += m0 && strcmp(r0.intent, g->intent[i]) == 0;
        cnt[d].ok_gate += m1 && strcmp(r1.intent, g->intent[i]) == 0;
    }
    cs_model_close(gate);
    for (int d = 0; d < g->n_domain; d++) {
        cs_model_close(intent[d]);
        free(labels[d]);
    }
    for (int d = 0; d <= TRAIN_MAX_DOMAIN; d++) free(buf[d]);
    return rc;
}

/* End-to-end routing accuracy, cross-validated on the non-validation rows. */
static int route_cv(const struct train_args *a, struct gate_job *g)
{
    struct text_job *j = &g->j;
    uint8_t *test = malloc(j->n + 1);
    struct route_count cnt[TRAIN_MAX_DOMAIN];
    memset(cnt, 0, sizeof(cnt));
    int rc = test ? CS_OK : CS_ERR_NOMEM;
    for (uint32_t f = 0; rc == CS_OK && f < a->cv; f++) {
        for (size_t i = 0; i < j->n; i++) {
            int val = cs_textfeat_is_validation(j->text[i], j->len[i]);
            /* same fold rule as --cv (text.c) */
            test[i] = !val && (cs_textfeat_hash64(j->text[i], j->len[i]) >> 16) % a->cv == f;
            j->is_val[i] = val || test[i]                              ? CS_TRAIN_ROW_VAL
                           : cs_textfeat_is_dev(j->text[i], j->len[i]) ? CS_TRAIN_ROW_DEV
                                                                       : CS_TRAIN_ROW_FIT;
        }
        rc = route_fold(a, g, test, cnt);
        fprintf(stderr, "route-cv: fold %u/%u done\n", f + 1, a->cv);
    }
    struct route_count all = {0};
    for (int d = 0; rc == CS_OK && d <= g->n_domain; d++) {
        const struct route_count *c = d < g->n_domain ? &cnt[d] : &all;
        if (d < g->n_domain) {
            all.n += c->n, all.ok_max += c->ok_max, all.dom_max += c->dom_max;
            all.ok_gate += c->ok_gate, all.dom_gate += c->dom_gate;
            all.ok_joint += c->ok_joint, all.dom_joint += c->dom_joint;
        }
        double n = c->n ? (double)c->n : 1.0;
        printf("route cv%u %-18s n=%zu  max-confidence: routed-correct %.4f right-model %.4f"
               "  gate: routed-correct %.4f right-model %.4f"
               "  gate x confidence: routed-correct %.4f right-model %.4f\n",
               a->cv, d < g->n_domain ? g->d[d].name : "overall", c->n, c->ok_max / n,
               c->dom_max / n, c->ok_gate / n, c->dom_gate / n, c->ok_joint / n, c->dom_joint / n);
    }
    free(test);
    return rc;
}

int train_gate_task(const struct train_args *a)
{
    if (a->n_domain < 2 || !a->name) {
        fprintf(stderr, "cs-train: --task gate needs --name and at least two --domain\n");
        return CS_ERR_INVALID;
    }
    if (a->route_cv && !a->cv) {
        fprintf(stderr, "cs-train: --route-cv needs --cv K\n");
        return CS_ERR_INVALID;
    }
    struct gate_job g;
    memset(&g, 0, sizeof(g));
    int rc = load_domains(a, &g);
    if (rc == CS_OK && a->cv) {
        rc = text_cross_validate(a, &g.j);
        if (rc == CS_OK && a->route_cv) rc = route_cv(a, &g);
    } else if (rc == CS_OK) {
        rc = text_fit_write(a, &g.j);
    }
    gate_free(&g);
    return rc;
}
