/* The human review queue (seed 001): answers too risky to send unreviewed wait here
 * for a person to approve, reject or edit them.
 *
 * Items are documents of the tenant's `review_queue` collection, ids "rev-<hex>":
 *   { "query", "response", "category", "priority": 1 (most urgent) .. 5,
 *     "metadata": {...}, "source": "api" | "generate_response" | ...,
 *     "status": "queued" | "approved" | "rejected" | "edited",
 *     "queued_at": ms, "decided_at": ms | null, "reviewer_id": null | "...",
 *     "final_response": null | "...", "feedback": null | "...",
 *     "rank": "<priority>-<queued_at, 16 digits>-<id>" }
 * `rank` orders the queue (most urgent priority first, then oldest first) with one
 * sortable string, so listing in queue order and counting the items ahead of one item
 * are single store queries.
 *
 * Enqueue and decision each stage a `review.queue_update` event (cs/notify.h) with the
 * write that makes the change.
 */
#ifndef CS_REVIEW_H
#define CS_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"

struct cs_arena;
struct cs_store;
struct cs_doc;
struct cs_doc_list;

#define CS_REVIEW_COLL "review_queue"

struct cs_review_item {
    const char *query;
    const char *response;
    const char *category;
    int priority;          /* 1..5; out of range is clamped */
    json_object *metadata; /* NULL: {} */
    const char *source;    /* who queued it; NULL: "api" */
};

/* Queues an item; *item_id (may be NULL) gets its id, allocated in `a`. */
CS_MUST_CHECK int cs_review_enqueue(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                    const struct cs_review_item *item, int64_t now_ms,
                                    const char **item_id);

/* ---- throughput and estimated review times ----
 * The queue's real throughput: decisions per hour over the last CS_REVIEW_WINDOW_MS,
 * measured from the oldest decision in that window to now (at least
 * CS_REVIEW_MIN_SPAN_MS, so a burst of quick decisions does not promise the moon).
 * With fewer than CS_REVIEW_MIN_DECISIONS decisions in the window there is no history
 * worth trusting and the documented default CS_REVIEW_DEFAULT_PER_HOUR (one item per
 * five minutes) applies. */
#define CS_REVIEW_WINDOW_MS (24LL * 3600 * 1000)
#define CS_REVIEW_MIN_SPAN_MS (15LL * 60 * 1000)
#define CS_REVIEW_MIN_DECISIONS 3
#define CS_REVIEW_DEFAULT_PER_HOUR 12.0

struct cs_review_throughput {
    double per_hour;
    int64_t decisions; /* decisions counted in the window */
    bool from_history; /* false: the default rate */
};

/* The pure rule: `decisions` in the window, the oldest at `oldest_ms`. */
void cs_review_rate(int64_t decisions, int64_t oldest_ms, int64_t now_ms,
                    struct cs_review_throughput *out);
/* Measures the tenant's throughput in the store (one aggregate query). */
CS_MUST_CHECK int cs_review_throughput(struct cs_store *st, const char *tenant, int64_t now_ms,
                                       struct cs_review_throughput *out);
/* When an item with `ahead` queued items before it should be reviewed: now plus the
 * time to review those and itself at the measured rate. */
int64_t cs_review_eta_ms(const struct cs_review_throughput *t, int64_t ahead, int64_t now_ms);
/* Queued items that come before `rank` in the queue. */
CS_MUST_CHECK int cs_review_ahead(struct cs_store *st, const char *tenant, const char *rank,
                                  int64_t *ahead);

/* ---- listing ---- */
struct cs_review_filter {
    const char *status; /* NULL: any; "queued", "reviewed" (any decision), "approved",
                           "rejected" or "edited" */
    int priority;       /* 0: any, else 1..5 */
    int64_t limit, offset;
};
/* Items in queue order (rank ascending) with the total matching count.
 * CS_ERR_INVALID for an unknown status or priority. */
CS_MUST_CHECK int cs_review_list(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                 const struct cs_review_filter *f, struct cs_doc_list *out);
/* True for the status names cs_review_list accepts. */
bool cs_review_status_valid(const char *status);

#define CS_REVIEW_DEFAULT_LIMIT 20
#define CS_REVIEW_MAX_LIMIT 100
#define CS_REVIEW_MAX_OFFSET 1000000
/* Parses the listing's query parameters as received (each NULL when absent): status
 * (cs_review_status_valid), priority 1..5, limit 1..CS_REVIEW_MAX_LIMIT (default
 * CS_REVIEW_DEFAULT_LIMIT), offset 0..CS_REVIEW_MAX_OFFSET (default 0); integers are
 * plain decimal. Every parameter is checked: bad[0..*nbad) names each one refused
 * ("status", "priority", "limit", "offset"), and the result is CS_ERR_VALIDATION when
 * any was. `out` holds the strings given (not copied). */
CS_MUST_CHECK int cs_review_filter_parse(const char *status, const char *priority,
                                         const char *limit, const char *offset,
                                         struct cs_review_filter *out, const char *bad[4],
                                         size_t *nbad);

/* ---- decisions ---- */
enum cs_review_verdict { CS_REVIEW_APPROVE, CS_REVIEW_REJECT, CS_REVIEW_EDIT };

struct cs_review_decision {
    const char *item_id;
    enum cs_review_verdict verdict;
    const char *reviewer_id;     /* the token's subject */
    const char *feedback;        /* NULL: none */
    const char *edited_response; /* required for CS_REVIEW_EDIT, else ignored */
};

/* Records a decision on a queued item with a versioned update, so of two reviewers
 * racing exactly one wins. Errors: CS_ERR_NOT_FOUND (no such item in this tenant),
 * CS_ERR_CONFLICT (already decided: *out holds the item as decided), CS_ERR_INVALID.
 * On success *out holds the decided item. */
CS_MUST_CHECK int cs_review_decide(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                   const struct cs_review_decision *d, int64_t now_ms,
                                   struct cs_doc *out);

#endif
