/* Store requests -> BSON for MongoDB; see store_mongo_query.h. Pure: no I/O. */
#include "store/mongo/store_mongo_query.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/buf.h"

#define OK_OR(cond, code)                                                                          \
    do {                                                                                           \
        if (!(cond)) return (code);                                                                \
    } while (0)
/* libbson's append calls fail only when the document would pass its size limit.
 * BCON_APPEND reports nothing; it builds only small fixed shapes here. */
#define APPENDED(call) OK_OR(call, CS_ERR_TOO_LARGE)

int cs_mq_path(const char *field, char *out, size_t cap)
{
    if (!cs_store_field_valid(field)) return CS_ERR_INVALID;
    const char *fixed = strcmp(field, "_id") == 0        ? "_id.i"
                        : strcmp(field, "_created") == 0 ? "created"
                        : strcmp(field, "_updated") == 0 ? "updated"
                                                         : NULL;
    int n = fixed ? snprintf(out, cap, "%s", fixed) : snprintf(out, cap, "body.%s", field);
    return n > 0 && (size_t)n < cap ? CS_OK : CS_ERR_INVALID;
}

/* ---- body keys: escape what MongoDB gives meaning to ---- */

static bool key_special(const char *k) { return !*k || strpbrk(k, "%.$"); }

/* Escaped copy of `k` in bson_malloc'd memory (caller frees), or NULL on OOM. */
static char *key_escape(const char *k)
{
    size_t n = strlen(k);
    char *out = bson_malloc(3 * n + 2);
    if (!out) return NULL;
    if (n == 0) {
        memcpy(out, "%", 2);
        return out;
    }
    char *w = out;
    for (; *k; k++) {
        if (*k == '%' || *k == '.' || *k == '$') {
            static const char hex[] = "0123456789ABCDEF";
            *w++ = '%';
            *w++ = hex[(unsigned char)*k >> 4];
            *w++ = hex[(unsigned char)*k & 15];
        } else {
            *w++ = *k;
        }
    }
    *w = '\0';
    return out;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Reverses key_escape into the arena; a malformed escape is kept literally. */
static char *key_unescape(struct cs_arena *a, const char *k, size_t n)
{
    if (!memchr(k, '%', n)) return cs_arena_strndup(a, k, n);
    if (n == 1) return cs_arena_strdup(a, "");
    char *out = cs_arena_alloc(a, n + 1), *w = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (k[i] == '%' && i + 2 < n && hexval(k[i + 1]) >= 0 && hexval(k[i + 2]) >= 0) {
            *w++ = (char)(hexval(k[i + 1]) << 4 | hexval(k[i + 2]));
            i += 2;
        } else {
            *w++ = k[i];
        }
    }
    *w = '\0';
    return out;
}

/* ---- JSON -> BSON ---- */

static int append_json(bson_t *b, const char *key, json_object *v, int depth);

static int append_object(bson_t *b, const char *key, json_object *obj, int depth)
{
    bson_t child;
    APPENDED(bson_append_document_begin(b, key, -1, &child));
    int rc = CS_OK;
    json_object_object_foreach(obj, k, val)
    {
        char *esc = key_special(k) ? key_escape(k) : NULL;
        if (key_special(k) && !esc) {
            rc = CS_ERR_NOMEM;
            break;
        }
        rc = append_json(&child, esc ? esc : k, val, depth + 1);
        bson_free(esc);
        if (rc) break;
    }
    if (!bson_append_document_end(b, &child) && !rc) rc = CS_ERR_TOO_LARGE;
    return rc;
}

static int append_array(bson_t *b, const char *key, json_object *arr, int depth)
{
    bson_t child;
    APPENDED(bson_append_array_begin(b, key, -1, &child));
    int rc = CS_OK;
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n && !rc; i++) {
        char buf[16];
        const char *ikey;
        bson_uint32_to_string((uint32_t)i, &ikey, buf, sizeof(buf));
        rc = append_json(&child, ikey, json_object_array_get_idx(arr, i), depth + 1);
    }
    if (!bson_append_array_end(b, &child) && !rc) rc = CS_ERR_TOO_LARGE;
    return rc;
}

static int append_json(bson_t *b, const char *key, json_object *v, int depth)
{
    if (depth > CS_MQ_MAX_DEPTH) return CS_ERR_TOO_DEEP;
    switch (json_object_get_type(v)) {
    case json_type_null: APPENDED(BSON_APPEND_NULL(b, key)); return CS_OK;
    case json_type_boolean:
        APPENDED(BSON_APPEND_BOOL(b, key, json_object_get_boolean(v)));
        return CS_OK;
    case json_type_int: APPENDED(BSON_APPEND_INT64(b, key, json_object_get_int64(v))); return CS_OK;
    case json_type_double:
        APPENDED(BSON_APPEND_DOUBLE(b, key, json_object_get_double(v)));
        return CS_OK;
    case json_type_string:
        APPENDED(
            bson_append_utf8(b, key, -1, json_object_get_string(v), json_object_get_string_len(v)));
        return CS_OK;
    case json_type_object: return append_object(b, key, v, depth);
    case json_type_array: return append_array(b, key, v, depth);
    }
    return CS_ERR_INVALID;
}

