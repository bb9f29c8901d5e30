/* A tenant's outcome models fitted on its own tickets (cs/insights_fit.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/insights.h"
#include "cs/insights_fit.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/textfeat.h"
#include "cs/train.h"

#define PAGE 1000

/* ---- reading the tickets ---- */

struct tk {
    json_object *doc;
    const char *customer;
    int64_t opened;
    int64_t repeats;
    struct cs_tm_facts f;
    bool ok; /* facts read (a malformed stored ticket is left out) */
};

static int cmp_customer(const void *x, const void *y)
{
    const struct tk *a = *(const struct tk *const *)x, *b = *(const struct tk *const *)y;
    int c = strcmp(a->customer, b->customer);
    return c ? c : (a->opened > b->opened) - (a->opened < b->opened);
}

/* Earlier tickets of the same customer, counted among the tickets read (the request
 * path counts them in the store; one count per ticket would be thousands of queries). */
static int count_repeats(struct tk *t, size_t n)
{
    struct tk **by = malloc(sizeof(*by) * (n ? n : 1));
    if (!by) return CS_ERR_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].customer) by[m++] = &t[i];
    qsort(by, m, sizeof(*by), cmp_customer);
    for (size_t i = 0; i < m; i++) {
        size_t k = 0;
        while (k < i && strcmp(by[i - k - 1]->customer, by[i]->customer) == 0 &&
               by[i - k - 1]->opened < by[i]->opened)
            k++;
        by[i]->repeats = (int64_t)k;
    }
    free(by);
    return CS_OK;
}

static int read_tickets(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        struct tk **out, size_t *n)
{
    struct tk *t = cs_arena_alloc(a, sizeof(*t) * CS_TM_FIT_MAX_TICKETS);
    if (!t) return CS_ERR_NOMEM;
    *n = 0;
    for (int64_t off = 0; off < CS_TM_FIT_MAX_TICKETS; off += PAGE) {
        struct cs_query q = {.sort = "_created", .desc = true, .limit = PAGE, .offset = off};
        struct cs_doc_list l;
        int rc = cs_store_find(st, a, tenant, CS_INSIGHTS_TICKETS, &q, &l);
        if (rc) return rc;
        for (size_t i = 0; i < l.n && *n < CS_TM_FIT_MAX_TICKETS; i++) {
            json_object *d = l.docs[i].body;
            if (!json_object_is_type(d, json_type_object))
                continue; /* checked like outside input */
            t[*n] = (struct tk){.doc = d,
                                .customer = cs_json_get_str(d, "customer_id"),
                                .opened = cs_json_get_int(d, "opened_ms", 0)};
            (*n)++;
        }
        if (l.n < PAGE) break;
    }
    *out = t;
    return count_repeats(t, *n);
}

/* ---- metrics on the held-out rows ---- */

struct scored {
    double p;
    uint32_t y;
};

static int cmp_scored(const void *x, const void *y)
{
    double a = ((const struct scored *)x)->p, b = ((const struct scored *)y)->p;
    return (a > b) - (a < b);
}

/* Area under the ROC curve by the rank-sum (Mann-Whitney U), ties sharing ranks. */
static double auc(struct scored *s, size_t n)
{
    qsort(s, n, sizeof(*s), cmp_scored);
    double pos = 0, neg = 0, ranks = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j].p == s[i].p) j++;
        double r = (double)(i + j + 1) / 2.0; /* mean 1-based rank of the tie group */
        for (size_t k = i; k < j; k++) ranks += s[k].y ? r : 0;
        i = j;
    }
    for (size_t i = 0; i < n; i++) s[i].y ? pos++ : neg++;
    if (!pos || !neg) return NAN;
    return (ranks - pos * (pos + 1) / 2.0) / (pos * neg);
}

