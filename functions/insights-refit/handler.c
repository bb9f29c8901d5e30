/* The refit worker: for every tenant (those with an API key or a login), refits its
 * outcome models (cs/insights_fit.h) when a ticket changed since the last check, or the
 * last fit is older than the refit interval. A tenant's failure is logged and the pass
 * moves on to the next. */
#include "handler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/env.h"
#include "cs/function.h"
#include "cs/insights.h"
#include "cs/insights_fit.h"
#include "cs/json.h"
#include "cs/log.h"
#include "cs/store.h"
#include "cs/tenant_models.h"

#define STATUS_ID "_status"
#define TENANT_ARENA_CAP (256u << 20)

/* CS_INSIGHTS_REFIT_SECONDS: a fit older than this is redone even when nothing changed
 * (default 86400); CS_INSIGHTS_REFIT_POLL: seconds between passes of --loop (default
 * 300). Read once at cold start. */
static int64_t refit_ms = 86400000, poll_ms = 300000;
static int64_t last_pass_ms;

static int64_t env_seconds(const char *name, int64_t dflt, int64_t max)
{
    const char *v = getenv(name);
    char *end = NULL;
    long long n = v && *v ? strtoll(v, &end, 10) : -1;
    return end && *end == '\0' && n >= 0 && n <= max ? (int64_t)n * 1000 : dflt;
}

CS_INIT(fn_insights_refit_init)
{
    (void)env;
    refit_ms = env_seconds("CS_INSIGHTS_REFIT_SECONDS", refit_ms, 365LL * 86400);
    poll_ms = env_seconds("CS_INSIGHTS_REFIT_POLL", poll_ms, 86400);
    return CS_OK;
}

/* Distinct tenants of one system collection (api_keys, logins). */
static int tenants_of(struct cs_store *st, struct cs_arena *a, const char *coll, json_object *set)
{
    struct cs_agg g = {.group_by = "tenant", .metrics = {{CS_AGG_COUNT, NULL}}, .nmetrics = 1};
    struct cs_agg_row *rows;
    size_t n;
    int rc = cs_store_aggregate(st, a, CS_SYSTEM_TENANT, coll, &g, &rows, &n);
    for (size_t i = 0; !rc && i < n; i++)
        if (rows[i].key.type == CS_VAL_STR && cs_tenant_valid(rows[i].key.s) &&
            strcmp(rows[i].key.s, CS_SYSTEM_TENANT))
            rc = cs_json_add_bool(set, rows[i].key.s, true);
    return rc;
}

/* What the last look saw: the number of tickets and the latest change time. A ticket
 * written by a request that started before the look but committed after it carries an
 * earlier time than the look's own clock, so the look compares against what it saw in
 * the store, not against when it looked; a new ticket also changes the count. */
struct seen {
    int64_t tickets, latest_ms;
};

/* Due: never looked at, tickets added or changed since, or the fit too old. */
static int due(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t now_ms,
               bool *out, struct cs_doc *status, struct seen *now)
{
    *out = false;
    struct cs_query q = {.sort = "_updated", .desc = true, .limit = 1};
    struct cs_doc_list l;
    int rc = cs_store_find(st, a, tenant, CS_INSIGHTS_TICKETS, &q, &l);
    if (rc || l.n == 0) return rc;
    now->latest_ms = l.docs[0].updated_ms;
    if ((rc = cs_store_count(st, tenant, CS_INSIGHTS_TICKETS, NULL, 0, &now->tickets))) return rc;
    rc = cs_store_get(st, a, tenant, CS_TM_COLL, STATUS_ID, status);
    if (rc == CS_ERR_NOT_FOUND) return status->body = NULL, *out = true, CS_OK;
    if (rc) return rc;
    *out = now->tickets != cs_json_get_int(status->body, "tickets", -1) ||
           now->latest_ms > cs_json_get_int(status->body, "latest_ms", 0) ||
           now_ms - cs_json_get_int(status->body, "checked_ms", 0) >= refit_ms;
    return CS_OK;
}

