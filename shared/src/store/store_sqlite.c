/* SQLite backend of the store: one `docs` table of JSON bodies keyed by (tenant, coll,
 * id), an FTS5 index over searchable documents, and a `counters` table. WAL mode lets
 * many FastCGI processes on one host read while one writes.
 *
 * One connection per process and database file, whatever the number of handles (each
 * worker thread has one). Separate connections in one process fought each other for
 * the write lock (SQLite's busy handler sleeping milliseconds on the hot path), and
 * each dropped its page cache whenever another wrote. Every operation runs inside a
 * savepoint of a transaction the connection shares between the threads that arrive
 * while it is open (group commit): the last one in commits, and every operation of the
 * batch returns only after that commit, with its outcome. So an answer still means
 * "committed"; one transaction carries the locks and WAL frames of several requests.
 * Statements are prepared once per connection and cached. */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/buf.h"
#include "cs/clock.h"
#include "cs/events.h"
#include "cs/json.h"
#include "store/store_int.h"
#include "store/store_reporting.h"
#include "store/store_rollup.h"
#include "store/sqlite_kbindex.h"
#include "store/sqlite_walbuf.h"

#define STMT_CACHE 48
#define CS_STR_(x) #x
#define CS_STR(x) CS_STR_(x)

struct cached {
    char *sql;
    sqlite3_stmt *stmt;
    unsigned long used;
};

/* An operation waiting for the end of the transaction it ran in. */
struct waiter {
    int rc;
    bool done;
    struct waiter *next;
};

enum { TXN_NONE, TXN_READ, TXN_WRITE };

/* Most operations a transaction takes before it commits even with threads arriving:
 * bounds the wait of the first. */
#define BATCH_MAX 64
/* Outcomes of the last ended transactions, for request scopes that ended after theirs. */
#define ENDS_KEPT 1024
/* How long a request scope waits for the other members of its transaction. */
#define SCOPE_WAIT_NS (2 * 1000000L)

struct txn_outcome {
    unsigned long gen;
    int rc;
};

/* Search hits' bodies, parsed once: a ticket's knowledge-base search reads some twenty
 * chunks of ~1.5 KB, and parsing them with json-c was a sixth of the ticket's CPU
 * (perf, build.sh bench load). A slot answers only for the very same stored bytes, so
 * an edited, replaced or deleted document is never served stale. */
#define HIT_MEMO 256
struct hit_memo {
    sqlite3_int64 rid;
    char *body; /* the stored text the tree was parsed from */
    size_t len;
    json_object *tree; /* owned here; hits get deep copies */
};

/* A rollup cell changed by the open transaction and not yet written (rollup_flush). */
struct pending_cell {
    char tenant[72];
    const char *coll; /* a definition's, static */
    struct cs_rollup_cell cell;
};

struct sq_conn {
    char *path;
    pid_t pid;     /* the process that opened it: a forked child opens its own */
    unsigned refs; /* handles sharing it; under registry_lock */
    struct sq_conn *next;
    pthread_mutex_t lock; /* everything below, and the use of db */
    pthread_cond_t ended;
    sqlite3 *db;
    struct cached cache[STMT_CACHE];
    unsigned long tick;
    int arrivals; /* threads on their way to `lock` (atomic) */
    int txn;
    unsigned nops;        /* operations in the open transaction */
    struct waiter *batch; /* those waiting for its end */
    unsigned members;     /* request scopes with operations in it, not yet ended */
    bool closing;         /* one of them waits for the others: newcomers ride along */
    unsigned long gen;    /* the open (or next) transaction's number, from 1 */
    struct txn_outcome ends[ENDS_KEPT];
    struct hit_memo memo[HIT_MEMO]; /* by rid modulo HIT_MEMO; under `lock` */
    struct kbx *kbx;                /* docs_fts in memory (sqlite_kbindex.h); under `lock` */
    unsigned long fts_writes, fts_write_gen; /* this connection's writes to docs_fts */
    /* The open transaction's rollup changes, merged by cell: [0, op_mark) from its ended
     * operations, [op_mark, npend) from the one in progress (dropped if it fails). */
    struct pending_cell *pend;
    size_t npend, cap_pend, op_mark;
};

struct sq_store {
    struct cs_store base;
    struct sq_conn *c;
    sqlite3 *db;  /* c->db, for the callers of sqlite3_* */
    bool scoped;  /* inside cs_store_scope_begin..end */
    bool pending; /* ...with operations in transaction pending_gen */
    unsigned long pending_gen;
    int scope_rc; /* the failure of an earlier transaction of the scope */
    bool counted; /* among c->members of transaction pending_gen */
};

static const char schema_sql[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    /* A checkpoint copies every page changed since the last one (a pread from the WAL
     * and a pwrite into the database each); the hot pages (index edges, rollups, the
     * rate counter) change with every ticket, so checkpointing every 4000 frames instead
     * of SQLite's 1000 writes each of them a quarter as often: ~1.6 fewer system calls
     * per ticket (tests/bench/ticket_cost.sh, 3000 tickets). The WAL grows to ~16 MB. */
    "PRAGMA wal_autocheckpoint=4000;"
    /* No memory-mapped reads: SQLite remaps the whole file whenever its size changes,
     * and in a store that grows with every ticket that cost each connection an munmap
     * and a fresh round of page faults, a quarter of a ticket's CPU time (build.sh
     * bench, A/B in one session: 0.019 -> 0.021 of the ceiling; growing the file in
     * 8 MiB chunks with mmap kept did not win it back). */
    "PRAGMA mmap_size=0;";

/* The tables and indexes. Each statement of an sqlite3_exec is a transaction of its
 * own (a wal-index lock, an fstat), and parsing them all was ~6% of a cold start's
 * instructions: a connection runs them only when the file's user_version is not this
 * text's hash (schema_ensure). */
static const char schema_ddl[] =
    "CREATE TABLE IF NOT EXISTS docs("
    " rid INTEGER PRIMARY KEY, tenant TEXT NOT NULL, coll TEXT NOT NULL, id TEXT NOT NULL,"
    " version INTEGER NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    " body TEXT NOT NULL, searchable INTEGER NOT NULL DEFAULT 0, UNIQUE(tenant, coll, id));"
    "CREATE INDEX IF NOT EXISTS docs_by_created ON docs(tenant, coll, created_ms);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(title, body,"
    " tokenize='porter unicode61 remove_diacritics 2');"
    "CREATE TABLE IF NOT EXISTS counters("
    " tenant TEXT NOT NULL, key TEXT NOT NULL, window_ms INTEGER NOT NULL,"
    " value INTEGER NOT NULL, expires_ms INTEGER NOT NULL,"
    " PRIMARY KEY(tenant, key, window_ms)) WITHOUT ROWID;"
    /* state: 0 open, 1 done, 2 dead. seq orders a topic's items. */
    "CREATE TABLE IF NOT EXISTS outbox("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant TEXT NOT NULL,"
    " topic TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
    " created_ms INTEGER NOT NULL, due_ms INTEGER NOT NULL DEFAULT 0,"
    " lease_until INTEGER NOT NULL DEFAULT 0, lease_id INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS outbox_open ON outbox(state, tenant, topic, seq);"
    /* Rollups (store_rollup.h): key "s<text>" or "-"; sums s0..s7, counts n0..n7. */
    "CREATE TABLE IF NOT EXISTS rollups("
    " tenant TEXT NOT NULL, coll TEXT NOT NULL, dim TEXT NOT NULL, hour INTEGER NOT NULL,"
    " key TEXT NOT NULL, count INTEGER NOT NULL,"
    " s0 REAL NOT NULL, s1 REAL NOT NULL, s2 REAL NOT NULL, s3 REAL NOT NULL,"
    " s4 REAL NOT NULL, s5 REAL NOT NULL, s6 REAL NOT NULL, s7 REAL NOT NULL,"
    " n0 INTEGER NOT NULL, n1 INTEGER NOT NULL, n2 INTEGER NOT NULL, n3 INTEGER NOT NULL,"
    " n4 INTEGER NOT NULL, n5 INTEGER NOT NULL, n6 INTEGER NOT NULL, n7 INTEGER NOT NULL,"
    " PRIMARY KEY(tenant, coll, dim, hour, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS rollup_meta(id INTEGER PRIMARY KEY CHECK(id = 1),"
    " version INTEGER NOT NULL);"
    /* The rollup reads' scans of partial hours and rank lookups (rollup_sql): the time
     * field of insights_tickets, and the histogram field of tickets with its time, so a
     * rank walks one bin of an index, never the documents. Partial: other collections
     * pay nothing. */
    "CREATE INDEX IF NOT EXISTS docs_insights_opened ON docs(tenant,"
    " json_extract(body, '$.opened_ms')) WHERE coll = 'insights_tickets';"
    "CREATE INDEX IF NOT EXISTS docs_tickets_ms ON docs(tenant,"
    " json_extract(body, '$.processing_ms'), created_ms) WHERE coll = 'tickets';";

/* The one translator from SQLite result codes to ours. */
static int cs_from_sqlite(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return CS_OK;
    case SQLITE_NOMEM: return CS_ERR_NOMEM;
    case SQLITE_CONSTRAINT: return CS_ERR_EXISTS;
    case SQLITE_TOOBIG: return CS_ERR_TOO_LARGE;
    default: return CS_ERR_STORE;
    }
}

static struct sq_store *SQ(struct cs_store *st) { return (struct sq_store *)st; }

static sqlite3_stmt *conn_prepare(struct sq_conn *s, const char *sql)
{
    struct cached *victim = &s->cache[0];
    for (size_t i = 0; i < STMT_CACHE; i++) {
        struct cached *c = &s->cache[i];
        if (c->sql && strcmp(c->sql, sql) == 0) {
            c->used = ++s->tick;
            sqlite3_reset(c->stmt);
            sqlite3_clear_bindings(c->stmt);
            return c->stmt;
        }
        if (!c->sql || c->used < victim->used) victim = c;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        return NULL;
    char *copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(stmt);
        return NULL;
    }
    sqlite3_finalize(victim->stmt);
    free(victim->sql);
    *victim = (struct cached){copy, stmt, ++s->tick};
    return stmt;
}

static sqlite3_stmt *prepare(struct sq_store *s, const char *sql)
{
    return conn_prepare(s->c, sql);
}

