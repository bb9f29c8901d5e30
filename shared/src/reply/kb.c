#include "cs/kb.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/utf8.h"

/* Articles are flat objects; anything nested deeper than this is not one of ours. */
#define KB_JSON_DEPTH 8

/* ---- small byte helpers ------------------------------------------------------------ */

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* Largest cut <= want that does not land inside a UTF-8 sequence. */
static size_t utf8_floor(const char *s, size_t start, size_t want)
{
    while (want > start && is_cont((unsigned char)s[want])) want--;
    return want;
}

/* ---- parsing ----------------------------------------------------------------------- */

bool cs_kb_doc_id_valid(const char *id, size_t len)
{
    if (!id || len == 0 || len > CS_KB_DOC_ID_MAX) return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)id[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

static bool url_valid(const char *u, size_t len)
{
    size_t scheme;
    if (len > 8 && strncmp(u, "https://", 8) == 0)
        scheme = 8;
    else if (len > 7 && strncmp(u, "http://", 7) == 0)
        scheme = 7;
    else
        return false;
    if (u[scheme] == '/' || u[scheme] == '\0') return false; /* needs a host */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)u[i];
        if (c <= 0x20 || c == 0x7F || c == '"' || c == '<' || c == '>') return false;
    }
    return true;
}

/* Text fields may hold newlines and tabs, never other control bytes: they end up in
 * replies and in log lines. */
bool cs_kb_text_valid(const char *s, size_t len)
{
    if (!s) return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7F) return false;
    }
    return cs_utf8_valid(s, len);
}

enum field_kind { F_DOC_ID, F_TEXT, F_URL };

static int get_field(struct cs_arena *a, struct json_object *obj, const char *key, size_t max,
                     enum field_kind kind, const char **dst, size_t *dst_len)
{
    struct json_object *v;
    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return CS_ERR_VALIDATION;
    const char *s = json_object_get_string(v);
    int n = json_object_get_string_len(v);
    if (!s || n <= 0 || (size_t)n > max) return CS_ERR_VALIDATION;
    size_t len = (size_t)n;
    if (memchr(s, '\0', len)) return CS_ERR_VALIDATION; /* "\u0000" would truncate it */
    if (kind == F_DOC_ID && !cs_kb_doc_id_valid(s, len)) return CS_ERR_VALIDATION;
    if (kind == F_URL && !url_valid(s, len)) return CS_ERR_VALIDATION;
    if (kind == F_TEXT) {
        if (!cs_utf8_valid(s, len)) return CS_ERR_BAD_UTF8;
        if (!cs_kb_text_valid(s, len)) return CS_ERR_VALIDATION;
        size_t k = 0;
        while (k < len && is_space((unsigned char)s[k])) k++;
        if (k == len) return CS_ERR_VALIDATION; /* blank */
    }
    char *copy = cs_arena_strndup(a, s, len);
    if (!copy) return CS_ERR_NOMEM;
    *dst = copy;
    if (dst_len) *dst_len = len;
    return CS_OK;
}

static int parse_json(const char *line, size_t len, struct json_object **out)
{
    *out = NULL;
    if (len > (size_t)INT32_MAX) return CS_ERR_TOO_LARGE;
    struct json_tokener *tok = json_tokener_new_ex(KB_JSON_DEPTH);
    if (!tok) return CS_ERR_NOMEM;
    struct json_object *obj = json_tokener_parse_ex(tok, line, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!obj) return jerr == json_tokener_error_depth ? CS_ERR_TOO_DEEP : CS_ERR_BAD_JSON;
    /* Exactly one value per line: trailing garbage means a broken export. */
    for (size_t i = used; i < len; i++) {
        if (!is_space((unsigned char)line[i])) {
            json_object_put(obj);
            return CS_ERR_BAD_JSON;
        }
    }
    *out = obj;
    return CS_OK;
}

