/* JSON in and out (json-c), and a small schema validator that reports per-field errors.
 *
 * Request bodies are parsed with a depth limit and UTF-8 validation; a body that is not
 * JSON, not UTF-8, or nested too deep is refused before any handler sees it. Schemas
 * are static tables in the function folder; validation records FastAPI-style field
 * errors (loc, msg, type) in the response for the family's error writer.
 */
#ifndef CS_JSON_H
#define CS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"
#include "cs/utf8.h" /* request bodies are checked with it; callers had it from here */

struct cs_arena;
struct cs_resp;

#define CS_JSON_MAX_DEPTH 32

enum cs_jtype { CS_J_ANY, CS_J_STRING, CS_J_INT, CS_J_NUMBER, CS_J_BOOL, CS_J_OBJECT, CS_J_ARRAY };
enum cs_jformat { CS_FMT_NONE, CS_FMT_EMAIL, CS_FMT_ID, CS_FMT_URL };

struct cs_schema;

struct cs_field {
    const char *name;
    enum cs_jtype type;
    bool required;
    bool nullable;
    size_t min_len, max_len; /* strings: characters; arrays: items; 0 = unbounded max */
    bool has_min, has_max;
    double min, max; /* numbers */
    enum cs_jformat format;
    const char *const *one_of;       /* NULL-terminated allowed string values */
    const struct cs_schema *object;  /* nested object (CS_J_OBJECT) or array items' object */
    enum cs_jtype items;             /* array item type (CS_J_ANY: unchecked) */
};

struct cs_schema {
    const struct cs_field *fields;
    size_t nfields;
};

/* Parses `len` bytes into an object owned by `a` (released at reset). Errors:
 * CS_ERR_BAD_JSON (with a "json_invalid" field error at the byte offset),
 * CS_ERR_BAD_UTF8, CS_ERR_TOO_DEEP, CS_ERR_NOMEM. `resp` may be NULL. */
CS_MUST_CHECK int cs_json_parse(const char *body, size_t len, struct cs_arena *a,
                                json_object **out, struct cs_resp *resp);
/* Validates `obj` (the body, at loc "body") against `s`. Returns 0 or
 * CS_ERR_VALIDATION after recording every field error in `resp`. */
CS_MUST_CHECK int cs_json_validate(const struct cs_schema *s, json_object *obj,
                                   struct cs_arena *a, struct cs_resp *resp);

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

/* True for a plausible email address (RFC 5321 lengths, one @, dotted domain). */
bool cs_email_valid(const char *s);

#endif
