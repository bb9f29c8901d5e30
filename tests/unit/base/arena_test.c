/* The per-request arena (shared/src/base/arena.c): alignment, the hard cap, reset keeping its
 * first block, cleanup hooks in reverse order, and injected allocation faults. */
#include <stdint.h>
#include <string.h>

#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/error.h"

static void test_alignment_and_zeroing(void)
{
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a != NULL);
    static const size_t sizes[] = {1, 3, 7, 8, 15, 16, 17, 31, 100, 4095, 70000, 1};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *p = cs_arena_alloc(a, sizes[i]);
        REQUIRE(p != NULL);
        CHECK_INT((uintptr_t)p % 16, 0);
        size_t nonzero = 0;
        for (size_t k = 0; k < sizes[i]; k++) nonzero += p[k] != 0;
        CHECK_INT(nonzero, 0);
        memset(p, 0xAB, sizes[i]); /* dirty it, so a reused block must be zeroed again */
    }
    cs_arena_reset(a);
    unsigned char *p = cs_arena_alloc(a, 64);
    REQUIRE(p != NULL);
    CHECK(p[0] == 0 && p[63] == 0);
    CHECK_INT(cs_arena_used(a), 64);
    cs_arena_destroy(a);
}

static void test_strings(void)
{
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a != NULL);
    CHECK_STR(cs_arena_strdup(a, "hello"), "hello");
    CHECK_STR(cs_arena_strndup(a, "hello world", 5), "hello");
    CHECK(cs_arena_strdup(a, NULL) == NULL);
    CHECK_STR(cs_arena_printf(a, "%s-%d-%.2f", "x", 42, 1.5), "x-42-1.50");
    char big[5000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    const char *s = cs_arena_printf(a, "<%s>", big);
    CHECK(s && strlen(s) == sizeof(big) + 1 && s[0] == '<' && s[sizeof(big)] == '>');
    cs_arena_destroy(a);
}

static void test_cap_enforced(void)
{
    struct cs_arena *a = cs_arena_new(4096);
    REQUIRE(a != NULL);
    CHECK(cs_arena_alloc(a, 4096) != NULL); /* exactly the cap fits */
    CHECK(cs_arena_alloc(a, 1) == NULL);    /* one more byte does not */
    cs_arena_reset(a);
    CHECK(cs_arena_alloc(a, 4097) == NULL);
    CHECK(cs_arena_alloc(a, SIZE_MAX) == NULL); /* the rounding must not wrap */
    CHECK(cs_arena_alloc(a, SIZE_MAX - 8) == NULL);
    CHECK(cs_arena_alloc(a, 2000) != NULL);
    CHECK(cs_arena_alloc(a, 2000) != NULL);
    CHECK(cs_arena_alloc(a, 200) == NULL); /* 2000 rounds to 2000, 2x = 4000, 200 -> 208 */
    CHECK(cs_arena_alloc(a, 96) != NULL);
    CHECK_INT(cs_arena_used(a), 4096);
    CHECK(cs_arena_printf(a, "%s", "x") == NULL);
    cs_arena_destroy(a);
}

static void test_reset_keeps_first_block(void)
{
    /* A large allocation chains extra blocks; reset frees them and keeps one block as
     * large as everything used, so the same large request after a reset fits in it and
     * costs no malloc: from the second round on, the first allocation's address after
     * every reset stays the same. */
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a != NULL);
    void *first = NULL;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 40; i++) CHECK(cs_arena_alloc(a, 100000) != NULL);
        CHECK(cs_arena_used(a) >= 4000000);
        cs_arena_reset(a);
        CHECK_INT(cs_arena_used(a), 0);
        void *p = cs_arena_alloc(a, 32);
        CHECK(p != NULL);
        if (round == 0)
            first = p;
        else
            CHECK(p == first);
        cs_arena_reset(a);
    }
    cs_arena_destroy(a);
    cs_arena_destroy(NULL);
    cs_arena_reset(NULL);
}

static int order[8];
static int norder;
static void note(void *arg) { order[norder++] = (int)(intptr_t)arg; }

static void test_hooks_last_first(void)
{
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a != NULL);
    norder = 0;
    for (intptr_t i = 1; i <= 4; i++) CHECK_INT(cs_arena_defer(a, note, (void *)i), CS_OK);
    CHECK_INT(norder, 0);
    cs_arena_reset(a);
    CHECK_INT(norder, 4);
    CHECK(order[0] == 4 && order[1] == 3 && order[2] == 2 && order[3] == 1);
    cs_arena_reset(a); /* hooks run once */
    CHECK_INT(norder, 4);
    /* destroy runs pending hooks too */
    norder = 0;
    CHECK_INT(cs_arena_defer(a, note, (void *)(intptr_t)7), CS_OK);
    cs_arena_destroy(a);
    CHECK_INT(norder, 1);
    CHECK_INT(order[0], 7);
}

static int hook_runs;
static void count_run(void *arg)
{
    (void)arg;
    hook_runs++;
}

static void test_many_hooks_all_run(void)
{
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a != NULL);
    hook_runs = 0;
    for (int i = 0; i < 1000; i++) CHECK_INT(cs_arena_defer(a, count_run, NULL), CS_OK);
    cs_arena_destroy(a);
    CHECK_INT(hook_runs, 1000);
}

static void test_fail_after(void)
{
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a != NULL);
    cs_arena_fail_after(a, 3);
    CHECK(cs_arena_alloc(a, 8) != NULL);
    CHECK(cs_arena_strdup(a, "x") != NULL);
    CHECK(cs_arena_alloc(a, 8) == NULL); /* the third fails */
    CHECK(cs_arena_alloc(a, 8) == NULL); /* and every one after it */
    CHECK(cs_arena_printf(a, "%d", 1) == NULL);
    cs_arena_reset(a); /* reset does not clear the fault: tests fail whole requests */
    CHECK(cs_arena_alloc(a, 8) == NULL);
    cs_arena_fail_after(a, 0);
    CHECK(cs_arena_alloc(a, 8) != NULL);
    cs_arena_fail_after(a, 1);
    CHECK(cs_arena_alloc(a, 1) == NULL);
    cs_arena_fail_after(a, 0);
    cs_arena_destroy(a);
}

static void test_cap_default(void)
{
    struct cs_arena *a = cs_arena_new(0); /* 64 MiB */
    REQUIRE(a != NULL);
    CHECK(cs_arena_alloc(a, (size_t)32 << 20) != NULL);
    CHECK(cs_arena_alloc(a, (size_t)33 << 20) == NULL);
    cs_arena_destroy(a);
}

int main(void)
{
    TEST_RUN(test_alignment_and_zeroing);
    TEST_RUN(test_strings);
    TEST_RUN(test_cap_enforced);
    TEST_RUN(test_reset_keeps_first_block);
    TEST_RUN(test_hooks_last_first);
    TEST_RUN(test_many_hooks_all_run);
    TEST_RUN(test_fail_after);
    TEST_RUN(test_cap_default);
    return test_done();
}
