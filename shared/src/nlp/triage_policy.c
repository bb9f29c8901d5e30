/* The triage policy: category -> display name, team, SLA; intent -> subcategory
 * (see cs/triage.h). */
#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/triage_int.h"

static const char *const CODES[CS_CAT__COUNT] = {
    "ACCOUNT",         "BILLING", "CANCELLATION", "COMPLAINT",    "GENERAL_INQUIRY",
    "PRODUCT_QUALITY", "REFUND",  "SHIPPING",     "SUBSCRIPTION", "TECHNICAL"};

const char *cs_triage_category_code(enum cs_triage_category c)
{
    return (unsigned)c < CS_CAT__COUNT ? CODES[c] : NULL;
}

int cs_triage_category_parse(const char *name)
{
    char norm[CS_TRIAGE_STR];
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= sizeof(norm)) return -1;
    for (size_t i = 0; i <= n; i++) {
        char c = name[i];
        norm[i] = c == ' ' || c == '-' ? '_' : (char)toupper((unsigned char)c);
    }
    for (int i = 0; i < CS_CAT__COUNT; i++)
        if (strcmp(norm, CODES[i]) == 0) return i;
    return -1;
}

void cs_triage_policy_destroy(struct cs_triage_policy *p)
{
    if (!p) return;
    cs_lang_close(p->lang);
    free(p->routes);
    free(p);
}

void cs_triage_policy_set_lang(struct cs_triage_policy *p, struct cs_lang *lang)
{
    if (!p) {
        cs_lang_close(lang);
        return;
    }
    cs_lang_close(p->lang);
    p->lang = lang;
}

