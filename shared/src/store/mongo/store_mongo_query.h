/* Pure translation between the store's requests and MongoDB's BSON: no I/O, so every
 * query shape is unit-tested without a server (tests/unit/store_mongo_query_test.c).
 * store_mongo.c sends what these build.
 *
 * Document layout (one `docs` collection for every store collection):
 *   { _id: {t: tenant, c: coll, i: id},   unique by construction: no index needed for it
 *     version: int64, created: int64 ms, updated: int64 ms,
 *     body: {...},                         the JSON body, types kept (int64, double, ...)
 *     search: {title, body},               only when the document is searchable
 *     _outbox: [event, ...],               events written with the change, not yet moved
 *     _deleted: true }                     a tombstone still carrying events (see store_mongo.c)
 * Body keys that MongoDB treats specially ("$x", "a.b", "") are percent-escaped ('%' ->
 * %25, '.' -> %2E, '$' -> %24, "" -> "%"), so a body can never smuggle an operator and
 * reads back byte for byte. Filter paths only admit [A-Za-z0-9_.], which no escaped key
 * matches: a key with such characters is unreachable by filters, as on SQLite.
 *
 * Every builder returns CS_OK, CS_ERR_INVALID (malformed field), CS_ERR_TOO_LARGE (BSON
 * size limit), CS_ERR_TOO_DEEP or CS_ERR_NOMEM; on failure the output is unspecified
 * and only fit for bson_destroy. Outputs are bson_t the caller initialised. */
#ifndef CS_STORE_MONGO_QUERY_H
#define CS_STORE_MONGO_QUERY_H

#include <bson/bson.h>

#include "store/store_int.h"
#include "store/store_rollup.h"

#define CS_MQ_MAX_DEPTH 100 /* BSON's own nesting limit on the server */
#define CS_MQ_DAY_MS 86400000

/* The stored path of a store field: "_id.i", "created", "updated" or "body.<field>". */
CS_MUST_CHECK int cs_mq_path(const char *field, char *out, size_t cap);

/* JSON body <-> BSON. `body` must be an object; appended to `b` under `key`. */
CS_MUST_CHECK int cs_mq_append_body(bson_t *b, const char *key, json_object *body);
/* Converts the document at `it` (BSON_TYPE_DOCUMENT) into a json-c object released by
 * `a`'s cleanup hooks. CS_ERR_STORE for a type the store never writes. */
CS_MUST_CHECK int cs_mq_read_body(struct cs_arena *a, const bson_iter_t *it, json_object **out);
/* Reads a stored document (as projected by cs_mq_find_opts) into `out`. */
CS_MUST_CHECK int cs_mq_read_doc(struct cs_arena *a, const bson_t *doc, struct cs_doc *out);

/* {_id: {t, c, i}} : the exact key of one document. */
CS_MUST_CHECK int cs_mq_key(bson_t *b, const char *tenant, const char *coll, const char *id);
/* The key plus the "not a tombstone" condition: what reads and writes match. */
CS_MUST_CHECK int cs_mq_live_key(bson_t *b, const char *tenant, const char *coll, const char *id);
/* {"_id.t", "_id.c", "_deleted": {$exists: false}, $and: [filters]}. Values always go
 * under an explicit operator ($eq, $lt, ...), so a string such as "$gt" stays a string. */
CS_MUST_CHECK int cs_mq_filter(bson_t *b, const char *tenant, const char *coll,
                               const struct cs_filter *f, size_t n);
/* find options: projection, sort (field then _id, same direction, like SQLite's rid
 * tie-break), skip and limit (0: 100, capped at 1000). */
CS_MUST_CHECK int cs_mq_find_opts(bson_t *opts, const struct cs_query *q);
int64_t cs_mq_limit(int64_t limit);
/* The aggregation pipeline (an array) for cs_store_aggregate. Metrics are m0..m7. */
CS_MUST_CHECK int cs_mq_pipeline(bson_t *pipeline, const char *tenant, const char *coll,
                                 const struct cs_agg *agg);
/* The one row SQLite returns for an ungrouped aggregate over no documents (MongoDB's
 * $group returns none): count and sum 0, the others NaN. */
void cs_mq_empty_row(const struct cs_agg *agg, struct cs_agg_row *row);
/* Full-text search: filter with $text over the query terms (OR-ed, no syntax) and
 * options sorting by text score. CS_ERR_NOT_FOUND when the text has no terms. */
CS_MUST_CHECK int cs_mq_search(bson_t *filter, bson_t *opts, struct cs_arena *a, const char *tenant,
                               const char *coll, const char *text, size_t limit);
/* textScore (> 0, unbounded) into (0, 1) as SQLite maps bm25: x / (1 + x). */
double cs_mq_score(double text_score);
/* The `search` subdocument for cs_text. */
CS_MUST_CHECK int cs_mq_append_text(bson_t *b, const struct cs_text *text);

