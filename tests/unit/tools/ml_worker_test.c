/* The training worker against a real store (cs/ml_worker.h): jobs are claimed through
 * the outbox queue with leases, and a worker stopped after an epoch leaves a checkpoint
 * from which the next one resumes (resumed_from_epoch, attempts 2), ending with the same
 * model as a job that ran without a stop: every probability equal, bit for bit. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/ml_blob.h"
#include "cs/ml_worker.h"
#include "cs/model.h"
#include "cs/models.h"
#include "cs/store.h"
#include "cs/tenant.h"

static const char *const LABELS[3] = {"negative", "neutral", "positive"};
static const char *const FRUIT[3] = {"durian", "quince", "kumquat"};

static char var_dir[512];
static struct cs_models *builtin;
static volatile sig_atomic_t stop_flag;

static int64_t clock_skew; /* ms added to the clock: lets a lease lapse at once */

static int64_t clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + clock_skew;
}

/* The next model puts fail as an unreachable store would (the link wraps the call). */
static int model_put_fails;

int __real_cs_ml_blob_put_file(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               const char *name, const char *path, int64_t now_ms, char *hex);
int __wrap_cs_ml_blob_put_file(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               const char *name, const char *path, int64_t now_ms, char *hex);
int __wrap_cs_ml_blob_put_file(struct cs_store *st, struct cs_arena *a, const char *tenant,
                               const char *name, const char *path, int64_t now_ms, char *hex)
{
    if (model_put_fails > 0 && strncmp(name, "model/", 6) == 0) {
        model_put_fails--;
        return CS_ERR_STORE;
    }
    return __real_cs_ml_blob_put_file(st, a, tenant, name, path, now_ms, hex);
}

static void rnd(void *buf, size_t n)
{
    static unsigned char c = 1;
    unsigned char *b = buf;
    for (size_t i = 0; i < n; i++) b[i] = c++;
}

/* The tenant's data file: 600 rows, the label given by a fruit name. */
static int write_data(char *path, size_t cap)
{
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/ml", var_dir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/ml/acme", var_dir);
    mkdir(dir, 0700);
    snprintf(path, cap, "%s/ml/acme/train.csv", var_dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "text,label\n");
    for (int i = 0; i < 600; i++)
        fprintf(f, "\"a %s parcel, order %d\",%s\n", FRUIT[i % 3], i * 7, LABELS[i % 3]);
    return fclose(f);
}

/* A job as ai-training stores it, with its outbox item in the same write. */
static int add_job(struct cs_store *st, struct cs_arena *a, const char *id, const char *data)
{
    json_object *b = cs_json_object(a), *opts = cs_json_object(a), *item = cs_json_object(a);
    if (!b || !opts || !item) return CS_ERR_NOMEM;
    int rc = cs_json_add_int(opts, "epochs", 6);
    if (!rc) rc = cs_json_add_str(b, "job_id", id);
    if (!rc) rc = cs_json_add_str(b, "status", "STARTING");
    if (!rc) rc = cs_json_add_str(b, "base_model", "sentiment");
    if (!rc) rc = cs_json_add_str(b, "training_data_uri", cs_arena_printf(a, "file://%s", data));
    if (!rc) rc = cs_json_add_int(b, "instance_count", 2);
    if (!rc) rc = cs_json_add(b, "options", json_object_get(opts));
    if (!rc) rc = cs_json_add_str(item, "job_id", id);
    if (!rc) rc = cs_store_stage(st, "acme", CS_ML_TOPIC, "training_job", item);
    if (!rc) rc = cs_store_insert(st, a, "acme", CS_ML_JOBS, id, b, NULL, clock_now(), NULL);
    return rc;
}

/* Stops the worker once the job's first checkpoint is in the store (its pointer
 * document), watching through a connection of its own. */
static struct temp_db db;

static void *stopper(void *arg)
{
    const char *ptr = arg;
    struct cs_store *st = temp_db_open(&db);
    struct cs_arena *a = cs_arena_new(1 << 12);
    struct cs_doc d;
    for (int i = 0; st && a && i < 60000; i++) {
        if (cs_store_get(st, a, "acme", CS_ML_BLOBS, ptr, &d) == CS_OK) break;
        cs_arena_reset(a);
        usleep(500);
    }
    stop_flag = 1;
    cs_arena_destroy(a);
    if (st) cs_store_close(st);
    return NULL;
}

