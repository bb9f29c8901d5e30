/* Per-tenant company configuration of seed 003: defaults, validated deep merge, storage.
 *
 * Beyond the seed's fields the document carries, per AI tier, a responseGuidelines
 * object with systemPrompt, tone and maxResponseLength (the seed shows them for the AI
 * rep only; the manager gets its own so that each tier answers in its own voice), and
 * rateLimits: requests per minute of the four endpoints the seed limits, read from the
 * request's company's document (the counters themselves are per tenant). A tenant may
 * lower (or raise) its own limits; the seed's values are the defaults.
 *
 * One document per companyId (seed 003 keys the configuration by companyId): a PUT for
 * one company leaves the tenant's other companies on their own settings. The single
 * tenant-wide document older versions stored ("config") remains the fallback for a
 * company that has none of its own.
 */
#include "cs/session.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/textfeat.h"

#define CONFIG_ID "config"

static const char defaults_json[] =
    "{\"enabled\":true,"
    "\"tiers\":{"
    "\"aiRep\":{\"enabled\":true,"
    "\"capabilities\":{\"canProcessRefunds\":false,\"maxRefundAmount\":0,"
    "\"canModifySubscription\":false,\"canApplyCredits\":true,\"maxCreditAmount\":10},"
    "\"responseGuidelines\":{\"tone\":\"friendly\",\"maxResponseLength\":200,"
    "\"systemPrompt\":\"You are a friendly first-line customer service representative. "
    "Answer routine questions from the knowledge base. You cannot process refunds; you "
    "may apply small credits within your limit.\"}},"
    "\"aiManager\":{\"enabled\":true,"
    "\"capabilities\":{\"canProcessRefunds\":true,\"maxRefundAmount\":100,"
    "\"canModifySubscription\":true,\"canApplyCredits\":true,\"maxCreditAmount\":50},"
    "\"responseGuidelines\":{\"tone\":\"professional\",\"maxResponseLength\":300,"
    "\"systemPrompt\":\"You are a customer service manager handling escalated cases. "
    "Acknowledge the customer's experience, take ownership and resolve within your "
    "authority.\"}},"
    "\"humanAgent\":{\"enabled\":true,\"escalationPhone\":\"+14155559999\","
    "\"notifyOnEscalation\":true}},"
    "\"irateProtocol\":{\"enabled\":true,\"detectionThreshold\":0.7,"
    "\"triggerKeywords\":[\"angry\",\"furious\",\"unacceptable\"],"
    "\"autoEscalate\":{\"enabled\":true,\"afterAttempts\":2,\"targetTier\":\"AI_MANAGER\"}},"
    "\"rateLimits\":{\"createSession\":100,\"sendMessage\":60,\"listSessions\":200,"
    "\"analytics\":20}}";

json_object *cs_session_config_defaults(void) { return json_tokener_parse(defaults_json); }

enum kind { K_BOOL, K_NUMBER, K_INT, K_STRING, K_KEYWORDS };

/* Rules by leaf key: every leaf key of the defaults appears here exactly once. */
static const struct rule {
    const char *key;
    enum kind kind;
    double min, max; /* numbers: value; strings: length */
    const char *const *one_of;
} rules[] = {
    {"enabled", K_BOOL, 0, 0, NULL},
    {"companyId", K_STRING, 1, 128, NULL},
    {"canProcessRefunds", K_BOOL, 0, 0, NULL},
    {"canModifySubscription", K_BOOL, 0, 0, NULL},
    {"canApplyCredits", K_BOOL, 0, 0, NULL},
    /* Money the AI may grant on its own: bounded so that no configuration lets it
     * offer sums no business hands to a bot (issue 13); tiers checked in order below. */
    {"maxRefundAmount", K_NUMBER, 0, 10000, NULL},
    {"maxCreditAmount", K_NUMBER, 0, 1000, NULL},
    {"tone", K_STRING, 1, 32,
     (const char *const[]){"friendly", "professional", "empathetic", "formal", "casual", NULL}},
    {"maxResponseLength", K_INT, 20, 2000, NULL},
    {"systemPrompt", K_STRING, 1, 4000, NULL},
    {"escalationPhone", K_STRING, 8, 16, NULL},
    {"notifyOnEscalation", K_BOOL, 0, 0, NULL},
    {"detectionThreshold", K_NUMBER, 0, 1, NULL},
    {"triggerKeywords", K_KEYWORDS, 1, 64, NULL},
    {"afterAttempts", K_INT, 1, 20, NULL},
    {"targetTier", K_STRING, 1, 32, (const char *const[]){"AI_MANAGER", "HUMAN_AGENT", NULL}},
    {"createSession", K_INT, 1, 10000, NULL},
    {"sendMessage", K_INT, 1, 10000, NULL},
    {"listSessions", K_INT, 1, 10000, NULL},
    {"analytics", K_INT, 1, 10000, NULL},
};

