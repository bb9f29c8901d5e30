/* A SQLite VFS over the default one whose only change is how WAL frames reach the
 * file: SQLite writes every frame as two pwrite calls (a 24-byte header, then the
 * page), so a commit of nine pages cost eighteen system calls, the largest share of
 * tickets-process's (strace -c under build.sh bench: 17.7 pwrite of ~31 calls per
 * ticket). Here the contiguous writes of a transaction gather in a buffer and reach
 * the file in one pwrite, at the latest when the commit frame is complete, i.e. before
 * xWrite returns for it and so before SQLite publishes the commit in the wal-index.
 *
 * The buffer is also written out before anything could observe the file without it:
 * a read, a size query, a truncate or sync of the WAL, its close, a write elsewhere in
 * it, and any wal-index lock change or memory barrier on the database (a fallback: by
 * then the commit rule has emptied it). So readers in this and other processes, the
 * checkpointer and crash recovery see exactly what plain SQLite would have written,
 * in the same order; an answer still comes only after its commit's frames are in the
 * file. SQLite has no option for this; a VFS shim is its documented extension point.
 *
 * The database file's writes gather the same way while they are contiguous: in WAL mode
 * only a checkpoint writes it, page by page in page order, and most of those pages lie
 * in runs (335 pwrite in 50 runs under tests/bench/ticket_cost.sh). Its buffer goes out
 * on any other call on the file (read, sync, truncate, size, lock, file control) and
 * on any wal-index call. SQLite signals the end of a checkpoint's copying with the
 * SQLITE_FCNTL_CKPT_DONE file control, before it syncs the file and publishes the
 * backfill, so no reader in any process finds a page of the database that is not yet
 * in the file. */
#include "store/sqlite_walbuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WALBUF_NAME "cs-walbuf"
/* A full buffer is written out and refilled. The default VFS writes at most 128 KiB - 1
 * bytes per call (seekAndWrite masks the count; a larger write comes back short, which
 * it reports as SQLITE_FULL), so the buffer stays below that. */
#define WALBUF_CAP (120 * 1024)
#define WAL_FRAME_HEADER 24

struct wb_file {
    sqlite3_file base;
    sqlite3_file *real; /* the default VFS's file, allocated behind this struct */
    bool wal;
    bool main_db;           /* a main database file: contiguous writes gather too */
    bool commit_next;       /* the last write was a commit frame's header */
    struct wb_file *db_wal; /* on a database file: its open WAL, if any */
    struct wb_file *wal_db; /* on a WAL file: its database file */
    unsigned char *buf;
    size_t len;
    sqlite3_int64 start; /* file offset of buf[0] */
};

static sqlite3_vfs wb_vfs;
static sqlite3_vfs *real_vfs;

static struct wb_file *WB(sqlite3_file *f) { return (struct wb_file *)f; }

static int wb_flush(struct wb_file *f)
{
    if (f->len == 0) return SQLITE_OK;
    int rc = f->real->pMethods->xWrite(f->real, f->buf, (int)f->len, f->start);
    f->len = 0;
    return rc;
}

/* A database file's buffer (a WAL's goes out at its commit frame). */
static int wb_flush_db(struct wb_file *f) { return f->main_db ? wb_flush(f) : SQLITE_OK; }

static int wb_close(sqlite3_file *file)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush(f);
    if (f->wal_db) f->wal_db->db_wal = NULL;
    if (f->db_wal) f->db_wal->wal_db = NULL;
    int rc2 = f->real->pMethods->xClose(f->real);
    free(f->buf);
    f->buf = NULL;
    return rc ? rc : rc2;
}

static int wb_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 off)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush(f);
    return rc ? rc : f->real->pMethods->xRead(f->real, out, amt, off);
}

/* True for a frame header whose "database size after commit" field is set. */
static bool is_commit_header(const void *p, int amt)
{
    const unsigned char *h = p;
    return amt == WAL_FRAME_HEADER && (h[4] | h[5] | h[6] | h[7]) != 0;
}

static int wb_write(sqlite3_file *file, const void *p, int amt, sqlite3_int64 off)
{
    struct wb_file *f = WB(file);
    if (!f->wal && !f->main_db) return f->real->pMethods->xWrite(f->real, p, amt, off);
    bool ends_commit = f->wal && f->commit_next;
    f->commit_next = f->wal && is_commit_header(p, amt);
    int rc = SQLITE_OK;
    if (f->len > 0 &&
        (off != f->start + (sqlite3_int64)f->len || f->len + (size_t)amt > WALBUF_CAP))
        rc = wb_flush(f);
    if (rc) return rc;
    if (!f->buf) f->buf = malloc(WALBUF_CAP);
    if (!f->buf || (size_t)amt > WALBUF_CAP) return f->real->pMethods->xWrite(f->real, p, amt, off);
    if (f->len == 0) f->start = off;
    memcpy(f->buf + f->len, p, (size_t)amt);
    f->len += (size_t)amt;
    return ends_commit ? wb_flush(f) : SQLITE_OK;
}

static int wb_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush(f);
    return rc ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int wb_sync(sqlite3_file *file, int flags)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush(f);
    return rc ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int wb_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush(f);
    return rc ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int wb_lock(sqlite3_file *file, int l)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush_db(f);
    return rc ? rc : f->real->pMethods->xLock(f->real, l);
}
static int wb_unlock(sqlite3_file *file, int l)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush_db(f);
    return rc ? rc : f->real->pMethods->xUnlock(f->real, l);
}

static int wb_check_reserved(sqlite3_file *file, int *out)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush_db(f);
    return rc ? rc : f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int wb_file_control(sqlite3_file *file, int op, void *arg)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush(f); /* a WAL's, or a database's (SQLITE_FCNTL_CKPT_DONE among them) */
    return rc ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int wb_sector_size(sqlite3_file *file)
{
    return WB(file)->real->pMethods->xSectorSize(WB(file)->real);
}

