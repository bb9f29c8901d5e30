/* Insights and ticket-metrics benchmark (`build.sh bench insights`): over N customer
 * tickets and N tickets-process results in a SQLite store, the store work of
 *   GET /api/v1/tickets/metrics             (cs_ticket_metrics: all, 30d, 24h)
 *   GET /api/v1/customer/analytics/overview (cs_insights_figures + deflection, 90d)
 *   GET /api/v1/analytics/summary           (cs_summary, 90 days, daily and monthly)
 * each computed both ways in the same run: from the rollups (what the endpoints do) and
 * by scanning the tickets (how they did it before), with their ratio, and beside a
 * baseline measured in the same run (a plain cs_store_count of the same tickets). The
 * two ways are also checked to agree. The database is kept and reused (first run fills).
 *
 *   build.sh bench insights     (CS_BENCH_TICKETS, default 100000)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/summary.h"
#include "cs/ticket_metrics.h"

#define T0 1700000000000LL

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void fill(struct cs_store *st, struct cs_arena *a, long n)
{
    static const char *const cats[] = {"Billing", "Technical Support", "Account", "Shipping"};
    static const char *const agents[] = {"A1", "A2", "A3", "A4", "A5"};
    char id[32];
    for (long i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "B-%ld", i);
        int64_t opened = T0 + i * 60000;
        struct cs_ticket_open o = {.ticket_id = id,
                                   .category = cats[i % 4],
                                   .priority = "high",
                                   .sentiment = "neutral",
                                   .sentiment_score = 0.5,
                                   .sentiment_level = 2,
                                   .source = "bench",
                                   .opened_ms = opened};
        json_object *d = cs_ticket_doc_new(&o);
        struct cs_ticket_change c = {
            .assignee = agents[i % 5], .agent_replied = true, .at_ms = opened + 600000};
        const char *why;
        if (cs_ticket_apply(d, &c, &why)) abort();
        if (i % 5) {
            c = (struct cs_ticket_change){
                .status = "solved", .csat = (int)(i % 5) + 1, .at_ms = opened + 3600000 + i % 7200};
            if (cs_ticket_apply(d, &c, &why)) abort();
        }
        if (cs_store_insert(st, a, "bench", CS_INSIGHTS_TICKETS, id, d, NULL, opened, NULL))
            abort();
        json_object_put(d);
        cs_arena_reset(a);
    }
}

/* tickets-process results as the function stores them, one a minute. */
static void fill_processed_into(struct cs_store *st, struct cs_arena *a, long n, const char *coll)
{
    static const char *const cats[] = {
        "Billing",           "Technical Support", "Account Management", "Shipping & Delivery",
        "Refunds & Returns", "Product Quality",   "Subscription",       "General Inquiry"};
    static const char *const prios[] = {"critical", "high", "medium", "low"};
    static const char *const sents[] = {"positive", "neutral", "negative", "frustrated", "angry"};
    char id[32];
    uint64_t r = 7;
    for (long i = 0; i < n; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t x = (uint32_t)(r >> 33);
        snprintf(id, sizeof(id), "P-%ld", i);
        json_object *d = json_object_new_object();
        int rc = cs_json_add_str(d, "category", cats[x % 8]);
        if (!rc) rc = cs_json_add_str(d, "priority", prios[(x >> 3) % 4]);
        if (!rc) rc = cs_json_add_str(d, "sentiment", sents[(x >> 5) % 5]);
        if (!rc) rc = cs_json_add_double(d, "confidence", 0.5 + (double)(x % 5000) / 10000.0, 4);
        if (!rc) rc = cs_json_add_bool(d, "escalation_needed", x % 7 == 0);
        if (!rc) rc = cs_json_add_str(d, "compliance", x % 11 ? "compliant" : "review");
        if (!rc) rc = cs_json_add_bool(d, "kb_answer", x % 3 != 0);
        if (!rc)
            rc = cs_json_add_double(d, "processing_ms", 2.0 + (double)((x >> 8) % 30000) / 1000.0,
                                    3);
        if (rc || cs_store_insert(st, a, "bench", coll, id, d, NULL, T0 + i * 60000, NULL)) abort();
        json_object_put(d);
        cs_arena_reset(a);
    }
}

static void fill_processed(struct cs_store *st, struct cs_arena *a, long n)
{
    fill_processed_into(st, a, n, CS_TICKET_METRICS_COLL);
}

/* What keeping rollups costs a write: the same inserts into the rolled-up collection
 * and into one without rollups, in a fresh database beside the bench's. */
static void write_cost(const char *path, struct cs_arena *a)
{
    char uri[700], file[640];
    snprintf(file, sizeof(file), "%s-writes", path);
    snprintf(uri, sizeof(uri), "sqlite://%s", file);
    unlink(file);
    struct cs_store *st;
    if (cs_store_open(uri, &st)) abort();
    enum { N = 5000 };
    double t = now_ms();
    fill_processed_into(st, a, N, "plain_tickets");
    double plain = (now_ms() - t) * 1000.0 / N;
    t = now_ms();
    fill_processed_into(st, a, N, CS_TICKET_METRICS_COLL);
    double rolled = (now_ms() - t) * 1000.0 / N;
    printf("insert of a processed ticket: %.1f us with rollups, %.1f us without (%.2fx)\n", rolled,
           plain, rolled / plain);
    cs_store_close(st);
    char side[700];
    unlink(file);
    snprintf(side, sizeof(side), "%s-wal", file);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", file);
    unlink(side);
}

