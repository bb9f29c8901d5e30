#include "cs/http.h"

#include <stdbool.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/env.h"
#include "cs/error.h"
#include "cs/json.h"
#include "cs/router.h"

const char *cs_req_header(const struct cs_req *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcmp(req->headers[i].name, name) == 0) return req->headers[i].value;
    return NULL;
}

/* True when the comma list `list` holds exactly `addr`. */
static bool addr_listed(const char *list, const char *addr)
{
    size_t n = strlen(addr);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ", ");
        if (k == n && strncmp(p, addr, n) == 0) return true;
        p += k;
        while (*p == ',' || *p == ' ') p++;
    }
    return false;
}

const char *cs_req_client(const struct cs_req *req)
{
    const char *peer = req->peer_addr;
    if (!peer || !*peer) return NULL;
    const char *trusted = req->env ? req->env->cfg.trusted_proxies : NULL;
    if (!trusted || !*trusted || !addr_listed(trusted, peer)) return peer;
    /* Only the entry the trusted proxy appended is its own word; earlier ones are
     * whatever the client sent. */
    const char *xff = cs_req_header(req, "x-forwarded-for");
    if (!xff) return peer;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ') last++;
    size_t n = strcspn(last, " ");
    if (n == 0 || n > 64 || !req->arena) return peer;
    const char *copy = cs_arena_strndup(req->arena, last, n);
    return copy ? copy : peer;
}

const char *cs_req_param(const struct cs_req *req, const char *name)
{
    for (size_t i = 0; i < req->nparams; i++)
        if (strcmp(req->param_names[i], name) == 0) return req->param_values[i];
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* True when the raw key (k, n bytes) percent-decodes to `name`. Decodes while comparing
 * so a lookup allocates nothing; a malformed escape never matches. */
static bool key_is(const char *k, size_t n, const char *name)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++, j++) {
        char c = k[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval(k[i + 1]) : -1, lo = i + 2 < n ? hexval(k[i + 2]) : -1;
            if (hi < 0 || lo < 0) return false;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == '\0' || name[j] != c) return false;
    }
    return name[j] == '\0';
}

/* One "key=value" pair of a raw query string, undecoded; `has_value` is false for a
 * bare "key". */
struct query_pair {
    const char *key, *value;
    size_t klen, vlen;
    bool has_value;
};

/* Splits the pair at *p and moves *p past it and its '&'; false at the end. */
static bool query_next(const char **p, struct query_pair *q)
{
    if (!**p) return false;
    size_t seg = strcspn(*p, "&");
    const char *eq = memchr(*p, '=', seg);
    q->key = *p;
    q->klen = eq ? (size_t)(eq - *p) : seg;
    q->has_value = eq != NULL;
    q->value = eq ? eq + 1 : *p + seg;
    q->vlen = eq ? seg - q->klen - 1 : 0;
    *p += seg;
    if (**p == '&') (*p)++;
    return true;
}

const char *cs_req_query(const struct cs_req *req, const char *name)
{
    const char *p = req->query ? req->query : "";
    struct query_pair q;
    while (query_next(&p, &q))
        if (key_is(q.key, q.klen, name)) return cs_url_decode(req->arena, q.value, q.vlen, true);
    return NULL;
}

static bool decodes(struct cs_arena *a, const char *s, size_t n, const char **out)
{
    *out = cs_url_decode(a, s, n, true);
    return *out && cs_utf8_valid(*out, strlen(*out));
}

int cs_req_query_check(const struct cs_req *req, struct cs_resp *resp)
{
    const char *p = req->query ? req->query : "";
    struct query_pair q;
    while (query_next(&p, &q)) {
        const char *key, *val;
        if (!decodes(req->arena, q.key, q.klen, &key) ||
            (q.has_value && !decodes(req->arena, q.value, q.vlen, &val))) {
            cs_resp_field_error(resp, "query",
                                key && cs_utf8_valid(key, strlen(key)) ? key : "query",
                                "Malformed percent-encoding in the query string", "value_error");
            return CS_ERR_VALIDATION;
        }
    }
    return CS_OK;
}

int cs_resp_header(struct cs_resp *resp, const char *name, const char *value)
{
    if (resp->nheaders >= CS_MAX_RESP_HEADERS) return CS_ERR_INTERNAL;
    resp->headers[resp->nheaders++] = (struct cs_header){name, value};
    return CS_OK;
}

int cs_resp_json(struct cs_resp *resp, struct cs_arena *a, int status, json_object *obj)
{
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (!s) return CS_ERR_NOMEM;
    char *copy = cs_arena_strndup(a, s, len);
    if (!copy) return CS_ERR_NOMEM;
    cs_resp_raw(resp, status, "application/json", copy, len);
    return CS_OK;
}

void cs_resp_raw(struct cs_resp *resp, int status, const char *content_type, const char *body,
                 size_t len)
{
    resp->status = status;
    resp->content_type = content_type;
    resp->body = body;
    resp->body_len = len;
}

void cs_resp_field_error(struct cs_resp *resp, const char *loc0, const char *loc1, const char *msg,
                         const char *type)
{
    const char *const loc[] = {loc0, loc1, NULL};
    cs_field_errors_add(&resp->fields, loc, -1, msg, type);
}

int cs_resp_stream_begin(const struct cs_req *req, struct cs_resp *resp, int status,
                         const char *content_type)
{
    if (!req->stream || resp->streamed) return CS_ERR_UNAVAILABLE;
    resp->status = status;
    resp->content_type = content_type;
    (void)cs_resp_header(resp, "cache-control", "no-cache");
    (void)cs_resp_header(resp, "x-accel-buffering", "no");
    /* Set first: the head then carries no Content-Length; a failed begin means the
     * client is gone, and nothing else should be written either. */
    resp->streamed = true;
    return req->stream->begin(req->stream->ctx, resp) == 0 ? CS_OK : CS_ERR_IO;
}

int cs_resp_stream_write(const struct cs_req *req, struct cs_resp *resp, const char *p, size_t n)
{
    if (!resp->streamed) return CS_ERR_INTERNAL;
    return req->stream->write(req->stream->ctx, p, n) == 0 ? CS_OK : CS_ERR_IO;
}

const char *cs_http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
    }
}