static int exec(struct sq_store *s, const char *sql)
{
    return cs_from_sqlite(sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

/* A cached control statement (BEGIN, SAVEPOINT...): no parse per operation. */
static int conn_run(struct sq_conn *c, const char *sql)
{
    sqlite3_stmt *q = conn_prepare(c, sql);
    if (!q) return CS_ERR_STORE;
    int rc = cs_from_sqlite(sqlite3_step(q));
    sqlite3_reset(q);
    return rc;
}

/* ---- the shared transaction ---- */

static int rollup_flush(struct sq_conn *c);
static void rollup_merge_op(struct sq_conn *c);

/* Ends the open transaction and gives its outcome to every operation waiting on it. */
static int txn_end(struct sq_conn *c)
{
    /* SQLite rolls the whole transaction back itself after some errors (I/O, full
     * disk): then there is nothing to commit, and every operation in it failed. */
    int rc = sqlite3_get_autocommit(c->db) ? CS_ERR_STORE : rollup_flush(c);
    if (!rc) rc = conn_run(c, "COMMIT");
    if (rc && !sqlite3_get_autocommit(c->db)) conn_run(c, "ROLLBACK");
    c->npend = c->op_mark = 0;
    for (struct waiter *w = c->batch; w; w = w->next) {
        w->rc = rc;
        w->done = true;
    }
    if (c->batch) pthread_cond_broadcast(&c->ended);
    c->batch = NULL;
    c->txn = TXN_NONE;
    c->nops = 0;
    c->members = 0;
    c->closing = false;
    c->ends[c->gen % ENDS_KEPT] = (struct txn_outcome){c->gen, rc};
    c->gen++;
    return rc;
}

/* Takes the connection and opens (or joins) a transaction and a savepoint for one
 * operation. On success the caller holds c->lock until op_end. */
static int op_begin(struct sq_store *s, bool write)
{
    struct sq_conn *c = s->c;
    __atomic_add_fetch(&c->arrivals, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&c->lock);
    __atomic_sub_fetch(&c->arrivals, 1, __ATOMIC_SEQ_CST);
    /* A read transaction cannot safely become a write one (another process may have
     * written since it began): its readers are released first. */
    if (write && c->txn == TXN_READ) txn_end(c);
    int rc = CS_OK;
    if (c->txn == TXN_NONE) {
        rc = conn_run(c, write ? "BEGIN IMMEDIATE" : "BEGIN");
        if (!rc) c->txn = write ? TXN_WRITE : TXN_READ;
    }
    if (!rc) rc = conn_run(c, "SAVEPOINT op");
    if (rc) {
        if (c->txn != TXN_NONE && !c->batch) txn_end(c);
        pthread_mutex_unlock(&c->lock);
        return rc == CS_ERR_EXISTS ? CS_ERR_STORE : rc;
    }
    c->nops++;
    c->op_mark = c->npend;
    return CS_OK;
}

/* Closes the operation's savepoint (undoing it when rc says it failed); then either
 * commits, when no other thread is on its way, or waits for whoever commits. Returns
 * rc, or the commit's failure. */
static int op_end(struct sq_store *s, int rc)
{
    struct sq_conn *c = s->c;
    if (rc) conn_run(c, "ROLLBACK TO op");
    int end_rc = conn_run(c, "RELEASE op");
    if (end_rc) {
        rc = rc ? rc : end_rc;
        end_rc = CS_OK;
    }
    if (rc)
        c->npend = c->op_mark; /* its rollup changes went with its savepoint */
    else
        rollup_merge_op(c);
    /* In a request scope the transaction stays open for whoever comes next; the
     * scope's end commits it if nobody has by then (sq_scope_end). */
    if (s->scoped && c->nops < BATCH_MAX && !sqlite3_get_autocommit(c->db)) {
        if (s->pending && s->pending_gen != c->gen) { /* its earlier one has ended */
            const struct txn_outcome *o = &c->ends[s->pending_gen % ENDS_KEPT];
            if (!s->scope_rc) s->scope_rc = o->gen == s->pending_gen ? o->rc : CS_ERR_STORE;
        }
        if (!s->pending || s->pending_gen != c->gen) {
            s->counted = !c->closing;
            if (s->counted) c->members++;
        }
        s->pending = true;
        s->pending_gen = c->gen;
        pthread_mutex_unlock(&c->lock);
        return rc;
    }
    if (c->members == 0 && __atomic_load_n(&c->arrivals, __ATOMIC_SEQ_CST) > 0 &&
        c->nops < BATCH_MAX && !sqlite3_get_autocommit(c->db)) {
        struct waiter me = {.done = false, .next = c->batch};
        c->batch = &me;
        while (!me.done) pthread_cond_wait(&c->ended, &c->lock);
        end_rc = me.rc;
    } else {
        end_rc = txn_end(c);
    }
    pthread_mutex_unlock(&c->lock);
    return rc ? rc : end_rc;
}

static void sq_scope_begin(struct cs_store *st) { SQ(st)->scoped = true; }

/* Commits the transaction holding the scope's operations, unless someone already has;
 * then its outcome is in c->ends. */
static int sq_scope_end(struct cs_store *st)
{
    struct sq_store *s = SQ(st);
    struct sq_conn *c = s->c;
    int earlier = s->scope_rc;
    s->scoped = false;
    s->scope_rc = CS_OK;
    if (!s->pending) return earlier;
    s->pending = false;
    pthread_mutex_lock(&c->lock);
    int rc;
    if (c->txn != TXN_NONE && c->gen == s->pending_gen) {
        if (s->counted && c->members > 1) {
            /* Others of this transaction are still at work: the last one commits for
             * all (one set of locks and WAL frames), and newcomers meanwhile join
             * without delaying that commit. */
            c->members--;
            c->closing = true;
            struct waiter me = {.done = false, .next = c->batch};
            c->batch = &me;
            /* Bounded: a member that is slow (or on this very thread, through a second
             * handle) must not hold the answer; then this one commits after all. */
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_nsec += SCOPE_WAIT_NS;
            if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
            while (!me.done && pthread_cond_timedwait(&c->ended, &c->lock, &until) == 0) {}
            if (!me.done) { /* still on the list: take it off, then commit for everyone */
                struct waiter **p = &c->batch;
                while (*p != &me) p = &(*p)->next;
                *p = me.next;
                rc = c->gen == s->pending_gen ? txn_end(c) : c->ends[s->pending_gen % ENDS_KEPT].rc;
            } else {
                rc = me.rc;
            }
        } else {
            rc = txn_end(c);
        }
    } else {
        const struct txn_outcome *o = &c->ends[s->pending_gen % ENDS_KEPT];
        rc = o->gen == s->pending_gen ? o->rc : CS_ERR_STORE;
    }
    pthread_mutex_unlock(&c->lock);
    return earlier ? earlier : rc;
}

static int sq_ping(struct cs_store *st)
{
    struct sq_store *s = SQ(st);
    int rc = op_begin(s, false);
    if (rc) return rc;
    sqlite3_stmt *q = prepare(s, "SELECT count(*) FROM sqlite_master");
    rc = q && sqlite3_step(q) == SQLITE_ROW ? CS_OK : CS_ERR_STORE;
    if (q) sqlite3_reset(q);
    return op_end(s, rc);
}

/* ---- documents ---- */

static void bind_text(sqlite3_stmt *q, int i, const char *s)
{
    sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
}

static int read_doc(struct cs_arena *a, sqlite3_stmt *q, int col, struct cs_doc *out)
{
    /* Columns from `col`: id, version, created_ms, updated_ms, body. */
    out->id = cs_arena_strdup(a, (const char *)sqlite3_column_text(q, col));
    out->version = sqlite3_column_int64(q, col + 1);
    out->created_ms = sqlite3_column_int64(q, col + 2);
    out->updated_ms = sqlite3_column_int64(q, col + 3);
    const char *body = (const char *)sqlite3_column_text(q, col + 4);
    out->body =
        body ? cs_store_body_parse(a, body, (size_t)sqlite3_column_bytes(q, col + 4)) : NULL;
    if (!out->id) return CS_ERR_NOMEM;
    return out->body ? CS_OK : CS_ERR_STORE;
}

static int index_text(struct sq_store *s, sqlite3_int64 rid, const struct cs_text *text)
{
    s->c->fts_writes++; /* the in-memory index must not miss it (sqlite_kbindex.h) */
    s->c->fts_write_gen = s->c->gen;
    sqlite3_stmt *q = prepare(s, "DELETE FROM docs_fts WHERE rowid=?1");
    if (!q) return CS_ERR_STORE;
    sqlite3_bind_int64(q, 1, rid);
    int rc = cs_from_sqlite(sqlite3_step(q));
    if (rc || !text) return rc;
    q = prepare(s, "INSERT INTO docs_fts(rowid, title, body) VALUES(?1, ?2, ?3)");
    if (!q) return CS_ERR_STORE;
    sqlite3_bind_int64(q, 1, rid);
    bind_text(q, 2, text->title ? text->title : "");
    bind_text(q, 3, text->body ? text->body : "");
    return cs_from_sqlite(sqlite3_step(q));
}

/* Writes the handle's staged outbox events inside the caller's transaction. */
static int write_staged(struct sq_store *s, int64_t now_ms)
{
    for (size_t i = 0; i < s->base.nstaged; i++) {
        const struct cs_staged *e = &s->base.staged[i];
        if (strcmp(e->topic, CS_RP_STAGE_TOPIC) == 0) { /* reporting records: not an event */
            int rc = cs_rp_sqlite_write_staged(s->db, e->tenant, e->type, e->payload, now_ms);
            if (rc) return rc;
            continue;
        }
        sqlite3_stmt *q =
            prepare(s, "INSERT INTO outbox(id, tenant, topic, type, payload, created_ms)"
                       " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
        if (!q) return CS_ERR_STORE;
        bind_text(q, 1, e->id);
        bind_text(q, 2, e->tenant);
        bind_text(q, 3, e->topic);
        bind_text(q, 4, e->type);
        bind_text(q, 5, e->payload);
        sqlite3_bind_int64(q, 6, now_ms);
        int rc = cs_from_sqlite(sqlite3_step(q));
        sqlite3_reset(q);
        if (rc) return rc;
    }
    return CS_OK;
}

/* Ends a write operation, adding the staged events when the change itself succeeded. */
static int commit_change(struct sq_store *s, int rc, int64_t now_ms)
{
    return op_end(s, rc ? rc : write_staged(s, now_ms));
}

/* ---- rollups: kept in the same savepoint as the document write ---- */

#define ROLLUP_UPSERT                                                                              \
    "INSERT INTO rollups(tenant, coll, dim, hour, key, count, s0, s1, s2, s3, s4, s5, s6, s7,"     \
    " n0, n1, n2, n3, n4, n5, n6, n7) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"   \
    " ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22) ON CONFLICT(tenant, coll, dim, hour, key)" \
    " DO UPDATE SET count = count + excluded.count, s0 = s0 + excluded.s0,"                        \
    " s1 = s1 + excluded.s1, s2 = s2 + excluded.s2, s3 = s3 + excluded.s3,"                        \
    " s4 = s4 + excluded.s4, s5 = s5 + excluded.s5, s6 = s6 + excluded.s6,"                        \
    " s7 = s7 + excluded.s7, n0 = n0 + excluded.n0, n1 = n1 + excluded.n1,"                        \
    " n2 = n2 + excluded.n2, n3 = n3 + excluded.n3, n4 = n4 + excluded.n4,"                        \
    " n5 = n5 + excluded.n5, n6 = n6 + excluded.n6, n7 = n7 + excluded.n7"
/* A cell can only empty when its count goes down: only then is the count read back.
 * RETURNING makes SQLite collect the rows in a temporary table first, which an insert's
 * cells (all counts up) need not pay for. */
#define ROLLUP_UPSERT_RETURNING ROLLUP_UPSERT " RETURNING count"
#define ROLLUP_DROP                                                                                \
    "DELETE FROM rollups WHERE tenant=?1 AND coll=?2 AND dim=?3 AND hour=?4 AND key=?5"

/* Adds the cells to the stored ones; a cell left with no document goes. `up` serves the
 * cells whose count grows, `up_ret` (ROLLUP_UPSERT_RETURNING) and `drop` the others and
 * may be NULL when there are none. */
static int rollup_apply(sqlite3_stmt *up_plain, sqlite3_stmt *up_ret, sqlite3_stmt *drop,
                        const char *tenant, const char *coll, const struct cs_rollup_cell *cells,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct cs_rollup_cell *c = &cells[i];
        sqlite3_stmt *up = c->count > 0 ? up_plain : up_ret;
        if (!up || (up == up_ret && !drop)) return CS_ERR_STORE;
        bind_text(up, 1, tenant);
        bind_text(up, 2, coll);
        bind_text(up, 3, c->dim);
        sqlite3_bind_int64(up, 4, c->hour_ms);
        bind_text(up, 5, c->key);
        sqlite3_bind_int64(up, 6, c->count);
        for (int m = 0; m < CS_ROLLUP_MAX_MEASURES; m++) {
            sqlite3_bind_double(up, 7 + m, c->sum[m]);
            sqlite3_bind_int64(up, 15 + m, c->n[m]);
        }
        int step = sqlite3_step(up);
        int64_t left = step == SQLITE_ROW ? sqlite3_column_int64(up, 0) : -1;
        if (step == SQLITE_ROW) step = sqlite3_step(up);
        sqlite3_reset(up);
        if (step != SQLITE_DONE) return cs_from_sqlite(step) ? cs_from_sqlite(step) : CS_ERR_STORE;
        if (left != 0) continue;
        bind_text(drop, 1, tenant);
        bind_text(drop, 2, coll);
        bind_text(drop, 3, c->dim);
        sqlite3_bind_int64(drop, 4, c->hour_ms);
        bind_text(drop, 5, c->key);
        step = sqlite3_step(drop);
        sqlite3_reset(drop);
        if (step != SQLITE_DONE) return cs_from_sqlite(step) ? cs_from_sqlite(step) : CS_ERR_STORE;
    }
    return CS_OK;
}

/* Rollup changes wait in the connection until the transaction commits (txn_end), merged
 * by cell: the tickets of one group commit share most of their cells (the same hour,
 * category, priority...), so each cell is written once per transaction instead of once
 * per ticket (tests/bench/ticket_insert_bench.c). A rollup read first writes what is
 * pending (rollup_settle), so it sees its own transaction's changes as before. */
static int rollup_stage(struct sq_conn *c, const char *tenant, const char *coll,
                        const struct cs_rollup_cell *cells, size_t n)
{
    if (strlen(tenant) >= sizeof(c->pend->tenant)) return CS_ERR_INVALID; /* never: <= 64 */
    if (c->npend + n > c->cap_pend) {
        size_t cap = c->cap_pend ? 2 * c->cap_pend : 64;
        while (cap < c->npend + n) cap *= 2;
        struct pending_cell *p = realloc(c->pend, cap * sizeof(*p));
        if (!p) return CS_ERR_NOMEM;
        c->pend = p;
        c->cap_pend = cap;
    }
    for (size_t i = 0; i < n; i++) {
        struct pending_cell *p = &c->pend[c->npend++];
        memcpy(p->tenant, tenant, strlen(tenant) + 1); /* fits: checked above */
        p->coll = coll;
        p->cell = cells[i];
    }
    return CS_OK;
}

static bool same_cell(const struct pending_cell *a, const struct pending_cell *b)
{
    return a->cell.hour_ms == b->cell.hour_ms && a->coll == b->coll &&
           strcmp(a->cell.key, b->cell.key) == 0 && strcmp(a->cell.dim, b->cell.dim) == 0 &&
           strcmp(a->tenant, b->tenant) == 0;
}

/* The ended operation's cells [op_mark, npend) added into the transaction's. */
static void rollup_merge_op(struct sq_conn *c)
{
    size_t kept = c->op_mark;
    for (size_t i = c->op_mark; i < c->npend; i++) {
        const struct pending_cell *p = &c->pend[i];
        size_t j = 0;
        while (j < kept && !same_cell(&c->pend[j], p)) j++;
        if (j == kept) {
            c->pend[kept++] = *p;
            continue;
        }
        struct cs_rollup_cell *to = &c->pend[j].cell;
        to->count += p->cell.count;
        for (size_t m = 0; m < CS_ROLLUP_MAX_MEASURES; m++) {
            to->sum[m] += p->cell.sum[m];
            to->n[m] += p->cell.n[m];
        }
    }
    c->npend = c->op_mark = kept;
}

static bool cell_unchanged(const struct cs_rollup_cell *c)
{
    if (c->count) return false;
    for (size_t m = 0; m < CS_ROLLUP_MAX_MEASURES; m++)
        if (c->n[m] || c->sum[m] != 0.0) return false;
    return true;
}

/* A pending cell whose count grows (an inserted document's, most of them) is added by
 * an UPDATE of the stored row, and inserted only when there is none. That replaces the
 * upsert's conflict probe, its second lookup of the row and its insert-then-replace
 * with one indexed update: most cells of a ticket already exist (its hour and day, its
 * category...). The whole flush runs under the write transaction's lock, so no other
 * writer can add the row between the two. Only the definition's measures are updated:
 * the others stay 0 (ROLLUP_NEW writes the cell's zeros; x + 0.0 == x). */
#define ROLLUP_NEW                                                                                 \
    "INSERT INTO rollups(tenant, coll, dim, hour, key, count, s0, s1, s2, s3, s4, s5, s6, s7,"     \
    " n0, n1, n2, n3, n4, n5, n6, n7) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"   \
    " ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"

/* "UPDATE rollups SET count = count + ?6, s0 = s0 + ?7, ..., n0 = n0 + ?15, ..." over the
 * first n measures (parameters numbered as ROLLUP_NEW's), for each n; built once. */
static char rollup_add_sql[CS_ROLLUP_MAX_MEASURES + 1][1024];

static void rollup_add_sql_build(void)
{
    for (size_t k = 0; k <= CS_ROLLUP_MAX_MEASURES; k++) {
        char *out = rollup_add_sql[k];
        size_t cap = sizeof(rollup_add_sql[k]), n = 0;
        n += (size_t)snprintf(out, cap, "UPDATE rollups SET count = count + ?6");
        for (size_t m = 0; m < k; m++)
            n += (size_t)snprintf(out + n, cap - n, ", s%zu = s%zu + ?%zu, n%zu = n%zu + ?%zu", m,
                                  m, 7 + m, m, m, 15 + m);
        snprintf(out + n, cap - n,
                 " WHERE tenant=?1 AND coll=?2 AND dim=?3 AND hour=?4 AND key=?5");
    }
}

static const char *rollup_add(const struct cs_rollup_def *d)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, rollup_add_sql_build);
    return rollup_add_sql[d->nmeasures];
}

