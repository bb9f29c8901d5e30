/* Insights benchmark: the overview's store work (cs_insights_figures + deflection) and
 * the summary's largest aggregate (monthly timeline) over N tickets in a SQLite store,
 * each reported with its ratio to a baseline measured in the same run: a plain
 * cs_store_count of the same tickets.
 *
 *   make -s BUILD=build/release all && gcc -std=gnu11 -O2 -D_GNU_SOURCE -Ishared/include \
 *       -Ishared/src tests/bench/insights_bench.c build/release/lib/libcs.a \
 *       $(pkg-config --cflags --libs json-c libsodium sqlite3) -ldl -lpthread -lm -o /tmp/insights_bench
 *   /tmp/insights_bench /tmp/insights_bench.db 100000
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"

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
        struct cs_ticket_open o = {.ticket_id = id, .category = cats[i % 4], .priority = "high",
                                   .sentiment = "neutral", .sentiment_score = 0.5, .sentiment_level = 2,
                                   .source = "bench", .opened_ms = opened};
        json_object *d = cs_ticket_doc_new(&o);
        struct cs_ticket_change c = {.assignee = agents[i % 5], .agent_replied = true, .at_ms = opened + 600000};
        const char *why;
        if (cs_ticket_apply(d, &c, &why)) abort();
        if (i % 5) {
            c = (struct cs_ticket_change){.status = "solved", .csat = (int)(i % 5) + 1, .at_ms = opened + 3600000 + i % 7200};
            if (cs_ticket_apply(d, &c, &why)) abort();
        }
        if (cs_store_insert(st, a, "bench", CS_INSIGHTS_TICKETS, id, d, NULL, opened, NULL)) abort();
        json_object_put(d);
        cs_arena_reset(a);
    }
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
    if (fresh) fill(st, a, n);
    int64_t since = T0, total = 0, s, dfl;
    enum { REPS = 20 };
    double t = now_ms();
    for (int r = 0; r < REPS; r++) {
        struct cs_filter f = {"opened_ms", CS_OP_GTE, cs_val_int(since)};
        if (cs_store_count(st, "bench", CS_INSIGHTS_TICKETS, &f, 1, &total)) return 1;
    }
    double base = (now_ms() - t) / REPS;
    t = now_ms();
    for (int r = 0; r < REPS; r++) {
        struct cs_insights_figures fig;
        if (cs_insights_figures(st, a, "bench", since, NULL, &fig) || cs_insights_deflection(st, "bench", since, &s, &dfl))
            return 1;
        cs_arena_reset(a);
    }
    double overview = (now_ms() - t) / REPS;
    t = now_ms();
    for (int r = 0; r < REPS; r++) {
        struct cs_filter f[2] = {{"opened_ms", CS_OP_GTE, cs_val_int(since)}, {"opened_ms", CS_OP_LTE, cs_val_int(INT64_MAX)}};
        struct cs_agg g = {.filters = f, .nfilters = 2, .group_by = "opened_ms", .bucket = CS_BUCKET_MONTH,
                           .metrics = {{CS_AGG_COUNT, NULL}, {CS_AGG_AVG, "sentiment_score"}}, .nmetrics = 2};
        struct cs_agg_row *rows;
        size_t nr;
        if (cs_store_aggregate(st, a, "bench", CS_INSIGHTS_TICKETS, &g, &rows, &nr)) return 1;
        cs_arena_reset(a);
    }
    double timeline = (now_ms() - t) / REPS;
    printf("tickets %lld\nbaseline count      %.2f ms\noverview figures    %.2f ms  (%.1fx baseline)\n"
           "summary timeline    %.2f ms  (%.1fx baseline)\n",
           (long long)total, base, overview, overview / base, timeline, timeline / base);
    cs_store_close(st);
    cs_arena_destroy(a);
    return 0;
}
