/* The training state machine's definition (cs/ml_worker.h): Amazon States Language,
 * built here beside the steps it drives so the two cannot drift; `cs-gen sam` puts it
 * into template.yaml and ml_asl_test runs the steps by walking it. */
#include <stdio.h>
#include <string.h>

#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/ml_worker.h"

/* {"action": a, "tenant.$": "$.tenant", ...}: the job and lease every step carries. */
static json_object *step_params(const char *action)
{
    json_object *p = json_object_new_object();
    if (!p) return NULL;
    json_object_object_add(p, "action", json_object_new_string(action));
    static const char *const keys[] = {"tenant", "job_id", "lease", "started_ms"};
    char k[32], v[32];
    for (size_t i = 0; i < 4; i++) {
        snprintf(k, sizeof(k), "%s.$", keys[i]);
        snprintf(v, sizeof(v), "$.%s", keys[i]);
        json_object_object_add(p, k, json_object_new_string(v));
    }
    return p;
}

/* Transient failures are retried with backoff; LeaseLost never is (the job is another
 * execution's or worker's now): it ends the execution quietly. */
static json_object *retry(void)
{
    return json_tokener_parse(
        "[{\"ErrorEquals\":[\"StepInputMissing\",\"StoreError\",\"Lambda.ServiceException\","
        "\"Lambda.AWSLambdaException\",\"Lambda.SdkClientException\","
        "\"Lambda.TooManyRequestsException\",\"States.Timeout\"],"
        "\"IntervalSeconds\":2,\"MaxAttempts\":6,\"BackoffRate\":2}]");
}

static json_object *catch_lost(void)
{
    return json_tokener_parse("[{\"ErrorEquals\":[\"LeaseLost\"],\"Next\":\"Superseded\"}]");
}

static json_object *task(const char *worker, json_object *params, const char *result_path,
                         const char *next)
{
    json_object *t = json_object_new_object();
    if (!t) {
        json_object_put(params);
        return NULL;
    }
    json_object_object_add(t, "Type", json_object_new_string("Task"));
    json_object_object_add(t, "Resource", json_object_new_string(worker));
    if (params) json_object_object_add(t, "Parameters", params);
    json_object_object_add(t, "ResultPath",
                           result_path ? json_object_new_string(result_path) : NULL);
    json_object_object_add(t, "Retry", retry());
    if (next) {
        json_object_object_add(t, "Catch", catch_lost());
        json_object_object_add(t, "Next", json_object_new_string(next));
    } else {
        json_object_object_add(t, "End", json_object_new_boolean(1));
    }
    return t;
}

static json_object *choice(const char *when_done, const char *otherwise)
{
    char txt[256];
    snprintf(txt, sizeof(txt),
             "{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.progress.done\","
             "\"BooleanEquals\":true,\"Next\":\"%s\"}],\"Default\":\"%s\"}",
             when_done, otherwise);
    return json_tokener_parse(txt);
}

/* Per epoch: every shard trains its part from the mixed state, in parallel. */
static json_object *epoch_map(const char *worker)
{
    json_object *sel = step_params("train_shard"), *m = json_object_new_object();
    json_object *proc = json_object_new_object(), *states = json_object_new_object();
    if (!sel || !m || !proc || !states) {
        json_object_put(sel);
        json_object_put(m);
        json_object_put(proc);
        json_object_put(states);
        return NULL;
    }
    json_object_object_add(sel, "shard.$", json_object_new_string("$$.Map.Item.Value"));
    json_object_object_add(sel, "epoch.$", json_object_new_string("$.progress.epoch"));
    json_object_object_add(states, "TrainShard", task(worker, NULL, NULL, NULL));
    json_object_object_add(proc, "StartAt", json_object_new_string("TrainShard"));
    json_object_object_add(proc, "States", states);
    json_object_object_add(m, "Type", json_object_new_string("Map"));
    json_object_object_add(m, "ItemsPath", json_object_new_string("$.progress.shards"));
    json_object_object_add(m, "ItemSelector", sel);
    json_object_object_add(m, "MaxConcurrency", json_object_new_int(CS_ML_MAX_INSTANCES));
    json_object_object_add(m, "ItemProcessor", proc);
    json_object_object_add(m, "ResultPath", NULL); /* the shards' state is in the store */
    json_object_object_add(m, "Catch", catch_lost());
    json_object_object_add(m, "Next", json_object_new_string("Mix"));
    return m;
}

json_object *cs_ml_state_machine(const char *worker)
{
    json_object *d = json_object_new_object(), *s = json_object_new_object();
    if (!d || !s) {
        json_object_put(d);
        json_object_put(s);
        return NULL;
    }
    json_object_object_add(
        d, "Comment",
        json_object_new_string("A training job with instance_count > 1 (cs/ml_worker.h): "
                               "per epoch a Map over the shards, then the mix; then finish"));
    json_object_object_add(d, "StartAt", json_object_new_string("Start"));
    json_object *mix = step_params("mix");
    if (mix) json_object_object_add(mix, "epoch.$", json_object_new_string("$.progress.epoch"));
    json_object_object_add(s, "Start",
                           task(worker, step_params("start"), "$.progress", "StartedDone"));
    json_object_object_add(s, "StartedDone", choice("Finish", "Epoch"));
    json_object_object_add(s, "Epoch", epoch_map(worker));
    json_object_object_add(s, "Mix", task(worker, mix, "$.progress", "EpochsDone"));
    json_object_object_add(s, "EpochsDone", choice("Finish", "Epoch"));
    json_object_object_add(s, "Finish", task(worker, step_params("finish"), "$.result", NULL));
    json_object_object_add(s, "Superseded", json_tokener_parse("{\"Type\":\"Succeed\"}"));
    json_object_object_add(d, "States", s);
    return d;
}
