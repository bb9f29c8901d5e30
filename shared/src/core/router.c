#include "cs/router.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/function.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes n bytes into out (n + 1 bytes); false on a bad escape or a NUL byte. */
static bool decode_into(char *out, const char *s, size_t n, bool plus_is_space)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n) return false;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0) return false;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0') return false; /* an embedded NUL would truncate silently later */
        out[j++] = c;
    }
    out[j] = '\0';
    return true;
}

char *cs_url_decode(struct cs_arena *a, const char *s, size_t n, bool plus_is_space)
{
    char *out = cs_arena_alloc(a, n + 1);
    return out && decode_into(out, s, n, plus_is_space) ? out : NULL;
}

/* Walks pattern and path segment by segment; `{x}` takes one non-empty segment.
 * *nomem tells an allocation failure apart from a mismatch, so that the caller answers
 * 500 rather than a misleading 404. */
static bool match(const struct cs_route *r, const char *path, struct cs_arena *a,
                  struct cs_route_match *m, bool *nomem)
{
    const char *p = r->pattern, *s = path;
    m->n = 0;
    m->route = r;
    while (*p && *s) {
        if (*p == '{') {
            const char *pend = strchr(p, '}');
            if (!pend || m->n >= CS_ROUTE_MAX_PARAMS) return false;
            size_t seg = strcspn(s, "/");
            if (seg == 0) return false;
            char *name = cs_arena_strndup(a, p + 1, (size_t)(pend - p - 1));
            char *value = cs_arena_alloc(a, seg + 1);
            if (!name || !value) {
                *nomem = true;
                return false;
            }
            if (!decode_into(value, s, seg, false)) return false;
            m->names[m->n] = name;
            m->values[m->n] = value;
            m->n++;
            p = pend + 1;
            s += seg;
            continue;
        }
        if (*p != *s) return false;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

bool cs_route_match_one(const struct cs_route *r, const char *path, struct cs_arena *a,
                        struct cs_route_match *m)
{
    bool nomem = false;
    return match(r, path, a, m, &nomem);
}

/* True when `method` is already in the ", "-separated list. */
static bool listed(const char *list, const char *method, size_t ml)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == ml && strncmp(p, method, ml) == 0) return true;
        p += n;
        while (*p == ',' || *p == ' ') p++;
    }
    return false;
}

int cs_route_find(const struct cs_route *routes, size_t n, const char *method, const char *path,
                  struct cs_arena *a, struct cs_route_match *m, const char **allow)
{
    char methods[128];
    size_t mlen = 0;
    methods[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        struct cs_route_match tmp;
        bool nomem = false;
        if (!match(&routes[i], path, a, &tmp, &nomem)) {
            if (nomem) return CS_ERR_NOMEM;
            continue;
        }
        if (strcmp(routes[i].method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
            *m = tmp;
            return 0;
        }
        size_t ml = strlen(routes[i].method);
        if (listed(methods, routes[i].method, ml)) continue; /* a static and a {param} route */
        if (mlen + ml + 3 < sizeof(methods)) {
            if (mlen) {
                memcpy(methods + mlen, ", ", 2);
                mlen += 2;
            }
            memcpy(methods + mlen, routes[i].method, ml);
            mlen += ml;
            methods[mlen] = '\0';
        }
    }
    if (mlen == 0) return CS_ERR_NOT_FOUND;
    if (allow) {
        *allow = cs_arena_strdup(a, methods);
        if (!*allow) return CS_ERR_NOMEM;
    }
    return CS_ERR_METHOD;
}