/* The statements of one definition's flush, with what is bound in them already: the
 * collection, and the tenant of the previous cell (most often the same). */
struct bound {
    const char *tenant; /* SQLITE_STATIC: pend[] does not move while flushing */
    bool values;        /* sum and n below are bound too */
    double sum[CS_ROLLUP_MAX_MEASURES];
    int64_t n[CS_ROLLUP_MAX_MEASURES];
};

struct flush_stmts {
    sqlite3_stmt *add, *ins;
    struct bound bound[2];
};

static int flush_prepare(struct sq_conn *c, const struct cs_rollup_def *d, struct flush_stmts *f)
{
    /* The cache evicts its least recently used statement: never one of these, just used. */
    f->add = conn_prepare(c, rollup_add(d));
    f->ins = f->add ? conn_prepare(c, ROLLUP_NEW) : NULL;
    if (!f->ins) return CS_ERR_STORE;
    bind_text(f->add, 2, d->coll);
    bind_text(f->ins, 2, d->coll);
    memset(f->bound, 0, sizeof(f->bound));
    return CS_OK;
}

/* Binds what differs from the previous cell's values (a reset keeps bindings): the
 * cells of one flush mostly share their tenant and many measures' sums and counts (0
 * for a measure a document lacks, 1 for one it has), and a bind costs about as much
 * as 3% of the update. Sums compare bit for bit (0.0 and -0.0 stay apart). */
static void bind_cell(sqlite3_stmt *q, struct bound *b, const char *tenant,
                      const struct cs_rollup_cell *c, size_t nmeasures)
{
    if (!b->tenant || strcmp(b->tenant, tenant) != 0) bind_text(q, 1, b->tenant = tenant);
    bind_text(q, 3, c->dim);
    sqlite3_bind_int64(q, 4, c->hour_ms);
    bind_text(q, 5, c->key);
    sqlite3_bind_int64(q, 6, c->count);
    for (size_t m = 0; m < nmeasures; m++) {
        if (!b->values || memcmp(&b->sum[m], &c->sum[m], sizeof(double)) != 0)
            sqlite3_bind_double(q, 7 + (int)m, b->sum[m] = c->sum[m]);
        if (!b->values || b->n[m] != c->n[m]) sqlite3_bind_int64(q, 15 + (int)m, b->n[m] = c->n[m]);
    }
    b->values = true;
}

static int step_done(sqlite3_stmt *q)
{
    int step = sqlite3_step(q);
    sqlite3_reset(q);
    if (step == SQLITE_DONE) return CS_OK;
    return cs_from_sqlite(step) ? cs_from_sqlite(step) : CS_ERR_STORE;
}

/* One growing cell: added to its row, or its row inserted. */
static int rollup_grow(struct flush_stmts *f, const struct pending_cell *p, size_t nmeasures)
{
    bind_cell(f->add, &f->bound[0], p->tenant, &p->cell, nmeasures);
    int rc = step_done(f->add);
    if (rc || sqlite3_changes(sqlite3_db_handle(f->add)) > 0) return rc;
    bind_cell(f->ins, &f->bound[1], p->tenant, &p->cell, CS_ROLLUP_MAX_MEASURES);
    return step_done(f->ins);
}

/* Writes the transaction's pending cells of one definition. */
static int rollup_flush_def(struct sq_conn *c, const struct cs_rollup_def *d)
{
    struct flush_stmts f;
    int rc = flush_prepare(c, d, &f);
    for (size_t i = 0; !rc && i < c->npend; i++) {
        const struct pending_cell *p = &c->pend[i];
        /* another definition's, or changes that cancelled out */
        if (p->coll != d->coll || cell_unchanged(&p->cell)) continue;
        if (p->cell.count > 0) {
            rc = rollup_grow(&f, p, d->nmeasures);
            continue;
        }
        /* May empty the cell (a delete or a moved document). */
        sqlite3_stmt *up = conn_prepare(c, ROLLUP_UPSERT_RETURNING);
        sqlite3_stmt *drop = up ? conn_prepare(c, ROLLUP_DROP) : NULL;
        rc = drop ? rollup_apply(NULL, up, drop, p->tenant, p->coll, &p->cell, 1) : CS_ERR_STORE;
        if (!rc) rc = flush_prepare(c, d, &f); /* may have been evicted meanwhile */
    }
    return rc;
}

/* Writes the transaction's pending rollup changes; inside it, before its commit. */
static int rollup_flush(struct sq_conn *c)
{
    if (c->npend == 0) return CS_OK;
    size_t ndefs;
    const struct cs_rollup_def *defs = cs_rollup_defs(&ndefs);
    int rc = CS_OK;
    for (size_t k = 0; !rc && k < ndefs; k++) {
        bool any = false;
        for (size_t i = 0; !any && i < c->npend; i++) any = c->pend[i].coll == defs[k].coll;
        if (any) rc = rollup_flush_def(c, &defs[k]);
    }
    if (!rc) c->npend = c->op_mark = 0;
    return rc;
}

/* Before a rollup read: the pending changes written in an operation of their own, so
 * that a failure of the read cannot take them back. */
static int rollup_settle(struct sq_store *s)
{
    int rc = op_begin(s, false);
    return rc ? rc : op_end(s, rollup_flush(s->c));
}

/* The write's rollup change (old document -> new, either NULL), for a collection that
 * has rollups; nothing otherwise. Stored JSON that no longer parses counts as absent. */
static int rollup_write(struct sq_store *s, const char *tenant, const char *coll,
                        const char *old_json, int64_t old_created, json_object *new_body,
                        int64_t new_created)
{
    const struct cs_rollup_def *d = cs_rollup_def_for(coll);
    if (!d) return CS_OK;
    json_object *old = old_json ? json_tokener_parse(old_json) : NULL;
    struct cs_rollup_cell cells[CS_ROLLUP_MAX_CELLS];
    size_t n = cs_rollup_delta(d, old, old_created, new_body, new_created, cells);
    json_object_put(old);
    return rollup_stage(s->c, tenant, d->coll, cells, n);
}

/* The stored body and creation time of a document about to change, for its rollups.
 * *json is a heap copy (free it); NULL when the document is absent. */
static int rollup_old(struct sq_store *s, const char *tenant, const char *coll, const char *id,
                      char **json, int64_t *created)
{
    *json = NULL;
    *created = 0;
    if (!cs_rollup_def_for(coll)) return CS_OK;
    sqlite3_stmt *q =
        prepare(s, "SELECT body, created_ms FROM docs WHERE tenant=?1 AND coll=?2 AND id=?3");
    if (!q) return CS_ERR_STORE;
    bind_text(q, 1, tenant);
    bind_text(q, 2, coll);
    bind_text(q, 3, id);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        const char *b = (const char *)sqlite3_column_text(q, 0);
        *json = b ? strdup(b) : NULL;
        *created = sqlite3_column_int64(q, 1);
        if (b && !*json) step = SQLITE_NOMEM;
    }
    sqlite3_reset(q);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK : cs_from_sqlite(step);
}

static void fill_out(struct cs_doc *out, const char *id, int64_t version, int64_t created,
                     int64_t updated, json_object *body)
{
    if (!out) return;
    out->id = id;
    out->version = version;
    out->created_ms = created;
    out->updated_ms = updated;
    out->body = body;
}

static int sq_insert(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                     const char *id, json_object *body, const struct cs_text *text, int64_t now_ms,
                     struct cs_doc *out)
{
    struct sq_store *s = SQ(st);
    const char *json = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
    if (!json) return CS_ERR_NOMEM;
    int rc = op_begin(s, true);
    if (rc) return rc;
    sqlite3_stmt *q =
        prepare(s, "INSERT INTO docs(tenant, coll, id, version, created_ms, updated_ms,"
                   " body, searchable) VALUES(?1, ?2, ?3, 1, ?4, ?4, ?5, ?6)");
    if (!q) return op_end(s, CS_ERR_STORE);
    bind_text(q, 1, tenant);
    bind_text(q, 2, coll);
    bind_text(q, 3, id);
    sqlite3_bind_int64(q, 4, now_ms);
    bind_text(q, 5, json);
    sqlite3_bind_int(q, 6, text != NULL);
    rc = cs_from_sqlite(sqlite3_step(q));
    sqlite3_int64 rid = sqlite3_last_insert_rowid(s->db);
    sqlite3_reset(q);
    if (!rc && text) rc = index_text(s, rid, text);
    if (!rc) rc = rollup_write(s, tenant, coll, NULL, 0, body, now_ms);
    rc = commit_change(s, rc, now_ms);
    if (rc) return rc;
    fill_out(out, id, 1, now_ms, now_ms, body);
    (void)a;
    return CS_OK;
}

