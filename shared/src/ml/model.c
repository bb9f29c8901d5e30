/* Model file format, loader, linear inference and explanations (see cs/model.h).
 *
 * File layout (little-endian; every section starts on an 8-byte boundary):
 *   header (struct file_hdr, fixed size)
 *   sections, each located by an (offset, size) pair in the header:
 *     NAME     NUL-terminated model name
 *     META     NUL-terminated JSON metadata
 *     LABELS   n_classes NUL-terminated strings, back to back
 *     FNAMES   dense: n_features NUL-terminated strings
 *     IDF      text: float[n_features]
 *     MEAN     float[n_features]  training mean of each feature value (explanations)
 *     MEANDOT  float[n_classes]   sum_j w[j][c] * mean[j], precomputed so loading and
 *                                 explaining never walk the whole weight block
 *     BIAS     float[n_classes]
 *     SCALE    text: float[n_classes] int8 dequantisation scale per class
 *     WEIGHTS  text: int8[n_features][n_classes]; dense: float[n_features][n_classes]
 *     LEXHASH  lexicon: uint64[n_entries], ascending
 *     LEXFLAG  lexicon: uint8[n_entries]
 * The checksum covers the header (checksum field zeroed) and every section except an
 * int8 WEIGHTS block: hashing megabytes would break the 2 ms load budget, and no int8
 * value can make inference misbehave. Version 1 files use FNV-1a 64 over bytes;
 * version 2 the same multiply-xor over 64-bit little-endian words (bytes for a
 * section's tail). The float sections of a 2^18-feature model are 2 MB, and hashing
 * them a byte at a time was most of a function's cold start in profiles; eight bytes
 * per step detect the same corruption, since each step is a bijection of the state.
 */
#include "cs/model.h"
#include "ml/model_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model files are little-endian; add byte swapping for big-endian hosts"
#endif

static const char MAGIC[8] = {'C', 'S', 'M', 'O', 'D', 'E', 'L', '\0'};

enum {
    SEC_NAME,
    SEC_META,
    SEC_LABELS,
    SEC_FNAMES,
    SEC_IDF,
    SEC_MEAN,
    SEC_MEANDOT,
    SEC_BIAS,
    SEC_SCALE,
    SEC_WEIGHTS,
    SEC_LEXHASH,
    SEC_LEXFLAG,
    SEC_COUNT
};

enum { WEIGHT_F32 = 0, WEIGHT_I8 = 1 };

struct file_sec {
    uint64_t off, size;
};

struct file_hdr {
    char magic[8];
    uint32_t version, kind, n_classes, n_features;
    uint32_t hash_bits, seed;
    uint8_t word_min, word_max, char_min, char_max;
    /* Was one uint32 weight type; its upper bytes were always zero, so version-1 files
     * written before the feature flags read as feat_flags = 0 (the old features). */
    uint8_t weight_type;
    uint8_t feat_flags;  /* CS_TEXTFEAT_F_* of text models, else 0 */
    uint8_t reserved[2]; /* zero */
    float temperature;
    uint32_t n_entries;
    uint64_t file_size;
    uint64_t checksum;
    struct file_sec sec[SEC_COUNT];
};

_Static_assert(sizeof(struct file_hdr) % 8 == 0, "header keeps sections 8-aligned");

#define MAX_LEX_ENTRIES (1u << 24)

struct cs_model {
    const uint8_t *base;
    size_t size;
    int mapped;
    struct file_hdr h;
    struct cs_textfeat_cfg feat;
    const char *name, *meta;
    const char *label[CS_MODEL_MAX_CLASSES];
    const char *fname[CS_MODEL_MAX_DENSE];
    const float *idf, *mean, *meandot, *bias, *scale, *wf;
    const int8_t *wq;
    const uint64_t *lexhash;
    const uint8_t *lexflag;
};

/* ---------------------------------------------------------------- validation */

static uint64_t fnv_update(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t fnv_update_words(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w; /* the file is little-endian, and so is the host (checked above) */
        memcpy(&w, p + i, sizeof(w));
        h ^= w;
        h *= 0x100000001b3ull;
    }
    return fnv_update(h, p + i, len - i);
}

static uint64_t file_checksum(const struct file_hdr *hdr, const uint8_t *base)
{
    uint64_t (*update)(uint64_t, const void *, size_t) =
        hdr->version == 1 ? fnv_update : fnv_update_words;
    struct file_hdr tmp = *hdr;
    tmp.checksum = 0;
    uint64_t h = update(0xcbf29ce484222325ull, &tmp, sizeof(tmp));
    for (int s = 0; s < SEC_COUNT; s++) {
        if (s == SEC_WEIGHTS && hdr->weight_type == WEIGHT_I8) continue;
        h = update(h, base + hdr->sec[s].off, (size_t)hdr->sec[s].size);
    }
    return h;
}

