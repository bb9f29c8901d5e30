/* The Manager API query parser: paging, ranges, lists, sort, and exact errors. */
#include <string.h>

#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/reporting.h"

static struct cs_arena *A;
static const struct cs_rp_resource *calls;

static int parse(const char *q, struct cs_rp_query *out, struct cs_rp_error *err)
{
    return cs_rp_query_parse(calls, q, NULL, A, out, err);
}

static void test_defaults(void)
{
    struct cs_rp_query q;
    struct cs_rp_error e;
    REQUIRE(parse("", &q, &e) == 0);
    CHECK_INT(q.page, 1);
    CHECK_INT(q.per, 100);
    CHECK(q.sort == NULL && !q.desc && !q.with_deleted && q.nfilters == 0);
}

static void test_paging(void)
{
    struct cs_rp_query q;
    struct cs_rp_error e;
    REQUIRE(parse("page=3&per=250", &q, &e) == 0);
    CHECK_INT(q.page, 3);
    CHECK_INT(q.per, 100); /* larger is cut to 100 */
    CHECK(parse("page=0", &q, &e) == CS_ERR_BAD_REQUEST);
    CHECK_INT(e.status, 400);
    CHECK_STR(e.code, "bad_page");
    CHECK_STR(e.message, "page must be an integer >= 1");
    CHECK(parse("per=-1", &q, &e) == CS_ERR_BAD_REQUEST);
    CHECK_STR(e.code, "bad_per");
    CHECK(parse("per=ten", &q, &e) == CS_ERR_BAD_REQUEST);
}

static void test_ranges(void)
{
    struct cs_rp_query q;
    struct cs_rp_error e;
    REQUIRE(
        parse("created_at%5Bfrom%5D=2026-03-02&created_at[to]=2026-03-02&call_duration[from]=60.5",
              &q, &e) == 0);
    REQUIRE(q.nfilters == 2);
    CHECK_STR(q.filters[0].field->name, "created_at");
    CHECK_INT(q.filters[0].from_i, 1772409600000LL);
    CHECK_INT(q.filters[0].to_i, 1772409600000LL + 86400000LL - 1); /* a bare date covers the day */
    CHECK(q.filters[1].has_from && !q.filters[1].has_to);
    CHECK_NEAR(q.filters[1].from_d, 60.5, 1e-12);
    CHECK(parse("created_at[from]=soon", &q, &e) == CS_ERR_BAD_REQUEST);
    CHECK_STR(e.message, "created_at[from]: not an ISO 8601 timestamp");
    CHECK(parse("status[from]=a", &q, &e) == CS_ERR_BAD_REQUEST);
    CHECK_STR(e.message, "status[from]: ranges need a number or timestamp field");
    CHECK(parse("created_at[from]=2026-03-03&created_at[to]=2026-03-02", &q, &e) ==
          CS_ERR_BAD_REQUEST);
    CHECK_STR(e.message, "created_at[from] is after created_at[to]");
}

static void test_lists(void)
{
    struct cs_rp_query q;
    struct cs_rp_error e;
    REQUIRE(parse("status[]=finished&status[]=abandoned&team_id[]=4&team_id=5", &q, &e) == 0);
    REQUIRE(q.nfilters == 2);
    CHECK_INT(q.filters[0].nvalues, 2);
    CHECK_STR(q.filters[0].values[1], "abandoned");
    CHECK_INT(q.filters[1].nvalues, 2);
    CHECK(parse("team_id[]=four", &q, &e) == CS_ERR_BAD_REQUEST);
    CHECK_STR(e.message, "team_id[]: 'four' is not a valid value");
    CHECK(parse("created_at[]=2026-03-02", &q, &e) == CS_ERR_BAD_REQUEST);
    CHECK(parse("status[x]=1", &q, &e) == CS_ERR_BAD_REQUEST);
    CHECK_STR(e.message, "Bad filter syntax: status[x]");
    CHECK(parse("status[=1", &q, &e) == CS_ERR_BAD_REQUEST);
    CHECK(parse("a=%zz", &q, &e) == CS_ERR_BAD_REQUEST);
    CHECK_STR(e.code, "bad_query");
}

static void test_unknown_names(void)
{
    struct cs_rp_query q;
    struct cs_rp_error e;
    CHECK(parse("colour[]=red", &q, &e) == CS_ERR_VALIDATION);
    CHECK_INT(e.status, 422);
    CHECK_STR(e.code, "unknown_filter");
    CHECK_STR(e.message, "Unknown filter: colour");
    CHECK(parse("sort_column=colour", &q, &e) == CS_ERR_VALIDATION);
    CHECK_STR(e.code, "unknown_sort_column");
    CHECK_STR(e.message, "Unknown sort column: colour");
    CHECK(parse("sort_column=participants", &q, &e) == CS_ERR_VALIDATION);
}

