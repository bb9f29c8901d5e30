/* MongoDB backend of the store, over libmongoc; the BSON it sends is built by the pure
 * store_mongo_query.c (layout described there). Three collections:
 *   docs      every store collection, keyed by _id {t: tenant, c: coll, i: id}. One
 *             collection rather than one per store collection: MongoDB allows one text
 *             index per collection, the index set stays fixed (infra/mongodb), and a
 *             tenant's data is one index range for sharding by tenant later.
 *   outbox    events to deliver, _id = event id.
 *   counters  rate-limit windows, _id {t, k, w}, removed by a TTL index on `expires`.
 *
 * Outbox without transactions (standalone servers have none): a write carries its
 * staged events inside the changed document (`_outbox`) in the same single-document
 * write, then moves them to `outbox` with upserts keyed by event id (idempotent) and
 * removes them from the document. A crash between the two steps leaves them in the
 * document; every claim first sweeps such documents. A delete with events leaves a
 * tombstone (`_deleted: true`) holding them until they are moved; reads never see it.
 *
 * Connections: one mongoc_client_pool_t per URI per process, shared by every handle
 * (worker threads) and reused across invocations; a handle pops one client for its
 * lifetime. Nothing connects at open: the first call does, so a cold start costs no
 * round trip and an unreachable server surfaces as CS_ERR_STORE on that call.
 *
 * Built into the run-time plugin libcs-store-mongo.so, never into libcs.a: only a
 * process that opens a mongodb:// URI loads libmongoc (store_plugin.h). */
#include <math.h>
#include <mongoc/mongoc.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/tenant.h"
#include "cs/clock.h"
#include "cs/events.h"
#include "cs/log.h"
#include "store/store_int.h"
#include "store/mongo/store_mongo_int.h"
#include "store/mongo/store_mongo_query.h"
#include "store/store_plugin.h"

#define MAX_POOLS 4
#define SWEEP_BATCH 100
/* Without one in the URI, a call waits at most this long for a usable server. */
#define SERVER_SELECTION_MS 5000

struct mg_pool {
    char *uri; /* the URI as given: only compared, never logged (it may hold a password) */
    char *db;
    mongoc_client_pool_t *pool;
    unsigned refs;
};

struct mg_store {
    struct cs_store base;
    struct mg_pool *pool;
    mongoc_client_t *client;
    mongoc_collection_t *docs, *outbox, *counters, *rollups;
};

static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mg_pool pools[MAX_POOLS];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static struct mg_store *MG(struct cs_store *st) { return (struct mg_store *)st; }

/* The one translator from libmongoc errors to ours. Only the numbers are logged:
 * messages can quote document values. */
static int cs_from_mongoc(const bson_error_t *e)
{
    if (e->code == MONGOC_ERROR_DUPLICATE_KEY) return CS_ERR_EXISTS;
    char dom[16], code[16];
    snprintf(dom, sizeof(dom), "%u", e->domain);
    snprintf(code, sizeof(code), "%u", e->code);
    cs_log(CS_LOG_WARN, "store error", "backend", "mongodb", "domain", dom, "code", code, NULL);
    return CS_ERR_STORE;
}

/* libmongoc's own log lines may quote a URI; keep the level and domain only. */
static void log_handler(mongoc_log_level_t level, const char *domain, const char *message,
                        void *data)
{
    (void)message, (void)data;
    if (level > MONGOC_LOG_LEVEL_WARNING) return;
    cs_log(level == MONGOC_LOG_LEVEL_WARNING ? CS_LOG_WARN : CS_LOG_ERROR, "mongoc", "domain",
           domain ? domain : "", NULL);
}

static void init_library(void)
{
    mongoc_log_set_handler(log_handler, NULL);
    mongoc_init();
}

/* ---- the per-process pool ---- */

static void pool_free(struct mg_pool *p)
{
    if (p->pool) mongoc_client_pool_destroy(p->pool);
    bson_free(p->uri);
    bson_free(p->db);
    memset(p, 0, sizeof(*p));
}

static int pool_create(struct mg_pool *p, const char *uri_str)
{
    bson_error_t err;
    mongoc_uri_t *uri = mongoc_uri_new_with_error(uri_str, &err);
    if (!uri) return CS_ERR_CONFIG; /* err.message may quote the URI: not logged */
    if (mongoc_uri_get_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 0) == 0)
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                                       SERVER_SELECTION_MS);
    const char *db = mongoc_uri_get_database(uri);
    p->db = bson_strdup(db && *db ? db : "cs");
    p->uri = bson_strdup(uri_str);
    p->pool = mongoc_client_pool_new_with_error(uri, &err);
    mongoc_uri_destroy(uri);
    if (!p->pool) {
        pool_free(p);
        return CS_ERR_CONFIG;
    }
    mongoc_client_pool_set_error_api(p->pool, MONGOC_ERROR_API_VERSION_2);
    mongoc_client_pool_set_appname(p->pool, "cs-store");
    p->refs = 1;
    return CS_OK;
}

static int pool_get(const char *uri, struct mg_pool **out)
{
    pthread_mutex_lock(&pools_lock);
    struct mg_pool *free_slot = NULL;
    int rc = CS_ERR_STORE; /* every slot taken by other URIs */
    for (size_t i = 0; i < MAX_POOLS; i++) {
        if (pools[i].refs && strcmp(pools[i].uri, uri) == 0) {
            pools[i].refs++;
            *out = &pools[i];
            pthread_mutex_unlock(&pools_lock);
            return CS_OK;
        }
        if (!pools[i].refs && !free_slot) free_slot = &pools[i];
    }
    if (free_slot && (rc = pool_create(free_slot, uri)) == CS_OK) *out = free_slot;
    pthread_mutex_unlock(&pools_lock);
    return rc;
}

static void pool_put(struct mg_pool *p)
{
    pthread_mutex_lock(&pools_lock);
    if (--p->refs == 0) pool_free(p);
    pthread_mutex_unlock(&pools_lock);
}

static void mg_close(struct cs_store *st)
{
    struct mg_store *s = MG(st);
    mongoc_collection_destroy(s->docs);
    mongoc_collection_destroy(s->outbox);
    mongoc_collection_destroy(s->counters);
    mongoc_collection_destroy(s->rollups);
    if (s->client) mongoc_client_pool_push(s->pool->pool, s->client);
    pool_put(s->pool);
    free(s);
}

static int mg_ping(struct cs_store *st)
{
    bson_t cmd = BSON_INITIALIZER;
    bson_error_t err;
    BSON_APPEND_INT32(&cmd, "ping", 1);
    bool ok = mongoc_client_command_simple(MG(st)->client, "admin", &cmd, NULL, NULL, &err);
    bson_destroy(&cmd);
    return ok ? CS_OK : cs_from_mongoc(&err);
}

/* ---- small helpers ---- */

static int64_t reply_count(const bson_t *reply, const char *field)
{
    return cs_mq_get_int(reply, field, 0);
}

/* Whether a live document has this key: tells CONFLICT from NOT_FOUND after a
 * versioned write matched nothing, as SQLite does. */
static int live_exists(struct mg_store *s, const char *tenant, const char *coll, const char *id)
{
    bson_t q = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    bson_error_t err;
    int rc = cs_mq_live_key(&q, tenant, coll, id);
    BSON_APPEND_INT64(&opts, "limit", 1);
    int64_t n = rc ? 0 : mongoc_collection_count_documents(s->docs, &q, &opts, NULL, NULL, &err);
    bson_destroy(&q);
    bson_destroy(&opts);
    if (rc) return rc;
    if (n < 0) return cs_from_mongoc(&err);
    return n > 0 ? CS_ERR_CONFLICT : CS_ERR_NOT_FOUND;
}

