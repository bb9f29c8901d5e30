/* Training worker (cs/ml_worker.h): claim, load, train (shards mixed each epoch),
 * report, publish. */
#include "cs/ml_worker.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/log.h"
#include "cs/ml_blob.h"
#include "cs/model.h"
#include "cs/models.h"
#include "cs/s3.h"
#include "cs/store.h"
#include "cs/train.h"

#define CLAIM_BATCH 8
#define UPDATE_TRIES 8
#define CS_ML_CANCELLED 1000 /* internal stop reasons, never returned */
#define CS_ML_LOST 1001
#define CS_ML_STOPPED 1002

/* ---- rows ---- */

struct rows {
    size_t n, cap;
    char **text;
    size_t *len;
    char **label; /* label names, resolved to indexes later */
    uint8_t *is_val;
};

static void rows_free(struct rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->text[i]);
        free(r->label[i]);
    }
    free(r->text);
    free(r->len);
    free(r->label);
    free(r->is_val);
    memset(r, 0, sizeof(*r));
}

struct row_sink {
    struct rows *r;
    uint8_t part;
};

static int add_row(void *user, const char *text, size_t tl, const char *label, size_t ll)
{
    struct row_sink *s = user;
    struct rows *r = s->r;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        char **t = realloc(r->text, cap * sizeof(char *));
        if (t) r->text = t;
        size_t *l = realloc(r->len, cap * sizeof(size_t));
        if (l) r->len = l;
        char **lb = realloc(r->label, cap * sizeof(char *));
        if (lb) r->label = lb;
        uint8_t *v = realloc(r->is_val, cap);
        if (v) r->is_val = v;
        if (!t || !l || !lb || !v) return CS_ERR_NOMEM;
        r->cap = cap;
    }
    char *tc = strndup(text, tl), *lc = strndup(label, ll);
    if (!tc || !lc) {
        free(tc);
        free(lc);
        return CS_ERR_NOMEM;
    }
    r->text[r->n] = tc;
    r->len[r->n] = tl;
    r->label[r->n] = lc;
    r->is_val[r->n++] = s->part;
    return CS_OK;
}

/* ---- store helpers ---- */

typedef int (*mutate_fn)(json_object *body, void *arg);

/* Read-modify-write of a tenant's job document, retried on version conflicts (the
 * DELETE handler may write it between our read and write). */
static int job_update(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *id,
                      int64_t now, mutate_fn fn, void *arg)
{
    for (int i = 0; i < UPDATE_TRIES; i++) {
        struct cs_doc d;
        int rc = cs_store_get(st, a, tenant, CS_ML_JOBS, id, &d);
        if (!rc) rc = fn(d.body, arg);
        if (!rc)
            rc = cs_store_update(st, a, tenant, CS_ML_JOBS, id, d.version, d.body, NULL, now, NULL);
        if (rc != CS_ERR_CONFLICT) return rc;
    }
    return CS_ERR_CONFLICT;
}

static int set_str(json_object *o, const char *k, const char *v)
{
    return json_object_object_add(o, k, v ? json_object_new_string(v) : NULL) ? CS_ERR_NOMEM
                                                                              : CS_OK;
}

/* ---- the job in hand ---- */

struct job {
    struct cs_store *st;
    struct cs_arena *a;
    const struct cs_ml_worker_cfg *cfg;
    const char *tenant, *id;
    /* lease: the job's outbox item (queue CS_ML_TOPIC), as claimed by us */
    struct cs_outbox_item item;
    /* inputs */
    json_object *body;
    const char *task;
    struct cs_train_opts opts;
    uint32_t instances;
    struct cs_textfeat_cfg feat;
    /* progress */
    int64_t started_ms;
    size_t total_rows_fit;
    FILE *log;
    const char *out_dir;
    int abort_rc; /* set by the reporting shard; read by every shard at the next mix */
    /* checkpoints */
    unsigned char fp[32];  /* what the job's state depends on (data, options, shapes) */
    uint32_t resumed_from; /* epochs a checkpoint gave this run (0: from the start) */
    uint32_t nf, nc;
};

/* Keeps the job's outbox lease; CS_ERR_CONFLICT when another worker has it now. */
static int renew(struct job *j)
{
    return cs_store_outbox_renew(j->st, &j->item, j->cfg->now_ms() + j->cfg->lease_ms);
}

/* Ends the job's outbox item: done (whatever the job's outcome), or back to the queue
 * at once (a stopped worker: the next one resumes from the checkpoint). */
static int release(struct job *j, bool done)
{
    int64_t now = j->cfg->now_ms();
    int rc =
        cs_store_outbox_settle(j->st, &j->item, done ? CS_OUTBOX_DONE : CS_OUTBOX_RETRY, now, now);
    return rc == CS_ERR_CONFLICT ? CS_OK : rc; /* lost meanwhile: the holder settles it */
}

/* ---- checkpoints ----
 * After every epoch the lease holder keeps the trainer's state (cs_train_state) in the
 * store as a tenant blob (cs/ml_blob.h), "ckpt/<job>/mix.e<epoch>", then points the
 * job's "ckpt/<job>" document at that epoch: the state folder is an instance's own on
 * Lambda, so a worker on another instance resumes from the store. Step Functions shards
 * keep their epoch's weights beside it ("ckpt/<job>/s<shard>.e<epoch>") for the mix.
 * Training is deterministic, so a checkpoint of epoch k is the same bytes whoever wrote
 * it, and the resumed model equals an uninterrupted one. A checkpoint is checked like
 * outside input: its size, its fingerprint of the job's data and options, and a
 * BLAKE2b sum over everything; one that fails any of them is absent (the job starts
 * over, or the step fails and is retried). */
#define CKPT_MAGIC "CSCKPT02"
#define CKPT_MIXED UINT32_MAX

struct ckpt_head {
    char magic[8];
    uint32_t epoch, epochs, nf, nc, n_avg, shard;
    unsigned char fp[32];
    double train_loss;
};

/* A checkpoint read back: s points into buf (malloc'd). */
struct ckpt {
    struct cs_train_state s;
    double train_loss;
    unsigned char *buf;
};

static size_t ckpt_size(uint32_t nf, uint32_t nc, uint32_t n_avg)
{
    size_t w = (size_t)nf * nc * sizeof(float) + nc * sizeof(float);
    size_t avg = n_avg ? (size_t)nf * nc * sizeof(float) + nc * sizeof(double) : 0;
    return sizeof(struct ckpt_head) + w + avg + crypto_generichash_BYTES;
}

static char *ckpt_name(struct job *j, uint32_t shard, uint32_t epoch)
{
    if (shard == CKPT_MIXED) return cs_arena_printf(j->a, "ckpt/%s/mix.e%u", j->id, epoch);
    return cs_arena_printf(j->a, "ckpt/%s/s%u.e%u", j->id, shard, epoch);
}

static char *ckpt_pointer(struct job *j) { return cs_arena_printf(j->a, "ckpt/%s", j->id); }

static int ckpt_save(struct job *j, uint32_t shard, const struct cs_train_state *s, double loss)
{
    size_t wn = (size_t)j->nf * j->nc, n = ckpt_size(j->nf, j->nc, s->n_avg);
    unsigned char *buf = malloc(n), *p = buf;
    if (!buf) return CS_ERR_NOMEM;
    struct ckpt_head h = {.epoch = s->epoch,
                          .epochs = j->opts.epochs,
                          .nf = j->nf,
                          .nc = j->nc,
                          .n_avg = s->n_avg,
                          .shard = shard,
                          .train_loss = loss};
    memcpy(h.magic, CKPT_MAGIC, 8);
    memcpy(h.fp, j->fp, 32);
    memcpy(p, &h, sizeof(h)), p += sizeof(h);
    memcpy(p, s->weights, wn * sizeof(float)), p += wn * sizeof(float);
    memcpy(p, s->bias, j->nc * sizeof(float)), p += j->nc * sizeof(float);
    if (s->n_avg) {
        memcpy(p, s->avg_w, wn * sizeof(float)), p += wn * sizeof(float);
        memcpy(p, s->avg_b, j->nc * sizeof(double)), p += j->nc * sizeof(double);
    }
    crypto_generichash(p, crypto_generichash_BYTES, buf, (size_t)(p - buf), NULL, 0);
    char *name = ckpt_name(j, shard, s->epoch);
    int rc = name ? cs_ml_blob_put(j->st, j->a, j->tenant, name, buf, n, j->cfg->now_ms())
                  : CS_ERR_NOMEM;
    free(buf);
    return rc;
}