#define DOC_COLS "id, version, created_ms, updated_ms, body"

static int sq_get(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                  const char *id, struct cs_doc *out)
{
    struct sq_store *s = SQ(st);
    int rc = op_begin(s, false);
    if (rc) return rc;
    sqlite3_stmt *q =
        prepare(s, "SELECT " DOC_COLS " FROM docs WHERE tenant=?1 AND coll=?2 AND id=?3");
    if (!q) return op_end(s, CS_ERR_STORE);
    bind_text(q, 1, tenant);
    bind_text(q, 2, coll);
    bind_text(q, 3, id);
    int step = sqlite3_step(q);
    rc = step == SQLITE_ROW    ? read_doc(a, q, 0, out)
         : step == SQLITE_DONE ? CS_ERR_NOT_FOUND
                               : cs_from_sqlite(step);
    sqlite3_reset(q);
    /* Not found is an answer, not a failure of the transaction. */
    int end = op_end(s, rc == CS_ERR_NOT_FOUND ? CS_OK : rc);
    return rc ? rc : end;
}

static int exists(struct sq_store *s, const char *tenant, const char *coll, const char *id)
{
    sqlite3_stmt *q = prepare(s, "SELECT 1 FROM docs WHERE tenant=?1 AND coll=?2 AND id=?3");
    if (!q) return CS_ERR_STORE;
    bind_text(q, 1, tenant);
    bind_text(q, 2, coll);
    bind_text(q, 3, id);
    int step = sqlite3_step(q);
    sqlite3_reset(q);
    return step == SQLITE_ROW    ? CS_OK
           : step == SQLITE_DONE ? CS_ERR_NOT_FOUND
                                 : cs_from_sqlite(step);
}

static int sq_update(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                     const char *id, int64_t expected_version, json_object *body,
                     const struct cs_text *text, int64_t now_ms, struct cs_doc *out)
{
    struct sq_store *s = SQ(st);
    const char *json = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
    if (!json) return CS_ERR_NOMEM;
    int rc = op_begin(s, true);
    if (rc) return rc;
    char *old = NULL;
    int64_t old_created = 0;
    if ((rc = rollup_old(s, tenant, coll, id, &old, &old_created))) return op_end(s, rc);
    sqlite3_stmt *q =
        prepare(s, "UPDATE docs SET body=?1, version=version+1, updated_ms=?2, searchable=?3"
                   " WHERE tenant=?4 AND coll=?5 AND id=?6 AND version=?7"
                   " RETURNING rid, created_ms");
    if (!q) return free(old), op_end(s, CS_ERR_STORE);
    bind_text(q, 1, json);
    sqlite3_bind_int64(q, 2, now_ms);
    sqlite3_bind_int(q, 3, text != NULL);
    bind_text(q, 4, tenant);
    bind_text(q, 5, coll);
    bind_text(q, 6, id);
    sqlite3_bind_int64(q, 7, expected_version);
    int step = sqlite3_step(q);
    sqlite3_int64 rid = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    int64_t created = step == SQLITE_ROW ? sqlite3_column_int64(q, 1) : 0;
    sqlite3_reset(q);
    if (step == SQLITE_ROW)
        rc = index_text(s, rid, text);
    else if (step == SQLITE_DONE)
        rc = exists(s, tenant, coll, id) == CS_OK ? CS_ERR_CONFLICT : CS_ERR_NOT_FOUND;
    else
        rc = cs_from_sqlite(step);
    if (!rc) rc = rollup_write(s, tenant, coll, old, old_created, body, created);
    free(old);
    rc = commit_change(s, rc, now_ms);
    if (rc) return rc;
    fill_out(out, id, expected_version + 1, created, now_ms, body);
    (void)a;
    return CS_OK;
}

static int sq_delete(struct cs_store *st, const char *tenant, const char *coll, const char *id,
                     int64_t expected_version)
{
    struct sq_store *s = SQ(st);
    int rc = op_begin(s, true);
    if (rc) return rc;
    sqlite3_stmt *q = prepare(s, "DELETE FROM docs WHERE tenant=?1 AND coll=?2 AND id=?3"
                                 " AND (?4 < 0 OR version=?4) RETURNING rid, body, created_ms");
    if (!q) return op_end(s, CS_ERR_STORE);
    bind_text(q, 1, tenant);
    bind_text(q, 2, coll);
    bind_text(q, 3, id);
    sqlite3_bind_int64(q, 4, expected_version);
    int step = sqlite3_step(q);
    sqlite3_int64 rid = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    const char *b = step == SQLITE_ROW && cs_rollup_def_for(coll)
                        ? (const char *)sqlite3_column_text(q, 1)
                        : NULL;
    char *old = b ? strdup(b) : NULL;
    int64_t old_created = step == SQLITE_ROW ? sqlite3_column_int64(q, 2) : 0;
    if (step == SQLITE_ROW) step = sqlite3_step(q); /* completes the statement */
    sqlite3_reset(q);
    if (step == SQLITE_DONE && rid)
        rc = index_text(s, rid, NULL);
    else if (step == SQLITE_DONE)
        rc = exists(s, tenant, coll, id) == CS_OK ? CS_ERR_CONFLICT : CS_ERR_NOT_FOUND;
    else
        rc = cs_from_sqlite(step);
    if (!rc && rid && b && !old) rc = CS_ERR_NOMEM;
    if (!rc && rid) rc = rollup_write(s, tenant, coll, old, old_created, NULL, 0);
    free(old);
    return commit_change(s, rc, cs_now_ms());
}

/* ---- queries: SQL text built from validated field names; values always bound ---- */

struct sqlq {
    struct cs_buf sql;
    const struct cs_value *vals[CS_QUERY_MAX_FILTERS + 2];
    const char *paths[CS_QUERY_MAX_FILTERS + 4];
    int nvals, npaths;
    int rc;
};

static void q_puts(struct sqlq *b, const char *s)
{
    if (!b->rc) b->rc = cs_buf_puts(&b->sql, s);
}

/* Appends the SQL expression reading `field`: a column or json_extract(body, ?N). */
static void q_field(struct sqlq *b, struct cs_arena *a, const char *field)
{
    if (strcmp(field, "_id") == 0) return q_puts(b, "id");
    if (strcmp(field, "_created") == 0) return q_puts(b, "created_ms");
    if (strcmp(field, "_updated") == 0) return q_puts(b, "updated_ms");
    if (b->rc) return;
    const char *path = cs_arena_printf(a, "$.%s", field);
    if (!path) {
        b->rc = CS_ERR_NOMEM;
        return;
    }
    b->paths[b->npaths] = path;
    b->rc = cs_buf_printf(&b->sql, "json_extract(body, ?%d)", 100 + b->npaths);
    b->npaths++;
}

static void q_value(struct sqlq *b, const struct cs_value *v)
{
    b->vals[b->nvals] = v;
    if (!b->rc) b->rc = cs_buf_printf(&b->sql, "?%d", 10 + b->nvals);
    b->nvals++;
}

static void q_filters(struct sqlq *b, struct cs_arena *a, const struct cs_filter *f, size_t n)
{
    static const char *const ops[] = {" = ", " <> ", " < ", " <= ", " > ", " >= "};
    q_puts(b, " WHERE tenant=?1 AND coll=?2");
    for (size_t i = 0; i < n; i++) {
        q_puts(b, " AND ");
        if (f[i].op == CS_OP_EXISTS) {
            q_puts(b, "json_type(body, ");
            if (!b->rc) b->rc = cs_buf_printf(&b->sql, "?%d", 100 + b->npaths);
            const char *path = cs_arena_printf(a, "$.%s", f[i].field);
            if (!path && !b->rc) b->rc = CS_ERR_NOMEM;
            b->paths[b->npaths++] = path;
            q_puts(b, f[i].v.b || f[i].v.type != CS_VAL_BOOL ? ") IS NOT NULL" : ") IS NULL");
            continue;
        }
        q_field(b, a, f[i].field);
        if (f[i].v.type == CS_VAL_NULL) {
            q_puts(b, f[i].op == CS_OP_NE ? " IS NOT NULL" : " IS NULL");
            continue;
        }
        q_puts(b, ops[f[i].op]);
        q_value(b, &f[i].v);
    }
}

static void bind_all(sqlite3_stmt *q, const struct sqlq *b, const char *tenant, const char *coll)
{
    bind_text(q, 1, tenant);
    bind_text(q, 2, coll);
    for (int i = 0; i < b->nvals; i++) {
        const struct cs_value *v = b->vals[i];
        int idx = 10 + i; /* ?NNN parameters have index NNN */
        switch (v->type) {
        case CS_VAL_STR: bind_text(q, idx, v->s); break;
        case CS_VAL_INT: sqlite3_bind_int64(q, idx, v->i); break;
        case CS_VAL_REAL: sqlite3_bind_double(q, idx, v->d); break;
        case CS_VAL_BOOL: sqlite3_bind_int(q, idx, v->b); break;
        case CS_VAL_NULL: sqlite3_bind_null(q, idx); break;
        }
    }
    for (int i = 0; i < b->npaths; i++) bind_text(q, 100 + i, b->paths[i]);
}

static int count_where(struct sq_store *s, struct cs_arena *a, const char *tenant, const char *coll,
                       const struct cs_filter *f, size_t n, int64_t *out)
{
    struct sqlq b = {0};
    cs_buf_init(&b.sql, a, 0);
    q_puts(&b, "SELECT count(*) FROM docs");
    q_filters(&b, a, f, n);
    if (b.rc) return b.rc;
    sqlite3_stmt *q = prepare(s, cs_buf_str(&b.sql));
    if (!q) return CS_ERR_STORE;
    bind_all(q, &b, tenant, coll);
    int step = sqlite3_step(q);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    return step == SQLITE_ROW ? CS_OK : cs_from_sqlite(step);
}

static int do_find(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                   const struct cs_query *qq, struct cs_doc_list *out)
{
    struct sq_store *s = SQ(st);
    int64_t limit = qq->limit == 0 ? 100 : qq->limit > 1000 ? 1000 : qq->limit;
    struct sqlq b = {0};
    cs_buf_init(&b.sql, a, 0);
    q_puts(&b, "SELECT " DOC_COLS " FROM docs");
    q_filters(&b, a, qq->filters, qq->nfilters);
    q_puts(&b, " ORDER BY ");
    q_field(&b, a, qq->sort ? qq->sort : "_created");
    q_puts(&b, qq->desc ? " DESC, rid DESC" : ", rid");
    if (!b.rc)
        b.rc = cs_buf_printf(&b.sql, " LIMIT %lld OFFSET %lld", (long long)limit,
                             (long long)qq->offset);
    if (b.rc) return b.rc;
    sqlite3_stmt *q = prepare(s, cs_buf_str(&b.sql));
    if (!q) return CS_ERR_STORE;
    bind_all(q, &b, tenant, coll);
    out->docs = cs_arena_alloc(a, sizeof(struct cs_doc) * (size_t)limit);
    out->n = 0;
    out->total = -1;
    if (!out->docs) return CS_ERR_NOMEM;
    int step, rc = CS_OK;
    while (rc == CS_OK && (step = sqlite3_step(q)) == SQLITE_ROW)
        rc = read_doc(a, q, 0, &out->docs[out->n++]);
    sqlite3_reset(q);
    if (rc) return rc;
    if (step != SQLITE_DONE) return cs_from_sqlite(step);
    if (qq->want_total)
        return count_where(s, a, tenant, coll, qq->filters, qq->nfilters, &out->total);
    return CS_OK;
}