/* Expected byte size of each section for the header's counts. */
static void expected_sizes(const struct file_hdr *h, uint64_t want[SEC_COUNT], int exact[SEC_COUNT])
{
    uint64_t f = h->n_features, c = h->n_classes;
    memset(want, 0, sizeof(uint64_t) * SEC_COUNT);
    for (int s = 0; s < SEC_COUNT; s++) exact[s] = 1;
    exact[SEC_NAME] = exact[SEC_META] = exact[SEC_LABELS] = exact[SEC_FNAMES] = 0;
    if (h->kind == CS_MODEL_TEXT || h->kind == CS_MODEL_DENSE) {
        want[SEC_MEAN] = 4 * f;
        want[SEC_MEANDOT] = 4 * c;
        want[SEC_BIAS] = 4 * c;
        want[SEC_WEIGHTS] = f * c * (h->weight_type == WEIGHT_I8 ? 1 : 4);
    }
    if (h->kind == CS_MODEL_TEXT) {
        want[SEC_IDF] = 4 * f;
        want[SEC_SCALE] = 4 * c;
    }
    if (h->kind == CS_MODEL_LEXICON) {
        want[SEC_LEXHASH] = 8ull * h->n_entries;
        want[SEC_LEXFLAG] = h->n_entries;
    }
}

static int check_counts(const struct file_hdr *h)
{
    if (memcmp(h->magic, MAGIC, sizeof(MAGIC)) != 0) return CS_ERR_FORMAT;
    if (h->version != 1 && h->version != CS_MODEL_VERSION) return CS_ERR_FORMAT;
    if (h->reserved[0] || h->reserved[1] || (h->kind != CS_MODEL_TEXT && h->feat_flags))
        return CS_ERR_FORMAT;
    if (h->n_classes > CS_MODEL_MAX_CLASSES || h->n_features > (1u << 22)) return CS_ERR_FORMAT;
    if (!isfinite(h->temperature) || h->temperature <= 0.0f) return CS_ERR_FORMAT;
    switch (h->kind) {
    case CS_MODEL_TEXT:
        if (h->weight_type != WEIGHT_I8 || h->n_classes < 2) return CS_ERR_FORMAT;
        {
            struct cs_textfeat_cfg cfg = {h->hash_bits, h->seed,     h->word_min,  h->word_max,
                                          h->char_min,  h->char_max, h->feat_flags};
            if (cs_textfeat_cfg_check(&cfg) != CS_OK) return CS_ERR_FORMAT;
            if (h->n_features != (1u << h->hash_bits)) return CS_ERR_FORMAT;
        }
        return CS_OK;
    case CS_MODEL_DENSE:
        if (h->weight_type != WEIGHT_F32 || h->n_classes < 2 || h->n_features == 0 ||
            h->n_features > CS_MODEL_MAX_DENSE)
            return CS_ERR_FORMAT;
        return CS_OK;
    case CS_MODEL_LEXICON:
        if (h->n_entries > MAX_LEX_ENTRIES || h->n_features != 0) return CS_ERR_FORMAT;
        return CS_OK;
    default: return CS_ERR_FORMAT;
    }
}

static int check_sections(const struct file_hdr *h, size_t size)
{
    uint64_t want[SEC_COUNT];
    int exact[SEC_COUNT];
    expected_sizes(h, want, exact);
    if (h->file_size != size) return CS_ERR_FORMAT;
    for (int s = 0; s < SEC_COUNT; s++) {
        const struct file_sec *sec = &h->sec[s];
        if (sec->off % 8 != 0 || sec->off < sizeof(*h) || sec->off > size ||
            sec->size > size - sec->off)
            return CS_ERR_FORMAT;
        if (exact[s] && sec->size != want[s]) return CS_ERR_FORMAT;
    }
    return CS_OK;
}

/* Splits a section of back-to-back NUL-terminated strings into exactly n pointers. */
static int split_strings(const uint8_t *p, uint64_t size, uint32_t n, const char **out)
{
    uint64_t pos = 0;
    for (uint32_t i = 0; i < n; i++) {
        const void *nul = pos < size ? memchr(p + pos, 0, (size_t)(size - pos)) : NULL;
        if (!nul) return CS_ERR_FORMAT;
        out[i] = (const char *)p + pos;
        pos = (uint64_t)((const uint8_t *)nul - p) + 1;
    }
    return pos == size ? CS_OK : CS_ERR_FORMAT;
}

