/* Intent classification across the shipped intent models (cs/intent.h). */
#include "cs/intent.h"

#include <string.h>

static const char *const DEFAULT_MODELS[] = {"intent-banking77", "intent-support", NULL};

int cs_intent_classify(const struct cs_models *m, const char *const *models, const char *text,
                       size_t len, struct cs_intent *out)
{
    if (!m || !out || (!text && len)) return CS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (!models) models = DEFAULT_MODELS;
    int found = 0;
    struct cs_model_pred pred;
    for (size_t i = 0; models[i]; i++) {
        const struct cs_model *model = cs_models_get(m, models[i]);
        if (!model || cs_model_kind(model) != CS_MODEL_TEXT) continue;
        int rc = cs_model_predict_text(model, text, len, cs_models_scratch(), &pred);
        if (rc != CS_OK) return rc;
        /* Calibrated confidences are comparable across models, so the most confident
         * model is the one whose label space fits the text best. */
        if (!found || pred.confidence > out->confidence) {
            out->model = cs_model_name(model);
            out->intent = cs_model_label(model, pred.top);
            out->confidence = pred.confidence;
            out->index = pred.top;
        }
        found = 1;
    }
    return found ? CS_OK : CS_ERR_NOT_FOUND;
}
