/* PII recognisers (see cs/pii.h). Each recogniser scans the text byte by byte and adds
 * candidate spans; overlaps are then resolved in favour of the higher score, then the
 * longer span. Recognisers are hand-written rather than regex-based: no allocation, no
 * backtracking blow-up on hostile input, and checksums fit in naturally. */
#include "cs/pii.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

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

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_alpha(char c) { return is_upper(c) || is_lower(c); }
static int is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static int is_hex(char c) { return is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f'); }
static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
/* word characters include UTF-8 bytes so "Åberg" is one token */
static int is_wordc(char c) { return is_alnum(c) || ((unsigned char)c & 0x80u); }

static void add(struct scan *s, enum cs_pii_type type, size_t b, size_t e, float score)
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
static int context_before(const struct scan *s, size_t at, size_t window, const char *const *list)
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

/* ------------------------------------------------------------------ email, url, ip */

static int email_local(char c) { return is_alnum(c) || (c && strchr("._%+-", c)); }

static void scan_email(struct scan *s)
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
        add(s, CS_PII_EMAIL, b, e, 1.0f);
    }
}

static int url_char(char c)
{
    return c && !is_space(c) && !strchr("\"'<>", c) && (unsigned char)c >= 0x21;
}

static void scan_url(struct scan *s)
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
            if (e > i + l + 3) add(s, CS_PII_URL, i, e, 0.9f);
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

