/* The tenant's trained models and their deployments (issue 18, seed 001):
 *   GET  /api/v1/ai/models                   models (metrics, lineage) and deployments
 *   POST /api/v1/ai/deploy                   points a deployment name at a trained model
 *   POST /api/v1/ai/deploy/{name}/rollback   back to the deployment's previous model
 * A deploy is refused (409) when the model's validation accuracy is below the model it
 * replaces (the tenant's current one for the task, else the built-in model measured on
 * the same validation rows) unless "force" is true. The switch is one versioned write
 * of the task's CS_ML_ACTIVE document, which every serving function reads per request
 * (cs_ml_served_get), so the next request answers from the new model. */
#include "handler.h"

#include <math.h>
#include <sodium.h>
#include <stddef.h>
#include <string.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/store.h"

static const struct cs_field resreq_fields[] = {
    {.name = "cpu", .type = CS_J_STRING, .nullable = true, .max_len = 16},
    {.name = "memory", .type = CS_J_STRING, .nullable = true, .max_len = 16},
    {.name = "gpu", .type = CS_J_STRING, .nullable = true, .max_len = 16},
};
static const struct cs_schema resreq_schema = {resreq_fields, 3};
static const struct cs_field scaling_fields[] = {
    {.name = "min_replicas",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 1000},
    {.name = "max_replicas",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 1000},
    {.name = "target_utilization",
     .type = CS_J_NUMBER,
     .nullable = true,
     .has_min = true,
     .min = 1,
     .has_max = true,
     .max = 100},
};
static const struct cs_schema scaling_schema = {scaling_fields, 3};
static const struct cs_field deploy_fields[] = {
    {.name = "model_uri", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 1024},
    {.name = "deployment_name", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 64},
    {.name = "deployment_strategy", .type = CS_J_STRING, .nullable = true, .max_len = 32},
    {.name = "replicas",
     .type = CS_J_INT,
     .nullable = true,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 1000},
    {.name = "auto_scaling", .type = CS_J_OBJECT, .nullable = true, .object = &scaling_schema},
    {.name = "resource_requirements",
     .type = CS_J_OBJECT,
     .nullable = true,
     .object = &resreq_schema},
    {.name = "force", .type = CS_J_BOOL, .nullable = true},
};
static const struct cs_schema deploy_schema = {deploy_fields, 7};

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return false;
    return true;
}

static int field_error(struct cs_resp *resp, const char *field, const char *msg)
{
    cs_resp_field_error(resp, "body", field, msg, "value_error");
    return CS_ERR_VALIDATION;
}

/* An S3 model_output_uri (CS_ML_OUTPUT_URI) ends in "/<tenant>/<job_id>/": the job id
 * when the tenant is the caller's. */
static const char *s3_model_id(const struct cs_req *req, const char *uri)
{
    char id[65];
    return cs_ml_s3_output_job(req->auth.tenant, uri, id) ? cs_arena_strdup(req->arena, id) : NULL;
}

/* model_uri: the job's model_output_uri, "model://<job_id>" or the bare job id. */
static const char *model_id_of(const struct cs_req *req, const char *uri)
{
    char *dir;
    if (strncmp(uri, "file://", 7) == 0) {
        if (cs_ml_dir(req->arena, req->env->cfg.var_dir, req->auth.tenant, "models", false, &dir))
            return NULL;
        size_t dl = strlen(dir);
        if (strncmp(uri + 7, dir, dl) != 0 || uri[7 + dl] != '/') return NULL;
        char *id = cs_arena_strdup(req->arena, uri + 8 + dl);
        size_t n = id ? strlen(id) : 0;
        if (n && id[n - 1] == '/') id[n - 1] = 0;
        return id && name_ok(id) ? id : NULL;
    }
    if (strncmp(uri, "s3://", 5) == 0) return s3_model_id(req, uri);
    if (strncmp(uri, "model://", 8) == 0) uri += 8;
    return name_ok(uri) ? uri : NULL;
}

static double val_acc(json_object *model_body, const char *key)
{
    json_object *m = NULL;
    json_object_object_get_ex(model_body, "metrics", &m);
    return cs_json_get_double(m, key, NAN);
}

