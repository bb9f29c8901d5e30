/* Capped growing buffers (shared/src/base/buf.c): growth across many appends, the cap as a
 * hard limit, and a refused append leaving the buffer as it was. */
#include <string.h>

#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/buf.h"
#include "cs/error.h"

static struct cs_arena *arena;

static void test_empty_and_growth(void)
{
    struct cs_buf b;
    cs_buf_init(&b, arena, 0);
    CHECK_STR(cs_buf_str(&b), "");
    CHECK_INT(b.len, 0);
    for (int i = 0; i < 10000; i++) REQUIRE(cs_buf_printf(&b, "%d,", i % 10) == CS_OK);
    CHECK_INT(b.len, 20000);
    CHECK(b.alloc > b.len);
    CHECK_INT(strlen(cs_buf_str(&b)), 20000);
    CHECK(memcmp(cs_buf_str(&b), "0,1,2,3,4,", 10) == 0);
    CHECK(memcmp(cs_buf_str(&b) + 19980, "0,1,2,3,4,5,6,7,8,9,", 20) == 0);
    cs_arena_reset(arena);
}

static void test_binary_append(void)
{
    struct cs_buf b;
    cs_buf_init(&b, arena, 64);
    CHECK_INT(cs_buf_append(&b, "a\0b", 3), CS_OK);
    CHECK_INT(b.len, 3);
    CHECK(memcmp(b.data, "a\0b", 4) == 0); /* NUL-terminated after the bytes */
    CHECK_INT(cs_buf_append(&b, NULL, 0), CS_OK);
    CHECK_INT(b.len, 3);
    CHECK_INT(cs_buf_puts(&b, "cd"), CS_OK);
    CHECK_INT(b.len, 5);
    CHECK(memcmp(b.data, "a\0bcd", 6) == 0);
    cs_arena_reset(arena);
}

static void test_cap_refuses_and_keeps(void)
{
    struct cs_buf b;
    cs_buf_init(&b, arena, 10);
    CHECK_INT(cs_buf_puts(&b, "0123456789"), CS_OK); /* exactly the cap */
    CHECK_INT(cs_buf_puts(&b, "x"), CS_ERR_TOO_LARGE);
    CHECK_INT(cs_buf_printf(&b, "%d", 7), CS_ERR_TOO_LARGE);
    CHECK_INT(b.len, 10);
    CHECK_STR(cs_buf_str(&b), "0123456789");

    cs_buf_init(&b, arena, 10);
    CHECK_INT(cs_buf_puts(&b, "abcdef"), CS_OK);
    CHECK_INT(cs_buf_printf(&b, "%s", "ghijk"), CS_ERR_TOO_LARGE); /* 11 > 10 */
    CHECK_INT(cs_buf_append(&b, "ghijk", 5), CS_ERR_TOO_LARGE);
    CHECK_STR(cs_buf_str(&b), "abcdef");
    CHECK_INT(cs_buf_append(&b, "x", (size_t)-1), CS_ERR_TOO_LARGE); /* no wrap */
    CHECK_INT(cs_buf_append(&b, "ghij", 4), CS_OK);
    CHECK_STR(cs_buf_str(&b), "abcdefghij");
    cs_arena_reset(arena);
}

static void test_nomem_keeps(void)
{
    struct cs_buf b;
    cs_buf_init(&b, arena, 0);
    CHECK_INT(cs_buf_puts(&b, "hello"), CS_OK); /* first 256-byte chunk */
    cs_arena_fail_after(arena, 1);
    char big[600];
    memset(big, 'q', sizeof(big));
    CHECK_INT(cs_buf_append(&b, big, sizeof(big)), CS_ERR_NOMEM);
    CHECK_STR(cs_buf_str(&b), "hello");
    CHECK_INT(cs_buf_puts(&b, " you"), CS_OK); /* fits without allocating */
    CHECK_STR(cs_buf_str(&b), "hello you");
    cs_arena_fail_after(arena, 0);
    CHECK_INT(cs_buf_append(&b, big, sizeof(big)), CS_OK);
    CHECK_INT(b.len, 609);
    cs_arena_reset(arena);
}

static void test_arena_cap_below_buf_cap(void)
{
    /* The arena's own cap is a second limit: NOMEM, not a crash. */
    struct cs_arena *small = cs_arena_new(4096);
    REQUIRE(small != NULL);
    struct cs_buf b;
    cs_buf_init(&b, small, 0);
    int rc = CS_OK;
    for (int i = 0; i < 1000 && rc == CS_OK; i++) rc = cs_buf_puts(&b, "0123456789");
    CHECK_INT(rc, CS_ERR_NOMEM);
    CHECK(b.len < 4096 && b.len % 10 == 0);
    CHECK_INT(strlen(cs_buf_str(&b)), b.len);
    cs_arena_destroy(small);
}

int main(void)
{
    arena = cs_arena_new(0);
    if (!arena) return 1;
    TEST_RUN(test_empty_and_growth);
    TEST_RUN(test_binary_append);
    TEST_RUN(test_cap_refuses_and_keeps);
    TEST_RUN(test_nomem_keeps);
    TEST_RUN(test_arena_cap_below_buf_cap);
    cs_arena_destroy(arena);
    return test_done();
}
