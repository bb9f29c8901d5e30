/* Provider registry: the deployment's providers file (read once at cold start), each
 * tenant's "ai_providers" documents synced from it, and the per-model price table.
 *
 * An entry names the environment variable holding its key; a key written into the file
 * itself is refused, so keys can never be copied into the store or a listing. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ai/ai_int.h"
#include "cs/arena.h"
#include "cs/json.h"
#include "cs/log.h"
#include "cs/store.h"

static const struct {
    const char *name;
    enum cs_ai_cap cap;
} cap_names[] = {
    {"text_generation", CS_AI_CAP_GENERATE},
    {"embeddings", CS_AI_CAP_EMBED},
    {"classification", CS_AI_CAP_CLASSIFY},
    {"streaming", CS_AI_CAP_STREAM},
};

const char *cs_ai_cap_name(enum cs_ai_cap cap)
{
    for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
        if (cap_names[i].cap == cap) return cap_names[i].name;
    return "unknown";
}

const struct ai_wire *ai_wire_for(enum cs_ai_kind kind)
{
    switch (kind) {
    case CS_AI_KIND_OPENAI: return &ai_wire_openai;
    case CS_AI_KIND_ANTHROPIC: return &ai_wire_anthropic;
    case CS_AI_KIND_GEMINI: return &ai_wire_gemini;
    default: return NULL;
    }
}

static bool name_ok(const char *s, size_t max, const char *extra)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr(extra, *s)) return false;
    return true;
}

/* Upper-case variable names only, and never the product's own CS_* settings (the JWT
 * secret among them) or the platform's AWS_* credentials: an entry must not be able to
 * send those to an arbitrary base URL. */
static bool key_env_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 64 || isdigit((unsigned char)*s)) return false;
    if (strncmp(s, "CS_", 3) == 0 || strncmp(s, "AWS_", 4) == 0) return false;
    for (; *s; s++)
        if (!isupper((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_') return false;
    return true;
}

static bool url_ok(const char *u)
{
    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) return false;
    if (strlen(u) > 512) return false;
    for (; *u; u++)
        if ((unsigned char)*u <= ' ' || *u == 0x7f) return false;
    return true;
}

static int parse_kind(const char *s, enum cs_ai_kind *k)
{
    if (!s) return CS_ERR_CONFIG;
    if (strcmp(s, "openai") == 0)
        *k = CS_AI_KIND_OPENAI;
    else if (strcmp(s, "anthropic") == 0)
        *k = CS_AI_KIND_ANTHROPIC;
    else if (strcmp(s, "gemini") == 0 || strcmp(s, "google") == 0)
        *k = CS_AI_KIND_GEMINI;
    else
        return CS_ERR_CONFIG;
    return CS_OK;
}

static unsigned default_caps(enum cs_ai_kind k)
{
    unsigned c = CS_AI_CAP_GENERATE | CS_AI_CAP_CLASSIFY | CS_AI_CAP_STREAM;
    return k == CS_AI_KIND_ANTHROPIC ? c : c | CS_AI_CAP_EMBED;
}

static int parse_caps(json_object *arr, enum cs_ai_kind kind, unsigned *caps)
{
    if (!arr) {
        *caps = default_caps(kind);
        return CS_OK;
    }
    if (!json_object_is_type(arr, json_type_array)) return CS_ERR_CONFIG;
    *caps = 0;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
        size_t j = 0;
        while (j < sizeof(cap_names) / sizeof(cap_names[0]) && (!s || strcmp(s, cap_names[j].name)))
            j++;
        if (j == sizeof(cap_names) / sizeof(cap_names[0])) return CS_ERR_CONFIG;
        *caps |= cap_names[j].cap;
    }
    /* Anthropic has no embeddings endpoint, whatever the file claims. */
    if (kind == CS_AI_KIND_ANTHROPIC) *caps &= ~(unsigned)CS_AI_CAP_EMBED;
    return CS_OK;
}

