/* Tenant model lifecycle (issue 18, seed 001's training endpoints under /ai): datasets,
 * training jobs, trained models and deployments, as the request side sees them.
 * Training itself (the worker) lives in the tools library (cs/ml_worker.h), which only
 * functions marked TRAINS link.
 *
 * Everything is tenant-scoped. Files live under the state folder:
 *   <var>/ml/<tenant>/datasets/<dataset_id>.jsonl    normalised rows {"text","label"}
 *   <var>/ml/<tenant>/models/<job_id>/model.csm      the trained model (cs/model.h)
 *   <var>/ml/<tenant>/models/<job_id>/model.json     metrics, data checksum, options
 *   <var>/ml/<tenant>/models/<job_id>/train.log      one JSON line per epoch
 * and documents in the store (collections below). A job is queued by a document of
 * the system tenant's CS_ML_QUEUE collection carrying its tenant: the worker claims it
 * with a lease (an optimistic-concurrency update of that document), so a crashed
 * worker's job is taken over once the lease lapses, and only the lease holder can
 * publish a result.
 */
#ifndef CS_LIFECYCLE_H
#define CS_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/dataset.h"
#include "cs/error.h"

struct cs_arena;
struct cs_store;
struct cs_req;
struct cs_model;
struct cs_doc;

#define CS_ML_DATASETS "ml_datasets"
#define CS_ML_JOBS "ml_training_jobs"
#define CS_ML_MODELS "ml_models"
#define CS_ML_DEPLOYMENTS "ml_deployments"
#define CS_ML_ACTIVE "ml_active"        /* id = task: which deployment serves it */
#define CS_ML_QUEUE "ml_training_queue" /* under CS_SYSTEM_TENANT, id "<tenant>/<job_id>" */

#define CS_ML_MAX_INSTANCES 8u

/* Tasks a tenant may train and deploy: the built-in text models. */
bool cs_ml_task_trainable(const char *task);

/* <var>/ml/<tenant>/<sub> (sub may be NULL), created owner-only when `create`.
 * CS_ERR_INVALID for a tenant that is not a valid tenant id, CS_ERR_IO. */
CS_MUST_CHECK int cs_ml_dir(struct cs_arena *a, const char *var_dir, const char *tenant,
                            const char *sub, bool create, char **out);

/* A training or validation source resolved to a local file. */
struct cs_ml_source {
    const char *uri;  /* as given */
    const char *path; /* local file to read */
    enum cs_dataset_format fmt;
    const char *dataset_id; /* uploaded datasets only */
};

/* Resolves a data URI for `tenant`: an uploaded dataset ("ds_..." or
 * "dataset://ds_..."), "file:///abs/path.csv|.jsonl" inside <var>/ml/<tenant>/ (no
 * other folder: a tenant reads only its own files), or "s3://bucket/key" (see
 * cs_ml_s3_fetch). On failure *why says what is wrong with the URI, and the code is
 * CS_ERR_VALIDATION, CS_ERR_NOT_FOUND or CS_ERR_STORE. */
CS_MUST_CHECK int cs_ml_source_resolve(struct cs_store *st, struct cs_arena *a, const char *var_dir,
                                       const char *tenant, const char *uri,
                                       struct cs_ml_source *out, const char **why);

/* Reads a whole local dataset file through the validating reader, calling emit per
 * row. *why (arena) says what was wrong on CS_ERR_VALIDATION; CS_ERR_IO unreadable. */
CS_MUST_CHECK int cs_ml_source_read(struct cs_arena *a, const struct cs_ml_source *src,
                                    cs_dataset_row_fn emit, void *user,
                                    struct cs_dataset_stats *stats, const char **why);

/* The model a tenant's deployment serves for `task`, picked up on the request after a
 * deploy or rollback without restart: a per-process cache (per tenant and task) checked
 * against the stored CS_ML_ACTIVE document's version on every call. The model stays
 * mapped until the request's arena is reset. `model` NULL: the tenant has no
 * deployment for the task (the built-in model answers). */
struct cs_ml_served {
    const struct cs_model *model;
    const char *deployment; /* deployment name */
    const char *model_id;   /* the job id that trained it */
};
CS_MUST_CHECK int cs_ml_served_get(const struct cs_req *req, const char *task,
                                   struct cs_ml_served *out);

/* Sentiment from a tenant's sentiment model (labels negative, neutral, positive, as
 * the trainer requires): its probabilities placed by label name, then read like the
 * built-in model's (cs_sentiment_read). CS_ERR_FORMAT for a model without those labels. */
struct cs_sentiment;
CS_MUST_CHECK int cs_ml_sentiment(const struct cs_model *m, const char *text, size_t len,
                                  struct cs_sentiment *out);

/* Resolves a deployment name of the caller's tenant to its model (any task), as above;
 * CS_ERR_NOT_FOUND when the tenant has no such deployment. *task (arena) is its task. */
CS_MUST_CHECK int cs_ml_deployment_get(const struct cs_req *req, const char *name,
                                       struct cs_ml_served *out, const char **task);

/* The job document's public shape (seed 001's training-job answer) in the arena. */
CS_MUST_CHECK int cs_ml_job_json(struct cs_arena *a, const struct cs_doc *job, json_object **out);

/* "2026-12-07T14:00:00Z" for a Unix ms time, into buf (>= 32 bytes). */
void cs_ml_iso(int64_t ms, char *buf, size_t cap);

#endif
