#include "http_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct growing {
    char *p;
    size_t n;
};

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    struct growing *g = arg;
    size_t add = size * n;
    char *q = realloc(g->p, g->n + add + 1);
    if (!q) return 0;
    memcpy(q + g->n, data, add);
    g->n += add;
    q[g->n] = '\0';
    g->p = q;
    return add;
}

/* With CS_TEST_RESPONSE_LOG set, every exchange is appended as one JSON line (method,
 * path, status, content type, body) for the OpenAPI check after the e2e run
 * (tests/openapi/check_responses.py), which holds each answer against the schema the
 * document declares for its route and status. */
static void record_exchange(const char *method, const char *path, long status, CURL *c,
                            const char *body)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    const char *log = getenv("CS_TEST_RESPONSE_LOG");
    if (!log || !*log) return;
    char *ctype = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "method", json_object_new_string(method));
    json_object_object_add(o, "path", json_object_new_string(path));
    json_object_object_add(o, "status", json_object_new_int64(status));
    json_object_object_add(o, "content_type", json_object_new_string(ctype ? ctype : ""));
    json_object_object_add(o, "body", json_object_new_string(body ? body : ""));
    const char *line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    pthread_mutex_lock(&mu);
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        size_t n = strlen(line);
        if (write(fd, line, n) != (ssize_t)n || write(fd, "\n", 1) != 1) { /* best effort */
        }
        close(fd);
    }
    pthread_mutex_unlock(&mu);
    json_object_put(o);
}

int http_do(const char *method, const char *path, const char *body, const char *const *headers,
            struct http_result *out)
{
    memset(out, 0, sizeof(*out));
    const char *base = getenv("CS_TEST_BASE_URL");
    if (!base) return -1;
    size_t ulen = strlen(base) + strlen(path) + 1;
    char *url = malloc(ulen);
    if (!url) return -1;
    memcpy(url, base, strlen(base));
    memcpy(url + strlen(base), path, strlen(path) + 1);
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    for (const char *const *p = headers; p && *p; p++) h = curl_slist_append(h, *p);
    struct growing b = {0}, hd = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hd);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (rc == CURLE_OK) record_exchange(method, path, out->status, c, b.p);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(url);
    out->body = b.p ? b.p : calloc(1, 1);
    out->body_len = b.n;
    out->headers = hd.p ? hd.p : calloc(1, 1);
    out->json = out->body_len ? json_tokener_parse(out->body) : NULL;
    return rc == CURLE_OK ? 0 : -1;
}

const char *http_header(const struct http_result *r, const char *name, char *buf, size_t cap)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
            const char *v = line + n + 1;
            while (*v == ' ') v++;
            size_t vlen = len - (size_t)(v - line);
            if (vlen >= cap) vlen = cap - 1;
            memcpy(buf, v, vlen);
            buf[vlen] = '\0';
            return buf;
        }
        line = end ? end + 2 : NULL;
    }
    return NULL;
}

void http_result_free(struct http_result *r)
{
    free(r->body);
    free(r->headers);
    json_object_put(r->json);
    memset(r, 0, sizeof(*r));
}
