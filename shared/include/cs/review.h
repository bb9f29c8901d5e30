/* The human review queue (seed 001): answers too risky to send unreviewed wait here
 * for a person to approve, reject or edit them.
 *
 * Items are documents of the tenant's `review_queue` collection, ids "rev-<hex>":
 *   { "query", "response", "category", "priority": 1 (most urgent) .. 5,
 *     "metadata": {...}, "source": "api" | "generate_response" | ...,
 *     "status": "queued" | "approved" | "rejected" | "edited",
 *     "queued_at": ms, "decided_at": ms | null, "reviewer_id": null | "...",
 *     "final_response": null | "...", "feedback": null | "..." }
 */
#ifndef CS_REVIEW_H
#define CS_REVIEW_H

#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"

struct cs_arena;
struct cs_store;

#define CS_REVIEW_COLL "review_queue"

struct cs_review_item {
    const char *query;
    const char *response;
    const char *category;
    int priority;           /* 1..5; out of range is clamped */
    json_object *metadata;  /* NULL: {} */
    const char *source;     /* who queued it; NULL: "api" */
};

/* Queues an item; *item_id (may be NULL) gets its id, allocated in `a`. */
CS_MUST_CHECK int cs_review_enqueue(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                    const struct cs_review_item *item, int64_t now_ms,
                                    const char **item_id);

#endif
