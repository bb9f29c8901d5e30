#include "cs/json.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cs/arena.h"

static void put_json(void *p) { json_object_put(p); }

int cs_json_own(struct cs_arena *a, json_object *obj)
{
    if (!obj) return CS_ERR_NOMEM;
    return cs_arena_defer(a, put_json, obj);
}

json_object *cs_json_object(struct cs_arena *a)
{
    json_object *o = json_object_new_object();
    return o && cs_json_own(a, o) == CS_OK ? o : NULL;
}

json_object *cs_json_array(struct cs_arena *a)
{
    json_object *o = json_object_new_array();
    return o && cs_json_own(a, o) == CS_OK ? o : NULL;
}

static bool only_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return false;
    return true;
}

static int parse_error(enum json_tokener_error jerr, size_t offset, struct cs_field_errors *errs)
{
    if (jerr == json_tokener_error_depth) return CS_ERR_TOO_DEEP;
    if (jerr == json_tokener_error_parse_utf8_string) return CS_ERR_BAD_UTF8;
    if (errs) {
        const char *const loc[] = {"body", NULL};
        cs_field_errors_add(errs, loc, (int)offset, "JSON decode error", "json_invalid");
    }
    return CS_ERR_BAD_JSON;
}

/* What json-c's strict mode still lets through, found in one pass: raw control
 * characters in strings, single-quoted keys, numbers like "1." (json-c keeps their text
 * and would echo it back as invalid JSON), and escaped NULs (json-c keeps object keys
 * as C strings, so "ticket_id\u0000x" would silently become the key "ticket_id").
 * Returns the offset of the first offending byte, or SIZE_MAX. */
static size_t lexical_error(const char *s, size_t n)
{
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (in_str) {
            if (c == '"')
                in_str = false;
            else if (c < 0x20)
                return i;
            else if (c == '\\') {
                if (n - i >= 6 && s[i + 1] == 'u' && memcmp(s + i + 2, "0000", 4) == 0) return i;
                i++;
            }
        } else if (c == '"') {
            in_str = true;
        } else if (c == '\'' || (c == '.' && (i + 1 >= n || !isdigit((unsigned char)s[i + 1])))) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* json-c accepts NaN and Infinity even in strict mode, turns 1e400 into inf and clamps
 * integers past 64 bits; none of them can be echoed back as JSON or compared safely. */
static bool numbers_ok(json_object *o, int depth)
{
    if (depth > CS_JSON_MAX_DEPTH) return false;
    switch (json_object_get_type(o)) {
    case json_type_double: return isfinite(json_object_get_double(o));
    case json_type_int:
        return json_object_get_int64(o) != INT64_MAX ||
               json_object_get_uint64(o) == (uint64_t)INT64_MAX;
    case json_type_array: {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++)
            if (!numbers_ok(json_object_array_get_idx(o, i), depth + 1)) return false;
        return true;
    }
    case json_type_object: {
        json_object_object_foreach(o, k, v)
        {
            (void)k;
            if (!numbers_ok(v, depth + 1)) return false;
        }
        return true;
    }
    default: return true;
    }
}

/* Bodies up to this size parse with the thread's kept tokener: json_tokener_new_ex
 * calloc'd ~1.6 KB per parse (3% of a ticket's CPU under load; perf). Larger ones get
 * their own, so that no thread keeps a huge string buffer after one big body. */
#define TOKENER_KEPT_MAX (64 * 1024)

static pthread_key_t tokener_key;
static pthread_once_t tokener_once = PTHREAD_ONCE_INIT;

static void tokener_free(void *t) { json_tokener_free(t); }
static void tokener_key_make(void) { (void)pthread_key_create(&tokener_key, tokener_free); }

static struct json_tokener *tokener_take(size_t len)
{
    if (len > TOKENER_KEPT_MAX) return json_tokener_new_ex(CS_JSON_MAX_DEPTH);
    pthread_once(&tokener_once, tokener_key_make);
    struct json_tokener *t = pthread_getspecific(tokener_key);
    if (t) {
        json_tokener_reset(t);
        return t;
    }
    t = json_tokener_new_ex(CS_JSON_MAX_DEPTH);
    if (t && pthread_setspecific(tokener_key, t) != 0) {
        json_tokener_free(t);
        return NULL;
    }
    return t;
}

static void tokener_give(struct json_tokener *t, size_t len)
{
    if (len > TOKENER_KEPT_MAX)
        json_tokener_free(t);
    else
        json_tokener_reset(t);
}

int cs_json_parse(const char *body, size_t len, struct cs_arena *a, json_object **out,
                  struct cs_field_errors *errs)
{
    *out = NULL;
    if (!body || len == 0 || only_space(body, len))
        return parse_error(json_tokener_error_parse_eof, 0, errs);
    if (len > INT32_MAX) return CS_ERR_TOO_LARGE;
    if (!cs_utf8_valid(body, len)) return CS_ERR_BAD_UTF8;
    size_t bad = lexical_error(body, len);
    if (bad != SIZE_MAX) return parse_error(json_tokener_error_parse_string, bad, errs);
    struct json_tokener *tok = tokener_take(len);
    if (!tok) return CS_ERR_NOMEM;
    /* Not JSON_TOKENER_VALIDATE_UTF8: cs_utf8_valid above checked the whole body, and
     * json-c's byte-by-byte check again was ~5% of parsing an import line (callgrind). */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t off = json_tokener_get_parse_end(tok);
    if (jerr == json_tokener_continue && !obj) {
        /* A bare number ("42") is only complete at the end of input: say so with the
         * terminating NUL json-c expects. The whole body was consumed either way. */
        obj = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
        off = len;
    }
    tokener_give(tok, len);
    if (!obj || jerr != json_tokener_success) {
        json_object_put(obj);
        /* A complete prefix of a longer document reads as "continue": it is truncated. */
        return parse_error(jerr == json_tokener_continue ? json_tokener_error_parse_eof : jerr, off,
                           errs);
    }
    if (off < len && !only_space(body + off, len - off)) {
        json_object_put(obj);
        return parse_error(json_tokener_error_parse_unexpected, off, errs);
    }
    if (!numbers_ok(obj, 0)) {
        json_object_put(obj);
        return parse_error(json_tokener_error_parse_number, 0, errs);
    }
    int rc = cs_json_own(a, obj);
    if (rc) return rc;
    *out = obj;
    return CS_OK;
}

