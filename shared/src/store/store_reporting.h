/* Private to the store: the SQLite connection the reporting tables share. */
#ifndef CS_STORE_REPORTING_H
#define CS_STORE_REPORTING_H

#include <stdint.h>

#include <sqlite3.h>

struct cs_store;

/* NULL when `st` is not a SQLite store. */
sqlite3 *cs_store_sqlite_db(struct cs_store *st);

/* Topic of the reporting records a session change stages (cs_rp_chat_stage): the
 * backend writes them into the reporting tables in the same operation as the change,
 * never into the webhook outbox. */
#define CS_RP_STAGE_TOPIC "_reporting"

/* Creates the reporting tables now, when no transaction is open on the connection, so
 * the staged write that follows finds them: tables a write creates inside its own
 * transaction are not remembered (its rollback would take them), and would be created
 * again by every such write. */
void cs_rp_sqlite_prepare(sqlite3 *db);

/* Writes a staged payload (a JSON array of `resource` records) inside the caller's
 * transaction: checked as an import is, then upserted with changed_details. */
int cs_rp_sqlite_write_staged(sqlite3 *db, const char *tenant, const char *resource,
                              const char *payload, int64_t now_ms);

#endif