/* Four lanes at a time (GCC's vector extension; plain loops were not vectorised well):
 * a text model has two floats per hashed feature (idf, mean), a million a model,
 * checked at each cold start (issue 15). A float is infinite or NaN exactly when its
 * exponent bits are all ones; adding one to the lowest exponent bit then carries into
 * bit 31, and into bit 31 only then. */
typedef uint32_t u32x4 __attribute__((vector_size(16)));

static int all_finite(const float *v, uint64_t n)
{
    const u32x4 exp = {0x7f800000u, 0x7f800000u, 0x7f800000u, 0x7f800000u};
    const u32x4 one = {0x00800000u, 0x00800000u, 0x00800000u, 0x00800000u};
    u32x4 carry = {0, 0, 0, 0};
    uint64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        u32x4 a, b, c, d;
        memcpy(&a, v + i, sizeof(a));
        memcpy(&b, v + i + 4, sizeof(b));
        memcpy(&c, v + i + 8, sizeof(c));
        memcpy(&d, v + i + 12, sizeof(d));
        carry |= ((a & exp) + one) | ((b & exp) + one) | ((c & exp) + one) | ((d & exp) + one);
    }
    for (; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return !((carry[0] | carry[1] | carry[2] | carry[3]) & 0x80000000u);
}

static int bind_sections(struct cs_model *m)
{
    const struct file_hdr *h = &m->h;
    const uint8_t *b = m->base;
#define SEC(s) (b + h->sec[s].off)
    const char *one[1];
    if (split_strings(SEC(SEC_NAME), h->sec[SEC_NAME].size, 1, one) != CS_OK ||
        strlen(one[0]) >= CS_MODEL_NAME_MAX || one[0][0] == '\0')
        return CS_ERR_FORMAT;
    m->name = one[0];
    if (split_strings(SEC(SEC_META), h->sec[SEC_META].size, 1, one) != CS_OK) return CS_ERR_FORMAT;
    m->meta = one[0];
    if (split_strings(SEC(SEC_LABELS), h->sec[SEC_LABELS].size, h->n_classes, m->label) != CS_OK)
        return CS_ERR_FORMAT;
    uint32_t nf = h->kind == CS_MODEL_DENSE ? h->n_features : 0;
    if (split_strings(SEC(SEC_FNAMES), h->sec[SEC_FNAMES].size, nf, m->fname) != CS_OK)
        return CS_ERR_FORMAT;
    m->idf = (const float *)SEC(SEC_IDF);
    m->mean = (const float *)SEC(SEC_MEAN);
    m->meandot = (const float *)SEC(SEC_MEANDOT);
    m->bias = (const float *)SEC(SEC_BIAS);
    m->scale = (const float *)SEC(SEC_SCALE);
    m->wq = (const int8_t *)SEC(SEC_WEIGHTS);
    m->wf = (const float *)SEC(SEC_WEIGHTS);
    m->lexhash = (const uint64_t *)SEC(SEC_LEXHASH);
    m->lexflag = SEC(SEC_LEXFLAG);
#undef SEC
    if (!all_finite(m->idf, h->sec[SEC_IDF].size / 4) ||
        !all_finite(m->mean, h->sec[SEC_MEAN].size / 4) ||
        !all_finite(m->meandot, h->sec[SEC_MEANDOT].size / 4) ||
        !all_finite(m->bias, h->sec[SEC_BIAS].size / 4) ||
        !all_finite(m->scale, h->sec[SEC_SCALE].size / 4))
        return CS_ERR_FORMAT;
    if (h->kind == CS_MODEL_DENSE && !all_finite(m->wf, h->sec[SEC_WEIGHTS].size / 4))
        return CS_ERR_FORMAT;
    /* Binary search needs strictly ascending hashes. */
    for (uint32_t i = 1; i < h->n_entries; i++)
        if (m->lexhash[i - 1] >= m->lexhash[i]) return CS_ERR_FORMAT;
    return CS_OK;
}

static int model_bind(struct cs_model *m)
{
    if (m->size < sizeof(struct file_hdr) || ((uintptr_t)m->base & 7u) != 0) return CS_ERR_FORMAT;
    memcpy(&m->h, m->base, sizeof(m->h));
    int rc = check_counts(&m->h);
    if (rc == CS_OK) rc = check_sections(&m->h, m->size);
    if (rc == CS_OK && file_checksum(&m->h, m->base) != m->h.checksum) rc = CS_ERR_FORMAT;
    if (rc == CS_OK) rc = bind_sections(m);
    if (rc != CS_OK) return rc;
    m->feat = (struct cs_textfeat_cfg){m->h.hash_bits, m->h.seed,     m->h.word_min,  m->h.word_max,
                                       m->h.char_min,  m->h.char_max, m->h.feat_flags};
    return CS_OK;
}