/* ---- moving embedded events to the outbox ---- */

/* A reporting event (CS_RP_STAGE_TOPIC) is not delivered: its records are written into
 * the reporting collections now (idempotent, so a sweep may repeat it). */
static int write_reporting(struct mg_store *s, const bson_t *ev)
{
    const char *f[3] = {NULL, NULL, NULL};
    static const char *const names[] = {"tenant", "type", "payload"};
    bson_iter_t it;
    for (size_t i = 0; i < 3; i++)
        if (bson_iter_init_find(&it, ev, names[i]) && BSON_ITER_HOLDS_UTF8(&it))
            f[i] = bson_iter_utf8(&it, NULL);
    int rc = f[0] && f[1] && f[2] ? cs_mg_rp_write_staged(&s->base, f[0], f[1], f[2],
                                                          cs_mq_get_int(ev, "created", 0))
                                  : CS_ERR_INVALID;
    if (rc != CS_ERR_INVALID) return rc;
    /* Records the import checks refuse (a bug: the product builds them) would fail every
     * later sweep and hold up every claim: dropped with an error line instead. SQLite
     * refuses the session write itself; here that write has already happened. */
    cs_log(CS_LOG_ERROR, "staged reporting records refused, dropped", "backend", "mongodb",
           "resource", f[1] ? f[1] : "", NULL);
    return CS_OK;
}

static bool is_reporting(const bson_t *ev)
{
    bson_iter_t it;
    return bson_iter_init_find(&it, ev, "topic") && BSON_ITER_HOLDS_UTF8(&it) &&
           !strcmp(bson_iter_utf8(&it, NULL), CS_RP_STAGE_TOPIC);
}

/* Upserts the events of `carrier` ({_id, _outbox: [...]}) into `outbox`; the bulk write
 * changes nothing for an event moved before, so repeating or racing is safe. `ids`
 * receives the moved event ids (pointers into `carrier`). */
static int upsert_events(struct mg_store *s, const bson_t *carrier, const char **ids, size_t cap,
                         size_t *n)
{
    bson_iter_t it, arr, idit;
    *n = 0;
    if (!bson_iter_init_find(&it, carrier, "_outbox") || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &arr))
        return CS_OK;
    bson_error_t err;
    int rc = CS_OK;
    size_t queued = 0;
    mongoc_bulk_operation_t *bulk =
        mongoc_collection_create_bulk_operation_with_opts(s->outbox, NULL);
    bson_t upsert = BSON_INITIALIZER, reply = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&upsert, "upsert", true);
    while (rc == CS_OK && *n < cap && bson_iter_next(&arr)) {
        uint32_t len;
        const uint8_t *data;
        bson_t ev, sel = BSON_INITIALIZER, upd = BSON_INITIALIZER;
        if (!BSON_ITER_HOLDS_DOCUMENT(&arr)) continue;
        bson_iter_document(&arr, &len, &data);
        if (!bson_init_static(&ev, data, len)) continue;
        if (is_reporting(&ev)) {
            rc = write_reporting(s, &ev);
        } else {
            rc = cs_mq_event_upsert(&ev, &sel, &upd);
            if (rc == CS_OK &&
                !mongoc_bulk_operation_update_one_with_opts(bulk, &sel, &upd, &upsert, &err))
                rc = cs_from_mongoc(&err);
            queued += rc == CS_OK;
        }
        if (rc == CS_OK && bson_iter_init_find(&idit, &ev, "id"))
            ids[(*n)++] = bson_iter_utf8(&idit, NULL);
        bson_destroy(&sel);
        bson_destroy(&upd);
    }
    if (rc == CS_OK && queued > 0 && !mongoc_bulk_operation_execute(bulk, &reply, &err))
        rc = cs_from_mongoc(&err);
    bson_destroy(&reply); /* always initialised by execute, empty otherwise */
    bson_destroy(&upsert);
    mongoc_bulk_operation_destroy(bulk);
    return rc;
}

/* Moves the events `carrier` holds into the outbox, then removes exactly those from
 * the document, so events pushed meanwhile stay for the next move. A tombstone goes
 * once it carries nothing. */
static int move_events(struct mg_store *s, const bson_t *carrier)
{
    const char *ids[CS_OUTBOX_MAX_STAGED * 4];
    size_t n;
    int rc = upsert_events(s, carrier, ids, sizeof(ids) / sizeof(*ids), &n);
    bson_iter_t it;
    bson_t key = BSON_INITIALIZER, pull = BSON_INITIALIZER;
    bson_error_t err;
    if (bson_iter_init_find(&it, carrier, "_id"))
        BSON_APPEND_VALUE(&key, "_id", bson_iter_value(&it));
    if (rc == CS_OK && n > 0) {
        rc = cs_mq_outbox_pull(&pull, ids, n);
        if (rc == CS_OK && !mongoc_collection_update_one(s->docs, &key, &pull, NULL, NULL, &err))
            rc = cs_from_mongoc(&err);
    }
    if (rc == CS_OK && bson_iter_init_find(&it, carrier, "_deleted")) {
        BCON_APPEND(&key, "_deleted", BCON_BOOL(true), "_outbox", "{", "$exists", BCON_BOOL(false),
                    "}");
        if (!mongoc_collection_delete_one(s->docs, &key, NULL, NULL, &err))
            rc = cs_from_mongoc(&err);
    }
    bson_destroy(&key);
    bson_destroy(&pull);
    return rc;
}

/* Moves what a crashed writer left in documents. */
static int sweep(struct mg_store *s)
{
    bson_t q = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    /* The same predicate as the partial index docs_outbox_pending, so it serves this. */
    BCON_APPEND(&q, "_outbox.seq", "{", "$exists", BCON_BOOL(true), "}");
    BCON_APPEND(&opts, "projection", "{", "_outbox", BCON_INT32(1), "_deleted", BCON_INT32(1), "}",
                "limit", BCON_INT64(SWEEP_BATCH));
    mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->docs, &q, &opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    int rc = CS_OK;
    while (rc == CS_OK && mongoc_cursor_next(c, &doc)) rc = move_events(s, doc);
    if (rc == CS_OK && mongoc_cursor_error(c, &err)) rc = cs_from_mongoc(&err);
    mongoc_cursor_destroy(c);
    bson_destroy(&q);
    bson_destroy(&opts);
    return rc;
}

/* {_id: key, _outbox: [staged events]}: what a write embeds and what move_events reads. */
static int build_carrier(struct mg_store *s, bson_t *carrier, const char *tenant, const char *coll,
                         const char *id, int64_t now_ms)
{
    int rc = cs_mq_key(carrier, tenant, coll, id);
    if (rc) return rc;
    return cs_mq_append_events(carrier, "_outbox", s->base.staged, s->base.nstaged, now_ms);
}

/* Appends {$push: {_outbox: {$each: carrier._outbox}}}. */
static void append_push(bson_t *update, const bson_t *carrier)
{
    bson_iter_t it;
    if (!bson_iter_init_find(&it, carrier, "_outbox")) return;
    bson_t push, each;
    BSON_APPEND_DOCUMENT_BEGIN(update, "$push", &push);
    BSON_APPEND_DOCUMENT_BEGIN(&push, "_outbox", &each);
    BSON_APPEND_VALUE(&each, "$each", bson_iter_value(&it));
    bson_append_document_end(&push, &each);
    bson_append_document_end(update, &push);
}

