/* Datasets and trained models kept in the store as tenant blobs (cs/ml_blob.h), with a
 * per-instance copy in the state folder (cs/lifecycle.h): whatever instance uploaded or
 * trained, any instance with the store can train from a dataset or serve a model. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/lifecycle.h"
#include "cs/ml_blob.h"

char *cs_ml_blob_name(struct cs_arena *a, const char *kind, const char *id)
{
    return cs_arena_printf(a, "%s/%s", kind, id);
}

int cs_ml_blob_put_file(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const char *name, const char *path, int64_t now_ms, char *hex)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CS_ERR_IO;
    struct stat sb;
    int rc = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? CS_OK : CS_ERR_IO;
    if (!rc && (uint64_t)sb.st_size > CS_ML_BLOB_MAX) rc = CS_ERR_TOO_LARGE;
    size_t n = rc ? 0 : (size_t)sb.st_size;
    void *p = NULL;
    if (!rc && n) {
        p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) p = NULL, rc = CS_ERR_IO;
    }
    close(fd);
    if (!rc) rc = cs_ml_blob_put_sum(st, a, tenant, name, n ? p : "", n, now_ms, hex);
    if (p) munmap(p, n);
    return rc;
}

/* A sum as a file name: exactly 64 lower-case hex digits (it may come from a document). */
static bool sum_hex_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n != CS_ML_BLOB_SUM_HEX) return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return false;
    return true;
}

static int used(const char *path)
{
    cs_ml_cache_touch(path);
    return CS_OK;
}

int cs_ml_blob_cached(struct cs_store *st, struct cs_arena *a, const char *var_dir,
                      const char *tenant, const char *name, const char *ext, const char *hint,
                      char **path)
{
    char *dir;
    int rc = cs_ml_dir(a, var_dir, tenant, "cache", true, &dir);
    if (rc) return rc;
    /* The copy is named by its sum and only ever renamed into place after the sum
     * checked, so a copy under the expected sum needs no store read at all. */
    if (sum_hex_ok(hint)) {
        *path = cs_arena_printf(a, "%s/%s.%s", dir, hint, ext);
        if (!*path) return CS_ERR_NOMEM;
        if (access(*path, R_OK) == 0) return used(*path);
    }
    struct cs_ml_blob_head h;
    rc = cs_ml_blob_head_get(st, a, tenant, name, &h);
    if (rc) return rc;
    *path = cs_arena_printf(a, "%s/%s.%s", dir, h.hex, ext);
    if (!*path) return CS_ERR_NOMEM;
    if (access(*path, R_OK) == 0) return used(*path);
    rc = cs_ml_blob_fetch_file(st, tenant, name, &h, *path);
    if (!rc) cs_ml_cache_prune(var_dir, *path, cs_ml_cache_cap());
    return rc;
}
