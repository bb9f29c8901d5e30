/* This instance's copies of stored blobs (<var>/ml/<tenant>/cache/<sum>.<ext>) kept
 * under a size cap. Without one, a long-lived instance keeps a copy of every model
 * version and dataset it ever fetched, and on Lambda the state folder is /tmp, 512 MB
 * by default: a tenant retraining daily would fill it and every fetch would then fail.
 * Copies are named by their sum and checked before they are renamed into place, so
 * removing one only costs a fetch later; a process that has one mapped keeps its pages
 * (unlink does not touch a mapping). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cs/lifecycle.h"
#include "cs/ml_blob.h"

#define CACHE_FILES_MAX 4096 /* a folder with more is pruned over several fetches */

struct copy {
    char path[PATH_MAX];
    struct timespec used; /* mtime: set when written and when a process opens the copy */
    off_t size;
};

int64_t cs_ml_cache_cap(void)
{
    const char *v = getenv("CS_ML_CACHE_MAX_BYTES");
    if (!v || !*v) return CS_ML_CACHE_MAX_DEFAULT;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    return errno || *end || n < 0 ? CS_ML_CACHE_MAX_DEFAULT : (int64_t)n;
}

/* "<64 hex>.<ext>": a finished copy; fetches in progress end in ".tmp" and are left. */
static bool copy_name(const char *name)
{
    size_t i = 0;
    for (; name[i] && i < CS_ML_BLOB_SUM_HEX; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    return i == CS_ML_BLOB_SUM_HEX && name[i] == '.' && !strstr(name + i, ".tmp");
}

static void collect_dir(const char *dir, struct copy *c, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while (*n < CACHE_FILES_MAX && (e = readdir(d))) {
        if (!copy_name(e->d_name)) continue;
        struct copy *k = &c[*n];
        struct stat sb;
        int len = snprintf(k->path, sizeof k->path, "%s/%s", dir, e->d_name);
        if (len < 0 || (size_t)len >= sizeof k->path || stat(k->path, &sb) != 0 ||
            !S_ISREG(sb.st_mode))
            continue;
        k->used = sb.st_mtim;
        k->size = sb.st_size;
        (*n)++;
    }
    closedir(d);
}

/* Every tenant's cache folder under <var>/ml: the cap is the instance's, not a tenant's. */
static void collect(const char *var_dir, struct copy *c, size_t *n)
{
    char ml[PATH_MAX];
    int len = snprintf(ml, sizeof ml, "%s/ml", var_dir);
    if (len < 0 || (size_t)len >= sizeof ml) return;
    DIR *d = opendir(ml);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char cache[PATH_MAX];
        len = snprintf(cache, sizeof cache, "%s/%s/cache", ml, e->d_name);
        if (len > 0 && (size_t)len < sizeof cache) collect_dir(cache, c, n);
    }
    closedir(d);
}

static int oldest_first(const void *a, const void *b)
{
    const struct copy *x = a, *y = b;
    if (x->used.tv_sec != y->used.tv_sec) return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
    if (x->used.tv_nsec != y->used.tv_nsec) return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
    return strcmp(x->path, y->path);
}

size_t cs_ml_cache_prune(const char *var_dir, const char *keep, int64_t cap)
{
    if (!var_dir) return 0;
    struct copy *c = malloc(CACHE_FILES_MAX * sizeof *c);
    if (!c) return 0; /* pruning is housekeeping: the next fetch tries again */
    size_t n = 0, removed = 0;
    collect(var_dir, c, &n);
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) total += c[i].size;
    qsort(c, n, sizeof *c, oldest_first);
    for (size_t i = 0; i < n && total > cap; i++) {
        if (keep && strcmp(c[i].path, keep) == 0) continue;
        if (unlink(c[i].path) == 0 || errno == ENOENT) {
            total -= c[i].size;
            removed++;
        }
    }
    free(c);
    return removed;
}

void cs_ml_cache_touch(const char *path)
{
    /* Best effort: a copy whose time cannot be set is only pruned a little earlier. */
    (void)utimensat(AT_FDCWD, path, NULL, 0);
}
