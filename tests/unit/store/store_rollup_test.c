/* Rollups (cs/store.h): every figure read from them equals the same figure computed by
 * scanning the documents, over a few hundred realistic tickets written through the real
 * write paths (insert, re-process as update, delete, lifecycle changes), for windows
 * that start and end inside hours; a failed write leaves them unchanged; a database
 * without them gets them built at open; histogram bins are ordered with exact bounds. */
#include <math.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/summary.h"
#include "cs/ticket_metrics.h"
#include "cs/tz.h"
#include "store/store_rollup.h"

#define NOW 1780000123456LL /* 2026-05-28, not on an hour */
#define HOUR 3600000LL
#define DAY (24 * HOUR)
#define TENANT "acme"

static struct temp_db db;
static uint64_t seed = 42;

static uint32_t rnd(void)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(seed >> 33);
}
static double unit(void) { return (rnd() + 0.5) / 2147483648.0; }

static const char *const cats[] = {
    "Billing",           "Technical Support", "Account Management", "Shipping & Delivery",
    "Refunds & Returns", "Product Quality",   "Subscription",       "General Inquiry"};
static const char *const prios[] = {"critical", "high", "medium", "low"};
static const char *const sents[] = {"positive", "neutral", "negative", "frustrated", "angry"};
static const char *const comps[] = {"compliant", "review", "violation"};

/* A tickets-process result as the function stores it (same field types and digits). */
static json_object *processed(void)
{
    json_object *d = json_object_new_object();
    int rc = CS_OK;
    /* one in twenty without a category: the null group, left out of the mix */
    if (rnd() % 20) rc |= cs_json_add_str(d, "category", cats[rnd() % 8]);
    rc |= cs_json_add_str(d, "priority", prios[rnd() % 4]);
    rc |= cs_json_add_str(d, "sentiment", sents[rnd() % 5]);
    rc |= cs_json_add_double(d, "confidence", 0.3 + 0.7 * unit(), 4);
    rc |= cs_json_add_bool(d, "escalation_needed", rnd() % 4 == 0);
    rc |= cs_json_add_str(d, "compliance", comps[rnd() % 3]);
    rc |= cs_json_add_bool(d, "kb_answer", rnd() % 3 != 0);
    /* latency: mostly 2-40 ms, a long tail */
    rc |= cs_json_add_double(d, "processing_ms",
                             exp(1.0 + 2.5 * unit()) + (rnd() % 50 == 0 ? 400 * unit() : 0), 3);
    if (rc) abort();
    return d;
}

static void fill_tickets(struct cs_store *st, struct cs_arena *a, int n)
{
    char id[32];
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "TKT-%d", i);
        /* a third in the last day, the rest over 100 days */
        int64_t at = NOW - (int64_t)(unit() * (double)(i % 3 ? 100 * DAY : DAY));
        json_object *d = processed();
        REQUIRE(cs_store_insert(st, a, TENANT, "tickets", id, d, NULL, at, NULL) == CS_OK);
        json_object_put(d);
        cs_arena_reset(a);
    }
    for (int i = 0; i < n / 6; i++) { /* re-processed: a new result for a known id */
        snprintf(id, sizeof(id), "TKT-%d", (int)(rnd() % (uint32_t)n));
        struct cs_doc old;
        REQUIRE(cs_store_get(st, a, TENANT, "tickets", id, &old) == CS_OK);
        json_object *d = processed();
        CHECK(cs_store_update(st, a, TENANT, "tickets", id, old.version, d, NULL, NOW, NULL) ==
              CS_OK);
        json_object_put(d);
        cs_arena_reset(a);
    }
    for (int i = 0; i < n / 20; i++) {
        snprintf(id, sizeof(id), "TKT-%d", (int)(rnd() % (uint32_t)n));
        int rc = cs_store_delete(st, TENANT, "tickets", id, -1);
        CHECK(rc == CS_OK || rc == CS_ERR_NOT_FOUND);
    }
    /* another tenant's tickets must not show */
    json_object *d = processed();
    REQUIRE(cs_store_insert(st, a, "globex", "tickets", "G-1", d, NULL, NOW - HOUR, NULL) == CS_OK);
    json_object_put(d);
}

