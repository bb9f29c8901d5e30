/* Datasets and models kept in the store (cs/ml_blob.h, issue 18), across instances: a
 * dataset uploaded on instance A (its own state folder) trains on instance B (another
 * state folder, the same store), and the deployed model is served by instance C whose
 * state folder starts empty, giving the very probabilities of the file B wrote. A
 * damaged chunk (altered or missing) is found by the sum and answered with
 * CS_ERR_FORMAT, never as wrong bytes; heads read back are checked like input. */
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/env.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/ml_blob.h"
#include "cs/ml_worker.h"
#include "cs/model.h"
#include "cs/models.h"
#include "cs/store.h"

static const char *const LABELS[3] = {"negative", "neutral", "positive"};
static const char *const FRUIT[3] = {"durian", "quince", "kumquat"};
static char root[512];
static struct cs_models *builtin;
static volatile sig_atomic_t stop_flag;
static struct temp_db db;

static int64_t clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rnd(void *buf, size_t n) { randombytes_buf(buf, n); }

/* <root>/<name>: one instance's state folder. */
static const char *instance(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", root, name);
    mkdir(buf, 0700);
    return buf;
}

static size_t files_in(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t l = strlen(e->d_name), s = strlen(suffix);
        n += l == 64 + s && strcmp(e->d_name + 64, suffix) == 0;
    }
    if (d) closedir(d);
    return n;
}

/* Instance A: the upload path (ingest), 600 rows labelled by a fruit name. */
static int upload(struct cs_store *st, struct cs_arena *a, const char *var, const char *id)
{
    struct cs_ml_ingest *g;
    int rc = cs_ml_ingest_begin(a, var, "acme", id, CS_DATASET_CSV, NULL, NULL, &g);
    if (rc) return rc;
    char line[128];
    rc = cs_ml_ingest_feed(g, "text,label\n", 11);
    for (int i = 0; !rc && i < 600; i++) {
        int n = snprintf(line, sizeof(line), "\"a %s parcel, order %d\",%s\n", FRUIT[i % 3], i * 7,
                         LABELS[i % 3]);
        rc = cs_ml_ingest_feed(g, line, (size_t)n);
    }
    if (!rc) rc = cs_ml_ingest_finish(g);
    if (!rc) rc = cs_ml_ingest_commit(st, a, g, "acme", "fruit", NULL, clock_now(), NULL);
    cs_ml_ingest_end(g);
    return rc;
}

static int add_job(struct cs_store *st, struct cs_arena *a, const char *id, const char *uri)
{
    struct cs_jb b, o, it;
    cs_jb_init(&o, cs_json_object(a));
    cs_jb_int(&o, "epochs", 3);
    cs_jb_init(&b, cs_json_object(a));
    cs_jb_str(&b, "job_id", id);
    cs_jb_str(&b, "status", "STARTING");
    cs_jb_str(&b, "base_model", "sentiment");
    cs_jb_str(&b, "training_data_uri", uri);
    cs_jb_int(&b, "instance_count", 1);
    cs_jb_add(&b, "options", json_object_get(o.obj));
    cs_jb_init(&it, cs_json_object(a));
    cs_jb_str(&it, "job_id", id);
    int rc = cs_jb_done(&o);
    if (!rc) rc = cs_jb_done(&b);
    if (!rc) rc = cs_jb_done(&it);
    if (!rc) rc = cs_store_stage(st, "acme", CS_ML_TOPIC, "training_job", it.obj);
    if (!rc) rc = cs_store_insert(st, a, "acme", CS_ML_JOBS, id, b.obj, NULL, clock_now(), NULL);
    return rc;
}

/* What ai-deployments writes: the task's active document naming the model and its sum. */
static int deploy(struct cs_store *st, struct cs_arena *a, const char *model_id, const char *sum)
{
    struct cs_jb b;
    cs_jb_init(&b, cs_json_object(a));
    cs_jb_str(&b, "deployment_name", "fruit-sentiment");
    cs_jb_str(&b, "model_id", model_id);
    if (sum) cs_jb_str(&b, "model_blake2b", sum);
    int rc = cs_jb_done(&b);
    return rc ? rc
              : cs_store_put(st, a, "acme", CS_ML_ACTIVE, "sentiment", b.obj, clock_now(), NULL);
}