/* What the deployed model replaces and its validation accuracy. */
static int replaced(const struct cs_req *req, const char *task, json_object *new_model,
                    const char **old_id, double *old_acc, struct cs_doc *active)
{
    int rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_ACTIVE, task, active);
    if (rc == CS_ERR_NOT_FOUND) {
        active->id = NULL;
        *old_id = "builtin";
        *old_acc = val_acc(new_model, "builtin_validation_accuracy");
        return CS_OK;
    }
    if (rc) return rc;
    *old_id = cs_json_get_str(active->body, "model_id");
    struct cs_doc om;
    *old_acc = NAN;
    if (*old_id &&
        cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_MODELS, *old_id, &om) == CS_OK)
        *old_acc = val_acc(om.body, "validation_accuracy");
    return CS_OK;
}

/* The switch: one versioned write of the task's active document. */
static int switch_active(const struct cs_req *req, const char *task, const struct cs_doc *active,
                         const char *name, const char *model_id, const char *sum)
{
    struct cs_jb b;
    cs_jb_init(&b, cs_json_object(req->arena));
    cs_jb_str(&b, "deployment_name", name);
    cs_jb_str(&b, "model_id", model_id);
    /* the model blob's sum: a serving function opens its copy of it without a store read */
    if (sum) cs_jb_str(&b, "model_blake2b", sum);
    int rc = cs_jb_done(&b);
    if (rc) return rc;
    if (active->id)
        return cs_store_update(req->store, req->arena, req->auth.tenant, CS_ML_ACTIVE, task,
                               active->version, b.obj, NULL, req->now_ms, NULL);
    return cs_store_insert(req->store, req->arena, req->auth.tenant, CS_ML_ACTIVE, task, b.obj,
                           NULL, req->now_ms, NULL);
}

static json_object *recorded_settings(const struct cs_req *req)
{
    json_object *o = json_object_new_object(), *v;
    static const char *const keys[] = {"deployment_strategy", "replicas", "auto_scaling",
                                       "resource_requirements"};
    for (size_t i = 0; o && i < sizeof(keys) / sizeof(keys[0]); i++)
        if (json_object_object_get_ex(req->json, keys[i], &v) && v)
            json_object_object_add(o, keys[i], json_object_get(v));
    return o;
}

static int save_deployment(const struct cs_req *req, const char *name, const char *task,
                           const char *model_id, const char *sum, const char *dep_id)
{
    struct cs_doc d;
    int rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_DEPLOYMENTS, name, &d);
    bool exists = rc == CS_OK;
    if (rc && rc != CS_ERR_NOT_FOUND) return rc;
    json_object *b = exists ? d.body : cs_json_object(req->arena), *hist = NULL;
    if (!b) return CS_ERR_NOMEM;
    if (exists && strcmp(cs_json_get_str(b, "task") ? cs_json_get_str(b, "task") : "", task) != 0)
        return CS_ERR_EXISTS; /* a name serves one task */
    if (!json_object_object_get_ex(b, "history", &hist) ||
        !json_object_is_type(hist, json_type_array)) {
        hist = json_object_new_array();
        json_object_object_add(b, "history", hist);
    }
    if (json_object_array_length(hist) >= 50) json_object_array_del_idx(hist, 0, 1);
    json_object_array_add(hist, json_object_new_string(model_id));
    char iso[32];
    cs_ml_iso(req->now_ms, iso, sizeof(iso));
    struct cs_jb jb; /* over the stored document: its other fields stay */
    cs_jb_init(&jb, b);
    cs_jb_str(&jb, "deployment_name", name);
    cs_jb_str(&jb, "deployment_id", dep_id);
    cs_jb_str(&jb, "task", task);
    cs_jb_str(&jb, "model_id", model_id);
    json_object_object_del(b, "model_blake2b"); /* the previous model's */
    if (sum) cs_jb_str(&jb, "model_blake2b", sum);
    cs_jb_str(&jb, "status", "ACTIVE");
    cs_jb_add(&jb, "settings", recorded_settings(req));
    cs_jb_str(&jb, "deployed_at", iso);
    rc = cs_jb_done(&jb);
    if (rc) return rc;
    return exists ? cs_store_update(req->store, req->arena, req->auth.tenant, CS_ML_DEPLOYMENTS,
                                    name, d.version, b, NULL, req->now_ms, NULL)
                  : cs_store_insert(req->store, req->arena, req->auth.tenant, CS_ML_DEPLOYMENTS,
                                    name, b, NULL, req->now_ms, NULL);
}

static const char *endpoint_of(const char *task)
{
    return strcmp(task, "sentiment") == 0 ? "/api/v1/analyze/sentiment" : "/api/v1/ai/explain";
}

