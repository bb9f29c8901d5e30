/* libFuzzer target: every parser of provider output must reject, never crash on, any
 * bytes: the three wire formats' response and embedding parsers, their SSE event
 * handlers behind the SSE parser (fed in two pieces), the Retry-After parser and the
 * system-prompt echo guard. The first byte picks the parser, the second the split. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "cs/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct ai_wire *wire(unsigned i)
{
    static const struct ai_wire *const w[] = {&ai_wire_openai, &ai_wire_anthropic, &ai_wire_gemini};
    return w[i % 3];
}

static int on_event(void *ud, const char *event, const char *d, size_t n)
{
    struct ai_stream *st = ud;
    const struct ai_wire *w = st->ud;
    return w->stream_event(st, event, d, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    static struct cs_arena *a;
    if (!a) a = cs_arena_new(64u << 20);
    unsigned mode = data[0] % 10, split = data[1];
    const char *p = (const char *)data + 2;
    size_t n = size - 2;
    char *s = cs_arena_strndup(a, p, n); /* NUL-terminated copy for the string APIs */
    if (!s) return 0;
    if (mode < 3) {
        struct cs_ai_reply r;
        memset(&r, 0, sizeof(r));
        (void)wire(mode)->chat_parse(a, p, n, &r);
    } else if (mode < 5) {
        struct cs_ai_embeddings e;
        memset(&e, 0, sizeof(e));
        const struct ai_wire *w = mode == 3 ? &ai_wire_openai : &ai_wire_gemini;
        (void)w->embed_parse(a, p, n, 1 + split % 3, &e);
    } else if (mode < 8) {
        struct ai_stream st;
        ai_stream_init(&st, a, NULL, NULL, "You are a careful assistant for the bank's customers.");
        st.ud = (void *)wire(mode - 5);
        struct ai_sse sse;
        ai_sse_init(&sse, a, on_event, &st);
        size_t cut = n ? split % (n + 1) : 0;
        if (ai_sse_feed(&sse, p, cut) == CS_OK) (void)ai_sse_feed(&sse, p + cut, n - cut);
    } else if (mode == 8) {
        char *nl = strchr(s, '\n');
        if (nl) *nl = '\0';
        size_t cut;
        (void)cs_ai_echoes_system(nl ? nl + 1 : "", s, &cut);
    } else {
        (void)ai_retry_after_ms(s, 1700000000000LL);
    }
    cs_arena_reset(a);
    return 0;
}
