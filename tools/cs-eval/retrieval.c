/* cs-eval retrieval: StackFAQ through the product's own retrieval path.
 *
 * Every FAQ thread becomes one knowledge-base article (title = the thread's question,
 * body = its answers), indexed with cs_retrieval_index_article into a throw-away SQLite
 * store, so chunking, the FTS5 tokenizer, query-term handling and bm25 field weights are
 * exactly what a tenant's knowledge base gets. Each paraphrased query is then answered
 * with cs_retrieval_search; the chunks returned are folded to their thread (first
 * occurrence wins) and the rank of the query's thread gives P@1, MRR (over the top 10
 * threads) and Recall@5.
 *
 * Nothing is fitted on the queries. The queries whose fnv1a64 % 5 == 0 are also reported
 * on their own: they were never looked at while choosing retrieval settings, so that
 * figure is the honest one if the others drift from it. With an embedding model the
 * same candidates are also re-ranked (cs_retrieval_rerank); its weight was chosen on
 * the other queries ("tuning"), and the word vectors never saw any query.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs/jsonl_each.h"
#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/embed.h"
#include "cs/retrieval.h"
#include "cs/store.h"
#include "cs/textfeat.h"
#include "eval_int.h"

#define RET_MAX_THREADS 4096
#define RET_CHUNKS 40 /* chunks fetched per query: long threads fill several */
#define RET_RANKS 10  /* threads ranked per query for MRR */

struct ret_score {
    size_t n, p1, r5;
    double rr;
};

static void ret_print(const char *name, const struct ret_score *s)
{
    printf("    %-22s n=%zu P@1=%.4f MRR=%.4f R@5=%.4f\n", name, s->n,
           s->n ? (double)s->p1 / s->n : 0.0, s->n ? s->rr / s->n : 0.0,
           s->n ? (double)s->r5 / s->n : 0.0);
}

static void ret_add(struct ret_score **sets, int n, size_t r)
{
    for (int k = 0; k < n; k++) {
        if (!sets[k]) continue;
        sets[k]->n++;
        sets[k]->p1 += r == 1;
        sets[k]->r5 += r >= 1 && r <= 5;
        sets[k]->rr += r ? 1.0 / (double)r : 0.0;
    }
}

/* Appends the thread's answers, one paragraph each, into a malloc'ed body. */
static char *join_answers(json_object *answers, size_t *len)
{
    size_t cap = 1, n = json_object_array_length(answers);
    for (size_t i = 0; i < n; i++)
        cap += (size_t)json_object_get_string_len(json_object_array_get_idx(answers, i)) + 2;
    char *b = malloc(cap);
    if (!b) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(answers, i);
        size_t sl = (size_t)json_object_get_string_len(s);
        if (o) b[o++] = '\n', b[o++] = '\n';
        memcpy(b + o, json_object_get_string(s), sl);
        o += sl;
    }
    b[o] = '\0';
    *len = o;
    return b;
}

struct faq_ctx {
    struct cs_store *st;
    struct cs_arena *a;
    size_t *nart, *nchunks;
};

static int faq_row(json_object *o, void *ud)
{
    struct faq_ctx *c = ud;
    json_object *id, *q, *ans;
    if (!json_object_object_get_ex(o, "faq_id", &id) ||
        !json_object_object_get_ex(o, "question", &q) ||
        !json_object_object_get_ex(o, "answers", &ans) || json_object_get_string_len(q) == 0)
        return CS_OK;
    char doc_id[32], url[80];
    int fid = json_object_get_int(id);
    snprintf(doc_id, sizeof(doc_id), "FAQ-%d", fid);
    snprintf(url, sizeof(url), "https://webapps.stackexchange.com/faq/%d", fid);
    size_t blen = 0;
    char *body = join_answers(ans, &blen);
    struct cs_kb_article art = {doc_id, json_object_get_string(q), url, "StackFAQ", body, blen};
    size_t n = 0;
    int rc = CS_OK;
    if (!body)
        rc = CS_ERR_NOMEM;
    else if (blen > 0)
        rc = cs_retrieval_index_article(c->st, c->a, CS_SYSTEM_TENANT, &art, 0, &n);
    if (rc == CS_OK && blen > 0) (*c->nart)++, *c->nchunks += n;
    free(body);
    cs_arena_reset(c->a);
    return rc;
}

static int index_faq(struct cs_store *st, struct cs_arena *a, const char *path, size_t *nart,
                     size_t *nchunks)
{
    if (access(path, R_OK) != 0) return CS_ERR_NOT_FOUND;
    struct faq_ctx c = {st, a, nart, nchunks};
    return cs_jsonl_each(path, faq_row, &c);
}

