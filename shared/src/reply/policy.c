#include "cs/policy.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- tokens ------------------------------------------------------------------------
 *
 * Phrases are matched on words, not bytes, so "cancel  my\naccount" and "Cancel my
 * account!" read the same and "sue" never matches inside "issue". A token is a run of
 * letters/digits (UTF-8 letters included) with inner apostrophes; U+2019 counts as an
 * apostrophe and the U+2010..U+203F punctuation block as a separator. */

#define TOK_MAX 32

struct tok {
    size_t start, end; /* bytes of the token in the text */
    bool brk;          /* a sentence boundary lies between the previous token and this */
    char w[TOK_MAX];   /* lower-cased, apostrophes normalised; "" when too long */
    size_t n;          /* strlen(w) */
};

static bool ascii_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_rsquo(const char *s, size_t len, size_t i)
{
    return i + 2 < len && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
           (unsigned char)s[i + 2] == 0x99;
}

static bool is_punct_block(const char *s, size_t len, size_t i)
{
    return i + 2 < len && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80;
}

/* Bytes of the word character at i, or 0 when s[i] does not continue a word. */
static size_t word_char(const char *s, size_t len, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (ascii_alnum(c)) return 1;
    if (c < 0x80) return 0;
    if (is_punct_block(s, len, i)) return 0;
    return 1; /* other UTF-8 bytes: letters of other scripts */
}

/* Apostrophe (ASCII or U+2019) between two word characters; its byte length or 0. */
static size_t inner_apostrophe(const char *s, size_t len, size_t i)
{
    size_t n = s[i] == '\'' ? 1 : is_rsquo(s, len, i) ? 3 : 0;
    if (n && i + n < len && word_char(s, len, i + n)) return n;
    return 0;
}

static bool boundary_char(const char *s, size_t len, size_t i)
{
    char c = s[i];
    if (c == '!' || c == '?' || c == '\n') return true;
    return c == '.' && (i + 1 >= len || s[i + 1] == ' ' || s[i + 1] == '\n' || s[i + 1] == '\t' ||
                        s[i + 1] == '\r');
}

static bool next_tok(const char *s, size_t len, size_t *pos, struct tok *t)
{
    size_t i = *pos;
    t->brk = false;
    while (i < len && !word_char(s, len, i)) {
        if (boundary_char(s, len, i)) t->brk = true;
        i += is_punct_block(s, len, i) ? 3 : 1; /* never land inside a dash or quote */
    }
    if (i >= len) {
        *pos = len;
        return false;
    }
    t->start = i;
    size_t o = 0;
    bool fits = true;
    while (i < len) {
        size_t n = word_char(s, len, i) ? 1 : inner_apostrophe(s, len, i);
        if (n == 0) break;
        char c = n == 3 ? '\'' : s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (o + 1 < TOK_MAX)
            t->w[o++] = c;
        else
            fits = false;
        i += n;
    }
    t->n = fits ? o : 0;
    t->w[t->n] = '\0';
    t->end = i;
    *pos = i;
    return true;
}

/* ---- phrase patterns ---------------------------------------------------------------
 *
 * A pattern is space-separated elements matched against consecutive tokens of one
 * sentence:  a|b|c  one of these words;  word*  a prefix;  #  a number (digits or a
 * number word);  ?a|b  optionally one of these;  ~  skip zero to three tokens. */

#define SKIP_MAX 3

/* ---- compiled patterns -------------------------------------------------------------
 *
 * The pattern strings are parsed once, on first use, into elements with their
 * alternatives' lengths: interpreting the strings at every token of every text (strcspn
 * and strlen per try) was a third of a ticket's handler time. */

enum alt_kind { ALT_WORD, ALT_PREFIX, ALT_NUMBER };
enum elem_kind { ELEM_WORDS, ELEM_SKIP };

struct alt {
    const char *s;
    uint8_t n;
    uint8_t kind;
};

struct elem {
    uint8_t kind;
    bool optional;
    uint16_t first, count; /* its alternatives in alt_pool */
};

struct cpat {
    uint16_t first, count; /* its elements in elem_pool */
    /* The first bytes of the tokens a match can start on: find_from tries the pattern
     * only there (most tokens start no pattern; trying each was 6% of a ticket's CPU). */
    uint64_t starts[4];
};