static int do_count(struct cs_store *st, const char *tenant, const char *coll,
                    const struct cs_filter *filters, size_t nfilters, int64_t *out)
{
    struct cs_arena *a = cs_arena_new(1 << 20);
    if (!a) return CS_ERR_NOMEM;
    int rc = count_where(SQ(st), a, tenant, coll, filters, nfilters, out);
    cs_arena_destroy(a);
    return rc;
}

static void q_metric(struct sqlq *b, struct cs_arena *a, const struct cs_agg_metric *m)
{
    static const char *const fn[] = {"count(*)", "total(", "avg(", "min(", "max("};
    q_puts(b, ", ");
    q_puts(b, fn[m->op]);
    if (m->op == CS_AGG_COUNT) return;
    q_field(b, a, m->field);
    q_puts(b, ")");
}

static void q_group_key(struct sqlq *b, struct cs_arena *a, const struct cs_agg *g)
{
    static const char *const pre[] = {"", "strftime('%Y-%m-%d', (", "date((",
                                      "strftime('%Y-%m-01', ("};
    static const char *const post[] = {"", ")/1000, 'unixepoch')",
                                       ")/1000, 'unixepoch', 'weekday 0', '-6 days')",
                                       ")/1000, 'unixepoch')"};
    if (!g->group_by) return q_puts(b, "NULL");
    q_puts(b, pre[g->bucket]);
    q_field(b, a, g->group_by);
    q_puts(b, post[g->bucket]);
}

static void read_key(struct cs_arena *a, sqlite3_stmt *q, struct cs_value *k)
{
    switch (sqlite3_column_type(q, 0)) {
    case SQLITE_INTEGER: *k = cs_val_int(sqlite3_column_int64(q, 0)); break;
    case SQLITE_FLOAT: *k = cs_val_real(sqlite3_column_double(q, 0)); break;
    case SQLITE_NULL: k->type = CS_VAL_NULL; break;
    default: *k = cs_val_str(cs_arena_strdup(a, (const char *)sqlite3_column_text(q, 0))); break;
    }
}

static int do_aggregate(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const char *coll, const struct cs_agg *g, struct cs_agg_row **rows,
                        size_t *nrows)
{
    struct sqlq b = {0};
    cs_buf_init(&b.sql, a, 0);
    q_puts(&b, "SELECT ");
    q_group_key(&b, a, g);
    q_puts(&b, " AS k");
    for (size_t i = 0; i < g->nmetrics; i++) q_metric(&b, a, &g->metrics[i]);
    q_puts(&b, " FROM docs");
    q_filters(&b, a, g->filters, g->nfilters);
    q_puts(&b, g->group_by ? " GROUP BY k" : "");
    q_puts(&b, g->by_metric && g->nmetrics ? " ORDER BY 2 DESC, k"
                                           : (g->group_by ? " ORDER BY k" : ""));
    if (!b.rc && g->limit > 0) b.rc = cs_buf_printf(&b.sql, " LIMIT %lld", (long long)g->limit);
    if (b.rc) return b.rc;
    sqlite3_stmt *q = prepare(SQ(st), cs_buf_str(&b.sql));
    if (!q) return CS_ERR_STORE;
    bind_all(q, &b, tenant, coll);
    size_t cap = 16, n = 0;
    struct cs_agg_row *out = cs_arena_alloc(a, cap * sizeof(*out));
    int step;
    while (out && (step = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            struct cs_agg_row *bigger = cs_arena_alloc(a, 2 * cap * sizeof(*out));
            if (bigger) memcpy(bigger, out, n * sizeof(*out));
            out = bigger;
            cap *= 2;
            if (!out) break;
        }
        read_key(a, q, &out[n].key);
        for (size_t i = 0; i < g->nmetrics; i++)
            out[n].values[i] = sqlite3_column_type(q, (int)i + 1) == SQLITE_NULL
                                   ? NAN
                                   : sqlite3_column_double(q, (int)i + 1);
        n++;
    }
    sqlite3_reset(q);
    if (!out) return CS_ERR_NOMEM;
    if (step != SQLITE_DONE) return cs_from_sqlite(step);
    *rows = out;
    *nrows = n;
    return CS_OK;
}

static int do_quantiles(struct cs_store *st, const char *tenant, const char *coll,
                        const struct cs_filter *filters, size_t nfilters, const char *field,
                        const double *qs, size_t nq, double *out)
{
    struct cs_arena *a = cs_arena_new(1 << 20);
    if (!a) return CS_ERR_NOMEM;
    struct cs_filter f[CS_QUERY_MAX_FILTERS + 1];
    if (nfilters) memcpy(f, filters, nfilters * sizeof(*f)); /* filters may be NULL */
    f[nfilters] = (struct cs_filter){field, CS_OP_EXISTS, cs_val_bool(true)};
    int64_t n = 0;
    int rc = count_where(SQ(st), a, tenant, coll, f, nfilters + 1, &n);
    for (size_t i = 0; rc == CS_OK && i < nq; i++) {
        out[i] = NAN;
        if (n == 0) continue;
        /* Nearest rank: the smallest value with at least q*n values at or below it. */
        int64_t rank = (int64_t)ceil(qs[i] * (double)n);
        int64_t off = rank < 1 ? 0 : rank - 1;
        struct sqlq b = {0};
        cs_buf_init(&b.sql, a, 0);
        q_puts(&b, "SELECT ");
        q_field(&b, a, field);
        q_puts(&b, " AS v FROM docs");
        q_filters(&b, a, f, nfilters + 1);
        q_puts(&b, " ORDER BY v LIMIT 1 OFFSET ?9");
        if ((rc = b.rc)) break;
        sqlite3_stmt *q = prepare(SQ(st), cs_buf_str(&b.sql));
        if (!q) {
            rc = CS_ERR_STORE;
            break;
        }
        bind_all(q, &b, tenant, coll);
        sqlite3_bind_int64(q, 9, off);
        if (sqlite3_step(q) == SQLITE_ROW) out[i] = sqlite3_column_double(q, 0);
        sqlite3_reset(q);
    }
    cs_arena_destroy(a);
    return rc;
}

/* ---- full-text search ---- */

static const char *fts_query(struct cs_arena *a, const char *text)
{
    const char *terms[32];
    size_t n = cs_store_query_terms(a, text, terms, 32);
    if (n == 0) return NULL;
    struct cs_buf b;
    cs_buf_init(&b, a, 4096);
    int rc = CS_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        /* Each term quoted: FTS5 syntax in customer text (NEAR, *, :) stays literal. */
        rc = cs_buf_printf(&b, "%s\"", i ? " OR " : "");
        for (const char *c = terms[i]; *c && !rc; c++)
            rc = *c == '"' ? cs_buf_puts(&b, "\"\"") : cs_buf_append(&b, c, 1);
        if (!rc) rc = cs_buf_puts(&b, "\"");
    }
    return rc ? NULL : cs_buf_str(&b);
}

/* The hit's body as read_doc gives it, from the memo when the stored bytes are the
 * ones parsed before. Runs under c->lock (a store operation), like every memo use. */
static json_object *hit_body(struct sq_conn *c, struct cs_arena *a, sqlite3_int64 rid,
                             const char *body, size_t len)
{
    struct hit_memo *m = &c->memo[(size_t)rid % HIT_MEMO];
    if (m->tree && m->rid == rid && m->len == len && memcmp(m->body, body, len) == 0) {
        json_object *o = NULL;
        if (json_object_deep_copy(m->tree, &o, NULL) != 0) return NULL;
        if (cs_json_own(a, o) == CS_OK) return o;
        json_object_put(o);
        return NULL;
    }
    json_object *o = cs_store_body_parse(a, body, len);
    if (!o) return NULL;
    json_object *keep = NULL;
    char *copy = malloc(len + 1);
    if (copy && json_object_deep_copy(o, &keep, NULL) == 0) {
        memcpy(copy, body, len);
        copy[len] = '\0';
        json_object_put(m->tree);
        free(m->body);
        *m = (struct hit_memo){rid, copy, len, keep};
    } else {
        free(copy); /* the memo is only a saving: the answer stands without it */
    }
    return o;
}

/* One hit from a row whose first five columns are id, version, created_ms, updated_ms,
 * body, scored by bm25 magnitude x (larger is better): x/(1+x) maps it into (0, 1). */
static int hit_from_row(struct sq_conn *c, struct cs_arena *a, sqlite3_stmt *q, sqlite3_int64 rid,
                        double x, struct cs_hit *h)
{
    struct cs_doc *d = &h->doc;
    const char *body = (const char *)sqlite3_column_text(q, 4);
    d->id = cs_arena_strdup(a, (const char *)sqlite3_column_text(q, 0));
    d->version = sqlite3_column_int64(q, 1);
    d->created_ms = sqlite3_column_int64(q, 2);
    d->updated_ms = sqlite3_column_int64(q, 3);
    d->body = body ? hit_body(c, a, rid, body, (size_t)sqlite3_column_bytes(q, 4)) : NULL;
    h->score = x > 0 ? x / (1.0 + x) : 0.0;
    return !d->id ? CS_ERR_NOMEM : d->body ? CS_OK : CS_ERR_STORE;
}

/* The docs of the ranked rows, best first. A row whose document is gone or moved (the
 * join of the FTS5 query would have dropped it) is skipped. */
static int read_hits(struct sq_store *s, struct cs_arena *a, const char *tenant, const char *coll,
                     const struct kbx_hit *kh, size_t nk, struct cs_hit *out, size_t *nout)
{
    sqlite3_stmt *q = prepare(s, "SELECT id, version, created_ms, updated_ms, body, tenant, coll"
                                 " FROM docs WHERE rid=?1");
    if (!q) return CS_ERR_STORE;
    size_t n = 0;
    int rc = CS_OK;
    for (size_t i = 0; i < nk && !rc; i++) {
        sqlite3_bind_int64(q, 1, kh[i].rid);
        int step = sqlite3_step(q);
        if (step == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 5), tenant) == 0 &&
            strcmp((const char *)sqlite3_column_text(q, 6), coll) == 0) {
            rc = hit_from_row(s->c, a, q, kh[i].rid, kh[i].score, &out[n++]);
        } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = cs_from_sqlite(step);
        }
        sqlite3_reset(q);
    }
    *nout = n;
    return rc;
}

/* The in-memory ranking (sqlite_kbindex.h); nonzero when it cannot answer. */
static int kbx_hits(struct sq_store *s, struct cs_arena *a, const char *tenant, const char *coll,
                    const char *text, size_t limit, struct cs_hit **hits, size_t *nhits)
{
    const char *terms[32];
    size_t nt = cs_store_query_terms(a, text, terms, 32);
    struct kbx_hit *kh = nt ? cs_arena_alloc(a, limit * sizeof(*kh)) : NULL;
    struct cs_hit *out = nt ? cs_arena_alloc(a, limit * sizeof(*out)) : NULL;
    if (nt && (!kh || !out)) return CS_ERR_NOMEM;
    size_t nk = 0, n = 0;
    struct kbx_clock clk = {s->c->gen, s->c->fts_writes, s->c->fts_write_gen};
    int rc =
        nt ? kbx_search(&s->c->kbx, s->db, &clk, tenant, coll, terms, nt, limit, kh, &nk) : CS_OK;
    if (rc) return CS_ERR_UNAVAILABLE; /* no index: FTS5 answers */
    rc = read_hits(s, a, tenant, coll, kh, nk, out, &n);
    if (rc) return rc;
    *hits = out;
    *nhits = n;
    return CS_OK;
}

/* FTS5 itself: when the in-memory index cannot be had. */
static int fts_search(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                      const char *text, size_t limit, struct cs_hit **hits, size_t *nhits)
{
    const char *match = fts_query(a, text);
    if (!match) return CS_OK;
    sqlite3_stmt *q = prepare(
        SQ(st), "SELECT d.id, d.version, d.created_ms, d.updated_ms, d.body, bm25(docs_fts, 2.0, "
                "1.0) AS s, d.rid"
                " FROM docs_fts JOIN docs d ON d.rid = docs_fts.rowid"
                " WHERE docs_fts MATCH ?3 AND d.tenant=?1 AND d.coll=?2 ORDER BY s LIMIT ?4");
    if (!q) return CS_ERR_STORE;
    bind_text(q, 1, tenant);
    bind_text(q, 2, coll);
    bind_text(q, 3, match);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)limit);
    struct cs_hit *out = cs_arena_alloc(a, limit * sizeof(*out));
    if (!out) {
        sqlite3_reset(q);
        return CS_ERR_NOMEM;
    }
    size_t n = 0;
    int step, rc = CS_OK;
    while (rc == CS_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        /* FTS5's bm25 is negative, larger magnitude better */
        rc = hit_from_row(SQ(st)->c, a, q, sqlite3_column_int64(q, 6), -sqlite3_column_double(q, 5),
                          &out[n++]);
    }
    sqlite3_reset(q);
    if (rc) return rc;
    if (step != SQLITE_DONE) return cs_from_sqlite(step);
    *hits = out;
    *nhits = n;
    return CS_OK;
}

