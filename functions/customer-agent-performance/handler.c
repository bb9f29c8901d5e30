/* GET /api/v1/customer/agents/{agent_id}/performance: the agent's figures over every
 * ticket assigned to them (cs_insights_figures), current workload = their open tickets,
 * and a coaching tip from how they stand against the team's medians, phrased by the
 * tenant's LLM provider when one is configured (cs_insights_coaching_tip_ai). */
#include "handler.h"

#include <math.h>
#include <string.h>

#include "cs/ai.h"
#include "cs/arena.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/tenant_models.h"

/* v, or null when there is no figure (NaN); `digits` decimals. */
static void add_figure(struct cs_jb *o, const char *key, double v, int digits)
{
    if (isnan(v))
        cs_jb_null(o, key);
    else
        cs_jb_double(o, key, v, digits);
}

/* The tip, phrased by the tenant's hosted LLM when it has one. Such a call may take
 * seconds: this request's store work is committed first and the group-commit scope
 * opened again after, so no shared transaction is held across it (cs/store.h). */
static int coaching_tip(const struct cs_req *req, const struct cs_insights_figures *f,
                        const struct cs_insights_team *team, struct cs_insights_tip *tip)
{
    struct cs_ai_call call;
    cs_ai_call_from_req(req, "coaching", &call);
    if (!req->env->ai || !cs_ai_hosted_default(&call, CS_AI_CAP_GENERATE))
        return cs_insights_coaching_tip_ai(NULL, f, team, tip);
    int rc = cs_store_scope_end(req->store);
    if (!rc) rc = cs_insights_coaching_tip_ai(&call, f, team, tip);
    cs_store_scope_begin(req->store);
    return rc;
}

CS_HANDLER(fn_customer_agent_performance)
{
    const char *agent = cs_req_param(req, "agent_id");
    if (!agent || !*agent || strlen(agent) > 128) return CS_ERR_NOT_FOUND;
    struct cs_insights_figures f;
    struct cs_insights_team team;
    struct cs_insights_cfg cfg;
    const char *name = NULL;
    int rc = cs_insights_figures(req->store, req->arena, req->auth.tenant, 0, agent, &f);
    if (!rc && f.total == 0) {
        resp->err_code_name = "agent_not_found";
        resp->err_message = "No ticket was ever assigned to this agent";
        return CS_ERR_NOT_FOUND;
    }
    if (!rc) rc = cs_insights_team(req->store, req->arena, req->auth.tenant, &team);
    if (!rc) rc = cs_insights_cfg_load(req->store, req->arena, req->auth.tenant, &cfg, NULL);
    if (!rc) rc = cs_insights_agent_name(req->store, req->arena, req->auth.tenant, agent, &name);
    if (rc) return rc;
    char text[32];
    struct cs_insights_tip tip;
    if ((rc = coaching_tip(req, &f, &team, &tip))) return rc;
    cs_insights_duration_text(f.avg_resolution_s, text, sizeof(text));
    struct cs_jb o, m, t;
    cs_jb_init(&m, json_object_new_object());
    cs_jb_int(&m, "tickets_resolved", f.resolved);
    cs_jb_str(&m, "avg_resolution_time", isnan(f.avg_resolution_s) ? NULL : text);
    add_figure(&m, "avg_resolution_seconds", f.avg_resolution_s, 1);
    add_figure(&m, "csat_score", f.csat_pct, 1);
    add_figure(&m, "first_contact_resolution", f.fcr_pct, 1);
    cs_jb_int(&m, "current_workload", f.open);
    cs_jb_int(&m, "max_workload", cfg.max_workload);
    cs_jb_init(&t, json_object_new_object());
    cs_jb_int(&t, "agents", (int64_t)team.agents);
    add_figure(&t, "avg_resolution_seconds", team.median_resolution_s, 1);
    add_figure(&t, "csat_score", team.median_csat_pct, 1);
    add_figure(&t, "first_contact_resolution", team.median_fcr_pct, 1);
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_nest(&o, "metrics", &m);
    cs_jb_nest(&o, "team_medians", &t);
    cs_jb_str(&o, "agent_id", agent);
    cs_jb_str(&o, "name", name);
    cs_jb_str(&o, "ai_coaching_tip", tip.text);
    cs_jb_str(&o, "ai_coaching_tip_source", tip.source);
    if (tip.fallback_reason) cs_jb_str(&o, "ai_coaching_tip_fallback_reason", tip.fallback_reason);
    rc = cs_jb_done(&o);
    return rc ? rc : cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, o.obj);
}
