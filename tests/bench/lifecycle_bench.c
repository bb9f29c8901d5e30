/* Model lifecycle benchmark (issue 18), in process, release build:
 *  - training the sentiment model on 10,000 rows with a job's default options (the
 *    built-in recipe: 24 epochs, the built-in feature settings), one shard and two shards
 *    mixed each epoch, every tenth row held out as a job does; baseline: one feature
 *    extraction pass over the same rows (what any text model must do once per row);
 *  - what a tenant model adds to the first request after a deploy: mapping and
 *    validating its file (cs_model_open, page cache warm, 200 times; wall clock and the
 *    thread's CPU time) plus the first prediction; baseline: one prediction with the
 *    mapped built-in model; control for the wall-clock tail: one read() of the file.
 *  - the serving path as a function runs it (cs_ml_served_get over a SQLite store in a
 *    temp folder), per iteration paired with a request at an unchanged version (the
 *    version check every request makes): "new process" (the deployment's version
 *    changed, this instance has the model's copy: open and validate it) and "new
 *    instance" (empty state folder: the model fetched from the store, its sum checked,
 *    written and opened), CPU and wall, p50 and p99.
 * Figures are printed with their ratio to the baseline measured in the same run.
 *
 *   lifecycle_bench [data [serve]]  (serve: the serving path alone; reads data/datasets/airline_sentiment/train.csv and
 *                               data/models/sentiment.csm)
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/dataset.h"
#include "cs/env.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/ml_worker.h"
#include "cs/model.h"
#include "cs/models.h"
#include "cs/store.h"
#include "cs/train.h"

#define ROWS 10000

static const char TEXT[] =
    "The flight was delayed three hours and nobody told us anything, but the crew "
    "on board were lovely and the refund came through quickly.";

static double cpu_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct rows {
    size_t n;
    char *text[ROWS];
    size_t len[ROWS];
    uint32_t label[ROWS];
    uint8_t is_val[ROWS];
};

static int take(void *user, const char *text, size_t tl, const char *label, size_t ll)
{
    struct rows *r = user;
    (void)ll;
    if (r->n == ROWS) return 0;
    static const char *const names[3] = {"negative", "neutral", "positive"};
    uint32_t k = 0;
    while (k < 3 && strcmp(names[k], label) != 0) k++;
    if (k == 3) return 0;
    r->text[r->n] = strndup(text, tl);
    r->len[r->n] = tl;
    r->label[r->n] = k;
    r->is_val[r->n] = r->n % 10 == 9 ? CS_TRAIN_ROW_VAL : CS_TRAIN_ROW_FIT;
    r->n++;
    return 0;
}

static int read_rows(const char *path, struct rows *r)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    struct cs_dataset_reader *rd;
    if (cs_dataset_reader_new(CS_DATASET_CSV, "text", "airline_sentiment", take, r, &rd) != CS_OK)
        return -1;
    char buf[1 << 16];
    size_t n;
    int rc = 0;
    while (!rc && (n = fread(buf, 1, sizeof(buf), f)) > 0) rc = cs_dataset_reader_feed(rd, buf, n);
    if (!rc) rc = cs_dataset_reader_finish(rd);
    if (rc) fprintf(stderr, "lifecycle_bench: %s\n", cs_dataset_reader_error(rd));
    cs_dataset_reader_destroy(rd);
    fclose(f);
    return rc || r->n < ROWS ? -1 : 0;
}

/* Two shards as threads, averaged each epoch: the same code path as the worker's. */
struct mix2 {
    pthread_barrier_t bar;
    float *w[2], *b[2];
    size_t nw;
    uint32_t nc;
};
struct shard {
    struct mix2 *m;
    int idx;
    const struct cs_train_rows *rows;
    const struct cs_textfeat_cfg *feat;
    struct cs_train_opts o;
    uint8_t *mask;
    struct cs_train_model out;
    int rc;
};

static int mix(void *user, uint32_t epoch, float *w, float *b)
{
    struct shard *s = user;
    (void)epoch;
    s->m->w[s->idx] = w;
    s->m->b[s->idx] = b;
    pthread_barrier_wait(&s->m->bar);
    if (s->idx == 0) {
        for (size_t i = 0; i < s->m->nw; i++)
            s->m->w[0][i] = s->m->w[1][i] = (s->m->w[0][i] + s->m->w[1][i]) / 2;
        for (uint32_t c = 0; c < s->m->nc; c++)
            s->m->b[0][c] = s->m->b[1][c] = (s->m->b[0][c] + s->m->b[1][c]) / 2;
    }
    pthread_barrier_wait(&s->m->bar);
    return 0;
}

