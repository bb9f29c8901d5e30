/* Intent classification across the shipped intent models (cs/intent.h). */
#include "cs/intent.h"

#include <string.h>

static const char *const DEFAULT_MODELS[] = {"intent-banking77", "intent-support", NULL};

static void set_answer(const struct cs_model *model, const struct cs_model_pred *pred,
                       struct cs_intent *out)
{
    out->model = cs_model_name(model);
    out->intent = cs_model_label(model, pred->top);
    out->confidence = pred->confidence;
    out->index = pred->top;
}

int cs_intent_route(const struct cs_model *gate, const struct cs_model *const *models, size_t n,
                    const char *text, size_t len, struct cs_intent *out)
{
    if (!out || (!models && n) || (!text && len)) return CS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (n == 0) return CS_ERR_NOT_FOUND;
    for (size_t i = 0; i < n; i++)
        if (!models[i] || cs_model_kind(models[i]) != CS_MODEL_TEXT) return CS_ERR_INVALID;
    if (gate && cs_model_kind(gate) != CS_MODEL_TEXT) return CS_ERR_INVALID;
    struct cs_model_pred pred;
    int rc;
    if (gate && n > 1) {
        rc = cs_model_predict_text(gate, text, len, cs_models_scratch(), &pred);
        if (rc != CS_OK) return rc;
        /* The gate may know more domains than the caller allows: renormalise over the
         * allowed ones so the product below stays a probability. */
        size_t best = n;
        float best_p = -1.0f, sum = 0.0f;
        for (size_t i = 0; i < n; i++) {
            int k = cs_model_label_index(gate, cs_model_name(models[i]));
            if (k < 0) continue;
            sum += pred.prob[k];
            if (pred.prob[k] > best_p) best_p = pred.prob[k], best = i;
        }
        if (best < n && sum > 0.0f) {
            rc = cs_model_predict_text(models[best], text, len, cs_models_scratch(), &pred);
            if (rc != CS_OK) return rc;
            set_answer(models[best], &pred, out);
            out->domain_confidence = best_p / sum;
            out->confidence = pred.confidence * out->domain_confidence;
            out->gated = 1;
            return CS_OK;
        }
    }
    for (size_t i = 0; i < n; i++) {
        rc = cs_model_predict_text(models[i], text, len, cs_models_scratch(), &pred);
        if (rc != CS_OK) return rc;
        /* Without a gate: the most confident model wins. Each model is calibrated only
         * on its own domain, which is why the gate exists. */
        if (i == 0 || pred.confidence > out->confidence) set_answer(models[i], &pred, out);
    }
    out->domain_confidence = 1.0f;
    return CS_OK;
}

int cs_intent_classify_gated(const struct cs_models *m, const char *const *models, const char *gate,
                             const char *text, size_t len, struct cs_intent *out)
{
    if (!m || !out || (!text && len)) return CS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (!models) models = DEFAULT_MODELS;
    const struct cs_model *found[CS_MODELS_MAX];
    size_t n = 0;
    for (size_t i = 0; models[i] && n < CS_MODELS_MAX; i++) {
        const struct cs_model *model = cs_models_get(m, models[i]);
        if (model && cs_model_kind(model) == CS_MODEL_TEXT) found[n++] = model;
    }
    const struct cs_model *g = NULL;
    if (gate && gate[0]) {
        g = cs_models_get(m, gate);
        if (!g || cs_model_kind(g) != CS_MODEL_TEXT) return CS_ERR_NOT_FOUND;
    }
    return cs_intent_route(g, found, n, text, len, out);
}

int cs_intent_classify(const struct cs_models *m, const char *const *models, const char *text,
                       size_t len, struct cs_intent *out)
{
    const char *gate = cs_models_get(m, CS_INTENT_GATE) ? CS_INTENT_GATE : NULL;
    return cs_intent_classify_gated(m, models, gate, text, len, out);
}
