/* cs-train --task embed: word vectors by PPMI + truncated eigendecomposition, written
 * as an embedding file (cs/embed.h).
 *
 *   cs-train --task embed --corpus FILE.csv:COLUMN --corpus FILE.jsonl:FIELD ... \
 *            [--dims 128] --out data/models/embed.cse
 *
 * Steps: count words (cs_embed_tokens, the runtime's own tokenizer); keep words seen
 * EMB_MIN_COUNT+ times, the EMB_MAX_WORDS most frequent; count co-occurrences within
 * EMB_WINDOW words either side, weighted 1/distance; positive PMI with the context
 * distribution raised to 0.75 (Levy, Goldberg, Dagan 2015), symmetrised; the top `dims`
 * eigenpairs by randomized subspace iteration (Halko, Martinsson, Tropp 2011) with a
 * Jacobi eigensolver for the small projected matrix; word vector = eigenvector *
 * sqrt(eigenvalue), L2-normalised. Then SIF weights, the corpus' common direction
 * (first singular vector of its sentence vectors) and the character n-gram buckets.
 *
 * The eigensolvers are written here rather than taken from LAPACK: the large matrix is
 * sparse (a few million non-zeros), which LAPACK's dense routines cannot use, and the
 * projected one is 144 x 144, where cyclic Jacobi is thirty lines and exact enough.
 * Deterministic: a fixed-seed splitmix64 start and a single thread.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/jsonl_each.h"
#include "cs/csv.h"
#include "cs/embed.h"
#include "cs/embed_write.h"
#include "cs/model.h"
#include "embed_int.h"
#include "train_int.h"

#ifndef EMB_MIN_COUNT
#define EMB_MIN_COUNT 3u
#endif
#define EMB_MAX_WORDS 30000u
#ifndef EMB_WINDOW
#define EMB_WINDOW 5
#endif
#define EMB_OVERSAMPLE 16u
#define EMB_ITERS 6
#ifndef EMB_SIF_A
#define EMB_SIF_A 1e-3f
#endif
#define EMB_BUCKETS (1u << 13)
#define EMB_PC_SENTENCES 40000u
#ifndef EMB_EIG_POWER
#define EMB_EIG_POWER 0.5
#endif

/* ------------------------------------------------------------------ corpus */

struct corpus {
    char **text;
    size_t n, cap;
};

static int corpus_add(struct corpus *c, const char *s, size_t n)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        char **t = realloc(c->text, cap * sizeof(*t));
        if (!t) return CS_ERR_NOMEM;
        c->text = t, c->cap = cap;
    }
    char *d = malloc(n + 1);
    if (!d) return CS_ERR_NOMEM;
    memcpy(d, s, n);
    d[n] = '\0';
    c->text[c->n++] = d;
    return CS_OK;
}

static int read_csv_col(struct corpus *c, const char *path, const char *col)
{
    struct cs_csv *csv;
    if (cs_csv_read_file(path, &csv) != CS_OK) return CS_ERR_IO;
    int k = cs_csv_column(csv, col), rc = k < 0 ? CS_ERR_INVALID : CS_OK;
    for (size_t r = 0; rc == CS_OK && r < cs_csv_rows(csv); r++) {
        size_t len;
        const char *t = cs_csv_cell(csv, r, (size_t)k, &len);
        if (t && len) rc = corpus_add(c, t, len);
    }
    cs_csv_destroy(csv);
    return rc;
}

struct field_ctx {
    struct corpus *c;
    const char *field;
};

