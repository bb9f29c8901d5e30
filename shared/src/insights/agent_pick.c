/* The recommended agent for a ticket (cs/insights.h, README "recommended_agent").
 *
 * When the tenant has reporting agents (seed 002's agents, teams and agent activity
 * logs, read through cs/reporting.h), they are the candidates: the category's team
 * first (the triage policy's team for the category, with its sub-teams), then the
 * best record on the category among the tenant's resolved tickets, then the lowest
 * id; the first whose open tickets are under the tenant's max_workload and who is on
 * shift now answers. Without reporting agents the ticket history alone chooses (the
 * assignees with a record on the category, workload as above, no shift). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/reporting.h"
#include "cs/store.h"
#include "cs/tenant_models.h"
#include "cs/triage.h"

/* Agents and teams read per recommendation; a contact centre larger than this keeps
 * its first MAX_AGENTS agents by id as candidates (the reporting API pages by 100). */
#define MAX_AGENTS 500
#define MAX_TEAMS 500
#define PAGE 100

struct cand {
    int64_t id;
    const char *key_id; /* the id as decimal text */
    const char *number; /* agent_number, NULL when none */
    const char *name;
    json_object *teams;
    bool in_team;
    const struct cs_agg_row *row; /* record on the category; NULL: none */
};

/* One page of a reporting resource (arena-owned items). */
static int rp_page(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *res,
                   const char *query, json_object **items, int64_t *total)
{
    const struct cs_rp_resource *r = cs_rp_resource_find(res);
    struct cs_rp_query *q = cs_arena_alloc(a, sizeof(*q));
    struct cs_rp_error err;
    *items = cs_json_array(a);
    if (!r || !q || !*items) return CS_ERR_NOMEM;
    int rc = cs_rp_query_parse(r, query, NULL, a, q, &err);
    if (rc) return CS_ERR_INVALID; /* our own query: a bug, not the caller's */
    return cs_rp_store_list(st, a, tenant, r, q, *items, total);
}

/* Up to `max` records of a resource in id order; *out is arena-owned. */
static int rp_all(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *res,
                  size_t max, json_object **out)
{
    *out = cs_json_array(a);
    if (!*out) return CS_ERR_NOMEM;
    for (int page = 1; json_object_array_length(*out) < max; page++) {
        json_object *items;
        int64_t total = 0;
        char query[64];
        snprintf(query, sizeof(query), "per=%d&page=%d", PAGE, page);
        int rc = rp_page(st, a, tenant, res, query, &items, &total);
        if (rc) return rc;
        size_t n = json_object_array_length(items);
        for (size_t i = 0; i < n && json_object_array_length(*out) < max; i++)
            if (json_object_array_add(*out, json_object_get(json_object_array_get_idx(items, i))))
                return CS_ERR_NOMEM;
        if (n < PAGE || (int64_t)json_object_array_length(*out) >= total) break;
    }
    return CS_OK;
}

/* Ids of the teams named `name` and of every team below them (parent_id), from the
 * tenant's reporting teams. *n 0 when none is so named. */
static int team_ids(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *name,
                    int64_t **ids, size_t *n)
{
    json_object *teams;
    *n = 0;
    int rc = rp_all(st, a, tenant, "teams", MAX_TEAMS, &teams);
    size_t nt = rc ? 0 : json_object_array_length(teams);
    *ids = cs_arena_alloc(a, (nt + 1) * sizeof(**ids));
    if (rc || !*ids) return rc ? rc : CS_ERR_NOMEM;
    for (size_t i = 0; i < nt; i++) {
        json_object *t = json_object_array_get_idx(teams, i);
        const char *tn = cs_json_get_str(t, "name");
        if (tn && strcmp(tn, name) == 0) (*ids)[(*n)++] = cs_json_get_int(t, "id", 0);
    }
    /* The tree, a level per pass; a stored cycle ends when a pass adds nothing. */
    for (bool grew = *n > 0; grew;) {
        grew = false;
        for (size_t i = 0; i < nt && *n < nt; i++) {
            json_object *t = json_object_array_get_idx(teams, i);
            int64_t id = cs_json_get_int(t, "id", 0), parent = cs_json_get_int(t, "parent_id", 0);
            bool have = false, under = false;
            for (size_t k = 0; k < *n; k++) have |= (*ids)[k] == id, under |= (*ids)[k] == parent;
            if (under && !have) (*ids)[(*n)++] = id, grew = true;
        }
    }
    return CS_OK;
}

static bool in_teams(json_object *agent_teams, const int64_t *ids, size_t n)
{
    size_t m = json_object_is_type(agent_teams, json_type_array)
                   ? json_object_array_length(agent_teams)
                   : 0;
    for (size_t i = 0; i < m; i++) {
        int64_t id = cs_json_get_int(json_object_array_get_idx(agent_teams, i), "id", 0);
        for (size_t k = 0; k < n; k++)
            if (id && ids[k] == id) return true;
    }
    return false;
}

