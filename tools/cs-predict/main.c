/* cs-predict: runs one built-in model over stdin, one text per line, one JSON object
 * per output line.
 *
 *   cs-predict [--models DIR] --list
 *   cs-predict [--models DIR] [--explain] MODEL          (intent-*, sentiment, pii)
 *   cs-predict [--models DIR] [--policy FILE] triage
 *   cs-predict [--models DIR] escalation                 (each line a JSON object with
 *       cs_escalation_input fields, e.g. {"sentiment_score":0.2,"legal_threat":1})
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/escalation.h"
#include "cs/models.h"
#include "cs/pii.h"
#include "cs/sentiment.h"
#include "cs/triage.h"

static void emit(json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
}

static json_object *explain_json(const struct cs_model_explanation *e)
{
    json_object *o = json_object_new_object(), *items = json_object_new_array();
    json_object_object_add(o, "logit", json_object_new_double(e->logit));
    json_object_object_add(o, "base", json_object_new_double(e->base));
    json_object_object_add(o, "other", json_object_new_double(e->other));
    for (uint32_t i = 0; i < e->n; i++) {
        json_object *it = json_object_new_object();
        json_object_object_add(it, "feature", json_object_new_string(e->item[i].name));
        json_object_object_add(it, "value", json_object_new_double(e->item[i].value));
        json_object_object_add(it, "contribution", json_object_new_double(e->item[i].contribution));
        json_object_array_add(items, it);
    }
    json_object_object_add(o, "top_features", items);
    return o;
}

static int predict_text(const struct cs_models *ms, const struct cs_model *m, const char *s,
                        size_t n, int explain)
{
    struct cs_model_pred p;
    int rc = cs_model_predict_text(m, s, n, cs_models_scratch(), &p);
    if (rc != CS_OK) return rc;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "label", json_object_new_string(cs_model_label(m, p.top)));
    json_object_object_add(o, "confidence", json_object_new_double(p.confidence));
    if (strcmp(cs_model_name(m), "sentiment") == 0) {
        struct cs_sentiment st;
        if (cs_sentiment_analyze(ms, s, n, &st) == CS_OK) {
            json_object_object_add(o, "sentiment", json_object_new_string(st.label));
            json_object_object_add(o, "level", json_object_new_string(st.level_name));
            json_object_object_add(o, "score", json_object_new_double(st.score));
            json_object_object_add(o, "intensity", json_object_new_double(st.intensity));
        }
    }
    if (explain) {
        struct cs_model_explanation e;
        if (cs_model_explain_text(m, s, n, p.top, 8, cs_models_scratch(), &e) == CS_OK)
            json_object_object_add(o, "explanation", explain_json(&e));
    }
    emit(o);
    return CS_OK;
}

static int predict_pii(const struct cs_model *m, const char *s, size_t n)
{
    struct cs_pii_result r;
    int rc = cs_pii_detect(m, s, n, &r);
    if (rc != CS_OK) return rc;
    json_object *o = json_object_new_object(), *spans = json_object_new_array();
    for (size_t i = 0; i < r.n; i++) {
        const struct cs_pii_span *sp = &r.span[i];
        json_object *j = json_object_new_object();
        json_object_object_add(j, "type", json_object_new_string(cs_pii_type_name(sp->type)));
        json_object_object_add(j, "start", json_object_new_int64((int64_t)sp->start));
        json_object_object_add(j, "end", json_object_new_int64((int64_t)sp->end));
        json_object_object_add(j, "start_byte", json_object_new_int64((int64_t)sp->start_byte));
        json_object_object_add(j, "end_byte", json_object_new_int64((int64_t)sp->end_byte));
        json_object_object_add(j, "score", json_object_new_double(sp->score));
        json_object_object_add(
            j, "text",
            json_object_new_string_len(s + sp->start_byte, (int)(sp->end_byte - sp->start_byte)));
        json_object_array_add(spans, j);
    }
    json_object_object_add(o, "label", json_object_new_string(r.n ? "pii" : "clean"));
    json_object_object_add(o, "confidence", json_object_new_double(1.0));
    json_object_object_add(o, "spans", spans);
    emit(o);
    return CS_OK;
}

static int predict_triage(const struct cs_models *ms, const struct cs_triage_policy *p,
                          const char *s, size_t n)
{
    struct cs_triage t;
    int rc = cs_triage_ticket(ms, p, s, n, &t);
    if (rc != CS_OK) return rc;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "label", json_object_new_string(t.category_code));
    json_object_object_add(o, "priority_reason", json_object_new_string(t.priority_reason));
    json_object_object_add(o, "escalation_reason",
                           t.escalation_reason ? json_object_new_string(t.escalation_reason)
                                               : NULL);
    if (t.intent[0]) json_object_object_add(o, "intent", json_object_new_string(t.intent));
    json_object_object_add(o, "category", json_object_new_string(t.category));
    json_object_object_add(o, "subcategory", json_object_new_string(t.subcategory));
    json_object_object_add(o, "priority", json_object_new_string(t.priority));
    json_object_object_add(o, "sla_hours", json_object_new_int(t.sla_hours));
    json_object_object_add(o, "suggested_team", json_object_new_string(t.suggested_team));
    json_object_object_add(o, "sentiment", json_object_new_string(t.sentiment));
    json_object_object_add(o, "confidence", json_object_new_double(t.confidence));
    json_object_object_add(o, "intent_model", json_object_new_string(t.intent_model));
    emit(o);
    return CS_OK;
}

static float jf(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? (float)json_object_get_double(v) : 0.0f;
}

static int predict_escalation(const struct cs_models *ms, const char *s, size_t n)
{
    json_object *in = json_tokener_parse(s);
    (void)n;
    if (!in) return CS_ERR_BAD_JSON;
    json_object *lv;
    struct cs_escalation_input x = {jf(in, "sentiment_score"),
                                    jf(in, "sentiment_trend"),
                                    json_object_object_get_ex(in, "sentiment_level", &lv)
                                        ? cs_sentiment_level_parse(json_object_get_string(lv))
                                        : CS_SENT_NEUTRAL,
                                    (int)jf(in, "repeat_contacts"),
                                    jf(in, "wait_minutes"),
                                    jf(in, "refund_amount"),
                                    jf(in, "tier_limit"),
                                    (int)jf(in, "legal_threat"),
                                    (int)jf(in, "social_threat"),
                                    (int)jf(in, "vip"),
                                    (int)jf(in, "human_request"),
                                    (int)jf(in, "ultimatum"),
                                    jf(in, "stated_wait_days"),
                                    (int)jf(in, "stated_contacts")};
    json_object_put(in);
    struct cs_escalation e;
    int rc = cs_escalation_predict(ms, &x, &e);
    if (rc != CS_OK) return rc;
    json_object *o = json_object_new_object(), *f = json_object_new_array();
    json_object_object_add(o, "label", json_object_new_string(e.escalate ? "yes" : "no"));
    json_object_object_add(
        o, "confidence", json_object_new_double(e.escalate ? e.probability : 1.0 - e.probability));
    json_object_object_add(o, "escalation_probability", json_object_new_double(e.probability));
    if (e.reason) json_object_object_add(o, "reason", json_object_new_string(e.reason));
    for (size_t i = 0; i < e.n_factors; i++)
        json_object_array_add(f, json_object_new_string(e.factors[i]));
    json_object_object_add(o, "risk_factors", f);
    json_object_object_add(o, "explanation", explain_json(&e.explanation));
    emit(o);
    return CS_OK;
}

static int list_models(const struct cs_models *ms)
{
    for (size_t i = 0; i < cs_models_count(ms); i++) {
        const struct cs_model *m = cs_models_at(ms, i);
        static const char *const kinds[] = {"?", "text", "dense", "lexicon"};
        printf("%-18s %-8s %3u labels %9zu bytes  %s\n", cs_model_name(m),
               kinds[cs_model_kind(m) <= 3 ? cs_model_kind(m) : 0], cs_model_n_classes(m),
               cs_model_file_size(m), cs_model_metadata(m));
    }
    puts("triage             (category + impact models, cues, sentiment, policy)");
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = "data/models", *policy = "data/policy/triage_default.json", *name = NULL;
    int explain = 0, list = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--models") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
            policy = argv[++i];
        else if (strcmp(argv[i], "--explain") == 0)
            explain = 1;
        else if (strcmp(argv[i], "--list") == 0 || strcmp(argv[i], "list") == 0)
            list = 1;
        else
            name = argv[i];
    }
    struct cs_models *ms;
    int rc = cs_models_open(dir, &ms);
    if (rc != CS_OK) {
        fprintf(stderr, "cs-predict: %s: %s\n", dir, cs_error_message(rc));
        return 1;
    }
    if (list || !name) {
        if (!list)
            fputs("usage: cs-predict [--models DIR] [--explain] MODEL|triage|--list\n", stderr);
        list_models(ms);
        cs_models_close(ms);
        return list ? 0 : 2;
    }
    struct cs_triage_policy *pol = NULL;
    const struct cs_model *m = cs_models_get(ms, name);
    int triage = strcmp(name, "triage") == 0;
    if (triage)
        rc = cs_triage_policy_load(policy, &pol);
    else if (!m)
        rc = CS_ERR_NOT_FOUND;
    if (rc != CS_OK) {
        fprintf(stderr, "cs-predict: %s: %s\n", triage ? policy : name, cs_error_message(rc));
        cs_models_close(ms);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int bad = 0;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        size_t n = (size_t)got;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (triage)
            rc = predict_triage(ms, pol, line, n);
        else if (cs_model_kind(m) == CS_MODEL_TEXT)
            rc = predict_text(ms, m, line, n, explain);
        else if (cs_model_kind(m) == CS_MODEL_LEXICON)
            rc = predict_pii(m, line, n);
        else
            rc = predict_escalation(ms, line, n);
        if (rc != CS_OK) {
            printf("{\"error\":\"%s\"}\n", cs_error_name(rc));
            bad = 1;
        }
    }
    free(line);
    cs_triage_policy_destroy(pol);
    cs_models_close(ms);
    return bad;
}
