/* Tenant models served by the analyze/explain functions (cs/lifecycle.h): a process-wide
 * cache of mapped models, keyed by tenant and task, checked against the CS_ML_ACTIVE
 * document's version on every request, so a deploy or rollback is picked up on the next
 * request without a restart. The model's bytes come from the store (a tenant blob) into
 * a local copy named by their sum on first use, so any instance serves a model trained
 * on another; each process then maps that copy once. A model replaced while a request still uses it stays
 * mapped until that request ends (reference counts). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/env.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/log.h"
#include "cs/model.h"
#include "cs/models.h"
#include "cs/store.h"

#define SLOTS 256
#define NAME_MAX_LEN 128

struct served {
    struct cs_model *m;
    unsigned refs; /* the slot's own reference plus one per request using it */
    char model_id[NAME_MAX_LEN + 1];
    char deployment[NAME_MAX_LEN + 1];
};

struct slot {
    char key[160]; /* "<tenant>\n<task>"; "" when free */
    /* The document's identity: a rollback to the built-in model deletes the active
     * document and the next deploy inserts it again at version 1, so the version alone
     * would match a slot still holding the model deployed before the rollback. */
    int64_t version, created_ms;
    uint64_t used;
    struct served *s;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[SLOTS];
static uint64_t tick;

static void served_unref_locked(struct served *s)
{
    if (s && --s->refs == 0) {
        cs_model_close(s->m);
        free(s);
    }
}

static void served_release(void *arg)
{
    pthread_mutex_lock(&lock);
    served_unref_locked(arg);
    pthread_mutex_unlock(&lock);
}

static bool safe_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > NAME_MAX_LEN) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return false;
    return true;
}

/* The local file of a deployed model: this instance's copy of the model's blob, fetched
 * from the store (checked against its sum) on first use. */
static int model_path(const struct cs_req *req, const char *model_id, const char *hint, char **path)
{
    char *blob = cs_ml_blob_name(req->arena, "model", model_id);
    if (!blob) return CS_ERR_NOMEM;
    int rc = cs_ml_blob_cached(req->store, req->arena, req->env->cfg.var_dir, req->auth.tenant,
                               blob, "csm", hint, path);
    if (rc == CS_ERR_FORMAT)
        cs_log(CS_LOG_ERROR, "stored tenant model fails its checksum", "tenant", req->auth.tenant,
               "model_id", model_id, NULL);
    if (rc != CS_ERR_NOT_FOUND) return rc;
    /* Trained before models were kept in the store: the file its worker wrote here. */
    char *dir;
    rc = cs_ml_dir(req->arena, req->env->cfg.var_dir, req->auth.tenant, "models", false, &dir);
    if (rc) return rc;
    *path = cs_arena_printf(req->arena, "%s/%s/model.csm", dir, model_id);
    return *path ? CS_OK : CS_ERR_NOMEM;
}

/* Maps the model of an active document read back from the store (checked: the ids
 * become a blob name and a path). */
static int open_served(const struct cs_req *req, json_object *body, struct served **out)
{
    const char *model_id = cs_json_get_str(body, "model_id");
    const char *dep = cs_json_get_str(body, "deployment_name");
    if (!safe_id(model_id) || !dep || strlen(dep) > NAME_MAX_LEN) return CS_ERR_FORMAT;
    char *path;
    int rc = model_path(req, model_id, cs_json_get_str(body, "model_blake2b"), &path);
    if (rc) return rc;
    struct served *s = calloc(1, sizeof(*s));
    if (!s) return CS_ERR_NOMEM;
    rc = cs_model_open(path, &s->m);
    if (rc) {
        free(s);
        return rc;
    }
    s->refs = 1;
    memcpy(s->model_id, model_id, strlen(model_id) + 1);
    memcpy(s->deployment, dep, strlen(dep) + 1);
    *out = s;
    return CS_OK;
}

/* Finds the slot for key holding document d's model, or (fresh) puts fresh there;
 * returns the served model with a reference taken for the caller. */
static struct served *slot_take(const char *key, const struct cs_doc *d, struct served *fresh)
{
    const char *model_id = cs_json_get_str(d->body, "model_id");
    struct slot *hit = NULL, *victim = &slots[0];
    for (size_t i = 0; i < SLOTS; i++) {
        if (strcmp(slots[i].key, key) == 0) {
            hit = &slots[i];
            break;
        }
        if (!slots[i].key[0] || (victim->key[0] && slots[i].used < victim->used))
            victim = &slots[i];
    }
    if (hit && hit->version == d->version && hit->created_ms == d->created_ms && model_id &&
        strcmp(hit->s->model_id, model_id) == 0 && !fresh) {
        hit->used = ++tick;
        hit->s->refs++;
        return hit->s;
    }
    if (!fresh) return NULL;
    struct slot *sl = hit ? hit : victim;
    served_unref_locked(sl->s);
    snprintf(sl->key, sizeof(sl->key), "%s", key);
    sl->version = d->version;
    sl->created_ms = d->created_ms;
    sl->used = ++tick;
    sl->s = fresh;
    fresh->refs++;
    return fresh;
}

