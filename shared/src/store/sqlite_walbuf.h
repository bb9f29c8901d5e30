/* The WAL-write-gathering VFS of the SQLite store (sqlite_walbuf.c). */
#ifndef CS_SQLITE_WALBUF_H
#define CS_SQLITE_WALBUF_H

#include <sqlite3.h>

/* Registers the VFS once (not as the default) over SQLite's default one and returns
 * its name for sqlite3_open_v2, or NULL when it cannot (then open with the default).
 * Not thread-safe: call it under a once-guard. */
const char *cs_sqlite_walbuf_register(void);

#endif