/* The field's text, or each text of an array of them. */
static int field_row(json_object *o, void *ud)
{
    const struct field_ctx *fc = ud;
    json_object *v;
    if (!json_object_object_get_ex(o, fc->field, &v)) return CS_OK;
    if (json_object_is_type(v, json_type_string))
        return corpus_add(fc->c, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    int rc = CS_OK;
    for (size_t i = 0;
         json_object_is_type(v, json_type_array) && rc == CS_OK && i < json_object_array_length(v);
         i++) {
        json_object *s = json_object_array_get_idx(v, i);
        if (json_object_is_type(s, json_type_string))
            rc =
                corpus_add(fc->c, json_object_get_string(s), (size_t)json_object_get_string_len(s));
    }
    return rc;
}

static int read_jsonl_field(struct corpus *c, const char *path, const char *field)
{
    struct field_ctx fc = {c, field};
    return cs_jsonl_each(path, field_row, &fc);
}

/* "FILE.csv:COLUMN" or "FILE.jsonl:FIELD" */
static int read_corpus(struct corpus *c, const char *spec)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || !colon[1]) return CS_ERR_INVALID;
    char path[4096];
    size_t pl = (size_t)(colon - spec);
    if (pl >= sizeof(path)) return CS_ERR_INVALID;
    memcpy(path, spec, pl);
    path[pl] = '\0';
    size_t before = c->n;
    int rc = pl > 4 && strcmp(path + pl - 4, ".csv") == 0 ? read_csv_col(c, path, colon + 1)
                                                          : read_jsonl_field(c, path, colon + 1);
    fprintf(stderr, "embed: %s: %zu texts\n", spec, c->n - before);
    return rc;
}

/* ------------------------------------------------------------------ vocabulary */

#define VOCAB_SLOTS (1u << 21)

struct vocab_slot {
    uint64_t h;
    uint32_t count;
    int32_t id; /* index into the kept vocabulary, -1 when dropped */
    char word[CS_EMBED_MAX_WORD + 1];
};

struct vocab {
    struct vocab_slot *slot;
    size_t used;
    uint64_t total;
};

static struct vocab_slot *vocab_find(struct vocab *v, const char *w, size_t n, int insert)
{
    uint64_t h = cs_model_lexicon_hash(w, n);
    for (uint32_t s = (uint32_t)h & (VOCAB_SLOTS - 1);; s = (s + 1) & (VOCAB_SLOTS - 1)) {
        struct vocab_slot *x = &v->slot[s];
        if (x->h == h && x->count) return x;
        if (!x->count) {
            if (!insert || v->used + 1 >= VOCAB_SLOTS / 2) return NULL;
            x->h = h, x->id = -1, memcpy(x->word, w, n), x->word[n] = '\0';
            v->used++;
            return x;
        }
    }
}

static void count_word(const char *w, size_t n, void *ud)
{
    struct vocab *v = ud;
    struct vocab_slot *x = vocab_find(v, w, n, 1);
    if (x) x->count++;
    v->total++;
}

static int cmp_count_desc(const void *a, const void *b)
{
    const struct vocab_slot *x = *(const struct vocab_slot *const *)a,
                            *y = *(const struct vocab_slot *const *)b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return x->h < y->h ? -1 : x->h > y->h;
}

static int cmp_hash(const void *a, const void *b)
{
    const struct vocab_slot *x = *(const struct vocab_slot *const *)a,
                            *y = *(const struct vocab_slot *const *)b;
    return x->h < y->h ? -1 : x->h > y->h;
}

/* Keeps the frequent words; ids follow hash order (the file's order). */
static struct vocab_slot **vocab_keep(struct vocab *v, uint32_t *nw)
{
    struct vocab_slot **all = malloc(v->used * sizeof(*all));
    if (!all) return NULL;
    size_t n = 0;
    for (uint32_t s = 0; s < VOCAB_SLOTS; s++)
        if (v->slot[s].count >= EMB_MIN_COUNT) all[n++] = &v->slot[s];
    qsort(all, n, sizeof(*all), cmp_count_desc);
    if (n > EMB_MAX_WORDS) n = EMB_MAX_WORDS;
    qsort(all, n, sizeof(*all), cmp_hash);
    for (size_t i = 0; i < n; i++) all[i]->id = (int32_t)i;
    *nw = (uint32_t)n;
    return all;
}

/* ------------------------------------------------------------------ co-occurrence */

#define PAIR_SLOTS (1u << 24)

struct pairs {
    uint64_t *key; /* (i << 32 | j) + 1, i <= j; 0 = empty */
    float *val;
    size_t used;
};