static int binary_metrics(const struct cs_tm_model *m, const struct tk *t, const size_t *rows,
                          const uint32_t *y, const uint8_t *split, size_t n, json_object *out)
{
    struct scored *s = malloc(sizeof(*s) * (n ? n : 1));
    if (!s) return CS_ERR_NOMEM;
    size_t h = 0, pos = 0, right = 0;
    double brier = 0, ll = 0;
    int rc = CS_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        if (split[i] != CS_TRAIN_ROW_VAL) continue;
        struct cs_tm_pred p;
        rc = cs_tm_predict(m, &t[rows[i]].f, &p);
        if (rc) break;
        s[h++] = (struct scored){p.value, y[i]};
        pos += y[i];
        right += (p.value >= 0.5) == (y[i] == 1);
        brier += (p.value - y[i]) * (p.value - y[i]);
        double q = p.value < 1e-6 ? 1e-6 : p.value > 1 - 1e-6 ? 1 - 1e-6 : p.value;
        ll -= y[i] ? log(q) : log(1 - q);
    }
    if (!rc) {
        struct cs_jb o;
        cs_jb_init(&o, out);
        cs_jb_int(&o, "holdout_examples", (int64_t)h);
        cs_jb_int(&o, "holdout_positives", (int64_t)pos);
        cs_jb_double(&o, "accuracy", h ? (double)right / (double)h : NAN, 4);
        cs_jb_double(&o, "auc", auc(s, h), 4);
        cs_jb_double(&o, "brier", h ? brier / (double)h : NAN, 4);
        cs_jb_double(&o, "log_loss", h ? ll / (double)h : NAN, 4);
        rc = cs_jb_done(&o);
    }
    free(s);
    return rc;
}

static int resolution_metrics(const struct cs_tm_model *m, const struct tk *t, const size_t *rows,
                              const uint32_t *y, const double *secs, const uint8_t *split, size_t n,
                              double train_median, json_object *out)
{
    size_t h = 0, right = 0;
    double mae = 0, base = 0;
    for (size_t i = 0; i < n; i++) {
        if (split[i] != CS_TRAIN_ROW_VAL) continue;
        struct cs_tm_pred p;
        int rc = cs_tm_predict(m, &t[rows[i]].f, &p);
        if (rc) return rc;
        h++;
        right += p.cls == y[i];
        mae += fabs(p.value - secs[i]);
        base += fabs(train_median - secs[i]);
    }
    struct cs_jb o;
    cs_jb_init(&o, out);
    cs_jb_int(&o, "holdout_examples", (int64_t)h);
    cs_jb_double(&o, "bucket_accuracy", h ? (double)right / (double)h : NAN, 4);
    cs_jb_double(&o, "mae_seconds", h ? mae / (double)h : NAN, 0);
    /* What always answering the fitted rows' median would have scored. */
    cs_jb_double(&o, "median_baseline_mae_seconds", h ? base / (double)h : NAN, 0);
    return cs_jb_done(&o);
}

/* ---- one kind ---- */

struct rows {
    size_t n;
    size_t *row; /* index into the tickets */
    uint32_t *y;
    double *secs; /* resolution only */
    uint8_t *split;
    float *x;
};

