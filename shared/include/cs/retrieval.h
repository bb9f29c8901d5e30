/* Knowledge-base retrieval for citations: articles are chunked (cs/kb.h) and stored as
 * searchable documents of the tenant's "kb_chunks" collection; a query returns the best
 * chunks by the store's full-text ranking (bm25 on SQLite).
 *
 * A tenant without articles of its own is answered from the product's sample knowledge
 * base, kept under the system tenant; once a tenant loads its own, only that is used.
 */
#ifndef CS_RETRIEVAL_H
#define CS_RETRIEVAL_H

#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"
#include "cs/kb.h"

struct cs_arena;
struct cs_store;

#define CS_KB_COLLECTION "kb_chunks"

struct cs_passage {
    const char *doc_id;
    const char *chunk_id;
    const char *title;
    const char *url;
    const char *category;
    const char *text;
    double score; /* (0, 1], higher is better */
};

/* Stores every chunk of `art` under `tenant` (CS_SYSTEM_TENANT for the sample KB),
 * replacing chunks with the same ids. *nchunks gets how many were written. */
CS_MUST_CHECK int cs_retrieval_index_article(struct cs_store *st, struct cs_arena *a,
                                             const char *tenant, const struct cs_kb_article *art,
                                             int64_t now_ms, size_t *nchunks);
/* Up to `k` passages for `query`, best first. */
CS_MUST_CHECK int cs_retrieval_search(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                      const char *query, size_t k, struct cs_passage **out,
                                      size_t *n);

/* What triage knows about the ticket, to choose among passages the words alone rank
 * close: the seed 003 issue category (struct cs_triage's category_code, e.g.
 * "PRODUCT_QUALITY"; the intent reaches retrieval through it). NULL or empty: none. */
struct cs_retrieval_hints {
    const char *category_code;
    double confidence; /* triage's confidence in it, (0, 1]; 0: unknown, taken as 1 */
};

/* `query` followed by the help-centre words for its customer words ("broken" adds
 * "damaged faulty"), allocated in `a`; NULL for a NULL query or out of memory. A draft
 * built from hinted results should match sentences on this text (cs_draft_input's
 * query_terms), since the passages were found with it. */
const char *cs_retrieval_expand(struct cs_arena *a, const char *query);

/* Up to `k` passages for the expanded query (cs_retrieval_expand), re-ranked among the
 * best 4k: a passage whose article category answers the hint's category code gains
 * 0.15 x confidence of its gap to a perfect score (GENERAL_INQUIRY, the catch-all,
 * gains nothing). `h` may be NULL: expansion only. A clean place to add re-rankers
 * (embeddings): they see the pool before it is cut to k. */
CS_MUST_CHECK int cs_retrieval_search_hinted(struct cs_store *st, struct cs_arena *a,
                                             const char *tenant, const char *query,
                                             const struct cs_retrieval_hints *h, size_t k,
                                             struct cs_passage **out, size_t *n);

/* Re-ranks passages[0..n) in place by meaning: each passage's new score is its
 * full-text score (relative to the best one) plus `weight` times the cosine between the
 * query's and the passage's (title + text) semantic embeddings (cs/embed.h), rescaled
 * into (0, 1]; best first. A NULL model or n < 2 leaves them as they are. Catches what
 * bm25 cannot: "I want my money back" against an article titled "Refunds". */
#define CS_RETRIEVAL_RERANK_WEIGHT 0.25 /* chosen on StackFAQ tuning queries (cs-eval) */
struct cs_embed;
CS_MUST_CHECK int cs_retrieval_rerank(const struct cs_embed *e, const char *query, double weight,
                                      struct cs_passage *p, size_t n);

#endif