/* Equal as the endpoint prints them, and to within a few ulps (sums in another order). */
static int same(double x, double y)
{
    if (isnan(x) || isnan(y)) return isnan(x) && isnan(y);
    char a[64], b[64];
    snprintf(a, sizeof(a), "%.4f", x);
    snprintf(b, sizeof(b), "%.4f", y);
    return strcmp(a, b) == 0 && fabs(x - y) <= 1e-12 * fmax(1.0, fabs(x));
}

static void compare_metrics(struct cs_store *st, struct cs_arena *a, int64_t since)
{
    struct cs_ticket_metrics r, s;
    REQUIRE(cs_ticket_metrics(st, a, TENANT, since, false, &r) == CS_OK);
    REQUIRE(cs_ticket_metrics(st, a, TENANT, since, true, &s) == CS_OK);
    CHECK_INT(r.total, s.total);
    /* percentiles are values of tickets: exactly equal */
    CHECK(r.p50_ms == s.p50_ms || (isnan(r.p50_ms) && isnan(s.p50_ms)));
    CHECK(r.p95_ms == s.p95_ms || (isnan(r.p95_ms) && isnan(s.p95_ms)));
    CHECK(r.p99_ms == s.p99_ms || (isnan(r.p99_ms) && isnan(s.p99_ms)));
    CHECK(same(r.avg_ms, s.avg_ms));
    CHECK(same(r.avg_confidence, s.avg_confidence));
    CHECK(same(r.escalation_rate, s.escalation_rate));
    CHECK(same(r.kb_answer_rate, s.kb_answer_rate));
    for (int m = 0; m < CS_TM_MIXES; m++) {
        CHECK_INT(r.mix[m].n, s.mix[m].n);
        for (size_t i = 0; i < r.mix[m].n && i < s.mix[m].n; i++) {
            CHECK_STR(r.mix[m].keys[i], s.mix[m].keys[i]);
            CHECK_INT(r.mix[m].counts[i], s.mix[m].counts[i]);
        }
    }
}

static void test_ticket_metrics_equal_scan(void)
{
    struct cs_store *st = temp_db_create(&db, "rollup");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    struct cs_ticket_metrics r;
    REQUIRE(cs_ticket_metrics(st, a, TENANT, INT64_MIN, false, &r) == CS_OK);
    CHECK_INT(r.total, 0);
    CHECK(isnan(r.p50_ms));
    fill_tickets(st, a, 400);
    static const int64_t spans[] = {DAY, 7 * DAY, 30 * DAY, 90 * DAY, 0};
    for (size_t i = 0; i < sizeof(spans) / sizeof(*spans); i++) {
        compare_metrics(st, a, spans[i] ? NOW - spans[i] : INT64_MIN);
        compare_metrics(st, a,
                        spans[i] ? (NOW - spans[i]) / HOUR * HOUR : INT64_MIN); /* on an hour */
        cs_arena_reset(a);
    }
    REQUIRE(cs_ticket_metrics(st, a, TENANT, NOW - 30 * DAY, false, &r) == CS_OK);
    CHECK(r.total > 100 && r.p50_ms > 0 && r.p99_ms >= r.p95_ms && r.p95_ms >= r.p50_ms);
    CHECK(r.mix[CS_TM_CATEGORY].n == 8);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* Customer-insights tickets through their own write paths: open (insert, or refresh of
 * a known id), lifecycle changes (updates). */
static void fill_insights(struct cs_store *st, struct cs_arena *a, int n)
{
    char id[32];
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "C-%d", i);
        int64_t opened = NOW - 60 * DAY + (int64_t)(unit() * 60 * DAY);
        struct cs_ticket_open o = {.ticket_id = id,
                                   .category = rnd() % 25 ? cats[rnd() % 6] : NULL,
                                   .priority = "high",
                                   .sentiment = sents[rnd() % 5],
                                   .sentiment_score = floor(unit() * 10000) / 10000,
                                   .sentiment_level = 2,
                                   .source = "test",
                                   .opened_ms = opened};
        if (!o.category) o.category = "";
        REQUIRE(cs_insights_ticket_open(st, a, TENANT, &o, opened) == CS_OK);
        const char *why;
        int64_t t = opened + (int64_t)(unit() * 4 * HOUR);
        struct cs_ticket_change c = {.assignee = "A1", .agent_replied = rnd() % 5 != 0, .at_ms = t};
        CHECK(cs_insights_ticket_change(st, a, TENANT, id, &c, t, NULL, &why) == CS_OK);
        if (rnd() % 4) {
            t += (int64_t)(unit() * 2 * DAY);
            c = (struct cs_ticket_change){.status = "solved",
                                          .csat = rnd() % 3 ? (int)(rnd() % 5) + 1 : 0,
                                          .escalated = rnd() % 7 == 0,
                                          .at_ms = t};
            CHECK(cs_insights_ticket_change(st, a, TENANT, id, &c, t, NULL, &why) == CS_OK);
        }
        cs_arena_reset(a);
    }
    for (int i = 0; i < n / 10; i++) { /* re-opened from another source: new triage fields */
        snprintf(id, sizeof(id), "C-%d", (int)(rnd() % (uint32_t)n));
        struct cs_doc d;
        REQUIRE(cs_store_get(st, a, TENANT, CS_INSIGHTS_TICKETS, id, &d) == CS_OK);
        struct cs_ticket_open o = {.ticket_id = id,
                                   .category = cats[rnd() % 8],
                                   .priority = "low",
                                   .sentiment = sents[rnd() % 5],
                                   .sentiment_score = 0.25,
                                   .sentiment_level = 1,
                                   .source = "test",
                                   .opened_ms = cs_json_get_int(d.body, "opened_ms", 0)};
        CHECK(cs_insights_ticket_open(st, a, TENANT, &o, NOW) == CS_OK);
        cs_arena_reset(a);
    }
}