static int do_search(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                     const char *text, size_t limit, struct cs_hit **hits, size_t *nhits)
{
    int rc = kbx_hits(SQ(st), a, tenant, coll, text, limit, hits, nhits);
    if (rc == CS_ERR_UNAVAILABLE) rc = fts_search(st, a, tenant, coll, text, limit, hits, nhits);
    return rc;
}

/* ---- counters ---- */

static int do_counter_add(struct cs_store *st, const char *tenant, const char *key,
                          int64_t window_start_ms, int64_t ttl_ms, int64_t delta, int64_t *value)
{
    struct sq_store *s = SQ(st);
    sqlite3_stmt *q = prepare(s, "INSERT INTO counters(tenant, key, window_ms, value, expires_ms)"
                                 " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(tenant, key, window_ms)"
                                 " DO UPDATE SET value = value + excluded.value RETURNING value");
    if (!q) return CS_ERR_STORE;
    bind_text(q, 1, tenant);
    bind_text(q, 2, key);
    sqlite3_bind_int64(q, 3, window_start_ms);
    sqlite3_bind_int64(q, 4, delta);
    sqlite3_bind_int64(q, 5, window_start_ms + ttl_ms);
    int step = sqlite3_step(q);
    *value = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    if (step != SQLITE_ROW) return cs_from_sqlite(step);
    if (*value == delta) {
        /* First hit of a new window: a good moment to drop this key's expired windows. */
        q = prepare(s, "DELETE FROM counters WHERE tenant=?1 AND key=?2 AND expires_ms < ?3");
        if (!q) return CS_OK;
        bind_text(q, 1, tenant);
        bind_text(q, 2, key);
        sqlite3_bind_int64(q, 3, window_start_ms);
        sqlite3_step(q);
        sqlite3_reset(q);
    }
    return CS_OK;
}

static int do_compact(struct cs_store *st)
{
    return exec(SQ(st), "INSERT INTO docs_fts(docs_fts) VALUES('optimize')");
}

/* ---- outbox ---- */

static int sq_outbox_flush(struct cs_store *st, int64_t now_ms)
{
    struct sq_store *s = SQ(st);
    int rc = op_begin(s, true);
    return rc ? rc : commit_change(s, CS_OK, now_ms);
}

static int read_item(struct cs_arena *a, sqlite3_stmt *q, struct cs_outbox_item *it)
{
    it->id = cs_arena_strdup(a, (const char *)sqlite3_column_text(q, 1));
    it->tenant = cs_arena_strdup(a, (const char *)sqlite3_column_text(q, 2));
    it->topic = cs_arena_strdup(a, (const char *)sqlite3_column_text(q, 3));
    it->type = cs_arena_strdup(a, (const char *)sqlite3_column_text(q, 4));
    it->payload = cs_store_body_parse(a, (const char *)sqlite3_column_text(q, 5),
                                      (size_t)sqlite3_column_bytes(q, 5));
    it->attempts = sqlite3_column_int64(q, 6) + 1;
    it->created_ms = sqlite3_column_int64(q, 7);
    if (!it->id || !it->tenant || !it->topic || !it->type) return CS_ERR_NOMEM;
    return it->payload ? CS_OK : CS_ERR_STORE;
}

static int lease(struct sq_store *s, sqlite3_int64 seq, int64_t until, int64_t *lease_id)
{
    uint64_t r;
    randombytes_buf(&r, sizeof(r));
    *lease_id = (int64_t)(r >> 1) | 1;
    sqlite3_stmt *q = prepare(s, "UPDATE outbox SET lease_until=?1, lease_id=?2,"
                                 " attempts=attempts+1 WHERE seq=?3");
    if (!q) return CS_ERR_STORE;
    sqlite3_bind_int64(q, 1, until);
    sqlite3_bind_int64(q, 2, *lease_id);
    sqlite3_bind_int64(q, 3, seq);
    int rc = cs_from_sqlite(sqlite3_step(q));
    sqlite3_reset(q);
    return rc;
}

/* What a claim asks for: the heads of the webhook topics (topic NULL; at most
 * per_tenant of a tenant's items in flight, 0 for no cap), or of one queue topic. */
struct claim {
    const char *topic;
    int64_t now_ms, lease_ms;
    size_t limit, per_tenant;
};

static sqlite3_stmt *claim_query(struct sq_store *s, const struct claim *c)
{
    if (c->topic) {
        /* A queue's heads (each tenant's oldest open item of the topic), due and free. */
        sqlite3_stmt *q = prepare(
            s, "SELECT seq, id, tenant, topic, type, payload, attempts, created_ms"
               " FROM outbox o WHERE state=0 AND topic=?2 AND due_ms<=?1 AND lease_until<=?1"
               " AND seq=(SELECT MIN(seq) FROM outbox p WHERE p.state=0"
               " AND p.tenant=o.tenant AND p.topic=o.topic) ORDER BY due_ms, seq LIMIT ?3");
        if (!q) return NULL;
        sqlite3_bind_int64(q, 1, c->now_ms);
        bind_text(q, 2, c->topic);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)c->limit);
        return q;
    }
    /* The head of each open topic, if it is due and free: a topic never overtakes itself.
     * `turn` is the head's rank within its tenant, counted after the tenant's items in
     * flight: ordering by it serves tenants round-robin, and capping it keeps a tenant to
     * per_tenant leased items. */
    sqlite3_stmt *q = prepare(
        s,
        "WITH heads AS (SELECT seq, id, tenant, topic, type, payload, attempts, created_ms, due_ms"
        " FROM outbox o WHERE state=0 AND due_ms<=?1 AND lease_until<=?1"
        " AND substr(topic, 1, 3)<>'" CS_OUTBOX_QUEUE_PREFIX "'"
        " AND seq=(SELECT MIN(seq) FROM outbox p WHERE p.state=0"
        " AND p.tenant=o.tenant AND p.topic=o.topic)),"
        " busy AS (SELECT tenant, COUNT(*) AS n FROM outbox WHERE state=0 AND lease_until>?1"
        " AND substr(topic, 1, 3)<>'" CS_OUTBOX_QUEUE_PREFIX "' GROUP BY tenant),"
        " ranked AS (SELECT h.*, COALESCE(b.n, 0) + ROW_NUMBER() OVER"
        " (PARTITION BY h.tenant ORDER BY h.due_ms, h.seq) AS turn"
        " FROM heads h LEFT JOIN busy b ON b.tenant=h.tenant)"
        " SELECT seq, id, tenant, topic, type, payload, attempts, created_ms FROM ranked"
        " WHERE ?3<=0 OR turn<=?3 ORDER BY turn, due_ms, seq LIMIT ?2");
    if (!q) return NULL;
    sqlite3_bind_int64(q, 1, c->now_ms);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)c->limit);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)c->per_tenant);
    return q;
}

/* The items after a free head of CS_EVENTS_TOPIC, in order, up to `room` (cs/store.h,
 * runs). Stops at the first one not free (never the case while the head is: a run is
 * claimed, leased and settled in order), so the run never skips an item. */
static int claim_run(struct sq_store *s, struct cs_arena *a, const struct claim *c,
                     const struct cs_outbox_item *head, sqlite3_int64 head_seq,
                     struct cs_outbox_item *out, sqlite3_int64 *seqs, size_t room, size_t *n)
{
    sqlite3_stmt *q = prepare(s, "SELECT seq, id, tenant, topic, type, payload, attempts,"
                                 " created_ms, due_ms, lease_until FROM outbox WHERE state=0"
                                 " AND tenant=?1 AND topic=?2 AND seq>?3 ORDER BY seq LIMIT ?4");
    if (!q) return CS_ERR_STORE;
    bind_text(q, 1, head->tenant);
    bind_text(q, 2, head->topic);
    sqlite3_bind_int64(q, 3, head_seq);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)room);
    int rc = CS_OK, step;
    *n = 0;
    while (rc == CS_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        if (sqlite3_column_int64(q, 8) > c->now_ms || sqlite3_column_int64(q, 9) > c->now_ms) break;
        seqs[*n] = sqlite3_column_int64(q, 0);
        rc = read_item(a, q, &out[*n]);
        if (rc == CS_OK) (*n)++;
    }
    if (rc == CS_OK && step != SQLITE_DONE && step != SQLITE_ROW) rc = cs_from_sqlite(step);
    sqlite3_reset(q);
    return rc;
}

/* Reads the claimed heads (each followed by its run, for the webhook claim), then leases
 * each (limit <= 1000, cs_store_outbox_claim*; `out` has room for CS_OUTBOX_RUN_MAX
 * more). */
static int claim_rows(struct sq_store *s, struct cs_arena *a, const struct claim *c,
                      struct cs_outbox_item *out, size_t *n)
{
    sqlite3_stmt *q = claim_query(s, c);
    if (!q) return CS_ERR_STORE;
    size_t room = c->topic ? 0 : CS_OUTBOX_RUN_MAX;
    sqlite3_int64 *seqs = cs_arena_alloc(a, (c->limit + room) * sizeof(*seqs));
    sqlite3_int64 *head_seq = cs_arena_alloc(a, c->limit * sizeof(*head_seq));
    struct cs_outbox_item *heads = cs_arena_alloc(a, c->limit * sizeof(*heads));
    size_t nh = 0;
    int rc = seqs && head_seq && heads ? CS_OK : CS_ERR_NOMEM, step = SQLITE_DONE;
    while (rc == CS_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        head_seq[nh] = sqlite3_column_int64(q, 0);
        rc = read_item(a, q, &heads[nh]);
        if (rc == CS_OK) nh++;
    }
    if (rc == CS_OK && step != SQLITE_DONE) rc = cs_from_sqlite(step);
    sqlite3_reset(q);
    for (size_t i = 0; rc == CS_OK && i < nh; i++) {
        seqs[*n] = head_seq[i];
        out[(*n)++] = heads[i];
        if (room == 0 || strcmp(heads[i].topic, CS_EVENTS_TOPIC) != 0) continue;
        size_t got = 0;
        rc = claim_run(s, a, c, &heads[i], head_seq[i], out + *n, seqs + *n, room, &got);
        *n += got;
        room -= got;
    }
    for (size_t i = 0; rc == CS_OK && i < *n; i++)
        rc = lease(s, seqs[i], c->now_ms + c->lease_ms, &out[i].lease_id);
    return rc;
}

/* Whether the claim would find anything, under a read transaction: a dispatcher or
 * worker polling an idle outbox then never takes the write lock (which made writers in
 * the other processes wait, tests/bench/ticket_cost.sh full). */
static int claim_peek(struct sq_store *s, const struct claim *c, bool *any)
{
    int rc = op_begin(s, false);
    if (rc) return rc;
    sqlite3_stmt *q = claim_query(s, c);
    int step = q ? sqlite3_step(q) : SQLITE_ERROR;
    if (q) sqlite3_reset(q);
    *any = step == SQLITE_ROW;
    return op_end(s, step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK : cs_from_sqlite(step));
}

static int claim(struct cs_store *st, struct cs_arena *a, const struct claim *c,
                 struct cs_outbox_item **items, size_t *n)
{
    struct sq_store *s = SQ(st);
    struct cs_outbox_item *out =
        cs_arena_alloc(a, (c->limit + (c->topic ? 0 : CS_OUTBOX_RUN_MAX)) * sizeof(*out));
    if (!out) return CS_ERR_NOMEM;
    bool any = false;
    int rc = claim_peek(s, c, &any);
    if (rc || !any) {
        *items = out;
        return rc;
    }
    rc = op_begin(s, true);
    if (rc) return rc;
    rc = op_end(s, claim_rows(s, a, c, out, n));
    if (rc) {
        *n = 0;
        return rc;
    }
    *items = out;
    return CS_OK;
}

