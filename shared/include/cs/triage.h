/* Ticket triage: intent -> category, subcategory, team, priority and SLA through a
 * per-tenant policy, with urgency and negative sentiment raising the priority.
 * Output matches seed 004's TriageOutput (category, subcategory, priority "P1".."P3",
 * sla_hours 1..168, suggested_team, sentiment, confidence).
 *
 * Policy JSON (data/policy/triage_default.json is the shipped default):
 *   { "version": 1,
 *     "intent_models": ["intent-banking77", "intent-support"],
 *     "intent_gate": "intent-domain",  domain gate choosing the intent model (cs/intent.h);
 *                                      "" = most confident model; absent = the bundle's
 *                                      CS_INTENT_GATE when it has one
 *     "min_confidence": 0.25,          below it the "default" route is used
 *     "sla_hours": {"P1": 4, "P2": 24, "P3": 72},
 *     "raise_on_urgency": true,        urgency words raise priority one step
 *     "raise_on_sentiment": ["ANGRY", "IRATE"],  these levels raise one step
 *     "urgency_terms": ["urgent", "asap", ...],
 *     "default": {route},
 *     "intents": { "<intent>": {route}, ... } }
 *   route = {"category": "Billing", "code": "BILLING", "subcategory": "Duplicate Charge",
 *            "team": "Finance Team", "priority": "P2", "sla_hours": 24}
 * The final SLA is min(route sla_hours, sla_hours[final priority]).
 */
#ifndef CS_TRIAGE_H
#define CS_TRIAGE_H

#include <stddef.h>

#include "cs/error.h"
#include "cs/models.h"
#include "cs/sentiment.h"

#define CS_TRIAGE_STR 64
#define CS_TRIAGE_MAX_MODELS 4
#define CS_TRIAGE_MAX_TERMS 32

struct cs_triage_route {
    char intent[CS_TRIAGE_STR];
    char category[CS_TRIAGE_STR];
    char code[CS_TRIAGE_STR]; /* seed 003 issue category, e.g. "BILLING" */
    char subcategory[CS_TRIAGE_STR];
    char team[CS_TRIAGE_STR];
    int priority; /* 1..3 */
    int sla_hours; /* 1..168 */
};

struct cs_triage_policy; /* opaque, immutable after loading */

/* Parses a policy. CS_ERR_BAD_JSON for unparsable text, CS_ERR_CONFIG for a policy that
 * parses but breaks the rules above (priority not P1..P3, SLA outside 1..168, missing
 * default), CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_triage_policy_parse(const char *json, size_t len,
                                         struct cs_triage_policy **out);
/* Reads and parses a file; CS_ERR_IO when unreadable. */
CS_MUST_CHECK int cs_triage_policy_load(const char *path, struct cs_triage_policy **out);
void cs_triage_policy_destroy(struct cs_triage_policy *p);
/* The route for an intent (the default route when the intent is not listed). */
const struct cs_triage_route *cs_triage_policy_route(const struct cs_triage_policy *p,
                                                     const char *intent);

struct cs_triage {
    char category[CS_TRIAGE_STR];
    char category_code[CS_TRIAGE_STR];
    char subcategory[CS_TRIAGE_STR];
    char priority[4]; /* "P1".."P3" */
    int sla_hours;
    char suggested_team[CS_TRIAGE_STR];
    char sentiment[16]; /* seed 004 lowercase label */
    float confidence;   /* calibrated intent confidence */
    char intent[CS_TRIAGE_STR];
    char intent_model[CS_MODEL_NAME_MAX];
    int urgent;           /* urgency cue found */
    int raised;           /* priority steps added by urgency/sentiment */
    struct cs_sentiment sent; /* full sentiment result */
};

/* Classifies a ticket and applies the policy. Needs the bundle's intent models and
 * "sentiment"; CS_ERR_NOT_FOUND when missing. No allocation. */
CS_MUST_CHECK int cs_triage_ticket(const struct cs_models *m, const struct cs_triage_policy *p,
                                   const char *text, size_t len, struct cs_triage *out);

#endif
