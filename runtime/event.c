/* API Gateway proxy events (REST payload 1.0, HTTP API payload 2.0) to and from the
 * core's request and response. Events are outside input: every field is type-checked
 * and a malformed event is refused, never trusted. */
#include <ctype.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/buf.h"
#include "cs/json.h"
#include "runtime.h"

static const char *str_at(json_object *o, const char *key) { return cs_json_get_str(o, key); }

static json_object *obj_at(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object) ? v
                                                                                             : NULL;
}

static char *lower(struct cs_arena *a, const char *s)
{
    char *c = cs_arena_strdup(a, s);
    if (c)
        for (char *p = c; *p; p++) *p = (char)tolower((unsigned char)*p);
    return c;
}

static int add_header(struct cs_arena *a, struct cs_header *h, size_t *n, const char *name,
                      const char *value)
{
    if (*n >= CS_RT_MAX_HEADERS) return CS_OK; /* extra headers are dropped, not fatal */
    h[*n].name = lower(a, name);
    h[*n].value = value;
    if (!h[*n].name) return CS_ERR_NOMEM;
    (*n)++;
    return CS_OK;
}

static int headers_from(struct cs_arena *a, json_object *ev, json_object *cookies,
                        struct cs_req *req)
{
    struct cs_header *h = cs_arena_alloc(a, CS_RT_MAX_HEADERS * sizeof(*h));
    size_t n = 0;
    if (!h) return CS_ERR_NOMEM;
    json_object *hs = obj_at(ev, "headers");
    int rc = CS_OK;
    if (hs) {
        json_object_object_foreach(hs, k, v)
        {
            if (json_object_is_type(v, json_type_string) && !rc)
                rc = add_header(a, h, &n, k, json_object_get_string(v));
        }
    }
    if (!rc && cookies && json_object_is_type(cookies, json_type_array)) {
        /* Payload 2.0 moves cookies out of the headers; the core reads them as one. */
        struct cs_buf b;
        cs_buf_init(&b, a, 64 * 1024);
        size_t nc = json_object_array_length(cookies);
        for (size_t i = 0; i < nc && !rc; i++) {
            const char *c = json_object_get_string(json_object_array_get_idx(cookies, i));
            if (c) rc = cs_buf_printf(&b, "%s%s", b.len ? "; " : "", c);
        }
        if (!rc && b.len) rc = add_header(a, h, &n, "cookie", cs_buf_str(&b));
    }
    req->headers = h;
    req->nheaders = n;
    return rc;
}

/* Payload 1.0 gives decoded query parameters; re-encode them into a raw query string. */
static const char *query_from_v1(struct cs_arena *a, json_object *ev)
{
    json_object *mv = obj_at(ev, "multiValueQueryStringParameters");
    json_object *sv = obj_at(ev, "queryStringParameters");
    struct cs_buf b;
    cs_buf_init(&b, a, 64 * 1024);
    int rc = CS_OK;
    json_object *src = mv ? mv : sv;
    if (!src) return "";
    json_object_object_foreach(src, k, v)
    {
        size_t nv = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 1;
        for (size_t i = 0; i < nv && !rc; i++) {
            json_object *item =
                json_object_is_type(v, json_type_array) ? json_object_array_get_idx(v, i) : v;
            const char *val = json_object_get_string(item);
            if (!val) continue;
            rc = cs_buf_printf(&b, "%s", b.len ? "&" : "");
            for (const char *p = k; *p && !rc; p++)
                rc = isalnum((unsigned char)*p) || strchr("-_.~", *p)
                         ? cs_buf_append(&b, p, 1)
                         : cs_buf_printf(&b, "%%%02X", (unsigned char)*p);
            if (!rc) rc = cs_buf_puts(&b, "=");
            for (const char *p = val; *p && !rc; p++)
                rc = isalnum((unsigned char)*p) || strchr("-_.~", *p)
                         ? cs_buf_append(&b, p, 1)
                         : cs_buf_printf(&b, "%%%02X", (unsigned char)*p);
        }
    }
    return rc ? NULL : cs_buf_str(&b);
}

