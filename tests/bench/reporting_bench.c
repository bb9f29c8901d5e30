/* Reporting benchmark (seed 002) on SQLite: a generated contact centre of N calls for one
 * tenant (default 1,000,000), then
 *   - import rate: 100,000 of those call records re-imported into a second tenant the
 *     way POST /import does it (parse NDJSON, check, write with participants and
 *     segments), in 10,000-record requests; baseline: the same rows inserted as bare
 *     (tenant, id, body) rows into an unindexed table;
 *   - list page: one day and one team, 100 per page, as the list handler does it (parse
 *     the query, count + page, serialise), p50 of 200 runs; baseline: one call by id;
 *   - segment aggregation by team over 30 days, median of 5; baseline: count(*) of the
 *     same rows.
 * Each figure is printed with its ratio to the baseline measured in the same run.
 * Times are process CPU time (user + system), not wall time.
 *
 *   reporting_bench DB_PATH [CALLS [import]]   (an existing DB_PATH with the calls is reused;
 *                                               "import": only the import figures)
 */
#include <malloc.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs/arena.h"
#include "cs/buf.h"
#include "cs/clock.h"
#include "cs/json.h"
#include "cs/progress.h"
#include "cs/reporting.h"
#include "cs/store.h"

#define DAY_MS 86400000LL
#define END_MS 1772323200000LL /* 2026-03-01T00:00:00Z: the generated window ends here */

/* CPU time of this process (user + system, so SQLite's file I/O counts): the machine
 * these run on is shared, and wall time there measures the neighbours as much as us. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(double), cmp_d);
    return v[n / 2];
}

static int64_t calls_in(sqlite3 *db)
{
    sqlite3_stmt *q;
    int64_t n = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM rp_calls WHERE tenant = 'bench'", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* NDJSON of `n` stored call bodies (ids from `first`). */
static char *export_calls(sqlite3 *db, int64_t first, int n, size_t *len)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(
            db, "SELECT body FROM rp_calls WHERE tenant = 'bench' AND id >= ? ORDER BY id LIMIT ?",
            -1, &q, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(q, 1, first);
    sqlite3_bind_int(q, 2, n);
    size_t cap = (size_t)n * 4096, at = 0;
    char *out = malloc(cap);
    while (out && sqlite3_step(q) == SQLITE_ROW) {
        size_t b = (size_t)sqlite3_column_bytes(q, 0);
        if (at + b + 2 > cap) break;
        memcpy(out + at, sqlite3_column_text(q, 0), b);
        at += b;
        out[at++] = '\n';
    }
    sqlite3_finalize(q);
    *len = at;
    return out;
}

/* Re-imports the exported calls into tenant bench2 in requests of `per` records. */
static double import_rate(struct cs_store *st, const char *nd, size_t len, int per,
                          int64_t *records)
{
    const struct cs_rp_resource *calls = cs_rp_resource_find("calls");
    struct cs_arena *a = cs_arena_new(0);
    double t0 = now_ms(), parse_ms = 0, check_ms = 0, store_ms = 0;
    *records = 0;
    struct cs_progress prog;
    cs_progress_start(&prog, "import", "records", 0);
    for (size_t at = 0; at < len;) {
        size_t end = at;
        for (int k = 0; k < per && end < len; k++) {
            const char *nl = memchr(nd + end, '\n', len - end);
            end = nl ? (size_t)(nl - nd) + 1 : len;
        }
        json_object *recs, *errors;
        size_t bad;
        struct cs_rp_import_result r;
        double p0 = now_ms();
        if (cs_rp_import_parse(nd + at, end - at, a, &recs, &bad)) {
            fprintf(stderr, "import parse failed\n");
            exit(1);
        }
        double pc = now_ms();
        if (cs_rp_import_check(calls, recs, a, &errors)) {
            fprintf(stderr, "import check failed\n");
            exit(1);
        }
        double p1 = now_ms();
        if (cs_rp_store_import(st, a, "bench2", calls, recs, cs_now_ms(), &r)) {
            fprintf(stderr, "import failed\n");
            exit(1);
        }
        parse_ms += pc - p0;
        check_ms += p1 - pc;
        store_ms += now_ms() - p1;
        *records += (int64_t)json_object_array_length(recs);
        cs_progress_set(&prog, *records);
        cs_arena_reset(a);
        at = end;
    }
    double secs = (now_ms() - t0) / 1000.0;
    cs_progress_finish(&prog);
    cs_arena_destroy(a);
    printf("import CPU time: parse %.0f ms, check %.0f ms, store %.0f ms\n", parse_ms, check_ms,
           store_ms);
    return (double)*records / secs;
}

