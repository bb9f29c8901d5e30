/* Reporting tables in SQLite (seed 002): one real table per resource, tenant-scoped,
 * with the resource's `column` fields as indexed columns (c_<name>; times as Unix ms)
 * and the whole record as JSON for the answer. A filtered page is an index range scan
 * plus a covering count; the generic `docs` table could not give that at a million
 * calls. Call segments are computed at write time into rp_call_segments, so metrics
 * aggregate numbers instead of parsing records.
 *
 * updated_at is the write's own time, made strictly increasing per tenant and table
 * inside the write transaction (SQLite serialises writers), so a reader tailing by
 * (updated_at, id) after its last row never misses a later commit. */
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/tenant.h"
#include "cs/buf.h"
#include "cs/clock.h"
#include "cs/json.h"
#include "cs/reporting.h"
#include "store/store_int.h"
#include "store/store_reporting.h"

static int from_sqlite(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return CS_OK;
    case SQLITE_NOMEM: return CS_ERR_NOMEM;
    case SQLITE_CONSTRAINT: return CS_ERR_EXISTS;
    default: return CS_ERR_STORE;
    }
}

/* ---- schema ---- */

static bool is_meta(const struct cs_rp_field *f)
{
    return !strcmp(f->name, "id") || !strcmp(f->name, "updated_at");
}

static const char *sql_type(enum cs_rp_type t)
{
    return t == RP_STR ? "TEXT" : t == RP_NUM ? "REAL" : "INTEGER";
}

static int table_sql(struct cs_buf *b, const struct cs_rp_resource *r)
{
    int rc = cs_buf_printf(b,
                           "CREATE TABLE IF NOT EXISTS %s(rid INTEGER PRIMARY KEY,"
                           " tenant TEXT NOT NULL, id INTEGER NOT NULL, upd INTEGER NOT NULL,"
                           " body TEXT NOT NULL",
                           r->table);
    for (size_t i = 0; !rc && i < r->nfields; i++)
        if (r->fields[i].column && !is_meta(&r->fields[i]))
            rc = cs_buf_printf(b, ", c_%s %s", r->fields[i].name, sql_type(r->fields[i].type));
    /* Every index ends with deleted_at and id, so that a filtered page (and its count)
     * is decided from the index alone: only the page's own rows are read. */
    const char *tail = cs_rp_field_find(r, "deleted_at") ? ", c_deleted_at, id" : ", id";
    if (!rc)
        rc = cs_buf_printf(b,
                           ", UNIQUE(tenant, id));"
                           "CREATE INDEX IF NOT EXISTS %s_upd ON %s(tenant, upd, id);",
                           r->table, r->table);
    /* A status column without an index of its own rides in the created_at index: a
     * status filter with a time window is decided in that index (calls, chats). The
     * indexes of earlier versions are dropped (a one-time rebuild on open). */
    const struct cs_rp_field *status = cs_rp_field_find(r, "status");
    bool fold = status && status->column && status->noindex;
    if (!rc && fold)
        rc = cs_buf_printf(b, "DROP INDEX IF EXISTS %s_status; DROP INDEX IF EXISTS %s_created;",
                           r->table, r->table);
    for (size_t i = 0; !rc && i < r->nfields; i++) {
        const struct cs_rp_field *f = &r->fields[i];
        if (!f->column || f->noindex || is_meta(f) || !strcmp(f->name, "deleted_at")) continue;
        if (!strcmp(f->name, "created_at") && fold)
            rc = cs_buf_printf(b,
                               "CREATE INDEX IF NOT EXISTS %s_created_status ON %s(tenant,"
                               " c_created_at, c_status%s);",
                               r->table, r->table, tail);
        else if (!strcmp(f->name, "created_at"))
            rc = cs_buf_printf(
                b, "CREATE INDEX IF NOT EXISTS %s_created ON %s(tenant, c_created_at%s);", r->table,
                r->table, tail);
        else
            rc = cs_buf_printf(
                b, "CREATE INDEX IF NOT EXISTS %s_%s ON %s(tenant, c_%s, c_created_at%s);",
                r->table, f->name, r->table, f->name, tail);
    }
    return rc;
}

static const char seg_sql[] =
    "CREATE TABLE IF NOT EXISTS rp_call_segments(tenant TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    " call_id INTEGER NOT NULL, agent_id INTEGER, team_id INTEGER, menu_id INTEGER,"
    " s0 REAL, s1 REAL, s2 REAL, s3 REAL, s4 REAL, s5 REAL, s6 REAL, s7 REAL, s8 REAL, s9 REAL,"
    " s10 REAL, transfers TEXT, PRIMARY KEY(tenant, created_ms, call_id)) WITHOUT ROWID;"
    /* A call's segments are replaced through their primary key (the stored call's
     * created_at), so no second index is written per imported call. */
    "DROP INDEX IF EXISTS rp_call_segments_call;";

/* Connections whose schema is in place: (handle, file) pairs, so that a new database
 * opened at a recycled address is still set up. */
#define SEEN_MAX 64
static struct {
    sqlite3 *db;
    char file[256];
} seen[SEEN_MAX];
static size_t nseen;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

static bool schema_known(sqlite3 *db, bool add)
{
    const char *file = sqlite3_db_filename(db, "main");
    bool found = false;
    pthread_mutex_lock(&seen_lock);
    for (size_t i = 0; i < nseen && !found; i++)
        found = seen[i].db == db && !strncmp(seen[i].file, file ? file : "", sizeof(seen[i].file));
    if (!found && add) {
        size_t at = nseen < SEEN_MAX ? nseen++ : (size_t)(((uintptr_t)db >> 4) % SEEN_MAX);
        seen[at].db = db;
        snprintf(seen[at].file, sizeof(seen[at].file), "%s", file ? file : "");
    }
    pthread_mutex_unlock(&seen_lock);
    return found;
}

void cs_rp_sqlite_forget(sqlite3 *db)
{
    pthread_mutex_lock(&seen_lock);
    for (size_t i = 0; i < nseen;) {
        if (seen[i].db == db)
            seen[i] = seen[--nseen];
        else
            i++;
    }
    pthread_mutex_unlock(&seen_lock);
}

/* The DDL's FNV-1a hash, kept in rp_meta once the DDL ran on the file: a connection
 * whose file has it skips the ~100 statements, each its own transaction, that were 5%
 * of a function's cold start (issue 15). The tables are only ever added to (IF NOT
 * EXISTS), so a changed DDL runs once more on each file, as before. */
static uint32_t ddl_stamp(const char *sql)
{
    uint32_t h = 2166136261u;
    for (const char *p = sql; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    return h;
}

static bool ddl_stamped(sqlite3 *db, uint32_t stamp)
{
    sqlite3_stmt *q = NULL;
    /* no rp_meta (a new file, or one of before the stamp): not stamped */
    if (sqlite3_prepare_v2(db, "SELECT v FROM rp_meta WHERE k='ddl'", -1, &q, NULL) != SQLITE_OK)
        return false;
    bool same = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) == (int64_t)stamp;
    sqlite3_finalize(q);
    return same;
}

