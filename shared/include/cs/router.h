/* Route matching with `{name}` path parameters. */
#ifndef CS_ROUTER_H
#define CS_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "cs/error.h"

struct cs_arena;
struct cs_route;

#define CS_ROUTE_MAX_PARAMS 8

struct cs_route_match {
    const struct cs_route *route;
    const char *names[CS_ROUTE_MAX_PARAMS];
    const char *values[CS_ROUTE_MAX_PARAMS]; /* percent-decoded, in the arena */
    size_t n;
};

/* Matches `path` (no query) against one pattern. True on match; values are decoded
 * into `a`. A parameter never matches an empty segment or one containing '/'. */
bool cs_route_match_one(const struct cs_route *r, const char *path, struct cs_arena *a,
                        struct cs_route_match *m);

/* Finds the route for method+path among `routes`. Returns 0 with `m` filled,
 * CS_ERR_METHOD when the path matches only under other methods (and `allow` gets
 * "GET, POST" in the arena), CS_ERR_NOT_FOUND when no pattern matches, or CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_route_find(const struct cs_route *routes, size_t n, const char *method,
                                const char *path, struct cs_arena *a, struct cs_route_match *m,
                                const char **allow);

/* Percent-decodes `n` bytes into the arena; NULL on invalid escapes or NUL bytes. */
char *cs_url_decode(struct cs_arena *a, const char *s, size_t n, bool plus_is_space);

#endif
