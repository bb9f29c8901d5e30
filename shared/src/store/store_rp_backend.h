/* The reporting operations (cs/reporting.h, seed 002) as a backend provides them:
 * SQLite in the core (store_reporting_sqlite.c), MongoDB in its plugin
 * (mongo/store_mongo_rp.c). store_reporting.c checks arguments, applies fault
 * injection and dispatches; a backend without this table answers CS_ERR_UNAVAILABLE. */
#ifndef CS_STORE_RP_BACKEND_H
#define CS_STORE_RP_BACKEND_H

#include "cs/reporting.h"

/* Topic of the reporting records a session change stages (cs_rp_chat_stage): the
 * backend writes them into the reporting tables in the same operation as the change,
 * never into the webhook outbox. */
#define CS_RP_STAGE_TOPIC "_reporting"

struct cs_rp_store_ops {
    int (*import)(struct cs_store *st, struct cs_arena *a, const char *tenant,
                  const struct cs_rp_resource *r, json_object *records, int64_t now_ms,
                  struct cs_rp_import_result *res);
    int (*list)(struct cs_store *st, struct cs_arena *a, const char *tenant,
                const struct cs_rp_resource *r, const struct cs_rp_query *q, json_object *items,
                int64_t *total);
    int (*get)(struct cs_store *st, struct cs_arena *a, const char *tenant,
               const struct cs_rp_resource *r, int64_t id, bool with_deleted, json_object **out);
    int (*children)(struct cs_store *st, struct cs_arena *a, const char *tenant,
                    const struct cs_rp_resource *r, const char *col, int64_t v, size_t limit,
                    json_object *items);
    int (*team_agents)(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t team_id,
                       json_object *items);
    int (*segment_stats)(struct cs_store *st, struct cs_arena *a, const char *tenant,
                         enum cs_rp_group g, int64_t from_ms, int64_t to_ms,
                         struct cs_rp_group_row **rows, size_t *nrows);
};

#endif
