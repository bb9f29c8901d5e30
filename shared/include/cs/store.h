/* The store: tenant-scoped JSON documents with versions, queries, aggregation,
 * full-text search and counters, over one of two backends chosen by URI:
 *   sqlite:///path/to/file.db   embedded default (WAL; many processes on one host)
 *   mongodb://...               shared state for cloud deployments (see store_mongo)
 *
 * Every call takes the tenant first, so no query can forget it. Documents live in
 * named collections; each has an id, a version (1 on insert, +1 per update), created
 * and updated times, and a JSON object body. Updates and deletes name the version they
 * expect (optimistic concurrency): a stale version fails with CS_ERR_CONFLICT and the
 * caller re-reads and retries.
 *
 * Filters and sorts name a body field by a dotted path ("triage.category") or one of
 * the document's own fields: "_id", "_created", "_updated" (Unix ms).
 * Results are allocated in the caller's arena; bodies are json-c objects released by
 * the arena's cleanup hooks.
 *
 * A store handle is not thread-safe: each worker thread opens its own.
 */
#ifndef CS_STORE_H
#define CS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"

struct cs_arena;
struct cs_store;

#define CS_QUERY_MAX_FILTERS 12
#define CS_AGG_MAX_METRICS 8
#define CS_STORE_ID_MAX 128

struct cs_doc {
    const char *id;
    int64_t version;
    int64_t created_ms;
    int64_t updated_ms;
    json_object *body;
};

struct cs_doc_list {
    struct cs_doc *docs;
    size_t n;
    int64_t total; /* matches ignoring limit/offset; -1 unless asked for */
};

enum cs_val_type { CS_VAL_NULL, CS_VAL_STR, CS_VAL_INT, CS_VAL_REAL, CS_VAL_BOOL };

struct cs_value {
    enum cs_val_type type;
    const char *s;
    int64_t i;
    double d;
    bool b;
};

enum cs_op { CS_OP_EQ, CS_OP_NE, CS_OP_LT, CS_OP_LTE, CS_OP_GT, CS_OP_GTE, CS_OP_EXISTS };

struct cs_filter {
    const char *field;
    enum cs_op op;
    struct cs_value v;
};

struct cs_query {
    struct cs_filter filters[CS_QUERY_MAX_FILTERS];
    size_t nfilters;
    const char *sort; /* field, NULL: "_created" */
    bool desc;
    int64_t limit; /* 0: 100; capped at 1000 */
    int64_t offset;
    bool want_total;
};

/* Appends a filter; CS_ERR_INVALID when the query is full or the field is malformed. */
CS_MUST_CHECK int cs_query_where(struct cs_query *q, const char *field, enum cs_op op,
                                 struct cs_value v);
struct cs_value cs_val_str(const char *s);
struct cs_value cs_val_int(int64_t i);
struct cs_value cs_val_real(double d);
struct cs_value cs_val_bool(bool b);

/* Text indexed for full-text search alongside a document. */
struct cs_text {
    const char *title;
    const char *body;
};

struct cs_hit {
    struct cs_doc doc;
    double score; /* relevance in (0, 1]: higher is better, comparable within a result */
};

enum cs_agg_op { CS_AGG_COUNT, CS_AGG_SUM, CS_AGG_AVG, CS_AGG_MIN, CS_AGG_MAX };
enum cs_bucket { CS_BUCKET_NONE, CS_BUCKET_DAY, CS_BUCKET_WEEK, CS_BUCKET_MONTH };

struct cs_agg_metric {
    enum cs_agg_op op;
    const char *field; /* ignored for COUNT */
};

/* Group the filtered documents by `group_by` (NULL: one group) and compute metrics.
 * With a bucket, group_by must be a time field in Unix ms and the key is the bucket's
 * ISO date ("2026-11-25"; weeks start on Monday, months on the 1st, UTC). Rows come
 * sorted by key, or by the first metric descending when `by_metric` is set. */
