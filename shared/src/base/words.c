/* The one word tokeniser (cs/words.h). Hand-written rather than ICU or libunistring:
 * the callers need byte-exact compatibility with features the shipped models were
 * trained on and a fixed Latin-1 folding for five languages, on the hot path of every
 * ticket (a few hundred nanoseconds per text), which a general Unicode segmenter
 * neither gives nor costs. */
#include "cs/words.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* U+00C0..U+00FF folded to ASCII; "" for the two symbols in the block (x, division). */
static const char *const LATIN1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};

static size_t byte_char(unsigned char c, struct cs_wchar *o)
{
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
        o->fold[0] = (char)c, o->n = 1, o->word = true;
    } else if (c >= 'A' && c <= 'Z') {
        o->fold[0] = (char)(c + 32), o->n = 1, o->word = true, o->upper = true;
    } else if (c == '\'') {
        o->fold[0] = '\'', o->n = 1;
    }
    return 1;
}

static size_t utf8_char(const char *text, size_t len, size_t i, struct cs_wchar *o)
{
    unsigned char c = (unsigned char)text[i];
    if (c < 0x80) return byte_char(c, o);
    if (c == 0xc3 && i + 1 < len && ((unsigned char)text[i + 1] & 0xc0) == 0x80) {
        unsigned k = (unsigned char)text[i + 1] - 0x80u;
        const char *f = LATIN1[k];
        o->n = (uint8_t)strlen(f);
        memcpy(o->fold, f, o->n);
        o->word = o->n > 0;
        o->upper = k < 0x1f && k != 0x17;
        return 2;
    }
    if (c == 0xc5 && i + 1 < len &&
        ((unsigned char)text[i + 1] == 0x93 || (unsigned char)text[i + 1] == 0x92)) {
        memcpy(o->fold, "oe", 2), o->n = 2, o->word = true;
        o->upper = (unsigned char)text[i + 1] == 0x92;
        return 2;
    }
    if (c == 0xe2 && i + 2 < len && (unsigned char)text[i + 1] == 0x80 &&
        ((unsigned char)text[i + 2] == 0x99 || (unsigned char)text[i + 2] == 0x98)) {
        o->fold[0] = '\'', o->n = 1; /* typographic apostrophe */
        return 3;
    }
    /* U+0080..U+00BF ("¡", "¿", "«", "»", the no-break space) and U+2000..U+206F
     * (dashes, typographic quotes, the ellipsis, bullets) are punctuation: a word
     * character would glue "¡Sois" or "“resolved”" into words no phrase matches */
    if ((c == 0xc2 && i + 1 < len) ||
        (c == 0xe2 && i + 2 < len && (unsigned char)text[i + 1] == 0x80))
        return c == 0xc2 ? 2 : 3;
    /* any other multi-byte character: a letter of some other script, kept as bytes so
     * the word stays distinct but never matches the ASCII lexicons */
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (i + n > len) n = len - i;
    if (c >= 0xc0) {
        o->n = (uint8_t)(n < 3 ? n : 3);
        memcpy(o->fold, text + i, o->n);
        o->word = true;
    }
    return n;
}

size_t cs_words_char(const char *text, size_t len, size_t i, unsigned flags, struct cs_wchar *c)
{
    memset(c, 0, sizeof(*c));
    if (flags & CS_WORDS_UTF8) return utf8_char(text, len, i, c);
    return byte_char((unsigned char)text[i], c);
}

static bool is_apos(const struct cs_wchar *c) { return c->n == 1 && c->fold[0] == '\''; }

static bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* The byte reading of cs_words_next without a call per character: it runs over every
 * ticket for each model's features. */
static bool next_bytes(const char *text, size_t len, size_t *pos, unsigned flags, struct cs_word *w)
{
    size_t i = *pos;
    while (i < len && !is_word_byte((unsigned char)text[i])) i++;
    if (i >= len) {
        *pos = len;
        return false;
    }
    w->off = i;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (is_word_byte(c)) {
            w->uppers += c >= 'A' && c <= 'Z';
            w->letters += (c | 32) >= 'a' && (c | 32) <= 'z';
            continue;
        }
        if (!((flags & CS_WORDS_APOS) && c == '\'' && i + 1 < len &&
              is_word_byte((unsigned char)text[i + 1])))
            break;
    }
    w->len = i - w->off;
    *pos = i;
    return true;
}

