/* The one outbound HTTP client's set-up (cs_net_prepare, cs/net.h) against a loopback
 * server: what goes on the wire, redirects not followed, the address guard, timeouts and
 * the error mapping every caller (Lambda loop, AI providers, webhooks) now shares. */
#include <string.h>
#include <strings.h>

#include "../../support/fake_provider.h"
#include "../../support/test.h"
#include "cs/net.h"

struct sink {
    char data[256];
    size_t n;
};

static size_t keep(char *p, size_t size, size_t n, void *arg)
{
    struct sink *s = arg;
    size_t len = size * n;
    if (s->n + len >= sizeof(s->data)) return 0;
    memcpy(s->data + s->n, p, len);
    s->n += len;
    s->data[s->n] = '\0';
    return len;
}

/* One transfer with o; returns the product code, *status the HTTP status. */
static int run(const struct cs_net_opts *o, long *status, bool *refused)
{
    CURL *c = curl_easy_init();
    if (!c) return -1;
    int rc = cs_from_curl(cs_net_perform(c, o, status, refused));
    curl_easy_cleanup(c);
    return rc;
}

static bool has_line(const char *head, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = head; (p = strcasestr(p, line)); p += n)
        if ((p == head || p[-1] == '\n') && (p[n] == '\r' || p[n] == '\n')) return true;
    return false;
}

static void post_carries_json_headers_and_body(void)
{
    static const struct fake_reply r[] = {{.status = 200, .body = "{\"ok\":true}"}};
    struct fake_provider *f = fake_provider_start(r, 1);
    REQUIRE(f);
    const char *extra[] = {"X-Key: secret-1", NULL};
    struct sink s = {0};
    const struct cs_net_opts o = {.url = fake_provider_url(f),
                                  .headers = extra,
                                  .body = "{\"a\":1}",
                                  .body_len = 7,
                                  .timeout_ms = 5000,
                                  .user_agent = "cs-test/1",
                                  .on_body = keep,
                                  .body_arg = &s};
    long status;
    CHECK_INT(run(&o, &status, NULL), CS_OK);
    CHECK_INT(status, 200);
    CHECK_STR(s.data, "{\"ok\":true}");
    const char *head = fake_provider_head(f, 0);
    REQUIRE(head);
    CHECK(strncmp(head, "POST / ", 7) == 0);
    CHECK(has_line(head, "Content-Type: application/json"));
    CHECK(has_line(head, "X-Key: secret-1"));
    CHECK(has_line(head, "User-Agent: cs-test/1"));
    CHECK(!strcasestr(head, "Expect:"));
    CHECK_STR(fake_provider_body(f, 0), "{\"a\":1}");
    fake_provider_stop(f);
}

static void get_has_no_body_headers_and_discards_the_answer(void)
{
    static const struct fake_reply r[] = {{.status = 204, .body = ""}};
    struct fake_provider *f = fake_provider_start(r, 1);
    REQUIRE(f);
    const struct cs_net_opts o = {.url = fake_provider_url(f), .timeout_ms = 5000};
    long status;
    CHECK_INT(run(&o, &status, NULL), CS_OK);
    CHECK_INT(status, 204);
    const char *head = fake_provider_head(f, 0);
    REQUIRE(head);
    CHECK(strncmp(head, "GET / ", 6) == 0);
    CHECK(!strcasestr(head, "Content-Type:"));
    fake_provider_stop(f);
}

static void redirects_are_not_followed(void)
{
    static const struct fake_reply r[] = {
        {.status = 302, .headers = "Location: /elsewhere\r\n", .body = ""},
        {.status = 200, .body = "followed"}};
    struct fake_provider *f = fake_provider_start(r, 2);
    REQUIRE(f);
    const struct cs_net_opts o = {
        .url = fake_provider_url(f), .body = "{}", .body_len = 2, .timeout_ms = 5000};
    long status;
    CHECK_INT(run(&o, &status, NULL), CS_OK);
    CHECK_INT(status, 302);
    CHECK_INT(fake_provider_count(f), 1);
    fake_provider_stop(f);
}

static bool refuse_all(const struct sockaddr *sa)
{
    (void)sa;
    return false;
}

static void address_guard_refuses_before_connecting(void)
{
    static const struct fake_reply r[] = {{.status = 200, .body = "{}"}};
    struct fake_provider *f = fake_provider_start(r, 1);
    REQUIRE(f);
    const struct cs_net_opts o = {.url = fake_provider_url(f),
                                  .body = "{}",
                                  .body_len = 2,
                                  .timeout_ms = 5000,
                                  .allow_addr = refuse_all};
    long status;
    bool refused = false;
    CHECK_INT(run(&o, &status, &refused), CS_ERR_UPSTREAM);
    CHECK(refused);
    CHECK_INT(status, 0);
    CHECK_INT(fake_provider_count(f), 0);
    fake_provider_stop(f);
}

static void timeout_maps_to_timeout(void)
{
    static const struct fake_reply r[] = {{.status = 200, .body = "{}", .delay_ms = 1500}};
    struct fake_provider *f = fake_provider_start(r, 1);
    REQUIRE(f);
    const struct cs_net_opts o = {.url = fake_provider_url(f), .timeout_ms = 200};
    long status;
    CHECK_INT(run(&o, &status, NULL), CS_ERR_TIMEOUT);
    fake_provider_stop(f);
}

static void error_mapping(void)
{
    CHECK_INT(cs_from_curl(CURLE_OK), CS_OK);
    CHECK_INT(cs_from_curl(CURLE_URL_MALFORMAT), CS_ERR_CONFIG);
    CHECK_INT(cs_from_curl(CURLE_UNSUPPORTED_PROTOCOL), CS_ERR_CONFIG);
    CHECK_INT(cs_from_curl(CURLE_OUT_OF_MEMORY), CS_ERR_NOMEM);
    CHECK_INT(cs_from_curl(CURLE_COULDNT_CONNECT), CS_ERR_UPSTREAM);
    /* Only http and https: a file:// URL is a configuration error, never read. */
    const struct cs_net_opts o = {.url = "file:///etc/passwd", .timeout_ms = 1000};
    long status;
    CHECK_INT(run(&o, &status, NULL), CS_ERR_CONFIG);
}

int main(void)
{
    TEST_RUN(post_carries_json_headers_and_body);
    TEST_RUN(get_has_no_body_headers_and_discards_the_answer);
    TEST_RUN(redirects_are_not_followed);
    TEST_RUN(address_guard_refuses_before_connecting);
    TEST_RUN(timeout_maps_to_timeout);
    TEST_RUN(error_mapping);
    return test_done();
}
