/* Ticket triage through a per-tenant policy (see cs/triage.h). */
#include "cs/triage.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/intent.h"

struct cs_triage_policy {
    char models[CS_TRIAGE_MAX_MODELS][CS_MODEL_NAME_MAX];
    const char *model_ptr[CS_TRIAGE_MAX_MODELS + 1];
    /* "intent_gate": the domain gate choosing between the intent models; has_gate 0
     * (key absent) means the bundle's CS_INTENT_GATE when present, "" means none. */
    int has_gate;
    char gate[CS_MODEL_NAME_MAX];
    float min_confidence;
    int sla_by_priority[4]; /* index 1..3 */
    int raise_on_urgency;
    int raise_level[CS_SENT_IRATE + 1];
    size_t n_terms;
    char terms[CS_TRIAGE_MAX_TERMS][CS_TRIAGE_STR];
    struct cs_triage_route def;
    size_t n_routes;
    struct cs_triage_route *routes; /* sorted by intent for bsearch */
};

void cs_triage_policy_destroy(struct cs_triage_policy *p)
{
    if (!p) return;
    free(p->routes);
    free(p);
}

static int copy_str(char *dst, size_t cap, json_object *o)
{
    if (!o || !json_object_is_type(o, json_type_string)) return CS_ERR_CONFIG;
    const char *s = json_object_get_string(o);
    if (strlen(s) >= cap) return CS_ERR_CONFIG;
    memcpy(dst, s, strlen(s) + 1);
    return CS_OK;
}

static int parse_priority(json_object *o)
{
    const char *s = o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : "";
    if (s[0] == 'P' && s[1] >= '1' && s[1] <= '3' && s[2] == '\0') return s[1] - '0';
    return 0;
}

static int parse_route(json_object *o, const char *intent, struct cs_triage_route *r)
{
    memset(r, 0, sizeof(*r));
    if (!json_object_is_type(o, json_type_object) || strlen(intent) >= sizeof(r->intent))
        return CS_ERR_CONFIG;
    memcpy(r->intent, intent, strlen(intent) + 1);
    json_object *v;
    int rc = CS_OK;
    rc |= copy_str(r->category, sizeof(r->category), json_object_object_get_ex(o, "category", &v) ? v : NULL);
    rc |= copy_str(r->subcategory, sizeof(r->subcategory), json_object_object_get_ex(o, "subcategory", &v) ? v : NULL);
    rc |= copy_str(r->team, sizeof(r->team), json_object_object_get_ex(o, "team", &v) ? v : NULL);
    if (json_object_object_get_ex(o, "code", &v)) rc |= copy_str(r->code, sizeof(r->code), v);
    r->priority = parse_priority(json_object_object_get_ex(o, "priority", &v) ? v : NULL);
    r->sla_hours = json_object_object_get_ex(o, "sla_hours", &v) && json_object_is_type(v, json_type_int)
                       ? json_object_get_int(v) : 0;
    if (rc != CS_OK || r->priority == 0 || r->sla_hours < 1 || r->sla_hours > 168)
        return CS_ERR_CONFIG;
    return CS_OK;
}

static int cmp_route(const void *a, const void *b)
{
    return strcmp(((const struct cs_triage_route *)a)->intent,
                  ((const struct cs_triage_route *)b)->intent);
}

