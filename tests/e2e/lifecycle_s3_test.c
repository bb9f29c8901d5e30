/* s3:// training sources end to end (issue 18): the test starts s3rver (an S3-compatible
 * server from npm, CS_TEST_S3RVER) on CS_TEST_S3_PORT, where the stack's CS_S3_ENDPOINT
 * points (tests/run.sh), puts objects there with curl's own SigV4 signing, and asks for
 * training jobs on them: a good object trains to COMPLETED with the exact row split; a
 * missing key or bucket, a malformed object, an oversized one, a bad URI and an
 * unreachable S3 are each refused with the insights family's error, naming the source
 * and S3's own code, and leave neither a job nor a dataset behind.
 *
 * With the stack's CS_ML_OUTPUT_URI at CS_TEST_ML_OUTPUT_URI (s3://model-out/models when
 * unset and the stack answers s3:// URIs), a completed job's model_output_uri and logs_uri are under
 * <root>/<tenant>/<job_id>/, and the objects there are the model the store serves
 * (model.csm, by its BLAKE2b), its lineage (model.json: metrics, the data's SHA-256,
 * options) and train.log. A stack whose outputs stay in its state folder skips that.
 *
 * s3rver checks the access key but not SigV4 signatures themselves; the signature is
 * recomputed independently in tests/unit/net/s3_test.c. */
#include <fcntl.h>
#include <sodium.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/e2e.h"
#include "../support/lifecycle_e2e.h"
#include "../support/http_client.h"
#include "../support/test.h"

static char auth_a[2048];
static char tmp[512], s3_url[128];
static char out_ds[64]; /* the dataset outputs_in_s3 trained on */
static pid_t s3_pid;

static int call(const char *method, const char *path, const char *body, struct http_result *r)
{
    return e2e_call(auth_a, method, path, body, r);
}

static bool s3_up(void)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "curl -sf -o /dev/null %s/ 2>/dev/null", s3_url);
    return system(cmd) == 0;
}

/* PUTs a local file as s3://train-data/<key>, signed by curl (SigV4, s3rver's keys). */
static bool s3_put(const char *key, const char *file)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "curl -sf -o /dev/null --aws-sigv4 aws:amz:us-east-1:s3 -u S3RVER:S3RVER "
             "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T '%s' '%s/train-data/%s'",
             file, s3_url, key);
    return system(cmd) == 0;
}

static bool write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* Starts s3rver on CS_TEST_S3_PORT over <tmp>/data (kept across restarts); true once it
 * answers. */
static bool spawn_s3rver(void)
{
    const char *bin = getenv("CS_TEST_S3RVER"), *port = getenv("CS_TEST_S3_PORT");
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/data", tmp);
    s3_pid = fork();
    if (s3_pid < 0) {
        s3_pid = 0; /* never kill(-1, ...) at the end */
        return false;
    }
    if (s3_pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, 1), dup2(null, 2);
        execl(bin, bin, "-d", dir, "-a", "127.0.0.1", "-p", port, "--silent", "--configure-bucket",
              "train-data", "--configure-bucket", "model-out", (char *)NULL);
        _exit(127);
    }
    bool up = false;
    for (int i = 0; i < 300 && !up; i++) {
        up = s3_up();
        if (!up) usleep(100 * 1000);
    }
    return up;
}

static void start_s3rver(void)
{
    const char *bin = getenv("CS_TEST_S3RVER"), *port = getenv("CS_TEST_S3_PORT");
    if (!bin || !*bin || !port) {
        const char *why = getenv("CS_TEST_S3RVER_WHY");
        TEST_SKIP(why ? why : "CS_TEST_S3RVER (an s3rver binary) is not set");
    }
    const char *base = getenv("CS_TEST_TMP") ? getenv("CS_TEST_TMP") : "/tmp";
    snprintf(tmp, sizeof(tmp), "%s/s3rver.XXXXXX", base);
    REQUIRE(mkdtemp(tmp));
    snprintf(s3_url, sizeof(s3_url), "http://127.0.0.1:%s", port);
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/data", tmp);
    REQUIRE(mkdir(dir, 0700) == 0);
    REQUIRE(spawn_s3rver());
    /* 300 rows, label i % 3; every tenth row is held out for validation */
    size_t cap = 300 * 80, used = 0;
    char *csv = malloc(cap);
    REQUIRE(csv);
    used += (size_t)snprintf(csv, cap, "text,label\n");
    for (size_t i = 0; i < 300; i++)
        used += (size_t)snprintf(csv + used, cap - used, "\"the %s parcel number %zu\",%s\n",
                                 lc_fruit[i % 3], i, lc_labels[i % 3]);
    char f[700];
    snprintf(f, sizeof(f), "%s/good.csv", tmp);
    bool ok = write_file(f, csv);
    free(csv);
    REQUIRE(ok);
    REQUIRE(s3_put("sets/good.csv", f));
    snprintf(f, sizeof(f), "%s/bad.csv", tmp);
    REQUIRE(write_file(f, "text,label\nfine text,positive\nno label here,\n"));
    REQUIRE(s3_put("sets/bad.csv", f));
    /* one byte over the 50 MB limit (sparse: zeros, never read past the length) */
    snprintf(f, sizeof(f), "%s/big.csv", tmp);
    int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, (50 << 20) + 1) == 0);
    close(fd);
    REQUIRE(s3_put("sets/big.csv", f));
    unlink(f);
}

