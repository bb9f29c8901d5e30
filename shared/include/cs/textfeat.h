/* Text features for the built-in linear models: hashed word 1-2-grams and character
 * n-grams, counted per text, ready to be weighted (sublinear TF-IDF) by a model.
 *
 * Why hashing: the model file then needs no vocabulary (smaller, no string table to
 * search at run time) and any text maps to features without allocation. The price is
 * collisions, kept small by choosing `hash_bits` per model; explanations recover the
 * readable n-gram by re-enumerating the input's own n-grams (cs_textfeat_each_gram).
 *
 * Normalisation: ASCII letters are lower-cased, every other byte is kept, so UTF-8 text
 * is handled byte-exactly; character n-grams count code points, not bytes. A word is a
 * maximal run of letters, digits, non-ASCII bytes and inner apostrophes. Character
 * n-grams are taken inside each word padded with one space on each side, so they never
 * span two words. Only the first CS_TEXTFEAT_MAX_BYTES bytes of a text are read (a cap
 * that keeps the hot path bounded; tickets are usually far shorter).
 */
#ifndef CS_TEXTFEAT_H
#define CS_TEXTFEAT_H

#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"

#define CS_TEXTFEAT_MAX_BYTES 4096u
/* Most distinct features kept per text; later ones are dropped (and `truncated` set). */
#define CS_TEXTFEAT_MAX_FEATS 4096u
#define CS_TEXTFEAT_MAX_WORD 64u  /* longer words are cut for char n-grams */
#define CS_TEXTFEAT_MAX_GRAM 160u /* longest n-gram text handed to callbacks */

/* Feature settings; stored in every text model file so training and inference agree. */
struct cs_textfeat_cfg {
    uint32_t hash_bits;         /* features are hashed into 2^hash_bits buckets (10..22) */
    uint32_t seed;              /* hash seed */
    uint8_t word_min, word_max; /* word n-gram orders, e.g. 1..2, at most 3 (0..0 disables) */
    uint8_t char_min, char_max; /* character n-gram orders, e.g. 2..5 (0..0 disables) */
    uint8_t flags;              /* CS_TEXTFEAT_F_* */
};

/* Negation scope: after "not", "no", "never", "cannot" or a word ending in "n't", each
 * word up to the next punctuation mark (at most CS_TEXTFEAT_NEG_SPAN words) also counts
 * as a negated unigram, so "not good" and "good" stop sharing all their evidence. */
#define CS_TEXTFEAT_F_NEGATION 0x01u
/* Surface cues the n-grams cannot see, each counted as one extra feature ("cue"):
 * every run of punctuation or symbols ("!", "?", "!!", ":)", "..."; a character
 * repeated more than twice counts as two), and "<caps>" for a word of 3+ letters
 * written in capitals. Words alone drop punctuation, yet in customer messages "?"
 * marks a question (mostly neutral) and ":)" or "!!" carry the tone. */
#define CS_TEXTFEAT_F_CUES 0x02u
/* Polarity lexicon: a word in a small built-in list of positive or negative words
 * also counts as "<pos>" or "<neg>" ("<not-pos>", "<not-neg>" inside a negation
 * scope when CS_TEXTFEAT_F_NEGATION is set). The class evidence of all listed words is
 * then shared, so a word rare in the training data ("satisfied" in airline tweets)
 * still carries the weight its kind earned. */
#define CS_TEXTFEAT_F_LEXICON 0x04u
#define CS_TEXTFEAT_F__ALL 0x07u
#define CS_TEXTFEAT_NEG_SPAN 4

/* Kinds of n-gram reported to cs_textfeat_each_gram callbacks. */
enum cs_textfeat_kind { CS_TEXTFEAT_WORD = 1, CS_TEXTFEAT_CHAR = 2, CS_TEXTFEAT_CUE = 3 };

/* One distinct feature of a text: its bucket and how often it occurred. */
struct cs_textfeat_ent {
    uint32_t bucket;
    float value; /* count after extraction; models overwrite it with the weight */
};

/* Caller-provided storage for one text's features (64 KiB: keep it off small stacks,
 * e.g. one per thread). `n` entries are valid after extraction, in first-
 * occurrence order, which makes the result deterministic. */
struct cs_textfeat_vec {
    uint32_t n;
    uint32_t truncated; /* 1 when the cap on features or bytes was hit */
    struct cs_textfeat_ent ent[CS_TEXTFEAT_MAX_FEATS];
    /* scratch open-addressing table mapping bucket -> index in ent (internal); only
     * slot[0..slot_mask] is in use, grown as features arrive */
    uint32_t slot_mask;
    uint32_t slot[2 * CS_TEXTFEAT_MAX_FEATS];
};

/* Defaults used by the shipped models: 2^16 buckets, words 1-2, chars 2-5. */
void cs_textfeat_cfg_init(struct cs_textfeat_cfg *cfg);
/* CS_OK when the settings are in range, CS_ERR_INVALID otherwise. */
CS_MUST_CHECK int cs_textfeat_cfg_check(const struct cs_textfeat_cfg *cfg);

/* Counts the features of text[0..len). Never allocates; never fails on any byte input
 * (invalid UTF-8 is treated byte by byte). */
void cs_textfeat_extract(const struct cs_textfeat_cfg *cfg, const char *text, size_t len,
                         struct cs_textfeat_vec *out);

/* Calls fn once per n-gram occurrence in order, with its bucket, kind and normalised
 * text (a bigram is "w1 w2", a char n-gram may start or end with the padding space).
 * `gram` is valid only during the call. Used by explanations to name buckets. */
typedef void (*cs_textfeat_gram_fn)(void *ctx, uint32_t bucket, enum cs_textfeat_kind kind,
                                    const char *gram, size_t gram_len);
void cs_textfeat_each_gram(const struct cs_textfeat_cfg *cfg, const char *text, size_t len,
                           cs_textfeat_gram_fn fn, void *ctx);

/* 64-bit FNV-1a of bytes; used for the deterministic validation split and lexicons. */
uint64_t cs_textfeat_hash64(const void *data, size_t len);
/* The project's fixed hold-out rule: a text is in the validation split when
 * cs_textfeat_hash64(text) % 10 == 0. Training tools and the eval tool share it. */
int cs_textfeat_is_validation(const char *text, size_t len);
/* The development part carved from the training part (hash % 20 == 1, about 5% of the
 * rows, disjoint from validation): the trainer calibrates on it and options are tuned
 * on it, so the validation figures come from rows that chose nothing. */
int cs_textfeat_is_dev(const char *text, size_t len);

#endif