static void pair_add(struct pairs *p, uint32_t i, uint32_t j, float w)
{
    if (i > j) {
        uint32_t t = i;
        i = j, j = t;
    }
    uint64_t k = (((uint64_t)i << 32) | j) + 1;
    uint64_t h = k * 0x9e3779b97f4a7c15ull;
    for (uint32_t s = (uint32_t)(h >> 40) & (PAIR_SLOTS - 1);; s = (s + 1) & (PAIR_SLOTS - 1)) {
        if (p->key[s] == k) {
            p->val[s] += w;
            return;
        }
        if (!p->key[s]) {
            if (p->used + 1 >= PAIR_SLOTS * 3 / 4) return; /* full: drop (never at these sizes) */
            p->key[s] = k, p->val[s] = w, p->used++;
            return;
        }
    }
}

struct sent_ids {
    struct vocab *v;
    int32_t *id;
    size_t n, cap;
};

static void collect_id(const char *w, size_t n, void *ud)
{
    struct sent_ids *s = ud;
    struct vocab_slot *x = vocab_find(s->v, w, n, 0);
    if (s->n < s->cap) s->id[s->n++] = x ? x->id : -1;
}

static void cooccur(struct pairs *p, const int32_t *id, size_t n)
{
    for (size_t a = 0; a < n; a++) {
        if (id[a] < 0) continue;
        for (size_t d = 1; d <= EMB_WINDOW && a + d < n; d++)
            if (id[a + d] >= 0) pair_add(p, (uint32_t)id[a], (uint32_t)id[a + d], 1.0f / (float)d);
    }
}

/* ------------------------------------------------------------------ sparse PPMI */

struct csr {
    uint32_t n;
    size_t *row; /* n + 1 */
    uint32_t *col;
    float *val;
};

static int build_ppmi(const struct pairs *p, uint32_t n, struct csr *m)
{
    double *rs = calloc(n, sizeof(double));
    size_t *deg = calloc(n + 1, sizeof(size_t));
    if (!rs || !deg) return free(rs), free(deg), CS_ERR_NOMEM;
    double total = 0, ctx = 0;
    for (size_t s = 0; s < PAIR_SLOTS; s++) {
        if (!p->key[s]) continue;
        uint32_t i = (uint32_t)((p->key[s] - 1) >> 32), j = (uint32_t)(p->key[s] - 1);
        rs[i] += p->val[s];
        if (i != j) rs[j] += p->val[s];
    }
    for (uint32_t i = 0; i < n; i++) total += rs[i], ctx += pow(rs[i], 0.75);
    /* first pass: positive entries per row */
    m->n = n;
    m->row = calloc(n + 1, sizeof(size_t));
    if (!m->row) return free(rs), free(deg), CS_ERR_NOMEM;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t s = 0; s < PAIR_SLOTS; s++) {
            if (!p->key[s]) continue;
            uint32_t i = (uint32_t)((p->key[s] - 1) >> 32), j = (uint32_t)(p->key[s] - 1);
            double c = p->val[s];
            /* PMI with the smoothed context distribution, both directions, averaged */
            double pij = log(c * ctx / (rs[i] * pow(rs[j], 0.75))),
                   pji = log(c * ctx / (rs[j] * pow(rs[i], 0.75)));
            float v = (float)(0.5 * (pij + pji));
            if (!(v > 0.0f)) continue;
            if (pass == 0) {
                m->row[i + 1]++;
                if (i != j) m->row[j + 1]++;
            } else {
                m->col[deg[i]] = j, m->val[deg[i]++] = v;
                if (i != j) m->col[deg[j]] = i, m->val[deg[j]++] = v;
            }
        }
        if (pass == 0) {
            for (uint32_t i = 0; i < n; i++) m->row[i + 1] += m->row[i];
            m->col = malloc(m->row[n] * sizeof(uint32_t) + 1);
            m->val = malloc(m->row[n] * sizeof(float) + 1);
            if (!m->col || !m->val) return free(rs), free(deg), CS_ERR_NOMEM;
            for (uint32_t i = 0; i < n; i++) deg[i] = m->row[i];
        }
    }
    fprintf(stderr, "embed: PPMI %u x %u, %zu non-zeros (%.0f weighted pairs)\n", n, n, m->row[n],
            total);
    free(rs);
    free(deg);
    return CS_OK;
}

