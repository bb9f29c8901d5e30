/* Language detection: libexttextcat's fingerprints and scores, computed here (see
 * cs/lang.h).
 *
 * Why by hand: textcat_ClassifyFull was the largest single part of a ticket's CPU
 * (about 400 k instructions a call under callgrind), nearly all of it fixed costs its
 * API gives no way around: per call it allocates and zeroes a 64 KB hash table, moves
 * 32-byte entries through a heap, qsorts the text's n-grams and merges them against
 * every fingerprint with a byte-wise strcmp. The same answer is computed here from a
 * table of the listed fingerprints built once at open: the text's n-grams are counted in
 * a small table, ranked by a heap that replays the library's (same traversal order, same
 * sift steps, so n-grams of equal count get the library's ranks), and each n-gram's
 * ranks in the fingerprints are looked up once instead of merged per language. Every
 * step follows libexttextcat 3.4.5 (Debian bookworm); the library still reads the list
 * and the .lm files (wg_getline, wg_split, wg_trim), its constants are used as they are,
 * and tests/unit/nlp/lang_test.c checks the answers against textcat_ClassifyFull. */
#include "cs/lang.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <common.h>
#include <constants.h>
#include <textcat.h>

/* The first sentence: the fingerprint's cost grows with the text, and on the 2,115
 * training tickets 100 bytes decide almost as well as 160 (0.997 against 0.998,
 * data/models/README.md). Cut at a space so no word or UTF-8 sequence is split. */
#define LANG_MAX_BYTES 100u
/* The library's default refuses texts under 25 bytes; tickets as short as "Mi pedido
 * no llegó" still carry their language, and the agreement measure says how sure. */
#define LANG_MIN_DOC 3
#define LANG_FULL_LETTERS 20
/* Bounds of the per-call storage (on the stack): the prepared sample is at most
 * LANG_MAX_BYTES + 3 bytes and each of its characters starts at most MAXNGRAMSYMBOL
 * n-grams. */
#define PREP_MAX (LANG_MAX_BYTES + 3)
#define GRAMS_MAX (PREP_MAX * MAXNGRAMSYMBOL)
#define SLOTS_BITS 10     /* open-addressing slots for the text's n-grams: load <= 0.51 */
#define LANG_MAX 512      /* listed languages: candidates and scores live on the stack */
#define LINE_MAX_LEN 1024 /* the library's line buffer for lists and .lm files */

struct fp_gram { /* one distinct n-gram of the listed fingerprints */
    uint32_t hash;
    uint32_t first; /* its ranks: ranks[first .. first + n) */
    uint16_t n;
    uint8_t len;
    char str[MAXNGRAMSIZE + 1];
};

struct fp_rank {
    uint16_t lang;
    int16_t rank;
};

struct cs_lang {
    size_t nlangs;
    char **names;
    struct fp_gram *grams;
    size_t ngrams;
    struct fp_rank *ranks;
    uint32_t *index; /* gram number + 1, 0 empty; index_mask + 1 slots */
    uint32_t index_mask;
};

/* The byte hash the library's table uses (simplehash without its length seed): chars are
 * signed there, and the bucket it derives decides the order n-grams reach the heap. */
static inline uint32_t hash_byte(uint32_t h, char c)
{
    return (h << 5) - h + (uint32_t)(int)(signed char)c;
}

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 0;
    for (size_t i = 0; i < n; i++) h = hash_byte(h, s[i]);
    return h;
}

