/* cs/tz.h and the summary timeline in a tenant's zone: offsets around DST changes,
 * days of 23 and 25 hours, ISO weeks and months whose boundaries are local midnights,
 * a skipped midnight (America/Santiago), a +05:30 zone, and names refused. Expected
 * instants are from zdump. */
#include <string.h>
#include <time.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/insights.h"
#include "cs/store.h"
#include "cs/summary.h"
#include "cs/tz.h"

#define H 3600000LL
#define D (24 * H)

static int64_t utc(const char *iso)
{
    struct tm tm = {0};
    strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
    return (int64_t)timegm(&tm) * 1000;
}

static void test_names(void)
{
    static const char *const bad[] = {
        "",       "../etc/passwd",  "/etc/localtime", "Europe/../../etc", "Europe/Nowhere",
        "Europe", "Europe//Berlin", "zone.tab",       "Europe/Berlin\n"};
    struct cs_tz *tz;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        CHECK_INT(cs_tz_load(bad[i], &tz), CS_ERR_INVALID);
        CHECK(tz == NULL);
    }
    CHECK_INT(cs_tz_load(NULL, &tz), CS_ERR_INVALID);
    REQUIRE(cs_tz_load("UTC", &tz) == CS_OK);
    CHECK_INT(cs_tz_offset(tz, utc("2026-07-01T00:00:00")), 0);
    cs_tz_free(tz);
}

static void test_berlin_dst(void)
{
    struct cs_tz *tz;
    REQUIRE(cs_tz_load("Europe/Berlin", &tz) == CS_OK);
    CHECK_STR(cs_tz_name(tz), "Europe/Berlin");
    /* spring forward: 2026-03-29 01:00Z (02:00 CET -> 03:00 CEST) */
    CHECK_INT(cs_tz_offset(tz, utc("2026-03-29T00:59:59")), 3600);
    CHECK_INT(cs_tz_offset(tz, utc("2026-03-29T01:00:00")), 7200);
    int64_t day = cs_tz_unit_start(tz, utc("2026-03-29T12:00:00"), CS_TZ_DAY);
    CHECK_INT(day, utc("2026-03-28T23:00:00")); /* local midnight, CET */
    CHECK_INT(cs_tz_unit_next(tz, day, CS_TZ_DAY) - day, 23 * H);
    /* fall back: 2026-10-25 is 25 hours long */
    day = cs_tz_unit_start(tz, utc("2026-10-25T12:00:00"), CS_TZ_DAY);
    CHECK_INT(day, utc("2026-10-24T22:00:00"));
    CHECK_INT(cs_tz_unit_next(tz, day, CS_TZ_DAY) - day, 25 * H);
    /* the ISO week holding the change: Monday 2026-03-23 00:00 CET to Monday 03-30 CEST */
    int64_t wk = cs_tz_unit_start(tz, utc("2026-03-29T22:30:00"), CS_TZ_WEEK);
    CHECK_INT(wk, utc("2026-03-29T22:00:00")); /* 22:30Z on the 29th is already Monday 00:30 CEST */
    wk = cs_tz_unit_start(tz, utc("2026-03-29T21:59:59"), CS_TZ_WEEK);
    CHECK_INT(wk, utc("2026-03-22T23:00:00"));
    CHECK_INT(cs_tz_unit_next(tz, wk, CS_TZ_WEEK) - wk, 7 * D - H);
    /* months: April starts at local midnight CEST, 2026-03-31T22:00Z */
    int64_t mo = cs_tz_unit_start(tz, utc("2026-03-15T00:00:00"), CS_TZ_MONTH);
    CHECK_INT(mo, utc("2026-02-28T23:00:00"));
    CHECK_INT(cs_tz_unit_next(tz, mo, CS_TZ_MONTH), utc("2026-03-31T22:00:00"));
    char date[11];
    cs_tz_date(tz, utc("2026-03-31T22:00:00"), date);
    CHECK_STR(date, "2026-04-01");
    cs_tz_date(tz, utc("2026-03-31T21:59:59"), date);
    CHECK_STR(date, "2026-03-31");
    /* December to January */
    mo = cs_tz_unit_start(tz, utc("2026-12-31T23:30:00"), CS_TZ_MONTH);
    CHECK_INT(mo, utc("2026-12-31T23:00:00"));
    CHECK_INT(cs_tz_unit_next(tz, mo, CS_TZ_MONTH), utc("2027-01-31T23:00:00"));
    cs_tz_free(tz);
}

/* Chile moves its clocks at midnight: 2026-09-06 has no 00:00, its day starts at the
 * change (01:00 local, 04:00Z); 2026-04-05 fall back makes 23:00-24:00 of the 4th twice. */