/* Y[n][L] = M X[n][L] */
static void csr_mul(const struct csr *m, const double *x, double *y, uint32_t L)
{
    for (uint32_t i = 0; i < m->n; i++) {
        double *yi = y + (size_t)i * L;
        memset(yi, 0, L * sizeof(double));
        for (size_t k = m->row[i]; k < m->row[i + 1]; k++) {
            const double *xj = x + (size_t)m->col[k] * L;
            double v = m->val[k];
            for (uint32_t c = 0; c < L; c++) yi[c] += v * xj[c];
        }
    }
}

/* Orthonormalises the L columns of Q[n][L] (modified Gram-Schmidt, twice). */
static void orthonormalise(double *q, uint32_t n, uint32_t L)
{
    for (int rep = 0; rep < 2; rep++)
        for (uint32_t c = 0; c < L; c++) {
            for (uint32_t p = 0; p < c; p++) {
                double d = 0;
                for (uint32_t i = 0; i < n; i++) d += q[(size_t)i * L + c] * q[(size_t)i * L + p];
                for (uint32_t i = 0; i < n; i++) q[(size_t)i * L + c] -= d * q[(size_t)i * L + p];
            }
            double norm = 0;
            for (uint32_t i = 0; i < n; i++) norm += q[(size_t)i * L + c] * q[(size_t)i * L + c];
            norm = norm > 0 ? 1.0 / sqrt(norm) : 0.0;
            for (uint32_t i = 0; i < n; i++) q[(size_t)i * L + c] *= norm;
        }
}

/* Cyclic Jacobi on the symmetric a[L][L]: eigenvalues on the diagonal, eigenvectors in
 * the columns of v. */
void emb_jacobi(double *a, double *v, uint32_t L)
{
    for (uint32_t i = 0; i < L; i++)
        for (uint32_t j = 0; j < L; j++) v[i * L + j] = i == j;
    for (int sweep = 0; sweep < 60; sweep++) {
        double off = 0;
        for (uint32_t i = 0; i < L; i++)
            for (uint32_t j = i + 1; j < L; j++) off += a[i * L + j] * a[i * L + j];
        if (off < 1e-22) break;
        for (uint32_t p = 0; p < L; p++)
            for (uint32_t q = p + 1; q < L; q++) {
                double apq = a[p * L + q];
                if (fabs(apq) < 1e-300) continue;
                double theta = (a[q * L + q] - a[p * L + p]) / (2 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (uint32_t k = 0; k < L; k++) {
                    double akp = a[k * L + p], akq = a[k * L + q];
                    a[k * L + p] = c * akp - s * akq, a[k * L + q] = s * akp + c * akq;
                }
                for (uint32_t k = 0; k < L; k++) {
                    double apk = a[p * L + k], aqk = a[q * L + k];
                    a[p * L + k] = c * apk - s * aqk, a[q * L + k] = s * apk + c * aqk;
                }
                for (uint32_t k = 0; k < L; k++) {
                    double vkp = v[k * L + p], vkq = v[k * L + q];
                    v[k * L + p] = c * vkp - s * vkq, v[k * L + q] = s * vkp + c * vkq;
                }
            }
    }
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Top `dims` eigenpairs of m; vec[n][dims] = eigenvector * sqrt(max(eigenvalue, 0)). */
static int top_eigen(const struct csr *m, uint32_t dims, float *vec)
{
    uint32_t n = m->n, L = dims + EMB_OVERSAMPLE;
    double *q = malloc((size_t)n * L * sizeof(double)), *y = malloc((size_t)n * L * sizeof(double));
    double *t = calloc((size_t)L * L, sizeof(double)), *w = malloc((size_t)L * L * sizeof(double));
    if (!q || !y || !t || !w) return free(q), free(y), free(t), free(w), CS_ERR_NOMEM;
    uint64_t seed = 42;
    for (size_t i = 0; i < (size_t)n * L; i++)
        q[i] = (double)(splitmix(&seed) >> 11) / 9007199254740992.0 - 0.5;
    orthonormalise(q, n, L);
    for (int it = 0; it < EMB_ITERS; it++) {
        csr_mul(m, q, y, L);
        memcpy(q, y, (size_t)n * L * sizeof(double));
        orthonormalise(q, n, L);
    }
    csr_mul(m, q, y, L); /* T = Q' M Q */
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t a = 0; a < L; a++)
            for (uint32_t b = 0; b < L; b++)
                t[a * L + b] += q[(size_t)i * L + a] * y[(size_t)i * L + b];
    for (uint32_t a = 0; a < L; a++)
        for (uint32_t b = a + 1; b < L; b++)
            t[a * L + b] = t[b * L + a] = 0.5 * (t[a * L + b] + t[b * L + a]);
    emb_jacobi(t, w, L);
    /* order eigenvalues, largest first */
    uint32_t order[1024 + EMB_OVERSAMPLE];
    for (uint32_t a = 0; a < L; a++) order[a] = a;
    for (uint32_t a = 1; a < L; a++)
        for (uint32_t b = a;
             b > 0 && t[order[b] * L + order[b]] > t[order[b - 1] * L + order[b - 1]]; b--) {
            uint32_t x = order[b];
            order[b] = order[b - 1], order[b - 1] = x;
        }
    fprintf(stderr, "embed: eigenvalues %.3f %.3f ... %.3f\n", t[order[0] * L + order[0]],
            t[order[1] * L + order[1]], t[order[dims - 1] * L + order[dims - 1]]);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t d = 0; d < dims; d++) {
            uint32_t c = order[d];
            double lam = t[c * L + c], s = 0;
            for (uint32_t a = 0; a < L; a++) s += q[(size_t)i * L + a] * w[a * L + c];
            vec[(size_t)i * dims + d] = (float)(s * pow(lam > 0 ? lam : 0, EMB_EIG_POWER));
        }
    free(q), free(y), free(t), free(w);
    return CS_OK;
}

