/* Per-request memory: a bump allocator with a hard cap and cleanup hooks.
 *
 * Everything a request needs comes from its arena; the transport resets the arena
 * after each response, which also runs the registered cleanup hooks (json-c objects,
 * sqlite statements, curl handles), so a warm process cannot leak across requests.
 * Allocation failure (out of memory, cap reached, or an injected fault) returns NULL;
 * callers turn that into CS_ERR_NOMEM.
 */
#ifndef CS_ARENA_H
#define CS_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct cs_arena;

/* New arena that never holds more than `cap` bytes of allocations (0: 64 MiB).
 * Returns NULL on out of memory. Free with cs_arena_destroy. */
struct cs_arena *cs_arena_new(size_t cap);
/* Runs the cleanup hooks and frees every block. NULL is a no-op. */
void cs_arena_destroy(struct cs_arena *a);
/* Runs the cleanup hooks (last registered first) and forgets every allocation; the
 * first block is kept for the next request. */
void cs_arena_reset(struct cs_arena *a);

/* `n` zeroed bytes aligned for any type, valid until the next reset; NULL on failure. */
void *cs_arena_alloc(struct cs_arena *a, size_t n);
/* Copies of strings into the arena; NULL on failure (or when `s` is NULL). */
char *cs_arena_strdup(struct cs_arena *a, const char *s);
char *cs_arena_strndup(struct cs_arena *a, const char *s, size_t n);
char *cs_arena_printf(struct cs_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *cs_arena_vprintf(struct cs_arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Registers fn(arg) to run at the next reset or destroy. Returns 0, or CS_ERR_NOMEM
 * (in which case fn(arg) has already been run, so the caller never leaks). */
int cs_arena_defer(struct cs_arena *a, void (*fn)(void *), void *arg)
    __attribute__((warn_unused_result));

/* Bytes handed out since the last reset. */
size_t cs_arena_used(const struct cs_arena *a);

/* Fault injection for tests: the `n`th allocation from now (1 = the next) and every
 * one after it fails until cs_arena_fail_after(a, 0). */
void cs_arena_fail_after(struct cs_arena *a, unsigned n);

#endif
