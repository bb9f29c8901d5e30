/* Private to the store: the SQLite connection the reporting tables share. */
#ifndef CS_STORE_REPORTING_H
#define CS_STORE_REPORTING_H

#include <sqlite3.h>

struct cs_store;

/* NULL when `st` is not a SQLite store. */
sqlite3 *cs_store_sqlite_db(struct cs_store *st);

#endif
