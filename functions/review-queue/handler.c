/* POST /api/v1/review/queue: queues a response for human review (cs/review.h, which
 * stages review.queue_update with the insert) and estimates when it will be reviewed
 * from the queued items ahead of it and the queue's measured throughput. */
#include "handler.h"

#include <string.h>

#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/review.h"
#include "cs/store.h"

#define DEFAULT_PRIORITY 3

static int estimate(const struct cs_req *req, const char *id, int64_t *eta_ms)
{
    struct cs_doc doc;
    int rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_REVIEW_COLL, id, &doc);
    const char *rank = rc ? NULL : cs_json_get_str(doc.body, "rank");
    if (!rc && !rank) rc = CS_ERR_INTERNAL;
    int64_t ahead = 0;
    struct cs_review_throughput t;
    if (!rc) rc = cs_review_ahead(req->store, req->auth.tenant, rank, &ahead);
    if (!rc) rc = cs_review_throughput(req->store, req->auth.tenant, req->now_ms, &t);
    if (!rc) *eta_ms = cs_review_eta_ms(&t, ahead, req->now_ms);
    return rc;
}

CS_HANDLER(fn_review_queue)
{
    json_object *meta = NULL;
    json_object_object_get_ex(req->json, "metadata", &meta);
    struct cs_review_item it = {
        .query = cs_json_get_str(req->json, "query"),
        .response = cs_json_get_str(req->json, "response"),
        .category = cs_json_get_str(req->json, "category"),
        .priority = (int)cs_json_get_int(req->json, "priority", DEFAULT_PRIORITY),
        .metadata = meta,
        .source = "api",
    };
    const char *id = NULL;
    int64_t eta = 0;
    int rc = cs_review_enqueue(req->store, req->arena, req->auth.tenant, &it, req->now_ms, &id);
    if (!rc) rc = estimate(req, id, &eta);
    char ts[CS_ISO_MAX];
    cs_time_iso(eta, CS_ISO_NAIVE_US, ts);
    if (rc) return rc;
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_str(&d, "item_id", id);
    cs_jb_str(&d, "status", "queued");
    cs_jb_str(&d, "estimated_review_time", ts);
    rc = cs_jb_done(&d);
    return rc ? rc : cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
}
