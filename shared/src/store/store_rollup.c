/* Rollups: definitions, one document's contribution, and the exact reads that combine
 * the whole hours of a range (backend rows) with the documents of its partial hours
 * (backend scan). See store_rollup.h and cs/store.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "store/store_int.h"
#include "store/store_rollup.h"

/* Compiled in, not registered at run time: every process that writes one of these
 * collections must keep its rollups, whichever function it serves. */
static const struct cs_rollup_def defs[] = {
    /* tickets-process's results, read by GET /api/v1/tickets/metrics. */
    {.coll = "tickets",
     .time_field = "_created",
     .dims = {"category", "priority", "sentiment", "compliance"},
     .ndims = 4,
     .measures = {"processing_ms", "confidence", "escalation_needed", "kb_answer"},
     .nmeasures = 4,
     .hist = "processing_ms"},
    /* The customer insights' lifecycle records (cs/insights.h), read by the analytics
     * overview and summary. */
    {.coll = "insights_tickets",
     .time_field = "opened_ms",
     .dims = {"category", "sentiment"},
     .ndims = 2,
     .measures = {"open", "resolution_s", "csat_satisfied", "fcr", "escalated", "csat",
                  "first_reply_s", "sentiment_score"},
     .nmeasures = 8},
};

const struct cs_rollup_def *cs_rollup_defs(size_t *n)
{
    *n = sizeof(defs) / sizeof(*defs);
    return defs;
}

const struct cs_rollup_def *cs_rollup_def_for(const char *coll)
{
    for (size_t i = 0; coll && i < sizeof(defs) / sizeof(*defs); i++)
        if (strcmp(defs[i].coll, coll) == 0) return &defs[i];
    return NULL;
}

int cs_store_rollup_measure(const char *coll, const char *field)
{
    const struct cs_rollup_def *d = cs_rollup_def_for(coll);
    for (size_t i = 0; d && field && i < d->nmeasures; i++)
        if (strcmp(d->measures[i], field) == 0) return (int)i;
    return -1;
}

/* ---- one document ---- */

/* The value at a dotted path, NULL when absent. */
static json_object *at_path(json_object *o, const char *path)
{
    char seg[129];
    while (o && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(seg) || !json_object_is_type(o, json_type_object)) return NULL;
        memcpy(seg, path, n);
        seg[n] = 0;
        if (!json_object_object_get_ex(o, seg, &o)) return NULL;
        path += n + (path[n] == '.');
    }
    return o;
}

/* A number as SQLite's json_extract sees one: numbers, and booleans as 1/0. Strings,
 * nulls, objects and arrays are not measured (a document written by us never has them
 * in a measured field). */
static bool number(json_object *v, double *out)
{
    switch (v ? json_object_get_type(v) : json_type_null) {
    case json_type_int: *out = (double)json_object_get_int64(v); return true;
    case json_type_double: *out = json_object_get_double(v); return true;
    case json_type_boolean: *out = json_object_get_boolean(v) ? 1.0 : 0.0; return true;
    default: return false;
    }
}

bool cs_rollup_doc_time(const struct cs_rollup_def *d, json_object *body, int64_t created_ms,
                        int64_t *t)
{
    if (strcmp(d->time_field, "_created") == 0) return *t = created_ms, true;
    json_object *v = at_path(body, d->time_field);
    if (!v) return false;
    if (json_object_is_type(v, json_type_int)) return *t = json_object_get_int64(v), true;
    if (!json_object_is_type(v, json_type_double)) return false;
    double x = json_object_get_double(v);
    if (!(x > -9e18 && x < 9e18)) return false;
    *t = (int64_t)floor(x);
    return true;
}

static int64_t hour_of(int64_t t)
{
    int64_t h = t / CS_ROLLUP_HOUR_MS;
    if (t % CS_ROLLUP_HOUR_MS < 0) h--;
    return h * CS_ROLLUP_HOUR_MS;
}

static int64_t floor_to(int64_t t, int64_t unit);

/* snprintf(out, cap, "%s", s) without the format machinery: a document's cells are
 * named per write, and snprintf was a third of a ticket's rollup bookkeeping
 * (callgrind, tests/bench/ticket_insert_bench.c). Returns the length written. */
static size_t put_str(char *out, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
    return n;
}

static void key_of(json_object *v, char *out)
{
    const char *s =
        v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    size_t n = s ? strlen(s) : 0;
    /* A value longer than a key holds shares the null group rather than a truncated
     * name; categories and labels are short. */
    if (s && n + 2 <= CS_ROLLUP_KEY_MAX) {
        out[0] = 's';
        memcpy(out + 1, s, n + 1);
    } else {
        put_str(out, CS_ROLLUP_KEY_MAX, "-");
    }
}

