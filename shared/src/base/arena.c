#include "cs/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/error.h"

#define ARENA_BLOCK_MIN (64u * 1024u)
#define ARENA_DEFAULT_CAP ((size_t)64 * 1024 * 1024)
#define ARENA_ALIGN 16u

struct block {
    struct block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(16) unsigned char data[];
};

struct hook {
    void (*fn)(void *);
    void *arg;
};

struct cs_arena {
    struct block *head; /* current block first; the last in the chain is the keeper */
    size_t cap;
    size_t used;
    struct hook *hooks;
    size_t nhooks, hooks_alloc;
    unsigned fail_countdown; /* 0: no fault injection */
    int failing;
};

static struct block *block_new(size_t size)
{
    struct block *b = malloc(sizeof(*b) + size);
    if (!b) return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

struct cs_arena *cs_arena_new(size_t cap)
{
    struct cs_arena *a = calloc(1, sizeof(*a));
    if (!a) return NULL;
    a->cap = cap ? cap : ARENA_DEFAULT_CAP;
    a->head = block_new(ARENA_BLOCK_MIN);
    if (!a->head) {
        free(a);
        return NULL;
    }
    return a;
}

static void run_hooks(struct cs_arena *a)
{
    /* Last registered first, so an object is released before what it depends on. */
    while (a->nhooks > 0) {
        struct hook h = a->hooks[--a->nhooks];
        h.fn(h.arg);
    }
}

/* A request that outgrew the first block would malloc (and, past glibc's mmap threshold,
 * map, fault in and unmap) the same extra blocks on every reuse of the arena; reset
 * keeps one block as large as everything used, up to this, so the next such request
 * allocates nothing. */
#define ARENA_RETAIN_MAX ((size_t)8 * 1024 * 1024)

void cs_arena_reset(struct cs_arena *a)
{
    if (!a) return;
    run_hooks(a);
    size_t total = a->head->size;
    while (a->head->next) {
        struct block *b = a->head;
        a->head = b->next;
        total += a->head->size;
        free(b);
    }
    if (total > a->head->size && total <= ARENA_RETAIN_MAX) {
        struct block *big = block_new(total);
        if (big) {
            free(a->head);
            a->head = big;
        }
    }
    a->head->used = 0;
    a->used = 0;
}

void cs_arena_destroy(struct cs_arena *a)
{
    if (!a) return;
    cs_arena_reset(a);
    free(a->head);
    free(a->hooks);
    free(a);
}

static int injected_failure(struct cs_arena *a)
{
    if (a->failing) return 1;
    if (a->fail_countdown == 0) return 0;
    if (--a->fail_countdown == 0) {
        a->failing = 1;
        return 1;
    }
    return 0;
}

void *cs_arena_alloc(struct cs_arena *a, size_t n)
{
    if (injected_failure(a)) return NULL;
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n || need > a->cap - a->used) return NULL;
    struct block *b = a->head;
    if (b->size - b->used < need) {
        size_t size = need > ARENA_BLOCK_MIN ? need : ARENA_BLOCK_MIN;
        /* Grow geometrically so a large response does not cost one malloc per append. */
        if (size < b->size * 2 && b->size * 2 <= a->cap) size = b->size * 2;
        struct block *nb = block_new(size);
        if (!nb) return NULL;
        nb->next = a->head;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used += need;
    memset(p, 0, n);
    return p;
}

char *cs_arena_strndup(struct cs_arena *a, const char *s, size_t n)
{
    if (!s) return NULL;
    char *p = cs_arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *cs_arena_strdup(struct cs_arena *a, const char *s)
{
    return s ? cs_arena_strndup(a, s, strlen(s)) : NULL;
}

char *cs_arena_vprintf(struct cs_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return NULL;
    char *p = cs_arena_alloc(a, (size_t)n + 1);
    if (!p) return NULL;
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *cs_arena_printf(struct cs_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = cs_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

int cs_arena_defer(struct cs_arena *a, void (*fn)(void *), void *arg)
{
    if (a->nhooks == a->hooks_alloc) {
        size_t n = a->hooks_alloc ? a->hooks_alloc * 2 : 32;
        struct hook *h = realloc(a->hooks, n * sizeof(*h));
        if (!h) {
            fn(arg);
            return CS_ERR_NOMEM;
        }
        a->hooks = h;
        a->hooks_alloc = n;
    }
    a->hooks[a->nhooks++] = (struct hook){fn, arg};
    return CS_OK;
}

size_t cs_arena_used(const struct cs_arena *a) { return a->used; }

void cs_arena_fail_after(struct cs_arena *a, unsigned n)
{
    a->fail_countdown = n;
    a->failing = 0;
}
