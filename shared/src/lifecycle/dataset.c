/* Push parser for labelled CSV / JSON Lines datasets (cs/dataset.h). CSV goes through
 * libcsv (a streaming RFC 4180 parser kept in Debian) rather than a hand-written state
 * machine; JSON Lines through json-c's tokener, one line at a time. */
#include "cs/dataset.h"

#include <csv.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/json.h"

/* A JSONL line may spell each text byte as a \u escape (6 bytes each), plus keys. */
#define LINE_MAX_BYTES (6u * CS_DATASET_MAX_TEXT + 4096u)
/* libcsv grows a field's buffer without bound; no valid field comes near this, so a
 * field past it is refused while it grows instead of after it took the upload's size. */
#define CSV_FIELD_CAP ((size_t)1 << 20)

struct cs_dataset_reader {
    enum cs_dataset_format fmt;
    char text_col[CS_DATASET_MAX_COLUMN + 1], label_col[CS_DATASET_MAX_COLUMN + 1];
    cs_dataset_row_fn emit;
    void *user;
    int rc;
    char err[CS_DATASET_ERR_MAX];
    struct cs_dataset_stats stats;
    uint64_t record; /* 1-based record (CSV, header included) or line (JSONL) being read */
    /* CSV */
    struct csv_parser csv;
    bool csv_ready, header_done;
    long text_idx, label_idx;
    size_t ncols, col;
    char *text, *label; /* current row's cells */
    size_t text_len, label_len;
    bool have_text, have_label;
    /* JSONL */
    char *line;
    size_t line_len;
};

static void fail(struct cs_dataset_reader *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct cs_dataset_reader *r, int rc, const char *fmt, ...)
{
    if (r->rc) return;
    r->rc = rc;
    int n =
        snprintf(r->err, sizeof(r->err), "%s %llu: ", r->fmt == CS_DATASET_CSV ? "record" : "line",
                 (unsigned long long)r->record);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(r->err))
        vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
    va_end(ap);
}

enum cs_dataset_format cs_dataset_format_parse(const char *s)
{
    if (!s) return 0;
    if (strcmp(s, "csv") == 0) return CS_DATASET_CSV;
    if (strcmp(s, "jsonl") == 0 || strcmp(s, "ndjson") == 0) return CS_DATASET_JSONL;
    return 0;
}

static bool column_ok(const char *c)
{
    size_t n = strlen(c);
    return n > 0 && n <= CS_DATASET_MAX_COLUMN && cs_utf8_valid(c, n);
}

static void *csv_capped_realloc(void *p, size_t n)
{
    return n > CSV_FIELD_CAP ? NULL : realloc(p, n);
}

int cs_dataset_reader_new(enum cs_dataset_format fmt, const char *text_col, const char *label_col,
                          cs_dataset_row_fn emit, void *user, struct cs_dataset_reader **out)
{
    *out = NULL;
    text_col = text_col ? text_col : "text";
    label_col = label_col ? label_col : "label";
    if ((fmt != CS_DATASET_CSV && fmt != CS_DATASET_JSONL) || !emit || !column_ok(text_col) ||
        !column_ok(label_col) || strcmp(text_col, label_col) == 0)
        return CS_ERR_INVALID;
    struct cs_dataset_reader *r = calloc(1, sizeof(*r));
    if (!r) return CS_ERR_NOMEM;
    r->fmt = fmt;
    memcpy(r->text_col, text_col, strlen(text_col) + 1);
    memcpy(r->label_col, label_col, strlen(label_col) + 1);
    r->emit = emit;
    r->user = user;
    r->text_idx = r->label_idx = -1;
    r->record = 1;
    r->text = malloc(CS_DATASET_MAX_TEXT + 1);
    r->label = malloc(CS_DATASET_MAX_LABEL + 1);
    r->line = fmt == CS_DATASET_JSONL ? malloc(LINE_MAX_BYTES + 1) : NULL;
    bool ok = r->text && r->label && (fmt != CS_DATASET_JSONL || r->line);
    if (ok && fmt == CS_DATASET_CSV) {
        ok = csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) == 0;
        r->csv_ready = ok;
        if (ok) csv_set_realloc_func(&r->csv, csv_capped_realloc);
    }
    if (!ok) {
        cs_dataset_reader_destroy(r);
        return CS_ERR_NOMEM;
    }
    *out = r;
    return CS_OK;
}