/* Better record: a larger share of satisfied ratings, then a shorter mean resolution. */
static int record_cmp(const struct cs_agg_row *x, const struct cs_agg_row *y)
{
    double cx = isnan(x->values[1]) ? 0 : x->values[1], cy = isnan(y->values[1]) ? 0 : y->values[1];
    if (cx != cy) return cx > cy ? -1 : 1;
    if (x->values[2] != y->values[2]) return x->values[2] < y->values[2] ? -1 : 1;
    return 0;
}

static int cand_cmp(const void *p, const void *q)
{
    const struct cand *x = p, *y = q;
    if (x->in_team != y->in_team) return x->in_team ? -1 : 1;
    if (!x->row != !y->row) return x->row ? -1 : 1;
    int c = x->row ? record_cmp(x->row, y->row) : 0;
    if (c) return c;
    return (x->id > y->id) - (x->id < y->id);
}

/* The tenant's resolved tickets of the category grouped by assignee: count, satisfied
 * share, mean resolution seconds. */
static int category_records(struct cs_store *st, struct cs_arena *a, const char *tenant,
                            const char *cat, struct cs_agg_row **rows, size_t *n)
{
    struct cs_filter f[2] = {{"resolution_s", CS_OP_EXISTS, cs_val_bool(true)},
                             {"category", CS_OP_EQ, cs_val_str(cat ? cat : "")}};
    struct cs_agg g = {.filters = f,
                       .nfilters = 2,
                       .group_by = "assignee",
                       .metrics = {{CS_AGG_COUNT, NULL},
                                   {CS_AGG_AVG, "csat_satisfied"},
                                   {CS_AGG_AVG, "resolution_s"}},
                       .nmetrics = 3};
    return cs_store_aggregate(st, a, tenant, CS_INSIGHTS_TICKETS, &g, rows, n);
}

static const struct cs_agg_row *row_of(const struct cs_agg_row *rows, size_t n, const char *key)
{
    for (size_t i = 0; key && i < n; i++)
        if (rows[i].key.type == CS_VAL_STR && strcmp(rows[i].key.s, key) == 0) return &rows[i];
    return NULL;
}

/* Open tickets assigned under `key` (0 for NULL). */
static int open_under(struct cs_store *st, const char *tenant, const char *key, int64_t *n)
{
    *n = 0;
    if (!key) return CS_OK;
    struct cs_filter f[2] = {{"assignee", CS_OP_EQ, cs_val_str(key)},
                             {"open", CS_OP_EQ, cs_val_int(1)}};
    return cs_store_count(st, tenant, CS_INSIGHTS_TICKETS, f, 2, n);
}

/* On shift now: the agent's latest activity log started by now, while it lasts, holds
 * a status other than Offline and an activity other than logout; an agent without any
 * log is on shift when its record says online. */
static int on_shift(struct cs_store *st, struct cs_arena *a, const char *tenant,
                    const struct cand *c, json_object *rec, int64_t now_ms, bool *yes)
{
    char now[32], query[160];
    cs_rp_time_str(now_ms, now);
    snprintf(query, sizeof(query),
             "agent_id[]=%lld&started_at[to]=%s&sort_column=started_at&sort_direction=DESC&per=1",
             (long long)c->id, now);
    json_object *items;
    int64_t total = 0;
    int rc = rp_page(st, a, tenant, "agent_activity_logs", query, &items, &total);
    if (rc) return rc;
    if (json_object_array_length(items) == 0) {
        *yes = cs_json_get_bool(rec, "online", false);
        return CS_OK;
    }
    json_object *log = json_object_array_get_idx(items, 0);
    const char *status = cs_json_get_str(log, "status"), *act = cs_json_get_str(log, "activity"),
               *ended = cs_json_get_str(log, "ended_at");
    int64_t end_ms = INT64_MAX;
    if (ended && cs_time_parse_iso(ended, &end_ms)) end_ms = INT64_MAX; /* unreadable: open */
    *yes = end_ms > now_ms && status && strcasecmp(status, "Offline") != 0 &&
           !(act && strcasecmp(act, "logout") == 0);
    return CS_OK;
}

/* The reporting agents as candidates, checked like outside input (an id >= 1). */
static int candidates(struct cs_arena *a, json_object *agents, const int64_t *tids, size_t ntids,
                      const struct cs_agg_row *rows, size_t nrows, struct cand **out, size_t *n)
{
    size_t na = json_object_array_length(agents);
    *out = cs_arena_alloc(a, (na + 1) * sizeof(**out));
    if (!*out) return CS_ERR_NOMEM;
    *n = 0;
    for (size_t i = 0; i < na; i++) {
        json_object *r = json_object_array_get_idx(agents, i);
        struct cand *c = &(*out)[*n];
        c->id = cs_json_get_int(r, "id", 0);
        if (c->id < 1) continue;
        c->key_id = cs_arena_printf(a, "%lld", (long long)c->id);
        c->number = cs_json_get_str(r, "agent_number");
        const char *first = cs_json_get_str(r, "first_name"),
                   *last = cs_json_get_str(r, "last_name");
        c->name = first && last ? cs_arena_printf(a, "%s %s", first, last)
                  : first       ? first
                  : last        ? last
                  : c->number   ? c->number
                                : c->key_id;
        if (!c->key_id || !c->name) return CS_ERR_NOMEM;
        json_object_object_get_ex(r, "teams", &c->teams);
        c->in_team = ntids && in_teams(c->teams, tids, ntids);
        const struct cs_agg_row *x = row_of(rows, nrows, c->key_id),
                                *y = row_of(rows, nrows, c->number);
        c->row = x && y ? (y->values[0] > x->values[0] ? y : x) : x ? x : y;
        (*n)++;
    }
    qsort(*out, *n, sizeof(**out), cand_cmp);
    return CS_OK;
}

