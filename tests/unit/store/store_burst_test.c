/* A burst of 64 concurrent writers on one SQLite file: 4 processes of 16 threads, each
 * thread with its own handle (so the threads of a process share its one connection and
 * group-commit, and the processes contend for SQLite's write lock). All start together;
 * each inserts a document carrying an outbox event, bumps a shared counter and reads its
 * document back. Nothing may be lost (64 documents, 64 events, the counter at 64 per
 * round) and nothing may hang: a writer that has not finished within the deadline fails
 * the test instead of blocking it.
 *
 * Also the request scope (cs_store_scope_begin/end, group commit): what a scope wrote is
 * invisible to other connections until its end and committed when scope_end returns,
 * also when two scopes share the transaction on one thread (the bounded wait). */
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/store.h"

#define PROCS 4
#define THREADS 16
#define ROUNDS 3
#define DEADLINE_S 60

static struct temp_db db;

static const char *db_path_of(void) { return db.path; }

struct writer {
    int proc, thread, round;
    pthread_barrier_t *start;
    int failures;
};

static int write_one(struct cs_store *st, struct cs_arena *a, const struct writer *w)
{
    char id[64];
    snprintf(id, sizeof(id), "burst-%d-%d-%d", w->round, w->proc, w->thread);
    json_object *ev = json_object_new_object();
    json_object_object_add(ev, "id", json_object_new_string(id));
    int rc = cs_store_stage(st, "t1", "burst", "doc.created", ev);
    json_object_put(ev);
    json_object *body = json_object_new_object();
    json_object_object_add(body, "writer", json_object_new_int(w->proc * THREADS + w->thread));
    if (!rc) rc = cs_store_insert(st, a, "t1", "burst", id, body, NULL, 1000 + w->round, NULL);
    json_object_put(body);
    int64_t v = 0;
    if (!rc) rc = cs_store_counter_add(st, "t1", "burst", 0, 1000000, 1, &v);
    struct cs_doc d;
    if (!rc) rc = cs_store_get(st, a, "t1", "burst", id, &d);
    if (!rc && json_object_get_int(json_object_object_get(d.body, "writer")) !=
                   w->proc * THREADS + w->thread)
        rc = -1;
    cs_arena_reset(a);
    return rc;
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    struct cs_store *st = temp_db_open(&db);
    struct cs_arena *a = cs_arena_new(0);
    pthread_barrier_wait(w->start);
    if (!st || !a || write_one(st, a, w) != 0) w->failures++;
    cs_arena_destroy(a);
    cs_store_close(st);
    return NULL;
}

/* One process's 16 writers; exit status: the number that failed. */
static int run_proc(int proc, int round)
{
    alarm(DEADLINE_S); /* a hang kills the child, and the parent sees the signal */
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    pthread_t tid[THREADS];
    struct writer w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct writer){proc, i, round, &start, 0};
        pthread_create(&tid[i], NULL, writer_main, &w[i]);
    }
    int failed = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tid[i], NULL);
        failed += w[i].failures;
    }
    pthread_barrier_destroy(&start);
    return failed;
}

static void test_burst_of_64_writers_loses_nothing(void)
{
    struct cs_store *st = temp_db_create(&db, "burst");
    REQUIRE(st != NULL); /* schema in place before the burst */
    for (int round = 0; round < ROUNDS; round++) {
        int go[2];
        REQUIRE(pipe(go) == 0);
        pid_t kids[PROCS];
        for (int p = 0; p < PROCS; p++) {
            kids[p] = fork();
            if (kids[p] == 0) {
                char c;
                close(go[1]);
                if (read(go[0], &c, 1) != 0) _exit(100); /* released together by the close */
                _exit(run_proc(p, round));
            }
        }
        close(go[0]);
        close(go[1]);
        for (int p = 0; p < PROCS; p++) {
            int status = 0;
            CHECK(kids[p] > 0 && waitpid(kids[p], &status, 0) == kids[p]);
            if (WIFSIGNALED(status))
                fprintf(stderr, "  round %d proc %d: killed by signal %d (hang?)\n", round, p,
                        WTERMSIG(status));
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        int64_t n = -1, v = -1, open = -1, done = -1, dead = -1;
        CHECK(cs_store_count(st, "t1", "burst", NULL, 0, &n) == CS_OK);
        CHECK_INT(n, PROCS * THREADS * (round + 1));
        CHECK(cs_store_counter_add(st, "t1", "burst", 0, 1000000, 0, &v) == CS_OK);
        CHECK_INT(v, PROCS * THREADS * (round + 1));
        CHECK(cs_store_outbox_stats(st, "t1", "burst", &open, &done, &dead) == CS_OK);
        CHECK_INT(open, PROCS * THREADS * (round + 1));
    }
    temp_db_close(&db, st);
}

/* Rows in docs as another connection (another process would) sees them. */
static int committed_docs(void)
{
    sqlite3 *raw = NULL;
    sqlite3_stmt *q = NULL;
    int n = -1;
    if (sqlite3_open_v2(db_path_of(), &raw, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(raw, "SELECT count(*) FROM docs", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(raw);
    return n;
}

static int insert(struct cs_store *st, struct cs_arena *a, const char *id)
{
    json_object *body = json_object_new_object();
    int rc = cs_store_insert(st, a, "t1", "scoped", id, body, NULL, 1000, NULL);
    json_object_put(body);
    return rc;
}

static void test_scope_commits_by_its_end(void)
{
    struct cs_store *st1 = temp_db_create(&db, "scope");
    struct cs_store *st2 = st1 ? temp_db_open(&db) : NULL;
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st1 && st2 && a);
    cs_store_scope_begin(st1);
    CHECK(insert(st1, a, "a") == CS_OK);
    CHECK_INT(committed_docs(), 0);
    CHECK(cs_store_scope_end(st1) == CS_OK);
    CHECK_INT(committed_docs(), 1);
    /* Two scopes in one transaction, both on this thread. */
    cs_store_scope_begin(st1);
    cs_store_scope_begin(st2);
    CHECK(insert(st1, a, "b") == CS_OK);
    CHECK(insert(st2, a, "c") == CS_OK);
    CHECK(insert(st2, a, "a") == CS_ERR_EXISTS); /* its own failure, the rest stands */
    CHECK_INT(committed_docs(), 1);
    CHECK(cs_store_scope_end(st1) == CS_OK);
    CHECK_INT(committed_docs(), 3);
    CHECK(cs_store_scope_end(st2) == CS_OK);
    CHECK(cs_store_scope_end(st2) == CS_OK); /* nothing left: nothing to do */
    /* A scope that only read leaves nothing open behind it. */
    cs_store_scope_begin(st1);
    struct cs_doc d;
    CHECK(cs_store_get(st1, a, "t1", "scoped", "c", &d) == CS_OK);
    CHECK(cs_store_scope_end(st1) == CS_OK);
    CHECK(insert(st2, a, "d") == CS_OK); /* outside a scope: committed on return */
    CHECK_INT(committed_docs(), 4);
    cs_arena_destroy(a);
    cs_store_close(st2);
    temp_db_close(&db, st1);
}

int main(void)
{
    TEST_RUN(test_burst_of_64_writers_loses_nothing);
    TEST_RUN(test_scope_commits_by_its_end);
    return test_done();
}
