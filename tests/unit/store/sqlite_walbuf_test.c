/* The WAL-gathering VFS of the SQLite store (store/sqlite_walbuf.c): what the store
 * wrote through it is what a plain SQLite connection (the default VFS, as another tool
 * or process would use) reads, while the store is open and after it is gone without
 * closing (a crash right after commits returned), across savepoint rollbacks, rewritten
 * pages, checkpoints and a document larger than the gathering buffer. Checkpoints gather
 * the database file's contiguous page writes: after one, the file alone (an emptied WAL)
 * holds everything, also when the writer dies right after. */
#include <json-c/json.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/store.h"
#include "store/store_reporting.h" /* cs_store_sqlite_db */

static struct temp_db db;

/* One value of a query over a plain connection with the default VFS; -1 on failure. */
static long long plain_query(const char *sql)
{
    sqlite3 *p = NULL;
    long long v = -1;
    if (sqlite3_open_v2(db.path, &p, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(p, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_type(q, 0) == SQLITE_TEXT
                    ? (strcmp((const char *)sqlite3_column_text(q, 0), "ok") == 0 ? 1 : 0)
                    : sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(p);
    return v;
}

static int put(struct cs_store *st, struct cs_arena *a, const char *id, const char *text_value)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "v", json_object_new_string(text_value));
    int rc = cs_store_insert(st, a, "t1", "wb", id, b, NULL, 1, NULL);
    json_object_put(b);
    return rc;
}

static void test_plain_reader_sees_every_commit(void)
{
    struct cs_store *st = temp_db_create(&db, "walbuf");
    REQUIRE(st);
    struct cs_arena *a = cs_arena_new(1 << 16);
    char id[32];
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof(id), "d%d", i);
        cs_store_scope_begin(st);
        CHECK_INT(put(st, a, id, "x"), CS_OK);
        /* a failed operation: its savepoint is rolled back inside the transaction */
        CHECK_INT(put(st, a, id, "again"), CS_ERR_EXISTS);
        int64_t v = 0;
        CHECK_INT(cs_store_counter_add(st, "t1", "n", 0, 1000000, 1, &v), CS_OK);
        CHECK_INT(cs_store_scope_end(st), CS_OK);
        if (i % 50 == 0) { /* committed means readable by anyone, now */
            char sql[128];
            snprintf(sql, sizeof(sql), "SELECT count(*) FROM docs WHERE coll='wb'");
            CHECK_INT(plain_query(sql), i + 1);
        }
        cs_arena_reset(a);
    }
    /* Larger than the gathering buffer: written as it comes. */
    size_t big = 700 * 1024;
    char *s = malloc(big + 1);
    REQUIRE(s);
    memset(s, 'y', big);
    s[big] = '\0';
    CHECK_INT(put(st, a, "big", s), CS_OK);
    free(s);
    struct cs_doc d;
    CHECK_INT(cs_store_get(st, a, "t1", "wb", "big", &d), CS_OK);
    CHECK_INT((long long)strlen(json_object_get_string(json_object_object_get(d.body, "v"))),
              (long long)big);
    CHECK_INT(plain_query("SELECT length(json_extract(body, '$.v')) FROM docs WHERE id='big'"),
              (long long)big);
    CHECK_INT(plain_query("SELECT value FROM counters WHERE key='n'"), 300);
    CHECK_INT(plain_query("PRAGMA integrity_check"), 1);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* A child commits and dies without closing anything: every commit it saw returned is
 * in the files, found by a plain connection's recovery. */
static void test_commits_survive_a_crash(void)
{
    temp_db_init(&db, "walbuf-crash");
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        struct cs_store *st = temp_db_open(&db);
        struct cs_arena *a = st ? cs_arena_new(1 << 16) : NULL;
        if (!a) _exit(2);
        char id[32];
        for (int i = 0; i < 120; i++) {
            snprintf(id, sizeof(id), "c%d", i);
            if (put(st, a, id, "committed") != CS_OK) _exit(3);
            cs_arena_reset(a);
        }
        _exit(0); /* no close, no checkpoint */
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT(plain_query("SELECT count(*) FROM docs WHERE coll='wb'"), 120);
    CHECK_INT(plain_query("PRAGMA integrity_check"), 1);
    temp_db_remove(&db);
}

static long long wal_size(void)
{
    char p[600];
    snprintf(p, sizeof(p), "%s-wal", db.path);
    struct stat sb;
    return stat(p, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* Documents of ~2 KB from `from`, then a checkpoint of the given mode through the store's
 * own connection (the shim); 0 when all went well. */
static int fill_and_checkpoint(struct cs_store *st, struct cs_arena *a, int from, int n,
                               const char *mode)
{
    char id[32], v[2048];
    memset(v, 'z', sizeof(v) - 1);
    v[sizeof(v) - 1] = '\0';
    for (int i = from; i < from + n; i++) {
        snprintf(id, sizeof(id), "k%d", i);
        v[i % 2000] = (char)('a' + i % 26); /* pages differ */
        cs_store_scope_begin(st);
        int rc = put(st, a, id, v);
        int end = cs_store_scope_end(st);
        if (rc || end) return 1;
        cs_arena_reset(a);
    }
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA wal_checkpoint(%s)", mode);
    return sqlite3_exec(cs_store_sqlite_db(st), sql, NULL, NULL, NULL) != SQLITE_OK;
}

static void test_checkpoint_reaches_the_file(void)
{
    struct cs_store *st = temp_db_create(&db, "walbuf-ckpt");
    REQUIRE(st);
    struct cs_arena *a = cs_arena_new(1 << 16);
    REQUIRE(a);
    CHECK_INT(fill_and_checkpoint(st, a, 0, 400, "TRUNCATE"), 0);
    CHECK_INT(wal_size(), 0); /* so a reader reads the database file only */
    CHECK_INT(plain_query("SELECT count(*) FROM docs WHERE coll='wb'"), 400);
    CHECK_INT(plain_query("SELECT count(*) FROM docs WHERE coll='wb' AND length(body) > 2000"),
              400);
    CHECK_INT(plain_query("PRAGMA integrity_check"), 1);
    cs_arena_destroy(a);
    cs_store_close(st); /* the files stay */
    /* A writer that checkpoints (PASSIVE, as SQLite's automatic one) and dies at once. */
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        struct cs_store *c = temp_db_open(&db);
        struct cs_arena *ca = c ? cs_arena_new(1 << 16) : NULL;
        if (!ca || fill_and_checkpoint(c, ca, 400, 300, "PASSIVE")) _exit(2);
        _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT(plain_query("SELECT count(*) FROM docs WHERE coll='wb'"), 700);
    CHECK_INT(plain_query("PRAGMA integrity_check"), 1);
    temp_db_remove(&db);
}

int main(void)
{
    TEST_RUN(test_plain_reader_sees_every_commit);
    TEST_RUN(test_commits_survive_a_crash);
    TEST_RUN(test_checkpoint_reaches_the_file);
    return test_done();
}
