/* The reporting operations (seed 002) on MongoDB: the queries store_mongo_reporting.c
 * builds, run on the collections laid out there, with the SQLite side's contracts
 * (cs/reporting.h; store_reporting_sqlite.c is the reference).
 *
 * Imports: no transactions (the plugin runs on standalone servers, as its outbox
 * does). Instead, a pre-validation pass builds every document of the import before the
 * first write, so a record that cannot be stored refuses the whole import and writes
 * nothing; then ordered bulk writes per chunk of CHUNK records, each record an upsert
 * keyed by (tenant, id), so an import is idempotent. A server failure in the middle can
 * leave part of an import written; sending it again completes it. Within a chunk,
 * derived rows (changed_details, participants, segments) go before the records, so a
 * record never shows a version whose derived rows are missing.
 *
 * updated_at: one per import from a per-(tenant, table) clock document advanced
 * atomically (max(last + 1, now)), so writes answer increasing times even when the
 * clock goes back. Without transactions, two concurrent imports of the same tenant and
 * resource may commit out of clock order; tailing is exact for one writer at a time.
 *
 * Everything read back is checked as outside input: the record must be a document
 * that parses as strict UTF-8 JSON whose id is the key's, numbers must be numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/json.h"
#include "store/mongo/store_mongo_int.h"
#include "store/mongo/store_mongo_reporting.h"

#define CHUNK 1000

static void coll_free(mongoc_collection_t *c)
{
    if (c) mongoc_collection_destroy(c);
}

static const char *table_of(const struct cs_rp_resource *r)
{
    return r->view_of ? r->view_of->table : r->table;
}

/* ---- reading ---- */

/* The sub-document `key` of `doc` as json-c, through relaxed extended JSON parsed
 * strictly; NULL unless it is an object. The caller puts it. */
static json_object *sub_json(const bson_t *doc, const char *key)
{
    bson_iter_t it;
    uint32_t len;
    const uint8_t *data;
    bson_t sub;
    if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_DOCUMENT(&it)) return NULL;
    bson_iter_document(&it, &len, &data);
    if (!bson_init_static(&sub, data, len)) return NULL;
    size_t n = 0;
    char *text = bson_as_relaxed_extended_json(&sub, &n);
    struct json_tokener *tok = text ? json_tokener_new_ex(CS_JSON_MAX_DEPTH) : NULL;
    json_object *o = NULL;
    if (tok) {
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, text, (int)n);
        if (json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != n || !json_object_is_type(o, json_type_object)) {
            json_object_put(o);
            o = NULL;
        }
        json_tokener_free(tok);
    }
    bson_free(text);
    return o;
}

/* An integer at a dotted path; *ok turns false when it is absent or no integer. */
static int64_t int_at(const bson_t *doc, const char *path, bool *ok)
{
    bson_iter_t it, f;
    if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, path, &f) &&
        (BSON_ITER_HOLDS_INT64(&f) || BSON_ITER_HOLDS_INT32(&f)))
        return bson_iter_as_int64(&f);
    *ok = false;
    return 0;
}

/* A stored document as answered: its record with updated_at the write time; a view
 * keeps only its own fields. NULL when it does not read back as written. */
static json_object *record_of(const struct cs_rp_resource *r, const bson_t *doc)
{
    bool ok = true;
    int64_t upd = int_at(doc, "upd", &ok), id = int_at(doc, "_id.i", &ok);
    json_object *o = ok ? sub_json(doc, "rec") : NULL;
    json_object *rid = json_object_object_get(o, "id");
    if (!o || !json_object_is_type(rid, json_type_int) || json_object_get_int64(rid) != id) {
        json_object_put(o);
        return NULL;
    }
    if (r->view_of) {
        json_object *v = json_object_new_object();
        for (size_t i = 0; v && i < r->nfields; i++)
            json_object_object_add(v, r->fields[i].name,
                                   json_object_get(json_object_object_get(o, r->fields[i].name)));
        json_object_put(o);
        o = v;
    }
    char iso[CS_ISO_MAX];
    cs_rp_time_str(upd, iso);
    if (o) json_object_object_add(o, "updated_at", json_object_new_string(iso));
    return o;
}

