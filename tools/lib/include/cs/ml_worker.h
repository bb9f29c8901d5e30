/* The training worker of the model lifecycle (issue 18; cs/lifecycle.h has the files
 * and documents). Claims queued jobs with leases, trains them with the project's
 * trainer (cs/train.h), writes progress after each epoch and publishes the model.
 *
 * Leases: a job's outbox item (queue CS_ML_TOPIC) is claimed with a lease of lease_ms
 * that the holder renews after every epoch, so a worker that dies stops renewing and
 * another takes the job over once the lease lapses (attempts counts the claims). After
 * every epoch the holder also keeps a checkpoint of the trainer's state, and the taker
 * resumes after the last epoch kept (resumed_from_epoch in the job), ending with the
 * same model an uninterrupted run makes. A worker whose renewal conflicts has lost the
 * job and stops without writing anything, and the result is published only right
 * after a successful renewal, so a job is never completed twice.
 */
#ifndef CS_ML_WORKER_H
#define CS_ML_WORKER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"

struct cs_store;
struct cs_arena;
struct cs_models;

struct cs_ml_worker_cfg {
    const char *var_dir;
    /* Optional (AWS): starts a Step Functions execution of the training state machine
     * named `name` with `input` (cs_ml_step_input) for a claimed job with more than one
     * instance, instead of training it here with threads. CS_OK once started (or already
     * running under that name). */
    int (*start_steps)(void *user, const char *name, const char *input);
    void *steps_user;
    const struct cs_models *builtin; /* feature settings and baseline of each task */
    int64_t lease_ms;                /* > 0 */
    int64_t (*now_ms)(void);
    void (*random)(void *buf, size_t n);
    const volatile sig_atomic_t *stop; /* may be NULL */
};

struct cs_train_opts;
/* The trainer options a job starts from before its hyper-parameters (the built-in
 * sentiment recipe of tools/models.sh). */
void cs_ml_default_opts(struct cs_train_opts *o);

/* Claims one due job, if any, and runs it to an end (COMPLETED, FAILED, CANCELLED), or
 * until it loses the lease or *stop is set (then the lease is released at once so
 * another worker resumes it). *ran tells whether a job was claimed. Errors are the
 * store's (the job's own failures are recorded in the job, not returned). */
CS_MUST_CHECK int cs_ml_worker_run_one(struct cs_store *st, struct cs_arena *a,
                                       const struct cs_ml_worker_cfg *cfg, bool *ran);

/* ---- Step Functions (AWS): one job, many invocations ----
 * template.yaml's training state machine runs a job with instance_count > 1 as:
 *   start                      -> {"epoch","epochs","shards":[0..k-1],"done"}
 *   per epoch: Map over shards: train_shard {"shard","epoch"}  (parallel invocations)
 *              mix {"epoch"}   -> {"epoch": next, "done"}       then Choice: loop / finish
 *   finish                     -> {"status"}
 * Every event carries the job ({"tenant","job_id"}) and the lease the scheduled worker
 * claimed it with ({"lease":{"id","lease_id","attempts"}}, from cs_ml_step_input), which
 * each step renews: a step of an execution that lost the job fails with "LeaseLost" and
 * writes nothing. State between steps lives in the store (cs/ml_blob.h): a shard's
 * weights after its epoch, the mixed state after each mix. Every step is idempotent: a
 * repeated train_shard or mix of an epoch already mixed answers as before without
 * training, a repeated finish of a COMPLETED job answers COMPLETED; a retried step
 * recomputes the same bytes (training is deterministic). The model equals the threaded
 * path's bit for bit (same mixing, same trainer). */
enum cs_ml_step_action {
    CS_ML_STEP_START,
    CS_ML_STEP_TRAIN_SHARD,
    CS_ML_STEP_MIX,
    CS_ML_STEP_FINISH,
};

struct cs_ml_step {
    enum cs_ml_step_action action;
    const char *tenant, *job_id;
    uint32_t shard, epoch;
    const char *lease_item; /* the job's outbox item id */
    int64_t lease_id, attempts;
    int64_t started_ms; /* when the execution started (the estimate's clock) */
};

/* Parses a state machine's event (outside input). CS_ERR_VALIDATION with *why. */
CS_MUST_CHECK int cs_ml_step_parse(json_object *event, struct cs_ml_step *out, const char **why);

/* Runs one step; *result (arena) is the step's output. On failure *error_type names it
 * for the state machine's Retry/Catch: "LeaseLost" (the job is another's now; never
 * retried), "StepInputMissing" (a shard's or the previous mix's state is not in the
 * store yet), "StoreError". */
CS_MUST_CHECK int cs_ml_step_run(struct cs_store *st, struct cs_arena *a,
                                 const struct cs_ml_worker_cfg *cfg, const struct cs_ml_step *s,
                                 json_object **result, const char **error_type);

/* The state machine that drives these steps, as Amazon States Language (a new object,
 * the caller puts it): `worker` is the worker function's ARN (or a template
 * substitution for it). template.yaml declares it (`cs-gen sam`). */
json_object *cs_ml_state_machine(const char *worker);

/* The execution input for a claimed item (arena): {"tenant","job_id","lease",
 * "started_ms"}. */
struct cs_outbox_item;
const char *cs_ml_step_input(struct cs_arena *a, const struct cs_outbox_item *item,
                             const char *job_id, int64_t started_ms);

#endif