static int parse_globals(json_object *root, struct cs_triage_policy *p)
{
    json_object *v;
    p->sla_by_priority[1] = 4, p->sla_by_priority[2] = 24, p->sla_by_priority[3] = 72;
    if (json_object_object_get_ex(root, "sla_hours", &v)) {
        const char *keys[] = {"P1", "P2", "P3"};
        for (int i = 0; i < 3; i++) {
            json_object *h;
            if (!json_object_object_get_ex(v, keys[i], &h)) continue;
            int hours = json_object_get_int(h);
            if (hours < 1 || hours > 168) return CS_ERR_CONFIG;
            p->sla_by_priority[i + 1] = hours;
        }
    }
    p->min_confidence = 0.25f;
    if (json_object_object_get_ex(root, "min_confidence", &v))
        p->min_confidence = (float)json_object_get_double(v);
    p->raise_on_urgency = !json_object_object_get_ex(root, "raise_on_urgency", &v) ||
                          json_object_get_boolean(v);
    if (json_object_object_get_ex(root, "raise_on_sentiment", &v)) {
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            int lv = cs_sentiment_level_parse(json_object_get_string(json_object_array_get_idx(v, i)));
            if (lv < 0) return CS_ERR_CONFIG;
            p->raise_level[lv] = 1;
        }
    } else {
        p->raise_level[CS_SENT_ANGRY] = p->raise_level[CS_SENT_IRATE] = 1;
    }
    if (json_object_object_get_ex(root, "urgency_terms", &v)) {
        for (size_t i = 0; i < json_object_array_length(v) && p->n_terms < CS_TRIAGE_MAX_TERMS; i++)
            if (copy_str(p->terms[p->n_terms++], CS_TRIAGE_STR, json_object_array_get_idx(v, i)) != CS_OK)
                return CS_ERR_CONFIG;
    }
    size_t nm = 0;
    if (json_object_object_get_ex(root, "intent_models", &v)) {
        for (size_t i = 0; i < json_object_array_length(v) && nm < CS_TRIAGE_MAX_MODELS; i++, nm++)
            if (copy_str(p->models[nm], CS_MODEL_NAME_MAX, json_object_array_get_idx(v, i)) != CS_OK)
                return CS_ERR_CONFIG;
    } else {
        memcpy(p->models[nm++], "intent-banking77", sizeof("intent-banking77"));
        memcpy(p->models[nm++], "intent-support", sizeof("intent-support"));
    }
    if (json_object_object_get_ex(root, "intent_gate", &v)) {
        if (copy_str(p->gate, sizeof(p->gate), v) != CS_OK) return CS_ERR_CONFIG;
        p->has_gate = 1;
    }
    for (size_t i = 0; i < nm; i++) p->model_ptr[i] = p->models[i];
    p->model_ptr[nm] = NULL;
    return CS_OK;
}

static int parse_policy(json_object *root, struct cs_triage_policy *p)
{
    json_object *v, *intents;
    if (!json_object_is_type(root, json_type_object)) return CS_ERR_CONFIG;
    int rc = parse_globals(root, p);
    if (rc != CS_OK) return rc;
    if (!json_object_object_get_ex(root, "default", &v)) return CS_ERR_CONFIG;
    rc = parse_route(v, "", &p->def);
    if (rc != CS_OK) return rc;
    if (!json_object_object_get_ex(root, "intents", &intents) ||
        !json_object_is_type(intents, json_type_object))
        return CS_OK;
    p->routes = calloc((size_t)json_object_object_length(intents) + 1, sizeof(*p->routes));
    if (!p->routes) return CS_ERR_NOMEM;
    json_object_object_foreach(intents, key, val) {
        rc = parse_route(val, key, &p->routes[p->n_routes]);
        if (rc != CS_OK) return rc;
        p->n_routes++;
    }
    qsort(p->routes, p->n_routes, sizeof(*p->routes), cmp_route);
    return CS_OK;
}

int cs_triage_policy_parse(const char *json, size_t len, struct cs_triage_policy **out)
{
    *out = NULL;
    if (!json || len > (8u << 20)) return CS_ERR_INVALID;
    struct json_tokener *tok = json_tokener_new();
    if (!tok) return CS_ERR_NOMEM;
    json_object *root = json_tokener_parse_ex(tok, json, (int)len);
    int ok = root && json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (!ok) {
        json_object_put(root);
        return CS_ERR_BAD_JSON;
    }
    struct cs_triage_policy *p = calloc(1, sizeof(*p));
    int rc = p ? parse_policy(root, p) : CS_ERR_NOMEM;
    json_object_put(root);
    if (rc != CS_OK) {
        cs_triage_policy_destroy(p);
        return rc;
    }
    *out = p;
    return CS_OK;
}

