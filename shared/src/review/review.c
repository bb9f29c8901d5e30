/* The human review queue: enqueue, listing in queue order, throughput-based estimates
 * and versioned decisions; see cs/review.h. */
#include "cs/review.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cs/arena.h"
#include "cs/json.h"
#include "cs/notify.h"
#include "cs/reporting.h"
#include "cs/store.h"

static int clamp_priority(int p) { return p < 1 ? 1 : p > 5 ? 5 : p; }

/* A new item's stored body; NULL when any part of it could not be built (never an item
 * that silently lost a field, such as its status, under memory pressure). */
static json_object *item_body(const struct cs_review_item *it, const char *rank, int64_t now_ms)
{
    struct cs_jb b;
    cs_jb_init(&b, json_object_new_object());
    cs_jb_str(&b, "query", it->query ? it->query : "");
    cs_jb_str(&b, "response", it->response ? it->response : "");
    cs_jb_str(&b, "category", it->category ? it->category : "general");
    cs_jb_int(&b, "priority", clamp_priority(it->priority));
    cs_jb_add(&b, "metadata",
              it->metadata ? json_object_get(it->metadata) : json_object_new_object());
    cs_jb_str(&b, "source", it->source ? it->source : "api");
    cs_jb_str(&b, "status", "queued");
    cs_jb_int(&b, "queued_at", now_ms);
    cs_jb_null(&b, "decided_at");
    cs_jb_null(&b, "reviewer_id");
    cs_jb_null(&b, "final_response");
    cs_jb_null(&b, "feedback");
    cs_jb_str(&b, "rank", rank);
    if (cs_jb_done(&b) == CS_OK) return b.obj;
    json_object_put(b.obj);
    return NULL;
}

