/* What the reporting functions share at the HTTP edge: token authentication, the
 * family's coded errors, paging headers and the per-tenant rate. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/buf.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/function.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/reporting.h"

#define RATE_DEFAULT 10

static unsigned rate_per_s = RATE_DEFAULT;

int cs_rp_init(struct cs_env *env)
{
    /* Imports take up to 10 MiB: the transports read no more than max_body. */
    if (env->cfg.max_body < CS_RP_IMPORT_MAX) env->cfg.max_body = CS_RP_IMPORT_MAX;
    const char *v = getenv("CS_REPORTING_RATE_LIMIT");
    if (!v || !*v) return CS_OK;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 1 || n > 1000000) return CS_ERR_CONFIG;
    rate_per_s = (unsigned)n;
    return CS_OK;
}

int cs_rp_rate(const struct cs_req *req, struct cs_rate *out)
{
    (void)req;
    *out = (struct cs_rate){rate_per_s, 1};
    return CS_OK;
}

int cs_rp_authenticate(struct cs_req *req, const char *user, const char *password)
{
    int rc =
        cs_rp_token_verify(req->store, req->arena, user, password, req->env->cfg.jwt_key.bytes);
    if (rc) return rc;
    req->auth = (struct cs_principal){.tenant = cs_arena_strdup(req->arena, user),
                                      .subject = "reporting-token",
                                      .roles = {"reporting"},
                                      .nroles = 1};
    return req->auth.tenant ? CS_OK : CS_ERR_NOMEM;
}

bool cs_rp_may_write(const struct cs_req *req)
{
    return cs_principal_has_role(&req->auth, "reporting") ||
           cs_principal_has_role(&req->auth, "admin");
}

int cs_rp_fail(struct cs_resp *resp, int code, const char *code_name, const char *message)
{
    resp->err_code_name = code_name;
    resp->err_message = message;
    return code;
}

int cs_rp_query_fail(struct cs_resp *resp, int code, const struct cs_rp_error *err)
{
    return cs_rp_fail(resp, code, err->code, err->message);
}

/* The request's query without page and after: the base of every Link. */
static const char *base_query(struct cs_arena *a, const char *query)
{
    struct cs_buf b;
    cs_buf_init(&b, a, 64 << 10);
    for (const char *p = query ? query : ""; *p;) {
        size_t n = strcspn(p, "&");
        bool drop = (n >= 5 && !strncmp(p, "page=", 5)) || (n >= 6 && !strncmp(p, "after=", 6)) ||
                    n == 0 || (n == 4 && !strncmp(p, "page", 4));
        if (!drop && (cs_buf_append(&b, p, n) || cs_buf_puts(&b, "&"))) return NULL;
        p += n;
        if (*p == '&') p++;
    }
    return cs_buf_str(&b);
}

int cs_rp_page_headers(const struct cs_req *req, struct cs_resp *resp, const struct cs_rp_query *q,
                       int64_t total, const struct cs_rp_page_end *end)
{
    struct cs_arena *a = req->arena;
    int64_t pages = total > 0 ? (total + q->per - 1) / q->per : 1;
    const char *base = base_query(a, req->query);
    if (!base) return CS_ERR_NOMEM;
    const char *link =
        cs_arena_printf(a, "<%s?%spage=%lld>; rel=\"last\"", req->path, base, (long long)pages);
    if (q->page < pages && link) {
        const char *after = "";
        bool tail = q->sort && !strcmp(q->sort->name, "updated_at") && end->n;
        if (tail)
            after = cs_arena_printf(a, "&after=%lld.%lld", (long long)end->last_upd_ms,
                                    (long long)end->last_id);
        link = after ? cs_arena_printf(a, "<%s?%spage=%lld%s>; rel=\"next\", %s", req->path, base,
                                       (long long)(q->page + 1), after, link)
                     : NULL;
    }
    const char *t = cs_arena_printf(a, "%lld", (long long)total);
    const char *per = cs_arena_printf(a, "%lld", (long long)q->per);
    if (!link || !t || !per) return CS_ERR_NOMEM;
    int rc = cs_resp_header(resp, "total", t);
    if (!rc) rc = cs_resp_header(resp, "per-page", per);
    if (!rc) rc = cs_resp_header(resp, "link", link);
    return rc;
}
