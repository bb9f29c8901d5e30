/* The project's test harness: a header, not a framework.
 *
 * Why hand-written: build.sh test runs unit, end-to-end, Lambda-loop and fuzz steps as
 * separate programs and must add them up into one closing "N passed, N failed" line;
 * each program prints one "ok"/"not ok"/"skip" line per test and a closing tally that
 * build.sh sums. Leak checking comes from LeakSanitizer (every test binary is built with
 * ASan+UBSan), which sees json-c and SQLite allocations that a test allocator would not.
 *
 * Use:
 *   static void test_thing(void) { CHECK(x == 1); CHECK_STR(s, "a"); }
 *   int main(void) { TEST_RUN(test_thing); return test_done(); }
 * A test that cannot run here calls TEST_SKIP("why") and returns.
 */
#ifndef CS_TEST_H
#define CS_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed_, test_failed_, test_skipped_;
static int test_cur_failed_, test_cur_skipped_;
static const char *test_skip_why_;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);             \
            test_cur_failed_ = 1;                                                                  \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_,    \
                    b_);                                                                           \
            test_cur_failed_ = 1;                                                                  \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                   \
            fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,    \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                       \
            test_cur_failed_ = 1;                                                                  \
        }                                                                                          \
    } while (0)

#define CHECK_NEAR(a, b, eps)                                                                      \
    do {                                                                                           \
        double a_ = (double)(a), b_ = (double)(b);                                                 \
        if (!(fabs(a_ - b_) <= (eps))) {                                                           \
            fprintf(stderr, "  %s:%d: %s == %g, expected %g\n", __FILE__, __LINE__, #a, a_, b_);   \
            test_cur_failed_ = 1;                                                                  \
        }                                                                                          \
    } while (0)

/* Stops the current test when a precondition for the rest of it fails. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        CHECK(cond);                                                                               \
        if (test_cur_failed_) return;                                                              \
    } while (0)

#define TEST_SKIP(why)                                                                             \
    do {                                                                                           \
        test_cur_skipped_ = 1;                                                                     \
        test_skip_why_ = (why);                                                                    \
        return;                                                                                    \
    } while (0)

static inline void test_run_(const char *name, void (*fn)(void))
{
    test_cur_failed_ = 0;
    test_cur_skipped_ = 0;
    fn();
    if (test_cur_skipped_ && !test_cur_failed_) {
        test_skipped_++;
        printf("skip - %s: %s\n", name, test_skip_why_ ? test_skip_why_ : "");
    } else if (test_cur_failed_) {
        test_failed_++;
        printf("not ok - %s\n", name);
    } else {
        test_passed_++;
        printf("ok - %s\n", name);
    }
    fflush(stdout);
}

#define TEST_RUN(fn) test_run_(#fn, fn)

static inline int test_done(void)
{
    printf("tally: %d passed, %d failed, %d skipped\n", test_passed_, test_failed_, test_skipped_);
    return test_failed_ ? 1 : 0;
}

#endif
