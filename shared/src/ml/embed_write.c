/* Writes an embedding file (format in cs/embed.h and ml/embed_int.h); used by cs-train. */
#include "cs/embed_write.h"
#include "ml/embed_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t align8(size_t n) { return (n + 7u) & ~(size_t)7u; }

int cs_embed_encode(const struct cs_embed_spec *sp, uint8_t **out, size_t *size)
{
    *out = NULL;
    *size = 0;
    if (!sp || sp->dims == 0 || sp->dims > CS_EMBED_MAX_DIMS || sp->n_words == 0 ||
        (sp->n_buckets & (sp->n_buckets - 1)) != 0 || !sp->metadata_json)
        return CS_ERR_INVALID;
    struct embed_hdr h = {0};
    memcpy(h.magic, EMBED_MAGIC, sizeof(EMBED_MAGIC));
    h.version = CS_EMBED_VERSION;
    h.dims = sp->dims;
    h.n_words = sp->n_words;
    h.n_buckets = sp->n_buckets;
    h.sif_a = sp->sif_a;
    h.total_words = sp->total_words;
    h.has_map = sp->map != NULL;
    h.sec[EMBED_SEC_META].size = strlen(sp->metadata_json) + 1;
    uint64_t want[EMBED_SEC_COUNT];
    embed_section_sizes(&h, want);
    const void *src[EMBED_SEC_COUNT] = {sp->metadata_json, sp->hash, sp->weight, sp->scale, sp->pc,
                                        sp->bscale,        sp->map,  sp->vec,    sp->bvec};
    size_t off = sizeof(h);
    for (int s = 0; s < EMBED_SEC_COUNT; s++) {
        off = align8(off);
        h.sec[s].off = off;
        h.sec[s].size = want[s];
        off += want[s];
    }
    h.file_size = align8(off);
    uint8_t *buf = calloc(1, h.file_size);
    if (!buf) return CS_ERR_NOMEM;
    for (int s = 0; s < EMBED_SEC_COUNT; s++)
        if (want[s]) memcpy(buf + h.sec[s].off, src[s], want[s]);
    h.checksum = embed_checksum(&h, buf);
    memcpy(buf, &h, sizeof(h));
    *out = buf;
    *size = h.file_size;
    return CS_OK;
}

int cs_embed_write(const struct cs_embed_spec *sp, const char *path)
{
    uint8_t *buf;
    size_t size;
    if (!path) return CS_ERR_INVALID;
    int rc = cs_embed_encode(sp, &buf, &size);
    if (rc) return rc;
    FILE *f = fopen(path, "wb");
    rc = f && fwrite(buf, 1, size, f) == size ? CS_OK : CS_ERR_IO;
    if (f && fclose(f) != 0) rc = CS_ERR_IO;
    free(buf);
    return rc;
}