/* The mixed state of `epoch` kept, then the pointer at it, then the one before gone. */
static int ckpt_save_mixed(struct job *j, const struct cs_train_state *s, double loss)
{
    int rc = ckpt_save(j, CKPT_MIXED, s, loss);
    struct cs_jb b;
    cs_jb_init(&b, cs_json_object(j->a));
    cs_jb_int(&b, "epoch", s->epoch);
    char *ptr = ckpt_pointer(j);
    if (!rc) rc = cs_jb_done(&b);
    if (!rc)
        rc = ptr ? cs_store_put(j->st, j->a, j->tenant, CS_ML_BLOBS, ptr, b.obj, j->cfg->now_ms(),
                                NULL)
                 : CS_ERR_NOMEM;
    char *prev = !rc && s->epoch > 1 ? ckpt_name(j, CKPT_MIXED, s->epoch - 1) : NULL;
    if (prev && cs_ml_blob_drop(j->st, j->a, j->tenant, prev) != CS_OK && j->log)
        fprintf(j->log, "{\"epoch\":%u,\"checkpoint\":\"previous not removed\"}\n", s->epoch);
    return rc;
}

/* The epoch the job's pointer names (0: none, or not a sound document). */
static int ckpt_latest_epoch(struct job *j, uint32_t *epoch)
{
    *epoch = 0;
    char *ptr = ckpt_pointer(j);
    struct cs_doc d;
    int rc = ptr ? cs_store_get(j->st, j->a, j->tenant, CS_ML_BLOBS, ptr, &d) : CS_ERR_NOMEM;
    if (rc == CS_ERR_NOT_FOUND) return CS_OK;
    if (rc) return rc;
    int64_t e = cs_json_get_int(d.body, "epoch", 0);
    if (e >= 1 && e <= (int64_t)j->opts.epochs) *epoch = (uint32_t)e;
    return CS_OK;
}

/* The checkpoint of (shard, epoch) for this job when one is there and sound:
 * CS_ERR_NOT_FOUND otherwise, or the store's error. */
static int ckpt_load(struct job *j, uint32_t shard, uint32_t epoch, struct ckpt *c)
{
    memset(c, 0, sizeof(*c));
    char *name = ckpt_name(j, shard, epoch);
    unsigned char *b = NULL;
    size_t n = 0;
    int rc = name ? cs_ml_blob_get(j->st, j->a, j->tenant, name, &b, &n) : CS_ERR_NOMEM;
    if (rc) return rc;
    struct ckpt_head h;
    bool ok = n >= sizeof(h);
    if (ok) memcpy(&h, b, sizeof(h));
    ok = ok && memcmp(h.magic, CKPT_MAGIC, 8) == 0 && memcmp(h.fp, j->fp, 32) == 0 &&
         h.nf == j->nf && h.nc == j->nc && h.epochs == j->opts.epochs && h.epoch == epoch &&
         h.shard == shard && h.n_avg <= h.epoch && n == ckpt_size(h.nf, h.nc, h.n_avg) &&
         isfinite(h.train_loss);
    unsigned char sum[crypto_generichash_BYTES];
    if (ok) {
        crypto_generichash(sum, sizeof(sum), b, n - sizeof(sum), NULL, 0);
        ok = sodium_memcmp(sum, b + n - sizeof(sum), sizeof(sum)) == 0;
    }
    if (!ok) {
        free(b);
        return CS_ERR_NOT_FOUND;
    }
    size_t wn = (size_t)h.nf * h.nc;
    unsigned char *p = b + sizeof(h);
    c->s = (struct cs_train_state){.epoch = h.epoch, .n_avg = h.n_avg};
    c->s.weights = (const float *)p, p += wn * sizeof(float);
    c->s.bias = (const float *)p, p += h.nc * sizeof(float);
    if (h.n_avg) {
        c->s.avg_w = (const float *)p, p += wn * sizeof(float);
        c->s.avg_b = (const double *)p;
    }
    c->train_loss = h.train_loss;
    c->buf = b;
    return CS_OK;
}

/* A blob no step needs any more. Best effort: one left behind costs space, never a
 * wrong answer (every read checks the job's fingerprint and the epoch). */
static void blob_forget(struct job *j, const char *name)
{
    int rc = name ? cs_ml_blob_drop(j->st, j->a, j->tenant, name) : CS_ERR_NOMEM;
    (void)rc;
}

/* Every blob the job kept (its model is out, or it ended). */
static void ckpt_drop_all(struct job *j)
{
    for (uint32_t e = 1; e <= j->opts.epochs; e++) {
        blob_forget(j, ckpt_name(j, CKPT_MIXED, e));
        for (uint32_t k = 0; j->instances > 1 && k < j->instances; k++)
            blob_forget(j, ckpt_name(j, k, e));
    }
    char *ptr = ckpt_pointer(j);
    int rc = ptr ? cs_store_delete(j->st, j->tenant, CS_ML_BLOBS, ptr, -1) : CS_ERR_NOMEM;
    (void)rc;
}

struct progress_arg {
    const struct cs_train_epoch *e;
    struct job *j;
    char eta[32];
    const char *status; /* only read */
};

static int put_progress(json_object *body, void *arg)
{
    struct progress_arg *p = arg;
    const char *status = cs_json_get_str(body, "status");
    p->status = status && strcmp(status, "CANCELLED") == 0 ? "CANCELLED" : "IN_PROGRESS";
    if (strcmp(p->status, "CANCELLED") == 0) return CS_OK;
    json_object *pr = json_object_new_object(), *m = json_object_new_object();
    if (!pr || !m) {
        json_object_put(pr);
        json_object_put(m);
        return CS_ERR_NOMEM;
    }
    size_t steps = p->j->total_rows_fit;
    int bad = 0;
    json_object_object_add(pr, "current_epoch", json_object_new_int64(p->e->epoch));
    json_object_object_add(pr, "total_epochs", json_object_new_int64(p->e->epochs));
    json_object_object_add(pr, "current_step",
                           json_object_new_int64((int64_t)(steps * p->e->epoch)));
    json_object_object_add(pr, "total_steps",
                           json_object_new_int64((int64_t)(steps * p->e->epochs)));
    bad |= cs_json_add_double(m, "train_loss", p->e->train_loss, 4);
    if (p->e->n_val) {
        bad |= cs_json_add_double(m, "validation_accuracy", p->e->val_accuracy, 4);
        bad |= cs_json_add_double(m, "validation_loss", p->e->val_loss, 4);
    }
    json_object_object_add(pr, "metrics", m);
    json_object_object_add(body, "progress", pr);
    if (bad) return CS_ERR_NOMEM;
    return set_str(body, "estimated_completion", p->eta);
}

/* After each epoch (the reporting shard only): lease, cancellation, progress, log. */
static int report_epoch(struct job *j, const struct cs_train_epoch *e)
{
    int64_t now = j->cfg->now_ms();
    if (renew(j) != CS_OK) return CS_ML_LOST;
    /* Only the lease holder writes the checkpoint, and before the progress that says
     * the epoch is done. A checkpoint that cannot be written costs a restart, no more. */
    if (ckpt_save_mixed(j, &e->state, e->train_loss) != CS_OK && j->log)
        fprintf(j->log, "{\"epoch\":%u,\"checkpoint\":\"not written\"}\n", e->epoch);
    if (j->cfg->stop && *j->cfg->stop) return CS_ML_STOPPED;
    struct progress_arg p = {.e = e, .j = j};
    /* The measured rate of this run's epochs gives the estimate of the epochs left. */
    double per_epoch = (double)(now - j->started_ms) / (e->epoch - j->resumed_from);
    cs_ml_iso(now + (int64_t)(per_epoch * (e->epochs - e->epoch)), p.eta, sizeof(p.eta));
    int rc = job_update(j->st, j->a, j->tenant, j->id, now, put_progress, &p);
    if (rc) return rc == CS_ERR_CONFLICT ? CS_ML_LOST : rc;
    if (p.status && strcmp(p.status, "CANCELLED") == 0) return CS_ML_CANCELLED;
    if (j->log)
        fprintf(
            j->log,
            "{\"epoch\":%u,\"train_loss\":%.6f,\"validation_accuracy\":%.6f,\"elapsed_ms\":%lld}\n",
            e->epoch, e->train_loss, e->val_accuracy, (long long)(now - j->started_ms));
    return CS_OK;
}

/* ---- shards: iterative parameter mixing ---- */

struct shard_group {
    struct job *j;
    uint32_t k;
    pthread_barrier_t bar;
    float **w, **b; /* each shard's live weights, deposited at the barrier */
    float *avg_w, *avg_b;
    size_t nw;
    uint32_t nc;
};

struct shard {
    struct shard_group *g;
    uint32_t idx;
    const struct cs_train_rows *rows;
    uint8_t *mask;
    struct cs_train_opts opts;
    struct cs_train_model model;
    int rc;
};

/* Every shard deposits its weights; the first averages them; all continue from the
 * average (McDonald et al. 2010's iterative parameter mixing, uniform weights). */
