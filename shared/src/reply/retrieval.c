#include "cs/retrieval.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/buf.h"
#include "cs/embed.h"
#include "cs/json.h"
#include "cs/store.h"

/* Candidates fetched per passage asked for, and how much of the gap to a perfect score
 * a passage from the ticket's category gains (both chosen on data/kb/eval_train.jsonl). */
#define RETRIEVAL_POOL_FACTOR 4
#define RETRIEVAL_CATEGORY_BOOST 0.15

struct index_ctx {
    struct cs_store *st;
    struct cs_arena *a;
    const char *tenant;
    const struct cs_kb_article *art;
    int64_t now_ms;
    size_t n;
};

static json_object *chunk_body(struct cs_arena *a, const struct cs_kb_article *art,
                               const struct cs_kb_chunk *c, const char *text)
{
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(a));
    cs_jb_str(&o, "doc_id", art->doc_id);
    cs_jb_str(&o, "chunk_id", c->id);
    cs_jb_str(&o, "title", art->title);
    cs_jb_str(&o, "url", art->url);
    cs_jb_str(&o, "category", art->category);
    cs_jb_str(&o, "text", text);
    return cs_jb_done(&o) ? NULL : o.obj;
}

/* Insert, or replace whatever version is stored: re-loading a KB file is idempotent. */
static int upsert(struct index_ctx *x, const char *id, json_object *body, const struct cs_text *t)
{
    struct cs_doc old;
    int rc = cs_store_get(x->st, x->a, x->tenant, CS_KB_COLLECTION, id, &old);
    if (rc == CS_ERR_NOT_FOUND)
        return cs_store_insert(x->st, x->a, x->tenant, CS_KB_COLLECTION, id, body, t, x->now_ms,
                               NULL);
    if (rc) return rc;
    return cs_store_update(x->st, x->a, x->tenant, CS_KB_COLLECTION, id, old.version, body, t,
                           x->now_ms, NULL);
}

static int on_chunk(const struct cs_kb_chunk *c, void *ud)
{
    struct index_ctx *x = ud;
    const char *text = cs_arena_strndup(x->a, c->text, c->len);
    const char *id = cs_arena_strdup(x->a, c->id);
    json_object *body = text && id ? chunk_body(x->a, x->art, c, text) : NULL;
    if (!body) return CS_ERR_NOMEM;
    struct cs_text t = {x->art->title, text};
    int rc = upsert(x, id, body, &t);
    if (!rc) x->n++;
    return rc;
}

int cs_retrieval_index_article(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               const struct cs_kb_article *art, int64_t now_ms, size_t *nchunks)
{
    struct index_ctx x = {st, a, tenant, art, now_ms, 0};
    int rc = cs_kb_chunk_body(art->doc_id, art->body, art->body_len, NULL, on_chunk, &x);
    if (nchunks) *nchunks = x.n;
    return rc;
}

static void to_passage(const struct cs_hit *h, struct cs_passage *p)
{
    json_object *b = h->doc.body;
    p->doc_id = cs_json_get_str(b, "doc_id");
    p->chunk_id = cs_json_get_str(b, "chunk_id");
    p->title = cs_json_get_str(b, "title");
    p->url = cs_json_get_str(b, "url");
    p->category = cs_json_get_str(b, "category");
    p->text = cs_json_get_str(b, "text");
    p->score = h->score;
}

static int tenant_has_kb(struct cs_store *st, struct cs_arena *a, const char *tenant, bool *own)
{
    struct cs_query q = {.limit = 1};
    struct cs_doc_list l;
    int rc = cs_store_find(st, a, tenant, CS_KB_COLLECTION, &q, &l);
    *own = rc == CS_OK && l.n > 0;
    return rc;
}

int cs_retrieval_search(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const char *query, size_t k, struct cs_passage **out, size_t *n)
{
    struct cs_hit *hits = NULL;
    size_t nhits = 0;
    *out = NULL;
    *n = 0;
    /* Which knowledge base first: a full-text query costs far more than finding one
     * document, and most tenants start on the shared one. */
    bool own = false;
    int rc = tenant_has_kb(st, a, tenant, &own);
    if (!rc)
        rc = cs_store_search(st, a, own ? tenant : CS_SYSTEM_TENANT, CS_KB_COLLECTION, query, k,
                             &hits, &nhits);
    if (rc || nhits == 0) return rc;
    struct cs_passage *p = cs_arena_alloc(a, nhits * sizeof(*p));
    if (!p) return CS_ERR_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < nhits; i++) {
        to_passage(&hits[i], &p[m]);
        /* A chunk missing its fields was not written by the indexer: skip, don't cite. */
        if (p[m].doc_id && p[m].chunk_id && p[m].text && p[m].title) m++;
    }
    *out = p;
    *n = m;
    return CS_OK;
}