int ai_provider_from_json(json_object *o, struct cs_ai_provider *p, const char **why)
{
    memset(p, 0, sizeof(*p));
    *why = "provider entry is not an object";
    if (!json_object_is_type(o, json_type_object)) return CS_ERR_CONFIG;
    *why = "provider entries name the variable holding the key (api_key_env), never the key";
    if (json_object_object_get_ex(o, "api_key", NULL) ||
        json_object_object_get_ex(o, "key", NULL) || json_object_object_get_ex(o, "secret", NULL))
        return CS_ERR_CONFIG;
    p->id = cs_json_get_str(o, "id");
    *why = "provider id must be 1-64 of [A-Za-z0-9_.-] and not \"builtin\"";
    if (!name_ok(p->id, 64, "_.-") || strcmp(p->id, CS_AI_BUILTIN_ID) == 0) return CS_ERR_CONFIG;
    p->provider = cs_json_get_str(o, "provider");
    *why = "provider must be openai, anthropic or gemini";
    if (parse_kind(p->provider, &p->kind)) return CS_ERR_CONFIG;
    p->model = cs_json_get_str(o, "model");
    p->embedding_model = cs_json_get_str(o, "embedding_model");
    *why = "model names are 1-128 of [A-Za-z0-9_.:/-]";
    if (!name_ok(p->model, 128, "_.:/-") ||
        (p->embedding_model && !name_ok(p->embedding_model, 128, "_.:/-")))
        return CS_ERR_CONFIG;
    p->base_url = cs_json_get_str(o, "base_url");
    *why = "base_url must be an http:// or https:// URL";
    if (p->base_url && !url_ok(p->base_url)) return CS_ERR_CONFIG;
    p->api_key_env = cs_json_get_str(o, "api_key_env");
    *why = "api_key_env must be an upper-case variable name outside CS_* and AWS_*";
    if (p->api_key_env && !key_env_ok(p->api_key_env)) return CS_ERR_CONFIG;
    p->compliance_level = cs_json_get_str(o, "compliance_level");
    if (!p->compliance_level) p->compliance_level = "standard";
    p->is_default = cs_json_get_bool(o, "default", false);
    *why = "capabilities must list text_generation, embeddings, classification or streaming";
    json_object *caps = NULL;
    json_object_object_get_ex(o, "capabilities", &caps);
    if (parse_caps(caps, p->kind, &p->caps)) return CS_ERR_CONFIG;
    json_object *fb = NULL;
    *why = "fallback must be a list of at most 4 provider ids";
    if (json_object_object_get_ex(o, "fallback", &fb)) {
        if (!json_object_is_type(fb, json_type_array) ||
            json_object_array_length(fb) > CS_AI_MAX_FALLBACKS)
            return CS_ERR_CONFIG;
        for (size_t i = 0; i < json_object_array_length(fb); i++) {
            const char *id = json_object_get_string(json_object_array_get_idx(fb, i));
            if (!name_ok(id, 64, "_.-")) return CS_ERR_CONFIG;
            p->fallbacks[p->nfallbacks++] = id;
        }
    }
    *why = NULL;
    return CS_OK;
}

/* ---- configuration ---- */

static const char *file_or_default(const char *(*get)(const char *), const char *var,
                                   const char *data_dir, const char *name, char **store,
                                   size_t *cap)
{
    const char *v = get(var);
    char path[4096];
    if (v && *v)
        snprintf(path, sizeof(path), "%s", v);
    else {
        snprintf(path, sizeof(path), "%s/ai/%s", data_dir, name);
        if (access(path, R_OK) != 0) return NULL;
    }
    size_t n = strlen(path) + 1;
    if (n > *cap) return NULL;
    memcpy(*store, path, n);
    const char *out = *store;
    *store += n;
    *cap -= n;
    return out;
}

static int parse_ms(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) return CS_ERR_CONFIG;
    *out = v;
    return CS_OK;
}

int cs_ai_config_load(struct cs_ai_config *cfg, const char *(*get)(const char *),
                      const char *data_dir, char *store, size_t cap, const char **why)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->timeout_ms = 30000;
    cfg->connect_timeout_ms = 5000;
    cfg->max_retries = 2;
    cfg->backoff_base_ms = 250;
    cfg->backoff_max_ms = 8000;
    cfg->secret = get; /* keys are read by name when a call needs one */
    cfg->providers_file =
        file_or_default(get, "CS_PROVIDERS_FILE", data_dir, "providers.json", &store, &cap);
    cfg->prices_file =
        file_or_default(get, "CS_AI_PRICES_FILE", data_dir, "prices.json", &store, &cap);
    const char *v = get("CS_AI_TIMEOUT_MS");
    *why = "CS_AI_TIMEOUT_MS";
    if (v && *v && parse_ms(v, 100, 600000, &cfg->timeout_ms)) return CS_ERR_CONFIG;
    int64_t r = 2;
    v = get("CS_AI_RETRIES");
    *why = "CS_AI_RETRIES";
    if (v && *v && parse_ms(v, 0, 5, &r)) return CS_ERR_CONFIG;
    cfg->max_retries = (unsigned)r;
    int64_t threads = 2, tc;
    v = get("CS_THREADS");
    if (v && *v && parse_ms(v, 1, 256, &threads)) threads = 2; /* env.c reports it */
    tc = threads / 2 > 0 ? threads / 2 : 1;
    v = get("CS_AI_TENANT_CONCURRENCY");
    *why = "CS_AI_TENANT_CONCURRENCY";
    if (v && *v && parse_ms(v, 1, 64, &tc)) return CS_ERR_CONFIG;
    cfg->tenant_concurrency = (unsigned)tc;
    *why = NULL;
    return CS_OK;
}