static struct cs_ml_worker_cfg cfg_of(void)
{
    return (struct cs_ml_worker_cfg){.var_dir = var_dir,
                                     .builtin = builtin,
                                     .lease_ms = 60000,
                                     .now_ms = clock_now,
                                     .random = rnd,
                                     .stop = &stop_flag};
}

static int run(struct cs_store *st, struct cs_arena *a, bool *ran)
{
    struct cs_ml_worker_cfg cfg = cfg_of();
    return cs_ml_worker_run_one(st, a, &cfg, ran);
}

static json_object *job(struct cs_store *st, struct cs_arena *a, const char *id)
{
    struct cs_doc d;
    return cs_store_get(st, a, "acme", CS_ML_JOBS, id, &d) == CS_OK ? d.body : NULL;
}

static struct cs_model *model_of(const char *id)
{
    char p[700];
    snprintf(p, sizeof(p), "%s/ml/acme/models/%s/model.csm", var_dir, id);
    struct cs_model *m = NULL;
    return cs_model_open(p, &m) == CS_OK ? m : NULL;
}

/* The two jobs' models give equal probabilities for every text, bit for bit. */
static void same_model(const char *x, const char *y)
{
    struct cs_model *m1 = model_of(x), *m2 = model_of(y);
    REQUIRE(m1 && m2);
    static const char *const texts[] = {"a durian parcel", "quince order", "kumquat?",
                                        "nothing known here"};
    for (size_t i = 0; i < 4; i++) {
        struct cs_model_pred p1, p2;
        REQUIRE(cs_model_predict_text(m1, texts[i], strlen(texts[i]), cs_models_scratch(), &p1) ==
                CS_OK);
        REQUIRE(cs_model_predict_text(m2, texts[i], strlen(texts[i]), cs_models_scratch(), &p2) ==
                CS_OK);
        CHECK(memcmp(p1.prob, p2.prob, sizeof(float) * 3) == 0);
    }
    cs_model_close(m1);
    cs_model_close(m2);
}

static void stopped_job_resumes_to_the_same_model(void)
{
    struct cs_store *st = temp_db_create(&db, "ml-worker");
    REQUIRE(st);
    struct cs_arena *a = cs_arena_new(1 << 16);
    REQUIRE(a);
    char data[600];
    REQUIRE(write_data(data, sizeof(data)) == 0);
    REQUIRE(add_job(st, a, "train-whole", data) == CS_OK);
    REQUIRE(add_job(st, a, "train-stopped", data) == CS_OK);
    bool ran;
    /* tenant jobs run in order: "train-whole" first, to the end */
    stop_flag = 0;
    REQUIRE(run(st, a, &ran) == CS_OK && ran);
    CHECK_STR(cs_json_get_str(job(st, a, "train-whole"), "status"), "COMPLETED");
    CHECK_INT(cs_json_get_int(job(st, a, "train-whole"), "resumed_from_epoch", -1), 0);
    /* "train-stopped" is stopped after its first checkpoint ... */
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, stopper, "ckpt/train-stopped") == 0);
    REQUIRE(run(st, a, &ran) == CS_OK && ran);
    pthread_join(th, NULL);
    json_object *j = job(st, a, "train-stopped");
    CHECK_STR(cs_json_get_str(j, "status"), "IN_PROGRESS");
    json_object *pr = NULL;
    json_object_object_get_ex(j, "progress", &pr);
    int64_t shown = cs_json_get_int(pr, "current_epoch", -1);
    /* -1: stopped before any progress was written (the checkpoint comes first); 6: a
     * loaded machine let it run to the last epoch before the stop was seen */
    CHECK(shown >= -1 && shown <= 6);
    /* ... and the next worker, on another instance (nothing of the job left in the state
     * folder: a Lambda's /tmp is its own), claims it at once (the stop released the
     * lease) and starts after the stored checkpoint's epoch, past the progress shown */
    char cmd[800];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/ml/acme/models/train-stopped'", var_dir);
    REQUIRE(system(cmd) == 0);
    stop_flag = 0;
    REQUIRE(run(st, a, &ran) == CS_OK && ran);
    j = job(st, a, "train-stopped");
    CHECK_STR(cs_json_get_str(j, "status"), "COMPLETED");
    CHECK_INT(cs_json_get_int(j, "attempts", 0), 2);
    int64_t resumed = cs_json_get_int(j, "resumed_from_epoch", -1);
    CHECK(resumed >= 1 && resumed >= shown && resumed <= 6);
    struct cs_doc gone; /* the checkpoints are removed once the model is out */
    CHECK_INT(cs_store_get(st, a, "acme", CS_ML_BLOBS, "ckpt/train-stopped", &gone),
              CS_ERR_NOT_FOUND);
    CHECK_INT(cs_store_get(st, a, "acme", CS_ML_BLOBS, "ckpt/train-stopped/mix.e6", &gone),
              CS_ERR_NOT_FOUND);
    same_model("train-whole", "train-stopped");
    /* both published once, and the queue is empty */
    CHECK(run(st, a, &ran) == CS_OK && !ran);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(st, "acme", CS_ML_TOPIC, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 0);
    CHECK_INT(done, 2);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* A store error while the trained model is stored does not fail the job: the worker
 * gives up its run, the lease lapses and the next attempt completes it. */