static int shard_mix(void *user, uint32_t epoch, float *w, float *b)
{
    struct shard *s = user;
    struct shard_group *g = s->g;
    (void)epoch;
    g->w[s->idx] = w;
    g->b[s->idx] = b;
    pthread_barrier_wait(&g->bar);
    if (s->idx == 0) {
        for (size_t i = 0; i < g->nw; i++) {
            double sum = 0;
            for (uint32_t k = 0; k < g->k; k++) sum += g->w[k][i];
            g->avg_w[i] = (float)(sum / g->k);
        }
        for (uint32_t c = 0; c < g->nc; c++) {
            double sum = 0;
            for (uint32_t k = 0; k < g->k; k++) sum += g->b[k][c];
            g->avg_b[c] = (float)(sum / g->k);
        }
    }
    pthread_barrier_wait(&g->bar);
    memcpy(w, g->avg_w, g->nw * sizeof(float));
    memcpy(b, g->avg_b, g->nc * sizeof(float));
    /* the abort decision of the previous epoch's report, seen by every shard alike */
    return g->j->abort_rc;
}

static int shard_epoch(void *user, const struct cs_train_epoch *e)
{
    struct shard *s = user;
    if (s->idx == 0 && !s->g->j->abort_rc) s->g->j->abort_rc = report_epoch(s->g->j, e);
    return CS_OK;
}

static int single_epoch(void *user, const struct cs_train_epoch *e)
{
    return report_epoch(user, e);
}

static void *shard_main(void *arg)
{
    struct shard *s = arg;
    s->rc = cs_train_text(s->rows, &s->g->j->feat, &s->opts, &s->model);
    return NULL;
}

static uint8_t *shard_mask(const struct cs_train_rows *rows, uint32_t k, uint32_t idx)
{
    uint8_t *m = malloc(rows->n ? rows->n : 1);
    size_t fit = 0;
    for (size_t i = 0; m && i < rows->n; i++) {
        bool is_fit = !rows->is_val[i];
        m[i] = is_fit && fit % k == idx;
        fit += is_fit;
    }
    return m;
}

/* Trains with k shards as threads (k == 1: plainly). *out is shard 0's model. */
static int train_shards(struct job *j, const struct cs_train_rows *rows, uint32_t k,
                        struct cs_train_model *out)
{
    if (k == 1) {
        struct cs_train_opts o = j->opts;
        o.on_epoch = single_epoch;
        o.user = j;
        return cs_train_text(rows, &j->feat, &o, out);
    }
    struct shard_group g = {.j = j,
                            .k = k,
                            .nw = ((size_t)1 << j->feat.hash_bits) * rows->n_classes,
                            .nc = rows->n_classes};
    struct shard *s = calloc(k, sizeof(*s));
    g.w = calloc(k, sizeof(float *));
    g.b = calloc(k, sizeof(float *));
    g.avg_w = malloc(g.nw * sizeof(float));
    g.avg_b = malloc(g.nc * sizeof(float));
    pthread_t *th = calloc(k, sizeof(pthread_t));
    int rc = s && g.w && g.b && g.avg_w && g.avg_b && th ? CS_OK : CS_ERR_NOMEM;
    if (!rc && pthread_barrier_init(&g.bar, NULL, k) != 0) rc = CS_ERR_NOMEM;
    uint32_t started = 0;
    for (uint32_t i = 0; !rc && i < k; i++) {
        s[i] = (struct shard){
            .g = &g, .idx = i, .rows = rows, .mask = shard_mask(rows, k, i), .opts = j->opts};
        if (!s[i].mask) break;
        s[i].opts.fit_mask = s[i].mask;
        s[i].opts.mix = shard_mix;
        s[i].opts.on_epoch = shard_epoch;
        s[i].opts.user = &s[i];
    }
    for (uint32_t i = 0; !rc && i < k; i++)
        if (!s[i].mask) rc = CS_ERR_NOMEM;
    /* All shards or none: a shard that never starts would hold the others at the barrier. */
    for (uint32_t i = 0; !rc && i < k; i++, started++)
        if (pthread_create(&th[i], NULL, shard_main, &s[i]) != 0) rc = CS_ERR_NOMEM;
    if (rc && started) {
        /* cannot happen once barrier waiters exist without deadlock; fail hard instead */
        abort();
    }
    for (uint32_t i = 0; i < started; i++) pthread_join(th[i], NULL);
    if (started) pthread_barrier_destroy(&g.bar);
    for (uint32_t i = 0; i < started; i++)
        if (!rc && s[i].rc) rc = s[i].rc;
    if (!rc && j->abort_rc) rc = j->abort_rc;
    for (uint32_t i = 0; s && i < k; i++) {
        if (i == 0 && !rc)
            *out = s[0].model;
        else
            cs_train_model_clean_up(&s[i].model);
        free(s[i].mask);
    }
    free(s);
    free(g.w);
    free(g.b);
    free(g.avg_w);
    free(g.avg_b);
    free(th);
    return rc;
}

/* ---- options ---- */

void cs_ml_default_opts(struct cs_train_opts *t)
{
    cs_train_opts_init(t);
    t->epochs = 24;
    t->lr = 1.0f;
    t->l2 = 2e-5f;
    t->seed = 42;
    t->balance_power = 0.3f;
    t->balanced = 1;
    t->average = 1;
    t->nb_power = 0.5f;
}

static void read_opts(struct job *j)
{
    json_object *o = NULL;
    json_object_object_get_ex(j->body, "options", &o);
    struct cs_train_opts *t = &j->opts, d;
    cs_ml_default_opts(&d);
    *t = d;
    t->epochs = (uint32_t)cs_json_get_int(o, "epochs", d.epochs);
    t->lr = (float)cs_json_get_double(o, "learning_rate", d.lr);
    t->l2 = (float)cs_json_get_double(o, "l2", d.l2);
    t->seed = (uint64_t)cs_json_get_int(o, "seed", (int64_t)d.seed);
    t->balance_power = (float)cs_json_get_double(o, "balance_power", d.balance_power);
    t->balanced = t->balance_power > 0;
    t->average = cs_json_get_bool(o, "average", d.average != 0);
    t->nb_power = (float)cs_json_get_double(o, "nb_power", d.nb_power);
    j->instances = (uint32_t)cs_json_get_int(j->body, "instance_count", 1);
}

/* Stored options are checked again: the document came back from the store. */
static const char *opts_bad(const struct job *j)
{
    const struct cs_train_opts *t = &j->opts;
    if (t->epochs < 1 || t->epochs > 200) return "epochs out of range";
    if (!(t->lr > 0 && t->lr <= 10)) return "learning_rate out of range";
    if (!(t->l2 >= 0 && t->l2 <= 1)) return "l2 out of range";
    if (!(t->balance_power >= 0 && t->balance_power <= 1)) return "balance_power out of range";
    if (!(t->nb_power >= 0 && t->nb_power <= 4)) return "nb_power out of range";
    if (j->instances < 1 || j->instances > CS_ML_MAX_INSTANCES)
        return "instance_count out of range";
    return NULL;
}

/* ---- outcome ---- */

struct finish_arg {
    const char *status;
    const char *error;
    json_object *metrics; /* taken */
    char at[32];
};

static int put_finish(json_object *body, void *arg)
{
    struct finish_arg *f = arg;
    const char *cur = cs_json_get_str(body, "status");
    if (cur && strcmp(cur, "CANCELLED") == 0) return CS_OK; /* a cancel stands */
    int rc = set_str(body, "status", f->status);
    if (!rc && f->error) rc = set_str(body, "error_message", f->error);
    if (!rc && f->metrics) json_object_object_add(body, "metrics", json_object_get(f->metrics));
    if (!rc) rc = set_str(body, "completed_at", f->at);
    if (!rc && strcmp(f->status, "COMPLETED") == 0)
        rc = set_str(body, "estimated_completion", f->at);
    return rc;
}

static int finish_job(struct job *j, const char *status, const char *error, json_object *metrics)
{
    struct finish_arg f = {.status = status, .error = error, .metrics = metrics};
    cs_ml_iso(j->cfg->now_ms(), f.at, sizeof(f.at));
    int rc = job_update(j->st, j->a, j->tenant, j->id, j->cfg->now_ms(), put_finish, &f);
    if (!rc) rc = release(j, true);
    return rc;
}

struct start_arg {
    int64_t attempts;
    char status[16]; /* as stored before this write (a copy: the write replaces it) */
};

static int put_start(json_object *body, void *arg)
{
    struct start_arg *s = arg;
    const char *st = cs_json_get_str(body, "status");
    snprintf(s->status, sizeof(s->status), "%s", st ? st : "");
    if (strcmp(s->status, "STARTING") != 0 && strcmp(s->status, "IN_PROGRESS") != 0) return CS_OK;
    json_object_object_add(body, "attempts", json_object_new_int64(s->attempts));
    return set_str(body, "status", "IN_PROGRESS");
}

/* ---- data ---- */

static int sha_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f) return CS_ERR_IO;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char buf[1 << 16], d[32];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) crypto_hash_sha256_update(&st, buf, n);
    int bad = ferror(f);
    fclose(f);
    crypto_hash_sha256_final(&st, d);
    sodium_bin2hex(hex, 65, d, 32);
    return bad ? CS_ERR_IO : CS_OK;
}