static void compare_figures(struct cs_store *st, struct cs_arena *a, int64_t since)
{
    struct cs_insights_figures r, s;
    REQUIRE(cs_insights_figures(st, a, TENANT, since, NULL, &r) == CS_OK);
    REQUIRE(cs_insights_figures_scan(st, a, TENANT, since, NULL, &s) == CS_OK);
    CHECK_INT(r.total, s.total);
    CHECK_INT(r.open, s.open);
    CHECK_INT(r.resolved, s.resolved);
    CHECK_INT(r.rated, s.rated);
    CHECK(same(r.avg_resolution_s, s.avg_resolution_s));
    CHECK(same(r.csat_pct, s.csat_pct));
    CHECK(same(r.fcr_pct, s.fcr_pct));
    CHECK(same(r.escalation_pct, s.escalation_pct));
}

static void compare_summary(struct cs_store *st, struct cs_arena *a, int64_t from, int64_t to,
                            enum cs_tz_unit u)
{
    struct cs_summary r, s;
    REQUIRE(cs_summary(st, a, TENANT, from, to, u, NULL, false, &r) == CS_OK);
    REQUIRE(cs_summary(st, a, TENANT, from, to, u, NULL, true, &s) == CS_OK);
    CHECK_INT(r.total, s.total);
    CHECK_INT(r.open, s.open);
    CHECK_INT(r.positive, s.positive);
    CHECK_INT(r.negative, s.negative);
    CHECK_INT(r.neutral, s.neutral);
    CHECK(same(r.avg_csat, s.avg_csat));
    CHECK(same(r.avg_first_reply_s, s.avg_first_reply_s));
    CHECK_INT(r.ntimeline, s.ntimeline);
    for (size_t i = 0; i < r.ntimeline && i < s.ntimeline; i++) {
        CHECK_STR(r.timeline[i].date, s.timeline[i].date);
        CHECK_INT(r.timeline[i].conversations, s.timeline[i].conversations);
        CHECK(same(r.timeline[i].avg_sentiment, s.timeline[i].avg_sentiment));
    }
    CHECK_INT(r.nissues, s.nissues);
    for (size_t i = 0; i < r.nissues && i < s.nissues; i++) {
        CHECK_STR(r.issues[i].issue, s.issues[i].issue);
        CHECK_INT(r.issues[i].count, s.issues[i].count);
        CHECK(same(r.issues[i].sentiment, s.issues[i].sentiment));
    }
}

