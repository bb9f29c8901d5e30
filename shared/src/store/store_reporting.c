/* The reporting store operations (cs/reporting.h): argument checks and fault injection
 * here, then the backend's code: SQLite's (store_reporting_sqlite.c) or a plugin's
 * table (store_rp_backend.h; MongoDB: mongo/store_mongo_rp.c). */
#include <string.h>

#include "cs/buf.h"
#include "cs/clock.h"
#include "cs/tenant.h"
#include "store/store_int.h"
#include "store/store_reporting.h"
#include "store/store_rp_backend.h"

/* The backend's table, or NULL for SQLite. Checks the tenant and honours the store's
 * fault injection as every other store call does (the SQLite side does both itself). */
static int plugin_of(struct cs_store *st, const char *tenant, const struct cs_rp_store_ops **ops)
{
    *ops = st ? st->ops->reporting : NULL;
    if (!*ops) return CS_OK;
    if (!tenant || !cs_tenant_valid(tenant)) return CS_ERR_INVALID;
    return cs_store_injected(st);
}

bool cs_rp_store_ready(struct cs_store *st)
{
    return st && (st->ops->reporting || cs_store_sqlite_db(st));
}

int cs_rp_store_import(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       const struct cs_rp_resource *r, json_object *records, int64_t now_ms,
                       struct cs_rp_import_result *res)
{
    const struct cs_rp_store_ops *ops;
    memset(res, 0, sizeof(*res));
    if (!r->importable) return CS_ERR_INVALID;
    int rc = plugin_of(st, tenant, &ops);
    if (rc) return rc;
    return ops ? ops->import(st, a, tenant, r, records, now_ms, res)
               : cs_rp_sqlite_import(st, a, tenant, r, records, now_ms, res);
}

int cs_rp_store_list(struct cs_store *st, struct cs_arena *a, const char *tenant,
                     const struct cs_rp_resource *r, const struct cs_rp_query *q,
                     json_object *items, int64_t *total)
{
    const struct cs_rp_store_ops *ops;
    int rc = plugin_of(st, tenant, &ops);
    if (rc) return rc;
    return ops ? ops->list(st, a, tenant, r, q, items, total)
               : cs_rp_sqlite_list(st, a, tenant, r, q, items, total);
}

/* A backend without a raw path: the parsed page (each record checked as it was read)
 * printed once. */
static int raw_from_list(struct cs_store *st, const struct cs_rp_store_ops *ops, struct cs_arena *a,
                         const char *tenant, const struct cs_rp_resource *r,
                         const struct cs_rp_query *q, struct cs_buf *out, int64_t *total,
                         struct cs_rp_page_end *end)
{
    json_object *items = json_object_new_array();
    if (!items) return CS_ERR_NOMEM;
    int rc = ops->list(st, a, tenant, r, q, items, total);
    size_t n = rc ? 0 : json_object_array_length(items);
    *end = (struct cs_rp_page_end){n, 0, 0};
    if (n) {
        json_object *last = json_object_array_get_idx(items, n - 1);
        const char *u = json_object_get_string(json_object_object_get(last, "updated_at"));
        end->last_id = json_object_get_int64(json_object_object_get(last, "id"));
        if (!u || cs_time_parse_iso(u, &end->last_upd_ms)) rc = CS_ERR_STORE;
    }
    if (!rc) rc = cs_buf_puts(out, json_object_to_json_string_ext(items, JSON_C_TO_STRING_PLAIN));
    json_object_put(items);
    return rc;
}

int cs_rp_store_list_raw(struct cs_store *st, struct cs_arena *a, const char *tenant,
                         const struct cs_rp_resource *r, const struct cs_rp_query *q,
                         struct cs_buf *out, int64_t *total, struct cs_rp_page_end *end)
{
    const struct cs_rp_store_ops *ops;
    if (r->view_of) return CS_ERR_INVALID; /* views are built from parsed records */
    int rc = plugin_of(st, tenant, &ops);
    if (rc) return rc;
    return ops ? raw_from_list(st, ops, a, tenant, r, q, out, total, end)
               : cs_rp_sqlite_list_raw(st, a, tenant, r, q, out, total, end);
}

int cs_rp_store_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                    const struct cs_rp_resource *r, int64_t id, bool with_deleted,
                    json_object **out)
{
    const struct cs_rp_store_ops *ops;
    int rc = plugin_of(st, tenant, &ops);
    if (rc) return rc;
    return ops ? ops->get(st, a, tenant, r, id, with_deleted, out)
               : cs_rp_sqlite_get(st, a, tenant, r, id, with_deleted, out);
}

int cs_rp_store_children(struct cs_store *st, struct cs_arena *a, const char *tenant,
                         const struct cs_rp_resource *r, const char *col, int64_t v, size_t limit,
                         json_object *items)
{
    const struct cs_rp_store_ops *ops;
    int rc = plugin_of(st, tenant, &ops);
    if (rc) return rc;
    const struct cs_rp_field *f = cs_rp_field_find(r, col);
    if (ops && (!f || !f->column)) return CS_ERR_INVALID;
    return ops ? ops->children(st, a, tenant, r, col, v, limit, items)
               : cs_rp_sqlite_children(st, a, tenant, r, col, v, limit, items);
}

int cs_rp_store_team_agents(struct cs_store *st, struct cs_arena *a, const char *tenant,
                            int64_t team_id, json_object *items)
{
    const struct cs_rp_store_ops *ops;
    int rc = plugin_of(st, tenant, &ops);
    if (rc) return rc;
    return ops ? ops->team_agents(st, a, tenant, team_id, items)
               : cs_rp_sqlite_team_agents(st, a, tenant, team_id, items);
}

int cs_rp_store_segment_stats(struct cs_store *st, struct cs_arena *a, const char *tenant,
                              enum cs_rp_group g, int64_t from_ms, int64_t to_ms,
                              struct cs_rp_group_row **rows, size_t *nrows)
{
    const struct cs_rp_store_ops *ops;
    *rows = NULL, *nrows = 0;
    int rc = plugin_of(st, tenant, &ops);
    if (rc) return rc;
    return ops ? ops->segment_stats(st, a, tenant, g, from_ms, to_ms, rows, nrows)
               : cs_rp_sqlite_segment_stats(st, a, tenant, g, from_ms, to_ms, rows, nrows);
}