/* Loads training (and validation) rows; without a validation source every tenth row is
 * held out. On a data problem returns CS_ERR_VALIDATION with *why. */
static int load_rows(struct job *j, struct rows *r, json_object *lineage, const char **why)
{
    const char *uris[2] = {cs_json_get_str(j->body, "training_data_uri"),
                           cs_json_get_str(j->body, "validation_data_uri")};
    /* An s3:// source was imported as a dataset when the job was made. */
    const char *imported[2] = {cs_json_get_str(j->body, "training_dataset_id"),
                               cs_json_get_str(j->body, "validation_dataset_id")};
    for (int k = 0; k < 2; k++) {
        if (!uris[k]) continue;
        struct cs_ml_source src;
        const char *from = imported[k] ? imported[k] : uris[k];
        int rc = cs_ml_source_resolve(j->st, j->a, j->cfg->var_dir, j->tenant, from, &src, why);
        if (rc == CS_ERR_NOT_FOUND) rc = CS_ERR_VALIDATION;
        if (rc) return rc;
        struct row_sink sink = {.r = r, .part = k ? CS_TRAIN_ROW_VAL : CS_TRAIN_ROW_FIT};
        rc = cs_ml_source_read(j->a, &src, add_row, &sink, NULL, why);
        if (rc == CS_ERR_IO) *why = "data file unreadable";
        if (rc) return rc == CS_ERR_TOO_LARGE || rc == CS_ERR_IO ? CS_ERR_VALIDATION : rc;
        char hex[65];
        rc = sha_file(src.path, hex);
        if (rc) return rc;
        json_object_object_add(lineage, k ? "validation_data_sha256" : "training_data_sha256",
                               json_object_new_string(hex));
        if (imported[k])
            json_object_object_add(lineage, k ? "validation_dataset_id" : "training_dataset_id",
                                   json_object_new_string(imported[k]));
    }
    if (!uris[1])
        for (size_t i = 0; i < r->n; i++)
            r->is_val[i] = i % 10 == 9 ? CS_TRAIN_ROW_VAL : CS_TRAIN_ROW_FIT;
    return CS_OK;
}

/* Label indexes: the built-in model's label order when the task has fixed labels
 * (sentiment: every label must be one of its), else order of first appearance. */
static int index_labels(struct job *j, const struct rows *r, uint32_t *y, const char ***names,
                        uint32_t *nc, const char **why)
{
    const struct cs_model *bm = cs_models_get(j->cfg->builtin, j->task);
    bool fixed = strcmp(j->task, "sentiment") == 0 && bm;
    const char **nm = cs_arena_alloc(j->a, sizeof(char *) * CS_MODEL_MAX_CLASSES);
    if (!nm) return CS_ERR_NOMEM;
    uint32_t n = 0;
    if (fixed)
        for (; n < cs_model_n_classes(bm); n++) nm[n] = cs_model_label(bm, n);
    for (size_t i = 0; i < r->n; i++) {
        uint32_t k = 0;
        while (k < n && strcmp(nm[k], r->label[i]) != 0) k++;
        if (k == n) {
            if (fixed) {
                *why = cs_arena_printf(j->a,
                                       "label \"%.64s\" is not one of the sentiment model's "
                                       "(negative, neutral, positive)",
                                       r->label[i]);
                return CS_ERR_VALIDATION;
            }
            if (r->is_val[i] == CS_TRAIN_ROW_VAL && r->label[i]) {
                /* validation labels must have been trained on */
                bool in_fit = false;
                for (size_t q = 0; q < r->n && !in_fit; q++)
                    in_fit =
                        r->is_val[q] != CS_TRAIN_ROW_VAL && strcmp(r->label[q], r->label[i]) == 0;
                if (!in_fit) {
                    *why = cs_arena_printf(j->a,
                                           "validation label \"%.64s\" is not in the training data",
                                           r->label[i]);
                    return CS_ERR_VALIDATION;
                }
            }
            if (n == CS_MODEL_MAX_CLASSES) {
                *why = "too many labels";
                return CS_ERR_VALIDATION;
            }
            nm[n++] = r->label[i];
        }
        y[i] = k;
    }
    if (n < 2) {
        *why = "fewer than two labels";
        return CS_ERR_VALIDATION;
    }
    *names = nm;
    *nc = n;
    return CS_OK;
}

/* The built-in model's accuracy on the same validation rows: what a deployment of this
 * model would replace for a tenant that has none yet. -1 when it cannot say. */
static double baseline_accuracy(struct job *j, const struct rows *r, const uint32_t *y,
                                const char **names)
{
    const struct cs_model *bm = cs_models_get(j->cfg->builtin, j->task);
    if (!bm) return -1;
    size_t ok = 0, n = 0;
    struct cs_model_pred p;
    for (size_t i = 0; i < r->n; i++) {
        if (r->is_val[i] != CS_TRAIN_ROW_VAL) continue;
        if (cs_model_predict_text(bm, r->text[i], r->len[i], cs_models_scratch(), &p) != CS_OK)
            return -1;
        const char *got = cs_model_label(bm, p.top);
        ok += got && strcmp(got, names[y[i]]) == 0;
        n++;
    }
    return n ? (double)ok / (double)n : -1;
}

static int write_model(struct job *j, const struct cs_train_model *tm, const char **names,
                       uint32_t nc, json_object *lineage)
{
    struct cs_model_spec spec;
    memset(&spec, 0, sizeof(spec));
    cs_train_model_spec(tm, &spec);
    spec.name = j->task;
    spec.labels = names;
    spec.n_classes = nc;
    spec.feat = j->feat;
    spec.metadata_json = json_object_to_json_string_ext(lineage, JSON_C_TO_STRING_PLAIN);
    char *path = cs_arena_printf(j->a, "%s/model.csm", j->out_dir);
    char *meta = cs_arena_printf(j->a, "%s/model.json", j->out_dir);
    if (!path || !meta) return CS_ERR_NOMEM;
    int rc = cs_model_write(&spec, path);
    if (!rc && json_object_to_file_ext(meta, lineage, JSON_C_TO_STRING_PRETTY) != 0) rc = CS_ERR_IO;
    if (rc) return CS_ERR_VALIDATION; /* the files could not be written: the job FAILS */
    /* The model's bytes in the store: a function on any instance serves it from there.
     * A store error here is passed on as one: the job is not FAILED for it, the lease
     * lapses and a later attempt resumes from the last checkpoint. */
    char *blob = cs_ml_blob_name(j->a, "model", j->id);
    rc = blob ? cs_ml_blob_put_file(j->st, j->a, j->tenant, blob, path, j->cfg->now_ms(), NULL)
              : CS_ERR_NOMEM;
    /* too large for a blob, or the file just written unreadable: no retry mends that */
    return rc == CS_ERR_TOO_LARGE || rc == CS_ERR_IO ? CS_ERR_VALIDATION : rc;
}

/* Every option the trainer ran with, defaults included (lineage). */
static json_object *effective_opts(const struct cs_train_opts *t)
{
    struct cs_jb o;
    cs_jb_init(&o, json_object_new_object());
    cs_jb_int(&o, "epochs", t->epochs);
    cs_jb_double(&o, "learning_rate", t->lr, 8);
    cs_jb_double(&o, "l2", t->l2, 10);
    cs_jb_int(&o, "seed", (int64_t)t->seed);
    cs_jb_double(&o, "balance_power", t->balance_power, 6);
    cs_jb_double(&o, "nb_power", t->nb_power, 6);
    cs_jb_bool(&o, "average", t->average != 0);
    if (cs_jb_done(&o) == CS_OK) return o.obj;
    json_object_put(o.obj);
    return NULL;
}

static json_object *metrics_of(const struct cs_train_model *m, double baseline, double single)
{
    struct cs_jb o;
    cs_jb_init(&o, json_object_new_object());
    cs_jb_double(&o, "train_accuracy", m->train_acc, 4);
    cs_jb_double(&o, "validation_accuracy", m->val_acc, 4);
    cs_jb_int(&o, "train_rows", (int64_t)m->n_train);
    cs_jb_int(&o, "validation_rows", (int64_t)m->n_val);
    if (baseline >= 0) cs_jb_double(&o, "builtin_validation_accuracy", baseline, 4);
    if (single >= 0) cs_jb_double(&o, "single_shard_validation_accuracy", single, 4);
    if (cs_jb_done(&o) == CS_OK) return o.obj;
    json_object_put(o.obj);
    return NULL;
}

