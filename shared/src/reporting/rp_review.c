/* Review decisions (seed 001's human review queue) as agent activity (seed 002): the
 * reviewer is an agent whose activity "review_<verdict>" ran from the moment the item
 * entered the queue to the decision. The row is staged on the store handle inside the
 * decision's own read-modify-write, so the store writes it with the decided item (one
 * transaction on SQLite) and a lost race or failed write leaves no activity behind. */
#include <stdio.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/json.h"
#include "cs/reporting.h"
#include "cs/store.h"
#include "reporting/rp_int.h"
#include "store/store_reporting.h"

int64_t cs_rp_reviewer_agent_id(const char *subject)
{
    return cs_rp_hashed_id("reviewer", subject ? subject : "", 0);
}

static void add_time(struct cs_jb *b, const char *key, int64_t ms)
{
    char iso[40];
    cs_rp_time_str(ms, iso);
    cs_jb_str(b, key, iso);
}

/* An int64 field of the decided body; false when absent or not an integer (a stored
 * body is checked like outside input). */
static bool int_of(json_object *body, const char *key, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(body, key, &v) || !json_object_is_type(v, json_type_int))
        return false;
    *out = json_object_get_int64(v);
    return *out >= 0;
}

static json_object *activity_row(const char *item_id, json_object *decided)
{
    const char *status = cs_json_get_str(decided, "status");
    const char *reviewer = cs_json_get_str(decided, "reviewer_id");
    int64_t queued, decided_ms;
    if (!status || !strcmp(status, "queued") || !reviewer ||
        !int_of(decided, "queued_at", &queued) || !int_of(decided, "decided_at", &decided_ms) ||
        decided_ms < queued)
        return NULL;
    struct cs_jb b;
    cs_jb_init(&b, json_object_new_object());
    cs_jb_int(&b, "id", cs_rp_hashed_id("review", item_id, 0));
    cs_jb_int(&b, "agent_id", cs_rp_reviewer_agent_id(reviewer));
    cs_jb_str(&b, "status", "In review");
    char act[32];
    snprintf(act, sizeof(act), "review_%s", status);
    cs_jb_str(&b, "activity", act);
    add_time(&b, "started_at", queued);
    add_time(&b, "ended_at", decided_ms);
    cs_jb_add(&b, "duration", json_object_new_double((double)(decided_ms - queued) / 1000.0));
    json_object *meta = json_object_object_get(decided, "metadata");
    const char *sid =
        json_object_is_type(meta, json_type_object) ? cs_json_get_str(meta, "session_id") : NULL;
    if (sid && *sid) cs_jb_int(&b, "chat_id", cs_rp_chat_id(sid));
    add_time(&b, "created_at", decided_ms);
    if (cs_jb_done(&b)) {
        json_object_put(b.obj);
        return NULL;
    }
    return b.obj;
}

int cs_rp_review_activity(struct cs_arena *a, const char *item_id, json_object *decided,
                          json_object **records)
{
    *records = NULL;
    if (!item_id || !*item_id || !json_object_is_type(decided, json_type_object))
        return CS_ERR_INVALID;
    json_object *row = activity_row(item_id, decided);
    if (!row) return CS_ERR_INVALID;
    json_object *arr = cs_json_array(a);
    if (!arr || json_object_array_add(arr, row)) {
        json_object_put(row);
        return CS_ERR_NOMEM;
    }
    *records = arr;
    return CS_OK;
}

int cs_rp_review_stage(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       const char *item_id, json_object *decided)
{
    if (!cs_rp_stage_ready(st)) return CS_OK;
    json_object *recs;
    int rc = cs_rp_review_activity(a, item_id, decided, &recs);
    if (!rc) rc = cs_store_stage(st, tenant, CS_RP_STAGE_TOPIC, "agent_activity_logs", recs);
    return rc;
}