/* ---------------------------------------------------------------- open / close */

int cs_model_open_mem(const void *data, size_t size, struct cs_model **out)
{
    *out = NULL;
    if (!data) return CS_ERR_INVALID;
    struct cs_model *m = calloc(1, sizeof(*m));
    if (!m) return CS_ERR_NOMEM;
    m->base = data;
    m->size = size;
    int rc = model_bind(m);
    if (rc != CS_OK) {
        free(m);
        return rc;
    }
    *out = m;
    return CS_OK;
}

int cs_model_open(const char *path, struct cs_model **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CS_ERR_IO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return CS_ERR_IO;
    }
    if (st.st_size < (off_t)sizeof(struct file_hdr)) {
        close(fd);
        return CS_ERR_FORMAT;
    }
    size_t size = (size_t)st.st_size;
    /* No MAP_POPULATE: a function maps every model but reads few of their int8 weight
     * rows, and populating them all put ~5 MB of untouched pages in each process's RSS.
     * Measured with perf stat: same CPU time to first answer, ~85 more minor faults. */
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return CS_ERR_IO;
    int rc = cs_model_open_mem(p, size, out);
    if (rc != CS_OK) {
        munmap(p, size);
        return rc;
    }
    (*out)->mapped = 1;
    return CS_OK;
}

/* Reads only the header and the name section (pread, no mapping, no checksum), so a
 * bundle can skip the files a function does not use at the cost of two small reads. */