/* trust_stamp false: run the DDL even on a stamped file (a table found missing). */
static int create_schema_as(sqlite3 *db, bool remember, bool trust_stamp)
{
    struct cs_arena *a = cs_arena_new(0);
    if (!a) return CS_ERR_NOMEM;
    struct cs_buf b;
    cs_buf_init(&b, a, 1 << 20);
    /* 32 MiB of page cache on this connection: index pages of a million-call table stay
     * in memory instead of being read again for every page and every import batch. */
    static const char cache_sql[] = "PRAGMA cache_size=-32768;";
    int rc = cs_buf_puts(&b, cache_sql);
    if (!rc) rc = cs_buf_puts(&b, seg_sql);
    const struct cs_rp_resource *const *all = cs_rp_resources();
    for (size_t i = 0; !rc && all[i]; i++)
        if (!all[i]->view_of) rc = table_sql(&b, all[i]);
    uint32_t stamp = rc ? 0 : ddl_stamp(cs_buf_str(&b));
    if (!rc && trust_stamp && ddl_stamped(db, stamp))
        rc = from_sqlite(sqlite3_exec(db, cache_sql, NULL, NULL, NULL));
    else if (!rc) {
        rc = cs_buf_printf(&b,
                           "CREATE TABLE IF NOT EXISTS rp_meta(k TEXT PRIMARY KEY, v INTEGER);"
                           "INSERT OR REPLACE INTO rp_meta(k, v) VALUES('ddl', %lld);",
                           (long long)stamp);
        if (!rc) rc = from_sqlite(sqlite3_exec(db, cs_buf_str(&b), NULL, NULL, NULL));
    }
    cs_arena_destroy(a);
    if (!rc && remember) schema_known(db, true);
    return rc;
}

static int create_schema(sqlite3 *db, bool remember)
{
    return create_schema_as(db, remember, true);
}

static int ensure_schema(sqlite3 *db)
{
    return schema_known(db, false) ? CS_OK : create_schema(db, true);
}

static int open_db(struct cs_store *st, const char *tenant, sqlite3 **db)
{
    if (!st || !tenant || !cs_tenant_valid(tenant)) return CS_ERR_INVALID;
    if (st->fail_countdown || st->failing) {
        /* Honour the store's fault injection like every other store call. */
        if (st->failing || --st->fail_countdown == 0) {
            st->failing = 1;
            return CS_ERR_STORE;
        }
    }
    *db = cs_store_sqlite_db(st);
    if (!*db) return CS_ERR_UNAVAILABLE; /* not SQLite: store_reporting.c dispatches */
    return ensure_schema(*db);
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **q)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, q, NULL);
    /* A connection remembered as set up can be a new file at the same path opened at a
     * recycled address (a test's store made again): its tables are made now, once. */
    if (rc == SQLITE_ERROR && strstr(sqlite3_errmsg(db), "no such table") &&
        create_schema_as(db, sqlite3_get_autocommit(db) != 0, false) == CS_OK)
        rc = sqlite3_prepare_v2(db, sql, -1, q, NULL);
    return rc == SQLITE_OK ? CS_OK : from_sqlite(rc ? rc : SQLITE_ERROR);
}

static void bind_str(sqlite3_stmt *q, int i, const char *s)
{
    sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
}

/* ---- where clauses ---- */

/* SQL expression for a field: a real column, or the stored record's value. Field
 * names come from the static schema, never from the request. */
static const char *field_expr(struct cs_arena *a, const struct cs_rp_field *f)
{
    if (!strcmp(f->name, "id")) return "id";
    if (!strcmp(f->name, "updated_at")) return "upd";
    if (f->column) return cs_arena_printf(a, "c_%s", f->name);
    return cs_arena_printf(a, "json_extract(body, '$.%s')", f->name);
}

/* Times compare as ms in columns and as canonical ISO text inside records. */
static bool as_iso(const struct cs_rp_field *f)
{
    return f->type == RP_TIME && !f->column && strcmp(f->name, "updated_at") != 0;
}

struct binds {
    enum { B_INT, B_REAL, B_TEXT } kind[CS_RP_MAX_FILTERS * (CS_RP_MAX_IN + 2) + 8];
    int64_t i[CS_RP_MAX_FILTERS * (CS_RP_MAX_IN + 2) + 8];
    double d[CS_RP_MAX_FILTERS * (CS_RP_MAX_IN + 2) + 8];
    const char *s[CS_RP_MAX_FILTERS * (CS_RP_MAX_IN + 2) + 8];
    size_t n;
};

static void add_int(struct binds *b, int64_t v) { b->kind[b->n] = B_INT, b->i[b->n++] = v; }
static void add_real(struct binds *b, double v) { b->kind[b->n] = B_REAL, b->d[b->n++] = v; }
static void add_text(struct binds *b, const char *v) { b->kind[b->n] = B_TEXT, b->s[b->n++] = v; }

static void bound(struct cs_arena *a, struct binds *b, const struct cs_rp_field *f, int64_t i,
                  double d)
{
    if (as_iso(f)) {
        char *iso = cs_arena_alloc(a, CS_ISO_MAX);
        if (iso) cs_rp_time_str(i, iso);
        add_text(b, iso ? iso : "");
    } else if (f->type == RP_NUM) {
        add_real(b, d);
    } else {
        add_int(b, i);
    }
}

static int where_filter(struct cs_buf *w, struct cs_arena *a, struct binds *b,
                        const struct cs_rp_filter *f)
{
    const char *e = field_expr(a, f->field);
    if (!e) return CS_ERR_NOMEM;
    int rc = CS_OK;
    if (f->kind == RP_F_RANGE) {
        if (f->has_from) {
            rc = cs_buf_printf(w, " AND %s >= ?", e);
            bound(a, b, f->field, f->from_i, f->from_d);
        }
        if (!rc && f->has_to) {
            rc = cs_buf_printf(w, " AND %s <= ?", e);
            bound(a, b, f->field, f->to_i, f->to_d);
        }
        return rc;
    }
    rc = cs_buf_printf(w, " AND %s IN (", e);
    for (size_t i = 0; !rc && i < f->nvalues; i++) {
        rc = cs_buf_puts(w, i ? ",?" : "?");
        const char *v = f->values[i];
        if (f->field->type == RP_STR)
            add_text(b, v);
        else if (f->field->type == RP_BOOL)
            add_int(b, !strcmp(v, "true"));
        else
            add_int(b, strtoll(v, NULL, 10));
    }
    return rc ? rc : cs_buf_puts(w, ")");
}

static int where_sql(struct cs_buf *w, struct cs_arena *a, struct binds *b,
                     const struct cs_rp_resource *r, const struct cs_rp_query *q)
{
    int rc = cs_buf_puts(w, " WHERE tenant = ?");
    if (!rc && !q->with_deleted && cs_rp_field_find(r, "deleted_at"))
        rc = cs_buf_puts(w, " AND c_deleted_at IS NULL");
    for (size_t i = 0; !rc && i < q->nfilters; i++) rc = where_filter(w, a, b, &q->filters[i]);
    return rc;
}