/* ------------------------------------------------------------------ the rest */

static void unit_rows(float *v, size_t rows, uint32_t dims)
{
    for (size_t i = 0; i < rows; i++) {
        double s = 0;
        for (uint32_t d = 0; d < dims; d++) s += (double)v[i * dims + d] * v[i * dims + d];
        float inv = s > 0 ? (float)(1 / sqrt(s)) : 0.0f;
        for (uint32_t d = 0; d < dims; d++) v[i * dims + d] *= inv;
    }
}

/* int8 per row with scale max|v| / 127 */
static void quantise(const float *v, size_t rows, uint32_t dims, int8_t *q, float *scale)
{
    for (size_t i = 0; i < rows; i++) {
        float mx = 0;
        for (uint32_t d = 0; d < dims; d++) mx = fmaxf(mx, fabsf(v[i * dims + d]));
        scale[i] = mx / 127.0f;
        for (uint32_t d = 0; d < dims; d++)
            q[i * dims + d] = (int8_t)(mx > 0 ? lrintf(v[i * dims + d] / scale[i]) : 0);
    }
}

struct bucket_ctx {
    float *sum;
    uint32_t *n;
    const float *wv;
    uint32_t dims;
};

static void on_bucket(uint64_t h, void *ud)
{
    struct bucket_ctx *b = ud;
    uint32_t k = (uint32_t)(h & (EMB_BUCKETS - 1));
    for (uint32_t d = 0; d < b->dims; d++) b->sum[(size_t)k * b->dims + d] += b->wv[d];
    b->n[k]++;
}

