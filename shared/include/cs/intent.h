/* Intent classification with the built-in intent models (intent-banking77: 77
 * banking intents; intent-support: 27 Bitext customer-support intents). */
#ifndef CS_INTENT_H
#define CS_INTENT_H

#include <stddef.h>

#include "cs/error.h"
#include "cs/models.h"

struct cs_intent {
    const char *model;  /* name of the model that answered */
    const char *intent; /* label, lives as long as the bundle */
    float confidence;   /* calibrated top probability */
    uint32_t index;
};

/* Runs each named model (NULL-terminated list; NULL means both shipped intent models)
 * and keeps the answer with the highest calibrated confidence. CS_ERR_NOT_FOUND when
 * none of the models is in the bundle. */
CS_MUST_CHECK int cs_intent_classify(const struct cs_models *m, const char *const *models,
                                     const char *text, size_t len, struct cs_intent *out);

#endif
