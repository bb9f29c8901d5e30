/* Chunked tenant blobs in the store (cs/ml_blob.h). */
#include "cs/ml_blob.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/json.h"
#include "cs/store.h"

#define SUM_BYTES crypto_generichash_BYTES
/* Chunks per range query: a model (a few MB) comes in one, a 50 MB dataset in a few,
 * and one query's documents (~1 MB of base64 each) stay a bounded amount of memory. */
#define BATCH 8

_Static_assert(SUM_BYTES == sizeof(((struct cs_ml_blob_head *)0)->sum), "BLAKE2b-256");
_Static_assert(CS_ML_BLOB_MAX / CS_ML_BLOB_CHUNK < 10000, "chunk ids have 4 digits");

static char *chunk_id(struct cs_arena *a, const char *name, size_t i, bool padded)
{
    return padded ? cs_arena_printf(a, "%s#%04zu", name, i) : cs_arena_printf(a, "%s#%zu", name, i);
}

static int put_chunk(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name,
                     size_t i, const unsigned char *p, size_t n, int64_t now_ms)
{
    /* nettle's base64, not libsodium's: this is no secret, and sodium's constant-time
     * coder was most of a model's first load (perf: 37% in sodium_base642bin) */
    size_t len = BASE64_ENCODE_RAW_LENGTH(n);
    char *b64 = malloc(len + 1);
    if (!b64) return CS_ERR_NOMEM;
    base64_encode_raw(b64, n, p);
    b64[len] = 0;
    struct cs_jb jb;
    cs_jb_init(&jb, cs_json_object(a));
    cs_jb_str(&jb, "data", b64);
    free(b64);
    char *id = chunk_id(a, name, i, true);
    int rc = cs_jb_done(&jb);
    if (!rc && !id) rc = CS_ERR_NOMEM;
    if (!rc) rc = cs_store_put(st, a, tenant, CS_ML_BLOBS, id, jb.obj, now_ms, NULL);
    return rc;
}

int cs_ml_blob_put_sum(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       const char *name, const void *buf, size_t n, int64_t now_ms, char *out_hex)
{
    if (n > CS_ML_BLOB_MAX) return CS_ERR_TOO_LARGE;
    const unsigned char *p = buf;
    size_t chunks = (n + CS_ML_BLOB_CHUNK - 1) / CS_ML_BLOB_CHUNK;
    /* The head goes first to absent and last to the new sum: a reader in between sees
     * no blob rather than the old head over new chunks. */
    int rc = cs_store_delete(st, tenant, CS_ML_BLOBS, name, -1);
    if (rc == CS_ERR_NOT_FOUND) rc = CS_OK;
    /* Each chunk's document in a scratch arena let go after its write: a 50 MB dataset
     * would otherwise hold every chunk's JSON until the caller's arena is reset. */
    struct cs_arena *scratch = rc ? NULL : cs_arena_new(0);
    if (!rc && !scratch) rc = CS_ERR_NOMEM;
    for (size_t i = 0; !rc && i < chunks; i++) {
        size_t len = n - i * CS_ML_BLOB_CHUNK;
        if (len > CS_ML_BLOB_CHUNK) len = CS_ML_BLOB_CHUNK;
        rc = put_chunk(st, scratch, tenant, name, i, p + i * CS_ML_BLOB_CHUNK, len, now_ms);
        cs_arena_reset(scratch);
    }
    cs_arena_destroy(scratch);
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
    cs_jb_int(&jb, "ids", 2);
    rc = cs_jb_done(&jb);
    if (!rc) rc = cs_store_put(st, a, tenant, CS_ML_BLOBS, name, jb.obj, now_ms, NULL);
    if (!rc && out_hex) memcpy(out_hex, hex, sizeof(hex));
    return rc;
}

int cs_ml_blob_put(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name,
                   const void *buf, size_t n, int64_t now_ms)
{
    return cs_ml_blob_put_sum(st, a, tenant, name, buf, n, now_ms, NULL);
}

