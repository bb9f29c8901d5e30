/* API Gateway event translation (runtime/event.c) in process: cs_event_to_req and
 * cs_event_from_resp for payload 1.0 (REST) and 2.0 (HTTP API). */
#include <json-c/json.h>
#include <string.h>

#include "../../support/json_path.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/error.h"
#include "cs/http.h"
#include "runtime.h"

static struct cs_arena *arena;

static const char *header(const struct cs_req *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcmp(req->headers[i].name, name) == 0) return req->headers[i].value;
    return NULL;
}

static int to_req(const char *ev, struct cs_req *req, int *version)
{
    memset(req, 0, sizeof(*req));
    *version = 0;
    return cs_event_to_req(arena, ev, strlen(ev), req, version);
}

static void test_v2_basic(void)
{
    const char *ev =
        "{\"version\":\"2.0\",\"routeKey\":\"$default\",\"rawPath\":\"/api/v1/tickets/process\","
        "\"rawQueryString\":\"a=1&b=x%20y\",\"cookies\":[\"session=abc\",\"theme=dark\"],"
        "\"headers\":{\"Content-Type\":\"application/"
        "json\",\"X-Request-Id\":\"r-1\",\"accept\":\"*/*\"},"
        "\"requestContext\":{\"http\":{\"method\":\"POST\",\"path\":\"/api/v1/tickets/process\","
        "\"protocol\":\"HTTP/1.1\",\"sourceIp\":\"198.51.100.7\",\"userAgent\":\"t\"},"
        "\"requestId\":\"id\",\"stage\":\"$default\"},"
        "\"body\":\"{\\\"a\\\":1}\",\"isBase64Encoded\":false}";
    struct cs_req req;
    int version;
    REQUIRE(to_req(ev, &req, &version) == CS_OK);
    CHECK_INT(version, 2);
    CHECK_STR(req.method, "POST");
    CHECK_STR(req.path, "/api/v1/tickets/process");
    CHECK_STR(req.query, "a=1&b=x%20y");
    CHECK_STR(header(&req, "content-type"), "application/json"); /* names folded */
    CHECK_STR(header(&req, "x-request-id"), "r-1");
    CHECK_STR(header(&req, "accept"), "*/*");
    CHECK(header(&req, "Content-Type") == NULL);
    CHECK_STR(header(&req, "cookie"), "session=abc; theme=dark");
    CHECK_INT(req.nheaders, 4);
    CHECK_INT(req.body_len, 7);
    CHECK(req.body && memcmp(req.body, "{\"a\":1}", 7) == 0);
    cs_arena_reset(arena);
}

static void test_v2_minimal(void)
{
    /* No query, headers, cookies or body: all optional. */
    const char *ev = "{\"version\":\"2.0\",\"rawPath\":\"/health\","
                     "\"requestContext\":{\"http\":{\"method\":\"GET\"}}}";
    struct cs_req req;
    int version;
    REQUIRE(to_req(ev, &req, &version) == CS_OK);
    CHECK_INT(version, 2);
    CHECK_STR(req.query, "");
    CHECK_INT(req.nheaders, 0);
    CHECK(req.body == NULL);
    CHECK_INT(req.body_len, 0);
    cs_arena_reset(arena);
}