static int publish(struct job *j, json_object *metrics)
{
    /* Renewed just before: nobody else can hold the job while we publish. */
    int rc = renew(j);
    if (rc) return rc == CS_ERR_CONFLICT ? CS_ML_LOST : rc;
    json_object *m = cs_json_object(j->a);
    if (!m) return CS_ERR_NOMEM;
    char iso[32];
    cs_ml_iso(j->cfg->now_ms(), iso, sizeof(iso));
    json_object_object_add(m, "task", json_object_new_string(j->task));
    json_object_object_add(m, "job_id", json_object_new_string(j->id));
    json_object *v;
    if (json_object_object_get_ex(j->body, "model_output_uri", &v))
        json_object_object_add(m, "model_output_uri", json_object_get(v));
    json_object_object_add(m, "metrics", json_object_get(metrics));
    json_object_object_add(m, "created_at", json_object_new_string(iso));
    /* The model blob's sum: a serving instance that fetched it once opens its copy
     * without another store read (cs_ml_blob_cached). */
    struct cs_ml_blob_head h;
    char *blob = cs_ml_blob_name(j->a, "model", j->id);
    rc = blob ? cs_ml_blob_head_get(j->st, j->a, j->tenant, blob, &h) : CS_ERR_NOMEM;
    if (rc) return rc;
    json_object_object_add(m, "model_blake2b", json_object_new_string(h.hex));
    rc = cs_store_insert(j->st, j->a, j->tenant, CS_ML_MODELS, j->id, m, NULL, j->cfg->now_ms(),
                         NULL);
    if (rc == CS_ERR_EXISTS) rc = CS_OK; /* published by our own earlier attempt */
    if (!rc) rc = finish_job(j, "COMPLETED", NULL, metrics);
    return rc;
}

/* ---- outputs in S3 ----
 * A job made under CS_ML_OUTPUT_URI has model_output_uri "s3://bucket/prefix/<tenant>/
 * <job_id>/" and logs_uri the same plus "logs/" (functions/ai-training): model.csm (the
 * bytes the store's blob serves), model.json (lineage: metrics, the data's SHA-256,
 * every trainer option) and train.log go there before the job is published COMPLETED.
 * A failed upload is not the job's failure: the run ends with CS_ERR_UPSTREAM (or
 * CS_ERR_TIMEOUT), the lease lapses and a later attempt uploads again (a PUT of the same
 * key replaces it). The S3 settings are the source reader's (cs_s3_cfg_load). */

static const char *env_get(const char *name) { return getenv(name); }

/* The key prefix of `uri` when it is this job's own, "<...>/<tenant>/<job_id>/<tail>";
 * NULL otherwise (keys are tenant-scoped: a stored URI naming another place is refused). */
static char *own_prefix(struct job *j, const char *uri, const char *tail, char bucket[64])
{
    char key[CS_S3_MAX_KEY + 1];
    if (!uri || !cs_s3_uri_split(uri, bucket, key)) return NULL;
    char *own = cs_arena_printf(j->a, "%s/%s/%s", j->tenant, j->id, tail);
    size_t kn = strlen(key), on = own ? strlen(own) : 0;
    if (!own || kn < on || strcmp(key + kn - on, own) != 0 || (kn > on && key[kn - on - 1] != '/'))
        return NULL;
    return cs_arena_strdup(j->a, key);
}

static int put_output(struct job *j, const struct cs_s3_cfg *cfg, const char *bucket,
                      const char *prefix, const char *name, const char *type)
{
    char *key = cs_arena_printf(j->a, "%s%s", prefix, name);
    char *path = cs_arena_printf(j->a, "%s/%s", j->out_dir, name);
    if (!key || !path) return CS_ERR_NOMEM;
    struct cs_s3_status st;
    int rc = cs_s3_put_file(cfg, bucket, key, type, path, &st);
    if (rc) {
        char http[24];
        snprintf(http, sizeof(http), "%ld", st.http);
        cs_log(CS_LOG_ERROR, "training output not uploaded to S3", "tenant", j->tenant, "job_id",
               j->id, "object", name, "http_status", http, "s3_code", st.code, "error",
               cs_error_message(rc), NULL);
    }
    return rc;
}

/* Uploads the job's files when its outputs are in S3. CS_ERR_VALIDATION (with *why)
 * when the stored URIs are not this job's; else CS_OK or a transient error. */
static int upload_outputs(struct job *j, const char **why)
{
    const char *mo = cs_json_get_str(j->body, "model_output_uri");
    if (!mo || strncmp(mo, "s3://", 5) != 0) return CS_OK; /* file://: they stay in out_dir */
    char bucket[64], log_bucket[64];
    char *prefix = own_prefix(j, mo, "", bucket);
    char *log_prefix = own_prefix(j, cs_json_get_str(j->body, "logs_uri"), "logs/", log_bucket);
    if (!prefix || !log_prefix) {
        *why = "the job's model_output_uri or logs_uri is not its own S3 location";
        return CS_ERR_VALIDATION;
    }
    struct cs_s3_cfg cfg;
    const char *bad;
    int rc = cs_s3_cfg_load(&cfg, env_get, &bad);
    if (rc) cs_log(CS_LOG_ERROR, "invalid S3 configuration", "variable", bad, NULL);
    if (!rc) rc = put_output(j, &cfg, bucket, prefix, "model.csm", "application/octet-stream");
    if (!rc) rc = put_output(j, &cfg, bucket, prefix, "model.json", "application/json");
    /* Steps of the state machine keep no log file (their progress is in the job): an
     * instance that has none uploads none. */
    char *log = cs_arena_printf(j->a, "%s/train.log", j->out_dir);
    if (!rc && !log) rc = CS_ERR_NOMEM;
    if (!rc && access(log, F_OK) == 0)
        rc = put_output(j, &cfg, log_bucket, log_prefix, "train.log", "application/x-ndjson");
    if (rc == CS_OK || rc == CS_ERR_TIMEOUT) return rc;
    return CS_ERR_UPSTREAM;
}

/* What a checkpoint must match: the data (checksums), every option, the shards and
 * the model's shape and labels. */
static void fingerprint(struct job *j, json_object *lineage, const char **names)
{
    json_object *o = json_object_new_object(), *v;
    static const char *const keys[] = {"training_data_sha256", "validation_data_sha256"};
    for (size_t i = 0; o && i < 2; i++)
        if (json_object_object_get_ex(lineage, keys[i], &v))
            json_object_object_add(o, keys[i], json_object_get(v));
    json_object *labels = json_object_new_array();
    for (uint32_t k = 0; labels && k < j->nc; k++)
        json_object_array_add(labels, json_object_new_string(names[k]));
    if (o) {
        json_object_object_add(o, "options", effective_opts(&j->opts));
        json_object_object_add(o, "instances", json_object_new_int64(j->instances));
        json_object_object_add(o, "features", json_object_new_int64(j->nf));
        json_object_object_add(o, "labels", labels);
        json_object_object_add(o, "task", json_object_new_string(j->task));
    } else {
        json_object_put(labels);
    }
    const char *txt = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "";
    crypto_hash_sha256(j->fp, (const unsigned char *)txt, strlen(txt));
    json_object_put(o);
}

static int put_resumed(json_object *body, void *arg)
{
    json_object_object_add(body, "resumed_from_epoch",
                           json_object_new_int64(*(const uint32_t *)arg));
    return CS_OK;
}

/* What every way of training a job reads first: its options, rows, labels and
 * fingerprint. */
struct prep {
    struct rows r;
    uint32_t *y;
    const char **names;
    uint32_t nc;
    struct cs_train_rows rows;
    json_object *lineage;
    const char *why; /* with CS_ERR_VALIDATION: what is wrong with the job's data */
};

static void prep_free(struct prep *p)
{
    json_object_put(p->lineage);
    free(p->y);
    rows_free(&p->r);
    memset(p, 0, sizeof(*p));
}

static int job_prepare(struct job *j, struct prep *p)
{
    memset(p, 0, sizeof(*p));
    if (!(p->lineage = json_object_new_object())) return CS_ERR_NOMEM;
    j->task = cs_json_get_str(j->body, "base_model");
    read_opts(j);
    const struct cs_model *bm = j->task ? cs_models_get(j->cfg->builtin, j->task) : NULL;
    int rc = CS_OK;
    if (!j->task || !cs_ml_task_trainable(j->task) || !bm)
        p->why = "base_model is not a trainable task", rc = CS_ERR_VALIDATION;
    if (!rc && (p->why = opts_bad(j)) != NULL) rc = CS_ERR_VALIDATION;
    if (!rc) {
        j->feat = *cs_model_textfeat(bm);
        rc = cs_ml_dir(j->a, j->cfg->var_dir, j->tenant, "models", true, (char **)&j->out_dir);
        if (!rc) j->out_dir = cs_arena_printf(j->a, "%s/%s", j->out_dir, j->id);
        if (!rc && (!j->out_dir || (mkdir(j->out_dir, 0700) != 0 && errno != EEXIST)))
            rc = CS_ERR_IO;
    }
    if (!rc) rc = load_rows(j, &p->r, p->lineage, &p->why);
    if (!rc) rc = (p->y = malloc(sizeof(uint32_t) * (p->r.n ? p->r.n : 1))) ? CS_OK : CS_ERR_NOMEM;
    if (!rc) rc = index_labels(j, &p->r, p->y, &p->names, &p->nc, &p->why);
    p->rows = (struct cs_train_rows){.n = p->r.n,
                                     .n_classes = p->nc,
                                     .label = p->y,
                                     .is_val = p->r.is_val,
                                     .text = (const char *const *)p->r.text,
                                     .len = p->r.len};
    j->total_rows_fit = 0;
    for (size_t i = 0; i < p->r.n; i++) j->total_rows_fit += !p->r.is_val[i];
    if (!rc && j->total_rows_fit == 0) p->why = "no training rows", rc = CS_ERR_VALIDATION;
    if (!rc) {
        j->nf = (uint32_t)1 << j->feat.hash_bits;
        j->nc = p->nc;
        fingerprint(j, p->lineage, p->names);
    }
    return rc;
}

