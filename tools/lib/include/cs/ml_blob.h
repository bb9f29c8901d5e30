/* Tenant-scoped binary blobs in the store (training checkpoints, issue 18): state that
 * must outlive the instance that wrote it. On Lambda the state folder (CS_VAR) is the
 * instance's own /tmp, so a job taken over by another instance, or a Step Functions
 * shard running on one, reads what the last holder kept from here.
 *
 * A blob is split into chunks of CS_ML_BLOB_CHUNK bytes, each a document
 * {"data": base64} with id "<name>#<i>" in the tenant's CS_ML_BLOBS collection (a
 * document store limits one document's size: MongoDB to 16 MB), then a head document
 * "<name>" {"size","chunks","blake2b"} written last. A reader checks the head like
 * outside input and the sum over the chunks, so a blob being rewritten or half written
 * reads as absent, never as wrong bytes.
 */
#ifndef CS_ML_BLOB_H
#define CS_ML_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"

struct cs_store;
struct cs_arena;

#define CS_ML_BLOBS "ml_blobs"
#define CS_ML_BLOB_CHUNK (768u * 1024u)
#define CS_ML_BLOB_MAX (256u * 1024u * 1024u)

/* Stores (replaces) blob `name` of `tenant`. */
CS_MUST_CHECK int cs_ml_blob_put(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                 const char *name, const void *buf, size_t n, int64_t now_ms);
/* *buf (malloc'd; the caller frees) and *n: the blob, when it is there whole.
 * CS_ERR_NOT_FOUND when absent, torn or failing its sum; CS_ERR_STORE, CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_ml_blob_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                 const char *name, unsigned char **buf, size_t *n);
/* Removes the blob (head first, so no reader sees it half gone); absent is CS_OK. */
CS_MUST_CHECK int cs_ml_blob_drop(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                  const char *name);

#endif
