/* PII person names (see pii.c) from the "pii" lexicon model and the cues around a word:
 * titles, introductions, greetings and sign-offs, roles, lists. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pii_int.h"

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

/* End of the name word at b, without a possessive "'s" or trailing apostrophe. */
static size_t name_end(const struct scan *s, size_t b)
{
    size_t e = pii_word_end(s, b);
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
        if (!s->lower && ne > nb && pii_word_in(s, nb, ne, NAME_LINK)) {
            /* one or two particles, then the capitalised surname */
            size_t q = ne;
            if (q + 1 < s->n && s->t[q] == ' ') {
                size_t b2 = q + 1, e2 = name_end(s, b2);
                if (pii_word_in(s, b2, e2, NAME_LINK) && e2 + 1 < s->n && s->t[e2] == ' ') q = e2;
            }
            size_t sb = q + 1, se = q + 1 < s->n && s->t[q] == ' ' ? name_end(s, sb) : sb;
            if (se - sb < 2 || !is_upper(s->t[sb])) break;
            e = se;
            (*parts)++;
            continue;
        }
        if (ne == nb || pii_word_in(s, nb, ne, TITLES)) break;
        uint8_t f = lex(s, nb, ne);
        int initial = ne - nb == 1;
        /* in all-lower-case text only lexicon words and initials continue a name */
        /* in all-lower-case text a surname the lexicon lacks ("desrosiers") is still
         * taken when it is no common word */
        if (s->lower && !initial && ((f & CS_PII_LEX_COMMON) || ne - nb < 3)) break;
        if (!s->lower && !name_word(s, nb, ne)) break;
        /* "Dora Creek Apt. 176": a unit or street word ends the name */
        if (pii_word_in(s, nb, ne, pii_unit_words) || pii_word_in(s, nb, ne, STREET_STRONG)) break;
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
        size_t b = e + 1, w = pii_word_end(s, b);
        if (w == b || !is_upper(s->t[b])) return 0;
        if (pii_word_in(s, b, w, STREET_STRONG)) return 1;
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
        if (b == p - 1 || !pii_cap_word(s, b, p - 1)) return 0;
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
    return p < i && b < p && pii_word_in(s, b, p, TITLES);
}

/* Capitalised function words after a word make a title-case phrase ("Carry Me Back To
 * Canada", "Stand By Me"), not a name. */
static int title_case_phrase_after(const struct scan *s, size_t e)
{
    static const char *const FUNC[] = {"me", "you", "my",  "your", "to", "the", "of", "in",  "on",
                                       "is", "at",  "for", "with", "we", "it",  "be", "and", NULL};
    if (e + 2 >= s->n || s->t[e] != ' ' || !is_upper(s->t[e + 1])) return 0;
    return pii_word_in(s, e + 1, pii_word_end(s, e + 1), FUNC);
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
        nb = p, ne = pii_word_end(s, p);
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
    if (i > 1 && s->t[i - 1] == '-' && is_wordc(s->t[i - 2])) return pii_word_end(s, i);
    return i;
}

/* How the word [i, e) may be a name, read once per candidate word. */
struct name_word_ctx {
    uint8_t f;       /* lexicon flags */
    int lower_cued;  /* lower case right after a greeting, sign-off or introduction */
    int intro;       /* an all-lower-case pair after an introduction */
    int lower_first; /* a lower-case word that may still be a name */
    int lower_pair;  /* a lower-case first name and surname in mixed-case text */
};

/* Lexicon flags say a name and no common word: `want` set, COMMON clear. */
static int lex_only(uint8_t f, uint8_t want) { return (f & want) && !(f & CS_PII_LEX_COMMON); }

/* A lower-case word of 3+ letters after e (one space) that ends there. */
static int lower_word_follows(const struct scan *s, size_t e)
{
    if (e + 4 >= s->n || s->t[e] != ' ' || !is_lower(s->t[e + 1])) return 0;
    size_t ne = e + 1;
    while (ne < s->n && is_lower(s->t[ne])) ne++;
    return ne - (e + 1) >= 3 && (ne == s->n || !is_wordc(s->t[ne]));
}