/* Sized for the tables below with room to spare; compile_set() aborts past them, which
 * the unit tests would show at once. */
#define ALT_POOL 2048
#define ELEM_POOL 768
#define PAT_POOL 256

static struct alt alt_pool[ALT_POOL];
static struct elem elem_pool[ELEM_POOL];
static struct cpat pat_pool[PAT_POOL];
static size_t n_alts, n_elems, n_pats;

static void compile_elem(const char *e, size_t n, struct elem *out)
{
    out->optional = *e == '?';
    if (out->optional) e++, n--;
    out->kind = (n == 1 && *e == '~') ? ELEM_SKIP : ELEM_WORDS;
    out->first = (uint16_t)n_alts;
    size_t i = 0;
    while (out->kind == ELEM_WORDS && i < n) {
        size_t j = i;
        while (j < n && e[j] != '|') j++;
        if (n_alts >= ALT_POOL || j - i >= TOK_MAX) abort();
        struct alt *a = &alt_pool[n_alts++];
        a->s = e + i;
        a->n = (uint8_t)(j - i);
        a->kind = ALT_WORD;
        if (a->n == 1 && *a->s == '#')
            a->kind = ALT_NUMBER;
        else if (a->n > 1 && a->s[a->n - 1] == '*')
            a->kind = ALT_PREFIX, a->n--;
        i = j + 1;
    }
    out->count = (uint16_t)(n_alts - out->first);
}

static const char *const number_words[] = {
    "one", "two",    "three",    "four",   "five", "six",    "seven",   "eight", "nine",
    "ten", "twelve", "fourteen", "thirty", "few",  "couple", "several", NULL};

static void start_byte(struct cpat *p, unsigned char c) { p->starts[c >> 6] |= 1ull << (c & 63); }

/* A match starts on a token its first element takes, or, when that element is optional,
 * one the next takes, and so on; a skip or an all-optional pattern starts anywhere. */
static void compile_starts(struct cpat *p)
{
    memset(p->starts, 0, sizeof p->starts);
    for (size_t i = 0; i < p->count; i++) {
        const struct elem *e = &elem_pool[p->first + i];
        if (e->kind == ELEM_SKIP) break;
        for (size_t k = 0; k < e->count; k++) {
            const struct alt *a = &alt_pool[e->first + k];
            if (a->kind == ALT_NUMBER) {
                for (unsigned char c = '0'; c <= '9'; c++) start_byte(p, c);
                for (const char *const *w = number_words; *w; w++)
                    start_byte(p, (unsigned char)**w);
            } else if (a->n == 0) {
                memset(p->starts, 0xff, sizeof p->starts);
            } else {
                start_byte(p, (unsigned char)a->s[0]);
            }
        }
        if (!e->optional) return;
    }
    memset(p->starts, 0xff, sizeof p->starts);
}

static void compile_pat(const char *p, struct cpat *out)
{
    out->first = (uint16_t)n_elems;
    for (;;) {
        while (*p == ' ') p++;
        if (!*p) break;
        size_t n = strcspn(p, " ");
        if (n_elems >= ELEM_POOL) abort();
        compile_elem(p, n, &elem_pool[n_elems++]);
        p += n;
    }
    out->count = (uint16_t)(n_elems - out->first);
    compile_starts(out);
}

/* A list of pattern strings and, once compiled, its patterns in pat_pool. */
struct pset {
    const char *const *src;
    uint16_t first, count;
};

static void compile_set(struct pset *set)
{
    set->first = (uint16_t)n_pats;
    for (const char *const *p = set->src; *p; p++) {
        if (n_pats >= PAT_POOL) abort();
        compile_pat(*p, &pat_pool[n_pats++]);
    }
    set->count = (uint16_t)(n_pats - set->first);
}

static bool is_number_word(const struct tok *t)
{
    if (t->n > 0 && t->n <= 4 && strspn(t->w, "0123456789") == t->n) return true;
    for (const char *const *p = number_words; *p; p++)
        if (strcmp(t->w, *p) == 0) return true;
    return false;
}

