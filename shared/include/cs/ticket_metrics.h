/* Ticket processing metrics (GET /api/v1/tickets/metrics, seed 004) over the results
 * tickets-process stores in "tickets": counts, averages, nearest-rank latency
 * percentiles and the mix of each label. Computed from the store's rollups (cs/store.h:
 * O(hours x labels), whatever the number of tickets), or by scanning every ticket of the
 * window, the way they were computed before rollups, kept to check one against the
 * other (tests, bench). Both give the same figures. */
#ifndef CS_TICKET_METRICS_H
#define CS_TICKET_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"

struct cs_arena;
struct cs_store;

#define CS_TICKET_METRICS_COLL "tickets"

enum { CS_TM_CATEGORY, CS_TM_PRIORITY, CS_TM_SENTIMENT, CS_TM_COMPLIANCE, CS_TM_MIXES };

/* One label's counts, most frequent first (ties by label). */
struct cs_tm_mix {
    size_t n;
    const char **keys;
    int64_t *counts;
};

struct cs_ticket_metrics {
    int64_t total;
    double p50_ms, p95_ms, p99_ms;                                  /* NaN without tickets */
    double avg_ms, avg_confidence, escalation_rate, kb_answer_rate; /* NaN without tickets */
    struct cs_tm_mix mix[CS_TM_MIXES];
};

/* The grouping field of each mix: "category", "priority", "sentiment", "compliance". */
extern const char *const cs_tm_mix_field[CS_TM_MIXES];

/* Tickets created at or after since_ms (INT64_MIN: all). Results in `a`. */
CS_MUST_CHECK int cs_ticket_metrics(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                    int64_t since_ms, bool scan, struct cs_ticket_metrics *out);
/* Tickets created in [from_ms, to_ms], both ends included (INT64_MIN / INT64_MAX: open). */
CS_MUST_CHECK int cs_ticket_metrics_range(struct cs_store *st, struct cs_arena *a,
                                          const char *tenant, int64_t from_ms, int64_t to_ms,
                                          bool scan, struct cs_ticket_metrics *out);

#endif