static double bare_rate(sqlite3 *db, const char *nd, size_t len)
{
    sqlite3_exec(db,
                 "DROP TABLE IF EXISTS bench_bare; CREATE TABLE bench_bare(tenant TEXT, id "
                 "INTEGER, body TEXT)",
                 NULL, NULL, NULL);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "INSERT INTO bench_bare VALUES('b', ?, ?)", -1, &q, NULL);
    double t0 = now_ms();
    int64_t n = 0;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(nd + at, '\n', len - at);
        size_t e = nl ? (size_t)(nl - nd) : len;
        sqlite3_bind_int64(q, 1, ++n);
        sqlite3_bind_text(q, 2, nd + at, (int)(e - at), SQLITE_STATIC);
        sqlite3_step(q);
        sqlite3_reset(q);
        at = e + 1;
        if (n % 10000 == 0) sqlite3_exec(db, "COMMIT; BEGIN", NULL, NULL, NULL);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    double secs = (now_ms() - t0) / 1000.0;
    sqlite3_finalize(q);
    sqlite3_exec(db, "DROP TABLE bench_bare", NULL, NULL, NULL);
    return (double)n / secs;
}

static double list_page_ms(struct cs_store *st, struct cs_arena *a, const char *query,
                           int64_t *total, size_t *items)
{
    const struct cs_rp_resource *calls = cs_rp_resource_find("calls");
    double t0 = now_ms();
    struct cs_rp_query q;
    struct cs_rp_error e;
    struct cs_buf body;
    struct cs_rp_page_end end;
    cs_buf_init(&body, a, 64u << 20);
    if (cs_rp_query_parse(calls, query, NULL, a, &q, &e) ||
        cs_rp_store_list_raw(st, a, "bench", calls, &q, &body, total, &end)) {
        fprintf(stderr, "list failed\n");
        exit(1);
    }
    double t = now_ms() - t0;
    *items = end.n;
    cs_arena_reset(a);
    return t;
}