/* Does token `t` satisfy one of the element's alternatives? */
static bool alt_match(const struct tok *t, const struct elem *e)
{
    if (!t->n) return false;
    for (size_t i = 0; i < e->count; i++) {
        const struct alt *a = &alt_pool[e->first + i];
        switch (a->kind) {
        case ALT_NUMBER:
            if (is_number_word(t)) return true;
            break;
        case ALT_PREFIX:
            if (t->n >= a->n && t->w[0] == a->s[0] && memcmp(t->w, a->s, a->n) == 0) return true;
            break;
        default:
            if (t->n == a->n && t->w[0] == a->s[0] && memcmp(t->w, a->s, a->n) == 0) return true;
        }
    }
    return false;
}

/* The text's tokens, cut once per check: every pattern is tried at every token, and
 * re-tokenising the text for each try was a sixth of a ticket's CPU time. */
struct toks {
    struct tok *t;
    size_t n;
    uint64_t present[4]; /* the tokens' first bytes: a pattern starting on none is skipped */
};

static int toks_cut(const char *s, size_t len, struct toks *out)
{
    size_t cap = len / 2 + 1, pos = 0; /* a token and its separator take 2 bytes or more */
    out->n = 0;
    out->t = malloc(cap * sizeof *out->t);
    if (!out->t) return CS_ERR_NOMEM;
    memset(out->present, 0, sizeof out->present);
    while (out->n < cap && next_tok(s, len, &pos, &out->t[out->n])) {
        unsigned char c = (unsigned char)out->t[out->n++].w[0];
        out->present[c >> 6] |= 1ull << (c & 63);
    }
    return CS_OK;
}

static void toks_free(struct toks *k) { free(k->t); }

/* A token may continue a match unless a sentence boundary precedes it; the token a
 * match starts on may follow one. */
static bool continues(const struct toks *k, size_t i, bool first) { return first || !k->t[i].brk; }

static bool match_elems(const struct toks *k, size_t i, bool first, const struct elem *e,
                        const struct elem *stop, size_t *end);

static bool match_skip(const struct toks *k, size_t i, bool first, const struct elem *rest,
                       const struct elem *stop, size_t *end)
{
    for (int n = 0; n <= SKIP_MAX; n++, i++, first = false) {
        if (match_elems(k, i, first, rest, stop, end)) return true;
        if (i >= k->n || !continues(k, i, first)) return false;
    }
    return false;
}

/* Matches elements e..stop from token i; on success `*end` is the token after. */
static bool match_elems(const struct toks *k, size_t i, bool first, const struct elem *e,
                        const struct elem *stop, size_t *end)
{
    if (e == stop) {
        *end = i;
        return true;
    }
    if (e->kind == ELEM_SKIP) return match_skip(k, i, first, e + 1, stop, end);
    if (i < k->n && continues(k, i, first) && alt_match(&k->t[i], e) &&
        match_elems(k, i + 1, false, e + 1, stop, end))
        return true;
    return e->optional && match_elems(k, i, first, e + 1, stop, end);
}

/* Finds the first match of pattern `p` starting at token *from or later; on success
 * stores the token it starts on in `*at` and moves `*from` past it. */
static bool find_from(const struct toks *k, const struct cpat *p, size_t *from, size_t *at)
{
    const struct elem *e = &elem_pool[p->first], *stop = e + p->count;
    if (!((p->starts[0] & k->present[0]) | (p->starts[1] & k->present[1]) |
          (p->starts[2] & k->present[2]) | (p->starts[3] & k->present[3]))) {
        *from = k->n;
        return false;
    }
    for (size_t i = *from; i < k->n; i++) {
        size_t end;
        unsigned char c = (unsigned char)k->t[i].w[0];
        if (!(p->starts[c >> 6] >> (c & 63) & 1)) continue;
        if (match_elems(k, i, true, e, stop, &end)) {
            *at = i;
            *from = i + 1;
            return true;
        }
    }
    *from = k->n;
    return false;
}

static bool find_any(const struct toks *k, const struct pset *set)
{
    for (size_t p = 0; p < set->count; p++) {
        size_t from = 0, at;
        if (find_from(k, &pat_pool[set->first + p], &from, &at)) return true;
    }
    return false;
}

static bool ci_contains(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (strncasecmp(s + i, needle, n) == 0) return true;
    return false;
}

/* ---- result helpers ---------------------------------------------------------------- */

