/* Minimal RFC 4180 CSV reader for training and evaluation files (quoted fields,
 * doubled quotes, CR/LF and newlines inside quotes). The first row is the header.
 * Not used on request paths; reading allocates.
 */
#ifndef CS_CSV_H
#define CS_CSV_H

#include <stddef.h>

#include "cs/error.h"

#define CS_CSV_MAX_BYTES (256u << 20) /* refuse files larger than 256 MiB */

struct cs_csv; /* opaque: the file's cells, NUL-terminated */

/* Reads a whole file. Rows with a different cell count than the header give
 * CS_ERR_FORMAT; CS_ERR_IO when unreadable; CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_csv_read_file(const char *path, struct cs_csv **out);
/* Parses bytes already in memory (copied). */
CS_MUST_CHECK int cs_csv_parse(const char *data, size_t len, struct cs_csv **out);
void cs_csv_destroy(struct cs_csv *c);

size_t cs_csv_rows(const struct cs_csv *c); /* data rows, header excluded */
size_t cs_csv_cols(const struct cs_csv *c);
/* Index of a header name, or -1. */
int cs_csv_column(const struct cs_csv *c, const char *name);
/* Cell text (NUL-terminated) and its byte length; "" when out of range. */
const char *cs_csv_cell(const struct cs_csv *c, size_t row, size_t col, size_t *len);

#endif