static void train_from_s3(void)
{
    if (!s3_pid) TEST_SKIP("s3rver is not running");
    struct http_result r;
    REQUIRE(call("POST", "/api/v1/ai/distributed-training",
                 "{\"base_model\":\"sentiment\",\"training_data_uri\":\"s3://train-data/sets/"
                 "good.csv\",\"hyperparameters\":{\"epochs\":3}}",
                 &r) == 0);
    CHECK(lc_envelope_ok(&r, 200));
    CHECK_STR(jstr(r.json, "data.status"), "STARTING");
    char id[64];
    snprintf(id, sizeof(id), "%s", jstr(r.json, "data.job_id") ? jstr(r.json, "data.job_id") : "");
    http_result_free(&r);
    REQUIRE(id[0]);
    const char *st = lc_poll_job(auth_a, id, &r);
    REQUIRE(st);
    CHECK_STR(st, "COMPLETED");
    CHECK_INT(jint(r.json, "data.metrics.train_rows"), 270);
    CHECK_INT(jint(r.json, "data.metrics.validation_rows"), 30);
    CHECK(json_object_get_double(jget(r.json, "data.metrics.validation_accuracy")) > 0.9);
    http_result_free(&r);
    /* lineage: the model's file names the S3 source and the dataset it became */
    char path[1024];
    snprintf(path, sizeof(path), "%s/ml/acme/models/%s/model.json", getenv("CS_TEST_VAR"), id);
    json_object *lineage = json_object_from_file(path);
    REQUIRE(lineage);
    CHECK_STR(jstr(lineage, "training_data_uri"), "s3://train-data/sets/good.csv");
    CHECK(e2e_matches(jstr(lineage, "training_dataset_id"), "^ds_[0-9a-f]{24}$"));
    CHECK(e2e_matches(jstr(lineage, "training_data_sha256"), "^[0-9a-f]{64}$"));
    json_object_put(lineage);
}

/* GETs s3://<bucket>/<key> into `file`, signed by curl. */
static bool s3_get(const char *bucket, const char *key, const char *file)
{
    char cmd[4096];
    int n = snprintf(cmd, sizeof(cmd),
                     "curl -sf -o '%s' --aws-sigv4 aws:amz:us-east-1:s3 -u S3RVER:S3RVER "
                     "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' '%s/%s/%s'",
                     file, s3_url, bucket, key);
    return n > 0 && (size_t)n < sizeof(cmd) && system(cmd) == 0;
}

/* The whole file, NUL-terminated (malloc'd), its length in *n; NULL when unreadable. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, len = 0, got;
    char chunk[1 << 14];
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + got + 1 > cap) {
            cap = (len + got + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) break;
            buf = nb;
        }
        memcpy(buf + len, chunk, got);
        len += got;
    }
    bool ok = !ferror(f) && buf;
    fclose(f);
    if (!ok) {
        free(buf);
        return NULL;
    }
    buf[len] = 0;
    *n = len;
    return buf;
}

static void hex_of(const unsigned char *d, size_t n, char *hex)
{
    sodium_bin2hex(hex, 2 * n + 1, d, n);
}

/* The SHA-256 (hex) of this stack's copy of acme's dataset `ds`. */
static bool dataset_sha(const char *ds, char hex[65])
{
    char path[700];
    size_t n;
    snprintf(path, sizeof(path), "%s/ml/acme/datasets/%s.jsonl", getenv("CS_TEST_VAR"), ds);
    char *rows = strchr(ds, '/') ? NULL : slurp(path, &n);
    if (!rows) return false;
    unsigned char sha[32];
    crypto_hash_sha256(sha, (const unsigned char *)rows, n);
    free(rows);
    hex_of(sha, 32, hex);
    return true;
}

