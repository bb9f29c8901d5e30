/* Writing items into the human review queue; see cs/review.h. */
#include "cs/review.h"

#include <sodium.h>

#include "cs/arena.h"
#include "cs/store.h"

static json_object *item_body(const struct cs_review_item *it, int64_t now_ms)
{
    int prio = it->priority < 1 ? 1 : it->priority > 5 ? 5 : it->priority;
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    json_object_object_add(o, "query", json_object_new_string(it->query ? it->query : ""));
    json_object_object_add(o, "response", json_object_new_string(it->response ? it->response : ""));
    json_object_object_add(o, "category", json_object_new_string(it->category ? it->category : "general"));
    json_object_object_add(o, "priority", json_object_new_int(prio));
    json_object_object_add(o, "metadata", it->metadata ? json_object_get(it->metadata)
                                                       : json_object_new_object());
    json_object_object_add(o, "source", json_object_new_string(it->source ? it->source : "api"));
    json_object_object_add(o, "status", json_object_new_string("queued"));
    json_object_object_add(o, "queued_at", json_object_new_int64(now_ms));
    json_object_object_add(o, "decided_at", NULL);
    json_object_object_add(o, "reviewer_id", NULL);
    json_object_object_add(o, "final_response", NULL);
    json_object_object_add(o, "feedback", NULL);
    return o;
}

int cs_review_enqueue(struct cs_store *st, struct cs_arena *a, const char *tenant,
                      const struct cs_review_item *item, int64_t now_ms, const char **item_id)
{
    unsigned char bin[12];
    char hex[25];
    randombytes_buf(bin, sizeof(bin));
    sodium_bin2hex(hex, sizeof(hex), bin, sizeof(bin));
    char *id = cs_arena_printf(a, "rev-%s", hex);
    if (!id) return CS_ERR_NOMEM;
    json_object *body = item_body(item, now_ms);
    if (!body) return CS_ERR_NOMEM;
    int rc = cs_store_insert(st, a, tenant, CS_REVIEW_COLL, id, body, NULL, now_ms, NULL);
    json_object_put(body);
    if (rc == CS_OK && item_id) *item_id = id;
    return rc;
}
