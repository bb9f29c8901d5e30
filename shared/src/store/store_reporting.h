/* Private to the store: the SQLite connection the reporting tables share. */
#ifndef CS_STORE_REPORTING_H
#define CS_STORE_REPORTING_H

#include <stdint.h>

#include <sqlite3.h>

#include "cs/reporting.h"
#include "store/store_rp_backend.h" /* CS_RP_STAGE_TOPIC */

struct cs_store;

/* NULL when `st` is not a SQLite store. */
sqlite3 *cs_store_sqlite_db(struct cs_store *st);

/* Creates the reporting tables now, when no transaction is open on the connection, so
 * the staged write that follows finds them: tables a write creates inside its own
 * transaction are not remembered (its rollback would take them), and would be created
 * again by every such write. */
void cs_rp_sqlite_prepare(sqlite3 *db);
/* The connection is being closed: its handle may come back for another file (or the
 * same file changed meanwhile), which must then be set up again. */
void cs_rp_sqlite_forget(sqlite3 *db);

/* Writes a staged payload (a JSON array of `resource` records) inside the caller's
 * transaction: checked as an import is, then upserted with changed_details. */
int cs_rp_sqlite_write_staged(sqlite3 *db, const char *tenant, const char *resource,
                              const char *payload, int64_t now_ms);

/* The SQLite side of the cs_rp_store_* operations (same contracts, cs/reporting.h);
 * store_reporting.c dispatches to them or to a backend's cs_rp_store_ops. */
int cs_rp_sqlite_import(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const struct cs_rp_resource *r, json_object *records, int64_t now_ms,
                        struct cs_rp_import_result *res);
int cs_rp_sqlite_list(struct cs_store *st, struct cs_arena *a, const char *tenant,
                      const struct cs_rp_resource *r, const struct cs_rp_query *q,
                      json_object *items, int64_t *total);
int cs_rp_sqlite_list_raw(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const struct cs_rp_resource *r, const struct cs_rp_query *q,
                          struct cs_buf *out, int64_t *total, struct cs_rp_page_end *end);
int cs_rp_sqlite_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                     const struct cs_rp_resource *r, int64_t id, bool with_deleted,
                     json_object **out);
int cs_rp_sqlite_children(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const struct cs_rp_resource *r, const char *col, int64_t v, size_t limit,
                          json_object *items);
int cs_rp_sqlite_team_agents(struct cs_store *st, struct cs_arena *a, const char *tenant,
                             int64_t team_id, json_object *items);
int cs_rp_sqlite_segment_stats(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               enum cs_rp_group g, int64_t from_ms, int64_t to_ms,
                               struct cs_rp_group_row **rows, size_t *nrows);

/* Whether `st` keeps the reporting tables (SQLite, or a backend with cs_rp_store_ops):
 * only then are reporting records staged with a session or decision write. */
bool cs_rp_store_ready(struct cs_store *st);

#endif