static int copy_str(char *dst, size_t cap, json_object *o)
{
    if (!o || !json_object_is_type(o, json_type_string)) return CS_ERR_CONFIG;
    const char *s = json_object_get_string(o);
    if (strlen(s) >= cap) return CS_ERR_CONFIG;
    memcpy(dst, s, strlen(s) + 1);
    return CS_OK;
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int parse_category(json_object *o, int c, struct cs_triage_route *r)
{
    memset(r, 0, sizeof(*r));
    if (!json_object_is_type(o, json_type_object)) return CS_ERR_CONFIG;
    memcpy(r->code, CODES[c], strlen(CODES[c]) + 1);
    int rc = copy_str(r->category, sizeof(r->category), get(o, "category"));
    if (rc == CS_OK) rc = copy_str(r->subcategory, sizeof(r->subcategory), get(o, "subcategory"));
    if (rc == CS_OK) rc = copy_str(r->team, sizeof(r->team), get(o, "team"));
    json_object *h = get(o, "sla_hours");
    r->sla_hours = json_object_is_type(h, json_type_int) ? json_object_get_int(h) : 0;
    if (rc != CS_OK || r->sla_hours < 1 || r->sla_hours > 168) return CS_ERR_CONFIG;
    return CS_OK;
}

static int cmp_route(const void *a, const void *b)
{
    return strcmp(((const struct cs_triage_route *)a)->intent,
                  ((const struct cs_triage_route *)b)->intent);
}

/* An intent's route is its category's, with the intent's own subcategory. */
static int parse_intent(json_object *o, const char *intent, const struct cs_triage_policy *p,
                        struct triage_intent_route *out)
{
    if (!json_object_is_type(o, json_type_object) || strlen(intent) >= CS_TRIAGE_STR)
        return CS_ERR_CONFIG;
    json_object *code = get(o, "code");
    int c = json_object_is_type(code, json_type_string)
                ? cs_triage_category_parse(json_object_get_string(code))
                : -1;
    if (c < 0) return CS_ERR_CONFIG;
    out->cat = (enum cs_triage_category)c;
    out->r = p->cats[c];
    memcpy(out->r.intent, intent, strlen(intent) + 1);
    return copy_str(out->r.subcategory, sizeof(out->r.subcategory), get(o, "subcategory"));
}

static int parse_models(json_object *root, struct cs_triage_policy *p)
{
    json_object *v = get(root, "category_model");
    int rc = copy_str(p->category_model, sizeof(p->category_model), v);
    if (rc != CS_OK) return rc;
    if ((v = get(root, "priority_model")) &&
        copy_str(p->priority_model, sizeof(p->priority_model), v))
        return CS_ERR_CONFIG;
    size_t nm = 0;
    if ((v = get(root, "intent_models"))) {
        if (!json_object_is_type(v, json_type_array)) return CS_ERR_CONFIG;
        for (size_t i = 0; i < json_object_array_length(v) && nm < CS_TRIAGE_MAX_MODELS; i++, nm++)
            if (copy_str(p->models[nm], CS_MODEL_NAME_MAX, json_object_array_get_idx(v, i)) !=
                CS_OK)
                return CS_ERR_CONFIG;
    }
    for (size_t i = 0; i < nm; i++) p->model_ptr[i] = p->models[i];
    p->model_ptr[nm] = NULL;
    p->n_models = nm;
    if ((v = get(root, "intent_gate"))) {
        if (copy_str(p->gate, sizeof(p->gate), v) != CS_OK) return CS_ERR_CONFIG;
        p->has_gate = 1;
    }
    p->impact_p1 = 0.3f, p->impact_p2 = 0.4f;
    if ((v = get(root, "impact_p1"))) p->impact_p1 = (float)json_object_get_double(v);
    if ((v = get(root, "impact_p2"))) p->impact_p2 = (float)json_object_get_double(v);
    p->sub_min_conf = 0.6f;
    if ((v = get(root, "subcategory_min_confidence")))
        p->sub_min_conf = (float)json_object_get_double(v);
    return CS_OK;
}

static int parse_globals(json_object *root, struct cs_triage_policy *p)
{
    json_object *v;
    p->sla_by_priority[1] = 4, p->sla_by_priority[2] = 24, p->sla_by_priority[3] = 72;
    if ((v = get(root, "sla_hours"))) {
        const char *keys[] = {"P1", "P2", "P3"};
        for (int i = 0; i < 3; i++) {
            json_object *h = get(v, keys[i]);
            if (!h) continue;
            int hours = json_object_get_int(h);
            if (hours < 1 || hours > 168) return CS_ERR_CONFIG;
            p->sla_by_priority[i + 1] = hours;
        }
    }
    if ((v = get(root, "security_team")) && copy_str(p->security_team, sizeof(p->security_team), v))
        return CS_ERR_CONFIG;
    return parse_models(root, p);
}

static int parse_policy(json_object *root, struct cs_triage_policy *p)
{
    if (!json_object_is_type(root, json_type_object)) return CS_ERR_CONFIG;
    int rc = parse_globals(root, p);
    json_object *cats = get(root, "categories"), *intents = get(root, "intents");
    if (rc != CS_OK || !json_object_is_type(cats, json_type_object)) return CS_ERR_CONFIG;
    for (int c = 0; c < CS_CAT__COUNT; c++) {
        rc = parse_category(get(cats, CODES[c]), c, &p->cats[c]);
        if (rc != CS_OK) return rc;
    }
    if (!intents) return CS_OK;
    if (!json_object_is_type(intents, json_type_object)) return CS_ERR_CONFIG;
    p->routes = calloc((size_t)json_object_object_length(intents) + 1, sizeof(*p->routes));
    if (!p->routes) return CS_ERR_NOMEM;
    json_object_object_foreach(intents, key, val)
    {
        rc = parse_intent(val, key, p, &p->routes[p->n_routes]);
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

const struct triage_intent_route *triage_policy_intent(const struct cs_triage_policy *p,
                                                       const char *intent)
{
    struct triage_intent_route key;
    if (!intent || strlen(intent) >= sizeof(key.r.intent) || !p->n_routes) return NULL;
    memcpy(key.r.intent, intent, strlen(intent) + 1);
    return bsearch(&key, p->routes, p->n_routes, sizeof(key), cmp_route);
}

const struct cs_triage_route *cs_triage_policy_route(const struct cs_triage_policy *p,
                                                     const char *intent)
{
    const struct triage_intent_route *r = triage_policy_intent(p, intent);
    return r ? &r->r : &p->cats[CS_CAT_GENERAL_INQUIRY];
}

const struct cs_triage_route *cs_triage_policy_category(const struct cs_triage_policy *p,
                                                        enum cs_triage_category c)
{
    return (unsigned)c < CS_CAT__COUNT ? &p->cats[c] : &p->cats[CS_CAT_GENERAL_INQUIRY];
}
