#include "cs/progress.h"

#include <stdlib.h>
#include <string.h>

#include "../../support/test.h"

/* The injected clock: seconds the test sets. */
static double fake_now;
static double fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

static void test_rate_and_eta(void)
{
    struct cs_progress p;
    char line[CS_PROGRESS_LINE];
    fake_now = 100.0;
    cs_progress_start_ex(&p, "import", "calls", 1000000, NULL, false, fake_clock, NULL);
    fake_now = 110.0;
    cs_progress_set(&p, 250000); /* 25,000/s; 750,000 left: 30 s */
    cs_progress_format(&p, fake_now, line, sizeof(line));
    CHECK_STR(line, "import  250,000/1,000,000 calls  25.0%  25,000/s  ETA 0:30");
    fake_now = 4100.0; /* 4,000 s for 250,000: 62.5/s, 750,000 left: 12,000 s */
    cs_progress_format(&p, fake_now, line, sizeof(line));
    CHECK_STR(line, "import  250,000/1,000,000 calls  25.0%  63/s  ETA 3:20:00");
    p.done = 1000000; /* finished: the time it took instead of an ETA */
    cs_progress_format(&p, 140.0, line, sizeof(line));
    CHECK_STR(line, "import  1,000,000/1,000,000 calls  100.0%  25,000/s  took 0:40");
}

static void test_unknown_total_and_zero_elapsed(void)
{
    struct cs_progress p;
    char line[CS_PROGRESS_LINE];
    fake_now = 5.0;
    cs_progress_start_ex(&p, "train", "rows", 0, NULL, false, fake_clock, NULL);
    cs_progress_format(&p, 5.0, line, sizeof(line));
    CHECK_STR(line, "train  0 rows  0/s  0:00");
    p.done = 1234;
    cs_progress_format(&p, 7.0, line, sizeof(line));
    CHECK_STR(line, "train  1,234 rows  617/s  0:02");
    p.total = 10000;
    p.done = 0; /* no rate yet: no ETA to give */
    cs_progress_format(&p, 7.0, line, sizeof(line));
    CHECK_STR(line, "train  0/10,000 rows  0.0%  0/s  ETA ?");
}

static void test_truncates_to_buffer(void)
{
    struct cs_progress p;
    char line[12];
    fake_now = 0;
    cs_progress_start_ex(&p, "a-long-label", "x", 10, NULL, false, fake_clock, NULL);
    CHECK_INT(cs_progress_format(&p, 1.0, line, sizeof(line)), 11);
    CHECK_STR(line, "a-long-labe");
}

/* Redrawn in place at most every CS_PROGRESS_INTERVAL; nothing at all when disabled. */
static void test_throttled_drawing(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    REQUIRE(f != NULL);
    struct cs_progress p;
    fake_now = 0;
    cs_progress_start_ex(&p, "gen", "calls", 100, f, true, fake_clock, NULL);
    fake_now = 0.1;
    cs_progress_set(&p, 10); /* too soon: not drawn */
    fake_now = 0.5;
    cs_progress_set(&p, 50); /* drawn */
    fake_now = 0.6;
    cs_progress_add(&p, 10); /* too soon */
    fake_now = 1.0;
    cs_progress_finish(&p);
    fflush(f);
    CHECK_STR(buf, "\rgen  50/100 calls  50.0%  100/s  ETA 0:01\033[K"
                   "\rgen  60/100 calls  60.0%  60/s  ETA 0:01\033[K\n");
    fclose(f);
    free(buf);

    buf = NULL;
    f = open_memstream(&buf, &len);
    REQUIRE(f != NULL);
    cs_progress_start_ex(&p, "gen", "calls", 100, f, false, fake_clock, NULL);
    fake_now = 10;
    cs_progress_set(&p, 50);
    cs_progress_finish(&p);
    fflush(f);
    CHECK_INT(len, 0);
    fclose(f);
    free(buf);
}

int main(void)
{
    TEST_RUN(test_rate_and_eta);
    TEST_RUN(test_unknown_total_and_zero_elapsed);
    TEST_RUN(test_truncates_to_buffer);
    TEST_RUN(test_throttled_drawing);
    return test_done();
}
