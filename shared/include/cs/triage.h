/* Ticket triage as a support desk does it (/work/shared/triage/LABELLING.md):
 *   category   one of seed 003's ten issue categories, from the "triage-category" text
 *              model (hashed word + char n-grams, trained on the labelled ticket corpus);
 *   priority   P1..P3 by the rules of LABELLING.md section 2 over what the text says
 *              (cs/cues.h signals, stated amounts, the "triage-priority" impact model),
 *              never raised by tone alone;
 *   escalation the reason cs_cues_reason gives (LEGAL_MENTION ... REPEAT_CONTACT);
 *   sentiment  the six levels of cs/sentiment.h;
 *   language   ISO 639-1 code (cs/lang.h), as Zendesk's intelligent triage reports it;
 *   subcategory from the intent models when they are confident and their intent maps
 *              to the same category, else the category's own default.
 * A per-tenant policy maps each category to its display name, team and SLA.
 *
 * Policy JSON (data/policy/triage_default.json is the shipped default):
 *   { "version": 2,
 *     "category_model": "triage-category",   text model whose labels are the ten codes
 *     "priority_model": "triage-priority",   optional P1/P2/P3 impact model ("" = none)
 *     "impact_p1": 0.3, "impact_p2": 0.4,    its P(P1) and P(P1)+P(P2) that raise to P1 / P2
 *     "intent_models": [...], "intent_gate": "intent-domain",  for subcategories; [] = none
 *     "subcategory_min_confidence": 0.6,
 *     "sla_hours": {"P1": 4, "P2": 24, "P3": 72},
 *     "security_team": "Fraud & Security Team",  optional: team for security incidents
 *     "categories": { "BILLING": {"category": "Billing", "subcategory": "General",
 *                                 "team": "Finance Team", "sla_hours": 72}, ... all ten },
 *     "intents": { "<intent>": {"code": "BILLING", "subcategory": "Duplicate Charge"} } }
 * The final SLA is min(category sla_hours, sla_hours[final priority]).
 */
#ifndef CS_TRIAGE_H
#define CS_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "cs/cues.h"
#include "cs/error.h"
#include "cs/lang.h"
#include "cs/models.h"
#include "cs/sentiment.h"

#define CS_TRIAGE_STR 64
#define CS_TRIAGE_MAX_MODELS 4

/* Seed 003's issue categories, in the order of their names (cs_triage_category_code). */
enum cs_triage_category {
    CS_CAT_ACCOUNT = 0,
    CS_CAT_BILLING,
    CS_CAT_CANCELLATION,
    CS_CAT_COMPLAINT,
    CS_CAT_GENERAL_INQUIRY,
    CS_CAT_PRODUCT_QUALITY,
    CS_CAT_REFUND,
    CS_CAT_SHIPPING,
    CS_CAT_SUBSCRIPTION,
    CS_CAT_TECHNICAL,
    CS_CAT__COUNT
};

/* "BILLING", ...; NULL when out of range. */
const char *cs_triage_category_code(enum cs_triage_category c);
/* A code or display name, case-insensitive, spaces and hyphens read as underscores
 * ("General Inquiry" = GENERAL_INQUIRY); -1 when it names no category. */
int cs_triage_category_parse(const char *name);

struct cs_triage_route {
    char intent[CS_TRIAGE_STR];   /* "" for a category's own route */
    char category[CS_TRIAGE_STR]; /* display name, e.g. "General Inquiry" */
    char code[CS_TRIAGE_STR];     /* "GENERAL_INQUIRY" */
    char subcategory[CS_TRIAGE_STR];
    char team[CS_TRIAGE_STR];
    int sla_hours; /* 1..168 */
};

struct cs_triage_policy; /* opaque, immutable after loading */

/* Parses a policy. CS_ERR_BAD_JSON for unparsable text, CS_ERR_CONFIG for a policy that
 * parses but breaks the rules above (a category missing, SLA outside 1..168, an intent
 * mapped to no category), CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_triage_policy_parse(const char *json, size_t len,
                                         struct cs_triage_policy **out);
/* Reads and parses a file; CS_ERR_IO when unreadable. */
CS_MUST_CHECK int cs_triage_policy_load(const char *path, struct cs_triage_policy **out);
/* Gives the policy a language detector, which it then owns (closed with the policy).
 * Without one, `language` stays "". Call before sharing the policy between threads. */