static void test_v1_multi_value_query(void)
{
    const char *ev =
        "{\"resource\":\"/search\",\"path\":\"/search\",\"httpMethod\":\"GET\","
        "\"headers\":{\"Accept\":\"application/json\"},"
        "\"queryStringParameters\":{\"q\":\"c&d\",\"x y\":\"\\u00e9/?\"},"
        "\"multiValueQueryStringParameters\":{\"q\":[\"a b\",\"c&d\"],\"x y\":[\"\\u00e9/?\"],"
        "\"safe\":[\"A-z_0.9~\"],\"plus\":[\"1+1=2%\"]},"
        "\"requestContext\":{\"stage\":\"prod\"},\"body\":null,\"isBase64Encoded\":false}";
    struct cs_req req;
    int version;
    REQUIRE(to_req(ev, &req, &version) == CS_OK);
    CHECK_INT(version, 1);
    CHECK_STR(req.method, "GET");
    CHECK_STR(req.path, "/search");
    /* multiValue wins over the single-value map; every value kept, reserved bytes and
     * UTF-8 percent-encoded, unreserved ones left alone. */
    CHECK_STR(req.query, "q=a%20b&q=c%26d&x%20y=%C3%A9%2F%3F&safe=A-z_0.9~&plus=1%2B1%3D2%25");
    CHECK_STR(header(&req, "accept"), "application/json");
    CHECK(req.body == NULL);
    req.arena = arena;
    CHECK_STR(cs_req_query(&req, "q"), "a b"); /* values round-trip through the core */
    CHECK_STR(cs_req_query(&req, "plus"), "1+1=2%");
    cs_arena_reset(arena);
}

static void test_v1_single_value_query(void)
{
    const char *ev = "{\"path\":\"/a\",\"httpMethod\":\"DELETE\","
                     "\"queryStringParameters\":{\"k\":\"v 1\",\"n\":\"2\"}}";
    struct cs_req req;
    int version;
    REQUIRE(to_req(ev, &req, &version) == CS_OK);
    CHECK_INT(version, 1);
    CHECK_STR(req.method, "DELETE");
    CHECK_STR(req.query, "k=v%201&n=2");
    cs_arena_reset(arena);

    const char *none = "{\"path\":\"/a\",\"httpMethod\":\"GET\",\"queryStringParameters\":null,"
                       "\"multiValueQueryStringParameters\":null}";
    REQUIRE(to_req(none, &req, &version) == CS_OK);
    CHECK_STR(req.query, "");
    cs_arena_reset(arena);
}

static void test_base64_body(void)
{
    /* "a\0b{}" in base64, with a line break API Gateway never sends but MIME does. */
    const char *ev = "{\"version\":\"2.0\",\"rawPath\":\"/x\","
                     "\"requestContext\":{\"http\":{\"method\":\"POST\"}},"
                     "\"body\":\"YQBie30=\",\"isBase64Encoded\":true}";
    struct cs_req req;
    int version;
    REQUIRE(to_req(ev, &req, &version) == CS_OK);
    CHECK_INT(req.body_len, 5);
    CHECK(req.body && memcmp(req.body, "a\0b{}", 5) == 0);
    cs_arena_reset(arena);

    const char *json = "{\"httpMethod\":\"POST\",\"path\":\"/t\","
                       "\"body\":\"eyJhcGlfa2V5Ijoi\\r\\neCJ9\",\"isBase64Encoded\":true}";
    REQUIRE(to_req(json, &req, &version) == CS_OK);
    CHECK_INT(version, 1);
    CHECK_INT(req.body_len, 15);
    CHECK(req.body && memcmp(req.body, "{\"api_key\":\"x\"}", 15) == 0);
    cs_arena_reset(arena);
}

