/* A tenant's dataset being written (cs/lifecycle.h): rows stream through the validating
 * reader (cs/dataset.h) into a normalised JSON Lines file, hashed as it is written, then
 * become a CS_ML_DATASETS document; or everything is dropped. Uploads (ai-datasets)
 * and s3:// sources (ai-training) go through this one path, so both are checked alike. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/ml_blob.h"
#include "cs/store.h"

struct cs_ml_ingest {
    FILE *f;
    crypto_hash_sha256_state sha;
    struct cs_dataset_reader *r;
    enum cs_dataset_format fmt;
    char *tmp, *final; /* arena */
    const char *id;
    bool renamed;
    char err[CS_DATASET_ERR_MAX];
};

/* One normalised row: {"text":...,"label":...}\n, escaped by json-c. */
static int write_row(void *user, const char *text, size_t tl, const char *label, size_t ll)
{
    struct cs_ml_ingest *g = user;
    json_object *o = json_object_new_object();
    if (!o) return CS_ERR_NOMEM;
    json_object_object_add(o, "text", json_object_new_string_len(text, (int)tl));
    json_object_object_add(o, "label", json_object_new_string_len(label, (int)ll));
    size_t n;
    const char *line = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    int rc = line && fwrite(line, 1, n, g->f) == n && fputc('\n', g->f) != EOF ? CS_OK : CS_ERR_IO;
    if (!rc) {
        crypto_hash_sha256_update(&g->sha, (const unsigned char *)line, n);
        crypto_hash_sha256_update(&g->sha, (const unsigned char *)"\n", 1);
    }
    json_object_put(o);
    return rc;
}

int cs_ml_ingest_begin(struct cs_arena *a, const char *var_dir, const char *tenant, const char *id,
                       enum cs_dataset_format fmt, const char *text_col, const char *label_col,
                       struct cs_ml_ingest **out)
{
    *out = NULL;
    char *dir;
    int rc = cs_ml_dir(a, var_dir, tenant, "datasets", true, &dir);
    if (rc) return rc;
    struct cs_ml_ingest *g = calloc(1, sizeof(*g));
    if (!g) return CS_ERR_NOMEM;
    g->fmt = fmt;
    g->id = id;
    g->tmp = cs_arena_printf(a, "%s/.%s.tmp", dir, id);
    g->final = cs_arena_printf(a, "%s/%s.jsonl", dir, id);
    rc = g->tmp && g->final ? CS_OK : CS_ERR_NOMEM;
    if (!rc) rc = cs_dataset_reader_new(fmt, text_col, label_col, write_row, g, &g->r);
    if (!rc) {
        int fd = open(g->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        g->f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!g->f) {
            if (fd >= 0) close(fd);
            rc = CS_ERR_IO;
        }
    }
    if (rc) {
        cs_dataset_reader_destroy(g->r);
        free(g);
        return rc;
    }
    crypto_hash_sha256_init(&g->sha);
    *out = g;
    return CS_OK;
}

int cs_ml_ingest_feed(struct cs_ml_ingest *g, const char *p, size_t n)
{
    return cs_dataset_reader_feed(g->r, p, n);
}

const char *cs_ml_ingest_error(const struct cs_ml_ingest *g)
{
    return g->err[0] ? g->err : cs_dataset_reader_error(g->r);
}

const struct cs_dataset_stats *cs_ml_ingest_stats(const struct cs_ml_ingest *g)
{
    return cs_dataset_reader_stats(g->r);
}

int cs_ml_ingest_finish(struct cs_ml_ingest *g)
{
    int rc = cs_dataset_reader_finish(g->r);
    if (fflush(g->f) != 0 || fsync(fileno(g->f)) != 0) rc = rc ? rc : CS_ERR_IO;
    if (fclose(g->f) != 0 && !rc) rc = CS_ERR_IO;
    g->f = NULL;
    if (!rc && rename(g->tmp, g->final) != 0) rc = CS_ERR_IO;
    g->renamed = rc == CS_OK;
    return rc;
}

static json_object *distribution(const struct cs_dataset_stats *s)
{
    json_object *o = json_object_new_object();
    for (uint32_t i = 0; o && i < s->n_labels; i++)
        json_object_object_add(o, s->label[i].name,
                               json_object_new_int64((int64_t)s->label[i].count));
    return o;
}

/* A failed commit keeps nothing in the store either; rc (the failure) is what counts. */
static int undo_blob(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *blob,
                     int rc)
{
    int dropped = cs_ml_blob_drop(st, a, tenant, blob);
    return rc ? rc : dropped;
}

int cs_ml_ingest_commit(struct cs_store *st, struct cs_arena *a, struct cs_ml_ingest *g,
                        const char *tenant, const char *name, const char *source_uri,
                        int64_t now_ms, struct cs_doc *out)
{
    if (!g->renamed) return CS_ERR_INVALID;
    unsigned char digest[32];
    char hex[65], iso[32], blob_hex[65];
    /* The rows go to the store first and the document last: a dataset that is listed
     * can be read by every instance. */
    char *blob = cs_ml_blob_name(a, "ds", g->id);
    if (!blob) return CS_ERR_NOMEM;
    int rc = cs_ml_blob_put_file(st, a, tenant, blob, g->final, now_ms, blob_hex);
    if (rc) return undo_blob(st, a, tenant, blob, rc);
    crypto_hash_sha256_final(&g->sha, digest);
    sodium_bin2hex(hex, sizeof(hex), digest, 32);
    cs_ml_iso(now_ms, iso, sizeof(iso));
    const struct cs_dataset_stats *s = cs_ml_ingest_stats(g);
    struct cs_jb b;
    cs_jb_init(&b, cs_json_object(a));
    cs_jb_str(&b, "name", name ? name : g->id);
    cs_jb_str(&b, "format", g->fmt == CS_DATASET_CSV ? "csv" : "jsonl");
    cs_jb_int(&b, "row_count", (int64_t)s->rows);
    cs_jb_add(&b, "label_distribution", distribution(s));
    cs_jb_int(&b, "bytes", (int64_t)s->bytes);
    char *sum = cs_arena_printf(a, "sha256:%s", hex);
    char *uri = cs_arena_printf(a, "dataset://%s", g->id);
    if (!sum || !uri) cs_jb_add(&b, "checksum", NULL); /* a failed allocation */
    cs_jb_str(&b, "checksum", sum);
    cs_jb_str(&b, "training_data_uri", uri);
    if (source_uri) cs_jb_str(&b, "source_uri", source_uri);
    cs_jb_str(&b, "created_at", iso);
    cs_jb_str(&b, "blob_blake2b", blob_hex);
    rc = cs_jb_done(&b);
    if (!rc) rc = cs_store_insert(st, a, tenant, CS_ML_DATASETS, g->id, b.obj, NULL, now_ms, out);
    if (rc) return undo_blob(st, a, tenant, blob, rc);
    g->renamed = false; /* kept: cs_ml_ingest_end leaves the file */
    return CS_OK;
}

void cs_ml_ingest_end(struct cs_ml_ingest *g)
{
    if (!g) return;
    if (g->f) fclose(g->f);
    unlink(g->tmp);
    if (g->renamed) unlink(g->final); /* finished but never recorded: nothing is kept */
    cs_dataset_reader_destroy(g->r);
    free(g);
}