static void store_error_storing_the_model_is_retried(void)
{
    struct cs_store *st = temp_db_create(&db, "ml-worker-retry");
    REQUIRE(st);
    struct cs_arena *a = cs_arena_new(1 << 16);
    REQUIRE(a);
    char data[600];
    REQUIRE(write_data(data, sizeof(data)) == 0);
    REQUIRE(add_job(st, a, "train-retry", data) == CS_OK);
    bool ran;
    stop_flag = 0;
    model_put_fails = 1;
    CHECK_INT(run(st, a, &ran), CS_ERR_STORE);
    CHECK(ran);
    CHECK_STR(cs_json_get_str(job(st, a, "train-retry"), "status"), "IN_PROGRESS");
    CHECK(run(st, a, &ran) == CS_OK && !ran); /* still leased */
    clock_skew = 61000;                       /* past the 60 s lease */
    REQUIRE(run(st, a, &ran) == CS_OK && ran);
    json_object *j = job(st, a, "train-retry");
    CHECK_STR(cs_json_get_str(j, "status"), "COMPLETED");
    CHECK_INT(cs_json_get_int(j, "attempts", 0), 2);
    CHECK_INT(model_put_fails, 0);
    clock_skew = 0;
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* ---- Step Functions steps: the sequence template.yaml's state machine drives ---- */

static char started_input[1024];
static char started_name[128];

static int capture_start(void *user, const char *name, const char *input)
{
    (void)user;
    snprintf(started_name, sizeof(started_name), "%s", name);
    snprintf(started_input, sizeof(started_input), "%s", input);
    return CS_OK;
}

/* One step as the state machine sends it: the execution input plus the step's fields. */
static int step(struct cs_store *st, struct cs_arena *a, const char *action, int shard, int epoch,
                json_object **out, const char **etype)
{
    json_object *ev = NULL;
    int rc = cs_json_parse(started_input, strlen(started_input), a, &ev, NULL);
    if (rc) return rc;
    json_object_object_add(ev, "action", json_object_new_string(action));
    if (shard >= 0) json_object_object_add(ev, "shard", json_object_new_int(shard));
    if (epoch >= 0) json_object_object_add(ev, "epoch", json_object_new_int(epoch));
    struct cs_ml_step s;
    const char *why = NULL;
    rc = cs_ml_step_parse(ev, &s, &why);
    if (rc) return rc;
    struct cs_ml_worker_cfg cfg = cfg_of();
    return cs_ml_step_run(st, a, &cfg, &s, out, etype);
}

static void steps_train_the_same_model_as_threads(void)
{
    struct cs_store *st = temp_db_create(&db, "ml-steps");
    REQUIRE(st);
    struct cs_arena *a = cs_arena_new(1 << 16);
    REQUIRE(a);
    char data[600];
    REQUIRE(write_data(data, sizeof(data)) == 0);
    REQUIRE(add_job(st, a, "by-threads", data) == CS_OK);
    REQUIRE(add_job(st, a, "by-steps", data) == CS_OK);
    bool ran;
    stop_flag = 0;
    REQUIRE(run(st, a, &ran) == CS_OK && ran); /* by-threads, as `serve` runs it */
    CHECK_STR(cs_json_get_str(job(st, a, "by-threads"), "status"), "COMPLETED");
    /* on AWS the worker starts an execution instead, keeping the lease for its steps */
    struct cs_ml_worker_cfg cfg = cfg_of();
    cfg.start_steps = capture_start;
    REQUIRE(cs_ml_worker_run_one(st, a, &cfg, &ran) == CS_OK && ran);
    CHECK_STR(started_name, "by-steps-1");
    CHECK(strstr(started_input, "\"job_id\":\"by-steps\"") != NULL);
    CHECK_STR(cs_json_get_str(job(st, a, "by-steps"), "status"), "IN_PROGRESS");
    CHECK(run(st, a, &ran) == CS_OK && !ran); /* leased: no other worker takes it */

    json_object *out;
    const char *et;
    REQUIRE(step(st, a, "start", -1, -1, &out, &et) == CS_OK);
    CHECK_INT(cs_json_get_int(out, "epoch", 0), 1);
    CHECK_INT(cs_json_get_int(out, "epochs", 0), 6);
    CHECK(!cs_json_get_bool(out, "done", true));
    /* a mix before its shards are in fails, to be retried */
    CHECK_INT(step(st, a, "mix", -1, 1, &out, &et), CS_ERR_NOT_FOUND);
    CHECK_STR(et, "StepInputMissing");
    for (int e = 1; e <= 6; e++) {
        for (int k = 0; k < 2; k++) {
            REQUIRE(step(st, a, "train_shard", k, e, &out, &et) == CS_OK);
            CHECK(!cs_json_get_bool(out, "done", true));
        }
        if (e == 2) /* a shard retried after a failure Step Functions saw: same bytes */
            REQUIRE(step(st, a, "train_shard", 1, e, &out, &et) == CS_OK);
        REQUIRE(step(st, a, "mix", -1, e, &out, &et) == CS_OK);
        CHECK_INT(cs_json_get_int(out, "epoch", 0), e + 1);
        CHECK(cs_json_get_bool(out, "done", false) == (e == 6));
        if (e == 3) { /* a repeated mix (the answer lost) answers the same, trains nothing */
            REQUIRE(step(st, a, "mix", -1, e, &out, &et) == CS_OK);
            CHECK_INT(cs_json_get_int(out, "epoch", 0), 4);
            REQUIRE(step(st, a, "train_shard", 0, e, &out, &et) == CS_OK);
        }
        json_object *pr = NULL;
        json_object_object_get_ex(job(st, a, "by-steps"), "progress", &pr);
        CHECK_INT(cs_json_get_int(pr, "current_epoch", -1), e);
    }
    REQUIRE(step(st, a, "finish", -1, -1, &out, &et) == CS_OK);
    CHECK_STR(cs_json_get_str(out, "status"), "COMPLETED");
    REQUIRE(step(st, a, "finish", -1, -1, &out, &et) == CS_OK); /* repeated: nothing new */
    CHECK_STR(cs_json_get_str(out, "status"), "COMPLETED");
    CHECK(cs_json_get_bool(out, "done", false));
    json_object *j = job(st, a, "by-steps"), *m = NULL;
    json_object_object_get_ex(j, "metrics", &m);
    CHECK(cs_json_get_double(m, "single_shard_validation_accuracy", -1) >= 0);
    same_model("by-threads", "by-steps");
    struct cs_doc gone;
    CHECK_INT(cs_store_get(st, a, "acme", CS_ML_BLOBS, "ckpt/by-steps", &gone), CS_ERR_NOT_FOUND);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(st, "acme", CS_ML_TOPIC, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 0);
    CHECK_INT(done, 2);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* A step of an execution whose lease is gone (the job was taken over) writes nothing. */
static void steps_without_the_lease_stop(void)
{
    struct cs_store *st = temp_db_create(&db, "ml-steps-lease");
    REQUIRE(st);
    struct cs_arena *a = cs_arena_new(1 << 16);
    REQUIRE(a);
    char data[600];
    REQUIRE(write_data(data, sizeof(data)) == 0);
    REQUIRE(add_job(st, a, "leased", data) == CS_OK);
    struct cs_ml_worker_cfg cfg = cfg_of();
    cfg.start_steps = capture_start;
    bool ran;
    REQUIRE(cs_ml_worker_run_one(st, a, &cfg, &ran) == CS_OK && ran);
    /* a forged lease id, as an old execution's after a takeover would carry */
    json_object *in = json_tokener_parse(started_input), *lease = NULL;
    REQUIRE(in && json_object_object_get_ex(in, "lease", &lease));
    int64_t id = cs_json_get_int(lease, "lease_id", 0);
    json_object_object_add(lease, "lease_id", json_object_new_int64(id ^ 1));
    snprintf(started_input, sizeof(started_input), "%s",
             json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN));
    json_object_put(in);
    json_object *out;
    const char *et;
    CHECK_INT(step(st, a, "train_shard", 0, 1, &out, &et), CS_ERR_CONFLICT);
    CHECK_STR(et, "LeaseLost");
    struct cs_doc d;
    CHECK_INT(cs_store_get(st, a, "acme", CS_ML_BLOBS, "ckpt/leased/s0.e1", &d), CS_ERR_NOT_FOUND);
    /* and a step that is not one, or lacks its fields, is refused as input */
    struct cs_ml_step s;
    const char *why = NULL;
    json_object *bad = json_tokener_parse("{\"action\":\"mix\",\"tenant\":\"acme\","
                                          "\"job_id\":\"leased\",\"lease\":{\"id\":\"x\","
                                          "\"lease_id\":1}}");
    CHECK_INT(cs_ml_step_parse(bad, &s, &why), CS_ERR_VALIDATION);
    CHECK(why && strstr(why, "epoch"));
    json_object_put(bad);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* ---- the state machine itself: template.yaml's definition walked step by step ----
 * A small interpreter of the parts of Amazon States Language the definition uses
 * (Task with Parameters/ResultPath/Retry/Catch, Map with ItemsPath/ItemSelector/
 * ItemProcessor, Choice on a boolean, Succeed), so the test runs what Step Functions
 * would run, not a sequence written again by hand. */
static json_object *path_get(json_object *data, const char *path)
{
    if (strcmp(path, "$") == 0) return data;
    if (strncmp(path, "$.", 2) != 0) return NULL;
    json_object *cur = data;
    for (const char *k = path + 2; k && cur;) {
        const char *dot = strchr(k, '.');
        char key[64];
        snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - k) : (int)strlen(k), k);
        if (!json_object_object_get_ex(cur, key, &cur)) cur = NULL;
        k = dot ? dot + 1 : NULL;
    }
    return cur;
}