/* A request of tenant acme on an instance whose state folder is `var`. */
static void req_on(struct cs_req *req, struct cs_env *env, struct cs_store *st, struct cs_arena *a,
                   const char *var)
{
    memset(env, 0, sizeof(*env));
    memset(req, 0, sizeof(*req));
    env->cfg.var_dir = var;
    env->models = builtin;
    req->env = env;
    req->store = st;
    req->arena = a;
    req->auth.tenant = "acme";
    req->now_ms = clock_now();
}

static void same_probabilities(const struct cs_model *m1, const struct cs_model *m2)
{
    static const char *const texts[] = {"a durian parcel", "quince order", "kumquat?", "nothing"};
    for (size_t i = 0; i < 4; i++) {
        struct cs_model_pred p1, p2;
        REQUIRE(cs_model_predict_text(m1, texts[i], strlen(texts[i]), cs_models_scratch(), &p1) ==
                CS_OK);
        REQUIRE(cs_model_predict_text(m2, texts[i], strlen(texts[i]), cs_models_scratch(), &p2) ==
                CS_OK);
        CHECK(memcmp(p1.prob, p2.prob, sizeof(float) * 3) == 0);
    }
}

static void trained_and_served_on_other_instances(void)
{
    struct cs_store *st = temp_db_create(&db, "ml-store");
    REQUIRE(st);
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a);
    char va[600], vb[600], vc[600], p[900];
    instance(va, sizeof(va), "a");
    instance(vb, sizeof(vb), "b");
    instance(vc, sizeof(vc), "c");
    REQUIRE(upload(st, a, va, "ds_0a1b2c") == CS_OK);
    struct cs_doc ds;
    REQUIRE(cs_store_get(st, a, "acme", CS_ML_DATASETS, "ds_0a1b2c", &ds) == CS_OK);
    char ds_sum[65] = "";
    CHECK(cs_json_get_str(ds.body, "blob_blake2b") &&
          strlen(cs_json_get_str(ds.body, "blob_blake2b")) == 64);
    snprintf(ds_sum, sizeof(ds_sum), "%s", cs_json_get_str(ds.body, "blob_blake2b"));
    /* instance B trains from the store: nothing of the dataset is in its folder */
    REQUIRE(add_job(st, a, "job-b", "dataset://ds_0a1b2c") == CS_OK);
    struct cs_ml_worker_cfg cfg = {.var_dir = vb,
                                   .builtin = builtin,
                                   .lease_ms = 60000,
                                   .now_ms = clock_now,
                                   .random = rnd,
                                   .stop = &stop_flag};
    bool ran = false;
    REQUIRE(cs_ml_worker_run_one(st, a, &cfg, &ran) == CS_OK && ran);
    struct cs_doc job;
    REQUIRE(cs_store_get(st, a, "acme", CS_ML_JOBS, "job-b", &job) == CS_OK);
    CHECK_STR(cs_json_get_str(job.body, "status"), "COMPLETED");
    snprintf(p, sizeof(p), "%s/ml/acme/cache/%s.jsonl", vb, ds_sum);
    CHECK(access(p, R_OK) == 0); /* fetched from the store, under its sum */
    snprintf(p, sizeof(p), "%s/ml/acme/datasets/ds_0a1b2c.jsonl", vb);
    CHECK(access(p, F_OK) != 0);
    struct cs_doc model;
    REQUIRE(cs_store_get(st, a, "acme", CS_ML_MODELS, "job-b", &model) == CS_OK);
    char sum[65];
    REQUIRE(cs_json_get_str(model.body, "model_blake2b") &&
            strlen(cs_json_get_str(model.body, "model_blake2b")) == 64);
    memcpy(sum, cs_json_get_str(model.body, "model_blake2b"), sizeof(sum));
    REQUIRE(deploy(st, a, "job-b", sum) == CS_OK);
    /* instance C, state folder empty, serves it */
    struct cs_req req;
    struct cs_env env;
    req_on(&req, &env, st, a, vc);
    struct cs_ml_served sv;
    REQUIRE(cs_ml_served_get(&req, "sentiment", &sv) == CS_OK);
    REQUIRE(sv.model);
    CHECK_STR(sv.model_id, "job-b");
    CHECK_STR(sv.deployment, "fruit-sentiment");
    snprintf(p, sizeof(p), "%s/ml/acme/models/job-b/model.csm", vb);
    struct cs_model *written;
    REQUIRE(cs_model_open(p, &written) == CS_OK);
    same_probabilities(sv.model, written);
    cs_model_close(written);
    snprintf(p, sizeof(p), "%s/ml/acme/cache", vc);
    CHECK_INT((int64_t)files_in(p, ".csm"), 1);
    snprintf(p, sizeof(p), "%s/ml/acme/cache/%s.csm", vc, sum);
    CHECK(access(p, R_OK) == 0);
    cs_arena_reset(a);

    /* The model's stored chunk damaged: an instance without a copy (D) refuses it with
     * CS_ERR_FORMAT and keeps no file; the redeploy is a new version, so it is reopened. */
    struct cs_doc chunk;
    REQUIRE(cs_store_get(st, a, "acme", CS_ML_BLOBS, "model/job-b#0000", &chunk) == CS_OK);
    char *b64 = cs_arena_strdup(a, cs_json_get_str(chunk.body, "data"));
    REQUIRE(b64 && strlen(b64) > 100);
    b64[100] = b64[100] == 'A' ? 'B' : 'A';
    json_object *nb = cs_json_object(a);
    REQUIRE(nb && cs_json_add_str(nb, "data", b64) == CS_OK);
    REQUIRE(cs_store_put(st, a, "acme", CS_ML_BLOBS, "model/job-b#0000", nb, clock_now(), NULL) ==
            CS_OK);
    REQUIRE(deploy(st, a, "job-b", sum) == CS_OK);
    char vd[600];
    instance(vd, sizeof(vd), "d");
    req_on(&req, &env, st, a, vd);
    CHECK_INT(cs_ml_served_get(&req, "sentiment", &sv), CS_ERR_FORMAT);
    CHECK(!sv.model);
    snprintf(p, sizeof(p), "%s/ml/acme/cache", vd);
    DIR *d = opendir(p);
    size_t left = 0;
    for (struct dirent *e; d && (e = readdir(d));) left += e->d_name[0] != '.';
    if (d) closedir(d);
    CHECK_INT((int64_t)left, 0); /* not even a temporary file */
    /* C still has its checked copy: it serves without reading the damaged blob */
    REQUIRE(deploy(st, a, "job-b", sum) == CS_OK);
    req_on(&req, &env, st, a, vc);
    CHECK_INT(cs_ml_served_get(&req, "sentiment", &sv), CS_OK);
    CHECK(sv.model != NULL);
    cs_arena_reset(a);

    /* Rolled back to the built-in model (the active document deleted), then another
     * model deployed: the document is inserted again at version 1, and a process that
     * served version 1 before serves the new model, not the one it had */
    char builtin_file[600];
    snprintf(builtin_file, sizeof(builtin_file), "%s/models/sentiment.csm",
             getenv("CS_DATA_DIR") ? getenv("CS_DATA_DIR") : "data");
    REQUIRE(cs_ml_blob_put_file(st, a, "acme", "model/job-c", builtin_file, clock_now(), NULL) ==
            CS_OK);
    struct cs_doc act;
    REQUIRE(cs_store_get(st, a, "acme", CS_ML_ACTIVE, "sentiment", &act) == CS_OK);
    REQUIRE(cs_store_delete(st, "acme", CS_ML_ACTIVE, "sentiment", -1) == CS_OK);
    json_object *again = cs_json_object(a);
    REQUIRE(again && cs_json_add_str(again, "deployment_name", "fruit-sentiment") == CS_OK &&
            cs_json_add_str(again, "model_id", "job-c") == CS_OK);
    struct cs_doc ins;
    REQUIRE(cs_store_insert(st, a, "acme", CS_ML_ACTIVE, "sentiment", again, NULL, act.created_ms,
                            &ins) == CS_OK);
    CHECK_INT(ins.version, 1);
    REQUIRE(deploy(st, a, "job-b", sum) == CS_OK); /* version 2, as the served one */
    req_on(&req, &env, st, a, vc);
    REQUIRE(cs_ml_served_get(&req, "sentiment", &sv) == CS_OK); /* job-b at version 2 */
    cs_arena_reset(a);
    REQUIRE(cs_store_delete(st, "acme", CS_ML_ACTIVE, "sentiment", -1) == CS_OK);
    again = cs_json_object(a);
    REQUIRE(again && cs_json_add_str(again, "deployment_name", "fruit-sentiment") == CS_OK &&
            cs_json_add_str(again, "model_id", "job-c") == CS_OK);
    REQUIRE(cs_store_insert(st, a, "acme", CS_ML_ACTIVE, "sentiment", again, NULL, clock_now(),
                            NULL) == CS_OK);
    REQUIRE(deploy(st, a, "job-c", NULL) == CS_OK); /* version 2 again, another model */
    REQUIRE(cs_ml_served_get(&req, "sentiment", &sv) == CS_OK);
    CHECK_STR(sv.model_id, "job-c");
    CHECK(sv.model && strcmp(cs_model_name(sv.model), "sentiment") == 0);
    cs_arena_reset(a);

    /* The dataset's rows damaged: a job on a fresh instance fails, saying so */
    REQUIRE(cs_store_get(st, a, "acme", CS_ML_BLOBS, "ds/ds_0a1b2c#0000", &chunk) == CS_OK);
    b64 = cs_arena_strdup(a, cs_json_get_str(chunk.body, "data"));
    REQUIRE(b64 && strlen(b64) > 10);
    b64[10] = b64[10] == 'A' ? 'B' : 'A';
    nb = cs_json_object(a);
    REQUIRE(nb && cs_json_add_str(nb, "data", b64) == CS_OK);
    REQUIRE(cs_store_put(st, a, "acme", CS_ML_BLOBS, "ds/ds_0a1b2c#0000", nb, clock_now(), NULL) ==
            CS_OK);
    char ve[600];
    instance(ve, sizeof(ve), "e");
    struct cs_ml_source src;
    const char *why = NULL;
    /* a job's creation checks the source without copying the rows */
    CHECK_INT(cs_ml_source_check(st, a, ve, "acme", "dataset://ds_0a1b2c", &src, &why), CS_OK);
    CHECK(src.path == NULL);
    CHECK_STR(src.dataset_id, "ds_0a1b2c");
    CHECK_INT(cs_ml_source_check(st, a, ve, "acme", "dataset://ds_00ff", &src, &why),
              CS_ERR_NOT_FOUND);
    CHECK_STR(why, "no such dataset");
    snprintf(p, sizeof(p), "%s/ml/acme/cache", ve);
    CHECK(access(p, F_OK) != 0);
    CHECK_INT(cs_ml_source_resolve(st, a, ve, "acme", "dataset://ds_0a1b2c", &src, &why),
              CS_ERR_VALIDATION);
    CHECK(why && strstr(why, "checksum"));
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static int count_bytes(void *user, const unsigned char *p, size_t n)
{
    (void)p;
    *(size_t *)user += n;
    return CS_OK;
}