int cs_kb_parse_article(struct cs_arena *a, const char *line, size_t len, struct cs_kb_article *out)
{
    if (out) memset(out, 0, sizeof *out);
    if (!a || !line || !out) return CS_ERR_INVALID;
    /* json-c stops at a NUL inside the buffer; refuse it so "len" means what it says. */
    if (memchr(line, '\0', len)) return CS_ERR_BAD_JSON;
    if (!cs_utf8_valid(line, len)) return CS_ERR_BAD_UTF8;

    struct json_object *obj;
    int rc = parse_json(line, len, &obj);
    if (rc) return rc;
    struct cs_kb_article art = {0};
    if (!json_object_is_type(obj, json_type_object)) {
        rc = CS_ERR_VALIDATION;
    } else {
        rc = get_field(a, obj, "doc_id", CS_KB_DOC_ID_MAX, F_DOC_ID, &art.doc_id, NULL);
        if (!rc) rc = get_field(a, obj, "title", CS_KB_TITLE_MAX, F_TEXT, &art.title, NULL);
        if (!rc) rc = get_field(a, obj, "url", CS_KB_URL_MAX, F_URL, &art.url, NULL);
        if (!rc)
            rc = get_field(a, obj, "category", CS_KB_CATEGORY_MAX, F_TEXT, &art.category, NULL);
        if (!rc) rc = get_field(a, obj, "body", CS_KB_BODY_MAX, F_TEXT, &art.body, &art.body_len);
    }
    json_object_put(obj);
    if (rc) return rc;
    *out = art;
    return CS_OK;
}

int cs_kb_parse_lines(struct cs_arena *a, const char *data, size_t len, cs_kb_article_fn fn,
                      void *ud, size_t *bad_line)
{
    if (bad_line) *bad_line = 0;
    if (!a || (!data && len) || !fn) return CS_ERR_INVALID;
    size_t pos = 0, line_no = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        line_no++;
        size_t s = pos;
        while (s < end && is_space((unsigned char)data[s])) s++;
        if (s < end && data[s] != '#') {
            struct cs_kb_article art;
            int rc = cs_kb_parse_article(a, data + s, end - s, &art);
            if (!rc) rc = fn(&art, line_no, ud);
            if (rc) {
                if (bad_line) *bad_line = line_no;
                return rc;
            }
        }
        pos = end + 1;
    }
    return CS_OK;
}

int cs_kb_chunk_id(char *out, size_t cap, const char *doc_id, unsigned n)
{
    if (!out || cap == 0 || !doc_id) return CS_ERR_INVALID;
    out[0] = '\0';
    if (!cs_kb_doc_id_valid(doc_id, strnlen(doc_id, CS_KB_DOC_ID_MAX + 1))) return CS_ERR_INVALID;
    int w = snprintf(out, cap, "%s-c-%u", doc_id, n);
    if (w < 0 || (size_t)w >= cap) {
        out[0] = '\0';
        return CS_ERR_TOO_LARGE;
    }
    return CS_OK;
}

/* ---- sentences --------------------------------------------------------------------- */

static bool is_closer(unsigned char c) { return c == '"' || c == '\'' || c == ')' || c == ']'; }

bool cs_kb_next_sentence(const char *text, size_t len, size_t pos, size_t *start, size_t *end,
                         size_t *next)
{
    if (!text) return false;
    while (pos < len && is_space((unsigned char)text[pos])) pos++;
    if (pos >= len) return false;
    size_t s = pos, i = pos, e = len, nx = len;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            e = i;
            nx = i + 1;
            break;
        }
        if (c == '.' || c == '!' || c == '?') {
            size_t j = i + 1;
            while (j < len && (text[j] == '.' || text[j] == '!' || text[j] == '?')) j++;
            while (j < len && is_closer((unsigned char)text[j])) j++;
            if (j >= len || is_space((unsigned char)text[j])) {
                e = j;
                nx = j;
                break;
            }
            i = j - 1;
        }
    }
    while (e > s && is_space((unsigned char)text[e - 1])) e--;
    *start = s;
    *end = e;
    *next = nx;
    return true;
}

/* ---- chunking ---------------------------------------------------------------------- */