static json_object *resolve(json_object *params, json_object *data, json_object *item)
{
    json_object *out = json_object_new_object();
    json_object_object_foreach(params, k, v)
    {
        size_t n = strlen(k);
        if (n > 2 && strcmp(k + n - 2, ".$") == 0) {
            const char *p = json_object_get_string(v);
            json_object *val = strcmp(p, "$$.Map.Item.Value") == 0 ? item : path_get(data, p);
            char key[64];
            snprintf(key, sizeof(key), "%.*s", (int)(n - 2), k);
            json_object_object_add(out, key, json_object_get(val));
        } else {
            json_object_object_add(out, k, json_object_get(v));
        }
    }
    return out;
}

static bool listed(json_object *rules, const char *et, json_object **rule)
{
    for (size_t i = 0; rules && i < json_object_array_length(rules); i++) {
        json_object *r = json_object_array_get_idx(rules, i), *eq = NULL;
        json_object_object_get_ex(r, "ErrorEquals", &eq);
        for (size_t q = 0; eq && q < json_object_array_length(eq); q++)
            if (strcmp(json_object_get_string(json_object_array_get_idx(eq, q)), et) == 0) {
                *rule = r;
                return true;
            }
    }
    return false;
}

static int invocations, lost_answers;

/* The Lambda call, with two faults Step Functions must ride out: the first try of shard
 * 1's epoch 2 fails before running (a throttle), and the first mix of epoch 3 runs but
 * its answer is lost. */