/* Runs a find on `table` and appends each document as answered to `items`. */
static int find_into(struct cs_store *st, const char *table, const bson_t *f, const bson_t *opts,
                     const struct cs_rp_resource *r, json_object *items)
{
    mongoc_collection_t *coll = cs_mg_collection(st, table);
    if (!coll) return CS_ERR_NOMEM;
    mongoc_cursor_t *c = mongoc_collection_find_with_opts(coll, f, opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    int rc = CS_OK;
    while (rc == CS_OK && mongoc_cursor_next(c, &doc)) {
        json_object *o = record_of(r, doc);
        if (!o)
            rc = CS_ERR_STORE; /* a stored record that does not read back */
        else if (json_object_array_add(items, o))
            rc = CS_ERR_NOMEM;
    }
    if (rc == CS_OK && mongoc_cursor_error(c, &err)) rc = cs_mg_error(&err);
    mongoc_cursor_destroy(c);
    mongoc_collection_destroy(coll);
    return rc;
}

static int mg_rp_list(struct cs_store *st, struct cs_arena *a, const char *tenant,
                      const struct cs_rp_resource *r, const struct cs_rp_query *q,
                      json_object *items, int64_t *total)
{
    /* The total counts the filter's rows, not those after a tailing cursor. */
    struct cs_rp_query *all = cs_arena_alloc(a, sizeof(*all));
    if (!all) return CS_ERR_NOMEM;
    *all = *q;
    all->has_after = false;
    bson_t f = BSON_INITIALIZER, cf = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    bson_error_t err;
    int rc = cs_mq_rp_filter(&f, tenant, r, q);
    if (!rc) rc = cs_mq_rp_filter(&cf, tenant, r, all);
    if (!rc) rc = cs_mq_rp_find_opts(&opts, q);
    mongoc_collection_t *coll = rc ? NULL : cs_mg_collection(st, table_of(r));
    if (!rc && !coll) rc = CS_ERR_NOMEM;
    if (!rc) {
        int64_t n = mongoc_collection_count_documents(coll, &cf, NULL, NULL, NULL, &err);
        if (n < 0)
            rc = cs_mg_error(&err);
        else
            *total = n;
    }
    coll_free(coll);
    if (!rc) rc = find_into(st, table_of(r), &f, &opts, r, items);
    bson_destroy(&f);
    bson_destroy(&cf);
    bson_destroy(&opts);
    return rc;
}

static void put_json(void *p) { json_object_put(p); }

static int mg_rp_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                     const struct cs_rp_resource *r, int64_t id, bool with_deleted,
                     json_object **out)
{
    bson_t f = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    int rc = cs_mq_rp_key(&f, tenant, id);
    if (!with_deleted && cs_rp_field_find(r, "deleted_at"))
        BCON_APPEND(&f, "c.deleted_at", "{", "$eq", BCON_NULL, "}");
    BCON_APPEND(&opts, "projection", "{", "rec", BCON_INT32(1), "upd", BCON_INT32(1), "}", "limit",
                BCON_INT64(1));
    json_object *items = json_object_new_array();
    if (!rc) rc = items ? find_into(st, table_of(r), &f, &opts, r, items) : CS_ERR_NOMEM;
    if (!rc && json_object_array_length(items) == 0) rc = CS_ERR_NOT_FOUND;
    if (!rc) {
        *out = json_object_get(json_object_array_get_idx(items, 0));
        if (cs_arena_defer(a, put_json, *out)) {
            json_object_put(*out);
            rc = CS_ERR_NOMEM;
        }
    }
    json_object_put(items);
    bson_destroy(&f);
    bson_destroy(&opts);
    return rc;
}

/* find options of a child listing: records by id, at most `limit`. */
static void by_id(bson_t *opts, size_t limit)
{
    BCON_APPEND(opts, "projection", "{", "rec", BCON_INT32(1), "upd", BCON_INT32(1), "}", "sort",
                "{", "_id.i", BCON_INT32(1), "}");
    if (limit) BSON_APPEND_INT64(opts, "limit", (int64_t)limit);
}

static int mg_rp_children(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const struct cs_rp_resource *r, const char *col, int64_t v, size_t limit,
                          json_object *items)
{
    bson_t f = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    int rc = cs_mq_rp_children_filter(&f, tenant, r, col, v);
    by_id(&opts, limit);
    if (!rc) rc = find_into(st, r->table, &f, &opts, r, items);
    bson_destroy(&f);
    bson_destroy(&opts);
    return rc;
}

static int mg_rp_team_agents(struct cs_store *st, struct cs_arena *a, const char *tenant,
                             int64_t team_id, json_object *items)
{
    const struct cs_rp_resource *ui = cs_rp_resource_find("user_info");
    bson_t f = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    int rc = ui ? cs_mq_rp_team_agents_filter(&f, tenant, team_id) : CS_ERR_INVALID;
    by_id(&opts, 0);
    if (!rc) rc = find_into(st, table_of(ui), &f, &opts, ui, items);
    bson_destroy(&f);
    bson_destroy(&opts);
    return rc;
}

/* ---- segment statistics ---- */

struct group {
    bool null_key;
    int64_t key, calls;
    struct cs_rp_stat seg[RP_SEG__COUNT];
};

