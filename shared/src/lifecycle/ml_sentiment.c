/* Sentiment from a tenant's deployed model (cs/lifecycle.h). */
#include "cs/lifecycle.h"
#include "cs/model.h"
#include "cs/models.h"
#include "cs/sentiment.h"

int cs_ml_sentiment(const struct cs_model *m, const char *text, size_t len,
                    struct cs_sentiment *out)
{
    struct cs_model_pred p;
    int rc = cs_model_predict_text(m, text, len, cs_models_scratch(), &p);
    if (rc) return rc;
    static const char *const names[3] = {"negative", "neutral", "positive"};
    static const int slot[3] = {CS_SENT_NEGATIVE, CS_SENT_NEUTRAL_CLASS, CS_SENT_POSITIVE};
    float prob[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        int i = cs_model_label_index(m, names[k]);
        if (i < 0) return CS_ERR_FORMAT;
        prob[slot[k]] = p.prob[i];
    }
    cs_sentiment_read(prob, text, len, out);
    return CS_OK;
}