int cs_model_peek_name(const char *path, char name[CS_MODEL_NAME_MAX])
{
    name[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CS_ERR_IO;
    struct stat st;
    struct file_hdr h;
    int rc = CS_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = CS_ERR_IO;
    else if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
        rc = CS_ERR_FORMAT;
    if (rc == CS_OK) rc = check_counts(&h);
    if (rc == CS_OK) rc = check_sections(&h, (size_t)st.st_size);
    const struct file_sec *sec = &h.sec[SEC_NAME];
    if (rc == CS_OK && (sec->size < 2 || sec->size > CS_MODEL_NAME_MAX)) rc = CS_ERR_FORMAT;
    if (rc == CS_OK && pread(fd, name, (size_t)sec->size, (off_t)sec->off) != (ssize_t)sec->size)
        rc = CS_ERR_FORMAT;
    /* exactly one non-empty string filling the section, as bind_sections wants */
    if (rc == CS_OK && (name[sec->size - 1] != '\0' || strlen(name) != sec->size - 1 || !name[0]))
        rc = CS_ERR_FORMAT;
    close(fd);
    if (rc != CS_OK) name[0] = '\0';
    return rc;
}

void cs_model_close(struct cs_model *m)
{
    if (!m) return;
    if (m->mapped) munmap((void *)m->base, m->size);
    free(m);
}

/* ---------------------------------------------------------------- accessors */

const char *cs_model_name(const struct cs_model *m) { return m->name; }
const char *cs_model_metadata(const struct cs_model *m) { return m->meta; }
enum cs_model_kind cs_model_kind(const struct cs_model *m) { return (enum cs_model_kind)m->h.kind; }
uint32_t cs_model_n_classes(const struct cs_model *m) { return m->h.n_classes; }
uint32_t cs_model_n_features(const struct cs_model *m) { return m->h.n_features; }
float cs_model_temperature(const struct cs_model *m) { return m->h.temperature; }
const struct cs_textfeat_cfg *cs_model_textfeat(const struct cs_model *m) { return &m->feat; }
size_t cs_model_file_size(const struct cs_model *m) { return m->size; }

const char *cs_model_label(const struct cs_model *m, uint32_t i)
{
    return i < m->h.n_classes ? m->label[i] : NULL;
}

int cs_model_label_index(const struct cs_model *m, const char *label)
{
    for (uint32_t i = 0; i < m->h.n_classes; i++)
        if (strcmp(m->label[i], label) == 0) return (int)i;
    return -1;
}

const char *cs_model_feature_name(const struct cs_model *m, uint32_t i)
{
    return (m->h.kind == CS_MODEL_DENSE && i < m->h.n_features) ? m->fname[i] : NULL;
}

/* ---------------------------------------------------------------- inference */

/* Sublinear TF-IDF, L2-normalised, in place: value = (1 + ln tf) * idf / ||.||.
 * Shared with the trainer (model_int.h) so training and inference cannot drift. */
void cs_model_weigh(const float *idf, struct cs_textfeat_vec *v)
{
    double ss = 0.0;
    for (uint32_t i = 0; i < v->n; i++) {
        float tf = v->ent[i].value;
        /* Most n-grams occur once; skip logf for them (hot path). */
        float w = (tf == 1.0f ? 1.0f : 1.0f + logf(tf)) * idf[v->ent[i].bucket];
        v->ent[i].value = w;
        ss += (double)w * w;
    }
    if (ss <= 0.0) return;
    float inv = (float)(1.0 / sqrt(ss));
    for (uint32_t i = 0; i < v->n; i++) v->ent[i].value *= inv;
}

static void softmax_pred(const struct cs_model *m, struct cs_model_pred *out)
{
    uint32_t c = m->h.n_classes, top = 0;
    float inv_t = 1.0f / m->h.temperature;
    for (uint32_t k = 1; k < c; k++)
        if (out->logit[k] > out->logit[top]) top = k;
    double sum = 0.0;
    for (uint32_t k = 0; k < c; k++) {
        out->prob[k] = expf((out->logit[k] - out->logit[top]) * inv_t);
        sum += out->prob[k];
    }
    for (uint32_t k = 0; k < c; k++) out->prob[k] = (float)(out->prob[k] / sum);
    out->n_classes = c;
    out->top = top;
    out->confidence = out->prob[top];
}

/* logit[c] = bias[c] + scale[c] * sum_j x_j q[j][c]. Accumulating the int8 products per
 * class before scaling keeps the inner loop a plain multiply-add the compiler can
 * vectorise. */
static void text_logits(const struct cs_model *m, const struct cs_textfeat_vec *v, float *logit)
{
    uint32_t c = m->h.n_classes;
    float acc[CS_MODEL_MAX_CLASSES];
    memset(acc, 0, sizeof(float) * c);
    for (uint32_t i = 0; i < v->n; i++) {
        const int8_t *row = m->wq + (size_t)v->ent[i].bucket * c;
        float x = v->ent[i].value;
        for (uint32_t k = 0; k < c; k++) acc[k] += x * (float)row[k];
    }
    for (uint32_t k = 0; k < c; k++) logit[k] = m->bias[k] + m->scale[k] * acc[k];
}

int cs_model_predict_text(const struct cs_model *m, const char *text, size_t len,
                          struct cs_textfeat_vec *scratch, struct cs_model_pred *out)
{
    if (!m || !scratch || !out || (!text && len)) return CS_ERR_INVALID;
    if (m->h.kind != CS_MODEL_TEXT) return CS_ERR_INVALID;
    cs_textfeat_extract(&m->feat, text, len, scratch);
    cs_model_weigh(m->idf, scratch);
    text_logits(m, scratch, out->logit);
    softmax_pred(m, out);
    return CS_OK;
}

int cs_model_predict_dense(const struct cs_model *m, const float *x, size_t n,
                           struct cs_model_pred *out)
{
    if (!m || !x || !out || m->h.kind != CS_MODEL_DENSE || n != m->h.n_features)
        return CS_ERR_INVALID;
    uint32_t c = m->h.n_classes;
    for (uint32_t k = 0; k < c; k++) {
        double s = m->bias[k];
        for (uint32_t j = 0; j < n; j++) s += (double)m->wf[(size_t)j * c + k] * x[j];
        out->logit[k] = (float)s;
    }
    softmax_pred(m, out);
    return CS_OK;
}

/* ---------------------------------------------------------------- explanations */

static float weight_at(const struct cs_model *m, uint32_t j, uint32_t cls)
{
    size_t at = (size_t)j * m->h.n_classes + cls;
    return m->h.kind == CS_MODEL_TEXT ? m->scale[cls] * (float)m->wq[at] : m->wf[at];
}

/* Keeps the top_k items by |contribution| (insertion into a small sorted array). */
static void keep_top(struct cs_model_explanation *e, uint32_t top_k, uint32_t feature, float value,
                     float contrib)
{
    uint32_t n = e->n;
    if (n == top_k && fabsf(contrib) <= fabsf(e->item[n - 1].contribution)) return;
    uint32_t at = n < top_k ? n : n - 1;
    while (at > 0 && fabsf(e->item[at - 1].contribution) < fabsf(contrib)) {
        e->item[at] = e->item[at - 1];
        at--;
    }
    e->item[at].feature = feature;
    e->item[at].value = value;
    e->item[at].contribution = contrib;
    e->item[at].name[0] = '\0';
    e->item[at].kind = 0;
    if (n < top_k) e->n++;
}

static void finish_other(struct cs_model_explanation *e, double total_listed_and_other)
{
    double listed = 0.0;
    for (uint32_t i = 0; i < e->n; i++) listed += e->item[i].contribution;
    e->other = (float)(total_listed_and_other - listed);
}

struct name_ctx {
    struct cs_model_explanation *e;
};

/* Appends each n-gram text to the item whose bucket it hashes to (deduplicated). */
static void name_gram(void *ctx, uint32_t bucket, enum cs_textfeat_kind kind, const char *g,
                      size_t glen)
{
    struct cs_model_explanation *e = ((struct name_ctx *)ctx)->e;
    for (uint32_t i = 0; i < e->n; i++) {
        if (e->item[i].feature != bucket) continue;
        char *name = e->item[i].name;
        size_t have = strlen(name);
        /* skip repeats of a text already listed for this bucket */
        const char *p = name;
        while (p && *p) {
            const char *end = strstr(p, " | ");
            size_t plen = end ? (size_t)(end - p) : strlen(p);
            if (plen == glen && memcmp(p, g, glen) == 0) return;
            p = end ? end + 3 : NULL;
        }
        size_t need = (have ? 3 : 0) + glen;
        if (have + need > CS_TEXTFEAT_MAX_GRAM) return;
        if (!have) e->item[i].kind = (uint32_t)kind;
        if (have) memcpy(name + have, " | ", 3), have += 3;
        memcpy(name + have, g, glen);
        name[have + glen] = '\0';
    }
}

int cs_model_explain_text(const struct cs_model *m, const char *text, size_t len, uint32_t cls,
                          uint32_t top_k, struct cs_textfeat_vec *scratch,
                          struct cs_model_explanation *out)
{
    if (!m || !scratch || !out || (!text && len) || m->h.kind != CS_MODEL_TEXT ||
        cls >= m->h.n_classes)
        return CS_ERR_INVALID;
    if (top_k > CS_MODEL_MAX_EXPLAIN) top_k = CS_MODEL_MAX_EXPLAIN;
    memset(out, 0, sizeof(*out));
    cs_textfeat_extract(&m->feat, text, len, scratch);
    cs_model_weigh(m->idf, scratch);
    float logit[CS_MODEL_MAX_CLASSES];
    text_logits(m, scratch, logit);
    out->cls = cls;
    out->logit = logit[cls];
    out->base = m->bias[cls] + m->meandot[cls];
    /* logit - base = sum over present j of w(x - mean)  +  sum_present w*mean - meandot */
    double total = (double)out->logit - out->base;
    for (uint32_t i = 0; i < scratch->n && top_k > 0; i++) {
        uint32_t j = scratch->ent[i].bucket;
        float x = scratch->ent[i].value;
        keep_top(out, top_k, j, x, weight_at(m, j, cls) * (x - m->mean[j]));
    }
    finish_other(out, total);
    struct name_ctx nc = {out};
    cs_textfeat_each_gram(&m->feat, text, len, name_gram, &nc);
    return CS_OK;
}

int cs_model_explain_dense(const struct cs_model *m, const float *x, size_t n, uint32_t cls,
                           uint32_t top_k, struct cs_model_explanation *out)
{
    struct cs_model_pred pred;
    int rc = cs_model_predict_dense(m, x, n, &pred);
    if (rc != CS_OK) return rc;
    if (cls >= m->h.n_classes) return CS_ERR_INVALID;
    if (top_k > CS_MODEL_MAX_EXPLAIN) top_k = CS_MODEL_MAX_EXPLAIN;
    memset(out, 0, sizeof(*out));
    out->cls = cls;
    out->logit = pred.logit[cls];
    out->base = m->bias[cls] + m->meandot[cls];
    for (uint32_t j = 0; j < n && top_k > 0; j++)
        keep_top(out, top_k, j, x[j], weight_at(m, j, cls) * (x[j] - m->mean[j]));
    for (uint32_t i = 0; i < out->n; i++)
        snprintf(out->item[i].name, sizeof(out->item[i].name), "%s",
                 m->fname[out->item[i].feature]);
    finish_other(out, (double)out->logit - out->base);
    return CS_OK;
}

/* ---------------------------------------------------------------- lexicon */

uint64_t cs_model_lexicon_hash(const char *word, size_t len)
{
    return cs_textfeat_hash64(word, len);
}

uint8_t cs_model_lexicon_get(const struct cs_model *m, const char *word, size_t len)
{
    if (!m || m->h.kind != CS_MODEL_LEXICON) return 0;
    uint64_t h = cs_model_lexicon_hash(word, len);
    size_t lo = 0, hi = m->h.n_entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->lexhash[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < m->h.n_entries && m->lexhash[lo] == h) ? m->lexflag[lo] : 0;
}

/* ---------------------------------------------------------------- encoding */

static size_t align8(size_t n) { return (n + 7u) & ~(size_t)7u; }

static size_t strings_size(const char *const *s, uint32_t n)
{
    size_t t = 0;
    for (uint32_t i = 0; i < n; i++) t += strlen(s[i]) + 1;
    return t;
}

static int spec_check(const struct cs_model_spec *s)
{
    if (!s->name || !s->name[0] || strlen(s->name) >= CS_MODEL_NAME_MAX) return CS_ERR_INVALID;
    if (!isfinite(s->temperature) || s->temperature <= 0.0f) return CS_ERR_INVALID;
    if (s->n_classes > CS_MODEL_MAX_CLASSES) return CS_ERR_INVALID;
    if (s->n_classes && !s->labels) return CS_ERR_INVALID;
    if (s->kind == CS_MODEL_TEXT) {
        if (cs_textfeat_cfg_check(&s->feat) != CS_OK ||
            s->n_features != (1u << s->feat.hash_bits) || !s->idf)
            return CS_ERR_INVALID;
    } else if (s->kind == CS_MODEL_DENSE) {
        if (!s->feature_names || s->n_features == 0 || s->n_features > CS_MODEL_MAX_DENSE)
            return CS_ERR_INVALID;
    } else if (s->kind == CS_MODEL_LEXICON) {
        return (s->n_entries == 0 || (s->lex_hash && s->lex_flag)) ? CS_OK : CS_ERR_INVALID;
    } else {
        return CS_ERR_INVALID;
    }
    if (s->n_classes < 2 || !s->mean || !s->bias || !s->weights) return CS_ERR_INVALID;
    return CS_OK;
}

static void put_strings(uint8_t *dst, const char *const *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        size_t l = strlen(s[i]) + 1;
        memcpy(dst, s[i], l);
        dst += l;
    }
}