int cs_mq_append_body(bson_t *b, const char *key, json_object *body)
{
    if (!json_object_is_type(body, json_type_object)) return CS_ERR_INVALID;
    return append_object(b, key, body, 0);
}

/* ---- BSON -> JSON ---- */

static int read_value(struct cs_arena *a, const bson_iter_t *it, json_object **out, int depth);

static int read_children(struct cs_arena *a, const bson_iter_t *it, json_object *into, bool array,
                         int depth)
{
    bson_iter_t child;
    if (!bson_iter_recurse(it, &child)) return CS_ERR_STORE;
    while (bson_iter_next(&child)) {
        json_object *v = NULL;
        int rc = read_value(a, &child, &v, depth + 1);
        if (rc) return rc;
        if (array) {
            if (json_object_array_add(into, v)) {
                json_object_put(v);
                return CS_ERR_NOMEM;
            }
            continue;
        }
        char *k = key_unescape(a, bson_iter_key(&child), bson_iter_key_len(&child));
        if (!k || json_object_object_add(into, k, v)) {
            json_object_put(v);
            return CS_ERR_NOMEM;
        }
    }
    return CS_OK;
}

static int read_value(struct cs_arena *a, const bson_iter_t *it, json_object **out, int depth)
{
    if (depth > CS_MQ_MAX_DEPTH) return CS_ERR_TOO_DEEP;
    *out = NULL;
    switch (bson_iter_type(it)) {
    case BSON_TYPE_NULL: return CS_OK;
    case BSON_TYPE_BOOL: *out = json_object_new_boolean(bson_iter_bool(it)); break;
    case BSON_TYPE_INT32: *out = json_object_new_int64(bson_iter_int32(it)); break;
    case BSON_TYPE_INT64: *out = json_object_new_int64(bson_iter_int64(it)); break;
    case BSON_TYPE_DATE_TIME: *out = json_object_new_int64(bson_iter_date_time(it)); break;
    case BSON_TYPE_DOUBLE: *out = json_object_new_double(bson_iter_double(it)); break;
    case BSON_TYPE_UTF8: {
        uint32_t len;
        const char *s = bson_iter_utf8(it, &len);
        *out = json_object_new_string_len(s, (int)len);
        break;
    }
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY: {
        bool array = bson_iter_type(it) == BSON_TYPE_ARRAY;
        *out = array ? json_object_new_array() : json_object_new_object();
        if (!*out) return CS_ERR_NOMEM;
        int rc = read_children(a, it, *out, array, depth);
        if (rc) {
            json_object_put(*out);
            *out = NULL;
        }
        return rc;
    }
    default: return CS_ERR_STORE; /* not written by this store: a corrupted document */
    }
    return *out ? CS_OK : CS_ERR_NOMEM;
}

static void put_json(void *p) { json_object_put(p); }

int cs_mq_read_body(struct cs_arena *a, const bson_iter_t *it, json_object **out)
{
    *out = NULL;
    if (bson_iter_type(it) != BSON_TYPE_DOCUMENT) return CS_ERR_STORE;
    json_object *o;
    int rc = read_value(a, it, &o, 0);
    if (rc) return rc;
    if (cs_arena_defer(a, put_json, o)) return CS_ERR_NOMEM;
    *out = o;
    return CS_OK;
}

int64_t cs_mq_get_int(const bson_t *doc, const char *path, int64_t dflt)
{
    bson_iter_t it, found;
    if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, path, &found)) return dflt;
    switch (bson_iter_type(&found)) {
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_BOOL: return bson_iter_as_int64(&found);
    case BSON_TYPE_DATE_TIME: return bson_iter_date_time(&found);
    default: return dflt;
    }
}

double cs_mq_get_double(const bson_t *doc, const char *path)
{
    bson_iter_t it, found;
    if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, path, &found)) return NAN;
    switch (bson_iter_type(&found)) {
    case BSON_TYPE_INT32: return bson_iter_int32(&found);
    case BSON_TYPE_INT64: return (double)bson_iter_int64(&found);
    case BSON_TYPE_DOUBLE: return bson_iter_double(&found);
    default: return NAN;
    }
}

int cs_mq_read_doc(struct cs_arena *a, const bson_t *doc, struct cs_doc *out)
{
    bson_iter_t it, f;
    if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, "_id.i", &f) ||
        !BSON_ITER_HOLDS_UTF8(&f))
        return CS_ERR_STORE;
    uint32_t len;
    const char *id = bson_iter_utf8(&f, &len);
    out->id = cs_arena_strndup(a, id, len);
    if (!out->id) return CS_ERR_NOMEM;
    out->version = cs_mq_get_int(doc, "version", 0);
    out->created_ms = cs_mq_get_int(doc, "created", 0);
    out->updated_ms = cs_mq_get_int(doc, "updated", 0);
    if (!bson_iter_init_find(&it, doc, "body")) return CS_ERR_STORE;
    return cs_mq_read_body(a, &it, &out->body);
}