static void bind_all(sqlite3_stmt *st, const char *tenant, const struct binds *b, int from)
{
    bind_str(st, 1, tenant);
    for (size_t i = 0; i < b->n; i++) {
        int at = (int)i + from;
        if (b->kind[i] == B_INT)
            sqlite3_bind_int64(st, at, b->i[i]);
        else if (b->kind[i] == B_REAL)
            sqlite3_bind_double(st, at, b->d[i]);
        else
            bind_str(st, at, b->s[i]);
    }
}

/* ---- reading ---- */

/* The stored record as answered: updated_at is the write time; a view keeps only its
 * own fields. Stored text is parsed like outside input. */
static json_object *record_of(struct cs_arena *a, const struct cs_rp_resource *r, const char *text,
                              int len, int64_t upd)
{
    json_object *o = NULL;
    if (!text || cs_json_parse(text, (size_t)len, a, &o, NULL) ||
        !json_object_is_type(o, json_type_object))
        return NULL;
    char iso[CS_ISO_MAX];
    cs_rp_time_str(upd, iso);
    if (r->view_of) {
        json_object *v = json_object_new_object();
        for (size_t i = 0; v && i < r->nfields; i++) {
            json_object *x = json_object_object_get(o, r->fields[i].name);
            json_object_object_add(v, r->fields[i].name, json_object_get(x));
        }
        if (v) json_object_object_add(v, "updated_at", json_object_new_string(iso));
        return v;
    }
    json_object_get(o); /* the caller's page takes this reference; the arena keeps its own */
    json_object_object_add(o, "updated_at", json_object_new_string(iso));
    return o;
}

static int order_sql(struct cs_buf *w, struct cs_arena *a, const struct cs_rp_query *q)
{
    const char *dir = q->desc ? "DESC" : "ASC";
    if (!q->sort || !strcmp(q->sort->name, "id")) return cs_buf_printf(w, " ORDER BY id %s", dir);
    const char *e = field_expr(a, q->sort);
    return e ? cs_buf_printf(w, " ORDER BY %s %s, id %s", e, dir, dir) : CS_ERR_NOMEM;
}

static int count_rows(sqlite3 *db, const char *sql, const char *tenant, const struct binds *b,
                      int64_t *total)
{
    sqlite3_stmt *q;
    int rc = prep(db, sql, &q);
    if (rc) return rc;
    bind_all(q, tenant, b, 2);
    int step = sqlite3_step(q);
    *total = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return step == SQLITE_ROW ? CS_OK : from_sqlite(step);
}

/* Builds the page query: rids of the page's rows in order (bodies are fetched by rid
 * afterwards, so the sort carries 8-byte keys instead of whole records), and the count. */
static int page_sql(struct cs_arena *a, const struct cs_rp_resource *r, const struct cs_rp_query *q,
                    struct binds *b, const char **count_sql, const char **page_sql_out)
{
    const char *table = r->view_of ? r->view_of->table : r->table;
    struct cs_buf w;
    cs_buf_init(&w, a, 64 << 10);
    int rc = where_sql(&w, a, b, r, q);
    const char *where = rc ? NULL : cs_arena_strdup(a, cs_buf_str(&w));
    if (!where) return rc ? rc : CS_ERR_NOMEM;
    *count_sql = cs_arena_printf(a, "SELECT count(*) FROM %s%s", table, where);
    struct cs_buf s;
    cs_buf_init(&s, a, 64 << 10);
    rc = cs_buf_printf(&s, "SELECT rid FROM %s%s", table, where);
    if (!rc && q->has_after) {
        /* Keyset: strictly after the last row the client saw, in sort order. */
        rc = cs_buf_printf(&s, " AND (upd %s ? OR (upd = ? AND id %s ?))", q->desc ? "<" : ">",
                           q->desc ? "<" : ">");
    }
    if (!rc) rc = order_sql(&s, a, q);
    if (!rc)
        rc = cs_buf_printf(&s, " LIMIT %lld OFFSET %lld", (long long)q->per,
                           q->has_after ? 0LL : (long long)((q->page - 1) * q->per));
    *page_sql_out = rc ? NULL : cs_buf_str(&s);
    return rc;
}

/* Runs the count and the page query; calls `row` with each page row's stored record. */
static int page_rows(struct cs_store *st, struct cs_arena *a, const char *tenant,
                     const struct cs_rp_resource *r, const struct cs_rp_query *q, int64_t *total,
                     int (*row)(void *ctx, const char *text, int len, int64_t upd), void *ctx)
{
    sqlite3 *db;
    int rc = open_db(st, tenant, &db);
    if (rc) return rc;
    struct binds *b = cs_arena_alloc(a, sizeof(*b));
    if (!b) return CS_ERR_NOMEM;
    b->n = 0;
    const char *count_sql, *sql;
    rc = page_sql(a, r, q, b, &count_sql, &sql);
    if (!rc) rc = count_rows(db, count_sql, tenant, b, total);
    if (rc) return rc;
    if (q->has_after) add_int(b, q->after_ms), add_int(b, q->after_ms), add_int(b, q->after_id);
    sqlite3_stmt *ids = NULL, *one = NULL;
    const char *table = r->view_of ? r->view_of->table : r->table;
    rc = prep(db, sql, &ids);
    if (!rc)
        rc = prep(db, cs_arena_printf(a, "SELECT body, upd FROM %s WHERE rid = ?", table), &one);
    if (rc) {
        sqlite3_finalize(ids);
        return rc;
    }
    bind_all(ids, tenant, b, 2);
    int step;
    while (!rc && (step = sqlite3_step(ids)) == SQLITE_ROW) {
        sqlite3_bind_int64(one, 1, sqlite3_column_int64(ids, 0));
        if (sqlite3_step(one) != SQLITE_ROW)
            rc = CS_ERR_STORE;
        else
            rc = row(ctx, (const char *)sqlite3_column_text(one, 0), sqlite3_column_bytes(one, 0),
                     sqlite3_column_int64(one, 1));
        sqlite3_reset(one);
    }
    if (!rc && step != SQLITE_DONE) rc = from_sqlite(step);
    sqlite3_finalize(ids);
    sqlite3_finalize(one);
    return rc;
}

struct obj_ctx {
    struct cs_arena *a;
    const struct cs_rp_resource *r;
    json_object *items;
};

static int obj_row(void *ctx, const char *text, int len, int64_t upd)
{
    struct obj_ctx *c = ctx;
    json_object *o = record_of(c->a, c->r, text, len, upd);
    if (!o) return CS_ERR_STORE; /* a stored record that is not a JSON object */
    json_object_array_add(c->items, o);
    return CS_OK;
}