/* The stored model's blob sum, from the tenant's model list. */
static bool served_sum(const char *job_id, char out[129])
{
    struct http_result r;
    if (call("GET", "/api/v1/ai/models", NULL, &r) != 0) return false;
    json_object *models = jget(r.json, "data.models");
    bool found = false;
    for (size_t i = 0; models && i < json_object_array_length(models) && !found; i++) {
        json_object *m = json_object_array_get_idx(models, i);
        const char *id = jstr(m, "job_id"), *sum = jstr(m, "model_blake2b");
        if (id && sum && strcmp(id, job_id) == 0 && strlen(sum) < 129) {
            snprintf(out, 129, "%s", sum);
            found = true;
        }
    }
    http_result_free(&r);
    return found;
}

/* POST /api/v1/ai/deploy with model_uri `uri`: the status, and the model id deployed
 * (or, refused, the start of details.model_uri). */
static int deploy_uri(const char *uri, char model_id[64])
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"model_uri\":\"%s\",\"deployment_name\":\"s3-outputs\",\"force\":true}", uri);
    struct http_result r;
    if (call("POST", "/api/v1/ai/deploy", body, &r) != 0) return -1;
    int status = (int)r.status;
    const char *m = jstr(r.json, status == 200 ? "data.model_id" : "details.model_uri");
    snprintf(model_id, 64, "%s", m ? m : "");
    if (status != 200) printf("  # deploy %s: %d %s\n", uri, status, r.body ? r.body : "");
    http_result_free(&r);
    return status;
}

/* The S3 model_output_uri deploys its model; another tenant's does not (then the
 * deployment is rolled back: later tests see the built-in model). */
static void deploy_by_output_uri(const char *mo, const char *root, const char *id)
{
    char got[64], other[512];
    CHECK_INT(deploy_uri(mo, got), 200);
    CHECK_STR(got, id);
    snprintf(other, sizeof(other), "%s/globex/%s/", root, id);
    CHECK_INT(deploy_uri(other, got), 400); /* the insights family's validation error */
    CHECK(strncmp(got, "a model_output_uri of this tenant's", 35) == 0);
    struct http_result r;
    bool called = call("POST", "/api/v1/ai/deploy/s3-outputs/rollback", NULL, &r) == 0;
    CHECK(called);
    if (!called) return;
    CHECK(lc_envelope_ok(&r, 200));
    CHECK_STR(jstr(r.json, "data.model_id"), "builtin");
    http_result_free(&r);
}