static void *run_shard(void *arg)
{
    struct shard *s = arg;
    s->rc = cs_train_text(s->rows, s->feat, &s->o, &s->out);
    return NULL;
}

static size_t file_size(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 ? (size_t)sb.st_size : 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Per-iteration costs of the serving path, paired: load (a new version) minus the same
 * iteration's version check. */
struct serve_bench {
    struct cs_store *st;
    struct cs_arena *a;
    struct cs_env env;
    struct cs_req req;
    const char *sum;
};

static int put_active(struct serve_bench *b, int64_t i)
{
    json_object *o = cs_json_object(b->a);
    if (!o || cs_json_add_str(o, "deployment_name", "bench") != CS_OK ||
        cs_json_add_str(o, "model_id", "job-bench") != CS_OK ||
        cs_json_add_str(o, "model_blake2b", b->sum) != CS_OK || cs_json_add_int(o, "i", i) != CS_OK)
        return CS_ERR_NOMEM;
    return cs_store_put(b->st, b->a, "acme", CS_ML_ACTIVE, "sentiment", o, 1, NULL);
}

/* One served request's CPU and wall time; -1 when it failed. */
static int served_once(struct serve_bench *b, double *cpu, double *wall)
{
    struct cs_ml_served sv;
    double c0 = cpu_now_s(), t0 = now_s();
    int rc = cs_ml_served_get(&b->req, "sentiment", &sv);
    *cpu = cpu_now_s() - c0;
    *wall = now_s() - t0;
    cs_arena_reset(b->a);
    return rc == CS_OK && sv.model ? 0 : -1;
}

static void report(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp);
    printf("  %-52s %7.3f / %.3f ms\n", what, v[n / 2] * 1e3, v[n * 99 / 100] * 1e3);
}