static int serve_doc(const struct cs_req *req, const char *key, const struct cs_doc *d,
                     struct cs_ml_served *out)
{
    pthread_mutex_lock(&lock);
    struct served *s = slot_take(key, d, NULL);
    pthread_mutex_unlock(&lock);
    if (!s) {
        struct served *fresh;
        int rc = open_served(req, d->body, &fresh);
        if (rc) return rc;
        pthread_mutex_lock(&lock);
        s = slot_take(key, d, fresh);
        pthread_mutex_unlock(&lock);
    }
    int rc = cs_arena_defer(req->arena, served_release, s);
    if (rc) return rc;
    out->model = s->m;
    out->model_id = s->model_id;
    out->deployment = s->deployment;
    return CS_OK;
}

int cs_ml_served_get(const struct cs_req *req, const char *task, struct cs_ml_served *out)
{
    memset(out, 0, sizeof(*out));
    if (!req->store || !req->auth.tenant || !cs_tenant_valid(req->auth.tenant)) return CS_OK;
    struct cs_doc d;
    int rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_ACTIVE, task, &d);
    if (rc == CS_ERR_NOT_FOUND) return CS_OK;
    if (rc) return rc;
    char key[160];
    snprintf(key, sizeof(key), "%s\n%s", req->auth.tenant, task);
    return serve_doc(req, key, &d, out);
}

int cs_ml_deployment_get(const struct cs_req *req, const char *name, struct cs_ml_served *out,
                         const char **task)
{
    memset(out, 0, sizeof(*out));
    if (!req->store || !req->auth.tenant || !name || strlen(name) > NAME_MAX_LEN)
        return CS_ERR_NOT_FOUND;
    struct cs_doc d;
    int rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_DEPLOYMENTS, name, &d);
    if (rc) return rc;
    const char *model_id = cs_json_get_str(d.body, "model_id");
    *task = cs_json_get_str(d.body, "task");
    if (!*task || !cs_ml_task_trainable(*task)) return CS_ERR_FORMAT;
    if (!model_id) return CS_ERR_NOT_FOUND; /* rolled back to the built-in model */
    char key[200];
    snprintf(key, sizeof(key), "%s\n@%s", req->auth.tenant, name);
    return serve_doc(req, key, &d, out);
}

/* The tenant's active documents of both triage tasks come from one read of the
 * collection (one document per trainable task, a handful), where a point read per task
 * cost a ticket two store operations (issue 15); each is then checked against the
 * cache by its version as cs_ml_served_get does, so a deploy is still picked up on the
 * next request. */
#define ACTIVE_MAX 64

int cs_ml_models_for(const struct cs_req *req, const struct cs_models **out,
                     struct cs_ml_served served[2], const char *tasks[2], size_t *n)
{
    static const char *const triage_tasks[2] = {"sentiment", "intent-support"};
    const struct cs_model *put[2];
    *out = req->env->models;
    *n = 0;
    if (!req->store || !req->auth.tenant || !cs_tenant_valid(req->auth.tenant)) return CS_OK;
    struct cs_query q = {.sort = "_id", .limit = ACTIVE_MAX};
    struct cs_doc_list l;
    int rc = cs_store_find(req->store, req->arena, req->auth.tenant, CS_ML_ACTIVE, &q, &l);
    if (rc) return rc;
    for (size_t i = 0; i < 2; i++) {
        const struct cs_doc *d = NULL;
        for (size_t k = 0; k < l.n && !d; k++)
            if (l.docs[k].id && strcmp(l.docs[k].id, triage_tasks[i]) == 0) d = &l.docs[k];
        if (!d) continue;
        char key[160];
        snprintf(key, sizeof(key), "%s\n%s", req->auth.tenant, triage_tasks[i]);
        memset(&served[*n], 0, sizeof(served[*n]));
        rc = serve_doc(req, key, d, &served[*n]);
        if (rc) return rc;
        tasks[*n] = triage_tasks[i];
        put[*n] = served[*n].model;
        (*n)++;
    }
    return *n ? cs_models_overlay(req->arena, req->env->models, put, *n, out) : CS_OK;
}

int cs_ml_job_json(struct cs_arena *a, const struct cs_doc *job, json_object **out)
{
    json_object *d = cs_json_object(a), *b = job->body, *v;
    if (!d) return CS_ERR_NOMEM;
    static const char *const keys[] = {
        "job_id",     "status",           "progress",     "estimated_completion", "error_message",
        "base_model", "model_output_uri", "logs_uri",     "instance_count",       "attempts",
        "metrics",    "created_at",       "completed_at", "resumed_from_epoch"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (json_object_object_get_ex(b, keys[i], &v) &&
            json_object_object_add(d, keys[i], json_object_get(v)) != 0)
            return CS_ERR_NOMEM;
    *out = d;
    return CS_OK;
}