static int invoke(struct cs_store *st, struct cs_arena *a, json_object *ev, json_object **out,
                  const char **et)
{
    invocations++;
    const char *act = cs_json_get_str(ev, "action");
    int64_t ep = cs_json_get_int(ev, "epoch", 0), sh = cs_json_get_int(ev, "shard", -1);
    static bool throttled, lost;
    if (!throttled && strcmp(act, "train_shard") == 0 && ep == 2 && sh == 1) {
        throttled = true;
        *et = "Lambda.TooManyRequestsException";
        return CS_ERR_UNAVAILABLE;
    }
    struct cs_ml_step s;
    const char *why = NULL;
    int rc = cs_ml_step_parse(ev, &s, &why);
    if (rc) return *et = "InvalidStep", rc;
    struct cs_ml_worker_cfg cfg = cfg_of();
    rc = cs_ml_step_run(st, a, &cfg, &s, out, et);
    if (!rc && !lost && strcmp(act, "mix") == 0 && ep == 3) {
        lost = true;
        lost_answers++;
        *et = "Lambda.ServiceException";
        return CS_ERR_UPSTREAM;
    }
    return rc;
}

/* A Task: its Retry rules, then its Catch; the next state's name (NULL: end). */
static const char *run_task(struct cs_store *st, struct cs_arena *a, json_object *t,
                            json_object *data, json_object *item_input, bool *failed)
{
    json_object *params = NULL, *rp = NULL, *next = NULL, *retry = NULL, *catch = NULL;
    json_object_object_get_ex(t, "Parameters", &params);
    json_object_object_get_ex(t, "Retry", &retry);
    json_object_object_get_ex(t, "Catch", &catch);
    json_object *ev = item_input ? json_object_get(item_input)
                      : params   ? resolve(params, data, NULL)
                                 : json_object_get(data);
    json_object *out = NULL, *rule = NULL;
    const char *et = NULL;
    int rc = invoke(st, a, ev, &out, &et);
    for (int tries = 1;
         rc && listed(retry, et, &rule) && tries < cs_json_get_int(rule, "MaxAttempts", 3) + 1;
         tries++)
        rc = invoke(st, a, ev, &out, &et);
    json_object_put(ev);
    if (rc) {
        if (listed(catch, et, &rule)) return cs_json_get_str(rule, "Next");
        *failed = true;
        return NULL;
    }
    bool has_rp = json_object_object_get_ex(t, "ResultPath", &rp);
    if (has_rp && rp) /* "$.progress" or "$.result" */
        json_object_object_add(data, json_object_get_string(rp) + 2, json_object_get(out));
    if (json_object_object_get_ex(t, "Next", &next)) return json_object_get_string(next);
    return NULL;
}

