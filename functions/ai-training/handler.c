/* Seed 001's training endpoints for tenant models (issue 18):
 *   POST   /api/v1/ai/distributed-training   stores the job, queues it, answers STARTING
 *   GET    /api/v1/ai/training-job/{job_id}  status, per-epoch progress, metrics
 *   DELETE /api/v1/ai/training-job/{job_id}  cancels a job that has not ended
 * The training itself is the ai-training-worker's (cs/ml_worker.h). Hyper-parameters
 * map onto the trainer's options (cs/train.h); an unknown one is a 422. */
#include "handler.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/log.h"
#include "cs/s3.h"
#include "cs/store.h"

/* S3 access for s3:// sources, read from the environment at cold start. */
static struct cs_s3_cfg s3_cfg;
static bool s3_ready;

/* CS_ML_OUTPUT_URI ("s3://bucket/prefix"): where jobs' outputs go, as
 * "s3://bucket/prefix/<tenant>/<job_id>/"; "" keeps them in the state folder (file://). */
static char output_root[CS_S3_MAX_KEY + 80];

static const char *env_get(const char *name) { return getenv(name); }

/* "s3://bucket" or "s3://bucket/prefix", trailing '/' dropped, into output_root. */
static bool output_root_load(const char *v)
{
    output_root[0] = 0;
    if (!v || !*v) return true;
    size_t n = strlen(v);
    while (n > 5 && v[n - 1] == '/') n--;
    char probe[sizeof(output_root) + 4], bucket[64], key[CS_S3_MAX_KEY + 1];
    if (n + 3 > sizeof(output_root)) return false;
    /* a key follows the root in every URI made from it: check the root with one */
    snprintf(probe, sizeof(probe), "%.*s/x", (int)n, v);
    if (!cs_s3_uri_split(probe, bucket, key)) return false;
    snprintf(output_root, sizeof(output_root), "%.*s", (int)n, v);
    return true;
}

CS_INIT(fn_ai_training_init)
{
    (void)env;
    const char *why;
    int rc = cs_s3_cfg_load(&s3_cfg, env_get, &why);
    if (!rc && !output_root_load(getenv("CS_ML_OUTPUT_URI")))
        why = "CS_ML_OUTPUT_URI", rc = CS_ERR_CONFIG;
    if (rc) cs_log(CS_LOG_ERROR, "invalid S3 configuration", "variable", why, NULL);
    s3_ready = rc == CS_OK;
    return rc;
}

/* Rows times epochs per second a job trains at: `build.sh bench lifecycle` fitted
 * 9,000 sentiment rows x 24 epochs in 4.4 s on a loaded 2-core machine (~50,000/s).
 * Only the first estimate uses it; the worker's progress replaces it with the job's
 * own measured rate. */
#define STEPS_PER_S 50000.0

static const char *const TASKS[] = {"sentiment", "intent-support", "intent-banking77", NULL};

static const struct cs_field job_fields[] = {
    {.name = "base_model", .type = CS_J_STRING, .required = true, .one_of = TASKS},
    {.name = "training_data_uri",
     .type = CS_J_STRING,
     .required = true,
     .min_len = 1,
     .max_len = 1024},
    {.name = "validation_data_uri",
     .type = CS_J_STRING,
     .nullable = true,
     .min_len = 1,
     .max_len = 1024},
    {.name = "hyperparameters", .type = CS_J_OBJECT, .nullable = true},
    {.name = "instance_count",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 1,
     .has_max = true,
     .max = CS_ML_MAX_INSTANCES},
    {.name = "instance_type", .type = CS_J_STRING, .nullable = true, .max_len = 64},
};
static const struct cs_schema job_schema = {job_fields, 6};

/* Hyper-parameters the trainer takes: name, option key, range, integer? */
static const struct hp {
    const char *name;
    double lo, hi;
    bool integer, boolean, applied;
} HPS[] = {
    {"learning_rate", 1e-9, 10, false, false, true},
    {"epochs", 1, 200, true, false, true},
    {"l2", 0, 1, false, false, true},
    {"seed", 0, 9007199254740991.0, true, false, true},
    {"balance_power", 0, 1, false, false, true},
    {"nb_power", 0, 4, false, false, true},
    {"average", 0, 1, false, true, true},
    /* The trainer steps per example (SGD); a batch size is recorded, not applied. */
    {"batch_size", 1, 65536, true, false, false},
};

