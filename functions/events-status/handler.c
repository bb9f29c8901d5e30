/* system_status (seed 001's real-time event): every CS_EVENTS_STATUS_MS (10 s) while
 * someone watches a tenant, that tenant's feed gets
 *   {"status":"ok"|"degraded","store":"ok"|"unavailable","queue_depth":N,
 *    "outbox":{"pending":N,"dead":N},"window_seconds":60,"requests":N,"p50_ms":x,"p99_ms":x,
 *    "functions":[{"name","healthy","requests","errors","p50_ms","p99_ms"}, ...]}
 * Per-function figures come from what the local deployment shows: a function is
 * healthy when its FastCGI socket accepts a connection (or, for a looping one, when
 * it logged within the window), and its latencies are the access-log lines of the
 * last minute in functions.log (cs/log.h: metadata only). Where neither exists (on
 * Lambda) "functions" is empty and "requests"/"p50_ms"/"p99_ms" are null: CloudWatch
 * has those figures there.
 */
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

int fn_events_status_run(struct cs_worker *w, int64_t deadline_ms,
                         const volatile sig_atomic_t *stop, json_object **summary);
int fn_events_status_init(struct cs_env *env);

#define WINDOW_MS 60000
#define MAX_TENANTS 256
#define MAX_FNS 64
#define MAX_SAMPLES 1024 /* per function per window; more are counted, not ranked */
/* The log's last MiB: ~5000 access lines, a busy minute on one host; a busier one is
 * ranked on its latest part. */
#define LOG_TAIL ((off_t)1 << 20)

static int64_t interval_ms = 10000, last_ms;

int fn_events_status_init(struct cs_env *env)
{
    const char *v = getenv("CS_EVENTS_STATUS_MS");
    char *end = NULL;
    long long n = v && *v ? strtoll(v, &end, 10) : 0;
    if (end && *end == '\0' && n >= 100 && n <= 3600000) interval_ms = n;
    (void)env;
    return 0;
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
    bool local; /* a var/run folder or log was found */
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

/* One access-log line of the window: {"ts","fn","msg":"request","status","latency_ms"}.
 * The log is read like outside input: anything else is skipped. */
static void take_line(struct status *s, struct cs_arena *a, const char *line, size_t len,
                      const char *since)
{
    if (len < 20 || !memmem(line, len, "\"msg\":\"request\"", 15)) return;
    json_tokener *tok = json_tokener_new();
    if (!tok) return;
    json_object *o = json_tokener_parse_ex(tok, line, (int)len);
    json_tokener_free(tok);
    if (!o) return;
    const char *ts = cs_json_get_str(o, "ts"), *fn = cs_json_get_str(o, "fn");
    json_object *lat;
    if (ts && fn && strcmp(ts, since) >= 0 && json_object_object_get_ex(o, "latency_ms", &lat) &&
        (json_object_is_type(lat, json_type_double) || json_object_is_type(lat, json_type_int))) {
        struct fn_stat *f = fn_of(s, a, fn);
        double v = json_object_get_double(lat);
        if (f && isfinite(v) && v >= 0) {
            f->requests++;
            if (cs_json_get_int(o, "status", 0) >= 500) f->errors++;
            if (f->n < MAX_SAMPLES) f->lat[f->n++] = v;
        }
    }
    json_object_put(o);
}

static void read_log(struct status *s, struct cs_arena *a, const char *path, int64_t now_ms)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    off_t from = fstat(fd, &st) == 0 && st.st_size > LOG_TAIL ? st.st_size - LOG_TAIL : 0;
    size_t cap = (size_t)(fstat(fd, &st) == 0 ? st.st_size - from : 0);
    char *buf = cap ? cs_arena_alloc(a, cap + 1) : NULL;
    ssize_t got = buf ? pread(fd, buf, cap, from) : -1;
    close(fd);
    if (got <= 0) return;
    s->local = true;
    char since[CS_ISO_MAX];
    cs_time_iso(now_ms - WINDOW_MS, CS_ISO_Z_MS, since);
    size_t at = 0;
    if (from > 0) { /* the first line is cut */
        const char *nl = memchr(buf, '\n', (size_t)got);
        at = nl ? (size_t)(nl - buf) + 1 : (size_t)got;
    }
    while (at < (size_t)got) {
        const char *nl = memchr(buf + at, '\n', (size_t)got - at);
        size_t len = nl ? (size_t)(nl - (buf + at)) : (size_t)got - at;
        take_line(s, a, buf + at, len, since);
        at += len + 1;
    }
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
    /* A looping function has no socket: it is healthy when it logged in the window. */
    bool healthy = f->has_socket ? f->healthy : f->requests > 0;
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
    const char *run = cs_arena_printf(a, "%s/run", var),
               *log = cs_arena_printf(a, "%s/functions.log", var);
    if (!run || !log) return CS_ERR_NOMEM;
    probe_sockets(s, a, run);
    read_log(s, a, log, now_ms);
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
    json_object_object_add(data, "window_seconds", json_object_new_int(WINDOW_MS / 1000));
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

int fn_events_status_run(struct cs_worker *w, int64_t deadline_ms,
                         const volatile sig_atomic_t *stop, json_object **summary)
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