const char *cs_rollup_key_decode(const char *key) { return key && key[0] == 's' ? key + 1 : NULL; }

static struct cs_rollup_cell *cell_at(struct cs_rollup_cell *cells, size_t *n, size_t cap,
                                      int64_t hour, const char *dim, const char *key)
{
    for (size_t i = 0; i < *n; i++)
        if (cells[i].hour_ms == hour && strcmp(cells[i].dim, dim) == 0 &&
            strcmp(cells[i].key, key) == 0)
            return &cells[i];
    if (*n >= cap) return NULL;
    struct cs_rollup_cell *c = &cells[(*n)++];
    memset(c, 0, sizeof(*c));
    c->hour_ms = hour;
    put_str(c->dim, sizeof(c->dim), dim);
    put_str(c->key, sizeof(c->key), key);
    return c;
}

static int64_t floor_to(int64_t t, int64_t unit)
{
    int64_t q = t / unit;
    if (t % unit < 0) q--;
    return q * unit;
}

/* The day-level twin of a cell. */
static struct cs_rollup_cell *day_cell(struct cs_rollup_cell *cells, size_t *n, size_t cap,
                                       int64_t t, const char *dim, const char *key)
{
    char ddim[64];
    size_t len = put_str(ddim, 61, dim); /* "%.60s" CS_ROLLUP_DAY_SUFFIX */
    put_str(ddim + len, sizeof(ddim) - len, CS_ROLLUP_DAY_SUFFIX);
    return cell_at(cells, n, cap, floor_to(t, CS_ROLLUP_DAY_MS), ddim, key);
}

void cs_rollup_contribute(const struct cs_rollup_def *d, json_object *body, int64_t created_ms,
                          int sign, bool hour_exact, struct cs_rollup_cell *cells, size_t *n,
                          size_t cap)
{
    int64_t t;
    if (!body || !cs_rollup_doc_time(d, body, created_ms, &t)) return;
    int64_t hour = hour_exact ? t : hour_of(t);
    double v[CS_ROLLUP_MAX_MEASURES];
    bool has[CS_ROLLUP_MAX_MEASURES];
    for (size_t m = 0; m < d->nmeasures; m++) has[m] = number(at_path(body, d->measures[m]), &v[m]);
    char key[CS_ROLLUP_KEY_MAX], dim[64];
    for (size_t i = 0; i <= d->ndims; i++) {
        if (i == 0) {
            put_str(dim, sizeof(dim), "");
            put_str(key, sizeof(key), "-");
        } else {
            put_str(dim, sizeof(dim), d->dims[i - 1]);
            key_of(at_path(body, d->dims[i - 1]), key);
        }
        for (int level = 0; level < (hour_exact ? 1 : 2); level++) {
            struct cs_rollup_cell *c = level ? day_cell(cells, n, cap, t, dim, key)
                                             : cell_at(cells, n, cap, hour, dim, key);
            if (!c) return;
            c->count += sign;
            for (size_t m = 0; m < d->nmeasures; m++)
                if (has[m]) c->sum[m] += sign * v[m], c->n[m] += sign;
        }
    }
    double h;
    if (d->hist && number(at_path(body, d->hist), &h)) {
        snprintf(dim, sizeof(dim), "#%s", d->hist);
        snprintf(key, sizeof(key), "s%d", cs_rollup_bin(h));
        for (int level = 0; level < (hour_exact ? 1 : 2); level++) {
            struct cs_rollup_cell *c = level ? day_cell(cells, n, cap, t, dim, key)
                                             : cell_at(cells, n, cap, hour, dim, key);
            if (c) c->count += sign;
        }
    }
}

static bool cell_empty(const struct cs_rollup_cell *c)
{
    if (c->count) return false;
    for (size_t m = 0; m < CS_ROLLUP_MAX_MEASURES; m++)
        if (c->n[m] || c->sum[m] != 0.0) return false;
    return true;
}

size_t cs_rollup_delta(const struct cs_rollup_def *d, json_object *old_body, int64_t old_created,
                       json_object *new_body, int64_t new_created, struct cs_rollup_cell *cells)
{
    size_t n = 0, kept = 0;
    cs_rollup_contribute(d, old_body, old_created, -1, false, cells, &n, CS_ROLLUP_MAX_CELLS);
    cs_rollup_contribute(d, new_body, new_created, +1, false, cells, &n, CS_ROLLUP_MAX_CELLS);
    for (size_t i = 0; i < n; i++)
        if (!cell_empty(&cells[i])) cells[kept++] = cells[i];
    return kept;
}

