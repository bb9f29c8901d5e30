/* system_status (seed 001's real-time event): every CS_EVENTS_STATUS_MS (10 s) while
 * someone watches a tenant, that tenant's feed gets
 *   {"status":"ok"|"degraded","store":"ok"|"unavailable","queue_depth":N,
 *    "outbox":{"pending":N,"dead":N},"window_seconds":60,"requests":N,"p50_ms":x,"p99_ms":x,
 *    "functions":[{"name","healthy","requests","errors","p50_ms","p99_ms"}, ...]}
 * Per-function figures are what every process of every function wrote to the store
 * (cs_events_fn_note, cs/events.h) for the current and the previous minute, the same
 * on Lambda as under serve. Under serve a function is healthy when its FastCGI socket
 * accepts a connection; elsewhere (Lambda, looping functions) when it answered within
 * the window with fewer 5xx than answers.
 */
#include "handler.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/events.h"
#include "cs/json.h"
#include "cs/review.h"
#include "cs/store.h"

#define WINDOW_MS 60000
#define MAX_TENANTS 256
#define MAX_FNS 64
#define MAX_SAMPLES 4096 /* per function per window; more are counted, not ranked */

static int64_t interval_ms = 10000, last_ms;

static const char *getenv_ro(const char *name) { return getenv(name); }

CS_INIT(fn_events_status_init)
{
    const char *v = getenv("CS_EVENTS_STATUS_MS");
    char *end = NULL;
    long long n = v && *v ? strtoll(v, &end, 10) : 0;
    if (end && *end == '\0' && n >= 100 && n <= 3600000) interval_ms = n;
    (void)env;
    /* Publishing sweeps the feed behind it (cs/events.h retention). */
    const char *why = NULL;
    return cs_events_retention_load(getenv_ro, &why);
}

struct fn_stat {
    char name[64];
    bool has_socket, healthy;
    size_t requests, errors, n;
    double *lat; /* MAX_SAMPLES, in the run's arena */
};

struct status {
    struct fn_stat fns[MAX_FNS];
    size_t nfns;
    bool local; /* figures were read (or a var/run folder found) */
};

static struct fn_stat *fn_of(struct status *s, struct cs_arena *a, const char *name)
{
    for (size_t i = 0; i < s->nfns; i++)
        if (strcmp(s->fns[i].name, name) == 0) return &s->fns[i];
    if (s->nfns == MAX_FNS || strlen(name) >= sizeof(s->fns[0].name)) return NULL;
    struct fn_stat *f = &s->fns[s->nfns];
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "%s", name);
    if (!(f->lat = cs_arena_alloc(a, MAX_SAMPLES * sizeof(double)))) return NULL;
    s->nfns++;
    return f;
}

static bool socket_accepts(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) return false;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

/* Every FastCGI socket in var/run is one function serving. */
static void probe_sockets(struct status *s, struct cs_arena *a, const char *run_dir)
{
    DIR *d = opendir(run_dir);
    if (!d) return;
    s->local = true;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".sock") != 0) continue;
        char name[64];
        if (n - 5 >= sizeof(name)) continue;
        memcpy(name, e->d_name, n - 5);
        name[n - 5] = '\0';
        struct fn_stat *f = fn_of(s, a, name);
        const char *path = cs_arena_printf(a, "%s/%s", run_dir, e->d_name);
        if (!f || !path) continue;
        f->has_socket = true;
        f->healthy = socket_accepts(path);
    }
    closedir(d);
}

/* The figures every process wrote for the minutes since since_ms (cs/events.h). */
static int read_figures(struct status *s, struct cs_worker *w, int64_t since_ms, int64_t now_ms)
{
    struct cs_events_fn_figures *f = cs_arena_alloc(w->arena, MAX_FNS * sizeof(*f));
    size_t n = 0;
    int rc =
        f ? cs_events_fn_read(w->store, w->arena, since_ms, now_ms, f, MAX_FNS, &n) : CS_ERR_NOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        struct fn_stat *x = fn_of(s, w->arena, f[i].name);
        if (!x) continue;
        x->requests += (size_t)f[i].requests;
        x->errors += (size_t)f[i].errors;
        size_t take = f[i].n < MAX_SAMPLES - x->n ? f[i].n : MAX_SAMPLES - x->n;
        memcpy(x->lat + x->n, f[i].lat, take * sizeof(double));
        x->n += take;
    }
    if (!rc) s->local = true;
    return rc;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Nearest rank, as cs_store_quantiles. */
static double quantile(double *v, size_t n, double q)
{
    size_t k = (size_t)ceil(q * (double)n);
    return v[k ? k - 1 : 0];
}

static json_object *fn_json(struct fn_stat *f)
{
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    qsort(f->lat, f->n, sizeof(double), cmp_double);
    /* Without a socket to probe (Lambda, a looping function): healthy when it answered in
     * the window, not only with 5xx. */
    bool healthy = f->has_socket ? f->healthy : f->requests > f->errors;
    json_object_object_add(o, "name", json_object_new_string(f->name));
    json_object_object_add(o, "healthy", json_object_new_boolean(healthy));
    json_object_object_add(o, "requests", json_object_new_int64((int64_t)f->requests));
    json_object_object_add(o, "errors", json_object_new_int64((int64_t)f->errors));
    json_object_object_add(
        o, "p50_ms",
        f->n ? json_object_new_double(round(quantile(f->lat, f->n, 0.5) * 1000) / 1000) : NULL);
    json_object_object_add(
        o, "p99_ms",
        f->n ? json_object_new_double(round(quantile(f->lat, f->n, 0.99) * 1000) / 1000) : NULL);
    return o;
}