/* Per-class int8 quantisation; writes scales, codes and the dequantised mean dot. */
static void quantise(const struct cs_model_spec *s, float *scale, int8_t *q, float *meandot)
{
    uint32_t c = s->n_classes, f = s->n_features;
    for (uint32_t k = 0; k < c; k++) {
        float mx = 0.0f;
        for (uint32_t j = 0; j < f; j++) mx = fmaxf(mx, fabsf(s->weights[(size_t)j * c + k]));
        scale[k] = mx > 0.0f ? mx / 127.0f : 1.0f;
        double dot = 0.0;
        for (uint32_t j = 0; j < f; j++) {
            float v = roundf(s->weights[(size_t)j * c + k] / scale[k]);
            v = fminf(127.0f, fmaxf(-127.0f, v));
            q[(size_t)j * c + k] = (int8_t)v;
            dot += (double)(scale[k] * v) * s->mean[j];
        }
        meandot[k] = (float)dot;
    }
}

static void lexicon_fill(const struct cs_model_spec *s, uint64_t *hash, uint8_t *flag,
                         uint32_t *n_out)
{
    /* Sort (hash, flag) pairs by hash; merge duplicates by OR-ing flags. */
    uint32_t n = s->n_entries;
    for (uint32_t i = 0; i < n; i++) {
        hash[i] = s->lex_hash[i];
        flag[i] = s->lex_flag[i];
    }
    /* shell sort keeps this allocation-free and deterministic */
    for (uint32_t gap = n / 2; gap > 0; gap /= 2)
        for (uint32_t i = gap; i < n; i++) {
            uint64_t h = hash[i];
            uint8_t fl = flag[i];
            uint32_t j = i;
            for (; j >= gap && hash[j - gap] > h; j -= gap) {
                hash[j] = hash[j - gap];
                flag[j] = flag[j - gap];
            }
            hash[j] = h;
            flag[j] = fl;
        }
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (m > 0 && hash[m - 1] == hash[i]) {
            flag[m - 1] |= flag[i];
            continue;
        }
        hash[m] = hash[i];
        flag[m] = flag[i];
        m++;
    }
    *n_out = m;
}

