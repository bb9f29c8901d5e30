/* The reporting tables (seed 002) as MongoDB queries: pure BSON builders, unit-tested
 * without a server (tests/unit/store/mongo/store_mongo_reporting_test.c). Not wired
 * into the plugin yet: the MongoDB backend answers the reporting family with 503.
 *
 * Layout: one collection per resource table ("rp_calls", ...), documents
 *   { _id: {t: tenant, i: id}, upd: int64 ms (our write time),
 *     c: { <column fields>: value; times as int64 ms },   what the indexes cover
 *     rec: { the record as answered } }
 * and "rp_call_segments": { _id: {t, i: call id}, created: int64 ms, agent_id, team_id,
 * menu_id, s: [11 numbers or nulls, in cs_rp_seg order], transfers: [seconds] }.
 * Indexes: infra/mongodb/indexes.json ({_id.t, c.<column>, c.created_at} per column,
 * {_id.t, upd, _id.i} for tailing, {_id.t, created} on the segments). */
#ifndef CS_STORE_MONGO_REPORTING_H
#define CS_STORE_MONGO_REPORTING_H

#include <bson/bson.h>

#include "cs/reporting.h"

/* The find filter of a list query: tenant, not deleted (unless with_deleted), every
 * filter under an explicit operator, and the keyset cursor when given. */
CS_MUST_CHECK int cs_mq_rp_filter(bson_t *b, const char *tenant, const struct cs_rp_resource *r,
                                  const struct cs_rp_query *q);
/* find options: projection {rec, upd}, sort (field then _id.i, one direction), skip
 * (none with a cursor) and limit. */
CS_MUST_CHECK int cs_mq_rp_find_opts(bson_t *opts, const struct cs_rp_query *q);
/* The pipeline feeding segment statistics: $match on tenant and the created window
 * (the index's prefix), $project of the group key and the segment values; the
 * statistics are computed by the caller as on SQLite (exact nearest-rank percentiles). */
CS_MUST_CHECK int cs_mq_rp_segments_pipeline(bson_t *p, const char *tenant, enum cs_rp_group g,
                                             int64_t from_ms, int64_t to_ms);

/* ---- writes (replace_one with upsert on the key) ---- */

/* {_id: {t: tenant, i: id}}: the selector of one record. */
CS_MUST_CHECK int cs_mq_rp_key(bson_t *b, const char *tenant, int64_t id);
/* A checked record (cs_rp_import_check) of `r` as its stored document: the key, upd,
 * c with every column field (times as int64 ms, absent ones null) and rec, the record
 * as answered. CS_ERR_INVALID without an integer id. */
CS_MUST_CHECK int cs_mq_rp_doc(bson_t *doc, const char *tenant, const struct cs_rp_resource *r,
                               json_object *rec, int64_t upd_ms);
/* A call's segments document ("rp_call_segments"): key, created (ms), agent_id,
 * team_id, menu_id (null when absent), s (11 numbers or nulls) and transfers. */
CS_MUST_CHECK int cs_mq_rp_segments_doc(bson_t *doc, const char *tenant, json_object *call,
                                        const struct cs_rp_segments *s);

#endif
