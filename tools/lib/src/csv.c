/* RFC 4180 CSV reader (see cs/csv.h). Cells are unescaped in place into one copy of
 * the input, so a file costs one buffer plus one (offset, length) pair per cell. */
#include "cs/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cell {
    size_t off, len;
};

struct cs_csv {
    char *buf;
    struct cell *cells;
    size_t n_cells, cap_cells, cols, rows;
};

void cs_csv_destroy(struct cs_csv *c)
{
    if (!c) return;
    free(c->buf);
    free(c->cells);
    free(c);
}

static int push_cell(struct cs_csv *c, size_t off, size_t len)
{
    if (c->n_cells == c->cap_cells) {
        size_t cap = c->cap_cells ? c->cap_cells * 2 : 1024;
        struct cell *n = realloc(c->cells, cap * sizeof(*n));
        if (!n) return CS_ERR_NOMEM;
        c->cells = n;
        c->cap_cells = cap;
    }
    c->cells[c->n_cells++] = (struct cell){off, len};
    return CS_OK;
}

/* Parses one field starting at *pos; writes its unescaped bytes at `w` (never ahead of
 * the read position, so in-place is safe). Returns the terminator: ',', '\n' or 0. */
static int parse_field(char *b, size_t len, size_t *pos, size_t *w)
{
    size_t i = *pos;
    if (i < len && b[i] == '"') {
        i++;
        for (;;) {
            if (i >= len) break; /* unterminated quote: take what is there */
            if (b[i] == '"') {
                if (i + 1 < len && b[i + 1] == '"') {
                    b[(*w)++] = '"';
                    i += 2;
                    continue;
                }
                i++;
                break;
            }
            b[(*w)++] = b[i++];
        }
        while (i < len && b[i] != ',' && b[i] != '\n') i++; /* junk after quote */
    } else {
        while (i < len && b[i] != ',' && b[i] != '\n') b[(*w)++] = b[i++];
        if (*w > 0 && i > 0 && b[i - 1] == '\r' && i < len && b[i] == '\n') (*w)--;
    }
    int term = i < len ? b[i] : 0;
    *pos = i < len ? i + 1 : i;
    return term;
}

int cs_csv_parse(const char *data, size_t len, struct cs_csv **out)
{
    *out = NULL;
    if (len > CS_CSV_MAX_BYTES) return CS_ERR_TOO_LARGE;
    struct cs_csv *c = calloc(1, sizeof(*c));
    if (!c || !(c->buf = malloc(len + 1))) {
        cs_csv_destroy(c);
        return CS_ERR_NOMEM;
    }
    memcpy(c->buf, data, len);
    c->buf[len] = '\0';
    size_t pos = 0, row_cells = 0;
    int rc = CS_OK;
    while (rc == CS_OK && pos < len) {
        size_t start = pos, w = pos;
        int term = parse_field(c->buf, len, &pos, &w);
        rc = push_cell(c, start, w - start);
        row_cells++;
        if (term == ',' && pos >= len) { /* trailing comma: one more empty cell */
            if (rc == CS_OK) rc = push_cell(c, pos, 0);
            row_cells++;
        }
        if (term != ',' || pos >= len) {
            if (c->cols == 0)
                c->cols = row_cells;
            else if (row_cells == 1 && c->cells[c->n_cells - 1].len == 0)
                c->n_cells--; /* blank line */
            else if (row_cells != c->cols)
                rc = CS_ERR_FORMAT;
            else
                c->rows++;
            row_cells = 0;
        }
    }
    for (size_t i = 0; rc == CS_OK && i < c->n_cells; i++)
        c->buf[c->cells[i].off + c->cells[i].len] = '\0';
    if (rc == CS_OK && c->cols == 0) rc = CS_ERR_FORMAT;
    if (rc != CS_OK) {
        cs_csv_destroy(c);
        return rc;
    }
    *out = c;
    return CS_OK;
}

int cs_csv_read_file(const char *path, struct cs_csv **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return CS_ERR_IO;
    char *data = NULL;
    size_t len = 0, cap = 0;
    int rc = CS_OK;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > CS_CSV_MAX_BYTES + 1) {
                rc = CS_ERR_TOO_LARGE;
                break;
            }
            char *n = realloc(data, cap);
            if (!n) {
                rc = CS_ERR_NOMEM;
                break;
            }
            data = n;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    if (rc == CS_OK && ferror(f)) rc = CS_ERR_IO;
    fclose(f);
    if (rc == CS_OK) rc = cs_csv_parse(data ? data : "", len, out);
    free(data);
    return rc;
}

size_t cs_csv_rows(const struct cs_csv *c) { return c->rows; }
size_t cs_csv_cols(const struct cs_csv *c) { return c->cols; }

int cs_csv_column(const struct cs_csv *c, const char *name)
{
    for (size_t j = 0; j < c->cols; j++)
        if (strcmp(c->buf + c->cells[j].off, name) == 0) return (int)j;
    return -1;
}

const char *cs_csv_cell(const struct cs_csv *c, size_t row, size_t col, size_t *len)
{
    if (row >= c->rows || col >= c->cols) {
        if (len) *len = 0;
        return "";
    }
    const struct cell *e = &c->cells[(row + 1) * c->cols + col];
    if (len) *len = e->len;
    return c->buf + e->off;
}