struct cs_agg {
    const struct cs_filter *filters;
    size_t nfilters;
    const char *group_by;
    enum cs_bucket bucket;
    struct cs_agg_metric metrics[CS_AGG_MAX_METRICS];
    size_t nmetrics;
    bool by_metric;
    int64_t limit; /* 0: no limit */
};

struct cs_agg_row {
    struct cs_value key; /* CS_VAL_NULL for the single group, or a missing field */
    double values[CS_AGG_MAX_METRICS];
};

/* Opens a backend by URI. CS_ERR_CONFIG for an unknown scheme or bad URI,
 * CS_ERR_STORE when the backend cannot be reached or initialised. */
CS_MUST_CHECK int cs_store_open(const char *uri, struct cs_store **out);
void cs_store_close(struct cs_store *st);
/* Cheap round trip for readiness checks. */
CS_MUST_CHECK int cs_store_ping(struct cs_store *st);
/* Readiness of the write path: a store that answers reads but refuses writes (full disk,
 * read-only file, lost lock) is not ready. Bumps one counter of the system tenant per
 * minute, which expires on its own, so probes leave nothing behind. */
CS_MUST_CHECK int cs_store_probe_write(struct cs_store *st, int64_t now_ms);
/* "sqlite" or "mongodb". */
const char *cs_store_backend(const struct cs_store *st);

/* Inserts a document. `id` NULL generates one (prefix_ + 24 hex, prefix from `coll`'s
 * singular form is up to the caller: pass NULL to get a bare hex id). `text` non-NULL
 * makes the document searchable. CS_ERR_EXISTS when the id is taken. */
CS_MUST_CHECK int cs_store_insert(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                  const char *coll, const char *id, json_object *body,
                                  const struct cs_text *text, int64_t now_ms, struct cs_doc *out);
/* CS_ERR_NOT_FOUND when absent (in this tenant). */
CS_MUST_CHECK int cs_store_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               const char *coll, const char *id, struct cs_doc *out);
/* Replaces the body when the stored version equals `expected_version`; the new version
 * is expected_version + 1. CS_ERR_CONFLICT when the version moved, CS_ERR_NOT_FOUND
 * when absent. `text` as for insert (NULL keeps no text for the document). */
CS_MUST_CHECK int cs_store_update(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                  const char *coll, const char *id, int64_t expected_version,
                                  json_object *body, const struct cs_text *text, int64_t now_ms,
                                  struct cs_doc *out);
/* Deletes; expected_version < 0 deletes whatever version is stored. */
CS_MUST_CHECK int cs_store_delete(struct cs_store *st, const char *tenant, const char *coll,
                                  const char *id, int64_t expected_version);
CS_MUST_CHECK int cs_store_find(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                const char *coll, const struct cs_query *q,
                                struct cs_doc_list *out);
CS_MUST_CHECK int cs_store_count(struct cs_store *st, const char *tenant, const char *coll,
                                 const struct cs_filter *filters, size_t nfilters, int64_t *out);
CS_MUST_CHECK int cs_store_aggregate(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                     const char *coll, const struct cs_agg *agg,
                                     struct cs_agg_row **rows, size_t *nrows);
/* Nearest-rank quantiles of a numeric field over the filtered documents; out[i] is NaN
 * when no document has the field. qs in [0, 1]. */
CS_MUST_CHECK int cs_store_quantiles(struct cs_store *st, const char *tenant, const char *coll,
                                     const struct cs_filter *filters, size_t nfilters,
                                     const char *field, const double *qs, size_t nq, double *out);
/* Full-text search over the searchable documents of a collection (bm25 on SQLite, text
 * score on MongoDB). Free text: no query syntax is interpreted. */
CS_MUST_CHECK int cs_store_search(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                  const char *coll, const char *text, size_t limit,
                                  struct cs_hit **hits, size_t *nhits);
/* Tidies the full-text index after a bulk load (SQLite: merges FTS5 segments, which
 * made a KB query ~2.7x cheaper in measurement); backends that maintain their indexes
 * themselves do nothing. Slow: an admin step, never per request. */
CS_MUST_CHECK int cs_store_compact(struct cs_store *st);
/* Adds `delta` to the counter `key` for the fixed window starting at window_start_ms
 * and returns the new value; windows older than `ttl_ms` may be dropped. Used for rate
 * limits shared by every process using the store. */
