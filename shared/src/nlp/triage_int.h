/* Between the triage files (policy parsing, amounts, the ticket pipeline). */
#ifndef CS_NLP_TRIAGE_INT_H
#define CS_NLP_TRIAGE_INT_H

#include "cs/triage.h"

struct triage_intent_route {
    struct cs_triage_route r; /* first: the bsearch comparator reads r.intent */
    enum cs_triage_category cat;
};

struct cs_triage_policy {
    char category_model[CS_MODEL_NAME_MAX];
    char priority_model[CS_MODEL_NAME_MAX]; /* "" = rules only */
    char models[CS_TRIAGE_MAX_MODELS][CS_MODEL_NAME_MAX];
    const char *model_ptr[CS_TRIAGE_MAX_MODELS + 1];
    size_t n_models;
    int has_gate;
    char gate[CS_MODEL_NAME_MAX];
    float sub_min_conf;
    float impact_p1, impact_p2; /* impact model thresholds for P1 and for P2 */
    int sla_by_priority[4];     /* index 1..3 */
    char security_team[CS_TRIAGE_STR];
    struct cs_triage_route cats[CS_CAT__COUNT];
    size_t n_routes;
    struct triage_intent_route *routes; /* sorted by intent for bsearch */
    struct cs_lang *lang;               /* owned; NULL: no language detection */
};

/* The intent's route, or NULL when the policy does not list it. */
const struct triage_intent_route *triage_policy_intent(const struct cs_triage_policy *p,
                                                       const char *intent);

/* Priority, team and SLA from the fields cs_triage_ticket filled (category, cues,
 * sentiment, amount, impact): run again when something replaces the category. */
void triage_finish(const struct cs_triage_policy *p, struct cs_triage *out);

#endif
