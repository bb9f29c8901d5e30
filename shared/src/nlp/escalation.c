/* Escalation risk from conversation features (see cs/escalation.h). */
#include "cs/escalation.h"

#include <string.h>

#include "cs/sentiment.h"

/* Order is the model's feature order; changing it needs a retrained model. */
static const char *const NAMES[CS_ESCALATION_N_FEATURES] = {
    "negative_sentiment", "sentiment_decline", "irate_customer", "repeat_contact",
    "long_wait_time", "refund_over_limit", "legal_mention", "social_media_threat",
    "high_value_customer"};
/* seed 003 escalation reasons for the same features */
static const char *const REASONS[CS_ESCALATION_N_FEATURES] = {
    "IRATE_CUSTOMER", "IRATE_CUSTOMER", "IRATE_CUSTOMER", "REPEAT_CONTACT", "COMPLEX_ISSUE",
    "REFUND_REQUEST", "LEGAL_MENTION", "SOCIAL_MEDIA_THREAT", "HIGH_VALUE_CUSTOMER"};

const char *cs_escalation_feature_name(size_t i)
{
    return i < CS_ESCALATION_N_FEATURES ? NAMES[i] : NULL;
}

static float clampf(float x, float lo, float hi)
{
    return x != x ? lo : (x < lo ? lo : (x > hi ? hi : x));
}

/* Every feature is scaled into 0..1 so prior weights read as "log-odds at full
 * strength" and SGD on tenant data needs no standardisation. */
void cs_escalation_features(const struct cs_escalation_input *in, float *x)
{
    x[0] = 1.0f - clampf(in->sentiment_score, 0.0f, 1.0f);
    x[1] = clampf(-in->sentiment_trend, 0.0f, 1.0f);
    x[2] = in->sentiment_level == CS_SENT_IRATE ? 1.0f
         : (in->sentiment_level == CS_SENT_ANGRY ? 0.5f : 0.0f);
    x[3] = clampf((float)in->repeat_contacts / 3.0f, 0.0f, 1.0f);
    x[4] = clampf(in->wait_minutes / 120.0f, 0.0f, 1.0f);
    /* within authority: mild; beyond it the feature jumps, as seed 003 requires a
     * higher tier for any refund over the tier's limit */
    float ratio = in->tier_limit > 0.0f ? in->refund_amount / in->tier_limit
                                        : (in->refund_amount > 0.0f ? 1.0f : 0.0f);
    ratio = clampf(ratio, 0.0f, 100.0f);
    x[5] = ratio <= 1.0f ? 0.25f * ratio : clampf(0.75f + 0.25f * (ratio - 1.0f), 0.0f, 1.0f);
    x[6] = in->legal_threat ? 1.0f : 0.0f;
    x[7] = in->social_threat ? 1.0f : 0.0f;
    x[8] = in->vip ? 1.0f : 0.0f;
}

int cs_escalation_predict(const struct cs_models *m, const struct cs_escalation_input *in,
                          struct cs_escalation *out)
{
    if (!m || !in || !out) return CS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    const struct cs_model *model = cs_models_get(m, "escalation");
    if (!model) return CS_ERR_NOT_FOUND;
    int yes = cs_model_label_index(model, "yes");
    if (yes < 0 || cs_model_n_features(model) != CS_ESCALATION_N_FEATURES) return CS_ERR_FORMAT;
    float x[CS_ESCALATION_N_FEATURES];
    cs_escalation_features(in, x);
    struct cs_model_pred pred;
    int rc = cs_model_predict_dense(model, x, CS_ESCALATION_N_FEATURES, &pred);
    if (rc == CS_OK)
        rc = cs_model_explain_dense(model, x, CS_ESCALATION_N_FEATURES, (uint32_t)yes,
                                    CS_ESCALATION_N_FEATURES, &out->explanation);
    if (rc != CS_OK) return rc;
    out->probability = pred.prob[yes];
    out->escalate = out->probability >= 0.5f;
    for (uint32_t i = 0; i < out->explanation.n; i++) {
        const struct cs_model_contrib *c = &out->explanation.item[i];
        if (c->contribution <= 0.0f || c->value <= 0.0f) continue;
        out->factors[out->n_factors++] = NAMES[c->feature];
        if (out->escalate && !out->reason) out->reason = REASONS[c->feature];
    }
    return CS_OK;
}
