/* PII pattern recognisers: email, URL, IP, numbers (phone, SSN, card, account), IBAN
 * and dates of birth (see pii.c). */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pii_int.h"

/* ------------------------------------------------------------------ email, url, ip */

static int email_local(char c) { return is_alnum(c) || (c && strchr("._%+-", c)); }

void pii_scan_email(struct scan *s)
{
    for (size_t at = 1; at + 1 < s->n; at++) {
        if (s->t[at] != '@') continue;
        size_t b = at;
        while (b > 0 && email_local(s->t[b - 1])) b--;
        size_t e = at + 1, dot = 0;
        while (e < s->n && (is_alnum(s->t[e]) || s->t[e] == '-' || s->t[e] == '.')) e++;
        while (e > at + 1 && s->t[e - 1] == '.') e--;
        for (size_t k = at + 1; k < e; k++)
            if (s->t[k] == '.') dot = k;
        /* needs a local part, a dotted domain and a top-level label of 2+ characters */
        if (b == at || dot == 0 || dot == at + 1 || e - dot < 3) continue;
        pii_add(s, CS_PII_EMAIL, b, e, 1.0f);
    }
}

static int url_char(char c)
{
    return c && !is_space(c) && !strchr("\"'<>", c) && (unsigned char)c >= 0x21;
}

void pii_scan_url(struct scan *s)
{
    static const char *const start[] = {"https://", "http://", "www.", NULL};
    for (size_t i = 0; i < s->n; i++) {
        if (i > 0 && is_alnum(s->t[i - 1])) continue;
        for (size_t k = 0; start[k]; k++) {
            size_t l = strlen(start[k]);
            if (i + l > s->n || strncasecmp(s->t + i, start[k], l) != 0) continue;
            size_t e = i + l;
            while (e < s->n && url_char(s->t[e])) e++;
            while (e > i + l && strchr(".,;:!?)]", s->t[e - 1])) e--;
            if (e > i + l + 3) pii_add(s, CS_PII_URL, i, e, 0.9f);
            i = e;
            break;
        }
    }
}

static size_t ipv4_at(const struct scan *s, size_t i)
{
    size_t p = i;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t d = 0;
        while (p < s->n && is_digit(s->t[p]) && d < 4)
            v = v * 10 + (unsigned)(s->t[p++] - '0'), d++;
        if (d == 0 || d > 3 || v > 255) return 0;
        if (part < 3) {
            if (p >= s->n || s->t[p] != '.') return 0;
            p++;
        }
    }
    if (p < s->n &&
        (is_alnum(s->t[p]) || (s->t[p] == '.' && p + 1 < s->n && is_digit(s->t[p + 1]))))
        return 0;
    return p;
}

/* IPv6: hex groups of at most 4 digits split by ':', at most one "::", 3..8 groups. */
static size_t ipv6_at(const struct scan *s, size_t i)
{
    size_t p = i, groups = 0, dbl = 0;
    if (p + 1 < s->n && s->t[p] == ':' && s->t[p + 1] == ':') dbl = 1, p += 2;
    for (;;) {
        size_t d = 0;
        while (p < s->n && is_hex(s->t[p]) && d < 5) p++, d++;
        if (d == 0 || d > 4) break;
        groups++;
        if (p + 1 < s->n && s->t[p] == ':' && s->t[p + 1] == ':' && !dbl) {
            dbl = 1;
            p += 2;
            continue;
        }
        if (p + 1 < s->n && s->t[p] == ':' && is_hex(s->t[p + 1])) {
            p++;
            continue;
        }
        break;
    }
    if (p < s->n && is_alnum(s->t[p])) return 0;
    if (groups > 8 || (!dbl && groups != 8) || (dbl && groups < 2)) return 0;
    return p;
}

void pii_scan_ip(struct scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (i > 0 && (is_alnum(s->t[i - 1]) || s->t[i - 1] == '.' || s->t[i - 1] == ':')) continue;
        size_t e = is_digit(s->t[i]) ? ipv4_at(s, i) : 0;
        if (e) {
            pii_add(s, CS_PII_IP_ADDRESS, i, e, 0.95f);
            i = e;
            continue;
        }
        if (is_hex(s->t[i]) || s->t[i] == ':') {
            e = ipv6_at(s, i);
            if (e) {
                pii_add(s, CS_PII_IP_ADDRESS, i, e, 0.95f);
                i = e;
            }
        }
    }
}

/* ------------------------------------------------------------------ numbers */

static const char *const ACCOUNT_CTX[] = {"account", "acct", "a/c", "acc no", "account no", NULL};
static const char *const SSN_CTX[] = {"ssn", "social security", "social sec", NULL};
static const char *const PHONE_CTX[] = {"phone",     "call",        "tel",   "mobile",  "cell",
                                        "fax",       "number",      "reach", "text me", "whatsapp",
                                        "answering", "messages to", "sms",   NULL};
