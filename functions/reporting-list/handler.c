/* GET /manager/api/v1/{resource}: a bare JSON array, one page of the filtered records,
 * with Total, Per-Page and Link headers. GET /manager/api/v1/teams/with_assignees: the
 * same for teams, each with its agents. GET /manager/api/v1/teams/tree: every team
 * nested under its parent, children in position order. */
#include "handler.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/buf.h"
#include "cs/clock.h"
#include "cs/family.h"
#include "cs/function.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/reporting.h"

#define TREE_MAX 10000

static int list(const struct cs_req *req, struct cs_resp *resp, const struct cs_rp_resource *r,
                bool assignees)
{
    struct cs_rp_query *q = cs_arena_alloc(req->arena, sizeof(*q));
    if (!q) return CS_ERR_NOMEM;
    struct cs_rp_error err;
    int rc = cs_rp_query_parse(r, req->query, NULL, req->arena, q, &err);
    if (rc) return cs_rp_query_fail(resp, rc, &err);
    if (q->has_after && (!q->sort || strcmp(q->sort->name, "updated_at")))
        return cs_rp_fail(resp, CS_ERR_BAD_REQUEST, "bad_cursor",
                          "after is only valid with sort_column=updated_at");
    int64_t total = 0;
    struct cs_rp_page_end end = {0, 0, 0};
    if (!assignees && !r->view_of) {
        /* Records go out as stored: no parse-and-print round trip per row. */
        struct cs_buf body;
        cs_buf_init(&body, req->arena, 64u << 20);
        rc = cs_rp_store_list_raw(req->store, req->arena, req->auth.tenant, r, q, &body, &total,
                                  &end);
        if (!rc) rc = cs_rp_page_headers(req, resp, q, total, &end);
        if (rc) return rc;
        cs_resp_raw(resp, 200, "application/json", cs_buf_str(&body), body.len);
        return CS_OK;
    }
    json_object *items = cs_json_array(req->arena);
    if (!items) return CS_ERR_NOMEM;
    rc = cs_rp_store_list(req->store, req->arena, req->auth.tenant, r, q, items, &total);
    size_t n = json_object_array_length(items);
    for (size_t i = 0; !rc && assignees && i < n; i++) {
        json_object *team = json_object_array_get_idx(items, i);
        json_object *agents = json_object_new_array();
        if (!agents) return CS_ERR_NOMEM;
        json_object_object_add(team, "assignees", agents);
        rc = cs_rp_store_team_agents(req->store, req->arena, req->auth.tenant,
                                     cs_json_get_int(team, "id", 0), agents);
    }
    if (n) {
        json_object *last = json_object_array_get_idx(items, n - 1);
        end = (struct cs_rp_page_end){n, 0, cs_json_get_int(last, "id", 0)};
        const char *u = cs_json_get_str(last, "updated_at");
        if (!u || cs_time_parse_iso(u, &end.last_upd_ms)) return CS_ERR_STORE;
    }
    if (!rc) rc = cs_rp_page_headers(req, resp, q, total, &end);
    return rc ? rc : cs_family_ok(CS_FAMILY_REPORTING, req, resp, 200, items);
}

static json_object *team_by_id(json_object *all, size_t n, int64_t id)
{
    for (size_t j = 0; id && j < n; j++) {
        json_object *c = json_object_array_get_idx(all, j);
        if (cs_json_get_int(c, "id", -1) == id) return c;
    }
    return NULL;
}

/* True when following parent_id from t comes back to t (stored data is outside input). */
static bool in_cycle(json_object *all, size_t n, json_object *t)
{
    json_object *p = t;
    for (size_t steps = 0; steps <= n; steps++) {
        p = team_by_id(all, n, cs_json_get_int(p, "parent_id", 0));
        if (!p) return false;
        if (p == t) return true;
    }
    return true;
}

/* Attaches each team to its parent's children (roots to `roots`); teams come sorted by
 * position, so children keep that order. A parent that is missing or deleted makes its
 * team a root rather than losing it. */
static int tree(const struct cs_req *req, struct cs_resp *resp)
{
    const struct cs_rp_resource *r = cs_rp_resource_find("teams");
    struct cs_rp_query *q = cs_arena_alloc(req->arena, sizeof(*q));
    if (!q) return CS_ERR_NOMEM;
    struct cs_rp_error err;
    int rc = cs_rp_query_parse(r, "", NULL, req->arena, q, &err);
    if (rc) return rc;
    if (req->query && *req->query)
        return cs_rp_fail(resp, CS_ERR_VALIDATION, "unknown_filter",
                          "The team tree takes no parameters");
    q->sort = cs_rp_field_find(r, "position");
    q->per = TREE_MAX;
    json_object *all = cs_json_array(req->arena), *roots = cs_json_array(req->arena);
    int64_t total;
    if (!all || !roots) return CS_ERR_NOMEM;
    rc = cs_rp_store_list(req->store, req->arena, req->auth.tenant, r, q, all, &total);
    if (rc) return rc;
    size_t n = json_object_array_length(all);
    for (size_t i = 0; i < n; i++)
        json_object_object_add(json_object_array_get_idx(all, i), "children",
                               json_object_new_array());
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(all, i);
        json_object *p = team_by_id(all, n, cs_json_get_int(t, "parent_id", 0));
        bool root = !p || p == t || in_cycle(all, n, t);
        json_object_array_add(root ? roots : json_object_object_get(p, "children"),
                              json_object_get(t));
    }
    return cs_family_ok(CS_FAMILY_REPORTING, req, resp, 200, roots);
}

CS_HANDLER(fn_reporting_list)
{
    const char *pattern = req->route->pattern;
    if (!strcmp(pattern, "/manager/api/v1/teams/tree")) return tree(req, resp);
    if (!strcmp(pattern, "/manager/api/v1/teams/with_assignees"))
        return list(req, resp, cs_rp_resource_find("teams"), true);
    const char *name = cs_req_param(req, "resource");
    const struct cs_rp_resource *r = cs_rp_resource_find(name);
    if (!r)
        return cs_rp_fail(resp, CS_ERR_NOT_FOUND, "unknown_resource",
                          cs_arena_printf(req->arena, "Unknown resource: %s", name ? name : ""));
    return list(req, resp, r, false);
}