bool cs_words_next(const char *text, size_t len, size_t *pos, unsigned flags, struct cs_word *w)
{
    memset(w, 0, sizeof(*w));
    if (!(flags & CS_WORDS_UTF8)) return next_bytes(text, len, pos, flags, w);
    size_t i = *pos;
    struct cs_wchar c;
    while (i < len) {
        size_t cl = cs_words_char(text, len, i, flags, &c);
        if (c.word) break;
        i += cl;
    }
    if (i >= len) {
        *pos = len;
        return false;
    }
    w->off = i;
    while (i < len) {
        size_t cl = cs_words_char(text, len, i, flags, &c);
        if (c.word) {
            bool letter = c.upper || (c.fold[0] >= 'a' && c.fold[0] <= 'z') ||
                          ((flags & CS_WORDS_UTF8) && (unsigned char)c.fold[0] >= 0x80);
            w->uppers += c.upper;
            w->letters += letter;
            i += cl;
            continue;
        }
        if ((flags & CS_WORDS_APOS) && is_apos(&c) && i + cl < len) {
            struct cs_wchar nx;
            cs_words_char(text, len, i + cl, flags, &nx);
            if (nx.word) {
                i += cl;
                continue;
            }
        }
        break;
    }
    w->len = i - w->off;
    *pos = i;
    return true;
}

size_t cs_words_fold(const char *text, size_t n, unsigned flags, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        struct cs_wchar c;
        i += cs_words_char(text, n, i, flags, &c);
        if (o + c.n > cap) break;
        memcpy(out + o, c.fold, c.n);
        o += c.n;
    }
    return o;
}

/* The stop words, searched by bisection in a sorted copy made once per process (a
 * linear strcmp scan was a tenth of a ticket's CPU time in the drafts' profiles). The
 * last rows, words under three letters, matter to the full-text query only: the drafts
 * skip such words before asking. */
static const char *stop_words[] = {
    "the",    "and",   "for",   "you",    "your",  "yours", "was",   "were", "are",    "has",
    "have",   "had",   "this",  "that",   "these", "those", "with",  "from", "but",    "not",
    "can",    "could", "would", "should", "will",  "just",  "get",   "got",  "please", "help",
    "thanks", "thank", "hello", "dear",   "there", "what",  "when",  "why",  "how",    "who",
    "which",  "into",  "about", "been",   "being", "our",   "out",   "all",  "any",    "some",
    "they",   "them",  "their", "then",   "than",  "too",   "very",  "also", "its",    "still",
    "again",  "now",   "today", "did",    "does",  "doing", "don",   "didn", "doesn",  "isn",
    "won",    "wasn",  "haven", "hasn",   "she",   "her",   "his",   "him",  "mine",   "need",
    "want",   "know",  "like",  "make",   "made",  "one",   "where", "here", "able",   "let",
    "may",    "might", "must",  "shall",  "yet",   "only",  "even",  "much", "many",   "more",
    "most",   "other", "such",  "each",   "every", "own",   "same",  "via",  "per",    "use",
    "a",      "am",    "an",    "as",     "at",    "be",    "by",    "do",   "i",      "if",
    "im",     "in",    "is",    "it",     "me",    "my",    "of",    "on",   "or",     "so",
    "to",     "we",
};
#define NSTOP (sizeof stop_words / sizeof stop_words[0])

static int cmp_word(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sort_stop_words(void) { qsort(stop_words, NSTOP, sizeof stop_words[0], cmp_word); }

bool cs_words_stop(const char *w)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sort_stop_words);
    return bsearch(&w, stop_words, NSTOP, sizeof stop_words[0], cmp_word) != NULL;
}