int cs_ml_blob_head_parse(json_object *body, struct cs_ml_blob_head *h)
{
    memset(h, 0, sizeof(*h));
    if (!json_object_is_type(body, json_type_object)) return CS_ERR_FORMAT;
    h->size = cs_json_get_int(body, "size", -1);
    h->chunks = cs_json_get_int(body, "chunks", -1);
    int64_t ids = cs_json_get_int(body, "ids", 1);
    const char *hex = cs_json_get_str(body, "blake2b");
    size_t hl = hex ? strlen(hex) : 0;
    if (h->size < 0 || h->size > (int64_t)CS_ML_BLOB_MAX ||
        h->chunks != (h->size + CS_ML_BLOB_CHUNK - 1) / CS_ML_BLOB_CHUNK ||
        (ids != 1 && ids != 2) || hl != 2 * SUM_BYTES ||
        sodium_hex2bin(h->sum, sizeof(h->sum), hex, hl, NULL, NULL, NULL) != 0)
        return CS_ERR_FORMAT;
    h->padded = ids == 2;
    /* Re-encoded, so the hex used as a file name is exactly ours (lower case). */
    sodium_bin2hex(h->hex, sizeof(h->hex), h->sum, sizeof(h->sum));
    return CS_OK;
}

int cs_ml_blob_head_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const char *name, struct cs_ml_blob_head *out)
{
    struct cs_doc d;
    int rc = cs_store_get(st, a, tenant, CS_ML_BLOBS, name, &d);
    return rc ? rc : cs_ml_blob_head_parse(d.body, out);
}

struct reader {
    const struct cs_ml_blob_head *h;
    crypto_generichash_state hs;
    unsigned char *buf; /* one decoded chunk */
    cs_ml_blob_sink sink;
    void *user;
};

/* Chunk i's document decoded, hashed and handed on: exactly its length, else FORMAT. */
static int take_chunk(struct reader *r, const struct cs_doc *d, const char *want_id, size_t i)
{
    size_t want = (size_t)r->h->size - i * CS_ML_BLOB_CHUNK, got = 0;
    if (want > CS_ML_BLOB_CHUNK) want = CS_ML_BLOB_CHUNK;
    const char *b64 = cs_json_get_str(d->body, "data");
    size_t len = b64 ? strlen(b64) : 0;
    /* exactly the encoding of `want` bytes, so the decoder stays inside r->buf */
    if (!d->id || strcmp(d->id, want_id) != 0 || len != BASE64_ENCODE_RAW_LENGTH(want))
        return CS_ERR_FORMAT;
    struct base64_decode_ctx dc;
    base64_decode_init(&dc);
    got = BASE64_DECODE_LENGTH(len);
    if (!base64_decode_update(&dc, &got, r->buf, len, b64) || !base64_decode_final(&dc) ||
        got != want)
        return CS_ERR_FORMAT;
    crypto_generichash_update(&r->hs, r->buf, want);
    return r->sink(r->user, r->buf, want);
}

/* Chunks [lo, hi) in one query by id range (padded ids sort by index). */
static int read_batch(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name,
                      struct reader *r, size_t lo, size_t hi)
{
    char *from = chunk_id(a, name, lo, true), *to = chunk_id(a, name, hi, true);
    if (!from || !to) return CS_ERR_NOMEM;
    struct cs_query q = {.sort = "_id", .limit = (int64_t)(hi - lo)};
    struct cs_doc_list l;
    int rc = cs_query_where(&q, "_id", CS_OP_GTE, cs_val_str(from));
    if (!rc) rc = cs_query_where(&q, "_id", CS_OP_LT, cs_val_str(to));
    if (!rc) rc = cs_store_find(st, a, tenant, CS_ML_BLOBS, &q, &l);
    if (!rc && l.n != hi - lo) rc = CS_ERR_FORMAT; /* a chunk is missing */
    for (size_t i = lo; !rc && i < hi; i++) {
        char *id = chunk_id(a, name, i, true);
        rc = id ? take_chunk(r, &l.docs[i - lo], id, i) : CS_ERR_NOMEM;
    }
    return rc;
}

/* Older heads' unpadded ids do not sort by index: one point read per chunk. */
static int read_one(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name,
                    struct reader *r, size_t i)
{
    char *id = chunk_id(a, name, i, false);
    if (!id) return CS_ERR_NOMEM;
    struct cs_doc d;
    int rc = cs_store_get(st, a, tenant, CS_ML_BLOBS, id, &d);
    if (rc == CS_ERR_NOT_FOUND) return CS_ERR_FORMAT;
    return rc ? rc : take_chunk(r, &d, id, i);
}

