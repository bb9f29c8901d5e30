/* The phrase matcher of cues_int.h: patterns compiled once into hashed word sets, then
 * matched word by word with clause-bounded gaps. Interpreting the pattern strings on
 * every word cost milliseconds per message; compiled, a message takes microseconds. */
#include <stdlib.h>
#include <string.h>

#include "nlp/cues_int.h"

#define GAP_MAX 4

uint32_t cs_phrase_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

/* Both sorts below are by hand, not qsort: built at every cold start over ~10k
 * entries in ~1,400 runs, qsort's calls through the comparator were half the build's
 * instructions (issue 15). Both are stable, as glibc's qsort (a merge sort) was, so the
 * index is the same byte for byte. */

/* Insertion sort by hash: a word has a handful of alternatives. */
static void sort_alts(struct cs_palt *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct cs_palt x = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1].hash > x.hash; j--) a[j] = a[j - 1];
        a[j] = x;
    }
}

/* LSD radix sort by hash, a byte a pass. The entries arrive in pattern order, so a
 * stable sort by hash leaves them ordered by (hash, pattern). */
static bool sort_first(struct cs_pfirst *f, size_t n)
{
    struct cs_pfirst *tmp = malloc(n * sizeof(*tmp) + 1);
    if (!tmp) return false;
    struct cs_pfirst *src = f, *dst = tmp;
    for (unsigned shift = 0; shift < 32; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++) count[((src[i].hash >> shift) & 0xffu) + 1]++;
        for (size_t b = 1; b < 257; b++) count[b] += count[b - 1];
        for (size_t i = 0; i < n; i++) dst[count[(src[i].hash >> shift) & 0xffu]++] = src[i];
        struct cs_pfirst *t = src;
        src = dst, dst = t;
    }
    /* four passes: the sorted run is back in f */
    free(tmp);
    return true;
}

/* Compiles one word p[0..n) (alternatives split by '|'). */
static bool compile_word(struct cs_phrase_index *idx, const char *p, size_t n, struct cs_pword *w)
{
    memset(w, 0, sizeof(*w));
    if (n == 3 && memcmp(p, "...", 3) == 0) {
        w->gap = 1;
        return true;
    }
    if (n > 0 && *p == '~') w->name = 1, p++, n--;
    /* exact alternatives first, then prefixes, each as a run of idx->alts */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t start = idx->n_alts;
        for (const char *a = p, *end = p + n; a < end;) {
            const char *b = memchr(a, '|', (size_t)(end - a));
            if (!b) b = end;
            size_t len = (size_t)(b - a);
            bool prefix = len > 0 && a[len - 1] == '*';
            if (len == 1 && *a == '_')
                w->optional = 1;
            else if (len > 0 && prefix == (pass == 1)) {
                if (idx->n_alts >= CS_PHRASE_MAX_ALTS || len > 255) return false;
                size_t l = prefix ? len - 1 : len;
                idx->alts[idx->n_alts++] = (struct cs_palt){cs_phrase_hash(a, l), (uint8_t)l, a};
            }
            a = b + 1;
        }
        if (pass == 0) {
            w->exact = start, w->n_exact = idx->n_alts - start;
            sort_alts(idx->alts + start, w->n_exact);
        } else {
            w->prefix = start, w->n_prefix = idx->n_alts - start;
        }
    }
    return w->n_exact + w->n_prefix > 0 || w->optional;
}

static int letter_of(char c) { return c >= 'a' && c <= 'z' ? c - 'a' : 26; }

static bool compile_pattern(struct cs_phrase_index *idx, const char *pat, uint16_t id)
{
    struct cs_ppat *pp = &idx->pats[id];
    pp->word = idx->n_words;
    for (const char *p = pat; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *q = strchr(p, ' ');
        if (!q) q = p + strlen(p);
        if (idx->n_words >= CS_PHRASE_MAX_WORDS) return false;
        if (!compile_word(idx, p, (size_t)(q - p), &idx->words[idx->n_words])) return false;
        idx->n_words++;
        p = q;
    }
    pp->n_words = idx->n_words - pp->word;
    if (pp->n_words == 0) return false;
    const struct cs_pword *w0 = &idx->words[pp->word];
    if (w0->optional || w0->gap) return false; /* a phrase starts at a word */
    for (uint32_t k = 0; k < w0->n_exact; k++) {
        if (idx->n_first >= CS_PHRASE_MAX_ALTS) return false;
        idx->first[idx->n_first++] = (struct cs_pfirst){idx->alts[w0->exact + k].hash, id};
    }
    for (uint32_t k = 0; k < w0->n_prefix; k++) {
        const struct cs_palt *pa = &idx->alts[w0->prefix + k];
        int b = letter_of(pa->s[0]);
        if (idx->n_prefix_by[b] >= sizeof(idx->prefix_first[0]) / sizeof(idx->prefix_first[0][0]))
            return false;
        idx->prefix_first[b][idx->n_prefix_by[b]++] = (struct cs_pprefix){pa->s, pa->len, id};
        idx->n_prefix_first++;
    }
    return true;
}