int cs_rp_sqlite_list(struct cs_store *st, struct cs_arena *a, const char *tenant,
                      const struct cs_rp_resource *r, const struct cs_rp_query *q,
                      json_object *items, int64_t *total)
{
    struct obj_ctx c = {a, r, items};
    return page_rows(st, a, tenant, r, q, total, obj_row, &c);
}

struct raw_ctx {
    struct json_tokener *tok;
    struct cs_buf *out;
    size_t n;
    int64_t last_upd, last_id;
};

/* The stored text goes out as stored (it was written with its updated_at), after the
 * checks outside input gets: UTF-8, one JSON object, nothing after it. Only the id is
 * read from the parse, for the paging cursor. */
static int raw_row(void *ctx, const char *text, int len, int64_t upd)
{
    struct raw_ctx *c = ctx;
    if (!text || len < 2 || !cs_utf8_valid(text, (size_t)len)) return CS_ERR_STORE;
    json_tokener_reset(c->tok);
    json_object *o = json_tokener_parse_ex(c->tok, text, len);
    bool ok = o && json_tokener_get_error(c->tok) == json_tokener_success &&
              json_tokener_get_parse_end(c->tok) == (size_t)len &&
              json_object_is_type(o, json_type_object);
    c->last_id = ok ? cs_json_get_int(o, "id", 0) : 0;
    json_object_put(o);
    if (!ok) return CS_ERR_STORE;
    c->last_upd = upd;
    int rc = cs_buf_puts(c->out, c->n ? "," : "[");
    if (!rc) rc = cs_buf_append(c->out, text, (size_t)len);
    c->n++;
    return rc;
}

int cs_rp_sqlite_list_raw(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const struct cs_rp_resource *r, const struct cs_rp_query *q,
                          struct cs_buf *out, int64_t *total, struct cs_rp_page_end *end)
{
    if (r->view_of) return CS_ERR_INVALID; /* views are built from parsed records */
    struct raw_ctx c = {json_tokener_new_ex(CS_JSON_MAX_DEPTH), out, 0, 0, 0};
    if (!c.tok) return CS_ERR_NOMEM;
    json_tokener_set_flags(c.tok, JSON_TOKENER_STRICT); /* raw_row checked UTF-8 */
    int rc = page_rows(st, a, tenant, r, q, total, raw_row, &c);
    json_tokener_free(c.tok);
    if (!rc) rc = cs_buf_puts(out, c.n ? "]" : "[]");
    end->n = c.n;
    end->last_upd_ms = c.last_upd;
    end->last_id = c.last_id;
    return rc;
}

int cs_rp_sqlite_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                     const struct cs_rp_resource *r, int64_t id, bool with_deleted,
                     json_object **out)
{
    sqlite3 *db;
    int rc = open_db(st, tenant, &db);
    if (rc) return rc;
    const char *table = r->view_of ? r->view_of->table : r->table;
    bool del = !with_deleted && cs_rp_field_find(r, "deleted_at");
    sqlite3_stmt *q;
    rc = prep(db,
              cs_arena_printf(a, "SELECT body, upd FROM %s WHERE tenant = ? AND id = ?%s", table,
                              del ? " AND c_deleted_at IS NULL" : ""),
              &q);
    if (rc) return rc;
    bind_str(q, 1, tenant);
    sqlite3_bind_int64(q, 2, id);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        *out = record_of(a, r, (const char *)sqlite3_column_text(q, 0), sqlite3_column_bytes(q, 0),
                         sqlite3_column_int64(q, 1));
        if (*out && cs_json_own(a, *out)) *out = NULL;
        rc = *out ? CS_OK : CS_ERR_STORE;
    } else {
        rc = step == SQLITE_DONE ? CS_ERR_NOT_FOUND : from_sqlite(step);
    }
    sqlite3_finalize(q);
    return rc;
}

int cs_rp_sqlite_children(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const struct cs_rp_resource *r, const char *col, int64_t v, size_t limit,
                          json_object *items)
{
    sqlite3 *db;
    int rc = open_db(st, tenant, &db);
    if (rc) return rc;
    const struct cs_rp_field *f = cs_rp_field_find(r, col);
    if (!f || !f->column) return CS_ERR_INVALID;
    sqlite3_stmt *q;
    rc = prep(db,
              cs_arena_printf(a,
                              "SELECT body, upd FROM %s WHERE tenant = ? AND c_%s = ?%s"
                              " ORDER BY id LIMIT %zu",
                              r->table, col,
                              cs_rp_field_find(r, "deleted_at") ? " AND c_deleted_at IS NULL" : "",
                              limit),
              &q);
    if (rc) return rc;
    bind_str(q, 1, tenant);
    sqlite3_bind_int64(q, 2, v);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        json_object *o = record_of(a, r, (const char *)sqlite3_column_text(q, 0),
                                   sqlite3_column_bytes(q, 0), sqlite3_column_int64(q, 1));
        if (!o) {
            rc = CS_ERR_STORE;
            break;
        }
        json_object_array_add(items, o);
    }
    sqlite3_finalize(q);
    return rc ? rc : step == SQLITE_DONE ? CS_OK : from_sqlite(step);
}

int cs_rp_sqlite_team_agents(struct cs_store *st, struct cs_arena *a, const char *tenant,
                             int64_t team_id, json_object *items)
{
    sqlite3 *db;
    int rc = open_db(st, tenant, &db);
    if (rc) return rc;
    const struct cs_rp_resource *ui = cs_rp_resource_find("user_info");
    sqlite3_stmt *q;
    rc = prep(db,
              "SELECT body, upd FROM rp_agents WHERE tenant = ? AND c_deleted_at IS NULL AND"
              " EXISTS (SELECT 1 FROM json_each(body, '$.teams') WHERE"
              " json_extract(value, '$.id') = ?) ORDER BY id",
              &q);
    if (rc) return rc;
    bind_str(q, 1, tenant);
    sqlite3_bind_int64(q, 2, team_id);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        json_object *o = record_of(a, ui, (const char *)sqlite3_column_text(q, 0),
                                   sqlite3_column_bytes(q, 0), sqlite3_column_int64(q, 1));
        if (!o) {
            rc = CS_ERR_STORE;
            break;
        }
        json_object_array_add(items, o);
    }
    sqlite3_finalize(q);
    return rc ? rc : step == SQLITE_DONE ? CS_OK : from_sqlite(step);
}

/* ---- writing ---- */

struct writer {
    sqlite3 *db;
    struct cs_arena *a;
    const char *tenant;
    int64_t upd, now_ms;
    char upd_iso[CS_ISO_MAX]; /* upd as every row of the batch answers it, made once */
    int64_t next_change_id;
    sqlite3_stmt *get, *ins, *add, *chg, *part_ins, *part_del, *seg_del, *seg_scan, *seg_ins;
    struct cs_rp_text text;  /* the row being written, reused row after row */
    struct cs_rp_text ptext; /* a participant's row, cut from its contact's text */
};