static int unprocessable(struct cs_resp *resp, const char *field, const char *msg)
{
    cs_resp_field_error(resp, "body", field, msg, "value_error");
    resp->err_message = "Unprocessable hyperparameters";
    return CS_ERR_UNPROCESSABLE;
}

static int read_hp(const struct cs_req *req, struct cs_resp *resp, json_object *given,
                   json_object *opts, json_object *not_applied)
{
    if (!given) return CS_OK;
    json_object_object_foreach(given, k, v)
    {
        const struct hp *h = NULL;
        for (size_t i = 0; i < sizeof(HPS) / sizeof(HPS[0]); i++)
            if (strcmp(HPS[i].name, k) == 0) h = &HPS[i];
        char *field = cs_arena_printf(req->arena, "hyperparameters.%s", k);
        if (!field) return CS_ERR_NOMEM;
        if (!h)
            return unprocessable(resp, field,
                                 "unknown hyperparameter (learning_rate, epochs, l2, seed, "
                                 "balance_power, nb_power, average, batch_size)");
        if (h->boolean) {
            if (!json_object_is_type(v, json_type_boolean))
                return unprocessable(resp, field, "must be true or false");
            json_object_object_add(opts, k, json_object_new_boolean(json_object_get_boolean(v)));
            continue;
        }
        bool num =
            json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
        double d = num ? json_object_get_double(v) : NAN;
        if (!num || !(d >= h->lo && d <= h->hi) || (h->integer && d != floor(d)))
            return unprocessable(resp, field,
                                 cs_arena_printf(req->arena, "must be %s in [%g, %g]",
                                                 h->integer ? "an integer" : "a number", h->lo,
                                                 h->hi));
        if (!h->applied) {
            json_object_array_add(not_applied, json_object_new_string(k));
            continue;
        }
        json_object_object_add(
            opts, k, h->integer ? json_object_new_int64((int64_t)d) : json_object_new_double(d));
    }
    return CS_OK;
}

static int bad_uri(struct cs_resp *resp, const char *field, const char *why)
{
    cs_resp_field_error(resp, "body", field, why, "value_error");
    return CS_ERR_VALIDATION;
}

static char *new_dataset_id(const struct cs_req *req)
{
    unsigned char rnd[12];
    char hex[25];
    req->env->random(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    return cs_arena_printf(req->arena, "ds_%s", hex);
}

/* An s3:// source becomes one of the tenant's datasets now, so a missing, refused,
 * oversized or malformed object is answered here, and no job is made for it. */
static int import_s3(const struct cs_req *req, struct cs_resp *resp, const char *field,
                     const char *uri, struct cs_doc *ds)
{
    const char *id = new_dataset_id(req);
    if (!id) return CS_ERR_NOMEM;
    struct cs_ml_import_error e;
    int rc = cs_ml_s3_import(req->store, req->arena, s3_ready ? &s3_cfg : NULL,
                             req->env->cfg.var_dir, req->auth.tenant, uri, id, req->now_ms, ds, &e);
    if (!rc) return CS_OK;
    const char *msg = cs_arena_strdup(req->arena, e.message);
    if (e.code == CS_ERR_VALIDATION) return bad_uri(resp, field, msg);
    if (e.code == CS_ERR_TOO_LARGE || e.code == CS_ERR_UPSTREAM || e.code == CS_ERR_TIMEOUT) {
        cs_resp_field_error(resp, "body", field, msg, "value_error");
        resp->err_message = msg;
    }
    return e.code;
}

/* Checks the sources name something this tenant may read (importing s3:// objects);
 * returns the training rows when known (else -1), for the estimate, and the datasets
 * s3:// sources became (NULL for other sources). */
static int check_sources(const struct cs_req *req, struct cs_resp *resp, int64_t *rows,
                         const char *imported[2])
{
    static const char *const keys[] = {"training_data_uri", "validation_data_uri"};
    *rows = -1;
    for (int k = 0; k < 2; k++) {
        imported[k] = NULL;
        const char *uri = cs_json_get_str(req->json, keys[k]), *why;
        if (!uri) continue;
        if (strncmp(uri, "s3://", 5) == 0) {
            struct cs_doc ds;
            int rc = import_s3(req, resp, keys[k], uri, &ds);
            if (rc) return rc;
            imported[k] = ds.id;
            if (k == 0) *rows = cs_json_get_int(ds.body, "row_count", -1);
            continue;
        }
        struct cs_ml_source src;
        int rc = cs_ml_source_check(req->store, req->arena, req->env->cfg.var_dir, req->auth.tenant,
                                    uri, &src, &why);
        if (rc == CS_ERR_VALIDATION || rc == CS_ERR_NOT_FOUND)
            return bad_uri(resp, keys[k], why ? why : "not found");
        if (rc) return rc;
        if (k == 0 && src.dataset_id) {
            struct cs_doc d;
            if (cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_DATASETS,
                             src.dataset_id, &d) == CS_OK)
                *rows = cs_json_get_int(d.body, "row_count", -1);
        }
    }
    return CS_OK;
}

