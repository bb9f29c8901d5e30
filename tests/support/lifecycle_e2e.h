/* Helpers the model-lifecycle end-to-end tests share (tests/e2e/lifecycle_test.c and
 * lifecycle_s3_test.c): the labelled fruit texts they train on, the insights family's
 * envelope, polling a training job and counting what a refused request left on disk. */
#ifndef CS_TEST_LIFECYCLE_E2E_H
#define CS_TEST_LIFECYCLE_E2E_H

#include <stdbool.h>
#include <stddef.h>

#include "e2e.h"

/* Row i of a training set has label lc_labels[i % 3] and names lc_fruit[i % 3], a word
 * the built-in model has never seen, so only a tenant's model can learn it. */
extern const char *const lc_labels[3];
extern const char *const lc_fruit[3];

/* Whether r is the insights family's envelope for `status` (error flag, status_code);
 * prints what differs to stderr when not. */
bool lc_envelope_ok(const struct http_result *r, int status);

/* Entries in `dir` (dot files aside); 0 when it cannot be read. */
size_t lc_count_files(const char *dir);

/* Polls training job `id` as `auth` until it leaves STARTING/IN_PROGRESS (at most ~120 s
 * under ASan) and returns its status, with r holding the last answer (the caller frees
 * it); NULL when a call fails or the job never finishes. */
const char *lc_poll_job(const char *auth, const char *id, struct http_result *r);

#endif