static int64_t max_of(sqlite3 *db, const char *sql, const char *tenant)
{
    sqlite3_stmt *q;
    if (prep(db, sql, &q)) return -1;
    bind_str(q, 1, tenant);
    int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    return v;
}

static int64_t time_ms(json_object *rec, const char *key)
{
    int64_t ms;
    const char *s = cs_json_get_str(rec, key);
    return s && !cs_rp_time_ms(s, &ms, NULL) ? ms : INT64_MIN;
}

/* A participant's row beside its nested object: the contact's id under `key`, and the
 * contact's created_at when the participant has none. */
struct part_extra {
    const char *key;
    int64_t id;
    json_object *created;
};

/* Binds the column fields of `rec` (with `x`'s additions, when given) from parameter 5
 * on, in schema order. */
static void bind_columns(sqlite3_stmt *q, const struct cs_rp_resource *r, json_object *rec,
                         const struct part_extra *x)
{
    int at = 5;
    for (size_t i = 0; i < r->nfields; i++) {
        const struct cs_rp_field *f = &r->fields[i];
        if (!f->column || is_meta(f)) continue;
        json_object *v = json_object_object_get(rec, f->name);
        if (x && !strcmp(f->name, x->key)) {
            sqlite3_bind_int64(q, at++, x->id);
            continue;
        }
        if (x && !v && f->type == RP_TIME && !strcmp(f->name, "created_at")) {
            int64_t ms;
            const char *s = json_object_get_string(x->created);
            if (json_object_is_type(x->created, json_type_string) && !cs_rp_time_ms(s, &ms, NULL))
                sqlite3_bind_int64(q, at, ms);
            else
                sqlite3_bind_null(q, at);
            at++;
            continue;
        }
        if (!v)
            sqlite3_bind_null(q, at);
        else if (f->type == RP_TIME) {
            int64_t ms = time_ms(rec, f->name);
            if (ms == INT64_MIN)
                sqlite3_bind_null(q, at);
            else
                sqlite3_bind_int64(q, at, ms);
        } else if (f->type == RP_STR)
            bind_str(q, at, json_object_get_string(v));
        else if (f->type == RP_NUM)
            sqlite3_bind_double(q, at, json_object_get_double(v));
        else if (f->type == RP_BOOL)
            sqlite3_bind_int(q, at, json_object_get_boolean(v));
        else
            sqlite3_bind_int64(q, at, json_object_get_int64(v));
        at++;
    }
}

static int insert_stmt(struct writer *w, const struct cs_rp_resource *r, const char *verb,
                       sqlite3_stmt **out)
{
    struct cs_buf cols, marks;
    cs_buf_init(&cols, w->a, 4096), cs_buf_init(&marks, w->a, 4096);
    int rc = CS_OK;
    for (size_t i = 0; !rc && i < r->nfields; i++) {
        const struct cs_rp_field *f = &r->fields[i];
        if (!f->column || is_meta(f)) continue;
        rc = cs_buf_printf(&cols, ", c_%s", f->name);
        if (!rc) rc = cs_buf_puts(&marks, ", ?");
    }
    if (rc) return rc;
    return prep(w->db,
                cs_arena_printf(w->a,
                                "%s INTO %s(tenant, id, upd, body%s) VALUES(?1, ?2, ?3, ?4%s)",
                                verb, r->table, cs_buf_str(&cols), cs_buf_str(&marks)),
                out);
}