/* After training (rc its outcome; tm the model): the single-shard comparison, the
 * model files, then COMPLETED (published), FAILED, or the lease given back. Returns an
 * internal stop reason, a store error or CS_OK. */
static int job_conclude(struct job *j, struct prep *p, int rc, struct cs_train_model *tm)
{
    const char *why = p->why;
    json_object *metrics = NULL;
    double single = -1;
    if (!rc && j->instances > 1) {
        /* What one shard alone reaches on the same validation rows, for the report. */
        struct cs_train_model one;
        struct cs_train_opts o = j->opts;
        o.resume = NULL;
        o.fit_mask = shard_mask(&p->rows, j->instances, 0);
        rc = o.fit_mask ? cs_train_text(&p->rows, &j->feat, &o, &one) : CS_ERR_NOMEM;
        if (!rc) single = one.val_acc;
        cs_train_model_clean_up(&one);
        free((void *)o.fit_mask);
    }
    json_object *lineage = p->lineage;
    if (!rc) {
        metrics = metrics_of(tm, baseline_accuracy(j, &p->r, p->y, p->names), single);
        json_object_object_add(lineage, "task", json_object_new_string(j->task));
        json_object_object_add(lineage, "job_id", json_object_new_string(j->id));
        json_object_object_add(
            lineage, "training_data_uri",
            json_object_new_string(cs_json_get_str(j->body, "training_data_uri")));
        const char *vu = cs_json_get_str(j->body, "validation_data_uri");
        json_object_object_add(lineage, "validation_data_uri",
                               vu ? json_object_new_string(vu) : NULL);
        json_object_object_add(lineage, "options", effective_opts(&j->opts));
        json_object_object_add(lineage, "instance_count", json_object_new_int64(j->instances));
        json_object_object_add(lineage, "metrics", json_object_get(metrics));
        json_object_object_add(
            lineage, "trainer",
            json_object_new_string(
                "cs_train_text (multinomial logistic regression, SGD; tools/lib/src/train.c)"));
        rc = write_model(j, tm, p->names, p->nc, lineage);
        if (rc == CS_ERR_VALIDATION) why = "could not write the model files";
    }
    if (j->log) fclose(j->log);
    j->log = NULL;
    if (!rc) rc = upload_outputs(j, &why);
    if (!rc) {
        rc = publish(j, metrics);
        if (!rc) ckpt_drop_all(j); /* the model is out: nothing left to resume */
    } else if (rc == CS_ERR_VALIDATION || rc == CS_ERR_INVALID || rc == CS_ERR_NOMEM) {
        rc = finish_job(j, "FAILED", why ? why : cs_error_message(rc), NULL);
    } else if (rc == CS_ML_CANCELLED) {
        rc = release(j, true);
    }
    json_object_put(metrics);
    return rc;
}

static void open_log(struct job *j)
{
    char *lp = cs_arena_printf(j->a, "%s/train.log", j->out_dir);
    j->log = lp ? fopen(lp, j->resumed_from ? "a" : "w") : NULL;
    if (j->log && j->resumed_from)
        fprintf(j->log, "{\"resumed_after_epoch\":%u,\"attempt\":%lld}\n", j->resumed_from,
                (long long)j->item.attempts);
}

/* The latest mixed checkpoint, when sound (else the job starts over), and
 * resumed_from_epoch in the job. */
static int find_resume(struct job *j, struct ckpt *c)
{
    memset(c, 0, sizeof(*c));
    uint32_t e;
    int rc = ckpt_latest_epoch(j, &e);
    if (!rc && e) {
        rc = ckpt_load(j, CKPT_MIXED, e, c);
        if (rc == CS_ERR_NOT_FOUND) rc = CS_OK;
    }
    j->resumed_from = c->buf ? c->s.epoch : 0;
    if (!rc)
        rc = job_update(j->st, j->a, j->tenant, j->id, j->cfg->now_ms(), put_resumed,
                        &j->resumed_from);
    return rc;
}

/* Runs a claimed job; returns an internal stop reason, a store error or CS_OK. */
static int run_job(struct job *j)
{
    struct prep p;
    struct cs_train_model tm = {0};
    struct ckpt c = {0};
    int rc = job_prepare(j, &p);
    if (!rc) rc = find_resume(j, &c);
    if (!rc) {
        if (c.buf) j->opts.resume = &c.s;
        open_log(j);
        j->started_ms = j->cfg->now_ms();
        rc = train_shards(j, &p.rows, j->instances, &tm);
    }
    j->opts.resume = NULL;
    free(c.buf);
    rc = job_conclude(j, &p, rc, &tm);
    cs_train_model_clean_up(&tm);
    prep_free(&p);
    return rc;
}

/* ---- jobs queued before the outbox queue ----
 * Until the CS_ML_TOPIC queue, a job was queued by a document of the system tenant's
 * "ml_training_queue" collection, id "<tenant>/<job_id>", {"tenant","job_id","state":
 * "open","lease_until","attempts"}. Before it claims, a worker moves every open one
 * whose lease has lapsed onto its tenant's queue: the item is staged in the same write
 * that marks the old document "migrated" (version-checked), so a job is queued once
 * whichever worker gets there first. One held by an old worker's live lease waits for
 * the lease to lapse. The look costs one query on a collection that is empty once the
 * old jobs are moved, so every claim makes it (no per-process flag to go stale). */
#define CS_ML_OLD_QUEUE "ml_training_queue"

static int migrate_one(struct cs_store *st, struct cs_arena *a, struct cs_doc *d, int64_t now)
{
    const char *tenant = cs_json_get_str(d->body, "tenant");
    const char *id = cs_json_get_str(d->body, "job_id");
    bool ok = tenant && id && cs_tenant_valid(tenant) && *id && strlen(id) <= 64; /* input */
    struct cs_jb item;
    cs_jb_init(&item, cs_json_object(a));
    cs_jb_str(&item, "job_id", id);
    int rc = ok ? cs_jb_done(&item) : CS_OK;
    if (!rc && ok) rc = cs_store_stage(st, tenant, CS_ML_TOPIC, "training_job", item.obj);
    if (!rc) rc = set_str(d->body, "state", ok ? "migrated" : "invalid");
    if (!rc)
        rc = cs_store_update(st, a, CS_SYSTEM_TENANT, CS_ML_OLD_QUEUE, d->id, d->version, d->body,
                             NULL, now, NULL);
    if (rc) cs_store_unstage(st);
    return rc == CS_ERR_CONFLICT || rc == CS_ERR_NOT_FOUND ? CS_OK : rc; /* another did it */
}

static int migrate_old_queue(struct cs_store *st, struct cs_arena *a,
                             const struct cs_ml_worker_cfg *cfg)
{
    int64_t now = cfg->now_ms();
    struct cs_query q = {.sort = "_created", .limit = CLAIM_BATCH};
    int rc = cs_query_where(&q, "state", CS_OP_EQ, cs_val_str("open"));
    struct cs_doc_list l;
    if (!rc) rc = cs_store_find(st, a, CS_SYSTEM_TENANT, CS_ML_OLD_QUEUE, &q, &l);
    if (rc) return rc;
    for (size_t i = 0; !rc && i < l.n; i++)
        if (cs_json_get_int(l.docs[i].body, "lease_until", 0) < now)
            rc = migrate_one(st, a, &l.docs[i], now);
    return rc;
}

/* ---- claiming ---- */

/* The item's payload names the job; it is checked like input (it came from the store). */
static int claim(struct cs_store *st, struct cs_arena *a, const struct cs_ml_worker_cfg *cfg,
                 struct job *j)
{
    for (;;) {
        struct cs_outbox_item *items;
        size_t n = 0;
        int64_t now = cfg->now_ms();
        int rc = cs_store_outbox_claim_topic(st, a, CS_ML_TOPIC, now, cfg->lease_ms, 1, &items, &n);
        if (rc) return rc;
        if (n == 0) return CS_ERR_NOT_FOUND;
        const char *id = cs_json_get_str(items[0].payload, "job_id");
        if (id && strlen(id) <= 64 && cs_tenant_valid(items[0].tenant)) {
            j->item = items[0];
            j->tenant = items[0].tenant;
            j->id = id;
            return CS_OK;
        }
        rc = cs_store_outbox_settle(st, &items[0], CS_OUTBOX_DEAD, now, now);
        if (rc && rc != CS_ERR_CONFLICT) return rc;
    }
}