/* ", " or " and " right before b or right after e. */
static int list_shape(const struct scan *s, size_t b, size_t e)
{
    return (e + 2 < s->n && s->t[e] == ',' && s->t[e + 1] == ' ') ||
           (e + 5 < s->n && strncmp(s->t + e, " and ", 5) == 0) ||
           (b >= 2 && s->t[b - 2] == ',' && s->t[b - 1] == ' ') ||
           (b >= 5 && strncmp(s->t + b - 5, " and ", 5) == 0);
}

/* "met phil collins there": in text that has capitals elsewhere, a lower-case first
 * name and a lower-case surname right after it, both known and neither a common word,
 * are a name typed without capitals (chat is typed so); or such a first name beside
 * another in a list ("with sarah, and brittany"). */
static int lower_pair_at(const struct scan *s, size_t i, size_t e, uint8_t f)
{
    if (s->lower || e - i < 3 || !is_lower(s->t[i]) || !lex_only(f, CS_PII_LEX_FIRST) ||
        e + 4 >= s->n || s->t[e] != ' ' || !is_lower(s->t[e + 1]))
        return 0;
    size_t nb = e + 1, ne = name_end(s, nb);
    if (ne - nb < 3 || (ne < s->n && is_wordc(s->t[ne]))) return 0;
    return lex_only(lex(s, nb, ne), CS_PII_LEX_LAST) && !word_like_ending(s, nb, ne);
}

/* Lower case is a name anywhere in an all-lower-case text, else right after a greeting,
 * sign-off or introduction ("Thanks, maria"); 0 when the word cannot start a name. */
static int name_word_read(const struct scan *s, size_t i, size_t e, struct name_word_ctx *c)
{
    c->lower_cued = !s->lower && e - i >= 2 && is_lower(s->t[i]) &&
                    cue_right_before(s, i, LOWER_NAME_CUES) &&
                    (lex(s, i, e) & (CS_PII_LEX_FIRST | CS_PII_LEX_COMMON)) == CS_PII_LEX_FIRST;
    c->intro = intro_pair(s, i, e);
    c->lower_pair = 0;
    /* the shapes first (a lower-case word after it, or a list's comma or "and"): the
     * lexicon look-up runs for a lower-case word of mixed-case text only then */
    if (!s->lower && !c->lower_cued && !c->intro && e - i >= 3 && is_lower(s->t[i]) &&
        (lower_word_follows(s, e) || list_shape(s, i, e))) {
        uint8_t f = lex(s, i, e);
        c->lower_pair = lower_pair_at(s, i, e, f) ||
                        (lex_only(f, CS_PII_LEX_FIRST) && (list_neighbour_is_name(s, i, e, -1) ||
                                                           list_neighbour_is_name(s, i, e, 1)));
    }
    c->lower_first =
        (s->lower || c->lower_cued || c->intro || c->lower_pair) && e - i >= 2 && is_lower(s->t[i]);
    if (e == i || e - i < 2 || !(name_word(s, i, e) || c->lower_first) ||
        pii_word_in(s, i, e, TITLES))
        return 0;
    c->f = lex(s, i, e);
    /* "ATM", "PAK", "TD": short capitals are acronyms, never a lexicon's name */
    if ((!c->f || e - i <= 3) && pii_all_caps(s, i, e)) return 0;
    /* all-lower-case text: only a lexicon first name that is no common word, or a
     * lexicon name right after a cue ("my name is vitoria") */
    if (c->lower_first && !c->intro &&
        ((c->f & CS_PII_LEX_COMMON) ||
         !((c->f & CS_PII_LEX_FIRST) || pii_context_before(s, i, 10, NAME_STRONG) ||
           ((c->f & CS_PII_LEX_LAST) && pii_context_before(s, i, 12, NAME_CTX)) ||
           title_before(s, i)))) /* "dr. ngozi adeyemi" */
        return 0;
    /* "Miletić Dale Street", "Isaac Lodge Street": the name of a street */
    return !followed_by_street(s, e);
}

/* Sign-offs a signature follows on the next line or after a comma: "Regards,\nRajesh
 * Kumar", "Thanks, Oluwaseun". */