static void add_issue(struct cs_policy_result *r, const char *issue, enum cs_policy_compliance lvl)
{
    for (size_t i = 0; i < r->n_issues; i++)
        if (r->issues[i] == issue) return;
    if (r->n_issues < CS_POLICY_MAX_ISSUES) r->issues[r->n_issues++] = issue;
    if (lvl > r->compliance) r->compliance = lvl;
}

const char *cs_policy_compliance_name(enum cs_policy_compliance c)
{
    switch (c) {
    case CS_POLICY_FAILED: return "failed";
    case CS_POLICY_WARNING: return "warning";
    default: return "passed";
    }
}

/* ---- refund promises --------------------------------------------------------------- */

static const char *const promise_patterns[] = {
    "we|i will|shall ?also|gladly|happily|now|immediately|promptly|fully|personally ?be "
    "?happy|glad|pleased ?to refund|credit|reimburse|compensate",
    "we'll|i'll ?also|gladly|happily|now|immediately|promptly|fully|personally ?be "
    "?happy|glad|pleased ?to refund|credit|reimburse|compensate",
    "we|i will|shall ?also|gladly|happily|now|immediately|promptly|personally ?be "
    "?happy|glad|pleased ?to issue|process|send|arrange|apply|give|provide|initiate|add ~ "
    "refund*|credit*|reimbursement|compensation",
    "we'll|i'll ?also|gladly|happily|now|immediately|promptly|personally ?be ?happy|glad|pleased "
    "?to issue|process|send|arrange|apply|give|provide|initiate|add ~ "
    "refund*|credit*|reimbursement|compensation",
    "we|i have ?already|now|just|also|gone|personally refunded|credited|reimbursed|compensated",
    "we've|i've ?already|now|just|also|personally refunded|credited|reimbursed|compensated",
    "we|i have ?already|now|just|also|personally "
    "issued|processed|applied|approved|initiated|arranged|sent|added ~ refund*|credit*",
    "we've|i've ?already|now|just|also|personally "
    "issued|processed|applied|approved|initiated|arranged|sent|added ~ refund*|credit*",
    "you will|shall ?also ?definitely receive|get|see ~ refund*|credit*|money|reimbursement",
    "you'll ?also ?definitely receive|get|see ~ refund*|credit*|money|reimbursement",
    "refund*|credit*|reimbursement ~ has|have|was|will been|be ?now|already|fully|successfully "
    "issued|processed|applied|approved|initiated|sent|added|arranged|credited|refunded",
    NULL,
};
static struct pset promise_set = {promise_patterns, 0, 0};

/* A sentence that opens with a condition describes policy rather than committing. */
static bool conditional_opening(const char *s, size_t len, size_t sent_start)
{
    static const char *const conds[] = {"if",   "unless", "provided", "should", "once",
                                        "when", "after",  "assuming", "where",  NULL};
    size_t pos = sent_start;
    struct tok t;
    if (!next_tok(s, len, &pos, &t)) return false;
    for (const char *const *c = conds; *c; c++)
        if (strcmp(t.w, *c) == 0) return true;
    if (strcmp(t.w, "in") == 0 && next_tok(s, len, &pos, &t)) return strcmp(t.w, "case") == 0;
    return false;
}

static size_t sentence_start(const char *s, size_t len, size_t at)
{
    while (at > 0 && !boundary_char(s, len, at - 1)) at--;
    return at;
}

static size_t sentence_end(const char *s, size_t len, size_t at)
{
    while (at < len && !boundary_char(s, len, at)) at++;
    return at;
}

/* Parses "1,234.56" at s[i]; returns bytes consumed (0: no number). */
static size_t parse_amount(const char *s, size_t len, size_t i, double *val)
{
    char digits[32];
    size_t o = 0, j = i;
    bool dot = false;
    while (j < len && o + 1 < sizeof digits) {
        char c = s[j];
        bool next_digit = j + 1 < len && s[j + 1] >= '0' && s[j + 1] <= '9';
        if (c >= '0' && c <= '9') {
            digits[o++] = c;
        } else if (c == ',' && o > 0 && !dot && next_digit) {
            /* thousands separator: skip */
        } else if (c == '.' && o > 0 && !dot && next_digit) {
            digits[o++] = '.';
            dot = true;
        } else {
            break;
        }
        j++;
    }
    if (o == 0) return 0;
    digits[o] = '\0';
    *val = strtod(digits, NULL);
    return j - i;
}