static int body_from(struct cs_arena *a, json_object *ev, struct cs_req *req)
{
    json_object *body;
    if (!json_object_object_get_ex(ev, "body", &body) || body == NULL) return CS_OK;
    if (!json_object_is_type(body, json_type_string)) return CS_ERR_BAD_REQUEST;
    const char *s = json_object_get_string(body);
    size_t n = (size_t)json_object_get_string_len(body);
    if (!cs_json_get_bool(ev, "isBase64Encoded", false)) {
        req->body = s;
        req->body_len = n;
        return CS_OK;
    }
    unsigned char *bin = cs_arena_alloc(a, n + 1);
    size_t blen = 0;
    if (!bin) return CS_ERR_NOMEM;
    if (sodium_base642bin(bin, n, s, n, "\r\n ", &blen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return CS_ERR_BAD_REQUEST;
    req->body = (const char *)bin;
    req->body_len = blen;
    return CS_OK;
}

/* An EventBridge scheduled event: {"source":"aws.events","detail-type":"Scheduled Event",
 * "detail":{"tenant":"acme",...}}. The core picks the route (cs/http.h schedule_tenant). */
static bool scheduled(json_object *ev)
{
    const char *src = str_at(ev, "source"), *type = str_at(ev, "detail-type");
    return src && type && strcmp(src, "aws.events") == 0 && strcmp(type, "Scheduled Event") == 0;
}

static int schedule_to_req(json_object *ev, struct cs_req *req, int *version)
{
    json_object *detail = obj_at(ev, "detail");
    const char *tenant = str_at(detail, "tenant");
    if (!tenant || !cs_tenant_valid(tenant)) return CS_ERR_BAD_REQUEST;
    *version = 2;
    req->schedule_tenant = tenant;
    req->method = "POST";
    req->path = "/";
    req->query = "";
    req->body = json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN);
    req->body_len = req->body ? strlen(req->body) : 0;
    return req->body ? CS_OK : CS_ERR_NOMEM;
}

static bool websocket(json_object *ev)
{
    json_object *rc = obj_at(ev, "requestContext");
    const char *key = str_at(rc, "routeKey"), *id = str_at(rc, "connectionId");
    return key && id && str_at(rc, "eventType") && strlen(key) < 64 && strlen(id) < 128 &&
           strchr(key, '/') == NULL;
}

int cs_event_to_req(struct cs_arena *a, const char *event, size_t len, struct cs_req *req,
                    int *version)
{
    json_object *ev;
    if (cs_json_parse(event, len, a, &ev, NULL) != CS_OK ||
        !json_object_is_type(ev, json_type_object))
        return CS_ERR_BAD_REQUEST;
    const char *ver = str_at(ev, "version");
    json_object *http = obj_at(obj_at(ev, "requestContext"), "http");
    json_object *cookies = NULL;
    if (ver && strcmp(ver, "2.0") == 0) {
        *version = 2;
        req->method = str_at(http, "method");
        req->path = str_at(ev, "rawPath");
        req->query = str_at(ev, "rawQueryString");
        req->peer_addr = str_at(http, "sourceIp"); /* API Gateway's, not a client header */
        json_object_object_get_ex(ev, "cookies", &cookies);
    } else if (str_at(ev, "httpMethod")) {
        *version = 1;
        req->method = str_at(ev, "httpMethod");
        req->path = str_at(ev, "path");
        req->query = query_from_v1(a, ev);
        req->peer_addr = str_at(obj_at(obj_at(ev, "requestContext"), "identity"), "sourceIp");
    } else if (websocket(ev)) {
        /* API Gateway WebSocket API: the route key becomes the path the gateway of
         * runtime/ws.c uses locally; answers in the 1.0 format it expects. */
        *version = 1;
        req->method =
            "WS"; /* a route key, not an HTTP method: see functions/websocket-connection */
        req->path =
            cs_arena_printf(a, "/websocket/%s", str_at(obj_at(ev, "requestContext"), "routeKey"));
        req->query = query_from_v1(a, ev);
        req->peer_addr = str_at(obj_at(obj_at(ev, "requestContext"), "identity"), "sourceIp");
    } else if (scheduled(ev)) {
        return schedule_to_req(ev, req, version);
    } else {
        return CS_ERR_BAD_REQUEST;
    }
    if (!req->method || !req->path || req->path[0] != '/') return CS_ERR_BAD_REQUEST;
    if (!req->query) req->query = "";
    int rc = headers_from(a, ev, cookies, req);
    if (!rc) rc = body_from(a, ev, req);
    if (!rc && websocket(ev))
        rc = cs_rt_ws_headers(a, req, str_at(obj_at(ev, "requestContext"), "connectionId"));
    return rc;
}

/* Set-Cookie is the one response header that must never be comma-joined: cookie
 * attributes such as Expires contain commas (RFC 6265 section 3). */
static bool is_set_cookie(const char *name) { return strcasecmp(name, "set-cookie") == 0; }

static int push_str(json_object *arr, const char *s)
{
    json_object *v = json_object_new_string(s);
    if (!v || json_object_array_add(arr, v) != 0) {
        json_object_put(v);
        return CS_ERR_NOMEM;
    }
    return CS_OK;
}

/* The array under `key` in `o`, created empty when absent; NULL on failure. */
static json_object *array_at(json_object *o, const char *key)
{
    json_object *arr;
    if (json_object_object_get_ex(o, key, &arr)) return arr;
    arr = json_object_new_array();
    return cs_json_add(o, key, arr) == CS_OK ? arr : NULL;
}

/* Payload 2.0 has one value per name in "headers" (API Gateway comma-joins repeats the
 * same way) and a separate "cookies" array that becomes one Set-Cookie line each. */
static int headers_v2(struct cs_arena *a, const struct cs_resp *resp, json_object *o,
                      json_object *h)
{
    int rc = cs_json_add_str(h, "content-type", resp->content_type);
    for (size_t i = 0; !rc && i < resp->nheaders; i++) {
        const struct cs_header *x = &resp->headers[i];
        json_object *prev;
        if (!x->value) continue;
        if (is_set_cookie(x->name)) {
            json_object *cookies = array_at(o, "cookies");
            rc = cookies ? push_str(cookies, x->value) : CS_ERR_NOMEM;
        } else if (json_object_object_get_ex(h, x->name, &prev)) {
            const char *j = cs_arena_printf(a, "%s, %s", json_object_get_string(prev), x->value);
            rc = j ? cs_json_add_str(h, x->name, j) : CS_ERR_NOMEM;
        } else {
            rc = cs_json_add_str(h, x->name, x->value);
        }
    }
    return rc;
}

/* Payload 1.0: every value separately in "multiValueHeaders"; "headers" repeats only the
 * single-valued names, since API Gateway merges both maps and would otherwise send a
 * comma-joined copy beside the separate values. */
static int headers_v1(const struct cs_resp *resp, json_object *h, json_object *mv)
{
    json_object *ct = array_at(mv, "content-type");
    int rc = ct ? push_str(ct, resp->content_type) : CS_ERR_NOMEM;
    for (size_t i = 0; !rc && i < resp->nheaders; i++) {
        const struct cs_header *x = &resp->headers[i];
        if (!x->value) continue;
        json_object *arr = array_at(mv, x->name);
        rc = arr ? push_str(arr, x->value) : CS_ERR_NOMEM;
    }
    if (rc) return rc;
    json_object_object_foreach(mv, k, v)
    {
        if (!rc && json_object_array_length(v) == 1)
            rc = cs_json_add(h, k, json_object_get(json_object_array_get_idx(v, 0)));
    }
    return rc;
}

int cs_event_from_resp(struct cs_arena *a, const struct cs_resp *resp, int version,
                       const char **out, size_t *len)
{
    json_object *o = cs_json_object(a), *h = json_object_new_object();
    int rc = o ? cs_json_add(o, "statusCode", json_object_new_int(resp->status)) : CS_ERR_NOMEM;
    if (!rc)
        rc = cs_json_add(o, "headers", h);
    else
        json_object_put(h);
    json_object *mv = NULL;
    if (!rc && version == 1)
        rc = cs_json_add(o, "multiValueHeaders", mv = json_object_new_object());
    if (!rc) rc = mv ? headers_v1(resp, h, mv) : headers_v2(a, resp, o, h);
    if (!rc)
        rc = cs_json_add(
            o, "body",
            json_object_new_string_len(resp->body ? resp->body : "", (int)resp->body_len));
    if (!rc) rc = cs_json_add_bool(o, "isBase64Encoded", false);
    if (rc) return rc;
    *out = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
    return *out ? CS_OK : CS_ERR_NOMEM;
}
