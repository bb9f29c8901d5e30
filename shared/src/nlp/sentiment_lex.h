/* Internal to shared/src/nlp: the emotion lexicon behind the six sentiment levels
 * (LABELLING.md section 4), read with negation, intensifiers and contrast. */
#ifndef CS_NLP_SENTIMENT_LEX_H
#define CS_NLP_SENTIMENT_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "cs/cues.h"
#include "cs/sentiment.h"

struct cs_sent_lex {
    float pos, neg; /* weighted positive / negative emotion (after negation, contrast) */
    float pos_end, neg_end;
    float pos_max;
    /* strongest single praise, not from a negated complaint */ /* the same, for the part after the last contrast ("but ...") */
    float anger; /* ANGRY-level words: anger, harsh accusations, mild profanity */
    float anger_end;
    float irate;      /* IRATE-level: rage words, profanity, insults, menace */
    int caps_words;   /* emphatic capitals: words of 3+ letters, not acronyms */
    int exclaim_runs; /* runs of 2+ '!' */
    int profanity, insults, rage, menace, anger_terms, sarcasm, intensifiers;
    int negated_positive;
    int negated_negative; /* litotes: "not bad", "I don't hate it", "no está mal" */
    int words;
    bool shouted;            /* most words in capitals */
    bool contrast;           /* a "but" clause exists */
    bool evidence;           /* any emotion word at all (politeness is none) */
    size_t cue_off, cue_len; /* the strongest negative phrase (bytes) */
    int cue_rank;
};

/* Scans text[0..len). Pure, no allocation. */
void cs_sent_lex_scan(const char *text, size_t len, struct cs_sent_lex *out);

/* The six-level decision (sentiment.c) from a reading, the model's probabilities
 * (negative, neutral, positive; NULL: none) and the text's escalation cues (NULL: none). */
enum cs_sentiment_level cs_sentiment_decide(const struct cs_sent_lex *lx, const float prob[3],
                                            const struct cs_cues *cu);

#endif
