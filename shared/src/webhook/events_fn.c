/* Per-function figures for system_status (cs/events.h): each process counts its answers
 * per minute and writes them about once a minute, so the figures come from the store
 * wherever the function runs (FastCGI under serve, Lambda). */
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/events.h"
#include "cs/json.h"
#include "cs/log.h"
#include "cs/store.h"

#define MINUTE_MS 60000

struct minute {
    int64_t start_ms, requests, errors;
    size_t n;
    double lat[CS_EVENTS_FN_SAMPLES];
};

/* One per process: FastCGI worker threads share it under the lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct minute cur;
static int64_t last_write_ms, flush_ms = MINUTE_MS;
static char proc_tag[17];

static void init_once(int64_t now_ms)
{
    /* Read here, once, not by a handler: how often a busy process writes its minute. */
    const char *v = getenv("CS_FN_STATS_FLUSH_MS");
    char *end = NULL;
    long long ms = v && *v ? strtoll(v, &end, 10) : 0;
    if (end && *end == '\0' && ms >= 100 && ms <= MINUTE_MS) flush_ms = ms;
    unsigned char bin[8];
    randombytes_buf(bin, sizeof(bin));
    sodium_bin2hex(proc_tag, sizeof(proc_tag), bin, sizeof(bin));
    last_write_ms = now_ms; /* the first write waits a flush: no store call on request one */
}

static int write_minute(struct cs_store *st, struct cs_arena *a, const char *fn,
                        const struct minute *m, int64_t now_ms)
{
    char id[CS_STORE_ID_MAX];
    if (snprintf(id, sizeof(id), "%s.%lld.%s", fn, (long long)m->start_ms, proc_tag) >=
        (int)sizeof(id))
        return CS_ERR_INVALID;
    json_object *lat = json_object_new_array_ext((int)m->n);
    for (size_t i = 0; lat && i < m->n; i++)
        if (cs_json_push(lat, json_object_new_double(round(m->lat[i] * 1000) / 1000))) {
            json_object_put(lat);
            lat = NULL;
        }
    struct cs_jb b;
    cs_jb_init(&b, cs_json_object(a));
    cs_jb_add(&b, "latency_ms", lat);
    cs_jb_str(&b, "fn", fn);
    cs_jb_int(&b, "minute_ms", m->start_ms);
    cs_jb_int(&b, "requests", m->requests);
    cs_jb_int(&b, "errors", m->errors);
    int rc = cs_jb_done(&b);
    return rc ? rc
              : cs_store_put(st, a, CS_SYSTEM_TENANT, CS_EVENTS_FN_COLL, id, b.obj, now_ms, NULL);
}

void cs_events_fn_note(struct cs_store *st, struct cs_arena *a, const char *fn, int status,
                       double latency_ms, int64_t now_ms)
{
    if (!fn) return;
    struct minute *snap = NULL;
    int64_t start = now_ms - now_ms % MINUTE_MS;
    pthread_mutex_lock(&lock);
    if (!proc_tag[0]) init_once(now_ms);
    bool finished = cur.requests && cur.start_ms != start;
    if (finished || (cur.requests && st && now_ms - last_write_ms >= flush_ms)) {
        snap = st && a ? cs_arena_alloc(a, sizeof(*snap)) : NULL;
        if (snap) *snap = cur;
        if (snap) last_write_ms = now_ms;
    }
    if (cur.start_ms != start) cur = (struct minute){.start_ms = start};
    cur.requests++;
    if (status >= 500) cur.errors++;
    if (cur.n < CS_EVENTS_FN_SAMPLES && isfinite(latency_ms) && latency_ms >= 0)
        cur.lat[cur.n++] = latency_ms;
    pthread_mutex_unlock(&lock);
    /* Outside the lock: the other threads keep counting while this one writes. */
    if (snap && write_minute(st, a, fn, snap, now_ms) != CS_OK)
        cs_log(CS_LOG_WARN, "function figures not written", "fn", fn, NULL);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static struct cs_events_fn_figures *figures_of(struct cs_events_fn_figures *out, size_t max,
                                               size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(out[i].name, name) == 0) return &out[i];
    if (*n == max) return NULL;
    out[*n] = (struct cs_events_fn_figures){.name = name};
    return &out[(*n)++];
}

/* One stored minute added in, read like outside input. */
static int add_doc(struct cs_arena *a, const struct cs_doc *d, struct cs_events_fn_figures *out,
                   size_t max, size_t *n)
{
    const char *fn = cs_json_get_str(d->body, "fn");
    int64_t req = cs_json_get_int(d->body, "requests", -1),
            err = cs_json_get_int(d->body, "errors", -1);
    json_object *lat = NULL;
    if (!fn || req < 0 || err < 0 || err > req ||
        !json_object_object_get_ex(d->body, "latency_ms", &lat) ||
        !json_object_is_type(lat, json_type_array) ||
        json_object_array_length(lat) > CS_EVENTS_FN_SAMPLES)
        return CS_OK;
    struct cs_events_fn_figures *f = figures_of(out, max, n, fn);
    if (!f) return CS_OK;
    size_t add = json_object_array_length(lat);
    double *grown = cs_arena_alloc(a, (f->n + add + 1) * sizeof(double));
    if (!grown) return CS_ERR_NOMEM;
    if (f->n) memcpy(grown, f->lat, f->n * sizeof(double));
    f->lat = grown;
    for (size_t i = 0; i < add; i++) {
        json_object *v = json_object_array_get_idx(lat, i);
        double x = json_object_get_double(v);
        if ((json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) &&
            isfinite(x) && x >= 0)
            f->lat[f->n++] = x;
    }
    f->requests += req;
    f->errors += err;
    return CS_OK;
}

static void forget_old(struct cs_store *st, struct cs_arena *a, int64_t now_ms)
{
    struct cs_query q = {.limit = 100};
    struct cs_doc_list l;
    if (cs_query_where(&q, "minute_ms", CS_OP_LT, cs_val_int(now_ms - CS_EVENTS_FN_KEEP_MS)) ||
        cs_store_find(st, a, CS_SYSTEM_TENANT, CS_EVENTS_FN_COLL, &q, &l))
        return;
    for (size_t i = 0; i < l.n; i++) {
        int rc = cs_store_delete(st, CS_SYSTEM_TENANT, CS_EVENTS_FN_COLL, l.docs[i].id, -1);
        (void)rc; /* gone already, or the next run tries again */
    }
}

int cs_events_fn_read(struct cs_store *st, struct cs_arena *a, int64_t since_ms, int64_t now_ms,
                      struct cs_events_fn_figures *out, size_t max, size_t *n)
{
    *n = 0;
    forget_old(st, a, now_ms);
    struct cs_query q = {.limit = 1000};
    struct cs_doc_list l;
    int rc = cs_query_where(&q, "minute_ms", CS_OP_GTE, cs_val_int(since_ms));
    if (!rc) rc = cs_store_find(st, a, CS_SYSTEM_TENANT, CS_EVENTS_FN_COLL, &q, &l);
    for (size_t i = 0; !rc && i < l.n; i++) rc = add_doc(a, &l.docs[i], out, max, n);
    for (size_t i = 0; !rc && i < *n; i++)
        if (out[i].n) qsort(out[i].lat, out[i].n, sizeof(double), cmp_double);
    return rc;
}
