/* Delivery at once (cs/events.h): the asynchronous Lambda Invoke is a POST to the Invoke
 * API with InvocationType Event, signed with SigV4 by libcurl, and only a 202 counts.
 * Held against a loopback server that checks the request line, the SigV4 headers'
 * shape (Authorization, X-Amz-Date, the session token) and the body. AWS itself is not
 * reached from here. */
#include <netinet/in.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../support/test.h"
#include "cs/events.h"

struct server {
    int fd, port;
    const char *answer; /* status line */
    char req[16384];
    size_t len;
};

/* Reads one request (headers, then Content-Length bytes) and answers it. */
static void *serve_one(void *arg)
{
    struct server *s = arg;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) return NULL;
    size_t want = 0;
    for (;;) {
        ssize_t got = read(c, s->req + s->len, sizeof(s->req) - 1 - s->len);
        if (got <= 0) break;
        s->len += (size_t)got;
        s->req[s->len] = '\0';
        char *end = strstr(s->req, "\r\n\r\n");
        if (!end) continue;
        char *cl = strcasestr(s->req, "\r\ncontent-length:");
        if (!want) want = (size_t)(end + 4 - s->req) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
        if (s->len >= want) break;
    }
    char out[128];
    int n = snprintf(out, sizeof(out), "HTTP/1.1 %s\r\nContent-Length: 0\r\n\r\n", s->answer);
    if (write(c, out, (size_t)n) != n) perror("write");
    close(c);
    return NULL;
}

static int start(struct server *s, pthread_t *t)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(s->fd, 1) ||
        getsockname(s->fd, (struct sockaddr *)&sa, &sl))
        return -1;
    s->port = ntohs(sa.sin_port);
    return pthread_create(t, NULL, serve_one, s);
}

/* The value of header `name` (case-insensitive) in the request, copied to out. */
static const char *header(const struct server *s, const char *name, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof(key), "\r\n%s:", name);
    const char *h = strcasestr(s->req, key);
    if (!h) return NULL;
    h += strlen(key);
    while (*h == ' ') h++;
    size_t n = strcspn(h, "\r");
    snprintf(out, cap, "%.*s", (int)n, h);
    return out;
}

static bool matches(const char *s, const char *re)
{
    regex_t r;
    if (!s || regcomp(&r, re, REG_EXTENDED | REG_NOSUB)) return false;
    bool ok = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return ok;
}

static void test_invoke_signed(void)
{
    struct server s = {.answer = "202 Accepted"};
    pthread_t t;
    REQUIRE(start(&s, &t) == 0);
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", s.port);
    struct cs_lambda_target target = {.endpoint = endpoint,
                                      .region = "eu-west-1",
                                      .key_id = "AKIDEXAMPLE",
                                      .secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                      .session_token = "FwoGZXIvYXdzEXAMPLETOKEN",
                                      .function = "cs-webhook-dispatch"};
    const char *body = "{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\"}";
    long status = 0;
    CHECK_INT(cs_lambda_invoke_event(&target, body, &status), CS_OK);
    CHECK_INT(status, 202);
    pthread_join(t, NULL);
    close(s.fd);
    CHECK(strncmp(s.req, "POST /2015-03-31/functions/cs-webhook-dispatch/invocations HTTP/1.1\r\n",
                  69) == 0);
    char v[1024];
    const char *auth = header(&s, "authorization", v, sizeof(v));
    printf("# %s\n", auth ? auth : "(no Authorization)");
    CHECK(matches(auth, "^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/[0-9]{8}/eu-west-1/lambda/"
                        "aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$"));
    CHECK(matches(auth, "SignedHeaders=([a-z0-9-]+;)*host;([a-z0-9-]+;)*x-amz-date(;|,)"));
    CHECK(auth && strstr(auth, "wJalrXUtnFEMI") == NULL); /* the secret never travels */
    char date[64], tok[128], type[32], ct[64];
    CHECK(matches(header(&s, "x-amz-date", date, sizeof(date)), "^[0-9]{8}T[0-9]{6}Z$"));
    CHECK(auth && strstr(auth, "Credential=AKIDEXAMPLE/") &&
          strncmp(strstr(auth, "Credential=AKIDEXAMPLE/") + 23, date, 8) == 0);
    CHECK_STR(header(&s, "x-amz-security-token", tok, sizeof(tok)), "FwoGZXIvYXdzEXAMPLETOKEN");
    CHECK_STR(header(&s, "x-amz-invocation-type", type, sizeof(type)), "Event");
    CHECK_STR(header(&s, "content-type", ct, sizeof(ct)), "application/json");
    const char *got = strstr(s.req, "\r\n\r\n");
    CHECK_STR(got ? got + 4 : NULL, body);
}

static void test_invoke_refused(void)
{
    struct server s = {.answer = "403 Forbidden"};
    pthread_t t;
    REQUIRE(start(&s, &t) == 0);
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", s.port);
    struct cs_lambda_target target = {.endpoint = endpoint,
                                      .region = "eu-west-1",
                                      .key_id = "AKIDEXAMPLE",
                                      .secret = "secret",
                                      .function = "f"};
    long status = 0;
    CHECK_INT(cs_lambda_invoke_event(&target, "{}", &status), CS_ERR_UPSTREAM);
    CHECK_INT(status, 403);
    pthread_join(t, NULL);
    close(s.fd);
    CHECK(strcasestr(s.req, "\r\nx-amz-security-token:") == NULL); /* none without a token */
    target.key_id = NULL; /* no credentials: nothing is sent */
    CHECK_INT(cs_lambda_invoke_event(&target, "{}", &status), CS_ERR_CONFIG);
    CHECK_INT(status, 0);
}

static void test_staged_flag(void)
{
    CHECK(!cs_events_take_staged());
    cs_events_mark_staged();
    CHECK(cs_events_take_staged());
    CHECK(!cs_events_take_staged()); /* once */
}

int main(void)
{
    TEST_RUN(test_invoke_signed);
    TEST_RUN(test_invoke_refused);
    TEST_RUN(test_staged_flag);
    return test_done();
}