/* After a write that embedded events: moving them now is best effort, since the write
 * already succeeded and a sweep moves whatever is left. */
static void move_after_write(struct mg_store *s, const bson_t *carrier)
{
    if (s->base.nstaged && move_events(s, carrier) != CS_OK)
        cs_log(CS_LOG_WARN, "outbox events left for the sweep", "backend", "mongodb", NULL);
}

/* ---- rollups (store_rollup.h) ----
 * Without a transaction (a standalone server has none) the cells are upserted right
 * after the document write that changes them; a process dying between the two leaves
 * that write out of the rollups. */

/* A stored body as json-c (through relaxed extended JSON: the measured and grouped
 * fields are plain numbers and strings), NULL when there is none. Caller puts it. */
static json_object *body_json(const bson_t *doc, const char *path)
{
    bson_iter_t it, sub;
    if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, path, &sub) ||
        !BSON_ITER_HOLDS_DOCUMENT(&sub))
        return NULL;
    uint32_t len;
    const uint8_t *data;
    bson_iter_document(&sub, &len, &data);
    bson_t body;
    if (!bson_init_static(&body, data, len)) return NULL;
    char *text = bson_as_relaxed_extended_json(&body, NULL);
    json_object *o = text ? json_tokener_parse(text) : NULL;
    bson_free(text);
    return o;
}

/* The live document's body, creation time and version (the version only when *version
 * is negative, i.e. "any"); CS_ERR_NOT_FOUND when there is none. */
static int rollup_old(struct mg_store *s, const bson_t *key, json_object **old, int64_t *created,
                      int64_t *version)
{
    bson_t opts = BSON_INITIALIZER;
    BCON_APPEND(&opts, "projection", "{", "body", BCON_INT32(1), "created", BCON_INT32(1),
                "version", BCON_INT32(1), "}", "limit", BCON_INT64(1));
    mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->docs, key, &opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    int rc = CS_ERR_NOT_FOUND;
    if (mongoc_cursor_next(c, &doc)) {
        *old = body_json(doc, "body");
        *created = cs_mq_get_int(doc, "created", 0);
        if (*version < 0) *version = cs_mq_get_int(doc, "version", -1);
        rc = CS_OK;
    } else if (mongoc_cursor_error(c, &err)) {
        rc = cs_from_mongoc(&err);
    }
    mongoc_cursor_destroy(c);
    bson_destroy(&opts);
    return rc;
}

static void rollup_write(struct mg_store *s, const char *tenant, const char *coll,
                         json_object *old_body, int64_t old_created, json_object *new_body,
                         int64_t new_created)
{
    const struct cs_rollup_def *d = cs_rollup_def_for(coll);
    if (!d) return;
    struct cs_rollup_cell cells[CS_ROLLUP_MAX_CELLS];
    size_t n = cs_rollup_delta(d, old_body, old_created, new_body, new_created, cells);
    bson_t opts = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&opts, "upsert", true);
    for (size_t i = 0; i < n; i++) {
        bson_t sel = BSON_INITIALIZER, upd = BSON_INITIALIZER;
        bson_error_t err;
        if (cs_mq_rollup_upsert(&sel, &upd, tenant, coll, &cells[i]) != CS_OK ||
            !mongoc_collection_update_one(s->rollups, &sel, &upd, &opts, NULL, &err))
            cs_log(CS_LOG_ERROR, "rollup cell not updated after a write", "backend", "mongodb",
                   NULL);
        bson_destroy(&sel);
        bson_destroy(&upd);
    }
    bson_destroy(&opts);
}

/* ---- documents ---- */

static void fill_out(struct cs_doc *out, const char *id, int64_t version, int64_t created,
                     int64_t updated, json_object *body)
{
    if (!out) return;
    *out = (struct cs_doc){id, version, created, updated, body};
}

/* A duplicate key on insert may be a tombstone still waiting for its events to move:
 * finish it so the id is free again. CS_OK when there was one. */
static int clear_tombstone(struct mg_store *s, const char *tenant, const char *coll, const char *id)
{
    bson_t q = BSON_INITIALIZER;
    int rc = cs_mq_key(&q, tenant, coll, id);
    BSON_APPEND_BOOL(&q, "_deleted", true);
    mongoc_cursor_t *c = rc ? NULL : mongoc_collection_find_with_opts(s->docs, &q, NULL, NULL);
    const bson_t *doc;
    rc = CS_ERR_EXISTS;
    if (c && mongoc_cursor_next(c, &doc)) rc = move_events(s, doc);
    mongoc_cursor_destroy(c);
    bson_destroy(&q);
    return rc;
}

static int mg_insert(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                     const char *id, json_object *body, const struct cs_text *text, int64_t now_ms,
                     struct cs_doc *out)
{
    struct mg_store *s = MG(st);
    bson_t doc = BSON_INITIALIZER;
    bson_error_t err;
    int rc = cs_mq_key(&doc, tenant, coll, id);
    if (!rc) {
        BCON_APPEND(&doc, "version", BCON_INT64(1), "created", BCON_INT64(now_ms), "updated",
                    BCON_INT64(now_ms));
        /* Real-time events (written once, never updated) carry a BSON date for the TTL
         * index docs_events_ttl (infra/mongodb): idle tenants' feeds empty themselves. */
        if (strcmp(coll, CS_EVENTS_COLL) == 0)
            BCON_APPEND(&doc, "ttl_from", BCON_DATE_TIME(now_ms));
        rc = cs_mq_append_body(&doc, "body", body);
    }
    if (!rc && text) rc = cs_mq_append_text(&doc, text);
    if (!rc && st->nstaged)
        rc = cs_mq_append_events(&doc, "_outbox", st->staged, st->nstaged, now_ms);
    for (int attempt = 0; rc == CS_OK; attempt++) {
        if (mongoc_collection_insert_one(s->docs, &doc, NULL, NULL, &err)) break;
        rc = cs_from_mongoc(&err);
        if (rc == CS_ERR_EXISTS && attempt == 0 && clear_tombstone(s, tenant, coll, id) == CS_OK)
            rc = CS_OK; /* try once more */
    }
    if (!rc) move_after_write(s, &doc);
    if (!rc) rollup_write(s, tenant, coll, NULL, 0, body, now_ms);
    bson_destroy(&doc);
    if (rc) return rc;
    fill_out(out, id, 1, now_ms, now_ms, body);
    (void)a;
    return CS_OK;
}

