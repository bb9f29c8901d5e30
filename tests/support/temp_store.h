/* A SQLite store in a temporary file, for unit tests that need a real store.
 *
 * Why one helper: every store-backed test names a per-process database file, opens it,
 * and on the way out must remove the file together with the -wal and -shm (or -journal)
 * files SQLite leaves beside it; a test that forgets one of them leaves litter in the
 * shared temporary folder. Files go under CS_TEST_TMP when build.sh test sets it (so a
 * run cleans up after itself), else /tmp.
 *
 * Use:
 *   static struct temp_db db;
 *   struct cs_store *st = temp_db_create(&db, "outbox"); // <tmp>/cs-outbox-<pid>.db, empty
 *   ...
 *   temp_db_close(&db, st);                  // closes st, removes the files
 * A test that reopens the same file (to see what survives a restart) calls temp_db_init
 * once and temp_db_open each time.
 */
#ifndef CS_TEST_TEMP_STORE_H
#define CS_TEST_TEMP_STORE_H

#include "cs/store.h"

struct temp_db {
    char path[512]; /* the database file */
    char uri[528];  /* "sqlite://" + path, for cs_store_open and CS_STORE_URI */
};

/* Names "<CS_TEST_TMP or /tmp>/cs-<name>-<pid>.db" and removes any database files an
 * earlier run left under that name, so the test starts from an empty store. */
void temp_db_init(struct temp_db *db, const char *name);

/* Opens (creating) the store at db; the caller closes it. NULL when it cannot be opened. */
struct cs_store *temp_db_open(const struct temp_db *db);

/* temp_db_init then temp_db_open: a new, empty store; NULL when it cannot be opened. */
struct cs_store *temp_db_create(struct temp_db *db, const char *name);

/* Removes the database file and its -wal, -shm and -journal companions; missing ones
 * are fine. */
void temp_db_remove(const struct temp_db *db);

/* Closes st (NULL is fine) and removes the files, as temp_db_remove. */
void temp_db_close(const struct temp_db *db, struct cs_store *st);

#endif