/* ---- hinted search: query expansion and a category re-rank ---------------------------- */

/* Customer words -> the words help articles use for the same thing. Written by hand
 * from how tickets and help centres phrase things (no labelled data large enough to
 * learn associations from); a word maps to words, never to an article, so a tenant's
 * own knowledge base gains from it too. Sorted by the first column (bsearch). */
static const char *const expansions[][2] = {
    {"broke", "damaged faulty"},
    {"broken", "damaged faulty"},
    {"colleague", "member"},
    {"computer", "device"},
    {"coworker", "member"},
    {"cracked", "damaged"},
    {"crushed", "damaged"},
    {"defective", "faulty"},
    {"dented", "damaged"},
    {"employee", "member"},
    {"erase", "delete"},
    {"erased", "delete"},
    {"fraudster", "scam phishing"},
    {"impersonating", "scam phishing"},
    {"laptop", "device"},
    {"leaking", "faulty"},
    {"malfunctioning", "faulty"},
    {"news", "status tracking"}, /* "any news on my order": stemmed, "news" is "new" */
    {"offline", "outage status"},
    {"outage", "status"},
    {"passport", "identity verify"},
    {"pretending", "scam phishing"},
    {"ripped", "damaged"},
    {"scam", "phishing"},
    {"scammer", "scam phishing"},
    {"scratched", "damaged"},
    {"selfie", "identity verify"},
    {"shattered", "damaged"},
    {"smashed", "damaged"},
    {"staff", "member"},
    {"tablet", "device"},
    {"torn", "damaged"},
    {"unresponsive", "faulty"},
    {"weekend", "saturday hours"},
    {"weekends", "saturday hours"},
};

static int cmp_exp(const void *k, const void *e)
{
    return strcmp((const char *)k, *(const char *const *)e);
}

const char *cs_retrieval_expand(struct cs_arena *a, const char *query)
{
    if (!query) return NULL;
    struct cs_buf b;
    cs_buf_init(&b, a, 8192);
    int rc = cs_buf_puts(&b, query);
    const char *p = query;
    char w[32];
    while (!rc && *p) {
        while (*p && !isalpha((unsigned char)*p)) p++;
        size_t n = 0;
        while (isalpha((unsigned char)p[n])) n++;
        if (n > 0 && n < sizeof(w)) {
            for (size_t i = 0; i < n; i++) w[i] = (char)tolower((unsigned char)p[i]);
            w[n] = '\0';
            const char *const *e =
                bsearch(w, expansions, sizeof(expansions) / sizeof(expansions[0]),
                        sizeof(expansions[0]), cmp_exp);
            if (e) rc = cs_buf_printf(&b, " %s", e[1]);
        }
        p += n;
    }
    return rc ? NULL : cs_buf_str(&b);
}

/* Seed 003 issue categories -> the article categories that answer them. An article
 * whose own category spells the code ("Product quality", "PRODUCT_QUALITY") matches too,
 * so a tenant's knowledge base can be tagged with the codes directly. */
static const char *const code_categories[][4] = {
    {"BILLING", "Billing", NULL},
    {"SUBSCRIPTION", "Billing", NULL},
    {"CANCELLATION", "Billing", "Orders", NULL},
    {"REFUND", "Refunds", NULL},
    {"ACCOUNT", "Account", "Security", NULL},
    {"TECHNICAL", "Technical", NULL},
    {"SHIPPING", "Shipping", "Orders", NULL},
    {"PRODUCT_QUALITY", "Shipping", "Orders", NULL},
    {"COMPLAINT", "General", NULL},
    /* GENERAL_INQUIRY is triage's catch-all: it says nothing about the article. */
};

/* "Product quality" equals "PRODUCT_QUALITY": letters compared without case, spaces,
 * dashes and underscores skipped. */
static bool same_code(const char *x, const char *y)
{
    for (;;) {
        while (*x == ' ' || *x == '_' || *x == '-') x++;
        while (*y == ' ' || *y == '_' || *y == '-') y++;
        if (!*x || !*y) return !*x && !*y;
        if (tolower((unsigned char)*x) != tolower((unsigned char)*y)) return false;
        x++, y++;
    }
}