static const char *const SIGNOFFS[] = {
    "thanks,",    "thanks", "thank you,", "regards,",     "regards", "cheers,",   "best,",
    "sincerely,", "yours,", "love,",      "many thanks,", "--",      "thank you", NULL};

/* Is the word at i a signature: right after a sign-off that ends its line or is
 * followed by a comma, the word the last line or clause of the message starts with?
 * A name the lexicon lacks is read there, as names of every language are. */
static int signed_after(const struct scan *s, size_t i)
{
    if (!cue_right_before(s, i, SIGNOFFS)) return 0;
    /* the signature ends the text or its line: "Regards,\nRajesh Kumar\nAcme" */
    size_t e = i;
    for (int k = 0; k < 3 && e < s->n && s->t[e] != '\n'; k++) {
        e = pii_word_end(s, e);
        while (e < s->n && (s->t[e] == ' ' || s->t[e] == '.')) e++;
        if (e < s->n && s->t[e] != '\n' && !is_wordc(s->t[e])) return 0;
    }
    return e >= s->n || s->t[e] == '\n';
}

/* The score of the name starting with word [i, e) from the lexicon and the cues before
 * it; 0 when it is no name. */
static float name_score(const struct scan *s, size_t i, size_t e, uint8_t f)
{
    /* A title right before ("Mr. Pálffy") names a person even where its period looks
     * like a sentence end. */
    int titled = title_before(s, i);
    int cue = pii_context_before(s, i, 12, NAME_CTX);
    /* "User: Vilma Holm": a cue ending in ':' starts the name, not a sentence */
    int colon_cue = cue && i >= 2 && s->t[i - 2] == ':';
    int common = (f & CS_PII_LEX_COMMON) != 0;
    float score = 0.0f;
    if ((f & CS_PII_LEX_FIRST) && (!common || cue || titled))
        score = common ? 0.6f : 0.85f;
    else if ((f & CS_PII_LEX_LAST) && (!common || titled) &&
             (!sentence_start(s, i) || cue || titled))
        score = common ? 0.55f : 0.75f;
    else if (titled ||
             ((cue || cue_right_before(s, i, RELATION_CUES)) && !common &&
              (!sentence_start(s, i) || colon_cue) && !after_the(s, i)) ||
             (!common && is_upper(s->t[i]) && signed_after(s, i)))
        score = 0.6f; /* not "hacked by the Devil": "the" comes before things */
    /* a first name that is also a word ("Jan", "Mark") before a known surname */
    if (score == 0.0f && (f & CS_PII_LEX_FIRST) && common && next_is_surname(s, e)) score = 0.6f;
    /* a month or a place alone ("in Manila on April 30") names no one */
    if (score > 0.0f && !titled && !cue &&
        (pii_word_in(s, i, e, DATE_WORDS) || (f & CS_PII_LEX_PLACE)) && !next_is_surname(s, e) &&
        !lower_pair_at(s, i, e, f) &&
        /* "kristina, chad and caleb": among names a place word is a name too */
        !((f & CS_PII_LEX_PLACE) &&
          (list_neighbour_is_name(s, i, e, -1) || list_neighbour_is_name(s, i, e, 1))))
        score = 0.0f;
    if (score > 0.0f && !titled && !cue &&
        (after_the_and_caps(s, i) || title_case_phrase_after(s, e)))
        score = 0.0f;
    return score;
}

/* Nouns that head the name of a place, an event, a group or a thing: "Lincoln Park",
 * "Martin Luther King Jr Day", "Jason Industries", "Sage Award". A candidate that ends
 * in one, or that one follows, names no person. Not words that are also common
 * surnames ("Park", "Banks", "Hall"), which a name may end in. */
static const char *const NONPERSON_HEAD[] = {
    "day",        "award",    "awards",     "airport",     "county",        "industries",
    "inc",        "lounge",   "conference", "tour",        "city",          "state",
    "university", "college",  "school",     "hotel",       "festival",      "magazine",
    "news",       "records",  "club",       "league",      "center",        "centre",
    "museum",     "hospital", "church",     "foundation",  "institute",     "corporation",
    "ltd",        "llc",      "stadium",    "arena",       "mall",          "theatre",
    "theater",    "studios",  "airlines",   "productions", "entertainment", "band",
    NULL};

