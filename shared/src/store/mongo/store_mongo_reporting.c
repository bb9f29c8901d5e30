/* BSON for the reporting queries on MongoDB (see store_mongo_reporting.h). Field names
 * come from the static resource schema, never from the request, so no path here can
 * carry an operator; values always sit under $eq/$in/$gte/$lte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/clock.h"
#include "store/mongo/store_mongo_reporting.h"

static bool is_meta(const struct cs_rp_field *f, const char *name)
{
    return !strcmp(f->name, name);
}

/* "c.team_id", "rec.call_duration", "upd" or "_id.i". */
static void path_of(const struct cs_rp_field *f, char *out, size_t cap)
{
    if (is_meta(f, "id"))
        snprintf(out, cap, "_id.i");
    else if (is_meta(f, "updated_at"))
        snprintf(out, cap, "upd");
    else
        snprintf(out, cap, "%s.%s", f->column ? "c" : "rec", f->name);
}

static bool as_iso(const struct cs_rp_field *f)
{
    return f->type == RP_TIME && !f->column && !is_meta(f, "updated_at");
}

static bool bound(bson_t *b, const char *op, const struct cs_rp_field *f, int64_t i, double d)
{
    if (as_iso(f)) {
        char iso[CS_ISO_MAX];
        cs_rp_time_str(i, iso);
        return BSON_APPEND_UTF8(b, op, iso);
    }
    if (f->type == RP_NUM) return BSON_APPEND_DOUBLE(b, op, d);
    return BSON_APPEND_INT64(b, op, i);
}

static bool one_value(bson_t *arr, const char *key, const struct cs_rp_field *f, const char *v)
{
    if (f->type == RP_STR) return BSON_APPEND_UTF8(arr, key, v);
    if (f->type == RP_BOOL) return BSON_APPEND_BOOL(arr, key, !strcmp(v, "true"));
    return BSON_APPEND_INT64(arr, key, strtoll(v, NULL, 10));
}

static bool filter_one(bson_t *and, size_t idx, const struct cs_rp_filter *f)
{
    char path[96], key[24];
    path_of(f->field, path, sizeof(path));
    snprintf(key, sizeof(key), "%zu", idx);
    bson_t item, cond, arr;
    bool ok = BSON_APPEND_DOCUMENT_BEGIN(and, key, &item) &&
              BSON_APPEND_DOCUMENT_BEGIN(&item, path, &cond);
    if (ok && f->kind == RP_F_RANGE) {
        if (f->has_from) ok = bound(&cond, "$gte", f->field, f->from_i, f->from_d);
        if (ok && f->has_to) ok = bound(&cond, "$lte", f->field, f->to_i, f->to_d);
    } else if (ok) {
        ok = BSON_APPEND_ARRAY_BEGIN(&cond, "$in", &arr);
        for (size_t i = 0; ok && i < f->nvalues; i++) {
            snprintf(key, sizeof(key), "%zu", i);
            ok = one_value(&arr, key, f->field, f->values[i]);
        }
        ok = ok && bson_append_array_end(&cond, &arr);
    }
    return ok && bson_append_document_end(&item, &cond) && bson_append_document_end(and, &item);
}

static bool cursor(bson_t *and, size_t idx, const struct cs_rp_query *q)
{
    /* {$or: [{upd: {$gt: ms}}, {upd: ms, "_id.i": {$gt: id}}]} (mirrored for DESC). */
    const char *op = q->desc ? "$lt" : "$gt";
    char key[24];
    snprintf(key, sizeof(key), "%zu", idx);
    bson_t item, or, a, b, c1, c2;
    return BSON_APPEND_DOCUMENT_BEGIN(and, key, &item) &&
           BSON_APPEND_ARRAY_BEGIN(&item, "$or", & or) &&
           BSON_APPEND_DOCUMENT_BEGIN(& or, "0", &a) &&
           BSON_APPEND_DOCUMENT_BEGIN(&a, "upd", &c1) && BSON_APPEND_INT64(&c1, op, q->after_ms) &&
           bson_append_document_end(&a, &c1) && bson_append_document_end(& or, &a) &&
           BSON_APPEND_DOCUMENT_BEGIN(& or, "1", &b) && BSON_APPEND_INT64(&b, "upd", q->after_ms) &&
           BSON_APPEND_DOCUMENT_BEGIN(&b, "_id.i", &c2) &&
           BSON_APPEND_INT64(&c2, op, q->after_id) && bson_append_document_end(&b, &c2) &&
           bson_append_document_end(& or, &b) && bson_append_array_end(&item, & or) &&
           bson_append_document_end(and, &item);
}