/* ---- keys and filters ---- */

int cs_mq_key(bson_t *b, const char *tenant, const char *coll, const char *id)
{
    bson_t k;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(b, "_id", &k));
    APPENDED(BSON_APPEND_UTF8(&k, "t", tenant));
    APPENDED(BSON_APPEND_UTF8(&k, "c", coll));
    APPENDED(BSON_APPEND_UTF8(&k, "i", id));
    APPENDED(bson_append_document_end(b, &k));
    return CS_OK;
}

static int append_live(bson_t *b)
{
    bson_t c;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(b, "_deleted", &c));
    APPENDED(BSON_APPEND_BOOL(&c, "$exists", false));
    APPENDED(bson_append_document_end(b, &c));
    return CS_OK;
}

int cs_mq_live_key(bson_t *b, const char *tenant, const char *coll, const char *id)
{
    int rc = cs_mq_key(b, tenant, coll, id);
    return rc ? rc : append_live(b);
}

static int append_value(bson_t *b, const char *key, const struct cs_value *v)
{
    switch (v->type) {
    case CS_VAL_NULL: APPENDED(BSON_APPEND_NULL(b, key)); break;
    case CS_VAL_STR: APPENDED(BSON_APPEND_UTF8(b, key, v->s ? v->s : "")); break;
    case CS_VAL_INT: APPENDED(BSON_APPEND_INT64(b, key, v->i)); break;
    case CS_VAL_REAL: APPENDED(BSON_APPEND_DOUBLE(b, key, v->d)); break;
    case CS_VAL_BOOL: APPENDED(BSON_APPEND_BOOL(b, key, v->b)); break;
    default: return CS_ERR_INVALID;
    }
    return CS_OK;
}

/* One condition {path: {op: value}} with SQLite's NULL semantics: a comparison never
 * matches a missing or null field, `= null` means "missing or null". */
static int append_condition(bson_t *b, const char *key, const struct cs_filter *f)
{
    static const char *const ops[] = {"$eq", "$ne", "$lt", "$lte", "$gt", "$gte"};
    char path[160];
    int rc = cs_mq_path(f->field, path, sizeof(path));
    if (rc) return rc;
    if ((unsigned)f->op > CS_OP_EXISTS) return CS_ERR_INVALID;
    bson_t cond, c;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(b, key, &cond));
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(&cond, path, &c));
    if (f->op == CS_OP_EXISTS) {
        APPENDED(BSON_APPEND_BOOL(&c, "$exists", f->v.type != CS_VAL_BOOL || f->v.b));
    } else if (f->v.type == CS_VAL_NULL) {
        APPENDED(BSON_APPEND_NULL(&c, f->op == CS_OP_NE ? "$ne" : "$eq"));
    } else if (f->op == CS_OP_NE) {
        /* SQL's `x <> v` is not true for a missing x; $ne alone would match it. */
        bson_t arr;
        APPENDED(BSON_APPEND_ARRAY_BEGIN(&c, "$nin", &arr));
        if ((rc = append_value(&arr, "0", &f->v))) return rc;
        APPENDED(BSON_APPEND_NULL(&arr, "1"));
        APPENDED(bson_append_array_end(&c, &arr));
    } else {
        if ((rc = append_value(&c, ops[f->op], &f->v))) return rc;
    }
    APPENDED(bson_append_document_end(&cond, &c));
    APPENDED(bson_append_document_end(b, &cond));
    return CS_OK;
}

int cs_mq_filter(bson_t *b, const char *tenant, const char *coll, const struct cs_filter *f,
                 size_t n)
{
    if (n > CS_QUERY_MAX_FILTERS + 1) return CS_ERR_INVALID; /* + quantiles' own */
    APPENDED(BSON_APPEND_UTF8(b, "_id.t", tenant));
    APPENDED(BSON_APPEND_UTF8(b, "_id.c", coll));
    int rc = append_live(b);
    if (rc || n == 0) return rc;
    /* $and keeps two conditions on one field (a time range) as two conditions. */
    bson_t all;
    APPENDED(BSON_APPEND_ARRAY_BEGIN(b, "$and", &all));
    for (size_t i = 0; i < n; i++) {
        char buf[16];
        const char *key;
        bson_uint32_to_string((uint32_t)i, &key, buf, sizeof(buf));
        if ((rc = append_condition(&all, key, &f[i]))) return rc;
    }
    APPENDED(bson_append_array_end(b, &all));
    return CS_OK;
}

/* ---- find ---- */