static void outputs_in_s3(void)
{
    if (!s3_pid) TEST_SKIP("s3rver is not running");
    /* set when the stack was started with CS_ML_OUTPUT_URI: then outputs must be there */
    const char *root = getenv("CS_TEST_ML_OUTPUT_URI");
    bool configured = root && *root;
    if (!configured) root = "s3://model-out/models";
    struct http_result r;
    REQUIRE(call("POST", "/api/v1/ai/distributed-training",
                 "{\"base_model\":\"sentiment\",\"training_data_uri\":\"s3://train-data/sets/"
                 "good.csv\",\"hyperparameters\":{\"epochs\":3}}",
                 &r) == 0);
    CHECK(lc_envelope_ok(&r, 200));
    const char *mo = jstr(r.json, "data.model_output_uri");
    if (!configured && (!mo || strncmp(mo, "s3://", 5) != 0)) {
        http_result_free(&r);
        TEST_SKIP("the stack keeps job outputs in its state folder (run it with "
                  "CS_ML_OUTPUT_URI=s3://model-out/models)");
    }
    char id[64], want[256];
    snprintf(id, sizeof(id), "%s", jstr(r.json, "data.job_id") ? jstr(r.json, "data.job_id") : "");
    REQUIRE(id[0]);
    snprintf(want, sizeof(want), "%s/acme/%s/", root, id);
    CHECK_STR(mo, want);
    snprintf(want, sizeof(want), "%s/acme/%s/logs/", root, id);
    CHECK_STR(jstr(r.json, "data.logs_uri"), want);
    http_result_free(&r);
    const char *st = lc_poll_job(auth_a, id, &r);
    REQUIRE(st);
    CHECK_STR(st, "COMPLETED");
    double val_acc = json_object_get_double(jget(r.json, "data.metrics.validation_accuracy"));
    http_result_free(&r);
    snprintf(want, sizeof(want), "%s/acme/%s/", root, id);
    deploy_by_output_uri(want, root, id);
    /* the objects, by keys made from the configured root */
    char bucket[64], prefix[512], key[700], f_model[700], f_meta[700], f_log[700];
    const char *b = root + 5, *slash = strchr(b, '/');
    snprintf(bucket, sizeof(bucket), "%.*s", (int)(slash ? slash - b : (long)strlen(b)), b);
    snprintf(prefix, sizeof(prefix), "%s%sacme/%s/", slash ? slash + 1 : "", slash ? "/" : "", id);
    snprintf(f_model, sizeof(f_model), "%s/out-model.csm", tmp);
    snprintf(f_meta, sizeof(f_meta), "%s/out-model.json", tmp);
    snprintf(f_log, sizeof(f_log), "%s/out-train.log", tmp);
    snprintf(key, sizeof(key), "%smodel.csm", prefix);
    REQUIRE(s3_get(bucket, key, f_model));
    snprintf(key, sizeof(key), "%smodel.json", prefix);
    REQUIRE(s3_get(bucket, key, f_meta));
    snprintf(key, sizeof(key), "%slogs/train.log", prefix);
    REQUIRE(s3_get(bucket, key, f_log));
    /* model.csm: the bytes the store serves (the blob's BLAKE2b) */
    size_t n = 0;
    char *model = slurp(f_model, &n);
    REQUIRE(model);
    CHECK(n > 1000);
    unsigned char d[crypto_generichash_BYTES];
    char hex[129], served[129];
    crypto_generichash(d, sizeof(d), (const unsigned char *)model, n, NULL, 0);
    hex_of(d, sizeof(d), hex);
    free(model);
    REQUIRE(served_sum(id, served));
    CHECK_STR(hex, served);
    /* model.json: the job's metrics, the source's SHA-256 and the options */
    json_object *lineage = json_object_from_file(f_meta);
    REQUIRE(lineage);
    CHECK_STR(jstr(lineage, "job_id"), id);
    CHECK_STR(jstr(lineage, "training_data_uri"), "s3://train-data/sets/good.csv");
    CHECK(json_object_get_double(jget(lineage, "metrics.validation_accuracy")) == val_acc);
    CHECK_INT(jint(lineage, "metrics.train_rows"), 270);
    CHECK_INT(jint(lineage, "options.epochs"), 3);
    /* the rows it trained on: the dataset the S3 source became */
    const char *ds = jstr(lineage, "training_dataset_id");
    snprintf(out_ds, sizeof(out_ds), "%s", ds ? ds : "");
    char ds_hex[65] = "";
    CHECK(ds && dataset_sha(ds, ds_hex));
    CHECK_STR(jstr(lineage, "training_data_sha256"), ds_hex);
    json_object_put(lineage);
    /* train.log: one line per epoch */
    char *log = slurp(f_log, &n);
    CHECK(log && strstr(log, "{\"epoch\":1,") != NULL);
    CHECK(log && strstr(log, "{\"epoch\":3,") != NULL);
    free(log);
}

/* POSTs a job on `uri`; the answer must be `status` with `want` in its message or its
 * details.training_data_uri, and leave no dataset behind. */
static void refused(const char *uri, int status, const char *want)
{
    char dir[600], body[512];
    snprintf(dir, sizeof(dir), "%s/ml/acme/datasets", getenv("CS_TEST_VAR"));
    size_t before = lc_count_files(dir);
    snprintf(body, sizeof(body), "{\"base_model\":\"sentiment\",\"training_data_uri\":\"%s\"}",
             uri);
    struct http_result r;
    REQUIRE(call("POST", "/api/v1/ai/distributed-training", body, &r) == 0);
    CHECK(lc_envelope_ok(&r, status));
    const char *detail = jstr(r.json, "details.training_data_uri");
    const char *msg = jstr(r.json, "message");
    bool found = (detail && strstr(detail, want)) || (msg && strstr(msg, want));
    if (!found) printf("  # %s: got %s / %s\n", uri, msg ? msg : "-", detail ? detail : "-");
    CHECK(found);
    CHECK(jget(r.json, "data.job_id") == NULL);
    http_result_free(&r);
    CHECK_INT(lc_count_files(dir), before);
}

