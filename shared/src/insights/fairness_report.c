/* Seed 001's fairness report over a request's rows: groups per attribute, each
 * outcome's rate or mean per group, and the metrics of fairness.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/insights.h"
#include "cs/json.h"

#define MAX_GROUPS 64

struct acc {
    struct cs_fair_group g[MAX_GROUPS];
    double sum[MAX_GROUPS];
    size_t tp[MAX_GROUPS], fp[MAX_GROUPS];
    size_t n;
};

/* The group key of a row: strings as they are, numbers and booleans as JSON text. */
static const char *key_of(json_object *row, const char *attr)
{
    json_object *v;
    if (!json_object_object_get_ex(row, attr, &v) || !v) return NULL;
    if (json_object_is_type(v, json_type_string)) return json_object_get_string(v);
    if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
        return NULL;
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

/* 0/1 for booleans and the numbers 0 and 1; -1 otherwise. */
static int as_binary(json_object *v)
{
    if (json_object_is_type(v, json_type_boolean)) return json_object_get_boolean(v);
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        return d == 0 ? 0 : d == 1 ? 1 : -1;
    }
    return -1;
}

static int group_index(struct acc *a, const char *k)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->g[i].name, k) == 0) return (int)i;
    if (a->n == MAX_GROUPS) return -1;
    a->g[a->n] = (struct cs_fair_group){.name = k, .tpr = NAN, .fpr = NAN};
    return (int)a->n++;
}

/* Accumulates `outcome` (or, with `label`, prediction outcome against label) per group.
 * *binary ends true when every value seen was 0/1. */
