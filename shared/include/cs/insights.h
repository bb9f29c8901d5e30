/* Customer insights (seed 000's tickets, analytics and agents; seed 001's fairness):
 * the ticket lifecycle as a log of timed events, the figures derived from it, and the
 * fairness metrics.
 *
 * A ticket's outcome is never written by hand: every change (status, assignment, agent
 * reply, CSAT rating, escalation) is an event with its time, appended to the ticket's
 * document in the same versioned write that recomputes the derived fields (durations,
 * first-contact resolution, open/resolved). Analytics then aggregate those fields in
 * the store. One document per ticket in CS_INSIGHTS_TICKETS, id = the ticket id.
 *
 * Derived fields of a ticket document (what the store aggregates):
 * (flags are 0/1 integers, so that an average is a share on both backends)
 *   opened_ms, opened_hour, status, open, assignee, assignee_name, replies,
 *   first_reply_s   seconds from opening to the first agent reply
 *   resolved_ms, resolution_s   seconds from opening to the (latest) solve; cleared on reopen
 *   fcr             resolved with at most one agent reply, never reopened, never escalated
 *   csat, csat_satisfied (csat >= 4), escalated, reopened (count)
 *   churned         the customer was reported lost (a `churned: true` change)
 */
#ifndef CS_INSIGHTS_H
#define CS_INSIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"
#include "cs/escalation.h"
#include "cs/json.h"
#include "cs/triage.h"

struct cs_arena;
struct cs_store;
struct cs_models;
struct cs_env;

#define CS_INSIGHTS_TICKETS "insights_tickets"
/* Events kept per ticket; a change beyond it is refused (CS_ERR_INVALID). */
#define CS_INSIGHTS_MAX_EVENTS 200
/* A rating of 4 or 5 counts as satisfied (the usual CSAT definition). */
#define CS_INSIGHTS_CSAT_SATISFIED 4
/* Open tickets an agent may hold before no more are recommended to them, unless the
 * tenant's insights configuration sets max_workload. */
#define CS_INSIGHTS_DEFAULT_MAX_WORKLOAD 15

/* A new ticket as a source knows it. Strings are copied into the document. */
struct cs_ticket_open {
    const char *ticket_id;
    const char *subject;     /* may be NULL */
    const char *customer_id; /* may be NULL */
    const char *category;
    const char *priority;
    const char *sentiment;  /* seed 000 label ("frustrated") */
    double sentiment_score; /* 0..1, 0 = most negative */
    int sentiment_level;    /* enum cs_sentiment_level */
    const char *source;     /* "tickets_process", "incoming_webhook", "import" */
    int64_t opened_ms;
};

/* One change, as a PATCH body or an incoming helpdesk event carries it. */
struct cs_ticket_change {
    const char *status;        /* NULL: unchanged; open|pending|solved|closed|reopened */
    const char *assignee;      /* agent id; NULL: unchanged */
    const char *assignee_name; /* NULL: unchanged */
    bool agent_replied;
    int csat; /* 0: none, else 1..5 */
    bool escalated;
    bool churned; /* the customer left (cancelled, did not renew) */
    int64_t at_ms;
};

/* Whether `s` is one of the five statuses. */
bool cs_ticket_status_valid(const char *s);

/* Reads a change from `body` (fields status, assignee, assignee_name, agent_replied,
 * csat_rating, escalated, churned, at); `at` absent means now_ms. On CS_ERR_VALIDATION *field
 * and *why name the problem. A change that changes nothing is refused. */
CS_MUST_CHECK int cs_ticket_change_read(json_object *body, int64_t now_ms,
                                        struct cs_ticket_change *out, const char **field,
                                        const char **why);

/* The document of a just-opened ticket (new reference, caller owns). NULL on OOM. */
json_object *cs_ticket_doc_new(const struct cs_ticket_open *t);

/* Appends the change to `doc`'s event log and recomputes the derived fields. Pure: no
 * store. CS_ERR_VALIDATION (with *why) when the change is earlier than the opening or
 * than the last change, rates outside 1..5, reopens an unresolved ticket, or the log is
 * full. The document is unchanged on failure. */
CS_MUST_CHECK int cs_ticket_apply(json_object *doc, const struct cs_ticket_change *c,
                                  const char **why);

/* Stores a new ticket (source's id); an id already known keeps its outcome log and
 * takes the new triage fields. The arrival's alerts (cs_tm_alerts_opened: sentiment.alert,
 * sla.breach_risk, churn.detected, once per ticket) are staged on the same write.
 * Tenant-scoped, retried on version conflicts. */
CS_MUST_CHECK int cs_insights_ticket_open(struct cs_store *st, struct cs_arena *a,
                                          const char *tenant, const struct cs_ticket_open *t,
                                          int64_t now_ms);