/* n-grams are at most MAXNGRAMSIZE bytes: a loop beats a call to memcmp */
static inline int same_bytes(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static inline uint32_t slot_of(uint32_t h, int bits) { return (h * 0x9e3779b1u) >> (32 - bits); }

static const struct fp_gram *find_gram(const struct cs_lang *l, const char *s, size_t n, uint32_t h)
{
    for (uint32_t i = (h * 0x9e3779b1u) & l->index_mask;; i = (i + 1) & l->index_mask) {
        uint32_t g = l->index[i];
        if (!g) return NULL;
        const struct fp_gram *e = &l->grams[g - 1];
        if (e->hash == h && e->len == n && same_bytes(e->str, s, n)) return e;
    }
}

/* Loading: the (string, language, rank) triples of every listed fingerprint, grouped by
 * string. */
struct loader {
    struct cs_lang *l;
    struct fp_rank *tri; /* per triple, in load order */
    uint32_t *tri_gram;
    size_t ntri, captri;
};

static int add_triple(struct loader *ld, const char *s, uint16_t lang, int16_t rank)
{
    struct cs_lang *l = ld->l;
    size_t n = strlen(s);
    uint32_t h = hash_bytes(s, n), i = (h * 0x9e3779b1u) & l->index_mask;
    for (; l->index[i]; i = (i + 1) & l->index_mask) {
        struct fp_gram *e = &l->grams[l->index[i] - 1];
        if (e->hash == h && e->len == n && memcmp(e->str, s, n) == 0) break;
    }
    if (!l->index[i]) {
        struct fp_gram *e = &l->grams[l->ngrams];
        memset(e, 0, sizeof(*e));
        e->hash = h;
        e->len = (uint8_t)n;
        memcpy(e->str, s, n);
        l->index[i] = (uint32_t)++l->ngrams;
    }
    if (ld->ntri == ld->captri) return CS_ERR_NOMEM; /* sized at open: cannot happen */
    ld->tri[ld->ntri] = (struct fp_rank){lang, rank};
    ld->tri_gram[ld->ntri++] = l->index[i] - 1;
    return CS_OK;
}

/* fp_Read's reading of a .lm file: the first MAXNGRAMS n-grams of at most MAXNGRAMSIZE
 * bytes (longer ones are skipped, not counted), ranked in file order. */
static int read_fingerprint(struct loader *ld, const char *path, uint16_t lang)
{
    FILE *f = fopen(path, "r");
    if (!f) return CS_ERR_IO;
    char line[LINE_MAX_LEN];
    int rc = CS_OK, cnt = 0;
    while (rc == CS_OK && cnt < MAXNGRAMS && wg_getline(line, LINE_MAX_LEN, f)) {
        wg_trim(line, line);
        char *p = strpbrk(line, " \t");
        if (p) *p = '\0';
        if (strlen(line) > MAXNGRAMSIZE) continue;
        rc = add_triple(ld, line, lang, (int16_t)cnt++);
    }
    fclose(f);
    return rc;
}

/* The library's grouping of a string's ranks: a fingerprint listing a string twice is
 * matched once, at its first (lowest) rank. */
static int group_ranks(struct loader *ld)
{
    struct cs_lang *l = ld->l;
    l->ranks = calloc(ld->ntri ? ld->ntri : 1, sizeof(*l->ranks));
    if (!l->ranks) return CS_ERR_NOMEM;
    for (size_t t = 0; t < ld->ntri; t++) l->grams[ld->tri_gram[t]].n++;
    uint32_t at = 0;
    for (size_t g = 0; g < l->ngrams; g++) {
        l->grams[g].first = at;
        at += l->grams[g].n;
        l->grams[g].n = 0;
    }
    for (size_t t = 0; t < ld->ntri; t++) {
        struct fp_gram *e = &l->grams[ld->tri_gram[t]];
        if (e->n && l->ranks[e->first + e->n - 1].lang == ld->tri[t].lang) continue;
        l->ranks[e->first + e->n++] = ld->tri[t];
    }
    return CS_OK;
}

/* special_textcat_Init's reading of the list: '#' starts a comment, a line of fewer than
 * two fields is skipped, the first field is the file (under prefix), the second the
 * name. paths[i] is language i's file. */
static int read_list(struct cs_lang *l, FILE *conf, const char *prefix, char ***paths)
{
    char line[LINE_MAX_LEN];
    size_t cap = 0;
    while (wg_getline(line, LINE_MAX_LEN, conf)) {
        char *seg[4], *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        if (wg_split(seg, line, line, 4) < 2) continue;
        if (l->nlangs == LANG_MAX) return CS_ERR_INVALID;
        if (l->nlangs == cap) {
            cap = cap ? 2 * cap : 16;
            char **n = realloc(l->names, cap * sizeof(*n)),
                 **p = n ? realloc(*paths, cap * sizeof(*p)) : NULL;
            if (n) l->names = n;
            if (p) *paths = p;
            if (!n || !p) return CS_ERR_NOMEM;
        }
        size_t k = strlen(prefix) + strlen(seg[0]) + 1;
        char *path = malloc(k);
        if (path) snprintf(path, k, "%s%s", prefix, seg[0]);
        (*paths)[l->nlangs] = path;
        l->names[l->nlangs] = strdup(seg[1]);
        l->nlangs++;
        if (!path || !l->names[l->nlangs - 1]) return CS_ERR_NOMEM;
    }
    return l->nlangs ? CS_OK : CS_ERR_IO;
}

static int load(struct cs_lang *l, char **paths)
{
    size_t cap = l->nlangs * MAXNGRAMS, slots = 1;
    while (slots < 2 * cap) slots <<= 1;
    struct loader ld = {.l = l, .captri = cap};
    l->grams = calloc(cap, sizeof(*l->grams));
    l->index = calloc(slots, sizeof(*l->index));
    l->index_mask = (uint32_t)(slots - 1);
    ld.tri = calloc(cap, sizeof(*ld.tri));
    ld.tri_gram = calloc(cap, sizeof(*ld.tri_gram));
    int rc = l->grams && l->index && ld.tri && ld.tri_gram ? CS_OK : CS_ERR_NOMEM;
    for (size_t i = 0; rc == CS_OK && i < l->nlangs; i++)
        rc = read_fingerprint(&ld, paths[i], (uint16_t)i);
    if (rc == CS_OK) rc = group_ranks(&ld);
    free(ld.tri);
    free(ld.tri_gram);
    return rc;
}

int cs_lang_open(const char *conf, const char *fp_dir, struct cs_lang **out)
{
    if (!out) return CS_ERR_INVALID;
    *out = NULL;
    if (!conf || !fp_dir) return CS_ERR_INVALID;
    char prefix[4096];
    size_t n = strlen(fp_dir);
    if (n + 2 > sizeof(prefix)) return CS_ERR_INVALID;
    /* special_textcat_Init prepends the prefix as is */
    snprintf(prefix, sizeof(prefix), "%s%s", fp_dir, n && fp_dir[n - 1] == '/' ? "" : "/");
    FILE *f = fopen(conf, "r");
    if (!f) return CS_ERR_IO;
    struct cs_lang *l = calloc(1, sizeof(*l));
    char **paths = NULL;
    int rc = l ? read_list(l, f, prefix, &paths) : CS_ERR_NOMEM;
    fclose(f);
    if (rc == CS_OK) rc = load(l, paths);
    for (size_t i = 0; l && paths && i < l->nlangs; i++) free(paths[i]);
    free(paths);
    if (rc != CS_OK) {
        cs_lang_close(l);
        return rc;
    }
    *out = l;
    return CS_OK;
}

void cs_lang_close(struct cs_lang *l)
{
    if (!l) return;
    for (size_t i = 0; l->names && i < l->nlangs; i++) free(l->names[i]);
    free(l->names);
    free(l->grams);
    free(l->ranks);
    free(l->index);
    free(l);
}

static size_t count_letters(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        /* ASCII letters, and each UTF-8 lead byte of a non-ASCII character */
        n += ((c | 32) >= 'a' && (c | 32) <= 'z') || c >= 0xc0;
    }
    return n;
}