static double get_one_ms(struct cs_store *st, struct cs_arena *a, int64_t id)
{
    double t0 = now_ms();
    json_object *o;
    if (cs_rp_store_get(st, a, "bench", cs_rp_resource_find("calls"), id, false, &o)) exit(1);
    (void)json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    double t = now_ms() - t0;
    cs_arena_reset(a);
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: reporting_bench DB_PATH [CALLS]\n");
        return 2;
    }
    int64_t want = argc > 2 ? strtoll(argv[2], NULL, 10) : 1000000;
    /* A bulk loader keeps its heap between batches, as cs-admin import-cc does: each
     * 10,000-record batch is ~50 MB of parsed JSON, and glibc's default would hand it
     * back to the kernel at every arena reset and fault it in again. */
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    char uri[1100];
    snprintf(uri, sizeof(uri), "sqlite://%s", argv[1]);
    struct cs_store *st;
    if (cs_store_open(uri, &st)) return 1;
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) return 1;
    sqlite3_busy_timeout(db, 10000);
    struct cs_arena *a = cs_arena_new(0);
    /* Touch the reporting schema so the count below can run on a fresh file. */
    json_object *tmp = cs_json_array(a);
    int64_t t0;
    struct cs_rp_query q0;
    struct cs_rp_error e0;
    if (cs_rp_query_parse(cs_rp_resource_find("teams"), "", NULL, a, &q0, &e0) ||
        cs_rp_store_list(st, a, "bench", cs_rp_resource_find("teams"), &q0, tmp, &t0))
        return 1;
    cs_arena_reset(a);
    int64_t have = calls_in(db);
    if (have < want) {
        fprintf(stderr, "generating %lld calls (90 days, 300 agents)...\n", (long long)want);
        struct cs_progress prog;
        cs_progress_start(&prog, "generate", "calls", want);
        struct cs_rp_demo d = {.days = 90,
                               .agents = 300,
                               .calls = want,
                               .seed = 1,
                               .end_ms = END_MS,
                               .progress = cs_progress_cb,
                               .progress_ctx = &prog};
        int64_t written;
        double g0 = now_ms();
        if (cs_rp_demo_generate(st, "bench", &d, cs_now_ms(), &written)) return 1;
        cs_progress_finish(&prog);
        fprintf(stderr, "generated %lld records in %.1f s\n", (long long)written,
                (now_ms() - g0) / 1000);
        have = calls_in(db);
    }
    printf("calls of tenant bench: %lld\n", (long long)have);

    size_t len = 0;
    /* CS_BENCH_RP_IMPORT: fewer records, for runs under callgrind (instruction counts
     * do not move with the neighbours' load as CPU time does). */
    const char *ni = getenv("CS_BENCH_RP_IMPORT");
    int nimp = ni && strtol(ni, NULL, 10) > 0 ? (int)strtol(ni, NULL, 10) : 100000;
    char *nd = export_calls(db, 1, nimp, &len);
    int64_t n;
    sqlite3_exec(db,
                 "DELETE FROM rp_calls WHERE tenant='bench2'; DELETE FROM rp_call_participants "
                 "WHERE tenant='bench2';"
                 " DELETE FROM rp_call_segments WHERE tenant='bench2'",
                 NULL, NULL, NULL);
    double rate = import_rate(st, nd, len, nimp < 10000 ? nimp : 10000, &n);
    double base_rate = bare_rate(db, nd, len);
    free(nd);
    printf("import: %.0f records/s (%lld calls with participants and segments); bare unindexed "
           "insert %.0f rows/s; ratio %.2f\n",
           rate, (long long)n, base_rate, rate / base_rate);
    if (argc > 3 && !strcmp(argv[3], "import")) {
        cs_arena_destroy(a);
        sqlite3_close(db);
        cs_store_close(st);
        return 0;
    }

    /* One day in the middle of the window, one team. */
    char day[CS_ISO_MAX], query[256];
    cs_time_iso(END_MS - 45 * DAY_MS, CS_ISO_DATE, day);
    snprintf(query, sizeof(query), "created_at[from]=%s&created_at[to]=%s&team_id[]=5&per=100", day,
             day);
    double t[200], b[200];
    int64_t total = 0;
    size_t items = 0;
    for (int i = 0; i < 200; i++) t[i] = list_page_ms(st, a, query, &total, &items);
    for (int i = 0; i < 200; i++) b[i] = get_one_ms(st, a, 1 + (i * 4999) % (have ? have : 1));
    double lp = median(t, 200), gb = median(b, 200);
    printf("list page (%s, team 5: %lld matches, %zu on the page): p50 %.3f ms; one call by id "
           "%.3f ms; ratio %.1f\n",
           day, (long long)total, items, lp, gb, lp / gb);
    snprintf(query, sizeof(query),
             "created_at[from]=%s&created_at[to]=%s&team_id[]=5&per=100&page=5", day, day);
    for (int i = 0; i < 200; i++) t[i] = list_page_ms(st, a, query, &total, &items);
    printf("list page 5 of the same filter: p50 %.3f ms\n", median(t, 200));

    double ag[5], cnt[5];
    int64_t to = END_MS - 1, from = END_MS - 30 * DAY_MS;
    size_t nrows = 0;
    for (int i = 0; i < 5; i++) {
        struct cs_rp_group_row *rows;
        double s0 = now_ms();
        if (cs_rp_store_segment_stats(st, a, "bench", RP_G_TEAM, from, to, &rows, &nrows)) return 1;
        ag[i] = now_ms() - s0;
        cs_arena_reset(a);
        sqlite3_stmt *q;
        s0 = now_ms();
        sqlite3_prepare_v2(db,
                           "SELECT count(*), sum(s0) FROM rp_call_segments WHERE tenant='bench' "
                           "AND created_ms BETWEEN ? AND ?",
                           -1, &q, NULL);
        sqlite3_bind_int64(q, 1, from);
        sqlite3_bind_int64(q, 2, to);
        sqlite3_step(q);
        sqlite3_finalize(q);
        cnt[i] = now_ms() - s0;
    }
    double am = median(ag, 5), cm = median(cnt, 5);
    printf("segment aggregation by team, 30 days (%zu teams): median %.1f ms; sum of one column "
           "%.1f ms; ratio %.1f\n",
           nrows, am, cm, am / cm);
    printf("targets: list page p50 < 2 ms, aggregation < 1000 ms, import >= 50000 records/s\n");
    cs_arena_destroy(a);
    sqlite3_close(db);
    cs_store_close(st);
    return 0;
}