static void rows_free(struct rows *r)
{
    free(r->row), free(r->y), free(r->secs), free(r->split), free(r->x);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Quartile edges of the fitted rows' times; labels are the time classes, bucket_s the
 * median time of each class's fitted rows. */
static int time_classes(struct rows *r, double *edges, double *bucket_s, double *median)
{
    size_t nf = 0;
    double *v = malloc(sizeof(*v) * (r->n ? r->n : 1));
    if (!v) return CS_ERR_NOMEM;
    for (size_t i = 0; i < r->n; i++)
        if (r->split[i] == CS_TRAIN_ROW_FIT) v[nf++] = r->secs[i];
    qsort(v, nf, sizeof(*v), cmp_double);
    for (int q = 1; q < CS_TM_RES_BUCKETS; q++)
        edges[q - 1] = nf ? v[(nf * (size_t)q) / CS_TM_RES_BUCKETS] : 0;
    *median = nf ? v[nf / 2] : NAN;
    for (size_t i = 0; i < r->n; i++) {
        uint32_t c = 0;
        while (c < CS_TM_RES_BUCKETS - 1 && r->secs[i] >= edges[c]) c++;
        r->y[i] = c;
    }
    for (uint32_t c = 0; c < CS_TM_RES_BUCKETS; c++) {
        size_t k = 0;
        for (size_t i = 0; i < r->n; i++)
            if (r->split[i] == CS_TRAIN_ROW_FIT && r->y[i] == c) v[k++] = r->secs[i];
        qsort(v, k, sizeof(*v), cmp_double);
        bucket_s[c] = k ? v[k / 2] : (c ? bucket_s[c - 1] : 0);
    }
    free(v);
    return CS_OK;
}

static int build_rows(enum cs_tm_kind k, const struct cs_insights_cfg *cfg, struct tk *t, size_t n,
                      int64_t now_ms, struct rows *r, int64_t *cls)
{
    size_t nf = cs_tm_n_features(k);
    memset(r, 0, sizeof(*r));
    r->row = malloc(sizeof(*r->row) * (n + 1));
    r->y = malloc(sizeof(*r->y) * (n + 1));
    r->secs = malloc(sizeof(*r->secs) * (n + 1));
    r->split = malloc(n + 1);
    r->x = malloc(sizeof(*r->x) * nf * (n + 1));
    if (!r->row || !r->y || !r->secs || !r->split || !r->x) return CS_ERR_NOMEM;
    cls[0] = cls[1] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!t[i].ok) continue;
        bool labelled;
        uint32_t y;
        double s;
        cs_tm_label(k, cfg, t[i].doc, now_ms, &labelled, &y, &s);
        if (!labelled) continue;
        const char *id = cs_json_get_str(t[i].doc, "ticket_id");
        uint64_t h = id ? cs_textfeat_hash64(id, strlen(id)) % 10 : 0;
        r->row[r->n] = i;
        r->y[r->n] = y;
        r->secs[r->n] = s;
        r->split[r->n] = h < 2 ? CS_TRAIN_ROW_VAL : CS_TRAIN_ROW_FIT;
        cs_tm_features(k, &t[i].f, r->x + r->n * nf);
        if (k != CS_TM_RESOLUTION) cls[y]++;
        r->n++;
    }
    return CS_OK;
}

/* Upserts a model document (tenant-scoped), through the store's one insert-or-replace. */
static int put_doc(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *id,
                   json_object *body, int64_t now_ms)
{
    if (cs_json_own(a, body)) return CS_ERR_NOMEM;
    return cs_store_put(st, a, tenant, CS_TM_COLL, id, body, now_ms, NULL);
}

static int put_insufficient(struct cs_store *st, struct cs_arena *a, const char *tenant,
                            enum cs_tm_kind k, const struct rows *r, const int64_t *cls,
                            int64_t now_ms)
{
    struct cs_jb d;
    cs_jb_init(&d, json_object_new_object());
    cs_jb_str(&d, "status", "insufficient");
    cs_jb_int(&d, "n_examples", (int64_t)r->n);
    if (k != CS_TM_RESOLUTION) cs_jb_int(&d, "n_positive", cls[1]);
    cs_jb_int(&d, "min_examples", CS_TM_MIN_EXAMPLES);
    cs_jb_int(&d, "checked_ms", now_ms);
    json_object *o = cs_jb_take(&d);
    return o ? put_doc(st, a, tenant, cs_tm_name(k), o, now_ms) : CS_ERR_NOMEM;
}

static int fit_kind(struct cs_store *st, struct cs_arena *a, const char *tenant, enum cs_tm_kind k,
                    const struct cs_insights_cfg *cfg, struct tk *t, size_t n, int64_t now_ms,
                    struct cs_tm_fit_report *rep)
{
    struct rows r;
    int64_t cls[2];
    int rc = build_rows(k, cfg, t, n, now_ms, &r, cls);
    double edges[CS_TM_RES_BUCKETS - 1] = {0}, bucket_s[CS_TM_RES_BUCKETS] = {0}, median = NAN;
    if (!rc && k == CS_TM_RESOLUTION) rc = time_classes(&r, edges, bucket_s, &median);
    rep->examples[k] = (int64_t)r.n;
    bool enough =
        r.n >= CS_TM_MIN_EXAMPLES &&
        (k == CS_TM_RESOLUTION || (cls[0] >= CS_TM_MIN_CLASS && cls[1] >= CS_TM_MIN_CLASS));
    if (!rc && !enough) rc = put_insufficient(st, a, tenant, k, &r, cls, now_ms);
    if (rc || !enough) return rows_free(&r), rc;