/* A chunking unit is a sentence, or a piece of one when the sentence alone is longer
 * than a chunk. Units are found by scanning forward from a unit start, so the same start
 * always yields the same unit: that is what lets the packer re-scan for overlap without
 * storing a unit list. */
struct unit {
    size_t start, end, next;
};

static bool next_unit(const char *body, size_t len, size_t pos, size_t max, struct unit *u)
{
    size_t s, e, nx;
    if (!cs_kb_next_sentence(body, len, pos, &s, &e, &nx)) return false;
    if (e - s > max) {
        size_t cut = s + max;
        size_t sp = cut;
        while (sp > s && !is_space((unsigned char)body[sp])) sp--;
        if (sp > s + max / 4) {
            cut = sp; /* break on a word boundary unless that wastes most of the chunk */
        } else {
            cut = utf8_floor(body, s, cut);
            if (cut == s) cut = s + 1; /* cannot happen with valid limits; keeps progress */
        }
        e = cut;
        while (e > s && is_space((unsigned char)body[e - 1])) e--;
        nx = cut;
    }
    u->start = s;
    u->end = e;
    u->next = nx;
    return true;
}

/* Start of the first unit within [from, chunk_end) whose tail fits in `overlap`, or
 * `none` when no unit after `from` qualifies. */
static size_t overlap_start(const char *body, size_t len, size_t from, size_t chunk_end, size_t max,
                            size_t overlap, size_t none)
{
    struct unit u;
    size_t pos = from;
    bool first = true;
    while (next_unit(body, len, pos, max, &u) && u.start < chunk_end) {
        if (!first && chunk_end - u.start <= overlap) return u.start;
        first = false;
        pos = u.next;
    }
    return none;
}

static int emit_chunk(const char *doc_id, const char *body, size_t s, size_t e, unsigned index,
                      cs_kb_chunk_fn fn, void *ud)
{
    struct cs_kb_chunk c;
    memset(&c, 0, sizeof c);
    int rc = cs_kb_chunk_id(c.id, sizeof c.id, doc_id, index);
    if (rc) return rc;
    c.doc_id = doc_id;
    c.index = index;
    c.text = body + s;
    c.len = e - s;
    c.offset = s;
    return fn(&c, ud);
}

int cs_kb_chunk_body(const char *doc_id, const char *body, size_t len,
                     const struct cs_kb_chunk_opts *opts, cs_kb_chunk_fn fn, void *ud)
{
    if (!doc_id || (!body && len) || !fn) return CS_ERR_INVALID;
    if (!cs_kb_doc_id_valid(doc_id, strnlen(doc_id, CS_KB_DOC_ID_MAX + 1))) return CS_ERR_INVALID;
    size_t max = CS_KB_CHUNK_DEFAULT_MAX, overlap = CS_KB_CHUNK_DEFAULT_OVERLAP;
    if (opts) {
        max = opts->max_bytes ? opts->max_bytes : CS_KB_CHUNK_DEFAULT_MAX;
        overlap = opts->overlap_bytes;
    }
    if (max < CS_KB_CHUNK_MIN_MAX || overlap >= max / 2) return CS_ERR_INVALID;

    unsigned index = 0;
    size_t pos = 0;
    struct unit u;
    while (next_unit(body, len, pos, max, &u)) {
        size_t cs = u.start, ce = u.end, nx = u.next;
        struct unit v;
        while (next_unit(body, len, nx, max, &v) && v.end - cs <= max) {
            ce = v.end;
            nx = v.next;
        }
        int rc = emit_chunk(doc_id, body, cs, ce, index++, fn, ud);
        if (rc) return rc;
        if (!next_unit(body, len, nx, max, &v)) break;
        /* Repeat the chunk's last sentence(s) only when the next chunk can still take
         * at least one new unit after them; otherwise it would repeat forever. */
        size_t os = overlap ? overlap_start(body, len, cs, ce, max, overlap, v.start) : v.start;
        if (os != v.start && v.end - os > max) os = v.start;
        pos = os;
    }
    return CS_OK;
}