void cs_dataset_reader_destroy(struct cs_dataset_reader *r)
{
    if (!r) return;
    if (r->csv_ready) csv_free(&r->csv);
    free(r->text);
    free(r->label);
    free(r->line);
    free(r);
}

const struct cs_dataset_stats *cs_dataset_reader_stats(const struct cs_dataset_reader *r)
{
    return &r->stats;
}

const char *cs_dataset_reader_error(const struct cs_dataset_reader *r) { return r->err; }

static bool has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20) return true;
    return false;
}

/* Checks one row, counts its label and hands it on. */
static void take_row(struct cs_dataset_reader *r, const char *text, size_t tl, const char *label,
                     size_t ll)
{
    if (tl == 0) return fail(r, CS_ERR_VALIDATION, "text is empty");
    if (tl > CS_DATASET_MAX_TEXT)
        return fail(r, CS_ERR_VALIDATION, "text is longer than %u bytes", CS_DATASET_MAX_TEXT);
    if (memchr(text, 0, tl) || !cs_utf8_valid(text, tl))
        return fail(r, CS_ERR_VALIDATION, "text is not valid UTF-8");
    if (ll == 0) return fail(r, CS_ERR_VALIDATION, "label is empty");
    if (ll > CS_DATASET_MAX_LABEL)
        return fail(r, CS_ERR_VALIDATION, "label is longer than %u bytes", CS_DATASET_MAX_LABEL);
    if (has_control(label, ll) || !cs_utf8_valid(label, ll))
        return fail(r, CS_ERR_VALIDATION, "label holds control characters or invalid UTF-8");
    struct cs_dataset_stats *s = &r->stats;
    uint32_t k = 0;
    while (k < s->n_labels &&
           !(strlen(s->label[k].name) == ll && memcmp(s->label[k].name, label, ll) == 0))
        k++;
    if (k == s->n_labels) {
        if (k == CS_DATASET_MAX_LABELS)
            return fail(r, CS_ERR_VALIDATION, "more than %u distinct labels",
                        CS_DATASET_MAX_LABELS);
        memcpy(s->label[k].name, label, ll);
        s->label[k].name[ll] = 0;
        s->n_labels++;
    }
    int rc = r->emit(r->user, text, tl, label, ll);
    if (rc) return fail(r, rc, "could not be stored");
    s->label[k].count++;
    s->rows++;
}

/* ---- CSV ---- */

static void csv_cell(void *field, size_t len, void *data)
{
    struct cs_dataset_reader *r = data;
    if (r->rc) return;
    const char *f = field ? field : "";
    size_t col = r->col++;
    if (!r->header_done) {
        if (len > CS_DATASET_MAX_COLUMN) return;
        if (len == strlen(r->text_col) && memcmp(f, r->text_col, len) == 0) r->text_idx = (long)col;
        if (len == strlen(r->label_col) && memcmp(f, r->label_col, len) == 0)
            r->label_idx = (long)col;
        return;
    }
    if ((long)col == r->text_idx) {
        if (len > CS_DATASET_MAX_TEXT)
            return fail(r, CS_ERR_VALIDATION, "text is longer than %u bytes", CS_DATASET_MAX_TEXT);
        memcpy(r->text, f, len);
        r->text[len] = 0;
        r->text_len = len;
        r->have_text = true;
    } else if ((long)col == r->label_idx) {
        if (len > CS_DATASET_MAX_LABEL)
            return fail(r, CS_ERR_VALIDATION, "label is longer than %u bytes",
                        CS_DATASET_MAX_LABEL);
        memcpy(r->label, f, len);
        r->label[len] = 0;
        r->label_len = len;
        r->have_label = true;
    }
}

static void csv_row_end(int c, void *data)
{
    struct cs_dataset_reader *r = data;
    (void)c;
    if (r->rc) return;
    size_t cols = r->col;
    r->col = 0;
    if (!r->header_done) {
        r->header_done = true;
        r->ncols = cols;
        if (r->text_idx < 0)
            return fail(r, CS_ERR_VALIDATION, "header has no column \"%s\"", r->text_col);
        if (r->label_idx < 0)
            return fail(r, CS_ERR_VALIDATION, "header has no column \"%s\"", r->label_col);
    } else if (cols != r->ncols) {
        return fail(r, CS_ERR_VALIDATION, "%zu fields where the header has %zu", cols, r->ncols);
    } else {
        take_row(r, r->text, r->text_len, r->label, r->label_len);
    }
    r->have_text = r->have_label = false;
    r->record++;
}