static void refusals(void)
{
    if (!s3_pid) TEST_SKIP("s3rver is not running");
    refused("s3://train-data/sets/missing.csv", 400,
            "s3://train-data/sets/missing.csv: no such object in S3 (404 NoSuchKey)");
    refused("s3://no-such-bucket/a.csv", 400, "no such object in S3 (404 NoSuchBucket)");
    refused("s3://train-data/sets/bad.csv", 400,
            "s3://train-data/sets/bad.csv: record 3: label is empty");
    refused("s3://train-data/sets/big.csv", 413, "the object is larger than 52428800 bytes");
    refused("s3://Train-Data/a.csv", 400, "not an s3://bucket/key URI");
    refused("s3://train-data/a.txt", 400, "the key must end in .csv, .jsonl or .ndjson");
}

static void unreachable(void)
{
    if (!s3_pid) TEST_SKIP("s3rver is not running");
    kill(s3_pid, SIGTERM);
    waitpid(s3_pid, NULL, 0);
    s3_pid = 0;
    refused("s3://train-data/sets/good.csv", 502, "S3 could not be reached");
}

/* With S3 down (unreachable stopped it) a finished job cannot upload its outputs: it is
 * not FAILED, its lease lapses and later attempts try again; once S3 is back one
 * uploads and the job is COMPLETED. */
static void upload_failure_is_retried(void)
{
    const char *root = getenv("CS_TEST_ML_OUTPUT_URI");
    if (!root || strcmp(root, "s3://model-out/models") != 0 || !out_ds[0] || !tmp[0])
        TEST_SKIP("the stack's outputs are not in s3://model-out/models");
    REQUIRE(!s3_pid && !s3_up());
    char body[256];
    snprintf(body, sizeof(body),
             "{\"base_model\":\"sentiment\",\"training_data_uri\":\"dataset://%s\","
             "\"hyperparameters\":{\"epochs\":3}}",
             out_ds);
    struct http_result r;
    REQUIRE(call("POST", "/api/v1/ai/distributed-training", body, &r) == 0);
    CHECK(lc_envelope_ok(&r, 200));
    char id[64], path[256];
    snprintf(id, sizeof(id), "%s", jstr(r.json, "data.job_id") ? jstr(r.json, "data.job_id") : "");
    http_result_free(&r);
    REQUIRE(id[0]);
    snprintf(path, sizeof(path), "/api/v1/ai/training-job/%s", id);
    /* a second attempt (the lease is 3 s under tests/run.sh) while nothing is ended */
    long long attempts = 0;
    bool open = true;
    for (int i = 0; i < 300 && open && attempts < 2; i++) {
        REQUIRE(call("GET", path, NULL, &r) == 0);
        const char *st = jstr(r.json, "data.status");
        open = st && (strcmp(st, "STARTING") == 0 || strcmp(st, "IN_PROGRESS") == 0);
        if (!open)
            printf("  # status %s: %s\n", st ? st : "-",
                   jstr(r.json, "data.error_message") ? jstr(r.json, "data.error_message") : "-");
        attempts = jint(r.json, "data.attempts");
        http_result_free(&r);
        usleep(100 * 1000);
    }
    CHECK(open);
    CHECK(attempts >= 2);
    REQUIRE(spawn_s3rver());
    const char *st = lc_poll_job(auth_a, id, &r);
    REQUIRE(st);
    CHECK_STR(st, "COMPLETED");
    http_result_free(&r);
    char key[256], file[700];
    snprintf(key, sizeof(key), "models/acme/%s/model.json", id);
    snprintf(file, sizeof(file), "%s/retried-model.json", tmp);
    REQUIRE(s3_get("model-out", key, file));
    json_object *lineage = json_object_from_file(file);
    CHECK(lineage && strcmp(jstr(lineage, "job_id") ? jstr(lineage, "job_id") : "", id) == 0);
    json_object_put(lineage);
}

int main(void)
{
    if (sodium_init() < 0 || !getenv("CS_TEST_BASE_URL") || !getenv("CS_TEST_VAR") ||
        e2e_token_for_key("CS_TEST_KEY_A", auth_a, sizeof(auth_a), NULL, 0) != 0) {
        printf("tally: 0 passed, 1 failed, 0 skipped\n");
        return 1;
    }
    TEST_RUN(start_s3rver);
    TEST_RUN(train_from_s3);
    TEST_RUN(outputs_in_s3);
    TEST_RUN(refusals);
    TEST_RUN(unreachable);
    TEST_RUN(upload_failure_is_retried);
    if (s3_pid) {
        kill(s3_pid, SIGTERM);
        waitpid(s3_pid, NULL, 0);
    }
    if (tmp[0]) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
        if (system(cmd) != 0) printf("# could not remove %s\n", tmp);
    }
    return test_done();
}