static bool currency_before(const char *s, size_t i)
{
    static const char *const marks[] = {"$",   "\xE2\x82\xAC", "\xC2\xA3", "USD", "EUR",
                                        "GBP", "usd",          "eur",      "gbp", NULL};
    size_t k = i;
    while (k > 0 && s[k - 1] == ' ') k--;
    for (const char *const *m = marks; *m; m++) {
        size_t n = strlen(*m);
        if (k >= n && memcmp(s + k - n, *m, n) == 0) return true;
    }
    return false;
}

static bool currency_after(const char *s, size_t len, size_t i)
{
    static const char *const words[] = {"dollar", "euro", "pound", "usd", "eur", "gbp", NULL};
    while (i < len && s[i] == ' ') i++;
    for (const char *const *w = words; *w; w++) {
        size_t n = strlen(*w);
        if (len - i >= n && strncasecmp(s + i, *w, n) == 0) return true;
    }
    return false;
}

/* Largest currency amount in s[a, b); 0 when none. */
static double max_amount(const char *s, size_t len, size_t a, size_t b)
{
    double best = 0.0;
    for (size_t i = a; i < b; i++) {
        if (s[i] < '0' || s[i] > '9' || (i > a && ascii_alnum((unsigned char)s[i - 1]))) continue;
        double v;
        size_t n = parse_amount(s, len, i, &v);
        if (n && (currency_before(s, i) || currency_after(s, len, i + n)) && v > best) best = v;
        i += n ? n - 1 : 0;
    }
    return best;
}

static void check_promises(const char *s, size_t len, const struct toks *k,
                           const struct cs_policy_opts *o, struct cs_policy_result *r)
{
    bool unstated = false;
    for (size_t p = 0; p < promise_set.count; p++) {
        size_t from = 0, ti;
        while (find_from(k, &pat_pool[promise_set.first + p], &from, &ti)) {
            size_t at = k->t[ti].start;
            size_t ss = sentence_start(s, len, at);
            if (conditional_opening(s, len, ss)) continue;
            r->refund_promise = true;
            double amt = max_amount(s, len, ss, sentence_end(s, len, at));
            if (amt > r->refund_amount) r->refund_amount = amt;
            if (amt <= 0.0) unstated = true;
        }
    }
    if (!r->refund_promise) return;
    if (o->refund_limit <= 0.0) {
        r->refund_over_limit = true;
        add_issue(r, "refund promise but this tier has no refund authority", CS_POLICY_FAILED);
    } else if (r->refund_amount > o->refund_limit) {
        r->refund_over_limit = true;
        add_issue(r, "refund promise exceeds the authority limit", CS_POLICY_FAILED);
    } else if (unstated) {
        add_issue(r, "refund promise without a stated amount", CS_POLICY_WARNING);
    }
}

/* ---- SLA / timeline mentions ------------------------------------------------------- */

static const char *const sla_patterns[] = {
    "within ~ hour|hours|hr|hrs|day|days|week|weeks|minute|minutes|mins|business|working",
    "# ~ hour|hours|hr|hrs|day|days|week|weeks|minute|minutes|mins",
    "same|next business|working day|days",
    "same|next day",
    "end of ?the day|business",
    "business|working day|days|hour|hours",
    NULL,
};
static struct pset sla_set = {sla_patterns, 0, 0};

/* ---- PII in the reply -------------------------------------------------------------- */

