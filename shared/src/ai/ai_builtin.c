/* The `builtin` provider: always present, needs no network and no key.
 *   chat      an extractive reply from the tenant's knowledge base (cs/retrieval.h and
 *             cs/draft.h): sentences quoted with [DOC-ID] citations, never invented;
 *   embed     the semantic word-vector model (cs/embed.h, data/models/embed.cse) when
 *             the bundle has one; otherwise (and for classify) hashed word and
 *             character n-grams (cs/textfeat.h), each feature added with a
 *             pseudo-random sign to one of `dims` coordinates (the hashing trick, a
 *             sparse random projection), then L2-normalised;
 *   classify  similarity of the text (and of the built-in intent model's label for it)
 *             to each category name in that embedding space, turned into scores by a
 *             softmax. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "cs/arena.h"
#include "cs/closing.h"
#include "cs/draft.h"
#include "cs/embed.h"
#include "cs/intent.h"
#include "cs/models.h"
#include "cs/retrieval.h"
#include "cs/sentiment.h"
#include "cs/textfeat.h"

#define BUILTIN_PASSAGES 5
#define CLASSIFY_DIMS 1024
#define CLASSIFY_TEMPERATURE 0.08

const struct cs_ai_provider ai_builtin_provider = {
    .id = CS_AI_BUILTIN_ID,
    .provider = "builtin",
    .kind = CS_AI_KIND_BUILTIN,
    .model = AI_BUILTIN_MODEL,
    .embedding_model = AI_BUILTIN_EMBED_MODEL,
    .compliance_level = "standard",
    .caps = CS_AI_CAP_GENERATE | CS_AI_CAP_EMBED | CS_AI_CAP_CLASSIFY | CS_AI_CAP_STREAM,
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

int cs_ai_builtin_embed(const char *text, size_t len, unsigned dims, float *out)
{
    if (!out || dims == 0 || dims > CS_AI_MAX_DIMS || (!text && len)) return CS_ERR_INVALID;
    memset(out, 0, dims * sizeof(float));
    struct cs_textfeat_cfg cfg;
    cs_textfeat_cfg_init(&cfg);
    struct cs_textfeat_vec *v = cs_models_scratch();
    cs_textfeat_extract(&cfg, text ? text : "", len, v);
    for (uint32_t i = 0; i < v->n; i++) {
        uint64_t h = mix64(v->ent[i].bucket + 0x9e3779b97f4a7c15ULL);
        float w = 1.0f + logf(v->ent[i].value); /* sublinear term frequency */
        out[h % dims] += (h >> 63) ? w : -w;
    }
    double norm = 0;
    for (unsigned i = 0; i < dims; i++) norm += (double)out[i] * out[i];
    if (norm > 0) {
        float inv = (float)(1.0 / sqrt(norm));
        for (unsigned i = 0; i < dims; i++) out[i] *= inv;
    }
    return CS_OK;
}

int ai_builtin_embed_texts(const struct cs_ai_call *call, const char *const *texts, size_t n,
                           unsigned dims, struct cs_ai_embeddings *out)
{
    const struct cs_embed *sem = cs_models_embed(call->models);
    out->dims = dims ? dims : sem ? cs_embed_dims(sem) : AI_BUILTIN_DIMS;
    out->vec = cs_arena_alloc(call->arena, n * sizeof(float *));
    if (!out->vec) return CS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        out->vec[i] = cs_arena_alloc(call->arena, out->dims * sizeof(float));
        if (!out->vec[i]) return CS_ERR_NOMEM;
        size_t len = strlen(texts[i]);
        int rc = sem ? cs_embed_text(sem, texts[i], len, out->dims, out->vec[i])
                     : cs_ai_builtin_embed(texts[i], len, out->dims, out->vec[i]);
        if (rc) return rc;
        out->usage.prompt_tokens += ai_estimate_tokens(texts[i]);
    }
    out->n = n;
    out->model = sem ? cs_embed_name(sem) : AI_BUILTIN_EMBED_MODEL;
    return CS_OK;
}