/* Applies a change with optimistic concurrency; *doc_out (may be NULL) receives the
 * updated document (arena-owned). CS_ERR_NOT_FOUND for an unknown ticket,
 * CS_ERR_VALIDATION with *why as cs_ticket_apply. */
CS_MUST_CHECK int cs_insights_ticket_change(struct cs_store *st, struct cs_arena *a,
                                            const char *tenant, const char *ticket_id,
                                            const struct cs_ticket_change *c, int64_t now_ms,
                                            json_object **doc_out, const char **why);

/* "35 minutes", "4.2 hours", "2.5 days" (seed 000's style) for a duration in seconds;
 * out holds at least 32 bytes. */
void cs_insights_duration_text(double seconds, char *out, size_t cap);

/* Median of v[0..n) (sorts v in place); NaN when n == 0. */
double cs_insights_median(double *v, size_t n);

/* ---- What the models say about a ticket ---- */

/* Cold-start hooks for functions that triage tickets: the default triage policy from
 * CS_DATA_DIR into env->triage_policy. */
int cs_insights_policy_init(struct cs_env *env);
void cs_insights_policy_fini(struct cs_env *env);

/* Seed 000's priority word for a triage priority ("P1" -> "high"); other words as is. */
const char *cs_insights_priority_word(const char *p);
/* low | medium | high | urgent */
bool cs_insights_priority_valid(const char *p);

/* A contact-free customer id from an email: "CUST-" + 16 hex digits of its hash. */
#define CS_INSIGHTS_CUSTOMER_ID_MAX 24
void cs_insights_customer_id(const char *email, char *out, size_t cap);

struct cs_insights_class {
    struct cs_triage t;
    struct cs_ticket_open open; /* category, priority, sentiment*, pointing into t */
};

/* Triage of a ticket's text (policy: a struct cs_triage_policy). No allocation. */
CS_MUST_CHECK int cs_insights_classify(const struct cs_models *m, const void *policy,
                                       const char *text, struct cs_insights_class *out);

/* The escalation model's inputs from a stored ticket: its sentiment, the wait until the
 * first agent reply (or until now while unanswered), and the customer's earlier tickets
 * (a tenant-scoped count). CS_ERR_FORMAT when the stored sentiment is out of range. */
CS_MUST_CHECK int cs_insights_escalation_input(struct cs_store *st, const char *tenant,
                                               json_object *doc, int64_t now_ms,
                                               struct cs_escalation_input *in);

/* ---- The escalation model's numeric context, as request fields ----
 * One declaration for every body that carries it (the incoming helpdesk webhook's
 * ticket, POST /ai-models/{model}/predict's raw fields): repeat_contacts, wait_minutes,
 * refund_amount, tier_limit, vip, all optional. Expands into cs_field initialisers, so a
 * schema lists them among its own fields: {..., CS_INSIGHTS_ESCALATION_FIELDS, ...}. */
/* One field per line reads as the table it is. */
/* clang-format off */
#define CS_INSIGHTS_ESCALATION_FIELDS                                                              \
    {.name = "repeat_contacts", .type = CS_J_INT, .nullable = true,                                \
     .has_min = true, .min = 0, .has_max = true, .max = 1000},                                     \
    {.name = "wait_minutes", .type = CS_J_NUMBER, .nullable = true,                                \
     .has_min = true, .min = 0, .has_max = true, .max = 525600},                                   \
    {.name = "refund_amount", .type = CS_J_NUMBER, .nullable = true,                               \
     .has_min = true, .min = 0, .has_max = true, .max = 1e9},                                      \
    {.name = "tier_limit", .type = CS_J_NUMBER, .nullable = true,                                  \
     .has_min = true, .min = 0, .has_max = true, .max = 1e9},                                      \
    {.name = "vip", .type = CS_J_BOOL, .nullable = true}
/* clang-format on */

/* Reads those fields of a validated body into `in` (absent ones: 0 / false); the
 * conversation facts in `in` are left as they are. */
void cs_insights_escalation_fields_read(json_object *body, struct cs_escalation_input *in);

/* Tickets of a category/priority needed before their median answers for a prediction. */
#define CS_INSIGHTS_MIN_SAMPLE 10

struct cs_ticket_insights {
    struct cs_escalation escalation;
    const char *escalation_source; /* "tenant" (its fitted model) or "builtin" */
    double resolution_s;
    char resolution_text[32];
    const char
        *resolution_source; /* "tenant", "category_priority_median", "category_median", "prior" */
    int64_t resolution_n;   /* resolved tickets behind the median (0 for the prior) */
    const char *agent_id, *agent_name; /* NULL when no agent qualifies */
    /* Who chose: "reporting_team" (a reporting agent of the category's team),
     * "reporting" (a reporting agent, or none qualified), "ticket_history" (the tenant
     * has no reporting agents: the assignees with a record on the category). */
    const char *agent_source;
    int64_t agent_workload; /* the chosen agent's open tickets */
};