static int deploy(const struct cs_req *req, struct cs_resp *resp)
{
    json_object *json;
    int rc = cs_app_read_json(req, resp, &deploy_schema, &json);
    if (rc) return rc;
    ((struct cs_req *)req)->json = json;
    const char *name = cs_json_get_str(json, "deployment_name");
    if (!name_ok(name)) return field_error(resp, "deployment_name", "1-64 of a-z, 0-9, - and _");
    const char *model_id = model_id_of(req, cs_json_get_str(json, "model_uri"));
    if (!model_id)
        return field_error(resp, "model_uri",
                           "a model_output_uri of this tenant's, model://<job_id> or a job id");
    struct cs_doc m;
    rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_MODELS, model_id, &m);
    if (rc == CS_ERR_NOT_FOUND)
        return field_error(resp, "model_uri", "no trained model with that id");
    if (rc) return rc;
    const char *task = cs_json_get_str(m.body, "task");
    if (!task || !cs_ml_task_trainable(task)) return CS_ERR_FORMAT;
    const char *old_id;
    double old_acc, new_acc = val_acc(m.body, "validation_accuracy");
    struct cs_doc active;
    rc = replaced(req, task, m.body, &old_id, &old_acc, &active);
    if (rc) return rc;
    bool force = cs_json_get_bool(json, "force", false);
    if (!force && isfinite(old_acc) && !(new_acc >= old_acc)) {
        struct cs_jb det;
        cs_jb_init(&det, cs_json_object(req->arena));
        cs_jb_double(&det, "validation_accuracy", new_acc, 4);
        cs_jb_str(&det, "replaced_model", old_id);
        cs_jb_double(&det, "replaced_validation_accuracy", old_acc, 4);
        if ((rc = cs_jb_done(&det))) return rc;
        resp->err_details = det.obj;
        resp->err_message = "Validation accuracy is below the model it replaces; deploy with "
                            "\"force\": true to override";
        return CS_ERR_CONFLICT;
    }
    unsigned char rnd[4];
    char hex[9], day[32];
    req->env->random(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    cs_ml_iso(req->now_ms, day, sizeof(day));
    day[10] = 0;
    char *dep_id = cs_arena_printf(req->arena, "deploy-%s-%s", day, hex);
    if (!dep_id) return CS_ERR_NOMEM;
    const char *sum = cs_json_get_str(m.body, "model_blake2b");
    rc = save_deployment(req, name, task, model_id, sum, dep_id);
    if (rc == CS_ERR_EXISTS)
        return field_error(resp, "deployment_name", "already serves another task");
    if (!rc) rc = switch_active(req, task, &active, name, model_id, sum);
    if (rc) return rc;
    json_object *not_applied = json_object_new_array();
    if (!not_applied) return CS_ERR_NOMEM;
    json_object *rec = recorded_settings(req);
    /* Functions here scale by Lambda concurrency or FastCGI processes, not replicas: the
     * settings are kept with the deployment and reported as not applied. */
    json_object_object_foreach(rec, k, v)
    {
        (void)v;
        json_object_array_add(not_applied, json_object_new_string(k));
    }
    json_object_put(rec);
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_str(&d, "deployment_id", dep_id);
    cs_jb_str(&d, "status", "ACTIVE");
    cs_jb_str(&d, "endpoint", endpoint_of(task));
    cs_jb_str(&d, "metrics_endpoint", "/api/v1/ai/models");
    cs_jb_str(&d, "deployment_name", name);
    cs_jb_str(&d, "model_id", model_id);
    cs_jb_str(&d, "task", task);
    cs_jb_double(&d, "validation_accuracy", new_acc, 4);
    cs_jb_str(&d, "replaced_model", old_id);
    cs_jb_double(&d, "replaced_validation_accuracy", old_acc, 4);
    cs_jb_bool(&d, "forced", force);
    cs_jb_add(&d, "settings_not_applied", not_applied);
    rc = cs_jb_done(&d);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
    return rc;
}

/* The stored sum of a model's blob (NULL for models trained before models were kept
 * in the store: serving then reads the blob's head). */
static const char *model_sum(const struct cs_req *req, const char *model_id)
{
    struct cs_doc m;
    if (cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_MODELS, model_id, &m) != CS_OK)
        return NULL;
    return cs_json_get_str(m.body, "model_blake2b");
}

