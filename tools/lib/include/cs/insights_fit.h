/* Fits a tenant's outcome models (cs/tenant_models.h) on its own tickets with the
 * project's trainer (cs/train.h) and stores them, with held-out metrics, in the
 * tenant's CS_TM_COLL collection. Run by the insights-refit worker; allocates.
 *
 * Examples are the tenant's CS_TM_FIT_MAX_TICKETS most recent tickets whose outcome is
 * known (cs_tm_label). Each ticket goes by a hash of its id to the fitted rows (80%)
 * or the held-out rows (20%) that only the reported metrics see; probabilities are the
 * regularised fit's own (temperature 1: too few rows to fit a calibration on). A kind with fewer than CS_TM_MIN_EXAMPLES
 * labelled tickets, or fewer than CS_TM_MIN_CLASS of either class, is stored as
 * {"status":"insufficient"} with its counts, and the priors keep answering.
 */
#ifndef CS_INSIGHTS_FIT_H
#define CS_INSIGHTS_FIT_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/error.h"
#include "cs/tenant_models.h"

struct cs_arena;
struct cs_store;

#define CS_TM_FIT_MAX_TICKETS 5000

struct cs_tm_fit_report {
    int64_t tickets;           /* tickets read */
    int64_t examples[CS_TM_N]; /* labelled examples per kind */
    bool fitted[CS_TM_N];
};

/* Fits and stores every kind for `tenant` (tenant-scoped store calls only). */
CS_MUST_CHECK int cs_tm_fit_tenant(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                   int64_t now_ms, struct cs_tm_fit_report *rep);

#endif
