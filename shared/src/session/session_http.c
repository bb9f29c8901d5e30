/* Small request-level helpers shared by the sessions functions. */
#include "cs/session.h"

#include <stdbool.h>
#include <string.h>

#include "cs/env.h"
#include "cs/function.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/notify.h"

int cs_session_rate_for(const struct cs_req *req, const char *company, const char *key,
                        struct cs_rate *out)
{
    json_object *cfg;
    int64_t version;
    int rc =
        cs_session_config_load(req->store, req->arena, req->auth.tenant, company, &cfg, &version);
    if (rc) return rc;
    /* Kept for the handler (cs_session_req_config), which acts on the same company. */
    if (req->rate_reads && company) {
        req->rate_reads->cfg_of = company;
        req->rate_reads->cfg = cfg;
    }
    *out = (struct cs_rate){cs_session_rate_limit(cfg, key), 60};
    return CS_OK;
}

int cs_session_rate(const struct cs_req *req, const char *key, struct cs_rate *out)
{
    /* The company the request acts on picks the limit: a GET names it in the query (and
     * reads that company's data), a POST in its body. A query parameter on a POST acts
     * on nothing, so it must not pick a laxer company's limit (issue 13). */
    bool has_body = strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;
    const char *company = has_body ? NULL : cs_req_query(req, "companyId");
    /* The core parsed the body before the limit (NULL when it does not parse: the
     * default limit, and its error comes later). */
    if (has_body && json_object_is_type(req->json, json_type_object))
        company = cs_json_get_str(req->json, "companyId");
    return cs_session_rate_for(req, company, key, out);
}

int cs_session_fail(const struct cs_req *req, struct cs_resp *resp, int code, const char *key,
                    const char *val)
{
    if (!key || !val) return code;
    json_object *d = cs_json_object(req->arena);
    if (d && cs_json_add_str(d, key, val) == CS_OK) resp->err_details = d;
    return code;
}

int cs_session_load_fail(const struct cs_req *req, struct cs_resp *resp, int code,
                         const struct cs_session *s, const char *id)
{
    if (code != CS_ERR_SESSION_CORRUPT) return cs_session_fail(req, resp, code, "sessionId", id);
    /* Never the stored content: only which field broke the document. */
    resp->err_code_name = "CS_010"; /* seed 003: a failure on our side */
    resp->err_message = "Stored session is malformed";
    json_object *d = cs_json_object(req->arena);
    if (d && !cs_json_add_str(d, "sessionId", id) &&
        !cs_json_add_str(d, "field", s && s->bad_field ? s->bad_field : "body"))
        resp->err_details = d;
    return code;
}

void cs_session_event_begin(const struct cs_req *req, const char *session_id, const char *company,
                            const char *customer, struct cs_jb *b)
{
    cs_jb_init(b, cs_json_object(req->arena));
    cs_jb_str(b, "sessionId", session_id);
    cs_jb_str(b, "companyId", company);
    cs_jb_str(b, "customerId", customer);
}

int cs_session_event_stage(const struct cs_req *req, const char *type, struct cs_jb *b)
{
    int rc = cs_jb_done(b);
    return rc ? rc
              : cs_notify_stage(req->store, req->arena, req->auth.tenant, type, b->obj, req->now_ms,
                                NULL);
}

int cs_session_req_modify(const struct cs_req *req, struct cs_resp *resp, const char *id,
                          cs_session_mutate_fn fn, void *ctx, struct cs_session *out)
{
    int load_rc;
    const struct cs_doc *first =
        req->rate_reads && req->rate_reads->doc->body ? req->rate_reads->doc : NULL;
    int rc = cs_session_modify_from(req->store, req->arena, req->auth.tenant, id, first,
                                    req->now_ms, fn, ctx, out, &load_rc);
    return rc && load_rc ? cs_session_load_fail(req, resp, rc, out, id) : rc;
}

int cs_session_req_config(const struct cs_req *req, struct cs_resp *resp, const char *company,
                          bool need_enabled, json_object **cfg)
{
    if (!company || !*company) return CS_ERR_COMPANY_ID;
    const struct cs_rate_reads *rr = req->rate_reads;
    int64_t version;
    int rc = CS_OK;
    if (rr && rr->cfg_of && strcmp(rr->cfg_of, company) == 0)
        *cfg = rr->cfg; /* the rate hook read it in this request */
    else
        rc = cs_session_config_load(req->store, req->arena, req->auth.tenant, company, cfg,
                                    &version);
    if (rc) return rc;
    if (need_enabled && !cs_json_get_bool(*cfg, "enabled", true))
        return cs_session_fail(req, resp, CS_ERR_CS_DISABLED, "companyId", company);
    return CS_OK;
}