static const char *body_str(json_object *body, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(body, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

/* The review.queue_update event: what changed, never the texts under review. */
static int stage_update(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *id,
                        const char *action, json_object *body, int64_t now_ms)
{
    json_object *prio = NULL;
    json_object_object_get_ex(body, "priority", &prio);
    struct cs_jb b;
    cs_jb_init(&b, json_object_new_object());
    cs_jb_str(&b, "item_id", id);
    cs_jb_str(&b, "action", action);
    cs_jb_str(&b, "status", body_str(body, "status"));
    cs_jb_str(&b, "category", body_str(body, "category"));
    cs_jb_ref(&b, "priority", prio);
    const char *reviewer = body_str(body, "reviewer_id");
    if (reviewer) cs_jb_str(&b, "reviewer_id", reviewer);
    json_object *d = b.obj;
    if (cs_jb_done(&b)) {
        json_object_put(d);
        return CS_ERR_NOMEM;
    }
    int rc = cs_notify_stage(st, a, tenant, "review.queue_update", d, now_ms, NULL);
    json_object_put(d);
    return rc;
}

int cs_review_enqueue(struct cs_store *st, struct cs_arena *a, const char *tenant,
                      const struct cs_review_item *item, int64_t now_ms, const char **item_id)
{
    unsigned char bin[12];
    char hex[25];
    randombytes_buf(bin, sizeof(bin));
    sodium_bin2hex(hex, sizeof(hex), bin, sizeof(bin));
    char *id = cs_arena_printf(a, "rev-%s", hex);
    char *rank = cs_arena_printf(a, "%d-%016lld-%s", clamp_priority(item->priority),
                                 (long long)(now_ms > 0 ? now_ms : 0), id ? id : "");
    if (!id || !rank) return CS_ERR_NOMEM;
    json_object *body = item_body(item, rank, now_ms);
    if (!body) return CS_ERR_NOMEM;
    int rc = stage_update(st, a, tenant, id, "queued", body, now_ms);
    if (!rc)
        rc = cs_store_insert(st, a, tenant, CS_REVIEW_COLL, id, body, NULL, now_ms, NULL);
    else
        cs_store_unstage(st);
    json_object_put(body);
    if (rc == CS_OK && item_id) *item_id = id;
    return rc;
}

/* ---- throughput ---- */

void cs_review_rate(int64_t decisions, int64_t oldest_ms, int64_t now_ms,
                    struct cs_review_throughput *out)
{
    out->decisions = decisions;
    if (decisions < CS_REVIEW_MIN_DECISIONS) {
        out->per_hour = CS_REVIEW_DEFAULT_PER_HOUR;
        out->from_history = false;
        return;
    }
    int64_t span = now_ms - oldest_ms;
    if (span < CS_REVIEW_MIN_SPAN_MS) span = CS_REVIEW_MIN_SPAN_MS;
    out->per_hour = (double)decisions * 3600000.0 / (double)span;
    out->from_history = true;
}

int cs_review_throughput(struct cs_store *st, const char *tenant, int64_t now_ms,
                         struct cs_review_throughput *out)
{
    struct cs_filter f[1] = {{"decided_at", CS_OP_GTE, cs_val_int(now_ms - CS_REVIEW_WINDOW_MS)}};
    struct cs_agg agg = {.filters = f,
                         .nfilters = 1,
                         .metrics = {{CS_AGG_COUNT, NULL}, {CS_AGG_MIN, "decided_at"}},
                         .nmetrics = 2};
    struct cs_agg_row *rows = NULL;
    size_t n = 0;
    struct cs_arena *a = cs_arena_new(1u << 16);
    if (!a) return CS_ERR_NOMEM;
    int rc = cs_store_aggregate(st, a, tenant, CS_REVIEW_COLL, &agg, &rows, &n);
    double count = !rc && n ? rows[0].values[0] : 0;
    double oldest = !rc && n ? rows[0].values[1] : NAN;
    cs_arena_destroy(a);
    if (rc) return rc;
    cs_review_rate(isnan(oldest) ? 0 : (int64_t)count, isnan(oldest) ? now_ms : (int64_t)oldest,
                   now_ms, out);
    return CS_OK;
}

int64_t cs_review_eta_ms(const struct cs_review_throughput *t, int64_t ahead, int64_t now_ms)
{
    double rate = t->per_hour > 0 ? t->per_hour : CS_REVIEW_DEFAULT_PER_HOUR;
    return now_ms + (int64_t)llround((double)(ahead + 1) * 3600000.0 / rate);
}

int cs_review_ahead(struct cs_store *st, const char *tenant, const char *rank, int64_t *ahead)
{
    struct cs_filter f[2] = {{"status", CS_OP_EQ, cs_val_str("queued")},
                             {"rank", CS_OP_LT, cs_val_str(rank)}};
    return cs_store_count(st, tenant, CS_REVIEW_COLL, f, 2, ahead);
}

/* ---- listing ---- */

static const char *const STATUSES[] = {"queued",   "reviewed", "approved",
                                       "rejected", "edited",   NULL};

bool cs_review_status_valid(const char *status)
{
    for (const char *const *s = STATUSES; status && *s; s++)
        if (strcmp(*s, status) == 0) return true;
    return false;
}

/* A whole decimal integer in [lo, hi]; `dflt` when absent. */
static bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t dflt, int64_t *out)
{
    *out = dflt;
    if (!s) return true;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi || !isdigit((unsigned char)s[*s == '-']))
        return false;
    *out = v;
    return true;
}

int cs_review_filter_parse(const char *status, const char *priority, const char *limit,
                           const char *offset, struct cs_review_filter *out, const char *bad[4],
                           size_t *nbad)
{
    int64_t prio = 0;
    memset(out, 0, sizeof(*out));
    *nbad = 0;
    out->status = status;
    if (status && !cs_review_status_valid(status)) bad[(*nbad)++] = "status";
    if (!parse_int(priority, 1, 5, 0, &prio)) bad[(*nbad)++] = "priority";
    if (!parse_int(limit, 1, CS_REVIEW_MAX_LIMIT, CS_REVIEW_DEFAULT_LIMIT, &out->limit))
        bad[(*nbad)++] = "limit";
    if (!parse_int(offset, 0, CS_REVIEW_MAX_OFFSET, 0, &out->offset)) bad[(*nbad)++] = "offset";
    out->priority = (int)prio;
    return *nbad ? CS_ERR_VALIDATION : CS_OK;
}