/* ---- histogram bins ---- */

/* The IEEE 754 bits made to sort like the values (negatives reversed below positives). */
static uint64_t ordered(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof(b));
    return b >> 63 ? ~b : b | (1ULL << 63);
}

static double unordered(uint64_t k)
{
    uint64_t b = k >> 63 ? k & ~(1ULL << 63) : ~k;
    double v;
    memcpy(&v, &b, sizeof(v));
    return v;
}

#define BIN_SHIFT 49

int cs_rollup_bin(double v) { return (int)(ordered(v == 0 ? 0.0 : v) >> BIN_SHIFT); }

void cs_rollup_bin_bounds(int bin, double *lo, double *hi)
{
    *lo = unordered((uint64_t)bin << BIN_SHIFT);
    *hi =
        bin >= (1 << (64 - BIN_SHIFT)) - 1 ? INFINITY : unordered((uint64_t)(bin + 1) << BIN_SHIFT);
}

/* ---- reads ---- */

/* Far beyond any real time: keeps the hour arithmetic clear of overflow. */
#define T_MIN (-(1LL << 60))
#define T_MAX (1LL << 60)

struct acc {
    struct cs_arena *a;
    const struct cs_rollup_def *d;
    char dim[64];
    struct cs_rollup_row *rows;
    size_t n, cap;
    int rc;
    /* buckets */
    const int64_t *bounds;
    size_t nb;
};

static int row_cmp(const void *x, const void *y)
{
    const struct cs_rollup_row *a = x, *b = y;
    if (!a->key || !b->key) return (a->key != NULL) - (b->key != NULL);
    return strcmp(a->key, b->key);
}

static struct cs_rollup_row *acc_row(struct acc *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if ((!key && !c->rows[i].key) ||
            (key && c->rows[i].key && strcmp(key, c->rows[i].key) == 0))
            return &c->rows[i];
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        struct cs_rollup_row *r = cs_arena_alloc(c->a, cap * sizeof(*r));
        if (!r) return NULL;
        if (c->n) memcpy(r, c->rows, c->n * sizeof(*r));
        c->rows = r;
        c->cap = cap;
    }
    struct cs_rollup_row *r = &c->rows[c->n];
    memset(r, 0, sizeof(*r));
    r->key = key ? cs_arena_strdup(c->a, key) : NULL;
    if (key && !r->key) return NULL;
    c->n++;
    return r;
}

static void row_add(struct cs_rollup_row *r, int64_t count, const double *sum, const int64_t *n)
{
    r->count += count;
    for (size_t m = 0; m < CS_ROLLUP_MAX_MEASURES; m++) r->sum[m] += sum[m], r->n[m] += n[m];
}

static void acc_rows(struct acc *c, const struct cs_rollup_row *rows, size_t n)
{
    for (size_t i = 0; !c->rc && i < n; i++) {
        struct cs_rollup_row *r = acc_row(c, rows[i].key);
        if (!r)
            c->rc = CS_ERR_NOMEM;
        else
            row_add(r, rows[i].count, rows[i].sum, rows[i].n);
    }
}

/* The bucket holding t, or -1. */
static long bucket_of(const struct acc *c, int64_t t)
{
    if (c->nb < 2 || t < c->bounds[0] || t >= c->bounds[c->nb - 1]) return -1;
    size_t lo = 0, hi = c->nb - 1; /* bounds[lo] <= t < bounds[hi] */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (t < c->bounds[mid])
            hi = mid;
        else
            lo = mid;
    }
    return (long)lo;
}

/* Scan callback: the document's cells of the wanted dim, into their key's row (or, with
 * buckets, into the document's bucket). */
static int acc_doc(void *ctx, json_object *body, int64_t created_ms)
{
    struct acc *c = ctx;
    struct cs_rollup_cell cells[CS_ROLLUP_DOC_CELLS];
    size_t n = 0;
    cs_rollup_contribute(c->d, body, created_ms, +1, true, cells, &n, CS_ROLLUP_DOC_CELLS);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cells[i].dim, c->dim) != 0) continue;
        struct cs_rollup_row *r;
        if (c->bounds) {
            long b = bucket_of(c, cells[i].hour_ms);
            if (b < 0) continue;
            r = &c->rows[b];
        } else {
            r = acc_row(c, cs_rollup_key_decode(cells[i].key));
        }
        if (!r) return c->rc = CS_ERR_NOMEM;
        row_add(r, cells[i].count, cells[i].sum, cells[i].n);
    }
    return CS_OK;
}