static void test_insights_equal_scan(void)
{
    struct cs_store *st = temp_db_create(&db, "rollup-insights");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    fill_insights(st, a, 300);
    static const int64_t spans[] = {DAY, 7 * DAY, 30 * DAY, 90 * DAY};
    for (size_t i = 0; i < 4; i++) {
        compare_figures(st, a, NOW - spans[i]);
        cs_arena_reset(a);
    }
    for (int u = CS_TZ_DAY; u <= CS_TZ_MONTH; u++) {
        compare_summary(st, a, NOW - 45 * DAY - 1234567, NOW - 3 * DAY + 7654321,
                        (enum cs_tz_unit)u);
        compare_summary(st, a, NOW - 100 * DAY, NOW, (enum cs_tz_unit)u);
        compare_summary(st, a, NOW - 5 * HOUR - 17, NOW - 5 * HOUR + 1800000,
                        (enum cs_tz_unit)u); /* within an hour */
        cs_arena_reset(a);
    }
    struct cs_summary r;
    REQUIRE(cs_summary(st, a, TENANT, NOW - 90 * DAY, NOW, CS_TZ_WEEK, NULL, false, &r) == CS_OK);
    CHECK_INT(r.total, 300);
    CHECK(r.nissues == CS_SUMMARY_TOP_ISSUES && r.ntimeline >= 9);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* A write that fails changes no rollup (same transaction). */
static void test_failed_write_changes_nothing(void)
{
    struct cs_store *st = temp_db_create(&db, "rollup-fail");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    fill_tickets(st, a, 50);
    struct cs_ticket_metrics before, after;
    REQUIRE(cs_ticket_metrics(st, a, TENANT, INT64_MIN, false, &before) == CS_OK);
    json_object *d = processed();
    CHECK(cs_store_update(st, a, TENANT, "tickets", "TKT-1", 999, d, NULL, NOW, NULL) ==
          CS_ERR_CONFLICT);
    CHECK(cs_store_insert(st, a, TENANT, "tickets", "TKT-2", d, NULL, NOW, NULL) != CS_OK ||
          cs_store_delete(st, TENANT, "tickets", "TKT-2", -1) ==
              CS_OK); /* TKT-2 may have been deleted */
    json_object_put(d);
    REQUIRE(cs_ticket_metrics(st, a, TENANT, INT64_MIN, false, &after) == CS_OK);
    CHECK_INT(after.total, before.total);
    CHECK(after.avg_ms == before.avg_ms);
    compare_metrics(st, a, INT64_MIN);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* Group commit: the writes of a request scope share transactions (up to 64 operations
 * each), whose rollup changes wait in the connection, merged by cell, until the commit.
 * A rollup read inside the scope sees the scope's own writes; failed writes among them
 * add nothing; after the scope everything is committed and still equals the scan. */
static void test_shared_transaction(void)
{
    struct cs_store *st = temp_db_create(&db, "rollup-scope");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    cs_store_scope_begin(st);
    fill_tickets(st, a, 150); /* inserts, re-processing updates, deletes */
    json_object *d = processed();
    CHECK(cs_store_update(st, a, TENANT, "tickets", "TKT-1", 999, d, NULL, NOW, NULL) ==
          CS_ERR_CONFLICT);
    CHECK(cs_store_insert(st, a, TENANT, "tickets", "TKT-4", d, NULL, NOW, NULL) != CS_OK ||
          cs_store_delete(st, TENANT, "tickets", "TKT-4", -1) == CS_OK);
    json_object_put(d);
    struct cs_ticket_metrics inside, after;
    REQUIRE(cs_ticket_metrics(st, a, TENANT, INT64_MIN, false, &inside) == CS_OK);
    CHECK(inside.total > 130 && inside.total <= 150);
    compare_metrics(st, a, INT64_MIN);
    compare_metrics(st, a, NOW - 30 * DAY);
    /* writes after a read in the same transaction, then the commit */
    d = processed();
    CHECK(cs_store_insert(st, a, TENANT, "tickets", "TKT-late", d, NULL, NOW - 2 * HOUR, NULL) ==
          CS_OK);
    json_object_put(d);
    CHECK(cs_store_scope_end(st) == CS_OK);
    cs_arena_reset(a);
    REQUIRE(cs_ticket_metrics(st, a, TENANT, INT64_MIN, false, &after) == CS_OK);
    CHECK_INT(after.total, inside.total + 1);
    compare_metrics(st, a, INT64_MIN);
    compare_metrics(st, a, NOW - DAY);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* A database from before rollups (or of another rollup version) gets them at open. */
static void test_built_at_open(void)
{
    struct cs_store *st = temp_db_create(&db, "rollup-open");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    fill_tickets(st, a, 120);
    struct cs_ticket_metrics before, after;
    REQUIRE(cs_ticket_metrics(st, a, TENANT, NOW - 7 * DAY, false, &before) == CS_OK);
    cs_store_close(st);
    sqlite3 *raw;
    REQUIRE(sqlite3_open(db.path, &raw) == SQLITE_OK);
    CHECK(sqlite3_exec(raw, "DELETE FROM rollups; DELETE FROM rollup_meta;", NULL, NULL, NULL) ==
          SQLITE_OK);
    sqlite3_close(raw);
    REQUIRE((st = temp_db_open(&db)) != NULL);
    REQUIRE(cs_ticket_metrics(st, a, TENANT, NOW - 7 * DAY, false, &after) == CS_OK);
    CHECK_INT(after.total, before.total);
    CHECK(after.p95_ms == before.p95_ms);
    CHECK(before.total > 0);
    compare_metrics(st, a, INT64_MIN);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static void test_bins(void)
{
    static const double v[] = {-5.5,   -1,     0,  1e-9,    0.001, 0.5,  1,
                               1.0001, 12.345, 13, 999.999, 1e6,   1e300};
    for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
        int b = cs_rollup_bin(v[i]);
        double lo, hi;
        cs_rollup_bin_bounds(b, &lo, &hi);
        CHECK(lo <= v[i] && v[i] < hi);
        if (i) CHECK(cs_rollup_bin(v[i - 1]) <= b);
    }
    /* a bin spans under 12.5% of its values */
    double lo, hi;
    cs_rollup_bin_bounds(cs_rollup_bin(12.345), &lo, &hi);
    CHECK(hi / lo <= 1.125 + 1e-12);
    CHECK(cs_rollup_bin(-0.0) == cs_rollup_bin(0.0));
}

/* Buckets whose boundaries cut hours (a +05:30 zone): every ticket lands in its day. */
static void test_buckets_cut_hours(void)
{
    struct cs_store *st = temp_db_create(&db, "rollup-kolkata");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    struct cs_tz *tz;
    REQUIRE(cs_tz_load("Asia/Kolkata", &tz) == CS_OK);
    /* local midnight of 2026-03-10 in Kolkata is 2026-03-09T18:30Z */
    int64_t mid = 1773081000000LL;
    static const int64_t at[] = {-HOUR, -31 * 60000, -1, 0, 1, 29 * 60000, HOUR, DAY - 1, DAY};
    char id[16];
    for (size_t i = 0; i < sizeof(at) / sizeof(*at); i++) {
        snprintf(id, sizeof(id), "K-%zu", i);
        struct cs_ticket_open o = {.ticket_id = id,
                                   .category = "Billing",
                                   .priority = "high",
                                   .sentiment = "neutral",
                                   .sentiment_score = 0.5,
                                   .source = "test",
                                   .opened_ms = mid + at[i]};
        REQUIRE(cs_insights_ticket_open(st, a, TENANT, &o, mid) == CS_OK);
    }
    struct cs_summary s;
    REQUIRE(cs_summary(st, a, TENANT, mid - 2 * DAY, mid + 2 * DAY, CS_TZ_DAY, tz, false, &s) ==
            CS_OK);
    REQUIRE(s.ntimeline == 3);
    CHECK_STR(s.timeline[0].date, "2026-03-09");
    CHECK_INT(s.timeline[0].conversations, 3);
    CHECK_STR(s.timeline[1].date, "2026-03-10");
    CHECK_INT(s.timeline[1].conversations, 5);
    CHECK_STR(s.timeline[2].date, "2026-03-11");
    CHECK_INT(s.timeline[2].conversations, 1);
    cs_tz_free(tz);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* ---- the stored rows, against the rollups' reference logic ---- */

/* The rollups table as it was written before the flush was reworked (one upsert per
 * merged cell of a transaction, the row dropped when its count reaches 0), applied to
 * a database of our own: the store's rows must equal these exactly, sums included. */
#define REF_COLS                                                                                   \
    "tenant, coll, dim, hour, key, count, s0, s1, s2, s3, s4, s5, s6, s7, n0, n1, n2, n3, n4, n5," \
    " n6, n7"
#define REF_UPSERT                                                                                 \
    "INSERT INTO rollups(" REF_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"  \
    " ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22) ON CONFLICT(tenant, coll, dim, hour, key)" \
    " DO UPDATE SET count = count + excluded.count, s0 = s0 + excluded.s0,"                        \
    " s1 = s1 + excluded.s1, s2 = s2 + excluded.s2, s3 = s3 + excluded.s3,"                        \
    " s4 = s4 + excluded.s4, s5 = s5 + excluded.s5, s6 = s6 + excluded.s6,"                        \
    " s7 = s7 + excluded.s7, n0 = n0 + excluded.n0, n1 = n1 + excluded.n1,"                        \
    " n2 = n2 + excluded.n2, n3 = n3 + excluded.n3, n4 = n4 + excluded.n4,"                        \
    " n5 = n5 + excluded.n5, n6 = n6 + excluded.n6, n7 = n7 + excluded.n7"

struct ref_cell {
    const char *tenant, *coll;
    struct cs_rollup_cell c;
};

struct ref_txn {
    struct ref_cell cells[64 * CS_ROLLUP_MAX_CELLS];
    size_t n;
};

/* A write's delta merged into the transaction's cells, in the order the store merges. */
static void ref_write(struct ref_txn *t, const char *tenant, const char *coll, json_object *old,
                      int64_t old_created, json_object *new_body, int64_t new_created)
{
    struct cs_rollup_cell cells[CS_ROLLUP_MAX_CELLS];
    size_t n =
        cs_rollup_delta(cs_rollup_def_for(coll), old, old_created, new_body, new_created, cells);
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < t->n &&
               !(t->cells[j].c.hour_ms == cells[i].hour_ms && strcmp(t->cells[j].coll, coll) == 0 &&
                 strcmp(t->cells[j].c.key, cells[i].key) == 0 &&
                 strcmp(t->cells[j].c.dim, cells[i].dim) == 0 &&
                 strcmp(t->cells[j].tenant, tenant) == 0))
            j++;
        if (j == t->n) {
            REQUIRE(t->n < sizeof(t->cells) / sizeof(*t->cells));
            t->cells[t->n++] = (struct ref_cell){tenant, coll, cells[i]};
            continue;
        }
        struct cs_rollup_cell *to = &t->cells[j].c;
        to->count += cells[i].count;
        for (size_t m = 0; m < CS_ROLLUP_MAX_MEASURES; m++)
            to->sum[m] += cells[i].sum[m], to->n[m] += cells[i].n[m];
    }
}

static void ref_commit(sqlite3 *ref, struct ref_txn *t)
{
    sqlite3_stmt *up, *drop;
    REQUIRE(sqlite3_prepare_v2(ref, REF_UPSERT, -1, &up, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(ref,
                               "DELETE FROM rollups WHERE tenant=?1 AND coll=?2 AND dim=?3 AND"
                               " hour=?4 AND key=?5 AND count=0",
                               -1, &drop, NULL) == SQLITE_OK);
    for (size_t i = 0; i < t->n; i++) {
        const struct cs_rollup_cell *c = &t->cells[i].c;
        bool zero = c->count == 0;
        for (size_t m = 0; m < CS_ROLLUP_MAX_MEASURES; m++)
            zero = zero && !c->n[m] && c->sum[m] == 0.0;
        if (zero) continue;
        sqlite3_stmt *qs[2] = {up, drop};
        for (int k = 0; k < 2; k++) {
            sqlite3_stmt *q = qs[k];
            sqlite3_bind_text(q, 1, t->cells[i].tenant, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, t->cells[i].coll, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 3, c->dim, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 4, c->hour_ms);
            sqlite3_bind_text(q, 5, c->key, -1, SQLITE_STATIC);
            if (q == up) {
                sqlite3_bind_int64(q, 6, c->count);
                for (int m = 0; m < CS_ROLLUP_MAX_MEASURES; m++) {
                    sqlite3_bind_double(q, 7 + m, c->sum[m]);
                    sqlite3_bind_int64(q, 15 + m, c->n[m]);
                }
            }
            CHECK(sqlite3_step(q) == SQLITE_DONE);
            sqlite3_reset(q);
        }
    }
    sqlite3_finalize(up);
    sqlite3_finalize(drop);
    t->n = 0;
}

/* An insights lifecycle record, open or resolved, with the measures' field types. */
static json_object *lifecycle(int64_t opened)
{
    json_object *d = json_object_new_object();
    int rc = cs_json_add_str(d, "category", cats[rnd() % 8]);
    if (rnd() % 10) rc |= cs_json_add_str(d, "sentiment", sents[rnd() % 5]);
    rc |= cs_json_add_int(d, "opened_ms", opened);
    bool open = rnd() % 3 == 0;
    rc |= cs_json_add_int(d, "open", open);
    if (!open) {
        rc |= cs_json_add_double(d, "resolution_s", 60 + 86400 * unit(), 3);
        rc |= cs_json_add_bool(d, "fcr", rnd() % 2);
        if (rnd() % 2) {
            int csat = 1 + (int)(rnd() % 5);
            rc |= cs_json_add_int(d, "csat", csat);
            rc |= cs_json_add_int(d, "csat_satisfied", csat >= 4);
        }
        rc |= cs_json_add_double(d, "first_reply_s", 5 + 3000 * unit(), 3);
    }
    rc |= cs_json_add_bool(d, "escalated", rnd() % 5 == 0);
    rc |= cs_json_add_double(d, "sentiment_score", unit() * 2 - 1, 4);
    if (rc) abort();
    return d;
}

/* One random write in the open scope, mirrored into the reference transaction. */
static void ref_step(struct cs_store *st, struct cs_arena *a, struct ref_txn *t, int i)
{
    static const char *const tenants[] = {TENANT, "globex"};
    const char *tenant = tenants[rnd() % 2];
    const char *coll = rnd() % 2 ? "tickets" : "insights_tickets";
    char id[32];
    snprintf(id, sizeof(id), "R-%d", (int)(rnd() % (uint32_t)(i / 2 + 1)));
    int64_t at = NOW - (int64_t)(unit() * (double)(rnd() % 2 ? 3 * DAY : 2 * HOUR));
    json_object *body = coll[0] == 't' ? processed() : lifecycle(at);
    struct cs_doc old;
    int rc = cs_store_get(st, a, tenant, coll, id, &old);
    REQUIRE(rc == CS_OK || rc == CS_ERR_NOT_FOUND);
    if (rc == CS_ERR_NOT_FOUND) {
        REQUIRE(cs_store_insert(st, a, tenant, coll, id, body, NULL, at, NULL) == CS_OK);
        ref_write(t, tenant, coll, NULL, 0, body, at);
    } else if (rnd() % 4 == 0) {
        REQUIRE(cs_store_delete(st, tenant, coll, id, -1) == CS_OK);
        ref_write(t, tenant, coll, old.body, old.created_ms, NULL, 0);
    } else {
        REQUIRE(cs_store_update(st, a, tenant, coll, id, old.version, body, NULL, NOW, NULL) ==
                CS_OK);
        ref_write(t, tenant, coll, old.body, old.created_ms, body, old.created_ms);
    }
    json_object_put(body);
    cs_arena_reset(a);
}

/* Every row as text, in key order; -1 when the table cannot be read. */
static int rows_dump(sqlite3 *h, char ***rows)
{
    sqlite3_stmt *q;
    *rows = NULL;
    if (sqlite3_prepare_v2(h,
                           "SELECT " REF_COLS " FROM rollups ORDER BY tenant, coll, dim, hour, key",
                           -1, &q, NULL) != SQLITE_OK)
        return -1;
    int n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        char line[1024];
        size_t len = 0;
        for (int k = 0; k < sqlite3_column_count(q); k++) {
            int type = sqlite3_column_type(q, k);
            if (type == SQLITE_FLOAT) /* every bit: sums must match exactly */
                len += (size_t)snprintf(line + len, sizeof(line) - len, "%a|",
                                        sqlite3_column_double(q, k));
            else
                len += (size_t)snprintf(line + len, sizeof(line) - len, "%d:%s|", type,
                                        (const char *)sqlite3_column_text(q, k));
        }
        char **more = realloc(*rows, (size_t)(n + 1) * sizeof(**rows));
        if (!more || !(more[n] = strdup(line))) abort();
        *rows = more;
        n++;
    }
    sqlite3_finalize(q);
    return n;
}

/* Scopes of up to 24 writes (each one transaction) of both collections and tenants:
 * inserts, updates that move documents between cells, deletes that empty cells. The
 * rollups table then holds exactly the rows the reference logic wrote. */
static void test_rows_equal_reference(void)
{
    struct cs_store *st = temp_db_create(&db, "rollup-rows");
    struct cs_arena *a = cs_arena_new(0);
    sqlite3 *ref;
    REQUIRE(st && a && sqlite3_open(":memory:", &ref) == SQLITE_OK);
    REQUIRE(sqlite3_exec(ref,
                         "CREATE TABLE rollups(tenant TEXT NOT NULL, coll TEXT NOT NULL,"
                         " dim TEXT NOT NULL, hour INTEGER NOT NULL, key TEXT NOT NULL,"
                         " count INTEGER NOT NULL, s0 REAL NOT NULL, s1 REAL NOT NULL,"
                         " s2 REAL NOT NULL, s3 REAL NOT NULL, s4 REAL NOT NULL, s5 REAL NOT NULL,"
                         " s6 REAL NOT NULL, s7 REAL NOT NULL, n0 INTEGER NOT NULL,"
                         " n1 INTEGER NOT NULL, n2 INTEGER NOT NULL, n3 INTEGER NOT NULL,"
                         " n4 INTEGER NOT NULL, n5 INTEGER NOT NULL, n6 INTEGER NOT NULL,"
                         " n7 INTEGER NOT NULL, PRIMARY KEY(tenant, coll, dim, hour, key))"
                         " WITHOUT ROWID",
                         NULL, NULL, NULL) == SQLITE_OK);
    static struct ref_txn t;
    int w = 0;
    for (int s = 0; s < 60; s++) {
        cs_store_scope_begin(st);
        int k = 1 + (int)(rnd() % 24);
        for (int j = 0; j < k; j++) ref_step(st, a, &t, w++);
        REQUIRE(cs_store_scope_end(st) == CS_OK);
        ref_commit(ref, &t);
    }
    sqlite3 *raw;
    REQUIRE(sqlite3_open(db.path, &raw) == SQLITE_OK);
    char **got, **want;
    int ngot = rows_dump(raw, &got), nwant = rows_dump(ref, &want);
    CHECK(nwant > 200);
    CHECK_INT(ngot, nwant);
    for (int i = 0; i < ngot && i < nwant; i++) CHECK_STR(got[i], want[i]);
    for (int i = 0; i < ngot; i++) free(got[i]);
    for (int i = 0; i < nwant; i++) free(want[i]);
    free(got);
    free(want);
    sqlite3_close(raw);
    sqlite3_close(ref);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

int main(void)
{
    TEST_RUN(test_bins);
    TEST_RUN(test_ticket_metrics_equal_scan);
    TEST_RUN(test_shared_transaction);
    TEST_RUN(test_insights_equal_scan);
    TEST_RUN(test_failed_write_changes_nothing);
    TEST_RUN(test_built_at_open);
    TEST_RUN(test_buckets_cut_hours);
    TEST_RUN(test_rows_equal_reference);
    return test_done();
}
