/* libFuzzer target: route matching and path decoding (cs_route_find, cs_url_decode).
 *
 * Input: "METHOD path" (up to the first space), matched against a table with static,
 * one- and two-parameter routes. Beyond "no crash, no leak, no UB": a match has a route
 * of the asked method (or GET for HEAD), non-empty named parameters, and as many '/' as
 * its pattern (a parameter never swallows a raw '/'); a 405 comes with a non-empty Allow
 * list; the decoder never grows its input and always refuses NUL bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/function.h"
#include "cs/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct cs_route routes[] = {
    {"GET", "/health", NULL},
    {"GET", "/api/v1/tickets/metrics", NULL},
    {"GET", "/api/v1/tickets/{id}", NULL},
    {"DELETE", "/api/v1/tickets/{id}", NULL},
    {"POST", "/api/v1/cs/sessions/{session_id}/messages/{message_id}", NULL},
    {"POST", "/api/v1/tickets", NULL},
    {"PUT", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", NULL},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static struct cs_arena *arena;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena) arena = cs_arena_new(16 * 1024 * 1024);
    if (!arena) abort();
    char *in = cs_arena_strndup(arena, (const char *)data, size); /* stops at a NUL */
    char *sp = strchr(in, ' ');
    const char *method = "GET", *path = in;
    if (sp) {
        *sp = '\0';
        method = in;
        path = sp + 1;
    }
    struct cs_route_match m;
    const char *allow = NULL;
    int rc = cs_route_find(routes, NROUTES, method, path, arena, &m, &allow);
    if (rc == 0) {
        if (!m.route || m.n > CS_ROUTE_MAX_PARAMS) abort();
        if (strcmp(m.route->method, method) != 0 &&
            !(strcmp(method, "HEAD") == 0 && strcmp(m.route->method, "GET") == 0))
            abort();
        for (size_t i = 0; i < m.n; i++) {
            if (!m.names[i] || !m.values[i] || !m.values[i][0]) abort();
            if (strstr(m.route->pattern, m.names[i]) == NULL) abort();
        }
        /* Static parts of the pattern appear in the path in order; no raw '/' in a
         * parameter: the number of '/' in path equals the pattern's. */
        size_t sp_path = 0, sp_pat = 0;
        for (const char *p = path; *p; p++) sp_path += *p == '/';
        for (const char *p = m.route->pattern; *p; p++) sp_pat += *p == '/';
        if (sp_path != sp_pat) abort();
    } else if (rc == CS_ERR_METHOD) {
        if (!allow || !allow[0]) abort();
    } else if (rc != CS_ERR_NOT_FOUND) {
        abort();
    }
    /* The decoder alone, on the raw bytes, both ways of reading '+'. */
    for (int plus = 0; plus < 2; plus++) {
        char *d = cs_url_decode(arena, (const char *)data, size, plus);
        if (d && strlen(d) > size) abort();
        if (d && memchr(data, '\0', size)) abort(); /* a NUL byte is always refused */
    }
    cs_arena_reset(arena);
    return 0;
}
