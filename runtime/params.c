/* CGI/FastCGI parameter translation shared by both transports. */
#include <ctype.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/buf.h"
#include "runtime.h"

static const char *param(char **envp, const char *name)
{
    size_t n = strlen(name);
    for (char **e = envp; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
    return NULL;
}

/* HTTP_X_REQUEST_ID -> x-request-id */
static char *header_name(struct cs_arena *a, const char *cgi, size_t n)
{
    char *s = cs_arena_strndup(a, cgi, n);
    if (!s) return NULL;
    for (char *p = s; *p; p++) *p = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
    return s;
}

static int collect_headers(struct cs_arena *a, char **envp, struct cs_req *req)
{
    struct cs_header *h = cs_arena_alloc(a, CS_RT_MAX_HEADERS * sizeof(*h));
    if (!h) return CS_ERR_NOMEM;
    size_t n = 0;
    for (char **e = envp; e && *e && n < CS_RT_MAX_HEADERS; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        const char *name = NULL;
        size_t len = 0;
        if (strncmp(*e, "HTTP_", 5) == 0)
            name = *e + 5, len = (size_t)(eq - *e) - 5;
        else if (strncmp(*e, "CONTENT_TYPE=", 13) == 0)
            name = *e, len = 12;
        else if (strncmp(*e, "CONTENT_LENGTH=", 15) == 0)
            name = *e, len = 14;
        if (!name) continue;
        h[n].name = header_name(a, name, len);
        h[n].value = eq + 1;
        if (!h[n].name) return CS_ERR_NOMEM;
        n++;
    }
    req->headers = h;
    req->nheaders = n;
    return CS_OK;
}

int cs_rt_req_from_params(struct cs_arena *a, char **envp, struct cs_req *req)
{
    const char *method = param(envp, "REQUEST_METHOD");
    const char *uri = param(envp, "REQUEST_URI");
    if (!uri) uri = param(envp, "SCRIPT_NAME"); /* plain CGI without REQUEST_URI */
    if (!method || !uri) return CS_ERR_BAD_REQUEST;
    size_t plen = strcspn(uri, "?");
    req->method = method;
    req->path = cs_arena_strndup(a, uri, plen);
    req->query = uri[plen] == '?' ? uri + plen + 1 : "";
    const char *qs = param(envp, "QUERY_STRING");
    if (qs && uri[plen] != '?') req->query = qs;
    if (!req->path) return CS_ERR_NOMEM;
    req->peer_addr = param(envp, "REMOTE_ADDR");
    return collect_headers(a, envp, req);
}

const char *cs_rt_cgi_head(struct cs_arena *a, const struct cs_resp *resp, size_t *len)
{
    struct cs_buf b;
    cs_buf_init(&b, a, 64 * 1024);
    int rc = cs_buf_printf(&b, "Status: %d %s\r\nContent-Type: %s\r\n", resp->status,
                           cs_http_reason(resp->status), resp->content_type);
    /* A streamed body's length is unknown; the web server frames it (chunked). */
    if (!rc && !resp->streamed) rc = cs_buf_printf(&b, "Content-Length: %zu\r\n", resp->body_len);
    for (size_t i = 0; !rc && i < resp->nheaders; i++) {
        const struct cs_header *h = &resp->headers[i];
        /* A CR or LF would split the header block, and an empty name or one with a
         * colon would shift it; such headers are dropped. */
        if (!h->value || !h->name || !h->name[0] || strpbrk(h->value, "\r\n") ||
            strpbrk(h->name, "\r\n: "))
            continue;
        rc = cs_buf_printf(&b, "%s: %s\r\n", h->name, h->value);
    }
    if (!rc) rc = cs_buf_puts(&b, "\r\n");
    if (rc) return NULL;
    *len = b.len;
    return cs_buf_str(&b);
}