static bool email_local_char(unsigned char c)
{
    return ascii_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static bool domain_char(unsigned char c) { return ascii_alnum(c) || c == '.' || c == '-'; }

static bool domain_allowed(const char *d, size_t dn, const char *list)
{
    while (list && *list) {
        while (*list == ',' || *list == ' ') list++;
        size_t n = strcspn(list, ", ");
        if (n && n <= dn && strncasecmp(d + dn - n, list, n) == 0 &&
            (n == dn || d[dn - n - 1] == '.'))
            return true;
        list += n;
    }
    return false;
}

/* Whether the address a[0..an) occurs, as a whole address, in one of the source texts. */
static bool email_in_sources(const char *a, size_t an, const struct cs_policy_opts *o)
{
    for (size_t k = 0; k < o->n_allowed_email_sources; k++) {
        const char *t = o->allowed_email_sources ? o->allowed_email_sources[k] : NULL;
        size_t tn = t ? strlen(t) : 0;
        for (size_t i = 0; an && i + an <= tn; i++) {
            if (strncasecmp(t + i, a, an) != 0) continue;
            if (i > 0 && email_local_char((unsigned char)t[i - 1])) continue;
            if (i + an < tn && domain_char((unsigned char)t[i + an]) &&
                !(t[i + an] == '.' &&
                  (i + an + 1 == tn || !domain_char((unsigned char)t[i + an + 1]))))
                continue;
            return true;
        }
    }
    return false;
}

/* Any e-mail address outside the allowed domains and the allowed source texts. */
static bool has_foreign_email(const char *s, size_t len, const struct cs_policy_opts *o)
{
    for (size_t i = 1; i + 1 < len; i++) {
        if (s[i] != '@' || !email_local_char((unsigned char)s[i - 1])) continue;
        size_t e = i + 1;
        while (e < len && domain_char((unsigned char)s[e])) e++;
        while (e > i + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) e--;
        const char *d = s + i + 1;
        size_t dn = e - i - 1;
        const char *dot = NULL;
        for (size_t k = 0; k < dn; k++)
            if (d[k] == '.') dot = d + k;
        if (!dot || dot == d || (size_t)(d + dn - dot - 1) < 2) continue;
        if (domain_allowed(d, dn, o->allowed_email_domains)) continue;
        size_t b = i;
        while (b > 0 && email_local_char((unsigned char)s[b - 1])) b--;
        if (!email_in_sources(s + b, e - b, o)) return true;
    }
    return false;
}

static bool luhn_ok(const char *digits, size_t n)
{
    int sum = 0;
    for (size_t k = 0; k < n; k++) {
        int d = digits[n - 1 - k] - '0';
        if (k % 2 == 1) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A 13-19 digit run (single spaces or dashes allowed between digits) passing Luhn;
 * Luhn keeps order and ticket numbers from tripping it most of the time. */
static bool has_card_number(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]) || (i > 0 && ascii_alnum((unsigned char)s[i - 1]))) continue;
        char digits[20];
        size_t n = 0, j = i;
        bool too_many = false;
        while (j < len) {
            if (is_digit(s[j])) {
                if (n < sizeof digits)
                    digits[n] = s[j];
                else
                    too_many = true;
                n++;
                j++;
            } else if ((s[j] == ' ' || s[j] == '-') && j + 1 < len && is_digit(s[j + 1])) {
                j++;
            } else {
                break;
            }
        }
        bool bounded = j >= len || !ascii_alnum((unsigned char)s[j]);
        if (!too_many && bounded && n >= 13 && n <= 19 && luhn_ok(digits, n)) return true;
        i = j;
    }
    return false;
}

static bool digits_at(const char *s, size_t len, size_t i, size_t n)
{
    if (i + n > len) return false;
    for (size_t k = 0; k < n; k++)
        if (!is_digit(s[i + k])) return false;
    return true;
}

/* US SSN shape ddd-dd-dddd, standing alone. */
static bool has_ssn(const char *s, size_t len)
{
    for (size_t i = 0; i + 11 <= len; i++) {
        if (i > 0 && (ascii_alnum((unsigned char)s[i - 1]) || s[i - 1] == '-')) continue;
        if (digits_at(s, len, i, 3) && s[i + 3] == '-' && digits_at(s, len, i + 4, 2) &&
            s[i + 6] == '-' && digits_at(s, len, i + 7, 4) &&
            (i + 11 == len || (!ascii_alnum((unsigned char)s[i + 11]) && s[i + 11] != '-')))
            return true;
    }
    return false;
}

static void check_pii(const char *s, size_t len, const struct cs_policy_opts *o,
                      struct cs_policy_result *r)
{
    if (has_foreign_email(s, len, o)) {
        r->pii_leak = true;
        add_issue(r, "reply contains an e-mail address", CS_POLICY_FAILED);
    }
    if (has_card_number(s, len)) {
        r->pii_leak = true;
        add_issue(r, "reply contains a payment card number", CS_POLICY_FAILED);
    }
    if (has_ssn(s, len)) {
        r->pii_leak = true;
        add_issue(r, "reply contains a social security number", CS_POLICY_FAILED);
    }
}

/* ---- customer text: escalation cues and prompt injection --------------------------- */

