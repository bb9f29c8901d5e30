/* SGD trainer for multinomial logistic regression (see cs/train.h). */
#include "cs/train.h"
#include "cs/progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml/model_int.h"

/* Sparse rows in CSR form: row i owns entries ptr[i] .. ptr[i+1]. */
struct csr {
    size_t n;
    size_t *ptr;
    uint32_t *idx;
    float *val;
};

static void csr_free(struct csr *m)
{
    free(m->ptr);
    free(m->idx);
    free(m->val);
    memset(m, 0, sizeof(*m));
}

void cs_train_opts_init(struct cs_train_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->epochs = 12;
    o->lr = 0.5f;
    o->l2 = 1e-5f;
    o->seed = 42;
    o->balanced = 0;
}

void cs_train_model_clean_up(struct cs_train_model *m)
{
    if (!m) return;
    free(m->idf);
    free(m->mean);
    free(m->bias);
    free(m->weights);
    memset(m, 0, sizeof(*m));
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void softmax(const float *z, uint32_t c, float inv_t, double *p)
{
    float mx = z[0];
    for (uint32_t k = 1; k < c; k++) mx = fmaxf(mx, z[k]);
    double sum = 0.0;
    for (uint32_t k = 0; k < c; k++) sum += (p[k] = exp((double)(z[k] - mx) * inv_t));
    for (uint32_t k = 0; k < c; k++) p[k] /= sum;
}

static void row_logits(const struct csr *x, size_t i, const float *w, const float *b, float s,
                       uint32_t c, float *z)
{
    float acc[CS_MODEL_MAX_CLASSES];
    memset(acc, 0, sizeof(float) * c);
    for (size_t e = x->ptr[i]; e < x->ptr[i + 1]; e++) {
        const float *row = w + (size_t)x->idx[e] * c;
        float v = x->val[e];
        for (uint32_t k = 0; k < c; k++) acc[k] += v * row[k];
    }
    for (uint32_t k = 0; k < c; k++) z[k] = b[k] + s * acc[k];
}

/* End of an epoch with hooks: folds the L2 scale into the weights so the hooks see
 * (and may replace) the true ones. */
static int epoch_mix(const struct cs_train_opts *o, float *w, float *b, float *s, size_t nf,
                     uint32_t c, uint32_t ep)
{
    for (size_t j = 0; j < nf * c; j++) w[j] *= *s;
    *s = 1.0f;
    return o->mix ? o->mix(o->user, ep + 1, w, b) : CS_OK;
}

/* Then measures the validation rows and reports the epoch with the state it ends in. */
static int epoch_report(const struct csr *x, const uint32_t *y, const uint8_t *is_val, uint32_t c,
                        const struct cs_train_opts *o, const struct cs_train_state *state,
                        size_t nt, double loss)
{
    struct cs_train_epoch e = {.epoch = state->epoch,
                               .epochs = o->epochs,
                               .steps = nt,
                               .train_loss = nt ? loss / (double)nt : 0.0,
                               .state = *state};
    size_t ok = 0;
    double vloss = 0.0;
    for (size_t i = 0; is_val && i < x->n; i++) {
        if (is_val[i] != CS_TRAIN_ROW_VAL) continue;
        float z[CS_MODEL_MAX_CLASSES];
        double p[CS_MODEL_MAX_CLASSES];
        row_logits(x, i, state->weights, state->bias, 1.0f, c, z);
        softmax(z, c, 1.0f, p);
        uint32_t top = 0;
        for (uint32_t k = 1; k < c; k++)
            if (p[k] > p[top]) top = k;
        ok += top == y[i];
        vloss -= log(p[y[i]] > 1e-12 ? p[y[i]] : 1e-12);
        e.n_val++;
    }
    if (e.n_val) {
        e.val_accuracy = (double)ok / (double)e.n_val;
        e.val_loss = vloss / (double)e.n_val;
    }
    return o->on_epoch(o->user, &e);
}

static void shuffle(size_t *order, size_t nt, uint64_t *rng)
{
    for (size_t i = nt; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(splitmix64(rng) % i);
        size_t tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
}

/* Plain SGD on the softmax loss. The L2 shrink of every weight is folded into one
 * scalar `s` (true weights = s * w), so an update only touches the row's features. */
static int sgd_fit(const struct csr *x, const uint32_t *y, const uint8_t *is_val, uint32_t c,
                   const struct cs_train_opts *o, float *w, float *b, size_t nf)
{
    size_t n = x->n, nt = 0;
    size_t *order = malloc(sizeof(size_t) * (n ? n : 1));
    double cw[CS_MODEL_MAX_CLASSES] = {0}, cnt[CS_MODEL_MAX_CLASSES] = {0};
    if (!order) return CS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        if ((!is_val || !is_val[i]) && (!o->fit_mask || o->fit_mask[i])) {
            order[nt++] = i;
            cnt[y[i]] += 1.0;
        }
    for (uint32_t k = 0; k < c; k++)
        cw[k] = (o->balanced && cnt[k] > 0)
                    ? pow((double)nt / (c * cnt[k]), o->balance_power > 0 ? o->balance_power : 1.0)
                    : 1.0;
    float s = 1.0f;
    double t = 0.0;
    uint64_t rng = o->seed;
    /* Epoch averaging: the mean of the end-of-epoch weights over the second half of
     * training. Plain SGD ends wherever the last few hundred rows pushed it; the mean
     * sits nearer the optimum and generalises better. */
    float *avg_w = o->average ? calloc(nf * c, sizeof(float)) : NULL;
    double avg_b[CS_MODEL_MAX_CLASSES] = {0};
    uint32_t n_avg = 0;
    if (o->average && !avg_w) {
        free(order);
        return CS_ERR_NOMEM;
    }
    uint32_t first = 0;
    const struct cs_train_state *rs = o->resume;
    if (rs) { /* the epochs done: their parameters kept, their shuffles replayed */
        if (rs->epoch > o->epochs || (rs->n_avg && (!rs->avg_w || !rs->avg_b || !avg_w))) {
            free(avg_w);
            free(order);
            return CS_ERR_INVALID;
        }
        memcpy(w, rs->weights, sizeof(float) * nf * c);
        memcpy(b, rs->bias, sizeof(float) * c);
        if (rs->n_avg) {
            memcpy(avg_w, rs->avg_w, sizeof(float) * nf * c);
            memcpy(avg_b, rs->avg_b, sizeof(double) * c);
        }
        n_avg = rs->n_avg;
        for (first = 0; first < rs->epoch; first++) shuffle(order, nt, &rng);
        t = (double)nt * rs->epoch;
    }
    for (uint32_t ep = first; ep < o->epochs; ep++) {
        shuffle(order, nt, &rng);
        double loss = 0.0;
        for (size_t r = 0; r < nt; r++) {
            size_t i = order[r];
            float z[CS_MODEL_MAX_CLASSES];
            double p[CS_MODEL_MAX_CLASSES];
            float eta = (float)(o->lr / (1.0 + o->lr * o->l2 * t));
            row_logits(x, i, w, b, s, c, z);
            softmax(z, c, 1.0f, p);
            loss -= log(p[y[i]] > 1e-12 ? p[y[i]] : 1e-12);
            float g[CS_MODEL_MAX_CLASSES];
            for (uint32_t k = 0; k < c; k++)
                g[k] = (float)((p[k] - (k == y[i] ? 1.0 : 0.0)) * cw[y[i]]);
            s *= 1.0f - eta * o->l2;
            float step = eta / s;
            for (size_t e = x->ptr[i]; e < x->ptr[i + 1]; e++) {
                float *row = w + (size_t)x->idx[e] * c;
                float v = x->val[e] * step;
                for (uint32_t k = 0; k < c; k++) row[k] -= v * g[k];
            }
            for (uint32_t k = 0; k < c; k++) b[k] -= eta * g[k];
            if (s < 1e-3f) { /* fold the scale back before it loses precision */
                for (size_t j = 0; j < nf * c; j++) w[j] *= s;
                s = 1.0f;
            }
            t += 1.0;
        }
        if (o->progress)
            cs_progress_add(o->progress, (int64_t)nt); /* rows fitted, over every fit */
        int rc = o->mix || o->on_epoch ? epoch_mix(o, w, b, &s, nf, c, ep) : CS_OK;
        if (!rc && avg_w && ep >= o->epochs / 2) {
            for (size_t j = 0; j < nf * c; j++) avg_w[j] += s * w[j];
            for (uint32_t k = 0; k < c; k++) avg_b[k] += b[k];
            n_avg++;
        }
        if (!rc && o->on_epoch) {
            const struct cs_train_state st = {.epoch = ep + 1,
                                              .weights = w,
                                              .bias = b,
                                              .avg_w = n_avg ? avg_w : NULL,
                                              .avg_b = n_avg ? avg_b : NULL,
                                              .n_avg = n_avg};
            rc = epoch_report(x, y, is_val, c, o, &st, nt, loss);
        }
        if (rc) {
            free(avg_w);
            free(order);
            return rc;
        }
    }
    for (size_t j = 0; j < nf * c; j++) w[j] *= s;
    if (avg_w && n_avg) {
        for (size_t j = 0; j < nf * c; j++) w[j] = avg_w[j] / (float)n_avg;
        for (uint32_t k = 0; k < c; k++) b[k] = (float)(avg_b[k] / n_avg);
    }
    free(avg_w);
    free(order);
    return CS_OK;
}

/* NLL at temperature T over the rows whose is_val equals `which`. */
static double val_nll(const float *logits, const uint32_t *y, const uint8_t *is_val, uint8_t which,
                      size_t n, uint32_t c, double temp)
{
    double nll = 0.0;
    double p[CS_MODEL_MAX_CLASSES];
    for (size_t i = 0; i < n; i++) {
        if (is_val[i] != which) continue;
        softmax(logits + i * c, c, (float)(1.0 / temp), p);
        nll -= log(p[y[i]] > 1e-12 ? p[y[i]] : 1e-12);
    }
    return nll;
}

/* Temperature scaling: golden-section search of log T in [ln 0.05, ln 20] minimising
 * the validation NLL (the NLL is unimodal in T for a fixed model). */
static float fit_temperature(const float *logits, const uint32_t *y, const uint8_t *is_val,
                             uint8_t which, size_t n, uint32_t c)
{
    const double gr = 0.6180339887498949;
    double lo = log(0.05), hi = log(20.0);
    double a = hi - gr * (hi - lo), bb = lo + gr * (hi - lo);
    double fa = val_nll(logits, y, is_val, which, n, c, exp(a));
    double fb = val_nll(logits, y, is_val, which, n, c, exp(bb));
    for (int it = 0; it < 40; it++) {
        if (fa < fb) {
            hi = bb;
            bb = a;
            fb = fa;
            a = hi - gr * (hi - lo);
            fa = val_nll(logits, y, is_val, which, n, c, exp(a));
        } else {
            lo = a;
            a = bb;
            fa = fb;
            bb = lo + gr * (hi - lo);
            fb = val_nll(logits, y, is_val, which, n, c, exp(bb));
        }
    }
    return (float)exp((lo + hi) / 2.0);
}

/* Accuracy figures, temperature and feature means from the fitted weights. */
static int finish(const struct csr *x, const struct cs_train_rows *rows, struct cs_train_model *m)
{
    uint32_t c = m->n_classes;
    float *logits = malloc(sizeof(float) * x->n * c);
    double *mean = calloc(m->n_features, sizeof(double));
    if (!logits || !mean) {
        free(logits);
        free(mean);
        return CS_ERR_NOMEM;
    }
    size_t ok_t = 0, ok_v = 0, ok_d = 0;
    for (size_t i = 0; i < x->n; i++) {
        float *z = logits + i * c;
        row_logits(x, i, m->weights, m->bias, 1.0f, c, z);
        uint32_t top = 0;
        for (uint32_t k = 1; k < c; k++)
            if (z[k] > z[top]) top = k;
        uint8_t part = rows->is_val ? rows->is_val[i] : CS_TRAIN_ROW_FIT;
        if (part == CS_TRAIN_ROW_VAL)
            ok_v += top == rows->label[i];
        else if (part == CS_TRAIN_ROW_DEV)
            ok_d += top == rows->label[i];
        else {
            ok_t += top == rows->label[i];
            for (size_t e = x->ptr[i]; e < x->ptr[i + 1]; e++) mean[x->idx[e]] += x->val[e];
        }
    }
    m->train_acc = m->n_train ? (double)ok_t / m->n_train : 0.0;
    m->val_acc = m->n_val ? (double)ok_v / m->n_val : 0.0;
    m->dev_acc = m->n_dev ? (double)ok_d / m->n_dev : 0.0;
    /* Calibrate on development rows when there are any, so the validation rows measure
     * calibration (ECE) on data that chose nothing. */
    if (m->n_dev)
        m->temperature =
            fit_temperature(logits, rows->label, rows->is_val, CS_TRAIN_ROW_DEV, x->n, c);
    else if (m->n_val)
        m->temperature =
            fit_temperature(logits, rows->label, rows->is_val, CS_TRAIN_ROW_VAL, x->n, c);
    else
        m->temperature = 1.0f;
    for (uint32_t j = 0; j < m->n_features; j++)
        m->mean[j] = m->n_train ? (float)(mean[j] / m->n_train) : 0.0f;
    free(logits);
    free(mean);
    return CS_OK;
}

static int alloc_model(struct cs_train_model *m, uint32_t nf, uint32_t c, int text)
{
    memset(m, 0, sizeof(*m));
    m->n_features = nf;
    m->n_classes = c;
    m->mean = calloc(nf, sizeof(float));
    m->bias = calloc(c, sizeof(float));
    m->weights = calloc((size_t)nf * c, sizeof(float));
    m->idf = text ? calloc(nf, sizeof(float)) : NULL;
    if (!m->mean || !m->bias || !m->weights || (text && !m->idf)) {
        cs_train_model_clean_up(m);
        return CS_ERR_NOMEM;
    }
    return CS_OK;
}

static int rows_check(const struct cs_train_rows *r)
{
    if (!r || r->n == 0 || r->n_classes < 2 || r->n_classes > CS_MODEL_MAX_CLASSES || !r->label)
        return CS_ERR_INVALID;
    for (size_t i = 0; i < r->n; i++)
        if (r->label[i] >= r->n_classes) return CS_ERR_INVALID;
    return CS_OK;
}

static void count_split(const struct cs_train_rows *r, struct cs_train_model *m)
{
    for (size_t i = 0; i < r->n; i++) {
        uint8_t part = r->is_val ? r->is_val[i] : CS_TRAIN_ROW_FIT;
        if (part == CS_TRAIN_ROW_VAL)
            m->n_val++;
        else if (part == CS_TRAIN_ROW_DEV)
            m->n_dev++;
        else
            m->n_train++;
    }
}

/* NBSVM-style feature scaling (Wang & Manning 2012), for several classes: with df_k(j)
 * the number of fitted rows of class k holding feature j, the log-count ratio of class
 * k against the rest is r_k(j) = ln(((1 + df_k) / (2 + n_k)) / ((1 + df_rest) /
 * (2 + n_rest))), and feature j is scaled by max_k |r_k(j)| ^ power (floored at 0.05
 * so no feature vanishes). Features that say nothing about any class shrink before
 * the L2 normalisation, so the informative ones get more of each row's unit norm.
 * The factor is folded into the stored IDF: inference is unchanged. */
static int nb_scale(const struct cs_train_rows *r, const struct csr *x, float power, float *idf,
                    size_t nb)
{
    uint32_t c = r->n_classes;
    uint32_t *df = calloc(nb * c, sizeof(uint32_t));
    double n_k[CS_MODEL_MAX_CLASSES] = {0}, n_all = 0.0;
    if (!df) return CS_ERR_NOMEM;
    for (size_t i = 0; i < r->n; i++) {
        if (r->is_val && r->is_val[i]) continue;
        n_k[r->label[i]] += 1.0;
        n_all += 1.0;
        for (size_t e = x->ptr[i]; e < x->ptr[i + 1]; e++)
            df[(size_t)x->idx[e] * c + r->label[i]]++;
    }
    for (size_t j = 0; j < nb; j++) {
        double tot = 0.0, best = 0.0;
        for (uint32_t k = 0; k < c; k++) tot += df[j * c + k];
        for (uint32_t k = 0; k < c; k++) {
            double in = df[j * c + k], out = tot - in;
            double rk = log(((1.0 + in) / (2.0 + n_k[k])) / ((1.0 + out) / (2.0 + n_all - n_k[k])));
            if (fabs(rk) > best) best = fabs(rk);
        }
        idf[j] *= (float)pow(best > 0.05 ? best : 0.05, power);
    }
    free(df);
    return CS_OK;
}

/* Extracts every row's counts into CSR and computes smoothed IDF from the training
 * rows: idf = ln((1 + N) / (1 + df)) + 1 (times the NB factor with nb_power > 0). */
static int text_to_csr(const struct cs_train_rows *r, const struct cs_textfeat_cfg *feat,
                       float nb_power, float *idf, struct csr *x)
{
    struct cs_textfeat_vec *v = malloc(sizeof(*v));
    size_t cap = 1u << 20, used = 0;
    uint32_t *df = calloc((size_t)1 << feat->hash_bits, sizeof(uint32_t));
    x->n = r->n;
    x->ptr = malloc(sizeof(size_t) * (r->n + 1));
    x->idx = malloc(sizeof(uint32_t) * cap);
    x->val = malloc(sizeof(float) * cap);
    int rc = (v && df && x->ptr && x->idx && x->val) ? CS_OK : CS_ERR_NOMEM;
    size_t ntrain = 0;
    for (size_t i = 0; rc == CS_OK && i < r->n; i++) {
        cs_textfeat_extract(feat, r->text[i], r->len[i], v);
        if (used + v->n > cap) {
            while (used + v->n > cap) cap *= 2;
            uint32_t *ni = realloc(x->idx, sizeof(uint32_t) * cap);
            if (ni) x->idx = ni;
            float *nv = realloc(x->val, sizeof(float) * cap);
            if (nv) x->val = nv;
            if (!ni || !nv) rc = CS_ERR_NOMEM;
            if (rc != CS_OK) break;
        }
        x->ptr[i] = used;
        int val = r->is_val && r->is_val[i];
        ntrain += !val;
        for (uint32_t e = 0; e < v->n; e++) {
            x->idx[used] = v->ent[e].bucket;
            x->val[used++] = v->ent[e].value;
            if (!val) df[v->ent[e].bucket]++;
        }
    }
    if (rc == CS_OK) {
        x->ptr[r->n] = used;
        size_t nb = (size_t)1 << feat->hash_bits;
        for (size_t j = 0; j < nb; j++) idf[j] = (float)(log((1.0 + ntrain) / (1.0 + df[j])) + 1.0);
        if (nb_power > 0.0f) rc = nb_scale(r, x, nb_power, idf, nb);
    }
    if (rc == CS_OK) {
        /* weigh each row exactly as inference does */
        for (size_t i = 0; i < r->n; i++) {
            v->n = (uint32_t)(x->ptr[i + 1] - x->ptr[i]);
            for (uint32_t e = 0; e < v->n; e++) {
                v->ent[e].bucket = x->idx[x->ptr[i] + e];
                v->ent[e].value = x->val[x->ptr[i] + e];
            }
            cs_model_weigh(idf, v);
            for (uint32_t e = 0; e < v->n; e++) x->val[x->ptr[i] + e] = v->ent[e].value;
        }
    }
    free(v);
    free(df);
    if (rc != CS_OK) csr_free(x);
    return rc;
}

int cs_train_text(const struct cs_train_rows *rows, const struct cs_textfeat_cfg *feat,
                  const struct cs_train_opts *o, struct cs_train_model *out)
{
    memset(out, 0, sizeof(*out));
    if (rows_check(rows) != CS_OK || !rows->text || !rows->len || !feat ||
        cs_textfeat_cfg_check(feat) != CS_OK)
        return CS_ERR_INVALID;
    uint32_t nf = 1u << feat->hash_bits;
    int rc = alloc_model(out, nf, rows->n_classes, 1);
    if (rc != CS_OK) return rc;
    count_split(rows, out);
    struct csr x;
    memset(&x, 0, sizeof(x));
    rc = text_to_csr(rows, feat, o->nb_power, out->idf, &x);
    if (rc == CS_OK) {
        rc =
            sgd_fit(&x, rows->label, rows->is_val, rows->n_classes, o, out->weights, out->bias, nf);
        for (uint32_t k = 0; rc == CS_OK && o->bias_shift && k < rows->n_classes; k++)
            out->bias[k] += o->bias_shift[k];
        if (rc == CS_OK) rc = finish(&x, rows, out);
    }
    csr_free(&x);
    if (rc != CS_OK) cs_train_model_clean_up(out);
    return rc;
}

int cs_train_dense(const struct cs_train_rows *rows, const struct cs_train_opts *o,
                   struct cs_train_model *out)
{
    memset(out, 0, sizeof(*out));
    if (rows_check(rows) != CS_OK || !rows->x || rows->n_dense == 0 ||
        rows->n_dense > CS_MODEL_MAX_DENSE)
        return CS_ERR_INVALID;
    for (size_t i = 0; i < rows->n * rows->n_dense; i++)
        if (!isfinite(rows->x[i])) return CS_ERR_INVALID;
    uint32_t nf = rows->n_dense;
    int rc = alloc_model(out, nf, rows->n_classes, 0);
    if (rc != CS_OK) return rc;
    count_split(rows, out);
    struct csr x;
    x.n = rows->n;
    x.ptr = malloc(sizeof(size_t) * (rows->n + 1));
    x.idx = malloc(sizeof(uint32_t) * rows->n * nf);
    x.val = malloc(sizeof(float) * rows->n * nf);
    if (!x.ptr || !x.idx || !x.val) rc = CS_ERR_NOMEM;
    for (size_t i = 0; rc == CS_OK && i <= rows->n; i++) {
        x.ptr[i] = i * nf;
        for (uint32_t j = 0; i < rows->n && j < nf; j++) {
            x.idx[i * nf + j] = j;
            x.val[i * nf + j] = rows->x[i * nf + j];
        }
    }
    if (rc == CS_OK) {
        rc =
            sgd_fit(&x, rows->label, rows->is_val, rows->n_classes, o, out->weights, out->bias, nf);
        if (rc == CS_OK) rc = finish(&x, rows, out);
    }
    csr_free(&x);
    if (rc != CS_OK) cs_train_model_clean_up(out);
    return rc;
}

void cs_train_model_spec(const struct cs_train_model *tm, struct cs_model_spec *spec)
{
    spec->kind = tm->idf ? CS_MODEL_TEXT : CS_MODEL_DENSE;
    spec->n_classes = tm->n_classes;
    spec->n_features = tm->n_features;
    spec->temperature = tm->temperature;
    spec->idf = tm->idf;
    spec->mean = tm->mean;
    spec->bias = tm->bias;
    spec->weights = tm->weights;
}