int cs_mq_rp_filter(bson_t *b, const char *tenant, const struct cs_rp_resource *r,
                    const struct cs_rp_query *q)
{
    bson_t and, nul;
    bool ok = BSON_APPEND_UTF8(b, "_id.t", tenant);
    if (ok && !q->with_deleted && cs_rp_field_find(r, "deleted_at"))
        ok = BSON_APPEND_DOCUMENT_BEGIN(b, "c.deleted_at", &nul) && BSON_APPEND_NULL(&nul, "$eq") &&
             bson_append_document_end(b, &nul);
    if (ok && (q->nfilters || q->has_after)) {
        ok = BSON_APPEND_ARRAY_BEGIN(b, "$and", &and);
        for (size_t i = 0; ok && i < q->nfilters; i++) ok = filter_one(&and, i, &q->filters[i]);
        if (ok && q->has_after) ok = cursor(&and, q->nfilters, q);
        ok = ok && bson_append_array_end(b, &and);
    }
    return ok ? CS_OK : CS_ERR_TOO_LARGE;
}

int cs_mq_rp_find_opts(bson_t *opts, const struct cs_rp_query *q)
{
    bson_t proj, sort;
    char path[96] = "_id.i";
    if (q->sort) path_of(q->sort, path, sizeof(path));
    int dir = q->desc ? -1 : 1;
    bool ok = BSON_APPEND_DOCUMENT_BEGIN(opts, "projection", &proj) &&
              BSON_APPEND_INT32(&proj, "rec", 1) && BSON_APPEND_INT32(&proj, "upd", 1) &&
              bson_append_document_end(opts, &proj) &&
              BSON_APPEND_DOCUMENT_BEGIN(opts, "sort", &sort) &&
              BSON_APPEND_INT32(&sort, path, dir);
    if (ok && strcmp(path, "_id.i")) ok = BSON_APPEND_INT32(&sort, "_id.i", dir);
    ok = ok && bson_append_document_end(opts, &sort) &&
         BSON_APPEND_INT64(opts, "skip", q->has_after ? 0 : (q->page - 1) * q->per) &&
         BSON_APPEND_INT64(opts, "limit", q->per);
    return ok ? CS_OK : CS_ERR_TOO_LARGE;
}

/* key: {$floor: {$divide: ["$created", unit]}} */
static bool floor_div(bson_t *parent, const char *key, int64_t unit)
{
    bson_t f, d, arr;
    return BSON_APPEND_DOCUMENT_BEGIN(parent, key, &f) &&
           BSON_APPEND_DOCUMENT_BEGIN(&f, "$floor", &d) &&
           BSON_APPEND_ARRAY_BEGIN(&d, "$divide", &arr) &&
           BSON_APPEND_UTF8(&arr, "0", "$created") && BSON_APPEND_INT64(&arr, "1", unit) &&
           bson_append_array_end(&d, &arr) && bson_append_document_end(&f, &d) &&
           bson_append_document_end(parent, &f);
}

int cs_mq_rp_segments_pipeline(bson_t *p, const char *tenant, enum cs_rp_group g, int64_t from_ms,
                               int64_t to_ms)
{
    static const char *const keys[] = {"$agent_id", "$team_id", "$menu_id"};
    bson_t st, m, range, pr, k, mod;
    bool ok = BSON_APPEND_DOCUMENT_BEGIN(p, "0", &st) &&
              BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &m) &&
              BSON_APPEND_UTF8(&m, "_id.t", tenant) &&
              BSON_APPEND_DOCUMENT_BEGIN(&m, "created", &range) &&
              BSON_APPEND_INT64(&range, "$gte", from_ms) &&
              BSON_APPEND_INT64(&range, "$lte", to_ms) && bson_append_document_end(&m, &range) &&
              bson_append_document_end(&st, &m) && bson_append_document_end(p, &st);
    ok = ok && BSON_APPEND_DOCUMENT_BEGIN(p, "1", &st) &&
         BSON_APPEND_DOCUMENT_BEGIN(&st, "$project", &pr) && BSON_APPEND_INT32(&pr, "_id", 0);
    if (ok && g <= RP_G_MENU) {
        ok = BSON_APPEND_UTF8(&pr, "key", keys[g]);
    } else if (ok && g == RP_G_DAY) {
        ok = floor_div(&pr, "key", 86400000); /* days since the epoch (UTC) */
    } else if (ok) {
        /* Hour of day (UTC): {$mod: [{$floor: {$divide: ["$created", 3600000]}}, 24]}. */
        ok = BSON_APPEND_DOCUMENT_BEGIN(&pr, "key", &k) &&
             BSON_APPEND_ARRAY_BEGIN(&k, "$mod", &mod) && floor_div(&mod, "0", 3600000) &&
             BSON_APPEND_INT64(&mod, "1", 24) && bson_append_array_end(&k, &mod) &&
             bson_append_document_end(&pr, &k);
    }
    ok = ok && BSON_APPEND_INT32(&pr, "s", 1) && BSON_APPEND_INT32(&pr, "transfers", 1) &&
         bson_append_document_end(&st, &pr) && bson_append_document_end(p, &st);
    return ok ? CS_OK : CS_ERR_TOO_LARGE;
}

/* ---- writes ---- */

/* One column value under c: times as int64 ms (the columns the indexes cover), an
 * absent or unreadable value as null so that {$eq: null} finds it as SQL's IS NULL. */