/* Resolution-time priors by priority (seconds), answering when the tenant has fewer than
 * CS_INSIGHTS_MIN_SAMPLE resolved tickets like this one. */
double cs_insights_resolution_prior(const char *priority);

/* Everything seed 000's ai_insights says about a stored ticket: the tenant's fitted
 * escalation and resolution-time models (cs/tenant_models.h) when it has them, else the
 * shipped escalation model over the stored facts and the median resolution time of the
 * tenant's resolved tickets of the same category and priority (then category alone,
 * then the prior); the recommended agent as cs_insights_recommend_agent. `policy` (a
 * struct cs_triage_policy, may be NULL) maps the category to its team. All store calls
 * tenant-scoped; strings in the arena. */
CS_MUST_CHECK int cs_insights_ticket_insights(struct cs_store *st, struct cs_arena *a,
                                              const char *tenant, const struct cs_models *m,
                                              const void *policy, json_object *doc, int64_t now_ms,
                                              struct cs_ticket_insights *out);

/* The agent for a ticket (README "recommended_agent"). With reporting agents (seed 002,
 * cs/reporting.h): candidates ordered by membership of the category's team (the
 * policy's team for the category and its sub-teams, by name), then their record on the
 * category (share of satisfied ratings, then mean resolution, over the tenant's
 * resolved tickets assigned under the agent's agent_number or decimal id), then id; the
 * first whose open tickets are under the tenant's max_workload and who is on shift now
 * (the tenant's business hours are open and the agent's latest activity log started by
 * now, while it lasts, is neither Offline nor a logout; without logs, the record's
 * `online`) answers, as its agent_number (else id). Without reporting agents, the
 * assignees with the best record on the category under max_workload. Fills agent_id,
 * agent_name (NULL when nobody qualifies), agent_source and agent_workload. */
CS_MUST_CHECK int cs_insights_recommend_agent(struct cs_store *st, struct cs_arena *a,
                                              const char *tenant, const void *policy,
                                              json_object *doc, int64_t now_ms,
                                              struct cs_ticket_insights *out);

/* The resolution-time part of the above alone. */
CS_MUST_CHECK int cs_insights_predict_resolution(struct cs_store *st, const char *tenant,
                                                 json_object *doc, struct cs_ticket_insights *out);

/* SLA target in hours by priority (documented defaults; 24x7 clock). */
double cs_insights_sla_hours(const char *priority);
/* Share of breaches answering before the tenant has CS_INSIGHTS_MIN_SAMPLE resolved
 * tickets of the priority. */
#define CS_INSIGHTS_SLA_BREACH_PRIOR 0.1
/* P(breach) for a ticket of `priority`: the share of the tenant's resolved tickets of
 * that priority that took longer than the target (*source "priority_breach_share", *n
 * of them), else the prior (*source "prior", *n 0). */
CS_MUST_CHECK int cs_insights_sla_breach(struct cs_store *st, const char *tenant,
                                         const char *priority, double *p, int64_t *n,
                                         const char **source);

/* The display name agents were last assigned under (the id when none was given). */
CS_MUST_CHECK int cs_insights_agent_name(struct cs_store *st, struct cs_arena *a,
                                         const char *tenant, const char *agent, const char **name);

/* ---- Service figures (README "Customer insights: definitions") ---- */

/* Resolved tickets an agent needs before the coaching tip compares them. */
#define CS_INSIGHTS_MIN_AGENT_SAMPLE 5

/* Over the tickets opened since since_ms (0: all) and assigned to `agent` (NULL: all).
 * Percentages are 0..100 and NaN when their sample is empty. */
struct cs_insights_figures {
    int64_t total, open, resolved, rated;
    double avg_resolution_s; /* mean open-to-solve seconds of the resolved tickets */
    double csat_pct;         /* rated tickets with 4 or 5 / rated tickets */
    double fcr_pct;          /* first-contact resolutions / resolved tickets */
    double escalation_pct;   /* escalated tickets / tickets */
};
CS_MUST_CHECK int cs_insights_figures(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                      int64_t since_ms, const char *agent,
                                      struct cs_insights_figures *out);
/* The same by aggregating the tickets themselves (cs_insights_figures reads the store's
 * rollups when no agent is given): kept to check one against the other. */
CS_MUST_CHECK int cs_insights_figures_scan(struct cs_store *st, struct cs_arena *a,
                                           const char *tenant, int64_t since_ms, const char *agent,
                                           struct cs_insights_figures *out);

/* Seed 003 sessions created since since_ms, and those resolved on an AI tier. */
CS_MUST_CHECK int cs_insights_deflection(struct cs_store *st, const char *tenant, int64_t since_ms,
                                         int64_t *sessions, int64_t *deflected);