int cs_model_encode(const struct cs_model_spec *s, uint8_t **out, size_t *size)
{
    *out = NULL;
    *size = 0;
    int rc = spec_check(s);
    if (rc != CS_OK) return rc;
    struct file_hdr h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, MAGIC, sizeof(MAGIC));
    h.version = CS_MODEL_VERSION;
    h.kind = (uint32_t)s->kind;
    h.n_classes = s->n_classes;
    h.n_features = s->kind == CS_MODEL_LEXICON ? 0 : s->n_features;
    if (s->kind == CS_MODEL_TEXT) {
        h.hash_bits = s->feat.hash_bits;
        h.seed = s->feat.seed;
        h.word_min = s->feat.word_min;
        h.word_max = s->feat.word_max;
        h.char_min = s->feat.char_min;
        h.char_max = s->feat.char_max;
        h.feat_flags = s->feat.flags;
    }
    h.weight_type = s->kind == CS_MODEL_TEXT ? WEIGHT_I8 : WEIGHT_F32;
    h.temperature = s->temperature;
    h.n_entries = s->kind == CS_MODEL_LEXICON ? s->n_entries : 0;

    const char *meta = s->metadata_json ? s->metadata_json : "{}";
    uint64_t want[SEC_COUNT];
    int exact[SEC_COUNT];
    expected_sizes(&h, want, exact);
    want[SEC_NAME] = strlen(s->name) + 1;
    want[SEC_META] = strlen(meta) + 1;
    want[SEC_LABELS] = strings_size(s->labels, s->n_classes);
    want[SEC_FNAMES] =
        s->kind == CS_MODEL_DENSE ? strings_size(s->feature_names, s->n_features) : 0;
    size_t pos = sizeof(h);
    for (int k = 0; k < SEC_COUNT; k++) {
        h.sec[k].off = pos;
        h.sec[k].size = want[k];
        pos = align8(pos + (size_t)want[k]);
    }
    uint8_t *buf = calloc(1, pos);
    if (!buf) return CS_ERR_NOMEM;
