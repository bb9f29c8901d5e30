/* POST /api/v1/ai/explain: the prediction of a built-in linear model and its exact
 * SHAP explanation. For a linear model each feature's SHAP value is its weight times
 * (value - training mean), so
 *     output_value (the explained class's logit)
 *         == base_value + sum(feature_importance[].importance) + other_features
 * where other_features sums the features not listed (cs/model.h). */
#include "handler.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cs/arena.h"
#include "cs/env.h"
#include "cs/escalation.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/model.h"
#include "cs/models.h"

#define DEFAULT_TOP_K 10

enum task { TASK_SENTIMENT, TASK_INTENT, TASK_ESCALATION };

static const struct {
    const char *name;
    enum task task;
} MODELS[] = {{"sentiment", TASK_SENTIMENT},
              {"intent-banking77", TASK_INTENT},
              {"intent-support", TASK_INTENT},
              {"escalation", TASK_ESCALATION}};

/* The one place where a model name is resolved: a built-in model's name, else a
 * deployment name of the caller's tenant (cs/lifecycle.h), whose model explains as
 * exactly as the built-in ones. A provider model (cs/ai.h) would be looked up here too;
 * only linear models explain exactly, so it would answer with its own method. */
static int resolve_model(const struct cs_req *req, const char *name, enum task *task,
                         const struct cs_model **m, const char **deployment)
{
    *deployment = NULL;
    for (size_t i = 0; i < sizeof(MODELS) / sizeof(MODELS[0]); i++) {
        if (strcmp(MODELS[i].name, name) != 0) continue;
        *task = MODELS[i].task;
        *m = cs_models_get(req->env->models, name);
        return *m ? CS_OK : CS_ERR_UNAVAILABLE;
    }
    struct cs_ml_served sv;
    const char *t;
    int rc = cs_ml_deployment_get(req, name, &sv, &t);
    if (rc) return rc;
    *task = strcmp(t, "sentiment") == 0 ? TASK_SENTIMENT : TASK_INTENT;
    *m = sv.model;
    *deployment = sv.deployment;
    return CS_OK;
}

static const struct cs_field text_fields[] = {
    {.name = "text", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 20000},
};
static const struct cs_schema text_schema = {text_fields, 1};

#define NUM(n, lo, hi)                                                                             \
    {                                                                                              \
        .name = n, .type = CS_J_NUMBER, .nullable = true, .has_min = true, .min = lo,              \
        .has_max = true, .max = hi                                                                 \
    }
static const struct cs_field escalation_fields[] = {
    NUM("sentiment_score", 0, 1),
    NUM("sentiment_trend", -1, 1),
    {.name = "sentiment_level",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 5},
    {.name = "repeat_contacts",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 1000},
    NUM("wait_minutes", 0, 1e6),
    NUM("refund_amount", 0, 1e12),
    NUM("tier_limit", 0, 1e12),
    {.name = "legal_threat", .type = CS_J_BOOL, .nullable = true},
    {.name = "social_threat", .type = CS_J_BOOL, .nullable = true},
    {.name = "vip", .type = CS_J_BOOL, .nullable = true},
    /* the conversation's words: the latest customer message and the earlier ones */
    {.name = "text", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 20000},
    {.name = "history", .type = CS_J_ARRAY, .nullable = true, .max_len = 50, .items = CS_J_STRING},
};
static const struct cs_schema escalation_schema = {escalation_fields, 12};

struct outcome {
    const char *label;
    float confidence;
    float probability; /* escalation only: P(yes) */
    struct cs_model_explanation ex;
};

static int explain_text(const struct cs_model *m, json_object *data, uint32_t top_k,
                        struct outcome *o)
{
    json_object *t;
    json_object_object_get_ex(data, "text", &t);
    const char *text = json_object_get_string(t);
    size_t len = (size_t)json_object_get_string_len(t);
    struct cs_model_pred pred;
    int rc = cs_model_predict_text(m, text, len, cs_models_scratch(), &pred);
    if (!rc) rc = cs_model_explain_text(m, text, len, pred.top, top_k, cs_models_scratch(), &o->ex);
    o->label = cs_model_label(m, pred.top);
    o->confidence = pred.confidence;
    return rc;
}

/* With "text" (and "history", the earlier customer messages, oldest first), the
 * sentiment, trend, threats, requests, stated contacts and waits come from the words;
 * the numeric fields given stay. */