static void test_refused(void)
{
    static const char *const bad[] = {
        /* invalid base64 */
        "{\"version\":\"2.0\",\"rawPath\":\"/"
        "x\",\"requestContext\":{\"http\":{\"method\":\"POST\"}},"
        "\"body\":\"not base64!\",\"isBase64Encoded\":true}",
        "{\"version\":\"2.0\",\"rawPath\":\"/"
        "x\",\"requestContext\":{\"http\":{\"method\":\"POST\"}},"
        "\"body\":\"YQ\",\"isBase64Encoded\":true}", /* missing padding */
        /* missing method */
        "{\"version\":\"2.0\",\"rawPath\":\"/x\",\"requestContext\":{}}",
        "{\"version\":\"2.0\",\"rawPath\":\"/x\",\"requestContext\":{\"http\":{\"method\":7}}}",
        /* missing or relative path */
        "{\"version\":\"2.0\",\"requestContext\":{\"http\":{\"method\":\"GET\"}}}",
        "{\"version\":\"2.0\",\"rawPath\":\"x\",\"requestContext\":{\"http\":{\"method\":\"GET\"}}"
        "}",
        "{\"httpMethod\":\"GET\"}",
        "{\"httpMethod\":\"GET\",\"path\":\"\"}",
        /* body not a string */
        "{\"httpMethod\":\"POST\",\"path\":\"/x\",\"body\":{\"a\":1}}",
        "{\"httpMethod\":\"POST\",\"path\":\"/x\",\"body\":42}",
        "{\"version\":\"2.0\",\"rawPath\":\"/"
        "x\",\"requestContext\":{\"http\":{\"method\":\"POST\"}},"
        "\"body\":[\"a\"]}",
        /* not an API Gateway event at all */
        "{\"foo\":1}",
        "{\"version\":\"1.0\"}",
        "[1,2]",
        "null",
        "\"GET /\"",
        "{\"httpMethod\":",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cs_req req;
        int version;
        int rc = to_req(bad[i], &req, &version);
        if (rc != CS_ERR_BAD_REQUEST)
            fprintf(stderr, "  accepted or wrong code %d: %s\n", rc, bad[i]);
        CHECK_INT(rc, CS_ERR_BAD_REQUEST);
        cs_arena_reset(arena);
    }
}

static void test_null_body_is_empty(void)
{
    const char *ev =
        "{\"httpMethod\":\"GET\",\"path\":\"/x\",\"body\":null,\"isBase64Encoded\":true}";
    struct cs_req req;
    int version;
    REQUIRE(to_req(ev, &req, &version) == CS_OK);
    CHECK(req.body == NULL);
    CHECK_INT(req.body_len, 0);
    cs_arena_reset(arena);
}

static json_object *from_resp(const struct cs_resp *resp, int version)
{
    const char *out = NULL;
    size_t len = 0;
    if (cs_event_from_resp(arena, resp, version, &out, &len) != CS_OK || !out) return NULL;
    CHECK_INT(len, strlen(out));
    return json_tokener_parse(out);
}

static void sample_resp(struct cs_resp *resp)
{
    memset(resp, 0, sizeof(*resp));
    resp->status = 201;
    resp->content_type = "application/json";
    static const char body[] = "{\"ok\":true,\"path\":\"/a/b\"}";
    resp->body = body;
    resp->body_len = sizeof(body) - 1;
    (void)cs_resp_header(resp, "vary", "Origin");
    (void)cs_resp_header(resp, "x-request-id", "r-9");
    (void)cs_resp_header(resp, "vary", "Accept");
    (void)cs_resp_header(resp, "x-skipped", NULL);
}

static void test_v2_response(void)
{
    struct cs_resp resp;
    sample_resp(&resp);
    json_object *o = from_resp(&resp, 2);
    REQUIRE(o != NULL);
    CHECK_INT(json_object_get_int(jget(o, "statusCode")), 201);
    json_object *h = jget(o, "headers");
    CHECK_STR(jstr(h, "content-type"), "application/json");
    CHECK_STR(jstr(h, "vary"), "Origin, Accept"); /* one value per name: comma-joined */
    CHECK(jget(o, "cookies") == NULL);
    CHECK_STR(jstr(h, "x-request-id"), "r-9");
    CHECK(jget(h, "x-skipped") == NULL);
    CHECK_INT(json_object_object_length(h), 3);
    CHECK(jget(o, "multiValueHeaders") == NULL);
    CHECK_STR(jstr(o, "body"), "{\"ok\":true,\"path\":\"/a/b\"}");
    CHECK(json_object_is_type(jget(o, "isBase64Encoded"), json_type_boolean));
    CHECK(!json_object_get_boolean(jget(o, "isBase64Encoded")));
    json_object_put(o);
    cs_arena_reset(arena);
}