static int append_projection(bson_t *opts, bool with_score)
{
    bson_t p;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(opts, "projection", &p));
    APPENDED(BSON_APPEND_INT32(&p, "_id", 1));
    APPENDED(BSON_APPEND_INT32(&p, "version", 1));
    APPENDED(BSON_APPEND_INT32(&p, "created", 1));
    APPENDED(BSON_APPEND_INT32(&p, "updated", 1));
    APPENDED(BSON_APPEND_INT32(&p, "body", 1));
    if (with_score) {
        bson_t m;
        APPENDED(BSON_APPEND_DOCUMENT_BEGIN(&p, "_score", &m));
        APPENDED(BSON_APPEND_UTF8(&m, "$meta", "textScore"));
        APPENDED(bson_append_document_end(&p, &m));
    }
    APPENDED(bson_append_document_end(opts, &p));
    return CS_OK;
}

int64_t cs_mq_limit(int64_t limit) { return limit <= 0 ? 100 : limit > 1000 ? 1000 : limit; }

int cs_mq_find_opts(bson_t *opts, const struct cs_query *q)
{
    char path[160];
    int rc = cs_mq_path(q->sort ? q->sort : "_created", path, sizeof(path));
    if (rc) return rc;
    if ((rc = append_projection(opts, false))) return rc;
    int dir = q->desc ? -1 : 1;
    bson_t s;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(opts, "sort", &s));
    APPENDED(BSON_APPEND_INT32(&s, path, dir));
    if (strcmp(path, "_id.i") != 0) APPENDED(BSON_APPEND_INT32(&s, "_id", dir));
    APPENDED(bson_append_document_end(opts, &s));
    if (q->offset > 0) APPENDED(BSON_APPEND_INT64(opts, "skip", q->offset));
    APPENDED(BSON_APPEND_INT64(opts, "limit", cs_mq_limit(q->limit)));
    return CS_OK;
}

/* ---- aggregate ---- */

/* The group key of a time bucket: the ISO date of its first day, as SQLite's strftime.
 * The field becomes a long first ($convert never throws), so a stray string yields a
 * null key instead of failing the whole pipeline. */
static int append_bucket_key(bson_t *g, const char *path, enum cs_bucket bucket)
{
    char ref[168];
    snprintf(ref, sizeof(ref), "$%s", path);
    bson_t ms;
    bson_init(&ms);
    BCON_APPEND(&ms, "$convert", "{", "input", BCON_UTF8(ref), "to", BCON_UTF8("long"), "onError",
                BCON_NULL, "onNull", BCON_NULL, "}");
    if (bucket == CS_BUCKET_WEEK) {
        /* Day number d since 1970-01-01 (a Thursday); its Monday is d - (d + 3) mod 7. */
        BCON_APPEND(g, "_id", "{", "$let", "{", "vars", "{", "d", "{", "$floor", "{", "$divide",
                    "[", BCON_DOCUMENT(&ms), BCON_INT64(CS_MQ_DAY_MS), "]", "}", "}", "}", "in",
                    "{", "$dateToString", "{", "format", BCON_UTF8("%Y-%m-%d"), "date", "{",
                    "$toDate", "{", "$multiply", "[", "{", "$subtract", "[", BCON_UTF8("$$d"), "{",
                    "$mod", "[", "{", "$add", "[", BCON_UTF8("$$d"), BCON_INT32(3), "]", "}",
                    BCON_INT32(7), "]", "}", "]", "}", BCON_INT64(CS_MQ_DAY_MS), "]", "}", "}", "}",
                    "}", "}", "}");
    } else {
        const char *fmt = bucket == CS_BUCKET_MONTH ? "%Y-%m-01" : "%Y-%m-%d";
        BCON_APPEND(g, "_id", "{", "$dateToString", "{", "format", BCON_UTF8(fmt), "date", "{",
                    "$toDate", BCON_DOCUMENT(&ms), "}", "}", "}");
    }
    bson_destroy(&ms);
    return CS_OK;
}

static int append_group(bson_t *stage, const struct cs_agg *agg)
{
    static const char *const fn[] = {"$sum", "$sum", "$avg", "$min", "$max"};
    bson_t g;
    char path[160], ref[168];
    int rc;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(stage, "$group", &g));
    if (!agg->group_by) {
        APPENDED(BSON_APPEND_NULL(&g, "_id"));
    } else {
        if ((rc = cs_mq_path(agg->group_by, path, sizeof(path)))) return rc;
        if (agg->bucket != CS_BUCKET_NONE) {
            if ((unsigned)agg->bucket > CS_BUCKET_MONTH) return CS_ERR_INVALID;
            if ((rc = append_bucket_key(&g, path, agg->bucket))) return rc;
        } else {
            snprintf(ref, sizeof(ref), "$%s", path);
            APPENDED(BSON_APPEND_UTF8(&g, "_id", ref));
        }
    }
    for (size_t i = 0; i < agg->nmetrics; i++) {
        const struct cs_agg_metric *m = &agg->metrics[i];
        if ((unsigned)m->op > CS_AGG_MAX) return CS_ERR_INVALID;
        char name[4] = {'m', (char)('0' + i), 0, 0};
        bson_t acc;
        APPENDED(BSON_APPEND_DOCUMENT_BEGIN(&g, name, &acc));
        if (m->op == CS_AGG_COUNT) {
            APPENDED(BSON_APPEND_INT32(&acc, "$sum", 1));
        } else {
            if ((rc = cs_mq_path(m->field, path, sizeof(path)))) return rc;
            snprintf(ref, sizeof(ref), "$%s", path);
            APPENDED(BSON_APPEND_UTF8(&acc, fn[m->op], ref));
        }
        APPENDED(bson_append_document_end(&g, &acc));
    }
    APPENDED(bson_append_document_end(stage, &g));
    return CS_OK;
}

