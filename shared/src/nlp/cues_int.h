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

#define CS_TOK_WORD 24 /* longer words are cut (still matched by prefix patterns) */
#define CS_TOK_MAX 256 /* tokens per window; longer texts are scanned window by window */

struct cs_tok {
    char w[CS_TOK_WORD];
    uint8_t n;
    bool cap;   /* first letter upper-case, the rest not all upper ("Sue") */
    bool upper; /* all letters upper-case, 2+ letters ("STOP") */
    bool start; /* first word of a sentence */
    uint16_t clause, sentence;
    uint32_t h;      /* cs_phrase_hash of w */
    size_t off, end; /* bytes in the source text */
};

struct cs_toks {
    struct cs_tok t[CS_TOK_MAX];
    size_t n;
    size_t next;            /* byte offset where the next window starts (== len at the end) */
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

#define CS_PHRASE_MAX_WORDS 4096
#define CS_PHRASE_MAX_ALTS 16384

/* A phrase table compiled once (phrase.c): every word of every pattern as sorted
 * hashes of its alternatives, and the patterns indexed by the hash of their first
 * word's alternatives, so a text word is tried only against phrases that can start
 * with it and each comparison is a binary search. */
struct cs_palt {
    uint32_t hash;
    uint8_t len;
    const char *s; /* into the pattern string, not NUL-terminated */
};
struct cs_pword {
    uint32_t exact, n_exact;   /* alts[exact .. exact + n_exact), sorted by hash */
    uint32_t prefix, n_prefix; /* prefix alternatives ("call*"), in pattern order */
    uint8_t optional, gap, name;
};
struct cs_ppat {
    uint32_t word, n_words;
};
struct cs_pfirst {
    uint32_t hash;
    uint16_t pat;
};
struct cs_phrase_index {
    struct cs_palt alts[CS_PHRASE_MAX_ALTS];
    struct cs_pword words[CS_PHRASE_MAX_WORDS];
    struct cs_pfirst first[CS_PHRASE_MAX_ALTS]; /* sorted by hash */
    /* first-word prefix alternatives ("call*") with their pattern, by first letter */
    struct cs_pprefix {
        const char *s;
        uint8_t len;
        uint16_t pat;
    } prefix_first[27][192];
    uint16_t n_prefix_by[27];
    struct cs_ppat pats[1024];
    uint32_t n_alts, n_words, n_first, n_prefix_first, n_pats;
};

/* Compiles tab[0..n) into idx (call once, under the caller's pthread_once). Returns
 * false when the table is too large or a pattern is malformed. */
bool cs_phrase_index_build(const struct cs_phrase *tab, size_t n, struct cs_phrase_index *idx);

/* FNV-1a of a folded word (the hash the index and cs_tok.h use). */
uint32_t cs_phrase_hash(const char *s, size_t n);

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
