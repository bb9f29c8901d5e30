/* Semantic sentence embeddings from learned word vectors (built-in, no network).
 *
 * The word vectors come from the project's own corpora (cs-train --task embed): a
 * positive PMI matrix over a +-5 word co-occurrence window, reduced by truncated
 * eigendecomposition (randomized subspace iteration) to `dims` coordinates, each word
 * vector L2-normalised. A sentence is the SIF-weighted mean of its words' vectors
 * (weight a / (a + p(word))), less its projection on the corpus' common direction,
 * L2-normalised (Arora, Liang, Ma 2017). A word outside the vocabulary takes the mean
 * of its character 3- to 5-gram bucket vectors, each bucket the mean of the vocabulary
 * words that contain that n-gram (so "refunded" lands near "refund").
 *
 * That vector learns topic: "cancel my order" sits as near "track my order" as its own
 * paraphrases. An optional intent map (a dims x dims matrix, cs-train --label-corpus:
 * within-intent whitening and between-intent weighting learned on intent-labelled train
 * texts) turns it into the intent vector that cs_embed_text answers; cs_embed_topic
 * leaves it out, for ranking passages by subject (cs_retrieval_rerank), where the map,
 * learned on short requests, loses what long passages are about.
 *
 * File (".cse", little-endian, sections 8-aligned, mmapped at cold start by
 * cs_models_open beside the .csm models):
 *   header (magic "CSEMBED\0", version, dims, counts, offsets, checksum)
 *   META    NUL-terminated JSON (source, licence, options)
 *   HASH    uint64[n_words] ascending (cs_model_lexicon_hash of the lower-cased word)
 *   WEIGHT  float[n_words]   SIF weight
 *   SCALE   float[n_words]   int8 dequantisation scale of each word vector
 *   PC      float[dims]      common direction (unit vector, or zeros)
 *   BSCALE  float[n_buckets] scale of each n-gram bucket vector (0: empty bucket)
 *   MAP     float[dims][dims] the intent map, transposed: row k is what topic coordinate
 *           k adds to the intent vector; intent coordinates in descending singular value
 *           (empty when the header's has_map is 0)
 *   VEC     int8[n_words][dims]
 *   BVEC    int8[n_buckets][dims]
 * The checksum (FNV-1a 64 over 64-bit words, as cs/model.h version 2) covers everything
 * but the two int8 blocks: no int8 value can make inference misbehave, and hashing them
 * would double the load time.
 */
#ifndef CS_EMBED_H
#define CS_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"

#define CS_EMBED_VERSION 2u /* 2: the MAP section */
#define CS_EMBED_MAX_DIMS 1024u
#define CS_EMBED_MAX_WORD 48u /* longer tokens are cut: they are never vocabulary words */
#define CS_EMBED_NGRAM_MIN 3u
#define CS_EMBED_NGRAM_MAX 5u

struct cs_embed;

/* Maps a .cse file. CS_ERR_IO (unreadable), CS_ERR_FORMAT (bad magic, version, sizes,
 * order or checksum), CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_embed_open(const char *path, struct cs_embed **out);
/* The same over caller memory (8-byte aligned, alive until cs_embed_close; never freed
 * by it): tests and the fuzz target. */
CS_MUST_CHECK int cs_embed_open_mem(const void *buf, size_t size, struct cs_embed **out);
void cs_embed_close(struct cs_embed *e);

unsigned cs_embed_dims(const struct cs_embed *e);
size_t cs_embed_vocab(const struct cs_embed *e);
/* The model name the API reports, e.g. "builtin-ppmi-svd-intent-128-v2" (from the metadata). */
const char *cs_embed_name(const struct cs_embed *e);
const char *cs_embed_metadata(const struct cs_embed *e);

/* Sentence vector of text[0..len) into out[0..dims): the model's intent coordinates (the
 * topic vector through the intent map; the topic vector when the file has none), truncated
 * when dims is smaller (they are ordered by eigenvalue, so a prefix is the best
 * lower-rank view) or zero-padded when larger, then L2-normalised. A text without a
 * known word or n-gram gives the zero vector. CS_ERR_INVALID for bad arguments. */
CS_MUST_CHECK int cs_embed_text(const struct cs_embed *e, const char *text, size_t len,
                                unsigned dims, float *out);
/* The same without the intent map: the topic vector, for passage ranking. */
CS_MUST_CHECK int cs_embed_topic(const struct cs_embed *e, const char *text, size_t len,
                                 unsigned dims, float *out);

/* Tokens as the model sees them: runs of ASCII letters, digits, apostrophes and UTF-8
 * bytes, ASCII lower-cased, at most CS_EMBED_MAX_WORD bytes (longer runs are cut).
 * Calls fn(word, n, ud) for each; shared with the trainer so both split alike. */
void cs_embed_tokens(const char *text, size_t len, void (*fn)(const char *word, size_t n, void *ud),
                     void *ud);
/* Calls fn(hash, ud) for each character n-gram (CS_EMBED_NGRAM_MIN..MAX bytes) of
 * "<word>". */
void cs_embed_ngrams(const char *word, size_t n, void (*fn)(uint64_t h, void *ud), void *ud);

/* Cosine of two L2-normalised vectors (their dot product). */
float cs_embed_cosine(const float *a, const float *b, unsigned dims);

#endif