struct groups {
    struct group *g;
    size_t n, cap;
};

/* A group key read back: null, or an integral number. */
static int key_of(const bson_iter_t *it, bool *null_key, int64_t *key)
{
    *null_key = BSON_ITER_HOLDS_NULL(it);
    *key = 0;
    if (*null_key) return CS_OK;
    if (BSON_ITER_HOLDS_INT32(it) || BSON_ITER_HOLDS_INT64(it)) {
        *key = bson_iter_as_int64(it);
        return CS_OK;
    }
    double d = BSON_ITER_HOLDS_DOUBLE(it) ? bson_iter_double(it) : NAN;
    if (!isfinite(d) || d != floor(d) || fabs(d) > 9e15) return CS_ERR_STORE;
    *key = (int64_t)d;
    return CS_OK;
}

static struct group *group_of(struct groups *gs, bool null_key, int64_t key)
{
    for (size_t i = 0; i < gs->n; i++)
        if (gs->g[i].null_key == null_key && gs->g[i].key == key) return &gs->g[i];
    if (gs->n == gs->cap) {
        size_t cap = gs->cap ? gs->cap * 2 : 32;
        struct group *ng = realloc(gs->g, cap * sizeof(*ng));
        if (!ng) return NULL;
        gs->g = ng, gs->cap = cap;
    }
    struct group *g = &gs->g[gs->n++];
    memset(g, 0, sizeof(*g));
    g->null_key = null_key, g->key = key;
    return g;
}

static int run_pipeline(struct cs_store *st, const bson_t *p, struct groups *gs,
                        int (*row)(struct groups *gs, const bson_t *doc))
{
    mongoc_collection_t *coll = cs_mg_collection(st, "rp_call_segments");
    if (!coll) return CS_ERR_NOMEM;
    bson_t opts = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&opts, "allowDiskUse", true); /* a month of calls sorts beyond 100 MB */
    mongoc_cursor_t *c = mongoc_collection_aggregate(coll, MONGOC_QUERY_NONE, p, &opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    int rc = CS_OK;
    while (rc == CS_OK && mongoc_cursor_next(c, &doc)) rc = row(gs, doc);
    if (rc == CS_OK && mongoc_cursor_error(c, &err)) rc = cs_mg_error(&err);
    mongoc_cursor_destroy(c);
    mongoc_collection_destroy(coll);
    bson_destroy(&opts);
    return rc;
}

/* {_id: key, calls}. */
static int calls_row(struct groups *gs, const bson_t *doc)
{
    bson_iter_t it;
    bool null_key, ok = true;
    int64_t key;
    if (!bson_iter_init_find(&it, doc, "_id") || key_of(&it, &null_key, &key)) return CS_ERR_STORE;
    int64_t calls = int_at(doc, "calls", &ok);
    struct group *g = ok && calls > 0 ? group_of(gs, null_key, key) : NULL;
    if (!g) return ok && calls > 0 ? CS_ERR_NOMEM : CS_ERR_STORE;
    g->calls = calls;
    return CS_OK;
}

static double round3(double x) { return round(x * 1000.0) / 1000.0; }

/* The value of rank `want` among the kept {r, v}; NaN when the server sent none. */
static double value_at(const bson_t *doc, int64_t want)
{
    bson_iter_t it, arr, item;
    if (!bson_iter_init_find(&it, doc, "at") || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &arr))
        return NAN;
    while (bson_iter_next(&arr)) {
        if (!BSON_ITER_HOLDS_DOCUMENT(&arr) || !bson_iter_recurse(&arr, &item)) continue;
        int64_t r = -1;
        double v = NAN;
        while (bson_iter_next(&item)) {
            if (!strcmp(bson_iter_key(&item), "r") && BSON_ITER_HOLDS_NUMBER(&item))
                r = bson_iter_as_int64(&item);
            else if (!strcmp(bson_iter_key(&item), "v") && BSON_ITER_HOLDS_NUMBER(&item))
                v = bson_iter_as_double(&item);
        }
        if (r == want) return v;
    }
    return NAN;
}

/* Nearest rank of q among n values, as the pipeline keeps it. */
static int64_t rank_of(double q, int64_t n)
{
    int64_t r = (int64_t)ceil(q * (double)n);
    return r < 1 ? 1 : r;
}

