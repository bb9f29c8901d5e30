/* Knowledge-base articles: parsing one JSONL line and cutting a body into passages.
 *
 * A KB is a JSON Lines file, one article per line:
 *   {"doc_id":"KB-1001","title":"...","url":"https://...","category":"Billing","body":"..."}
 * Articles are validated strictly on the way in, because their doc_id ends up inside
 * `[DOC-ID]` citation markers and chunk ids, and their text ends up in customer replies.
 *
 * Chunking is deterministic: the same doc_id, body and options always give the same
 * chunks with the same ids (`<doc_id>-c-<n>`, n from 0), so re-importing an unchanged
 * article does not churn the search index or break stored citations.
 */
#ifndef CS_KB_H
#define CS_KB_H

#include <stdbool.h>
#include <stddef.h>

#include "cs/error.h"

struct cs_arena;

/* Field limits enforced by cs_kb_parse_article (bytes, excluding the NUL). */
#define CS_KB_DOC_ID_MAX 64
#define CS_KB_TITLE_MAX 300
#define CS_KB_URL_MAX 2048
#define CS_KB_CATEGORY_MAX 64
#define CS_KB_BODY_MAX (64 * 1024)
/* Room for "<doc_id>-c-<n>" with any doc_id that passes validation, plus the NUL. */
#define CS_KB_CHUNK_ID_MAX (CS_KB_DOC_ID_MAX + 3 + 10 + 1)

/* Default chunking: small enough for a reply sentence search and an LLM prompt, large
 * enough to keep a step-by-step instruction together. */
#define CS_KB_CHUNK_DEFAULT_MAX 600
#define CS_KB_CHUNK_DEFAULT_OVERLAP 120
#define CS_KB_CHUNK_MIN_MAX 40

struct cs_kb_article {
    const char *doc_id;   /* [A-Za-z0-9_.-], 1..CS_KB_DOC_ID_MAX */
    const char *title;    /* non-empty UTF-8 */
    const char *url;      /* http:// or https://, no whitespace or control bytes */
    const char *category; /* non-empty UTF-8, e.g. "Billing" */
    const char *body;     /* non-empty UTF-8 */
    size_t body_len;
};

/* Parses one JSONL line (`len` bytes; need not be NUL-terminated; surrounding
 * whitespace allowed). Unknown extra fields are ignored, so a tenant's export may carry
 * its own metadata. Strings are copied into `a` and live until the arena is reset; the
 * json-c tree is freed before returning.
 * Errors: CS_ERR_INVALID (NULL argument), CS_ERR_BAD_JSON (not one JSON value),
 * CS_ERR_TOO_DEEP, CS_ERR_VALIDATION (not an object, missing or wrongly typed field,
 * field empty or too long, bad doc_id or url, embedded NUL), CS_ERR_BAD_UTF8,
 * CS_ERR_NOMEM. On error `*out` is zeroed. */
CS_MUST_CHECK int cs_kb_parse_article(struct cs_arena *a, const char *line, size_t len,
                                      struct cs_kb_article *out);

/* Called once per article by cs_kb_parse_lines; `line_no` counts from 1. A non-zero
 * return stops the walk and is returned by cs_kb_parse_lines. */
typedef int (*cs_kb_article_fn)(const struct cs_kb_article *art, size_t line_no, void *ud);

/* Walks a whole JSONL buffer, skipping blank lines and lines starting with '#'.
 * Stops at the first malformed line and returns its error, storing its 1-based number
 * in `*bad_line` (when not NULL; 0 when every line parsed). Articles are allocated in
 * `a`, so a large file needs an arena cap to match or a callback that resets nothing
 * it still needs. */
CS_MUST_CHECK int cs_kb_parse_lines(struct cs_arena *a, const char *data, size_t len,
                                    cs_kb_article_fn fn, void *ud, size_t *bad_line);

/* True when the n bytes are valid UTF-8 (no overlongs or surrogates) holding no
 * control bytes other than tab, CR and LF: the rule for every KB text field. */
bool cs_kb_text_valid(const char *s, size_t n);

/* True when `id` is usable as a doc_id (and so inside a `[DOC-ID]` marker). */
bool cs_kb_doc_id_valid(const char *id, size_t len);

/* Writes "<doc_id>-c-<n>" into `out` (`cap` bytes, NUL-terminated).
 * Errors: CS_ERR_INVALID (invalid doc_id), CS_ERR_TOO_LARGE (does not fit). */
CS_MUST_CHECK int cs_kb_chunk_id(char *out, size_t cap, const char *doc_id, unsigned n);

/* Finds the next sentence of `text` at or after byte `pos`. A sentence ends after
 * '.', '!' or '?' (plus closing quotes/brackets) followed by whitespace, or at a line
 * break; the span returned is trimmed of surrounding whitespace. Returns false when
 * nothing but whitespace is left. `*next` is where to continue. Pure function. */
bool cs_kb_next_sentence(const char *text, size_t len, size_t pos, size_t *start, size_t *end,
                         size_t *next);

struct cs_kb_chunk_opts {
    size_t max_bytes;     /* hard bound on a chunk's length; 0: default; >= CS_KB_CHUNK_MIN_MAX */
    size_t overlap_bytes; /* at most this many trailing bytes of whole sentences repeat at
                           * the start of the next chunk; must be < max_bytes / 2 */
};

struct cs_kb_chunk {
    const char *doc_id;
    char id[CS_KB_CHUNK_ID_MAX]; /* "<doc_id>-c-<index>" */
    unsigned index;
    const char *text; /* points into the body; NOT NUL-terminated */
    size_t len;       /* 1..max_bytes, never splits a UTF-8 sequence */
    size_t offset;    /* of text within the body */
};

/* Called once per chunk in order. `chunk` is valid only during the call (copy what you
 * keep). A non-zero return stops chunking and is returned by cs_kb_chunk_body. */
typedef int (*cs_kb_chunk_fn)(const struct cs_kb_chunk *chunk, void *ud);

/* Cuts `body` (`len` bytes) into chunks of at most `opts->max_bytes` bytes on sentence
 * boundaries; a sentence longer than that is cut at a space (or, failing one, at a
 * UTF-8 character boundary). `opts` may be NULL for the defaults. Allocates nothing.
 * Bytes are counted rather than characters because that is what storage, FTS and
 * prompt budgets pay for; a byte bound is also a character bound.
 * Errors: CS_ERR_INVALID (NULL fn/doc_id/body, bad doc_id, bad options), or the
 * callback's non-zero return. An empty or all-whitespace body yields no chunks. */
CS_MUST_CHECK int cs_kb_chunk_body(const char *doc_id, const char *body, size_t len,
                                   const struct cs_kb_chunk_opts *opts, cs_kb_chunk_fn fn,
                                   void *ud);

#endif