/* Common direction: the first right singular vector of the SIF sentence vectors. */
static void common_direction(const float *sv, size_t ns, uint32_t dims, float *pc)
{
    double v[CS_EMBED_MAX_DIMS], nv[CS_EMBED_MAX_DIMS];
    for (uint32_t d = 0; d < dims; d++) v[d] = 1.0 / sqrt((double)dims);
    for (int it = 0; it < 50; it++) {
        memset(nv, 0, sizeof(nv));
        for (size_t s = 0; s < ns; s++) {
            double p = 0;
            for (uint32_t d = 0; d < dims; d++) p += sv[s * dims + d] * v[d];
            for (uint32_t d = 0; d < dims; d++) nv[d] += p * sv[s * dims + d];
        }
        double norm = 0;
        for (uint32_t d = 0; d < dims; d++) norm += nv[d] * nv[d];
        norm = norm > 0 ? 1 / sqrt(norm) : 0;
        for (uint32_t d = 0; d < dims; d++) v[d] = nv[d] * norm;
    }
    for (uint32_t d = 0; d < dims; d++) pc[d] = (float)v[d];
}

static char *embed_metadata(const struct train_args *a, uint32_t dims, uint32_t nw, uint64_t total,
                            size_t texts)
{
    json_object *o = json_object_new_object();
    char name[64];
    /* v2: the intent map (embed_proj.c) */
    snprintf(name, sizeof(name),
             a->n_label_corpus ? "builtin-ppmi-svd-intent-%u-v2" : "builtin-ppmi-svd-%u-v1", dims);
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "task", json_object_new_string("embed"));
    json_object_object_add(
        o, "source", json_object_new_string(a->source ? a->source : "see data/models/README.md"));
    json_object_object_add(
        o, "licence",
        json_object_new_string(a->licence ? a->licence : "see data/models/README.md"));
    json_object *c = json_object_new_array();
    for (int i = 0; i < a->n_corpus; i++)
        json_object_array_add(c, json_object_new_string(a->corpus[i]));
    json_object_object_add(o, "corpora", c);
    json_object_object_add(o, "texts", json_object_new_int64((int64_t)texts));
    json_object_object_add(o, "tokens", json_object_new_int64((int64_t)total));
    json_object_object_add(o, "vocabulary", json_object_new_int64(nw));
    char opt[200];
    snprintf(opt, sizeof(opt),
             "min count %u, max words %u, window %d (1/d), PPMI cds 0.75, %u dims, "
             "subspace iters %d, SIF a %g, n-gram buckets %u",
             EMB_MIN_COUNT, EMB_MAX_WORDS, EMB_WINDOW, dims, EMB_ITERS, (double)EMB_SIF_A,
             EMB_BUCKETS);
    json_object_object_add(o, "options", json_object_new_string(opt));
    if (a->n_label_corpus) {
        json_object *l = json_object_new_array();
        for (int i = 0; i < a->n_label_corpus; i++)
            json_object_array_add(l, json_object_new_string(a->label_corpus[i]));
        json_object_object_add(o, "intent_map_corpora", l);
        snprintf(opt, sizeof(opt), "within-intent whitening (shrink %g), between-intent power %g",
                 (double)a->map_shrink, (double)a->map_power);
        json_object_object_add(o, "intent_map", json_object_new_string(opt));
    }
    char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return s;
}

struct sif_ctx {
    struct vocab *v;
    const float *wv, *wt;
    uint32_t dims;
    float *out;
    int any;
};

static void sif_word(const char *w, size_t n, void *ud)
{
    struct sif_ctx *s = ud;
    struct vocab_slot *x = vocab_find(s->v, w, n, 0);
    if (!x || x->id < 0) return;
    for (uint32_t d = 0; d < s->dims; d++)
        s->out[d] += s->wt[x->id] * s->wv[(size_t)x->id * s->dims + d];
    s->any = 1;
}

/* The model's tables as written; the supervised step rewrites vec, bvec and pc. */
struct emb_tables {
    char *meta;
    uint32_t dims, nw;
    uint64_t total;
    uint64_t *hash;
    float *wt, *scale, *pc, *bscale;
    int8_t *q, *bq;
    float *map; /* NULL: none */
};

