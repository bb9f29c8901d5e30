/* cs-train --task embed, the supervised step: a linear map of the sentence space learned
 * from intent-labelled texts (--label-corpus FILE.csv:TEXT:LABEL), so that requests
 * with the same intent come out close and requests on the same topic with a different
 * intent ("cancel my order" / "track my order") apart.
 *
 * The unsupervised vectors learn topic: what varies between paraphrases of one request
 * is as large as what separates two requests. The map whitens the within-intent
 * covariance Sw of the sentence vectors (within-class covariance normalisation) and
 * weights each direction of the between-intent covariance, whitened, by eigenvalue^p
 * (p = 0: plain whitening; p > 0: towards Fisher's LDA). The map is stored beside the
 * word vectors (cs/embed.h, MAP) rather than folded into them: cs_embed_topic, which
 * passage ranking uses, leaves it out.
 *
 * Tuning pairs (--cv K): the labelled rows whose text hashes to 0 mod K are left out of
 * the fit; each is an anchor with a same-intent row as its paraphrase and, as the
 * other, the different-intent row sharing the most words with it (the hard negative
 * the evaluation's pairs are written to be). Reported before and after the map.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/jsonl_each.h"
#include "cs/csv.h"
#include "cs/embed.h"
#include "cs/model.h"
#include "embed_int.h"

#define PROJ_MAX_LABELS 4096u
#define PROJ_TUNE_ANCHORS 1500u
#define PROJ_MAX_TOKENS 64u

/* ------------------------------------------------------------------ labelled rows */

static int lab_add(struct emb_labelled *L, const char *s, size_t n, const char *label, int src)
{
    if (L->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 4096;
        char **t = realloc(L->text, cap * sizeof(*t));
        uint32_t *l = t ? realloc(L->label, cap * sizeof(*l)) : NULL;
        if (t) L->text = t;
        if (l) L->label = l;
        if (!t || !l) return CS_ERR_NOMEM;
        L->cap = cap;
    }
    /* labels of different files are different classes: "src:label" */
    char key[160];
    snprintf(key, sizeof(key), "%d:%s", src, label);
    uint32_t k = 0;
    while (k < L->n_labels && strcmp(L->labels[k], key) != 0) k++;
    if (k == L->n_labels) {
        if (k == PROJ_MAX_LABELS || !(L->labels[k] = strdup(key))) return CS_ERR_NOMEM;
        L->n_labels++;
    }
    char *d = malloc(n + 1);
    if (!d) return CS_ERR_NOMEM;
    memcpy(d, s, n);
    d[n] = '\0';
    L->text[L->n] = d;
    L->label[L->n++] = k;
    return CS_OK;
}

static int lab_csv(struct emb_labelled *L, const char *path, const char *tcol, const char *lcol,
                   int src)
{
    struct cs_csv *csv;
    if (cs_csv_read_file(path, &csv) != CS_OK) return CS_ERR_IO;
    int t = cs_csv_column(csv, tcol), l = cs_csv_column(csv, lcol);
    int rc = t < 0 || l < 0 ? CS_ERR_INVALID : CS_OK;
    for (size_t r = 0; rc == CS_OK && r < cs_csv_rows(csv); r++) {
        size_t tn, ln;
        const char *ts = cs_csv_cell(csv, r, (size_t)t, &tn),
                   *ls = cs_csv_cell(csv, r, (size_t)l, &ln);
        if (!ts || !ls || !tn || !ln || ln >= 128) continue;
        char lab[128];
        memcpy(lab, ls, ln);
        lab[ln] = '\0';
        rc = lab_add(L, ts, tn, lab, src);
    }
    cs_csv_destroy(csv);
    return rc;
}

struct lab_ctx {
    struct emb_labelled *L;
    const char *tkey, *lkey;
    int src;
};

static int lab_row(json_object *o, void *ud)
{
    const struct lab_ctx *c = ud;
    json_object *t, *l;
    if (json_object_object_get_ex(o, c->tkey, &t) && json_object_object_get_ex(o, c->lkey, &l) &&
        json_object_is_type(t, json_type_string) && json_object_is_type(l, json_type_string))
        return lab_add(c->L, json_object_get_string(t), (size_t)json_object_get_string_len(t),
                       json_object_get_string(l), c->src);
    return CS_OK;
}

static int lab_jsonl(struct emb_labelled *L, const char *path, const char *tkey, const char *lkey,
                     int src)
{
    struct lab_ctx c = {L, tkey, lkey, src};
    return cs_jsonl_each(path, lab_row, &c);
}

