/* Internal to shared/src/nlp: the word tokenizer and phrase matcher shared by the
 * escalation cues (cues.c) and the six-level sentiment (sentiment.c).
 *
 * Words are folded to lower-case ASCII (accents of es/de/fr/pt dropped, "ß" -> "ss",
 * the typographic apostrophe -> '\'') so one phrase list serves every spelling.
 * Clauses end at . ! ? ; : , and line breaks: phrases never cross them. */
#ifndef CS_NLP_CUES_INT_H
#define CS_NLP_CUES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_TOK_WORD 24  /* longer words are cut (still matched by prefix patterns) */
#define CS_TOK_MAX 256  /* tokens per window; longer texts are scanned window by window */

struct cs_tok {
    char w[CS_TOK_WORD];
    uint8_t n;
    bool cap;      /* first letter upper-case, the rest not all upper ("Sue") */
    bool upper;    /* all letters upper-case, 2+ letters ("STOP") */
    bool start;    /* first word of a sentence */
    uint16_t clause, sentence;
    size_t off, end; /* bytes in the source text */
};

struct cs_toks {
    struct cs_tok t[CS_TOK_MAX];
    size_t n;
    size_t next;   /* byte offset where the next window starts (== len at the end) */
    int upper_words, words; /* for "mostly capitals" */
};

/* Tokenizes text[from..len) into at most CS_TOK_MAX words, ending the window at a clause
 * boundary when it fills. */
void cs_toks_fill(struct cs_toks *tk, const char *text, size_t len, size_t from);

/* Phrase patterns: words separated by spaces; a word is alternatives separated by '|';
 * a trailing '*' makes an alternative a prefix; the alternative "_" makes the word
 * optional; the word "..." skips 0..4 words of the same clause; a word starting with
 * '~' (on its first alternative) fails on a capitalised word (a name: "this is Sue").
 * The first word may be neither optional nor a gap. */
struct cs_phrase {
    const char *pat;
    int kind;  /* caller-defined */
    int value; /* caller-defined */
};

#define CS_PHRASE_IDX_MAX 4096
/* Phrases bucketed by the first letter of their first word's alternatives (27: other),
 * so a word is tried only against phrases that can start with it. */
struct cs_phrase_index {
    uint16_t off[28];
    uint16_t item[CS_PHRASE_IDX_MAX];
    size_t n_phrases;
};

/* Builds the index of tab[0..n) (call once, under the caller's pthread_once). Returns
 * false when the table is too large for the index or a pattern is malformed. */
bool cs_phrase_index_build(const struct cs_phrase *tab, size_t n, struct cs_phrase_index *idx);

/* Calls fn for every phrase matching at every word of the window. `end` is one past the
 * last matched word. */
typedef void (*cs_phrase_fn)(void *ctx, const struct cs_toks *tk, const struct cs_phrase *p,
                             size_t start, size_t end);
void cs_phrase_scan(const struct cs_phrase *tab, const struct cs_phrase_index *idx,
                    const struct cs_toks *tk, cs_phrase_fn fn, void *ctx);

/* True when word i is negated: a negator ("not", "never", "nicht", "pas", "não", ...)
 * among the three words before it in its clause, with no scope break ("if", "or",
 * "but", ...) between, and not "don't make me". */
bool cs_tok_negated(const struct cs_toks *tk, size_t i);
/* Word `start` negated, or a negator inside words (start, end): "I will not sue". */
bool cs_tok_negated_span(const struct cs_toks *tk, size_t start, size_t end);

/* Word i equals s (folded). */
bool cs_tok_is(const struct cs_toks *tk, size_t i, const char *s);

#endif