/* 1-based rank of thread `want` among the distinct threads of the hits, 0 if absent. */
static size_t thread_rank(const struct cs_passage *p, size_t n, int want)
{
    int seen[RET_RANKS];
    size_t ns = 0;
    for (size_t i = 0; i < n && ns < RET_RANKS; i++) {
        int t = -1;
        if (!p[i].doc_id || sscanf(p[i].doc_id, "FAQ-%d", &t) != 1) continue;
        int dup = 0;
        for (size_t k = 0; k < ns; k++) dup |= seen[k] == t;
        if (dup) continue;
        seen[ns++] = t;
        if (t == want) return ns;
    }
    return 0;
}

int eval_retrieval(const char *data, const struct cs_embed *e, double weight)
{
    char faq[4096], queries[4096], dir[] = "/tmp/cs-eval-XXXXXX", db[4200], uri[4300];
    snprintf(faq, sizeof(faq), "%s/stackfaq/faq.jsonl", data);
    snprintf(queries, sizeof(queries), "%s/stackfaq/queries_train.jsonl", data);
    FILE *qf = fopen(queries, "r");
    if (!qf || access(faq, R_OK) != 0 || !mkdtemp(dir)) {
        printf("retrieval          skipped (%s/stackfaq missing)\n", data);
        if (qf) fclose(qf);
        return 1;
    }
    snprintf(db, sizeof(db), "%s/kb.db", dir);
    snprintf(uri, sizeof(uri), "sqlite://%s", db);
    struct cs_store *st = NULL;
    struct cs_arena *a = cs_arena_new(0);
    size_t nart = 0, nchunks = 0;
    int rc = a ? cs_store_open(uri, &st) : CS_ERR_NOMEM;
    if (rc == CS_OK) rc = index_faq(st, a, faq, &nart, &nchunks);
    struct ret_score all = {0}, held = {0}, rall = {0}, rheld = {0}, rtune = {0}, tune = {0};
    char *line = NULL;
    size_t cap = 0;
    while (rc == CS_OK && getline(&line, &cap, qf) > 0) {
        json_object *o = json_tokener_parse(line), *q, *id;
        if (!o) continue;
        if (json_object_object_get_ex(o, "query", &q) &&
            json_object_object_get_ex(o, "faq_id", &id)) {
            const char *qs = json_object_get_string(q);
            size_t ql = (size_t)json_object_get_string_len(q);
            struct cs_passage *p = NULL;
            size_t np = 0;
            /* What the product's paths call: query expansion, no triage hints here. */
            rc = cs_retrieval_search_hinted(st, a, CS_SYSTEM_TENANT, qs, NULL, RET_CHUNKS, &p, &np);
            size_t r = rc == CS_OK ? thread_rank(p, np, json_object_get_int(id)) : 0;
            int ho = cs_textfeat_hash64(qs, ql) % 5 == 0;
            struct ret_score *sets[3] = {&all, ho ? &held : NULL, ho ? NULL : &tune};
            ret_add(sets, 3, r);
            /* the same candidates re-ranked by meaning */
            if (rc == CS_OK && e) rc = cs_retrieval_rerank(e, qs, weight, p, np);
            size_t rr = rc == CS_OK ? thread_rank(p, np, json_object_get_int(id)) : 0;
            struct ret_score *rsets[3] = {&rall, ho ? &rheld : NULL, ho ? NULL : &rtune};
            if (e) ret_add(rsets, 3, rr);
            cs_arena_reset(a);
        }
        json_object_put(o);
    }
    free(line);
    fclose(qf);
    cs_store_close(st);
    cs_arena_destroy(a);
    unlink(db);
    /* SQLite may leave its journal files beside the database */
    char side[4300];
    snprintf(side, sizeof(side), "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", db);
    unlink(side);
    snprintf(side, sizeof(side), "%s-journal", db);
    unlink(side);
    rmdir(dir);
    if (rc != CS_OK) {
        printf("retrieval          failed: %s\n", cs_error_message(rc));
        return 1;
    }
    printf("retrieval          StackFAQ: %zu threads indexed as %zu chunks (SQLite FTS5 bm25)\n",
           nart, nchunks);
    ret_print("all queries", &all);
    ret_print("tuning (fnv%5!=0)", &tune);
    ret_print("held-out (fnv%5==0)", &held);
    if (e) {
        printf("    re-ranked by %s (weight %.2f, cs_retrieval_rerank):\n", cs_embed_name(e),
               weight);
        ret_print("all queries", &rall);
        ret_print("tuning (fnv%5!=0)", &rtune);
        ret_print("held-out (fnv%5==0)", &rheld);
    }
    return 0;
}