static void csv_feed(struct cs_dataset_reader *r, const char *p, size_t n)
{
    size_t done = csv_parse(&r->csv, p, n, csv_cell, csv_row_end, r);
    if (done != n && !r->rc) {
        int e = csv_error(&r->csv);
        fail(r, CS_ERR_VALIDATION, "%s",
             e == CSV_ENOMEM ? "field too long" : "malformed CSV (stray or unbalanced quote)");
    }
}

/* ---- JSON Lines ---- */

static const char *jsonl_cell(struct cs_dataset_reader *r, json_object *o, const char *key,
                              size_t *len)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
        fail(r, CS_ERR_VALIDATION, "no \"%s\"", key);
        return NULL;
    }
    /* Labels are often class numbers: an integer label stands for its decimal text. */
    if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int)) {
        fail(r, CS_ERR_VALIDATION, "\"%s\" is not a string", key);
        return NULL;
    }
    const char *s = json_object_get_string(v);
    *len = strlen(s);
    if (json_object_is_type(v, json_type_string)) *len = (size_t)json_object_get_string_len(v);
    return s;
}

static void jsonl_line(struct cs_dataset_reader *r, const char *p, size_t n)
{
    if (n && p[n - 1] == '\r') n--;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    if (i == n) return; /* blank lines separate nothing */
    if (!cs_utf8_valid(p, n)) return fail(r, CS_ERR_VALIDATION, "not valid UTF-8");
    struct json_tokener *tok = json_tokener_new_ex(8);
    if (!tok) return fail(r, CS_ERR_NOMEM, "out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *o = json_tokener_parse_ex(tok, p, (int)n);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    while (end < n && (p[end] == ' ' || p[end] == '\t')) end++;
    if (!o || je != json_tokener_success || end != n) {
        json_object_put(o);
        return fail(r, CS_ERR_VALIDATION, "not a JSON object");
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return fail(r, CS_ERR_VALIDATION, "not a JSON object");
    }
    size_t tl = 0, ll = 0;
    const char *text = jsonl_cell(r, o, r->text_col, &tl);
    const char *label = text ? jsonl_cell(r, o, r->label_col, &ll) : NULL;
    if (text && label) take_row(r, text, tl, label, ll);
    json_object_put(o);
}

static void jsonl_feed(struct cs_dataset_reader *r, const char *p, size_t n)
{
    while (n && !r->rc) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (r->line_len + take > LINE_MAX_BYTES)
            return fail(r, CS_ERR_VALIDATION, "line longer than %u bytes", LINE_MAX_BYTES);
        memcpy(r->line + r->line_len, p, take);
        r->line_len += take;
        if (!nl) return;
        jsonl_line(r, r->line, r->line_len);
        r->line_len = 0;
        r->record++;
        p += take + 1;
        n -= take + 1;
    }
}

int cs_dataset_reader_feed(struct cs_dataset_reader *r, const char *p, size_t n)
{
    if (r->rc) return r->rc;
    if (n > CS_DATASET_MAX_BYTES - r->stats.bytes) {
        fail(r, CS_ERR_TOO_LARGE, "data larger than %u bytes", CS_DATASET_MAX_BYTES);
        return r->rc;
    }
    r->stats.bytes += n;
    if (r->fmt == CS_DATASET_CSV)
        csv_feed(r, p, n);
    else
        jsonl_feed(r, p, n);
    return r->rc;
}

int cs_dataset_reader_finish(struct cs_dataset_reader *r)
{
    if (r->rc) return r->rc;
    if (r->fmt == CS_DATASET_CSV) {
        if (csv_fini(&r->csv, csv_cell, csv_row_end, r) != 0 && !r->rc)
            fail(r, CS_ERR_VALIDATION, "data ends inside a quoted field");
        if (!r->header_done && !r->rc) fail(r, CS_ERR_VALIDATION, "no header row");
    } else if (r->line_len) {
        jsonl_line(r, r->line, r->line_len);
        r->line_len = 0;
    }
    if (r->rc) return r->rc;
    if (r->stats.rows == 0)
        fail(r, CS_ERR_VALIDATION, "no data rows");
    else if (r->stats.n_labels < 2)
        fail(r, CS_ERR_VALIDATION, "fewer than two distinct labels");
    if (r->rc)
        snprintf(r->err, sizeof(r->err), "%s",
                 r->stats.rows ? "fewer than two distinct labels" : "no data rows");
    return r->rc;
}