static int prepare_writes(struct writer *w, const struct cs_rp_resource *r)
{
    int rc = prep(
        w->db, cs_arena_printf(w->a, "SELECT body FROM %s WHERE tenant = ? AND id = ?", r->table),
        &w->get);
    if (!rc) rc = insert_stmt(w, r, "INSERT OR REPLACE", &w->ins);
    /* New ids are inserted first, without reading: the unique (tenant, id) check the
     * insert makes anyway tells an existing record, which then takes the read-and-diff
     * path. A bulk import of new records reads nothing. */
    if (!rc) rc = insert_stmt(w, r, "INSERT", &w->add);
    bool call = !strcmp(r->name, "calls");
    if (!rc && (call || !strcmp(r->name, "chats"))) {
        const struct cs_rp_resource *pr =
            cs_rp_resource_find(call ? "call_participants" : "chat_participants");
        rc = insert_stmt(w, pr, "INSERT OR REPLACE", &w->part_ins);
        if (!rc)
            rc = prep(w->db,
                      cs_arena_printf(w->a, "DELETE FROM %s WHERE tenant = ? AND c_%s = ?",
                                      pr->table, call ? "call_id" : "chat_id"),
                      &w->part_del);
    }
    if (!rc && call)
        rc =
            prep(w->db,
                 "DELETE FROM rp_call_segments WHERE tenant = ? AND created_ms = ? AND call_id = ?",
                 &w->seg_del);
    /* Only for a stored call whose created_at no longer reads: a scan of the tenant. */
    if (!rc && call)
        rc = prep(w->db, "DELETE FROM rp_call_segments WHERE tenant = ? AND call_id = ?",
                  &w->seg_scan);
    if (!rc && call)
        rc = prep(w->db,
                  "INSERT INTO rp_call_segments VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
                  " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                  &w->seg_ins);
    if (!rc)
        rc = prep(w->db,
                  "INSERT INTO rp_changed_details(tenant, id, upd, body, c_record_type,"
                  " c_record_id, c_field, c_created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                  &w->chg);
    return rc;
}

static void finalize_writes(struct writer *w)
{
    sqlite3_stmt **all[] = {&w->get,      &w->ins,     &w->add,      &w->chg,    &w->part_ins,
                            &w->part_del, &w->seg_del, &w->seg_scan, &w->seg_ins};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        sqlite3_finalize(*all[i]);
        *all[i] = NULL;
    }
    cs_rp_text_free(&w->text);
    cs_rp_text_free(&w->ptext);
}

static int step_reset(sqlite3_stmt *q)
{
    int rc = from_sqlite(sqlite3_step(q));
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

/* One changed_details row: the field's former and new value. */
static int change_row(struct writer *w, const struct cs_rp_resource *r, int64_t id,
                      const char *field, json_object *former, json_object *now)
{
    char iso[CS_ISO_MAX];
    cs_rp_time_str(w->now_ms, iso);
    int64_t cid = w->next_change_id++;
    json_object *o = json_object_new_object();
    if (!o) return CS_ERR_NOMEM;
    json_object_object_add(o, "id", json_object_new_int64(cid));
    json_object_object_add(o, "record_type", json_object_new_string(r->record_type));
    json_object_object_add(o, "record_id", json_object_new_int64(id));
    json_object_object_add(o, "field", json_object_new_string(field));
    json_object_object_add(o, "former_value", json_object_get(former));
    json_object_object_add(o, "new_value", json_object_get(now));
    json_object_object_add(o, "created_at", json_object_new_string(iso));
    sqlite3_bind_text(w->chg, 1, w->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(w->chg, 2, cid);
    sqlite3_bind_int64(w->chg, 3, w->upd);
    bind_str(w->chg, 4, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    bind_str(w->chg, 5, r->record_type);
    sqlite3_bind_int64(w->chg, 6, id);
    bind_str(w->chg, 7, field);
    sqlite3_bind_int64(w->chg, 8, w->now_ms);
    int rc = step_reset(w->chg);
    json_object_put(o);
    return rc;
}

static bool same(json_object *x, json_object *y)
{
    if (!x || !y) return x == y;
    return !strcmp(json_object_to_json_string_ext(x, JSON_C_TO_STRING_PLAIN),
                   json_object_to_json_string_ext(y, JSON_C_TO_STRING_PLAIN));
}

/* Compares the stored record with the new one field by field; writes a change row per
 * difference. *changed counts them (0: nothing to write). */
static int diff(struct writer *w, const struct cs_rp_resource *r, int64_t id, json_object *old,
                json_object *rec, int64_t *changed)
{
    *changed = 0;
    for (size_t i = 0; i < r->nfields; i++) {
        const char *k = r->fields[i].name;
        if (!strcmp(k, "updated_at")) continue;
        json_object *a = json_object_object_get(old, k), *b = json_object_object_get(rec, k);
        if (same(a, b)) continue;
        int rc = change_row(w, r, id, k, a, b);
        if (rc) return rc;
        (*changed)++;
    }
    return CS_OK;
}

static int put_row(struct writer *w, const struct cs_rp_resource *r, sqlite3_stmt *ins, int64_t id,
                   json_object *rec)
{
    json_object *upd = json_object_new_string(w->upd_iso);
    if (!upd) return CS_ERR_NOMEM;
    if (json_object_object_add(rec, "updated_at", upd)) {
        json_object_put(upd);
        return CS_ERR_NOMEM;
    }
    int rc = cs_rp_json_text(&w->text, rec);
    if (rc) return rc;
    sqlite3_bind_text(ins, 1, w->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 2, id);
    sqlite3_bind_int64(ins, 3, w->upd);
    /* The text lives in w->text until the next row, after this step. */
    sqlite3_bind_text(ins, 4, w->text.p, (int)w->text.len, SQLITE_STATIC);
    bind_columns(ins, r, rec, NULL);
    return step_reset(ins);
}

/* A participant's row cut from its contact's text (the span `at` of w->text): its own
 * members, then the contact's id, its created_at when it has none, and updated_at, as
 * adding them to the object and writing it would give. For a participant without the
 * contact's key and updated_at, the common case; the nested object is not touched. */
static int put_part_row(struct writer *w, const struct cs_rp_resource *pr, json_object *p,
                        const size_t *at, const struct part_extra *x)
{
    json_object *v;
    bool had_created = json_object_object_get_ex(p, "created_at", &v);
    json_object *cid = json_object_new_int64(x->id), *upd = json_object_new_string(w->upd_iso);
    int rc =
        cid && upd ? cs_rp_json_set(&w->ptext, w->text.p + at[0], at[1] - at[0]) : CS_ERR_NOMEM;
    if (!rc) rc = cs_rp_json_extend(&w->ptext, x->key, cid);
    if (!rc && !had_created) rc = cs_rp_json_extend(&w->ptext, "created_at", x->created);
    if (!rc) rc = cs_rp_json_extend(&w->ptext, "updated_at", upd);
    json_object_put(cid);
    json_object_put(upd);
    if (rc) return rc;
    sqlite3_stmt *ins = w->part_ins;
    sqlite3_bind_text(ins, 1, w->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 2, json_object_get_int64(json_object_object_get(p, "id")));
    sqlite3_bind_int64(ins, 3, w->upd);
    sqlite3_bind_text(ins, 4, w->ptext.p, (int)w->ptext.len, SQLITE_STATIC);
    bind_columns(ins, pr, p, x);
    return step_reset(ins);
}

/* Participants arrive nested in their call or chat: rewrite that contact's rows. The
 * contact's id (and its created_at, when the participant has none) is added to the
 * nested object for its own row and taken out again, so the record the caller holds is
 * unchanged and no participant is copied. */
static int write_parts(struct writer *w, const struct cs_rp_resource *r, int64_t id,
                       json_object *rec, bool replace)
{
    bool call = !strcmp(r->name, "calls");
    const struct cs_rp_resource *pr =
        cs_rp_resource_find(call ? "call_participants" : "chat_participants");
    const char *key = call ? "call_id" : "chat_id";
    int rc = CS_OK;
    if (replace) {
        sqlite3_bind_text(w->part_del, 1, w->tenant, -1, SQLITE_STATIC);
        sqlite3_bind_int64(w->part_del, 2, id);
        rc = step_reset(w->part_del);
    }
    json_object *arr = json_object_object_get(rec, "participants");
    json_object *created = json_object_object_get(rec, "created_at");
    size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    struct part_extra x = {key, id, created};
    for (size_t i = 0; !rc && i < n; i++) {
        json_object *p = json_object_array_get_idx(arr, i), *v;
        bool had_key = json_object_object_get_ex(p, key, &v);
        bool had_upd = json_object_object_get_ex(p, "updated_at", &v);
        /* w->text's spans are the participants as the contact was just written (until a
         * participant below is written the general way, in w->text). */
        if (arr == w->text.mark && w->text.nspan == n && !had_key && !had_upd) {
            rc = put_part_row(w, pr, p, &w->text.span[2 * i], &x);
            continue;
        }
        bool had_created = json_object_object_get_ex(p, "created_at", &v);
        json_object *former_key = had_key ? json_object_get(json_object_object_get(p, key)) : NULL;
        json_object *former_upd = json_object_get(json_object_object_get(p, "updated_at"));
        json_object_object_add(p, key, json_object_new_int64(id));
        if (!had_created) json_object_object_add(p, "created_at", json_object_get(created));
        rc = put_row(w, pr, w->part_ins, json_object_get_int64(json_object_object_get(p, "id")), p);
        /* Back to what the caller gave. */
        if (had_key)
            json_object_object_add(p, key, former_key);
        else
            json_object_object_del(p, key);
        if (!had_created) json_object_object_del(p, "created_at");
        if (had_upd)
            json_object_object_add(p, "updated_at", former_upd);
        else
            json_object_object_del(p, "updated_at");
    }
    return rc;
}

static void bind_opt_int(sqlite3_stmt *q, int at, json_object *rec, const char *key)
{
    json_object *v = json_object_object_get(rec, key);
    if (json_object_is_type(v, json_type_int))
        sqlite3_bind_int64(q, at, json_object_get_int64(v));
    else
        sqlite3_bind_null(q, at);
}

/* Removes a stored call's segments row: by its key when the stored call's created_at
 * reads (`old_created`, INT64_MIN when not), else by a scan. */
static int drop_segments(struct writer *w, int64_t id, int64_t old_created)
{
    sqlite3_stmt *q = old_created == INT64_MIN ? w->seg_scan : w->seg_del;
    sqlite3_bind_text(q, 1, w->tenant, -1, SQLITE_STATIC);
    if (old_created == INT64_MIN) {
        sqlite3_bind_int64(q, 2, id);
    } else {
        sqlite3_bind_int64(q, 2, old_created);
        sqlite3_bind_int64(q, 3, id);
    }
    return step_reset(q);
}

static int write_segments(struct writer *w, int64_t id, json_object *rec, bool replace,
                          int64_t old_created)
{
    struct cs_rp_segments s;
    if (cs_rp_segments_of(rec, &s)) return CS_ERR_INVALID; /* checked on import */
    if (replace) {
        int rc = drop_segments(w, id, old_created);
        if (rc) return rc;
    }
    sqlite3_stmt *q = w->seg_ins;
    int64_t created = time_ms(rec, "created_at");
    sqlite3_bind_text(q, 1, w->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, created == INT64_MIN ? 0 : created);
    sqlite3_bind_int64(q, 3, id);
    bind_opt_int(q, 4, rec, "agent_id");
    bind_opt_int(q, 5, rec, "team_id");
    bind_opt_int(q, 6, rec, "menu_id");
    for (int k = 0; k < RP_SEG__COUNT; k++)
        if (s.has[k]) sqlite3_bind_double(q, 7 + k, s.v[k]);
    char list[CS_RP_MAX_TRANSFERS * 24 + 1] = "";
    size_t at = 0;
    for (size_t i = 0; i < s.ntransfers; i++)
        at +=
            (size_t)snprintf(list + at, sizeof(list) - at, "%s%.3f", i ? "," : "", s.transfers[i]);
    bind_str(q, 18, list);
    return step_reset(q);
}

static int write_one(struct writer *w, const struct cs_rp_resource *r, json_object *rec,
                     struct cs_rp_import_result *res)
{
    int64_t id = json_object_get_int64(json_object_object_get(rec, "id"));
    if (!json_object_object_get(rec, "created_at")) {
        char iso[CS_ISO_MAX];
        cs_rp_time_str(w->now_ms, iso);
        json_object_object_add(rec, "created_at", json_object_new_string(iso));
    }
    bool contact = !strcmp(r->name, "calls") || !strcmp(r->name, "chats");
    w->text.mark = contact ? json_object_object_get(rec, "participants") : NULL;
    int rc = put_row(w, r, w->add, id, rec);
    if (rc != CS_ERR_EXISTS) {
        if (!rc) res->inserted++;
        /* A new contact has no participant or segment rows to replace. */
        if (!rc && contact) rc = write_parts(w, r, id, rec, false);
        if (!rc && !strcmp(r->name, "calls")) rc = write_segments(w, id, rec, false, 0);
        return rc;
    }
    sqlite3_bind_text(w->get, 1, w->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(w->get, 2, id);
    int step = sqlite3_step(w->get);
    json_object *old = NULL;
    bool exists = step == SQLITE_ROW;
    if (exists) {
        /* A stored record that no longer parses is replaced whole, as an update. */
        const char *t = (const char *)sqlite3_column_text(w->get, 0);
        if (!t || cs_json_parse(t, (size_t)sqlite3_column_bytes(w->get, 0), w->a, &old, NULL))
            old = NULL;
    }
    sqlite3_reset(w->get);
    if (step != SQLITE_ROW && step != SQLITE_DONE) return from_sqlite(step);
    int64_t old_created = old ? time_ms(old, "created_at") : INT64_MIN;
    if (old) {
        int64_t changed = 0;
        rc = diff(w, r, id, old, rec, &changed);
        if (rc) return rc;
        if (!changed) {
            res->unchanged++;
            return CS_OK;
        }
        res->updated++;
        res->changed_details += changed;
    } else if (exists) {
        res->updated++;
    } else {
        res->inserted++;
    }
    rc = put_row(w, r, w->ins, id, rec);
    if (!rc && contact) rc = write_parts(w, r, id, rec, exists);
    if (!rc && !strcmp(r->name, "calls")) rc = write_segments(w, id, rec, exists, old_created);
    return rc;
}

/* Writes checked records inside the caller's transaction. */
static int write_batch(sqlite3 *db, struct cs_arena *a, const char *tenant,
                       const struct cs_rp_resource *r, json_object *records, int64_t now_ms,
                       struct cs_rp_import_result *res)
{
    struct writer w = {.db = db, .a = a, .tenant = tenant, .now_ms = now_ms};
    int rc = CS_OK;
    int64_t last = max_of(
        w.db, cs_arena_printf(a, "SELECT coalesce(max(upd), 0) FROM %s WHERE tenant = ?", r->table),
        tenant);
    int64_t last_chg = max_of(
        w.db, "SELECT coalesce(max(id), 0) FROM rp_changed_details WHERE tenant = ?", tenant);
    if (last < 0 || last_chg < 0) rc = CS_ERR_STORE;
    w.upd = now_ms > last ? now_ms : last + 1;
    cs_rp_time_str(w.upd, w.upd_iso);
    w.next_change_id = last_chg + 1;
    if (!rc) rc = prepare_writes(&w, r);
    size_t n = json_object_array_length(records);
    for (size_t i = 0; !rc && i < n; i++)
        rc = write_one(&w, r, json_object_array_get_idx(records, i), res);
    finalize_writes(&w);
    return rc;
}

int cs_rp_sqlite_import(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const struct cs_rp_resource *r, json_object *records, int64_t now_ms,
                        struct cs_rp_import_result *res)
{
    memset(res, 0, sizeof(*res));
    if (!r->importable) return CS_ERR_INVALID;
    sqlite3 *db;
    int rc = open_db(st, tenant, &db);
    if (rc) return rc;
    rc = from_sqlite(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL));
    if (rc) return rc;
    rc = write_batch(db, a, tenant, r, records, now_ms, res);
    if (!rc) rc = from_sqlite(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL));
    if (rc) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        memset(res, 0, sizeof(*res));
    }
    return rc;
}

void cs_rp_sqlite_prepare(sqlite3 *db)
{
    if (!schema_known(db, false) && sqlite3_get_autocommit(db)) (void)create_schema(db, true);
}

int cs_rp_sqlite_write_staged(sqlite3 *db, const char *tenant, const char *resource,
                              const char *payload, int64_t now_ms)
{
    const struct cs_rp_resource *r = cs_rp_resource_find(resource);
    if (!r || !r->importable || !payload || !cs_tenant_valid(tenant)) return CS_ERR_INVALID;
    /* Tables created inside this (the caller's) transaction vanish with its rollback:
     * the schema is only remembered as in place once a write outside one made it. */
    int rc = schema_known(db, false) ? CS_OK : create_schema(db, sqlite3_get_autocommit(db) != 0);
    if (rc) return rc;
    struct cs_arena *a = cs_arena_new(0);
    if (!a) return CS_ERR_NOMEM;
    json_object *records, *errors;
    size_t bad;
    struct cs_rp_import_result res = {0};
    rc = cs_rp_import_parse(payload, strlen(payload), a, &records, &bad);
    /* The product's own records are built by cs_rp_chat_*: one that fails the import
     * checks is a bug, and the session write fails with it rather than half-report. */
    if (!rc) rc = cs_rp_import_check(r, records, a, &errors) ? CS_ERR_INVALID : CS_OK;
    if (!rc) rc = write_batch(db, a, tenant, r, records, now_ms, &res);
    cs_arena_destroy(a);
    return rc;
}

/* ---- segment statistics ---- */

struct vec {
    double *v;
    size_t n, cap;
};

struct group {
    int64_t key, calls;
    bool null_key;
    struct vec seg[RP_SEG__COUNT];
};

struct groups {
    struct group *g;
    size_t n, cap;
};

static int vec_push(struct vec *v, double x)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        double *nv = realloc(v->v, cap * sizeof(double));
        if (!nv) return CS_ERR_NOMEM;
        v->v = nv, v->cap = cap;
    }
    v->v[v->n++] = x;
    return CS_OK;
}