static bool category_matches(const char *code, const char *category)
{
    if (!code || !*code || !category) return false;
    if (same_code(code, category)) return true;
    for (size_t i = 0; i < sizeof(code_categories) / sizeof(code_categories[0]); i++) {
        if (strcmp(code_categories[i][0], code) != 0) continue;
        for (size_t k = 1; k < 4 && code_categories[i][k]; k++)
            if (strcasecmp(code_categories[i][k], category) == 0) return true;
    }
    return false;
}

static int by_score(const void *x, const void *y)
{
    double a = ((const struct cs_passage *)x)->score, b = ((const struct cs_passage *)y)->score;
    return a < b ? 1 : a > b ? -1 : 0;
}

int cs_retrieval_search_hinted(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               const char *query, const struct cs_retrieval_hints *h, size_t k,
                               struct cs_passage **out, size_t *n)
{
    const char *q = cs_retrieval_expand(a, query);
    if (query && !q) return CS_ERR_NOMEM;
    /* A wider pool than asked for, so that the re-rank can lift a passage in. The
     * intent reaches the ranking through its category (the triage policy routes intents
     * to categories): its label words added to the query lost citations on
     * data/kb/eval_train.jsonl (0.750 against 0.778 without). */
    size_t pool = h ? k * RETRIEVAL_POOL_FACTOR : k;
    int rc = cs_retrieval_search(st, a, tenant, q, pool, out, n);
    if (rc || !h) {
        if (!rc && *n > k) *n = k;
        return rc;
    }
    /* The boost closes part of the gap to 1, so scores stay in (0, 1]; a category
     * triage is unsure of counts for less. */
    double conf = h->confidence > 0 && h->confidence <= 1 ? h->confidence : 1.0;
    double boost = RETRIEVAL_CATEGORY_BOOST * conf;
    for (size_t i = 0; i < *n; i++)
        if (category_matches(h->category_code, (*out)[i].category))
            (*out)[i].score += boost * (1.0 - (*out)[i].score);
    /* qsort is not stable; equal scores are rare enough (bm25 floats) not to matter. */
    if (*n > 1) qsort(*out, *n, sizeof(**out), by_score);
    if (*n > k) *n = k;
    return CS_OK;
}

/* ---- semantic re-rank (cs_retrieval_rerank) ---- */

/* Cosine of the query with the sum of the passage's title and text vectors. Topic
 * vectors (cs_embed_topic): the intent map lowers StackFAQ tuning MRR 0.863 -> 0.836. */
static double passage_cosine(const struct cs_embed *e, const float *qv, const struct cs_passage *p)
{
    float t[CS_EMBED_MAX_DIMS], b[CS_EMBED_MAX_DIMS];
    unsigned d = cs_embed_dims(e);
    const char *title = p->title ? p->title : "", *text = p->text ? p->text : "";
    if (cs_embed_topic(e, title, strlen(title), d, t) ||
        cs_embed_topic(e, text, strlen(text), d, b))
        return 0;
    double dot = 0, norm = 0;
    for (unsigned i = 0; i < d; i++) {
        double s = (double)t[i] + b[i];
        dot += qv[i] * s;
        norm += s * s;
    }
    return norm > 0 ? dot / sqrt(norm) : 0;
}

int cs_retrieval_rerank(const struct cs_embed *e, const char *query, double weight,
                        struct cs_passage *p, size_t n)
{
    if (!p || !query || n < 2 || !e) return CS_OK;
    float qv[CS_EMBED_MAX_DIMS];
    unsigned d = cs_embed_dims(e);
    int rc = cs_embed_topic(e, query, strlen(query), d, qv);
    if (rc) return rc;
    double top = 0, best = -1e9, worst = 1e9;
    for (size_t i = 0; i < n; i++) top = p[i].score > top ? p[i].score : top;
    for (size_t i = 0; i < n; i++) {
        p[i].score = (top > 0 ? p[i].score / top : 0) + weight * passage_cosine(e, qv, &p[i]);
        best = p[i].score > best ? p[i].score : best;
        worst = p[i].score < worst ? p[i].score : worst;
    }
    /* back into (0, 1], order kept */
    for (size_t i = 0; i < n; i++)
        p[i].score = best > worst ? 0.05 + 0.95 * (p[i].score - worst) / (best - worst) : 1.0;
    qsort(p, n, sizeof(*p), by_score);
    return CS_OK;
}
