/* The reporting tables (seed 002) as MongoDB queries: pure BSON builders, unit-tested
 * without a server (tests/unit/store/mongo/store_mongo_reporting_test.c), run by the
 * plugin's reporting operations (store_mongo_rp.c).
 *
 * Layout: one collection per resource table ("rp_calls", ...), documents
 *   { _id: {t: tenant, i: id}, upd: int64 ms (our write time),
 *     c: { <column fields>: value; times as int64 ms },   what the indexes cover
 *     rec: { the record as answered } }
 * and "rp_call_segments": { _id: {t, i: call id}, created: int64 ms, agent_id, team_id,
 * menu_id, s: [11 numbers or nulls, in cs_rp_seg order], transfers: [seconds] };
 * "rp_clock": { _id: {t, r: table}, upd } (write clocks) and
 * { _id: {t, r: "rp_changed_details"}, next } (changed_details ids).
 * Indexes: infra/mongodb/indexes.json ({_id.t, c.<column>, c.created_at} per column,
 * {_id.t, upd, _id.i} for tailing, {_id.t, created} on the segments, {_id.t,
 * rec.teams.id} for a team's agents). */
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
/* The segment statistics as two aggregation pipelines on "rp_call_segments" (MongoDB
 * 5.0 or newer: $setWindowFields; $percentile, 7.0, is approximate, and these are the
 * exact nearest-rank percentiles of the SQLite side):
 *   calls: $match on tenant and the created window (the index's prefix), $group by the
 *          key: {_id: key, calls};
 *   stats: the same $match, one {key, e: {k, v}} per applying segment value (a call's
 *          transfers one each under the transfer segment), $setWindowFields per (key, k)
 *          sorted by v giving each value its rank r, the partition's n and sum, then only
 *          the ranks ceil(n * 0.5 | 0.9 | 0.99) (at least 1) kept and grouped:
 *          {_id: {key, k}, n, sum, at: [{r, v}]}.
 * Keys: agent/team/menu id (null for none), days since the epoch, hour of day (UTC). */
CS_MUST_CHECK int cs_mq_rp_calls_pipeline(bson_t *p, const char *tenant, enum cs_rp_group g,
                                          int64_t from_ms, int64_t to_ms);
CS_MUST_CHECK int cs_mq_rp_stats_pipeline(bson_t *p, const char *tenant, enum cs_rp_group g,
                                          int64_t from_ms, int64_t to_ms);
/* Rows of `r` whose column `col` equals v, live only when r has deleted_at. */
CS_MUST_CHECK int cs_mq_rp_children_filter(bson_t *b, const char *tenant,
                                           const struct cs_rp_resource *r, const char *col,
                                           int64_t v);
/* Live agents whose teams[] holds an object with id team_id (index rp_agents_teams). */
CS_MUST_CHECK int cs_mq_rp_team_agents_filter(bson_t *b, const char *tenant, int64_t team_id);
/* The write clock of (tenant, table) as a findAndModify: selector {_id: {t, r: table}}
 * and the pipeline update setting upd to max(upd + 1, now_ms), so that every write of a
 * table answers a later updated_at than the one before, even when the clock goes back. */
CS_MUST_CHECK int cs_mq_rp_clock(bson_t *sel, bson_t *update, const char *tenant, const char *table,
                                 int64_t now_ms);
/* The changed_details id block: {_id: {t, r: "rp_changed_details"}}, {$inc: {next: n}}. */
CS_MUST_CHECK int cs_mq_rp_change_ids(bson_t *sel, bson_t *update, const char *tenant, int64_t n);

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
