/* GET /manager/api/v1/{resource}/{id}: one record (bare object).
 * GET /manager/api/v1/calls/{id}/segments: the call's segment metrics (seed 002).
 * GET /manager/api/v1/{calls|chats}/{id}/participants: its participants.
 * POST /manager/api/v1/import/{resource}: a JSON array or NDJSON of records, checked
 * record by record and written all or nothing, idempotent by id. */
#include "handler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/reporting.h"

#define PARTS_MAX 1000

static int unknown_resource(const struct cs_req *req, struct cs_resp *resp, const char *name)
{
    return cs_rp_fail(resp, CS_ERR_NOT_FOUND, "unknown_resource",
                      cs_arena_printf(req->arena, "Unknown resource: %s", name ? name : ""));
}

static int import(const struct cs_req *req, struct cs_resp *resp)
{
    const char *name = cs_req_param(req, "resource");
    const struct cs_rp_resource *r = cs_rp_resource_find(name);
    if (!r) return unknown_resource(req, resp, name);
    if (!r->importable)
        return cs_rp_fail(resp, CS_ERR_VALIDATION, "not_importable",
                          cs_arena_printf(req->arena, "%s cannot be imported: %s", name,
                                          strstr(name, "participants")
                                              ? "participants come nested in their call or chat"
                                              : "it is written by the service"));
    if (!cs_rp_may_write(req)) return CS_ERR_FORBIDDEN;
    if (req->body_len > CS_RP_IMPORT_MAX || (req->body_len && !req->body)) return CS_ERR_TOO_LARGE;
    if (req->body_len == 0)
        return cs_rp_fail(resp, CS_ERR_BAD_REQUEST, "empty_body", "The body holds no records");
    json_object *records, *errors;
    size_t bad_line;
    int rc = cs_rp_import_parse(req->body, req->body_len, req->arena, &records, &bad_line);
    if (rc == CS_ERR_BAD_JSON)
        return cs_rp_fail(resp, CS_ERR_BAD_JSON, "bad_json",
                          cs_arena_printf(req->arena,
                                          "Line %zu is not a JSON object; nothing was written",
                                          bad_line));
    if (rc) return rc;
    rc = cs_rp_import_check(r, records, req->arena, &errors);
    if (rc == CS_ERR_VALIDATION) {
        json_object *d = cs_json_object(req->arena);
        if (!d) return CS_ERR_NOMEM;
        json_object_object_add(d, "records", json_object_get(errors));
        resp->err_details = d;
        return cs_rp_fail(resp, rc, "invalid_records",
                          "Some records are invalid; nothing was written");
    }
    if (rc) return rc;
    struct cs_rp_import_result res;
    rc =
        cs_rp_store_import(req->store, req->arena, req->auth.tenant, r, records, req->now_ms, &res);
    if (rc) return rc;
    struct cs_jb b;
    cs_jb_init(&b, cs_json_object(req->arena));
    cs_jb_str(&b, "resource", r->name);
    cs_jb_int(&b, "received", (int64_t)json_object_array_length(records));
    cs_jb_int(&b, "inserted", res.inserted);
    cs_jb_int(&b, "updated", res.updated);
    cs_jb_int(&b, "unchanged", res.unchanged);
    cs_jb_int(&b, "changed_details", res.changed_details);
    if ((rc = cs_jb_done(&b))) return rc;
    return cs_family_ok(CS_FAMILY_REPORTING, req, resp, 200, b.obj);
}

static bool parse_id(const char *s, int64_t *out)
{
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 1) return false;
    *out = v;
    return true;
}

static int with_deleted(const struct cs_req *req, struct cs_resp *resp,
                        const struct cs_rp_resource *r, bool *out)
{
    struct cs_rp_query q;
    struct cs_rp_error err;
    int rc = cs_rp_query_parse(r, req->query, NULL, req->arena, &q, &err);
    if (rc) return cs_rp_query_fail(resp, rc, &err);
    if (q.nfilters || q.sort || q.has_after)
        return cs_rp_fail(resp, CS_ERR_VALIDATION, "unknown_filter",
                          "One record takes no filters; only with_deleted");
    *out = q.with_deleted;
    return CS_OK;
}

static int sub_resource(const struct cs_req *req, struct cs_resp *resp,
                        const struct cs_rp_resource *r, int64_t id, json_object *rec)
{
    const char *sub = cs_req_param(req, "sub");
    bool call = !strcmp(r->name, "calls");
    if (call && !strcmp(sub, "segments")) {
        struct cs_rp_segments s;
        if (cs_rp_segments_of(rec, &s)) return CS_ERR_STORE; /* stored data failed its check */
        json_object *o = cs_rp_segments_json(&s, id);
        if (!o || cs_json_own(req->arena, o)) return CS_ERR_NOMEM;
        return cs_family_ok(CS_FAMILY_REPORTING, req, resp, 200, o);
    }
    if ((call || !strcmp(r->name, "chats")) && !strcmp(sub, "participants")) {
        json_object *items = cs_json_array(req->arena);
        if (!items) return CS_ERR_NOMEM;
        int rc = cs_rp_store_children(
            req->store, req->arena, req->auth.tenant,
            cs_rp_resource_find(call ? "call_participants" : "chat_participants"),
            call ? "call_id" : "chat_id", id, PARTS_MAX, items);
        return rc ? rc : cs_family_ok(CS_FAMILY_REPORTING, req, resp, 200, items);
    }
    return cs_rp_fail(resp, CS_ERR_NOT_FOUND, "not_found",
                      cs_arena_printf(req->arena, "No such route: %s/{id}/%s", r->name, sub));
}

CS_HANDLER(fn_reporting_record)
{
    if (!strcmp(req->method, "POST")) return import(req, resp);
    const char *name = cs_req_param(req, "resource");
    const struct cs_rp_resource *r = cs_rp_resource_find(name);
    if (!r) return unknown_resource(req, resp, name);
    int64_t id;
    if (!parse_id(cs_req_param(req, "id"), &id))
        return cs_rp_fail(resp, CS_ERR_BAD_REQUEST, "bad_id", "id must be an integer >= 1");
    bool del = false;
    int rc = with_deleted(req, resp, r, &del);
    json_object *rec = NULL;
    if (!rc) rc = cs_rp_store_get(req->store, req->arena, req->auth.tenant, r, id, del, &rec);
    if (rc == CS_ERR_NOT_FOUND)
        return cs_rp_fail(
            resp, rc, "not_found",
            cs_arena_printf(req->arena, "No %s with id %lld", r->name, (long long)id));
    if (rc) return rc;
    if (cs_req_param(req, "sub")) return sub_resource(req, resp, r, id, rec);
    return cs_family_ok(CS_FAMILY_REPORTING, req, resp, 200, rec);
}
