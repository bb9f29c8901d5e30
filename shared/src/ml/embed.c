/* Semantic sentence embeddings: file format, loader and inference (see cs/embed.h). */
#include "cs/embed.h"
#include "ml/embed_int.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cs/model.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "embedding files are little-endian; add byte swapping for big-endian hosts"
#endif

#define EMBED_MAX_WORDS (1u << 22)
#define EMBED_MAX_BUCKETS (1u << 22)

struct cs_embed {
    const uint8_t *base;
    size_t size;
    int mapped; /* base is an mmap of the file (else caller memory) */
    struct embed_hdr h;
    const char *meta;
    const uint64_t *hash;
    const float *weight, *scale, *pc, *bscale;
    const float *map; /* NULL: none */
    const int8_t *vec, *bvec;
    float oov_weight; /* SIF weight of a word seen once: unknown words are rare ones */
    char name[64];
};

static uint64_t fnv_words(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h ^= w;
        h *= 0x100000001b3ull;
    }
    for (; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

uint64_t embed_checksum(const struct embed_hdr *hdr, const uint8_t *base)
{
    struct embed_hdr tmp = *hdr;
    tmp.checksum = 0;
    uint64_t h = fnv_words(0xcbf29ce484222325ull, &tmp, sizeof(tmp));
    for (int s = 0; s < EMBED_SEC_COUNT; s++)
        if (s != EMBED_SEC_VEC && s != EMBED_SEC_BVEC)
            h = fnv_words(h, base + hdr->sec[s].off, hdr->sec[s].size);
    return h;
}

void embed_section_sizes(const struct embed_hdr *h, uint64_t *want)
{
    want[EMBED_SEC_META] = h->sec[EMBED_SEC_META].size; /* free size, checked for a NUL */
    want[EMBED_SEC_HASH] = 8ull * h->n_words;
    want[EMBED_SEC_WEIGHT] = 4ull * h->n_words;
    want[EMBED_SEC_SCALE] = 4ull * h->n_words;
    want[EMBED_SEC_PC] = 4ull * h->dims;
    want[EMBED_SEC_BSCALE] = 4ull * h->n_buckets;
    want[EMBED_SEC_MAP] = h->has_map ? 4ull * h->dims * h->dims : 0;
    want[EMBED_SEC_VEC] = (uint64_t)h->n_words * h->dims;
    want[EMBED_SEC_BVEC] = (uint64_t)h->n_buckets * h->dims;
}

static int check_header(const struct embed_hdr *h, size_t size)
{
    if (memcmp(h->magic, EMBED_MAGIC, sizeof(h->magic)) != 0 || h->version != CS_EMBED_VERSION)
        return CS_ERR_FORMAT;
    if (h->dims == 0 || h->dims > CS_EMBED_MAX_DIMS || h->n_words == 0 ||
        h->n_words > EMBED_MAX_WORDS || h->n_buckets > EMBED_MAX_BUCKETS ||
        (h->n_buckets & (h->n_buckets - 1)) != 0 || h->file_size != size ||
        !(h->sif_a > 0.0f && h->sif_a < 1.0f) || h->total_words == 0 || h->has_map > 1)
        return CS_ERR_FORMAT;
    uint64_t want[EMBED_SEC_COUNT];
    embed_section_sizes(h, want);
    for (int s = 0; s < EMBED_SEC_COUNT; s++) {
        const struct embed_sec *x = &h->sec[s];
        if (x->off % 8 || x->off < sizeof(*h) || x->off > size || x->size > size - x->off ||
            x->size != want[s] || (s == EMBED_SEC_META && x->size == 0))
            return CS_ERR_FORMAT;
    }
    return CS_OK;
}

static int check_body(struct cs_embed *e)
{
    const struct embed_hdr *h = &e->h;
    if (e->meta[h->sec[EMBED_SEC_META].size - 1] != '\0') return CS_ERR_FORMAT;
    for (uint32_t i = 1; i < h->n_words; i++)
        if (e->hash[i - 1] >= e->hash[i]) return CS_ERR_FORMAT; /* binary search needs it */
    for (uint32_t i = 0; i < h->n_words; i++)
        if (!isfinite(e->weight[i]) || !isfinite(e->scale[i]) || e->scale[i] < 0)
            return CS_ERR_FORMAT;
    for (uint32_t i = 0; i < h->n_buckets; i++)
        if (!isfinite(e->bscale[i]) || e->bscale[i] < 0) return CS_ERR_FORMAT;
    for (uint32_t i = 0; i < h->dims; i++)
        if (!isfinite(e->pc[i])) return CS_ERR_FORMAT;
    for (uint64_t i = 0; h->has_map && i < (uint64_t)h->dims * h->dims; i++)
        if (!isfinite(e->map[i])) return CS_ERR_FORMAT;
    return embed_checksum(h, e->base) == h->checksum ? CS_OK : CS_ERR_FORMAT;
}

/* The "name" of the metadata, for the API's `model` field; a fixed name otherwise. */
static void read_name(struct cs_embed *e)
{
    const char *k = strstr(e->meta, "\"name\":\"");
    size_t n = 0;
    if (k) {
        k += 8;
        while (k[n] && k[n] != '"' && n + 1 < sizeof(e->name)) n++;
    }
    if (n)
        memcpy(e->name, k, n), e->name[n] = '\0';
    else
        memcpy(e->name, "builtin-ppmi-svd", sizeof("builtin-ppmi-svd"));
}

static void bind_sections(struct cs_embed *e)
{
    const struct embed_sec *s = e->h.sec;
    e->meta = (const char *)(e->base + s[EMBED_SEC_META].off);
    e->hash = (const uint64_t *)(e->base + s[EMBED_SEC_HASH].off);
    e->weight = (const float *)(e->base + s[EMBED_SEC_WEIGHT].off);
    e->scale = (const float *)(e->base + s[EMBED_SEC_SCALE].off);
    e->pc = (const float *)(e->base + s[EMBED_SEC_PC].off);
    e->bscale = (const float *)(e->base + s[EMBED_SEC_BSCALE].off);
    e->map = e->h.has_map ? (const float *)(e->base + s[EMBED_SEC_MAP].off) : NULL;
    e->vec = (const int8_t *)(e->base + s[EMBED_SEC_VEC].off);
    e->bvec = (const int8_t *)(e->base + s[EMBED_SEC_BVEC].off);
    e->oov_weight = e->h.sif_a / (e->h.sif_a + 1.0f / (float)e->h.total_words);
}

static int embed_bind(const void *base, size_t size, int mapped, struct cs_embed **out)
{
    *out = NULL;
    if (!base || size < sizeof(struct embed_hdr) || ((uintptr_t)base & 7u)) return CS_ERR_FORMAT;
    struct cs_embed *e = calloc(1, sizeof(*e));
    if (!e) return CS_ERR_NOMEM;
    e->base = base;
    e->size = size;
    e->mapped = mapped;
    memcpy(&e->h, base, sizeof(e->h));
    int rc = check_header(&e->h, e->size);
    if (rc == CS_OK) {
        bind_sections(e);
        rc = check_body(e);
    }
    if (rc != CS_OK) {
        e->mapped = 0; /* the caller unmaps */
        cs_embed_close(e);
        return rc;
    }
    read_name(e);
    *out = e;
    return CS_OK;
}

int cs_embed_open_mem(const void *buf, size_t size, struct cs_embed **out)
{
    return embed_bind(buf, size, 0, out);
}

int cs_embed_open(const char *path, struct cs_embed **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CS_ERR_IO;
    struct stat st;
    int bad = fstat(fd, &st) != 0                            ? CS_ERR_IO
              : st.st_size < (off_t)sizeof(struct embed_hdr) ? CS_ERR_FORMAT
                                                             : 0;
    if (bad) {
        close(fd);
        return bad;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return CS_ERR_IO;
    int rc = embed_bind(map, (size_t)st.st_size, 1, out);
    if (rc != CS_OK) munmap(map, (size_t)st.st_size);
    return rc;
}

void cs_embed_close(struct cs_embed *e)
{
    if (!e) return;
    if (e->mapped) munmap((void *)e->base, e->size);
    free(e);
}

unsigned cs_embed_dims(const struct cs_embed *e) { return e ? e->h.dims : 0; }
size_t cs_embed_vocab(const struct cs_embed *e) { return e ? e->h.n_words : 0; }
const char *cs_embed_name(const struct cs_embed *e) { return e ? e->name : NULL; }
const char *cs_embed_metadata(const struct cs_embed *e) { return e ? e->meta : NULL; }

/* ------------------------------------------------------------------ tokens */

static int token_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '\'' || c >= 0x80u;
}

void cs_embed_tokens(const char *text, size_t len, void (*fn)(const char *, size_t, void *),
                     void *ud)
{
    char w[CS_EMBED_MAX_WORD];
    size_t i = 0;
    while (i < len) {
        while (i < len && !token_byte((unsigned char)text[i])) i++;
        size_t n = 0;
        while (i < len && token_byte((unsigned char)text[i])) {
            char c = text[i++];
            if (n < sizeof(w)) w[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
        }
        /* "'s" and quotes around a word are not part of it */
        while (n && w[n - 1] == '\'') n--;
        if (n >= 2 && w[n - 1] == 's' && w[n - 2] == '\'') n -= 2;
        size_t b = 0;
        while (b < n && w[b] == '\'') b++;
        if (n > b) fn(w + b, n - b, ud);
    }
}

void cs_embed_ngrams(const char *word, size_t n, void (*fn)(uint64_t, void *), void *ud)
{
    char pad[CS_EMBED_MAX_WORD + 2];
    if (n > CS_EMBED_MAX_WORD) n = CS_EMBED_MAX_WORD;
    pad[0] = '<';
    memcpy(pad + 1, word, n);
    pad[n + 1] = '>';
    size_t m = n + 2;
    for (size_t g = CS_EMBED_NGRAM_MIN; g <= CS_EMBED_NGRAM_MAX; g++)
        for (size_t i = 0; i + g <= m; i++) fn(cs_model_lexicon_hash(pad + i, g) ^ (uint64_t)g, ud);
}

/* ------------------------------------------------------------------ inference */

struct embed_acc {
    const struct cs_embed *e;
    float *sum;    /* model dims */
    float *tmp;    /* model dims: one OOV word's n-gram mean */
    unsigned hits; /* n-gram buckets found for the current word */
    int any;
};

static long find_word(const struct cs_embed *e, uint64_t h)
{
    size_t lo = 0, hi = e->h.n_words;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->hash[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < e->h.n_words && e->hash[lo] == h ? (long)lo : -1;
}

static void add_scaled(float *dst, const int8_t *v, float s, unsigned dims)
{
    for (unsigned d = 0; d < dims; d++) dst[d] += s * (float)v[d];
}

static void add_row(float *restrict dst, const float *restrict row, float s, unsigned dims)
{
    for (unsigned d = 0; d < dims; d++) dst[d] += s * row[d];
}

static void on_ngram(uint64_t h, void *ud)
{
    struct embed_acc *x = ud;
    uint32_t b = (uint32_t)(h & (x->e->h.n_buckets - 1));
    float s = x->e->bscale[b];
    if (s <= 0.0f) return;
    add_scaled(x->tmp, x->e->bvec + (size_t)b * x->e->h.dims, s, x->e->h.dims);
    x->hits++;
}

static void on_word(const char *w, size_t n, void *ud)
{
    struct embed_acc *x = ud;
    const struct cs_embed *e = x->e;
    unsigned dims = e->h.dims;
    long i = find_word(e, cs_model_lexicon_hash(w, n));
    if (i >= 0) {
        add_scaled(x->sum, e->vec + (size_t)i * dims, e->weight[i] * e->scale[i], dims);
        x->any = 1;
        return;
    }
    if (e->h.n_buckets == 0 || n < 3) return; /* two letters say nothing by their n-grams */
    memset(x->tmp, 0, dims * sizeof(float));
    x->hits = 0;
    cs_embed_ngrams(w, n, on_ngram, x);
    if (!x->hits) return;
    /* the mean of the buckets, unit length, weighted as a rare word */
    double norm = 0;
    for (unsigned d = 0; d < dims; d++) norm += (double)x->tmp[d] * x->tmp[d];
    if (norm <= 0) return;
    float s = e->oov_weight / (float)sqrt(norm);
    for (unsigned d = 0; d < dims; d++) x->sum[d] += s * x->tmp[d];
    x->any = 1;
}

float cs_embed_cosine(const float *a, const float *b, unsigned dims)
{
    double s = 0;
    for (unsigned i = 0; i < dims; i++) s += (double)a[i] * b[i];
    return (float)s;
}

static void normalise(float *v, unsigned dims)
{
    double norm = 0;
    for (unsigned i = 0; i < dims; i++) norm += (double)v[i] * v[i];
    if (!isfinite(norm)) memset(v, 0, dims * sizeof(float)); /* a file's extreme values */
    if (!(norm > 0) || !isfinite(norm)) return;
    float inv = (float)(1.0 / sqrt(norm));
    for (unsigned i = 0; i < dims; i++) v[i] *= inv;
}

/* The topic vector (SIF mean less the common direction) into buf[0..md), then through
 * the intent map when asked and present; 0 when no word or n-gram was known. */
static int sentence(const struct cs_embed *e, const char *text, size_t len, int intent, float *buf)
{
    unsigned md = e->h.dims;
    memset(buf, 0, 2 * md * sizeof(float));
    struct embed_acc x = {e, buf, buf + md, 0, 0};
    cs_embed_tokens(text ? text : "", len, on_word, &x);
    if (!x.any) return 0;
    /* remove the common direction: what every sentence of the corpus shares */
    double p = 0;
    for (unsigned d = 0; d < md; d++) p += (double)x.sum[d] * e->pc[d];
    for (unsigned d = 0; d < md; d++) x.sum[d] -= (float)p * e->pc[d];
    if (!intent || !e->map) return 1;
    /* out = sum over k of x[k] * MAP[k]: each step a float axpy the compiler vectorises
     * (a dot product per output would be a reduction, which it may not reorder) */
    memset(x.tmp, 0, md * sizeof(float));
    for (unsigned k = 0; k < md; k++) add_row(x.tmp, e->map + (size_t)k * md, x.sum[k], md);
    memcpy(x.sum, x.tmp, md * sizeof(float));
    return 1;
}

static int embed_text(const struct cs_embed *e, const char *text, size_t len, unsigned dims,
                      float *out, int intent)
{
    if (!e || !out || dims == 0 || (!text && len)) return CS_ERR_INVALID;
    memset(out, 0, dims * sizeof(float));
    unsigned md = e->h.dims;
    float buf[2 * CS_EMBED_MAX_DIMS];
    if (!sentence(e, text, len, intent, buf)) return CS_OK;
    memcpy(out, buf, (dims < md ? dims : md) * sizeof(float));
    normalise(out, dims);
    return CS_OK;
}

int cs_embed_text(const struct cs_embed *e, const char *text, size_t len, unsigned dims, float *out)
{
    return embed_text(e, text, len, dims, out, 1);
}

int cs_embed_topic(const struct cs_embed *e, const char *text, size_t len, unsigned dims,
                   float *out)
{
    return embed_text(e, text, len, dims, out, 0);
}
