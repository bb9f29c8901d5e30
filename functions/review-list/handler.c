/* GET /api/v1/review/queue?status=&priority=&limit=&offset=: the review queue in queue
 * order (most urgent priority first, then oldest), with each queued item's estimated
 * review time and the queue's own, both from the measured throughput (cs/review.h). */
#include "handler.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/review.h"
#include "cs/store.h"

/* Every refused parameter gets its own field error, so one answer lists them all. */
static int read_filter(const struct cs_req *req, struct cs_resp *resp, struct cs_review_filter *f)
{
    const char *bad[4];
    size_t nbad = 0;
    int rc = cs_review_filter_parse(cs_req_query(req, "status"), cs_req_query(req, "priority"),
                                    cs_req_query(req, "limit"), cs_req_query(req, "offset"), f, bad,
                                    &nbad);
    for (size_t i = 0; i < nbad; i++) {
        const char *msg =
            strcmp(bad[i], "status") == 0
                ? "Input should be 'queued', 'reviewed', 'approved', 'rejected' or 'edited'"
            : strcmp(bad[i], "priority") == 0 ? "Input should be an integer from 1 to 5"
            : strcmp(bad[i], "limit") == 0
                ? cs_arena_printf(req->arena, "Input should be an integer from 1 to %d",
                                  CS_REVIEW_MAX_LIMIT)
                : cs_arena_printf(req->arena, "Input should be an integer from 0 to %d",
                                  CS_REVIEW_MAX_OFFSET);
        cs_resp_field_error(resp, "query", bad[i], msg,
                            strcmp(bad[i], "status") == 0 ? "enum" : "int_parsing");
    }
    return rc;
}

static const char *iso_or_null(struct cs_arena *a, json_object *body, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(body, key, &v) || !json_object_is_type(v, json_type_int))
        return NULL;
    char *s = cs_arena_alloc(a, CS_ISO_MAX);
    if (s) cs_time_iso(json_object_get_int64(v), CS_ISO_NAIVE_US, s);
    return s;
}

static bool is_queued(json_object *body)
{
    const char *s = cs_json_get_str(body, "status");
    return s && strcmp(s, "queued") == 0;
}

/* One item as the API shows it: the seed's status words ("queued"/"reviewed"), the
 * verdict as `decision`, ISO times; eta_ms < 0 means not waiting. */
static json_object *item_json(const struct cs_req *req, const struct cs_doc *doc, int64_t eta_ms)
{
    json_object *b = doc->body, *meta = NULL;
    bool queued = is_queued(b);
    json_object_object_get_ex(b, "metadata", &meta);
    char eta_s[CS_ISO_MAX];
    if (eta_ms >= 0) cs_time_iso(eta_ms, CS_ISO_NAIVE_US, eta_s);
    struct cs_jb o;
    cs_jb_init(&o, json_object_new_object());
    cs_jb_str(&o, "item_id", doc->id);
    cs_jb_str(&o, "status", queued ? "queued" : "reviewed");
    cs_jb_str(&o, "decision", queued ? NULL : cs_json_get_str(b, "status"));
    cs_jb_int(&o, "priority", cs_json_get_int(b, "priority", 3));
    cs_jb_str(&o, "category", cs_json_get_str(b, "category"));
    cs_jb_str(&o, "query", cs_json_get_str(b, "query"));
    cs_jb_str(&o, "response", cs_json_get_str(b, "response"));
    cs_jb_add(&o, "metadata", meta ? json_object_get(meta) : json_object_new_object());
    cs_jb_str(&o, "source", cs_json_get_str(b, "source"));
    cs_jb_str(&o, "queued_at", iso_or_null(req->arena, b, "queued_at"));
    cs_jb_str(&o, "estimated_review_time", eta_ms >= 0 ? eta_s : NULL);
    cs_jb_str(&o, "review_time", iso_or_null(req->arena, b, "decided_at"));
    cs_jb_str(&o, "reviewer_id", cs_json_get_str(b, "reviewer_id"));
    cs_jb_str(&o, "feedback", cs_json_get_str(b, "feedback"));
    cs_jb_str(&o, "final_response", cs_json_get_str(b, "final_response"));
    return cs_jb_take(&o);
}

/* Items come in rank order and the filters are one status and one priority, so the
 * queued items of a page are consecutive in the whole queue: counting what is ahead of
 * the first one places all of them. */
static int items_json(const struct cs_req *req, const struct cs_doc_list *l,
                      const struct cs_review_throughput *t, json_object *arr)
{
    int64_t next = -1;
    for (size_t i = 0; i < l->n; i++) {
        int64_t eta = -1;
        if (is_queued(l->docs[i].body)) {
            if (next < 0) {
                const char *rank = cs_json_get_str(l->docs[i].body, "rank");
                int rc = rank ? cs_review_ahead(req->store, req->auth.tenant, rank, &next)
                              : CS_ERR_INTERNAL;
                if (rc) return rc;
            }
            eta = cs_review_eta_ms(t, next++, req->now_ms);
        }
        int rc = cs_json_push(arr, item_json(req, &l->docs[i], eta));
        if (rc) return rc;
    }
    return CS_OK;
}

static json_object *queue_json(const struct cs_req *req, const struct cs_review_throughput *t,
                               int64_t queued)
{
    char clear[CS_ISO_MAX];
    cs_time_iso(queued ? cs_review_eta_ms(t, queued - 1, req->now_ms) : req->now_ms,
                CS_ISO_NAIVE_US, clear);
    struct cs_jb q;
    cs_jb_init(&q, json_object_new_object());
    cs_jb_int(&q, "queued", queued);
    cs_jb_double(&q, "decisions_per_hour", t->per_hour, 2);
    cs_jb_str(&q, "throughput_basis", t->from_history ? "recent_decisions" : "default");
    cs_jb_int(&q, "decisions_in_window", t->decisions);
    cs_jb_int(&q, "window_hours", CS_REVIEW_WINDOW_MS / 3600000);
    cs_jb_str(&q, "estimated_clear_time", clear);
    return cs_jb_take(&q);
}

CS_HANDLER(fn_review_list)
{
    struct cs_review_filter f;
    int rc = read_filter(req, resp, &f);
    struct cs_doc_list l;
    struct cs_review_throughput t;
    int64_t queued = 0;
    struct cs_filter qf[1] = {{"status", CS_OP_EQ, cs_val_str("queued")}};
    if (!rc) rc = cs_review_list(req->store, req->arena, req->auth.tenant, &f, &l);
    if (!rc) rc = cs_review_throughput(req->store, req->auth.tenant, req->now_ms, &t);
    if (!rc) rc = cs_store_count(req->store, req->auth.tenant, CS_REVIEW_COLL, qf, 1, &queued);
    if (rc) return rc;
    json_object *items = cs_json_array(req->arena);
    rc = items ? items_json(req, &l, &t, items) : CS_ERR_NOMEM;
    if (rc) return rc;
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_ref(&d, "items", items);
    cs_jb_int(&d, "total", l.total);
    cs_jb_int(&d, "limit", f.limit);
    cs_jb_int(&d, "offset", f.offset);
    cs_jb_add(&d, "queue", queue_json(req, &t, queued));
    rc = cs_jb_done(&d);
    return rc ? rc : cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
}