int cs_ml_worker_run_one(struct cs_store *st, struct cs_arena *a,
                         const struct cs_ml_worker_cfg *cfg, bool *ran)
{
    *ran = false;
    struct job j = {.st = st, .a = a, .cfg = cfg};
    int rc = migrate_old_queue(st, a, cfg);
    if (!rc) rc = claim(st, a, cfg, &j);
    if (rc == CS_ERR_NOT_FOUND) return CS_OK;
    if (rc) return rc;
    *ran = true;
    struct start_arg s = {.attempts = j.item.attempts};
    rc = job_update(st, a, j.tenant, j.id, cfg->now_ms(), put_start, &s);
    if (rc == CS_ERR_NOT_FOUND ||
        (!rc && strcmp(s.status, "STARTING") != 0 && strcmp(s.status, "IN_PROGRESS") != 0))
        return release(&j, true); /* cancelled before it ran, ended, or gone */
    if (rc) return rc;
    struct cs_doc d;
    rc = cs_store_get(st, a, j.tenant, CS_ML_JOBS, j.id, &d);
    if (rc) return rc;
    j.body = d.body;
    if (cfg->start_steps && cs_json_get_int(j.body, "instance_count", 1) > 1) {
        /* AWS: the state machine trains it; its steps renew this lease. A start that
         * fails gives the job back for the next run to try again. */
        const char *in = cs_ml_step_input(a, &j.item, j.id, cfg->now_ms());
        char *name = cs_arena_printf(a, "%s-%lld", j.id, (long long)j.item.attempts);
        rc = in && name ? cfg->start_steps(cfg->steps_user, name, in) : CS_ERR_NOMEM;
        return rc ? release(&j, false) : CS_OK;
    }
    rc = run_job(&j);
    if (rc == CS_ML_STOPPED) return release(&j, false); /* the next worker resumes at once */
    if (rc == CS_ML_LOST) return CS_OK;                 /* someone else has it now */
    return rc == CS_ML_CANCELLED ? CS_OK : rc;
}

/* ---- Step Functions steps (cs/ml_worker.h) ---- */

#define CS_ML_SHARD_DONE 1003 /* internal: the shard's one epoch is kept */
#define CS_ML_STEP_GONE 1004  /* internal: a step input is not in the store */

static bool get_u32(json_object *o, const char *k, uint32_t max, uint32_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
        return false;
    int64_t n = json_object_get_int64(v);
    if (n < 0 || n > max) return false;
    *out = (uint32_t)n;
    return true;
}

int cs_ml_step_parse(json_object *ev, struct cs_ml_step *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    static const char *const names[] = {"start", "train_shard", "mix", "finish"};
    const char *act = cs_json_get_str(ev, "action");
    size_t i = 0;
    while (act && i < 4 && strcmp(act, names[i]) != 0) i++;
    if (!act || i == 4)
        return *why = "action must be start, train_shard, mix or finish", CS_ERR_VALIDATION;
    out->action = (enum cs_ml_step_action)i;
    out->tenant = cs_json_get_str(ev, "tenant");
    out->job_id = cs_json_get_str(ev, "job_id");
    if (!out->tenant || !cs_tenant_valid(out->tenant) || !out->job_id || !*out->job_id ||
        strlen(out->job_id) > 64)
        return *why = "tenant and job_id are required", CS_ERR_VALIDATION;
    json_object *lease = NULL;
    json_object_object_get_ex(ev, "lease", &lease);
    out->lease_item = cs_json_get_str(lease, "id");
    out->lease_id = cs_json_get_int(lease, "lease_id", -1);
    out->attempts = cs_json_get_int(lease, "attempts", 0);
    out->started_ms = cs_json_get_int(ev, "started_ms", 0);
    if (!out->lease_item || !*out->lease_item || out->lease_id < 0 || out->started_ms < 0)
        return *why = "lease {id, lease_id} is required", CS_ERR_VALIDATION;
    if ((out->action == CS_ML_STEP_TRAIN_SHARD &&
         !get_u32(ev, "shard", CS_ML_MAX_INSTANCES - 1, &out->shard)) ||
        ((out->action == CS_ML_STEP_TRAIN_SHARD || out->action == CS_ML_STEP_MIX) &&
         (!get_u32(ev, "epoch", 200, &out->epoch) || out->epoch < 1)))
        return *why = "shard (0..7) and epoch (1..200) are required", CS_ERR_VALIDATION;
    return CS_OK;
}

const char *cs_ml_step_input(struct cs_arena *a, const struct cs_outbox_item *item,
                             const char *job_id, int64_t started_ms)
{
    struct cs_jb b, l;
    cs_jb_init(&b, cs_json_object(a));
    cs_jb_str(&b, "tenant", item->tenant);
    cs_jb_str(&b, "job_id", job_id);
    cs_jb_init(&l, json_object_new_object());
    cs_jb_str(&l, "id", item->id);
    cs_jb_int(&l, "lease_id", item->lease_id);
    cs_jb_int(&l, "attempts", item->attempts);
    cs_jb_nest(&b, "lease", &l);
    cs_jb_int(&b, "started_ms", started_ms);
    if (cs_jb_done(&b)) return NULL;
    return json_object_to_json_string_ext(b.obj, JSON_C_TO_STRING_PLAIN);
}

/* One shard's epoch: the trainer runs it from the mixed state before and stops. */
struct shard_take {
    struct job *j;
    uint32_t shard;
    int rc;
};

static int shard_take_epoch(void *user, const struct cs_train_epoch *e)
{
    struct shard_take *t = user;
    /* e->state.weights are this shard's own (nothing mixed them): what the mix averages */
    struct cs_train_state s = {
        .epoch = e->epoch, .weights = e->state.weights, .bias = e->state.bias};
    t->rc = ckpt_save(t->j, t->shard, &s, e->train_loss);
    return t->rc ? t->rc : CS_ML_SHARD_DONE;
}

/* The mixed state of epoch - 1 (none before the first epoch). */
static int prev_mixed(struct job *j, uint32_t epoch, struct ckpt *c)
{
    memset(c, 0, sizeof(*c));
    if (epoch == 1) return CS_OK;
    int rc = ckpt_load(j, CKPT_MIXED, epoch - 1, c);
    return rc == CS_ERR_NOT_FOUND ? CS_ML_STEP_GONE : rc;
}

static int step_train_shard(struct job *j, struct prep *p, uint32_t shard, uint32_t epoch)
{
    if (shard >= j->instances || epoch > j->opts.epochs) return CS_ERR_VALIDATION;
    struct ckpt c;
    int rc = prev_mixed(j, epoch, &c);
    uint8_t *mask = rc ? NULL : shard_mask(&p->rows, j->instances, shard);
    if (!rc && !mask) rc = CS_ERR_NOMEM;
    struct shard_take t = {.j = j, .shard = shard};
    if (!rc) {
        struct cs_train_opts o = j->opts;
        o.resume = c.buf ? &c.s : NULL;
        o.fit_mask = mask;
        o.on_epoch = shard_take_epoch;
        o.user = &t;
        struct cs_train_model m;
        rc = cs_train_text(&p->rows, &j->feat, &o, &m);
        cs_train_model_clean_up(&m);
        if (rc == CS_ML_SHARD_DONE)
            rc = CS_OK;
        else if (!rc)
            rc = CS_ERR_INTERNAL; /* the hook always stops it */
    }
    free(mask);
    free(c.buf);
    return rc;
}

/* The mix: every shard's weights averaged exactly as the threaded path's shard_mix
 * (double sums in shard order), then handed to the trainer for the epoch's end, which
 * does the rest as it does there (the averaging sums, the validation figures). It runs
 * with no row to fit, so it only extracts features and measures. */
struct mix_take {
    struct job *j;
    const float *w, *b;
    size_t nw;
    double train_loss; /* shard 0's, as the threaded path reports */
    int rc;
};

static int mix_put(void *user, uint32_t epoch, float *w, float *b)
{
    struct mix_take *m = user;
    (void)epoch;
    memcpy(w, m->w, m->nw * sizeof(float));
    memcpy(b, m->b, m->j->nc * sizeof(float));
    return CS_OK;
}

static int mix_report(void *user, const struct cs_train_epoch *e)
{
    struct mix_take *m = user;
    struct cs_train_epoch r = *e;
    r.train_loss = m->train_loss;
    m->rc = report_epoch(m->j, &r);
    return m->rc ? m->rc : CS_ML_SHARD_DONE;
}