static int scan(struct cs_store *st, const char *tenant, struct acc *c, int64_t from, int64_t to)
{
    if (from > to) return CS_OK;
    int rc = st->ops->rollup_scan(st, c->a, tenant, c->d, from, to, acc_doc, c);
    return rc ? rc : c->rc;
}

static void whole_hours(int64_t from, int64_t to, int64_t *h0, int64_t *h1)
{
    *h0 = hour_of(from) + (hour_of(from) == from ? 0 : CS_ROLLUP_HOUR_MS);
    *h1 = hour_of(to + 1);
}

/* Adds the summed cells of `dim` for [a, b) (aligned to the level of `dim`). */
static int read_into(struct cs_store *st, const char *tenant, struct acc *c, const char *dim,
                     int64_t a, int64_t b)
{
    if (a >= b) return CS_OK;
    struct cs_rollup_row *r;
    size_t n;
    int rc = st->ops->rollup_read(st, c->a, tenant, c->d, dim, a, b, false, &r, &n);
    if (!rc) acc_rows(c, r, n);
    return rc ? rc : c->rc;
}

/* [from, to] = scanned partial hours + whole hours + whole days + whole hours + scanned
 * partial hours; each part exact, the days and hours read from the rollups. */
static int rollup_rows(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       const struct cs_rollup_def *d, const char *dim, int64_t from, int64_t to,
                       struct cs_rollup_row **rows, size_t *nrows)
{
    struct acc c = {.a = a, .d = d};
    snprintf(c.dim, sizeof(c.dim), "%s", dim);
    char ddim[64];
    snprintf(ddim, sizeof(ddim), "%.60s%s", dim, CS_ROLLUP_DAY_SUFFIX);
    from = from < T_MIN ? T_MIN : from;
    to = to > T_MAX ? T_MAX : to;
    int64_t h0, h1;
    whole_hours(from, to, &h0, &h1);
    int rc = CS_OK;
    if (h0 < h1) {
        int64_t d0 = floor_to(h0 + CS_ROLLUP_DAY_MS - 1, CS_ROLLUP_DAY_MS),
                d1 = floor_to(h1, CS_ROLLUP_DAY_MS);
        if (d0 < d1) {
            rc = read_into(st, tenant, &c, ddim, d0, d1);
            if (!rc) rc = read_into(st, tenant, &c, dim, h0, d0);
            if (!rc) rc = read_into(st, tenant, &c, dim, d1, h1);
        } else {
            rc = read_into(st, tenant, &c, dim, h0, h1);
        }
        if (!rc) rc = scan(st, tenant, &c, from, h0 - 1);
        if (!rc) rc = scan(st, tenant, &c, h1, to);
    } else {
        rc = scan(st, tenant, &c, from, to);
    }
    if (rc) return rc;
    size_t kept = 0; /* a backend may keep cells whose documents all left (MongoDB) */
    for (size_t i = 0; i < c.n; i++)
        if (c.rows[i].count) c.rows[kept++] = c.rows[i];
    c.n = kept;
    if (c.n) qsort(c.rows, c.n, sizeof(*c.rows), row_cmp);
    *rows = c.rows;
    *nrows = c.n;
    return CS_OK;
}

#define CHECK_ROLLUP(st, tenant, d)                                                                \
    do {                                                                                           \
        if (!(d) || !cs_store_tenant_ok(tenant)) return CS_ERR_INVALID;                            \
        if (cs_store_injected(st)) return CS_ERR_STORE;                                            \
        if (!(st)->ops->rollup_read) return CS_ERR_STORE;                                          \
    } while (0)

int cs_store_rollup(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                    const char *dim, int64_t from_ms, int64_t to_ms, struct cs_rollup_row **rows,
                    size_t *nrows)
{
    const struct cs_rollup_def *d = cs_rollup_def_for(coll);
    CHECK_ROLLUP(st, tenant, d);
    *rows = NULL;
    *nrows = 0;
    bool known = !dim;
    for (size_t i = 0; dim && i < d->ndims; i++) known = known || strcmp(d->dims[i], dim) == 0;
    if (!known) return CS_ERR_INVALID;
    return rollup_rows(st, a, tenant, d, dim ? dim : "", from_ms, to_ms, rows, nrows);
}