/* {_id: {key, k}, n, sum, at: [{r, v}]}. */
static int stats_row(struct groups *gs, const bson_t *doc)
{
    bson_iter_t it, kit;
    bool null_key, ok = true;
    int64_t key;
    if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, "_id.key", &kit) ||
        key_of(&kit, &null_key, &key))
        return CS_ERR_STORE;
    int64_t k = int_at(doc, "_id.k", &ok), n = int_at(doc, "n", &ok);
    double sum = NAN;
    if (bson_iter_init_find(&it, doc, "sum") && BSON_ITER_HOLDS_NUMBER(&it))
        sum = bson_iter_as_double(&it);
    if (!ok || k < 0 || k >= RP_SEG__COUNT || n < 1 || !isfinite(sum)) return CS_ERR_STORE;
    struct group *g = group_of(gs, null_key, key);
    if (!g) return CS_ERR_NOMEM;
    struct cs_rp_stat *s = &g->seg[k];
    s->count = n;
    s->sum = round3(sum);
    s->mean = round3(sum / (double)n);
    s->p50 = value_at(doc, rank_of(0.50, n));
    s->p90 = value_at(doc, rank_of(0.90, n));
    s->p99 = value_at(doc, rank_of(0.99, n));
    return isfinite(s->p50) && isfinite(s->p90) && isfinite(s->p99) ? CS_OK : CS_ERR_STORE;
}

static int key_cmp(const void *x, const void *y)
{
    const struct group *a = x, *b = y;
    if (a->null_key != b->null_key) return a->null_key ? 1 : -1;
    return a->key < b->key ? -1 : a->key > b->key;
}

static const char *key_text(struct cs_arena *a, enum cs_rp_group g, const struct group *gr)
{
    if (gr->null_key) return NULL;
    char *t = cs_arena_alloc(a, CS_ISO_MAX);
    if (!t) return NULL;
    if (g == RP_G_DAY) {
        cs_rp_time_str(gr->key * 86400000LL, t);
        t[10] = '\0'; /* the date of "YYYY-MM-DDThh:mm:ss.mmmZ" */
    } else {
        snprintf(t, CS_ISO_MAX, g == RP_G_HOUR ? "%02lld" : "%lld", (long long)gr->key);
    }
    return t;
}

static int mg_rp_segment_stats(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               enum cs_rp_group g, int64_t from_ms, int64_t to_ms,
                               struct cs_rp_group_row **rows, size_t *nrows)
{
    bson_t calls = BSON_INITIALIZER, stats = BSON_INITIALIZER;
    struct groups gs = {0};
    int rc = cs_mq_rp_calls_pipeline(&calls, tenant, g, from_ms, to_ms);
    if (!rc) rc = cs_mq_rp_stats_pipeline(&stats, tenant, g, from_ms, to_ms);
    if (!rc) rc = run_pipeline(st, &calls, &gs, calls_row);
    if (!rc) rc = run_pipeline(st, &stats, &gs, stats_row);
    if (!rc && gs.n) {
        qsort(gs.g, gs.n, sizeof(gs.g[0]), key_cmp);
        *rows = cs_arena_alloc(a, gs.n * sizeof(**rows));
        if (!*rows) rc = CS_ERR_NOMEM;
        for (size_t i = 0; !rc && i < gs.n; i++) {
            (*rows)[i].key = key_text(a, g, &gs.g[i]);
            if (!gs.g[i].null_key && !(*rows)[i].key) rc = CS_ERR_NOMEM;
            (*rows)[i].calls = gs.g[i].calls;
            memcpy((*rows)[i].seg, gs.g[i].seg, sizeof(gs.g[i].seg));
        }
        if (!rc) *nrows = gs.n;
    }
    free(gs.g);
    bson_destroy(&calls);
    bson_destroy(&stats);
    return rc;
}

/* ---- writing ---- */

/* Runs findAndModify on rp_clock (upserting, answering the new document) and reads the
 * integer `field` of it. The command is built by hand: a pipeline update must go as an
 * array, which mongoc_find_and_modify_opts_t does not promise. */
static int clock_fam(struct cs_store *st, const bson_t *sel, const bson_t *update, bool pipeline,
                     const char *field, int64_t *out)
{
    mongoc_collection_t *coll = cs_mg_collection(st, "rp_clock");
    if (!coll) return CS_ERR_NOMEM;
    bson_t cmd = BSON_INITIALIZER, reply;
    bson_error_t err;
    BSON_APPEND_UTF8(&cmd, "findAndModify", "rp_clock");
    BSON_APPEND_DOCUMENT(&cmd, "query", sel);
    if (pipeline)
        BSON_APPEND_ARRAY(&cmd, "update", update);
    else
        BSON_APPEND_DOCUMENT(&cmd, "update", update);
    BSON_APPEND_BOOL(&cmd, "upsert", true);
    BSON_APPEND_BOOL(&cmd, "new", true);
    int rc = CS_OK;
    if (!mongoc_collection_write_command_with_opts(coll, &cmd, NULL, &reply, &err)) {
        rc = cs_mg_error(&err);
    } else {
        char path[64];
        bool ok = true;
        snprintf(path, sizeof(path), "value.%s", field);
        *out = int_at(&reply, path, &ok);
        if (!ok || *out < 1) rc = CS_ERR_STORE;
    }
    bson_destroy(&reply);
    bson_destroy(&cmd);
    mongoc_collection_destroy(coll);
    return rc;
}