static void test_sort_and_flags(void)
{
    struct cs_rp_query q;
    struct cs_rp_error e;
    REQUIRE(
        parse("sort_column=updated_at&sort_direction=desc&with_deleted=true&after=1700000000000.42",
              &q, &e) == 0);
    CHECK_STR(q.sort->name, "updated_at");
    CHECK(q.desc && q.with_deleted && q.has_after);
    CHECK_INT(q.after_ms, 1700000000000LL);
    CHECK_INT(q.after_id, 42);
    CHECK(parse("sort_direction=UP", &q, &e) == CS_ERR_BAD_REQUEST);
    CHECK(parse("with_deleted=maybe", &q, &e) == CS_ERR_BAD_REQUEST);
    CHECK(parse("after=12", &q, &e) == CS_ERR_BAD_REQUEST);
    static const char *const extra[] = {"group_by", NULL};
    REQUIRE(cs_rp_query_parse(calls, "group_by=team", extra, A, &q, &e) == 0);
    CHECK_STR(q.group_by, "team");
    CHECK(parse("group_by=team", &q, &e) == CS_ERR_VALIDATION);
}

/* The import's own time formatter agrees with the general one over its whole range:
 * the epoch, leap days, century rules, the last millisecond of 9999, and a spread of
 * instants between; outside it, the general one answers. */
static void test_time_str(void)
{
    static const int64_t fixed[] = {0,
                                    999,
                                    951782400000LL,  /* 2000-02-29 */
                                    4107542400000LL, /* 2100-03-01 */
                                    1772323199999LL,
                                    253402300799999LL,
                                    -1,
                                    253402300800000LL};
    char a[64], b[64];
    for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++) {
        cs_rp_time_str(fixed[i], a);
        cs_time_iso(fixed[i], CS_ISO_Z_MS, b);
        CHECK_STR(a, b);
    }
    CHECK_STR((cs_rp_time_str(951782400123LL, a), a), "2000-02-29T00:00:00.123Z");
    int bad = 0;
    for (int64_t ms = 7; ms < 253402300799999LL; ms += 9876543210987LL / 1000 + 12345) {
        cs_rp_time_str(ms, a);
        cs_time_iso(ms, CS_ISO_Z_MS, b);
        bad += strcmp(a, b) != 0;
    }
    CHECK_INT(bad, 0);
}

/* The import's own reader of its canonical form gives what the general parser gives,
 * over the whole range, says "canonical" exactly for cs_rp_time_str's output, and sends
 * everything else (offsets, leap seconds, Feb 29th of common years, before 1970) to the
 * general parser with its answer. */
static void test_time_ms(void)
{
    char a[64];
    int64_t ms, want;
    bool canon;
    int bad = 0;
    for (int64_t t = 3; t < 253402300799999LL; t += 9876543210987LL / 1000 + 4321) {
        cs_rp_time_str(t, a);
        bad += cs_rp_time_ms(a, &ms, &canon) != 0 || ms != t || !canon;
    }
    CHECK_INT(bad, 0);
    CHECK(cs_rp_time_ms("2000-02-29T23:59:59.999Z", &ms, &canon) == 0 && canon);
    CHECK(ms == 951868799999LL);
    static const char *const other[] = {
        "2001-02-29T00:00:00.000Z", "1969-12-31T23:59:59.999Z",      "2026-01-01T00:00:60.000Z",
        "2026-01-01T00:00:00Z",     "2026-01-01T01:00:00.000+01:00", "2026-13-01T00:00:00.000Z",
        "2026-01-01T24:00:00.000Z", "2026-01-01T00:00:00.0a0Z",      "2026-01-01",
        "2026-01-01T00:00:00.000z"};
    for (size_t i = 0; i < sizeof(other) / sizeof(*other); i++) {
        int rw = cs_time_parse_iso(other[i], &want);
        int rg = cs_rp_time_ms(other[i], &ms, &canon);
        CHECK_INT(rg, rw);
        CHECK(!canon);
        if (!rw) CHECK(ms == want);
    }
}

int main(void)
{
    A = cs_arena_new(0);
    calls = cs_rp_resource_find("calls");
    if (!A || !calls) return 1;
    TEST_RUN(test_defaults);
    TEST_RUN(test_paging);
    TEST_RUN(test_ranges);
    TEST_RUN(test_lists);
    TEST_RUN(test_unknown_names);
    TEST_RUN(test_sort_and_flags);
    TEST_RUN(test_time_str);
    TEST_RUN(test_time_ms);
    cs_arena_destroy(A);
    return test_done();
}