CS_MUST_CHECK int cs_store_counter_add(struct cs_store *st, const char *tenant, const char *key,
                                       int64_t window_start_ms, int64_t ttl_ms, int64_t delta,
                                       int64_t *value);

/* ---- Rollups ----
 * For the collections that have them (the tickets of tickets-process, "tickets", and the
 * customer insights' records, "insights_tickets"; list and fields in store_rollup.c),
 * the store keeps, per tenant and per hour of the collection's time field, a count and
 * per measure a sum and the number of documents having it: in total, per value of each
 * grouping field, and as a histogram of one field. Every insert, update and delete of
 * such a document changes them in the same transaction as the document (SQLite), so
 * they always equal a scan; a store opened on data without them builds them at open.
 * Reads take the whole hours of a range from the rollups and scan the documents of the
 * partial hours at its ends: exact, and O(hours x keys) rather than O(documents). */
#define CS_ROLLUP_MAX_MEASURES 8

struct cs_rollup_row {
    int64_t hour_ms; /* internal (per-hour reads); 0 in results */
    const char *key; /* the grouping value; NULL for the total, or the group of documents
                      * whose value is missing or not a string */
    int64_t count;
    double sum[CS_ROLLUP_MAX_MEASURES]; /* booleans count as 1/0 */
    int64_t n[CS_ROLLUP_MAX_MEASURES];  /* documents with a number there */
};

/* Index of `field` among the measures of `coll`'s rollup; -1 when it is not one. */
int cs_store_rollup_measure(const char *coll, const char *field);
/* Documents whose time is in [from_ms, to_ms], grouped by `dim` (one of the
 * collection's grouping fields; NULL: one total row, none when no document). Rows are
 * sorted by key, the NULL key first. CS_ERR_INVALID for a collection without rollups
 * or an unknown dim. */
CS_MUST_CHECK int cs_store_rollup(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                  const char *coll, const char *dim, int64_t from_ms, int64_t to_ms,
                                  struct cs_rollup_row **rows, size_t *nrows);
/* Totals per bucket [bounds[i], bounds[i+1]) (nbounds - 1 rows, increasing bounds, any
 * alignment: an hour a boundary cuts is scanned) of the documents in [from_ms, to_ms]. */
CS_MUST_CHECK int cs_store_rollup_buckets(struct cs_store *st, struct cs_arena *a,
                                          const char *tenant, const char *coll, int64_t from_ms,
                                          int64_t to_ms, const int64_t *bounds, size_t nbounds,
                                          struct cs_rollup_row **rows);
/* Nearest-rank quantiles of the collection's histogram field over the documents in
 * [from_ms, to_ms], equal to cs_store_quantiles over the same documents (NaN when none). */
CS_MUST_CHECK int cs_store_rollup_quantiles(struct cs_store *st, const char *tenant,
                                            const char *coll, int64_t from_ms, int64_t to_ms,
                                            const double *qs, size_t nq, double *out);

/* ---- Read-modify-write ----
 * The one optimistic-concurrency loop: read the document, let `mutate` change it, write
 * it back naming the version read, and when the write lost a race to another writer
 * read again and call `mutate` again, up to CS_STORE_MODIFY_ATTEMPTS times (then
 * CS_ERR_CONFLICT). A lost race is a write that failed because the document changed
 * since it was read: CS_ERR_CONFLICT from the update, CS_ERR_EXISTS from the insert of
 * an absent document (someone created it first) and, with CS_MODIFY_CREATE, the
 * CS_ERR_NOT_FOUND of an update (someone deleted it). Any other code ends the loop.
 *
 * `mutate` gets the document as read (body mutable, owned by the arena). It changes
 * doc->body in place or points it at a new object that the arena owns, and returns
 * CS_OK to write it, CS_STORE_UNCHANGED to finish with CS_OK and write nothing, or an
 * error code, which cs_store_modify returns as it is (it is never retried). Events it
 * stages ride on the write (see Outbox); whenever the round does not write, whatever
 * is staged is dropped, so an error path cannot leak an event into a later write. */