static int sq_outbox_claim(struct cs_store *st, struct cs_arena *a, int64_t now_ms,
                           int64_t lease_ms, size_t limit, size_t per_tenant,
                           struct cs_outbox_item **items, size_t *n)
{
    const struct claim c = {NULL, now_ms, lease_ms, limit, per_tenant};
    return claim(st, a, &c, items, n);
}

static int sq_outbox_claim_topic(struct cs_store *st, struct cs_arena *a, const char *topic,
                                 int64_t now_ms, int64_t lease_ms, size_t limit,
                                 struct cs_outbox_item **items, size_t *n)
{
    const struct claim c = {topic, now_ms, lease_ms, limit, 0};
    return claim(st, a, &c, items, n);
}

static int do_outbox_renew(struct cs_store *st, const struct cs_outbox_item *item,
                           int64_t lease_until_ms)
{
    sqlite3_stmt *q = prepare(SQ(st), "UPDATE outbox SET lease_until=?1"
                                      " WHERE id=?2 AND lease_id=?3 AND state=0");
    if (!q) return CS_ERR_STORE;
    sqlite3_bind_int64(q, 1, lease_until_ms);
    bind_text(q, 2, item->id);
    sqlite3_bind_int64(q, 3, item->lease_id);
    int rc = cs_from_sqlite(sqlite3_step(q));
    sqlite3_reset(q);
    if (rc) return rc;
    return sqlite3_changes(SQ(st)->db) == 1 ? CS_OK : CS_ERR_CONFLICT;
}

static int sq_outbox_renew(struct cs_store *st, const struct cs_outbox_item *item,
                           int64_t lease_until_ms)
{
    int rc = op_begin(SQ(st), true);
    if (rc) return rc;
    rc = do_outbox_renew(st, item, lease_until_ms);
    int end = op_end(SQ(st), rc == CS_ERR_CONFLICT ? CS_OK : rc);
    return rc ? rc : end;
}

static int do_outbox_settle(struct cs_store *st, const struct cs_outbox_item *item,
                            enum cs_outbox_outcome outcome, int64_t next_due_ms, int64_t now_ms)
{
    /* The lease id proves the caller still holds the item: a later claim replaced it. */
    sqlite3_stmt *q = prepare(SQ(st), "UPDATE outbox SET state=?1, due_ms=?2, lease_until=0"
                                      " WHERE id=?3 AND lease_id=?4 AND state=0");
    if (!q) return CS_ERR_STORE;
    sqlite3_bind_int(q, 1, outcome == CS_OUTBOX_DONE ? 1 : outcome == CS_OUTBOX_DEAD ? 2 : 0);
    sqlite3_bind_int64(q, 2, outcome == CS_OUTBOX_RETRY ? next_due_ms : now_ms);
    bind_text(q, 3, item->id);
    sqlite3_bind_int64(q, 4, item->lease_id);
    int rc = cs_from_sqlite(sqlite3_step(q));
    sqlite3_reset(q);
    if (rc) return rc;
    return sqlite3_changes(SQ(st)->db) == 1 ? CS_OK : CS_ERR_CONFLICT;
}

static int do_outbox_stats(struct cs_store *st, const char *tenant, const char *topic,
                           int64_t *open, int64_t *done, int64_t *dead)
{
    sqlite3_stmt *q = prepare(SQ(st), "SELECT state, COUNT(*) FROM outbox WHERE tenant=?1"
                                      " AND (?2 IS NULL OR topic=?2) GROUP BY state");
    if (!q) return CS_ERR_STORE;
    bind_text(q, 1, tenant);
    if (topic)
        bind_text(q, 2, topic);
    else
        sqlite3_bind_null(q, 2);
    *open = *done = *dead = 0;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        int state = sqlite3_column_int(q, 0);
        int64_t c = sqlite3_column_int64(q, 1);
        *(state == 0 ? open : state == 1 ? done : dead) = c;
    }
    sqlite3_reset(q);
    return step == SQLITE_DONE ? CS_OK : cs_from_sqlite(step);
}

/* ---- the operations that need no more than a savepoint of their own ---- */

#define READ_OP(call)                                                                              \
    do {                                                                                           \
        int rc_ = op_begin(SQ(st), false);                                                         \
        return rc_ ? rc_ : op_end(SQ(st), call);                                                   \
    } while (0)
#define WRITE_OP(call)                                                                             \
    do {                                                                                           \
        int rc_ = op_begin(SQ(st), true);                                                          \
        return rc_ ? rc_ : op_end(SQ(st), call);                                                   \
    } while (0)

/* ---- rollup reads ---- */

/* The SQL expression of a definition's field. Definitions are compiled in
 * (store_rollup.c), never outside input, so their names can go into the SQL text; it
 * must, for SQLite to use the partial expression indexes of the schema. */
static void rollup_expr(const char *field, char *out, size_t cap)
{
    if (strcmp(field, "_created") == 0)
        snprintf(out, cap, "created_ms");
    else
        snprintf(out, cap, "json_extract(body, '$.%s')", field);
}

static int do_rollup_read(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const struct cs_rollup_def *d, const char *dim, int64_t h0, int64_t h1,
                          bool by_hour, struct cs_rollup_row **rows, size_t *nrows)
{
    sqlite3_stmt *q = prepare(SQ(st), by_hour ? "SELECT key, count, s0, s1, s2, s3, s4, s5, s6, "
                                                "s7, n0, n1, n2, n3, n4, n5, n6, n7, hour"
                                                " FROM rollups WHERE tenant=?1 AND coll=?2 AND "
                                                "dim=?3 AND hour>=?4 AND hour<?5 ORDER BY hour, key"
                                              : "SELECT key, sum(count), total(s0), total(s1), "
                                                "total(s2), total(s3), total(s4), total(s5),"
                                                " total(s6), total(s7), sum(n0), sum(n1), sum(n2), "
                                                "sum(n3), sum(n4), sum(n5), sum(n6), sum(n7), 0"
                                                " FROM rollups WHERE tenant=?1 AND coll=?2 AND "
                                                "dim=?3 AND hour>=?4 AND hour<?5 GROUP BY key");
    if (!q) return CS_ERR_STORE;
    bind_text(q, 1, tenant);
    bind_text(q, 2, d->coll);
    bind_text(q, 3, dim);
    sqlite3_bind_int64(q, 4, h0);
    sqlite3_bind_int64(q, 5, h1);
    size_t cap = 16, n = 0;
    struct cs_rollup_row *out = cs_arena_alloc(a, cap * sizeof(*out));
    int step = SQLITE_DONE;
    while (out && (step = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            struct cs_rollup_row *bigger = cs_arena_alloc(a, 2 * cap * sizeof(*out));
            if (bigger) memcpy(bigger, out, n * sizeof(*out));
            out = bigger;
            cap *= 2;
            if (!out) break;
        }
        struct cs_rollup_row *r = &out[n++];
        memset(r, 0, sizeof(*r));
        /* Read back from the store: a key that is not ours is the null group. */
        const char *k = cs_rollup_key_decode((const char *)sqlite3_column_text(q, 0));
        r->key = k ? cs_arena_strdup(a, k) : NULL;
        r->count = sqlite3_column_int64(q, 1);
        for (int m = 0; m < CS_ROLLUP_MAX_MEASURES; m++) {
            r->sum[m] = sqlite3_column_double(q, 2 + m);
            r->n[m] = sqlite3_column_int64(q, 10 + m);
        }
        r->hour_ms = sqlite3_column_int64(q, 18);
        if (k && !r->key) out = NULL;
    }
    sqlite3_reset(q);
    if (!out) return CS_ERR_NOMEM;
    if (step != SQLITE_DONE) return cs_from_sqlite(step);
    *rows = out;
    *nrows = n;
    return CS_OK;
}

static int do_rollup_scan(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const struct cs_rollup_def *d, int64_t from, int64_t to,
                          int (*each)(void *ctx, json_object *body, int64_t created_ms), void *ctx)
{
    char t[96], sql[512];
    rollup_expr(d->time_field, t, sizeof(t));
    snprintf(sql, sizeof(sql),
             "SELECT created_ms, body FROM docs WHERE coll='%s' AND tenant=?1"
             " AND %s>=?2 AND %s<=?3",
             d->coll, t, t);
    sqlite3_stmt *q = prepare(SQ(st), sql);
    if (!q) return CS_ERR_STORE;
    bind_text(q, 1, tenant);
    sqlite3_bind_int64(q, 2, from);
    sqlite3_bind_int64(q, 3, to);
    int step, rc = CS_OK;
    while (rc == CS_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *b = (const char *)sqlite3_column_text(q, 1);
        json_object *body = b ? json_tokener_parse(b) : NULL;
        /* A body that does not parse is in no rollup either (rollup_write). */
        if (body) rc = each(ctx, body, sqlite3_column_int64(q, 0));
        json_object_put(body);
    }
    sqlite3_reset(q);
    (void)a;
    if (rc) return rc;
    return step == SQLITE_DONE ? CS_OK : cs_from_sqlite(step);
}

static int do_rollup_rank(struct cs_store *st, const char *tenant, const struct cs_rollup_def *d,
                          double lo, double hi, int64_t from, int64_t to, int64_t k, double *out)
{
    char t[96], v[96], sql[768];
    rollup_expr(d->time_field, t, sizeof(t));
    rollup_expr(d->hist, v, sizeof(v));
    snprintf(sql, sizeof(sql),
             "SELECT %s FROM docs WHERE coll='%s' AND tenant=?1 AND %s>=?2 AND %s<?3"
             " AND %s>=?4 AND %s<=?5 ORDER BY %s LIMIT 1 OFFSET ?6",
             v, d->coll, v, v, t, t, v);
    sqlite3_stmt *q = prepare(SQ(st), sql);
    if (!q) return CS_ERR_STORE;
    bind_text(q, 1, tenant);
    sqlite3_bind_double(q, 2, lo);
    sqlite3_bind_double(q, 3, hi); /* +inf for the last bin; text sorts above it */
    sqlite3_bind_int64(q, 4, from);
    sqlite3_bind_int64(q, 5, to);
    sqlite3_bind_int64(q, 6, k);
    int step = sqlite3_step(q);
    *out = step == SQLITE_ROW ? sqlite3_column_double(q, 0) : NAN;
    sqlite3_reset(q);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK : cs_from_sqlite(step);
}

static int sq_rollup_read(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const struct cs_rollup_def *d, const char *dim, int64_t h0, int64_t h1,
                          bool by_hour, struct cs_rollup_row **rows, size_t *n)
{
    int rc = rollup_settle(SQ(st));
    if (rc) return rc;
    READ_OP(do_rollup_read(st, a, tenant, d, dim, h0, h1, by_hour, rows, n));
}

static int sq_rollup_scan(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const struct cs_rollup_def *d, int64_t from, int64_t to,
                          int (*each)(void *ctx, json_object *body, int64_t created_ms), void *ctx)
{
    int rc = rollup_settle(SQ(st));
    if (rc) return rc;
    READ_OP(do_rollup_scan(st, a, tenant, d, from, to, each, ctx));
}

static int sq_rollup_rank(struct cs_store *st, const char *tenant, const struct cs_rollup_def *d,
                          double lo, double hi, int64_t from, int64_t to, int64_t k, double *out)
{
    int rc = rollup_settle(SQ(st));
    if (rc) return rc;
    READ_OP(do_rollup_rank(st, tenant, d, lo, hi, from, to, k, out));
}

/* Builds every rollup from the documents when the database holds none of this version
 * (a database from before rollups, or definitions that changed): once, at open, in one
 * transaction, so no process ever reads half-built rollups. */
static int rollup_version(sqlite3 *db, int64_t *v)
{
    sqlite3_stmt *q = NULL;
    int rc = cs_from_sqlite(
        sqlite3_prepare_v2(db, "SELECT version FROM rollup_meta WHERE id=1", -1, &q, NULL));
    *v = !rc && sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return rc;
}