/* Length of the longest prefix of s made of whole UTF-8 sequences: the n-gram walk takes
 * a character's length from its lead byte (as libexttextcat does), so it only sees whole
 * characters, and equal n-grams are then equal byte strings. */
static size_t whole_utf8(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80                 ? 1
                   : c >= 0xc2 && c <= 0xdf ? 2
                   : c >= 0xe0 && c <= 0xef ? 3
                   : c >= 0xf0 && c <= 0xf4 ? 4
                                            : 0;
        if (n == 0 || i + n > len) break;
        size_t k = 1;
        while (k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80) k++;
        if (k < n) break;
        i += n;
    }
    return i;
}

static inline int invalid(char c) { return isspace((unsigned char)c) || isdigit((unsigned char)c); }

/* fp_Create's preparation of the buffer (its prepbuffer state machine, step for step):
 * runs of spaces and digits become one '_', a '_' opens the text, and past size + 1
 * bytes of output the text is closed. src is NUL-terminated. Returns the bytes written
 * with the NUL. */
static size_t prepare(const char *p, size_t size, char *dst)
{
    char *w = dst, *limit = dst + size + 1;
    if (invalid(*p)) goto space;
    if (*p == '\0') goto end;
    goto open_word;
space:
    do p++;
    while (invalid(*p));
    if (*p == '\0') goto end;
open_word:
    *w++ = '_';
    if (w == limit) goto stop;
word:
    *w++ = *p++;
    if (w == limit) goto end;
    if (invalid(*p)) goto space;
    if (*p != '\0') goto word;
    goto stop;
end:
    *w++ = '_';
stop:
    *w++ = '\0';
    return (size_t)(w - dst);
}

