/* The MongoDB plugin's side of store_plugin.h: its one exported symbol, and the core
 * functions store_mongo.c and store_mongo_query.c call, defined here as forwarders
 * through the host table. Those two files therefore compile unchanged into the plugin
 * and, linked against libcs.a instead of this file, into store_mongo_query_test.
 *
 * Built only into $(BUILD)/lib/libcs-store-mongo.so, with -fvisibility=hidden: these
 * forwarders never leave the plugin, so they cannot shadow the core's own functions. */
#include <string.h>

#include "cs/arena.h"
#include "cs/buf.h"
#include "cs/clock.h"
#include "cs/error.h"
#include "cs/log.h"
#include "cs/reporting.h"
#include "store/store_plugin.h"

/* Set once by cs_store_plugin_init, before any open; read-only afterwards. */
static const struct cs_store_host *H;

__attribute__((visibility("default"))) cs_store_plugin_init_fn cs_store_plugin_init;

int cs_store_plugin_init(const struct cs_store_host *host, cs_store_open_fn **open)
{
    *open = NULL;
    if (!host || host->abi != CS_STORE_PLUGIN_ABI || host->size != sizeof(*host) ||
        host->store_size != sizeof(struct cs_store) ||
        host->ops_size != sizeof(struct cs_store_ops))
        return CS_ERR_CONFIG;
    H = host;
    *open = cs_store_mongo_backend_open;
    return CS_OK;
}

void cs_log(int level, const char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    H->log_va(level, msg, ap);
    va_end(ap);
}

int64_t cs_now_ms(void) { return H->now_ms(); }

void *cs_arena_alloc(struct cs_arena *a, size_t n) { return H->arena_alloc(a, n); }
char *cs_arena_strdup(struct cs_arena *a, const char *s) { return H->arena_strdup(a, s); }
char *cs_arena_strndup(struct cs_arena *a, const char *s, size_t n)
{
    return H->arena_strndup(a, s, n);
}
int cs_arena_defer(struct cs_arena *a, void (*fn)(void *), void *arg)
{
    return H->arena_defer(a, fn, arg);
}

void cs_buf_init(struct cs_buf *b, struct cs_arena *a, size_t cap) { H->buf_init(b, a, cap); }
const char *cs_buf_str(struct cs_buf *b) { return H->buf_str(b); }

/* Formats into the buffer's arena, then appends: the cap and the "unchanged on
 * failure" contract of cs/buf.h stay the core's. */
int cs_buf_printf(struct cs_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = H->arena_vprintf(b->arena, fmt, ap);
    va_end(ap);
    if (!s) return CS_ERR_NOMEM;
    return H->buf_append(b, s, strlen(s));
}

json_object *cs_store_body_parse(struct cs_arena *a, const char *text, size_t len)
{
    return H->store_body_parse(a, text, len);
}
bool cs_store_field_valid(const char *f) { return H->store_field_valid(f); }
size_t cs_store_query_terms(struct cs_arena *a, const char *text, const char **terms, size_t max)
{
    return H->store_query_terms(a, text, terms, max);
}

const struct cs_rollup_def *cs_rollup_def_for(const char *coll) { return H->rollup_def_for(coll); }
size_t cs_rollup_delta(const struct cs_rollup_def *d, json_object *old_body, int64_t old_created,
                       json_object *new_body, int64_t new_created, struct cs_rollup_cell *cells)
{
    return H->rollup_delta(d, old_body, old_created, new_body, new_created, cells);
}
const char *cs_rollup_key_decode(const char *key) { return H->rollup_key_decode(key); }

const struct cs_rp_resource *cs_rp_resource_find(const char *name)
{
    return H->rp_resource_find(name);
}
const struct cs_rp_field *cs_rp_field_find(const struct cs_rp_resource *r, const char *name)
{
    return H->rp_field_find(r, name);
}
void cs_rp_time_str(int64_t ms, char *out) { H->rp_time_str(ms, out); }
int cs_time_parse_iso(const char *s, int64_t *ms) { return H->time_parse_iso(s, ms); }
int cs_rp_segments_of(json_object *call, struct cs_rp_segments *out)
{
    return H->rp_segments_of(call, out);
}
int cs_rp_import_parse(const char *body, size_t len, struct cs_arena *a, json_object **records,
                       size_t *bad_line)
{
    return H->rp_import_parse(body, len, a, records, bad_line);
}
int cs_rp_import_check(const struct cs_rp_resource *r, json_object *records, struct cs_arena *a,
                       json_object **errors)
{
    return H->rp_import_check(r, records, a, errors);
}
struct cs_arena *cs_arena_new(size_t block) { return H->arena_new(block); }
void cs_arena_destroy(struct cs_arena *a) { H->arena_destroy(a); }

/* Plain value constructors (cs/store.h): no state, so defined here rather than routed. */
struct cs_value cs_val_str(const char *s) { return (struct cs_value){.type = CS_VAL_STR, .s = s}; }
struct cs_value cs_val_int(int64_t i) { return (struct cs_value){.type = CS_VAL_INT, .i = i}; }
struct cs_value cs_val_real(double d) { return (struct cs_value){.type = CS_VAL_REAL, .d = d}; }
struct cs_value cs_val_bool(bool b) { return (struct cs_value){.type = CS_VAL_BOOL, .b = b}; }