/* The corpus' common direction under the word vectors wv (a spread of its sentences). */
static int emb_pc(const struct corpus *c, struct vocab *v, const float *wv,
                  const struct emb_tables *t, float *pc)
{
    float *sv = calloc((size_t)EMB_PC_SENTENCES * t->dims, 4);
    if (!sv) return CS_ERR_NOMEM;
    size_t ns = 0, step = c->n / EMB_PC_SENTENCES + 1;
    for (size_t i = 0; i < c->n && ns < EMB_PC_SENTENCES; i += step) {
        struct sif_ctx s = {v, wv, t->wt, t->dims, sv + ns * t->dims, 0};
        cs_embed_tokens(c->text[i], strlen(c->text[i]), sif_word, &s);
        ns += s.any;
    }
    common_direction(sv, ns, t->dims, pc);
    free(sv);
    return CS_OK;
}

static int emb_encode_open(const struct emb_tables *t, uint8_t **buf, struct cs_embed **e)
{
    struct cs_embed_spec sp = {t->meta, t->dims,  t->nw, EMB_BUCKETS, EMB_SIF_A, t->total, t->hash,
                               t->wt,   t->scale, t->pc, t->bscale,   t->q,      t->bq,    t->map};
    size_t size;
    int rc = cs_embed_encode(&sp, buf, &size);
    if (rc == CS_OK) rc = cs_embed_open_mem(*buf, size, e);
    return rc;
}

/* --label-corpus: fit the intent map on the topic vectors of the model so far
 * (embed_proj.c) and store it in t->map. With --cv K, prints the tuning pairs' figures
 * before and after. */
static int emb_supervise(const struct train_args *a, struct emb_tables *t)
{
    struct emb_labelled L;
    memset(&L, 0, sizeof(L));
    int rc = CS_OK;
    for (int i = 0; rc == CS_OK && i < a->n_label_corpus; i++)
        rc = emb_read_labelled(&L, a->label_corpus[i], i);
    if (rc == CS_OK) rc = emb_mark_tuning(&L, a->cv);
    uint8_t *buf = NULL;
    struct cs_embed *e = NULL;
    double *m = calloc((size_t)t->dims * t->dims, sizeof(double));
    if (rc == CS_OK && !m) rc = CS_ERR_NOMEM;
    if (rc == CS_OK) rc = emb_encode_open(t, &buf, &e); /* no map yet: topic vectors */
    if (rc == CS_OK && a->cv) emb_tune_report(e, &L, "topic vectors");
    struct emb_map_opts o = {a->map_shrink, a->map_power};
    if (rc == CS_OK) rc = emb_fit_map(e, &L, &o, m);
    cs_embed_close(e), free(buf), e = NULL, buf = NULL;
    if (rc == CS_OK && !(t->map = malloc((size_t)t->dims * t->dims * sizeof(float))))
        rc = CS_ERR_NOMEM;
    for (size_t i = 0; rc == CS_OK && i < t->dims; i++) /* stored transposed (cs/embed.h) */
        for (size_t k = 0; k < t->dims; k++) t->map[k * t->dims + i] = (float)m[i * t->dims + k];
    if (rc == CS_OK && a->cv) {
        rc = emb_encode_open(t, &buf, &e);
        if (rc == CS_OK) emb_tune_report(e, &L, "with the intent map");
        cs_embed_close(e), free(buf);
    }
    free(m);
    emb_labelled_free(&L);
    return rc;
}