int cs_mq_pipeline(bson_t *p, const char *tenant, const char *coll, const struct cs_agg *agg)
{
    if (agg->nmetrics > CS_AGG_MAX_METRICS) return CS_ERR_INVALID;
    bson_t st, m;
    int rc;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(p, "0", &st));
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &m));
    if ((rc = cs_mq_filter(&m, tenant, coll, agg->filters, agg->nfilters))) return rc;
    APPENDED(bson_append_document_end(&st, &m));
    APPENDED(bson_append_document_end(p, &st));

    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(p, "1", &st));
    if ((rc = append_group(&st, agg))) return rc;
    APPENDED(bson_append_document_end(p, &st));

    int next = 2;
    char buf[16];
    const char *key;
    if ((agg->by_metric && agg->nmetrics) || agg->group_by) {
        bson_uint32_to_string((uint32_t)next++, &key, buf, sizeof(buf));
        APPENDED(BSON_APPEND_DOCUMENT_BEGIN(p, key, &st));
        APPENDED(BSON_APPEND_DOCUMENT_BEGIN(&st, "$sort", &m));
        if (agg->by_metric && agg->nmetrics) APPENDED(BSON_APPEND_INT32(&m, "m0", -1));
        APPENDED(BSON_APPEND_INT32(&m, "_id", 1));
        APPENDED(bson_append_document_end(&st, &m));
        APPENDED(bson_append_document_end(p, &st));
    }
    if (agg->limit > 0) {
        bson_uint32_to_string((uint32_t)next, &key, buf, sizeof(buf));
        APPENDED(BSON_APPEND_DOCUMENT_BEGIN(p, key, &st));
        APPENDED(BSON_APPEND_INT64(&st, "$limit", agg->limit));
        APPENDED(bson_append_document_end(p, &st));
    }
    return CS_OK;
}

void cs_mq_empty_row(const struct cs_agg *agg, struct cs_agg_row *row)
{
    memset(row, 0, sizeof(*row));
    row->key.type = CS_VAL_NULL;
    for (size_t i = 0; i < agg->nmetrics && i < CS_AGG_MAX_METRICS; i++) {
        enum cs_agg_op op = agg->metrics[i].op;
        row->values[i] = op == CS_AGG_COUNT || op == CS_AGG_SUM ? 0.0 : NAN;
    }
}

/* ---- full-text search ---- */

int cs_mq_append_text(bson_t *b, const struct cs_text *text)
{
    bson_t s;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(b, "search", &s));
    APPENDED(BSON_APPEND_UTF8(&s, "title", text->title ? text->title : ""));
    APPENDED(BSON_APPEND_UTF8(&s, "body", text->body ? text->body : ""));
    APPENDED(bson_append_document_end(b, &s));
    return CS_OK;
}

int cs_mq_search(bson_t *filter, bson_t *opts, struct cs_arena *a, const char *tenant,
                 const char *coll, const char *text, size_t limit)
{
    const char *terms[32];
    size_t n = cs_store_query_terms(a, text, terms, 32);
    if (n == 0) return CS_ERR_NOT_FOUND;
    /* Terms hold letters and digits only, so no '-' negation or '"' phrase can form:
     * $search sees plain words, OR-ed, as SQLite's quoted FTS5 terms. */
    struct cs_buf s;
    cs_buf_init(&s, a, 4096);
    for (size_t i = 0; i < n; i++) {
        int rc = cs_buf_printf(&s, "%s%s", i ? " " : "", terms[i]);
        if (rc) return rc;
    }
    int rc = cs_mq_filter(filter, tenant, coll, NULL, 0);
    if (rc) return rc;
    bson_t t;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(filter, "$text", &t));
    APPENDED(BSON_APPEND_UTF8(&t, "$search", cs_buf_str(&s)));
    APPENDED(bson_append_document_end(filter, &t));
    if ((rc = append_projection(opts, true))) return rc;
    BCON_APPEND(opts, "sort", "{", "_score", "{", "$meta", BCON_UTF8("textScore"), "}", "_id",
                BCON_INT32(1), "}");
    APPENDED(BSON_APPEND_INT64(opts, "limit", (int64_t)limit));
    return CS_OK;
}