static int accumulate(json_object *rows, const char *attr, const char *outcome, const char *label,
                      struct acc *a, bool *binary, const char **why)
{
    memset(a, 0, sizeof(*a));
    *binary = true;
    size_t n = json_object_array_length(rows);
    for (size_t r = 0; r < n; r++) {
        json_object *row = json_object_array_get_idx(rows, r), *v, *l = NULL;
        const char *k = json_object_is_type(row, json_type_object) ? key_of(row, attr) : NULL;
        if (!k || !json_object_object_get_ex(row, outcome, &v) || !v) continue;
        if (label &&
            (!json_object_object_get_ex(row, label, &l) || as_binary(l) < 0 || as_binary(v) < 0))
            continue;
        if (!label && !json_object_is_type(v, json_type_boolean) &&
            !json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
            continue;
        int gi = group_index(a, k);
        if (gi < 0) return *why = "An attribute has more than 64 groups", CS_ERR_VALIDATION;
        a->g[gi].n++;
        a->sum[gi] += json_object_is_type(v, json_type_boolean) ? (double)json_object_get_boolean(v)
                                                                : json_object_get_double(v);
        if (as_binary(v) < 0) *binary = false;
        if (label) {
            int y = as_binary(l), p = as_binary(v);
            if (y)
                a->g[gi].pos++, a->tp[gi] += (size_t)p;
            else
                a->g[gi].neg++, a->fp[gi] += (size_t)p;
        }
    }
    return CS_OK;
}

static void finish(struct acc *a, size_t min_n)
{
    for (size_t i = 0; i < a->n; i++) {
        struct cs_fair_group *g = &a->g[i];
        g->value = g->n ? a->sum[i] / (double)g->n : NAN;
        g->tpr = g->pos ? (double)a->tp[i] / (double)g->pos : NAN;
        g->fpr = g->neg ? (double)a->fp[i] / (double)g->neg : NAN;
        g->scored = g->n >= min_n;
    }
}

static int add_recommendations(json_object *recs, const char *attr, const char *outcome,
                               const struct acc *a, const struct cs_fair_result *r, bool ok,
                               size_t min_n, struct cs_arena *ar)
{
    char *text = cs_arena_alloc(ar, 600);
    if (!text) return CS_ERR_NOMEM;
    if (ok && strcmp(r->concern, "low") != 0) {
        snprintf(
            text, 600,
            "Review %s for %s '%s' (%.3g, n=%zu) against '%s' (%.3g, n=%zu): ratio %.2f, %s the "
            "four-fifths rule",
            outcome, attr, a->g[r->lowest].name, a->g[r->lowest].value, a->g[r->lowest].n,
            a->g[r->highest].name, a->g[r->highest].value, a->g[r->highest].n, r->dp_ratio,
            r->four_fifths_ok ? "passes" : "fails");
        if (json_object_array_add(recs, json_object_new_string(text))) return CS_ERR_NOMEM;
    }
    size_t len = 0;
    text[0] = 0;
    for (size_t i = 0; i < a->n && len < 400; i++)
        if (!a->g[i].scored)
            len += (size_t)snprintf(text + len, 600 - len, "%s'%s'", len ? ", " : "", a->g[i].name);
    if (len) {
        char *t2 = cs_arena_alloc(ar, 700);
        if (!t2) return CS_ERR_NOMEM;
        snprintf(t2, 700, "Collect more data for %s %s: fewer than %zu samples, not scored for %s",
                 attr, text, min_n, outcome);
        if (json_object_array_add(recs, json_object_new_string(t2))) return CS_ERR_NOMEM;
    }
    return CS_OK;
}

static int finding(json_object *rows, const char *attr, const char *outcome, const char *label,
                   size_t min_n, struct cs_arena *ar, json_object *findings, json_object *recs,
                   double *disp_sum, size_t *ndisp, const char **why)
{
    struct acc *a = cs_arena_alloc(ar, sizeof(*a));
    if (!a) return CS_ERR_NOMEM;
    bool binary;
    int rc = accumulate(rows, attr, outcome, label, a, &binary, why);
    if (rc) return rc;
    finish(a, min_n);
    struct cs_fair_result r;
    bool ok = cs_fair_compare(a->g, a->n, label != NULL, &r) == CS_OK;
    const char *vk = binary ? "rate" : "average";
    struct cs_jb f, d;
    cs_jb_init(&d, json_object_new_object());
    for (size_t i = 0; i < a->n; i++) {
        struct cs_jb g;
        cs_jb_init(&g, json_object_new_object());
        if (a->g[i].scored)
            cs_jb_double(&g, vk, a->g[i].value, 4);
        else
            cs_jb_str(&g, "status", "insufficient_sample");
        cs_jb_int(&g, "sample_size", (int64_t)a->g[i].n);
        if (label && a->g[i].scored) {
            cs_jb_double(&g, "true_positive_rate", a->g[i].tpr, 4);
            cs_jb_double(&g, "false_positive_rate", a->g[i].fpr, 4);
        }
        cs_jb_nest(&d, a->g[i].name, &g);
    }
    cs_jb_init(&f, json_object_new_object());
    cs_jb_nest(&f, "disparities", &d);
    cs_jb_str(&f, "attribute", attr);
    cs_jb_str(&f, "outcome", outcome);
    if (label) cs_jb_str(&f, "label", label);
    cs_jb_str(&f, "metric", binary ? "selection_rate" : "mean");
    if (!ok) {
        cs_jb_str(&f, "concern_level", "insufficient_data");
        cs_jb_null(&f, "disparity_score");
    } else {
        cs_jb_double(&f, "demographic_parity_difference", r.dp_difference, 4);
        cs_jb_double(&f, "demographic_parity_ratio", r.dp_ratio, 4);
        if (label) cs_jb_double(&f, "equalized_odds_difference", r.eo_difference, 4);
        cs_jb_str(&f, "four_fifths_rule", r.four_fifths_ok ? "pass" : "fail");
        cs_jb_double(&f, "disparity_score", r.disparity, 4);
        cs_jb_str(&f, "concern_level", r.concern);
        *disp_sum += r.disparity;
        (*ndisp)++;
    }
    rc = cs_json_push(findings, cs_jb_take(&f));
    if (!rc) rc = add_recommendations(recs, attr, outcome, a, &r, ok, min_n, ar);
    return rc;
}

int cs_fair_report(json_object *body, struct cs_arena *ar, json_object **out, const char **why)
{
    json_object *rows = NULL, *attrs = NULL, *outs = NULL;
    json_object_object_get_ex(body, "data", &rows);
    json_object_object_get_ex(body, "attributes", &attrs);
    json_object_object_get_ex(body, "outcome_columns", &outs);
    if (!json_object_is_type(rows, json_type_array) || !json_object_is_type(attrs, json_type_array))
        return *why = "data and attributes must be arrays", CS_ERR_VALIDATION;
    if (!json_object_is_type(outs, json_type_array)) outs = NULL;
    const char *pred = cs_json_get_str(body, "prediction_column"),
               *label = cs_json_get_str(body, "label_column");
    if ((pred == NULL) != (label == NULL))
        return *why = "Give prediction_column and label_column together", CS_ERR_VALIDATION;
    int64_t mn = cs_json_get_int(body, "min_group_size", CS_FAIR_MIN_GROUP);
    size_t min_n = mn < 1 ? 1 : (size_t)mn;
    json_object *findings = cs_json_array(ar), *recs = cs_json_array(ar);
    if (!findings || !recs) return CS_ERR_NOMEM;
    double disp = 0;
    size_t nd = 0;
    int rc = CS_OK;
    for (size_t i = 0; !rc && i < json_object_array_length(attrs); i++) {
        json_object *av = json_object_array_get_idx(attrs, i);
        if (!json_object_is_type(av, json_type_string)) continue; /* the schema refuses these */
        const char *attr = json_object_get_string(av);
        for (size_t k = 0; !rc && outs && k < json_object_array_length(outs); k++) {
            json_object *ov = json_object_array_get_idx(outs, k);
            if (json_object_is_type(ov, json_type_string))
                rc = finding(rows, attr, json_object_get_string(ov), NULL, min_n, ar, findings,
                             recs, &disp, &nd, why);
        }
        if (!rc && pred)
            rc = finding(rows, attr, pred, label, min_n, ar, findings, recs, &disp, &nd, why);
    }
    if (rc) return rc;
    if (json_object_array_length(recs) == 0 &&
        (rc = cs_json_push(
             recs, json_object_new_string("No material disparity found at this sample size"))))
        return rc;
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(ar));
    cs_jb_ref(&o, "detailed_findings", findings);
    cs_jb_ref(&o, "recommendations", recs);
    /* 1 - mean disparity over the scored findings: 1 is parity everywhere. */
    if (nd)
        cs_jb_double(&o, "fairness_score", 1.0 - disp / (double)nd, 4);
    else
        cs_jb_null(&o, "fairness_score");
    cs_jb_int(&o, "min_group_size", (int64_t)min_n);
    *out = o.obj;
    return cs_jb_done(&o);
}