int emb_read_labelled(struct emb_labelled *L, const char *spec, int src)
{
    char buf[4096];
    size_t sl = strlen(spec);
    if (sl >= sizeof(buf)) return CS_ERR_INVALID;
    memcpy(buf, spec, sl + 1);
    char *lcol = strrchr(buf, ':');
    if (!lcol) return CS_ERR_INVALID;
    *lcol++ = '\0';
    char *tcol = strrchr(buf, ':');
    if (!tcol || tcol == buf || !*lcol || !tcol[1]) return CS_ERR_INVALID;
    *tcol++ = '\0';
    size_t before = L->n, pl = strlen(buf);
    int rc = pl > 4 && strcmp(buf + pl - 4, ".csv") == 0 ? lab_csv(L, buf, tcol, lcol, src)
                                                         : lab_jsonl(L, buf, tcol, lcol, src);
    fprintf(stderr, "embed: %s: %zu labelled texts\n", spec, L->n - before);
    return rc;
}

void emb_labelled_free(struct emb_labelled *L)
{
    for (size_t i = 0; i < L->n; i++) free(L->text[i]);
    for (uint32_t i = 0; i < L->n_labels; i++) free(L->labels[i]);
    free(L->text), free(L->label), free(L->tune);
    memset(L, 0, sizeof(*L));
}

int emb_mark_tuning(struct emb_labelled *L, uint32_t k)
{
    L->tune = calloc(L->n + 1, 1);
    if (!L->tune) return CS_ERR_NOMEM;
    for (size_t i = 0; k && i < L->n; i++)
        L->tune[i] = cs_model_lexicon_hash(L->text[i], strlen(L->text[i])) % k == 0;
    return CS_OK;
}

/* ------------------------------------------------------------------ the map */

/* Symmetric a[d][d] -> a^(-1/2) in place (eigenvalues floored at `floor`). */
static void inv_sqrt(double *a, uint32_t d, double floor)
{
    double *v = malloc((size_t)d * d * sizeof(double)), *r = calloc((size_t)d * d, sizeof(double));
    if (!v || !r) {
        free(v), free(r);
        return;
    }
    emb_jacobi(a, v, d);
    for (uint32_t k = 0; k < d; k++) {
        double lam = a[(size_t)k * d + k];
        double s = 1.0 / sqrt(lam > floor ? lam : floor);
        for (uint32_t i = 0; i < d; i++)
            for (uint32_t j = 0; j < d; j++)
                r[(size_t)i * d + j] += v[(size_t)i * d + k] * s * v[(size_t)j * d + k];
    }
    memcpy(a, r, (size_t)d * d * sizeof(double));
    free(v), free(r);
}

static void matmul(const double *a, const double *b, double *c, uint32_t d)
{
    for (uint32_t i = 0; i < d; i++)
        for (uint32_t j = 0; j < d; j++) {
            double s = 0;
            for (uint32_t k = 0; k < d; k++) s += a[(size_t)i * d + k] * b[(size_t)k * d + j];
            c[(size_t)i * d + j] = s;
        }
}

/* Within- and between-intent covariances of the fitted rows' sentence vectors. */
static int scatter(const struct cs_embed *e, const struct emb_labelled *L, uint32_t d, double *sw,
                   double *sb)
{
    double *mu = calloc((size_t)L->n_labels * d, sizeof(double)), *all = calloc(d, sizeof(double));
    size_t *cnt = calloc(L->n_labels, sizeof(size_t));
    float *x = malloc((size_t)L->n * d * sizeof(float));
    if (!mu || !all || !cnt || !x) {
        free(mu), free(all), free(cnt), free(x);
        return CS_ERR_NOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < L->n; i++) {
        float *xi = x + i * d;
        if (L->tune[i] || cs_embed_topic(e, L->text[i], strlen(L->text[i]), d, xi) != CS_OK) {
            L->tune[i] |= 2; /* not fitted */
            continue;
        }
        for (uint32_t k = 0; k < d; k++) mu[(size_t)L->label[i] * d + k] += xi[k], all[k] += xi[k];
        cnt[L->label[i]]++, n++;
    }
    for (uint32_t c = 0; c < L->n_labels; c++)
        for (uint32_t k = 0; cnt[c] && k < d; k++) mu[(size_t)c * d + k] /= (double)cnt[c];
    for (uint32_t k = 0; n && k < d; k++) all[k] /= (double)n;
    for (size_t i = 0; i < L->n; i++) {
        if (L->tune[i]) continue;
        const float *xi = x + i * d;
        const double *m = mu + (size_t)L->label[i] * d;
        for (uint32_t a = 0; a < d; a++)
            for (uint32_t b = 0; b < d; b++)
                sw[(size_t)a * d + b] += (xi[a] - m[a]) * (xi[b] - m[b]) / (double)n;
    }
    for (uint32_t c = 0; c < L->n_labels; c++)
        for (uint32_t a = 0; cnt[c] && a < d; a++)
            for (uint32_t b = 0; b < d; b++)
                sb[(size_t)a * d + b] += (double)cnt[c] / (double)n *
                                         (mu[(size_t)c * d + a] - all[a]) *
                                         (mu[(size_t)c * d + b] - all[b]);
    for (size_t i = 0; i < L->n; i++) L->tune[i] &= 1;
    free(mu), free(all), free(cnt), free(x);
    return n > d ? CS_OK : CS_ERR_INVALID;
}