/* Groups are few (agents, teams, menus, days, hours): a linear probe from the last hit
 * is enough and keeps the code obvious. */
static struct group *group_of(struct groups *gs, bool null_key, int64_t key, size_t *hint)
{
    if (*hint < gs->n && gs->g[*hint].key == key && gs->g[*hint].null_key == null_key)
        return &gs->g[*hint];
    for (size_t i = 0; i < gs->n; i++)
        if (gs->g[i].key == key && gs->g[i].null_key == null_key) return &gs->g[*hint = i];
    if (gs->n == gs->cap) {
        size_t cap = gs->cap ? gs->cap * 2 : 32;
        struct group *ng = realloc(gs->g, cap * sizeof(*ng));
        if (!ng) return NULL;
        gs->g = ng, gs->cap = cap;
    }
    struct group *g = &gs->g[gs->n];
    memset(g, 0, sizeof(*g));
    g->key = key, g->null_key = null_key;
    *hint = gs->n++;
    return g;
}

static void groups_free(struct groups *gs)
{
    for (size_t i = 0; i < gs->n; i++)
        for (int k = 0; k < RP_SEG__COUNT; k++) free(gs->g[i].seg[k].v);
    free(gs->g);
}

static int dbl_cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* Nearest rank: the smallest value with at least q of the values at or below it. */
static double nearest_rank(const double *v, size_t n, double q)
{
    size_t r = (size_t)ceil(q * (double)n);
    return v[r ? r - 1 : 0];
}

