/* POST /api/v1/analyze/batch: sentiment of each conversation (the built-in model, or with
 * use_ai a hosted classifier: cs/sentiment_score.h), in request order, with counts per
 * label. The schema caps the batch (422 beyond). */
#include <string.h>

#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/sentiment.h"
#include "cs/sentiment_score.h"

int fn_analyze_batch(const struct cs_req *req, struct cs_resp *resp);

enum { NEG, NEU, POS };

static int top_class(const float prob[3])
{
    int top = CS_SENT_NEGATIVE;
    for (int i = 1; i < 3; i++)
        if (prob[i] > prob[top]) top = i;
    return top == CS_SENT_POSITIVE ? POS : top == CS_SENT_NEGATIVE ? NEG : NEU;
}

static const char *const LABEL[] = {"negative", "neutral", "positive"};

static int one_result(const struct cs_req *req, json_object *conv, bool use_ai, json_object *out,
                      int64_t counts[3])
{
    json_object *t;
    json_object_object_get_ex(conv, "text", &t);
    struct cs_sentiment s;
    const char *source;
    int rc = cs_sentiment_score(req, json_object_get_string(t), (size_t)json_object_get_string_len(t),
                                use_ai, &s, &source);
    if (rc) return rc;
    int c = top_class(s.prob);
    counts[c]++;
    json_object *r = json_object_new_object();
    if (!r || json_object_array_add(out, r)) {
        json_object_put(r);
        return CS_ERR_NOMEM;
    }
    rc = cs_json_add_str(r, "id", cs_json_get_str(conv, "id"));
    if (!rc) rc = cs_json_add_str(r, "sentiment", LABEL[c]);
    if (!rc) rc = cs_json_add_double(r, "positive", s.prob[CS_SENT_POSITIVE], 4);
    if (!rc) rc = cs_json_add_double(r, "negative", s.prob[CS_SENT_NEGATIVE], 4);
    if (!rc) rc = cs_json_add_double(r, "neutral", s.prob[CS_SENT_NEUTRAL_CLASS], 4);
    /* Beyond the seed: who scored it, when the caller asked for a provider. */
    if (!rc && use_ai) rc = cs_json_add_str(r, "provider", source);
    return rc;
}

int fn_analyze_batch(const struct cs_req *req, struct cs_resp *resp)
{
    json_object *convs;
    json_object_object_get_ex(req->json, "conversations", &convs);
    bool use_ai = cs_json_get_bool(req->json, "use_ai", false);
    int64_t counts[3] = {0, 0, 0};
    json_object *d = cs_json_object(req->arena);
    json_object *results = json_object_new_array();
    int rc = d ? cs_json_add(d, "results", results) : CS_ERR_NOMEM;
    if (!d) json_object_put(results);
    for (size_t i = 0; !rc && i < json_object_array_length(convs); i++)
        rc = one_result(req, json_object_array_get_idx(convs, i), use_ai, results, counts);
    json_object *sum = rc ? NULL : json_object_new_object();
    if (!rc) rc = cs_json_add(d, "summary", sum);
    if (!rc) rc = cs_json_add_int(sum, "positive_count", counts[POS]);
    if (!rc) rc = cs_json_add_int(sum, "negative_count", counts[NEG]);
    if (!rc) rc = cs_json_add_int(sum, "neutral_count", counts[NEU]);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d);
    return rc;
}