/* Rotates the output of m (cosines unchanged) so that its coordinates come in
 * descending singular value of m (its left singular vectors): a prefix of the coordinates
 * stays the best lower-rank view, as cs_embed_text's truncation expects. */
static int order_rows(double *m, uint32_t d)
{
    size_t dd = (size_t)d * d;
    double *g = calloc(dd, sizeof(double)), *v = malloc(dd * sizeof(double));
    double *r = malloc(dd * sizeof(double));
    uint32_t *ord = malloc(d * sizeof(uint32_t));
    if (!g || !v || !r || !ord) {
        free(g), free(v), free(r), free(ord);
        return CS_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < d; i++)
        for (uint32_t j = 0; j < d; j++) {
            double s = 0;
            for (uint32_t k = 0; k < d; k++) s += m[(size_t)i * d + k] * m[(size_t)j * d + k];
            g[(size_t)i * d + j] = s;
        }
    emb_jacobi(g, v, d);
    for (uint32_t k = 0; k < d; k++) ord[k] = k;
    for (uint32_t a = 1; a < d; a++)
        for (uint32_t b = a;
             b > 0 && g[(size_t)ord[b] * d + ord[b]] > g[(size_t)ord[b - 1] * d + ord[b - 1]];
             b--) {
            uint32_t s = ord[b];
            ord[b] = ord[b - 1], ord[b - 1] = s;
        }
    for (uint32_t r0 = 0; r0 < d; r0++)
        for (uint32_t j = 0; j < d; j++) {
            double s = 0;
            for (uint32_t i = 0; i < d; i++) s += v[(size_t)i * d + ord[r0]] * m[(size_t)i * d + j];
            r[(size_t)r0 * d + j] = s;
        }
    memcpy(m, r, dd * sizeof(double));
    free(g), free(v), free(r), free(ord);
    return CS_OK;
}

int emb_fit_map(const struct cs_embed *e, struct emb_labelled *L, const struct emb_map_opts *o,
                double *m)
{
    uint32_t d = cs_embed_dims(e);
    size_t dd = (size_t)d * d;
    double *sw = calloc(dd, sizeof(double)), *sb = calloc(dd, sizeof(double));
    double *t = calloc(dd, sizeof(double)), *u = calloc(dd, sizeof(double));
    int rc = sw && sb && t && u ? scatter(e, L, d, sw, sb) : CS_ERR_NOMEM;
    if (rc == CS_OK) {
        /* shrink Sw towards its mean variance: directions the labelled texts never
         * vary in (words they lack) must not be blown up */
        double tr = 0;
        for (uint32_t k = 0; k < d; k++) tr += sw[(size_t)k * d + k];
        for (uint32_t k = 0; k < d; k++) sw[(size_t)k * d + k] += o->shrink * tr / d;
        inv_sqrt(sw, d, 1e-12); /* sw = W */
        matmul(sw, sb, t, d);
        matmul(t, sw, sb, d); /* sb = W Sb W */
        emb_jacobi(sb, u, d);
        /* m = diag(lambda^p) U' W */
        for (uint32_t k = 0; k < d; k++) {
            double lam = sb[(size_t)k * d + k];
            double g = pow(lam > 1e-12 ? lam : 1e-12, o->power);
            for (uint32_t j = 0; j < d; j++) {
                double s = 0;
                for (uint32_t i = 0; i < d; i++) s += u[(size_t)i * d + k] * sw[(size_t)i * d + j];
                m[(size_t)k * d + j] = g * s;
            }
        }
        rc = order_rows(m, d);
        fprintf(stderr, "embed: intent map: %u intents, shrink %g, power %g\n", L->n_labels,
                o->shrink, o->power);
    }
    free(sw), free(sb), free(t), free(u);
    return rc;
}

/* ------------------------------------------------------------------ tuning pairs */

struct tok_set {
    uint64_t h[PROJ_MAX_TOKENS];
    unsigned n;
};

static void tok_add(const char *w, size_t n, void *ud)
{
    struct tok_set *s = ud;
    uint64_t h = cs_model_lexicon_hash(w, n);
    for (unsigned i = 0; i < s->n; i++)
        if (s->h[i] == h) return;
    if (s->n < PROJ_MAX_TOKENS) s->h[s->n++] = h;
}