/* utf8_charcopy's length of the character at s */
static inline size_t char_bytes(const char *s)
{
    size_t k = 0;
    if (s[0] & 0x80) {
        unsigned char e = (unsigned char)((s[0] & 0xf0) << 1);
        while ((e & 0x80) && s[k]) e = (unsigned char)(e << 1), k++;
    }
    return k + (s[k] != '\0');
}

struct text_gram {
    uint16_t start, cnt;
    uint8_t len;
    uint16_t bucket; /* the library's hash-table bucket */
    uint16_t slot;
    uint32_t hash;
};

struct text_fp {
    const char *buf;
    struct text_gram g[GRAMS_MAX];
    size_t n;
    uint16_t *slot; /* the thread's table, all empty between calls */
};

/* Zeroing a table per call cost more than counting a short text's n-grams: each thread
 * keeps one, and a call empties the slots it used. */
static _Thread_local uint16_t thread_slots[1u << SLOTS_BITS];

/* increasefreq: h is the byte hash of buf[start .. start + len), pw 31^len; the
 * library's bucket seeds its hash with 13 * the n-gram's length in characters. */
static void count_gram(struct text_fp *t, size_t start, size_t len, int syms, uint32_t h,
                       uint32_t pw)
{
    uint32_t i = slot_of(h, SLOTS_BITS);
    for (; t->slot[i]; i = (i + 1) & ((1u << SLOTS_BITS) - 1)) {
        struct text_gram *e = &t->g[t->slot[i] - 1];
        if (e->hash == h && e->len == len && same_bytes(t->buf + e->start, t->buf + start, len)) {
            e->cnt++;
            return;
        }
    }
    struct text_gram *e = &t->g[t->n];
    *e = (struct text_gram){
        .start = (uint16_t)start,
        .cnt = 1,
        .len = (uint8_t)len,
        .bucket = (uint16_t)(((uint32_t)syms * 13u * pw + h) & ((1u << TABLEPOW) - 1)),
        .slot = (uint16_t)i,
        .hash = h};
    t->slot[i] = (uint16_t)++t->n;
}

/* utfcreatengramtable: at each character, the n-grams of 1 to MAXNGRAMSYMBOL characters
 * that start there, ending at the first '_' after the first character; the walk stops
 * for good when an n-gram reaches the end of the buffer. */
static void count_grams(struct text_fp *t)
{
    const char *buf = t->buf, *p = buf;
    for (;;) {
        const char *q = p;
        uint32_t h = 0, pw = 1;
        size_t d = char_bytes(q);
        for (size_t k = 0; k < d; k++) h = hash_byte(h, q[k]), pw *= 31u;
        q += d;
        count_gram(t, (size_t)(p - buf), (size_t)(q - p), 1, h, pw);
        if (*q == '\0') return;
        for (int i = 2; i <= MAXNGRAMSYMBOL; i++) {
            d = char_bytes(q);
            for (size_t k = 0; k < d; k++) h = hash_byte(h, q[k]), pw *= 31u;
            count_gram(t, (size_t)(p - buf), (size_t)(q + d - p), i, h, pw);
            if (*q == '_') break;
            q += d;
            if (*q == '\0') return;
        }
        p += char_bytes(p);
    }
}

