/* Tenant-scoped binary blobs in the store (issue 18): state that must outlive the
 * instance that wrote it. On Lambda the state folder (CS_VAR) is the instance's own
 * /tmp, so a job taken over by another instance, a Step Functions shard, or a serving
 * function on another instance reads from here what was written elsewhere: training
 * checkpoints, uploaded datasets ("ds/<dataset_id>") and trained models
 * ("model/<job_id>").
 *
 * A blob is split into chunks of CS_ML_BLOB_CHUNK bytes, each a document
 * {"data": base64} with id "<name>#<i>" (i zero-padded to 4 digits, so the chunks sort
 * by id and a reader takes several in one range query) in the tenant's CS_ML_BLOBS
 * collection (a document store limits one document's size: MongoDB to 16 MB), then a
 * head document "<name>" {"size","chunks","blake2b","ids":2} written last. Heads without
 * "ids" name their chunks unpadded ("<name>#<i>", checkpoints of older versions). A
 * reader checks the head like outside input and the BLAKE2b sum over the chunks, so a
 * blob being rewritten, half written or damaged never reads as wrong bytes.
 */
#ifndef CS_ML_BLOB_H
#define CS_ML_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"

struct cs_store;
struct cs_arena;

#define CS_ML_BLOBS "ml_blobs"
#define CS_ML_BLOB_CHUNK (768u * 1024u)
#define CS_ML_BLOB_MAX (256u * 1024u * 1024u)
#define CS_ML_BLOB_SUM_HEX 64u /* BLAKE2b-256 in hex */

struct cs_ml_blob_head {
    int64_t size;
    int64_t chunks;
    bool padded; /* chunk ids "<name>#%04d" */
    unsigned char sum[32];
    char hex[CS_ML_BLOB_SUM_HEX + 1];
};

/* A head document's body, checked like outside input: CS_ERR_FORMAT unless size,
 * chunks and the sum agree and are in range. */
CS_MUST_CHECK int cs_ml_blob_head_parse(json_object *body, struct cs_ml_blob_head *out);
/* Reads and parses the head of blob `name`: CS_ERR_NOT_FOUND when absent,
 * CS_ERR_FORMAT when malformed, CS_ERR_STORE. */
CS_MUST_CHECK int cs_ml_blob_head_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                      const char *name, struct cs_ml_blob_head *out);

/* Stores (replaces) blob `name` of `tenant`; *hex (optional, >= 65 bytes) its sum. */
CS_MUST_CHECK int cs_ml_blob_put(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                 const char *name, const void *buf, size_t n, int64_t now_ms);
CS_MUST_CHECK int cs_ml_blob_put_sum(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                     const char *name, const void *buf, size_t n, int64_t now_ms,
                                     char *hex);

/* Streams the blob's bytes in order to sink(user, p, n) (a non-zero return stops with
 * it), reading its chunks a few at a time by id range, and checks the sum once at the
 * end: CS_ERR_FORMAT when a chunk is missing, malformed or the bytes fail the sum (the
 * sink has then seen bytes it must discard). */
typedef int (*cs_ml_blob_sink)(void *user, const unsigned char *p, size_t n);
CS_MUST_CHECK int cs_ml_blob_read(struct cs_store *st, const char *tenant, const char *name,
                                  const struct cs_ml_blob_head *h, cs_ml_blob_sink sink,
                                  void *user);
/* The blob into a new file `path` (owner-only; written beside it and renamed into place
 * once the sum checks, so `path` is whole or absent). Codes as cs_ml_blob_read, CS_ERR_IO. */
CS_MUST_CHECK int cs_ml_blob_fetch_file(struct cs_store *st, const char *tenant, const char *name,
                                        const struct cs_ml_blob_head *h, const char *path);

/* *buf (malloc'd; the caller frees) and *n: the blob, when it is there whole.
 * CS_ERR_NOT_FOUND when absent, torn or failing its sum; CS_ERR_STORE, CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_ml_blob_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                 const char *name, unsigned char **buf, size_t *n);
/* Removes the blob (head first, so no reader sees it half gone); absent is CS_OK. */
CS_MUST_CHECK int cs_ml_blob_drop(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                  const char *name);

#endif
