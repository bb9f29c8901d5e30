/* Request schemas: the field tables functions declare, their validation, and the
 * per-field errors it finds. The errors are this module's own record; the request layer
 * (cs/http.h) carries one and the family writers turn it into each family's format. */
#include "cs/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/error.h"
#include "cs/utf8.h"

void cs_field_errors_add(struct cs_field_errors *errs, const char *const *loc, int loc_index,
                         const char *msg, const char *type)
{
    if (!errs || errs->n >= CS_MAX_FIELD_ERRORS) return;
    struct cs_field_error *e = &errs->e[errs->n++];
    memset(e, 0, sizeof(*e));
    for (int i = 0; i < 3 && loc[i]; i++) e->loc[i] = loc[i];
    e->loc_index = loc_index;
    e->msg = msg;
    e->type = type;
}

/* ---- formats ---- */

static bool domain_valid(const char *d)
{
    size_t len = strlen(d), label = 0, labels = 0;
    if (len == 0 || len > 253) return false;
    const char *last = d;
    for (const char *p = d;; p++) {
        if (*p == '.' || *p == '\0') {
            if (label == 0 || label > 63 || p[-1] == '-' || *last == '-') return false;
            labels++;
            if (*p == '\0') break;
            label = 0;
            last = p + 1;
            continue;
        }
        if (!isalnum((unsigned char)*p) && *p != '-') return false;
        label++;
    }
    if (labels < 2) return false;
    for (const char *p = last; *p; p++) /* the top-level label is never numeric */
        if (isalpha((unsigned char)*p)) return true;
    return false;
}

bool cs_email_valid(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || strchr(at + 1, '@') || strlen(s) > 254) return false;
    size_t local = (size_t)(at - s);
    if (local == 0 || local > 64 || s[0] == '.' || at[-1] == '.') return false;
    for (const char *p = s; p < at; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c >= 0x7f || strchr("()<>[]:;@\\,\"", c)) return false;
        if (c == '.' && p[1] == '.') return false;
    }
    return domain_valid(at + 1);
}

static bool id_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-_.:", *s)) return false;
    return true;
}

/* ---- validation ---- */

struct vctx {
    struct cs_arena *a;
    struct cs_field_errors *errs;
};

static void verr(struct vctx *v, const char *const loc[3], int index, const char *msg,
                 const char *type)
{
    cs_field_errors_add(v->errs, loc, index, msg ? msg : "Invalid value", type);
}

static const char *type_msg(enum cs_jtype t, const char **type)
{
    switch (t) {
    case CS_J_STRING: *type = "string_type"; return "Input should be a valid string";
    case CS_J_INT: *type = "int_type"; return "Input should be a valid integer";
    case CS_J_NUMBER: *type = "float_type"; return "Input should be a valid number";
    case CS_J_BOOL: *type = "bool_type"; return "Input should be a valid boolean";
    case CS_J_OBJECT: *type = "dict_type"; return "Input should be a valid dictionary";
    case CS_J_ARRAY: *type = "list_type"; return "Input should be a valid list";
    default: *type = "value_error"; return "Invalid value";
    }
}

static bool type_ok(enum cs_jtype t, json_object *val)
{
    switch (t) {
    case CS_J_ANY: return true;
    case CS_J_STRING: return json_object_is_type(val, json_type_string);
    case CS_J_INT: return json_object_is_type(val, json_type_int);
    case CS_J_NUMBER:
        return json_object_is_type(val, json_type_int) ||
               json_object_is_type(val, json_type_double);
    case CS_J_BOOL: return json_object_is_type(val, json_type_boolean);
    case CS_J_OBJECT: return json_object_is_type(val, json_type_object);
    case CS_J_ARRAY: return json_object_is_type(val, json_type_array);
    }
    return false;
}

