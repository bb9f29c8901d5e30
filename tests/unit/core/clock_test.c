/* Time (shared/src/core/clock.c): each ISO style the seeds use, and parsing back. */
#include <string.h>

#include "../../support/test.h"
#include "cs/clock.h"
#include "cs/error.h"

#define T 1692110551123LL /* 2023-08-15T14:42:31.123Z */

static const char *iso(int64_t ms, enum cs_iso_style s)
{
    static char out[CS_ISO_MAX];
    memset(out, 'x', sizeof(out));
    cs_time_iso(ms, s, out);
    return out;
}

static void test_styles(void)
{
    CHECK_STR(iso(T, CS_ISO_NAIVE_US), "2023-08-15T14:42:31.123000");
    CHECK_STR(iso(T, CS_ISO_OFFSET_US), "2023-08-15T14:42:31.123000+00:00");
    CHECK_STR(iso(T, CS_ISO_Z), "2023-08-15T14:42:31Z");
    CHECK_STR(iso(T, CS_ISO_Z_MS), "2023-08-15T14:42:31.123Z");
    CHECK_STR(iso(T, CS_ISO_DATE), "2023-08-15");
    CHECK_STR(iso(0, CS_ISO_Z_MS), "1970-01-01T00:00:00.000Z");
    CHECK_STR(iso(-1, CS_ISO_Z_MS), "1969-12-31T23:59:59.999Z"); /* floors, not truncates */
    CHECK_STR(iso(951782400000LL, CS_ISO_DATE), "2000-02-29");
    CHECK_STR(iso(253402300799999LL, CS_ISO_OFFSET_US), "9999-12-31T23:59:59.999000+00:00");
}

static void test_parse(void)
{
    int64_t ms = 0;
    CHECK_INT(cs_time_parse_iso("2023-08-15T14:42:31.123Z", &ms), CS_OK);
    CHECK_INT(ms, T);
    CHECK_INT(cs_time_parse_iso("2023-08-15T14:42:31.123456", &ms), CS_OK); /* naive is UTC */
    CHECK_INT(ms, T);
    CHECK_INT(cs_time_parse_iso("2023-08-15T14:42:31.123000+00:00", &ms), CS_OK);
    CHECK_INT(ms, T);
    CHECK_INT(cs_time_parse_iso("2023-08-15T16:42:31.123+02:00", &ms), CS_OK);
    CHECK_INT(ms, T);
    CHECK_INT(cs_time_parse_iso("2023-08-15T09:12:31.123-05:30", &ms), CS_OK);
    CHECK_INT(ms, T);
    CHECK_INT(cs_time_parse_iso("2023-08-15 14:42", &ms), CS_OK);
    CHECK_INT(ms, 1692110520000LL);
    CHECK_INT(cs_time_parse_iso("2023-08-15", &ms), CS_OK);
    CHECK_INT(ms, 1692057600000LL);
    CHECK_INT(cs_time_parse_iso("2024-02-29", &ms), CS_OK); /* leap years */
    CHECK_INT(cs_time_parse_iso("2000-02-29", &ms), CS_OK);
    CHECK_INT(ms, 951782400000LL);
    CHECK_INT(cs_time_parse_iso("2023-08-15T14:42:31.1Z", &ms), CS_OK);
    CHECK_INT(ms, T - 23);
    /* Every style round-trips (to its precision). */
    static const enum cs_iso_style styles[] = {CS_ISO_NAIVE_US, CS_ISO_OFFSET_US, CS_ISO_Z,
                                               CS_ISO_Z_MS, CS_ISO_DATE};
    static const int64_t precision[] = {1, 1, 1000, 1, 86400000};
    for (size_t i = 0; i < 5; i++) {
        char buf[CS_ISO_MAX];
        cs_time_iso(T, styles[i], buf);
        REQUIRE(cs_time_parse_iso(buf, &ms) == CS_OK);
        CHECK_INT(ms, T - T % precision[i]);
    }
}

static void test_parse_refuses(void)
{
    static const char *const bad[] = {
        "",
        "2023",
        "2023-08",
        "2023-8-15",
        "2023-08-15T",
        "2023-08-15T14",
        "2023-08-15T14:4",
        "2023-08-15T14:42:3",
        "2023-08-15T14:42:31.",
        "2023-08-15T14:42:31Zjunk",
        "2023-13-01",
        "2023-00-10",
        "2023-01-32",
        "2023-01-00",
        "2023-08-15T24:00",
        "2023-08-15T14:60",
        "2023-08-15T14:42:61",
        "2023-08-15T14:42+0200",
        "2023-08-15T14:42+02",
        "x2023-08-15",
        "2023-08-15 ",
        "2023/08/15",
        "2023-02-29",
        "2023-02-30",
        "2023-04-31",
        "1900-02-29",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ms = 0;
        int rc = cs_time_parse_iso(bad[i], &ms);
        if (rc != CS_ERR_INVALID) fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        CHECK_INT(rc, CS_ERR_INVALID);
    }
}

static void test_clocks_move(void)
{
    int64_t a = cs_now_ms();
    double m1 = cs_mono_ms();
    CHECK(a > 1700000000000LL); /* after 2023 */
    double m2 = cs_mono_ms();
    CHECK(m2 >= m1);
}

int main(void)
{
    TEST_RUN(test_styles);
    TEST_RUN(test_parse);
    TEST_RUN(test_parse_refuses);
    TEST_RUN(test_clocks_move);
    return test_done();
}