static int rollback(const struct cs_req *req, struct cs_resp *resp, const char *name)
{
    struct cs_doc d, active;
    int rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_DEPLOYMENTS, name, &d);
    if (rc == CS_ERR_NOT_FOUND) resp->err_message = "Deployment not found";
    if (rc) return rc;
    const char *task = cs_json_get_str(d.body, "task");
    json_object *hist = NULL;
    json_object_object_get_ex(d.body, "history", &hist);
    size_t n =
        hist && json_object_is_type(hist, json_type_array) ? json_object_array_length(hist) : 0;
    if (!task || !cs_ml_task_trainable(task)) return CS_ERR_FORMAT;
    if (n == 0) {
        resp->err_message = "The deployment has nothing to roll back";
        return CS_ERR_CONFLICT;
    }
    const char *from = json_object_get_string(json_object_array_get_idx(hist, n - 1));
    from = cs_arena_strdup(req->arena, from);
    json_object_array_del_idx(hist, n - 1, 1);
    const char *to =
        n >= 2 ? cs_arena_strdup(req->arena,
                                 json_object_get_string(json_object_array_get_idx(hist, n - 2)))
               : NULL;
    const char *sum = to ? model_sum(req, to) : NULL;
    struct cs_jb upd; /* over the stored document */
    cs_jb_init(&upd, d.body);
    cs_jb_str(&upd, "model_id", to);
    json_object_object_del(d.body, "model_blake2b");
    if (sum) cs_jb_str(&upd, "model_blake2b", sum);
    cs_jb_str(&upd, "status", to ? "ACTIVE" : "ROLLED_BACK");
    rc = cs_jb_done(&upd);
    if (!rc)
        rc = cs_store_update(req->store, req->arena, req->auth.tenant, CS_ML_DEPLOYMENTS, name,
                             d.version, d.body, NULL, req->now_ms, NULL);
    if (rc) return rc;
    /* Serving follows when this deployment is the task's active one. */
    rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_ACTIVE, task, &active);
    bool ours = !rc && strcmp(cs_json_get_str(active.body, "deployment_name")
                                  ? cs_json_get_str(active.body, "deployment_name")
                                  : "",
                              name) == 0;
    if (rc && rc != CS_ERR_NOT_FOUND) return rc;
    if (ours && to)
        rc = switch_active(req, task, &active, name, to, sum);
    else if (ours)
        rc = cs_store_delete(req->store, req->auth.tenant, CS_ML_ACTIVE, task, active.version);
    if (rc) return rc;
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_str(&o, "deployment_name", name);
    cs_jb_str(&o, "status", to ? "ACTIVE" : "ROLLED_BACK");
    cs_jb_str(&o, "task", task);
    cs_jb_str(&o, "model_id", to ? to : "builtin");
    cs_jb_str(&o, "rolled_back_model_id", from);
    rc = cs_jb_done(&o);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, o.obj);
    return rc;
}

static int list_coll(const struct cs_req *req, const char *coll, json_object **out)
{
    struct cs_query q = {.sort = "_created", .desc = true, .limit = 100};
    struct cs_doc_list l;
    int rc = cs_store_find(req->store, req->arena, req->auth.tenant, coll, &q, &l);
    if (rc) return rc;
    json_object *arr = cs_json_array(req->arena);
    if (!arr) return CS_ERR_NOMEM;
    for (size_t i = 0; i < l.n; i++) json_object_array_add(arr, json_object_get(l.docs[i].body));
    *out = arr;
    return CS_OK;
}

static int list(const struct cs_req *req, struct cs_resp *resp)
{
    json_object *models, *deps;
    int rc = list_coll(req, CS_ML_MODELS, &models);
    if (!rc) rc = list_coll(req, CS_ML_DEPLOYMENTS, &deps);
    if (rc) return rc;
    /* which deployment serves each task ("builtin" when none) */
    struct cs_jb serving;
    cs_jb_init(&serving, cs_json_object(req->arena));
    static const char *const tasks[] = {"sentiment", "intent-support", "intent-banking77"};
    for (size_t t = 0; t < 3; t++) {
        const char *by = "builtin";
        struct cs_doc a;
        rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_ML_ACTIVE, tasks[t], &a);
        if (!rc && cs_json_get_str(a.body, "deployment_name"))
            by = cs_json_get_str(a.body, "deployment_name");
        if (rc && rc != CS_ERR_NOT_FOUND) return rc;
        cs_jb_str(&serving, tasks[t], by);
    }
    if ((rc = cs_jb_done(&serving))) return rc;
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_ref(&d, "models", models);
    cs_jb_ref(&d, "deployments", deps);
    cs_jb_ref(&d, "serving", serving.obj);
    rc = cs_jb_done(&d);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
    return rc;
}

CS_HANDLER(fn_ai_deployments)
{
    if (strcmp(req->method, "GET") == 0) return list(req, resp);
    const char *name = cs_req_param(req, "name");
    if (name) return rollback(req, resp, name);
    return deploy(req, resp);
}
