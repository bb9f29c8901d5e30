/* Currency amounts stated in a ticket (cs_triage_amount, cs/triage.h). LABELLING.md's
 * priority rules compare charges with 10 in the customer's currency, so only the
 * number matters, not which currency. Written by hand: no Debian library reads money
 * amounts out of free text in five languages, and the rule is small (a marker next to
 * a number). */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "nlp/triage_int.h"

/* Symbols (byte-exact, UTF-8) and words (whole word, case-insensitive). */
static const char *const SYMBOLS[] = {"$", "\xc2\xa3", "\xe2\x82\xac", "\xc2\xa5", NULL};
static const char *const WORDS[] = {
    "usd",    "eur",  "gbp",   "chf",  "cad",   "aud",     "brl",    "mxn",     "jpy",     "inr",
    "nzd",    "sek",  "dkk",   "nok",  "pln",   "dollars", "dollar", "bucks",   "euros",   "euro",
    "pounds", "quid", "reais", "real", "pesos", "francs",  "libras", "dólares", "dolares", NULL};

#define MAX_DIGITS 15 /* beyond this a "number" is an id, not an amount */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c)
{
    return is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'z') || ((unsigned char)c & 0x80u);
}

/* Reads a number at t[i..) with grouping/decimal separators; returns its end. */
static size_t read_number(const char *t, size_t len, size_t i, double *out)
{
    size_t start = i, digits = 0, last_sep = 0;
    char seps[8];
    size_t nsep = 0;
    while (i < len) {
        if (is_digit(t[i])) {
            digits++;
            i++;
        } else if ((t[i] == ',' || t[i] == '.') && i + 1 < len && is_digit(t[i + 1]) &&
                   nsep < sizeof(seps)) {
            seps[nsep++] = t[i];
            last_sep = i;
            i++;
        } else {
            break;
        }
    }
    if (digits == 0 || digits > MAX_DIGITS) return digits ? i : start;
    /* The last separator is decimal when 1-2 digits follow it, or when it differs from
     * an earlier one ("1.234,56"); otherwise all separators group thousands. */
    size_t after = nsep ? i - last_sep - 1 : 0;
    bool decimal = nsep && (after <= 2 || (nsep > 1 && seps[nsep - 1] != seps[0]));
    double v = 0.0, scale = 0.0;
    for (size_t k = start; k < i; k++) {
        if (is_digit(t[k])) {
            if (scale > 0.0) {
                v += (t[k] - '0') * scale;
                scale /= 10.0;
            } else {
                v = v * 10.0 + (t[k] - '0');
            }
        } else if (decimal && k == last_sep) {
            scale = 0.1;
        }
    }
    *out = v;
    return i;
}

static bool symbol_ends_at(const char *t, size_t end)
{
    for (const char *const *s = SYMBOLS; *s; s++) {
        size_t n = strlen(*s);
        if (end >= n && memcmp(t + end - n, *s, n) == 0) return true;
    }
    return false;
}

static bool symbol_starts_at(const char *t, size_t len, size_t i)
{
    for (const char *const *s = SYMBOLS; *s; s++) {
        size_t n = strlen(*s);
        if (i + n <= len && memcmp(t + i, *s, n) == 0) return true;
    }
    return false;
}

/* A currency word ending at `end` (before a number) or starting at `i` (after one). */
static bool word_ends_at(const char *t, size_t end)
{
    size_t b = end;
    while (b > 0 && is_alnum(t[b - 1]) && !is_digit(t[b - 1])) b--;
    if (b == end || (b > 0 && is_alnum(t[b - 1]))) return false;
    for (const char *const *w = WORDS; *w; w++)
        if (strlen(*w) == end - b && strncasecmp(t + b, *w, end - b) == 0) return true;
    return false;
}

static bool word_starts_at(const char *t, size_t len, size_t i)
{
    size_t e = i;
    while (e < len && is_alnum(t[e]) && !is_digit(t[e])) e++;
    if (e == i || (e < len && is_digit(t[e]))) return false;
    for (const char *const *w = WORDS; *w; w++)
        if (strlen(*w) == e - i && strncasecmp(t + i, *w, e - i) == 0) return true;
    return false;
}

static bool marked_before(const char *t, size_t start)
{
    size_t b = start;
    if (b > 0 && t[b - 1] == ' ') b--;
    return symbol_ends_at(t, b) || word_ends_at(t, b);
}

static bool marked_after(const char *t, size_t len, size_t end)
{
    size_t a = end;
    if (a < len && t[a] == ' ') a++;
    return symbol_starts_at(t, len, a) || word_starts_at(t, len, a);
}

double cs_triage_amount(const char *text, size_t len)
{
    double best = -1.0;
    if (!text) return best;
    for (size_t i = 0; i < len;) {
        bool starts =
            is_digit(text[i]) && (i == 0 || !is_alnum(text[i - 1]) || symbol_ends_at(text, i));
        if (!starts) {
            i++;
            continue;
        }
        double v = 0.0;
        size_t end = read_number(text, len, i, &v);
        if (end == i) end = i + 1;
        bool whole = end >= len || !is_alnum(text[end]) || !is_digit(text[end]);
        if (whole && (marked_before(text, i) || marked_after(text, len, end)) && v > best) best = v;
        i = end;
    }
    return best;
}