/* A label right after the number, as in a signature block ("781 1704 office"). */
static const char *const PHONE_AFTER[] = {"office", "fax", "mobile", "cell", "home",
                                          "work",   "tel", "phone",  NULL};
static const char *const CARD_CTX[] = {"card", "cc", NULL};

/* A run of digits with single separators (space, '-', '.', '(', ')') and an optional
 * leading '+'; collects the digits. Returns the end byte. */
static size_t digit_run(const struct scan *s, size_t i, char *dig, size_t *nd, int *seps,
                        int *paren)
{
    size_t p = i, last = i;
    *nd = 0;
    *seps = 0;
    *paren = 0;
    if (s->t[p] == '+') p++;
    while (p < s->n) {
        char c = s->t[p];
        if (is_digit(c)) {
            if (*nd < 24) dig[*nd] = c;
            (*nd)++;
            last = ++p;
            continue;
        }
        int sep = (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')');
        if (!sep || p + 1 >= s->n) break;
        char nx = s->t[p + 1];
        if (!(is_digit(nx) || (c == ')' && nx == ' ') || (c == ' ' && nx == '(') ||
              (c == '(' && is_digit(nx))))
            break;
        if (c == '(' || c == ')') (*paren)++;
        (*seps)++;
        p++;
    }
    /* a trailing ')' closes a group like "(555)"; keep spans on digits */
    return last;
}

static int ssn_ok(const char *d)
{
    int area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
    int group = (d[3] - '0') * 10 + (d[4] - '0');
    int serial = (d[5] - '0') * 1000 + (d[6] - '0') * 100 + (d[7] - '0') * 10 + (d[8] - '0');
    return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

static int looks_like_date(const struct scan *s, size_t b, size_t e)
{
    /* dd/mm/yyyy style is handled by the date recogniser; 4-2-2 digit dates here */
    return e - b == 10 && (s->t[b + 4] == '-' || s->t[b + 4] == '.') && s->t[b + 7] == s->t[b + 4];
}

/* Is the word after `e` (one space between) one of `list`? */
static int label_after(const struct scan *s, size_t e, const char *const *list)
{
    if (e + 1 >= s->n || s->t[e] != ' ') return 0;
    size_t b = e + 1, w = b;
    while (w < s->n && is_alpha(s->t[w])) w++;
    for (size_t k = 0; list[k]; k++)
        if (strlen(list[k]) == w - b && strncasecmp(s->t + b, list[k], w - b) == 0) return 1;
    return 0;
}

/* a phone cue before the number or a label after it; asked only when needed (costly) */
static int phone_cued(const struct scan *s, size_t b, size_t e)
{
    return pii_context_before(s, b, 32, PHONE_CTX) || label_after(s, e, PHONE_AFTER);
}

static void classify_number(struct scan *s, size_t b, size_t e, const char *dig, size_t nd,
                            int seps, int paren)
{
    int plus = s->t[b] == '+';
    if (nd == 9 && e - b == 11 && s->t[b + 3] == '-' && s->t[b + 6] == '-') {
        if (ssn_ok(dig)) pii_add(s, CS_PII_US_SSN, b, e, 0.9f);
        return;
    }
    if (nd == 9 && seps == 0 && pii_context_before(s, b, 40, SSN_CTX) && ssn_ok(dig)) {
        pii_add(s, CS_PII_US_SSN, b, e, 0.85f);
        return;
    }
    if (nd >= 13 && nd <= 19 && !plus && !paren && cs_pii_luhn_valid(dig, nd)) {
        pii_add(s, CS_PII_CREDIT_CARD, b, e, 1.0f);
        return;
    }
    /* 12-digit cards (Maestro) pass Luhn one time in ten by chance: only after "card" */
    if (nd == 12 && seps == 0 && !plus && cs_pii_luhn_valid(dig, nd) &&
        pii_context_before(s, b, 24, CARD_CTX)) {
        pii_add(s, CS_PII_CREDIT_CARD, b, e, 0.9f);
        return;
    }
    if (looks_like_date(s, b, e)) return;
    if (seps == 0 && nd >= 6 && nd <= 18 && !plus && pii_context_before(s, b, 32, ACCOUNT_CTX)) {
        pii_add(s, CS_PII_ACCOUNT_NUMBER, b, e, 0.8f);
        return;
    }
    /* Phones: formatted groups or a leading '+', 7..15 digits (E.164 allows 15). */
    int formatted = plus || paren || seps >= 2;
    /* short local numbers ("451 5986", "71-33-52-22") need a cue before or a label after */
    if (nd >= 10 && nd <= 15 && (formatted || seps >= 1 || phone_cued(s, b, e)))
        pii_add(s, CS_PII_PHONE, b, e, formatted ? 0.75f : 0.6f);
    else if (nd >= 7 && nd <= 9 && seps >= 1 && phone_cued(s, b, e))
        pii_add(s, CS_PII_PHONE, b, e, 0.5f);
}

void pii_scan_numbers(struct scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        char c = s->t[i];
        if (!(is_digit(c) || ((c == '+' || c == '(') && i + 1 < s->n && is_digit(s->t[i + 1]))))
            continue;
        if (i > 0 && (is_alnum(s->t[i - 1]) || s->t[i - 1] == '.' || s->t[i - 1] == ':')) continue;
        char dig[24];
        size_t nd;
        int seps, paren;
        size_t b = c == '(' ? i : i;
        size_t e = digit_run(s, c == '(' ? i + 1 : i, dig, &nd, &seps, &paren);
        if (c == '(') paren++;
        if (e < s->n && (is_alpha(s->t[e]) || s->t[e] == '@')) { /* part of a word/email */
            i = e;
            continue;
        }
        if (nd <= 24) classify_number(s, b, e, dig, nd, seps, paren);
        i = e > i ? e - 1 : i;
    }
}

