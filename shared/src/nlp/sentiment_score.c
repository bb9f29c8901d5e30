/* Sentiment probabilities from the built-in model or a hosted classifier; see
 * cs/sentiment_score.h. */
#include "cs/sentiment_score.h"

#include <string.h>

#include "cs/ai.h"
#include "cs/env.h"
#include "cs/http.h"

/* The hosted classifier's probabilities replace the model's, and the six levels are
 * read again with them. */
static void take_scores(const struct cs_ai_classification *c, const char *text, size_t len,
                        struct cs_sentiment *out)
{
    static const char *const names[3] = {"negative", "neutral", "positive"};
    static const int slot[3] = {CS_SENT_NEGATIVE, CS_SENT_NEUTRAL_CLASS, CS_SENT_POSITIVE};
    float p[3] = {0, 0, 0}, sum = 0;
    for (size_t i = 0; i < c->n; i++)
        for (int k = 0; k < 3; k++)
            if (strcmp(c->scores[i].category, names[k]) == 0) p[k] = (float)c->scores[i].score;
    for (int k = 0; k < 3; k++) sum += p[k];
    if (!(sum > 0)) return; /* nothing usable: the built-in reading stands */
    float prob[3];
    for (int k = 0; k < 3; k++) prob[slot[k]] = p[k] / sum;
    cs_sentiment_read(prob, text, len, out);
    memcpy(out->prob, prob, sizeof(out->prob)); /* the hosted answer, as it came */
}

int cs_sentiment_score(const struct cs_req *req, const char *text, size_t len, bool use_ai,
                       struct cs_sentiment *out, const char **source)
{
    *source = CS_AI_BUILTIN_ID;
    int rc = cs_sentiment_analyze(req->env->models, text, len, out);
    if (rc || !use_ai || !req->env->ai) return rc;
    struct cs_ai_call call;
    cs_ai_call_from_req(req, "sentiment", &call);
    if (!cs_ai_hosted_default(&call, CS_AI_CAP_CLASSIFY)) return CS_OK;
    static const char *const cats[3] = {"negative", "neutral", "positive"};
    struct cs_ai_classification c;
    if (cs_ai_classify(&call, NULL, text, cats, 3, &c) != CS_OK || c.fallback ||
        strcmp(c.provider_id, CS_AI_BUILTIN_ID) == 0)
        return CS_OK;
    take_scores(&c, text, len, out);
    *source = c.provider_id;
    return CS_OK;
}