static int load_prices(struct cs_ai *ai, const char **why)
{
    if (!ai->cfg.prices_file) return CS_OK;
    *why = "prices file unreadable or not JSON (CS_AI_PRICES_FILE)";
    ai->price_root = json_object_from_file(ai->cfg.prices_file);
    json_object *models = NULL;
    if (!ai->price_root || !json_object_object_get_ex(ai->price_root, "models", &models) ||
        !json_object_is_type(models, json_type_object))
        return CS_ERR_CONFIG;
    ai->prices = calloc((size_t)json_object_object_length(models) + 1, sizeof(*ai->prices));
    if (!ai->prices) return CS_ERR_NOMEM;
    json_object_object_foreach(models, name, val)
    {
        *why = "prices: each model needs numeric input_per_mtok and output_per_mtok";
        double in = cs_json_get_double(val, "input_per_mtok", -1);
        double outp = cs_json_get_double(val, "output_per_mtok", -1);
        if (in < 0 || outp < 0) return CS_ERR_CONFIG;
        ai->prices[ai->nprices++] = (struct ai_price){name, in, outp};
    }
    *why = NULL;
    return CS_OK;
}

static int load_seeds(struct cs_ai *ai, const char **why)
{
    if (!ai->cfg.providers_file) return CS_OK;
    *why = "providers file unreadable or not JSON (CS_PROVIDERS_FILE)";
    ai->root = json_object_from_file(ai->cfg.providers_file);
    json_object *list = NULL;
    if (!ai->root || !json_object_object_get_ex(ai->root, "providers", &list) ||
        !json_object_is_type(list, json_type_array))
        return CS_ERR_CONFIG;
    *why = "providers file lists too many providers";
    if (json_object_array_length(list) > CS_AI_MAX_PROVIDERS) return CS_ERR_CONFIG;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i);
        int rc = ai_provider_from_json(e, &ai->seeds[i], why);
        if (rc) return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(ai->seeds[j].id, ai->seeds[i].id) == 0) {
                *why = "providers file repeats an id";
                return CS_ERR_CONFIG;
            }
        /* The stored form: the entry minus its tenant list, marked as the file's. */
        json_object *doc = NULL;
        if (json_object_deep_copy(e, &doc, NULL) != 0) return CS_ERR_NOMEM;
        json_object *tenants = NULL;
        if (json_object_object_get_ex(e, "tenants", &tenants)) {
            *why = "tenants must be a comma-separated string";
            if (!json_object_is_type(tenants, json_type_string)) {
                json_object_put(doc);
                return CS_ERR_CONFIG;
            }
            ai->seed_tenants[i] = json_object_get_string(tenants);
            json_object_object_del(doc, "tenants");
        }
        if (cs_json_add_str(doc, "source", "config")) { /* else stored without its source */
            json_object_put(doc);
            return CS_ERR_NOMEM;
        }
        ai->seed_json[i] = doc;
        ai->nseeds = i + 1;
    }
    *why = NULL;
    return CS_OK;
}

static void real_sleep(int64_t ms)
{
    if (ms > 0) usleep((useconds_t)(ms * 1000));
}

int cs_ai_open(const struct cs_ai_config *cfg, struct cs_ai **out, const char **why)
{
    *out = NULL;
    struct cs_ai *ai = calloc(1, sizeof(*ai));
    if (!ai) return CS_ERR_NOMEM;
    ai->cfg = *cfg;
    ai->sleep_ms = real_sleep;
    /* No curl_global_init here: curl_lazy.c runs it once, thread-safely, when the first
     * provider call loads libcurl; the built-in provider never loads it. */
    int rc = load_seeds(ai, why);
    if (!rc) rc = load_prices(ai, why);
    if (rc) {
        cs_ai_close(ai);
        return rc;
    }
    *out = ai;
    return CS_OK;
}

