/* Sentiment for the analyze endpoints (seed 001): the built-in model always answers,
 * and with `use_ai` a tenant's hosted classifier (cs/ai.h) supplies the three
 * probabilities instead when one is configured as the default. The built-in reading
 * stays underneath (level, intensity, cues), so explanations keep working. */
#ifndef CS_SENTIMENT_SCORE_H
#define CS_SENTIMENT_SCORE_H

#include <stdbool.h>
#include <stddef.h>

#include "cs/error.h"
#include "cs/sentiment.h"

struct cs_req;

/* *source gets who produced the probabilities: "builtin" or the provider's registry id
 * (in the request's arena). The function must declare CS_NEED_MODELS, and CS_NEED_AI
 * with CS_NEED_STORE for use_ai to reach a provider. A provider that fails or answers
 * through its own fallback leaves the built-in probabilities. */
CS_MUST_CHECK int cs_sentiment_score(const struct cs_req *req, const char *text, size_t len,
                                     bool use_ai, struct cs_sentiment *out, const char **source);

#endif
