/* The one outbound HTTP client's set-up (cs/net.h). */
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cs/net.h"

int cs_from_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK: return CS_OK;
    case CURLE_OPERATION_TIMEDOUT: return CS_ERR_TIMEOUT;
    case CURLE_OUT_OF_MEMORY: return CS_ERR_NOMEM;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return CS_ERR_CONFIG;
    default: return CS_ERR_UPSTREAM; /* refused, reset, truncated, TLS, DNS */
    }
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

/* The address check runs where libcurl opens the socket, after name resolution. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct cs_net_call *call = arg;
    (void)purpose;
    if (call->allow_addr && !call->allow_addr(&addr->addr)) {
        call->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

static struct curl_slist *append(struct curl_slist *h, const char *line)
{
    struct curl_slist *n = curl_slist_append(h, line);
    if (!n) curl_slist_free_all(h);
    return n;
}

/* The request's header lines into *out (NULL when there are none); false when out of
 * memory (nothing left to release). */
static bool header_list(const struct cs_net_opts *o, struct curl_slist **out)
{
    struct curl_slist *h = NULL;
    bool typed = false; /* the caller names its own Content-Type (AWS's JSON 1.0 APIs) */
    for (size_t i = 0; o->headers && o->headers[i]; i++)
        typed |= strncasecmp(o->headers[i], "Content-Type:", 13) == 0;
    if (o->body && !typed && !(h = append(h, "Content-Type: application/json"))) return false;
    for (size_t i = 0; o->headers && o->headers[i]; i++)
        if (!(h = append(h, o->headers[i]))) return false;
    /* No 100-continue round trip; a signed call must not list it (cs_net_opts). */
    if (!o->aws_sigv4 && !(h = append(h, "Expect:"))) return false;
    *out = h;
    return true;
}

int cs_net_prepare(CURL *c, const struct cs_net_opts *o, struct cs_net_call *call)
{
    memset(call, 0, sizeof(*call));
    if (!header_list(o, &call->hdr)) return CS_ERR_NOMEM;
    call->allow_addr = o->allow_addr;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, o->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, call->hdr);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    if (o->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
    }
    /* Without a body callback libcurl would write the answer to stdout, which Lambda
     * ships to the function's log. */
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, o->on_body ? o->on_body : discard);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, o->body_arg);
    if (o->on_header) {
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, o->on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, o->header_arg);
    }
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(o->timeout_ms > 0 ? o->timeout_ms : 0));
    int64_t connect = o->connect_timeout_ms;
    if (o->timeout_ms > 0 && (connect <= 0 || connect > o->timeout_ms)) connect = o->timeout_ms;
    if (connect > 0) curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)connect);
    if (o->user_agent) curl_easy_setopt(c, CURLOPT_USERAGENT, o->user_agent);
    if (o->aws_sigv4) {
        curl_easy_setopt(c, CURLOPT_AWS_SIGV4, o->aws_sigv4);
        curl_easy_setopt(c, CURLOPT_USERNAME, o->aws_key);
        curl_easy_setopt(c, CURLOPT_PASSWORD, o->aws_secret);
    }
    if (o->unix_socket) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, o->unix_socket);
    if (o->allow_addr) {
        curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, call);
    }
    return CS_OK;
}

void cs_net_call_clean_up(struct cs_net_call *call)
{
    curl_slist_free_all(call->hdr);
    call->hdr = NULL;
}

CURLcode cs_net_perform(CURL *c, const struct cs_net_opts *o, long *status, bool *refused)
{
    struct cs_net_call call;
    *status = 0;
    if (refused) *refused = false;
    if (cs_net_prepare(c, o, &call)) return CURLE_OUT_OF_MEMORY;
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (refused) *refused = call.refused;
    cs_net_call_clean_up(&call);
    return rc;
}