/* ---- outbox ----
 * A staged event as embedded in a document's `_outbox` array (and as moved):
 *   {id, tenant, topic, type, payload: JSON text, created: int64, seq: ObjectId}
 * A topic's items leave in (created, seq) order: `created` is the writer's clock in ms,
 * which orders writes from different processes and hosts (an ObjectId only has second
 * resolution and then a per-process random part); `seq` orders one process's events
 * within a millisecond (its counter increases). */
CS_MUST_CHECK int cs_mq_append_events(bson_t *b, const char *key, const struct cs_staged *e,
                                      size_t n, int64_t now_ms);
/* Selector {_id: event id} and update {$setOnInsert: item} that move one embedded event
 * (`ev`, an element of `_outbox`) into the outbox collection: idempotent by event id,
 * so a second move after a crash changes nothing. */
CS_MUST_CHECK int cs_mq_event_upsert(const bson_t *ev, bson_t *selector, bson_t *update);
/* Pipeline update removing the moved event ids from `_outbox` and the field itself
 * when it ends up empty: one atomic write, and events pushed meanwhile stay. */
CS_MUST_CHECK int cs_mq_outbox_pull(bson_t *update, const char *const *ids, size_t n);
/* The open head (lowest created, seq) of every (tenant, topic), when it is due and not
 * leased; oldest due first. */
/* topic NULL: every topic but the work queues (CS_OUTBOX_QUEUE_PREFIX); else that
 * queue's items only. */
CS_MUST_CHECK int cs_mq_claim_pipeline(bson_t *pipeline, const char *topic, int64_t now_ms,
                                       size_t limit);
/* Extends a held lease (the query matches only while the lease id is the caller's). */
CS_MUST_CHECK int cs_mq_renew(bson_t *query, bson_t *update, const struct cs_outbox_item *it,
                              int64_t lease_until_ms);
/* Candidate heads one claim considers at most. */
#define CS_MQ_MAX_CANDIDATES 1000

/* Leased open items per tenant (deliveries in flight): documents {_id: tenant, n}. */
CS_MUST_CHECK int cs_mq_busy_pipeline(bson_t *pipeline, int64_t now_ms);
/* The fair claim order of candidate heads (given oldest due first, tenants[i] each):
 * writes into order[] the indexes to lease, every tenant's first head before anyone's
 * second, counting a tenant's `busy` items in flight first, and none past per_tenant
 * (0: no cap). busy_tenants/busy_n are the busy pipeline's answer. Returns how many
 * indexes it wrote (at most min(n, CS_MQ_MAX_CANDIDATES)). Pure, so the SQLite and MongoDB claims can be held to
 * the same order in tests. */
size_t cs_mq_fair_order(const char *const *tenants, size_t n, const char *const *busy_tenants,
                        const int64_t *busy_n, size_t nbusy, size_t per_tenant, size_t *order);
/* findAndModify query and update leasing one head item. */
CS_MUST_CHECK int cs_mq_lease(bson_t *query, bson_t *update, const char *id, int64_t now_ms,
                              int64_t lease_ms, int64_t lease_id);
/* Update settling a leased item (matched by {_id, lease_id, state: 0}). */
CS_MUST_CHECK int cs_mq_settle(bson_t *query, bson_t *update, const struct cs_outbox_item *it,
                               enum cs_outbox_outcome outcome, int64_t next_due_ms, int64_t now_ms);
CS_MUST_CHECK int cs_mq_stats_pipeline(bson_t *pipeline, const char *tenant, const char *topic);

/* Rate-limit counter: {_id: {t, k, w}} and {$inc: {value}, $setOnInsert: {expires}}
 * where `expires` is a BSON date for the TTL index. */
CS_MUST_CHECK int cs_mq_counter(bson_t *query, bson_t *update, const char *tenant, const char *key,
                                int64_t window_start_ms, int64_t ttl_ms, int64_t delta);

/* ---- rollups (store_rollup.h) ----
 * A cell in the `rollups` collection:
 *   {_id: {t: tenant, c: coll, d: dim, h: hour ms, k: key}, count, s0..s7, n0..n7}
 * Selector and update adding one cell's change: {_id} and {$inc: {count, sM, nM}} with
 * the non-zero terms only, upserted (a missing field reads as 0). */
CS_MUST_CHECK int cs_mq_rollup_upsert(bson_t *selector, bson_t *update, const char *tenant,
                                      const char *coll, const struct cs_rollup_cell *c);
/* The pipeline summing the cells of `dim` for hours in [h0, h1): per key ({_id: key}),
 * or per hour and key ({_id: {h, k}}) ordered by hour; fields count, s0..s7, n0..n7. */
CS_MUST_CHECK int cs_mq_rollup_pipeline(bson_t *pipeline, const char *tenant, const char *coll,
                                        const char *dim, int64_t h0, int64_t h1, bool by_hour);

/* Reads an integer-valued field (int32, int64 or double) at a dotted path; `dflt` when
 * absent or of another type. */
int64_t cs_mq_get_int(const bson_t *doc, const char *path, int64_t dflt);
/* Reads a numeric field as double; NaN when absent, null or not a number. */
double cs_mq_get_double(const bson_t *doc, const char *path);

#endif
