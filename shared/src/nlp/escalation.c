/* Escalation risk from conversation features (see cs/escalation.h). */
#include "cs/escalation.h"

#include <math.h>
#include <string.h>

#include "cs/cues.h"
#include "cs/sentiment.h"

/* Order is the model's feature order; changing it needs a retrained model. */
static const char *const NAMES[CS_ESCALATION_N_FEATURES] = {
    "negative_sentiment",  "sentiment_decline", "irate_customer", "repeat_contact",
    "long_wait_time",      "refund_over_limit", "legal_mention",  "social_media_threat",
    "high_value_customer", "customer_request",  "ultimatum"};
/* seed 003 escalation reasons for the same features */
static const char *const REASONS[CS_ESCALATION_N_FEATURES] = {
    "IRATE_CUSTOMER",      "IRATE_CUSTOMER",   "IRATE_CUSTOMER", "REPEAT_CONTACT",
    "COMPLEX_ISSUE",       "REFUND_REQUEST",   "LEGAL_MENTION",  "SOCIAL_MEDIA_THREAT",
    "HIGH_VALUE_CUSTOMER", "CUSTOMER_REQUEST", "COMPLEX_ISSUE"};

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
    x[2] = in->sentiment_level == CS_SENT_IRATE
               ? 1.0f
               : (in->sentiment_level == CS_SENT_ANGRY ? 0.5f : 0.0f);
    /* two earlier contacts (counted or stated) is LABELLING's repeat-contact mark */
    int contacts =
        in->repeat_contacts > in->stated_contacts ? in->repeat_contacts : in->stated_contacts;
    x[3] = clampf((float)contacts / 2.0f, 0.0f, 1.0f);
    /* waits span minutes to months: log scale, two weeks = 1 */
    float hours = clampf(in->wait_minutes / 60.0f, 0.0f, 1e6f);
    float stated = clampf(in->stated_wait_days * 24.0f, 0.0f, 1e6f);
    if (stated > hours) hours = stated;
    x[4] = clampf(logf(1.0f + hours) / logf(1.0f + 24.0f * 14.0f), 0.0f, 1.0f);
    /* within authority: mild; beyond it the feature jumps, as seed 003 requires a
     * higher tier for any refund over the tier's limit */
    float ratio = in->tier_limit > 0.0f ? in->refund_amount / in->tier_limit
                                        : (in->refund_amount > 0.0f ? 1.0f : 0.0f);
    ratio = clampf(ratio, 0.0f, 100.0f);
    x[5] = ratio <= 1.0f ? 0.25f * ratio : clampf(0.75f + 0.25f * (ratio - 1.0f), 0.0f, 1.0f);
    x[6] = in->legal_threat ? 1.0f : 0.0f;
    x[7] = in->social_threat ? 1.0f : 0.0f;
    x[8] = in->vip ? 1.0f : 0.0f;
    x[9] = in->human_request ? 1.0f : 0.0f;
    x[10] = in->ultimatum ? 1.0f : 0.0f;
}

static void merge_cues(const struct cs_cues *c, struct cs_escalation_input *in)
{
    in->legal_threat |= c->legal;
    in->social_threat |= c->social;
    in->human_request |= c->human_request;
    in->ultimatum |= c->threat;
    if (c->earlier_contacts > in->stated_contacts) in->stated_contacts = c->earlier_contacts;
    if (c->wait_days > in->stated_wait_days) in->stated_wait_days = c->wait_days;
}

int cs_escalation_read_conversation(const struct cs_models *m, const char *const *msgs,
                                    const size_t *lens, size_t n, struct cs_escalation_input *in)
{
    if (!m || !msgs || !in || n == 0) return CS_ERR_INVALID;
    struct cs_sentiment first = {0}, last = {0};
    for (size_t i = 0; i < n; i++) {
        if (!msgs[i]) return CS_ERR_INVALID;
        size_t len = lens ? lens[i] : strlen(msgs[i]);
        struct cs_cues c;
        cs_cues_scan(msgs[i], len, &c);
        merge_cues(&c, in);
        if (i == 0 || i == n - 1) {
            int rc = cs_sentiment_analyze(m, msgs[i], len, i == n - 1 ? &last : &first);
            if (rc) return rc;
        }
    }
    if (n == 1) first = last;
    in->sentiment_score = last.score;
    in->sentiment_level = (int)last.level;
    in->sentiment_trend = n > 1 ? last.score - first.score : in->sentiment_trend;
    return CS_OK;
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
