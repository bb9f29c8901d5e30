/* POST /api/v1/analyze/batch: sentiment of each conversation (the tenant's deployed
 * sentiment model when it has one (cs/lifecycle.h), else the built-in model, or with
 * use_ai a hosted classifier: cs/sentiment_score.h), in request order, with counts per
 * label. The schema caps the batch (422 beyond). */
#include "handler.h"

#include <string.h>

#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/sentiment.h"
#include "cs/sentiment_score.h"

enum { NEG, NEU, POS };

static int top_class(const float prob[3])
{
    int top = CS_SENT_NEGATIVE;
    for (int i = 1; i < 3; i++)
        if (prob[i] > prob[top]) top = i;
    return top == CS_SENT_POSITIVE ? POS : top == CS_SENT_NEGATIVE ? NEG : NEU;
}

static const char *const LABEL[] = {"negative", "neutral", "positive"};

static int one_result(const struct cs_req *req, const struct cs_model *tenant, json_object *conv,
                      bool use_ai, json_object *out, int64_t counts[3])
{
    json_object *t;
    json_object_object_get_ex(conv, "text", &t);
    struct cs_sentiment s;
    const char *source = NULL;
    const char *text = json_object_get_string(t);
    size_t len = (size_t)json_object_get_string_len(t);
    int rc = tenant ? cs_ml_sentiment(tenant, text, len, &s)
                    : cs_sentiment_score(req, text, len, use_ai, &s, &source);
    if (rc) return rc;
    int c = top_class(s.prob);
    counts[c]++;
    struct cs_jb r;
    cs_jb_init(&r, json_object_new_object());
    cs_jb_str(&r, "id", cs_json_get_str(conv, "id"));
    cs_jb_str(&r, "sentiment", LABEL[c]);
    cs_jb_double(&r, "positive", s.prob[CS_SENT_POSITIVE], 4);
    cs_jb_double(&r, "negative", s.prob[CS_SENT_NEGATIVE], 4);
    cs_jb_double(&r, "neutral", s.prob[CS_SENT_NEUTRAL_CLASS], 4);
    /* Beyond the seed: who scored it, when the caller asked for a provider. */
    if (use_ai) cs_jb_str(&r, "provider", source);
    rc = cs_jb_done(&r);
    if (!rc && json_object_array_add(out, r.obj)) rc = CS_ERR_NOMEM;
    if (rc) json_object_put(r.obj);
    return rc;
}

CS_HANDLER(fn_analyze_batch)
{
    json_object *convs;
    json_object_object_get_ex(req->json, "conversations", &convs);
    bool use_ai = cs_json_get_bool(req->json, "use_ai", false);
    int64_t counts[3] = {0, 0, 0};
    struct cs_ml_served sv = {0};
    int rc = use_ai ? CS_OK : cs_ml_served_get(req, "sentiment", &sv);
    if (rc) return rc;
    struct cs_jb d, sum;
    cs_jb_init(&d, cs_json_object(req->arena));
    json_object *results = json_object_new_array();
    cs_jb_add(&d, "results", results);
    rc = cs_jb_done(&d); /* results is d's from here */
    for (size_t i = 0; !rc && i < json_object_array_length(convs); i++)
        rc =
            one_result(req, sv.model, json_object_array_get_idx(convs, i), use_ai, results, counts);
    if (rc) return rc;
    /* Beyond the seed: the tenant's deployment, when it answered. */
    if (sv.model) cs_jb_str(&d, "deployment", sv.deployment);
    cs_jb_init(&sum, json_object_new_object());
    cs_jb_int(&sum, "positive_count", counts[POS]);
    cs_jb_int(&sum, "negative_count", counts[NEG]);
    cs_jb_int(&sum, "neutral_count", counts[NEU]);
    cs_jb_nest(&d, "summary", &sum);
    if ((rc = cs_jb_done(&d))) return rc;
    return cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
}
