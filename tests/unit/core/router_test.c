/* Route matching (shared/src/core/router.c): static and {param} segments, parameters
 * decoded, 404 versus 405 with its Allow list, trailing slashes and percent-encoding. */
#include <string.h>

#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/error.h"
#include "cs/function.h"
#include "cs/router.h"

static struct cs_arena *arena;

static const struct cs_route routes[] = {
    {"GET", "/api/v1/tickets/metrics", NULL},
    {"GET", "/api/v1/tickets/{id}", NULL},
    {"DELETE", "/api/v1/tickets/{id}", NULL},
    {"POST", "/api/v1/tickets/{id}/notes/{note_id}", NULL},
    {"POST", "/api/v1/tickets", NULL},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static int find(const char *method, const char *path, struct cs_route_match *m, const char **allow)
{
    *allow = NULL;
    memset(m, 0, sizeof(*m));
    return cs_route_find(routes, NROUTES, method, path, arena, m, allow);
}

static void test_static_and_params(void)
{
    struct cs_route_match m;
    const char *allow;
    /* The static route is declared first, so it wins over {id}. */
    REQUIRE(find("GET", "/api/v1/tickets/metrics", &m, &allow) == CS_OK);
    CHECK(m.route == &routes[0]);
    CHECK_INT(m.n, 0);
    REQUIRE(find("GET", "/api/v1/tickets/TKT-1", &m, &allow) == CS_OK);
    CHECK(m.route == &routes[1]);
    CHECK_INT(m.n, 1);
    CHECK_STR(m.names[0], "id");
    CHECK_STR(m.values[0], "TKT-1");
    REQUIRE(find("POST", "/api/v1/tickets/T9/notes/n-3", &m, &allow) == CS_OK);
    CHECK(m.route == &routes[3]);
    CHECK_INT(m.n, 2);
    CHECK_STR(m.names[0], "id");
    CHECK_STR(m.values[0], "T9");
    CHECK_STR(m.names[1], "note_id");
    CHECK_STR(m.values[1], "n-3");
    REQUIRE(find("POST", "/api/v1/tickets", &m, &allow) == CS_OK);
    CHECK(m.route == &routes[4]);
    REQUIRE(find("HEAD", "/api/v1/tickets/metrics", &m, &allow) == CS_OK); /* HEAD is GET */
    CHECK(m.route == &routes[0]);
    cs_arena_reset(arena);
}

static void test_404_and_405(void)
{
    struct cs_route_match m;
    const char *allow;
    CHECK_INT(find("GET", "/api/v1/nothing", &m, &allow), CS_ERR_NOT_FOUND);
    CHECK(allow == NULL);
    CHECK_INT(find("GET", "/", &m, &allow), CS_ERR_NOT_FOUND);
    CHECK_INT(find("GET", "", &m, &allow), CS_ERR_NOT_FOUND);
    CHECK_INT(find("GET", "/api/v1/tickets/T9/notes", &m, &allow), CS_ERR_NOT_FOUND);
    CHECK_INT(find("PUT", "/api/v1/tickets/T9", &m, &allow), CS_ERR_METHOD);
    CHECK_STR(allow, "GET, DELETE");
    CHECK_INT(find("GET", "/api/v1/tickets", &m, &allow), CS_ERR_METHOD);
    CHECK_STR(allow, "POST");
    /* "metrics" matches the static GET and the {id} GET and DELETE routes: each method
     * is listed once. */
    CHECK_INT(find("POST", "/api/v1/tickets/metrics", &m, &allow), CS_ERR_METHOD);
    CHECK_STR(allow, "GET, DELETE");
    CHECK_INT(find("get", "/api/v1/tickets", &m, &allow), CS_ERR_METHOD); /* methods are exact */
    cs_arena_reset(arena);
}

static void test_trailing_slash_and_empty_segments(void)
{
    struct cs_route_match m;
    const char *allow;
    CHECK_INT(find("GET", "/api/v1/tickets/metrics/", &m, &allow), CS_ERR_NOT_FOUND);
    CHECK_INT(find("POST", "/api/v1/tickets/", &m, &allow),
              CS_ERR_NOT_FOUND); /* {id} never empty */
    CHECK_INT(find("GET", "/api/v1/tickets//", &m, &allow), CS_ERR_NOT_FOUND);
    CHECK_INT(find("GET", "/api/v1/tickets/a/", &m, &allow), CS_ERR_NOT_FOUND);
    CHECK_INT(find("GET", "//api/v1/tickets/a", &m, &allow), CS_ERR_NOT_FOUND);
    CHECK_INT(find("POST", "/api/v1/tickets/a/notes//", &m, &allow), CS_ERR_NOT_FOUND);
    cs_arena_reset(arena);
}

static void test_percent_encoding(void)
{
    struct cs_route_match m;
    const char *allow;
    REQUIRE(find("GET", "/api/v1/tickets/a%20b%2Fc+d%C3%A9", &m, &allow) == CS_OK);
    CHECK_STR(m.values[0], "a b/c+d\xc3\xa9"); /* '+' is literal in a path */
    REQUIRE(find("GET", "/api/v1/tickets/%41", &m, &allow) == CS_OK);
    CHECK_STR(m.values[0], "A");
    /* Bad escapes and NUL bytes never reach a handler. */
    CHECK_INT(find("GET", "/api/v1/tickets/%zz", &m, &allow), CS_ERR_NOT_FOUND);
    CHECK_INT(find("GET", "/api/v1/tickets/abc%4", &m, &allow), CS_ERR_NOT_FOUND);
    CHECK_INT(find("GET", "/api/v1/tickets/%", &m, &allow), CS_ERR_NOT_FOUND);
    CHECK_INT(find("GET", "/api/v1/tickets/a%00b", &m, &allow), CS_ERR_NOT_FOUND);
    /* Static segments compare raw: the path is not decoded before matching. */
    CHECK_INT(find("GET", "/api/v1/tickets/metric%73", &m, &allow), CS_OK);
    CHECK(m.route == &routes[1]);
    CHECK_STR(m.values[0], "metrics");
    CHECK_INT(find("POST", "/api/v1/ticket%73", &m, &allow), CS_ERR_NOT_FOUND);
    cs_arena_reset(arena);
}

static void test_url_decode(void)
{
    CHECK_STR(cs_url_decode(arena, "a+b%2B%41", 9, true), "a b+A");
    CHECK_STR(cs_url_decode(arena, "a+b", 3, false), "a+b");
    CHECK_STR(cs_url_decode(arena, "", 0, true), "");
    CHECK_STR(cs_url_decode(arena, "abcdef", 3, true), "abc"); /* only n bytes */
    CHECK(cs_url_decode(arena, "%0", 2, true) == NULL);
    CHECK(cs_url_decode(arena, "%g0", 3, true) == NULL);
    CHECK(cs_url_decode(arena, "%00", 3, true) == NULL);
    CHECK_STR(cs_url_decode(arena, "%e2%82%ac", 9, true), "\xe2\x82\xac");
    cs_arena_reset(arena);
}

static void test_too_many_params(void)
{
    static const struct cs_route r = {"GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", NULL};
    struct cs_route_match m;
    CHECK(!cs_route_match_one(&r, "/1/2/3/4/5/6/7/8/9", arena, &m));
    static const struct cs_route r8 = {"GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", NULL};
    CHECK(cs_route_match_one(&r8, "/1/2/3/4/5/6/7/8", arena, &m));
    CHECK_INT(m.n, 8);
    CHECK_STR(m.values[7], "8");
    cs_arena_reset(arena);
}

static void test_nomem_is_not_404(void)
{
    /* A failed allocation while extracting a parameter is a 500, not a 404. */
    struct cs_route_match m;
    const char *allow;
    cs_arena_fail_after(arena, 1);
    CHECK_INT(find("GET", "/api/v1/tickets/T1", &m, &allow), CS_ERR_NOMEM);
    CHECK_INT(find("GET", "/api/v1/tickets/metrics", &m, &allow), CS_OK); /* no allocation */
    cs_arena_fail_after(arena, 0);
    cs_arena_reset(arena);
}

int main(void)
{
    arena = cs_arena_new(0);
    if (!arena) return 1;
    TEST_RUN(test_static_and_params);
    TEST_RUN(test_404_and_405);
    TEST_RUN(test_trailing_slash_and_empty_segments);
    TEST_RUN(test_percent_encoding);
    TEST_RUN(test_url_decode);
    TEST_RUN(test_too_many_params);
    TEST_RUN(test_nomem_is_not_404);
    cs_arena_destroy(arena);
    return test_done();
}
