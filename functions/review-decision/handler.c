/* POST /api/v1/review/decision: approve, reject, or approve with edits (the seed's
 * `edits.modified_response`) one queued item. The reviewer is the token's subject.
 * cs_review_decide updates by version, so of two reviewers racing exactly one wins; the
 * other, like anyone deciding an item again, gets 409 with the recorded decision. */
#include "handler.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/review.h"
#include "cs/store.h"

static int read_decision(const struct cs_req *req, struct cs_resp *resp,
                         struct cs_review_decision *d)
{
    json_object *edits = NULL;
    json_object_object_get_ex(req->json, "edits", &edits);
    bool approved = cs_json_get_bool(req->json, "approved", false);
    d->item_id = cs_json_get_str(req->json, "item_id");
    d->reviewer_id = req->auth.subject;
    d->feedback = cs_json_get_str(req->json, "feedback");
    d->edited_response = edits ? cs_json_get_str(edits, "modified_response") : NULL;
    if (d->edited_response && !approved) {
        /* An edit replaces the response that goes out: that is an approval. */
        cs_resp_field_error(resp, "body", "edits",
                            "Edits approve the modified response; send approved: true with them",
                            "value_error");
        return CS_ERR_VALIDATION;
    }
    d->verdict = !approved            ? CS_REVIEW_REJECT
                 : d->edited_response ? CS_REVIEW_EDIT
                                      : CS_REVIEW_APPROVE;
    return d->reviewer_id ? CS_OK : CS_ERR_UNAUTHORIZED;
}

static const char *iso(struct cs_arena *a, int64_t ms)
{
    char *s = cs_arena_alloc(a, CS_ISO_MAX);
    if (s) cs_time_iso(ms, CS_ISO_NAIVE_US, s);
    return s;
}

/* The seed's decision body; `decision` (beyond the seed) says which verdict. */
static json_object *decided_json(const struct cs_req *req, const char *id, json_object *body)
{
    struct cs_jb d;
    cs_jb_init(&d, json_object_new_object());
    cs_jb_str(&d, "item_id", id);
    cs_jb_str(&d, "status", "reviewed");
    cs_jb_str(&d, "review_time", iso(req->arena, cs_json_get_int(body, "decided_at", 0)));
    cs_jb_str(&d, "reviewer_id", cs_json_get_str(body, "reviewer_id"));
    cs_jb_str(&d, "decision", cs_json_get_str(body, "status"));
    if (!cs_jb_done(&d)) return d.obj;
    json_object_put(d.obj);
    return NULL;
}

static int already_decided(const struct cs_req *req, struct cs_resp *resp, const char *id,
                           json_object *body)
{
    resp->err_message = "Review item has already been decided";
    json_object *det = decided_json(req, id, body);
    if (det && cs_json_own(req->arena, det) == CS_OK) resp->err_details = det;
    return CS_ERR_CONFLICT;
}

CS_HANDLER(fn_review_decision)
{
    struct cs_review_decision dec;
    int rc = read_decision(req, resp, &dec);
    struct cs_doc doc;
    memset(&doc, 0, sizeof(doc));
    if (!rc)
        rc = cs_review_decide(req->store, req->arena, req->auth.tenant, &dec, req->now_ms, &doc);
    if (rc == CS_ERR_CONFLICT && doc.body) return already_decided(req, resp, dec.item_id, doc.body);
    if (rc == CS_ERR_NOT_FOUND) resp->err_message = "Review item not found";
    json_object *d = rc ? NULL : decided_json(req, dec.item_id, doc.body);
    if (!rc && (!d || cs_json_own(req->arena, d))) rc = CS_ERR_NOMEM;
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d);
    return rc;
}