static void test_v1_response(void)
{
    struct cs_resp resp;
    sample_resp(&resp);
    json_object *o = from_resp(&resp, 1);
    REQUIRE(o != NULL);
    CHECK_INT(json_object_get_int(jget(o, "statusCode")), 201);
    json_object *h = jget(o, "headers");
    /* API Gateway merges both maps: a repeated name lives only in multiValueHeaders. */
    CHECK(jget(h, "vary") == NULL);
    CHECK_STR(jstr(h, "x-request-id"), "r-9");
    CHECK_STR(jstr(h, "content-type"), "application/json");
    CHECK_INT(json_object_object_length(h), 2);
    json_object *mv = jget(o, "multiValueHeaders");
    if (!mv || !json_object_is_type(mv, json_type_object)) json_object_put(o);
    REQUIRE(mv && json_object_is_type(mv, json_type_object));
    CHECK_INT(json_object_object_length(mv), 3);
    json_object *vary = jget(mv, "vary");
    CHECK(vary && json_object_array_length(vary) == 2);
    CHECK_STR(json_object_get_string(json_object_array_get_idx(vary, 0)), "Origin");
    CHECK_STR(json_object_get_string(json_object_array_get_idx(vary, 1)), "Accept");
    CHECK_STR(json_object_get_string(json_object_array_get_idx(jget(mv, "x-request-id"), 0)),
              "r-9");
    CHECK_STR(json_object_get_string(json_object_array_get_idx(jget(mv, "content-type"), 0)),
              "application/json");
    CHECK_STR(jstr(o, "body"), "{\"ok\":true,\"path\":\"/a/b\"}");
    json_object_put(o);
    cs_arena_reset(arena);
}

/* Cookie attributes contain commas (Expires=Wed, 21 Oct ...), so Set-Cookie must never
 * be comma-joined: payload 2.0 has a "cookies" array, 1.0 multiValueHeaders. */
static const char cookie1[] = "sid=abc; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly";
static const char cookie2[] = "theme=dark; Path=/";

static void cookie_resp(struct cs_resp *resp)
{
    memset(resp, 0, sizeof(*resp));
    resp->status = 200;
    resp->content_type = "application/json";
    (void)cs_resp_header(resp, "set-cookie", cookie1);
    (void)cs_resp_header(resp, "x-request-id", "r-c");
    (void)cs_resp_header(resp, "set-cookie", cookie2);
}

static void test_set_cookie_v2(void)
{
    struct cs_resp resp;
    cookie_resp(&resp);
    json_object *o = from_resp(&resp, 2);
    REQUIRE(o != NULL);
    json_object *h = jget(o, "headers");
    CHECK(jget(h, "set-cookie") == NULL);
    CHECK_STR(jstr(h, "x-request-id"), "r-c");
    json_object *c = jget(o, "cookies");
    CHECK(c && json_object_is_type(c, json_type_array) && json_object_array_length(c) == 2);
    CHECK_STR(json_object_get_string(json_object_array_get_idx(c, 0)), cookie1);
    CHECK_STR(json_object_get_string(json_object_array_get_idx(c, 1)), cookie2);
    json_object_put(o);
    cs_arena_reset(arena);

    /* No cookies: no "cookies" member at all. */
    sample_resp(&resp);
    o = from_resp(&resp, 2);
    REQUIRE(o != NULL);
    CHECK(jget(o, "cookies") == NULL);
    json_object_put(o);
    cs_arena_reset(arena);
}

static void test_set_cookie_v1(void)
{
    struct cs_resp resp;
    cookie_resp(&resp);
    json_object *o = from_resp(&resp, 1);
    REQUIRE(o != NULL);
    CHECK(jget(jget(o, "headers"), "set-cookie") == NULL);
    json_object *c = jget(jget(o, "multiValueHeaders"), "set-cookie");
    CHECK(c && json_object_is_type(c, json_type_array) && json_object_array_length(c) == 2);
    CHECK_STR(json_object_get_string(json_object_array_get_idx(c, 0)), cookie1);
    CHECK_STR(json_object_get_string(json_object_array_get_idx(c, 1)), cookie2);
    CHECK(jget(o, "cookies") == NULL);
    json_object_put(o);
    cs_arena_reset(arena);

    /* One cookie: in both maps, identical, so API Gateway's merge sends it once. */
    memset(&resp, 0, sizeof(resp));
    resp.status = 200;
    resp.content_type = "application/json";
    (void)cs_resp_header(&resp, "set-cookie", cookie1);
    o = from_resp(&resp, 1);
    REQUIRE(o != NULL);
    CHECK_STR(jstr(jget(o, "headers"), "set-cookie"), cookie1);
    json_object_put(o);
    cs_arena_reset(arena);
}