static const char *run_map(struct cs_store *st, struct cs_arena *a, json_object *m,
                           json_object *data, bool *failed)
{
    json_object *sel = NULL, *proc = NULL, *states = NULL, *first = NULL;
    json_object_object_get_ex(m, "ItemSelector", &sel);
    json_object_object_get_ex(m, "ItemProcessor", &proc);
    json_object_object_get_ex(proc, "States", &states);
    json_object_object_get_ex(states, cs_json_get_str(proc, "StartAt"), &first);
    json_object *items = path_get(data, cs_json_get_str(m, "ItemsPath"));
    if (!items || !json_object_is_type(items, json_type_array) || !first) {
        CHECK(!"the Map's items and processor are there");
        *failed = true;
        return NULL;
    }
    for (size_t i = 0; i < json_object_array_length(items) && !*failed; i++) {
        json_object *in = resolve(sel, data, json_object_array_get_idx(items, i));
        run_task(st, a, first, data, in, failed);
        json_object_put(in);
    }
    return *failed ? NULL : cs_json_get_str(m, "Next");
}

static const char *run_choice(json_object *c, json_object *data)
{
    json_object *choices = NULL;
    json_object_object_get_ex(c, "Choices", &choices);
    for (size_t i = 0; choices && i < json_object_array_length(choices); i++) {
        json_object *r = json_object_array_get_idx(choices, i), *v;
        v = path_get(data, cs_json_get_str(r, "Variable"));
        json_object *want = NULL;
        if (v && json_object_object_get_ex(r, "BooleanEquals", &want) &&
            json_object_get_boolean(v) == json_object_get_boolean(want))
            return cs_json_get_str(r, "Next");
    }
    return cs_json_get_str(c, "Default");
}

/* Runs the definition on `input`; the name of the state it ended in. */
static const char *run_machine(struct cs_store *st, struct cs_arena *a, json_object *def,
                               json_object *input)
{
    json_object *states = NULL;
    json_object_object_get_ex(def, "States", &states);
    const char *name = cs_json_get_str(def, "StartAt"), *last = NULL;
    bool failed = false;
    for (int guard = 0; name && !failed && guard < 1000; guard++) {
        json_object *s = NULL;
        if (!json_object_object_get_ex(states, name, &s)) return "(no such state)";
        last = name;
        const char *type = cs_json_get_str(s, "Type");
        if (strcmp(type, "Task") == 0)
            name = run_task(st, a, s, input, NULL, &failed);
        else if (strcmp(type, "Map") == 0)
            name = run_map(st, a, s, input, &failed);
        else if (strcmp(type, "Choice") == 0)
            name = run_choice(s, input);
        else
            name = NULL; /* Succeed */
    }
    return failed ? "(failed)" : last;
}

