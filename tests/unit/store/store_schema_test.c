/* The SQLite store's schema at open (store_sqlite.c, schema_ensure): a new file gets
 * every table and index and a user_version stamp; a file without the stamp (made by an
 * older build, or whose text changed) gets what is missing and the stamp; a file with
 * the stamp is trusted, so its tables' statements are not parsed and run again at each
 * cold start. */
#include <json-c/json.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/store.h"

static struct temp_db db;

/* Runs sql on a plain connection (no store) and returns the first column of its first
 * row as an integer, -1 on failure. */
static long long plain_int(const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    long long v = -1;
    if (sqlite3_open(db.path, &h) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(h);
    return v;
}

static int plain_exec(const char *sql)
{
    sqlite3 *h = NULL;
    int rc = sqlite3_open(db.path, &h);
    if (rc == SQLITE_OK) rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
    sqlite3_close(h);
    return rc;
}

static long long has_index(const char *name)
{
    char sql[160];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='%s'", name);
    return plain_int(sql);
}

static void reopen(void)
{
    struct cs_store *st = temp_db_open(&db);
    CHECK(st != NULL);
    if (st) cs_store_close(st);
}

/* The store still works on the reopened file: a document written and read back. */
static void check_round_trip(const char *id)
{
    struct cs_store *st = temp_db_open(&db);
    CHECK(st != NULL);
    if (!st) return;
    struct cs_arena *a = cs_arena_new(0);
    json_object *body = json_object_new_object();
    json_object_object_add(body, "n", json_object_new_int(7));
    CHECK_INT(cs_store_insert(st, a, "t1", "notes", id, body, NULL, 1000, NULL), CS_OK);
    json_object_put(body);
    struct cs_doc d;
    CHECK_INT(cs_store_get(st, a, "t1", "notes", id, &d), CS_OK);
    CHECK_INT(json_object_get_int(json_object_object_get(d.body, "n")), 7);
    cs_arena_destroy(a);
    cs_store_close(st);
}

static void test_new_file_gets_tables_and_stamp(void)
{
    struct cs_store *st = temp_db_create(&db, "schema");
    CHECK(st != NULL);
    if (st) cs_store_close(st);
    CHECK(plain_int("PRAGMA user_version") > 0);
    CHECK_INT(plain_int("SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN "
                        "('docs','counters','outbox','rollups','rollup_meta')"),
              5);
    CHECK_INT(has_index("docs_tickets_ms"), 1);
    CHECK_INT(has_index("outbox_open"), 1);
    check_round_trip("a");
    temp_db_remove(&db);
}

static void test_unstamped_file_is_completed(void)
{
    struct cs_store *st = temp_db_create(&db, "schema");
    CHECK(st != NULL);
    if (st) cs_store_close(st);
    long long stamp = plain_int("PRAGMA user_version");
    CHECK_INT(plain_exec("DROP INDEX docs_tickets_ms; PRAGMA user_version=0;"), SQLITE_OK);
    CHECK_INT(has_index("docs_tickets_ms"), 0);
    reopen();
    CHECK_INT(has_index("docs_tickets_ms"), 1);
    CHECK_INT(plain_int("PRAGMA user_version"), stamp);
    check_round_trip("b");
    temp_db_remove(&db);
}

static void test_stamped_file_is_trusted(void)
{
    struct cs_store *st = temp_db_create(&db, "schema");
    CHECK(st != NULL);
    if (st) cs_store_close(st);
    CHECK_INT(plain_exec("DROP INDEX docs_tickets_ms;"), SQLITE_OK);
    reopen();
    /* Not made again: the stamp said the schema was in place. */
    CHECK_INT(has_index("docs_tickets_ms"), 0);
    temp_db_remove(&db);
}

/* Issue 15: the reporting tables' statements (store_reporting_sqlite.c) are skipped
 * the same way, on their DDL's hash kept in rp_meta. */
static void test_reporting_ddl_stamp(void)
{
    struct cs_store *st = temp_db_create(&db, "schema");
    CHECK(st != NULL);
    if (st) cs_store_close(st);
    long long stamp = plain_int("SELECT v FROM rp_meta WHERE k='ddl'");
    CHECK(stamp > 0);
    CHECK_INT(has_index("rp_call_segments_call"), 0);
    long long tables = plain_int("SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                                 "name LIKE 'rp%'");
    CHECK(tables > 3);
    /* a file whose stamp differs (older tables, or a changed DDL) gets them again */
    CHECK_INT(plain_exec("DROP TABLE rp_call_segments; UPDATE rp_meta SET v=1;"), SQLITE_OK);
    reopen();
    CHECK_INT(plain_int("SELECT count(*) FROM sqlite_master WHERE name='rp_call_segments'"), 1);
    CHECK_INT(plain_int("SELECT v FROM rp_meta WHERE k='ddl'"), stamp);
    check_round_trip("c");
    temp_db_remove(&db);
}

int main(void)
{
    TEST_RUN(test_new_file_gets_tables_and_stamp);
    TEST_RUN(test_unstamped_file_is_completed);
    TEST_RUN(test_reporting_ddl_stamp);
    TEST_RUN(test_stamped_file_is_trusted);
    return test_done();
}
