/* Escalation risk: a logistic model (the bundle's "escalation", CS_MODEL_DENSE with
 * classes "no", "yes") over conversation features read from the customer's words (the
 * escalation cues of cs/cues.h and the six-level sentiment) and the conversation's
 * history (earlier messages, stated and counted contacts, waiting time, sentiment
 * trend). The features are linear in the model, so /ai/explain's SHAP stays exact.
 * The shipped weights are fitted on the triage corpus's training split
 * (escalation_expected), with the documented priors (data/models/escalation_prior.json)
 * for features the corpus cannot show (refund over limit, VIP, sentiment decline); see
 * data/models/README.md. Retrain on a tenant's labelled history with cs-train --task
 * escalation --csv (columns named as in cs_escalation_input, plus a 0/1 label).
 */
#ifndef CS_ESCALATION_H
#define CS_ESCALATION_H

#include <stddef.h>

#include "cs/error.h"
#include "cs/model.h"
#include "cs/models.h"

#define CS_ESCALATION_N_FEATURES 11u

struct cs_escalation_input {
    float sentiment_score;  /* 0..1 latest score (cs_sentiment.score) */
    float sentiment_trend;  /* change of score since the first message, -1..1 */
    int sentiment_level;    /* enum cs_sentiment_level of the latest message */
    int repeat_contacts;    /* earlier contacts about the same issue */
    float wait_minutes;     /* time the customer has waited */
    float refund_amount;    /* requested refund (0 when none) */
    float tier_limit;       /* refund authority of the current tier (0: unknown) */
    int legal_threat;       /* 0/1 */
    int social_threat;      /* 0/1 */
    int vip;                /* 0/1 */
    int human_request;      /* 0/1: asked for a human, a manager, an escalation */
    int ultimatum;          /* 0/1: "or I will cancel", a threat other than legal/public */
    float stated_wait_days; /* waiting the customer states ("for three weeks") */
    int stated_contacts;    /* earlier contacts the customer states (2 = two or more) */
};

/* Fills the text-derived fields of `in` from a conversation: msgs[0..n) are the
 * customer's messages, oldest first (n >= 1; lens may be NULL for NUL-terminated).
 * The latest message gives sentiment_score/level; the first and the latest the trend;
 * any message's threats, requests, stated contacts and waits count. Numeric fields the
 * caller set (repeat_contacts, wait_minutes, refund, vip, ...) are kept.
 * CS_ERR_NOT_FOUND without the sentiment model, CS_ERR_INVALID for bad arguments. */
CS_MUST_CHECK int cs_escalation_read_conversation(const struct cs_models *m,
                                                  const char *const *msgs, const size_t *lens,
                                                  size_t n, struct cs_escalation_input *in);

/* Feature names in model order (seed 000 risk-factor style: "negative_sentiment"). */
const char *cs_escalation_feature_name(size_t i);
/* Maps raw inputs to the model's scaled features x[0..CS_ESCALATION_N_FEATURES). */
void cs_escalation_features(const struct cs_escalation_input *in, float *x);

struct cs_escalation {
    float probability;  /* P(escalation) */
    int escalate;       /* probability >= 0.5 */
    const char *reason; /* seed 003 escalation reason for the strongest factor, e.g.
                           "IRATE_CUSTOMER", "LEGAL_MENTION"; NULL when not escalating */
    size_t n_factors;   /* risk factors pushing towards escalation, strongest first */
    const char *factors[CS_ESCALATION_N_FEATURES];
    struct cs_model_explanation explanation; /* of the "yes" logit */
};

/* CS_ERR_NOT_FOUND without an "escalation" model in the bundle. No allocation. */
CS_MUST_CHECK int cs_escalation_predict(const struct cs_models *m,
                                        const struct cs_escalation_input *in,
                                        struct cs_escalation *out);

#endif
