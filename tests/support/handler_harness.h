/* In-process handler tests: one function's real handler and route declaration compiled
 * into the test, driven through the core pipeline (routing, auth, validation, the
 * family's error writer) against a temporary SQLite store, and its answers compared
 * with golden JSON files.
 *
 * Why golden files: a handler's answer is a whole document in a seed's shape; a test
 * that checks three fields lets the other twenty drift. Values that differ from run to
 * run (ids, times, request ids, tokens) are masked before the comparison, so a golden
 * file states everything that is deterministic.
 *
 * Use (the test includes the function's handler.c and routes.c first):
 *   static struct hh h;
 *   hh_init(&h, &cs_function, "review-queue");          // fresh store, env, worker
 *   struct hh_answer a;
 *   hh_call(&h, "POST", "/api/v1/review/queue", body, "acme", roles, 1, &a);
 *   CHECK_INT(a.status, 201);
 *   CHECK(hh_golden_match("review-queue/enqueue", a.body));
 *   hh_answer_clean_up(&a);
 *   hh_clean_up(&h);
 * CS_GOLDEN_UPDATE=1 rewrites the golden files from the answers instead of comparing
 * (review the diff before committing). Golden files live under tests/handler/golden/,
 * or CS_GOLDEN_DIR.
 */
#ifndef CS_TEST_HANDLER_HARNESS_H
#define CS_TEST_HANDLER_HARNESS_H

#include <stddef.h>

#include "cs/app.h"
#include "cs/env.h"
#include "temp_store.h"

struct cs_function;

struct hh {
    struct temp_db db;
    struct cs_env env;
    struct cs_worker w;
    int ready;
};

struct hh_answer {
    int status;
    char *body;         /* malloc'd, NUL-terminated; "" when the answer had none */
    char *content_type; /* malloc'd */
    char *retry_after;  /* malloc'd header value or NULL */
};

/* Builds the environment for fn over a new, empty store named after `name`, with a fixed
 * signing key. 0 on success; on failure prints why and returns -1. */
int hh_init(struct hh *h, const struct cs_function *fn, const char *name);

/* One request. `target` is the path with an optional "?query". tenant NULL: no
 * Authorization header; otherwise a bearer token for tenant with roles[0..nroles).
 * body NULL: none (a JSON body gets Content-Type application/json). */
int hh_call(struct hh *h, const char *method, const char *target, const char *body,
            const char *tenant, const char *const *roles, size_t nroles, struct hh_answer *out);

void hh_answer_clean_up(struct hh_answer *a);
void hh_clean_up(struct hh *h);

/* Masks run-dependent values in the JSON text `body` and compares it with the golden
 * file <dir>/<name>.json (both pretty-printed, keys in answer order). Returns 1 when
 * equal (or when CS_GOLDEN_UPDATE=1 wrote the file), 0 and a diff-friendly message on
 * stderr otherwise. Masked: values of keys that are ids, times, tokens or durations
 * measured at run time (see handler_harness.c), and any string that parses as an
 * ISO-8601 timestamp. */
int hh_golden_match(const char *name, const char *body);

#endif