static int read_text(const struct cs_req *req, json_object *data, struct cs_escalation_input *in)
{
    json_object *t = NULL, *h = NULL;
    json_object_object_get_ex(data, "text", &t);
    json_object_object_get_ex(data, "history", &h);
    if (!t || json_object_get_type(t) != json_type_string) return CS_OK;
    size_t nh = h && json_object_is_type(h, json_type_array) ? json_object_array_length(h) : 0;
    const char **msgs = cs_arena_alloc(req->arena, sizeof(char *) * (nh + 1));
    if (!msgs) return CS_ERR_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < nh; i++) {
        json_object *m = json_object_array_get_idx(h, i);
        if (json_object_is_type(m, json_type_string)) msgs[n++] = json_object_get_string(m);
    }
    msgs[n++] = json_object_get_string(t);
    return cs_escalation_read_conversation(req->env->models, msgs, NULL, n, in);
}

static int explain_escalation(const struct cs_req *req, json_object *data, uint32_t top_k,
                              struct outcome *o)
{
    struct cs_escalation_input in = {
        .sentiment_score = (float)cs_json_get_double(data, "sentiment_score", 0.5),
        .sentiment_trend = (float)cs_json_get_double(data, "sentiment_trend", 0),
        .sentiment_level = (int)cs_json_get_int(data, "sentiment_level", 2),
        .repeat_contacts = (int)cs_json_get_int(data, "repeat_contacts", 0),
        .wait_minutes = (float)cs_json_get_double(data, "wait_minutes", 0),
        .refund_amount = (float)cs_json_get_double(data, "refund_amount", 0),
        .tier_limit = (float)cs_json_get_double(data, "tier_limit", 0),
        .legal_threat = cs_json_get_bool(data, "legal_threat", false),
        .social_threat = cs_json_get_bool(data, "social_threat", false),
        .vip = cs_json_get_bool(data, "vip", false),
    };
    int rc = read_text(req, data, &in);
    if (rc) return rc;
    struct cs_escalation e;
    rc = cs_escalation_predict(req->env->models, &in, &e);
    if (rc) return rc;
    o->ex = e.explanation; /* of the "yes" logit, every feature listed */
    if (o->ex.n > top_k) {
        for (uint32_t i = top_k; i < o->ex.n; i++) o->ex.other += o->ex.item[i].contribution;
        o->ex.n = top_k;
    }
    o->probability = e.probability;
    o->label = e.escalate ? "yes" : "no";
    o->confidence = e.escalate ? e.probability : 1.0f - e.probability;
    return CS_OK;
}

static json_object *prediction_json(enum task task, const struct outcome *o)
{
    static const char *const key[] = {"sentiment", "intent", "escalation"};
    struct cs_jb p;
    cs_jb_init(&p, json_object_new_object());
    cs_jb_str(&p, key[task], o->label);
    cs_jb_double(&p, "confidence", o->confidence, 4);
    if (task == TASK_ESCALATION) cs_jb_double(&p, "probability", o->probability, 4);
    if (cs_jb_done(&p) == CS_OK) return p.obj;
    json_object_put(p.obj);
    return NULL;
}

/* Word characters as the text features see them: letters, digits, non-ASCII bytes and
 * apostrophes (cs/textfeat.h). */
static bool word_byte(unsigned char c) { return c >= 0x80 || isalnum(c) || c == '\''; }

/* For a character n-gram, the first word of the text that holds it ("roc" -> "process"),
 * so that a reader can place it; NULL when none does (or for other kinds). A leading or
 * trailing space in the n-gram is the word boundary padding. */
static const char *context_word(const struct cs_req *req, const char *text, size_t len,
                                const struct cs_model_contrib *c)
{
    if (c->kind != CS_TEXTFEAT_CHAR) return NULL;
    const char *g = c->name, *bar = strstr(g, " | "); /* buckets shared by n-grams */
    size_t gl = bar ? (size_t)(bar - g) : strlen(g);
    bool at_start = gl > 0 && g[0] == ' ';
    if (at_start) g++, gl--;
    bool at_end = gl > 0 && g[gl - 1] == ' ';
    if (at_end) gl--;
    for (size_t i = 0; gl > 0 && i < len;) {
        size_t j = i;
        while (j < len && word_byte((unsigned char)text[j])) j++;
        for (size_t k = i; k + gl <= j; k++) {
            if ((at_start && k != i) || (at_end && k + gl != j)) continue;
            if (strncasecmp(text + k, g, gl) == 0)
                return cs_arena_strndup(req->arena, text + i, j - i);
        }
        i = j < len ? j + 1 : j;
    }
    return NULL;
}