typedef int (*bench_fn)(struct cs_store *st, struct cs_arena *a, bool scan);

static int64_t now_t; /* "now" for the windows: the last ticket's time */

static int run_metrics(struct cs_store *st, struct cs_arena *a, bool scan)
{
    struct cs_ticket_metrics m;
    static const int64_t spans[] = {0, 30 * 86400000LL, 86400000LL};
    for (int i = 0; i < 3; i++)
        if (cs_ticket_metrics(st, a, "bench", spans[i] ? now_t - spans[i] : INT64_MIN, scan, &m))
            return 1;
    return 0;
}

static int run_overview(struct cs_store *st, struct cs_arena *a, bool scan)
{
    struct cs_insights_figures f;
    int64_t s, dfl, since = now_t - 90 * 86400000LL;
    return (scan ? cs_insights_figures_scan(st, a, "bench", since, NULL, &f)
                 : cs_insights_figures(st, a, "bench", since, NULL, &f)) ||
           cs_insights_deflection(st, "bench", since, &s, &dfl);
}

static int run_summary(struct cs_store *st, struct cs_arena *a, bool scan)
{
    struct cs_summary s;
    return cs_summary(st, a, "bench", now_t - 90 * 86400000LL, now_t, CS_TZ_DAY, NULL, scan, &s) ||
           cs_summary(st, a, "bench", now_t - 90 * 86400000LL, now_t, CS_TZ_MONTH, NULL, scan, &s);
}

static double timed(bench_fn fn, struct cs_store *st, struct cs_arena *a, bool scan, int reps)
{
    double t = now_ms();
    for (int r = 0; r < reps; r++) {
        if (fn(st, a, scan)) abort();
        cs_arena_reset(a);
    }
    return (now_ms() - t) / reps;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/insights_bench.db";
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
    char uri[600];
    snprintf(uri, sizeof(uri), "sqlite://%s", path);
    struct cs_store *st;
    struct cs_arena *a = cs_arena_new(0);
    int fresh = access(path, F_OK) != 0;
    if (cs_store_open(uri, &st)) return 1;
    if (fresh) {
        double t = now_ms();
        fill(st, a, n);
        double t1 = now_ms();
        fill_processed(st, a, n);
        printf("filled %ld customer tickets in %.1f s, %ld processed tickets in %.1f s (rollups "
               "kept per write)\n",
               n, (t1 - t) / 1e3, n, (now_ms() - t1) / 1e3);
    }
    now_t = T0 + (n - 1) * 60000;
    int64_t total = 0;
    enum { REPS = 10 };
    double t = now_ms();
    for (int r = 0; r < REPS; r++) {
        struct cs_filter f = {"opened_ms", CS_OP_GTE, cs_val_int(T0)};
        if (cs_store_count(st, "bench", CS_INSIGHTS_TICKETS, &f, 1, &total)) return 1;
    }
    double base = (now_ms() - t) / REPS;
    /* The two ways must agree before their times mean anything. */
    struct cs_ticket_metrics m1, m2;
    if (cs_ticket_metrics(st, a, "bench", now_t - 30 * 86400000LL, false, &m1) ||
        cs_ticket_metrics(st, a, "bench", now_t - 30 * 86400000LL, true, &m2) ||
        m1.total != m2.total || m1.p99_ms != m2.p99_ms || m1.p50_ms != m2.p50_ms) {
        fprintf(stderr, "insights_bench: rollup and scan disagree\n");
        return 1;
    }
    struct cs_summary s1, s2;
    if (cs_summary(st, a, "bench", T0, now_t, CS_TZ_WEEK, NULL, false, &s1) ||
        cs_summary(st, a, "bench", T0, now_t, CS_TZ_WEEK, NULL, true, &s2) ||
        s1.total != s2.total || s1.ntimeline != s2.ntimeline || s1.open != s2.open) {
        fprintf(stderr, "insights_bench: summary rollup and scan disagree\n");
        return 1;
    }
    cs_arena_reset(a);
    static const struct {
        const char *name;
        bench_fn fn;
    } cases[] = {{"tickets/metrics (all, 30d, 24h)", run_metrics},
                 {"analytics/overview (90d)", run_overview},
                 {"analytics/summary (90d daily+monthly)", run_summary}};
    printf("tickets %lld (each collection)\nbaseline count      %8.2f ms\n", (long long)total,
           base);
    printf("%-40s %10s %10s %9s %9s\n", "store work of", "scan ms", "rollup ms", "speed-up",
           "x base");
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        double scan = timed(cases[i].fn, st, a, true, 3),
               roll = timed(cases[i].fn, st, a, false, REPS);
        printf("%-40s %10.2f %10.3f %8.0fx %8.2fx\n", cases[i].name, scan, roll, scan / roll,
               roll / base);
    }
    write_cost(path, a);
    cs_store_close(st);
    cs_arena_destroy(a);
    return 0;
}