void cs_ai_close(struct cs_ai *ai)
{
    if (!ai) return;
    for (size_t i = 0; i < ai->nseeds; i++) json_object_put(ai->seed_json[i]);
    json_object_put(ai->root);
    json_object_put(ai->price_root);
    free(ai->prices);
    free(ai);
}

/* Exact model name first, else the longest configured prefix. */
double ai_cost_usd(const struct cs_ai *ai, const char *model, const struct cs_ai_usage *u)
{
    const struct ai_price *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; model && i < ai->nprices; i++) {
        size_t n = strlen(ai->prices[i].model);
        if (strncmp(model, ai->prices[i].model, n) == 0 && n > best_len &&
            (model[n] == '\0' || model[n] == '-' || model[n] == '@')) {
            best = &ai->prices[i];
            best_len = n;
        }
    }
    if (!best) return 0;
    return (u->prompt_tokens * best->input_per_mtok +
            u->completion_tokens * best->output_per_mtok) /
           1e6;
}

/* ---- per-tenant registry ---- */

static bool seed_applies(const struct cs_ai *ai, size_t i, const char *tenant)
{
    const char *list = ai->seed_tenants[i];
    if (!list) return true;
    size_t tl = strlen(tenant);
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ') p++;
        size_t n = strcspn(p, ", ");
        if (n == tl && strncmp(p, tenant, n) == 0) return true;
        p += n;
    }
    return false;
}

static const char *json_text(json_object *o)
{
    return json_object_to_json_string_ext(o,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Brings the tenant's documents in line with the file: new entries inserted, changed
 * ones updated, removed ones deleted. Entries added by other means (source other than
 * "config") are left alone. A lost race (EXISTS/CONFLICT) means another process synced. */
static int sync_seeds(const struct cs_ai_call *call, struct cs_doc_list *docs)
{
    const struct cs_ai *ai = call->ai;
    bool changed = false;
    for (size_t i = 0; i < ai->nseeds; i++) {
        if (!seed_applies(ai, i, call->tenant)) continue;
        const struct cs_doc *d = NULL;
        for (size_t j = 0; j < docs->n && !d; j++)
            if (strcmp(docs->docs[j].id, ai->seeds[i].id) == 0) d = &docs->docs[j];
        int rc = CS_OK;
        if (!d)
            rc = cs_store_insert(call->store, call->arena, call->tenant, CS_AI_PROVIDERS_COLL,
                                 ai->seeds[i].id, ai->seed_json[i], NULL, call->now_ms, NULL);
        else if (strcmp(cs_json_get_str(d->body, "source") ? cs_json_get_str(d->body, "source")
                                                           : "",
                        "config") == 0 &&
                 strcmp(json_text(d->body), json_text(ai->seed_json[i])) != 0)
            rc = cs_store_update(call->store, call->arena, call->tenant, CS_AI_PROVIDERS_COLL,
                                 d->id, d->version, ai->seed_json[i], NULL, call->now_ms, NULL);
        else
            continue;
        if (rc && rc != CS_ERR_EXISTS && rc != CS_ERR_CONFLICT) return rc;
        changed = true;
    }
    for (size_t j = 0; j < docs->n; j++) {
        const char *src = cs_json_get_str(docs->docs[j].body, "source");
        if (!src || strcmp(src, "config") != 0) continue;
        size_t i = 0;
        while (i < ai->nseeds &&
               (strcmp(ai->seeds[i].id, docs->docs[j].id) || !seed_applies(ai, i, call->tenant)))
            i++;
        if (i < ai->nseeds) continue;
        int rc =
            cs_store_delete(call->store, call->tenant, CS_AI_PROVIDERS_COLL, docs->docs[j].id, -1);
        if (rc && rc != CS_ERR_NOT_FOUND) return rc;
        changed = true;
    }
    if (!changed) return CS_OK;
    struct cs_query q = {.sort = "_id", .limit = CS_AI_MAX_PROVIDERS};
    return cs_store_find(call->store, call->arena, call->tenant, CS_AI_PROVIDERS_COLL, &q, docs);
}

/* Seed 001's example requests name these ids; they ship in every registry (unless the
 * providers file or the tenant defines the same id) so that those requests work out of
 * the box: with the key variable set they reach the hosted model, without it the call
 * falls back to builtin and the answer says why (fallback_reason). Never the default. */
static const char seed001_json[] =
    "[{\"id\":\"gpt4o_financial\",\"provider\":\"openai\",\"model\":\"gpt-4o\","
    "\"embedding_model\":\"text-embedding-3-large\",\"api_key_env\":\"OPENAI_API_KEY\","
    "\"compliance_level\":\"financial\"},"
    "{\"id\":\"claude_sonnet\",\"provider\":\"anthropic\",\"model\":\"claude-3-5-sonnet-20240620\","
    "\"api_key_env\":\"ANTHROPIC_API_KEY\",\"compliance_level\":\"financial\"},"
    "{\"id\":\"gemini_pro\",\"provider\":\"gemini\",\"model\":\"gemini-1.5-pro\","
    "\"embedding_model\":\"text-embedding-004\",\"api_key_env\":\"GEMINI_API_KEY\","
    "\"compliance_level\":\"financial\"}]";
#define SEED001_N 3

static json_object *seed001_root; /* kept for the process: the entries point into it */
static struct cs_ai_provider seed001[SEED001_N];
static size_t nseed001;

static void seed001_load(void)
{
    seed001_root = json_tokener_parse(seed001_json);
    const char *why;
    for (size_t i = 0; seed001_root && i < json_object_array_length(seed001_root) && i < SEED001_N;
         i++)
        if (ai_provider_from_json(json_object_array_get_idx(seed001_root, i), &seed001[nseed001],
                                  &why) == CS_OK)
            nseed001++;
}

static void add_seed001(struct cs_ai_provider *ps, size_t *k)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, seed001_load);
    for (size_t i = 0; i < nseed001 && *k < CS_AI_MAX_PROVIDERS; i++) {
        bool have = false;
        for (size_t j = 0; j < *k && !have; j++) have = strcmp(ps[j].id, seed001[i].id) == 0;
        if (!have) ps[(*k)++] = seed001[i];
    }
}