/* table2heap's order: buckets ascending, and in a bucket the latest n-gram first (new
 * entries are pushed on the chain's head). A stable two-pass radix sort of the reversed
 * insertion order on the 13-bit bucket. */
static void table_order(const struct text_fp *t, uint16_t *order)
{
    uint16_t tmp[GRAMS_MAX];
    unsigned lo[129] = {0}, hi[65] = {0};
    size_t n = t->n;
    for (size_t i = 0; i < n; i++) {
        lo[(t->g[i].bucket & 127) + 1]++;
        hi[(t->g[i].bucket >> 7) + 1]++;
    }
    for (int b = 0; b < 128; b++) lo[b + 1] += lo[b];
    for (int b = 0; b < 64; b++) hi[b + 1] += hi[b];
    for (size_t i = n; i-- > 0;) tmp[lo[t->g[i].bucket & 127]++] = (uint16_t)i;
    for (size_t i = 0; i < n; i++) order[hi[t->g[tmp[i]].bucket >> 7]++] = tmp[i];
}

/* The library's min-heap on counts (siftup, siftdown, heapinsert, heapextract), on
 * (count << 16 | n-gram number) instead of copies of its 32-byte entries; only the
 * counts are compared, as there. */
struct heap {
    uint32_t item[MAXNGRAMS];
    unsigned size;
};

#define CNT(h, i) ((h)->item[i] >> 16)

static inline void swap_items(struct heap *h, unsigned a, unsigned b)
{
    uint32_t x = h->item[a];
    h->item[a] = h->item[b];
    h->item[b] = x;
}

static void sift_up(struct heap *h, unsigned child)
{
    while (child > 0) {
        unsigned parent = (child - 1) >> 1;
        if (!(CNT(h, parent) > CNT(h, child))) return;
        swap_items(h, parent, child);
        child = parent;
    }
}

static void sift_down(struct heap *h, unsigned size, unsigned parent)
{
    for (unsigned child = 2 * parent + 1; child < size; child = 2 * parent + 1) {
        if (child + 1 < size && CNT(h, child) > CNT(h, child + 1)) child++;
        if (!(CNT(h, parent) > CNT(h, child))) return;
        swap_items(h, parent, child);
        parent = child;
    }
}

static void heap_insert(struct heap *h, uint32_t it)
{
    if (h->size < MAXNGRAMS) {
        h->item[h->size] = it;
        sift_up(h, h->size++);
        return;
    }
    if ((it >> 16) < CNT(h, 0)) return;
    h->item[0] = it;
    sift_down(h, h->size, 0);
}

static uint16_t heap_extract(struct heap *h)
{
    uint16_t top = (uint16_t)h->item[0];
    if (h->size > 1) h->item[0] = h->item[h->size - 1];
    sift_down(h, h->size, 0); /* over the old size, as the library does */
    h->size--;
    return top;
}

/* fp_Create's ranking: the MAXNGRAMS most frequent n-grams, rank 0 the most frequent.
 * byrank[r] is the n-gram of rank r; returns how many. */
static size_t rank_grams(const struct text_fp *t, uint16_t *byrank)
{
    uint16_t order[GRAMS_MAX];
    table_order(t, order);
    struct heap h = {.size = 0};
    for (size_t i = 0; i < t->n; i++)
        heap_insert(&h, (uint32_t)t->g[order[i]].cnt << 16 | order[i]);
    size_t m = h.size;
    for (size_t r = m; r-- > 0;) byrank[r] = heap_extract(&h);
    return m;
}

static int cmp_candidates(const void *a, const void *b)
{
    const candidate_t *x = a, *y = b;
    return x->score - y->score;
}