static bool column_value(bson_t *c, const struct cs_rp_field *f, json_object *v)
{
    int64_t ms;
    if (!v) return BSON_APPEND_NULL(c, f->name);
    switch (f->type) {
    case RP_TIME:
        if (!json_object_is_type(v, json_type_string) ||
            cs_time_parse_iso(json_object_get_string(v), &ms))
            return BSON_APPEND_NULL(c, f->name);
        return BSON_APPEND_INT64(c, f->name, ms);
    case RP_STR: return BSON_APPEND_UTF8(c, f->name, json_object_get_string(v));
    case RP_NUM: return BSON_APPEND_DOUBLE(c, f->name, json_object_get_double(v));
    case RP_BOOL: return BSON_APPEND_BOOL(c, f->name, json_object_get_boolean(v));
    default: return BSON_APPEND_INT64(c, f->name, json_object_get_int64(v));
    }
}

int cs_mq_rp_key(bson_t *b, const char *tenant, int64_t id)
{
    bson_t k;
    bool ok = BSON_APPEND_DOCUMENT_BEGIN(b, "_id", &k) && BSON_APPEND_UTF8(&k, "t", tenant) &&
              BSON_APPEND_INT64(&k, "i", id) && bson_append_document_end(b, &k);
    return ok ? CS_OK : CS_ERR_TOO_LARGE;
}

int cs_mq_rp_doc(bson_t *doc, const char *tenant, const struct cs_rp_resource *r, json_object *rec,
                 int64_t upd_ms)
{
    json_object *id;
    if (!json_object_object_get_ex(rec, "id", &id) || !json_object_is_type(id, json_type_int))
        return CS_ERR_INVALID;
    int rc = cs_mq_rp_key(doc, tenant, json_object_get_int64(id));
    if (rc) return rc;
    bson_t c, body;
    bool ok = BSON_APPEND_INT64(doc, "upd", upd_ms) && BSON_APPEND_DOCUMENT_BEGIN(doc, "c", &c);
    for (size_t i = 0; ok && i < r->nfields; i++) {
        const struct cs_rp_field *f = &r->fields[i];
        if (!f->column || is_meta(f, "id") || is_meta(f, "updated_at")) continue;
        ok = column_value(&c, f, json_object_object_get(rec, f->name));
    }
    ok = ok && bson_append_document_end(doc, &c);
    if (!ok) return CS_ERR_TOO_LARGE;
    /* The record as answered, through its JSON text: libbson keeps integers as
     * integers and fractions as doubles, so it reads back as it was written. */
    const char *text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN);
    bson_error_t err;
    if (!text || !bson_init_from_json(&body, text, -1, &err)) return CS_ERR_INVALID;
    ok = BSON_APPEND_DOCUMENT(doc, "rec", &body);
    bson_destroy(&body);
    return ok ? CS_OK : CS_ERR_TOO_LARGE;
}

static bool opt_int(bson_t *b, const char *key, json_object *rec)
{
    json_object *v = json_object_object_get(rec, key);
    return json_object_is_type(v, json_type_int)
               ? BSON_APPEND_INT64(b, key, json_object_get_int64(v))
               : BSON_APPEND_NULL(b, key);
}

int cs_mq_rp_segments_doc(bson_t *doc, const char *tenant, json_object *call,
                          const struct cs_rp_segments *s)
{
    json_object *id;
    int64_t created = 0;
    const char *c = json_object_get_string(json_object_object_get(call, "created_at"));
    if (!json_object_object_get_ex(call, "id", &id) || !json_object_is_type(id, json_type_int) ||
        !c || cs_time_parse_iso(c, &created))
        return CS_ERR_INVALID;
    int rc = cs_mq_rp_key(doc, tenant, json_object_get_int64(id));
    if (rc) return rc;
    bson_t arr;
    char key[24];
    bool ok = BSON_APPEND_INT64(doc, "created", created) && opt_int(doc, "agent_id", call) &&
              opt_int(doc, "team_id", call) && opt_int(doc, "menu_id", call) &&
              BSON_APPEND_ARRAY_BEGIN(doc, "s", &arr);
    for (int k = 0; ok && k < RP_SEG__COUNT; k++) {
        snprintf(key, sizeof(key), "%d", k);
        ok = s->has[k] ? BSON_APPEND_DOUBLE(&arr, key, s->v[k]) : BSON_APPEND_NULL(&arr, key);
    }
    ok = ok && bson_append_array_end(doc, &arr) && BSON_APPEND_ARRAY_BEGIN(doc, "transfers", &arr);
    for (size_t k = 0; ok && k < s->ntransfers; k++) {
        snprintf(key, sizeof(key), "%zu", k);
        ok = BSON_APPEND_DOUBLE(&arr, key, s->transfers[k]);
    }
    ok = ok && bson_append_array_end(doc, &arr);
    return ok ? CS_OK : CS_ERR_TOO_LARGE;
}