struct cue {
    const char *issue;
    enum cs_policy_compliance level;
    struct pset *set;
};

static const char *const legal_pats[] = {
    "lawyer*", "attorney*", "solicitor*", "lawsuit*", "suing", "litigation",
    "sue you|your|the|this|them|for|over|yall|you'll|u", "legal action|proceedings|claim",
    "class action", "small claims",
    /* "court" alone is no legal cue ("food court", "tennis court"): it counts only in a
     * legal phrase, "see you in court", "take this to court", "court case" */
    "see|take|taking|took|taken|drag|dragging|dragged|bring|bringing|haul|hauling|go|going|"
    "went ~ to|in court|courts",
    "court action|case|claim|claims|proceedings|order|summons|hearing|date", NULL};
static struct pset legal_set = {legal_pats, 0, 0};
static const char *const regulator_pats[] = {"ombudsman",
                                             "regulator*",
                                             "better business bureau",
                                             "bbb",
                                             "cfpb",
                                             "ftc",
                                             "consumer protection",
                                             "trading standards",
                                             "chargeback*",
                                             "dispute ~ with|through ~ bank|card|issuer",
                                             "report ~ to ~ police|authorities|fca|ftc|cfpb",
                                             NULL};
static struct pset regulator_set = {regulator_pats, 0, 0};
static const char *const social_pats[] = {
    "twitter",
    "tweet*",
    "facebook",
    "instagram",
    "tiktok",
    "reddit",
    "linkedin",
    "trustpilot",
    "yelp",
    "social media",
    "go public",
    "bad|negative|terrible|scathing|1|one ?star review*",
    "tell|contact|call ~ press|media|journalist*|news|newspaper",
    NULL};
static struct pset social_set = {social_pats, 0, 0};
static const char *const cancel_pats[] = {
    "cancel ?my|our|the account|subscription|membership|plan|service|contract",
    "close|closing|terminate ?my|our|the account|subscription|membership|contract",
    "take|taking ?my|our business elsewhere",
    "switch*|move|moving to ?a|another competitor|provider",
    "never ~ use|buy|order ~ again",
    NULL};
static struct pset cancel_set = {cancel_pats, 0, 0};
static const char *const repeat_pats[] = {
    "third|fourth|fifth|3rd|4th|5th|umpteenth|nth time",
    "contacted|called|emailed|written|wrote|messaged|chased ~ "
    "times|repeatedly|already|before|again",
    "still not|no resolved|fixed|sorted|heard|answer|response|reply|refund",
    "still waiting",
    "no one|body ~ replied|responded|answered|helped|got|gotten|called",
    "nobody ~ replied|responded|answered|helped|got|gotten|called",
    NULL};
static struct pset repeat_set = {repeat_pats, 0, 0};
static const char *const human_pats[] = {
    "speak|talk|escalate|transfer|connect|get|want|need|put|see ~ manager|supervisor|boss",
    "speak|talk|transfer|connect ~ human|person|representative",
    "real|actual person|human",
    "human being",
    "escalate ~ this|it|my|complaint",
    NULL};
static struct pset human_set = {human_pats, 0, 0};
static const char *const safety_pats[] = {
    "caught|catch|catches|on fire",
    "fire hazard",
    "smoke|smoking ~ from|coming|came",
    "electric* shock*",
    "shocked me",
    "explode*|explosion",
    "injur*",
    "overheat*",
    "hurt ~ me|myself|my|child|kid|son|daughter|someone|somebody",
    "unsafe|dangerous|hazard*",
    "poison*",
    "allergic reaction",
    "self harm",
    "suicid*",
    "kill myself",
    "end my life",
    "burn|burns|burned|burnt ~ me|my|hand|skin|child|house",
    NULL};
static struct pset safety_set = {safety_pats, 0, 0};

static const struct cue cues[] = {
    {"escalation: customer mentions legal action", CS_POLICY_WARNING, &legal_set},
    {"escalation: customer mentions a regulator or chargeback", CS_POLICY_WARNING, &regulator_set},
    {"escalation: customer mentions a safety concern", CS_POLICY_WARNING, &safety_set},
    {"escalation: social media or public review threat", CS_POLICY_PASSED, &social_set},
    {"escalation: customer intends to cancel or leave", CS_POLICY_PASSED, &cancel_set},
    {"escalation: repeated contact about the same issue", CS_POLICY_PASSED, &repeat_set},
    {"escalation: manager or human requested", CS_POLICY_PASSED, &human_set},
};

