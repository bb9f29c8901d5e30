/* Escalation risk: a logistic model (the bundle's "escalation", CS_MODEL_DENSE with
 * classes "no", "yes") over conversation features. The shipped weights are documented
 * priors (data/models/escalation_prior.json), not fitted to data: no public labelled
 * escalation set exists. Retrain on a tenant's labelled history with cs-train --task
 * escalation --csv (columns named as in cs_escalation_input, plus a 0/1 label).
 */
#ifndef CS_ESCALATION_H
#define CS_ESCALATION_H

#include <stddef.h>

#include "cs/error.h"
#include "cs/model.h"
#include "cs/models.h"

#define CS_ESCALATION_N_FEATURES 9u

struct cs_escalation_input {
    float sentiment_score; /* 0..1 latest score (cs_sentiment.score) */
    float sentiment_trend; /* change of score since the first message, -1..1 */
    int sentiment_level;   /* enum cs_sentiment_level of the latest message */
    int repeat_contacts;   /* earlier contacts about the same issue */
    float wait_minutes;    /* time the customer has waited */
    float refund_amount;   /* requested refund (0 when none) */
    float tier_limit;      /* refund authority of the current tier (0: unknown) */
    int legal_threat;      /* 0/1 */
    int social_threat;     /* 0/1 */
    int vip;               /* 0/1 */
};

/* Feature names in model order (seed 000 risk-factor style: "negative_sentiment"). */
const char *cs_escalation_feature_name(size_t i);
/* Maps raw inputs to the model's scaled features x[0..CS_ESCALATION_N_FEATURES). */
void cs_escalation_features(const struct cs_escalation_input *in, float *x);

struct cs_escalation {
    float probability; /* P(escalation) */
    int escalate;      /* probability >= 0.5 */
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