#define CS_STORE_MODIFY_ATTEMPTS 32
#define CS_STORE_UNCHANGED (-1)

enum cs_modify_flag {
    /* An absent document is not CS_ERR_NOT_FOUND: mutate gets doc->version 0 and
     * doc->body NULL, sets a body, and the write is an insert. */
    CS_MODIFY_CREATE = 1u << 0,
    /* With CREATE, for documents that are mostly new: the first round calls mutate as
     * for an absent document and inserts without reading; CS_ERR_EXISTS reads. */
    CS_MODIFY_INSERT_FIRST = 1u << 1,
};

typedef int (*cs_store_mutate_fn)(void *ctx, struct cs_doc *doc);

struct cs_store_modify {
    const char *tenant;
    const char *coll;
    const char *id;
    unsigned flags; /* enum cs_modify_flag bits */
    cs_store_mutate_fn mutate;
    void *ctx;
    int64_t now_ms;
    int *read_rc; /* optional: the last round's read (CS_OK: mutate was called) */
    /* Optional: this document as the caller already read it (same id, version > 0): the
     * first round mutates it (its body too) instead of reading, and a write since then
     * is a lost race like any other, so the next round reads afresh. */
    const struct cs_doc *first;
};

/* Returns CS_OK (with *out, when non-NULL, the document written, or the one read when
 * mutate said CS_STORE_UNCHANGED), mutate's error, or the store's. */
CS_MUST_CHECK int cs_store_modify(struct cs_store *st, struct cs_arena *a,
                                  const struct cs_store_modify *m, struct cs_doc *out);

/* Insert or replace: stores `body` as the document whatever version is there (through
 * cs_store_modify, so a concurrent writer's insert or update is replaced, not failed). */
CS_MUST_CHECK int cs_store_put(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               const char *coll, const char *id, json_object *body, int64_t now_ms,
                               struct cs_doc *out);

/* ---- Outbox ----
 * Events that must leave the system (webhook deliveries) are written in the same store
 * operation as the change that caused them, so a crash can neither lose an event nor
 * announce a change that did not happen. Stage them on the handle; the next successful
 * insert, update or delete writes them atomically with its change (one transaction on
 * SQLite; on MongoDB inside the changed document, then moved to the outbox). A failed
 * write drops what was staged, as does cs_store_unstage; cs_store_outbox_flush writes
 * staged events that no document change accompanies. The request pipeline (cs_app_handle)
 * drops whatever is still staged when the handler returns, so a handler's error path
 * cannot leak an event into a later request; cs_store_modify drops it per round.
 *
 * Items of one `topic` (one webhook subscription, say) leave in the order they were
 * written: a claim returns at most the oldest open item of each topic, and only when it
 * is due and not leased. Tenants share a claim fairly: it takes every tenant's most
 * overdue head before anyone's second, and with `per_tenant` > 0 a tenant that already
 * holds that many leased items (its deliveries in flight, in any dispatcher) gets no more
 * until some settle, so one tenant's hanging endpoints cannot take every slot. Claiming leases it until now + lease_ms and counts an attempt;
 * only the holder of that lease can settle it, and an expired lease makes the item
 * claimable again, so a dispatcher that dies mid-delivery loses nothing.
 *
 * The dispatcher works for every tenant, so claims are the one store call not scoped
 * to a tenant: each item carries its own, and whatever it does next is scoped by it.
 *
 * Runs: the real-time topic (CS_EVENTS_TOPIC, cs/events.h) is relayed into the store
 * itself, not sent anywhere, so one dispatcher can take a tenant's whole backlog of it
 * at once and write it in a few shared transactions, instead of one claim, relay and settle (three
 * write transactions, each dropping every other process's page cache) per event. A
 * backend whose cs_store_outbox_runs is true returns, right after a free head of that
 * topic, the items following it in the topic's order (up to CS_OUTBOX_RUN_MAX in all per
 * claim, not counted in `limit`), leased like the head; the caller handles them in the
 * order given. Others return heads only. */