void cs_triage_policy_set_lang(struct cs_triage_policy *p, struct cs_lang *lang);
void cs_triage_policy_destroy(struct cs_triage_policy *p);
/* The route for an intent: its category's team and SLA with the intent's subcategory
 * (the GENERAL_INQUIRY route when the intent is not listed). */
const struct cs_triage_route *cs_triage_policy_route(const struct cs_triage_policy *p,
                                                     const char *intent);
/* The route of a category. */
const struct cs_triage_route *cs_triage_policy_category(const struct cs_triage_policy *p,
                                                        enum cs_triage_category c);

/* Largest currency amount stated in the text (a currency symbol or code next to a
 * number: "$2,300", "49.00 EUR", "€12,50", "R$ 30", "300 dollars"), or -1 when none.
 * Thousands separators and decimal commas are read; numbers without a currency are
 * not amounts. Pure, no allocation; text need not be NUL-terminated. */
double cs_triage_amount(const char *text, size_t len);

/* Copies text[0..len) into out[0..cap) and appends English glosses of the Spanish,
 * German, French and Portuguese support words it contains ("reembolso" -> " refund"),
 * so that models trained mostly on English tickets read the other four languages too.
 * Text models trained on glossed text say so in their metadata ("gloss": true) and
 * triage glosses before asking them. Returns the length written (NUL-terminated, cut to
 * cap - 1). */
size_t cs_triage_gloss(const char *text, size_t len, char *out, size_t cap);

struct cs_triage {
    enum cs_triage_category cat;
    char category[CS_TRIAGE_STR];      /* display name from the policy */
    char category_code[CS_TRIAGE_STR]; /* "BILLING" */
    char subcategory[CS_TRIAGE_STR];
    char priority[4]; /* "P1".."P3" */
    int sla_hours;
    char suggested_team[CS_TRIAGE_STR];
    char sentiment[16];              /* seed 004 lowercase label */
    float confidence;                /* calibrated probability of the category */
    char language[CS_LANG_CODE_MAX]; /* ISO 639-1, "" when unknown or no detector */
    float language_confidence;
    bool escalation_needed;
    const char *escalation_reason; /* "LEGAL_MENTION", ...; NULL when none */
    const char *priority_reason;   /* the rule that set the priority, e.g. "security incident" */
    char intent[CS_TRIAGE_STR];    /* intent model's answer ("" without intent models) */
    char intent_model[CS_MODEL_NAME_MAX];
    float intent_confidence;
    double amount;               /* cs_triage_amount of the text */
    float impact_p1, impact_p12; /* the impact model's P(P1), P(P1) + P(P2) */
    const char *category_source; /* "builtin", or the provider id that chose the category */
    struct cs_cues cues;
    struct cs_sentiment sent;
};

/* Classifies a ticket and applies the policy. Needs the bundle's category model,
 * "sentiment", and the intent and priority models the policy names; CS_ERR_NOT_FOUND
 * when one is missing. No allocation beyond what libexttextcat does per detection. */
CS_MUST_CHECK int cs_triage_ticket(const struct cs_models *m, const struct cs_triage_policy *p,
                                   const char *text, size_t len, struct cs_triage *out);

/* When the tenant's default AI provider is a hosted model that classifies (cs/ai.h),
 * asks it for the category among the ten codes and, on a valid answer, replaces the
 * built-in category in `t` (confidence = the provider's score, category_source = its
 * id; team, SLA and priority recomputed). Any error, fallback or answer outside the
 * taxonomy leaves `t` as the built-in models made it. `text` is NUL-terminated.
 * Returns CS_OK in every case but bad arguments (CS_ERR_INVALID). */
struct cs_req;
CS_MUST_CHECK int cs_triage_ask_provider(const struct cs_req *req, const struct cs_triage_policy *p,
                                         const char *text, struct cs_triage *t);

#endif
