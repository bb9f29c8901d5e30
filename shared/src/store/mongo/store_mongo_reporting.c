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

/* The group key of a segments document, as `name` in `parent`. */
static bool key_expr(bson_t *parent, const char *name, enum cs_rp_group g)
{
    static const char *const keys[] = {"$agent_id", "$team_id", "$menu_id"};
    if (g <= RP_G_MENU) return BSON_APPEND_UTF8(parent, name, keys[g]);
    if (g == RP_G_DAY) return floor_div(parent, name, 86400000); /* days since the epoch */
    /* Hour of day (UTC): {$mod: [{$floor: {$divide: ["$created", 3600000]}}, 24]}. */
    bson_t k, mod;
    return BSON_APPEND_DOCUMENT_BEGIN(parent, name, &k) &&
           BSON_APPEND_ARRAY_BEGIN(&k, "$mod", &mod) && floor_div(&mod, "0", 3600000) &&
           BSON_APPEND_INT64(&mod, "1", 24) && bson_append_array_end(&k, &mod) &&
           bson_append_document_end(parent, &k);
}

/* Stage "0": tenant and the created window, the prefix of rp_call_segments_created. */
static bool match_window(bson_t *p, const char *tenant, int64_t from_ms, int64_t to_ms)
{
    bson_t st, m, range;
    return BSON_APPEND_DOCUMENT_BEGIN(p, "0", &st) &&
           BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &m) && BSON_APPEND_UTF8(&m, "_id.t", tenant) &&
           BSON_APPEND_DOCUMENT_BEGIN(&m, "created", &range) &&
           BSON_APPEND_INT64(&range, "$gte", from_ms) && BSON_APPEND_INT64(&range, "$lte", to_ms) &&
           bson_append_document_end(&m, &range) && bson_append_document_end(&st, &m) &&
           bson_append_document_end(p, &st);
}

int cs_mq_rp_calls_pipeline(bson_t *p, const char *tenant, enum cs_rp_group g, int64_t from_ms,
                            int64_t to_ms)
{
    bson_t st, grp, sum;
    bool ok = match_window(p, tenant, from_ms, to_ms) && BSON_APPEND_DOCUMENT_BEGIN(p, "1", &st) &&
              BSON_APPEND_DOCUMENT_BEGIN(&st, "$group", &grp) && key_expr(&grp, "_id", g) &&
              BSON_APPEND_DOCUMENT_BEGIN(&grp, "calls", &sum) &&
              BSON_APPEND_INT32(&sum, "$sum", 1) && bson_append_document_end(&grp, &sum) &&
              bson_append_document_end(&st, &grp) && bson_append_document_end(p, &st);
    return ok ? CS_OK : CS_ERR_TOO_LARGE;
}

/* {$eq: ["$r", {$max: [1, {$ceil: {$multiply: ["$n", q]}}]}]}: the nearest rank of q. */
static void rank_is(bson_t *arr, const char *key, double q)
{
    BCON_APPEND(arr, key, "{", "$eq", "[", "$r", "{", "$max", "[", BCON_INT32(1), "{", "$ceil", "{",
                "$multiply", "[", "$n", BCON_DOUBLE(q), "]", "}", "}", "]", "}", "]", "}");
}

