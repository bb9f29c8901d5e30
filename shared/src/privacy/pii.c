/* PII detection (see cs/pii.h): the shared scanning helpers, checksums, overlap
 * resolution and the entry point. The recognisers live by family in pii_patterns.c
 * (email, URL, IP, numbers, IBAN, dates of birth), pii_address.c (street addresses) and
 * pii_names.c (person names); each scans the text byte by byte and adds candidate
 * spans, then overlaps are resolved in favour of the higher score, then the longer span.
 * Recognisers are hand-written rather than regex-based: no allocation, no backtracking
 * blow-up on hostile input, and checksums fit in naturally. */
#include "cs/pii.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pii_int.h"

static const char *const TYPE_NAME[CS_PII__COUNT] = {
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD",    "IBAN_CODE",     "US_SSN", "ACCOUNT_NUMBER",
    "IP_ADDRESS",    "URL",          "STREET_ADDRESS", "DATE_OF_BIRTH", "PERSON"};

const char *cs_pii_type_name(enum cs_pii_type t)
{
    return (unsigned)t < CS_PII__COUNT ? TYPE_NAME[t] : "UNKNOWN";
}

int cs_pii_type_parse(const char *name)
{
    for (int i = 0; i < CS_PII__COUNT; i++)
        if (name && strcmp(name, TYPE_NAME[i]) == 0) return i;
    return -1;
}

const char *const pii_unit_words[] = {"apt", "apartment", "suite", "unit", "floor",
                                      "fl",  "building",  "bldg",  "box",  NULL};

void pii_add(struct scan *s, enum cs_pii_type type, size_t b, size_t e, float score)
{
    if (e <= b) return;
    if (s->nc == MAX_CAND) {
        s->overflow = 1;
        return;
    }
    s->c[s->nc++] =
        (struct cs_pii_span){.type = type, .start_byte = b, .end_byte = e, .score = score};
}

/* Is one of the lower-case words in `list` within `window` bytes before `at`? */
int pii_context_before(const struct scan *s, size_t at, size_t window, const char *const *list)
{
    if (at == SIZE_MAX) return 1; /* caller: no cue needed */
    size_t from = at > window ? at - window : 0;
    /* one pass over the window; a cue starts a word, so only word starts are tried, and
     * the first letter is compared before the whole cue */
    for (size_t p = from; p < at; p++) {
        if (p > 0 && is_alpha(s->t[p - 1])) continue;
        char c = (char)(is_upper(s->t[p]) ? s->t[p] + 32 : s->t[p]);
        for (size_t i = 0; list[i]; i++) {
            if (list[i][0] != c) continue;
            size_t k = strlen(list[i]);
            if (p + k <= at && strncasecmp(s->t + p, list[i], k) == 0) return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ checksums */

int cs_pii_luhn_valid(const char *d, size_t n)
{
    if (n < 12 || n > 19) return 0;
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(d[n - 1 - i])) return 0;
        int v = d[n - 1 - i] - '0';
        if (i % 2 == 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
    }
    return sum % 10 == 0;
}

int cs_pii_iban_valid(const char *s, size_t n)
{
    char buf[40];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') continue;
        if (!is_alnum(s[i]) || m == sizeof(buf)) return 0;
        buf[m++] = (char)(is_lower(s[i]) ? s[i] - 32 : s[i]);
    }
    if (m < 15 || m > 34 || !is_upper(buf[0]) || !is_upper(buf[1]) || !is_digit(buf[2]) ||
        !is_digit(buf[3]))
        return 0;
    /* ISO 13616: move the first four characters to the end, letters become 10..35,
     * the number mod 97 must be 1; computed digit by digit. */
    unsigned rem = 0;
    for (size_t k = 0; k < m; k++) {
        char c = buf[(k + 4) % m];
        if (is_digit(c))
            rem = (rem * 10 + (unsigned)(c - '0')) % 97;
        else
            rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
    }
    return rem == 1;
}

/* ------------------------------------------------------------------ resolution */

static int better(const struct cs_pii_span *a, const struct cs_pii_span *b)
{
    if (a->score != b->score) return a->score > b->score;
    return a->end_byte - a->start_byte > b->end_byte - b->start_byte;
}

/* Keeps a candidate unless it overlaps a better one; output sorted by start. */
static void resolve(struct scan *s, struct cs_pii_result *out)
{
    out->n = 0;
    for (size_t i = 0; i < s->nc; i++) {
        const struct cs_pii_span *a = &s->c[i];
        int keep = 1;
        for (size_t j = 0; j < s->nc && keep; j++) {
            const struct cs_pii_span *b = &s->c[j];
            if (i == j || b->end_byte <= a->start_byte || a->end_byte <= b->start_byte) continue;
            if (better(b, a) || (!better(a, b) && j < i)) keep = 0;
        }
        if (!keep) continue;
        if (out->n == CS_PII_MAX_SPANS) {
            out->truncated = 1;
            break;
        }
        size_t at = out->n++;
        while (at > 0 && out->span[at - 1].start_byte > a->start_byte) {
            out->span[at] = out->span[at - 1];
            at--;
        }
        out->span[at] = *a;
    }
}

/* Character offsets: count code point starts up to each byte offset, in one pass. */
static void char_offsets(const char *t, struct cs_pii_result *r)
{
    size_t chars = 0, byte = 0;
    for (size_t k = 0; k < 2 * r->n; k++) {
        /* spans are sorted and disjoint, so start/end offsets ascend */
        struct cs_pii_span *sp = &r->span[k / 2];
        size_t target = k % 2 ? sp->end_byte : sp->start_byte;
        for (; byte < target; byte++)
            if (((unsigned char)t[byte] & 0xC0u) != 0x80u) chars++;
        if (k % 2)
            sp->end = chars;
        else
            sp->start = chars;
    }
}

int cs_pii_detect(const struct cs_model *names, const char *text, size_t len,
                  struct cs_pii_result *out)
{
    if (!out || (!text && len) || (names && cs_model_kind(names) != CS_MODEL_LEXICON))
        return CS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (len == 0) return CS_OK;
    struct scan s; /* ~20 KiB of candidates; fine on any thread stack we run on */
    s.t = text;
    s.n = len > CS_PII_MAX_BYTES ? CS_PII_MAX_BYTES : len;
    s.names = names;
    s.lower = 1;
    for (size_t i = 0; i < s.n && s.lower; i++) s.lower = !is_upper(text[i]);
    s.nc = 0;
    s.overflow = 0;
    s.nclaim = 0;
    pii_scan_email(&s);
    pii_scan_url(&s);
    pii_scan_ip(&s);
    pii_scan_iban(&s);
    pii_scan_numbers(&s);
    pii_scan_dob(&s);
    pii_scan_address(&s);
    pii_scan_names(&s);
    resolve(&s, out);
    char_offsets(text, out);
    out->truncated |= s.overflow || len > CS_PII_MAX_BYTES;
    return CS_OK;
}