#define AT(k) (buf + h.sec[k].off)
    memcpy(AT(SEC_NAME), s->name, (size_t)want[SEC_NAME]);
    memcpy(AT(SEC_META), meta, (size_t)want[SEC_META]);
    put_strings(AT(SEC_LABELS), s->labels, s->n_classes);
    if (s->kind == CS_MODEL_DENSE) put_strings(AT(SEC_FNAMES), s->feature_names, s->n_features);
    if (s->kind != CS_MODEL_LEXICON) {
        memcpy(AT(SEC_MEAN), s->mean, (size_t)want[SEC_MEAN]);
        memcpy(AT(SEC_BIAS), s->bias, (size_t)want[SEC_BIAS]);
    }
    if (s->kind == CS_MODEL_TEXT) {
        memcpy(AT(SEC_IDF), s->idf, (size_t)want[SEC_IDF]);
        quantise(s, (float *)AT(SEC_SCALE), (int8_t *)AT(SEC_WEIGHTS), (float *)AT(SEC_MEANDOT));
    } else if (s->kind == CS_MODEL_DENSE) {
        memcpy(AT(SEC_WEIGHTS), s->weights, (size_t)want[SEC_WEIGHTS]);
        float *md = (float *)AT(SEC_MEANDOT);
        for (uint32_t k = 0; k < s->n_classes; k++) {
            double dot = 0.0;
            for (uint32_t j = 0; j < s->n_features; j++)
                dot += (double)s->weights[(size_t)j * s->n_classes + k] * s->mean[j];
            md[k] = (float)dot;
        }
    } else if (s->n_entries) {
        uint32_t n = 0;
        lexicon_fill(s, (uint64_t *)AT(SEC_LEXHASH), AT(SEC_LEXFLAG), &n);
        /* duplicates merged: shrink the sections to the distinct count */
        h.n_entries = n;
        h.sec[SEC_LEXFLAG].off = h.sec[SEC_LEXHASH].off + 8ull * n;
        memmove(buf + h.sec[SEC_LEXFLAG].off, AT(SEC_LEXHASH) + 8ull * s->n_entries, n);
        h.sec[SEC_LEXHASH].size = 8ull * n;
        h.sec[SEC_LEXFLAG].size = n;
        pos = align8((size_t)(h.sec[SEC_LEXFLAG].off + n));
    }
#undef AT
    for (int k = 0; k < SEC_COUNT; k++) /* empty sections point inside the file */
        if (h.sec[k].size == 0 && h.sec[k].off > pos) h.sec[k].off = pos;
    h.file_size = pos;
    memcpy(buf, &h, sizeof(h));
    h.checksum = file_checksum(&h, buf);
    memcpy(buf, &h, sizeof(h));
    *out = buf;
    *size = pos;
    return CS_OK;
}

int cs_model_write(const struct cs_model_spec *spec, const char *path)
{
    uint8_t *buf;
    size_t size;
    int rc = cs_model_encode(spec, &buf, &size);
    if (rc != CS_OK) return rc;
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        free(buf);
        return CS_ERR_INVALID;
    }
    FILE *f = fopen(tmp, "wb");
    rc = CS_ERR_IO;
    if (f) {
        size_t w = fwrite(buf, 1, size, f);
        if (fclose(f) == 0 && w == size && rename(tmp, path) == 0)
            rc = CS_OK;
        else
            unlink(tmp);
    }
    free(buf);
    return rc;
}