    uint32_t nc = k == CS_TM_RESOLUTION ? CS_TM_RES_BUCKETS : 2;
    struct cs_train_rows tr = {.n = r.n,
                               .n_classes = nc,
                               .label = r.y,
                               .is_val = r.split,
                               .x = r.x,
                               .n_dense = (uint32_t)cs_tm_n_features(k)};
    struct cs_train_opts o;
    cs_train_opts_init(&o);
    /* A few hundred rows of a dozen features: more passes than the text models need. */
    o.epochs = 60;
    o.l2 = 1e-3f;
    struct cs_train_model tm = {0};
    rc = cs_train_dense(&tr, &o, &tm);
    json_object *doc = NULL, *metrics = NULL;
    if (!rc) {
        static const char *const yes_no[] = {"no", "yes"};
        static const char *const times[] = {"q1", "q2", "q3", "q4"};
        const char *names[CS_TM_MAX_FEATURES];
        for (size_t i = 0; i < cs_tm_n_features(k); i++) names[i] = cs_tm_feature_name(k, i);
        struct cs_model_spec spec;
        cs_train_model_spec(&tm, &spec);
        /* The trainer fits a calibration temperature on the validation rows; here those
         * are the held-out rows, and a few dozen of them (often separable) drive it to
         * its floor. The L2-regularised likelihood fit's own probabilities (T = 1) are
         * what the held-out metrics then measure. */
        spec.temperature = 1.0f;
        spec.kind = CS_MODEL_DENSE;
        spec.name = cs_tm_name(k);
        spec.metadata_json = "{\"source\":\"tenant\"}";
        spec.labels = k == CS_TM_RESOLUTION ? times : yes_no;
        spec.feature_names = names;
        metrics = json_object_new_object();
        rc = metrics ? cs_json_add_int(metrics, "train_examples", (int64_t)tm.n_train)
                     : CS_ERR_NOMEM;
        if (!rc)
            rc = cs_tm_doc_new(&spec, k == CS_TM_RESOLUTION ? bucket_s : NULL, metrics,
                               (int64_t)r.n, now_ms, &doc);
    }
    struct cs_tm_model m;
    if (!rc && cs_json_own(a, doc)) rc = CS_ERR_NOMEM;
    if (!rc) rc = cs_tm_from_doc(a, k, doc, &m);
    json_object *mm = NULL;
    if (!rc) json_object_object_get_ex(doc, "metrics", &mm);
    if (!rc && k == CS_TM_RESOLUTION)
        rc = resolution_metrics(&m, t, r.row, r.y, r.secs, r.split, r.n, median, mm);
    else if (!rc)
        rc = binary_metrics(&m, t, r.row, r.y, r.split, r.n, mm);
    if (!rc && k != CS_TM_RESOLUTION)
        rc = cs_json_add_double(mm, "base_rate", (double)cls[1] / (double)r.n, 4);
    if (!rc) rc = put_doc(st, a, tenant, cs_tm_name(k), json_object_get(doc), now_ms);
    if (!rc) rep->fitted[k] = true;
    json_object_put(metrics);
    cs_train_model_clean_up(&tm);
    rows_free(&r);
    return rc;
}

int cs_tm_fit_tenant(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t now_ms,
                     struct cs_tm_fit_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    struct cs_insights_cfg cfg;
    struct tk *t = NULL;
    size_t n = 0;
    int rc = cs_insights_cfg_load(st, a, tenant, &cfg, NULL);
    if (!rc) rc = read_tickets(st, a, tenant, &t, &n);
    for (size_t i = 0; !rc && i < n; i++)
        t[i].ok = cs_tm_facts_fill(&cfg, t[i].doc, now_ms, t[i].repeats, &t[i].f) == CS_OK;
    rep->tickets = (int64_t)n;
    for (int k = 0; !rc && k < CS_TM_N; k++)
        rc = fit_kind(st, a, tenant, (enum cs_tm_kind)k, &cfg, t, n, now_ms, rep);
    return rc;
}
