/* The full-text search of the SQLite store, answered from memory (issue #15).
 *
 * An FTS5 query with bm25 cost a ticket ~0.7 M instructions (a quarter of its CPU):
 * bm25 counts every phrase's rows with a second query, and each matching row is joined
 * to `docs`. Searchable documents are knowledge-base chunks, tens to thousands per
 * store, so the connection keeps an inverted index of docs_fts in memory, built from
 * the table with FTS5's own tokenizer, and ranks with FTS5's bm25 formula over the same
 * statistics (all rows of the table, as FTS5 counts them): the same rows, scores and
 * order as `ORDER BY bm25(docs_fts, 2.0, 1.0)`, ties in rowid order as SQLite's sorter
 * keeps them (tests/unit/store/store_kbindex_test.c compares the two).
 *
 * The index is rebuilt when FTS5's structure record changes (every write to the table
 * changes it: it counts them), when this connection wrote to the table since the build,
 * and after the end of a transaction in which it was built over this connection's own
 * uncommitted writes (they may have been rolled back). Everything runs under the
 * connection's lock. */
#ifndef CS_SQLITE_KBINDEX_H
#define CS_SQLITE_KBINDEX_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct kbx;

/* The connection's FTS write history, kept by store_sqlite.c: `writes` counts its writes
 * to docs_fts, `write_gen` is the transaction number of the last one, `gen` the open
 * transaction's number. */
struct kbx_clock {
    unsigned long gen, writes, write_gen;
};

struct kbx_hit {
    int64_t rid;
    double score; /* -bm25: larger is better */
};

/* Ranks the rows of (tenant, coll) matching any of the phrases terms[0..n) (each one
 * FTS5 phrase, as if quoted) and writes the best `limit` into hits (*nhits of them).
 * Nonzero when the index cannot be had: the caller asks FTS5 instead. */
int kbx_search(struct kbx **slot, sqlite3 *db, const struct kbx_clock *clk, const char *tenant,
               const char *coll, const char *const *terms, size_t n, size_t limit,
               struct kbx_hit *hits, size_t *nhits);

void kbx_free(struct kbx *x);

#endif
