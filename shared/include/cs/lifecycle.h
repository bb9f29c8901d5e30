/* Tenant model lifecycle (issue 18, seed 001's training endpoints under /ai): datasets,
 * training jobs, trained models and deployments, as the request side sees them.
 * Training itself (the worker) lives in the tools library (cs/ml_worker.h), which only
 * functions marked TRAINS link.
 *
 * Everything is tenant-scoped. Datasets and trained models live in the store as tenant
 * blobs (cs/ml_blob.h: "ds/<dataset_id>", "model/<job_id>"), so any instance can train
 * from a dataset uploaded on another and serve a model trained on another. The state
 * folder holds what this instance wrote or fetched:
 *   <var>/ml/<tenant>/datasets/<dataset_id>.jsonl    normalised rows {"text","label"}
 *   <var>/ml/<tenant>/models/<job_id>/model.csm      the trained model (cs/model.h)
 *   <var>/ml/<tenant>/models/<job_id>/model.json     metrics, data checksum, options
 *   <var>/ml/<tenant>/models/<job_id>/train.log      one JSON line per epoch
 *   <var>/ml/<tenant>/cache/<blake2b>.jsonl|.csm     blobs fetched from the store
 * and documents in the store (collections below). A job is queued by an outbox item
 * of the tenant on the CS_ML_TOPIC queue, written in the same store operation as the
 * job: the worker claims it with a lease (cs_store_outbox_claim_topic), renews it every
 * epoch, so a crashed worker's job is taken over once the lease lapses, and only the
 * lease holder can publish a result.
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
struct cs_s3_cfg;
struct cs_store;
struct cs_req;
struct cs_model;
struct cs_doc;

#define CS_ML_DATASETS "ml_datasets"
#define CS_ML_JOBS "ml_training_jobs"
#define CS_ML_MODELS "ml_models"
#define CS_ML_DEPLOYMENTS "ml_deployments"
#define CS_ML_ACTIVE "ml_active" /* id = task: which deployment serves it */
/* The outbox queue (cs/store.h, CS_OUTBOX_QUEUE_PREFIX) a job is claimed through: one
 * item per job, {"job_id"}, staged in the job's own insert. */
#define CS_ML_TOPIC "_q.ml_training"

#define CS_ML_MAX_INSTANCES 8u

/* Tasks a tenant may train and deploy: the built-in text models. */
bool cs_ml_task_trainable(const char *task);

/* The job id in an S3 model_output_uri of `tenant`'s (CS_ML_OUTPUT_URI: ".../<tenant>/
 * <job_id>/"), copied into out (>= 65 bytes): 1-64 of [a-z0-9_-]. false when the URI
 * does not end so, or names another tenant. The URI is the caller's input. */
bool cs_ml_s3_output_job(const char *tenant, const char *uri, char out[65]);

/* <var>/ml/<tenant>/<sub> (sub may be NULL), created owner-only when `create`.
 * CS_ERR_INVALID for a tenant that is not a valid tenant id, CS_ERR_IO. */
CS_MUST_CHECK int cs_ml_dir(struct cs_arena *a, const char *var_dir, const char *tenant,
                            const char *sub, bool create, char **out);

/* "<kind>/<id>" (kind "ds" or "model"): the blob name of a dataset or a model. */
char *cs_ml_blob_name(struct cs_arena *a, const char *kind, const char *id);
/* Stores the file at `path` as blob `name`; hex (>= 65 bytes, optional) its BLAKE2b. */
CS_MUST_CHECK int cs_ml_blob_put_file(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                      const char *name, const char *path, int64_t now_ms,
                                      char *hex);
/* This instance's copies are kept under CS_ML_CACHE_MAX_BYTES (default 256 MiB) over all
 * tenants: after each fetch the least recently used copies go, never `keep` (the one
 * just fetched). Returns how many were removed. */
#define CS_ML_CACHE_MAX_DEFAULT ((int64_t)256 << 20)
int64_t cs_ml_cache_cap(void);
size_t cs_ml_cache_prune(const char *var_dir, const char *keep, int64_t cap);
/* Marks a copy as used now (its mtime), so pruning takes the unused ones first. */
void cs_ml_cache_touch(const char *path);

/* *path (arena): this instance's copy of blob `name`, <var>/ml/<tenant>/cache/<sum>.<ext>,
 * fetched from the store (chunks checked against the head's sum) when it has none. With
 * `hint` (the sum a document recorded) an existing copy is used without a store read.
 * CS_ERR_NOT_FOUND: no such blob; CS_ERR_FORMAT: the stored blob is damaged (a chunk
 * missing or failing the sum); CS_ERR_IO, CS_ERR_STORE, CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_ml_blob_cached(struct cs_store *st, struct cs_arena *a, const char *var_dir,
                                    const char *tenant, const char *name, const char *ext,
                                    const char *hint, char **path);

/* A training or validation source resolved to a local file. */
struct cs_ml_source {
    const char *uri;  /* as given */
    const char *path; /* local file to read */
    enum cs_dataset_format fmt;
    const char *dataset_id; /* uploaded datasets only */
};

/* Resolves a data URI for `tenant`: an uploaded dataset ("ds_..." or
 * "dataset://ds_...": this instance's file, else the dataset's blob fetched from the
 * store), or "file:///abs/path.csv|.jsonl" inside <var>/ml/<tenant>/ (no
 * other folder: a tenant reads only its own files). "s3://bucket/key" is not resolved
 * here: cs_ml_s3_import turns the object into a dataset first. On failure *why says
 * what is wrong with the URI, and the code is CS_ERR_VALIDATION, CS_ERR_NOT_FOUND or
 * CS_ERR_STORE. */