/* A blob of three chunks: read whole, then with a chunk missing, then with a head
 * that lies about the size. */
static void damaged_blobs_are_refused(void)
{
    struct cs_store *st = temp_db_create(&db, "ml-blob");
    REQUIRE(st);
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(a);
    size_t n = 2 * CS_ML_BLOB_CHUNK + 1000;
    unsigned char *buf = malloc(n);
    REQUIRE(buf);
    randombytes_buf(buf, n);
    char hex[65];
    REQUIRE(cs_ml_blob_put_sum(st, a, "acme", "b", buf, n, clock_now(), hex) == CS_OK);
    unsigned char *got;
    size_t gn;
    REQUIRE(cs_ml_blob_get(st, a, "acme", "b", &got, &gn) == CS_OK);
    CHECK(gn == n && memcmp(got, buf, n) == 0);
    free(got);
    struct cs_ml_blob_head h;
    REQUIRE(cs_ml_blob_head_get(st, a, "acme", "b", &h) == CS_OK);
    CHECK_INT(h.chunks, 3);
    CHECK_STR(h.hex, hex);
    size_t seen = 0;
    CHECK_INT(cs_ml_blob_read(st, "acme", "b", &h, count_bytes, &seen), CS_OK);
    CHECK(seen == n);
    /* another tenant sees nothing */
    CHECK_INT(cs_ml_blob_head_get(st, a, "globex", "b", &h), CS_ERR_NOT_FOUND);
    REQUIRE(cs_ml_blob_head_get(st, a, "acme", "b", &h) == CS_OK);
    REQUIRE(cs_store_delete(st, "acme", CS_ML_BLOBS, "b#0002", -1) == CS_OK);
    CHECK_INT(cs_ml_blob_read(st, "acme", "b", &h, count_bytes, &seen), CS_ERR_FORMAT);
    CHECK_INT(cs_ml_blob_get(st, a, "acme", "b", &got, &gn), CS_ERR_NOT_FOUND);
    char path[600];
    snprintf(path, sizeof(path), "%s/blob.out", root);
    CHECK_INT(cs_ml_blob_fetch_file(st, "acme", "b", &h, path), CS_ERR_FORMAT);
    CHECK(access(path, F_OK) != 0);
    /* a head read back is checked like input */
    static const struct {
        const char *pre;
        int hexlen; /* how much of the real sum follows */
        const char *post;
    } bad[] = {
        {"{\"size\":10,\"chunks\":2,\"blake2b\":\"", 64, "\"}"},
        {"{\"size\":-1,\"chunks\":0,\"blake2b\":\"", 64, "\"}"},
        {"{\"size\":999999999999,\"chunks\":1,\"blake2b\":\"", 64, "\"}"},
        {"{\"size\":10,\"chunks\":1,\"ids\":3,\"blake2b\":\"", 64, "\"}"},
        {"{\"size\":10,\"chunks\":1,\"blake2b\":\"", 62, "\"}"},
        {"{\"size\":10,\"chunks\":1,\"blake2b\":\"", 63, "/\"}"},
        {"[", 0, "]"},
    };
    char text[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "%s%.*s%s", bad[i].pre, bad[i].hexlen, hex, bad[i].post);
        json_object *o = json_tokener_parse(text);
        REQUIRE(o);
        CHECK_INT(cs_ml_blob_head_parse(o, &h), CS_ERR_FORMAT);
        json_object_put(o);
    }
    snprintf(text, sizeof(text), "{\"size\":10,\"chunks\":1,\"blake2b\":\"%s\"}", hex);
    json_object *good = json_tokener_parse(text);
    CHECK(good && cs_ml_blob_head_parse(good, &h) == CS_OK && !h.padded && h.size == 10);
    json_object_put(good);
    /* an older version's head (unpadded chunk ids) still reads */
    REQUIRE(cs_ml_blob_drop(st, a, "acme", "b") == CS_OK);
    const unsigned char small[5] = {1, 2, 3, 4, 5};
    unsigned char s[32];
    crypto_generichash(s, sizeof(s), small, sizeof(small), NULL, 0);
    char shex[65], b64[16];
    sodium_bin2hex(shex, sizeof(shex), s, sizeof(s));
    sodium_bin2base64(b64, sizeof(b64), small, sizeof(small), sodium_base64_VARIANT_ORIGINAL);
    json_object *c = cs_json_object(a), *hd = cs_json_object(a);
    REQUIRE(c && hd && cs_json_add_str(c, "data", b64) == CS_OK);
    REQUIRE(cs_json_add_int(hd, "size", 5) == CS_OK && cs_json_add_int(hd, "chunks", 1) == CS_OK &&
            cs_json_add_str(hd, "blake2b", shex) == CS_OK);
    REQUIRE(cs_store_put(st, a, "acme", CS_ML_BLOBS, "old#0", c, clock_now(), NULL) == CS_OK);
    REQUIRE(cs_store_put(st, a, "acme", CS_ML_BLOBS, "old", hd, clock_now(), NULL) == CS_OK);
    REQUIRE(cs_ml_blob_get(st, a, "acme", "old", &got, &gn) == CS_OK);
    CHECK(gn == 5 && memcmp(got, small, 5) == 0);
    free(got);
    free(buf);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const char *tmp = getenv("CS_TEST_TMP") ? getenv("CS_TEST_TMP") : "/tmp";
    snprintf(root, sizeof(root), "%s/ml-store-%d", tmp, (int)getpid());
    mkdir(root, 0700);
    char models[512];
    snprintf(models, sizeof(models), "%s/models",
             getenv("CS_DATA_DIR") ? getenv("CS_DATA_DIR") : "data");
    if (cs_models_open(models, &builtin) != CS_OK) {
        printf("not ok - open %s\ntally: 0 passed, 1 failed, 0 skipped\n", models);
        return 1;
    }
    TEST_RUN(damaged_blobs_are_refused);
    TEST_RUN(trained_and_served_on_other_instances);
    cs_models_close(builtin);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0) printf("# could not remove %s\n", root);
    return test_done();
}
