/* A growing byte buffer with a hard cap, allocated from an arena.
 *
 * Used to build response bodies and outgoing requests. Appends that would pass the
 * cap, or that cannot get memory, fail with CS_ERR_TOO_LARGE / CS_ERR_NOMEM and leave
 * the buffer as it was, so a caller may report the error and keep what it has.
 */
#ifndef CS_BUF_H
#define CS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct cs_arena;

struct cs_buf {
    struct cs_arena *arena;
    char *data; /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t alloc;
    size_t cap;
};

/* Caller storage; `cap` of 0 means 16 MiB. */
void cs_buf_init(struct cs_buf *b, struct cs_arena *a, size_t cap);
int cs_buf_append(struct cs_buf *b, const void *p, size_t n) __attribute__((warn_unused_result));
int cs_buf_puts(struct cs_buf *b, const char *s) __attribute__((warn_unused_result));
int cs_buf_printf(struct cs_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));
/* The contents as a NUL-terminated string ("" when empty); owned by the arena. */
const char *cs_buf_str(struct cs_buf *b);

#endif
