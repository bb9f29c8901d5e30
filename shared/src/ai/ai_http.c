/* HTTP for the provider wire formats, on the product's one client (cs_net_prepare): one
 * libcurl easy handle per attempt, a total timeout from the caller's budget, Retry-After
 * captured, and a streamed 2xx body fed to the SSE parser as it arrives. The key travels
 * only in a request header; curl's verbose output is never enabled, so it cannot reach
 * the logs. */
#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "ai/ai_int.h"
#include "cs/arena.h"
#include "cs/net.h"

int64_t ai_retry_after_ms(const char *v, int64_t now_ms)
{
    while (*v == ' ' || *v == '\t') v++;
    if (*v >= '0' && *v <= '9') {
        int64_t s = 0;
        for (; *v >= '0' && *v <= '9'; v++) {
            if (s > 86400) return -1;
            s = s * 10 + (*v - '0');
        }
        while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') v++;
        return *v ? -1 : s * 1000;
    }
    time_t t = curl_getdate(v, NULL);
    if (t < 0) return -1;
    int64_t ms = (int64_t)t * 1000 - now_ms;
    return ms < 0 ? 0 : ms;
}

struct xfer {
    CURL *c;
    struct ai_http_resp *out;
    struct ai_sse *sse;
    int cb_rc; /* why a callback stopped the transfer */
};

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof(name) - 1 && len < 200 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        char v[200];
        memcpy(v, p + sizeof(name) - 1, len - (sizeof(name) - 1));
        v[len - (sizeof(name) - 1)] = '\0';
        v[strcspn(v, "\r\n")] = '\0';
        x->out->retry_after_ms = ai_retry_after_ms(v, (int64_t)time(NULL) * 1000);
    }
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * n;
    if (x->out->status == 0) curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &x->out->status);
    int rc;
    if (x->sse && x->out->status >= 200 && x->out->status < 300) {
        x->out->streamed = true;
        rc = ai_sse_feed(x->sse, p, len);
    } else {
        rc = cs_buf_append(&x->out->body, p, len);
    }
    if (rc) {
        x->cb_rc = rc;
        return 0; /* makes curl abort with CURLE_WRITE_ERROR */
    }
    return len;
}

static void easy_cleanup(void *c) { curl_easy_cleanup(c); }

int ai_http_post(const struct cs_ai *ai, struct cs_arena *a, const struct ai_req *rq,
                 int64_t budget_ms, struct ai_sse *sse, struct ai_http_resp *out)
{
    memset(out, 0, sizeof(*out));
    cs_buf_init(&out->body, a, AI_BODY_CAP);
    out->retry_after_ms = -1;
    if (budget_ms <= 0) return CS_ERR_TIMEOUT;
    CURL *c = curl_easy_init();
    if (!c) return CS_ERR_NOMEM;
    if (cs_arena_defer(a, easy_cleanup, c)) {
        curl_easy_cleanup(c);
        return CS_ERR_NOMEM;
    }
    const char *headers[AI_MAX_HEADERS + 1] = {0};
    for (size_t i = 0; i < AI_MAX_HEADERS && rq->headers[i]; i++) headers[i] = rq->headers[i];
    struct xfer x = {.c = c, .out = out, .sse = sse};
    const struct cs_net_opts o = {.url = rq->url,
                                  .headers = headers,
                                  .body = rq->body,
                                  .body_len = rq->body_len,
                                  .timeout_ms = budget_ms,
                                  .connect_timeout_ms = ai->cfg.connect_timeout_ms,
                                  .user_agent = "cs-ai/1",
                                  .on_body = on_body,
                                  .body_arg = &x,
                                  .on_header = on_header,
                                  .header_arg = &x};
    /* The key travels in a header, and cs_net_prepare never follows a redirect. */
    CURLcode crc = cs_net_perform(c, &o, &out->status, NULL);
    (void)cs_buf_str(&out->body);
    if (crc == CURLE_WRITE_ERROR && x.cb_rc) return x.cb_rc;
    return cs_from_curl(crc);
}
