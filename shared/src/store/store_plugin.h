/* Store backends loaded at run time (dlopen), so that a process pays for a backend's
 * libraries only when it opens that backend's URI. Today: MongoDB, whose libmongoc
 * initialises OpenSSL, ICU (via libmongocrypt), SASL... when it is loaded, which would
 * double the cold start of every function if the binaries linked it.
 *
 * The plugin reaches the core only through `struct cs_store_host`, a table of function
 * pointers the core hands it at load time, instead of resolving core symbols from the
 * executable (-rdynamic / --export-dynamic). Why:
 *   - executables stay as they are: no exported symbol table grown by every libcs
 *     function in every binary, and no core symbol silently interposing on a library's;
 *   - the plugin is linked with -z defs, so a core function it needs but the table lacks
 *     fails the build, not a dlopen at a customer's cold start (with --export-dynamic it
 *     would also depend on which libcs.a members each binary happened to pull in);
 *   - the ABI is explicit and checked: a plugin from another build is refused with a
 *     clear log line instead of corrupting a `struct cs_store`.
 * The core side is store_plugin.c; the plugin side store_mongo_host.c, which defines the
 * few core functions the plugin's sources call as forwarders through the table.
 *
 * Bump CS_STORE_PLUGIN_ABI whenever this table, `struct cs_store` or
 * `struct cs_store_ops` (store_int.h) changes meaning; the sizes catch the rest. */
#ifndef CS_STORE_PLUGIN_H
#define CS_STORE_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/reporting.h"
#include "store/store_int.h"
#include "store/store_rollup.h"

#define CS_STORE_PLUGIN_ABI 3
/* The one symbol a plugin exports, of type cs_store_plugin_init_fn. */
#define CS_STORE_PLUGIN_INIT "cs_store_plugin_init"
/* File name of the MongoDB plugin, looked up in the directories store_plugin.c lists. */
#define CS_STORE_MONGO_PLUGIN "libcs-store-mongo.so"

struct cs_buf;

struct cs_store_host {
    unsigned abi;      /* CS_STORE_PLUGIN_ABI */
    size_t size;       /* sizeof(struct cs_store_host) */
    size_t store_size; /* sizeof(struct cs_store): the header every backend embeds */
    size_t ops_size;   /* sizeof(struct cs_store_ops) */
    /* cs/log.h: goes through the core's logger, so level and function name apply. */
    void (*log_va)(int level, const char *msg, va_list kv);
    int64_t (*now_ms)(void);
    /* cs/arena.h and cs/buf.h */
    void *(*arena_alloc)(struct cs_arena *a, size_t n);
    char *(*arena_strdup)(struct cs_arena *a, const char *s);
    char *(*arena_strndup)(struct cs_arena *a, const char *s, size_t n);
    char *(*arena_vprintf)(struct cs_arena *a, const char *fmt, va_list ap);
    int (*arena_defer)(struct cs_arena *a, void (*fn)(void *), void *arg);
    void (*buf_init)(struct cs_buf *b, struct cs_arena *a, size_t cap);
    int (*buf_append)(struct cs_buf *b, const void *p, size_t n);
    const char *(*buf_str)(struct cs_buf *b);
    /* store_int.h helpers */
    json_object *(*store_body_parse)(struct cs_arena *a, const char *text, size_t len);
    bool (*store_field_valid)(const char *field);
    size_t (*store_query_terms)(struct cs_arena *a, const char *text, const char **terms,
                                size_t max);
    /* store_rollup.h: what a write changes in the rollups, done by the core's code so
     * both backends count alike */
    const struct cs_rollup_def *(*rollup_def_for)(const char *coll);
    size_t (*rollup_delta)(const struct cs_rollup_def *d, json_object *old_body,
                           int64_t old_created, json_object *new_body, int64_t new_created,
                           struct cs_rollup_cell *cells);
    const char *(*rollup_key_decode)(const char *key);
    /* cs/reporting.h and cs/clock.h: the reporting schema, checks and segment
     * arithmetic stay the core's, so both backends store and answer alike. */
    const struct cs_rp_resource *(*rp_resource_find)(const char *name);
    const struct cs_rp_field *(*rp_field_find)(const struct cs_rp_resource *r, const char *name);
    void (*rp_time_str)(int64_t ms, char *out);
    int (*time_parse_iso)(const char *s, int64_t *ms);
    int (*rp_segments_of)(json_object *call, struct cs_rp_segments *out);
    int (*rp_import_parse)(const char *body, size_t len, struct cs_arena *a, json_object **records,
                           size_t *bad_line);
    int (*rp_import_check)(const struct cs_rp_resource *r, json_object *records, struct cs_arena *a,
                           json_object **errors);
    struct cs_arena *(*arena_new)(size_t block);
    void (*arena_destroy)(struct cs_arena *a);
};

/* A backend's constructor, as cs_store_sqlite_open: `uri` is the whole URI. */
typedef int cs_store_open_fn(const char *uri, struct cs_store **out);

/* Called once per process right after dlopen. Keeps `host` (static storage, never
 * freed) and gives the backend's constructor. CS_ERR_CONFIG when the host's ABI or
 * sizes differ from the plugin's. */
typedef int cs_store_plugin_init_fn(const struct cs_store_host *host, cs_store_open_fn **open);

/* Plugin side: the MongoDB backend's constructor (store_mongo.c), which the plugin's
 * init hands out. */
int cs_store_mongo_backend_open(const char *uri, struct cs_store **out);

#endif
