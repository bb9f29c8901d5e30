/* Customer sentiment: the built-in "sentiment" model's 3-class probabilities,
 * mapped to seed 003's six-level scale, a 0..1 score (seed 000's sentiment_score,
 * 0 = most negative) and seed 004's lowercase label, using intensity and anger cues.
 */
#ifndef CS_SENTIMENT_H
#define CS_SENTIMENT_H

#include <stddef.h>

#include "cs/error.h"
#include "cs/models.h"

/* Model classes, in the order of cs_sentiment.prob. */
enum cs_sentiment_class { CS_SENT_NEGATIVE = 0, CS_SENT_NEUTRAL_CLASS = 1, CS_SENT_POSITIVE = 2 };

/* Seed 003 "Customer Sentiment", most positive first. */
enum cs_sentiment_level {
    CS_SENT_HAPPY = 0,
    CS_SENT_SATISFIED,
    CS_SENT_NEUTRAL,
    CS_SENT_FRUSTRATED,
    CS_SENT_ANGRY,
    CS_SENT_IRATE
};

/* Surface cues counted in the text (case-insensitive, whole words). */
struct cs_sentiment_cues {
    int caps_words;   /* words of 3+ letters written in capitals */
    int exclaim_runs; /* runs of 2+ '!' */
    int profanity;
    int anger_terms;      /* "unacceptable", "ridiculous", "worst", ... */
    int legal;            /* "lawyer", "sue", "legal action", ... */
    int social;           /* "twitter", "social media", "review", ... */
    int intensifiers;     /* "very", "extremely", "absolutely", ... */
    int negated_positive; /* "not happy", "never helpful", ... */
    int urgency;          /* "urgent", "asap", "immediately", ... */
    /* first anger/legal/social/profanity phrase: offset and length in bytes */
    size_t cue_off, cue_len;
};

struct cs_sentiment {
    float prob[3]; /* negative, neutral, positive (calibrated) */
    float confidence;
    enum cs_sentiment_level level;
    const char *level_name; /* "FRUSTRATED" */
    const char *label;      /* seed 004 style: "positive", "neutral", "frustrated", "angry" */
    float score;            /* 0..1, 0 = most negative */
    float intensity;        /* 0..1 */
    float anger;            /* 0..1, from the cues */
    struct cs_sentiment_cues cues;
};

/* Scores text[0..len) with the bundle's "sentiment" model. CS_ERR_NOT_FOUND when the
 * bundle has no such model. No allocation. */
CS_MUST_CHECK int cs_sentiment_analyze(const struct cs_models *m, const char *text, size_t len,
                                       struct cs_sentiment *out);

/* The six-level reading of text[0..len) (LABELLING.md section 4: emotion words with
 * negation, intensifiers, contrast; politeness neutral; escalation cues) with the
 * caller's 3-class probabilities (a hosted classifier's, a test's). No allocation. */
void cs_sentiment_read(const float prob[3], const char *text, size_t len, struct cs_sentiment *out);

/* cs_sentiment_analyze that also hands back the escalation cues it scanned (cs/cues.h),
 * so a caller needing both (triage) scans the text once. `cues` may be NULL. */
struct cs_cues;
CS_MUST_CHECK int cs_sentiment_analyze_cues(const struct cs_models *m, const char *text, size_t len,
                                            struct cs_sentiment *out, struct cs_cues *cues);

/* The pure parts, exposed for tests and for callers with their own probabilities.
 * cs_sentiment_map is the older reading from probabilities and surface cues alone. */
void cs_sentiment_scan_cues(const char *text, size_t len, struct cs_sentiment_cues *out);
void cs_sentiment_map(const float prob[3], const struct cs_sentiment_cues *cues,
                      struct cs_sentiment *out);

const char *cs_sentiment_level_name(enum cs_sentiment_level level);
/* Level from its name ("ANGRY"); -1 when unknown. */
int cs_sentiment_level_parse(const char *name);

/* When `cur` is worse than `prev` (lower score by 0.1 or more, or a more negative
 * level), sets *dropped = 1 and writes the phrase that most likely triggered the drop
 * into out[0..cap): an anger/legal/social cue if present, else the word n-gram pushing
 * hardest towards "negative" in the model's explanation. Otherwise *dropped = 0 and
 * out = "". CS_ERR_INVALID for bad arguments, CS_ERR_NOT_FOUND without the model. */
CS_MUST_CHECK int cs_sentiment_trigger(const struct cs_models *m, const struct cs_sentiment *prev,
                                       const struct cs_sentiment *cur, const char *text, size_t len,
                                       char *out, size_t cap, int *dropped);

#endif
