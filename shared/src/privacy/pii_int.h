/* Internals of the PII detector shared by its recogniser families (pii.c,
 * pii_patterns.c, pii_address.c, pii_names.c); never included outside privacy/. */
#ifndef CS_PII_INT_H
#define CS_PII_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "cs/pii.h"

/* Candidates before overlap resolution; more room than the final result. */
#define MAX_CAND (CS_PII_MAX_SPANS * 4)
#define MAX_CLAIMS 16

struct scan {
    const char *t;
    size_t n;
    const struct cs_model *names;
    int lower; /* no ASCII capital anywhere: names may be written in lower case */
    size_t nc;
    int overflow;
    int nclaim; /* address field layouts found (address_parts) */
    size_t claim_b[MAX_CLAIMS], claim_e[MAX_CLAIMS];
    struct cs_pii_span c[MAX_CAND];
};

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }
static inline int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static inline int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static inline int is_alpha(char c) { return is_upper(c) || is_lower(c); }
static inline int is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static inline int is_hex(char c) { return is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f'); }
static inline int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* word characters include UTF-8 bytes so "Åberg" is one token */
static inline int is_wordc(char c) { return is_alnum(c) || ((unsigned char)c & 0x80u); }

/* Adds a candidate span [b, e) (bytes); sets overflow when the candidates are full. */
void pii_add(struct scan *s, enum cs_pii_type type, size_t b, size_t e, float score);

/* Is one of the lower-case words in `list` within `window` bytes before `at`? (at ==
 * SIZE_MAX: no cue needed, 1) */
int pii_context_before(const struct scan *s, size_t at, size_t window, const char *const *list);

/* End of a run of lo..hi digits at i, or 0. */
static inline size_t pii_digits_at(const struct scan *s, size_t i, size_t lo, size_t hi)
{
    size_t e = i;
    while (e < s->n && is_digit(s->t[e])) e++;
    return (e - i >= lo && e - i <= hi) ? e : 0;
}

/* End of the word at i (word characters and apostrophes). */
static inline size_t pii_word_end(const struct scan *s, size_t i)
{
    while (i < s->n && (is_wordc(s->t[i]) || s->t[i] == '\'')) i++;
    return i;
}

/* Is [b, e) one of the lower-case words of the NULL-ended list, case-folded? */
static inline int pii_word_in(const struct scan *s, size_t b, size_t e, const char *const *list)
{
    if (e <= b) return 0;
    /* the lists are lower case: the first byte rules out most entries before a length
     * and a case-folded compare (the street list alone has over a hundred) */
    char c0 = (char)(is_upper(s->t[b]) ? s->t[b] + 32 : s->t[b]);
    for (size_t k = 0; list[k]; k++)
        if (list[k][0] == c0 && strlen(list[k]) == e - b &&
            strncasecmp(s->t + b, list[k], e - b) == 0)
            return 1;
    return 0;
}

/* Does [b, e) start with a capital (ASCII or a UTF-8 letter)? */
static inline int pii_cap_word(const struct scan *s, size_t b, size_t e)
{
    return e > b && (is_upper(s->t[b]) || ((unsigned char)s->t[b] & 0x80u));
}

/* All capitals, like "HARSTAD" or "ATM" (two or more). */
static inline int pii_all_caps(const struct scan *s, size_t b, size_t e)
{
    size_t upper = 0;
    for (size_t i = b; i < e; i++) {
        unsigned char c = (unsigned char)s->t[i];
        if (is_lower(s->t[i])) return 0;
        /* Latin-1 letters: U+00DF..U+00FF (0xC3 0x9F..0xBF) are lower case */
        if (c == 0xC3 && i + 1 < e && (unsigned char)s->t[i + 1] >= 0x9F) return 0;
        upper += is_upper(s->t[i]);
    }
    return upper >= 2;
}

/* Unit words of an address ("apt", "suite", ...), NULL-ended. */
extern const char *const pii_unit_words[];

/* The recogniser families: each adds its candidates to s. */
void pii_scan_email(struct scan *s);
void pii_scan_url(struct scan *s);
void pii_scan_ip(struct scan *s);
void pii_scan_iban(struct scan *s);
void pii_scan_numbers(struct scan *s);
void pii_scan_dob(struct scan *s);
void pii_scan_address(struct scan *s);
void pii_scan_names(struct scan *s);

#endif
