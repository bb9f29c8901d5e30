/* Seed 001's analytics summary over the customer-insights tickets opened in a range:
 * totals, sentiment distribution, satisfaction, first-response time, resolution rate,
 * a timeline in calendar buckets of the tenant's time zone, and the top issues.
 * Computed from the store's rollups (cs/store.h), or, for checking and the bench, by
 * aggregating the tickets themselves (UTC buckets only). Both give the same figures. */
#ifndef CS_SUMMARY_H
#define CS_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"
#include "cs/tz.h"

struct cs_arena;
struct cs_store;

#define CS_SUMMARY_TOP_ISSUES 5
/* Buckets a range may span (a daily timeline over 27 years). */
#define CS_SUMMARY_MAX_BUCKETS 10000
/* Where a tenant's settings live: document CS_TENANT_TZ_ID holds {"time_zone": name}. */
#define CS_TENANT_SETTINGS_COLL "tenant_settings"
#define CS_TENANT_TZ_ID "time_zone"

struct cs_summary_bucket {
    const char *date; /* local date of the bucket's first day */
    int64_t conversations;
    double avg_sentiment; /* NaN when none has a score */
};

struct cs_summary_issue {
    const char *issue;
    int64_t count;
    double sentiment;
};

struct cs_summary {
    int64_t total, open;
    int64_t positive, negative, neutral; /* seed 004's labels folded into three */
    double avg_csat, avg_first_reply_s;  /* NaN when none */
    struct cs_summary_bucket *timeline;
    size_t ntimeline;
    struct cs_summary_issue issues[CS_SUMMARY_TOP_ISSUES];
    size_t nissues;
};

/* Tickets with opened_ms in [from_ms, to_ms]; `tz` NULL is UTC. scan: aggregate the
 * tickets (CS_ERR_INVALID with a zone other than UTC). CS_ERR_INVALID when the range
 * spans more than CS_SUMMARY_MAX_BUCKETS buckets. */
CS_MUST_CHECK int cs_summary(struct cs_store *st, struct cs_arena *a, const char *tenant,
                             int64_t from_ms, int64_t to_ms, enum cs_tz_unit unit,
                             const struct cs_tz *tz, bool scan, struct cs_summary *out);

/* The tenant's time zone (CS_TENANT_SETTINGS_COLL), UTC when none is set. Read back
 * from the store, so checked: CS_ERR_CONFIG when the stored name is not a zone. */
CS_MUST_CHECK int cs_tenant_tz(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               struct cs_tz **out);
/* Sets it after checking the name (CS_ERR_INVALID when it is not a zone). */
CS_MUST_CHECK int cs_tenant_tz_set(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                   const char *name, int64_t now_ms);

#endif