int train_embed_task(const struct train_args *a)
{
    uint32_t dims = a->dims ? a->dims : 128;
    if (a->n_corpus == 0 || !a->out || dims > 1024) return CS_ERR_INVALID;
    struct corpus c = {0};
    int rc = CS_OK;
    for (int i = 0; rc == CS_OK && i < a->n_corpus; i++) rc = read_corpus(&c, a->corpus[i]);
    struct vocab v = {calloc(VOCAB_SLOTS, sizeof(struct vocab_slot)), 0, 0};
    if (rc == CS_OK && !v.slot) rc = CS_ERR_NOMEM;
    for (size_t i = 0; rc == CS_OK && i < c.n; i++)
        cs_embed_tokens(c.text[i], strlen(c.text[i]), count_word, &v);
    uint32_t nw = 0;
    struct vocab_slot **kept = rc == CS_OK ? vocab_keep(&v, &nw) : NULL;
    if (rc == CS_OK && !kept) rc = CS_ERR_NOMEM;
    fprintf(stderr, "embed: %zu texts, %llu tokens, %zu distinct, %u kept\n", c.n,
            (unsigned long long)v.total, v.used, nw);
    struct pairs p = {calloc(PAIR_SLOTS, sizeof(uint64_t)), calloc(PAIR_SLOTS, sizeof(float)), 0};
    struct sent_ids si = {&v, malloc(1u << 20 << 2), 0, 1u << 20};
    if (rc == CS_OK && (!p.key || !p.val || !si.id)) rc = CS_ERR_NOMEM;
    for (size_t i = 0; rc == CS_OK && i < c.n; i++) {
        si.n = 0;
        cs_embed_tokens(c.text[i], strlen(c.text[i]), collect_id, &si);
        cooccur(&p, si.id, si.n);
    }
    struct csr m = {0};
    if (rc == CS_OK) rc = build_ppmi(&p, nw, &m);
    free(p.key), free(p.val), free(si.id);
    float *wv = rc == CS_OK ? malloc((size_t)nw * dims * sizeof(float)) : NULL;
    if (rc == CS_OK && !wv) rc = CS_ERR_NOMEM;
    if (rc == CS_OK) rc = top_eigen(&m, dims, wv);
    free(m.row), free(m.col), free(m.val);
    /* per-word tables in hash order */
    struct emb_tables t = {NULL,
                           dims,
                           nw,
                           v.total,
                           calloc(nw + 1, 8),
                           calloc(nw + 1, 4),
                           calloc(nw + 1, 4),
                           calloc(dims, 4),
                           calloc(EMB_BUCKETS, 4),
                           calloc((size_t)nw * dims + 1, 1),
                           calloc((size_t)EMB_BUCKETS * dims, 1),
                           NULL};
    float *bsum = calloc((size_t)EMB_BUCKETS * dims, 4);
    uint32_t *bn = calloc(EMB_BUCKETS, 4);
    if (rc == CS_OK &&
        (!t.hash || !t.wt || !t.scale || !t.pc || !bsum || !t.bscale || !bn || !t.q || !t.bq))
        rc = CS_ERR_NOMEM;
    if (rc == CS_OK) {
        unit_rows(wv, nw, dims);
        for (uint32_t i = 0; i < nw; i++) {
            t.hash[i] = kept[i]->h;
            t.wt[i] = EMB_SIF_A / (EMB_SIF_A + (float)kept[i]->count / (float)v.total);
            struct bucket_ctx b = {bsum, bn, wv + (size_t)i * dims, dims};
            cs_embed_ngrams(kept[i]->word, strlen(kept[i]->word), on_bucket, &b);
        }
        for (uint32_t k = 0; k < EMB_BUCKETS; k++)
            if (bn[k])
                for (uint32_t d = 0; d < dims; d++) bsum[(size_t)k * dims + d] /= (float)bn[k];
#ifndef EMB_NO_PC
        rc = emb_pc(&c, &v, wv, &t, t.pc);
#endif
        quantise(wv, nw, dims, t.q, t.scale);
        quantise(bsum, EMB_BUCKETS, dims, t.bq, t.bscale);
    }
    t.meta = rc == CS_OK ? embed_metadata(a, dims, nw, v.total, c.n) : NULL;
    if (rc == CS_OK && !t.meta) rc = CS_ERR_NOMEM;
    if (rc == CS_OK && a->n_label_corpus) rc = emb_supervise(a, &t);
    if (rc == CS_OK && !a->cv) {
        struct cs_embed_spec sp = {t.meta, dims,    nw,   EMB_BUCKETS, EMB_SIF_A, v.total, t.hash,
                                   t.wt,   t.scale, t.pc, t.bscale,    t.q,       t.bq,    t.map};
        rc = cs_embed_write(&sp, a->out);
    }
    free(t.meta), free(t.hash), free(t.wt), free(t.scale), free(t.pc), free(bsum), free(t.bscale),
        free(t.map), free(bn), free(t.q), free(t.bq), free(wv), free(kept), free(v.slot);
    for (size_t i = 0; i < c.n; i++) free(c.text[i]);
    free(c.text);
    return rc;
}