static const struct rule *rule_of(const char *key)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (strcmp(rules[i].key, key) == 0) return &rules[i];
    return NULL;
}

static bool phone_ok(const char *s)
{
    if (*s != '+') return false;
    for (s++; *s; s++)
        if (!isdigit((unsigned char)*s)) return false;
    return true;
}

static bool string_ok(const struct rule *r, json_object *v, const char **why)
{
    if (!json_object_is_type(v, json_type_string)) return (*why = "must be a string"), false;
    const char *s = json_object_get_string(v);
    size_t n = cs_utf8_len(s, (size_t)json_object_get_string_len(v));
    if (n < r->min || n > r->max) return (*why = "has an invalid length"), false;
    if (r->one_of && !cs_session_enum_ok(r->one_of, s))
        return (*why = "is not an allowed value"), false;
    if (strcmp(r->key, "escalationPhone") == 0 && !phone_ok(s))
        return (*why = "must be an E.164 phone number"), false;
    return true;
}

static bool keywords_ok(const struct rule *r, json_object *v, const char **why)
{
    if (!json_object_is_type(v, json_type_array))
        return (*why = "must be an array of strings"), false;
    size_t n = json_object_array_length(v);
    if (n > CS_SESSION_MAX_KEYWORDS) return (*why = "has too many keywords"), false;
    for (size_t i = 0; i < n; i++)
        if (!string_ok(r, json_object_array_get_idx(v, i), why)) return false;
    return true;
}

static bool leaf_ok(const struct rule *r, json_object *v, const char **why)
{
    switch (r->kind) {
    case K_BOOL:
        if (json_object_is_type(v, json_type_boolean)) return true;
        return (*why = "must be a boolean"), false;
    case K_INT:
    case K_NUMBER: {
        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
            return (*why = "must be a number"), false;
        double d = json_object_get_double(v);
        if (!isfinite(d) || d < r->min || d > r->max) return (*why = "is out of range"), false;
        if (r->kind == K_INT && d != floor(d)) return (*why = "must be an integer"), false;
        return true;
    }
    case K_STRING: return string_ok(r, v, why);
    case K_KEYWORDS: return keywords_ok(r, v, why);
    }
    return false;
}

static int merge_at(json_object *base, json_object *patch, struct cs_arena *a, const char *path,
                    int depth, const char **where, const char **why)
{
    if (!json_object_is_type(patch, json_type_object)) {
        *where = path[0] ? path : "body";
        *why = "must be an object";
        return CS_ERR_INVALID;
    }
    json_object_object_foreach(patch, key, val)
    {
        const char *p = path[0] ? cs_arena_printf(a, "%s.%s", path, key) : cs_arena_strdup(a, key);
        if (!p) return CS_ERR_NOMEM;
        json_object *cur = NULL;
        bool known = json_object_object_get_ex(base, key, &cur);
        const struct rule *r = rule_of(key);
        /* companyId is the one top-level key the defaults do not carry. */
        if (!known && !(depth == 0 && strcmp(key, "companyId") == 0)) {
            *where = p;
            *why = "is not a known setting";
            return CS_ERR_INVALID;
        }
        if (cur && json_object_is_type(cur, json_type_object)) {
            int rc = merge_at(cur, val, a, p, depth + 1, where, why);
            if (rc) return rc;
            continue;
        }
        if (!r || !leaf_ok(r, val, why)) {
            if (!r) *why = "is not a known setting";
            *where = p;
            return CS_ERR_INVALID;
        }
        json_object *copy = NULL;
        if (json_object_deep_copy(val, &copy, NULL) != 0) return CS_ERR_NOMEM;
        if (json_object_object_add(base, key, copy)) {
            json_object_put(copy);
            return CS_ERR_NOMEM;
        }
    }
    return CS_OK;
}