static const char *estimate(struct cs_arena *a, int64_t rows, int64_t epochs, int64_t instances)
{
    if (rows < 0) return NULL;
    /* shards run side by side but each reads every row's features */
    double s = (double)rows * (double)epochs / STEPS_PER_S * (instances > 1 ? 1.5 : 1.0) + 1.0;
    return s < 90 ? cs_arena_printf(a, "%d seconds", (int)ceil(s))
                  : cs_arena_printf(a, "%d minutes", (int)ceil(s / 60));
}

static json_object *fresh_progress(int64_t epochs)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "current_epoch", json_object_new_int64(0));
    json_object_object_add(p, "total_epochs", json_object_new_int64(epochs));
    json_object_object_add(p, "current_step", json_object_new_int64(0));
    json_object_object_add(p, "total_steps", NULL);
    json_object_object_add(p, "metrics", json_object_new_object());
    return p;
}

static int job_body(const struct cs_req *req, const char *id, json_object *opts, const char *eta,
                    const char *const imported[2], json_object **out, const char **model_uri,
                    const char **logs_uri)
{
    if (output_root[0]) { /* the worker uploads there (cs/ml_worker.h) */
        *model_uri = cs_arena_printf(req->arena, "%s/%s/%s/", output_root, req->auth.tenant, id);
        *logs_uri =
            cs_arena_printf(req->arena, "%s/%s/%s/logs/", output_root, req->auth.tenant, id);
    } else {
        char *dir;
        int rc =
            cs_ml_dir(req->arena, req->env->cfg.var_dir, req->auth.tenant, "models", false, &dir);
        if (rc) return rc;
        *model_uri = cs_arena_printf(req->arena, "file://%s/%s/", dir, id);
        *logs_uri = cs_arena_printf(req->arena, "file://%s/%s/train.log", dir, id);
    }
    char iso[32];
    cs_ml_iso(req->now_ms, iso, sizeof(iso));
    json_object *v;
    if (!*model_uri || !*logs_uri) return CS_ERR_NOMEM;
    struct cs_jb b;
    cs_jb_init(&b, cs_json_object(req->arena));
    cs_jb_str(&b, "job_id", id);
    cs_jb_str(&b, "status", "STARTING");
    static const char *const copy[] = {"base_model", "training_data_uri", "validation_data_uri",
                                       "hyperparameters", "instance_type"};
    for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++)
        if (json_object_object_get_ex(req->json, copy[i], &v)) cs_jb_ref(&b, copy[i], v);
    cs_jb_int(&b, "instance_count", cs_json_get_int(req->json, "instance_count", 1));
    cs_jb_ref(&b, "options", opts);
    /* What the worker reads for an s3:// source: the dataset it became. */
    if (imported[0]) cs_jb_str(&b, "training_dataset_id", imported[0]);
    if (imported[1]) cs_jb_str(&b, "validation_dataset_id", imported[1]);
    cs_jb_str(&b, "model_output_uri", *model_uri);
    cs_jb_str(&b, "logs_uri", *logs_uri);
    cs_jb_str(&b, "estimated_time", eta);
    cs_jb_add(&b, "progress", fresh_progress(cs_json_get_int(opts, "epochs", 24)));
    cs_jb_null(&b, "estimated_completion");
    cs_jb_int(&b, "attempts", 0);
    cs_jb_str(&b, "created_at", iso);
    *out = b.obj;
    return cs_jb_done(&b);
}

/* The job and its outbox item (queue CS_ML_TOPIC) in one store write: no job without
 * the item that gets it trained, no item without its job. */