static int rollup_rebuild(sqlite3 *db)
{
    int64_t v;
    int rc = rollup_version(db, &v); /* the usual case, without taking the write lock */
    if (rc || v == CS_ROLLUP_VERSION) return rc;
    rc = cs_from_sqlite(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL));
    if (rc) return rc;
    sqlite3_stmt *docs = NULL, *up = NULL;
    rc = rollup_version(db, &v); /* again: another process may have built them meanwhile */
    bool current = !rc && v == CS_ROLLUP_VERSION;
    if (!rc && !current)
        rc = cs_from_sqlite(sqlite3_exec(db, "DELETE FROM rollups", NULL, NULL, NULL));
    if (!rc && !current) rc = cs_from_sqlite(sqlite3_prepare_v2(db, ROLLUP_UPSERT, -1, &up, NULL));
    if (!rc && !current)
        rc = cs_from_sqlite(sqlite3_prepare_v2(
            db, "SELECT tenant, created_ms, body FROM docs WHERE coll=?1", -1, &docs, NULL));
    size_t ndefs;
    const struct cs_rollup_def *defs = cs_rollup_defs(&ndefs);
    for (size_t i = 0; !rc && !current && i < ndefs; i++) {
        sqlite3_reset(docs);
        sqlite3_bind_text(docs, 1, defs[i].coll, -1, SQLITE_STATIC);
        int step;
        while (!rc && (step = sqlite3_step(docs)) == SQLITE_ROW) {
            const char *b = (const char *)sqlite3_column_text(docs, 2);
            json_object *body = b ? json_tokener_parse(b) : NULL;
            struct cs_rollup_cell cells[CS_ROLLUP_MAX_CELLS];
            size_t n =
                cs_rollup_delta(&defs[i], NULL, 0, body, sqlite3_column_int64(docs, 1), cells);
            json_object_put(body);
            /* One document's own cells: every count is positive. */
            rc = rollup_apply(up, NULL, NULL, (const char *)sqlite3_column_text(docs, 0),
                              defs[i].coll, cells, n);
        }
        if (!rc && step != SQLITE_DONE) rc = cs_from_sqlite(step);
    }
    if (!rc && !current)
        rc = cs_from_sqlite(
            sqlite3_exec(db,
                         "INSERT OR REPLACE INTO rollup_meta(id, version) VALUES(1, " CS_STR(
                             CS_ROLLUP_VERSION) ")",
                         NULL, NULL, NULL));
    sqlite3_finalize(docs);
    sqlite3_finalize(up);
    sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    return rc;
}

static int sq_find(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                   const struct cs_query *qq, struct cs_doc_list *out)
{
    READ_OP(do_find(st, a, tenant, coll, qq, out));
}

static int sq_count(struct cs_store *st, const char *tenant, const char *coll,
                    const struct cs_filter *filters, size_t nfilters, int64_t *out)
{
    READ_OP(do_count(st, tenant, coll, filters, nfilters, out));
}

static int sq_aggregate(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const char *coll, const struct cs_agg *g, struct cs_agg_row **rows,
                        size_t *nrows)
{
    READ_OP(do_aggregate(st, a, tenant, coll, g, rows, nrows));
}

static int sq_quantiles(struct cs_store *st, const char *tenant, const char *coll,
                        const struct cs_filter *filters, size_t nfilters, const char *field,
                        const double *qs, size_t nq, double *out)
{
    READ_OP(do_quantiles(st, tenant, coll, filters, nfilters, field, qs, nq, out));
}

static int sq_search(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                     const char *text, size_t limit, struct cs_hit **hits, size_t *nhits)
{
    READ_OP(do_search(st, a, tenant, coll, text, limit, hits, nhits));
}

static int sq_outbox_stats(struct cs_store *st, const char *tenant, const char *topic,
                           int64_t *open, int64_t *done, int64_t *dead)
{
    READ_OP(do_outbox_stats(st, tenant, topic, open, done, dead));
}

static int sq_counter_add(struct cs_store *st, const char *tenant, const char *key,
                          int64_t window_start_ms, int64_t ttl_ms, int64_t delta, int64_t *value)
{
    WRITE_OP(do_counter_add(st, tenant, key, window_start_ms, ttl_ms, delta, value));
}

static int sq_compact(struct cs_store *st) { WRITE_OP(do_compact(st)); }

static int sq_outbox_settle(struct cs_store *st, const struct cs_outbox_item *item,
                            enum cs_outbox_outcome outcome, int64_t next_due_ms, int64_t now_ms)
{
    /* A lost lease (conflict) changed nothing; it is an answer, not a failure. */
    int rc = op_begin(SQ(st), true);
    if (rc) return rc;
    rc = do_outbox_settle(st, item, outcome, next_due_ms, now_ms);
    int end = op_end(SQ(st), rc == CS_ERR_CONFLICT ? CS_OK : rc);
    return rc ? rc : end;
}

static void sq_close(struct cs_store *st);

static const struct cs_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .ping = sq_ping,
    .insert = sq_insert,
    .get = sq_get,
    .update = sq_update,
    .delete_doc = sq_delete,
    .find = sq_find,
    .count = sq_count,
    .aggregate = sq_aggregate,
    .quantiles = sq_quantiles,
    .search = sq_search,
    .counter_add = sq_counter_add,
    .compact = sq_compact,
    .outbox_flush = sq_outbox_flush,
    .outbox_claim = sq_outbox_claim,
    .outbox_claim_topic = sq_outbox_claim_topic,
    .outbox_renew = sq_outbox_renew,
    .outbox_runs = true,
    .outbox_settle = sq_outbox_settle,
    .outbox_stats = sq_outbox_stats,
    .scope_begin = sq_scope_begin,
    .scope_end = sq_scope_end,
    .rollup_read = sq_rollup_read,
    .rollup_scan = sq_rollup_scan,
    .rollup_rank = sq_rollup_rank,
};

/* SQLite's global memory statistics take a process-wide mutex on every allocation;
 * nothing here reads them, and with several worker threads that mutex showed up in
 * profiles. Must run before SQLite initialises itself. */
static const char *walbuf_vfs; /* NULL: SQLite's default VFS */

static void sqlite_global_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    /* Every operation runs in a savepoint of the shared transaction (op_begin), and a
     * savepoint keeps the original of each page it changes in a sub-journal. SQLite
     * spills that to a temporary file beyond 64 KiB, which a ticket with its indexes,
     * outbox row and rollups passed: an open, unlink and ~3 pwrite per ticket (strace,
     * tests/bench/ticket_cost.sh). Kept in memory up to 120 KiB per operation; larger
     * ones (bulk imports) still spill. The value is also the size of the journal's
     * memory chunks: 4 MiB cost an mmap and munmap per chunk (glibc's threshold is
     * 128 KiB), three per ticket. */
    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 120 << 10);
    walbuf_vfs = cs_sqlite_walbuf_register();
}

/* Another process's writer holds the lock. SQLite's own handler backs off 1, 2, 5, 10...
 * ms; a write here takes tens of microseconds, so retry soon, and give up after ~5 s. */
static int busy_wait(void *arg, int n)
{
    (void)arg;
    if (n < 8) {
        sched_yield();
        return 1;
    }
    if (n > 5200) return 0;
    struct timespec ts = {0, (n < 40 ? 50 : n < 200 ? 200 : 1000) * 1000L};
    nanosleep(&ts, NULL);
    return 1;
}

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sq_conn *registry; /* the process's open connections */

static void conn_free(struct sq_conn *c)
{
    for (size_t i = 0; i < STMT_CACHE; i++) {
        sqlite3_finalize(c->cache[i].stmt);
        free(c->cache[i].sql);
    }
    for (size_t i = 0; i < HIT_MEMO; i++) {
        json_object_put(c->memo[i].tree);
        free(c->memo[i].body);
    }
    free(c->pend);
    kbx_free(c->kbx);
    cs_rp_sqlite_forget(c->db);
    sqlite3_close_v2(c->db);
    pthread_cond_destroy(&c->ended);
    pthread_mutex_destroy(&c->lock);
    free(c->path);
    free(c);
}

/* schema_ddl's FNV-1a hash as a positive user_version (0 is a new file's). */
static int schema_stamp(void)
{
    uint32_t h = 2166136261u;
    for (const char *p = schema_ddl; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    return (int)((h & 0x7fffffffu) | 1u);
}

static int user_version(sqlite3 *db, int *v)
{
    sqlite3_stmt *q = NULL;
    int rc = cs_from_sqlite(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL));
    if (!rc) rc = sqlite3_step(q) == SQLITE_ROW ? CS_OK : CS_ERR_STORE;
    if (!rc) *v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return rc;
}

/* Creates what schema_ddl names unless the file says it has it. The tables are only
 * ever added to (IF NOT EXISTS), so a changed text runs once more on each file; a new
 * file's concurrent openers each run it under the write lock, harmlessly. */
static int schema_ensure(sqlite3 *db)
{
    int stamp = schema_stamp(), v = 0;
    int rc = user_version(db, &v);
    if (rc || v == stamp) return rc;
    char set[48];
    snprintf(set, sizeof(set), "PRAGMA user_version=%d;", stamp);
    rc = cs_from_sqlite(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL));
    if (rc) return rc;
    rc = cs_from_sqlite(sqlite3_exec(db, schema_ddl, NULL, NULL, NULL));
    if (!rc) rc = cs_from_sqlite(sqlite3_exec(db, set, NULL, NULL, NULL));
    if (!rc) rc = cs_from_sqlite(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL));
    if (rc) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int conn_open(const char *path, struct sq_conn **out)
{
    struct sq_conn *c = calloc(1, sizeof(*c));
    if (!c || !(c->path = strdup(path))) {
        free(c);
        return CS_ERR_NOMEM;
    }
    c->pid = getpid();
    c->gen = 1;
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->ended, &ca);
    pthread_condattr_destroy(&ca);
    /* NOMUTEX: c->lock serialises every use of the connection. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = cs_from_sqlite(sqlite3_open_v2(path, &c->db, flags, walbuf_vfs));
    if (!rc) sqlite3_busy_handler(c->db, busy_wait, NULL);
    /* One plan per statement, whatever is bound: without this the partial indexes (their
     * WHERE coll = '...') make SQLite plan every `coll = ?` statement again at each bind,
     * 4 re-prepares and ~9% of a ticket's instructions (callgrind). The rollup reads that
     * use those indexes name the collection in their SQL text, so they still match. */
    if (!rc)
        rc = cs_from_sqlite(sqlite3_db_config(c->db, SQLITE_DBCONFIG_ENABLE_QPSG, 1, (int *)NULL));
    if (!rc) rc = cs_from_sqlite(sqlite3_exec(c->db, schema_sql, NULL, NULL, NULL));
    if (!rc) rc = schema_ensure(c->db);
    if (!rc) rc = rollup_rebuild(c->db);
    /* The reporting tables too, here, while no other thread can use the connection: a
     * session's chat made them at its first write, outside c->lock, racing other
     * threads on this NOMUTEX connection (as review decisions did: an ASan SEGV). */
    if (!rc) cs_rp_sqlite_prepare(c->db);
    if (rc) {
        conn_free(c);
        return rc == CS_ERR_NOMEM ? rc : CS_ERR_STORE;
    }
    *out = c;
    return CS_OK;
}

static void sq_close(struct cs_store *st)
{
    struct sq_store *s = SQ(st);
    (void)sq_scope_end(st); /* nothing of it stays uncommitted */
    pthread_mutex_lock(&registry_lock);
    if (--s->c->refs == 0) {
        struct sq_conn **p = &registry;
        while (*p != s->c) p = &(*p)->next;
        *p = s->c->next;
        conn_free(s->c);
    }
    pthread_mutex_unlock(&registry_lock);
    free(s);
}

int cs_store_sqlite_open(const char *path, struct cs_store **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (!path || !*path) return CS_ERR_CONFIG;
    pthread_once(&once, sqlite_global_setup);
    struct sq_store *s = calloc(1, sizeof(*s));
    if (!s) return CS_ERR_NOMEM;
    s->base.ops = &sqlite_ops;
    pthread_mutex_lock(&registry_lock);
    struct sq_conn *c = registry;
    pid_t self = getpid();
    while (c && (c->pid != self || strcmp(c->path, path) != 0)) c = c->next;
    int rc = c ? CS_OK : conn_open(path, &c);
    if (!rc && c->refs++ == 0) {
        c->next = registry;
        registry = c;
    }
    pthread_mutex_unlock(&registry_lock);
    if (rc) {
        free(s);
        return rc;
    }
    s->c = c;
    s->db = c->db;
    *out = &s->base;
    return CS_OK;
}

/* The connection behind a SQLite store, NULL for another backend: the reporting
 * tables (store_reporting_sqlite.c) live in the same database file. */
sqlite3 *cs_store_sqlite_db(struct cs_store *st)
{
    return st && st->ops == &sqlite_ops ? SQ(st)->db : NULL;
}