static void test_set_cookie_fastcgi_lines(void)
{
    /* FastCGI/CGI: one header line per value, never joined. */
    struct cs_resp resp;
    cookie_resp(&resp);
    size_t len = 0;
    const char *head = cs_rt_cgi_head(arena, &resp, &len);
    REQUIRE(head != NULL);
    CHECK_INT(len, strlen(head));
    char want[512];
    snprintf(want, sizeof(want),
             "\r\nset-cookie: %s\r\nx-request-id: r-c\r\nset-cookie: %s\r\n\r\n", cookie1, cookie2);
    CHECK(strstr(head, want) != NULL);
    CHECK(strncmp(head, "Status: 200 OK\r\n", 16) == 0);
    cs_arena_reset(arena);
}

static void test_response_body_bytes(void)
{
    /* An empty body is "", and a body with a NUL keeps its length. */
    struct cs_resp resp;
    memset(&resp, 0, sizeof(resp));
    resp.status = 204;
    resp.content_type = "text/plain";
    json_object *o = from_resp(&resp, 2);
    REQUIRE(o != NULL);
    CHECK_STR(jstr(o, "body"), "");
    CHECK_STR(jstr(jget(o, "headers"), "content-type"), "text/plain");
    json_object_put(o);
    cs_arena_reset(arena);

    resp.status = 200;
    resp.body = "a\0b";
    resp.body_len = 3;
    o = from_resp(&resp, 2);
    REQUIRE(o != NULL);
    CHECK_INT(json_object_get_string_len(jget(o, "body")), 3);
    json_object_put(o);
    cs_arena_reset(arena);
}

static void test_round_trip_through_arena_reset(void)
{
    /* Many events through one arena: nothing from one request survives the reset (the
     * leak checker sees json-c objects the arena failed to release). */
    for (int i = 0; i < 200; i++) {
        const char *ev = i % 2 ? "{\"httpMethod\":\"GET\",\"path\":\"/"
                                 "x\",\"multiValueQueryStringParameters\":{\"a\":[\"1\",\"2\"]}}"
                               : "{\"version\":\"2.0\",\"rawPath\":\"/y\",\"cookies\":[\"c=1\"],"
                                 "\"requestContext\":{\"http\":{\"method\":\"GET\"}}}";
        struct cs_req req;
        int version;
        CHECK_INT(to_req(ev, &req, &version), CS_OK);
        struct cs_resp resp;
        sample_resp(&resp);
        const char *out;
        size_t len;
        CHECK_INT(cs_event_from_resp(arena, &resp, version, &out, &len), CS_OK);
        cs_arena_reset(arena);
    }
}

int main(void)
{
    arena = cs_arena_new(0);
    if (!arena) return 1;
    TEST_RUN(test_v2_basic);
    TEST_RUN(test_v2_minimal);
    TEST_RUN(test_v1_multi_value_query);
    TEST_RUN(test_v1_single_value_query);
    TEST_RUN(test_base64_body);
    TEST_RUN(test_refused);
    TEST_RUN(test_null_body_is_empty);
    TEST_RUN(test_v2_response);
    TEST_RUN(test_v1_response);
    TEST_RUN(test_set_cookie_v2);
    TEST_RUN(test_set_cookie_v1);
    TEST_RUN(test_set_cookie_fastcgi_lines);
    TEST_RUN(test_response_body_bytes);
    TEST_RUN(test_round_trip_through_arena_reset);
    cs_arena_destroy(arena);
    return test_done();
}
