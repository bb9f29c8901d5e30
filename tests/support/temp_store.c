#include "temp_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void temp_db_init(struct temp_db *db, const char *name)
{
    const char *tmp = getenv("CS_TEST_TMP");
    snprintf(db->path, sizeof(db->path), "%s/cs-%s-%d.db", tmp && *tmp ? tmp : "/tmp", name,
             (int)getpid());
    snprintf(db->uri, sizeof(db->uri), "sqlite://%s", db->path);
    temp_db_remove(db);
}

struct cs_store *temp_db_open(const struct temp_db *db)
{
    struct cs_store *st = NULL;
    return cs_store_open(db->uri, &st) == CS_OK ? st : NULL;
}

struct cs_store *temp_db_create(struct temp_db *db, const char *name)
{
    temp_db_init(db, name);
    return temp_db_open(db);
}

void temp_db_remove(const struct temp_db *db)
{
    char p[sizeof(db->path) + 8];
    unlink(db->path);
    snprintf(p, sizeof(p), "%s-wal", db->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", db->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-journal", db->path); /* when not in WAL mode */
    unlink(p);
}

void temp_db_close(const struct temp_db *db, struct cs_store *st)
{
    if (st) cs_store_close(st);
    temp_db_remove(db);
}