/* Every provider the tenant may use, builtin last; `*n` >= 1. */
int cs_ai_providers(const struct cs_ai_call *call, struct cs_ai_provider **out, size_t *n)
{
    /* A function that did not declare CS_NEED_AI has no cs_ai: a programming error,
     * reported rather than crashed on. */
    if (!call || !call->ai || !call->arena || !call->tenant) return CS_ERR_CONFIG;
    struct cs_ai_provider *ps =
        cs_arena_alloc(call->arena, (CS_AI_MAX_PROVIDERS + 1) * sizeof(*ps));
    if (!ps) return CS_ERR_NOMEM;
    size_t k = 0;
    const char *why;
    if (call->store) {
        struct cs_query q = {.sort = "_id", .limit = CS_AI_MAX_PROVIDERS};
        struct cs_doc_list docs;
        int rc =
            cs_store_find(call->store, call->arena, call->tenant, CS_AI_PROVIDERS_COLL, &q, &docs);
        if (!rc) rc = sync_seeds(call, &docs);
        if (rc) return rc;
        for (size_t j = 0; j < docs.n && k < CS_AI_MAX_PROVIDERS; j++) {
            if (ai_provider_from_json(docs.docs[j].body, &ps[k], &why) == CS_OK)
                k++;
            else
                cs_log(CS_LOG_WARN, "ai provider entry skipped", "id", docs.docs[j].id, "reason",
                       why, NULL);
        }
    } else {
        for (size_t i = 0; i < call->ai->nseeds; i++)
            if (seed_applies(call->ai, i, call->tenant)) ps[k++] = call->ai->seeds[i];
    }
    add_seed001(ps, &k);
    bool any_default = false;
    for (size_t i = 0; i < k; i++) {
        if (ps[i].is_default && any_default) ps[i].is_default = false; /* first one wins */
        any_default |= ps[i].is_default;
    }
    ps[k] = ai_builtin_provider;
    ps[k].is_default = !any_default;
    *out = ps;
    *n = k + 1;
    return CS_OK;
}

bool cs_ai_hosted_default(const struct cs_ai_call *call, enum cs_ai_cap cap)
{
    struct cs_ai_provider *p;
    size_t n;
    if (!call || !call->ai || cs_ai_providers(call, &p, &n) != CS_OK) return false;
    for (size_t i = 0; i < n; i++)
        if (p[i].is_default) return p[i].kind != CS_AI_KIND_BUILTIN && (p[i].caps & (unsigned)cap);
    return false;
}
