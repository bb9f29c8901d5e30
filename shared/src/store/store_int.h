/* Backend contract behind cs/store.h. The public functions in store.c check arguments
 * (tenant, collection and id shapes), apply fault injection, and dispatch here; each
 * backend embeds `struct cs_store` as its first member. */
#ifndef CS_STORE_INT_H
#define CS_STORE_INT_H

#include "cs/store.h"

struct cs_rollup_def;
struct cs_rp_store_ops;

struct cs_store_ops {
    const char *name;
    void (*close)(struct cs_store *st);
    int (*ping)(struct cs_store *st);
    int (*insert)(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                  const char *id, json_object *body, const struct cs_text *text, int64_t now_ms,
                  struct cs_doc *out);
    int (*get)(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
               const char *id, struct cs_doc *out);
    int (*update)(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                  const char *id, int64_t expected_version, json_object *body,
                  const struct cs_text *text, int64_t now_ms, struct cs_doc *out);
    int (*delete_doc)(struct cs_store *st, const char *tenant, const char *coll, const char *id,
                      int64_t expected_version);
    int (*find)(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                const struct cs_query *q, struct cs_doc_list *out);
    int (*count)(struct cs_store *st, const char *tenant, const char *coll,
                 const struct cs_filter *filters, size_t nfilters, int64_t *out);
    int (*aggregate)(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                     const struct cs_agg *agg, struct cs_agg_row **rows, size_t *nrows);
    int (*quantiles)(struct cs_store *st, const char *tenant, const char *coll,
                     const struct cs_filter *filters, size_t nfilters, const char *field,
                     const double *qs, size_t nq, double *out);
    int (*search)(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                  const char *text, size_t limit, struct cs_hit **hits, size_t *nhits);
    int (*counter_add)(struct cs_store *st, const char *tenant, const char *key,
                       int64_t window_start_ms, int64_t ttl_ms, int64_t delta, int64_t *value);
    /* Optional (NULL: nothing to do). */
    int (*compact)(struct cs_store *st);
    /* Writes st->staged with no document change. */
    int (*outbox_flush)(struct cs_store *st, int64_t now_ms);
    int (*outbox_claim)(struct cs_store *st, struct cs_arena *a, int64_t now_ms, int64_t lease_ms,
                        size_t limit, size_t per_tenant, struct cs_outbox_item **items, size_t *n);
    /* Claims only items of `topic` (a queue, CS_OUTBOX_QUEUE_PREFIX), ignoring
     * per-tenant caps; outbox_claim must leave queue topics out. */
    int (*outbox_claim_topic)(struct cs_store *st, struct cs_arena *a, const char *topic,
                              int64_t now_ms, int64_t lease_ms, size_t limit,
                              struct cs_outbox_item **items, size_t *n);
    int (*outbox_renew)(struct cs_store *st, const struct cs_outbox_item *item,
                        int64_t lease_until_ms);
    /* True when outbox_claim hands out runs of CS_EVENTS_TOPIC (cs/store.h). */
    bool outbox_runs;
    int (*outbox_settle)(struct cs_store *st, const struct cs_outbox_item *item,
                         enum cs_outbox_outcome outcome, int64_t next_due_ms, int64_t now_ms);
    int (*outbox_stats)(struct cs_store *st, const char *tenant, const char *topic, int64_t *open,
                        int64_t *done, int64_t *dead);
    /* Optional (NULL: every operation commits by itself). */
    void (*scope_begin)(struct cs_store *st);
    int (*scope_end)(struct cs_store *st);
    /* Rollups (store_rollup.h); NULL: the backend keeps none (CS_ERR_UNSUPPORTED).
     * read: the cells of `dim` for hours in [h0, h1), summed per key (by_hour: per hour
     * and key, ordered by hour), keys decoded. scan: every document whose time is in
     * [from, to], in no particular order. rank: the value at offset k (0-based) in
     * ascending order among the documents with time in [from, to] and the histogram
     * field in [lo, hi); NaN when there is none. */
    int (*rollup_read)(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       const struct cs_rollup_def *d, const char *dim, int64_t h0, int64_t h1,
                       bool by_hour, struct cs_rollup_row **rows, size_t *n);
    int (*rollup_scan)(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       const struct cs_rollup_def *d, int64_t from, int64_t to,
                       int (*each)(void *ctx, json_object *body, int64_t created_ms), void *ctx);
    int (*rollup_rank)(struct cs_store *st, const char *tenant, const struct cs_rollup_def *d,
                       double lo, double hi, int64_t from, int64_t to, int64_t k, double *out);
    /* The reporting tables (store_rp_backend.h); NULL: none (the SQLite backend's are
     * reached through its connection, cs_store_sqlite_db). */
    const struct cs_rp_store_ops *reporting;
};

/* An event waiting for the next write on its handle (cs_store_stage). Heap copies: a
 * stage outlives the request arena only until that write. */
struct cs_staged {
    char id[32];
    char *tenant;
    char *topic;
    char *type;
    char *payload; /* JSON text */
};

struct cs_store {
    const struct cs_store_ops *ops;
    unsigned fail_countdown;
    int failing;
    /* Backends write these in the same operation as insert/update/delete; store.c
     * clears them after every such call, successful or not. */
    struct cs_staged staged[CS_OUTBOX_MAX_STAGED];
    size_t nstaged;
};

/* The argument checks and fault injection of store.c, for store_rollup.c. */
bool cs_store_tenant_ok(const char *tenant);
int cs_store_injected(struct cs_store *st);

/* Backend constructors. */
int cs_store_sqlite_open(const char *path, struct cs_store **out);
/* `uri` is the whole mongodb:// or mongodb+srv:// URI (see store_mongo.c). Loads the
 * MongoDB plugin on first use (store_plugin.c); CS_ERR_CONFIG, with the reason logged,
 * when it cannot. */
int cs_store_mongo_open(const char *uri, struct cs_store **out);

/* Field paths accepted in filters, sorts and groupings: "_id", "_created", "_updated",
 * or dotted identifiers ("triage.category"). */
bool cs_store_field_valid(const char *field);
/* Lower-cased word tokens of free text for full-text queries, stop words dropped;
 * returns the count written (at most max), each token in `a`. */
size_t cs_store_query_terms(struct cs_arena *a, const char *text, const char **terms, size_t max);
/* Fresh random document id (24 hex digits) in the arena. */
char *cs_store_new_id(struct cs_arena *a);
/* Turns a stored JSON text into an object owned by the arena. */
json_object *cs_store_body_parse(struct cs_arena *a, const char *text, size_t len);

#endif