static int wb_device_characteristics(sqlite3_file *file)
{
    return WB(file)->real->pMethods->xDeviceCharacteristics(WB(file)->real);
}

/* The wal-index methods are called on the database file: its WAL's buffer goes out
 * before any lock changes hands or the index header is published. */
static int wb_flush_wal(struct wb_file *db)
{
    int rc = wb_flush_db(db);
    if (rc) return rc;
    return db->db_wal ? wb_flush(db->db_wal) : SQLITE_OK;
}

static int wb_shm_map(sqlite3_file *file, int pg, int pgsz, int extend, void volatile **pp)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush_wal(f);
    return rc ? rc : f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int wb_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush_wal(f);
    return rc ? rc : f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void wb_shm_barrier(sqlite3_file *file)
{
    struct wb_file *f = WB(file);
    /* Empty in practice: the commit frame's write flushed it. The database's buffer
     * stays for a call that can report a failed write (it is not read from the file
     * before CKPT_DONE, a sync, a lock or a read flush it). */
    if (f->db_wal) (void)wb_flush(f->db_wal);
    f->real->pMethods->xShmBarrier(f->real);
}

static int wb_shm_unmap(sqlite3_file *file, int del)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush_wal(f);
    return rc ? rc : f->real->pMethods->xShmUnmap(f->real, del);
}

static int wb_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush_db(f);
    return rc ? rc : f->real->pMethods->xFetch(f->real, off, amt, pp);
}

static int wb_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
    struct wb_file *f = WB(file);
    int rc = wb_flush_db(f);
    return rc ? rc : f->real->pMethods->xUnfetch(f->real, off, p);
}

static const sqlite3_io_methods wb_io = {
    3,
    wb_close,
    wb_read,
    wb_write,
    wb_truncate,
    wb_sync,
    wb_file_size,
    wb_lock,
    wb_unlock,
    wb_check_reserved,
    wb_file_control,
    wb_sector_size,
    wb_device_characteristics,
    wb_shm_map,
    wb_shm_lock,
    wb_shm_barrier,
    wb_shm_unmap,
    wb_fetch,
    wb_unfetch,
};

static int wb_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                   int *out_flags)
{
    (void)vfs;
    struct wb_file *f = WB(file);
    memset(f, 0, sizeof(*f));
    f->real = (sqlite3_file *)(f + 1);
    int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) return rc;
    /* Shared-memory and mmap methods exist from version 2 and 3 of the real file's. */
    if (f->real->pMethods->iVersion < 3) {
        f->real->pMethods->xClose(f->real);
        return SQLITE_CANTOPEN;
    }
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    f->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
    if (f->wal && name) {
        struct wb_file *db = WB(sqlite3_database_file_object(name));
        if (db && db->base.pMethods == &wb_io) {
            db->db_wal = f;
            f->wal_db = db;
        }
    }
    f->base.pMethods = &wb_io;
    return SQLITE_OK;
}

static int wb_delete(sqlite3_vfs *v, const char *n, int sync)
{
    (void)v;
    return real_vfs->xDelete(real_vfs, n, sync);
}
static int wb_access(sqlite3_vfs *v, const char *n, int flags, int *out)
{
    (void)v;
    return real_vfs->xAccess(real_vfs, n, flags, out);
}
static int wb_full_pathname(sqlite3_vfs *v, const char *n, int len, char *out)
{
    (void)v;
    return real_vfs->xFullPathname(real_vfs, n, len, out);
}
static void *wb_dlopen(sqlite3_vfs *v, const char *n)
{
    (void)v;
    return real_vfs->xDlOpen(real_vfs, n);
}
static void wb_dlerror(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    real_vfs->xDlError(real_vfs, n, out);
}
static void (*wb_dlsym(sqlite3_vfs *v, void *h, const char *s))(void)
{
    (void)v;
    return real_vfs->xDlSym(real_vfs, h, s);
}
static void wb_dlclose(sqlite3_vfs *v, void *h)
{
    (void)v;
    real_vfs->xDlClose(real_vfs, h);
}
static int wb_randomness(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xRandomness(real_vfs, n, out);
}
static int wb_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return real_vfs->xSleep(real_vfs, us);
}
static int wb_current_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return real_vfs->xCurrentTime(real_vfs, out);
}
static int wb_last_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xGetLastError(real_vfs, n, out);
}
static int wb_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    (void)v;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

const char *cs_sqlite_walbuf_register(void)
{
    if (wb_vfs.zName) return WALBUF_NAME;
    real_vfs = sqlite3_vfs_find(NULL);
    if (!real_vfs || real_vfs->iVersion < 2) return NULL;
    wb_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(struct wb_file) + real_vfs->szOsFile,
        .mxPathname = real_vfs->mxPathname,
        .zName = WALBUF_NAME,
        .xOpen = wb_open,
        .xDelete = wb_delete,
        .xAccess = wb_access,
        .xFullPathname = wb_full_pathname,
        .xDlOpen = wb_dlopen,
        .xDlError = wb_dlerror,
        .xDlSym = wb_dlsym,
        .xDlClose = wb_dlclose,
        .xRandomness = wb_randomness,
        .xSleep = wb_sleep,
        .xCurrentTime = wb_current_time,
        .xGetLastError = wb_last_error,
        .xCurrentTimeInt64 = wb_current_time64,
    };
    if (sqlite3_vfs_register(&wb_vfs, 0) != SQLITE_OK) {
        wb_vfs.zName = NULL;
        return NULL;
    }
    return WALBUF_NAME;
}