int cs_session_config_merge(json_object *base, json_object *patch, struct cs_arena *a,
                            const char **where, const char **why)
{
    *where = NULL;
    *why = NULL;
    if (!base || !patch) return CS_ERR_INVALID;
    return merge_at(base, patch, a, "", 0, where, why);
}

/* The company's document id: "co:<companyId>", or for a companyId too long for a store
 * id (companyId may have 128 bytes) "co#<FNV-1a 64 of it>". */
/* A tier's authority never exceeds the tier above it: the AI rep escalates to the AI
 * manager precisely for what it may not grant. */
static int tiers_ordered(json_object *cfg, const char **where, const char **why)
{
    static const char *const amounts[] = {"maxRefundAmount", "maxCreditAmount"};
    for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
        const char *rep_path[] = {"tiers", "aiRep", "capabilities", amounts[i], NULL};
        const char *mgr_path[] = {"tiers", "aiManager", "capabilities", amounts[i], NULL};
        json_object *rep = cfg, *mgr = cfg;
        for (const char *const *p = rep_path; rep && *p; p++)
            if (!json_object_object_get_ex(rep, *p, &rep)) rep = NULL;
        for (const char *const *p = mgr_path; mgr && *p; p++)
            if (!json_object_object_get_ex(mgr, *p, &mgr)) mgr = NULL;
        if (rep && mgr && json_object_get_double(rep) > json_object_get_double(mgr)) {
            *where = i == 0 ? "tiers.aiRep.capabilities.maxRefundAmount"
                            : "tiers.aiRep.capabilities.maxCreditAmount";
            *why = "exceeds the AI manager's";
            return CS_ERR_INVALID;
        }
    }
    return CS_OK;
}

static const char *company_doc_id(struct cs_arena *a, const char *company)
{
    if (strlen(company) + 3 <= CS_STORE_ID_MAX) return cs_arena_printf(a, "co:%s", company);
    return cs_arena_printf(a, "co#%016llx",
                           (unsigned long long)cs_textfeat_hash64(company, strlen(company)));
}

/* The configuration a stored company document (NULL: none) comes to: merged onto fresh
 * defaults so that settings added later get their default; without a company document,
 * the tenant's one document from before configurations were per company, if any. */
static int config_from(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       const struct cs_doc *company_doc, json_object **out)
{
    json_object *cfg = cs_session_config_defaults();
    if (!cfg || cs_json_own(a, cfg)) return CS_ERR_NOMEM;
    struct cs_doc legacy;
    const struct cs_doc *d = company_doc;
    int rc = CS_OK;
    if (!d) {
        rc = cs_store_get(st, a, tenant, CS_CONFIG_COLL, CONFIG_ID, &legacy);
        if (rc == CS_OK)
            d = &legacy;
        else if (rc == CS_ERR_NOT_FOUND)
            rc = CS_OK;
    }
    if (!rc && d) {
        const char *where, *why;
        rc = cs_session_config_merge(cfg, d->body, a, &where, &why);
        if (rc == CS_ERR_INVALID) rc = CS_ERR_CONFIG;
    }
    *out = cfg;
    return rc;
}

int cs_session_config_load(struct cs_store *st, struct cs_arena *a, const char *tenant,
                           const char *company, json_object **out, int64_t *version)
{
    *version = 0;
    *out = NULL;
    struct cs_doc d;
    int rc = CS_ERR_NOT_FOUND;
    if (company && *company) {
        const char *id = company_doc_id(a, company);
        if (!id) return CS_ERR_NOMEM;
        rc = cs_store_get(st, a, tenant, CS_CONFIG_COLL, id, &d);
        if (rc == CS_OK) *version = d.version;
    }
    if (rc && rc != CS_ERR_NOT_FOUND) {
        /* As before: the caller gets the defaults beside the store's error. */
        json_object *cfg = cs_session_config_defaults();
        if (!cfg || cs_json_own(a, cfg)) return CS_ERR_NOMEM;
        *out = cfg;
        return rc;
    }
    return config_from(st, a, tenant, rc ? NULL : &d, out);
}

struct config_patch {
    struct cs_store *st;
    struct cs_arena *a;
    const char *tenant;
    json_object *patch;
    json_object *cfg;
    const char **where, **why;
};

