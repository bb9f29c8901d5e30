/* POST /api/v1/ai/classify: a score per caller-given category (best first, summing to
 * 1) and the top category, from the asked (or default) provider or builtin; without a
 * named provider, from the tenant's deployed intent model when every category is one of
 * its labels. */
#include "handler.h"

#include <stdlib.h>
#include <string.h>

#include "cs/ai.h"
#include "cs/arena.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/model.h"
#include "cs/models.h"

static int answer(const struct cs_req *req, struct cs_resp *resp,
                  const struct cs_ai_classification *c, const struct cs_ml_served *sv);

#define MAX_CATEGORY_BYTES 100

static int read_categories(const struct cs_req *req, struct cs_resp *resp, const char ***cats,
                           size_t *n)
{
    json_object *arr = NULL;
    json_object_object_get_ex(req->json, "categories", &arr);
    *n = json_object_array_length(arr);
    *cats = cs_arena_alloc(req->arena, *n * sizeof(char *));
    if (!*cats) return CS_ERR_NOMEM;
    for (size_t i = 0; i < *n; i++) {
        json_object *c = json_object_array_get_idx(arr, i);
        const char *s = json_object_get_string(c);
        int len = json_object_get_string_len(c);
        const char *why = NULL;
        if (len == 0 || len > MAX_CATEGORY_BYTES) why = "Each category must hold 1 to 100 bytes";
        for (size_t j = 0; !why && j < i; j++)
            if (strcmp((*cats)[j], s) == 0) why = "Categories must be distinct";
        if (why) {
            cs_resp_field_error(resp, "body", "categories", why, "value_error");
            return CS_ERR_VALIDATION;
        }
        (*cats)[i] = s;
    }
    return CS_OK;
}

static int by_score(const void *a, const void *b)
{
    double x = ((const struct cs_ai_class *)a)->score, y = ((const struct cs_ai_class *)b)->score;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The tenant's deployed intent model (issue 18) answers when the caller names no
 * provider and every category is one of the model's labels: its probabilities over
 * those labels, renormalised. *sv->model stays NULL when it does not apply. */
static int tenant_classify(const struct cs_req *req, const char **cats, size_t n,
                           struct cs_ml_served *sv, struct cs_ai_classification *c)
{
    static const char *const tasks[] = {"intent-support", "intent-banking77"};
    const char *text = cs_json_get_str(req->json, "text");
    for (size_t t = 0; t < 2; t++) {
        int rc = cs_ml_served_get(req, tasks[t], sv);
        if (rc) return rc;
        if (!sv->model) continue;
        size_t known = 0;
        while (known < n && cs_model_label_index(sv->model, cats[known]) >= 0) known++;
        if (known < n) continue;
        struct cs_model_pred p;
        rc = cs_model_predict_text(sv->model, text, strlen(text), cs_models_scratch(), &p);
        if (rc) return rc;
        struct cs_ai_class *sc = cs_arena_alloc(req->arena, n * sizeof(*sc));
        if (!sc) return CS_ERR_NOMEM;
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            sc[i] = (struct cs_ai_class){cats[i], p.prob[cs_model_label_index(sv->model, cats[i])]};
            sum += sc[i].score;
        }
        for (size_t i = 0; i < n; i++) sc[i].score = sum > 0 ? sc[i].score / sum : 1.0 / n;
        qsort(sc, n, sizeof(*sc), by_score);
        *c = (struct cs_ai_classification){.scores = sc,
                                           .n = n,
                                           .top_category = sc[0].category,
                                           .provider_id = "tenant",
                                           .provider = "tenant",
                                           .model = sv->deployment};
        return CS_OK;
    }
    sv->model = NULL;
    return CS_OK;
}

CS_HANDLER(fn_ai_classify)
{
    const char **cats;
    size_t n;
    int rc = read_categories(req, resp, &cats, &n);
    if (rc) return rc;
    struct cs_ml_served sv = {0};
    struct cs_ai_classification c;
    if (!cs_json_get_str(req->json, "model")) {
        rc = tenant_classify(req, cats, n, &sv, &c);
        if (rc) return rc;
    }
    if (sv.model) return answer(req, resp, &c, &sv);
    struct cs_ai_call call;
    cs_ai_call_from_req(req, "classify", &call);
    rc = cs_ai_classify(&call, cs_json_get_str(req->json, "model"),
                        cs_json_get_str(req->json, "text"), cats, n, &c);
    if (rc == CS_ERR_NOT_FOUND || rc == CS_ERR_VALIDATION) {
        cs_resp_field_error(resp, "body", "model",
                            rc == CS_ERR_NOT_FOUND
                                ? "Unknown model: not a provider id of this tenant"
                                : "This provider cannot classify",
                            "value_error");
        return CS_ERR_VALIDATION;
    }
    if (rc) return rc;
    return answer(req, resp, &c, &sv);
}

static int answer(const struct cs_req *req, struct cs_resp *resp,
                  const struct cs_ai_classification *c, const struct cs_ml_served *sv)
{
    struct cs_jb d, scores;
    cs_jb_init(&scores, json_object_new_object());
    for (size_t i = 0; i < c->n; i++)
        cs_jb_double(&scores, c->scores[i].category, c->scores[i].score, 4);
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_nest(&d, "classifications", &scores);
    cs_jb_str(&d, "top_category", c->top_category);
    cs_jb_str(&d, "model", c->model);
    cs_jb_str(&d, "provider", c->provider);
    cs_jb_str(&d, "provider_id", c->provider_id);
    cs_jb_bool(&d, "fallback", c->fallback);
    if (c->fallback_reason) cs_jb_str(&d, "fallback_reason", c->fallback_reason);
    /* Beyond the seed: the tenant's model that answered (issue 18). */
    if (sv->model) cs_jb_str(&d, "model_id", sv->model_id);
    int rc = cs_jb_done(&d);
    return rc ? rc : cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
}
