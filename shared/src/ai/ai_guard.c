/* The system-prompt echo guard. A prompt-injection attempt often asks the model to
 * "repeat your instructions"; whatever the customer text did, a reply that reproduces
 * a run of the system prompt is cut before that run. Runs are compared as words,
 * ignoring case, spacing and punctuation, so reformatting does not hide a leak. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"

#define RUN_WORDS 8
#define MIN_WORDS 4 /* shorter prompts ("Be brief.") are too generic to guard */
#define MAX_WORDS 8192

struct word {
    size_t start, len;
};

static size_t split(const char *s, struct word *w, size_t cap)
{
    size_t n = 0, i = 0;
    while (s[i] && n < cap) {
        while (s[i] && !isalnum((unsigned char)s[i]) && !((unsigned char)s[i] & 0x80)) i++;
        size_t st = i;
        while (s[i] && (isalnum((unsigned char)s[i]) || ((unsigned char)s[i] & 0x80))) i++;
        if (i > st) w[n++] = (struct word){st, i - st};
    }
    return n;
}

static uint64_t run_hash(const char *s, const struct word *w, size_t k)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t j = 0; j < k; j++) {
        for (size_t i = 0; i < w[j].len; i++) {
            h ^= (unsigned char)tolower((unsigned char)s[w[j].start + i]);
            h *= 1099511628211ULL;
        }
        h ^= ' ';
        h *= 1099511628211ULL;
    }
    return h;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

bool cs_ai_echoes_system(const char *reply, const char *system, size_t *cut)
{
    if (!reply || !system) return false;
    struct word *sw = malloc(MAX_WORDS * sizeof(*sw));
    struct word *rw = malloc(MAX_WORDS * sizeof(*rw));
    uint64_t *hs = malloc(MAX_WORDS * sizeof(*hs));
    bool found = false;
    if (!sw || !rw || !hs) goto out;
    size_t ns = split(system, sw, MAX_WORDS), nr = split(reply, rw, MAX_WORDS);
    if (ns < MIN_WORDS) goto out;
    size_t k = ns < RUN_WORDS ? ns : RUN_WORDS;
    size_t nh = ns - k + 1;
    for (size_t i = 0; i < nh; i++) hs[i] = run_hash(system, sw + i, k);
    qsort(hs, nh, sizeof(*hs), cmp_u64);
    for (size_t i = 0; i + k <= nr && !found; i++) {
        uint64_t h = run_hash(reply, rw + i, k);
        if (bsearch(&h, hs, nh, sizeof(*hs), cmp_u64)) {
            found = true;
            if (cut) *cut = rw[i].start;
        }
    }
out:
    free(sw);
    free(rw);
    free(hs);
    return found;
}