static void state_machine_runs_the_job(void)
{
    json_object *def = cs_ml_state_machine("arn:aws:lambda:eu-west-1:1:function:w");
    REQUIRE(def);
    /* the definition is JSON that names what Step Functions needs */
    const char *txt = json_object_to_json_string_ext(def, JSON_C_TO_STRING_PLAIN);
    json_object *again = json_tokener_parse(txt), *states = NULL, *map = NULL, *x = NULL;
    REQUIRE(again);
    json_object_put(again);
    REQUIRE(json_object_object_get_ex(def, "States", &states));
    REQUIRE(json_object_object_get_ex(states, "Epoch", &map));
    CHECK_STR(cs_json_get_str(map, "Type"), "Map");
    CHECK_STR(cs_json_get_str(map, "ItemsPath"), "$.progress.shards");
    CHECK(json_object_object_get_ex(map, "ItemSelector", &x));
    CHECK_STR(cs_json_get_str(x, "shard.$"), "$$.Map.Item.Value");
    REQUIRE(json_object_object_get_ex(states, "EpochsDone", &x));
    CHECK_STR(cs_json_get_str(x, "Type"), "Choice");
    CHECK_STR(cs_json_get_str(x, "Default"), "Epoch"); /* the loop */
    REQUIRE(json_object_object_get_ex(states, "Mix", &x));
    CHECK(json_object_object_get_ex(x, "Retry", &x) && json_object_array_length(x) == 1);

    struct cs_store *st = temp_db_create(&db, "ml-asl");
    REQUIRE(st);
    struct cs_arena *a = cs_arena_new(1 << 16);
    REQUIRE(a);
    char data[600];
    REQUIRE(write_data(data, sizeof(data)) == 0);
    REQUIRE(add_job(st, a, "asl-threads", data) == CS_OK);
    REQUIRE(add_job(st, a, "asl-machine", data) == CS_OK);
    bool ran;
    stop_flag = 0;
    REQUIRE(run(st, a, &ran) == CS_OK && ran);
    struct cs_ml_worker_cfg cfg = cfg_of();
    cfg.start_steps = capture_start;
    REQUIRE(cs_ml_worker_run_one(st, a, &cfg, &ran) == CS_OK && ran);
    json_object *input = json_tokener_parse(started_input);
    REQUIRE(input);
    CHECK_STR(run_machine(st, a, def, input), "Finish");
    /* start, 6 x (2 shards + mix), finish, + the throttled try, + the mix re-run */
    CHECK_INT(invocations, 1 + 6 * 3 + 1 + 1 + 1);
    CHECK_INT(lost_answers, 1);
    json_object *res = NULL;
    json_object_object_get_ex(input, "result", &res);
    CHECK_STR(cs_json_get_str(res, "status"), "COMPLETED");
    CHECK_STR(cs_json_get_str(job(st, a, "asl-machine"), "status"), "COMPLETED");
    same_model("asl-threads", "asl-machine");
    json_object_put(input);
    json_object_put(def);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* Jobs queued under the old queue documents (the system tenant's ml_training_queue)
 * are moved onto the outbox queue by the next worker and trained once; one an old
 * worker still holds (live lease) waits, and a document naming no valid job is set
 * aside. */
static int old_queue_doc(struct cs_store *st, struct cs_arena *a, const char *tenant,
                         const char *id, int64_t lease_until)
{
    json_object *q = cs_json_object(a);
    if (!q) return CS_ERR_NOMEM;
    int rc = cs_json_add_str(q, "tenant", tenant);
    if (!rc) rc = cs_json_add_str(q, "job_id", id);
    if (!rc) rc = cs_json_add_str(q, "state", "open");
    if (!rc) rc = cs_json_add_int(q, "lease_until", lease_until);
    if (!rc) rc = cs_json_add_int(q, "attempts", 0);
    char *qid = cs_arena_printf(a, "%s/%s", tenant, id);
    return rc ? rc
              : cs_store_insert(st, a, CS_SYSTEM_TENANT, "ml_training_queue", qid, q, NULL,
                                clock_now(), NULL);
}

static void old_queue_jobs_are_migrated(void)
{
    struct cs_store *st = temp_db_create(&db, "ml-migrate");
    REQUIRE(st);
    struct cs_arena *a = cs_arena_new(1 << 16);
    REQUIRE(a);
    char data[600];
    REQUIRE(write_data(data, sizeof(data)) == 0);
    /* two jobs as the old ai-training stored them: no outbox item */
    REQUIRE(add_job(st, a, "old-open", data) == CS_OK);
    REQUIRE(add_job(st, a, "old-held", data) == CS_OK);
    /* add_job queues each on the outbox; drop those items (a tenant's items leave one at
     * a time) so only the old documents queue the jobs */
    int64_t open, done, dead;
    for (int k = 0; k < 2; k++) {
        struct cs_outbox_item *items;
        size_t n = 0;
        REQUIRE(cs_store_outbox_claim_topic(st, a, CS_ML_TOPIC, clock_now(), 60000, 8, &items,
                                            &n) == CS_OK &&
                n == 1);
        REQUIRE(cs_store_outbox_settle(st, &items[0], CS_OUTBOX_DEAD, clock_now(), clock_now()) ==
                CS_OK);
    }
    REQUIRE(old_queue_doc(st, a, "acme", "old-open", 0) == CS_OK);
    REQUIRE(old_queue_doc(st, a, "acme", "old-held", clock_now() + 3600000) == CS_OK);
    REQUIRE(old_queue_doc(st, a, "Not A Tenant!", "x", 0) == CS_OK);
    bool ran;
    stop_flag = 0;
    REQUIRE(run(st, a, &ran) == CS_OK && ran);
    CHECK_STR(cs_json_get_str(job(st, a, "old-open"), "status"), "COMPLETED");
    CHECK_STR(cs_json_get_str(job(st, a, "old-held"), "status"), "STARTING");
    struct cs_doc d;
    REQUIRE(cs_store_get(st, a, CS_SYSTEM_TENANT, "ml_training_queue", "acme/old-open", &d) ==
            CS_OK);
    CHECK_STR(cs_json_get_str(d.body, "state"), "migrated");
    REQUIRE(cs_store_get(st, a, CS_SYSTEM_TENANT, "ml_training_queue", "acme/old-held", &d) ==
            CS_OK);
    CHECK_STR(cs_json_get_str(d.body, "state"), "open");
    REQUIRE(cs_store_get(st, a, CS_SYSTEM_TENANT, "ml_training_queue", "Not A Tenant!/x", &d) ==
            CS_OK);
    CHECK_STR(cs_json_get_str(d.body, "state"), "invalid");
    /* nothing is queued twice: the next worker finds no job */
    CHECK(run(st, a, &ran) == CS_OK && !ran);
    CHECK_INT(cs_store_outbox_stats(st, "acme", CS_ML_TOPIC, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 0);
    CHECK_INT(done, 1);
    CHECK_INT(dead, 2); /* the two dropped above */
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

int main(void)
{
    const char *tmp = getenv("CS_TEST_TMP") ? getenv("CS_TEST_TMP") : "/tmp";
    snprintf(var_dir, sizeof(var_dir), "%s/ml-worker-%d", tmp, (int)getpid());
    mkdir(var_dir, 0700);
    char models[512];
    snprintf(models, sizeof(models), "%s/models",
             getenv("CS_DATA_DIR") ? getenv("CS_DATA_DIR") : "data");
    if (cs_models_open(models, &builtin) != CS_OK) {
        printf("not ok - open %s\ntally: 0 passed, 1 failed, 0 skipped\n", models);
        return 1;
    }
    TEST_RUN(stopped_job_resumes_to_the_same_model);
    TEST_RUN(store_error_storing_the_model_is_retried);
    TEST_RUN(steps_train_the_same_model_as_threads);
    TEST_RUN(steps_without_the_lease_stop);
    TEST_RUN(state_machine_runs_the_job);
    TEST_RUN(old_queue_jobs_are_migrated);
    cs_models_close(builtin);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", var_dir);
    if (system(cmd) != 0) printf("# could not remove %s\n", var_dir);
    return test_done();
}
