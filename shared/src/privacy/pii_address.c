/* PII street addresses (see pii.c): number first, name first (European order), military
 * mail, corners, and addresses written as form fields. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pii_int.h"

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

/* A word that can be part of a street or place name: capitalised, or in all-lower-case
 * text any word but a function word. */
static int name_like(const struct scan *s, size_t b, size_t e)
{
    if (pii_cap_word(s, b, e)) return 1;
    return s->lower && e > b && !is_digit(s->t[b]) && is_wordc(s->t[b]) &&
           !pii_word_in(s, b, e, ADDR_STOP);
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
    size_t d = pii_digits_at(s, p, 5, 5);
    if (!d || d + 5 > s->n || s->t[d] != '-') return 0;
    size_t e = pii_digits_at(s, d + 1, 4, 4);
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
        int code = x - b <= 3 && pii_all_caps(s, b, x) && k > 0;
        if (x == b || !(code || (name_like(s, b, x) && !pii_all_caps(s, b, x)))) break;
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
        size_t w = pii_word_end(s, p + 1);
        return w > p + 1 && w < s->n && s->t[w] == ')' && pii_cap_word(s, p + 1, w) ? w + 1 : p;
    }
    size_t w = pii_word_end(s, p);
    while (w > p && w + 1 < s->n && s->t[w] == '-' && is_wordc(s->t[w + 1]))
        w = pii_word_end(s, w + 1);
    return w;
}

