/* Chunked tenant blobs in the store (cs/ml_blob.h). */
#include "cs/ml_blob.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/json.h"
#include "cs/store.h"

#define SUM_BYTES crypto_generichash_BYTES

static char *chunk_id(struct cs_arena *a, const char *name, size_t i)
{
    return cs_arena_printf(a, "%s#%zu", name, i);
}

static int put_chunk(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name,
                     size_t i, const unsigned char *p, size_t n, int64_t now_ms)
{
    size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    if (!b64) return CS_ERR_NOMEM;
    sodium_bin2base64(b64, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    struct cs_jb jb;
    cs_jb_init(&jb, cs_json_object(a));
    cs_jb_str(&jb, "data", b64);
    free(b64);
    char *id = chunk_id(a, name, i);
    int rc = cs_jb_done(&jb);
    if (!rc && !id) rc = CS_ERR_NOMEM;
    if (!rc) rc = cs_store_put(st, a, tenant, CS_ML_BLOBS, id, jb.obj, now_ms, NULL);
    return rc;
}

int cs_ml_blob_put(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name,
                   const void *buf, size_t n, int64_t now_ms)
{
    if (n > CS_ML_BLOB_MAX) return CS_ERR_TOO_LARGE;
    const unsigned char *p = buf;
    size_t chunks = (n + CS_ML_BLOB_CHUNK - 1) / CS_ML_BLOB_CHUNK;
    int rc = CS_OK;
    /* The head goes first to absent and last to the new sum: a reader in between sees
     * no blob rather than the old head over new chunks. */
    rc = cs_store_delete(st, tenant, CS_ML_BLOBS, name, -1);
    if (rc == CS_ERR_NOT_FOUND) rc = CS_OK;
    for (size_t i = 0; !rc && i < chunks; i++) {
        size_t len = n - i * CS_ML_BLOB_CHUNK;
        if (len > CS_ML_BLOB_CHUNK) len = CS_ML_BLOB_CHUNK;
        rc = put_chunk(st, a, tenant, name, i, p + i * CS_ML_BLOB_CHUNK, len, now_ms);
    }
    if (rc) return rc;
    unsigned char sum[SUM_BYTES];
    char hex[2 * SUM_BYTES + 1];
    crypto_generichash(sum, sizeof(sum), p, n, NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
    struct cs_jb jb;
    cs_jb_init(&jb, cs_json_object(a));
    cs_jb_int(&jb, "size", (int64_t)n);
    cs_jb_int(&jb, "chunks", (int64_t)chunks);
    cs_jb_str(&jb, "blake2b", hex);
    rc = cs_jb_done(&jb);
    if (!rc) rc = cs_store_put(st, a, tenant, CS_ML_BLOBS, name, jb.obj, now_ms, NULL);
    return rc;
}

/* Chunk i decoded into out[0..want), exactly. */
static int get_chunk(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name,
                     size_t i, unsigned char *out, size_t want)
{
    char *id = chunk_id(a, name, i);
    if (!id) return CS_ERR_NOMEM;
    struct cs_doc d;
    int rc = cs_store_get(st, a, tenant, CS_ML_BLOBS, id, &d);
    if (rc) return rc;
    const char *b64 = cs_json_get_str(d.body, "data");
    size_t got = 0;
    if (!b64 ||
        sodium_base642bin(out, want, b64, strlen(b64), NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != want)
        return CS_ERR_NOT_FOUND;
    return CS_OK;
}

int cs_ml_blob_get(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name,
                   unsigned char **buf, size_t *n)
{
    *buf = NULL;
    *n = 0;
    struct cs_doc d;
    int rc = cs_store_get(st, a, tenant, CS_ML_BLOBS, name, &d);
    if (rc) return rc;
    int64_t size = cs_json_get_int(d.body, "size", -1);
    int64_t chunks = cs_json_get_int(d.body, "chunks", -1);
    const char *hex = cs_json_get_str(d.body, "blake2b");
    unsigned char want[SUM_BYTES], sum[SUM_BYTES];
    /* the head came from the store: checked like input */
    if (size < 0 || size > (int64_t)CS_ML_BLOB_MAX ||
        chunks != (size + CS_ML_BLOB_CHUNK - 1) / CS_ML_BLOB_CHUNK || !hex ||
        strlen(hex) != 2 * SUM_BYTES ||
        sodium_hex2bin(want, sizeof(want), hex, strlen(hex), NULL, NULL, NULL) != 0)
        return CS_ERR_NOT_FOUND;
    unsigned char *b = malloc(size ? (size_t)size : 1);
    if (!b) return CS_ERR_NOMEM;
    for (int64_t i = 0; !rc && i < chunks; i++) {
        size_t off = (size_t)i * CS_ML_BLOB_CHUNK, len = (size_t)size - off;
        if (len > CS_ML_BLOB_CHUNK) len = CS_ML_BLOB_CHUNK;
        rc = get_chunk(st, a, tenant, name, (size_t)i, b + off, len);
    }
    if (!rc) {
        crypto_generichash(sum, sizeof(sum), b, (size_t)size, NULL, 0);
        if (sodium_memcmp(sum, want, sizeof(sum)) != 0) rc = CS_ERR_NOT_FOUND;
    }
    if (rc) {
        free(b);
        return rc;
    }
    *buf = b;
    *n = (size_t)size;
    return CS_OK;
}

int cs_ml_blob_drop(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name)
{
    struct cs_doc d;
    int rc = cs_store_get(st, a, tenant, CS_ML_BLOBS, name, &d);
    if (rc == CS_ERR_NOT_FOUND) return CS_OK;
    if (rc) return rc;
    int64_t chunks = cs_json_get_int(d.body, "chunks", 0);
    rc = cs_store_delete(st, tenant, CS_ML_BLOBS, name, -1);
    if (rc == CS_ERR_NOT_FOUND) rc = CS_OK;
    for (int64_t i = 0; !rc && i >= 0 && i < chunks && i < 1024; i++) {
        char *id = chunk_id(a, name, (size_t)i);
        rc = id ? cs_store_delete(st, tenant, CS_ML_BLOBS, id, -1) : CS_ERR_NOMEM;
        if (rc == CS_ERR_NOT_FOUND) rc = CS_OK;
    }
    return rc;
}