static double jaccard(const struct tok_set *a, const struct tok_set *b)
{
    unsigned common = 0;
    for (unsigned i = 0; i < a->n; i++)
        for (unsigned j = 0; j < b->n; j++) common += a->h[i] == b->h[j];
    unsigned uni = a->n + b->n - common;
    return uni ? (double)common / uni : 0;
}

/* Labels are "file:label": two of the same file? */
static int same_file(const char *a, const char *b)
{
    size_t n = strcspn(a, ":");
    return strncmp(a, b, n + 1) == 0;
}

/* The tuning rows' pairs: pos[i] (same intent), neg[i] (other intent, most words shared). */
static size_t tune_pairs(const struct emb_labelled *L, size_t *anc, size_t *pos, size_t *neg)
{
    size_t nt = 0, na = 0;
    size_t *idx = malloc((L->n + 1) * sizeof(size_t));
    struct tok_set *ts = malloc((L->n + 1) * sizeof(*ts));
    if (!idx || !ts) {
        free(idx), free(ts);
        return 0;
    }
    for (size_t i = 0; i < L->n; i++)
        if (L->tune[i]) {
            ts[nt].n = 0;
            cs_embed_tokens(L->text[i], strlen(L->text[i]), tok_add, &ts[nt]);
            idx[nt++] = i;
        }
    size_t step = nt / PROJ_TUNE_ANCHORS + 1;
    for (size_t a = 0; a < nt && na < PROJ_TUNE_ANCHORS; a += step) {
        size_t p = SIZE_MAX, q = SIZE_MAX;
        double best = -1;
        for (size_t k = 1; k < nt && p == SIZE_MAX; k++) {
            size_t b = (a + k) % nt;
            if (L->label[idx[b]] == L->label[idx[a]]) p = b;
        }
        for (size_t b = 0; b < nt; b++) {
            if (L->label[idx[b]] == L->label[idx[a]] ||
                !same_file(L->labels[L->label[idx[a]]], L->labels[L->label[idx[b]]]))
                continue; /* a different intent of the same file */
            double j = jaccard(&ts[a], &ts[b]);
            if (j > best) best = j, q = b;
        }
        if (p == SIZE_MAX || q == SIZE_MAX) continue;
        anc[na] = idx[a], pos[na] = idx[p], neg[na] = idx[q], na++;
    }
    free(idx), free(ts);
    return na;
}

static float pair_cos(const struct cs_embed *e, const char *a, const char *b, float *va, float *vb)
{
    unsigned d = cs_embed_dims(e);
    if (cs_embed_text(e, a, strlen(a), d, va) || cs_embed_text(e, b, strlen(b), d, vb)) return 0;
    return cs_embed_cosine(va, vb, d);
}

void emb_tune_report(const struct cs_embed *e, const struct emb_labelled *L, const char *tag)
{
    size_t cap = PROJ_TUNE_ANCHORS;
    size_t *anc = malloc(cap * sizeof(size_t)), *pos = malloc(cap * sizeof(size_t)),
           *neg = malloc(cap * sizeof(size_t));
    unsigned d = cs_embed_dims(e);
    float *va = malloc(cap * d * sizeof(float)), *vb = malloc(cap * d * sizeof(float));
    float tmp[CS_EMBED_MAX_DIMS];
    size_t na = anc && pos && neg && va && vb ? tune_pairs(L, anc, pos, neg) : 0;
    double sp = 0, sn = 0;
    size_t ok = 0, hit = 0;
    for (size_t i = 0; i < na; i++) {
        float cp = pair_cos(e, L->text[anc[i]], L->text[pos[i]], va + i * d, vb + i * d);
        float cn = cs_embed_text(e, L->text[neg[i]], strlen(L->text[neg[i]]), d, tmp)
                       ? 0
                       : cs_embed_cosine(va + i * d, tmp, d);
        sp += cp, sn += cn, ok += cp > cn;
    }
    /* retrieval: is the nearest of all anchors' paraphrases one of the same intent? */
    for (size_t i = 0; i < na; i++) {
        size_t best = 0;
        float bc = -2;
        for (size_t j = 0; j < na; j++) {
            float c = cs_embed_cosine(va + i * d, vb + j * d, d);
            if (c > bc) bc = c, best = j;
        }
        hit += L->label[pos[best]] == L->label[anc[i]];
    }
    printf("embed tuning pairs (%s, %zu anchors): paraphrase cos=%.3f other cos=%.3f gap=%.3f "
           "pair-ranking acc=%.4f retrieval acc@1=%.4f\n",
           tag, na, na ? sp / na : 0, na ? sn / na : 0, na ? (sp - sn) / na : 0,
           na ? (double)ok / na : 0, na ? (double)hit / na : 0);
    free(anc), free(pos), free(neg), free(va), free(vb);
}
