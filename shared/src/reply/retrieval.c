#include "cs/retrieval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/embed.h"
#include "cs/json.h"
#include "cs/store.h"

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
    json_object *o = cs_json_object(a);
    if (!o) return NULL;
    int rc = cs_json_add_str(o, "doc_id", art->doc_id);
    if (!rc) rc = cs_json_add_str(o, "chunk_id", c->id);
    if (!rc) rc = cs_json_add_str(o, "title", art->title);
    if (!rc) rc = cs_json_add_str(o, "url", art->url);
    if (!rc) rc = cs_json_add_str(o, "category", art->category);
    if (!rc) rc = cs_json_add_str(o, "text", text);
    return rc ? NULL : o;
}

/* Insert, or replace whatever version is stored: re-loading a KB file is idempotent. */
static int upsert(struct index_ctx *x, const char *id, json_object *body, const struct cs_text *t)
{
    struct cs_doc old;
    int rc = cs_store_get(x->st, x->a, x->tenant, CS_KB_COLLECTION, id, &old);
    if (rc == CS_ERR_NOT_FOUND)
        return cs_store_insert(x->st, x->a, x->tenant, CS_KB_COLLECTION, id, body, t, x->now_ms, NULL);
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
    if (!rc) rc = cs_store_search(st, a, own ? tenant : CS_SYSTEM_TENANT, CS_KB_COLLECTION, query,
                                  k, &hits, &nhits);
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

/* ---- semantic re-rank (cs_retrieval_rerank) ---- */

static int cmp_passage_score(const void *a, const void *b)
{
    double x = ((const struct cs_passage *)a)->score, y = ((const struct cs_passage *)b)->score;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Cosine of the query with the sum of the passage's title and text vectors. */
static double passage_cosine(const struct cs_embed *e, const float *qv, const struct cs_passage *p)
{
    float t[CS_EMBED_MAX_DIMS], b[CS_EMBED_MAX_DIMS];
    unsigned d = cs_embed_dims(e);
    const char *title = p->title ? p->title : "", *text = p->text ? p->text : "";
    if (cs_embed_text(e, title, strlen(title), d, t) || cs_embed_text(e, text, strlen(text), d, b)) return 0;
    double dot = 0, norm = 0;
    for (unsigned i = 0; i < d; i++) {
        double s = (double)t[i] + b[i];
        dot += qv[i] * s;
        norm += s * s;
    }
    return norm > 0 ? dot / sqrt(norm) : 0;
}

int cs_retrieval_rerank(const struct cs_embed *e, const char *query, double weight, struct cs_passage *p,
                        size_t n)
{
    if (!p || !query || n < 2 || !e) return CS_OK;
    float qv[CS_EMBED_MAX_DIMS];
    unsigned d = cs_embed_dims(e);
    int rc = cs_embed_text(e, query, strlen(query), d, qv);
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
    qsort(p, n, sizeof(*p), cmp_passage_score);
    return CS_OK;
}