static void scan_ip(struct scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (i > 0 && (is_alnum(s->t[i - 1]) || s->t[i - 1] == '.' || s->t[i - 1] == ':')) continue;
        size_t e = is_digit(s->t[i]) ? ipv4_at(s, i) : 0;
        if (e) {
            add(s, CS_PII_IP_ADDRESS, i, e, 0.95f);
            i = e;
            continue;
        }
        if (is_hex(s->t[i]) || s->t[i] == ':') {
            e = ipv6_at(s, i);
            if (e) {
                add(s, CS_PII_IP_ADDRESS, i, e, 0.95f);
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
    return context_before(s, b, 32, PHONE_CTX) || label_after(s, e, PHONE_AFTER);
}

static void classify_number(struct scan *s, size_t b, size_t e, const char *dig, size_t nd,
                            int seps, int paren)
{
    int plus = s->t[b] == '+';
    if (nd == 9 && e - b == 11 && s->t[b + 3] == '-' && s->t[b + 6] == '-') {
        if (ssn_ok(dig)) add(s, CS_PII_US_SSN, b, e, 0.9f);
        return;
    }
    if (nd == 9 && seps == 0 && context_before(s, b, 40, SSN_CTX) && ssn_ok(dig)) {
        add(s, CS_PII_US_SSN, b, e, 0.85f);
        return;
    }
    if (nd >= 13 && nd <= 19 && !plus && !paren && cs_pii_luhn_valid(dig, nd)) {
        add(s, CS_PII_CREDIT_CARD, b, e, 1.0f);
        return;
    }
    /* 12-digit cards (Maestro) pass Luhn one time in ten by chance: only after "card" */
    if (nd == 12 && seps == 0 && !plus && cs_pii_luhn_valid(dig, nd) &&
        context_before(s, b, 24, CARD_CTX)) {
        add(s, CS_PII_CREDIT_CARD, b, e, 0.9f);
        return;
    }
    if (looks_like_date(s, b, e)) return;
    if (seps == 0 && nd >= 6 && nd <= 18 && !plus && context_before(s, b, 32, ACCOUNT_CTX)) {
        add(s, CS_PII_ACCOUNT_NUMBER, b, e, 0.8f);
        return;
    }
    /* Phones: formatted groups or a leading '+', 7..15 digits (E.164 allows 15). */
    int formatted = plus || paren || seps >= 2;
    /* short local numbers ("451 5986", "71-33-52-22") need a cue before or a label after */
    if (nd >= 10 && nd <= 15 && (formatted || seps >= 1 || phone_cued(s, b, e)))
        add(s, CS_PII_PHONE, b, e, formatted ? 0.75f : 0.6f);
    else if (nd >= 7 && nd <= 9 && seps >= 1 && phone_cued(s, b, e))
        add(s, CS_PII_PHONE, b, e, 0.5f);
}

static void scan_numbers(struct scan *s)
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

static void scan_iban(struct scan *s)
{
    for (size_t i = 0; i + 15 <= s->n; i++) {
        if ((i > 0 && is_alnum(s->t[i - 1])) || !is_alpha(s->t[i]) || !is_alpha(s->t[i + 1]) ||
            !is_digit(s->t[i + 2]) || !is_digit(s->t[i + 3]))
            continue;
        /* written in lower case ("gb42nawi0445..."), only right after the word "iban" */
        if ((!is_upper(s->t[i]) || !is_upper(s->t[i + 1])) && !context_before(s, i, 12, IBAN_CTX))
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
            add(s, CS_PII_IBAN, i, best, 1.0f);
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

static size_t digits_at(const struct scan *s, size_t i, size_t lo, size_t hi)
{
    size_t e = i;
    while (e < s->n && is_digit(s->t[e])) e++;
    return (e - i >= lo && e - i <= hi) ? e : 0;
}

/* dd/mm/yyyy, yyyy-mm-dd, "March 3, 1985", "3 March 1985" */
static size_t date_at(const struct scan *s, size_t i)
{
    size_t e;
    if (is_digit(s->t[i])) {
        if ((e = digits_at(s, i, 1, 4)) && e < s->n && strchr("/-.", s->t[e])) {
            char sep = s->t[e];
            size_t e2 = digits_at(s, e + 1, 1, 2);
            if (e2 && e2 < s->n && s->t[e2] == sep) {
                size_t e3 = digits_at(s, e2 + 1, 2, 4);
                if (e3) return e3;
            }
        }
        if ((e = digits_at(s, i, 1, 2)) && e < s->n && s->t[e] == ' ') {
            size_t m = month_word(s, e + 1);
            if (m && m + 1 < s->n && s->t[m] == ' ') return digits_at(s, m + 1, 4, 4);
        }
        return 0;
    }
    size_t m = month_word(s, i);
    if (m && m + 1 < s->n && s->t[m] == ' ' && (e = digits_at(s, m + 1, 1, 2))) {
        if (e + 2 < s->n && s->t[e] == ',' && s->t[e + 1] == ' ') e++;
        if (e + 1 < s->n && s->t[e] == ' ') return digits_at(s, e + 1, 4, 4);
    }
    return 0;
}

static void scan_dob(struct scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (i > 0 && is_alnum(s->t[i - 1])) continue;
        if (!is_digit(s->t[i]) && !is_alpha(s->t[i])) continue;
        size_t e = date_at(s, i);
        if (e && context_before(s, i, 40, DOB_CTX)) {
            /* above addresses (0.91): a date after a birth cue is the surer reading */
            add(s, CS_PII_DATE_OF_BIRTH, i, e, 0.95f);
            i = e;
        }
    }
}

/* ------------------------------------------------------------------ street addresses */

static const char *const STREET[] = {
    "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive", "dr",
    "court", "ct", "way", "place", "pl", "terrace", "parkway", "pkwy", "highway", "hwy", "square",
    "circle", "cir", "trail", "crescent", "close", "alley", "plaza", "row", "walk", "str",
    "squares", "gardens", "hill", "park", "view",
    /* more street-type words of English-speaking countries (the suffixes Faker, which
     * made the Presidio data, draws from), less those common after a number in running
     * text ("3 Green", "2 Union", "5 Station") */
    "loop", "mews", "grove", "heights", "ridge", "cliff", "cliffs", "creek", "crossing", "dale",
    "estates", "expressway", "falls", "flats", "forks", "freeway", "glen", "harbor", "harbour",
    "haven", "hills", "hollow", "isle", "junction", "knoll", "landing", "manor", "meadow",
    "meadows", "orchard", "oval", "parks", "pike", "points", "ranch", "rapids", "shoals", "shores",
    "springs", "stravenue", "summit", "trace", "turnpike", "valley", "vista", "courts", "motorway",
    "bypass", "causeway", "lodge", "fort", "dam", "brook", "brooks", "canyon", "cove", "crest",
    "ferry", "forge", "mills", "pines", "plains", "prairie", "spur", "underpass", "viaduct", "wynd",
    "gate", NULL};
/* Addresses outrank person names (at most 0.9): a street or place inside an address is
 * often a name too ("Isaac Lodge", "Victor Hugo u. 49.", "St. John Street"), and the
 * street word or house number is the stronger evidence. */
#define ADDR_SCORE 0.91f

static const char *const UNIT[] = {"apt", "apartment", "suite", "unit", "floor",
                                   "fl",  "building",  "bldg",  "box",  NULL};

static size_t word_end(const struct scan *s, size_t i)
{
    while (i < s->n && (is_wordc(s->t[i]) || s->t[i] == '\'')) i++;
    return i;
}

static int word_in(const struct scan *s, size_t b, size_t e, const char *const *list)
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

static int cap_word(const struct scan *s, size_t b, size_t e)
{
    return e > b && (is_upper(s->t[b]) || ((unsigned char)s->t[b] & 0x80u));
}

/* Function words that never start or continue a street or place name. In all-lower-case
 * text ("i moved to 12 main street, springfield") capitals cannot tell a name from the
 * sentence around it, so any other word may be one. */
static const char *const ADDR_STOP[] = {
    "the",    "a",     "an",     "on",      "in",      "at",     "to",    "of",
    "for",    "and",   "or",     "my",      "your",    "our",    "is",    "was",
    "it",     "this",  "that",   "with",    "from",    "by",     "i",     "we",
    "you",    "me",    "please", "be",      "are",     "will",   "last",  "next",
    "since",  "after", "before", "instead", "but",     "so",     "as",    "if",
    "thanks", "thank", "days",   "weeks",   "months",  "years",  "hours", "minutes",
    "times",  "items", "orders", "euros",   "dollars", "pounds", NULL};

static int all_caps(const struct scan *s, size_t b, size_t e);

/* A word that can be part of a street or place name: capitalised, or in all-lower-case
 * text any word but a function word. */
static int name_like(const struct scan *s, size_t b, size_t e)
{
    if (cap_word(s, b, e)) return 1;
    return s->lower && e > b && !is_digit(s->t[b]) && is_wordc(s->t[b]) &&
           !word_in(s, b, e, ADDR_STOP);
}

/* "5th", "42nd", "1st": an ordinal, as in "350 5th Ave". */
static int ordinal_word(const struct scan *s, size_t b, size_t e)
{
    size_t d = b;
    while (d < e && is_digit(s->t[d])) d++;
    return d > b && e - d == 2 &&
           (strncasecmp(s->t + d, "st", 2) == 0 || strncasecmp(s->t + d, "nd", 2) == 0 ||
            strncasecmp(s->t + d, "rd", 2) == 0 || strncasecmp(s->t + d, "th", 2) == 0);
}

/* A UK postcode at p ("NW1 6XE", "SW1A 1AA", "BN1 3XE"): an outward code of one or two
 * letters, a digit and an optional letter or digit, a space, a digit and two letters.
 * Returns its end or 0. */
static size_t uk_postcode_at(const struct scan *s, size_t p)
{
    size_t q = p;
    int letters = 0;
    while (q < s->n && letters < 2 && is_alpha(s->t[q])) q++, letters++;
    if (!letters || q >= s->n || !is_digit(s->t[q])) return 0;
    q++;
    if (q < s->n && is_alnum(s->t[q])) q++;
    if (q + 4 > s->n || s->t[q] != ' ' || !is_digit(s->t[q + 1]) || !is_alpha(s->t[q + 2]) ||
        !is_alpha(s->t[q + 3]))
        return 0;
    q += 4;
    if (q < s->n && is_wordc(s->t[q])) return 0;
    /* capitals as written, or all-lower-case text */
    for (size_t k = p; k < q; k++)
        if (is_lower(s->t[k]) && !s->lower) return 0;
    return q;
}

/* A Canadian postal code at p ("M5H 1A1"): its end or 0. */
static size_t ca_postcode_at(const struct scan *s, size_t p)
{
    if (p + 7 > s->n || !is_alpha(s->t[p]) || !is_digit(s->t[p + 1]) || !is_alpha(s->t[p + 2]) ||
        s->t[p + 3] != ' ' || !is_digit(s->t[p + 4]) || !is_alpha(s->t[p + 5]) ||
        !is_digit(s->t[p + 6]) || (p + 7 < s->n && is_wordc(s->t[p + 7])))
        return 0;
    return s->lower || (is_upper(s->t[p]) && is_upper(s->t[p + 2]) && is_upper(s->t[p + 5])) ? p + 7
                                                                                             : 0;
}

/* A US ZIP+4 at p ("10118-0001"): its end or 0. */
static size_t zip4_at(const struct scan *s, size_t p)
{
    size_t d = digits_at(s, p, 5, 5);
    if (!d || d + 5 > s->n || s->t[d] != '-') return 0;
    size_t e = digits_at(s, d + 1, 4, 4);
    return e && (e == s->n || !is_alnum(s->t[e])) ? e : 0;
}

static size_t place_word_end(const struct scan *s, size_t p);

/* After a postcode ending at w: the town in Europe's order ("10115 Berlin", "00184 Roma
 * RM", "75001 Paris, France"), one to three name words (a province code among them)
 * ending the clause; its end or 0. */
static size_t town_after_postcode(const struct scan *s, size_t w)
{
    size_t c = w, end = 0;
    for (int k = 0; k < 3 && c + 1 < s->n && s->t[c] == ' '; k++) {
        size_t b = c + 1, x = place_word_end(s, b);
        int code = x - b <= 3 && all_caps(s, b, x) && k > 0;
        if (x == b || !(code || (name_like(s, b, x) && !all_caps(s, b, x)))) break;
        c = x;
        if (c == s->n || strchr(",.;!?\n", s->t[c])) end = c;
    }
    return end;
}

/* Words a form leaves in place of a missing field ("Ljubljana nan", "KNIVSTA, nan 18237"):
 * part of the address block, not the end of it. */
static int filler_word(const struct scan *s, size_t b, size_t e)
{
    return e - b == 3 && strncmp(s->t + b, "nan", 3) == 0;
}

/* After "12 Main Street": absorb ", Apt 4", "\n Suite 680", ", Springfield, IL 62704",
 * "  Suite 510  Ettelgem  Belgium" (runs of spaces separate the parts of an address
 * pasted from a form, like commas), "\nNicosia\n, NI\n 61089" (a form's lines with
 * empty or comma-led fields) and "Apt. 615 Moosleerau Switzerland" (after a unit the
 * place follows with plain spaces). */
/* Lower-case links inside place names: "Mora de Rubielos", "Chomutice u Horic v
 * Podkrkonoší", "Frankfurt am Main". */
static const char *const PLACE_LINK[] = {
    "de", "del", "do", "da",  "dos", "la",  "le",  "les",  "u", "v",
    "am", "an",  "im", "sur", "en",  "nad", "pod", "upon", NULL}; /* not "on": "London on Friday" */

/* End of a place word at p: letters with inner hyphens ("Grand-Leez", "ALT-DIETMANNS") or
 * a parenthesised word ("Cyprus (Greek)"); p when none. */
static size_t place_word_end(const struct scan *s, size_t p)
{
    if (p < s->n && s->t[p] == '(') {
        size_t w = word_end(s, p + 1);
        return w > p + 1 && w < s->n && s->t[w] == ')' && cap_word(s, p + 1, w) ? w + 1 : p;
    }
    size_t w = word_end(s, p);
    while (w > p && w + 1 < s->n && s->t[w] == '-' && is_wordc(s->t[w + 1])) w = word_end(s, w + 1);
    return w;
}

/* After a separator run at p: is the next token a postcode (4-6 digits)? */
static int zip_follows(const struct scan *s, size_t p)
{
    size_t q = p;
    while (q < s->n && q - p < 4 && (s->t[q] == ' ' || s->t[q] == ',' || s->t[q] == '\n')) q++;
    size_t d = digits_at(s, q, 4, 6);
    return q > p && d && (d == s->n || !is_alnum(s->t[d]));
}

/* The separator after an address part: spaces, commas and newlines (and '>' quoting
 * after a newline), at most 6 bytes. */
struct tail_sep {
    size_t p; /* where the next part starts */
    int commas, lines, spaces;
};

static struct tail_sep tail_sep_at(const struct scan *s, size_t e)
{
    struct tail_sep x = {e, 0, 0, 0};
    while (x.p < s->n && x.p - e < 6 &&
           (s->t[x.p] == ' ' || s->t[x.p] == ',' || s->t[x.p] == '\n' ||
            (s->t[x.p] == '>' && x.p > 0 && s->t[x.p - 1] == '\n'))) {
        x.commas += s->t[x.p] == ',';
        x.lines += s->t[x.p] == '\n';
        x.spaces += s->t[x.p] == ' ';
        x.p++;
    }
    return x;
}

/* Lower-case particles inside street names ("rue de Provence") */
static const char *const NAME_PARTICLE[] = {"de", "du",  "des", "la",  "le",  "del", "do",  "da",
                                            "di", "dos", "das", "van", "von", "der", "den", NULL};

/* "Storgarden 52 Trajanka Forks\n Suite 894": up to three more capitalised words (or
 * particles) right after the street ending at e belong to it when a unit line follows
 * them; their end or 0. */
static size_t street_more_words(const struct scan *s, size_t e)
{
    size_t x = e;
    for (int k = 0; k < 3 && x + 1 < s->n && s->t[x] == ' '; k++) {
        size_t b = x + 1, xe = word_end(s, b);
        /* a particle only before a capitalised word: "87 van Gijn Summit" */
        int particle = word_in(s, b, xe, NAME_PARTICLE) && xe + 1 < s->n && s->t[xe] == ' ' &&
                       cap_word(s, xe + 1, word_end(s, xe + 1));
        if (!cap_word(s, b, xe) && !particle) break;
        x = xe;
    }
    size_t y = x;
    while (y < s->n && y - x < 4 && (s->t[y] == ' ' || s->t[y] == ',' || s->t[y] == '\n')) y++;
    return x > e && y > x && (s->t[x] == ',' || s->t[x] == '\n') &&
                   word_in(s, y, word_end(s, y), UNIT)
               ? x
               : 0;
}

/* "Suite 680", "Apt. 652" with the unit word [p, w): the end of its number, or 0. */
static size_t unit_field_end(const struct scan *s, size_t w)
{
    size_t q = w;
    if (q < s->n && s->t[q] == '.') q++;
    while (q < s->n && s->t[q] == ' ') q++;
    size_t d = q;
    while (d < s->n && (is_alnum(s->t[d]) || s->t[d] == '-')) d++;
    return d > q ? d : 0;
}

/* A numeric region code before the postcode (", 32\n 60810", ", 43 73313") or an empty
 * field ("nan 18237") at [p, w): sets *end to what it takes; returns 1 when the postcode
 * after it was taken too (the address ends), 0 to go on, -1 when it is neither. */
static int region_or_filler(const struct scan *s, size_t p, size_t w, size_t *end)
{
    if (!((digits_at(s, p, 1, 3) == w && zip_follows(s, w)) || filler_word(s, p, w))) return -1;
    *end = w;
    size_t z = w + 1 < s->n && s->t[w] == ' ' ? digits_at(s, w + 1, 4, 6) : 0;
    if (z && (z == s->n || !is_alnum(s->t[z]))) {
        *end = z;
        return 1;
    }
    return 0;
}

/* A postcode of the UK or Canada, a ZIP+4 or 4-6 digits at nb (word [nb, ne)): its end
 * or 0. */
static size_t postcode_at(const struct scan *s, size_t nb, size_t ne)
{
    size_t pc = uk_postcode_at(s, nb);
    if (!pc) pc = ca_postcode_at(s, nb);
    if (!pc) pc = zip4_at(s, nb);
    if (!pc && digits_at(s, nb, 4, 6) == ne) pc = ne;
    return pc;
}

/* City / "IL 62704" / "Cyprus 36903" from the place word [p, w): up to six name words
 * (links like "de" inside), ending at a postcode (*zip set) or where the words end. */
static size_t place_run(const struct scan *s, size_t w, int *zip, int *words)
{
    size_t end = w;
    *zip = 0, *words = 1;
    while (end < s->n && s->t[end] == ' ' && *words < 6) {
        size_t nb = end + 1, ne = place_word_end(s, nb);
        if (ne == nb) break;
        size_t pc = postcode_at(s, nb, ne);
        if (pc) {
            *zip = 1;
            return pc;
        }
        if (word_in(s, nb, ne, PLACE_LINK) && ne + 1 < s->n && s->t[ne] == ' ' &&
            cap_word(s, ne + 1, word_end(s, ne + 1))) {
            end = ne, (*words)++;
            continue;
        }
        if (!name_like(s, nb, ne) && !filler_word(s, nb, ne) && s->t[nb] != '(') break;
        end = ne;
        *words += s->t[nb] != '('; /* "Cyprus (Greek)" is one country */
    }
    return end;
}

/* Does a clause end at `end` (punctuation, a line break, two spaces or the text's end)? */
static int clause_ends(const struct scan *s, size_t end)
{
    return end >= s->n || s->t[end] == ',' || s->t[end] == '\n' || s->t[end] == '.' ||
           s->t[end] == '?' || s->t[end] == '!' ||
           (end + 1 < s->n && s->t[end] == ' ' && s->t[end + 1] == ' ');
}

/* After "12 Main Street": absorb ", Apt 4", "\n Suite 680", ", Springfield, IL 62704",
 * "  Suite 510  Ettelgem  Belgium" (runs of spaces separate the parts of an address
 * pasted from a form, like commas), "\nNicosia\n, NI\n 61089" and "\nMOSS\n, nan\n 51971"
 * (a form's lines, with empty fields printed as "nan"), "Apt. 615 Moosleerau Switzerland"
 * (after a unit the place follows with plain spaces) and ", Cite Guedouala, Tunisia last
 * night" (a country after the city, before the sentence goes on). */
static size_t address_tail(const struct scan *s, size_t e)
{
    int after_unit = 0, places = 0;
    for (int seg = 0; seg < 8; seg++) {
        /* at most two line breaks, so a blank line between paragraphs ends the address */
        struct tail_sep x = tail_sep_at(s, e);
        size_t p = x.p;
        if (x.commas > 1 || x.lines > 2 || p >= s->n) break;
        int hard = x.commas || x.lines || x.spaces >= 2;
        size_t w = word_end(s, p);
        if (w == p) break;
        int unit = word_in(s, p, w, UNIT);
        size_t more = !hard && x.spaces == 1 && seg == 0 && !unit ? street_more_words(s, e) : 0;
        if (more) {
            e = more;
            continue;
        }
        /* a single space continues the address only before a unit or after one */
        if (!hard && !(x.spaces == 1 && (unit || after_unit))) break;
        if (unit) {
            size_t d = unit_field_end(s, w);
            if (!d) break;
            e = d, after_unit = 1;
            continue;
        }
        /* a postcode alone on its line ends the address; in Europe's order the town
         * follows it ("10115 Berlin", "75001 Paris, France") up to the end of the clause */
        if (hard && digits_at(s, p, 4, 6) == w) {
            size_t c = town_after_postcode(s, w);
            e = c ? c : w;
            if (!c) break;
            places++;
            continue;
        }
        size_t uk = hard ? uk_postcode_at(s, p) : 0; /* "London, NW1 6XE" */
        if (uk) return uk;
        int rf = hard ? region_or_filler(s, p, w, &e) : -1;
        if (rf == 1) break;
        if (rf == 0) continue;
        if (!name_like(s, p, w)) break;
        int zip, words;
        size_t end = place_run(s, place_word_end(s, p), &zip, &words);
        /* after a unit the place may run into the sentence: "Suite 215 NUNGATTA
         * Australia last night"; so may a one-word country after a comma and a city */
        int country = x.commas == 1 && places > 0 && words == 1 && end - p >= 3;
        if (!zip && !clause_ends(s, end) && !after_unit && !country) break;
        e = end;
        places++;
        if (zip) break;
    }
    return e;
}

/* Words a street name ends in where the number follows the name, as in most of
 * Europe ("Mellemvej 32", "Stubengraben 80", "Rákóczi út 66"). Matched as a suffix of
 * the last name word, or as the whole word. */
static const char *const EU_SUFFIX[] = {
    "vej",  "veien", "vegen",  "gasse",   "laan",  "straße", "strasse", "weg",    "gade",
    "gata", "gatan", "vägen",  "stien",   "allee", "plein",  "straat",  "graben", "platz",
    "kapu", "út",    "utca",   "útja",    "põik",  "tee",    "iela",    "tie",    "katu",
    "kuja", "polku", "stræti", "straeti", "braut", "hove",   "gracht",  "dreef",  "singel",
    "kade", "steeg", "stræde", "väg",     "gränd", "torget", "cesta",   NULL};
/* Abbreviated street words with their period, between the name and the number:
 * Hungarian "Piroska u. 97.", "Belgrád rkp. 18.", "Múzeum krt. 5." */
static const char *const EU_ABBR[] = {"u", "rkp", "krt", NULL};
/* Street-type words that come first: "33 avenue de Provence", "ul. Biskupa Bogedaina 118",
 * "Rua Diadema 1903". */
static const char
    *const
        STREET_PREFIX[] = {"ul",     "ulica",  "rue",      "avenue", "avenida",   "avda",
                           "calle",  "viale",  "rua",      "rúa",    "piazza",    "plaza",
                           "strada", "rambla", "paseo",    "camino", "boulevard", "vicolo",
                           "corso",  "largo",  "travessa", "carrer", "chemin",    "quai",
                           NULL}; /* "via" and "C/" only in the forms prefixed_street_at checks */
/* An address cue shortly before makes "Name 12" or "12 Name 34" an address. */
static const char *const ADDR_CTX[] = {
    "address",          "live at",     "living at",  "located at",        "ship to",   "deliver to",
    "moved to",         "reside at",   "send it to", "lives at",          "lives on",  "live on",
    "lived at",         "located on",  "sent to",    "send a new one to", "return to", "taxi to",
    "drops you off at", "meet you at", "arrived at", "enter on",          NULL};

/* The word is one of the list, or ends in one after a stem of 3+ bytes ("Mellemvej"). */
static int has_suffix(const struct scan *s, size_t b, size_t e, const char *const *list)
{
    for (size_t k = 0; list[k]; k++) {
        size_t l = strlen(list[k]);
        if ((l == e - b || l + 3 <= e - b) && strncasecmp(s->t + e - l, list[k], l) == 0) return 1;
    }
    return 0;
}

/* "rue de Provence", "ul. Biskupa Bogedaina 118" at p (a STREET_PREFIX word): the end
 * of the name (and of a house number after it), or 0. Needs a capitalised name word. */
static size_t prefixed_street_at(const struct scan *s, size_t p, int *has_num)
{
    *has_num = 0;
    size_t we = word_end(s, p);
    if (we == p) return 0;
    /* Spanish "C/ Señores Curas 88" */
    int calle =
        we == p + 1 && s->t[p] == 'C' && we + 1 < s->n && s->t[we] == '/' && s->t[we + 1] == ' ';
    /* Italian "Via Tasso 129": capitalised and with a house number, since lower-case
     * "via" is the English preposition ("via Email 3 times") */
    int via = we == p + 3 && strncmp(s->t + p, "Via", 3) == 0;
    if (via) { /* and not the first word of a sentence ("Via Email 3 times I wrote") */
        size_t q = p;
        while (q > 0 && (s->t[q - 1] == ' ' || s->t[q - 1] == '"')) q--;
        if (q == 0 || strchr(".!?\n", s->t[q - 1])) via = 0;
    }
    if (!calle && !via && !word_in(s, p, we, STREET_PREFIX)) return 0;
    size_t q = we;
    if (q < s->n && (s->t[q] == '.' || (calle && s->t[q] == '/'))) q++;
    size_t e = 0;
    int lower_words = 0; /* "rue des lieutemants Thomazo": one lower-case word inside */
    for (int w = 0; w < 5 && q < s->n && s->t[q] == ' '; w++) {
        size_t b = q + 1, x = place_word_end(s, b); /* "Rue Saint-Honoré" */
        if (x == b) break;
        if (digits_at(s, b, 1, 5) == x) { /* house number ends the name */
            if (e) e = x, *has_num = 1;
            break;
        }
        if (word_in(s, b, x, UNIT)) break; /* "Rue Ettatawer Apt. 409" */
        if (name_like(s, b, x))
            e = x;
        else if (!word_in(s, b, x, NAME_PARTICLE) &&
                 !(is_lower(s->t[b]) && x - b >= 3 && lower_words++ == 0))
            break;
        q = x;
    }
    if (via && !*has_num) return 0;
    return e;
}

/* "P.O. Box 104", "PO Box 104", "P. O. Box 104": the end of the box number, or 0. */
static size_t po_box_at(const struct scan *s, size_t p)
{
    static const char *const FORMS[] = {"p.o. box ", "po box ", "p. o. box ", "p.o.box ", NULL};
    for (size_t k = 0; FORMS[k]; k++) {
        size_t l = strlen(FORMS[k]);
        if (p + l < s->n && strncasecmp(s->t + p, FORMS[k], l) == 0) {
            size_t d = digits_at(s, p + l, 1, 6);
            if (d && (d == s->n || !is_alnum(s->t[d]))) return d;
        }
    }
    return 0;
}

/* "lives on Marina Fort", "ship to Elm Grove Road": capitalised words ending in a street
 * word, with no house number, shortly after an address cue; the end or 0. */
static size_t named_street_at(const struct scan *s, size_t i)
{
    size_t p = i;
    for (int w = 0; w < 4 && p < s->n; w++) {
        size_t we = place_word_end(s, p);
        if (we == p || !name_like(s, p, we)) return 0;
        if (w > 0 && word_in(s, p, we, STREET)) {
            if (we < s->n && s->t[we] == '.' && we - p <= 3) we++; /* "Elm St." */
            return context_before(s, i, 40, ADDR_CTX) ? we : 0;
        }
        if (we + 1 >= s->n || s->t[we] != ' ') return 0;
        p = we + 1;
    }
    return 0;
}

/* "Name[ Name] 12[a]" with a European street word or an address cue; returns the end
 * of the house number or 0. */
static size_t eu_street_at(const struct scan *s, size_t i, size_t cue_at)
{
    size_t p = i, last_b = i, last_e = 0;
    int suffix = 0, abbr = 0;
    for (int w = 0; w < 3 && p < s->n; w++) {
        size_t we = word_end(s, p);
        if (we == p || digits_at(s, p, 1, 6) == we) break;
        if (w == 0 && !name_like(s, p, we)) return 0;
        we = place_word_end(s, p); /* "Langeskov-Centret 83" */
        suffix |= has_suffix(s, p, we, EU_SUFFIX);
        if (w > 0 && we < s->n && s->t[we] == '.' && word_in(s, p, we, EU_ABBR))
            suffix = abbr = 1, we++;
        last_b = p, last_e = we;
        if (we + 1 >= s->n || s->t[we] != ' ') return 0;
        p = we + 1;
        if (is_digit(s->t[p])) break;
    }
    (void)last_b;
    if (!last_e || p >= s->n || !is_digit(s->t[p])) return 0;
    size_t d = digits_at(s, p, 1, 5);
    if (!d) return 0;
    if (d < s->n && is_alpha(s->t[d]) && (d + 1 >= s->n || !is_alnum(s->t[d + 1]))) d++; /* 12a */
    if (d < s->n && is_alnum(s->t[d])) return 0;
    /* "Born 12/03/1980", "Monday 14:30": a date or a time, not a house number */
    if (d + 1 < s->n && strchr("/:-.", s->t[d]) && is_digit(s->t[d + 1])) return 0;
    /* the cue is looked for last: it is the costly test, and most words fail before it */
    if (!suffix && !context_before(s, cue_at, 40, ADDR_CTX)) return 0;
    /* "39." (an ordinal house number); Hungarian style always writes it */
    if (d < s->n && s->t[d] == '.' &&
        ((d + 1 < s->n && s->t[d + 1] == ' ') ||
         (abbr && (d + 1 == s->n || !is_alnum(s->t[d + 1])))))
        d++;
    return d;
}

static const char *const DIRECTION[] = {"north", "south", "east", "west", "n",  "s", "e",
                                        "w",     "ne",    "nw",   "se",   "sw", NULL};

/* After a unit word at we: ". 620", " 620" */
static int unit_number_at(const struct scan *s, size_t we)
{
    if (we < s->n && s->t[we] == '.') we++;
    return we + 1 < s->n && s->t[we] == ' ' && is_digit(s->t[we + 1]);
}

/* Is one of the next `words` words (from p, single spaces) a street word? */
static int street_word_within(const struct scan *s, size_t p, int words)
{
    for (int k = 0; k < words && p < s->n; k++) {
        size_t w = word_end(s, p);
        if (w == p) return 0;
        if (word_in(s, p, w, STREET)) return 1;
        if (w >= s->n || s->t[w] != ' ') return 0;
        p = w + 1;
    }
    return 0;
}

/* US military mail: "PSC 1234, Box 5678\nAPO AP 12345", "USS Name\nFPO AE 12345",
 * "Unit 1234 Box 5678\nDPO AA 12345". Anchored on the APO/FPO/DPO line. */
static void scan_military(struct scan *s)
{
    for (size_t i = 0; i + 12 <= s->n; i++) {
        char c0 = (char)(s->t[i] | 32);
        if ((i > 0 && is_alnum(s->t[i - 1])) || (s->t[i + 1] | 32) != 'p' ||
            (s->t[i + 2] | 32) != 'o' || (c0 != 'a' && c0 != 'f' && c0 != 'd') ||
            s->t[i + 3] != ' ' || !is_alpha(s->t[i + 4]) || !is_alpha(s->t[i + 5]) ||
            s->t[i + 6] != ' ')
            continue;
        size_t e = digits_at(s, i + 7, 5, 5);
        if (!e || (e < s->n && is_alnum(s->t[e]))) continue;
        size_t b = i;
        /* "PSC ..", "Unit ..", "USS .." up to 60 bytes before (same or previous line)
         * starts the address; the first one found wins */
        static const char *const LEAD[] = {"psc ",  "unit ",  "uss ", "usns ",
                                           "usnv ", "uscgc ", NULL};
        for (size_t q = i > 60 ? i - 60 : 0; q + 1 < i; q++) {
            if (q > 0 && is_alnum(s->t[q - 1])) continue;
            int hit = 0;
            for (size_t k = 0; LEAD[k] && !hit; k++)
                hit = strncasecmp(s->t + q, LEAD[k], strlen(LEAD[k])) == 0;
            if (hit) {
                b = q;
                break;
            }
        }
        /* above "4719 Box 7394 ..." read from the number on: the lead word belongs */
        add(s, CS_PII_STREET_ADDRESS, b, e, ADDR_SCORE + 0.04f);
        i = e;
    }
}

/* "the corner of A Street and B Road": up to the end of the second name. */
static void scan_corner(struct scan *s)
{
    static const char K[] = "corner of ";
    for (size_t i = 0; i + sizeof(K) < s->n; i++) {
        if (strncasecmp(s->t + i, K, sizeof(K) - 1) != 0 || (i > 0 && is_alpha(s->t[i - 1])))
            continue;
        size_t b = i >= 4 && strncasecmp(s->t + i - 4, "the ", 4) == 0 ? i - 4 : i;
        size_t p = i + sizeof(K) - 1, and_at = 0, e = 0;
        for (int w = 0; w < 12 && p < s->n; w++) {
            size_t we = word_end(s, p);
            if (we == p) break;
            if (we - p == 3 && strncmp(s->t + p, "and", 3) == 0)
                and_at = p;
            else if (!name_like(s, p, we) && !is_digit(s->t[p]) && !and_at && we - p > 4)
                break;
            else if (and_at && !name_like(s, p, we))
                break;
            else
                e = we;
            if (we < s->n && s->t[we] == '.') we++;
            if (we >= s->n || s->t[we] != ' ') break;
            p = we + 1;
        }
        if (!and_at || e <= and_at) continue;
        add(s, CS_PII_STREET_ADDRESS, b, e, ADDR_SCORE);
        i = e;
    }
}

/* ---- one address or its parts ----
 * "86036 Rua do Arenque 1634, Goiânia", "17151 2450 Crown St", "0104 Hafnarstraeti 5\n
 * Suite 179\n Akureyri\n Iceland 80296": a standalone number before a street that has
 * its own house number is a second field of a form (a building or lot number), and the
 * address is written as separate fields: the number, the street, the unit line, the
 * postcode after the country. These are reported as separate spans, the place names
 * between them left out (they name a city, not a home), as forms and the Presidio data
 * label them. Any other tail (a unit on the street's line, "nan" fields, a state and
 * postcode after a comma) is one continuous address and stays one span. Chosen on the
 * Presidio training templates (cs/presidio.h): the held-out ones were scored once. */

static int all_caps(const struct scan *s, size_t b, size_t e);

/* One field of an address written as form fields: a unit ("Suite 179"), a place
 * ("Akureyri", "New Zealand") or a place and postcode ("Iceland 80296"). */
enum { SEG_BAD, SEG_UNIT, SEG_PLACE, SEG_PLACE_ZIP };

struct seg {
    int kind;
    size_t b, e, zb; /* field [b, e); postcode [zb, e) for SEG_PLACE_ZIP */
};

/* After a field ends at p: a separator (", " or a line break with optional spaces and
 * '>' quoting) and where the next field starts, or 0. Sets *nl for a line break. */
static size_t field_sep(const struct scan *s, size_t p, size_t tail, int *nl)
{
    size_t q = p;
    *nl = 0;
    if (q < tail && s->t[q] == ',')
        q++;
    else if (q < tail && s->t[q] == '\n')
        q++, *nl = 1;
    else
        return 0;
    while (q < tail && (s->t[q] == ' ' || s->t[q] == '>')) q++;
    return q < tail && q > p ? q : 0;
}

static struct seg field_at(const struct scan *s, size_t p, size_t tail)
{
    struct seg g = {SEG_BAD, p, p, p};
    size_t e = p;
    while (e < tail && s->t[e] != '\n' && s->t[e] != ',') e++;
    while (e > p && s->t[e - 1] == ' ') e--;
    g.e = e;
    if (e <= p) return g;
    size_t we = word_end(s, p);
    if (word_in(s, p, we, UNIT) && unit_number_at(s, we)) {
        size_t q = we + (s->t[we] == '.' ? 1 : 0) + 1, d = digits_at(s, q, 1, 6);
        g.kind = d == e ? SEG_UNIT : SEG_BAD;
        return g;
    }
    size_t zb = e;
    while (zb > p && is_digit(s->t[zb - 1])) zb--;
    /* "ANNERSTAD nan 340 12": the Swedish, Czech and Greek "NNN NN" */
    if (e - zb == 2 && zb >= p + 5 && s->t[zb - 1] == ' ' && digits_at(s, zb - 4, 3, 3) == zb - 1 &&
        s->t[zb - 5] == ' ')
        zb -= 4;
    for (size_t k = p; k < zb; k++)
        if (is_digit(s->t[k])) return g;
    if (zb == p || filler_word(s, p, word_end(s, p))) return g;
    if (zb == e) {
        g.kind = SEG_PLACE;
        return g;
    }
    /* "RS 24893": a state code and a postcode are one US-style line, not form fields */
    if (s->t[zb - 1] != ' ' || e - zb < 4 || all_caps(s, p, zb - 1)) return g;
    g.kind = SEG_PLACE_ZIP, g.zb = zb;
    return g;
}

static size_t unit_before(const struct scan *s, size_t i);

/* Is the address at b (or the unit field written before it) part of a sentence, i.e.
 * right after a lower-case word ("send a new one to 1987 74 Diakou Street\n Suite
 * 680\n ...? I am in")? Such lines are one address, as the Presidio training templates
 * label them; a block of lines at a line start, after '>' quoting or after a person's
 * name ("Mrs. Barbara Yudina Apt. 675 62314 Mellemvej 32") is a form's fields. */
static int in_prose(const struct scan *s, size_t b)
{
    size_t ub = unit_before(s, b);
    if (ub != SIZE_MAX) b = ub;
    while (b > 0 && (s->t[b - 1] == ' ' || s->t[b - 1] == '>')) b--;
    size_t w = b;
    while (w > 0 && is_wordc(s->t[w - 1])) w--;
    return w < b && is_lower(s->t[w]);
}

/* Emits the parts of a two-number address [b, tail) whose street is [sb, se); returns 0
 * (nothing emitted) when the tail is not a layout of form fields. The layouts: nothing
 * or ", City" after the street; or a unit, one or two places and a final "Country
 * POSTCODE", separated alike by ", " or line breaks. A unit with no postcode at the end
 * is a letter's address block (one span), as are two places without one. */
static int address_parts(struct scan *s, size_t b, size_t nb_end, size_t sb, size_t se, size_t tail)
{
    struct seg seg[4];
    int n = 0, nl0 = -1, units = 0;
    for (size_t p = se; p < tail;) {
        int nl;
        size_t q = field_sep(s, p, tail, &nl);
        if (!q || n == 4 || (nl0 >= 0 && nl != nl0)) return 0;
        nl0 = nl;
        seg[n] = field_at(s, q, tail);
        if (seg[n].kind == SEG_BAD) return 0;
        /* the unit comes first, the postcode last */
        if ((seg[n].kind == SEG_UNIT && n > 0) || (n > 0 && seg[n - 1].kind == SEG_PLACE_ZIP))
            return 0;
        units += seg[n].kind == SEG_UNIT;
        p = seg[n].e;
        n++;
    }
    int zip = n > 0 && seg[n - 1].kind == SEG_PLACE_ZIP;
    int ok = n == 0 || (n == 1 && seg[0].kind == SEG_PLACE && !nl0) || (zip && !in_prose(s, b));
    if (!ok || (units && !zip)) return 0;
    add(s, CS_PII_STREET_ADDRESS, b, nb_end, ADDR_SCORE);
    add(s, CS_PII_STREET_ADDRESS, sb, se, ADDR_SCORE);
    for (int k = 0; k < n; k++) {
        if (seg[k].kind == SEG_UNIT) add(s, CS_PII_STREET_ADDRESS, seg[k].b, seg[k].e, ADDR_SCORE);
        if (seg[k].kind == SEG_PLACE_ZIP)
            add(s, CS_PII_STREET_ADDRESS, seg[k].zb, seg[k].e, ADDR_SCORE);
    }
    return 1;
}

/* "Apt. 675 62314 Mellemvej 32": a unit field written before the number; its start, or
 * SIZE_MAX. */
static size_t unit_before(const struct scan *s, size_t i)
{
    if (i < 2 || s->t[i - 1] != ' ' || !is_digit(s->t[i - 2])) return SIZE_MAX;
    size_t d = i - 1;
    while (d > 0 && is_digit(s->t[d - 1])) d--;
    if (d < 2 || s->t[d - 1] != ' ') return SIZE_MAX;
    size_t we = d - 1;
    if (s->t[we - 1] == '.') we--;
    size_t wb = we;
    while (wb > 0 && is_alpha(s->t[wb - 1])) wb--;
    if (wb == we || (wb > 0 && is_wordc(s->t[wb - 1])) || !word_in(s, wb, we, UNIT))
        return SIZE_MAX;
    return wb;
}

/* Does the street [p, e) carry its own house number (first or last word)? */
static int street_numbered(const struct scan *s, size_t p, size_t e)
{
    size_t d = digits_at(s, p, 1, 6);
    if (d && d < e && s->t[d] == ' ') return 1;
    size_t q = e;
    while (q > p && (s->t[q - 1] == '.' || is_alpha(s->t[q - 1]))) q--; /* "12a", "12." */
    return q > p && is_digit(s->t[q - 1]);
}

/* Is the word at i right after a standalone number ("583 Magrethevej")? */
static int after_standalone_number(const struct scan *s, size_t i)
{
    if (i < 2 || s->t[i - 1] != ' ' || !is_digit(s->t[i - 2])) return 0;
    size_t k = i - 1;
    while (k > 0 && is_digit(s->t[k - 1])) k--;
    return k == 0 || !is_alnum(s->t[k - 1]);
}

/* Address fields already split off ([b, e) of a field layout): no other reading starts
 * inside them. */
static void claim(struct scan *s, size_t b, size_t e)
{
    if (s->nclaim < MAX_CLAIMS) s->claim_b[s->nclaim] = b, s->claim_e[s->nclaim++] = e;
}

static int claimed(const struct scan *s, size_t i)
{
    for (int k = 0; k < s->nclaim; k++)
        if (i >= s->claim_b[k] && i < s->claim_e[k]) return 1;
    return 0;
}

/* "St. John Street", "St Omers Road" at p (word [p, we)): "St" before a capitalised
 * word that a street word follows is Saint, not Street; where the name goes on, or 0. */
static size_t saint_at(const struct scan *s, size_t p, size_t we)
{
    size_t sp = we < s->n && s->t[we] == '.' ? we + 1 : we;
    /* not "12 Main St. Thanks": a street word must follow the saint's name */
    int saint = we - p == 2 && strncasecmp(s->t + p, "st", 2) == 0 && sp + 1 < s->n &&
                s->t[sp] == ' ' && is_upper(s->t[sp + 1]) && street_word_within(s, sp + 1, 3);
    return saint ? sp + 1 : 0;
}

/* After the street word [b, e): the period of an abbreviation ("St.", "Blvd.", not the
 * sentence's end after "Street.") and a direction ("Devon Street West"). */
static size_t street_word_tail(const struct scan *s, size_t b, size_t e)
{
    if (e < s->n && s->t[e] == '.' && e - b <= 4) e++;
    if (e + 1 < s->n && s->t[e] == ' ') {
        size_t de = word_end(s, e + 1);
        if (word_in(s, e + 1, de, DIRECTION)) e = de;
    }
    return e;
}

/* The street after a house number, from p: 1-4 capitalised words (or more numbers:
 * "1987 74 Diakou Street") ending in a street word, a street word leading a name ("63
 * Avenue du Golf Arabe") or before a unit ("2505 Heatherleigh Suite 620"). Its end or 0. */
static size_t street_after_number(const struct scan *s, size_t p)
{
    for (int w = 0; w < 5 && p < s->n; w++) {
        size_t we = word_end(s, p);
        if (we == p) break;
        size_t saint = saint_at(s, p, we);
        if (saint) {
            p = saint;
            continue;
        }
        int pn = 0;
        size_t pe = w > 0 && word_in(s, p, we, STREET_PREFIX) ? prefixed_street_at(s, p, &pn) : 0;
        if (pe) return pe;
        if (w > 0 && word_in(s, p, we, STREET)) return street_word_tail(s, p, we);
        /* a unit shows the words before it are a street */
        if (w > 0 && word_in(s, p, we, UNIT) && unit_number_at(s, we)) return p - 1;
        if (!name_like(s, p, we) && digits_at(s, p, 1, 6) != we && !ordinal_word(s, p, we)) break;
        if (we >= s->n || s->t[we] != ' ') break;
        p = we + 1;
    }
    return 0;
}

/* A house number at i ("12 ", "221B "): the end of it, or 0. */
static size_t house_number_at(const struct scan *s, size_t i)
{
    if (!is_digit(s->t[i]) || (i > 0 && is_alnum(s->t[i - 1]))) return 0;
    size_t num = digits_at(s, i, 1, 6);
    /* "221B Baker Street", "12a High St": a house number with a letter */
    if (num && num + 1 < s->n && is_alpha(s->t[num]) && s->t[num + 1] == ' ') num++;
    return num && num < s->n && s->t[num] == ' ' ? num : 0;
}

/* Number first at i ("12 Main Street", "86036 Rua do Arenque 1634", "33 avenue de
 * Provence", "77009 P.O. Box 255"): adds the address or its fields; where the scan goes
 * on. */
static size_t number_first_at(struct scan *s, size_t i)
{
    size_t num = house_number_at(s, i);
    if (!num) return i;
    size_t e = street_after_number(s, num + 1);
    int pnum = 0, eu_no_cue = 0;
    if (!e) e = prefixed_street_at(s, num + 1, &pnum);
    if (!e) e = po_box_at(s, num + 1);
    if (!e) { /* "30497 Ibirapita 8057": a number, a name, a house number */
        size_t ne = word_end(s, num + 1);
        if (ne > num + 1 && cap_word(s, num + 1, ne)) e = eu_street_at(s, num + 1, SIZE_MAX);
        /* a unit field written before it is cue enough: "Suite 913 0547 Bygget 91" */
        eu_no_cue = e && !context_before(s, i, 40, ADDR_CTX) && unit_before(s, i) == SIZE_MAX;
    }
    if (!e) return i;
    size_t tail = address_tail(s, e);
    /* without a cue, "12 Name 34" is an address only with a unit or city after it */
    if (eu_no_cue && tail == e) return i;
    if (!po_box_at(s, num + 1) && street_numbered(s, num + 1, e) &&
        address_parts(s, i, num, num + 1, e, tail)) {
        size_t ub = unit_before(s, i);
        if (ub != SIZE_MAX) add(s, CS_PII_STREET_ADDRESS, ub, i - 1, ADDR_SCORE);
        claim(s, i, tail);
        return tail;
    }
    /* same score as the "Name 12" reading: the longer of the two wins */
    add(s, CS_PII_STREET_ADDRESS, i, tail, ADDR_SCORE);
    return tail;
}

/* "ul. Biskupa Bogedaina 118", "rue de Provence", "P.O. Box 104" at i (a number before
 * it is the number-first reading's): the end of the address added, or 0. */
static size_t prefixed_at(struct scan *s, size_t i)
{
    int has_num = 0;
    size_t pe = prefixed_street_at(s, i, &has_num);
    size_t box = po_box_at(s, i);
    if (box) pe = box, has_num = 1;
    /* without a house number only after an address cue: "via Twitter" is no street */
    if (pe && !has_num && !context_before(s, i, 40, ADDR_CTX)) pe = 0;
    if (!pe || (i >= 2 && is_digit(s->t[i - 2]) && s->t[i - 1] == ' ')) return 0;
    pe = address_tail(s, pe);
    add(s, CS_PII_STREET_ADDRESS, i, pe, ADDR_SCORE);
    return pe;
}

/* European order at i, "Mellemvej 32", "C. Beerninckstraat 88" (an initial of the
 * person a street is named after), or a named street after a cue; where the scan goes
 * on. */
/* "Hanne and ul. Więckowskiego Stefana 28", "Katrina and Rúa do Paseo 46": a name and
 * a numbered street joined by "and" (a shape of the Presidio generator, like "the
 * corner of A and B"); the end of the address, or 0. */
static size_t and_street_at(const struct scan *s, size_t i)
{
    size_t we = word_end(s, i);
    if (we == i || !cap_word(s, i, we) || we + 5 >= s->n || strncmp(s->t + we, " and ", 5) != 0)
        return 0;
    int has_num = 0;
    size_t pe = prefixed_street_at(s, we + 5, &has_num);
    return pe && has_num ? address_tail(s, pe) : 0;
}

static size_t name_first_at(struct scan *s, size_t i)
{
    size_t pe = prefixed_at(s, i);
    if (pe) return pe;
    if ((pe = and_street_at(s, i)) != 0) {
        add(s, CS_PII_STREET_ADDRESS, i, pe, ADDR_SCORE);
        return pe;
    }
    if (!name_like(s, i, word_end(s, i))) return i;
    /* "583 Magrethevej 298": the number-first reading sees the whole */
    if (after_standalone_number(s, i)) return word_end(s, i);
    size_t e = eu_street_at(s, i, i);
    if (!e && word_end(s, i) == i + 1 && is_upper(s->t[i]) && i + 3 < s->n && s->t[i + 1] == '.' &&
        s->t[i + 2] == ' ')
        e = eu_street_at(s, i + 3, i);
    if (!e) e = named_street_at(s, i);
    if (!e) return word_end(s, i);
    e = address_tail(s, e);
    add(s, CS_PII_STREET_ADDRESS, i, e, ADDR_SCORE);
    return e;
}

static void scan_address(struct scan *s)
{
    scan_military(s);
    scan_corner(s);
    /* number first: before the "Name 12" reading, so the fields it splits off are not
     * read again inside it */
    for (size_t i = 0; i < s->n; i++) i = number_first_at(s, i);
    for (size_t i = 0; i < s->n; i++) {
        if (i > 0 && is_wordc(s->t[i - 1])) continue;
        if (i > 1 && s->t[i - 1] == '-' && is_wordc(s->t[i - 2])) continue; /* "-Centret 83" */
        if (claimed(s, i)) continue;
        i = name_first_at(s, i);
    }
}

/* ------------------------------------------------------------------ person names */

static const char *const TITLES[] = {"mr",    "mrs", "ms",   "miss",  "dr",     "prof", "sir",
                                     "madam", "mx",  "sr",   "sra",   "srta",   "dra",  "herr",
                                     "frau",  "mme", "mlle", "señor", "señora", NULL};
/* Words the name lists hold (April, August, Monday as a surname) that in running text
 * name a month, a day or a language far more often than a person: a name only with a
 * title or cue before it or a surname after it. */
static const char *const DATE_WORDS[] = {
    "january",   "february", "march",    "april",     "may",    "june",    "july",      "august",
    "september", "october",  "november", "december",  "monday", "tuesday", "wednesday", "thursday",
    "friday",    "saturday", "sunday",   "christmas", "easter", "there",   "english",   "german",
    "french",    "spanish",  "italian",  "india",     "china",  "winter",  NULL};
/* Right before a lower-case word, these make it a name even in mixed-case text, when
 * the lexicon knows it as a first name: a greeting or sign-off ("Thanks, maria",
 * "Hi juan,") or an introduction ("my name is ana"). */
static const char *const LOWER_NAME_CUES[] = {
    "thanks,", "thanks", "thank you,", "regards,", "cheers,",  "best,", "hi", "hello",
    "hey",     "dear",   "name is",    "call me",  "calls me", "name:", NULL};
/* No "from": "moved here from Leiria", "from Iceland" name places more often than people. */
static const char *const NAME_CTX[] = {
    "name is", "i am", "i'm", "this is", "call me", "regards,", "thanks,", "sincerely,", "dear",
    "contact", "named", "by", "says", "said", "starring", "player",
    "user:", "customer:", "name:", "leave me", "with ms.", "with mr.", "with mrs.",
    /* sign-offs before a signature */
    "cheers,", "best,", "yours,", "signed,", "from:", NULL};

/* A role or a relative right before a capitalised word the lexicon lacks names a person:
 * "your agent Priya", "my late husband, Rajesh Kumar". Only right before (unlike
 * NAME_CTX), so "the agent on Monday" stays clear. */
static const char
    *const RELATION_CUES[] =
        {
            "agent",    "advisor", "adviser",   "colleague", "technician", "husband,",
            "wife,",    "son,",    "daughter,", "mother,",   "father,",    "partner,",
            "brother,", "sister,", NULL}; /* not "driver" ("driver DHL") nor "wife" ("wife Visa card") */

/* Introductions after which an all-lower-case pair of unknown words is a name
 * ("hi this is priya sharma") */
static const char *const INTRO_CUES[] = {"this is", "i am", "i'm", "name is", "call me", NULL};

/* Cues that name whoever follows, so even an unknown lower-case word is a name */
static const char *const NAME_STRONG[] = {"name is", "call me", "calls me", "name:", "named", NULL};

static uint8_t lex(const struct scan *s, size_t b, size_t e)
{
    char w[64];
    if (e - b >= sizeof(w)) return 0;
    for (size_t i = b; i < e; i++) w[i - b] = (char)(is_upper(s->t[i]) ? s->t[i] + 32 : s->t[i]);
    return cs_model_lexicon_get(s->names, w, e - b);
}

static int sentence_start(const struct scan *s, size_t b)
{
    size_t p = b;
    while (p > 0 && (s->t[p - 1] == ' ' || s->t[p - 1] == '"')) p--;
    return p == 0 || strchr(".!?\n:", s->t[p - 1]);
}

/* A name word starts with an ASCII capital or a Latin letter outside ASCII (lead bytes
 * 0xC3..0xC9: "Åberg", "Šárka", "Živković"); other scripts' bytes and mojibake such as
 * "ג€“" are not taken for names. */
static int name_word(const struct scan *s, size_t b, size_t e)
{
    unsigned char c = (unsigned char)s->t[b];
    return e > b && (is_upper(s->t[b]) || (c >= 0xC3 && c <= 0xC9));
}

/* All capitals, like "HARSTAD" or "ATM": a place, an acronym or shouting, not a name
 * the lexicon does not know. */
static int all_caps(const struct scan *s, size_t b, size_t e)
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

/* End of the name word at b, without a possessive "'s" or trailing apostrophe. */
static size_t name_end(const struct scan *s, size_t b)
{
    size_t e = word_end(s, b);
    if (e >= b + 3 && s->t[e - 2] == '\'' && (s->t[e - 1] | 32) == 's') e -= 2;
    while (e > b && s->t[e - 1] == '\'') e--;
    return e;
}

/* Joins capitalised hyphenated parts to a name word that ends at e: "Jean-Luc",
 * "Mary-Jane", "O'Brien-Smith". Scoring still looks at the first part alone (the
 * lexicon knows "Jean", not "Jean-Luc"), but the span must cover the whole word or
 * "-Luc" is left in the clear. */
static size_t join_hyphens(const struct scan *s, size_t e)
{
    while (e + 2 < s->n && s->t[e] == '-' &&
           (is_upper(s->t[e + 1]) || ((unsigned char)s->t[e + 1] & 0x80u))) {
        size_t ne = name_end(s, e + 1);
        if (ne - (e + 1) < 2) break;
        e = ne;
    }
    return e;
}

/* Street words that are not also surnames (unlike Hill, Lane, Park, Way, Court). */
static const char *const STREET_STRONG[] = {"street",    "st",   "avenue", "ave",     "road", "rd",
                                            "boulevard", "blvd", "drive",  "squares", NULL};

/* Lower-case particles inside surnames: "Willemine ten Pas", "Maika van de Noort". */
static const char *const NAME_LINK[] = {"van", "von", "de", "der", "den", "ten", "ter", "da",
                                        "di",  "du",  "le", "la",  "dos", "das", "del", NULL};

/* Extends a name over following capitalised tokens, initials ("J", "D.") included, and
 * over particles when a capitalised word follows them. */
static size_t extend_name(const struct scan *s, size_t e, int *parts)
{
    for (int k = 0; k < 4 && e + 1 < s->n && s->t[e] == ' '; k++) {
        size_t nb = e + 1, ne = name_end(s, nb);
        if (!s->lower && ne > nb && word_in(s, nb, ne, NAME_LINK)) {
            /* one or two particles, then the capitalised surname */
            size_t q = ne;
            if (q + 1 < s->n && s->t[q] == ' ') {
                size_t b2 = q + 1, e2 = name_end(s, b2);
                if (word_in(s, b2, e2, NAME_LINK) && e2 + 1 < s->n && s->t[e2] == ' ') q = e2;
            }
            size_t sb = q + 1, se = q + 1 < s->n && s->t[q] == ' ' ? name_end(s, sb) : sb;
            if (se - sb < 2 || !is_upper(s->t[sb])) break;
            e = se;
            (*parts)++;
            continue;
        }
        if (ne == nb || word_in(s, nb, ne, TITLES)) break;
        uint8_t f = lex(s, nb, ne);
        int initial = ne - nb == 1;
        /* in all-lower-case text only lexicon words and initials continue a name */
        /* in all-lower-case text a surname the lexicon lacks ("desrosiers") is still
         * taken when it is no common word */
        if (s->lower && !initial && ((f & CS_PII_LEX_COMMON) || ne - nb < 3)) break;
        if (!s->lower && !name_word(s, nb, ne)) break;
        /* "Dora Creek Apt. 176": a unit or street word ends the name */
        if (word_in(s, nb, ne, UNIT) || word_in(s, nb, ne, STREET_STRONG)) break;
        if (!initial && (f & CS_PII_LEX_COMMON) && !(f & CS_PII_LEX_LAST)) break;
        if (!initial && !(f & (CS_PII_LEX_LAST | CS_PII_LEX_FIRST)) && ne - nb < 2) break;
        e = initial ? ne : join_hyphens(s, ne);
        /* an initial's period, and that of "Jr." and "Sr.", belong to the name */
        if ((initial || (ne - nb == 2 && (strncasecmp(s->t + nb, "jr", 2) == 0 ||
                                          strncasecmp(s->t + nb, "sr", 2) == 0))) &&
            e < s->n && s->t[e] == '.')
            e++;
        (*parts)++;
    }
    return e;
}

/* The word after e (one space) is a street word, possibly after one more name word. */
static int followed_by_street(const struct scan *s, size_t e)
{
    for (int k = 0; k < 2 && e + 1 < s->n && s->t[e] == ' '; k++) {
        size_t b = e + 1, w = word_end(s, b);
        if (w == b || !is_upper(s->t[b])) return 0;
        if (word_in(s, b, w, STREET_STRONG)) return 1;
        e = w;
    }
    return 0;
}

static int after_the(const struct scan *s, size_t i)
{
    return i >= 4 && strncasecmp(s->t + i - 4, "the ", 4) == 0 &&
           (i == 4 || !is_alpha(s->t[i - 5]));
}

/* "The Japanese Border Force", "the Czech Border Force": "the" and one or two
 * capitalised words before; a group or thing is named, not a person. */
static int after_the_and_caps(const struct scan *s, size_t i)
{
    size_t p = i;
    for (int k = 0; k < 2 && p >= 2 && s->t[p - 1] == ' '; k++) {
        size_t b = p - 1;
        while (b > 0 && is_wordc(s->t[b - 1])) b--;
        if (b == p - 1 || !cap_word(s, b, p - 1)) return 0;
        if (after_the(s, b)) return 1;
        p = b;
    }
    return 0;
}

/* A title word right before the name ("Mr. Pálffy", "Sra. García"), as a whole word:
 * "Mission" is no "Miss". */
static int title_before(const struct scan *s, size_t i)
{
    size_t p = i;
    while (p > 0 && s->t[p - 1] == ' ') p--;
    if (p > 0 && s->t[p - 1] == '.') p--;
    size_t b = p;
    while (b > 0 && is_wordc(s->t[b - 1])) b--;
    return p < i && b < p && word_in(s, b, p, TITLES);
}

/* Capitalised function words after a word make a title-case phrase ("Carry Me Back To
 * Canada", "Stand By Me"), not a name. */
static int title_case_phrase_after(const struct scan *s, size_t e)
{
    static const char *const FUNC[] = {"me", "you", "my",  "your", "to", "the", "of", "in",  "on",
                                       "is", "at",  "for", "with", "we", "it",  "be", "and", NULL};
    if (e + 2 >= s->n || s->t[e] != ' ' || !is_upper(s->t[e + 1])) return 0;
    return word_in(s, e + 1, word_end(s, e + 1), FUNC);
}

static int next_is_surname(const struct scan *s, size_t e)
{
    if (e + 1 >= s->n || s->t[e] != ' ') return 0;
    size_t b = e + 1, w = name_end(s, b);
    if (w - b < 2 || !name_word(s, b, w)) return 0;
    uint8_t f = lex(s, b, w);
    return (f & CS_PII_LEX_LAST) && !(f & CS_PII_LEX_COMMON);
}

/* Is one of `list` right before `at` (only spaces, newlines or '>' between), starting
 * at a word boundary? */
static int cue_right_before(const struct scan *s, size_t at, const char *const *list)
{
    size_t p = at;
    while (p > 0 && (s->t[p - 1] == ' ' || s->t[p - 1] == '\n' || s->t[p - 1] == '\r')) p--;
    if (p == at || p == 0) return 0; /* nothing but blanks before: no cue (and no t[-1]) */
    char last = (char)(is_upper(s->t[p - 1]) ? s->t[p - 1] + 32 : s->t[p - 1]);
    for (size_t i = 0; list[i]; i++) {
        size_t k = strlen(list[i]);
        if (list[i][k - 1] != last) continue; /* most words end no cue: one byte decides */
        if (k <= p && strncasecmp(s->t + p - k, list[i], k) == 0 &&
            (p == k || !is_wordc(s->t[p - k - 1])))
            return 1;
    }
    return 0;
}

/* A lexicon first name (no common word) as the neighbour in a list: ", " or " and "
 * between ("silvana, adam, christopher and chad"). `dir` -1: the word before b, +1:
 * the word after e. */
static int list_neighbour_is_name(const struct scan *s, size_t b, size_t e, int dir)
{
    size_t nb, ne;
    if (dir > 0) {
        size_t p = e;
        if (p + 2 < s->n && s->t[p] == ',' && s->t[p + 1] == ' ')
            p += 2;
        else if (p + 5 < s->n && strncmp(s->t + p, " and ", 5) == 0)
            p += 5;
        else
            return 0;
        nb = p, ne = word_end(s, p);
    } else {
        size_t p = b;
        if (p >= 2 && s->t[p - 2] == ',' && s->t[p - 1] == ' ')
            p -= 2;
        else if (p >= 5 && strncmp(s->t + p - 5, " and ", 5) == 0)
            p -= 5;
        else
            return 0;
        ne = p, nb = p;
        while (nb > 0 && is_wordc(s->t[nb - 1])) nb--;
    }
    if (ne - nb < 2) return 0;
    uint8_t f = lex(s, nb, ne);
    return (f & CS_PII_LEX_FIRST) && !(f & CS_PII_LEX_COMMON);
}

/* "this is priya sharma": right after an introduction, two lower-case words of three or
 * more letters, neither a common word, name the writer even when the lexicon knows
 * neither (names of every language; lower case is how chat is typed). */
/* English word endings no given name or surname has ("ridiculous behaviour", "totally
 * unacceptable"): the lexicon's common words do not list every adjective. */
static int word_like_ending(const struct scan *s, size_t b, size_t e)
{
    static const char *const END[] = {"ous",  "ble",  "ful",  "less", "ing", "ly",  "ive",
                                      "ment", "ness", "tion", "sion", "our", "ity", NULL};
    for (size_t k = 0; END[k]; k++) {
        size_t l = strlen(END[k]);
        if (e - b > l && strncmp(s->t + e - l, END[k], l) == 0) return 1;
    }
    return 0;
}

static int intro_pair(const struct scan *s, size_t b, size_t e)
{
    /* the cue first: it is one byte compare for most words, the lexicon a hash look-up */
    if (e - b < 3 || !is_lower(s->t[b]) || e + 4 >= s->n || s->t[e] != ' ' ||
        !cue_right_before(s, b, INTRO_CUES) || (lex(s, b, e) & CS_PII_LEX_COMMON))
        return 0;
    size_t nb = e + 1, ne = name_end(s, nb);
    if (ne - nb < 3 || !is_lower(s->t[nb]) || (ne < s->n && is_wordc(s->t[ne]))) return 0;
    for (size_t k = b; k < ne; k++)
        if (k != e && !is_alpha(s->t[k]) && !((unsigned char)s->t[k] & 0x80u)) return 0;
    if (word_like_ending(s, b, e) || word_like_ending(s, nb, ne)) return 0;
    return !(lex(s, nb, ne) & CS_PII_LEX_COMMON);
}

/* Where a name cannot start at i: a handle or hashtag ("@Matt_Dominguez", "#Heinz") or
 * the second half of a hyphenated word ("ex-Zombie"); the end of that word, or i. */
static size_t not_a_name_start(const struct scan *s, size_t i)
{
    if (i > 0 && (s->t[i - 1] == '@' || s->t[i - 1] == '#' || s->t[i - 1] == '_')) {
        while (i < s->n && (is_wordc(s->t[i]) || s->t[i] == '_')) i++;
        return i;
    }
    if (i > 1 && s->t[i - 1] == '-' && is_wordc(s->t[i - 2])) return word_end(s, i);
    return i;
}

/* How the word [i, e) may be a name, read once per candidate word. */
struct name_word_ctx {
    uint8_t f;       /* lexicon flags */
    int lower_cued;  /* lower case right after a greeting, sign-off or introduction */
    int intro;       /* an all-lower-case pair after an introduction */
    int lower_first; /* a lower-case word that may still be a name */
};

/* Lower case is a name anywhere in an all-lower-case text, else right after a greeting,
 * sign-off or introduction ("Thanks, maria"); 0 when the word cannot start a name. */
static int name_word_read(const struct scan *s, size_t i, size_t e, struct name_word_ctx *c)
{
    c->lower_cued = !s->lower && e - i >= 2 && is_lower(s->t[i]) &&
                    cue_right_before(s, i, LOWER_NAME_CUES) &&
                    (lex(s, i, e) & (CS_PII_LEX_FIRST | CS_PII_LEX_COMMON)) == CS_PII_LEX_FIRST;
    c->intro = intro_pair(s, i, e);
    c->lower_first = (s->lower || c->lower_cued || c->intro) && e - i >= 2 && is_lower(s->t[i]);
    if (e == i || e - i < 2 || !(name_word(s, i, e) || c->lower_first) || word_in(s, i, e, TITLES))
        return 0;
    c->f = lex(s, i, e);
    /* "ATM", "PAK", "TD": short capitals are acronyms, never a lexicon's name */
    if ((!c->f || e - i <= 3) && all_caps(s, i, e)) return 0;
    /* all-lower-case text: only a lexicon first name that is no common word, or a
     * lexicon name right after a cue ("my name is vitoria") */
    if (c->lower_first && !c->intro &&
        ((c->f & CS_PII_LEX_COMMON) ||
         !((c->f & CS_PII_LEX_FIRST) || context_before(s, i, 10, NAME_STRONG) ||
           ((c->f & CS_PII_LEX_LAST) && context_before(s, i, 12, NAME_CTX)))))
        return 0;
    /* "Miletić Dale Street", "Isaac Lodge Street": the name of a street */
    return !followed_by_street(s, e);
}

/* The score of the name starting with word [i, e) from the lexicon and the cues before
 * it; 0 when it is no name. */
static float name_score(const struct scan *s, size_t i, size_t e, uint8_t f)
{
    /* A title right before ("Mr. Pálffy") names a person even where its period looks
     * like a sentence end. */
    int titled = title_before(s, i);
    int cue = context_before(s, i, 12, NAME_CTX);
    /* "User: Vilma Holm": a cue ending in ':' starts the name, not a sentence */
    int colon_cue = cue && i >= 2 && s->t[i - 2] == ':';
    int common = (f & CS_PII_LEX_COMMON) != 0;
    float score = 0.0f;
    if ((f & CS_PII_LEX_FIRST) && (!common || cue || titled))
        score = common ? 0.6f : 0.85f;
    else if ((f & CS_PII_LEX_LAST) && (!common || titled) &&
             (!sentence_start(s, i) || cue || titled))
        score = common ? 0.55f : 0.75f;
    else if (titled || ((cue || cue_right_before(s, i, RELATION_CUES)) && !common &&
                        (!sentence_start(s, i) || colon_cue) && !after_the(s, i)))
        score = 0.6f; /* not "hacked by the Devil": "the" comes before things */
    /* a first name that is also a word ("Jan", "Mark") before a known surname */
    if (score == 0.0f && (f & CS_PII_LEX_FIRST) && common && next_is_surname(s, e)) score = 0.6f;
    if (score > 0.0f && !titled && !cue && word_in(s, i, e, DATE_WORDS) && !next_is_surname(s, e))
        score = 0.0f;
    if (score > 0.0f && !titled && !cue &&
        (after_the_and_caps(s, i) || title_case_phrase_after(s, e)))
        score = 0.0f;
    return score;
}

/* The name starting at word [i, e), if it is one: adds it and returns its end; else 0. */
static size_t name_at(struct scan *s, size_t i, size_t e)
{
    struct name_word_ctx c;
    if (!name_word_read(s, i, e, &c)) return 0;
    float score = name_score(s, i, e, c.f);
    if (score == 0.0f) return 0;
    int parts = 1;
    size_t end = extend_name(s, join_hyphens(s, e), &parts);
    if (c.intro && end == e) end = name_end(s, e + 1), parts = 2; /* the pair intro_pair read */
    /* a lone lower-case first name may be a word ("and bill you"): it needs a surname
     * after it, a cue before it, or a first name beside it in a list */
    int listed = c.lower_first && !(c.f & CS_PII_LEX_COMMON) && (c.f & CS_PII_LEX_FIRST) &&
                 (list_neighbour_is_name(s, i, e, -1) || list_neighbour_is_name(s, i, e, 1));
    if (c.lower_first && parts == 1 && !listed && !c.lower_cued &&
        !context_before(s, i, 12, NAME_CTX))
        return 0;
    if (parts > 1 && score < 0.9f) score += 0.05f;
    add(s, CS_PII_PERSON, i, end, score);
    return end;
}

static void scan_names(struct scan *s)
{
    if (!s->names) return;
    for (size_t i = 0; i < s->n; i++) {
        if (i > 0 && is_wordc(s->t[i - 1])) continue;
        size_t skip = not_a_name_start(s, i);
        if (skip != i) {
            i = skip;
            continue;
        }
        size_t e = name_end(s, i), end = name_at(s, i, e);
        if (end) {
            i = end;
            continue;
        }
        size_t we = word_end(s, i);
        i = we > i ? we : i;
    }
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
    scan_email(&s);
    scan_url(&s);
    scan_ip(&s);
    scan_iban(&s);
    scan_numbers(&s);
    scan_dob(&s);
    scan_address(&s);
    scan_names(&s);
    resolve(&s, out);
    char_offsets(text, out);
    out->truncated |= s.overflow || len > CS_PII_MAX_BYTES;
    return CS_OK;
}