int cs_ml_blob_read(struct cs_store *st, const char *tenant, const char *name,
                    const struct cs_ml_blob_head *h, cs_ml_blob_sink sink, void *user)
{
    struct reader r = {.h = h, .sink = sink, .user = user};
    /* A private arena per batch: a large blob's documents are let go as they are used. */
    struct cs_arena *a = cs_arena_new(0);
    r.buf = malloc(BASE64_DECODE_LENGTH(BASE64_ENCODE_RAW_LENGTH(CS_ML_BLOB_CHUNK)));
    int rc = a && r.buf ? CS_OK : CS_ERR_NOMEM;
    if (!rc) crypto_generichash_init(&r.hs, NULL, 0, SUM_BYTES);
    size_t n = (size_t)h->chunks, step = h->padded ? BATCH : 1;
    for (size_t lo = 0; !rc && lo < n; lo += step) {
        size_t hi = lo + step < n ? lo + step : n;
        rc = h->padded ? read_batch(st, a, tenant, name, &r, lo, hi)
                       : read_one(st, a, tenant, name, &r, lo);
        cs_arena_reset(a);
    }
    unsigned char sum[SUM_BYTES];
    if (!rc) {
        crypto_generichash_final(&r.hs, sum, sizeof(sum));
        if (sodium_memcmp(sum, h->sum, sizeof(sum)) != 0) rc = CS_ERR_FORMAT;
    }
    free(r.buf);
    cs_arena_destroy(a);
    return rc;
}

struct membuf {
    unsigned char *p;
    size_t n;
};

static int to_mem(void *user, const unsigned char *p, size_t n)
{
    struct membuf *m = user;
    memcpy(m->p + m->n, p, n); /* the reader never hands more than the head's size */
    m->n += n;
    return CS_OK;
}

int cs_ml_blob_get(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name,
                   unsigned char **buf, size_t *n)
{
    *buf = NULL;
    *n = 0;
    struct cs_ml_blob_head h;
    int rc = cs_ml_blob_head_get(st, a, tenant, name, &h);
    if (rc == CS_ERR_FORMAT) return CS_ERR_NOT_FOUND;
    if (rc) return rc;
    struct membuf m = {.p = malloc(h.size ? (size_t)h.size : 1)};
    if (!m.p) return CS_ERR_NOMEM;
    rc = cs_ml_blob_read(st, tenant, name, &h, to_mem, &m);
    if (rc) {
        free(m.p);
        return rc == CS_ERR_FORMAT ? CS_ERR_NOT_FOUND : rc;
    }
    *buf = m.p;
    *n = m.n;
    return CS_OK;
}

static int to_fd(void *user, const unsigned char *p, size_t n)
{
    int fd = *(int *)user;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return CS_ERR_IO;
        p += w;
        n -= (size_t)w;
    }
    return CS_OK;
}

int cs_ml_blob_fetch_file(struct cs_store *st, const char *tenant, const char *name,
                          const struct cs_ml_blob_head *h, const char *path)
{
    char tmp[4096];
    /* pid and thread-unique address: two fetchers of one blob never share a temp file */
    int len = snprintf(tmp, sizeof(tmp), "%s.%ld.%p.tmp", path, (long)getpid(), (void *)&tmp);
    if (len < 0 || (size_t)len >= sizeof(tmp)) return CS_ERR_INVALID;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return CS_ERR_IO;
    int rc = cs_ml_blob_read(st, tenant, name, h, to_fd, &fd);
    if (close(fd) != 0 && !rc) rc = CS_ERR_IO;
    if (!rc && rename(tmp, path) != 0) rc = CS_ERR_IO;
    if (rc) unlink(tmp);
    return rc;
}

int cs_ml_blob_drop(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name)
{
    struct cs_doc d;
    int rc = cs_store_get(st, a, tenant, CS_ML_BLOBS, name, &d);
    if (rc == CS_ERR_NOT_FOUND) return CS_OK;
    if (rc) return rc;
    int64_t chunks = cs_json_get_int(d.body, "chunks", 0);
    bool padded = cs_json_get_int(d.body, "ids", 1) == 2;
    rc = cs_store_delete(st, tenant, CS_ML_BLOBS, name, -1);
    if (rc == CS_ERR_NOT_FOUND) rc = CS_OK;
    for (int64_t i = 0; !rc && i >= 0 && i < chunks && i < 1024; i++) {
        char *id = chunk_id(a, name, (size_t)i, padded);
        rc = id ? cs_store_delete(st, tenant, CS_ML_BLOBS, id, -1) : CS_ERR_NOMEM;
        if (rc == CS_ERR_NOT_FOUND) rc = CS_OK;
    }
    return rc;
}