/* "account_access" reads as "account access" to the n-gram features. */
static const char *as_words(struct cs_arena *a, const char *s)
{
    char *w = cs_arena_strdup(a, s);
    for (char *p = w; p && *p; p++)
        if (*p == '_' || *p == '-' || *p == '/') *p = ' ';
    return w;
}

/* A hosted model gets the customer's text inside CS_AI_FENCE_OPEN/CLOSE; the builtin
 * answers, classifies and searches with the bare text inside the fence. */
static const char *unguard(struct cs_arena *a, const char *s)
{
    size_t n = strlen(s), no = strlen(CS_AI_FENCE_OPEN), nc = strlen(CS_AI_FENCE_CLOSE);
    if (n < no + nc || strncmp(s, CS_AI_FENCE_OPEN, no) != 0 ||
        strcmp(s + n - nc, CS_AI_FENCE_CLOSE) != 0)
        return s;
    const char *b = s + no, *e = s + n - nc;
    while (b < e && (*b == '\n' || *b == '\r' || *b == ' ')) b++;
    while (e > b && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ')) e--;
    const char *bare = cs_arena_strndup(a, b, (size_t)(e - b));
    return bare ? bare : s;
}

/* The text the builtin answers: the last user message, without the guard fence. */
static const char *last_user(struct cs_arena *a, const struct cs_ai_chat *chat)
{
    for (size_t i = chat->nmsgs; i > 0; i--)
        if (strcmp(chat->msgs[i - 1].role, "assistant") != 0)
            return unguard(a, chat->msgs[i - 1].content);
    return "";
}

/* Cuts `text` to at most `max_tokens` by the builtin's token estimate (ai_estimate_tokens),
 * at the last word boundary that fits, else at a UTF-8 character boundary. Sets *cut
 * (NULL when the text already fits). */
static int cut_to_tokens(struct cs_arena *a, const char *text, int64_t max_tokens, const char **cut)
{
    size_t cap = (size_t)max_tokens * AI_BYTES_PER_TOKEN;
    *cut = NULL;
    if (ai_estimate_tokens(text) <= max_tokens) return CS_OK;
    size_t e = cap;
    while (e > 0 && ((unsigned char)text[e] & 0xC0) == 0x80) e--; /* never split a character */
    size_t w = e;
    while (w > 0 && text[w] != ' ' && text[w] != '\n') w--;
    if (w > 0) e = w;
    while (e > 0 && (text[e - 1] == ' ' || text[e - 1] == '\n')) e--;
    *cut = cs_arena_strndup(a, text, e);
    return *cut ? CS_OK : CS_ERR_NOMEM;
}

static int draft_reply(const struct cs_ai_call *call, const char *query, struct cs_draft *d)
{
    struct cs_passage *ps = NULL;
    size_t np = 0;
    if (call->store) {
        int rc = cs_retrieval_search_hinted(call->store, call->arena, call->tenant, query, NULL,
                                            BUILTIN_PASSAGES, &ps, &np);
        /* meaning re-orders what the words found (no-op without data/models/embed.cse) */
        if (!rc)
            rc = cs_retrieval_rerank(cs_models_embed(call->models), query,
                                     CS_RETRIEVAL_RERANK_WEIGHT, ps, np);
        if (rc) return rc;
    }
    struct cs_sentiment s;
    const char *sentiment = NULL;
    if (call->models && cs_sentiment_analyze(call->models, query, strlen(query), &s) == CS_OK)
        sentiment = s.label;
    /* No topic: the only one at hand is the intent model's label ("cancel_transfer"),
     * an internal name that must not reach the customer (and is often wrong). */
    struct cs_draft_input in = {
        .ticket_text = query,
        .query_terms = cs_retrieval_expand(call->arena, query),
        .triage = {.sentiment = sentiment},
        .passages = ps,
        .n_passages = np,
    };
    return cs_draft_build(call->arena, &in, NULL, d);
}

/* Streams the finished text in word-sized pieces, as a provider would. */
static int stream_words(const struct cs_ai_chat *chat, const char *text)
{
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, " \n");
        n += strspn(p + n, " \n");
        int rc = chat->on_delta(chat->ud, p, n);
        if (rc) return rc;
        p += n;
    }
    return CS_OK;
}