/* ---- readers and adders ---- */

const char *cs_json_get_str(json_object *obj, const char *key)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int64_t cs_json_get_int(json_object *obj, const char *key, int64_t dflt)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v)) return dflt;
    if (json_object_is_type(v, json_type_int)) return json_object_get_int64(v);
    if (json_object_is_type(v, json_type_double)) return (int64_t)json_object_get_double(v);
    return dflt;
}

double cs_json_get_double(json_object *obj, const char *key, double dflt)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v)) return dflt;
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
        return json_object_get_double(v);
    return dflt;
}

bool cs_json_get_bool(json_object *obj, const char *key, bool dflt)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_boolean))
        return dflt;
    return json_object_get_boolean(v);
}

int cs_json_add(json_object *obj, const char *key, json_object *val)
{
    if (!val) return CS_ERR_NOMEM;
    if (json_object_object_add(obj, key, val) != 0) {
        json_object_put(val);
        return CS_ERR_NOMEM;
    }
    return CS_OK;
}

int cs_json_push(json_object *arr, json_object *val)
{
    if (!val) return CS_ERR_NOMEM;
    if (json_object_array_add(arr, val) != 0) {
        json_object_put(val);
        return CS_ERR_NOMEM;
    }
    return CS_OK;
}

int cs_json_add_str(json_object *obj, const char *key, const char *val)
{
    if (!val) return json_object_object_add(obj, key, NULL) == 0 ? CS_OK : CS_ERR_NOMEM;
    return cs_json_add(obj, key, json_object_new_string(val));
}

int cs_json_add_int(json_object *obj, const char *key, int64_t val)
{
    return cs_json_add(obj, key, json_object_new_int64(val));
}

int cs_json_add_double(json_object *obj, const char *key, double val, int digits)
{
    if (!isfinite(val)) return json_object_object_add(obj, key, NULL) == 0 ? CS_OK : CS_ERR_NOMEM;
    double scale = pow(10.0, digits);
    double r = round(val * scale) / scale;
    char text[64];
    snprintf(text, sizeof(text), "%.*f", digits, r);
    /* Trim trailing zeros so 0.90 prints as 0.9, as the seeds do. */
    if (strchr(text, '.')) {
        size_t n = strlen(text);
        while (text[n - 1] == '0') text[--n] = '\0';
        if (text[n - 1] == '.') text[n - 1] = '\0';
    }
    json_object *d = json_object_new_double_s(r, text);
    return cs_json_add(obj, key, d);
}

int cs_json_add_bool(json_object *obj, const char *key, bool val)
{
    return cs_json_add(obj, key, json_object_new_boolean(val));
}

/* ---- sticky builder ---- */

void cs_jb_init(struct cs_jb *b, json_object *obj)
{
    b->obj = obj;
    b->rc = obj ? CS_OK : CS_ERR_NOMEM;
}

void cs_jb_add(struct cs_jb *b, const char *key, json_object *val)
{
    if (b->rc)
        json_object_put(val);
    else
        b->rc = cs_json_add(b->obj, key, val);
}

void cs_jb_ref(struct cs_jb *b, const char *key, json_object *val)
{
    if (!val)
        cs_jb_null(b, key);
    else
        cs_jb_add(b, key, json_object_get(val));
}

void cs_jb_str(struct cs_jb *b, const char *key, const char *val)
{
    if (!b->rc) b->rc = cs_json_add_str(b->obj, key, val);
}

void cs_jb_int(struct cs_jb *b, const char *key, int64_t val)
{
    if (!b->rc) b->rc = cs_json_add_int(b->obj, key, val);
}

void cs_jb_double(struct cs_jb *b, const char *key, double val, int digits)
{
    if (!b->rc) b->rc = cs_json_add_double(b->obj, key, val, digits);
}

void cs_jb_bool(struct cs_jb *b, const char *key, bool val)
{
    if (!b->rc) b->rc = cs_json_add_bool(b->obj, key, val);
}

void cs_jb_null(struct cs_jb *b, const char *key)
{
    if (!b->rc && json_object_object_add(b->obj, key, NULL) != 0) b->rc = CS_ERR_NOMEM;
}

void cs_jb_nest(struct cs_jb *b, const char *key, struct cs_jb *child)
{
    if (child->rc && !b->rc) b->rc = child->rc;
    cs_jb_add(b, key, child->rc ? NULL : child->obj);
    if (child->rc) json_object_put(child->obj);
    child->obj = NULL;
}

int cs_jb_done(const struct cs_jb *b) { return b->rc; }

json_object *cs_jb_take(struct cs_jb *b)
{
    json_object *o = b->obj;
    b->obj = NULL;
    if (!b->rc) return o;
    json_object_put(o);
    return NULL;
}