static int mg_get(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                  const char *id, struct cs_doc *out)
{
    struct mg_store *s = MG(st);
    bson_t q = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    struct cs_query all = {.limit = 1};
    int rc = cs_mq_live_key(&q, tenant, coll, id);
    if (!rc) rc = cs_mq_find_opts(&opts, &all);
    mongoc_cursor_t *c = rc ? NULL : mongoc_collection_find_with_opts(s->docs, &q, &opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    if (c) {
        if (mongoc_cursor_next(c, &doc))
            rc = cs_mq_read_doc(a, doc, out);
        else
            rc = mongoc_cursor_error(c, &err) ? cs_from_mongoc(&err) : CS_ERR_NOT_FOUND;
    }
    mongoc_cursor_destroy(c);
    bson_destroy(&q);
    bson_destroy(&opts);
    return rc;
}

/* With `old` (a rolled-up collection), *old gets the body before the change. */
static int update_doc(struct mg_store *s, const bson_t *q, const bson_t *update, int64_t *created,
                      bool *matched, json_object **old)
{
    mongoc_find_and_modify_opts_t *o = mongoc_find_and_modify_opts_new();
    bson_t fields = BSON_INITIALIZER, reply = BSON_INITIALIZER;
    bson_error_t err;
    BSON_APPEND_INT32(&fields, "created", 1);
    if (old) BSON_APPEND_INT32(&fields, "body", 1);
    mongoc_find_and_modify_opts_set_update(o, update);
    mongoc_find_and_modify_opts_set_fields(o, &fields);
    mongoc_find_and_modify_opts_set_flags(o, old ? MONGOC_FIND_AND_MODIFY_NONE
                                                 : MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    bool ok = mongoc_collection_find_and_modify_with_opts(s->docs, q, o, &reply, &err);
    int rc = ok ? CS_OK : cs_from_mongoc(&err);
    bson_iter_t it;
    *matched = ok && bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it);
    *created = *matched ? cs_mq_get_int(&reply, "value.created", 0) : 0;
    if (old) *old = *matched ? body_json(&reply, "value.body") : NULL;
    bson_destroy(&reply);
    bson_destroy(&fields);
    mongoc_find_and_modify_opts_destroy(o);
    return rc;
}

static int mg_update(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                     const char *id, int64_t expected_version, json_object *body,
                     const struct cs_text *text, int64_t now_ms, struct cs_doc *out)
{
    struct mg_store *s = MG(st);
    bson_t q = BSON_INITIALIZER, upd = BSON_INITIALIZER, set, carrier = BSON_INITIALIZER;
    int rc = cs_mq_live_key(&q, tenant, coll, id);
    BSON_APPEND_INT64(&q, "version", expected_version);
    if (!rc && st->nstaged) rc = build_carrier(s, &carrier, tenant, coll, id, now_ms);
    BSON_APPEND_DOCUMENT_BEGIN(&upd, "$set", &set);
    if (!rc) rc = cs_mq_append_body(&set, "body", body);
    if (!rc && text) rc = cs_mq_append_text(&set, text);
    BCON_APPEND(&set, "version", BCON_INT64(expected_version + 1), "updated", BCON_INT64(now_ms));
    bson_append_document_end(&upd, &set);
    if (!text) BCON_APPEND(&upd, "$unset", "{", "search", BCON_UTF8(""), "}");
    if (st->nstaged) append_push(&upd, &carrier);
    int64_t created = 0;
    bool matched = false, rolled = cs_rollup_def_for(coll) != NULL;
    json_object *old = NULL;
    if (!rc) rc = update_doc(s, &q, &upd, &created, &matched, rolled ? &old : NULL);
    if (!rc && !matched) rc = live_exists(s, tenant, coll, id);
    if (!rc) move_after_write(s, &carrier);
    if (!rc && rolled) rollup_write(s, tenant, coll, old, created, body, created);
    json_object_put(old);
    bson_destroy(&q);
    bson_destroy(&upd);
    bson_destroy(&carrier);
    if (rc) return rc;
    fill_out(out, id, expected_version + 1, created, now_ms, body);
    (void)a;
    return CS_OK;
}

/* Runs a write whose reply counts matches under `field`; *hit gets the count. */
static int counted(bool ok, bson_t *reply, const bson_error_t *err, const char *field, int64_t *hit)
{
    *hit = ok ? reply_count(reply, field) : 0;
    bson_destroy(reply); /* always initialised by the write, even on failure */
    return ok ? CS_OK : cs_from_mongoc(err);
}

/* Events must outlive the deleted document: it becomes a tombstone carrying them,
 * in one single-document write, and goes once they are moved. */
static int delete_to_tombstone(struct mg_store *s, const bson_t *q, const bson_t *carrier,
                               int64_t *hit)
{
    bson_t upd = BSON_INITIALIZER, reply;
    bson_error_t err;
    BCON_APPEND(&upd, "$set", "{", "_deleted", BCON_BOOL(true), "}", "$unset", "{", "body",
                BCON_UTF8(""), "search", BCON_UTF8(""), "}");
    append_push(&upd, carrier);
    bool ok = mongoc_collection_update_one(s->docs, q, &upd, NULL, &reply, &err);
    bson_destroy(&upd);
    return counted(ok, &reply, &err, "matchedCount", hit);
}

/* Moves the events a crashed writer left on a live document, so that deleting it cannot
 * lose them. CS_OK when there were some, CS_ERR_NOT_FOUND when not. */
static int move_pending(struct mg_store *s, const char *tenant, const char *coll, const char *id)
{
    bson_t q = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    int rc = cs_mq_live_key(&q, tenant, coll, id);
    BCON_APPEND(&q, "_outbox", "{", "$exists", BCON_BOOL(true), "}");
    BCON_APPEND(&opts, "projection", "{", "_outbox", BCON_INT32(1), "}", "limit", BCON_INT64(1));
    mongoc_cursor_t *c = rc ? NULL : mongoc_collection_find_with_opts(s->docs, &q, &opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    if (c) {
        if (mongoc_cursor_next(c, &doc))
            rc = move_events(s, doc);
        else
            rc = mongoc_cursor_error(c, &err) ? cs_from_mongoc(&err) : CS_ERR_NOT_FOUND;
    }
    mongoc_cursor_destroy(c);
    bson_destroy(&q);
    bson_destroy(&opts);
    return rc;
}

/* A plain delete spares a document still carrying events (see move_pending). */
static int delete_now(struct mg_store *s, const bson_t *q, int64_t *hit)
{
    bson_t guarded = BSON_INITIALIZER, reply;
    bson_error_t err;
    bson_concat(&guarded, q);
    BCON_APPEND(&guarded, "_outbox", "{", "$exists", BCON_BOOL(false), "}");
    bool ok = mongoc_collection_delete_one(s->docs, &guarded, NULL, &reply, &err);
    bson_destroy(&guarded);
    return counted(ok, &reply, &err, "deletedCount", hit);
}

static int mg_delete(struct cs_store *st, const char *tenant, const char *coll, const char *id,
                     int64_t expected_version)
{
    struct mg_store *s = MG(st);
    bson_t q = BSON_INITIALIZER, carrier = BSON_INITIALIZER;
    int64_t hit = 0, created = 0;
    int rc = cs_mq_live_key(&q, tenant, coll, id);
    json_object *old = NULL;
    /* A rolled-up document: read what it contributes, and delete exactly that version
     * (a concurrent change makes this a conflict rather than a wrong rollup). */
    if (!rc && cs_rollup_def_for(coll) &&
        (rc = rollup_old(s, &q, &old, &created, &expected_version)))
        expected_version = -1;
    if (expected_version >= 0) BSON_APPEND_INT64(&q, "version", expected_version);
    if (!rc && st->nstaged) {
        rc = build_carrier(s, &carrier, tenant, coll, id, cs_now_ms());
        BSON_APPEND_BOOL(&carrier, "_deleted", true);
        if (!rc) rc = delete_to_tombstone(s, &q, &carrier, &hit);
    } else if (!rc) {
        rc = delete_now(s, &q, &hit);
        if (!rc && hit == 0 && move_pending(s, tenant, coll, id) == CS_OK)
            rc = delete_now(s, &q, &hit);
    }
    if (!rc && hit == 0) rc = live_exists(s, tenant, coll, id);
    if (!rc) move_after_write(s, &carrier);
    if (!rc && hit) rollup_write(s, tenant, coll, old, created, NULL, 0);
    json_object_put(old);
    bson_destroy(&q);
    bson_destroy(&carrier);
    return rc;
}

/* ---- queries ---- */

static int count_where(struct mg_store *s, const char *tenant, const char *coll,
                       const struct cs_filter *f, size_t n, int64_t *out)
{
    bson_t q = BSON_INITIALIZER;
    bson_error_t err;
    int rc = cs_mq_filter(&q, tenant, coll, f, n);
    int64_t c = rc ? 0 : mongoc_collection_count_documents(s->docs, &q, NULL, NULL, NULL, &err);
    bson_destroy(&q);
    if (rc) return rc;
    if (c < 0) return cs_from_mongoc(&err);
    *out = c;
    return CS_OK;
}

static int mg_find(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                   const struct cs_query *qq, struct cs_doc_list *out)
{
    struct mg_store *s = MG(st);
    int64_t limit = cs_mq_limit(qq->limit);
    out->docs = cs_arena_alloc(a, sizeof(struct cs_doc) * (size_t)limit);
    out->n = 0;
    out->total = -1;
    if (!out->docs) return CS_ERR_NOMEM;
    bson_t q = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    int rc = cs_mq_filter(&q, tenant, coll, qq->filters, qq->nfilters);
    if (!rc) rc = cs_mq_find_opts(&opts, qq);
    mongoc_cursor_t *c = rc ? NULL : mongoc_collection_find_with_opts(s->docs, &q, &opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    while (c && rc == CS_OK && out->n < (size_t)limit && mongoc_cursor_next(c, &doc))
        rc = cs_mq_read_doc(a, doc, &out->docs[out->n++]);
    if (c && rc == CS_OK && mongoc_cursor_error(c, &err)) rc = cs_from_mongoc(&err);
    mongoc_cursor_destroy(c);
    bson_destroy(&q);
    bson_destroy(&opts);
    if (rc) return rc;
    if (qq->want_total) return count_where(s, tenant, coll, qq->filters, qq->nfilters, &out->total);
    return CS_OK;
}

static int mg_count(struct cs_store *st, const char *tenant, const char *coll,
                    const struct cs_filter *filters, size_t nfilters, int64_t *out)
{
    return count_where(MG(st), tenant, coll, filters, nfilters, out);
}

/* Group keys read as SQLite returns them: booleans as 0/1 integers. */
static int read_key(struct cs_arena *a, const bson_t *row, struct cs_value *k)
{
    bson_iter_t it;
    k->type = CS_VAL_NULL;
    if (!bson_iter_init_find(&it, row, "_id")) return CS_OK;
    switch (bson_iter_type(&it)) {
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_BOOL: *k = cs_val_int(bson_iter_as_int64(&it)); break;
    case BSON_TYPE_DOUBLE: *k = cs_val_real(bson_iter_double(&it)); break;
    case BSON_TYPE_UTF8: {
        uint32_t len;
        const char *str = bson_iter_utf8(&it, &len);
        *k = cs_val_str(cs_arena_strndup(a, str, len));
        if (!k->s) return CS_ERR_NOMEM;
        break;
    }
    default: break;
    }
    return CS_OK;
}

static int mg_aggregate(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const char *coll, const struct cs_agg *g, struct cs_agg_row **rows,
                        size_t *nrows)
{
    bson_t p = BSON_INITIALIZER;
    int rc = cs_mq_pipeline(&p, tenant, coll, g);
    mongoc_cursor_t *c =
        rc ? NULL : mongoc_collection_aggregate(MG(st)->docs, MONGOC_QUERY_NONE, &p, NULL, NULL);
    size_t cap = 16, n = 0;
    struct cs_agg_row *out = cs_arena_alloc(a, cap * sizeof(*out));
    const bson_t *row;
    bson_error_t err;
    if (!out) rc = CS_ERR_NOMEM;
    while (c && rc == CS_OK && mongoc_cursor_next(c, &row)) {
        if (n == cap) {
            struct cs_agg_row *bigger = cs_arena_alloc(a, 2 * cap * sizeof(*out));
            if (!bigger) {
                rc = CS_ERR_NOMEM;
                break;
            }
            memcpy(bigger, out, n * sizeof(*out));
            out = bigger;
            cap *= 2;
        }
        rc = read_key(a, row, &out[n].key);
        for (size_t i = 0; i < g->nmetrics; i++) {
            char name[3] = {'m', (char)('0' + i), 0};
            out[n].values[i] = cs_mq_get_double(row, name);
        }
        n++;
    }
    if (c && rc == CS_OK && mongoc_cursor_error(c, &err)) rc = cs_from_mongoc(&err);
    mongoc_cursor_destroy(c);
    bson_destroy(&p);
    if (rc) return rc;
    if (n == 0 && !g->group_by) cs_mq_empty_row(g, &out[n++]);
    *rows = out;
    *nrows = n;
    return CS_OK;
}

static int nth_value(struct mg_store *s, const bson_t *q, const char *path, int64_t off,
                     double *out)
{
    bson_t opts = BSON_INITIALIZER;
    BCON_APPEND(&opts, "projection", "{", path, BCON_INT32(1), "}", "sort", "{", path,
                BCON_INT32(1), "_id", BCON_INT32(1), "}", "skip", BCON_INT64(off), "limit",
                BCON_INT64(1));
    mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->docs, q, &opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    int rc = CS_OK;
    if (mongoc_cursor_next(c, &doc))
        *out = cs_mq_get_double(doc, path);
    else if (mongoc_cursor_error(c, &err))
        rc = cs_from_mongoc(&err);
    mongoc_cursor_destroy(c);
    bson_destroy(&opts);
    return rc;
}

static int mg_quantiles(struct cs_store *st, const char *tenant, const char *coll,
                        const struct cs_filter *filters, size_t nfilters, const char *field,
                        const double *qs, size_t nq, double *out)
{
    struct mg_store *s = MG(st);
    struct cs_filter f[CS_QUERY_MAX_FILTERS + 1];
    if (nfilters) memcpy(f, filters, nfilters * sizeof(*f)); /* filters may be NULL */
    f[nfilters] = (struct cs_filter){field, CS_OP_EXISTS, cs_val_bool(true)};
    char path[160];
    int64_t n = 0;
    int rc = cs_mq_path(field, path, sizeof(path));
    if (!rc) rc = count_where(s, tenant, coll, f, nfilters + 1, &n);
    bson_t q = BSON_INITIALIZER;
    if (!rc) rc = cs_mq_filter(&q, tenant, coll, f, nfilters + 1);
    for (size_t i = 0; rc == CS_OK && i < nq; i++) {
        out[i] = NAN;
        if (n == 0) continue;
        /* Nearest rank: the smallest value with at least q*n values at or below it. */
        int64_t rank = (int64_t)ceil(qs[i] * (double)n);
        rc = nth_value(s, &q, path, rank < 1 ? 0 : rank - 1, &out[i]);
    }
    bson_destroy(&q);
    return rc;
}

static int mg_rollup_read(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const struct cs_rollup_def *d, const char *dim, int64_t h0, int64_t h1,
                          bool by_hour, struct cs_rollup_row **rows, size_t *nrows)
{
    bson_t p = BSON_INITIALIZER;
    int rc = cs_mq_rollup_pipeline(&p, tenant, d->coll, dim, h0, h1, by_hour);
    mongoc_cursor_t *c =
        rc ? NULL : mongoc_collection_aggregate(MG(st)->rollups, MONGOC_QUERY_NONE, &p, NULL, NULL);
    size_t cap = 16, n = 0;
    struct cs_rollup_row *out = rc ? NULL : cs_arena_alloc(a, cap * sizeof(*out));
    if (!rc && !out) rc = CS_ERR_NOMEM;
    const bson_t *doc;
    char k[16];
    while (!rc && c && mongoc_cursor_next(c, &doc)) {
        if (n == cap) {
            struct cs_rollup_row *bigger = cs_arena_alloc(a, 2 * cap * sizeof(*out));
            if (!bigger) {
                rc = CS_ERR_NOMEM;
                break;
            }
            memcpy(bigger, out, n * sizeof(*out));
            out = bigger;
            cap *= 2;
        }
        struct cs_rollup_row *r = &out[n++];
        memset(r, 0, sizeof(*r));
        bson_iter_t it;
        const char *key = NULL;
        /* Read back from the store: a key that is not ours is the null group. */
        if (bson_iter_init(&it, doc) &&
            bson_iter_find_descendant(&it, by_hour ? "_id.k" : "_id", &it) &&
            BSON_ITER_HOLDS_UTF8(&it))
            key = cs_rollup_key_decode(bson_iter_utf8(&it, NULL));
        r->key = key ? cs_arena_strdup(a, key) : NULL;
        if (key && !r->key) rc = CS_ERR_NOMEM;
        r->hour_ms = by_hour ? cs_mq_get_int(doc, "_id.h", 0) : 0;
        r->count = cs_mq_get_int(doc, "count", 0);
        for (int m = 0; m < CS_ROLLUP_MAX_MEASURES; m++) {
            snprintf(k, sizeof(k), "s%d", m);
            double v = cs_mq_get_double(doc, k);
            r->sum[m] = isnan(v) ? 0 : v;
            snprintf(k, sizeof(k), "n%d", m);
            r->n[m] = cs_mq_get_int(doc, k, 0);
        }
    }
    bson_error_t err;
    if (c && rc == CS_OK && mongoc_cursor_error(c, &err)) rc = cs_from_mongoc(&err);
    mongoc_cursor_destroy(c);
    bson_destroy(&p);
    if (rc) return rc;
    *rows = out;
    *nrows = n;
    return CS_OK;
}

static int mg_rollup_scan(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const struct cs_rollup_def *d, int64_t from, int64_t to,
                          int (*each)(void *ctx, json_object *body, int64_t created_ms), void *ctx)
{
    struct cs_filter f[2] = {{d->time_field, CS_OP_GTE, cs_val_int(from)},
                             {d->time_field, CS_OP_LTE, cs_val_int(to)}};
    bson_t q = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    int rc = cs_mq_filter(&q, tenant, d->coll, f, 2);
    BCON_APPEND(&opts, "projection", "{", "body", BCON_INT32(1), "created", BCON_INT32(1), "}");
    mongoc_cursor_t *c =
        rc ? NULL : mongoc_collection_find_with_opts(MG(st)->docs, &q, &opts, NULL);
    const bson_t *doc;
    while (!rc && c && mongoc_cursor_next(c, &doc)) {
        json_object *body = body_json(doc, "body");
        if (body) rc = each(ctx, body, cs_mq_get_int(doc, "created", 0));
        json_object_put(body);
    }
    bson_error_t err;
    if (c && rc == CS_OK && mongoc_cursor_error(c, &err)) rc = cs_from_mongoc(&err);
    mongoc_cursor_destroy(c);
    bson_destroy(&q);
    bson_destroy(&opts);
    (void)a;
    return rc;
}

static int mg_rollup_rank(struct cs_store *st, const char *tenant, const struct cs_rollup_def *d,
                          double lo, double hi, int64_t from, int64_t to, int64_t k, double *out)
{
    struct cs_filter f[4] = {{d->time_field, CS_OP_GTE, cs_val_int(from)},
                             {d->time_field, CS_OP_LTE, cs_val_int(to)},
                             {d->hist, CS_OP_GTE, cs_val_real(lo)},
                             {d->hist, CS_OP_LT, cs_val_real(hi)}};
    char path[160];
    bson_t q = BSON_INITIALIZER;
    int rc = cs_mq_path(d->hist, path, sizeof(path));
    if (!rc) rc = cs_mq_filter(&q, tenant, d->coll, f, 4);
    *out = NAN;
    if (!rc) rc = nth_value(MG(st), &q, path, k, out);
    bson_destroy(&q);
    return rc;
}

static int mg_search(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                     const char *text, size_t limit, struct cs_hit **hits, size_t *nhits)
{
    bson_t q = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    int rc = cs_mq_search(&q, &opts, a, tenant, coll, text, limit);
    struct cs_hit *out = rc ? NULL : cs_arena_alloc(a, limit * sizeof(*out));
    if (!rc && !out) rc = CS_ERR_NOMEM;
    mongoc_cursor_t *c =
        rc ? NULL : mongoc_collection_find_with_opts(MG(st)->docs, &q, &opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    size_t n = 0;
    while (c && rc == CS_OK && n < limit && mongoc_cursor_next(c, &doc)) {
        rc = cs_mq_read_doc(a, doc, &out[n].doc);
        out[n].score = cs_mq_score(cs_mq_get_double(doc, "_score"));
        n++;
    }
    if (c && rc == CS_OK && mongoc_cursor_error(c, &err)) rc = cs_from_mongoc(&err);
    mongoc_cursor_destroy(c);
    bson_destroy(&q);
    bson_destroy(&opts);
    if (rc == CS_ERR_NOT_FOUND) return CS_OK; /* no searchable terms: no hits */
    if (rc) return rc;
    *hits = out;
    *nhits = n;
    return CS_OK;
}

/* ---- counters ---- */

static int mg_counter_add(struct cs_store *st, const char *tenant, const char *key,
                          int64_t window_start_ms, int64_t ttl_ms, int64_t delta, int64_t *value)
{
    struct mg_store *s = MG(st);
    bson_t q = BSON_INITIALIZER, upd = BSON_INITIALIZER, reply = BSON_INITIALIZER;
    bson_error_t err;
    int rc = cs_mq_counter(&q, &upd, tenant, key, window_start_ms, ttl_ms, delta);
    mongoc_find_and_modify_opts_t *o = mongoc_find_and_modify_opts_new();
    mongoc_find_and_modify_opts_set_update(o, &upd);
    mongoc_find_and_modify_opts_set_flags(o, MONGOC_FIND_AND_MODIFY_UPSERT |
                                                 MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    /* Two first hits of a window may both try to insert it; the loser's retry updates. */
    for (int attempt = 0; rc == CS_OK || (rc == CS_ERR_EXISTS && attempt < 2); attempt++) {
        rc = mongoc_collection_find_and_modify_with_opts(s->counters, &q, o, &reply, &err)
                 ? CS_OK
                 : cs_from_mongoc(&err);
        if (rc == CS_OK) *value = cs_mq_get_int(&reply, "value.value", 0);
        bson_destroy(&reply);
        if (rc != CS_ERR_EXISTS) break;
    }
    mongoc_find_and_modify_opts_destroy(o);
    bson_destroy(&q);
    bson_destroy(&upd);
    return rc == CS_ERR_EXISTS ? CS_ERR_STORE : rc;
}

/* ---- outbox ---- */

static int mg_outbox_flush(struct cs_store *st, int64_t now_ms)
{
    /* No document changes, but the events still go in one atomic write: a tombstone
     * of the system tenant carries them, then moves them like any other. */
    struct mg_store *s = MG(st);
    bson_oid_t oid;
    char id[25];
    bson_oid_init(&oid, NULL);
    bson_oid_to_string(&oid, id);
    bson_t carrier = BSON_INITIALIZER;
    bson_error_t err;
    int rc = build_carrier(s, &carrier, CS_SYSTEM_TENANT, "_outbox", id, now_ms);
    BSON_APPEND_BOOL(&carrier, "_deleted", true);
    if (!rc && !mongoc_collection_insert_one(s->docs, &carrier, NULL, NULL, &err))
        rc = cs_from_mongoc(&err);
    if (!rc) move_after_write(s, &carrier);
    bson_destroy(&carrier);
    return rc;
}

static int read_item(struct cs_arena *a, const bson_t *d, struct cs_outbox_item *it)
{
    static const char *const names[] = {"_id", "tenant", "topic", "type", "payload"};
    const char *vals[5];
    for (size_t i = 0; i < 5; i++) {
        bson_iter_t f;
        if (!bson_iter_init_find(&f, d, names[i]) || !BSON_ITER_HOLDS_UTF8(&f)) return CS_ERR_STORE;
        uint32_t len;
        const char *v = bson_iter_utf8(&f, &len);
        vals[i] = cs_arena_strndup(a, v, len);
        if (!vals[i]) return CS_ERR_NOMEM;
    }
    it->id = vals[0], it->tenant = vals[1], it->topic = vals[2], it->type = vals[3];
    it->payload = cs_store_body_parse(a, vals[4], strlen(vals[4]));
    it->attempts = cs_mq_get_int(d, "attempts", 0);
    it->created_ms = cs_mq_get_int(d, "created", 0);
    it->lease_id = cs_mq_get_int(d, "lease_id", 0);
    return it->payload ? CS_OK : CS_ERR_STORE;
}

/* Leases one head item; CS_ERR_NOT_FOUND when another dispatcher got it first. */
static int lease(struct mg_store *s, struct cs_arena *a, const char *id, int64_t now_ms,
                 int64_t lease_ms, struct cs_outbox_item *it)
{
    uint64_t r;
    randombytes_buf(&r, sizeof(r));
    bson_t q = BSON_INITIALIZER, upd = BSON_INITIALIZER, reply = BSON_INITIALIZER;
    bson_error_t err;
    int rc = cs_mq_lease(&q, &upd, id, now_ms, lease_ms, (int64_t)(r >> 1) | 1);
    mongoc_find_and_modify_opts_t *o = mongoc_find_and_modify_opts_new();
    mongoc_find_and_modify_opts_set_update(o, &upd);
    mongoc_find_and_modify_opts_set_flags(o, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    bool ok = !rc && mongoc_collection_find_and_modify_with_opts(s->outbox, &q, o, &reply, &err);
    if (!rc && !ok) rc = cs_from_mongoc(&err);
    bson_iter_t v;
    if (ok && rc == CS_OK) {
        if (bson_iter_init_find(&v, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&v)) {
            uint32_t len;
            const uint8_t *data;
            bson_t item;
            bson_iter_document(&v, &len, &data);
            rc = bson_init_static(&item, data, len) ? read_item(a, &item, it) : CS_ERR_STORE;
        } else {
            rc = CS_ERR_NOT_FOUND;
        }
    }
    bson_destroy(&reply);
    mongoc_find_and_modify_opts_destroy(o);
    bson_destroy(&q);
    bson_destroy(&upd);
    return rc;
}

/* Tenants with leased items and how many, from the busy pipeline, into the arena. */
static int busy_tenants(struct mg_store *s, struct cs_arena *a, int64_t now_ms, const char ***names,
                        int64_t **counts, size_t *n)
{
    bson_t p = BSON_INITIALIZER;
    int rc = cs_mq_busy_pipeline(&p, now_ms);
    mongoc_cursor_t *c =
        rc ? NULL : mongoc_collection_aggregate(s->outbox, MONGOC_QUERY_NONE, &p, NULL, NULL);
    size_t cap = 64;
    *n = 0;
    *names = cs_arena_alloc(a, cap * sizeof(**names));
    *counts = cs_arena_alloc(a, cap * sizeof(**counts));
    if (!*names || !*counts) rc = CS_ERR_NOMEM;
    const bson_t *d;
    bson_iter_t it;
    while (c && rc == CS_OK && *n < cap && mongoc_cursor_next(c, &d)) {
        if (!bson_iter_init_find(&it, d, "_id") || !BSON_ITER_HOLDS_UTF8(&it)) continue;
        (*names)[*n] = cs_arena_strdup(a, bson_iter_utf8(&it, NULL));
        (*counts)[*n] = bson_iter_init_find(&it, d, "n") ? bson_iter_as_int64(&it) : 0;
        if (!(*names)[*n])
            rc = CS_ERR_NOMEM;
        else
            (*n)++;
    }
    bson_error_t err;
    if (c && rc == CS_OK && mongoc_cursor_error(c, &err)) rc = cs_from_mongoc(&err);
    mongoc_cursor_destroy(c);
    bson_destroy(&p);
    return rc;
}

/* Candidate heads, oldest due first: ids and tenants into the arena. */
static int claim_candidates(struct mg_store *s, struct cs_arena *a, const char *topic,
                            int64_t now_ms, size_t limit, const char ***ids, const char ***tenants,
                            size_t *n)
{
    bson_t p = BSON_INITIALIZER;
    int rc = cs_mq_claim_pipeline(&p, topic, now_ms, limit);
    mongoc_cursor_t *c =
        rc ? NULL : mongoc_collection_aggregate(s->outbox, MONGOC_QUERY_NONE, &p, NULL, NULL);
    *n = 0;
    *ids = cs_arena_alloc(a, limit * sizeof(**ids));
    *tenants = cs_arena_alloc(a, limit * sizeof(**tenants));
    if (!*ids || !*tenants) rc = CS_ERR_NOMEM;
    const bson_t *head;
    bson_iter_t id, t;
    while (c && rc == CS_OK && *n < limit && mongoc_cursor_next(c, &head)) {
        if (!bson_iter_init_find(&id, head, "_id") || !BSON_ITER_HOLDS_UTF8(&id) ||
            !bson_iter_init_find(&t, head, "tenant") || !BSON_ITER_HOLDS_UTF8(&t))
            continue;
        (*ids)[*n] = cs_arena_strdup(a, bson_iter_utf8(&id, NULL));
        (*tenants)[*n] = cs_arena_strdup(a, bson_iter_utf8(&t, NULL));
        if (!(*ids)[*n] || !(*tenants)[*n])
            rc = CS_ERR_NOMEM;
        else
            (*n)++;
    }
    bson_error_t err;
    if (c && rc == CS_OK && mongoc_cursor_error(c, &err)) rc = cs_from_mongoc(&err);
    mongoc_cursor_destroy(c);
    bson_destroy(&p);
    return rc;
}

/* What a claim asks for: the heads of the webhook topics (topic NULL; at most
 * per_tenant of a tenant's items in flight, 0 for no cap), or of one queue topic. */
struct claim {
    const char *topic;
    int64_t now_ms, lease_ms;
    size_t limit, per_tenant;
};

/* The candidates to lease, in the order to try them: a queue's heads by due time; the
 * webhook heads fair across tenants, from more candidates than slots, since one
 * tenant's backlog may fill the first `limit` heads by due time. */
static int claim_order(struct mg_store *s, struct cs_arena *a, const struct claim *c,
                       const char ***ids, size_t **order, size_t *m)
{
    size_t want = c->topic                              ? c->limit
                  : c->limit * 4 < CS_MQ_MAX_CANDIDATES ? c->limit * 4
                                                        : CS_MQ_MAX_CANDIDATES;
    const char **tenants = NULL, **bt = NULL;
    int64_t *bn = NULL;
    size_t nc = 0, nb = 0;
    int rc = claim_candidates(s, a, c->topic, c->now_ms, want, ids, &tenants, &nc);
    if (!rc && !c->topic) rc = busy_tenants(s, a, c->now_ms, &bt, &bn, &nb);
    *order = rc ? NULL : cs_arena_alloc(a, (nc ? nc : 1) * sizeof(**order));
    if (!rc && !*order) rc = CS_ERR_NOMEM;
    if (rc) return rc;
    if (c->topic) {
        for (size_t k = 0; k < nc; k++) (*order)[k] = k;
        *m = nc;
    } else {
        *m = cs_mq_fair_order(tenants, nc, bt, bn, nb, c->per_tenant, *order);
    }
    return CS_OK;
}

static int claim(struct cs_store *st, struct cs_arena *a, const struct claim *c,
                 struct cs_outbox_item **items, size_t *n)
{
    struct mg_store *s = MG(st);
    int rc = sweep(s);
    if (rc) return rc;
    struct cs_outbox_item *out = cs_arena_alloc(a, c->limit * sizeof(*out));
    if (!out) return CS_ERR_NOMEM;
    const char **ids = NULL;
    size_t *order = NULL, m = 0;
    rc = claim_order(s, a, c, &ids, &order, &m);
    for (size_t k = 0; rc == CS_OK && k < m && *n < c->limit; k++) {
        rc = lease(s, a, ids[order[k]], c->now_ms, c->lease_ms, &out[*n]);
        if (rc == CS_OK)
            (*n)++;
        else if (rc == CS_ERR_NOT_FOUND)
            rc = CS_OK; /* another dispatcher got this one first */
    }
    if (rc) {
        /* Items leased so far stay leased until they expire, as after a crash. */
        *n = 0;
        return rc;
    }
    *items = out;
    return CS_OK;
}

static int mg_outbox_claim(struct cs_store *st, struct cs_arena *a, int64_t now_ms,
                           int64_t lease_ms, size_t limit, size_t per_tenant,
                           struct cs_outbox_item **items, size_t *n)
{
    const struct claim c = {NULL, now_ms, lease_ms, limit, per_tenant};
    return claim(st, a, &c, items, n);
}

static int mg_outbox_claim_topic(struct cs_store *st, struct cs_arena *a, const char *topic,
                                 int64_t now_ms, int64_t lease_ms, size_t limit,
                                 struct cs_outbox_item **items, size_t *n)
{
    const struct claim c = {topic, now_ms, lease_ms, limit, 0};
    return claim(st, a, &c, items, n);
}

static int mg_outbox_renew(struct cs_store *st, const struct cs_outbox_item *item,
                           int64_t lease_until_ms)
{
    bson_t q = BSON_INITIALIZER, upd = BSON_INITIALIZER, reply;
    bson_error_t err;
    int64_t hit = 0;
    int rc = cs_mq_renew(&q, &upd, item, lease_until_ms);
    if (!rc) {
        bool ok = mongoc_collection_update_one(MG(st)->outbox, &q, &upd, NULL, &reply, &err);
        rc = counted(ok, &reply, &err, "matchedCount", &hit);
    }
    if (!rc && hit != 1) rc = CS_ERR_CONFLICT;
    bson_destroy(&q);
    bson_destroy(&upd);
    return rc;
}

static int mg_outbox_settle(struct cs_store *st, const struct cs_outbox_item *item,
                            enum cs_outbox_outcome outcome, int64_t next_due_ms, int64_t now_ms)
{
    bson_t q = BSON_INITIALIZER, upd = BSON_INITIALIZER, reply;
    bson_error_t err;
    int64_t hit = 0;
    int rc = cs_mq_settle(&q, &upd, item, outcome, next_due_ms, now_ms);
    if (!rc) {
        bool ok = mongoc_collection_update_one(MG(st)->outbox, &q, &upd, NULL, &reply, &err);
        rc = counted(ok, &reply, &err, "matchedCount", &hit);
    }
    /* The lease id proves the caller still holds the item: a later claim replaced it. */
    if (!rc && hit != 1) rc = CS_ERR_CONFLICT;
    bson_destroy(&q);
    bson_destroy(&upd);
    return rc;
}

static int mg_outbox_stats(struct cs_store *st, const char *tenant, const char *topic,
                           int64_t *open, int64_t *done, int64_t *dead)
{
    bson_t p = BSON_INITIALIZER;
    int rc = cs_mq_stats_pipeline(&p, tenant, topic);
    mongoc_cursor_t *c =
        rc ? NULL : mongoc_collection_aggregate(MG(st)->outbox, MONGOC_QUERY_NONE, &p, NULL, NULL);
    const bson_t *row;
    bson_error_t err;
    *open = *done = *dead = 0;
    while (c && mongoc_cursor_next(c, &row)) {
        int64_t state = cs_mq_get_int(row, "_id", 0);
        *(state == 0 ? open : state == 1 ? done : dead) = cs_mq_get_int(row, "n", 0);
    }
    if (c && mongoc_cursor_error(c, &err)) rc = cs_from_mongoc(&err);
    mongoc_cursor_destroy(c);
    bson_destroy(&p);
    return rc;
}

static const struct cs_store_ops mongo_ops = {
    .name = "mongodb",
    .close = mg_close,
    .ping = mg_ping,
    .insert = mg_insert,
    .get = mg_get,
    .update = mg_update,
    .delete_doc = mg_delete,
    .find = mg_find,
    .count = mg_count,
    .aggregate = mg_aggregate,
    .quantiles = mg_quantiles,
    .search = mg_search,
    .counter_add = mg_counter_add,
    .outbox_flush = mg_outbox_flush,
    .outbox_claim = mg_outbox_claim,
    .outbox_claim_topic = mg_outbox_claim_topic,
    .outbox_renew = mg_outbox_renew,
    .outbox_settle = mg_outbox_settle,
    .outbox_stats = mg_outbox_stats,
    .rollup_read = mg_rollup_read,
    .rollup_scan = mg_rollup_scan,
    .rollup_rank = mg_rollup_rank,
    .reporting = &cs_mg_rp_ops,
};

mongoc_collection_t *cs_mg_collection(struct cs_store *st, const char *name)
{
    return mongoc_client_get_collection(MG(st)->client, MG(st)->pool->db, name);
}

int cs_mg_error(const bson_error_t *e) { return cs_from_mongoc(e); }

int cs_store_mongo_backend_open(const char *uri, struct cs_store **out)
{
    pthread_once(&init_once, init_library);
    struct mg_store *s = calloc(1, sizeof(*s));
    if (!s) return CS_ERR_NOMEM;
    s->base.ops = &mongo_ops;
    int rc = pool_get(uri, &s->pool);
    if (rc) {
        free(s);
        return rc;
    }
    s->client = mongoc_client_pool_pop(s->pool->pool);
    if (!s->client) {
        pool_put(s->pool);
        free(s);
        return CS_ERR_STORE;
    }
    s->docs = mongoc_client_get_collection(s->client, s->pool->db, "docs");
    s->outbox = mongoc_client_get_collection(s->client, s->pool->db, "outbox");
    s->counters = mongoc_client_get_collection(s->client, s->pool->db, "counters");
    s->rollups = mongoc_client_get_collection(s->client, s->pool->db, "rollups");
    *out = &s->base;
    return CS_OK;
}
