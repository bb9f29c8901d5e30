/* libFuzzer target: KB article parsing, JSONL walking and chunking.
 *
 * Beyond "no crash, no leak, no UB" it checks the chunker's promises on whatever body
 * the parser accepts: every chunk within the bound, inside the body, ids in sequence,
 * never starting or ending inside a UTF-8 sequence.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/kb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct expect {
    const char *body;
    size_t len, max;
    unsigned next;
};

static int check_chunk(const struct cs_kb_chunk *c, void *ud)
{
    struct expect *e = ud;
    if (c->len == 0 || c->len > e->max || c->offset + c->len > e->len) abort();
    if (c->text != e->body + c->offset || c->index != e->next++) abort();
    if (((unsigned char)e->body[c->offset] & 0xC0) == 0x80) abort();
    if (c->offset + c->len < e->len && ((unsigned char)e->body[c->offset + c->len] & 0xC0) == 0x80)
        abort();
    if (strncmp(c->id, c->doc_id, strlen(c->doc_id)) != 0) abort();
    return 0;
}

static void chunk_all(const char *doc_id, const char *body, size_t len)
{
    static const struct cs_kb_chunk_opts opts[] = {{40, 0}, {41, 19}, {97, 30}, {600, 120}};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        struct expect e = {body, len, opts[i].max_bytes, 0};
        if (cs_kb_chunk_body(doc_id, body, len, &opts[i], check_chunk, &e) != 0) abort();
    }
}

static int on_article(const struct cs_kb_article *art, size_t line_no, void *ud)
{
    (void)line_no;
    (void)ud;
    chunk_all(art->doc_id, art->body, art->body_len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_arena *a = cs_arena_new(8u << 20);
    if (!a) return 0;
    const char *s = (const char *)data;
    struct cs_kb_article art;
    if (cs_kb_parse_article(a, s, size, &art) == 0) {
        if (!art.doc_id || !art.body || strlen(art.body) != art.body_len) abort();
        chunk_all(art.doc_id, art.body, art.body_len);
    }
    size_t bad;
    (void)cs_kb_parse_lines(a, s, size, on_article, NULL, &bad);
    /* Raw bytes as a body too: the chunker must cope with text the parser would refuse
     * (it only promises UTF-8 safety on valid UTF-8, so just run it for crashes). */
    struct cs_kb_chunk_opts o = {40, 10};
    struct expect e = {s, size, 40, 0};
    if (cs_kb_text_valid(s, size)) (void)cs_kb_chunk_body("FUZZ-1", s, size, &o, check_chunk, &e);
    cs_arena_destroy(a);
    return 0;
}