#define CS_OUTBOX_MAX_STAGED 64
#define CS_OUTBOX_RUN_MAX 256

struct cs_outbox_item {
    const char *id;
    const char *tenant;
    const char *topic;
    const char *type;
    json_object *payload;
    int64_t attempts; /* including the one this claim starts */
    int64_t created_ms;
    int64_t lease_id;
};

enum cs_outbox_outcome {
    CS_OUTBOX_DONE,  /* delivered: closed */
    CS_OUTBOX_RETRY, /* try again at next_due_ms; the topic waits behind it */
    CS_OUTBOX_DEAD,  /* gave up: closed as dead letter, the topic moves on */
};

/* Copies the event; CS_ERR_INVALID for a bad tenant/topic/type or a full stage. */
CS_MUST_CHECK int cs_store_stage(struct cs_store *st, const char *tenant, const char *topic,
                                 const char *type, json_object *payload);
void cs_store_unstage(struct cs_store *st);
size_t cs_store_staged(const struct cs_store *st);
CS_MUST_CHECK int cs_store_outbox_flush(struct cs_store *st, int64_t now_ms);

/* Request scope (group commit). After scope_begin, a backend that supports it may leave
 * this handle's operations in a transaction shared with other handles of the process
 * and commit them together; scope_end returns once everything the handle did since is
 * committed, or the commit's failure (CS_ERR_STORE) - an answer must not say "done"
 * before that. Operations still return their own outcome as usual. Backends without it
 * (MongoDB) commit every operation by itself and scope_end has nothing to do. */
void cs_store_scope_begin(struct cs_store *st);
CS_MUST_CHECK int cs_store_scope_end(struct cs_store *st);
CS_MUST_CHECK int cs_store_outbox_claim(struct cs_store *st, struct cs_arena *a, int64_t now_ms,
                                        int64_t lease_ms, size_t limit, size_t per_tenant,
                                        struct cs_outbox_item **items, size_t *n);
bool cs_store_outbox_runs(const struct cs_store *st);
/* Work queues on the outbox. A topic starting with CS_OUTBOX_QUEUE_PREFIX is a queue
 * of work items (training jobs), not events: cs_store_outbox_claim never returns its
 * items (no dispatcher delivers them); its worker claims them by topic, with the same
 * leases, order (a tenant's items of one topic one at a time, oldest first) and
 * settling. Like cs_store_outbox_claim, this claim is not scoped to a tenant. */
#define CS_OUTBOX_QUEUE_PREFIX "_q."
CS_MUST_CHECK int cs_store_outbox_claim_topic(struct cs_store *st, struct cs_arena *a,
                                              const char *topic, int64_t now_ms, int64_t lease_ms,
                                              size_t limit, struct cs_outbox_item **items,
                                              size_t *n);
/* Extends the caller's lease on a claimed item to lease_until_ms (a long job renews as
 * it goes). CS_ERR_CONFLICT when the lease was lost (expired and claimed again, or the
 * item settled): the caller must stop and write nothing more. */
CS_MUST_CHECK int cs_store_outbox_renew(struct cs_store *st, const struct cs_outbox_item *item,
                                        int64_t lease_until_ms);
/* CS_ERR_CONFLICT when the lease expired and someone else claimed the item. */
CS_MUST_CHECK int cs_store_outbox_settle(struct cs_store *st, const struct cs_outbox_item *item,
                                         enum cs_outbox_outcome outcome, int64_t next_due_ms,
                                         int64_t now_ms);
/* Counts a tenant's items by state, for tests and operators: open (pending or leased),
 * done and dead; `topic` NULL counts every topic. */
CS_MUST_CHECK int cs_store_outbox_stats(struct cs_store *st, const char *tenant, const char *topic,
                                        int64_t *open, int64_t *done, int64_t *dead);

/* Fault injection for tests: the `n`th store call from now (1 = the next) fails with
 * CS_ERR_STORE, as a lost connection would; 0 turns it off. */
void cs_store_fail_after(struct cs_store *st, unsigned n);

#endif