static int average_shards(struct job *j, uint32_t epoch, float *w, float *b, double *loss0)
{
    size_t nw = (size_t)j->nf * j->nc;
    struct ckpt c[CS_ML_MAX_INSTANCES] = {0};
    uint32_t k = 0;
    int rc = CS_OK;
    for (; !rc && k < j->instances; k++) {
        rc = ckpt_load(j, k, epoch, &c[k]);
        if (rc == CS_ERR_NOT_FOUND) rc = CS_ML_STEP_GONE;
        if (rc) break;
    }
    if (!rc) {
        for (size_t i = 0; i < nw; i++) {
            double sum = 0;
            for (uint32_t q = 0; q < j->instances; q++) sum += c[q].s.weights[i];
            w[i] = (float)(sum / j->instances);
        }
        for (uint32_t cl = 0; cl < j->nc; cl++) {
            double sum = 0;
            for (uint32_t q = 0; q < j->instances; q++) sum += c[q].s.bias[cl];
            b[cl] = (float)(sum / j->instances);
        }
        *loss0 = c[0].train_loss;
    }
    for (uint32_t q = 0; q < k; q++) free(c[q].buf);
    return rc;
}

static int step_mix(struct job *j, struct prep *p, uint32_t epoch)
{
    if (epoch > j->opts.epochs) return CS_ERR_VALIDATION;
    size_t nw = (size_t)j->nf * j->nc;
    float *w = malloc(nw * sizeof(float)), *b = malloc(j->nc * sizeof(float));
    uint8_t *none = calloc(p->rows.n ? p->rows.n : 1, 1);
    struct mix_take m = {.j = j, .w = w, .b = b, .nw = nw};
    int rc = w && b && none ? CS_OK : CS_ERR_NOMEM;
    if (!rc) rc = average_shards(j, epoch, w, b, &m.train_loss);
    struct ckpt c = {0};
    if (!rc) rc = prev_mixed(j, epoch, &c);
    if (!rc) {
        struct cs_train_opts o = j->opts;
        o.resume = c.buf ? &c.s : NULL;
        o.fit_mask = none;
        o.mix = mix_put;
        o.on_epoch = mix_report;
        o.user = &m;
        /* the estimate's rate: this execution's epochs since it started (start recorded
         * where it resumed) */
        int64_t from = cs_json_get_int(j->body, "resumed_from_epoch", 0);
        j->resumed_from = from >= 0 && from < (int64_t)epoch ? (uint32_t)from : epoch - 1;
        struct cs_train_model tm;
        rc = cs_train_text(&p->rows, &j->feat, &o, &tm);
        cs_train_model_clean_up(&tm);
        if (rc == CS_ML_SHARD_DONE)
            rc = CS_OK;
        else if (!rc)
            rc = CS_ERR_INTERNAL;
    }
    for (uint32_t k = 0; !rc && k < j->instances; k++) /* mixed: no retry needs them */
        blob_forget(j, ckpt_name(j, k, epoch));
    free(c.buf);
    free(w);
    free(b);
    free(none);
    return rc;
}

static int step_finish(struct job *j, struct prep *p)
{
    struct ckpt c;
    int rc = ckpt_load(j, CKPT_MIXED, j->opts.epochs, &c);
    if (rc == CS_ERR_NOT_FOUND) rc = CS_ML_STEP_GONE;
    if (rc) return rc;
    struct cs_train_model tm = {0};
    /* Resumed at the last epoch, the trainer runs no epoch and ends the fit as shard 0
     * of the threaded path does (averaging, calibration, figures). */
    uint8_t *mask = shard_mask(&p->rows, j->instances, 0);
    struct cs_train_opts o = j->opts;
    o.resume = &c.s;
    o.fit_mask = mask;
    rc = mask ? cs_train_text(&p->rows, &j->feat, &o, &tm) : CS_ERR_NOMEM;
    free(mask);
    free(c.buf);
    rc = job_conclude(j, p, rc, &tm);
    cs_train_model_clean_up(&tm);
    return rc;
}

/* What the state machine's next Map reads: the epoch, its shards, whether it is over. */
static void put_epoch(struct cs_jb *b, const struct job *j, uint32_t epoch, bool done)
{
    json_object *shards = json_object_new_array();
    for (uint32_t k = 0; shards && k < j->instances; k++)
        json_object_array_add(shards, json_object_new_int64(k));
    cs_jb_int(b, "epoch", epoch);
    cs_jb_int(b, "epochs", j->opts.epochs);
    cs_jb_add(b, "shards", shards);
    cs_jb_bool(b, "done", done);
}

/* start: checks the job and its data (a job that cannot train ends FAILED here), and
 * says where the epochs begin: after the latest mixed checkpoint, if any. */
static int step_start(struct job *j, struct prep *p, json_object *out)
{
    struct ckpt c;
    int rc = find_resume(j, &c);
    free(c.buf);
    if (rc) return rc;
    struct cs_jb b;
    cs_jb_init(&b, out);
    put_epoch(&b, j, j->resumed_from + 1, j->resumed_from >= j->opts.epochs);
    (void)p;
    return cs_jb_done(&b);
}

static const char *status_of(struct job *j)
{
    struct cs_doc d;
    if (cs_store_get(j->st, j->a, j->tenant, CS_ML_JOBS, j->id, &d) != CS_OK) return NULL;
    j->body = d.body;
    return cs_json_get_str(d.body, "status");
}

static const char *step_error(int rc)
{
    return rc == CS_ML_LOST || rc == CS_ERR_CONFLICT ? "LeaseLost"
           : rc == CS_ML_STEP_GONE                   ? "StepInputMissing"
                                                     : "StoreError";
}

int cs_ml_step_run(struct cs_store *st, struct cs_arena *a, const struct cs_ml_worker_cfg *cfg,
                   const struct cs_ml_step *s, json_object **result, const char **error_type)
{
    *result = NULL;
    *error_type = NULL;
    json_object *out = cs_json_object(a);
    if (!out) return CS_ERR_NOMEM;
    struct job j = {.st = st, .a = a, .cfg = cfg, .tenant = s->tenant, .id = s->job_id};
    j.item = (struct cs_outbox_item){.id = s->lease_item,
                                     .tenant = s->tenant,
                                     .topic = CS_ML_TOPIC,
                                     .lease_id = s->lease_id,
                                     .attempts = s->attempts};
    j.started_ms = s->started_ms;
    const char *status = status_of(&j);
    bool ended = status && strcmp(status, "STARTING") != 0 && strcmp(status, "IN_PROGRESS") != 0;
    struct cs_jb b;
    cs_jb_init(&b, out);
    cs_jb_str(&b, "status", status);
    if (!status || ended) { /* gone, cancelled, or finished by an earlier try: nothing to do */
        cs_jb_bool(&b, "done", true);
        if (ended && strcmp(status, "CANCELLED") == 0) (void)release(&j, true);
        *result = out;
        return cs_jb_done(&b);
    }
    read_opts(&j);
    uint32_t mixed = 0;
    int rc = renew(&j);
    if (!rc) rc = ckpt_latest_epoch(&j, &mixed);
    /* a train_shard or mix of an epoch already mixed was done by an earlier try */
    bool redone =
        (s->action == CS_ML_STEP_TRAIN_SHARD || s->action == CS_ML_STEP_MIX) && mixed >= s->epoch;
    struct prep p = {0};
    if (!rc && !redone) rc = job_prepare(&j, &p);
    if (rc == CS_ERR_VALIDATION && p.why) {
        /* the job cannot train (its data or options): FAILED, whichever step finds it */
        rc = job_conclude(&j, &p, rc, &(struct cs_train_model){0});
    } else if (!rc && !redone) {
        switch (s->action) {
        case CS_ML_STEP_START: rc = step_start(&j, &p, out); break;
        case CS_ML_STEP_TRAIN_SHARD: rc = step_train_shard(&j, &p, s->shard, s->epoch); break;
        case CS_ML_STEP_MIX: rc = step_mix(&j, &p, s->epoch); break;
        case CS_ML_STEP_FINISH: rc = step_finish(&j, &p); break;
        }
    }
    prep_free(&p);
    if (rc == CS_ML_CANCELLED) rc = release(&j, true);
    if (rc) {
        *error_type = step_error(rc);
        return rc == CS_ML_LOST ? CS_ERR_CONFLICT : rc == CS_ML_STEP_GONE ? CS_ERR_NOT_FOUND : rc;
    }
    status = status_of(&j);
    ended = !status || (strcmp(status, "STARTING") != 0 && strcmp(status, "IN_PROGRESS") != 0);
    cs_jb_str(&b, "status", status);
    if (s->action == CS_ML_STEP_MIX) {
        put_epoch(&b, &j, s->epoch + 1, ended || s->epoch >= j.opts.epochs);
    } else if (s->action != CS_ML_STEP_START) {
        cs_jb_bool(&b, "done", ended);
    } else if (ended) {
        cs_jb_bool(&b, "done", true);
    }
    *result = out;
    return cs_jb_done(&b);
}