/* The stored configuration (or its defaults) with the patch merged and checked. */
static int apply_patch(void *ctx, struct cs_doc *d)
{
    struct config_patch *p = ctx;
    int rc = config_from(p->st, p->a, p->tenant, d->version ? d : NULL, &p->cfg);
    if (!rc) rc = cs_session_config_merge(p->cfg, p->patch, p->a, p->where, p->why);
    if (!rc) rc = tiers_ordered(p->cfg, p->where, p->why);
    d->body = p->cfg;
    return rc;
}

int cs_session_config_update(struct cs_store *st, struct cs_arena *a, const char *tenant,
                             const char *company, json_object *patch, int64_t now_ms,
                             json_object **out, const char **where, const char **why)
{
    *where = *why = NULL;
    if (!company || !*company) return CS_ERR_COMPANY_ID;
    const char *id = company_doc_id(a, company);
    if (!id) return CS_ERR_NOMEM;
    struct config_patch p = {
        .st = st, .a = a, .tenant = tenant, .patch = patch, .where = where, .why = why};
    const struct cs_store_modify m = {.tenant = tenant,
                                      .coll = CS_CONFIG_COLL,
                                      .id = id,
                                      .flags = CS_MODIFY_CREATE,
                                      .mutate = apply_patch,
                                      .ctx = &p,
                                      .now_ms = now_ms};
    int rc = cs_store_modify(st, a, &m, NULL);
    if (!rc) *out = p.cfg;
    return rc;
}

static json_object *at(json_object *o, const char *const *path)
{
    for (; o && *path; path++)
        if (!json_object_object_get_ex(o, *path, &o)) return NULL;
    return o;
}

void cs_session_tier_caps(json_object *cfg, const char *tier, struct cs_tier_caps *out)
{
    memset(out, 0, sizeof(*out));
    out->tier = tier;
    int rank = cs_session_tier_rank(tier);
    out->id = rank > 0 ? (enum cs_session_tier_id)rank : CS_TIER_AI_REP;
    static const char *const keys[] = {"aiRep", "aiManager", "humanAgent"};
    const char *key = keys[out->id];
    json_object *t = at(cfg, (const char *const[]){"tiers", key, NULL});
    json_object *caps = at(t, (const char *const[]){"capabilities", NULL});
    json_object *g = at(t, (const char *const[]){"responseGuidelines", NULL});
    out->enabled = cs_json_get_bool(t, "enabled", false);
    out->can_refund = cs_json_get_bool(caps, "canProcessRefunds", false);
    out->max_refund = cs_json_get_double(caps, "maxRefundAmount", 0);
    out->can_credit = cs_json_get_bool(caps, "canApplyCredits", false);
    out->max_credit = cs_json_get_double(caps, "maxCreditAmount", 0);
    out->can_modify_subscription = cs_json_get_bool(caps, "canModifySubscription", false);
    out->tone = cs_json_get_str(g, "tone");
    if (!out->tone) out->tone = "professional";
    out->max_response_length = (int)cs_json_get_int(g, "maxResponseLength", 200);
    out->system_prompt = cs_json_get_str(g, "systemPrompt");
}

void cs_session_irate_config(json_object *cfg, struct cs_irate_config *out)
{
    memset(out, 0, sizeof(*out));
    json_object *p = at(cfg, (const char *const[]){"irateProtocol", NULL});
    json_object *ae = at(p, (const char *const[]){"autoEscalate", NULL});
    json_object *kw = at(p, (const char *const[]){"triggerKeywords", NULL});
    out->enabled = cs_json_get_bool(p, "enabled", false);
    out->threshold = cs_json_get_double(p, "detectionThreshold", 0.7);
    for (size_t i = 0; kw && i < json_object_array_length(kw) && i < CS_SESSION_MAX_KEYWORDS; i++)
        out->keywords[out->nkeywords++] = json_object_get_string(json_object_array_get_idx(kw, i));
    out->auto_escalate = cs_json_get_bool(ae, "enabled", false);
    out->after_attempts = (int)cs_json_get_int(ae, "afterAttempts", 2);
    out->target_tier = cs_json_get_str(ae, "targetTier");
    if (!out->target_tier) out->target_tier = "AI_MANAGER";
}

unsigned cs_session_rate_limit(json_object *cfg, const char *key)
{
    json_object *r = at(cfg, (const char *const[]){"rateLimits", NULL});
    int64_t v = cs_json_get_int(r, key, 0);
    return v > 0 && v <= 100000 ? (unsigned)v : 0;
}