struct writer {
    struct cs_store *st;
    const char *tenant;
    const struct cs_rp_resource *r, *parts, *chg;
    const char *part_key; /* "call_id" or "chat_id" */
    bool calls;
    int64_t now_ms, upd;
    char upd_iso[CS_ISO_MAX], now_iso[CS_ISO_MAX];
    mongoc_collection_t *main, *part_c, *seg_c, *chg_c;
    struct cs_rp_import_result *res;
};

/* A chunk's pending writes, one ordered bulk per collection. */
struct bulks {
    mongoc_bulk_operation_t *main, *parts, *segs, *chg;
    size_t nmain, nparts, nsegs, nchg;
};

static int replace_upsert(mongoc_bulk_operation_t *b, const bson_t *doc, size_t *n)
{
    bson_iter_t it;
    bson_t sel = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    bson_error_t err;
    int rc = CS_OK;
    BSON_APPEND_BOOL(&opts, "upsert", true);
    if (!bson_iter_init_find(&it, doc, "_id"))
        rc = CS_ERR_INVALID;
    else if (!BSON_APPEND_VALUE(&sel, "_id", bson_iter_value(&it)))
        rc = CS_ERR_TOO_LARGE;
    else if (!mongoc_bulk_operation_replace_one_with_opts(b, &sel, doc, &opts, &err))
        rc = cs_mg_error(&err);
    if (!rc) (*n)++;
    bson_destroy(&sel);
    bson_destroy(&opts);
    return rc;
}

/* A participant's row: the nested object with its contact's id, created_at (when it has
 * none) and updated_at, as the SQLite side writes it. */
static int participant_doc(struct writer *w, json_object *rec, json_object *p, bson_t *doc)
{
    json_object *cp = NULL;
    if (!json_object_is_type(p, json_type_object) || json_object_deep_copy(p, &cp, NULL))
        return CS_ERR_INVALID;
    json_object_object_add(
        cp, w->part_key,
        json_object_new_int64(json_object_get_int64(json_object_object_get(rec, "id"))));
    if (!json_object_object_get(cp, "created_at"))
        json_object_object_add(cp, "created_at",
                               json_object_get(json_object_object_get(rec, "created_at")));
    json_object_object_add(cp, "updated_at", json_object_new_string(w->upd_iso));
    int rc = cs_mq_rp_doc(doc, w->tenant, w->parts, cp, w->upd);
    json_object_put(cp);
    return rc;
}

/* The record's stored document, and its derived rows into the bulks when `b` is given
 * (NULL: only built, the pre-validation pass). */
static int derived(struct writer *w, json_object *rec, bool existed, struct bulks *b)
{
    int rc = CS_OK;
    if (w->parts) {
        json_object *arr = json_object_object_get(rec, "participants");
        size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
        if (b && existed) {
            /* Every row of the contact, deleted ones too, as SQLite's DELETE does. */
            bson_t sel = BSON_INITIALIZER;
            bson_error_t err;
            BSON_APPEND_UTF8(&sel, "_id.t", w->tenant);
            BSON_APPEND_INT64(&sel, w->calls ? "c.call_id" : "c.chat_id",
                              json_object_get_int64(json_object_object_get(rec, "id")));
            if (!mongoc_bulk_operation_remove_many_with_opts(b->parts, &sel, NULL, &err))
                rc = cs_mg_error(&err);
            if (!rc) b->nparts++;
            bson_destroy(&sel);
        }
        for (size_t i = 0; !rc && i < n; i++) {
            bson_t doc = BSON_INITIALIZER;
            rc = participant_doc(w, rec, json_object_array_get_idx(arr, i), &doc);
            if (!rc && b) rc = replace_upsert(b->parts, &doc, &b->nparts);
            bson_destroy(&doc);
        }
    }
    if (!rc && w->calls) {
        struct cs_rp_segments s;
        bson_t doc = BSON_INITIALIZER;
        rc = cs_rp_segments_of(rec, &s) ? CS_ERR_INVALID : CS_OK;
        if (!rc) rc = cs_mq_rp_segments_doc(&doc, w->tenant, rec, &s);
        if (!rc && b) rc = replace_upsert(b->segs, &doc, &b->nsegs);
        bson_destroy(&doc);
    }
    return rc;
}