int cs_review_list(struct cs_store *st, struct cs_arena *a, const char *tenant,
                   const struct cs_review_filter *f, struct cs_doc_list *out)
{
    struct cs_query q = {
        .sort = "rank", .limit = f->limit, .offset = f->offset, .want_total = true};
    int rc = CS_OK;
    if (f->status && !cs_review_status_valid(f->status)) return CS_ERR_INVALID;
    if (f->priority < 0 || f->priority > 5) return CS_ERR_INVALID;
    /* "reviewed" is the seed's word for any decision; the stored status is the verdict. */
    if (f->status && strcmp(f->status, "reviewed") == 0)
        rc = cs_query_where(&q, "status", CS_OP_NE, cs_val_str("queued"));
    else if (f->status)
        rc = cs_query_where(&q, "status", CS_OP_EQ, cs_val_str(f->status));
    if (!rc && f->priority) rc = cs_query_where(&q, "priority", CS_OP_EQ, cs_val_int(f->priority));
    if (!rc) rc = cs_store_find(st, a, tenant, CS_REVIEW_COLL, &q, out);
    return rc;
}

/* ---- decisions ---- */

static const char *verdict_status(enum cs_review_verdict v)
{
    return v == CS_REVIEW_APPROVE ? "approved" : v == CS_REVIEW_REJECT ? "rejected" : "edited";
}

/* A copy of the queued body with the decision applied. */
static json_object *decided_body(json_object *queued, const struct cs_review_decision *d,
                                 int64_t now_ms)
{
    json_object *b = NULL;
    if (json_object_deep_copy(queued, &b, NULL) != 0) return NULL;
    const char *final = d->verdict == CS_REVIEW_EDIT      ? d->edited_response
                        : d->verdict == CS_REVIEW_APPROVE ? body_str(queued, "response")
                                                          : NULL;
    struct cs_jb jb;
    cs_jb_init(&jb, b);
    cs_jb_str(&jb, "status", verdict_status(d->verdict));
    cs_jb_int(&jb, "decided_at", now_ms);
    cs_jb_str(&jb, "reviewer_id", d->reviewer_id);
    cs_jb_str(&jb, "final_response", final);
    cs_jb_str(&jb, "feedback", d->feedback);
    if (cs_jb_done(&jb) == CS_OK) return b;
    json_object_put(b);
    return NULL;
}

static void put_json(void *p) { json_object_put(p); }

struct decide {
    struct cs_store *st;
    struct cs_arena *a;
    const char *tenant;
    const struct cs_review_decision *d;
    int64_t now_ms;
    struct cs_doc *out;
};

/* A decision on a queued item; one already decided is CS_ERR_CONFLICT with *out the
 * item as decided. A lost race re-reads (cs_store_modify): if the winner decided, the
 * next round reports it. */
static int decide_one(void *ctx, struct cs_doc *cur)
{
    const struct decide *x = ctx;
    const char *status = body_str(cur->body, "status");
    if (!status || strcmp(status, "queued") != 0) {
        *x->out = *cur;
        return CS_ERR_CONFLICT;
    }
    /* The arena owns the new body: the store hands it back in *out. */
    json_object *b = decided_body(cur->body, x->d, x->now_ms);
    if (!b || cs_arena_defer(x->a, put_json, b)) return CS_ERR_NOMEM;
    cur->body = b;
    int rc = stage_update(x->st, x->a, x->tenant, x->d->item_id, "reviewed", b, x->now_ms);
    /* The reviewer's agent activity (seed 002) goes with the decision, in its write. */
    if (!rc) rc = cs_rp_review_stage(x->st, x->a, x->tenant, x->d->item_id, b);
    return rc;
}

int cs_review_decide(struct cs_store *st, struct cs_arena *a, const char *tenant,
                     const struct cs_review_decision *d, int64_t now_ms, struct cs_doc *out)
{
    if (!d || !d->item_id || !d->reviewer_id ||
        (d->verdict == CS_REVIEW_EDIT && !d->edited_response))
        return CS_ERR_INVALID;
    struct decide x = {.st = st, .a = a, .tenant = tenant, .d = d, .now_ms = now_ms, .out = out};
    const struct cs_store_modify m = {.tenant = tenant,
                                      .coll = CS_REVIEW_COLL,
                                      .id = d->item_id,
                                      .mutate = decide_one,
                                      .ctx = &x,
                                      .now_ms = now_ms};
    return cs_store_modify(st, a, &m, out);
}
