/* Word tokenizer and phrase matcher for the cue and sentiment lexicons (cues_int.h).
 * Hand-written rather than a regex library: a few hundred short phrases over words,
 * with clause scope, negation and name checks, run on every session message; POSIX
 * regex would rescan the text once per phrase and knows neither clauses nor names.
 * Where words start and end, and how a character folds, is the one tokeniser's
 * (cs/words.h, UTF-8 with inner apostrophes); this file adds only what the phrases
 * need on top: clauses, sentences, capitals and French elision. */
#include "nlp/cues_int.h"

#include <string.h>

#include "cs/words.h"

static bool is_clause_end(unsigned char c)
{
    return c == '.' || c == '!' || c == '?' || c == ';' || c == ':' || c == ',' || c == '\n' ||
           c == '(' || c == ')' || c == '"';
}

static bool is_sentence_end(unsigned char c)
{
    return c == '.' || c == '!' || c == '?' || c == '\n';
}

/* French elision: "l'avocat" is "l'" + "avocat", "n'ai" is "n'" + "ai"; English
 * contractions ("i'll", "don't") stay one word. */
static bool elision_prefix(const struct cs_tok *t)
{
    static const char *const P[] = {"l'", "d'", "j'", "m'", "t'", "s'", "n'", "c'", "qu'", NULL};
    for (size_t k = 0; P[k]; k++)
        if (t->n == strlen(P[k]) && memcmp(t->w, P[k], t->n) == 0) return true;
    return false;
}

struct tok_state {
    struct cs_toks *tk;
    struct cs_tok *cur;
    int letters, uppers;
    bool first_upper, sentence_start;
    uint16_t clause, sentence;
};

static void tok_close(struct tok_state *s, size_t end)
{
    struct cs_tok *t = s->cur;
    if (!t) return;
    /* trailing apostrophes ("customers'") are not part of the word */
    while (t->n > 0 && t->w[t->n - 1] == '\'') t->n--;
    t->w[t->n] = '\0';
    t->h = cs_phrase_hash(t->w, t->n);
    t->end = end;
    t->upper = s->letters >= 2 && s->uppers == s->letters;
    t->cap = !t->upper && s->first_upper;
    s->cur = NULL;
    if (t->n == 0) {
        s->tk->n--;
        return;
    }
    s->tk->words++;
    s->tk->upper_words += t->upper && s->letters >= 3;
    s->sentence_start = false;
    /* a contrast opens a new clause: vetoes and negations before it do not reach over */
    static const char *const CONTRAST[] = {"but",  "however", "although", "though",  "pero",
                                           "aber", "mais",    "mas",      "sondern", NULL};
    for (size_t k = 0; CONTRAST[k]; k++)
        if (CONTRAST[k][0] == t->w[0] && strcmp(t->w, CONTRAST[k]) == 0) {
            t->clause = ++s->clause;
            break;
        }
}

static void tok_open(struct tok_state *s, size_t off)
{
    struct cs_tok *t = &s->tk->t[s->tk->n++];
    memset(t, 0, sizeof(*t));
    t->off = off;
    t->clause = s->clause;
    t->sentence = s->sentence;
    t->start = s->sentence_start;
    s->cur = t;
    s->letters = s->uppers = 0;
    s->first_upper = false;
}

static void tok_add(struct tok_state *s, const char *buf, size_t nb, bool upper)
{
    struct cs_tok *t = s->cur;
    if (buf[0] != '\'') {
        if (s->letters == 0) s->first_upper = upper;
        s->letters++;
        s->uppers += upper;
    }
    for (size_t k = 0; k < nb && t->n + 1u < CS_TOK_WORD; k++) t->w[t->n++] = buf[k];
}

/* Splits "l'avocat" after the elided article: closes "l'" and opens "avocat". */
static void tok_split_elision(struct tok_state *s, size_t at)
{
    struct cs_tok *t = s->cur;
    t->w[t->n] = '\0';
    if (!elision_prefix(t)) return;
    t->end = at;
    t->h = cs_phrase_hash(t->w, t->n);
    t->cap = s->first_upper;
    s->cur = NULL;
    s->tk->words++;
    bool start = t->start;
    tok_open(s, at);
    s->cur->start = start;
}

/* The separators text[from..to) between two words: clause and sentence ends. Returns
 * false when the window is nearly full at a clause end, with *stop just past it, so a
 * full window ends where no phrase is cut. */
static bool tok_gap(struct tok_state *s, const char *text, size_t len, size_t from, size_t to,
                    size_t *stop)
{
    for (size_t i = from; i < to;) {
        struct cs_wchar ch;
        size_t cl = cs_words_char(text, len, i, CS_WORDS_UTF8, &ch);
        unsigned char c = (unsigned char)text[i];
        i += cl;
        if (!is_clause_end(c) && !(c == '-' && i - cl > 0 && text[i - cl - 1] == ' ')) continue;
        s->clause++;
        if (is_sentence_end(c) && !s->sentence_start) s->sentence_start = true, s->sentence++;
        if (s->tk->n >= CS_TOK_MAX - 32) {
            *stop = i;
            return false;
        }
    }
    return true;
}

/* One word the shared tokeniser found (cs/words.h, UTF-8 with inner apostrophes): its
 * folded characters into a token, split after a French elided article. */