/* created_at defaults to the write time; updated_at is the import's. */
static void stamp(struct writer *w, json_object *rec)
{
    if (!json_object_object_get(rec, "created_at"))
        json_object_object_add(rec, "created_at", json_object_new_string(w->now_iso));
    json_object_object_add(rec, "updated_at", json_object_new_string(w->upd_iso));
}

/* Builds every document of the import once, writing nothing: a record that cannot be
 * stored refuses the import before its first write. */
static int prevalidate(struct writer *w, json_object *records)
{
    size_t n = json_object_array_length(records);
    int rc = CS_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        json_object *rec = json_object_array_get_idx(records, i);
        bson_t doc = BSON_INITIALIZER;
        stamp(w, rec);
        rc = cs_mq_rp_doc(&doc, w->tenant, w->r, rec, w->upd);
        bson_destroy(&doc);
        if (!rc) rc = derived(w, rec, false, NULL);
    }
    return rc;
}

struct idpos {
    int64_t id;
    size_t at;
};

static int idpos_cmp(const void *x, const void *y)
{
    const struct idpos *a = x, *b = y;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return a->at < b->at ? -1 : a->at > b->at;
}

static int idpos_id_cmp(const void *x, const void *y)
{
    const struct idpos *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Ids of records [from, to) sorted; returns where the chunk must end so that no id
 * repeats in it (a repeated id must see its first write, as on SQLite). */
static size_t chunk_ids(json_object *records, size_t from, size_t to, struct idpos *ids)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = from; i < to; i++)
            ids[i - from] = (struct idpos){json_object_get_int64(json_object_object_get(
                                               json_object_array_get_idx(records, i), "id")),
                                           i};
        qsort(ids, to - from, sizeof(*ids), idpos_cmp);
        size_t cut = to;
        for (size_t k = 0; k + 1 < to - from; k++)
            if (ids[k].id == ids[k + 1].id && ids[k + 1].at < cut) cut = ids[k + 1].at;
        if (cut == to) break;
        to = cut;
    }
    return to;
}

/* Reads the stored records of the chunk's ids into old[] (by position; NULL when absent
 * or not readable, with exists[] telling which). */
