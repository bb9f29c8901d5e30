/* Intent classification with the built-in intent models (intent-banking77: 77
 * banking intents; intent-support: 27 Bitext customer-support intents).
 *
 * Routing between intent models. Each intent model is calibrated on its own data only,
 * so its confidence on text from the other domain means little: intent-support is
 * overconfident on banking text (about 9% of Banking77 validation texts won the
 * "most confident model" contest there, e.g. "cash withdrawal" ->
 * check_cancellation_fee). A domain gate fixes that: a small text model (shipped as
 * "intent-domain") whose labels are intent model names, trained on the training parts
 * of every intent set, decides which intent model answers; only that one runs.
 * The reported confidence is then P(domain) * P(intent | domain), the calibrated
 * probability of the routed answer under the gate.
 */
#ifndef CS_INTENT_H
#define CS_INTENT_H

#include <stddef.h>

#include "cs/error.h"
#include "cs/models.h"

/* The gate cs_intent_classify uses when the bundle holds it. */
#define CS_INTENT_GATE "intent-domain"

struct cs_intent {
    const char *model;       /* name of the model that answered */
    const char *intent;      /* label, lives as long as the bundle */
    float confidence;        /* calibrated probability of the answer (see above) */
    float domain_confidence; /* gate probability of `model` (1 when no gate decided) */
    int gated;               /* 1 when a gate chose the model, 0 for the max-confidence rule */
    uint32_t index;
};

/* Routes text between intent models. With `gate` (a text model whose labels name some
 * of `models`), the candidate the gate finds most probable answers, its gate
 * probability renormalised over the candidates it names. Without a gate, or when the
 * gate names none of the candidates, every candidate runs and the most confident one
 * answers (the rule before the gate; kept for bundles without one and for
 * comparison in cs-eval). n == 0 is CS_ERR_NOT_FOUND; every model must be a text
 * model (CS_ERR_INVALID otherwise). No allocation. */
CS_MUST_CHECK int cs_intent_route(const struct cs_model *gate, const struct cs_model *const *models,
                                  size_t n, const char *text, size_t len, struct cs_intent *out);

/* Runs the named models (NULL-terminated list; NULL means both shipped intent models)
 * through the bundle's CS_INTENT_GATE when present. CS_ERR_NOT_FOUND when none of the
 * models is in the bundle. */
CS_MUST_CHECK int cs_intent_classify(const struct cs_models *m, const char *const *models,
                                     const char *text, size_t len, struct cs_intent *out);

/* Same with an explicit gate name: NULL or "" means no gate (max-confidence rule); a
 * name missing from the bundle is CS_ERR_NOT_FOUND, so a policy naming a gate never
 * silently loses it. */
CS_MUST_CHECK int cs_intent_classify_gated(const struct cs_models *m, const char *const *models,
                                           const char *gate, const char *text, size_t len,
                                           struct cs_intent *out);

#endif