static int bench_serving(const char *model_path, const char *tmp)
{
    static struct serve_bench b;
    char uri[1200], var[1100];
    snprintf(uri, sizeof(uri), "sqlite://%s/cs.db", tmp);
    if (cs_store_open(uri, &b.st) != CS_OK || !(b.a = cs_arena_new(0))) return -1;
    static char hex[65];
    if (cs_ml_blob_put_file(b.st, b.a, "acme", "model/job-bench", model_path, 1, hex) != CS_OK)
        return -1;
    b.sum = hex;
    b.env.cfg.var_dir = var;
    b.req = (struct cs_req){.arena = b.a, .env = &b.env, .store = b.st, .now_ms = 1};
    b.req.auth.tenant = "acme";
    enum { NP = 200, NI = 40 };
    static double pc[NP], pw[NP], ic[NI], iw[NI], cc[NP], cw[NP];
    double c, w;
    /* new process: the copy is there; only the version changes */
    snprintf(var, sizeof(var), "%s/var-warm", tmp);
    mkdir(var, 0700);
    if (put_active(&b, -1) || served_once(&b, &c, &w)) return -1; /* fetch the copy once */
    for (int i = 0; i < NP; i++) {
        if (served_once(&b, &cc[i], &cw[i])) return -1; /* the version check alone */
        if (put_active(&b, i) || served_once(&b, &c, &w)) return -1;
        pc[i] = c - cc[i];
        pw[i] = w - cw[i];
    }
    report("version check every request makes, CPU (p50 / p99)", cc, NP);
    report("version check every request makes, wall (p50 / p99)", cw, NP);
    report("added by a new version, copy present, CPU (p50 / p99)", pc, NP);
    report("added by a new version, copy present, wall (p50 / p99)", pw, NP);
    /* new instance: an empty state folder each time */
    for (int i = 0; i < NI; i++) {
        snprintf(var, sizeof(var), "%s/var-%d", tmp, i);
        mkdir(var, 0700);
        double c0, w0;
        if (served_once(&b, &c0, &w0)) return -1;
        if (put_active(&b, NP + i) || served_once(&b, &c, &w)) return -1;
        ic[i] = c - c0;
        iw[i] = w - w0;
    }
    report("added on a new instance (fetch, check, write), CPU (p50 / p99)", ic, NI);
    report("added on a new instance (fetch, check, write), wall (p50 / p99)", iw, NI);
    cs_arena_destroy(b.a);
    cs_store_close(b.st);
    return 0;
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : "data";
    char path[1024];
    /* lifecycle_bench data serve: the serving path alone, over the built-in model's file */
    if (argc > 2 && strcmp(argv[2], "serve") == 0) {
        char tmp[] = "/tmp/cs-lifecycle-bench.XXXXXX";
        snprintf(path, sizeof(path), "%s/models/sentiment.csm", data);
        if (!mkdtemp(tmp)) return 1;
        printf("  serving path (model %zu bytes, SQLite store):\n", file_size(path));
        int rc = bench_serving(path, tmp);
        snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
        if (system(path) != 0) rc = -1;
        return rc ? 1 : 0;
    }
    static struct rows r;
    snprintf(path, sizeof(path), "%s/datasets/airline_sentiment/train.csv", data);
    if (read_rows(path, &r) != 0) {
        fprintf(stderr, "lifecycle_bench: cannot read %d rows from %s\n", ROWS, path);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/models", data);
    struct cs_models *ms;
    if (cs_models_open(path, &ms) != CS_OK) return 1;
    const struct cs_model *builtin = cs_models_get(ms, "sentiment");
    if (!builtin) return 1;
    struct cs_textfeat_cfg feat = *cs_model_textfeat(builtin);

    /* baseline: one extraction pass */
    double t0 = now_s();
    for (size_t i = 0; i < r.n; i++)
        cs_textfeat_extract(&feat, r.text[i], r.len[i], cs_models_scratch());
    double extract_s = now_s() - t0;

    struct cs_train_rows rows = {.n = r.n,
                                 .n_classes = 3,
                                 .label = r.label,
                                 .is_val = r.is_val,
                                 .text = (const char *const *)r.text,
                                 .len = r.len};
    struct cs_train_opts o;
    cs_ml_default_opts(&o);
    struct cs_train_model m1;
    t0 = now_s();
    if (cs_train_text(&rows, &feat, &o, &m1) != CS_OK) return 1;
    double train1_s = now_s() - t0;

    struct mix2 mx = {.nw = ((size_t)1 << feat.hash_bits) * 3, .nc = 3};
    pthread_barrier_init(&mx.bar, NULL, 2);
    struct shard sh[2];
    pthread_t th[2];
    t0 = now_s();
    for (int i = 0; i < 2; i++) {
        sh[i] = (struct shard){.m = &mx, .idx = i, .rows = &rows, .feat = &feat, .o = o};
        sh[i].mask = malloc(r.n);
        size_t fit = 0;
        for (size_t k = 0; k < r.n; k++) {
            sh[i].mask[k] = !r.is_val[k] && fit % 2 == (size_t)i;
            fit += !r.is_val[k];
        }
        sh[i].o.fit_mask = sh[i].mask;
        sh[i].o.mix = mix;
        sh[i].o.user = &sh[i];
        pthread_create(&th[i], NULL, run_shard, &sh[i]);
    }
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    double train2_s = now_s() - t0;
    if (sh[0].rc || sh[1].rc) return 1;

    /* a tenant model file as a job writes it */
    char tmp[] = "/tmp/cs-lifecycle-bench.XXXXXX";
    if (!mkdtemp(tmp)) return 1;
    snprintf(path, sizeof(path), "%s/model.csm", tmp);
    struct cs_model_spec spec;
    memset(&spec, 0, sizeof(spec));
    cs_train_model_spec(&m1, &spec);
    static const char *const labels[3] = {"negative", "neutral", "positive"};
    spec.name = "sentiment";
    spec.labels = labels;
    spec.feat = feat;
    spec.metadata_json = "{}";
    if (cs_model_write(&spec, path) != CS_OK) return 1;

    struct cs_model_pred p;
    enum { N = 200 };
    double open_s[N], first_s[N], pred_s[N], cpu_s[N], read_s[N], read_cpu_s[N], added_s[N];
    static char file[8 << 20];
    for (int i = 0; i < N; i++) {
        /* control: reading the same file, under the same scheduler */
        double r0 = now_s(), rc0 = cpu_now_s();
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t got = fd >= 0 ? read(fd, file, sizeof(file)) : -1;
        if (fd >= 0) close(fd);
        read_s[i] = now_s() - r0;
        read_cpu_s[i] = cpu_now_s() - rc0;
        if (got <= 0) return 1;
        double c0 = cpu_now_s();
        t0 = now_s();
        struct cs_model *tm;
        if (cs_model_open(path, &tm) != CS_OK) return 1;
        double t1 = now_s();
        cpu_s[i] = cpu_now_s() - c0;
        added_s[i] = cpu_s[i] - read_cpu_s[i]; /* paired: the same iteration's read */
        if (cs_model_predict_text(tm, TEXT, sizeof(TEXT) - 1, cs_models_scratch(), &p) != CS_OK)
            return 1;
        double t2 = now_s();
        cs_model_close(tm);
        if (cs_model_predict_text(builtin, TEXT, sizeof(TEXT) - 1, cs_models_scratch(), &p) !=
            CS_OK)
            return 1;
        double t3 = now_s();
        open_s[i] = t1 - t0;
        first_s[i] = t2 - t0;
        pred_s[i] = t3 - t2;
    }
    qsort(open_s, N, sizeof(double), cmp);
    qsort(cpu_s, N, sizeof(double), cmp);
    qsort(read_s, N, sizeof(double), cmp);
    qsort(read_cpu_s, N, sizeof(double), cmp);
    qsort(added_s, N, sizeof(double), cmp);
    qsort(first_s, N, sizeof(double), cmp);
    qsort(pred_s, N, sizeof(double), cmp);
    printf("lifecycle: %zu rows (%zu fitted, %zu validation), %u epochs, 2^%u features\n", r.n,
           (size_t)m1.n_train, (size_t)m1.n_val, o.epochs, feat.hash_bits);
    printf("  baseline: one feature extraction pass     %8.3f s\n", extract_s);
    printf("  train, 1 shard                            %8.3f s  (%.1fx baseline)  validation "
           "accuracy %.4f\n",
           train1_s, train1_s / extract_s, m1.val_acc);
    printf("  train, 2 shards mixed each epoch          %8.3f s  (%.1fx baseline)  validation "
           "accuracy %.4f\n",
           train2_s, train2_s / extract_s, sh[0].out.val_acc);
    printf("  baseline: one built-in prediction (p50)   %8.3f ms\n", pred_s[N / 2] * 1e3);
    printf("  tenant model open+validate (p50 / p99)    %8.3f / %.3f ms  (%.1fx baseline)\n",
           open_s[N / 2] * 1e3, open_s[N * 99 / 100] * 1e3, open_s[N / 2] / pred_s[N / 2]);
    printf("  open + first prediction (p50)             %8.3f ms  (%.1fx baseline)\n",
           first_s[N / 2] * 1e3, first_s[N / 2] / pred_s[N / 2]);
    /* Wall-clock tails on a shared 2-core machine are the run queue's: the control (one
     * read() of the same file) shows how long the scheduler holds a runnable thread. */
    printf("  tenant model open+validate, CPU time (p50 / p99) %8.3f / %.3f ms\n",
           cpu_s[N / 2] * 1e3, cpu_s[N * 99 / 100] * 1e3);
    printf("  control: read() of the same file, wall (p50 / p99) %6.3f / %.3f ms\n",
           read_s[N / 2] * 1e3, read_s[N * 99 / 100] * 1e3);
    printf("  control: read() of the same file, CPU (p50 / p99)  %6.3f / %.3f ms\n",
           read_cpu_s[N / 2] * 1e3, read_cpu_s[N * 99 / 100] * 1e3);
    /* What a deploy adds to the first request beyond reading the file at all: per
     * iteration, open+validate's CPU time minus the same iteration's read(). */
    printf("  open+validate minus read(), CPU, paired (p50 / p99) %6.3f / %.3f ms\n",
           added_s[N / 2] * 1e3, added_s[N * 99 / 100] * 1e3);
    printf("  serving path (model %zu bytes, SQLite store):\n", file_size(path));
    if (bench_serving(path, tmp) != 0) {
        fprintf(stderr, "lifecycle_bench: serving path failed\n");
        return 1;
    }
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "lifecycle_bench: could not remove %s\n", tmp);
    cs_train_model_clean_up(&m1);
    cs_train_model_clean_up(&sh[0].out);
    cs_train_model_clean_up(&sh[1].out);
    for (int i = 0; i < 2; i++) free(sh[i].mask);
    for (size_t i = 0; i < r.n; i++) free(r.text[i]);
    cs_models_close(ms);
    return 0;
}