CS_MUST_CHECK int cs_ml_source_resolve(struct cs_store *st, struct cs_arena *a, const char *var_dir,
                                       const char *tenant, const char *uri,
                                       struct cs_ml_source *out, const char **why);

/* The same checks without fetching: a dataset this instance has no file of resolves
 * with path NULL (the job's worker fetches it), so a request that creates a job does not
 * copy the rows it never reads. */
CS_MUST_CHECK int cs_ml_source_check(struct cs_store *st, struct cs_arena *a, const char *var_dir,
                                     const char *tenant, const char *uri, struct cs_ml_source *out,
                                     const char **why);

/* CS_DATASET_CSV for a name ending in .csv, CS_DATASET_JSONL for .jsonl / .ndjson,
 * else 0. */
enum cs_dataset_format cs_ml_format_of_name(const char *name);

/* ---- Writing a dataset: uploads and s3:// objects alike ----
 * begin opens <var>/ml/<tenant>/datasets/.<id>.tmp and a validating reader (text_col /
 * label_col NULL: "text", "label"; CS_ERR_INVALID for bad names); feed takes the bytes
 * in pieces (the reader's codes, see cs/dataset.h); finish ends the reader and moves
 * the normalised file into place; commit stores the file as the dataset's blob, then
 * records the CS_ML_DATASETS document (name NULL: the id; source_uri recorded when
 * given; "blob_blake2b" the blob's sum). end releases the ingest and removes every
 * file of it unless commit succeeded: a failed ingest leaves nothing behind. */
struct cs_ml_ingest;
CS_MUST_CHECK int cs_ml_ingest_begin(struct cs_arena *a, const char *var_dir, const char *tenant,
                                     const char *id, enum cs_dataset_format fmt,
                                     const char *text_col, const char *label_col,
                                     struct cs_ml_ingest **out);
CS_MUST_CHECK int cs_ml_ingest_feed(struct cs_ml_ingest *g, const char *p, size_t n);
CS_MUST_CHECK int cs_ml_ingest_finish(struct cs_ml_ingest *g);
/* Why the data was refused ("record 12: label is empty"), "" when it was not. */
const char *cs_ml_ingest_error(const struct cs_ml_ingest *g);
const struct cs_dataset_stats *cs_ml_ingest_stats(const struct cs_ml_ingest *g);
CS_MUST_CHECK int cs_ml_ingest_commit(struct cs_store *st, struct cs_arena *a,
                                      struct cs_ml_ingest *g, const char *tenant, const char *name,
                                      const char *source_uri, int64_t now_ms, struct cs_doc *out);
void cs_ml_ingest_end(struct cs_ml_ingest *g);

/* Why an s3:// import failed: `code` is what the answer should be (CS_ERR_VALIDATION:
 * the URI or the data is wrong; CS_ERR_TOO_LARGE; CS_ERR_UPSTREAM: S3 failed or refused
 * this service's credentials; CS_ERR_TIMEOUT; CS_ERR_CONFIG; CS_ERR_STORE, NOMEM, IO),
 * `message` says so in words, naming the URI and S3's own error code, never a
 * credential. */
struct cs_ml_import_error {
    int code;
    char message[384];
};

/* Reads s3://bucket/key (cfg: cs/s3.h; NULL: S3 not configured) through the ingest into
 * the tenant's dataset `id`; the object's format comes from its key's extension. On
 * success *out is the dataset document. Returns e->code on failure. */
CS_MUST_CHECK int cs_ml_s3_import(struct cs_store *st, struct cs_arena *a,
                                  const struct cs_s3_cfg *cfg, const char *var_dir,
                                  const char *tenant, const char *uri, const char *id,
                                  int64_t now_ms, struct cs_doc *out, struct cs_ml_import_error *e);

/* Reads a whole local dataset file through the validating reader, calling emit per
 * row. *why (arena) says what was wrong on CS_ERR_VALIDATION; CS_ERR_IO unreadable. */
CS_MUST_CHECK int cs_ml_source_read(struct cs_arena *a, const struct cs_ml_source *src,
                                    cs_dataset_row_fn emit, void *user,
                                    struct cs_dataset_stats *stats, const char **why);

/* The model a tenant's deployment serves for `task`, picked up on the request after a
 * deploy or rollback without restart: a per-process cache (per tenant and task) checked
 * against the stored CS_ML_ACTIVE document (version, creation time, model id) on every
 * call; the model's bytes come from its blob in the store, through this instance's copy
 * (cs_ml_blob_cached). The model stays mapped until the request's arena is reset.
 * `model` NULL: the tenant has no
 * deployment for the task (the built-in model answers). */
struct cs_ml_served {
    const struct cs_model *model;
    const char *deployment; /* deployment name */
    const char *model_id;   /* the job id that trained it */
};
CS_MUST_CHECK int cs_ml_served_get(const struct cs_req *req, const char *task,
                                   struct cs_ml_served *out);

/* The built-in bundle with the tenant's deployed sentiment and intent-support models in
 * place of the built-in ones, for triage (cs_triage_ticket takes a bundle): *out is
 * req->env->models itself when the tenant has none deployed, else an overlay in the
 * arena (cs_models_overlay). served[i] (at most 2, *n of them) say which deployments
 * answer. Models come from the per-process cache above: nothing is loaded per request
 * beyond the version check. */
struct cs_models;
CS_MUST_CHECK int cs_ml_models_for(const struct cs_req *req, const struct cs_models **out,
                                   struct cs_ml_served served[2], const char *tasks[2], size_t *n);

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