static void test_skipped_midnight(void)
{
    struct cs_tz *tz;
    REQUIRE(cs_tz_load("America/Santiago", &tz) == CS_OK);
    int64_t day = cs_tz_unit_start(tz, utc("2026-09-06T12:00:00"), CS_TZ_DAY);
    CHECK_INT(day, utc("2026-09-06T04:00:00"));
    CHECK_INT(cs_tz_unit_next(tz, utc("2026-09-05T12:00:00"), CS_TZ_DAY),
              utc("2026-09-06T04:00:00"));
    day = cs_tz_unit_start(tz, utc("2026-04-05T12:00:00"), CS_TZ_DAY);
    CHECK_INT(day, utc("2026-04-05T04:00:00"));
    CHECK_INT(day - cs_tz_unit_start(tz, utc("2026-04-04T12:00:00"), CS_TZ_DAY), 25 * H);
    cs_tz_free(tz);
}

/* The summary's timeline through the store, across Berlin's spring change. */
static void test_summary_timeline_in_zone(void)
{
    static struct temp_db db;
    struct cs_store *st = temp_db_create(&db, "tz-summary");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    static const char *const at[] = {
        "2026-03-28T22:59:59", /* Sat 23:59:59 CET: the 28th */
        "2026-03-28T23:00:00", /* Sun 00:00 CET: the 29th */
        "2026-03-29T21:59:59", /* Sun 23:59:59 CEST: the 29th */
        "2026-03-29T22:00:00", /* Mon 00:00 CEST: the 30th, and a new ISO week */
        "2026-03-31T22:30:00", /* 1 April, 00:30 CEST: a new month */
    };
    char id[8];
    for (size_t i = 0; i < 5; i++) {
        snprintf(id, sizeof(id), "Z-%zu", i);
        struct cs_ticket_open o = {.ticket_id = id,
                                   .category = "Billing",
                                   .priority = "high",
                                   .sentiment = "neutral",
                                   .sentiment_score = 0.5,
                                   .source = "test",
                                   .opened_ms = utc(at[i])};
        REQUIRE(cs_insights_ticket_open(st, a, "acme", &o, utc(at[i])) == CS_OK);
    }
    struct cs_tz *tz;
    REQUIRE(cs_tenant_tz(st, a, "acme", &tz) == CS_OK); /* none set: UTC */
    CHECK_STR(cs_tz_name(tz), "UTC");
    cs_tz_free(tz);
    CHECK_INT(cs_tenant_tz_set(st, a, "acme", "Mars/Olympus", 0), CS_ERR_INVALID);
    REQUIRE(cs_tenant_tz_set(st, a, "acme", "Europe/Berlin", 0) == CS_OK);
    REQUIRE(cs_tenant_tz(st, a, "acme", &tz) == CS_OK);
    CHECK_STR(cs_tz_name(tz), "Europe/Berlin");
    struct cs_summary s;
    int64_t from = utc("2026-03-20T00:00:00"), to = utc("2026-04-10T00:00:00");
    REQUIRE(cs_summary(st, a, "acme", from, to, CS_TZ_DAY, tz, false, &s) == CS_OK);
    REQUIRE(s.ntimeline == 4);
    CHECK_STR(s.timeline[0].date, "2026-03-28");
    CHECK_INT(s.timeline[0].conversations, 1);
    CHECK_STR(s.timeline[1].date, "2026-03-29");
    CHECK_INT(s.timeline[1].conversations, 2);
    CHECK_STR(s.timeline[2].date, "2026-03-30");
    CHECK_STR(s.timeline[3].date, "2026-04-01");
    REQUIRE(cs_summary(st, a, "acme", from, to, CS_TZ_WEEK, tz, false, &s) == CS_OK);
    REQUIRE(s.ntimeline == 2);
    CHECK_STR(s.timeline[0].date, "2026-03-23");
    CHECK_INT(s.timeline[0].conversations, 3);
    CHECK_STR(s.timeline[1].date, "2026-03-30");
    CHECK_INT(s.timeline[1].conversations, 2);
    REQUIRE(cs_summary(st, a, "acme", from, to, CS_TZ_MONTH, tz, false, &s) == CS_OK);
    REQUIRE(s.ntimeline == 2);
    CHECK_STR(s.timeline[0].date, "2026-03-01");
    CHECK_INT(s.timeline[0].conversations, 4);
    CHECK_STR(s.timeline[1].date, "2026-04-01");
    CHECK_INT(s.timeline[1].conversations, 1);
    /* the same tickets in UTC: the 28th has two, 1 April none (it is 31 March, 22:30) */
    REQUIRE(cs_summary(st, a, "acme", from, to, CS_TZ_MONTH, NULL, false, &s) == CS_OK);
    REQUIRE(s.ntimeline == 1);
    CHECK_INT(s.timeline[0].conversations, 5);
    CHECK_INT(cs_summary(st, a, "acme", from, to, CS_TZ_DAY, tz, true, &s),
              CS_ERR_INVALID); /* scan: UTC only */
    cs_tz_free(tz);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

int main(void)
{
    TEST_RUN(test_names);
    TEST_RUN(test_berlin_dst);
    TEST_RUN(test_skipped_midnight);
    TEST_RUN(test_summary_timeline_in_zone);
    return test_done();
}
