/* Where a tenant's lifecycle files live and how training sources are resolved and read
 * (cs/lifecycle.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/store.h"

/* Dataset ids are ours ("ds_" + hex); anything else is refused before it becomes a
 * path. */
static bool dataset_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n < 4 || n > 64 || strncmp(id, "ds_", 3) != 0) return false;
    for (const char *p = id + 3; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return false;
    return true;
}

enum cs_dataset_format cs_ml_format_of_name(const char *p)
{
    size_t n = strlen(p);
    if (n > 4 && strcmp(p + n - 4, ".csv") == 0) return CS_DATASET_CSV;
    if (n > 6 && strcmp(p + n - 6, ".jsonl") == 0) return CS_DATASET_JSONL;
    if (n > 7 && strcmp(p + n - 7, ".ndjson") == 0) return CS_DATASET_JSONL;
    return 0;
}

static int resolve_dataset(struct cs_store *st, struct cs_arena *a, const char *var_dir,
                           const char *tenant, const char *id, bool fetch, struct cs_ml_source *out,
                           const char **why)
{
    if (!dataset_id_ok(id)) {
        *why = "not a dataset id";
        return CS_ERR_VALIDATION;
    }
    struct cs_doc d;
    int rc = cs_store_get(st, a, tenant, CS_ML_DATASETS, id, &d);
    if (rc == CS_ERR_NOT_FOUND) *why = "no such dataset";
    if (rc) return rc;
    char *dir, *blob;
    rc = cs_ml_dir(a, var_dir, tenant, "datasets", false, &dir);
    if (rc) return rc;
    out->fmt = CS_DATASET_JSONL;
    out->dataset_id = id;
    out->path = cs_arena_printf(a, "%s/%s.jsonl", dir, id);
    if (!out->path || !(blob = cs_ml_blob_name(a, "ds", id))) return CS_ERR_NOMEM;
    if (access(out->path, R_OK) == 0) return CS_OK; /* uploaded on this instance */
    if (!fetch) {
        out->path = NULL;
        return CS_OK;
    }
    rc = cs_ml_blob_cached(st, a, var_dir, tenant, blob, "jsonl",
                           cs_json_get_str(d.body, "blob_blake2b"), (char **)&out->path);
    if (rc == CS_ERR_NOT_FOUND) *why = "the dataset's rows are not in the store";
    if (rc == CS_ERR_FORMAT) {
        *why = "the dataset's rows in the store are damaged (a chunk fails its checksum)";
        rc = CS_ERR_VALIDATION;
    }
    return rc;
}

/* file:// paths must resolve (symlinks followed) inside the tenant's own folder. */
static int resolve_file(struct cs_arena *a, const char *var_dir, const char *tenant,
                        const char *path, struct cs_ml_source *out, const char **why)
{
    char *dir, real_dir[PATH_MAX], real[PATH_MAX];
    int rc = cs_ml_dir(a, var_dir, tenant, NULL, false, &dir);
    if (rc) return rc;
    if (path[0] != '/' || !realpath(path, real)) {
        *why = "file not found (an absolute path inside the tenant's state folder)";
        return CS_ERR_VALIDATION;
    }
    size_t dl = realpath(dir, real_dir) ? strlen(real_dir) : 0;
    if (!dl || strncmp(real, real_dir, dl) != 0 || real[dl] != '/') {
        *why = "file is outside the tenant's state folder";
        return CS_ERR_VALIDATION;
    }
    out->fmt = cs_ml_format_of_name(real);
    if (!out->fmt) {
        *why = "file name must end in .csv, .jsonl or .ndjson";
        return CS_ERR_VALIDATION;
    }
    out->path = cs_arena_strdup(a, real);
    return out->path ? CS_OK : CS_ERR_NOMEM;
}

static int source_resolve(struct cs_store *st, struct cs_arena *a, const char *var_dir,
                          const char *tenant, const char *uri, bool fetch, struct cs_ml_source *out,
                          const char **why)
{
    memset(out, 0, sizeof(*out));
    out->uri = uri;
    *why = NULL;
    if (!uri || !*uri) {
        *why = "empty URI";
        return CS_ERR_VALIDATION;
    }
    if (strncmp(uri, "dataset://", 10) == 0)
        return resolve_dataset(st, a, var_dir, tenant, uri + 10, fetch, out, why);
    if (strncmp(uri, "ds_", 3) == 0)
        return resolve_dataset(st, a, var_dir, tenant, uri, fetch, out, why);
    if (strncmp(uri, "file://", 7) == 0) return resolve_file(a, var_dir, tenant, uri + 7, out, why);
    if (strncmp(uri, "s3://", 5) == 0) {
        *why = "s3:// sources are read when the job is created (cs_ml_s3_import)";
        return CS_ERR_VALIDATION;
    }
    *why = "unsupported URI (a dataset id, file:// or s3://)";
    return CS_ERR_VALIDATION;
}

int cs_ml_source_resolve(struct cs_store *st, struct cs_arena *a, const char *var_dir,
                         const char *tenant, const char *uri, struct cs_ml_source *out,
                         const char **why)
{
    return source_resolve(st, a, var_dir, tenant, uri, true, out, why);
}

int cs_ml_source_check(struct cs_store *st, struct cs_arena *a, const char *var_dir,
                       const char *tenant, const char *uri, struct cs_ml_source *out,
                       const char **why)
{
    return source_resolve(st, a, var_dir, tenant, uri, false, out, why);
}

int cs_ml_source_read(struct cs_arena *a, const struct cs_ml_source *src, cs_dataset_row_fn emit,
                      void *user, struct cs_dataset_stats *stats, const char **why)
{
    *why = NULL;
    int fd = open(src->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CS_ERR_IO;
    struct cs_dataset_reader *r;
    int rc = cs_dataset_reader_new(src->fmt, NULL, NULL, emit, user, &r);
    if (rc) {
        close(fd);
        return rc;
    }
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) rc = CS_ERR_IO;
        if (n <= 0) break;
        rc = cs_dataset_reader_feed(r, buf, (size_t)n);
        if (rc) break;
    }
    close(fd);
    if (!rc) rc = cs_dataset_reader_finish(r);
    if (rc == CS_ERR_VALIDATION || rc == CS_ERR_TOO_LARGE)
        *why = cs_arena_strdup(a, cs_dataset_reader_error(r));
    if (stats) *stats = *cs_dataset_reader_stats(r);
    cs_dataset_reader_destroy(r);
    return rc;
}