/* The deployment-wide part, the same for every tenant. */
static int system_part(struct cs_worker *w, int64_t now_ms, json_object *data, bool *degraded)
{
    struct cs_arena *a = w->arena;
    struct status *s = cs_arena_alloc(a, sizeof(*s));
    if (!s) return CS_ERR_NOMEM;
    memset(s, 0, sizeof(*s));
    const char *var = w->env->cfg.var_dir;
    const char *run = cs_arena_printf(a, "%s/run", var);
    if (!run) return CS_ERR_NOMEM;
    probe_sockets(s, a, run);
    /* The current minute so far and the whole one before it. */
    int64_t since = now_ms - now_ms % WINDOW_MS - WINDOW_MS;
    int rc = read_figures(s, w, since, now_ms);
    (void)rc; /* no figures then; the tenant part reports the store "unavailable" */
    size_t total = 1;
    for (size_t i = 0; i < s->nfns; i++) total += s->fns[i].n;
    json_object *fns = json_object_new_array();
    double *all = cs_arena_alloc(a, total * sizeof(double));
    if (!fns || !all) {
        json_object_put(fns);
        return CS_ERR_NOMEM;
    }
    size_t nall = 0, requests = 0;
    for (size_t i = 0; i < s->nfns; i++) {
        memcpy(all + nall, s->fns[i].lat, s->fns[i].n * sizeof(double));
        nall += s->fns[i].n;
        requests += s->fns[i].requests;
        json_object *f = fn_json(&s->fns[i]);
        if (f && !json_object_get_boolean(json_object_object_get(f, "healthy")) &&
            s->fns[i].has_socket)
            *degraded = true;
        if (f) json_object_array_add(fns, f);
    }
    qsort(all, nall, sizeof(double), cmp_double);
    json_object_object_add(data, "window_seconds",
                           json_object_new_int((int)((now_ms - since) / 1000)));
    json_object_object_add(data, "requests",
                           s->local ? json_object_new_int64((int64_t)requests) : NULL);
    json_object_object_add(
        data, "p50_ms",
        nall ? json_object_new_double(round(quantile(all, nall, 0.5) * 1000) / 1000) : NULL);
    json_object_object_add(
        data, "p99_ms",
        nall ? json_object_new_double(round(quantile(all, nall, 0.99) * 1000) / 1000) : NULL);
    json_object_object_add(data, "functions", fns);
    return CS_OK;
}

static int tenant_status(struct cs_worker *w, const char *tenant, json_object *sys, bool degraded,
                         int64_t now_ms)
{
    struct cs_filter queued = {"status", CS_OP_EQ, cs_val_str("queued")};
    int64_t depth = 0, open = 0, done = 0, dead = 0;
    int rc = cs_store_count(w->store, tenant, CS_REVIEW_COLL, &queued, 1, &depth);
    if (!rc) rc = cs_store_outbox_stats(w->store, tenant, NULL, &open, &done, &dead);
    json_object *d = NULL, *ob = json_object_new_object();
    if (!ob || json_object_deep_copy(sys, &d, NULL) != 0) {
        json_object_put(ob);
        json_object_put(d);
        return CS_ERR_NOMEM;
    }
    json_object_object_add(d, "status", json_object_new_string(rc || degraded ? "degraded" : "ok"));
    json_object_object_add(d, "store", json_object_new_string(rc ? "unavailable" : "ok"));
    json_object_object_add(d, "queue_depth", rc ? NULL : json_object_new_int64(depth));
    json_object_object_add(ob, "pending", json_object_new_int64(open));
    json_object_object_add(ob, "dead", json_object_new_int64(dead));
    json_object_object_add(d, "outbox", ob);
    int prc = cs_events_publish(w->store, w->arena, tenant, "system_status", d, now_ms);
    json_object_put(d);
    return prc;
}

CS_RUN(fn_events_status_run)
{
    (void)deadline_ms;
    int64_t now_ms = w->env->now_ms();
    json_object *o = cs_json_object(w->arena);
    if (!o) return CS_ERR_NOMEM;
    *summary = o;
    /* --loop calls about once a second; a scheduled invocation always publishes. */
    if (stop && last_ms && now_ms - last_ms < interval_ms)
        return cs_json_add_int(o, "published", 0);
    last_ms = now_ms;
    const char **tenants = cs_arena_alloc(w->arena, MAX_TENANTS * sizeof(*tenants));
    size_t n = 0;
    int rc = tenants ? cs_events_watched(w->store, w->arena, now_ms - 2 * WINDOW_MS, tenants,
                                         MAX_TENANTS, &n)
                     : CS_ERR_NOMEM;
    json_object *sys = rc || n == 0 ? NULL : cs_json_object(w->arena);
    bool degraded = false;
    if (!rc && n && !sys) rc = CS_ERR_NOMEM;
    if (!rc && n) rc = system_part(w, now_ms, sys, &degraded);
    size_t published = 0;
    for (size_t i = 0; !rc && i < n && !(stop && *stop); i++) {
        rc = tenant_status(w, tenants[i], sys, degraded, now_ms);
        if (!rc) published++;
    }
    int arc = cs_json_add_int(o, "published", (int64_t)published);
    return rc ? rc : arc;
}