double cs_mq_score(double x) { return x > 0 ? x / (1.0 + x) : 0.0; }

/* ---- outbox ---- */

int cs_mq_append_events(bson_t *b, const char *key, const struct cs_staged *e, size_t n,
                        int64_t now_ms)
{
    bson_t arr;
    APPENDED(bson_append_array_begin(b, key, -1, &arr));
    for (size_t i = 0; i < n; i++) {
        char buf[16];
        const char *ikey;
        bson_uint32_to_string((uint32_t)i, &ikey, buf, sizeof(buf));
        bson_oid_t seq;
        bson_oid_init(&seq, NULL);
        BCON_APPEND(&arr, ikey, "{", "id", BCON_UTF8(e[i].id), "tenant", BCON_UTF8(e[i].tenant),
                    "topic", BCON_UTF8(e[i].topic), "type", BCON_UTF8(e[i].type), "payload",
                    BCON_UTF8(e[i].payload), "created", BCON_INT64(now_ms), "seq", BCON_OID(&seq),
                    "}");
    }
    APPENDED(bson_append_array_end(b, &arr));
    return CS_OK;
}

int cs_mq_event_upsert(const bson_t *ev, bson_t *selector, bson_t *update)
{
    bson_iter_t it;
    if (!bson_iter_init_find(&it, ev, "id") || !BSON_ITER_HOLDS_UTF8(&it)) return CS_ERR_STORE;
    APPENDED(BSON_APPEND_VALUE(selector, "_id", bson_iter_value(&it)));
    bson_t set;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(update, "$setOnInsert", &set));
    static const char *const copied[] = {"tenant", "topic", "type", "payload", "created", "seq"};
    for (size_t i = 0; i < sizeof(copied) / sizeof(*copied); i++) {
        if (!bson_iter_init_find(&it, ev, copied[i])) return CS_ERR_STORE;
        APPENDED(BSON_APPEND_VALUE(&set, copied[i], bson_iter_value(&it)));
    }
    BCON_APPEND(&set, "state", BCON_INT32(0), "attempts", BCON_INT64(0), "due", BCON_INT64(0),
                "lease_until", BCON_INT64(0), "lease_id", BCON_INT64(0));
    APPENDED(bson_append_document_end(update, &set));
    return CS_OK;
}

int cs_mq_outbox_pull(bson_t *update, const char *const *ids, size_t n)
{
    bson_t moved;
    bson_init(&moved);
    for (size_t i = 0; i < n; i++) {
        char buf[16];
        const char *key;
        bson_uint32_to_string((uint32_t)i, &key, buf, sizeof(buf));
        if (!BSON_APPEND_UTF8(&moved, key, ids[i])) {
            bson_destroy(&moved);
            return CS_ERR_TOO_LARGE;
        }
    }
    BCON_APPEND(update, "0", "{", "$set", "{", "_outbox", "{", "$filter", "{", "input",
                BCON_UTF8("$_outbox"), "cond", "{", "$not", "[", "{", "$in", "[",
                BCON_UTF8("$$this.id"), BCON_ARRAY(&moved), "]", "}", "]", "}", "}", "}", "}", "}",
                "1", "{", "$set", "{", "_outbox", "{", "$cond", "[", "{", "$eq", "[", "{", "$size",
                "{", "$ifNull", "[", BCON_UTF8("$_outbox"), "[", "]", "]", "}", "}", BCON_INT32(0),
                "]", "}", BCON_UTF8("$$REMOVE"), BCON_UTF8("$_outbox"), "]", "}", "}", "}");
    bson_destroy(&moved);
    return CS_OK;
}

/* {state: 0, topic: <topic>} for a queue, else every topic but the queues'. */
static void open_items(bson_t *m, const char *topic)
{
    BSON_APPEND_INT32(m, "state", 0);
    if (topic)
        BSON_APPEND_UTF8(m, "topic", topic);
    else
        BCON_APPEND(m, "topic", "{", "$not", BCON_REGEX("^_q\\.", ""), "}");
}

int cs_mq_claim_pipeline(bson_t *p, const char *topic, int64_t now_ms, size_t limit)
{
    bson_t st, m;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(p, "0", &st));
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &m));
    open_items(&m, topic);
    APPENDED(bson_append_document_end(&st, &m));
    APPENDED(bson_append_document_end(p, &st));
    BCON_APPEND(p, "1", "{", "$sort", "{", "tenant", BCON_INT32(1), "topic", BCON_INT32(1),
                "created", BCON_INT32(1), "seq", BCON_INT32(1), "}", "}", "2", "{", "$group", "{",
                "_id", "{", "tenant", BCON_UTF8("$tenant"), "topic", BCON_UTF8("$topic"), "}",
                "head", "{", "$first", BCON_UTF8("$$ROOT"), "}", "}", "}", "3", "{", "$replaceRoot",
                "{", "newRoot", BCON_UTF8("$head"), "}", "}", "4", "{", "$match", "{", "due", "{",
                "$lte", BCON_INT64(now_ms), "}", "lease_until", "{", "$lte", BCON_INT64(now_ms),
                "}", "}", "}", "5", "{", "$sort", "{", "due", BCON_INT32(1), "created",
                BCON_INT32(1), "seq", BCON_INT32(1), "}", "}", "6", "{", "$limit",
                BCON_INT64((int64_t)limit), "}");
    return CS_OK;
}

