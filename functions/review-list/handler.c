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
    json_object *b = doc->body, *o = json_object_new_object(), *meta = NULL;
    if (!o) return NULL;
    bool queued = is_queued(b);
    json_object_object_get_ex(b, "metadata", &meta);
    char eta_s[CS_ISO_MAX];
    if (eta_ms >= 0) cs_time_iso(eta_ms, CS_ISO_NAIVE_US, eta_s);
    int rc = cs_json_add_str(o, "item_id", doc->id);
    if (!rc) rc = cs_json_add_str(o, "status", queued ? "queued" : "reviewed");
    if (!rc) rc = cs_json_add_str(o, "decision", queued ? NULL : cs_json_get_str(b, "status"));
    if (!rc) rc = cs_json_add_int(o, "priority", cs_json_get_int(b, "priority", 3));
    if (!rc) rc = cs_json_add_str(o, "category", cs_json_get_str(b, "category"));
    if (!rc) rc = cs_json_add_str(o, "query", cs_json_get_str(b, "query"));
    if (!rc) rc = cs_json_add_str(o, "response", cs_json_get_str(b, "response"));
    if (!rc)
        rc = cs_json_add(o, "metadata", meta ? json_object_get(meta) : json_object_new_object());
    if (!rc) rc = cs_json_add_str(o, "source", cs_json_get_str(b, "source"));
    if (!rc) rc = cs_json_add_str(o, "queued_at", iso_or_null(req->arena, b, "queued_at"));
    if (!rc) rc = cs_json_add_str(o, "estimated_review_time", eta_ms >= 0 ? eta_s : NULL);
    if (!rc) rc = cs_json_add_str(o, "review_time", iso_or_null(req->arena, b, "decided_at"));
    if (!rc) rc = cs_json_add_str(o, "reviewer_id", cs_json_get_str(b, "reviewer_id"));
    if (!rc) rc = cs_json_add_str(o, "feedback", cs_json_get_str(b, "feedback"));
    if (!rc) rc = cs_json_add_str(o, "final_response", cs_json_get_str(b, "final_response"));
    if (rc) json_object_put(o);
    return rc ? NULL : o;
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
        json_object *it = item_json(req, &l->docs[i], eta);
        if (!it || json_object_array_add(arr, it)) {
            json_object_put(it);
            return CS_ERR_NOMEM;
        }
    }
    return CS_OK;
}

static json_object *queue_json(const struct cs_req *req, const struct cs_review_throughput *t,
                               int64_t queued)
{
    json_object *q = json_object_new_object();
    if (!q) return NULL;
    char clear[CS_ISO_MAX];
    cs_time_iso(queued ? cs_review_eta_ms(t, queued - 1, req->now_ms) : req->now_ms,
                CS_ISO_NAIVE_US, clear);
    int rc = cs_json_add_int(q, "queued", queued);
    if (!rc) rc = cs_json_add_double(q, "decisions_per_hour", t->per_hour, 2);
    if (!rc)
        rc = cs_json_add_str(q, "throughput_basis",
                             t->from_history ? "recent_decisions" : "default");
    if (!rc) rc = cs_json_add_int(q, "decisions_in_window", t->decisions);
    if (!rc) rc = cs_json_add_int(q, "window_hours", CS_REVIEW_WINDOW_MS / 3600000);
    if (!rc) rc = cs_json_add_str(q, "estimated_clear_time", clear);
    if (rc) json_object_put(q);
    return rc ? NULL : q;
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
    json_object *d = rc ? NULL : cs_json_object(req->arena);
    json_object *items = rc ? NULL : json_object_new_array();
    if (!rc && (!d || !items)) rc = CS_ERR_NOMEM;
    if (!rc)
        rc = cs_json_add(d, "items", items);
    else
        json_object_put(items);
    if (!rc) rc = items_json(req, &l, &t, items);
    if (!rc) rc = cs_json_add_int(d, "total", l.total);
    if (!rc) rc = cs_json_add_int(d, "limit", f.limit);
    if (!rc) rc = cs_json_add_int(d, "offset", f.offset);
    if (!rc) rc = cs_json_add(d, "queue", queue_json(req, &t, queued));
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d);
    return rc;
}
