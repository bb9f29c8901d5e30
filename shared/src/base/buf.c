#include "cs/buf.h"

#include <stdio.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/error.h"

#define BUF_DEFAULT_CAP ((size_t)16 * 1024 * 1024)

void cs_buf_init(struct cs_buf *b, struct cs_arena *a, size_t cap)
{
    b->arena = a;
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap ? cap : BUF_DEFAULT_CAP;
}

static int buf_reserve(struct cs_buf *b, size_t extra)
{
    if (extra > b->cap || b->len > b->cap - extra) return CS_ERR_TOO_LARGE;
    size_t need = b->len + extra + 1;
    if (need <= b->alloc) return CS_OK;
    size_t n = b->alloc ? b->alloc * 2 : 256;
    while (n < need) n *= 2;
    if (n > b->cap + 1) n = b->cap + 1;
    /* The arena never frees single blocks; doubling keeps the waste below half. */
    char *p = cs_arena_alloc(b->arena, n);
    if (!p) return CS_ERR_NOMEM;
    if (b->len) memcpy(p, b->data, b->len);
    p[b->len] = '\0';
    b->data = p;
    b->alloc = n;
    return CS_OK;
}

int cs_buf_append(struct cs_buf *b, const void *p, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc) return rc;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CS_OK;
}

int cs_buf_puts(struct cs_buf *b, const char *s) { return cs_buf_append(b, s, strlen(s)); }

int cs_buf_printf(struct cs_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return CS_ERR_INVALID;
    int rc = buf_reserve(b, (size_t)n);
    if (rc) return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return CS_OK;
}

const char *cs_buf_str(struct cs_buf *b) { return b->data ? b->data : ""; }