int cs_mq_busy_pipeline(bson_t *p, int64_t now_ms)
{
    bson_t st, m;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(p, "0", &st));
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &m));
    open_items(&m, NULL);
    BCON_APPEND(&m, "lease_until", "{", "$gt", BCON_INT64(now_ms), "}");
    APPENDED(bson_append_document_end(&st, &m));
    APPENDED(bson_append_document_end(p, &st));
    BCON_APPEND(p, "1", "{", "$group", "{", "_id", BCON_UTF8("$tenant"), "n", "{", "$sum",
                BCON_INT32(1), "}", "}", "}");
    return CS_OK;
}

int cs_mq_renew(bson_t *query, bson_t *update, const struct cs_outbox_item *it,
                int64_t lease_until_ms)
{
    BCON_APPEND(query, "_id", BCON_UTF8(it->id), "lease_id", BCON_INT64(it->lease_id), "state",
                BCON_INT32(0));
    BCON_APPEND(update, "$set", "{", "lease_until", BCON_INT64(lease_until_ms), "}");
    return CS_OK;
}

static int64_t busy_of(const char *t, const char *const *bt, const int64_t *bn, size_t nb)
{
    for (size_t i = 0; i < nb; i++)
        if (bt[i] && strcmp(bt[i], t) == 0) return bn[i];
    return 0;
}

static int by_key(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

size_t cs_mq_fair_order(const char *const *tenants, size_t n, const char *const *busy_tenants,
                        const int64_t *busy_n, size_t nbusy, size_t per_tenant, size_t *order)
{
    /* key = turn << 32 | index, where turn = the tenant's items in flight + the head's
     * rank among that tenant's candidates: sorting by key serves turn 1 of every tenant
     * first, oldest due first inside a turn (candidates arrive in due order). Candidate
     * lists are small (CS_MQ_MAX_CANDIDATES), so the quadratic rank count is fine. */
    uint64_t keys[CS_MQ_MAX_CANDIDATES];
    size_t m = 0;
    if (n > CS_MQ_MAX_CANDIDATES) n = CS_MQ_MAX_CANDIDATES;
    for (size_t i = 0; i < n; i++) {
        int64_t turn = busy_of(tenants[i], busy_tenants, busy_n, nbusy) + 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(tenants[j], tenants[i]) == 0) turn++;
        if (per_tenant && turn > (int64_t)per_tenant) continue;
        keys[m++] = (uint64_t)turn << 32 | (uint64_t)i;
    }
    qsort(keys, m, sizeof(*keys), by_key);
    for (size_t k = 0; k < m; k++) order[k] = (size_t)(keys[k] & 0xffffffffu);
    return m;
}

int cs_mq_lease(bson_t *query, bson_t *update, const char *id, int64_t now_ms, int64_t lease_ms,
                int64_t lease_id)
{
    BCON_APPEND(query, "_id", BCON_UTF8(id), "state", BCON_INT32(0), "due", "{", "$lte",
                BCON_INT64(now_ms), "}", "lease_until", "{", "$lte", BCON_INT64(now_ms), "}");
    BCON_APPEND(update, "$set", "{", "lease_until", BCON_INT64(now_ms + lease_ms), "lease_id",
                BCON_INT64(lease_id), "}", "$inc", "{", "attempts", BCON_INT64(1), "}");
    return CS_OK;
}

int cs_mq_settle(bson_t *query, bson_t *update, const struct cs_outbox_item *it,
                 enum cs_outbox_outcome outcome, int64_t next_due_ms, int64_t now_ms)
{
    int32_t state = outcome == CS_OUTBOX_DONE ? 1 : outcome == CS_OUTBOX_DEAD ? 2 : 0;
    int64_t due = outcome == CS_OUTBOX_RETRY ? next_due_ms : now_ms;
    BCON_APPEND(query, "_id", BCON_UTF8(it->id), "lease_id", BCON_INT64(it->lease_id), "state",
                BCON_INT32(0));
    BCON_APPEND(update, "$set", "{", "state", BCON_INT32(state), "due", BCON_INT64(due),
                "lease_until", BCON_INT64(0), "}");
    return CS_OK;
}

