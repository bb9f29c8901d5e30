/* Embedding file layout, shared by the loader (embed.c) and the writer (embed_write.c). */
#ifndef CS_ML_EMBED_INT_H
#define CS_ML_EMBED_INT_H

#include <stdint.h>

#include "cs/embed.h"

#define EMBED_MAGIC "CSEMBED"

enum {
    EMBED_SEC_META,
    EMBED_SEC_HASH,
    EMBED_SEC_WEIGHT,
    EMBED_SEC_SCALE,
    EMBED_SEC_PC,
    EMBED_SEC_BSCALE,
    EMBED_SEC_MAP,
    EMBED_SEC_VEC,
    EMBED_SEC_BVEC,
    EMBED_SEC_COUNT
};

struct embed_sec {
    uint64_t off, size;
};

struct embed_hdr {
    char magic[8]; /* "CSEMBED\0" */
    uint32_t version, dims, n_words, n_buckets;
    float sif_a;
    uint32_t has_map;     /* 1: a MAP section of dims x dims floats, 0: none (empty) */
    uint64_t total_words; /* corpus tokens: p(word) = count / total_words */
    uint64_t file_size;
    uint64_t checksum;
    struct embed_sec sec[EMBED_SEC_COUNT];
};

_Static_assert(sizeof(struct embed_hdr) % 8 == 0, "header keeps sections 8-aligned");

uint64_t embed_checksum(const struct embed_hdr *hdr, const uint8_t *base);
/* Expected byte size of each section (META: as stored). */
void embed_section_sizes(const struct embed_hdr *h, uint64_t *want);

#endif
