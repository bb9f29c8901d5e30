/* Loads run-time store backends (see store_plugin.h for why, and for the host table).
 *
 * Where the plugin is looked up, first match wins:
 *   $CS_STORE_PLUGIN_DIR        when set, and then only there: an explicit choice must not
 *                               fall back to another build's plugin;
 *   <exe dir>/../lib            build/<tree>/bin/<fn> and build/<tree>/tools/<tool> find
 *                               build/<tree>/lib, so each tree loads its own build (the
 *                               sanitizer tree's plugin is built with the same flags);
 *   <exe dir>/lib               a Lambda zip: /var/task/bootstrap next to /var/task/lib;
 *   $LAMBDA_TASK_ROOT/lib       the same on Lambda when bootstrap is a wrapper elsewhere.
 * Only absolute or explicit paths go to dlopen, never a bare name: the library search
 * path (LD_LIBRARY_PATH, /etc/ld.so.cache) cannot substitute another file.
 *
 * The plugin stays loaded for the life of the process (never dlclose'd): its library
 * keeps threads and process-wide state (libmongoc's pool monitors, OpenSSL). A failed
 * load is not remembered, so every open retries and logs why; success is. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/buf.h"
#include "cs/clock.h"
#include "cs/log.h"
#include "cs/reporting.h"
#include "store/store_plugin.h"

static const struct cs_store_host host = {
    .abi = CS_STORE_PLUGIN_ABI,
    .size = sizeof(struct cs_store_host),
    .store_size = sizeof(struct cs_store),
    .ops_size = sizeof(struct cs_store_ops),
    .log_va = cs_log_va,
    .now_ms = cs_now_ms,
    .arena_alloc = cs_arena_alloc,
    .arena_strdup = cs_arena_strdup,
    .arena_strndup = cs_arena_strndup,
    .arena_vprintf = cs_arena_vprintf,
    .arena_defer = cs_arena_defer,
    .buf_init = cs_buf_init,
    .buf_append = cs_buf_append,
    .buf_str = cs_buf_str,
    .store_body_parse = cs_store_body_parse,
    .store_field_valid = cs_store_field_valid,
    .store_query_terms = cs_store_query_terms,
    .rollup_def_for = cs_rollup_def_for,
    .rollup_delta = cs_rollup_delta,
    .rollup_key_decode = cs_rollup_key_decode,
    .rp_resource_find = cs_rp_resource_find,
    .rp_field_find = cs_rp_field_find,
    .rp_time_str = cs_rp_time_str,
    .time_parse_iso = cs_time_parse_iso,
    .rp_segments_of = cs_rp_segments_of,
    .rp_import_parse = cs_rp_import_parse,
    .rp_import_check = cs_rp_import_check,
    .arena_new = cs_arena_new,
    .arena_destroy = cs_arena_destroy,
};

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static cs_store_open_fn *mongo_open; /* set once loaded; read under load_lock */

/* Why the last candidate failed, for the log line; never holds a URI. */
struct why {
    char text[512];
    char searched[PATH_MAX];
};

static void note(struct why *w, const char *text)
{
    snprintf(w->text, sizeof(w->text), "%s", text ? text : "unknown error");
}

/* Loads `dir`/`file` and runs its init. CS_ERR_NOT_FOUND when there is no such file, so
 * the search goes on; CS_ERR_CONFIG when a file is there but unusable (the search
 * stops: a broken plugin should be fixed, not shadowed by an older one). */
static int try_dir(const char *dir, const char *file, struct why *w, cs_store_open_fn **open)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= sizeof(path)) return CS_ERR_NOT_FOUND;
    size_t used = strlen(w->searched);
    snprintf(w->searched + used, sizeof(w->searched) - used, "%s%s", used ? ":" : "", dir);
    if (access(path, F_OK) != 0) {
        note(w, strerror(errno));
        return CS_ERR_NOT_FOUND;
    }
    /* RTLD_NOW: an unresolved symbol fails here, not in the middle of a request.
     * RTLD_LOCAL: the plugin's libraries stay out of the global namespace. */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        note(w, dlerror()); /* names the missing library or symbol, e.g. libmongoc */
        return CS_ERR_CONFIG;
    }
    cs_store_plugin_init_fn *init;
    /* POSIX blesses this object-to-function pointer conversion for dlsym. */
    *(void **)&init = dlsym(h, CS_STORE_PLUGIN_INIT);
    if (!init) {
        note(w, "not a store plugin (no " CS_STORE_PLUGIN_INIT ")");
        dlclose(h);
        return CS_ERR_CONFIG;
    }
    if (init(&host, open) != CS_OK || !*open) {
        note(w, "plugin built for another version of the core (ABI mismatch)");
        dlclose(h); /* init refused before starting anything */
        return CS_ERR_CONFIG;
    }
    return CS_OK;
}

/* Directory of the running executable, from /proc/self/exe. */
static int exe_dir(char *out, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n <= 0 || (size_t)n >= cap - 1) return -1;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (!slash) return -1;
    *slash = '\0';
    return 0;
}

static int search(const char *file, struct why *w, cs_store_open_fn **open)
{
    /* The plugin directory is deployment configuration like CS_STORE_URI; read here
     * rather than threaded through every caller of cs_store_open. */
    const char *dir = getenv("CS_STORE_PLUGIN_DIR");
    if (dir && *dir) return try_dir(dir, file, w, open);
    int rc = CS_ERR_NOT_FOUND;
    char exe[PATH_MAX], cand[PATH_MAX + 8];
    if (exe_dir(exe, sizeof(exe)) == 0) {
        snprintf(cand, sizeof(cand), "%s/../lib", exe);
        rc = try_dir(cand, file, w, open);
        if (rc == CS_ERR_NOT_FOUND) {
            snprintf(cand, sizeof(cand), "%s/lib", exe);
            rc = try_dir(cand, file, w, open);
        }
    }
    const char *task = getenv("LAMBDA_TASK_ROOT");
    if (rc == CS_ERR_NOT_FOUND && task && *task) {
        snprintf(cand, sizeof(cand), "%s/lib", task);
        rc = try_dir(cand, file, w, open);
    }
    return rc;
}

int cs_store_mongo_open(const char *uri, struct cs_store **out)
{
    pthread_mutex_lock(&load_lock);
    cs_store_open_fn *open = mongo_open;
    int rc = CS_OK;
    if (!open) {
        struct why w = {"", ""};
        rc = search(CS_STORE_MONGO_PLUGIN, &w, &open);
        if (rc == CS_OK) {
            mongo_open = open;
        } else {
            /* The URI is deliberately absent: it may hold a password. */
            cs_log(CS_LOG_ERROR, "store plugin not loaded", "backend", "mongodb", "plugin",
                   CS_STORE_MONGO_PLUGIN, "searched", w.searched, "reason", w.text, "hint",
                   "build it (make all) or ship it (CS_PACKAGE_STORE=mongodb ./build.sh "
                   "package); CS_STORE_PLUGIN_DIR names its directory",
                   NULL);
            rc = CS_ERR_CONFIG;
        }
    }
    pthread_mutex_unlock(&load_lock);
    return rc ? rc : open(uri, out);
}
