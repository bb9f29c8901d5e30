/* POST /api/v1/analyze/sentiment: 3-class probabilities (the tenant's deployed
 * sentiment model when it has one (cs/lifecycle.h), else the built-in model, or with
 * use_ai a hosted classifier: cs/sentiment_score.h), a 1-10 satisfaction score from the
 * sentiment score, and the phrases that pushed the model towards positive (and
 * negative) from its exact explanation. "model" says which model answered. */
#include "handler.h"

#include <math.h>
#include <string.h>

#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/model.h"
#include "cs/models.h"
#include "cs/sentiment.h"
#include "cs/sentiment_score.h"

#define KEY_PHRASES 5

static const char *label_of(const float prob[3])
{
    int top = CS_SENT_NEGATIVE;
    for (int i = 1; i < 3; i++)
        if (prob[i] > prob[top]) top = i;
    return top == CS_SENT_POSITIVE ? "positive" : top == CS_SENT_NEGATIVE ? "negative" : "neutral";
}

/* Word n-grams pushing the `label` logit up, strongest first, each phrase once. */
static json_object *key_phrases(const struct cs_model *m, const char *text, size_t len,
                                const char *label)
{
    json_object *arr = json_object_new_array();
    int cls = m ? cs_model_label_index(m, label) : -1;
    struct cs_model_explanation ex;
    if (!arr || cls < 0 ||
        cs_model_explain_text(m, text, len, (uint32_t)cls, CS_MODEL_MAX_EXPLAIN,
                              cs_models_scratch(), &ex) != CS_OK)
        return arr;
    for (uint32_t i = 0; i < ex.n && json_object_array_length(arr) < KEY_PHRASES; i++) {
        if (ex.item[i].kind != CS_TEXTFEAT_WORD || ex.item[i].contribution <= 0) continue;
        bool dup = false;
        for (size_t k = 0; k < json_object_array_length(arr); k++)
            dup |= strcmp(json_object_get_string(json_object_array_get_idx(arr, k)),
                          ex.item[i].name) == 0;
        if (!dup && cs_json_push(arr, json_object_new_string(ex.item[i].name))) {
            json_object_put(arr);
            return NULL;
        }
    }
    return arr;
}

static json_object *analysis_json(const struct cs_model *m, const char *text, size_t len,
                                  const struct cs_sentiment *s)
{
    struct cs_jb o;
    cs_jb_init(&o, json_object_new_object());
    /* 1..10, the scale of the seed's example, from the 0..1 sentiment score. */
    cs_jb_int(&o, "satisfaction_score", 1 + (int)lround(9.0 * s->score));
    cs_jb_add(&o, "key_positives", key_phrases(m, text, len, "positive"));
    cs_jb_add(&o, "key_negatives", key_phrases(m, text, len, "negative"));
    return cs_jb_take(&o);
}

static json_object *model_json(const struct cs_ml_served *sv, const char *source)
{
    struct cs_jb o;
    cs_jb_init(&o, json_object_new_object());
    cs_jb_str(&o, "source", source);
    if (sv->model) {
        cs_jb_str(&o, "deployment", sv->deployment);
        cs_jb_str(&o, "model_id", sv->model_id);
    } else {
        cs_jb_str(&o, "name", "sentiment");
    }
    return cs_jb_take(&o);
}

CS_HANDLER(fn_analyze_sentiment)
{
    json_object *t;
    json_object_object_get_ex(req->json, "text", &t);
    const char *text = json_object_get_string(t);
    size_t len = (size_t)json_object_get_string_len(t);
    struct cs_sentiment s;
    const char *source;
    bool use_ai = cs_json_get_bool(req->json, "use_ai", false);
    struct cs_ml_served sv;
    int rc = cs_ml_served_get(req, "sentiment", &sv);
    if (rc) return rc;
    const struct cs_model *m = sv.model ? sv.model : cs_models_get(req->env->models, "sentiment");
    if (sv.model && !use_ai) {
        rc = cs_ml_sentiment(sv.model, text, len, &s);
        source = "tenant";
    } else {
        rc = cs_sentiment_score(req, text, len, use_ai, &s, &source);
        sv.model = NULL; /* a hosted or the built-in model answered */
        m = cs_models_get(req->env->models, "sentiment");
    }
    if (rc) return rc;
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_str(&d, "sentiment", label_of(s.prob));
    cs_jb_double(&d, "positive", s.prob[CS_SENT_POSITIVE], 4);
    cs_jb_double(&d, "negative", s.prob[CS_SENT_NEGATIVE], 4);
    cs_jb_double(&d, "neutral", s.prob[CS_SENT_NEUTRAL_CLASS], 4);
    cs_jb_add(&d, "analysis", analysis_json(m, text, len, &s));
    /* Beyond the seed: which model answered (the tenant's deployment, or built-in). */
    if (!use_ai) cs_jb_add(&d, "model", model_json(&sv, sv.model ? "tenant" : "builtin"));
    /* Beyond the seed: who scored it, when the caller asked for a provider. */
    if (use_ai) cs_jb_str(&d, "provider", source);
    rc = cs_jb_done(&d);
    return rc ? rc : cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
}