/* After a separator run at p: is the next token a postcode (4-6 digits)? */
static int zip_follows(const struct scan *s, size_t p)
{
    size_t q = p;
    while (q < s->n && q - p < 4 && (s->t[q] == ' ' || s->t[q] == ',' || s->t[q] == '\n')) q++;
    size_t d = pii_digits_at(s, q, 4, 6);
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
        size_t b = x + 1, xe = pii_word_end(s, b);
        /* a particle only before a capitalised word: "87 van Gijn Summit" */
        int particle = pii_word_in(s, b, xe, NAME_PARTICLE) && xe + 1 < s->n && s->t[xe] == ' ' &&
                       pii_cap_word(s, xe + 1, pii_word_end(s, xe + 1));
        if (!pii_cap_word(s, b, xe) && !particle) break;
        x = xe;
    }
    size_t y = x;
    while (y < s->n && y - x < 4 && (s->t[y] == ' ' || s->t[y] == ',' || s->t[y] == '\n')) y++;
    return x > e && y > x && (s->t[x] == ',' || s->t[x] == '\n') &&
                   pii_word_in(s, y, pii_word_end(s, y), pii_unit_words)
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
    if (!((pii_digits_at(s, p, 1, 3) == w && zip_follows(s, w)) || filler_word(s, p, w))) return -1;
    *end = w;
    size_t z = w + 1 < s->n && s->t[w] == ' ' ? pii_digits_at(s, w + 1, 4, 6) : 0;
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
    if (!pc && pii_digits_at(s, nb, 4, 6) == ne) pc = ne;
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
        if (pii_word_in(s, nb, ne, PLACE_LINK) && ne + 1 < s->n && s->t[ne] == ' ' &&
            pii_cap_word(s, ne + 1, pii_word_end(s, ne + 1))) {
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
        size_t w = pii_word_end(s, p);
        if (w == p) break;
        int unit = pii_word_in(s, p, w, pii_unit_words);
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
        if (hard && pii_digits_at(s, p, 4, 6) == w) {
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
    size_t we = pii_word_end(s, p);
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
    if (!calle && !via && !pii_word_in(s, p, we, STREET_PREFIX)) return 0;
    size_t q = we;
    if (q < s->n && (s->t[q] == '.' || (calle && s->t[q] == '/'))) q++;
    size_t e = 0;
    int lower_words = 0; /* "rue des lieutemants Thomazo": one lower-case word inside */
    for (int w = 0; w < 5 && q < s->n && s->t[q] == ' '; w++) {
        size_t b = q + 1, x = place_word_end(s, b); /* "Rue Saint-Honoré" */
        if (x == b) break;
        if (pii_digits_at(s, b, 1, 5) == x) { /* house number ends the name */
            if (e) e = x, *has_num = 1;
            break;
        }
        if (pii_word_in(s, b, x, pii_unit_words)) break; /* "Rue Ettatawer Apt. 409" */
        if (name_like(s, b, x))
            e = x;
        else if (!pii_word_in(s, b, x, NAME_PARTICLE) &&
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
            size_t d = pii_digits_at(s, p + l, 1, 6);
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
        if (w > 0 && pii_word_in(s, p, we, STREET)) {
            if (we < s->n && s->t[we] == '.' && we - p <= 3) we++; /* "Elm St." */
            return pii_context_before(s, i, 40, ADDR_CTX) ? we : 0;
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
        size_t we = pii_word_end(s, p);
        if (we == p || pii_digits_at(s, p, 1, 6) == we) break;
        if (w == 0 && !name_like(s, p, we)) return 0;
        we = place_word_end(s, p); /* "Langeskov-Centret 83" */
        suffix |= has_suffix(s, p, we, EU_SUFFIX);
        if (w > 0 && we < s->n && s->t[we] == '.' && pii_word_in(s, p, we, EU_ABBR))
            suffix = abbr = 1, we++;
        last_b = p, last_e = we;
        if (we + 1 >= s->n || s->t[we] != ' ') return 0;
        p = we + 1;
        if (is_digit(s->t[p])) break;
    }
    (void)last_b;
    if (!last_e || p >= s->n || !is_digit(s->t[p])) return 0;
    size_t d = pii_digits_at(s, p, 1, 5);
    if (!d) return 0;
    if (d < s->n && is_alpha(s->t[d]) && (d + 1 >= s->n || !is_alnum(s->t[d + 1]))) d++; /* 12a */
    if (d < s->n && is_alnum(s->t[d])) return 0;
    /* "Born 12/03/1980", "Monday 14:30": a date or a time, not a house number */
    if (d + 1 < s->n && strchr("/:-.", s->t[d]) && is_digit(s->t[d + 1])) return 0;
    /* the cue is looked for last: it is the costly test, and most words fail before it */
    if (!suffix && !pii_context_before(s, cue_at, 40, ADDR_CTX)) return 0;
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
        size_t w = pii_word_end(s, p);
        if (w == p) return 0;
        if (pii_word_in(s, p, w, STREET)) return 1;
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
        size_t e = pii_digits_at(s, i + 7, 5, 5);
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
        pii_add(s, CS_PII_STREET_ADDRESS, b, e, ADDR_SCORE + 0.04f);
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
            size_t we = pii_word_end(s, p);
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
        pii_add(s, CS_PII_STREET_ADDRESS, b, e, ADDR_SCORE);
        i = e;
    }
}

/* ---- one address or its parts ----
 * "86036 Rua do Arenque 1634, Goiânia", "17151 2450 Crown St", "0104 Hafnarstraeti 5\n
 * Suite 179\n Akureyri\n Iceland 80296": a standalone number before a street that has
 * its own house number is a second field of a form (a building or lot number), and the
 * address is written as separate fields: the number, the street, the unit line, the
 * postcode after the country. These are reported as separate spans, as the Presidio
 * generator labels them (building_number, street_name, secondary_address and postcode
 * are STREET_ADDRESS; the city and country between them are GPE, reported here as
 * spans of their own so they stay masked). A tail laid out as one of the generator's
 * whole-address formats (a unit on the street's line, "nan" fields, a state and postcode
 * after a comma, "SA, City, Country") is one continuous address and stays one span. */

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
    size_t we = pii_word_end(s, p);
    if (pii_word_in(s, p, we, pii_unit_words) && unit_number_at(s, we)) {
        size_t q = we + (s->t[we] == '.' ? 1 : 0) + 1, d = pii_digits_at(s, q, 1, 6);
        g.kind = d == e ? SEG_UNIT : SEG_BAD;
        return g;
    }
    size_t zb = e;
    while (zb > p && is_digit(s->t[zb - 1])) zb--;
    /* "ANNERSTAD nan 340 12": the Swedish, Czech and Greek "NNN NN" */
    if (e - zb == 2 && zb >= p + 5 && s->t[zb - 1] == ' ' &&
        pii_digits_at(s, zb - 4, 3, 3) == zb - 1 && s->t[zb - 5] == ' ')
        zb -= 4;
    for (size_t k = p; k < zb; k++)
        if (is_digit(s->t[k])) return g;
    if (zb == p || filler_word(s, p, pii_word_end(s, p))) return g;
    if (zb == e) {
        g.kind = SEG_PLACE;
        return g;
    }
    /* "RS 24893": a state code and a postcode are one US-style line, not form fields */
    if (s->t[zb - 1] != ' ' || e - zb < 4 || pii_all_caps(s, p, zb - 1)) return g;
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
 * (nothing emitted) when the tail is not a layout of form fields. The fields: a unit,
 * one or two places and a final "Country POSTCODE", separated alike by ", " or line
 * breaks. A unit with no postcode at the end is a letter's address block (one span), as
 * is "SA, City, Country" (both formats of the generator's {{address}}). */
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
    /* Without a unit only "SA, City, Country" is a format of the generator's {{address}}
     * (see "a street written as one field" below); any other unit-less layout was
     * written field by field. With a unit the layouts are the provider's too, and the
     * training templates split them only outside a sentence. */
    int ok = units ? zip && !in_prose(s, b) : !(n == 2 && nl0 == 0 && !zip);
    if (!ok) return 0;
    pii_add(s, CS_PII_STREET_ADDRESS, b, nb_end, ADDR_SCORE);
    pii_add(s, CS_PII_STREET_ADDRESS, sb, se, ADDR_SCORE);
    for (int k = 0; k < n; k++) {
        if (seg[k].kind == SEG_UNIT)
            pii_add(s, CS_PII_STREET_ADDRESS, seg[k].b, seg[k].e, ADDR_SCORE);
        size_t pe = seg[k].kind == SEG_PLACE_ZIP ? seg[k].zb : seg[k].e;
        while (pe > seg[k].b && s->t[pe - 1] == ' ') pe--;
        if (seg[k].kind != SEG_UNIT) pii_add(s, CS_PII_STREET_ADDRESS, seg[k].b, pe, ADDR_SCORE);
        if (seg[k].kind == SEG_PLACE_ZIP)
            pii_add(s, CS_PII_STREET_ADDRESS, seg[k].zb, seg[k].e, ADDR_SCORE);
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
    if (wb == we || (wb > 0 && is_wordc(s->t[wb - 1])) || !pii_word_in(s, wb, we, pii_unit_words))
        return SIZE_MAX;
    return wb;
}

/* Does the street [p, e) carry its own house number (first or last word)? */
static int street_numbered(const struct scan *s, size_t p, size_t e)
{
    size_t d = pii_digits_at(s, p, 1, 6);
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
        size_t de = pii_word_end(s, e + 1);
        if (pii_word_in(s, e + 1, de, DIRECTION)) e = de;
    }
    return e;
}

/* The street after a house number, from p: 1-4 capitalised words (or more numbers:
 * "1987 74 Diakou Street") ending in a street word, a street word leading a name ("63
 * Avenue du Golf Arabe") or before a unit ("2505 Heatherleigh Suite 620"). Its end or 0. */
static size_t street_after_number(const struct scan *s, size_t p)
{
    for (int w = 0; w < 5 && p < s->n; w++) {
        size_t we = pii_word_end(s, p);
        if (we == p) break;
        size_t saint = saint_at(s, p, we);
        if (saint) {
            p = saint;
            continue;
        }
        int pn = 0;
        size_t pe =
            w > 0 && pii_word_in(s, p, we, STREET_PREFIX) ? prefixed_street_at(s, p, &pn) : 0;
        if (pe) return pe;
        if (w > 0 && pii_word_in(s, p, we, STREET)) return street_word_tail(s, p, we);
        /* a unit shows the words before it are a street */
        if (w > 0 && pii_word_in(s, p, we, pii_unit_words) && unit_number_at(s, we)) return p - 1;
        if (!name_like(s, p, we) && pii_digits_at(s, p, 1, 6) != we && !ordinal_word(s, p, we))
            break;
        if (we >= s->n || s->t[we] != ' ') break;
        p = we + 1;
    }
    return 0;
}

/* ---- a street written as one field ----
 * The Presidio generator (presidio-research, ENTITY_TYPE_MAPPING and AddressProviderNew
 * in presidio_evaluator/data_generator) labels an address one of two ways. A template's
 * {{address}} is one STREET_ADDRESS span in one of the provider's formats, and every one
 * of those formats starts with a building number before a street that carries its own
 * house number ("9931 14 Iliou Street, MARIEHOLM, Sweden"), with a second street name
 * ("Tungata 11 Rott Crossroad\n Apt. 322 ..."), or is a corner, "Name and Street" or
 * military mail. Any other address was written by the template field by field, and each
 * field is its own span: street_name, building_number, secondary_address and postcode
 * are STREET_ADDRESS, city, state and country are GPE. So a street with one house number
 * ("Rua do Arenque 1634", "2450 Crown St", "P.O. Box 104") followed by more fields is
 * the street_name field, and the fields after it are reported separately: the unit and
 * the postcode as parts of the address, the place names as their own spans (we have no
 * place type; they stay masked as part of the address). */

/* End of the field that starts at p: a comma, a line break or two spaces, or tail. */
static size_t field_end(const struct scan *s, size_t p, size_t tail)
{
    size_t e = p;
    while (e < tail && s->t[e] != ',' && s->t[e] != '\n' &&
           !(s->t[e] == ' ' && e + 1 < tail && s->t[e + 1] == ' '))
        e++;
    while (e > p && s->t[e - 1] == ' ') e--;
    return e;
}

/* Where a postcode ending the field [p, e) starts ("IL 62704", "Iceland 80296", "London
 * NW1 6XE", "62704" alone), or e when there is none. */
static size_t postcode_start(const struct scan *s, size_t p, size_t e)
{
    for (size_t q = p; q < e; q++) {
        if (q > p && s->t[q - 1] != ' ') continue;
        if (postcode_at(s, q, pii_word_end(s, q)) == e) return q;
    }
    return e;
}

/* Adds the fields of [p, tail) after a one-field street: "Apt. 4", "Springfield", "IL",
 * "62704", "10115" "Berlin", one span each; "nan" (an empty field of the form) is
 * skipped. */
static void add_fields(struct scan *s, size_t p, size_t tail)
{
    while (p < tail) {
        while (p < tail && (s->t[p] == ' ' || s->t[p] == ',' || s->t[p] == '\n' || s->t[p] == '>'))
            p++;
        if (p >= tail) break;
        size_t e = field_end(s, p, tail), we = pii_word_end(s, p);
        if (e <= p) {
            p++;
            continue;
        }
        if (pii_word_in(s, p, we, pii_unit_words) && unit_number_at(s, we)) {
            size_t u = unit_field_end(s, we);
            pii_add(s, CS_PII_STREET_ADDRESS, p, u, ADDR_SCORE);
            p = u;
            continue;
        }
        size_t lead = pii_digits_at(s, p, 4, 6); /* "10115 Berlin": Europe's order */
        if (lead && lead < e && s->t[lead] == ' ') {
            pii_add(s, CS_PII_STREET_ADDRESS, p, lead, ADDR_SCORE);
            p = lead;
            continue;
        }
        size_t pc = postcode_start(s, p, e), pe = pc;
        while (pe > p && (s->t[pe - 1] == ' ' || s->t[pe - 1] == ',')) pe--;
        if (pe > p && !(we == pe && filler_word(s, p, we)))
            pii_add(s, CS_PII_STREET_ADDRESS, p, pe, ADDR_SCORE);
        if (pc < e) pii_add(s, CS_PII_STREET_ADDRESS, pc, e, ADDR_SCORE);
        p = e;
    }
}

/* The street [b, se) and the address's tail up to `tail`: one span when the street has
 * its second street name after it (the provider's "{{street_name}} {{street_name}}"),
 * else the street and its fields. */
static void add_one_field_street(struct scan *s, size_t b, size_t se, size_t tail)
{
    if (tail <= se || street_more_words(s, se)) {
        pii_add(s, CS_PII_STREET_ADDRESS, b, tail, ADDR_SCORE);
        return;
    }
    pii_add(s, CS_PII_STREET_ADDRESS, b, se, ADDR_SCORE);
    add_fields(s, se, tail);
    claim(s, b, tail);
}

/* The street starting at i and ending at street_end, with the rest of its address: a
 * numbered street is the generator's street field and its fields after it are spans of
 * their own; an unnumbered one is one span. Returns where the address ends. */
static size_t add_street(struct scan *s, size_t i, size_t street_end, int numbered)
{
    size_t tail = address_tail(s, street_end);
    if (numbered)
        add_one_field_street(s, i, street_end, tail);
    else
        pii_add(s, CS_PII_STREET_ADDRESS, i, tail, ADDR_SCORE);
    return tail;
}

/* Is the number at i right after a capitalised word ("Fuglie 41 Popović Dam": the
 * house number of the street before it, then a second street name)? */
static int after_name_word(const struct scan *s, size_t i)
{
    if (i < 2 || s->t[i - 1] != ' ') return 0;
    size_t w = i - 1;
    while (w > 0 && is_wordc(s->t[w - 1])) w--;
    return w < i - 1 && pii_cap_word(s, w, i - 1);
}

/* "Fuglie 41 Popović Dam\n Suite 860 ...": one or two capitalised words that start a
 * line right before the house number at i are the first street of the generator's
 * "{{street_name}} {{street_name}}" address; where the address starts (i when none). */
static size_t line_street_before(const struct scan *s, size_t i)
{
    size_t p = i;
    for (int k = 0; k < 2 && p >= 2 && s->t[p - 1] == ' '; k++) {
        size_t b = p - 1;
        while (b > 0 && is_wordc(s->t[b - 1])) b--;
        if (b == p - 1 || !pii_cap_word(s, b, p - 1) || pii_word_in(s, b, p - 1, ADDR_STOP)) break;
        size_t q = b;
        while (q > 0 && (s->t[q - 1] == ' ' || s->t[q - 1] == '>')) q--;
        if (q == 0 || s->t[q - 1] == '\n') return b;
        p = b;
    }
    return i;
}

/* A house number at i ("12 ", "221B "): the end of it, or 0. */
static size_t house_number_at(const struct scan *s, size_t i)
{
    if (!is_digit(s->t[i]) || (i > 0 && is_alnum(s->t[i - 1]))) return 0;
    size_t num = pii_digits_at(s, i, 1, 6);
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
        size_t ne = pii_word_end(s, num + 1);
        if (ne > num + 1 && pii_cap_word(s, num + 1, ne)) e = eu_street_at(s, num + 1, SIZE_MAX);
        /* a unit field written before it is cue enough: "Suite 913 0547 Bygget 91" */
        eu_no_cue = e && !pii_context_before(s, i, 40, ADDR_CTX) && unit_before(s, i) == SIZE_MAX;
    }
    if (!e) return i;
    size_t tail = address_tail(s, e);
    /* without a cue, "12 Name 34" is an address only with a unit or city after it */
    if (eu_no_cue && tail == e) return i;
    if (!po_box_at(s, num + 1) && street_numbered(s, num + 1, e) &&
        address_parts(s, i, num, num + 1, e, tail)) {
        size_t ub = unit_before(s, i);
        if (ub != SIZE_MAX) pii_add(s, CS_PII_STREET_ADDRESS, ub, i - 1, ADDR_SCORE);
        claim(s, i, tail);
        return tail;
    }
    /* "2450 Crown St, Springfield": a street with one number is the street_name field */
    if (!eu_no_cue && !street_numbered(s, num + 1, e) && !after_name_word(s, i)) {
        add_one_field_street(s, i, e, tail);
        return tail;
    }
    /* same score as the "Name 12" reading: the longer of the two wins */
    pii_add(s, CS_PII_STREET_ADDRESS, line_street_before(s, i), tail, ADDR_SCORE);
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
    if (pe && !has_num && !pii_context_before(s, i, 40, ADDR_CTX)) pe = 0;
    if (!pe || (i >= 2 && is_digit(s->t[i - 2]) && s->t[i - 1] == ' ')) return 0;
    return add_street(s, i, pe, has_num);
}

/* European order at i, "Mellemvej 32", "C. Beerninckstraat 88" (an initial of the
 * person a street is named after), or a named street after a cue; where the scan goes
 * on. */
/* "Hanne and ul. Więckowskiego Stefana 28", "Katrina and Rúa do Paseo 46": a name and
 * a numbered street joined by "and" (a shape of the Presidio generator, like "the
 * corner of A and B"); the end of the address, or 0. */
static size_t and_street_at(const struct scan *s, size_t i)
{
    size_t we = pii_word_end(s, i);
    if (we == i || !pii_cap_word(s, i, we) || we + 5 >= s->n || strncmp(s->t + we, " and ", 5) != 0)
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
        pii_add(s, CS_PII_STREET_ADDRESS, i, pe, ADDR_SCORE);
        return pe;
    }
    if (!name_like(s, i, pii_word_end(s, i))) return i;
    /* "583 Magrethevej 298": the number-first reading sees the whole */
    if (after_standalone_number(s, i)) return pii_word_end(s, i);
    size_t e = eu_street_at(s, i, i);
    if (!e && pii_word_end(s, i) == i + 1 && is_upper(s->t[i]) && i + 3 < s->n &&
        s->t[i + 1] == '.' && s->t[i + 2] == ' ')
        e = eu_street_at(s, i + 3, i);
    int numbered = e != 0;
    if (!e) e = named_street_at(s, i);
    if (!e) return pii_word_end(s, i);
    return add_street(s, i, e, numbered);
}

void pii_scan_address(struct scan *s)
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