static void check_string(struct vctx *v, const struct cs_field *f, const char *const loc[3],
                         json_object *val)
{
    const char *s = json_object_get_string(val);
    size_t chars = cs_utf8_len(s, (size_t)json_object_get_string_len(val));
    if (chars < f->min_len) {
        verr(v, loc, -1,
             cs_arena_printf(v->a, "String should have at least %zu character%s", f->min_len,
                             f->min_len == 1 ? "" : "s"),
             "string_too_short");
        return;
    }
    if (f->max_len && chars > f->max_len) {
        verr(v, loc, -1,
             cs_arena_printf(v->a, "String should have at most %zu characters", f->max_len),
             "string_too_long");
        return;
    }
    if (f->format == CS_FMT_EMAIL && !cs_email_valid(s)) {
        verr(v, loc, -1,
             strchr(s, '@') ? "value is not a valid email address: The part after the @-sign "
                              "is not valid."
                            : "value is not a valid email address: An email address must "
                              "have an @-sign.",
             "value_error");
        return;
    }
    if (f->format == CS_FMT_ID && !id_valid(s)) {
        verr(v, loc, -1, "String should match pattern '^[A-Za-z0-9._:-]{1,128}$'",
             "string_pattern_mismatch");
        return;
    }
    /* schemes are case-insensitive (RFC 3986 3.1) */
    if (f->format == CS_FMT_URL && strncasecmp(s, "https://", 8) != 0 &&
        strncasecmp(s, "http://", 7) != 0) {
        verr(v, loc, -1, "Input should be a valid URL", "url_parsing");
        return;
    }
    if (f->one_of) {
        for (const char *const *o = f->one_of; *o; o++)
            if (strcmp(*o, s) == 0) return;
        struct {
            char text[256];
            size_t len;
        } b = {.len = 0};
        for (const char *const *o = f->one_of; *o && b.len < sizeof(b.text) - 1; o++) {
            int w = snprintf(b.text + b.len, sizeof(b.text) - b.len, "%s'%s'",
                             o == f->one_of ? "" : (o[1] ? ", " : " or "), *o);
            if (w < 0) break;
            b.len += (size_t)w;
        }
        if (b.len >= sizeof(b.text)) b.len = sizeof(b.text) - 1;
        b.text[b.len] = '\0';
        verr(v, loc, -1, cs_arena_printf(v->a, "Input should be %s", b.text), "enum");
    }
}

static void check_number(struct vctx *v, const struct cs_field *f, const char *const loc[3],
                         json_object *val)
{
    double d = json_object_get_double(val);
    if (f->has_min && d < f->min)
        verr(v, loc, -1,
             cs_arena_printf(v->a, "Input should be greater than or equal to %g", f->min),
             "greater_than_equal");
    else if (f->has_max && d > f->max)
        verr(v, loc, -1, cs_arena_printf(v->a, "Input should be less than or equal to %g", f->max),
             "less_than_equal");
}

static void validate_object(struct vctx *v, const struct cs_schema *s, json_object *obj,
                            const char *parent);

static void check_array(struct vctx *v, const struct cs_field *f, const char *const loc[3],
                        json_object *val)
{
    size_t n = json_object_array_length(val);
    if (n < f->min_len) {
        verr(v, loc, -1,
             cs_arena_printf(v->a, "List should have at least %zu item%s after validation, not %zu",
                             f->min_len, f->min_len == 1 ? "" : "s", n),
             "too_short");
        return;
    }
    if (f->max_len && n > f->max_len) {
        verr(v, loc, -1,
             cs_arena_printf(v->a, "List should have at most %zu items after validation, not %zu",
                             f->max_len, n),
             "too_long");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(val, i);
        if (!type_ok(f->items, item)) {
            const char *type, *msg = type_msg(f->items, &type);
            verr(v, loc, (int)i, msg, type);
        } else if (f->items == CS_J_OBJECT && f->object) {
            validate_object(v, f->object, item, f->name);
        }
    }
}

static void validate_field(struct vctx *v, const struct cs_field *f, json_object *obj,
                           const char *parent)
{
    const char *loc[3] = {"body", parent ? parent : f->name, parent ? f->name : NULL};
    json_object *val = NULL;
    if (!json_object_object_get_ex(obj, f->name, &val)) {
        if (f->required) verr(v, loc, -1, "Field required", "missing");
        return;
    }
    if (val == NULL) {
        if (!f->nullable) {
            const char *type, *msg = type_msg(f->type, &type);
            verr(v, loc, -1, msg, type);
        }
        return;
    }
    if (!type_ok(f->type, val)) {
        const char *type, *msg = type_msg(f->type, &type);
        verr(v, loc, -1, msg, type);
        return;
    }
    if (f->type == CS_J_STRING)
        check_string(v, f, loc, val);
    else if (f->type == CS_J_INT || f->type == CS_J_NUMBER)
        check_number(v, f, loc, val);
    else if (f->type == CS_J_ARRAY)
        check_array(v, f, loc, val);
    else if (f->type == CS_J_OBJECT && f->object)
        validate_object(v, f->object, val, f->name);
}

static void validate_object(struct vctx *v, const struct cs_schema *s, json_object *obj,
                            const char *parent)
{
    for (size_t i = 0; i < s->nfields; i++) validate_field(v, &s->fields[i], obj, parent);
}

int cs_json_validate(const struct cs_schema *s, json_object *obj, struct cs_arena *a,
                     struct cs_field_errors *errs)
{
    struct vctx v = {a, errs};
    size_t before = errs->n;
    if (!json_object_is_type(obj, json_type_object)) {
        const char *loc[3] = {"body", NULL, NULL};
        verr(&v, loc, -1, "Input should be a valid dictionary or object to extract fields from",
             "model_attributes_type");
        return CS_ERR_VALIDATION;
    }
    validate_object(&v, s, obj, NULL);
    return errs->n > before ? CS_ERR_VALIDATION : CS_OK;
}
