/* Internals of the AI provider layer shared by ai*.c, unit tests and fuzz targets.
 * functions/ never include this. */
#ifndef CS_AI_INT_H
#define CS_AI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/ai.h"
#include "cs/buf.h"

#define AI_MAX_HEADERS 6
#define AI_BODY_CAP ((size_t)8 << 20)
#define AI_SSE_LINE_CAP ((size_t)1 << 20)

struct ai_price {
    char *model; /* exact name or prefix ("gpt-4o" prices "gpt-4o-2024-08-06") */
    double input_per_mtok, output_per_mtok;
};

struct cs_ai {
    struct cs_ai_config cfg;
    struct cs_ai_provider seeds[CS_AI_MAX_PROVIDERS];
    json_object *seed_json[CS_AI_MAX_PROVIDERS];   /* the entry as stored in the registry */
    const char *seed_tenants[CS_AI_MAX_PROVIDERS]; /* comma list; NULL: every tenant */
    size_t nseeds;
    struct ai_price *prices;
    size_t nprices;
    json_object *root; /* owns every string of seeds */
    json_object *price_root;
    void (*sleep_ms)(int64_t ms);
};

/* The per-tenant bound on concurrent hosted calls in this process (ai_limit.c):
 * take returns false when `tenant` already has `max` calls in flight (max 0: no bound);
 * every successful take is paired with one give. */
bool ai_slot_take(const char *tenant, unsigned max);
void ai_slot_give(const char *tenant);

/* An outgoing HTTP request. */
struct ai_req {
    const char *url;
    const char *headers[AI_MAX_HEADERS]; /* "Name: value"; NULL-terminated */
    const char *body;
    size_t body_len;
};

/* ---- Server-Sent Events (text/event-stream), fed in arbitrary pieces ---- */
typedef int (*ai_sse_event_fn)(void *ud, const char *event, const char *data, size_t len);
struct ai_sse {
    struct cs_buf line, data;
    char event[64];
    bool have_data;
    bool skip_lf; /* a CR ended the last line: a following LF belongs to it */
    ai_sse_event_fn on_event;
    void *ud;
};
void ai_sse_init(struct ai_sse *s, struct cs_arena *a, ai_sse_event_fn fn, void *ud);
/* Returns the first non-zero callback result, CS_ERR_TOO_LARGE for an over-long line. */
CS_MUST_CHECK int ai_sse_feed(struct ai_sse *s, const char *p, size_t n);

/* ---- a stream being assembled into a reply ---- */
struct ai_stream {
    struct cs_arena *arena;
    struct cs_buf text;
    struct cs_ai_usage usage;
    const char *model;
    const char *finish;
    bool done;   /* the provider's terminal event arrived */
    bool failed; /* the provider sent an error event */
    size_t ndeltas;
    cs_ai_delta_fn on_delta;
    void *ud;
    const char *system; /* for the echo guard */
    bool leaked;
};
void ai_stream_init(struct ai_stream *s, struct cs_arena *a, cs_ai_delta_fn fn, void *ud,
                    const char *system);
/* Appends a piece of reply text and passes it on (unless it would leak the system
 * prompt: then the stream stops with CS_ERR_UPSTREAM and `leaked` set). */
CS_MUST_CHECK int ai_stream_delta(struct ai_stream *s, const char *p, size_t n);

/* ---- HTTP over libcurl ---- */
struct ai_http_resp {
    long status;
    struct cs_buf body;     /* non-stream or non-2xx bodies */
    int64_t retry_after_ms; /* -1 when absent */
    bool streamed;          /* bytes went to the SSE parser */
};
/* POSTs `rq` with a total timeout of `budget_ms` (connect timeout capped by the
 * config). With `sse` a 2xx body is fed to the parser as it arrives. Returns CS_OK when
 * an HTTP response arrived in full (whatever its status), CS_ERR_TIMEOUT, or
 * CS_ERR_UPSTREAM (connection failed, reset or truncated) and the callback's error. */
CS_MUST_CHECK int ai_http_post(const struct cs_ai *ai, struct cs_arena *a, const struct ai_req *rq,
                               int64_t budget_ms, struct ai_sse *sse, struct ai_http_resp *out);
