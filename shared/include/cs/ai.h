/* AI providers behind one interface: chat (generation), embeddings and classification
 * with `builtin` always present and real wire formats for `openai` (and any
 * OpenAI-compatible server by base URL: llama.cpp, vLLM, Ollama, LM Studio),
 * `anthropic` (Messages API) and `gemini` (generateContent / embedContent).
 *
 * Registry: each tenant has providers (documents of its "ai_providers" collection)
 * seeded from the deployment's providers file (CS_PROVIDERS_FILE, else
 * $CS_DATA_DIR/ai/providers.json when present). An entry names the environment
 * variable that holds its key, never the key: keys are read through the configured
 * secret lookup at call time and never reach documents or logs.
 *
 * Every call runs down a fallback chain (the chosen or default provider, its listed
 * fallbacks, then `builtin`), with per-attempt connect and total timeouts bounded by
 * the request deadline and retries with jittered exponential backoff on 429/5xx that
 * honour Retry-After. The reply says which provider and model produced it. Token
 * usage, latency and cost (per-model price table) are recorded per tenant in the
 * "ai_usage" collection.
 *
 * Use from a handler (function declares CS_NEED_AI; the environment builds the cs_ai):
 *   struct cs_ai_call call; cs_ai_call_from_req(req, &call);
 *   struct cs_ai_msg m = {"user", text};
 *   struct cs_ai_chat chat = {.system = "...", .msgs = &m, .nmsgs = 1};
 *   struct cs_ai_reply r; rc = cs_ai_chat(&call, &chat, &r);   // r.text, r.provider, r.model
 */
#ifndef CS_AI_H
#define CS_AI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"

struct cs_ai;
struct cs_arena;
struct cs_models;
struct cs_req;
struct cs_store;

#define CS_AI_BUILTIN_ID "builtin"
/* The fence around customer text in a hosted model's prompt (a prompt-injection guard:
 * the system prompt says what is inside is data). The builtin provider reads no
 * instructions and answers the text inside the fence. */
#define CS_AI_FENCE_OPEN "<customer_message>"
#define CS_AI_FENCE_CLOSE "</customer_message>"
#define CS_AI_PROVIDERS_COLL "ai_providers"
#define CS_AI_USAGE_COLL "ai_usage"
#define CS_AI_MAX_PROVIDERS 32
#define CS_AI_MAX_FALLBACKS 4
#define CS_AI_MAX_DIMS 4096
#define CS_AI_MAX_EMBED_TEXTS 256
#define CS_AI_MAX_CATEGORIES 64

/* Capability bits; names as seed 001 lists them. */
enum cs_ai_cap {
    CS_AI_CAP_GENERATE = 1u << 0, /* "text_generation" */
    CS_AI_CAP_EMBED = 1u << 1,    /* "embeddings" */
    CS_AI_CAP_CLASSIFY = 1u << 2, /* "classification" */
    CS_AI_CAP_STREAM = 1u << 3,   /* "streaming" */
};

enum cs_ai_kind { CS_AI_KIND_BUILTIN, CS_AI_KIND_OPENAI, CS_AI_KIND_ANTHROPIC, CS_AI_KIND_GEMINI };

/* One registry entry. Strings live in the call's arena (or the cs_ai for seeds). */
struct cs_ai_provider {
    const char *id;       /* "gpt4o_financial" */
    const char *provider; /* as configured: "openai", "anthropic", "gemini"/"google" */
    enum cs_ai_kind kind;
    const char *model;            /* chat model */
    const char *embedding_model;  /* NULL: `model` */
    const char *base_url;         /* NULL: the provider's public endpoint */
    const char *api_key_env;      /* name of the variable holding the key; NULL: no key */
    const char *compliance_level; /* "standard", "financial", ... */
    unsigned caps;                /* enum cs_ai_cap bits */
    bool is_default;
    const char *fallbacks[CS_AI_MAX_FALLBACKS]; /* provider ids tried next, in order */
    size_t nfallbacks;
};

/* Process-wide settings, read once at cold start. */
struct cs_ai_config {
    const char *providers_file; /* NULL: only builtin */
    const char *prices_file;    /* NULL: every cost is 0 */
    /* Looks up a key by variable name (getenv in production; tests pass their own). */
    const char *(*secret)(const char *name);
    int64_t timeout_ms;         /* budget when the request has no deadline; default 30000 */
    int64_t connect_timeout_ms; /* default 5000 */
    unsigned max_retries;       /* retries per provider after the first attempt; default 2 */
    int64_t backoff_base_ms;    /* first backoff; default 250 */
    int64_t backoff_max_ms;     /* cap on one wait (Retry-After included); default 8000 */
    /* Hosted calls one tenant may have in flight in this process (CS_AI_TENANT_CONCURRENCY,
     * 1-64; default half of CS_THREADS, at least 1); past it a call falls back at once. */
    unsigned tenant_concurrency;
};

/* Fills `cfg` from a getenv-like lookup: CS_PROVIDERS_FILE (else data_dir/ai/providers.json
 * when it exists), CS_AI_PRICES_FILE (else data_dir/ai/prices.json when it exists),
 * CS_AI_TIMEOUT_MS, CS_AI_RETRIES, CS_AI_TENANT_CONCURRENCY (CS_THREADS for its default);
 * `secret` becomes `get`. Strings are copied into `store` (cap bytes).
 * CS_ERR_CONFIG with `why` naming the variable when a value is malformed. */
CS_MUST_CHECK int cs_ai_config_load(struct cs_ai_config *cfg, const char *(*get)(const char *),
                                    const char *data_dir, char *store, size_t cap,
                                    const char **why);