int cs_triage_policy_load(const char *path, struct cs_triage_policy **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return CS_ERR_IO;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = CS_OK;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 16384;
            char *n = cap <= (8u << 20) ? realloc(buf, cap) : NULL;
            if (!n) {
                rc = cap > (8u << 20) ? CS_ERR_TOO_LARGE : CS_ERR_NOMEM;
                break;
            }
            buf = n;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    fclose(f);
    if (rc == CS_OK) rc = cs_triage_policy_parse(buf ? buf : "", len, out);
    free(buf);
    return rc;
}

const struct cs_triage_route *cs_triage_policy_route(const struct cs_triage_policy *p,
                                                     const char *intent)
{
    struct cs_triage_route key;
    if (!intent || strlen(intent) >= sizeof(key.intent)) return &p->def;
    memcpy(key.intent, intent, strlen(intent) + 1);
    const struct cs_triage_route *r =
        p->n_routes ? bsearch(&key, p->routes, p->n_routes, sizeof(key), cmp_route) : NULL;
    return r ? r : &p->def;
}

static int is_alpha(char c)
{
    return ((unsigned char)c & 0x80u) || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

/* Whole-word, case-insensitive search for any of the policy's urgency terms. */
static int has_term(const struct cs_triage_policy *p, const char *text, size_t len)
{
    for (size_t t = 0; t < p->n_terms; t++) {
        size_t n = strlen(p->terms[t]);
        for (size_t i = 0; n && i + n <= len; i++) {
            if (strncasecmp(text + i, p->terms[t], n) != 0) continue;
            int left = i == 0 || !is_alpha(text[i - 1]);
            int right = i + n == len || !is_alpha(text[i + n]);
            if (left && right) return 1;
        }
    }
    return 0;
}

static void set_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

int cs_triage_ticket(const struct cs_models *m, const struct cs_triage_policy *p,
                     const char *text, size_t len, struct cs_triage *out)
{
    if (!m || !p || !out || (!text && len)) return CS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    struct cs_intent in;
    int rc = p->has_gate ? cs_intent_classify_gated(m, p->model_ptr, p->gate, text, len, &in)
                         : cs_intent_classify(m, p->model_ptr, text, len, &in);
    if (rc == CS_OK) rc = cs_sentiment_analyze(m, text, len, &out->sent);
    if (rc != CS_OK) return rc;
    const struct cs_triage_route *r =
        in.confidence >= p->min_confidence ? cs_triage_policy_route(p, in.intent) : &p->def;
    set_str(out->category, sizeof(out->category), r->category);
    set_str(out->category_code, sizeof(out->category_code), r->code);
    set_str(out->subcategory, sizeof(out->subcategory), r->subcategory);
    set_str(out->suggested_team, sizeof(out->suggested_team), r->team);
    set_str(out->intent, sizeof(out->intent), in.intent);
    set_str(out->intent_model, sizeof(out->intent_model), in.model);
    set_str(out->sentiment, sizeof(out->sentiment), out->sent.label);
    out->confidence = in.confidence;
    out->urgent = has_term(p, text, len);
    /* Each signal raises priority one step (P3 -> P2 -> P1), never past P1. */
    out->raised = (p->raise_on_urgency && out->urgent) + p->raise_level[out->sent.level];
    int prio = r->priority - out->raised;
    if (prio < 1) prio = 1;
    out->raised = r->priority - prio;
    out->priority[0] = 'P';
    out->priority[1] = (char)('0' + prio);
    out->priority[2] = '\0';
    int sla = r->sla_hours;
    if (p->sla_by_priority[prio] < sla) sla = p->sla_by_priority[prio];
    out->sla_hours = sla;
    return CS_OK;
}