/* Compass words before a place ("North Carolina", "West Ham"): never a first name. */
static const char *const COMPASS[] = {"north", "south", "east", "west", NULL};

/* Is the word before i a capitalised compass word ("West Ham", "North Carolina")? */
static int after_compass(const struct scan *s, size_t i)
{
    if (i < 2 || s->t[i - 1] != ' ') return 0;
    size_t b = i - 1;
    while (b > 0 && is_wordc(s->t[b - 1])) b--;
    return b < i - 1 && is_upper(s->t[b]) && pii_word_in(s, b, i - 1, COMPASS);
}

/* The word [b, e) and a neighbour are both in capitals of two or more letters: shouting
 * ("5TH GRADE HOES AINT LOYAL"), where capitals mark no name. */
static int shouted(const struct scan *s, size_t b, size_t e)
{
    if (!pii_all_caps(s, b, e)) return 0;
    if (e + 1 < s->n && s->t[e] == ' ' && pii_all_caps(s, e + 1, pii_word_end(s, e + 1))) return 1;
    size_t p = b;
    while (p > 0 && s->t[p - 1] == ' ') p--;
    size_t w = p;
    while (w > 0 && is_wordc(s->t[w - 1])) w--;
    return w < p && p < b && pii_all_caps(s, w, p);
}

/* A name read up to a NONPERSON_HEAD word: "Leroy Jenkins Day" still names Leroy
 * Jenkins (the end without the head word), "Jason Industries" no one (0); end when
 * the last word is no head word. */
static size_t drop_head_word(const struct scan *s, size_t i, size_t end, int *parts)
{
    size_t lb = end;
    while (lb > i && is_wordc(s->t[lb - 1])) lb--;
    if (*parts < 2 || lb < i + 2 || s->t[lb - 1] != ' ' || !pii_word_in(s, lb, end, NONPERSON_HEAD))
        return end;
    if (*parts == 2) return 0;
    (*parts)--;
    return lb - 1;
}

/* Does a NONPERSON_HEAD word come right after a one-word name ("Sage Award")? */
static int names_a_thing(const struct scan *s, size_t end, int parts)
{
    if (parts > 1 || end + 1 >= s->n || s->t[end] != ' ' || !is_upper(s->t[end + 1])) return 0;
    return pii_word_in(s, end + 1, pii_word_end(s, end + 1), NONPERSON_HEAD);
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
    if ((c.lower_pair || c.lower_cued) && end == e && lower_pair_at(s, i, e, c.f))
        end = name_end(s, e + 1), parts = 2; /* "Name: john smith" */
    if ((end = drop_head_word(s, i, end, &parts)) == 0) return 0;
    /* a lone lower-case first name may be a word ("and bill you"): it needs a surname
     * after it, a cue before it, or a first name beside it in a list */
    int listed = c.lower_first && !(c.f & CS_PII_LEX_COMMON) && (c.f & CS_PII_LEX_FIRST) &&
                 (list_neighbour_is_name(s, i, e, -1) || list_neighbour_is_name(s, i, e, 1));
    if (c.lower_first && parts == 1 && !listed && !c.lower_cued &&
        !pii_context_before(s, i, 12, NAME_CTX))
        return 0;
    /* in shouting only a known first name that is no common word stays a name */
    int shout =
        shouted(s, i, e) && (c.f & (CS_PII_LEX_FIRST | CS_PII_LEX_COMMON)) != CS_PII_LEX_FIRST;
    if ((shout || pii_word_in(s, i, e, COMPASS) || after_compass(s, i) ||
         names_a_thing(s, end, parts)) &&
        !title_before(s, i))
        return 0;
    if (parts > 1 && score < 0.9f) score += 0.05f;
    pii_add(s, CS_PII_PERSON, i, end, score);
    return end;
}

void pii_scan_names(struct scan *s)
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
        size_t we = pii_word_end(s, i);
        i = we > i ? we : i;
    }
}