static const char *const injection_pats[] = {
    "ignore|disregard|forget|override|bypass|skip ?all|any|the|your|these|those|of "
    "?previous|prior|above|earlier|preceding|system|initial|original|safety ?and "
    "?previous|prior instruction*|prompt*|rules|guideline*|directive*|programming|guardrail*",
    "system prompt*|instruction*",
    "hidden|secret|internal prompt*|instruction*",
    "initial|original prompt*",
    "reveal|show|print|repeat|display|output|leak|dump|tell|share|give ~ your "
    "?system|hidden|initial|original|internal|secret "
    "prompt*|instruction*|programming|configuration",
    "repeat|print|output ~ text|everything|words|content above",
    "you|you're ?are now ?a|an dan|unrestricted|jailbroken|acting|called|free|evil|developer",
    "you|you're ?are now a|an ~ ai|assistant|bot|chatbot|model|character|persona|gpt|llm",
    "you|you're ?are no longer ~ ai|assistant|bot|chatbot|model|bound|restricted",
    "from now on ?you are|act|respond|answer|reply|behave|pretend|will|must",
    "pretend|imagine ~ you|you're|to ?are|be ~ "
    "ai|assistant|bot|model|character|admin|administrator|developer|dan|unrestricted|evil|"
    "grandma|grandmother|different|system",
    "act as ?a|an|if|my ~ ai|assistant|bot|model|admin|administrator|developer|dan|"
    "unrestricted|jailbroken|system|character",
    "roleplay*",
    "role play|playing",
    "jailbreak*",
    "jailbroken",
    "dan mode",
    "do anything now",
    "god mode",
    "override|bypass|disable ~ safety|filter*|guardrail*|restriction*|moderation",
    NULL};
static struct pset injection_set = {injection_pats, 0, 0};

static const char *const injection_markers[] = {
    "<|", "|>", "[inst]", "<<sys>>", "</s>", "### instruction", "### system", NULL};

static void check_customer(const char *s, size_t len, const struct toks *k,
                           struct cs_policy_result *r)
{
    for (size_t i = 0; i < sizeof cues / sizeof cues[0]; i++) {
        if (find_any(k, cues[i].set)) {
            r->escalation_needed = true;
            add_issue(r, cues[i].issue, cues[i].level);
        }
    }
    bool inj = find_any(k, &injection_set);
    for (const char *const *m = injection_markers; !inj && *m; m++) inj = ci_contains(s, len, *m);
    if (inj) {
        r->prompt_injection = true;
        add_issue(r, "prompt injection attempt in customer message", CS_POLICY_WARNING);
    }
}

static void compile_all(void)
{
    compile_set(&promise_set);
    compile_set(&sla_set);
    for (size_t i = 0; i < sizeof cues / sizeof cues[0]; i++) compile_set(cues[i].set);
    compile_set(&injection_set);
}

int cs_policy_check(const char *reply, const char *customer_text, const struct cs_policy_opts *opts,
                    struct cs_policy_result *out)
{
    if (out) memset(out, 0, sizeof *out);
    if (!reply || !out) return CS_ERR_INVALID;
    static pthread_once_t compiled = PTHREAD_ONCE_INIT;
    pthread_once(&compiled, compile_all);
    static const struct cs_policy_opts defaults = {0.0, NULL, NULL, 0};
    const struct cs_policy_opts *o = opts ? opts : &defaults;
    size_t rlen = strlen(reply);
    struct toks rk, ck = {NULL, 0, {0}};
    if (toks_cut(reply, rlen, &rk)) return CS_ERR_NOMEM;
    size_t clen = customer_text ? strlen(customer_text) : 0;
    if (customer_text && toks_cut(customer_text, clen, &ck)) {
        toks_free(&rk);
        return CS_ERR_NOMEM;
    }
    check_promises(reply, rlen, &rk, o, out);
    out->sla_mentioned = find_any(&rk, &sla_set);
    check_pii(reply, rlen, o, out);
    if (customer_text) check_customer(customer_text, clen, &ck, out);
    toks_free(&rk);
    toks_free(&ck);
    return CS_OK;
}