/* Retry-After as delay-seconds or an HTTP-date, in ms from now_ms; -1 when unparsable. */
int64_t ai_retry_after_ms(const char *value, int64_t now_ms);

/* ---- wire formats ---- */
struct ai_wire {
    const char *name;
    /* Builds the chat request; `key` may be NULL (local servers). */
    int (*chat_request)(struct cs_arena *a, const struct cs_ai_provider *p, const char *key,
                        const struct cs_ai_chat *chat, bool stream, struct ai_req *out);
    /* Parses a complete non-streamed response body. */
    int (*chat_parse)(struct cs_arena *a, const char *body, size_t len, struct cs_ai_reply *out);
    /* Handles one SSE event of a streamed response. */
    int (*stream_event)(struct ai_stream *s, const char *event, const char *data, size_t len);
    /* Embeddings; NULL when the provider has none. */
    int (*embed_request)(struct cs_arena *a, const struct cs_ai_provider *p, const char *key,
                         const char *const *texts, size_t n, unsigned dims, struct ai_req *out);
    int (*embed_parse)(struct cs_arena *a, const char *body, size_t len, size_t n,
                       struct cs_ai_embeddings *out);
};
extern const struct ai_wire ai_wire_openai, ai_wire_anthropic, ai_wire_gemini;

/* Shared helpers of the wire formats. */
json_object *ai_json_parse(struct cs_arena *a, const char *body, size_t len);
json_object *ai_json_path(json_object *o, const char *path); /* "a.b.0.c" */
const char *ai_join_url(struct cs_arena *a, const char *base, const char *dflt, const char *path);
const char *ai_body_string(struct cs_arena *a, json_object *o, size_t *len);
/* Completes a request: out->url from the provider's base URL (dflt when it has none)
 * and path, out->body serialised from body, both in a. CS_ERR_NOMEM when either cannot
 * be made; a NULL path (its own allocation failed) counts as such. */
int ai_req_finish(struct cs_arena *a, struct ai_req *out, const char *base, const char *dflt,
                  const char *path, json_object *body);
int ai_parse_vector(struct cs_arena *a, json_object *arr, unsigned *dims, float **out);
/* A copy in a of the string o, or NULL when o is missing or not a string (or a is out of
 * memory): provider fields are optional and untyped until checked. */
const char *ai_json_strdup(struct cs_arena *a, json_object *o);
/* Appends {"role": role, "content": content} to the array arr (the message shape of the
 * OpenAI and Anthropic formats); content must not be NULL. CS_ERR_NOMEM on failure. */
int ai_add_msg(json_object *arr, const char *role, const char *content);

/* ---- builtin ---- */
CS_MUST_CHECK int ai_builtin_chat(const struct cs_ai_call *call, const struct cs_ai_chat *chat,
                                  struct cs_ai_reply *out);
CS_MUST_CHECK int ai_builtin_classify(const struct cs_ai_call *call, const char *text,
                                      const char *const *cats, size_t n,
                                      struct cs_ai_classification *out);
extern const struct cs_ai_provider ai_builtin_provider;
#define AI_BUILTIN_MODEL "builtin-extractive-v1"
#define AI_BUILTIN_EMBED_MODEL "builtin-hashed-ngrams-v1"
#define AI_BUILTIN_DIMS 1536 /* the lexical fallback's default size */
/* The builtin embeddings: the semantic model of call->models when it has one (its own
 * size by default, its name in out->model), else hashed n-grams (AI_BUILTIN_DIMS). */
CS_MUST_CHECK int ai_builtin_embed_texts(const struct cs_ai_call *call, const char *const *texts,
                                         size_t n, unsigned dims, struct cs_ai_embeddings *out);

/* Rough token count used where a provider reports none: one per 4 bytes, rounded up. */
/* The token estimate for providers that report no usage: one token per
 * AI_BYTES_PER_TOKEN bytes, rounded up. */
#define AI_BYTES_PER_TOKEN 4
int64_t ai_estimate_tokens(const char *s);

/* ---- registry ---- */
int ai_provider_from_json(json_object *o, struct cs_ai_provider *p, const char **why);
const struct ai_wire *ai_wire_for(enum cs_ai_kind kind);
double ai_cost_usd(const struct cs_ai *ai, const char *model, const struct cs_ai_usage *u);

#endif