static int fetch_old(struct writer *w, const struct idpos *ids, size_t n, size_t from,
                     json_object **old, bool *exists)
{
    bson_t f = BSON_INITIALIZER, opts = BSON_INITIALIZER, id, in, key;
    char k[16];
    const char *ks;
    BSON_APPEND_DOCUMENT_BEGIN(&f, "_id", &id);
    BSON_APPEND_ARRAY_BEGIN(&id, "$in", &in);
    for (size_t i = 0; i < n; i++) {
        bson_uint32_to_string((uint32_t)i, &ks, k, sizeof(k));
        BSON_APPEND_DOCUMENT_BEGIN(&in, ks, &key);
        BSON_APPEND_UTF8(&key, "t", w->tenant);
        BSON_APPEND_INT64(&key, "i", ids[i].id);
        bson_append_document_end(&in, &key);
    }
    bson_append_array_end(&id, &in);
    bson_append_document_end(&f, &id);
    BCON_APPEND(&opts, "projection", "{", "rec", BCON_INT32(1), "}");
    mongoc_cursor_t *c = mongoc_collection_find_with_opts(w->main, &f, &opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    int rc = CS_OK;
    while (rc == CS_OK && mongoc_cursor_next(c, &doc)) {
        bool ok = true;
        struct idpos want = {int_at(doc, "_id.i", &ok), 0};
        const struct idpos *hit = ok ? bsearch(&want, ids, n, sizeof(*ids), idpos_id_cmp) : NULL;
        if (!hit) continue;
        exists[hit->at - from] = true;
        /* A stored record that no longer reads is replaced whole, as an update. */
        old[hit->at - from] = sub_json(doc, "rec");
    }
    if (mongoc_cursor_error(c, &err)) rc = cs_mg_error(&err);
    mongoc_cursor_destroy(c);
    bson_destroy(&f);
    bson_destroy(&opts);
    return rc;
}

static bool same(json_object *x, json_object *y)
{
    if (!x || !y) return x == y;
    return !strcmp(json_object_to_json_string_ext(x, JSON_C_TO_STRING_PLAIN),
                   json_object_to_json_string_ext(y, JSON_C_TO_STRING_PLAIN));
}

/* Appends to `changes` one {record_id, field, former, new} per field that differs
 * between the stored record and the new one, both as read back from BSON (so a number
 * written as 60.50 compares equal to the 60.5 stored). Returns how many. */
static int64_t diff(const struct cs_rp_resource *r, int64_t id, json_object *old, json_object *now,
                    json_object *changes)
{
    int64_t n = 0;
    for (size_t i = 0; i < r->nfields; i++) {
        const char *k = r->fields[i].name;
        if (!strcmp(k, "updated_at")) continue;
        json_object *a = json_object_object_get(old, k), *b = json_object_object_get(now, k);
        if (same(a, b)) continue;
        json_object *c = json_object_new_object();
        if (!c) return -1;
        json_object_object_add(c, "record_id", json_object_new_int64(id));
        json_object_object_add(c, "field", json_object_new_string(k));
        json_object_object_add(c, "former_value", json_object_get(a));
        json_object_object_add(c, "new_value", json_object_get(b));
        if (json_object_array_add(changes, c)) {
            json_object_put(c);
            return -1;
        }
        n++;
    }
    return n;
}

/* The changed_details rows of a chunk, under ids taken as one block from the tenant's
 * counter. */
static int change_rows(struct writer *w, json_object *changes, struct bulks *b)
{
    int64_t n = (int64_t)json_object_array_length(changes), last = 0;
    if (!n) return CS_OK;
    bson_t sel = BSON_INITIALIZER, upd = BSON_INITIALIZER;
    int rc = cs_mq_rp_change_ids(&sel, &upd, w->tenant, n);
    if (!rc) rc = clock_fam(w->st, &sel, &upd, false, "next", &last);
    bson_destroy(&sel);
    bson_destroy(&upd);
    for (int64_t i = 0; !rc && i < n; i++) {
        json_object *c = json_object_array_get_idx(changes, (size_t)i);
        json_object_object_add(c, "id", json_object_new_int64(last - n + 1 + i));
        json_object_object_add(c, "record_type", json_object_new_string(w->r->record_type));
        json_object_object_add(c, "created_at", json_object_new_string(w->now_iso));
        json_object_object_add(c, "updated_at", json_object_new_string(w->upd_iso));
        bson_t doc = BSON_INITIALIZER;
        rc = cs_mq_rp_doc(&doc, w->tenant, w->chg, c, w->upd);
        if (!rc) rc = replace_upsert(b->chg, &doc, &b->nchg);
        bson_destroy(&doc);
    }
    return rc;
}

/* One record of a chunk: unchanged records are left alone; the rest are written with
 * their derived rows. */
static int write_record(struct writer *w, json_object *rec, json_object *old, bool existed,
                        json_object *changes, struct bulks *b)
{
    bson_t doc = BSON_INITIALIZER;
    int64_t id = json_object_get_int64(json_object_object_get(rec, "id"));
    int rc = cs_mq_rp_doc(&doc, w->tenant, w->r, rec, w->upd);
    if (!rc && old) {
        json_object *now = sub_json(&doc, "rec");
        int64_t n = now ? diff(w->r, id, old, now, changes) : -1;
        json_object_put(now);
        if (n < 0) rc = CS_ERR_NOMEM;
        if (!rc && n == 0) {
            w->res->unchanged++;
            bson_destroy(&doc);
            return CS_OK;
        }
        w->res->changed_details += n;
    }
    if (existed)
        w->res->updated++;
    else
        w->res->inserted++;
    if (!rc) rc = replace_upsert(b->main, &doc, &b->nmain);
    bson_destroy(&doc);
    return rc ? rc : derived(w, rec, existed, b);
}

static int execute(mongoc_bulk_operation_t *b, size_t n)
{
    if (!n) return CS_OK; /* an empty bulk is an error to the server */
    bson_t reply;
    bson_error_t err;
    int rc = mongoc_bulk_operation_execute(b, &reply, &err) ? CS_OK : cs_mg_error(&err);
    bson_destroy(&reply);
    return rc;
}

static int write_chunk(struct writer *w, json_object *records, size_t from, size_t to,
                       struct idpos *ids, size_t *end)
{
    to = chunk_ids(records, from, to, ids);
    *end = to;
    size_t n = to - from;
    json_object **old = calloc(n, sizeof(*old));
    bool *existed = calloc(n, sizeof(*existed));
    json_object *changes = json_object_new_array();
    bson_t ordered = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&ordered, "ordered", true);
    struct bulks b = {
        mongoc_collection_create_bulk_operation_with_opts(w->main, &ordered),
        w->part_c ? mongoc_collection_create_bulk_operation_with_opts(w->part_c, &ordered) : NULL,
        w->seg_c ? mongoc_collection_create_bulk_operation_with_opts(w->seg_c, &ordered) : NULL,
        mongoc_collection_create_bulk_operation_with_opts(w->chg_c, &ordered),
        0,
        0,
        0,
        0};
    int rc = old && existed && changes ? fetch_old(w, ids, n, from, old, existed) : CS_ERR_NOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        rc = write_record(w, json_object_array_get_idx(records, from + i), old[i], existed[i],
                          changes, &b);
    if (!rc) rc = change_rows(w, changes, &b);
    /* Derived rows first, the records last: see the top of this file. */
    if (!rc) rc = execute(b.chg, b.nchg);
    if (!rc && b.parts) rc = execute(b.parts, b.nparts);
    if (!rc && b.segs) rc = execute(b.segs, b.nsegs);
    if (!rc) rc = execute(b.main, b.nmain);
    mongoc_bulk_operation_t *all[] = {b.main, b.parts, b.segs, b.chg};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i]) mongoc_bulk_operation_destroy(all[i]);
    for (size_t i = 0; old && i < n; i++) json_object_put(old[i]);
    free(old);
    free(existed);
    json_object_put(changes);
    bson_destroy(&ordered);
    return rc;
}

