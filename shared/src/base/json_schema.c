/* The request schemas (struct cs_schema) as JSON Schema 2020-12, for the OpenAPI
 * document: the same table the validator enforces, so the two cannot drift. */
#include "cs/json.h"

#include <json-c/json.h>

static const char *jtype_name(enum cs_jtype t)
{
    switch (t) {
    case CS_J_STRING: return "string";
    case CS_J_INT: return "integer";
    case CS_J_NUMBER: return "number";
    case CS_J_BOOL: return "boolean";
    case CS_J_OBJECT: return "object";
    case CS_J_ARRAY: return "array";
    case CS_J_ANY: break;
    }
    return NULL;
}

/* {"type": t} or {"type": [t, "null"]}; nothing for CS_J_ANY. */
static void add_type(json_object *o, enum cs_jtype t, bool nullable)
{
    const char *name = jtype_name(t);
    if (!name) return;
    if (!nullable) {
        json_object_object_add(o, "type", json_object_new_string(name));
        return;
    }
    json_object *both = json_object_new_array();
    json_object_array_add(both, json_object_new_string(name));
    json_object_array_add(both, json_object_new_string("null"));
    json_object_object_add(o, "type", both);
}

static void add_size(json_object *o, const char *min_key, const char *max_key, size_t min,
                     size_t max)
{
    if (min) json_object_object_add(o, min_key, json_object_new_int64((int64_t)min));
    if (max) json_object_object_add(o, max_key, json_object_new_int64((int64_t)max));
}

static void add_number(json_object *o, const char *key, double d)
{
    if (d == (double)(int64_t)d)
        json_object_object_add(o, key, json_object_new_int64((int64_t)d));
    else
        json_object_object_add(o, key, json_object_new_double(d));
}

static void add_string_rules(json_object *o, const struct cs_field *f)
{
    add_size(o, "minLength", "maxLength", f->min_len, f->max_len);
    switch (f->format) {
    case CS_FMT_EMAIL: json_object_object_add(o, "format", json_object_new_string("email")); break;
    case CS_FMT_ID:
        /* the same rule as id_valid() in json.c */
        json_object_object_add(o, "pattern", json_object_new_string("^[A-Za-z0-9._:-]{1,128}$"));
        break;
    case CS_FMT_URL:
        json_object_object_add(o, "format", json_object_new_string("uri"));
        json_object_object_add(o, "pattern", json_object_new_string("^[Hh][Tt][Tt][Pp][Ss]?://"));
        break;
    case CS_FMT_NONE: break;
    }
    if (f->one_of) {
        json_object *e = json_object_new_array();
        for (const char *const *v = f->one_of; *v; v++)
            json_object_array_add(e, json_object_new_string(*v));
        if (f->nullable) json_object_array_add(e, NULL);
        json_object_object_add(o, "enum", e);
    }
}

static json_object *field_schema(const struct cs_field *f)
{
    json_object *o = json_object_new_object();
    add_type(o, f->type, f->nullable);
    if (f->type == CS_J_STRING) add_string_rules(o, f);
    if (f->type == CS_J_INT || f->type == CS_J_NUMBER) {
        if (f->has_min) add_number(o, "minimum", f->min);
        if (f->has_max) add_number(o, "maximum", f->max);
    }
    if (f->type == CS_J_OBJECT && f->object) {
        json_object *inner = cs_json_schema_describe(f->object);
        json_object_object_foreach(inner, k, v) json_object_object_add(o, k, json_object_get(v));
        json_object_put(inner);
    }
    if (f->type == CS_J_ARRAY) {
        add_size(o, "minItems", "maxItems", f->min_len, f->max_len);
        json_object *items = (f->items == CS_J_OBJECT && f->object)
                                 ? cs_json_schema_describe(f->object)
                                 : json_object_new_object();
        if (!(f->items == CS_J_OBJECT && f->object)) add_type(items, f->items, false);
        json_object_object_add(o, "items", items);
    }
    return o;
}

json_object *cs_json_schema_describe(const struct cs_schema *s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string("object"));
    json_object *props = json_object_new_object();
    json_object *required = json_object_new_array();
    for (size_t i = 0; i < s->nfields; i++) {
        const struct cs_field *f = &s->fields[i];
        json_object_object_add(props, f->name, field_schema(f));
        if (f->required) json_object_array_add(required, json_object_new_string(f->name));
    }
    json_object_object_add(o, "properties", props);
    if (json_object_array_length(required))
        json_object_object_add(o, "required", required);
    else
        json_object_put(required);
    return o;
}
