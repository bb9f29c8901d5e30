/* Writing an embedding file (cs/embed.h): the trainer's side. */
#ifndef CS_EMBED_WRITE_H
#define CS_EMBED_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"

struct cs_embed_spec {
    const char *metadata_json;
    uint32_t dims, n_words, n_buckets; /* n_buckets: a power of two, or 0 */
    float sif_a;
    uint64_t total_words;
    const uint64_t *hash; /* [n_words], strictly ascending */
    const float *weight;  /* [n_words] */
    const float *scale;   /* [n_words] */
    const float *pc;      /* [dims] */
    const float *bscale;  /* [n_buckets] */
    const int8_t *vec;    /* [n_words][dims] */
    const int8_t *bvec;   /* [n_buckets][dims] */
    const float *map;     /* [dims in][dims out], or NULL: no intent map (cs/embed.h) */
};

/* The file's bytes in a malloc'ed buffer (calloc: 8-aligned); CS_ERR_INVALID, CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_embed_encode(const struct cs_embed_spec *spec, uint8_t **out, size_t *size);
/* CS_ERR_INVALID (bad spec), CS_ERR_NOMEM, CS_ERR_IO. */
CS_MUST_CHECK int cs_embed_write(const struct cs_embed_spec *spec, const char *path);

#endif