static int store_job(const struct cs_req *req, const char *id, json_object *body)
{
    struct cs_jb item;
    cs_jb_init(&item, cs_json_object(req->arena));
    cs_jb_str(&item, "job_id", id);
    int rc = cs_jb_done(&item);
    if (!rc)
        rc = cs_store_stage(req->store, req->auth.tenant, CS_ML_TOPIC, "training_job", item.obj);
    if (!rc)
        rc = cs_store_insert(req->store, req->arena, req->auth.tenant, CS_ML_JOBS, id, body, NULL,
                             req->now_ms, NULL);
    if (rc) cs_store_unstage(req->store);
    return rc;
}

static int create_job(const struct cs_req *req, struct cs_resp *resp)
{
    json_object *json;
    int rc = cs_app_read_json(req, resp, &job_schema, &json);
    if (rc) return rc;
    ((struct cs_req *)req)->json = json;
    json_object *hp = NULL, *opts = cs_json_object(req->arena),
                *not_applied = cs_json_array(req->arena);
    if (!opts || !not_applied) return CS_ERR_NOMEM;
    json_object_object_get_ex(json, "hyperparameters", &hp);
    rc = read_hp(req, resp, hp, opts, not_applied);
    int64_t rows;
    const char *imported[2] = {NULL, NULL};
    if (!rc) rc = check_sources(req, resp, &rows, imported);
    if (rc) return rc;
    unsigned char rnd[4];
    char hex[9], day[16];
    req->env->random(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    cs_ml_iso(req->now_ms, day, sizeof(day));
    day[10] = 0;
    char *id = cs_arena_printf(req->arena, "train-%s-%s", day, hex);
    if (!id) return CS_ERR_NOMEM;
    const char *eta = estimate(req->arena, rows, cs_json_get_int(opts, "epochs", 24),
                               cs_json_get_int(json, "instance_count", 1));
    json_object *body;
    const char *model_uri, *logs_uri;
    rc = job_body(req, id, opts, eta, imported, &body, &model_uri, &logs_uri);
    if (!rc) rc = store_job(req, id, body);
    if (rc) return rc;
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_str(&d, "job_id", id);
    cs_jb_str(&d, "status", "STARTING");
    cs_jb_str(&d, "estimated_time", eta);
    cs_jb_str(&d, "model_output_uri", model_uri);
    cs_jb_str(&d, "logs_uri", logs_uri);
    /* Beyond the seed: what the trainer will use, and what it cannot apply. */
    cs_jb_ref(&d, "hyperparameters_applied", opts);
    cs_jb_ref(&d, "hyperparameters_not_applied", not_applied);
    rc = cs_jb_done(&d);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
    return rc;
}

static int show_job(const struct cs_req *req, struct cs_resp *resp, const struct cs_doc *d)
{
    json_object *data;
    int rc = cs_ml_job_json(req->arena, d, &data);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, data);
    return rc;
}

/* A job that has ended cannot be cancelled: mutate's own code, never retried. */
#define JOB_ENDED (-2)

static int mark_cancelled(void *ctx, struct cs_doc *d)
{
    (void)ctx;
    const char *st = cs_json_get_str(d->body, "status");
    if (!st || (strcmp(st, "STARTING") != 0 && strcmp(st, "IN_PROGRESS") != 0)) return JOB_ENDED;
    return cs_json_add_str(d->body, "status", "CANCELLED");
}

static int cancel_job(const struct cs_req *req, struct cs_resp *resp, const char *id)
{
    /* A lost race is the worker writing progress meanwhile: read again and decide again. */
    const struct cs_store_modify m = {.tenant = req->auth.tenant,
                                      .coll = CS_ML_JOBS,
                                      .id = id,
                                      .mutate = mark_cancelled,
                                      .now_ms = req->now_ms};
    struct cs_doc d;
    int rc = cs_store_modify(req->store, req->arena, &m, &d);
    if (rc == JOB_ENDED) {
        resp->err_message = "The job has already ended";
        return CS_ERR_CONFLICT;
    }
    return rc ? rc : show_job(req, resp, &d);
}

CS_HANDLER(fn_ai_training)
{
    if (strcmp(req->method, "POST") == 0) return create_job(req, resp);
    const char *id = cs_req_param(req, "job_id");
    if (!id || strlen(id) > 64) return CS_ERR_NOT_FOUND;
    if (strcmp(req->method, "DELETE") == 0) return cancel_job(req, resp, id);
    struct cs_doc d;
    int rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_JOBS, id, &d);
    if (rc == CS_ERR_NOT_FOUND) resp->err_message = "Training job not found";
    return rc ? rc : show_job(req, resp, &d);
}