/* Reads the providers and prices files. CS_ERR_CONFIG (with `why`) for a malformed file,
 * an unknown provider kind, a bad URL, or an entry that carries a key itself (keys belong
 * in environment variables). */
CS_MUST_CHECK int cs_ai_open(const struct cs_ai_config *cfg, struct cs_ai **out, const char **why);
void cs_ai_close(struct cs_ai *ai);

/* Who is asking: everything one call needs, all borrowed. */
struct cs_ai_call {
    const struct cs_ai *ai;
    struct cs_store *store;         /* registry and usage records; NULL: seeds only, no records */
    struct cs_arena *arena;         /* results live here */
    const struct cs_models *models; /* builtin tone and classification; may be NULL */
    const char *tenant;
    int64_t now_ms;
    int64_t deadline_ms;   /* absolute; 0: now + cfg.timeout_ms */
    const char *operation; /* recorded with usage: "generate", "classify", ... */
};

/* From a handler's request: the environment's cs_ai, the worker's store and arena, the
 * principal's tenant and the request deadline. */
void cs_ai_call_from_req(const struct cs_req *req, const char *operation, struct cs_ai_call *out);

struct cs_ai_msg {
    const char *role; /* "user" or "assistant" */
    const char *content;
};

/* Called with each piece of text as a provider streams it; a non-zero return stops the
 * stream and becomes the call's result. */
typedef int (*cs_ai_delta_fn)(void *ud, const char *text, size_t len);

struct cs_ai_chat {
    const char *provider_id; /* NULL: the tenant's default */
    const char *system;      /* never echoed: a reply that quotes it is cut off */
    const struct cs_ai_msg *msgs;
    size_t nmsgs;
    int max_tokens;          /* <= 0: 512 */
    double temperature;      /* < 0: the provider's default */
    cs_ai_delta_fn on_delta; /* non-NULL: stream when the provider can */
    void *ud;
};

struct cs_ai_usage {
    int64_t prompt_tokens, completion_tokens, total_tokens;
};

struct cs_ai_reply {
    const char *text;
    const char *provider_id; /* registry id of the producer */
    const char *provider;    /* its kind name */
    const char *model;       /* as the provider reported it */
    const char *finish_reason;
    struct cs_ai_usage usage;
    double latency_ms;
    double cost_usd;
    unsigned attempts;           /* HTTP attempts across the chain */
    bool fallback;               /* produced by a provider other than the first asked */
    const char *fallback_reason; /* why the first asked did not answer; NULL unless fallback */
    bool streamed;               /* text went out through on_delta */
    bool system_leak;            /* the provider echoed the system prompt; text was cut */
};

/* Generates a reply. Errors: CS_ERR_NOT_FOUND (provider_id unknown),
 * CS_ERR_VALIDATION (no messages), CS_ERR_UPSTREAM when a stream failed after text went
 * out (no fallback is possible then); builtin answers whatever else fails. */
CS_MUST_CHECK int cs_ai_chat(const struct cs_ai_call *call, const struct cs_ai_chat *chat,
                             struct cs_ai_reply *out);

struct cs_ai_embeddings {
    float **vec; /* n vectors of `dims` floats, in the arena */
    size_t n;
    unsigned dims;
    const char *provider_id, *provider, *model;
    struct cs_ai_usage usage;
    double latency_ms, cost_usd;
    bool fallback;
    const char *fallback_reason; /* as in cs_ai_reply */
};

/* Embeds texts[0..n); dims 0 means the model's own (builtin: the semantic model's 128,
 * or 1536 for the hashed n-gram fallback when no embed.cse is mapped). */
CS_MUST_CHECK int cs_ai_embed(const struct cs_ai_call *call, const char *provider_id,
                              const char *const *texts, size_t n, unsigned dims,
                              struct cs_ai_embeddings *out);

struct cs_ai_class {
    const char *category;
    double score;
};

struct cs_ai_classification {
    struct cs_ai_class *scores; /* one per category, best first, summing to ~1 */
    size_t n;
    const char *top_category;
    const char *provider_id, *provider, *model;
    bool fallback;
    const char *fallback_reason; /* as in cs_ai_reply */
};

/* Scores `text` against caller-given categories. */
CS_MUST_CHECK int cs_ai_classify(const struct cs_ai_call *call, const char *provider_id,
                                 const char *text, const char *const *categories, size_t n,
                                 struct cs_ai_classification *out);

/* The tenant's providers (registry synced from the seeds first), builtin last.
 * CS_ERR_CONFIG when the call has no cs_ai (the function lacks CS_NEED_AI) or tenant;
 * every call above starts here, so the same holds for them. */
CS_MUST_CHECK int cs_ai_providers(const struct cs_ai_call *call, struct cs_ai_provider **out,
                                  size_t *n);

/* True when the tenant's default provider is a hosted model (not builtin) with the
 * capability `cap`: callers with a better built-in path than the layer's own builtin
 * (sentiment, session replies) ask a provider only then. */
bool cs_ai_hosted_default(const struct cs_ai_call *call, enum cs_ai_cap cap);

/* Seed spellings of capability bits, for listings. */
const char *cs_ai_cap_name(enum cs_ai_cap cap);

/* True when `reply` reproduces a run of `system` long enough to leak it (eight words
 * in a row, case and spacing ignored); *cut gets the byte offset where it starts. */
bool cs_ai_echoes_system(const char *reply, const char *system, size_t *cut);

/* Builtin embedding of one text: hashed word and character n-grams, projected with a
 * random sign onto `dims` (1..CS_AI_MAX_DIMS) and L2-normalised. */
CS_MUST_CHECK int cs_ai_builtin_embed(const char *text, size_t len, unsigned dims, float *out);

#endif