int ai_builtin_chat(const struct cs_ai_call *call, const struct cs_ai_chat *chat,
                    struct cs_ai_reply *out)
{
    const char *query = last_user(call->arena, chat);
    const char *text;
    int rc;
    if (cs_reply_closing(query)) {
        /* Thanks and goodbyes get a closing line, not a knowledge-base search. */
        text = "You're welcome! I'm glad that's sorted. If anything else comes up, just send us a "
               "message.";
    } else {
        struct cs_draft d;
        if ((rc = draft_reply(call, query, &d))) return rc;
        text = cs_arena_printf(call->arena, "%s\n\n%s\n\n%s", d.greeting, d.body, d.closing);
        if (!text) return CS_ERR_NOMEM;
    }
    out->finish_reason = "stop";
    const char *cut;
    rc = cut_to_tokens(call->arena, text, chat->max_tokens > 0 ? chat->max_tokens : 512, &cut);
    if (rc) return rc;
    if (cut) {
        text = cut;
        out->finish_reason = "length"; /* OpenAI's name for a reply stopped by max_tokens */
    }
    out->text = text;
    out->model = AI_BUILTIN_MODEL;
    int64_t prompt = ai_estimate_tokens(chat->system);
    for (size_t i = 0; i < chat->nmsgs; i++) prompt += ai_estimate_tokens(chat->msgs[i].content);
    out->usage.prompt_tokens = prompt;
    out->usage.completion_tokens = ai_estimate_tokens(text);
    out->usage.total_tokens = prompt + out->usage.completion_tokens;
    if (chat->on_delta) {
        rc = stream_words(chat, text);
        out->streamed = true;
    }
    return rc;
}

static double dot(const float *x, const float *y, unsigned n)
{
    double s = 0;
    for (unsigned i = 0; i < n; i++) s += (double)x[i] * y[i];
    return s;
}

static int cmp_class(const void *a, const void *b)
{
    double x = ((const struct cs_ai_class *)a)->score, y = ((const struct cs_ai_class *)b)->score;
    return x < y ? 1 : x > y ? -1 : 0;
}

int ai_builtin_classify(const struct cs_ai_call *call, const char *text, const char *const *cats,
                        size_t n, struct cs_ai_classification *out)
{
    struct cs_arena *a = call->arena;
    float *et = cs_arena_alloc(a, 3 * CLASSIFY_DIMS * sizeof(float));
    struct cs_ai_class *sc = cs_arena_alloc(a, n * sizeof(*sc));
    if (!et || !sc) return CS_ERR_NOMEM;
    float *ei = et + CLASSIFY_DIMS, *ec = ei + CLASSIFY_DIMS;
    int rc = cs_ai_builtin_embed(text, strlen(text), CLASSIFY_DIMS, et);
    /* The intent model knows paraphrases the raw n-grams miss ("can't log in" is
     * about access): its label is a second view of the text. */
    struct cs_intent intent;
    bool have_intent = call->models &&
                       cs_intent_classify(call->models, NULL, text, strlen(text), &intent) == CS_OK;
    const char *label = have_intent ? as_words(a, intent.intent) : NULL;
    if (!rc && label) rc = cs_ai_builtin_embed(label, strlen(label), CLASSIFY_DIMS, ei);
    double max = -1e9;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *cw = as_words(a, cats[i]);
        if (!cw) return CS_ERR_NOMEM;
        rc = cs_ai_builtin_embed(cw, strlen(cw), CLASSIFY_DIMS, ec);
        double s = dot(et, ec, CLASSIFY_DIMS);
        if (label) s = fmax(s, intent.confidence * dot(ei, ec, CLASSIFY_DIMS));
        sc[i] = (struct cs_ai_class){cats[i], s};
        if (s > max) max = s;
    }
    if (rc) return rc;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += sc[i].score = exp((sc[i].score - max) / CLASSIFY_TEMPERATURE);
    for (size_t i = 0; i < n; i++) sc[i].score /= sum;
    qsort(sc, n, sizeof(*sc), cmp_class);
    out->scores = sc;
    out->n = n;
    out->top_category = sc[0].category;
    out->model = AI_BUILTIN_EMBED_MODEL;
    return CS_OK;
}