static void stat_of(struct vec *v, struct cs_rp_stat *out)
{
    memset(out, 0, sizeof(*out));
    if (!v->n) return;
    qsort(v->v, v->n, sizeof(double), dbl_cmp);
    double sum = 0;
    for (size_t i = 0; i < v->n; i++) sum += v->v[i];
    out->count = (int64_t)v->n;
    out->sum = round(sum * 1000.0) / 1000.0;
    out->mean = round(sum / (double)v->n * 1000.0) / 1000.0;
    out->p50 = nearest_rank(v->v, v->n, 0.50);
    out->p90 = nearest_rank(v->v, v->n, 0.90);
    out->p99 = nearest_rank(v->v, v->n, 0.99);
}

static int key_cmp(const void *x, const void *y)
{
    const struct group *a = x, *b = y;
    if (a->null_key != b->null_key) return a->null_key ? 1 : -1;
    return a->key < b->key ? -1 : a->key > b->key;
}

static int add_row(struct groups *gs, sqlite3_stmt *q, size_t *hint)
{
    bool null_key = sqlite3_column_type(q, 0) == SQLITE_NULL;
    struct group *g = group_of(gs, null_key, sqlite3_column_int64(q, 0), hint);
    if (!g) return CS_ERR_NOMEM;
    g->calls++;
    for (int k = 0; k < RP_SEG__COUNT; k++) {
        if (k == RP_SEG_TRANSFER || sqlite3_column_type(q, 1 + k) == SQLITE_NULL) continue;
        if (vec_push(&g->seg[k], sqlite3_column_double(q, 1 + k))) return CS_ERR_NOMEM;
    }
    /* The transfer segment is counted per transfer, not per call. */
    const char *t = (const char *)sqlite3_column_text(q, 1 + RP_SEG__COUNT);
    for (char *end; t && *t; t = *end == ',' ? end + 1 : end) {
        double d = strtod(t, &end);
        if (end == t) break;
        if (vec_push(&g->seg[RP_SEG_TRANSFER], d)) return CS_ERR_NOMEM;
    }
    return CS_OK;
}

static const char *key_text(struct cs_arena *a, enum cs_rp_group g, const struct group *gr)
{
    if (gr->null_key) return NULL;
    if (g == RP_G_DAY) {
        char *d = cs_arena_alloc(a, CS_ISO_MAX);
        if (d) cs_time_iso(gr->key * 86400000LL, CS_ISO_DATE, d);
        return d;
    }
    if (g == RP_G_HOUR) return cs_arena_printf(a, "%02lld", (long long)gr->key);
    return cs_arena_printf(a, "%lld", (long long)gr->key);
}

int cs_rp_sqlite_segment_stats(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               enum cs_rp_group g, int64_t from_ms, int64_t to_ms,
                               struct cs_rp_group_row **rows, size_t *nrows)
{
    static const char *const keys[] = {"agent_id", "team_id", "menu_id", "created_ms / 86400000",
                                       "(created_ms / 3600000) % 24"};
    *rows = NULL, *nrows = 0;
    sqlite3 *db;
    int rc = open_db(st, tenant, &db);
    if (rc) return rc;
    sqlite3_stmt *q;
    rc = prep(db,
              cs_arena_printf(a,
                              "SELECT %s, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, transfers"
                              " FROM rp_call_segments WHERE tenant = ? AND created_ms >= ?"
                              " AND created_ms <= ?",
                              keys[g]),
              &q);
    if (rc) return rc;
    bind_str(q, 1, tenant);
    sqlite3_bind_int64(q, 2, from_ms);
    sqlite3_bind_int64(q, 3, to_ms);
    struct groups gs = {0};
    size_t hint = 0;
    int step;
    while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) rc = add_row(&gs, q, &hint);
    if (!rc && step != SQLITE_DONE) rc = from_sqlite(step);
    sqlite3_finalize(q);
    if (!rc && gs.n) {
        qsort(gs.g, gs.n, sizeof(gs.g[0]), key_cmp);
        *rows = cs_arena_alloc(a, gs.n * sizeof(**rows));
        if (!*rows) rc = CS_ERR_NOMEM;
        for (size_t i = 0; !rc && i < gs.n; i++) {
            (*rows)[i].key = key_text(a, g, &gs.g[i]);
            (*rows)[i].calls = gs.g[i].calls;
            for (int k = 0; k < RP_SEG__COUNT; k++) stat_of(&gs.g[i].seg[k], &(*rows)[i].seg[k]);
        }
        if (!rc) *nrows = gs.n;
    }
    groups_free(&gs);
    return rc;
}
