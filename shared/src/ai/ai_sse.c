/* Server-Sent Events parser (WHATWG "event stream interpretation") and the assembly of
 * streamed deltas into a reply. Input arrives in arbitrary pieces straight from the
 * socket, so the parser keeps the partial line and the event being built. */
#include <string.h>

#include "ai/ai_int.h"
#include "cs/arena.h"

void ai_sse_init(struct ai_sse *s, struct cs_arena *a, ai_sse_event_fn fn, void *ud)
{
    memset(s, 0, sizeof(*s));
    cs_buf_init(&s->line, a, AI_SSE_LINE_CAP);
    cs_buf_init(&s->data, a, AI_BODY_CAP);
    s->on_event = fn;
    s->ud = ud;
}

static void buf_clear(struct cs_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

/* A blank line dispatches the event; an event without data lines is dropped. */
static int dispatch(struct ai_sse *s)
{
    int rc = CS_OK;
    if (s->have_data)
        rc = s->on_event(s->ud, s->event[0] ? s->event : "message", cs_buf_str(&s->data),
                         s->data.len);
    buf_clear(&s->data);
    s->event[0] = '\0';
    s->have_data = false;
    return rc;
}

static int field(struct ai_sse *s, const char *line, size_t n)
{
    if (n == 0) return dispatch(s);
    if (line[0] == ':') return CS_OK; /* comment, e.g. keep-alive */
    const char *colon = memchr(line, ':', n);
    size_t name_len = colon ? (size_t)(colon - line) : n;
    const char *val = colon ? colon + 1 : line + n;
    size_t vlen = colon ? n - name_len - 1 : 0;
    if (vlen && *val == ' ') {
        val++;
        vlen--;
    }
    if (name_len == 4 && memcmp(line, "data", 4) == 0) {
        int rc = CS_OK;
        if (s->have_data) rc = cs_buf_append(&s->data, "\n", 1);
        if (!rc) rc = cs_buf_append(&s->data, val, vlen);
        if (!rc) (void)cs_buf_str(&s->data);
        s->have_data = true;
        return rc;
    }
    if (name_len == 5 && memcmp(line, "event", 5) == 0) {
        size_t k = vlen < sizeof(s->event) - 1 ? vlen : sizeof(s->event) - 1;
        memcpy(s->event, val, k);
        s->event[k] = '\0';
    }
    return CS_OK; /* id, retry and unknown fields do not matter to a one-shot client */
}

int ai_sse_feed(struct ai_sse *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (s->skip_lf) {
            s->skip_lf = false;
            if (c == '\n') continue;
        }
        if (c == '\r' || c == '\n') {
            s->skip_lf = c == '\r';
            int rc = field(s, s->line.data ? s->line.data : "", s->line.len);
            buf_clear(&s->line);
            if (rc) return rc;
            continue;
        }
        /* Append runs of ordinary bytes at once rather than byte by byte. */
        size_t j = i;
        while (j < n && p[j] != '\r' && p[j] != '\n') j++;
        int rc = cs_buf_append(&s->line, p + i, j - i);
        if (rc) return rc;
        i = j - 1;
    }
    return CS_OK;
}

void ai_stream_init(struct ai_stream *s, struct cs_arena *a, cs_ai_delta_fn fn, void *ud,
                    const char *system)
{
    memset(s, 0, sizeof(*s));
    s->arena = a;
    cs_buf_init(&s->text, a, AI_BODY_CAP);
    s->on_delta = fn;
    s->ud = ud;
    s->system = system;
}

int ai_stream_delta(struct ai_stream *s, const char *p, size_t n)
{
    if (n == 0) return CS_OK;
    size_t before = s->text.len;
    int rc = cs_buf_append(&s->text, p, n);
    if (rc) return rc;
    size_t cut = 0;
    if (s->system && cs_ai_echoes_system(cs_buf_str(&s->text), s->system, &cut)) {
        /* Hold back what would complete the leak; what went out before stays short of
         * a quotable run by construction. */
        s->leaked = true;
        s->text.len = cut < before ? cut : before;
        s->text.data[s->text.len] = '\0';
        return CS_ERR_UPSTREAM;
    }
    s->ndeltas++;
    return s->on_delta ? s->on_delta(s->ud, p, n) : CS_OK;
}