int cs_store_rollup_buckets(struct cs_store *st, struct cs_arena *a, const char *tenant,
                            const char *coll, int64_t from_ms, int64_t to_ms, const int64_t *bounds,
                            size_t nbounds, struct cs_rollup_row **rows)
{
    const struct cs_rollup_def *d = cs_rollup_def_for(coll);
    CHECK_ROLLUP(st, tenant, d);
    if (nbounds < 2) return CS_ERR_INVALID;
    for (size_t i = 1; i < nbounds; i++)
        if (bounds[i] <= bounds[i - 1]) return CS_ERR_INVALID;
    struct acc c = {.a = a, .d = d, .bounds = bounds, .nb = nbounds, .n = nbounds - 1};
    c.rows = cs_arena_alloc(a, (nbounds - 1) * sizeof(*c.rows));
    if (!c.rows) return CS_ERR_NOMEM;
    memset(c.rows, 0, (nbounds - 1) * sizeof(*c.rows));
    from_ms = from_ms < bounds[0] ? bounds[0] : from_ms;
    to_ms = to_ms > bounds[nbounds - 1] - 1 ? bounds[nbounds - 1] - 1 : to_ms;
    int64_t h0, h1;
    whole_hours(from_ms, to_ms, &h0, &h1);
    int rc = CS_OK;
    if (h0 < h1) {
        struct cs_rollup_row *hr;
        size_t hn;
        rc = st->ops->rollup_read(st, a, tenant, d, "", h0, h1, true, &hr, &hn);
        /* An hour within one bucket counts whole; one that a bucket boundary cuts (a
         * zone whose offset is not whole hours) is scanned document by document. */
        for (size_t i = 0; !rc && i < hn; i++) {
            int64_t h = hr[i].hour_ms;
            long b = bucket_of(&c, h);
            if (b >= 0 && b == bucket_of(&c, h + CS_ROLLUP_HOUR_MS - 1))
                row_add(&c.rows[b], hr[i].count, hr[i].sum, hr[i].n);
            else
                rc = scan(st, tenant, &c, h, h + CS_ROLLUP_HOUR_MS - 1);
        }
        if (!rc) rc = scan(st, tenant, &c, from_ms, h0 - 1);
        if (!rc) rc = scan(st, tenant, &c, h1, to_ms);
    } else {
        rc = scan(st, tenant, &c, from_ms, to_ms);
    }
    if (rc) return rc;
    *rows = c.rows;
    return CS_OK;
}

static int bin_no(const struct cs_rollup_row *r)
{
    return r->key ? (int)strtol(r->key, NULL, 10) : -1;
}

static int bin_cmp(const void *x, const void *y)
{
    int a = bin_no(x), b = bin_no(y);
    return (a > b) - (a < b);
}

/* Nearest rank, as cs_store_quantiles: the histogram says which bin holds the rank and
 * how many values lie below that bin; the backend then reads the value at that offset
 * within the bin (an index range of one bin, not the whole window). */
int cs_store_rollup_quantiles(struct cs_store *st, const char *tenant, const char *coll,
                              int64_t from_ms, int64_t to_ms, const double *qs, size_t nq,
                              double *out)
{
    const struct cs_rollup_def *d = cs_rollup_def_for(coll);
    CHECK_ROLLUP(st, tenant, d);
    if (!d->hist) return CS_ERR_INVALID;
    for (size_t i = 0; i < nq; i++)
        if (!(qs[i] >= 0.0 && qs[i] <= 1.0)) return CS_ERR_INVALID;
    struct cs_arena *a = cs_arena_new(1 << 16);
    if (!a) return CS_ERR_NOMEM;
    char dim[64];
    snprintf(dim, sizeof(dim), "#%s", d->hist);
    struct cs_rollup_row *rows;
    size_t n;
    int rc = rollup_rows(st, a, tenant, d, dim, from_ms, to_ms, &rows, &n);
    int64_t total = 0;
    if (!rc && n) qsort(rows, n, sizeof(*rows), bin_cmp);
    for (size_t i = 0; !rc && i < n; i++) total += rows[i].count;
    for (size_t i = 0; !rc && i < nq; i++) {
        out[i] = NAN;
        if (total <= 0) continue;
        int64_t rank = (int64_t)ceil(qs[i] * (double)total);
        int64_t off = rank < 1 ? 0 : rank - 1, below = 0;
        size_t b = 0;
        while (b < n && below + rows[b].count <= off) below += rows[b++].count;
        if (b == n || bin_no(&rows[b]) < 0) {
            rc = CS_ERR_STORE; /* the histogram disagrees with itself: never expected */
            break;
        }
        double lo, hi;
        cs_rollup_bin_bounds(bin_no(&rows[b]), &lo, &hi);
        rc = st->ops->rollup_rank(st, tenant, d, lo, hi, from_ms < T_MIN ? T_MIN : from_ms,
                                  to_ms > T_MAX ? T_MAX : to_ms, off - below, &out[i]);
    }
    cs_arena_destroy(a);
    return rc;
}
