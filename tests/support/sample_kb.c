#include "sample_kb.h"

#include <stdio.h>
#include <stdlib.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/kb.h"
#include "cs/retrieval.h"

struct load_ctx {
    struct cs_store *st;
    struct cs_arena *a;
};

static int on_article(const struct cs_kb_article *art, size_t line, void *ud)
{
    (void)line;
    struct load_ctx *x = ud;
    size_t n;
    return cs_retrieval_index_article(x->st, x->a, CS_SYSTEM_TENANT, art, 1000, &n);
}

int sample_kb_load(struct cs_store *st, struct cs_arena *a)
{
    const char *dir = getenv("CS_DATA_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/kb/sample_kb.jsonl", dir ? dir : "data");
    FILE *f = fopen(path, "rb");
    if (!f) return CS_ERR_IO;
    static char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct load_ctx x = {st, a};
    size_t bad = 0;
    return cs_kb_parse_lines(a, buf, len, on_article, &x, &bad);
}