int cs_mq_rp_stats_pipeline(bson_t *p, const char *tenant, enum cs_rp_group g, int64_t from_ms,
                            int64_t to_ms)
{
    bson_t st, pr, or, m, ex;
    if (!match_window(p, tenant, from_ms, to_ms) || !BSON_APPEND_DOCUMENT_BEGIN(p, "1", &st) ||
        !BSON_APPEND_DOCUMENT_BEGIN(&st, "$project", &pr) || !BSON_APPEND_INT32(&pr, "_id", 0) ||
        !key_expr(&pr, "key", g))
        return CS_ERR_TOO_LARGE;
    /* Every segment but the transfer total, then each transfer on its own. */
    BCON_APPEND(&pr, "e", "{", "$concatArrays", "[", "{", "$filter", "{", "input", "{", "$map", "{",
                "input", "{", "$range", "[", BCON_INT32(0), BCON_INT32(RP_SEG__COUNT), "]", "}",
                "as", "k", "in", "{", "k", "$$k", "v", "{", "$arrayElemAt", "[", "$s", "$$k", "]",
                "}", "}", "}", "}", "cond", "{", "$ne", "[", "$$this.k",
                BCON_INT32(RP_SEG_TRANSFER), "]", "}", "}", "}", "{", "$map", "{", "input", "{",
                "$ifNull", "[", "$transfers", "[", "]", "]", "}", "as", "x", "in", "{", "k",
                BCON_INT32(RP_SEG_TRANSFER), "v", "$$x", "}", "}", "}", "]", "}");
    if (!bson_append_document_end(&st, &pr) || !bson_append_document_end(p, &st))
        return CS_ERR_TOO_LARGE;
    /* A value that is no number (null: the segment does not apply) is left out. */
    BCON_APPEND(p, "2", "{", "$unwind", "$e", "}", "3", "{", "$match", "{", "e.v", "{", "$type",
                "number", "}", "}", "}");
    BCON_APPEND(p, "4", "{", "$setWindowFields", "{", "partitionBy", "{", "key", "$key", "k",
                "$e.k", "}", "sortBy", "{", "e.v", BCON_INT32(1), "}", "output", "{", "r", "{",
                "$documentNumber", "{", "}", "}", "n", "{", "$count", "{", "}", "window", "{",
                "documents", "[", "unbounded", "unbounded", "]", "}", "}", "sum", "{", "$sum",
                "$e.v", "window", "{", "documents", "[", "unbounded", "unbounded", "]", "}", "}",
                "}", "}", "}");
    if (!BSON_APPEND_DOCUMENT_BEGIN(p, "5", &st) ||
        !BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &m) ||
        !BSON_APPEND_DOCUMENT_BEGIN(&m, "$expr", &ex) || !BSON_APPEND_ARRAY_BEGIN(&ex, "$or", & or))
        return CS_ERR_TOO_LARGE;
    rank_is(& or, "0", 0.50);
    rank_is(& or, "1", 0.90);
    rank_is(& or, "2", 0.99);
    if (!bson_append_array_end(&ex, & or) || !bson_append_document_end(&m, &ex) ||
        !bson_append_document_end(&st, &m) || !bson_append_document_end(p, &st))
        return CS_ERR_TOO_LARGE;
    BCON_APPEND(p, "6", "{", "$group", "{", "_id", "{", "key", "$key", "k", "$e.k", "}", "n", "{",
                "$first", "$n", "}", "sum", "{", "$first", "$sum", "}", "at", "{", "$push", "{",
                "r", "$r", "v", "$e.v", "}", "}", "}", "}");
    return CS_OK;
}

int cs_mq_rp_children_filter(bson_t *b, const char *tenant, const struct cs_rp_resource *r,
                             const char *col, int64_t v)
{
    char path[96];
    snprintf(path, sizeof(path), "c.%s", col);
    bson_t nul;
    bool ok = BSON_APPEND_UTF8(b, "_id.t", tenant) && BSON_APPEND_INT64(b, path, v);
    if (ok && cs_rp_field_find(r, "deleted_at"))
        ok = BSON_APPEND_DOCUMENT_BEGIN(b, "c.deleted_at", &nul) && BSON_APPEND_NULL(&nul, "$eq") &&
             bson_append_document_end(b, &nul);
    return ok ? CS_OK : CS_ERR_TOO_LARGE;
}

int cs_mq_rp_team_agents_filter(bson_t *b, const char *tenant, int64_t team_id)
{
    BCON_APPEND(b, "_id.t", BCON_UTF8(tenant), "c.deleted_at", "{", "$eq", BCON_NULL, "}",
                "rec.teams", "{", "$elemMatch", "{", "id", "{", "$eq", BCON_INT64(team_id), "}",
                "}", "}");
    return CS_OK;
}

int cs_mq_rp_clock(bson_t *sel, bson_t *update, const char *tenant, const char *table,
                   int64_t now_ms)
{
    BCON_APPEND(sel, "_id", "{", "t", BCON_UTF8(tenant), "r", BCON_UTF8(table), "}");
    BCON_APPEND(update, "0", "{", "$set", "{", "upd", "{", "$max", "[", "{", "$add", "[", "{",
                "$ifNull", "[", "$upd", BCON_INT64(0), "]", "}", BCON_INT64(1), "]", "}",
                BCON_INT64(now_ms), "]", "}", "}", "}");
    return CS_OK;
}

int cs_mq_rp_change_ids(bson_t *sel, bson_t *update, const char *tenant, int64_t n)
{
    BCON_APPEND(sel, "_id", "{", "t", BCON_UTF8(tenant), "r", BCON_UTF8("rp_changed_details"), "}");
    BCON_APPEND(update, "$inc", "{", "next", BCON_INT64(n), "}");
    return CS_OK;
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