static int writer_open(struct writer *w)
{
    bool contact = !strcmp(w->r->name, "calls") || !strcmp(w->r->name, "chats");
    w->calls = !strcmp(w->r->name, "calls");
    w->chg = cs_rp_resource_find("changed_details");
    w->parts =
        contact ? cs_rp_resource_find(w->calls ? "call_participants" : "chat_participants") : NULL;
    w->part_key = w->calls ? "call_id" : "chat_id";
    w->main = cs_mg_collection(w->st, w->r->table);
    w->chg_c = w->chg ? cs_mg_collection(w->st, w->chg->table) : NULL;
    w->part_c = w->parts ? cs_mg_collection(w->st, w->parts->table) : NULL;
    w->seg_c = w->calls ? cs_mg_collection(w->st, "rp_call_segments") : NULL;
    if (!w->main || !w->chg_c || (contact && !w->part_c) || (w->calls && !w->seg_c))
        return CS_ERR_NOMEM;
    /* The import's updated_at, from the (tenant, table) clock. */
    bson_t sel = BSON_INITIALIZER, upd = BSON_INITIALIZER;
    int rc = cs_mq_rp_clock(&sel, &upd, w->tenant, w->r->table, w->now_ms);
    if (!rc) rc = clock_fam(w->st, &sel, &upd, true, "upd", &w->upd);
    bson_destroy(&sel);
    bson_destroy(&upd);
    cs_rp_time_str(w->upd, w->upd_iso);
    cs_rp_time_str(w->now_ms, w->now_iso);
    return rc;
}

static void writer_close(struct writer *w)
{
    coll_free(w->main);
    coll_free(w->chg_c);
    coll_free(w->part_c);
    coll_free(w->seg_c);
}

static int mg_rp_import(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const struct cs_rp_resource *r, json_object *records, int64_t now_ms,
                        struct cs_rp_import_result *res)
{
    size_t n =
        json_object_is_type(records, json_type_array) ? json_object_array_length(records) : 0;
    memset(res, 0, sizeof(*res));
    if (!n) return CS_OK;
    struct writer w = {.st = st, .tenant = tenant, .r = r, .now_ms = now_ms, .res = res};
    struct idpos *ids = cs_arena_alloc(a, CHUNK * sizeof(*ids));
    int rc = ids ? writer_open(&w) : CS_ERR_NOMEM;
    if (!rc) rc = prevalidate(&w, records);
    for (size_t at = 0; !rc && at < n;) {
        size_t end = at;
        rc = write_chunk(&w, records, at, at + CHUNK < n ? at + CHUNK : n, ids, &end);
        at = end;
    }
    writer_close(&w);
    if (rc) memset(res, 0, sizeof(*res));
    return rc;
}

int cs_mg_rp_write_staged(struct cs_store *st, const char *tenant, const char *resource,
                          const char *payload, int64_t now_ms)
{
    const struct cs_rp_resource *r = cs_rp_resource_find(resource);
    if (!r || !r->importable || !payload) return CS_ERR_INVALID;
    struct cs_arena *a = cs_arena_new(0);
    if (!a) return CS_ERR_NOMEM;
    json_object *records, *errors;
    size_t bad;
    struct cs_rp_import_result res;
    int rc = cs_rp_import_parse(payload, strlen(payload), a, &records, &bad);
    /* The product's own records (cs_rp_chat_*, cs_rp_review_*): one that fails the
     * import checks is a bug, refused as on SQLite. */
    if (!rc) rc = cs_rp_import_check(r, records, a, &errors) ? CS_ERR_INVALID : CS_OK;
    if (!rc) rc = mg_rp_import(st, a, tenant, r, records, now_ms, &res);
    cs_arena_destroy(a);
    return rc;
}

const struct cs_rp_store_ops cs_mg_rp_ops = {
    .import = mg_rp_import,
    .list = mg_rp_list,
    .get = mg_rp_get,
    .children = mg_rp_children,
    .team_agents = mg_rp_team_agents,
    .segment_stats = mg_rp_segment_stats,
};