/* The reporting data's choice; *have false when the tenant has no reporting agents. */
static int from_reporting(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const void *policy, const struct cs_insights_cfg *cfg, json_object *doc,
                          int64_t now_ms, bool *have, struct cs_ticket_insights *out)
{
    json_object *agents;
    *have = false;
    int rc = rp_all(st, a, tenant, "agents", MAX_AGENTS, &agents);
    if (rc == CS_ERR_UNAVAILABLE) return CS_OK; /* a backend without reporting tables */
    if (rc || json_object_array_length(agents) == 0) return rc;
    *have = true;
    const char *cat = cs_json_get_str(doc, "category");
    int code = cat ? cs_triage_category_parse(cat) : -1;
    const struct cs_triage_route *route =
        policy && code >= 0 ? cs_triage_policy_category(policy, (enum cs_triage_category)code)
                            : NULL;
    int64_t *tids = NULL;
    size_t ntids = 0, nrows = 0, n = 0;
    struct cs_agg_row *rows = NULL;
    struct cand *c = NULL;
    if (route && route->team[0]) rc = team_ids(st, a, tenant, route->team, &tids, &ntids);
    if (!rc) rc = category_records(st, a, tenant, cat, &rows, &nrows);
    if (!rc) rc = candidates(a, agents, tids, ntids, rows, nrows, &c, &n);
    bool open_now = cs_bh_open_at(&cfg->bh, now_ms);
    out->agent_source = "reporting";
    for (size_t i = 0; !rc && open_now && i < n; i++) {
        int64_t w1 = 0, w2 = 0;
        rc = open_under(st, tenant, c[i].key_id, &w1);
        if (!rc && c[i].number && strcmp(c[i].number, c[i].key_id) != 0)
            rc = open_under(st, tenant, c[i].number, &w2);
        if (rc || w1 + w2 >= cfg->max_workload) continue;
        bool shift = false;
        json_object *rec = NULL;
        for (size_t k = 0; k < json_object_array_length(agents) && !rec; k++)
            if (cs_json_get_int(json_object_array_get_idx(agents, k), "id", 0) == c[i].id)
                rec = json_object_array_get_idx(agents, k);
        rc = on_shift(st, a, tenant, &c[i], rec, now_ms, &shift);
        if (rc || !shift) continue;
        out->agent_id = c[i].number ? c[i].number : c[i].key_id;
        out->agent_name = c[i].name;
        out->agent_source = c[i].in_team ? "reporting_team" : "reporting";
        out->agent_workload = w1 + w2;
        break;
    }
    return rc;
}

/* The ticket history's choice: the assignees with a record on the category. */
static int from_history(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const struct cs_insights_cfg *cfg, json_object *doc,
                        struct cs_ticket_insights *out)
{
    struct cs_agg_row *rows;
    size_t n;
    out->agent_source = "ticket_history";
    int rc = category_records(st, a, tenant, cs_json_get_str(doc, "category"), &rows, &n);
    const struct cs_agg_row *best = NULL;
    int64_t best_open = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (rows[i].key.type != CS_VAL_STR) continue;
        if (best) {
            int c = record_cmp(&rows[i], best);
            if (c > 0 || (c == 0 && strcmp(rows[i].key.s, best->key.s) >= 0)) continue;
        }
        int64_t open = 0;
        rc = open_under(st, tenant, rows[i].key.s, &open);
        if (!rc && open < cfg->max_workload) best = &rows[i], best_open = open;
    }
    if (rc || !best) return rc;
    out->agent_id = best->key.s;
    out->agent_workload = best_open;
    return cs_insights_agent_name(st, a, tenant, best->key.s, &out->agent_name);
}

int cs_insights_recommend_agent(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                const void *policy, json_object *doc, int64_t now_ms,
                                struct cs_ticket_insights *out)
{
    struct cs_insights_cfg cfg;
    bool have = false;
    out->agent_id = out->agent_name = NULL;
    int rc = cs_insights_cfg_load(st, a, tenant, &cfg, NULL);
    if (!rc) rc = from_reporting(st, a, tenant, policy, &cfg, doc, now_ms, &have, out);
    if (!rc && !have) rc = from_history(st, a, tenant, &cfg, doc, out);
    return rc;
}