static int put_status(struct cs_store *st, struct cs_arena *a, const char *tenant,
                      const struct cs_doc *old, const struct cs_tm_fit_report *rep,
                      const struct seen *seen, int64_t now_ms)
{
    json_object *fitted = json_object_new_array();
    for (int k = 0; fitted && k < CS_TM_N; k++)
        if (rep->fitted[k] &&
            cs_json_push(fitted, json_object_new_string(cs_tm_name((enum cs_tm_kind)k)))) {
            json_object_put(fitted);
            fitted = NULL;
        }
    struct cs_jb b;
    cs_jb_init(&b, cs_json_object(a));
    cs_jb_add(&b, "fitted", fitted);
    cs_jb_int(&b, "checked_ms", now_ms);
    cs_jb_int(&b, "tickets", seen->tickets);
    cs_jb_int(&b, "latest_ms", seen->latest_ms);
    cs_jb_int(&b, "tickets_read", rep->tickets);
    int rc = cs_jb_done(&b);
    if (rc) return rc;
    if (old->body)
        return cs_store_update(st, a, tenant, CS_TM_COLL, STATUS_ID, old->version, b.obj, NULL,
                               now_ms, NULL);
    rc = cs_store_insert(st, a, tenant, CS_TM_COLL, STATUS_ID, b.obj, NULL, now_ms, NULL);
    /* Another worker looked meanwhile: its status stands. */
    return rc == CS_ERR_EXISTS ? CS_OK : rc;
}

static int refit_tenant(struct cs_store *st, const char *tenant, int64_t now_ms, int *fitted)
{
    struct cs_arena *a = cs_arena_new(TENANT_ARENA_CAP);
    if (!a) return CS_ERR_NOMEM;
    bool is_due;
    struct cs_doc status = {0};
    struct cs_tm_fit_report rep;
    struct seen seen = {0};
    int rc = due(st, a, tenant, now_ms, &is_due, &status, &seen);
    if (!rc && is_due) rc = cs_tm_fit_tenant(st, a, tenant, now_ms, &rep);
    if (!rc && is_due) rc = put_status(st, a, tenant, &status, &rep, &seen, now_ms);
    if (!rc && is_due) {
        (*fitted)++;
        char n[24];
        snprintf(n, sizeof(n), "%lld", (long long)rep.tickets);
        cs_log(CS_LOG_INFO, "tenant models refitted", "tenant", tenant, "tickets", n, NULL);
    }
    cs_arena_destroy(a);
    return rc == CS_ERR_CONFLICT ? CS_OK : rc;
}

CS_RUN(fn_insights_refit_run)
{
    int64_t now = w->env->now_ms();
    /* Under --loop (no deadline) the runtime calls every second: one pass per poll. */
    if (!deadline_ms && last_pass_ms && now - last_pass_ms < poll_ms) return CS_OK;
    last_pass_ms = now;
    json_object *set = cs_json_object(w->arena), *o = cs_json_object(w->arena);
    if (!set || !o) return CS_ERR_NOMEM;
    int rc = tenants_of(w->store, w->arena, "api_keys", set);
    if (!rc) rc = tenants_of(w->store, w->arena, "logins", set);
    if (rc) return rc;
    int tenants = 0, fitted = 0, failed = 0;
    json_object_object_foreach(set, tenant, v)
    {
        (void)v;
        if (*stop || (deadline_ms && w->env->now_ms() > deadline_ms - 5000)) break;
        tenants++;
        int trc = refit_tenant(w->store, tenant, w->env->now_ms(), &fitted);
        if (trc) {
            failed++;
            cs_log(CS_LOG_WARN, "tenant refit failed", "tenant", tenant, "error",
                   cs_error_name(trc), NULL);
        }
    }
    struct cs_jb sb;
    cs_jb_init(&sb, o);
    cs_jb_int(&sb, "tenants", tenants);
    cs_jb_int(&sb, "refitted", fitted);
    cs_jb_int(&sb, "failed", failed);
    if ((rc = cs_jb_done(&sb))) return rc;
    *summary = o;
    return CS_OK;
}