static json_object *explanation_json(const struct cs_req *req, const struct cs_model *m,
                                     const struct outcome *o, const char *text, size_t len)
{
    json_object *fi = json_object_new_array();
    int rc = fi ? CS_OK : CS_ERR_NOMEM;
    for (uint32_t i = 0; !rc && i < o->ex.n; i++) {
        struct cs_jb it;
        cs_jb_init(&it, json_object_new_object());
        cs_jb_str(&it, "feature", o->ex.item[i].name);
        cs_jb_double(&it, "importance", o->ex.item[i].contribution, 6);
        cs_jb_double(&it, "value", o->ex.item[i].value, 6);
        if (text) {
            const struct cs_model_contrib *c = &o->ex.item[i];
            /* "cue": a punctuation run, "<caps>" or a lexicon class ("<pos>"), not text */
            cs_jb_str(&it, "kind",
                      c->kind == CS_TEXTFEAT_WORD  ? "word"
                      : c->kind == CS_TEXTFEAT_CUE ? "cue"
                                                   : "char");
            cs_jb_str(&it, "word", context_word(req, text, len, c));
        }
        rc = cs_jb_done(&it);
        if (!rc && json_object_array_add(fi, it.obj) != 0) rc = CS_ERR_NOMEM;
        if (rc) json_object_put(it.obj);
    }
    struct cs_jb e;
    cs_jb_init(&e, json_object_new_object());
    cs_jb_str(&e, "method", "shap");
    cs_jb_add(&e, "feature_importance", rc ? NULL : fi); /* NULL fails the builder */
    if (rc) json_object_put(fi);
    /* Explanations are returned inline; no rendered chart is stored anywhere. */
    cs_jb_null(&e, "visualization_url");
    cs_jb_str(&e, "explained_class", cs_model_label(m, o->ex.cls));
    cs_jb_double(&e, "base_value", o->ex.base, 6);
    cs_jb_double(&e, "other_features", o->ex.other, 6);
    cs_jb_double(&e, "output_value", o->ex.logit, 6);
    if (cs_jb_done(&e) == CS_OK) return e.obj;
    json_object_put(e.obj);
    return NULL;
}

static int unknown_model(struct cs_resp *resp)
{
    cs_resp_field_error(resp, "body", "model_name",
                        "Unknown model; expected 'sentiment', 'intent-banking77', "
                        "'intent-support', 'escalation' or one of your deployments",
                        "enum");
    return CS_ERR_VALIDATION;
}

CS_HANDLER(fn_ai_explain)
{
    json_object *data;
    json_object_object_get_ex(req->json, "data", &data);
    enum task task = TASK_SENTIMENT;
    const struct cs_model *m = NULL;
    const char *deployment;
    int rc = resolve_model(req, cs_json_get_str(req->json, "model_name"), &task, &m, &deployment);
    if (rc == CS_ERR_NOT_FOUND) return unknown_model(resp);
    if (!rc)
        rc = cs_json_validate(task == TASK_ESCALATION ? &escalation_schema : &text_schema, data,
                              req->arena, &resp->fields);
    uint32_t top_k = (uint32_t)cs_json_get_int(req->json, "top_k", DEFAULT_TOP_K);
    struct outcome o;
    memset(&o, 0, sizeof(o));
    if (!rc)
        rc = task == TASK_ESCALATION ? explain_escalation(req, data, top_k, &o)
                                     : explain_text(m, data, top_k, &o);
    if (rc) return rc;
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_add(&d, "prediction", prediction_json(task, &o));
    /* Beyond the seed: a tenant deployment says which model answered. */
    if (deployment) cs_jb_str(&d, "deployment", deployment);
    json_object *t = NULL;
    if (task != TASK_ESCALATION) json_object_object_get_ex(data, "text", &t);
    cs_jb_add(&d, "explanation",
              explanation_json(req, m, &o, t ? json_object_get_string(t) : NULL,
                               t ? (size_t)json_object_get_string_len(t) : 0));
    rc = cs_jb_done(&d);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
    return rc;
}