int cs_mq_stats_pipeline(bson_t *p, const char *tenant, const char *topic)
{
    bson_t st, m;
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(p, "0", &st));
    APPENDED(BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &m));
    APPENDED(BSON_APPEND_UTF8(&m, "tenant", tenant));
    if (topic) APPENDED(BSON_APPEND_UTF8(&m, "topic", topic));
    APPENDED(bson_append_document_end(&st, &m));
    APPENDED(bson_append_document_end(p, &st));
    BCON_APPEND(p, "1", "{", "$group", "{", "_id", BCON_UTF8("$state"), "n", "{", "$sum",
                BCON_INT32(1), "}", "}", "}");
    return CS_OK;
}

int cs_mq_counter(bson_t *query, bson_t *update, const char *tenant, const char *key,
                  int64_t window_start_ms, int64_t ttl_ms, int64_t delta)
{
    BCON_APPEND(query, "_id", "{", "t", BCON_UTF8(tenant), "k", BCON_UTF8(key), "w",
                BCON_INT64(window_start_ms), "}");
    BCON_APPEND(update, "$inc", "{", "value", BCON_INT64(delta), "}", "$setOnInsert", "{",
                "expires", BCON_DATE_TIME(window_start_ms + ttl_ms), "}");
    return CS_OK;
}

/* ---- rollups ---- */

static int rollup_id(bson_t *b, const char *tenant, const char *coll, const char *dim, int64_t hour,
                     const char *key)
{
    bson_t id;
    if (!BSON_APPEND_DOCUMENT_BEGIN(b, "_id", &id)) return CS_ERR_TOO_LARGE;
    bool ok = BSON_APPEND_UTF8(&id, "t", tenant) && BSON_APPEND_UTF8(&id, "c", coll) &&
              BSON_APPEND_UTF8(&id, "d", dim) && BSON_APPEND_INT64(&id, "h", hour) &&
              BSON_APPEND_UTF8(&id, "k", key);
    return bson_append_document_end(b, &id) && ok ? CS_OK : CS_ERR_TOO_LARGE;
}

int cs_mq_rollup_upsert(bson_t *selector, bson_t *update, const char *tenant, const char *coll,
                        const struct cs_rollup_cell *c)
{
    int rc = rollup_id(selector, tenant, coll, c->dim, c->hour_ms, c->key);
    if (rc) return rc;
    bson_t inc;
    bool ok = BSON_APPEND_DOCUMENT_BEGIN(update, "$inc", &inc) &&
              BSON_APPEND_INT64(&inc, "count", c->count);
    char k[16];
    for (int m = 0; ok && m < CS_ROLLUP_MAX_MEASURES; m++) {
        snprintf(k, sizeof(k), "s%d", m);
        if (c->sum[m] != 0.0) ok = BSON_APPEND_DOUBLE(&inc, k, c->sum[m]);
        snprintf(k, sizeof(k), "n%d", m);
        if (ok && c->n[m]) ok = BSON_APPEND_INT64(&inc, k, c->n[m]);
    }
    return bson_append_document_end(update, &inc) && ok ? CS_OK : CS_ERR_TOO_LARGE;
}

int cs_mq_rollup_pipeline(bson_t *pipeline, const char *tenant, const char *coll, const char *dim,
                          int64_t h0, int64_t h1, bool by_hour)
{
    bson_t group, sum;
    BCON_APPEND(pipeline, "0", "{", "$match", "{", "_id.t", BCON_UTF8(tenant), "_id.c",
                BCON_UTF8(coll), "_id.d", BCON_UTF8(dim), "_id.h", "{", "$gte", BCON_INT64(h0),
                "$lt", BCON_INT64(h1), "}", "}", "}");
    bson_t stage;
    bool ok = BSON_APPEND_DOCUMENT_BEGIN(pipeline, "1", &stage) &&
              BSON_APPEND_DOCUMENT_BEGIN(&stage, "$group", &group);
    if (ok && by_hour)
        BCON_APPEND(&group, "_id", "{", "h", BCON_UTF8("$_id.h"), "k", BCON_UTF8("$_id.k"), "}");
    else if (ok)
        ok = BSON_APPEND_UTF8(&group, "_id", "$_id.k");
    static const char *const fields[] = {"count", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7",
                                         "n0",    "n1", "n2", "n3", "n4", "n5", "n6", "n7"};
    char ref[16];
    for (size_t i = 0; ok && i < sizeof(fields) / sizeof(*fields); i++) {
        snprintf(ref, sizeof(ref), "$%s", fields[i]);
        ok = BSON_APPEND_DOCUMENT_BEGIN(&group, fields[i], &sum) &&
             BSON_APPEND_UTF8(&sum, "$sum", ref) && bson_append_document_end(&group, &sum);
    }
    ok = ok && bson_append_document_end(&stage, &group) &&
         bson_append_document_end(pipeline, &stage);
    if (ok) BCON_APPEND(pipeline, "2", "{", "$sort", "{", "_id", BCON_INT32(1), "}", "}");
    return ok ? CS_OK : CS_ERR_TOO_LARGE;
}