static const char *const IBAN_CTX[] = {"iban", NULL};

void pii_scan_iban(struct scan *s)
{
    for (size_t i = 0; i + 15 <= s->n; i++) {
        if ((i > 0 && is_alnum(s->t[i - 1])) || !is_alpha(s->t[i]) || !is_alpha(s->t[i + 1]) ||
            !is_digit(s->t[i + 2]) || !is_digit(s->t[i + 3]))
            continue;
        /* written in lower case ("gb42nawi0445..."), only right after the word "iban" */
        if ((!is_upper(s->t[i]) || !is_upper(s->t[i + 1])) &&
            !pii_context_before(s, i, 12, IBAN_CTX))
            continue;
        /* take alnum with single spaces, at most 34 significant characters */
        size_t e = i, sig = 0, best = 0;
        while (e < s->n && sig < 34) {
            if (is_alnum(s->t[e]))
                sig++, e++;
            else if (s->t[e] == ' ' && e + 1 < s->n && is_alnum(s->t[e + 1]))
                e++;
            else
                break;
            /* try each prefix ending on a group boundary, keep the longest valid one */
            if (sig >= 15 && (e == s->n || !is_alnum(s->t[e])) &&
                cs_pii_iban_valid(s->t + i, e - i))
                best = e;
        }
        if (best) {
            pii_add(s, CS_PII_IBAN, i, best, 1.0f);
            i = best;
        }
    }
}

/* ------------------------------------------------------------------ dates of birth */

static const char *const DOB_CTX[] = {"born", "birth", "dob", "d.o.b", "birthday", NULL};
static const char *const MONTHS[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                     "aug", "sep", "oct", "nov", "dec", NULL};

static size_t month_word(const struct scan *s, size_t i)
{
    for (size_t k = 0; MONTHS[k]; k++)
        if (i + 3 <= s->n && strncasecmp(s->t + i, MONTHS[k], 3) == 0) {
            size_t e = i + 3;
            while (e < s->n && is_alpha(s->t[e])) e++;
            if (e - i <= 9) return e;
        }
    return 0;
}

/* dd/mm/yyyy, yyyy-mm-dd, "March 3, 1985", "3 March 1985" */
static size_t date_at(const struct scan *s, size_t i)
{
    size_t e;
    if (is_digit(s->t[i])) {
        if ((e = pii_digits_at(s, i, 1, 4)) && e < s->n && strchr("/-.", s->t[e])) {
            char sep = s->t[e];
            size_t e2 = pii_digits_at(s, e + 1, 1, 2);
            if (e2 && e2 < s->n && s->t[e2] == sep) {
                size_t e3 = pii_digits_at(s, e2 + 1, 2, 4);
                if (e3) return e3;
            }
        }
        if ((e = pii_digits_at(s, i, 1, 2)) && e < s->n && s->t[e] == ' ') {
            size_t m = month_word(s, e + 1);
            if (m && m + 1 < s->n && s->t[m] == ' ') return pii_digits_at(s, m + 1, 4, 4);
        }
        return 0;
    }
    size_t m = month_word(s, i);
    if (m && m + 1 < s->n && s->t[m] == ' ' && (e = pii_digits_at(s, m + 1, 1, 2))) {
        if (e + 2 < s->n && s->t[e] == ',' && s->t[e + 1] == ' ') e++;
        if (e + 1 < s->n && s->t[e] == ' ') return pii_digits_at(s, e + 1, 4, 4);
    }
    return 0;
}

void pii_scan_dob(struct scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (i > 0 && is_alnum(s->t[i - 1])) continue;
        if (!is_digit(s->t[i]) && !is_alpha(s->t[i])) continue;
        size_t e = date_at(s, i);
        if (e && pii_context_before(s, i, 40, DOB_CTX)) {
            /* above addresses (0.91): a date after a birth cue is the surer reading */
            pii_add(s, CS_PII_DATE_OF_BIRTH, i, e, 0.95f);
            i = e;
        }
    }
}
