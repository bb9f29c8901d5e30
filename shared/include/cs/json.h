/* JSON in and out (json-c).
 *
 * Request bodies are parsed with a depth limit and UTF-8 validation; a body that is not
 * JSON, not UTF-8, or nested too deep is refused before any handler sees it. Where the
 * body is checked against a function's table is cs/schema.h, included here because every
 * function folder that builds JSON also declares its body's schema.
 */
#ifndef CS_JSON_H
#define CS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"
#include "cs/schema.h"
#include "cs/utf8.h" /* request bodies are checked with it; callers had it from here */

struct cs_arena;

#define CS_JSON_MAX_DEPTH 32

/* Parses `len` bytes into an object owned by `a` (released at reset). Errors:
 * CS_ERR_BAD_JSON (with a "json_invalid" field error at the byte offset),
 * CS_ERR_BAD_UTF8, CS_ERR_TOO_DEEP, CS_ERR_NOMEM. `errs` may be NULL. */
CS_MUST_CHECK int cs_json_parse(const char *body, size_t len, struct cs_arena *a, json_object **out,
                                struct cs_field_errors *errs);
/* A new empty object/array whose reference the arena drops at reset: build a response
 * tree under it (json_object_object_add transfers the children). NULL on failure. */
json_object *cs_json_object(struct cs_arena *a);
json_object *cs_json_array(struct cs_arena *a);
/* Keeps `obj` alive until the arena resets (takes over one reference). */
CS_MUST_CHECK int cs_json_own(struct cs_arena *a, json_object *obj);

/* Field readers; NULL/defaults when absent or of another type. */
const char *cs_json_get_str(json_object *obj, const char *key);
int64_t cs_json_get_int(json_object *obj, const char *key, int64_t dflt);
double cs_json_get_double(json_object *obj, const char *key, double dflt);
bool cs_json_get_bool(json_object *obj, const char *key, bool dflt);

/* Adders that swallow NULL values safely; return CS_ERR_NOMEM on failure. */
CS_MUST_CHECK int cs_json_add_str(json_object *obj, const char *key, const char *val);
CS_MUST_CHECK int cs_json_add_int(json_object *obj, const char *key, int64_t val);
/* Doubles are rounded to `digits` decimals so responses read 0.92, not 0.9199999. */
CS_MUST_CHECK int cs_json_add_double(json_object *obj, const char *key, double val, int digits);
CS_MUST_CHECK int cs_json_add_bool(json_object *obj, const char *key, bool val);
CS_MUST_CHECK int cs_json_add(json_object *obj, const char *key, json_object *val);
/* Appends `val` to the array `arr`, taking it: NULL (a failed allocation) or a failed
 * append is CS_ERR_NOMEM (and val is released), where a bare json_object_array_add of
 * a NULL would store null. */
CS_MUST_CHECK int cs_json_push(json_object *arr, json_object *val);

/* ---- Sticky builder ----
 * Builds an object with one check at the end instead of one per line: the first failed
 * add is remembered, every later add is a no-op (releasing what it was given), and
 * cs_jb_done returns the first failure. So no add can fail unnoticed, as a bare
 * json_object_object_add of a NULL from a failed json_object_new_string does (it stores
 * null where the value should be).
 *   struct cs_jb b;
 *   cs_jb_init(&b, cs_json_object(a));
 *   cs_jb_str(&b, "status", "queued");
 *   cs_jb_int(&b, "queued_at", now_ms);
 *   if ((rc = cs_jb_done(&b))) return rc;   // b.obj is the object
 */
struct cs_jb {
    json_object *obj;
    int rc;
};

/* obj NULL (a failed allocation) starts the builder failed with CS_ERR_NOMEM. The
 * builder does not own obj. */
void cs_jb_init(struct cs_jb *b, json_object *obj);
/* Takes `val`; NULL is a failed allocation (CS_ERR_NOMEM). */
void cs_jb_add(struct cs_jb *b, const char *key, json_object *val);
/* Adds a new reference to an existing value; NULL adds JSON null. */
void cs_jb_ref(struct cs_jb *b, const char *key, json_object *val);
/* NULL val adds JSON null. */
void cs_jb_str(struct cs_jb *b, const char *key, const char *val);
void cs_jb_int(struct cs_jb *b, const char *key, int64_t val);
void cs_jb_double(struct cs_jb *b, const char *key, double val, int digits);
void cs_jb_bool(struct cs_jb *b, const char *key, bool val);
void cs_jb_null(struct cs_jb *b, const char *key);
/* Adds the object `child` built (which must own a new object, as from
 * json_object_new_object), or takes on child's failure and releases its object. Build
 * the child fully first: after this call it belongs to b. */
void cs_jb_nest(struct cs_jb *b, const char *key, struct cs_jb *child);
/* CS_OK, or the first failure. */
CS_MUST_CHECK int cs_jb_done(const struct cs_jb *b);
/* For a builder over a new object (json_object_new_object) that a function returns:
 * the object, or NULL (a failure) after releasing it when any add failed. */
json_object *cs_jb_take(struct cs_jb *b);

#endif
