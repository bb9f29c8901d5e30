/* Request schemas: the static field tables a function folder declares for its body,
 * their validation, and the per-field errors (FastAPI's loc, msg, type) it records.
 *
 * The errors belong to this module, not to the response: the request layer (cs/http.h)
 * carries one `struct cs_field_errors`, which the family writers turn into each family's
 * error format, so nothing below the request layer needs to know what a response is.
 */
#ifndef CS_SCHEMA_H
#define CS_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "cs/error.h"

struct cs_arena;

#define CS_MAX_FIELD_ERRORS 16

/* One per-field problem found while validating a request (FastAPI's ValidationError). */
struct cs_field_error {
    const char *loc[4]; /* e.g. {"body", "raw_message"}; unused entries NULL */
    int loc_index;      /* >= 0: an integer loc element appended after loc[] (JSON pos) */
    const char *msg;    /* "Field required" */
    const char *type;   /* "missing" */
};

struct cs_field_errors {
    struct cs_field_error e[CS_MAX_FIELD_ERRORS];
    size_t n;
};

/* Records one error at `loc` (up to three names, NULL-terminated); `loc_index` < 0 for
 * none. Extra ones beyond CS_MAX_FIELD_ERRORS are dropped; `errs` may be NULL. The
 * strings must outlive the record (static or arena). */
void cs_field_errors_add(struct cs_field_errors *errs, const char *const *loc, int loc_index,
                         const char *msg, const char *type);

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
    const char *const *one_of;      /* NULL-terminated allowed string values */
    const struct cs_schema *object; /* nested object (CS_J_OBJECT) or array items' object */
    enum cs_jtype items;            /* array item type (CS_J_ANY: unchecked) */
};

struct cs_schema {
    const struct cs_field *fields;
    size_t nfields;
};

/* Validates `obj` (the body, at loc "body") against `s`. Returns 0 or
 * CS_ERR_VALIDATION after recording every field error in `errs`. */
CS_MUST_CHECK int cs_json_validate(const struct cs_schema *s, json_object *obj, struct cs_arena *a,
                                   struct cs_field_errors *errs);
/* `s` as a JSON Schema (2020-12) object, caller owns it (json_object_put); for the
 * OpenAPI document (`<function> --routes`). Unknown fields are allowed, as validation
 * allows them. */
json_object *cs_json_schema_describe(const struct cs_schema *s);

/* True for a plausible email address (RFC 5321 lengths, one @, dotted domain). */
bool cs_email_valid(const char *s);

#endif
