/* Rollups behind cs_store_rollup*: which collections have them, and what one document
 * contributes to them. Backend-independent; the backends store the cells and apply a
 * write's delta in the same operation as the write (see store_sqlite.c, store_mongo.c).
 *
 * A cell is (tenant, collection, dim, hour, key) -> count, and per measure a sum and
 * the number of documents having it; every cell also exists per UTC day (dim with the
 * CS_ROLLUP_DAY_SUFFIX, "hour" the day's start). dim "" is the total (key "-"); dim "<field>"
 * groups by that field's value; dim "#<field>" is the histogram of a numeric field
 * (key: its bin). Keys are encoded: "s<text>" for a string value, "-" for a missing,
 * null or non-string value (the one "null group" of a grouping). */
#ifndef CS_STORE_ROLLUP_H
#define CS_STORE_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/store.h"

#define CS_ROLLUP_HOUR_MS 3600000LL
#define CS_ROLLUP_DAY_MS (24 * CS_ROLLUP_HOUR_MS)
/* Each cell is also kept per UTC day, under its dim + this suffix, so that a long range
 * reads days (and only its partial days' hours). */
#define CS_ROLLUP_DAY_SUFFIX "/d"
#define CS_ROLLUP_MAX_DIMS 4
/* Bumped whenever a definition changes: a store opened with another version rebuilds
 * every rollup from the documents (SQLite: at open, in one transaction). */
#define CS_ROLLUP_VERSION 2
/* Cells one document touches: total, each dim, the histogram; per hour and per day. */
#define CS_ROLLUP_DOC_CELLS (2 * (2 + CS_ROLLUP_MAX_DIMS))
/* A write touches the old and the new document's cells. */
#define CS_ROLLUP_MAX_CELLS (2 * CS_ROLLUP_DOC_CELLS)
#define CS_ROLLUP_KEY_MAX 160

struct cs_rollup_def {
    const char *coll;
    const char *time_field; /* "_created" or a numeric body field in Unix ms */
    const char *dims[CS_ROLLUP_MAX_DIMS];
    size_t ndims;
    const char *measures[CS_ROLLUP_MAX_MEASURES];
    size_t nmeasures;
    const char *hist; /* a measure with a histogram, or NULL */
};

struct cs_rollup_cell {
    int64_t hour_ms;
    char dim[64];
    char key[CS_ROLLUP_KEY_MAX];
    int64_t count;
    double sum[CS_ROLLUP_MAX_MEASURES];
    int64_t n[CS_ROLLUP_MAX_MEASURES];
};

/* The definition for `coll`, NULL when it has none. */
const struct cs_rollup_def *cs_rollup_def_for(const char *coll);
const struct cs_rollup_def *cs_rollup_defs(size_t *n);

/* The document's time (the time field, or created_ms for "_created"); false when the
 * field is missing or not a number (such a document is in no cell). */
bool cs_rollup_doc_time(const struct cs_rollup_def *d, json_object *body, int64_t created_ms,
                        int64_t *t);

/* Adds `sign` times the document's contribution to cells[*n..], merging into cells
 * already there with the same (hour, dim, key); hour_exact keeps the document's own
 * time instead of its hour, and adds no day cells (for scans of partial hours). At most CS_ROLLUP_DOC_CELLS
 * new cells; cap is the array's size. */
void cs_rollup_contribute(const struct cs_rollup_def *d, json_object *body, int64_t created_ms,
                          int sign, bool hour_exact, struct cs_rollup_cell *cells, size_t *n,
                          size_t cap);

/* A write's net change: new minus old (either NULL), cells with no change dropped. */
size_t cs_rollup_delta(const struct cs_rollup_def *d, json_object *old_body, int64_t old_created,
                       json_object *new_body, int64_t new_created, struct cs_rollup_cell *cells);

/* Histogram bins: a monotonic map of doubles to 0..32767 (sign, exponent and the top 3
 * mantissa bits of the IEEE 754 value, so a bin spans under 12.5% of its values), and
 * each bin's exact bounds [lo, hi) (hi +inf for the last). */
int cs_rollup_bin(double v);
void cs_rollup_bin_bounds(int bin, double *lo, double *hi);

/* Key encoding (see above); decode gives NULL for the null group. */
const char *cs_rollup_key_decode(const char *key);

#endif