/* Medians across agents (each agent's figure over their resolved tickets). */
struct cs_insights_team {
    size_t agents;
    double median_resolution_s, median_csat_pct, median_fcr_pct;
};
CS_MUST_CHECK int cs_insights_team(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                   struct cs_insights_team *out);

/* The coaching tip for an agent's figures against the team's medians (a template). */
void cs_insights_coaching_tip(const struct cs_insights_figures *me,
                              const struct cs_insights_team *team, char *out, size_t cap);

/* What the built-in rule looks at first: "thin" (too few resolved tickets or agents),
 * "low_csat", "slow", "low_fcr", "high_csat" or "on_par". */
const char *cs_insights_coaching_focus(const struct cs_insights_figures *me,
                                       const struct cs_insights_team *team);

#define CS_INSIGHTS_TIP_MAX 512

struct cs_insights_tip {
    char text[CS_INSIGHTS_TIP_MAX];
    const char *source;          /* "builtin", or the provider id that phrased it */
    const char *fallback_reason; /* why the built-in answered although a provider is
                                  * configured: "provider_error", "invalid_output",
                                  * "unsupported_number"; NULL otherwise */
};

struct cs_ai_call;
/* The coaching tip, phrased by the tenant's default LLM provider when it is a hosted
 * one (call may be NULL: built-in only). The provider gets the facts (the figures as
 * the built-in tip shows them, the focus and the built-in tip) and a JSON Schema
 * {"tip": string}; the reply is validated against it and every number in it must be
 * one of the facts', else (or on any provider error, timeout or fallback) the built-in
 * tip answers. Strings in call's arena. CS_ERR_NOMEM is the only error. */
CS_MUST_CHECK int cs_insights_coaching_tip_ai(const struct cs_ai_call *call,
                                              const struct cs_insights_figures *me,
                                              const struct cs_insights_team *team,
                                              struct cs_insights_tip *out);
/* Whether every number written in text (digits, thousands commas, one decimal point)
 * equals one of allowed[0..n). */
bool cs_insights_tip_numbers_ok(const char *text, const double *allowed, size_t n);
/* A provider's reply read as outside input: one JSON object (prose or fences around it
 * tolerated) valid against the schema {"tip": string of 1..511 characters}, whose
 * numbers are all in allowed[0..n). CS_OK with *tip (arena-owned); CS_ERR_FORMAT with
 * *why "invalid_output" or "unsupported_number"; CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_insights_tip_from_reply(struct cs_arena *a, const char *reply,
                                             const double *allowed, size_t n, const char **tip,
                                             const char **why);

/* ---- Fairness (definitions as Fairlearn documents them) ----
 * For a binary outcome the "rate" of a group is its selection rate (share of 1s); for
 * a numeric outcome its mean. Only groups with at least min_group_size members are
 * scored; the others are listed as insufficient. */
struct cs_fair_group {
    const char *name;
    size_t n;
    double value; /* selection rate or mean */
    /* equalized odds (binary prediction and label): */
    size_t pos, neg; /* label 1 / label 0 counts */
    double tpr, fpr; /* NaN when pos or neg is 0 */
    bool scored;
};

struct cs_fair_result {
    double dp_difference;   /* max - min of the scored groups' values */
    double dp_ratio;        /* min / max (1 when max is 0) */
    double eo_difference;   /* max(TPR gap, FPR gap); NaN without prediction/label */
    bool four_fifths_ok;    /* dp_ratio >= 0.8 */
    double disparity;       /* 0..1: 1 - dp_ratio, the relative gap between the extremes */
    const char *concern;    /* "low" (< 0.1), "medium" (< 0.2), "high" */
    size_t lowest, highest; /* indexes of the scored groups at the extremes */
    size_t nscored;
};

/* Computes the result over groups[0..n) whose value (and tpr/fpr, when has_eo) are
 * filled and `scored` set. CS_ERR_INVALID when fewer than two groups are scored (the
 * result then says nothing). */
CS_MUST_CHECK int cs_fair_compare(const struct cs_fair_group *groups, size_t n, bool has_eo,
                                  struct cs_fair_result *out);

/* Groups smaller than this are reported, not scored (the request may change it). */
#define CS_FAIR_MIN_GROUP 5

/* Seed 001's fairness report for a validated request body {data, attributes,
 * outcome_columns, prediction_column?, label_column?, min_group_size?}: a finding per
 * attribute and outcome (and per attribute for prediction vs label), fairness_score,
 * recommendations naming the groups. *out is arena-owned. CS_ERR_VALIDATION with *why
 * for more than 64 groups in an attribute or half a prediction/label pair. */
CS_MUST_CHECK int cs_fair_report(json_object *body, struct cs_arena *a, json_object **out,
                                 const char **why);

#endif