/* fp_Compare summed per language (an n-gram of the text at rank r adds |r - its rank in
 * the fingerprint|, or MAXOUTOFPLACE when the fingerprint lacks it), then
 * textcat_ClassifyFull's verdict. fp_Compare stops with MAXSCORE once its running sum
 * passes the cutoff; the sum only grows, so that is the total passing it. */
static int classify(const struct cs_lang *l, const struct text_fp *t, const uint16_t *byrank,
                    size_t m, candidate_t *cand)
{
    int total[LANG_MAX];
    for (size_t i = 0; i < l->nlangs; i++) total[i] = (int)m * MAXOUTOFPLACE;
    for (size_t r = 0; r < m; r++) {
        const struct text_gram *e = &t->g[byrank[r]];
        const struct fp_gram *g = find_gram(l, t->buf + e->start, e->len, e->hash);
        if (!g) continue;
        for (const struct fp_rank *k = &l->ranks[g->first], *end = k + g->n; k < end; k++)
            total[k->lang] += abs(k->rank - (int)r) - MAXOUTOFPLACE;
    }
    int minscore = MAXSCORE, threshold = minscore;
    for (size_t i = 0; i < l->nlangs; i++) {
        int score = total[i] > threshold ? MAXSCORE : total[i];
        cand[i] = (candidate_t){.score = score, .name = l->names[i]};
        if (score < minscore) {
            minscore = score;
            threshold = (int)((double)score * THRESHOLDVALUE);
        }
    }
    int cnt = 0;
    for (size_t i = 0; i < l->nlangs; i++) {
        if (cand[i].score >= threshold) continue;
        if (++cnt == MAXCANDIDATES + 1) return TEXTCAT_RESULT_UNKNOWN;
        cand[cnt - 1] = cand[i];
    }
    qsort(cand, (size_t)cnt, sizeof(*cand), cmp_candidates);
    return cnt;
}

/* textcat_ClassifyFull on sample[0..len) (NUL-terminated): the number of candidates,
 * best first in cand, or <= 0 when undecided. */
static int classify_full(const struct cs_lang *l, const char *sample, size_t len, candidate_t *cand)
{
    struct text_fp t;
    char buf[PREP_MAX];
    if (len < LANG_MIN_DOC || prepare(sample, len, buf) < LANG_MIN_DOC) return TEXTCAT_RESULT_SHORT;
    t.buf = buf;
    t.n = 0;
    t.slot = thread_slots;
    count_grams(&t);
    for (size_t i = 0; i < t.n; i++) t.slot[t.g[i].slot] = 0;
    uint16_t byrank[MAXNGRAMS];
    size_t m = rank_grams(&t, byrank);
    return classify(l, &t, byrank, m, cand);
}

int cs_lang_detect(const struct cs_lang *l, const char *text, size_t len,
                   struct cs_lang_result *out)
{
    if (!out) return CS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (!l || (!text && len)) return CS_ERR_INVALID;
    if (len > LANG_MAX_BYTES) {
        size_t cut = LANG_MAX_BYTES;
        while (cut > LANG_MAX_BYTES / 2 && text[cut] != ' ') cut--;
        len = text[cut] == ' ' ? cut : LANG_MAX_BYTES;
    }
    len = whole_utf8(text, len);
    if (len == 0) return CS_OK;
    /* the walk reads to a NUL: its own terminated copy of the sample */
    char sample[LANG_MAX_BYTES + 1];
    memcpy(sample, text, len);
    sample[len] = '\0';
    candidate_t c[LANG_MAX];
    int k = classify_full(l, sample, len, c);
    if (k > 0 && strlen(c[0].name) < sizeof(out->code)) {
        memcpy(out->code, c[0].name, strlen(c[0].name) + 1);
        size_t letters = count_letters(sample, len);
        float scale = letters >= LANG_FULL_LETTERS ? 1.0f : (float)letters / LANG_FULL_LETTERS;
        out->confidence = scale / (float)k;
    }
    return CS_OK;
}