static void tok_word(struct tok_state *s, const char *text, size_t len, const struct cs_word *w)
{
    tok_open(s, w->off);
    for (size_t i = w->off, end = w->off + w->len; i < end;) {
        struct cs_wchar ch;
        size_t cl = cs_words_char(text, len, i, CS_WORDS_UTF8, &ch);
        tok_add(s, ch.fold, ch.n, ch.upper);
        i += cl;
        if (ch.word || s->tk->n >= CS_TOK_MAX) continue;
        tok_split_elision(s, i); /* an inner apostrophe */
    }
    tok_close(s, w->off + w->len);
}

/* "e-mail(s)", "E-Mail" are one word, "email(s)": the shared tokeniser splits at the
 * hyphen, and a lone "e" would keep "third e-mail" and "drei E-Mails" from every phrase
 * that counts contacts. Other hyphenated words stay split ("one-star review"). */
static void join_e_mail(struct cs_toks *tk, const char *text)
{
    if (tk->n < 2) return;
    struct cs_tok *e = &tk->t[tk->n - 2], *m = &tk->t[tk->n - 1];
    if (e->n != 1 || e->w[0] != 'e' || m->off != e->end + 1 || text[e->end] != '-' ||
        strncmp(m->w, "mail", 4) != 0 || e->n + m->n + 1u >= CS_TOK_WORD)
        return;
    memcpy(e->w + 1, m->w, m->n + 1u);
    e->n = (uint8_t)(1 + m->n);
    e->h = cs_phrase_hash(e->w, e->n);
    e->end = m->end;
    e->upper = m->upper;
    tk->n--;
    tk->words--;
}

void cs_toks_fill(struct cs_toks *tk, const char *text, size_t len, size_t from)
{
    struct tok_state s = {.tk = tk, .sentence_start = true};
    tk->n = 0, tk->upper_words = 0, tk->words = 0;
    size_t pos = from;
    struct cs_word w;
    for (;;) {
        size_t gap = pos, stop;
        bool more = cs_words_next(text, len, &pos, CS_WORDS_UTF8 | CS_WORDS_APOS, &w);
        if (!tok_gap(&s, text, len, gap, more ? w.off : len, &stop)) {
            tk->next = stop;
            return;
        }
        if (!more) break;
        if (tk->n >= CS_TOK_MAX) {
            tk->next = w.off;
            return;
        }
        tok_word(&s, text, len, &w);
        join_e_mail(tk, text);
    }
    tk->next = len;
}

bool cs_tok_is(const struct cs_toks *tk, size_t i, const char *s)
{
    return i < tk->n && strcmp(tk->t[i].w, s) == 0;
}

static bool in_set(const char *w, const char *const *set)
{
    for (; *set; set++)
        if ((*set)[0] == w[0] && strcmp(w, *set) == 0) return true; /* first byte: cheap filter */
    return false;
}

static const char *const NEGATORS[] = {
    "not",     "never",   "no",      "don't",   "dont",    "didn't",   "didnt",    "won't",
    "wont",    "doesn't", "doesnt",  "isn't",   "isnt",    "wasn't",   "wasnt",    "aren't",
    "arent",   "weren't", "can't",   "cant",    "cannot",  "couldn't", "wouldn't", "shouldn't",
    "haven't", "hasn't",  "hadn't",  "without", "neither", "nor",      "hardly",   "nothing",
    "nobody",  "none",    "ain't",   "nicht",   "kein",    "keine",    "keinen",   "keinem",
    "keiner",  "nie",     "niemals", "ohne",    "nunca",   "ni",       "sin",      "jamas",
    "tampoco", "nao",     "nem",     "sem",     "nichts",  "nada",     "rien",     "ningun",
    "ninguno", "nenhum",  "nenhuma", "pas",     "jamais",  "n'",       "sans",     "aucun",
    "aucune",  "ne",      NULL};
/* words that end a negation's scope: "if you don't fix it I'll sue" */
static const char *const SCOPE_BREAK[] = {
    "if", "unless", "or", "otherwise", "else", "but", "and", "then", "so", "because", "until",
    "till", "si", "o", "pero", "sino", "oder", "sonst", "wenn", "aber", "und", "ou", "sinon",
    "mais", "et", "senao", "mas", "e", "y",
    /* a new subject starts a new verb phrase: "if you don't fix this I'll sue" */
    "i", "i'll", "ill", "i'm", "im", "we", "we'll", "we're", "ich", "je", "yo", "eu", NULL};

static bool negator_at(const struct cs_toks *tk, size_t k)
{
    if (!in_set(tk->t[k].w, NEGATORS)) return false;
    /* "don't make me call my lawyer" is a threat, not a negation */
    const char *nx = k + 1 < tk->n ? tk->t[k + 1].w : "";
    return !(strcmp(nx, "make") == 0 || strcmp(nx, "force") == 0 || strcmp(nx, "hesitate") == 0);
}

bool cs_tok_negated(const struct cs_toks *tk, size_t i)
{
    if (i >= tk->n || in_set(tk->t[i].w, SCOPE_BREAK)) return false;
    uint16_t clause = tk->t[i].clause;
    for (size_t back = 1; back <= 3 && back <= i; back++) {
        const struct cs_tok *t = &tk->t[i - back];
        if (t->clause != clause || in_set(t->w, SCOPE_BREAK)) return false;
        /* "no Facebook" in Portuguese is "on Facebook": "no" before a name is no negator */
        if (back == 1 && tk->t[i].cap && strcmp(t->w, "no") == 0) continue;
        if (negator_at(tk, i - back)) return true;
    }
    return false;
}

bool cs_tok_negated_span(const struct cs_toks *tk, size_t start, size_t end)
{
    if (cs_tok_negated(tk, start)) return true;
    for (size_t k = start + 1; k < end && k < tk->n; k++)
        if (negator_at(tk, k)) return true;
    return false;
}
