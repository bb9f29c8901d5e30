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

#include "cs/error.h"

struct cs_store;
struct cs_arena;
struct cs_models;

struct cs_ml_worker_cfg {
    const char *var_dir;
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

#endif
