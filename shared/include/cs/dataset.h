/* Labelled text datasets for tenant model training (issue 18): a push parser for CSV
 * (RFC 4180, via libcsv) and JSON Lines uploads with a text and a label column.
 *
 * The reader is fed the bytes in pieces of any size and hands each complete, validated
 * row to a callback; it never holds more than one row, so a 50 MB upload costs one
 * row's memory beyond the bytes themselves. The first bad row stops it with
 * CS_ERR_VALIDATION and a message naming the record, so a corrupt upload is refused
 * whole (the caller stores nothing). The same reader parses stored datasets when a
 * training job reads them back: stored data is checked like outside input.
 */
#ifndef CS_DATASET_H
#define CS_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"

#define CS_DATASET_MAX_BYTES (50u << 20) /* largest upload */
#define CS_DATASET_MAX_TEXT 20000u       /* bytes of one row's text (the analyze limit) */
#define CS_DATASET_MAX_LABEL 64u         /* bytes of one label */
#define CS_DATASET_MAX_LABELS 128u       /* distinct labels (the model format's class cap) */
#define CS_DATASET_MAX_COLUMN 64u        /* bytes of a column name */
#define CS_DATASET_ERR_MAX 200u

enum cs_dataset_format { CS_DATASET_CSV = 1, CS_DATASET_JSONL = 2 };

/* One row: text[0..text_len) and label[0..label_len), both valid UTF-8, NUL-terminated,
 * valid only during the call. A non-zero return stops the reader with that code. */
typedef int (*cs_dataset_row_fn)(void *user, const char *text, size_t text_len, const char *label,
                                 size_t label_len);

struct cs_dataset_label {
    char name[CS_DATASET_MAX_LABEL + 1];
    uint64_t count;
};

/* Labels in order of first appearance. */
struct cs_dataset_stats {
    uint64_t rows;
    uint64_t bytes;
    uint32_t n_labels;
    struct cs_dataset_label label[CS_DATASET_MAX_LABELS];
};

struct cs_dataset_reader;

/* "csv" / "jsonl" (also "ndjson"); 0 when neither. */
enum cs_dataset_format cs_dataset_format_parse(const char *s);

/* A reader for `fmt` whose rows' text and label come from the columns (CSV header
 * names, JSONL keys) text_col and label_col (NULL: "text" and "label"). CS_ERR_INVALID
 * for a bad format or column name, CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_dataset_reader_new(enum cs_dataset_format fmt, const char *text_col,
                                        const char *label_col, cs_dataset_row_fn emit, void *user,
                                        struct cs_dataset_reader **out);
/* Feeds the next n bytes. CS_ERR_VALIDATION for malformed input (see
 * cs_dataset_reader_error), CS_ERR_TOO_LARGE past CS_DATASET_MAX_BYTES, or the
 * callback's code. After an error every further call returns the same code. */
CS_MUST_CHECK int cs_dataset_reader_feed(struct cs_dataset_reader *r, const char *p, size_t n);
/* Ends the input: a last row without a newline is taken; CS_ERR_VALIDATION when the
 * data ends inside a quoted field, holds no row, or fewer than two labels. */
CS_MUST_CHECK int cs_dataset_reader_finish(struct cs_dataset_reader *r);
/* What was read so far. */
const struct cs_dataset_stats *cs_dataset_reader_stats(const struct cs_dataset_reader *r);
/* Why the reader stopped ("record 12: label is empty"), "" when it did not. */
const char *cs_dataset_reader_error(const struct cs_dataset_reader *r);
void cs_dataset_reader_destroy(struct cs_dataset_reader *r);

#endif