bool cs_phrase_index_build(const struct cs_phrase *tab, size_t n, struct cs_phrase_index *idx)
{
    /* Only the counts: every array is read below its count, and clearing the ~600 KiB
     * of arrays cost as much as compiling the patterns. */
    memset(idx->n_prefix_by, 0, sizeof(idx->n_prefix_by));
    idx->n_alts = idx->n_words = idx->n_first = idx->n_prefix_first = idx->n_pats = 0;
    if (n > sizeof(idx->pats) / sizeof(idx->pats[0])) return false;
    for (size_t i = 0; i < n; i++)
        if (!compile_pattern(idx, tab[i].pat, (uint16_t)i)) return false;
    idx->n_pats = (uint32_t)n;
    if (!sort_first(idx->first, idx->n_first)) return false;
    /* one entry per (hash, pattern): "a|a" or two alternatives hashing alike */
    uint32_t m = 0;
    for (uint32_t i = 0; i < idx->n_first; i++)
        if (m == 0 || idx->first[m - 1].hash != idx->first[i].hash ||
            idx->first[m - 1].pat != idx->first[i].pat)
            idx->first[m++] = idx->first[i];
    idx->n_first = m;
    return true;
}

static bool word_matches(const struct cs_toks *tk, const struct cs_phrase_index *idx,
                         const struct cs_pword *w, const struct cs_tok *t)
{
    if (w->name) {
        /* a capitalised word inside a sentence is a name or a product ("this is Sue",
         * the "Lawsuit" perfume) unless the whole text is shouted */
        bool shouting = tk->words > 0 && tk->upper_words * 2 > tk->words;
        if (t->cap && !t->start && !shouting) return false;
    }
    const struct cs_palt *a = idx->alts + w->exact;
    size_t lo = 0, hi = w->n_exact;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a[mid].hash < t->h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < w->n_exact && a[lo].hash == t->h; lo++)
        if (a[lo].len == t->n && memcmp(a[lo].s, t->w, t->n) == 0) return true;
    for (uint32_t k = 0; k < w->n_prefix; k++) {
        const struct cs_palt *pa = &idx->alts[w->prefix + k];
        if (pa->s[0] == t->w[0] && t->n >= pa->len && memcmp(t->w, pa->s, pa->len) == 0)
            return true;
    }
    return false;
}

/* Matches words [wi, we) of a pattern at text word i of `clause`: one past the last
 * matched text word, or -1. */
static long match_from(const struct cs_toks *tk, const struct cs_phrase_index *idx, uint32_t wi,
                       uint32_t we, size_t i, uint16_t clause)
{
    if (wi == we) return (long)i;
    const struct cs_pword *w = &idx->words[wi];
    if (w->gap) {
        for (size_t g = 0; g <= GAP_MAX; g++) {
            if (g > 0 && (i + g > tk->n || tk->t[i + g - 1].clause != clause)) break;
            long r = match_from(tk, idx, wi + 1, we, i + g, clause);
            if (r >= 0) return r;
        }
        return -1;
    }
    if (i < tk->n && tk->t[i].clause == clause && word_matches(tk, idx, w, &tk->t[i])) {
        long r = match_from(tk, idx, wi + 1, we, i + 1, clause);
        if (r >= 0) return r;
    }
    return w->optional ? match_from(tk, idx, wi + 1, we, i, clause) : -1;
}

static void try_pattern(const struct cs_phrase *tab, const struct cs_phrase_index *idx,
                        const struct cs_toks *tk, uint16_t id, size_t i, cs_phrase_fn fn, void *ctx)
{
    const struct cs_ppat *pp = &idx->pats[id];
    long end = match_from(tk, idx, pp->word, pp->word + pp->n_words, i, tk->t[i].clause);
    if (end > (long)i) fn(ctx, tk, &tab[id], i, (size_t)end);
}

void cs_phrase_scan(const struct cs_phrase *tab, const struct cs_phrase_index *idx,
                    const struct cs_toks *tk, cs_phrase_fn fn, void *ctx)
{
    /* a pattern is tried once per word even when several alternatives fit it */
    static _Thread_local uint32_t stamp[1024], gen;
    for (size_t i = 0; i < tk->n; i++) {
        const struct cs_tok *t = &tk->t[i];
        if (++gen == 0) memset(stamp, 0, sizeof(stamp)), gen = 1;
        size_t lo = 0, hi = idx->n_first;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (idx->first[mid].hash < t->h)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < idx->n_first && idx->first[lo].hash == t->h; lo++) {
            uint16_t id = idx->first[lo].pat;
            if (stamp[id] == gen) continue;
            stamp[id] = gen;
            try_pattern(tab, idx, tk, id, i, fn, ctx);
        }
        int b = letter_of(t->w[0]);
        for (uint32_t k = 0; k < idx->n_prefix_by[b]; k++) {
            const struct cs_pprefix *pp = &idx->prefix_first[b][k];
            if (stamp[pp->pat] == gen || t->n < pp->len || memcmp(t->w, pp->s, pp->len) != 0)
                continue;
            stamp[pp->pat] = gen;
            try_pattern(tab, idx, tk, pp->pat, i, fn, ctx);
        }
    }
}
