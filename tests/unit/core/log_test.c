/* Structured logs (shared/src/core/log.c): one JSON object per line on stderr, values escaped
 * so no input can start a second line, level filtering, and an access line that holds
 * exactly the metadata fields and nothing else. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../../support/test.h"
#include "cs/log.h"

static char captured[8192];
static FILE *cap_file;
static int saved_fd = -1;

static void capture_start(void)
{
    fflush(stderr);
    cap_file = tmpfile();
    saved_fd = dup(2);
    if (cap_file) dup2(fileno(cap_file), 2);
}

static const char *capture_end(void)
{
    fflush(stderr);
    dup2(saved_fd, 2);
    close(saved_fd);
    captured[0] = '\0';
    if (!cap_file) return captured;
    fseek(cap_file, 0, SEEK_SET);
    size_t n = fread(captured, 1, sizeof(captured) - 1, cap_file);
    captured[n] = '\0';
    fclose(cap_file);
    return captured;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static json_object *line_at(const char *text, int idx)
{
    const char *p = text;
    for (int i = 0; i < idx && p; i++) p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
    if (!p || !*p) return NULL;
    size_t n = strcspn(p, "\n");
    char buf[4096];
    if (n >= sizeof(buf)) return NULL;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return json_tokener_parse(buf);
}

static const char *str(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static void test_one_object_per_line(void)
{
    cs_log_set_level(CS_LOG_DEBUG);
    cs_log_set_function("tickets-process");
    capture_start();
    cs_log(CS_LOG_WARN, "odd \"input\"\n{\"level\":\"error\"}", "reason", "line1\nline2\r\"q\"\\",
           "none", NULL, NULL);
    cs_log(CS_LOG_INFO, "second", NULL);
    const char *text = capture_end();
    CHECK_INT(count_lines(text), 2);
    json_object *o = line_at(text, 0);
    REQUIRE(o != NULL);
    CHECK_STR(str(o, "level"), "warn");
    CHECK_STR(str(o, "fn"), "tickets-process");
    CHECK_STR(str(o, "msg"), "odd \"input\"\n{\"level\":\"error\"}");
    CHECK_STR(str(o, "reason"), "line1\nline2\r\"q\"\\");
    json_object *none;
    CHECK(json_object_object_get_ex(o, "none", &none) && none == NULL);
    const char *ts = str(o, "ts");
    CHECK(ts && strlen(ts) == 24 && ts[23] == 'Z');
    json_object_put(o);
    o = line_at(text, 1);
    CHECK_STR(str(o, "msg"), "second");
    json_object_put(o);
}

static void test_levels(void)
{
    CHECK_INT(cs_log_level_parse("debug"), CS_LOG_DEBUG);
    CHECK_INT(cs_log_level_parse("error"), CS_LOG_ERROR);
    CHECK_INT(cs_log_level_parse("ERROR"), -1);
    CHECK_INT(cs_log_level_parse(""), -1);
    cs_log_set_level(CS_LOG_WARN);
    capture_start();
    cs_log(CS_LOG_INFO, "hidden", NULL);
    cs_log(CS_LOG_DEBUG, "hidden", NULL);
    cs_log(CS_LOG_ERROR, "shown", NULL);
    struct cs_access_log ok = {.method = "GET", .status = 200, .latency_ms = 1};
    struct cs_access_log bad = {.method = "GET", .status = 503, .latency_ms = 1};
    cs_log_access(&ok);  /* info: filtered */
    cs_log_access(&bad); /* 5xx is logged as error */
    const char *text = capture_end();
    CHECK_INT(count_lines(text), 2);
    CHECK(strstr(text, "hidden") == NULL);
    json_object *o = line_at(text, 1);
    CHECK_STR(str(o, "level"), "error");
    json_object_put(o);
    cs_log_set_level(CS_LOG_INFO);
}

static void test_access_line_fields(void)
{
    cs_log_set_level(CS_LOG_INFO);
    capture_start();
    struct cs_access_log e = {
        .request_id = "req-1",
        .tenant = "acme",
        .method = "POST",
        .route = "/api/v1/tickets/{id}",
        .status = 422,
        .error = "CS_ERR_VALIDATION",
        .latency_ms = 1.25,
    };
    cs_log_access(&e);
    struct cs_access_log bare = {.status = 404};
    cs_log_access(&bare);
    const char *text = capture_end();
    CHECK_INT(count_lines(text), 2);
    json_object *o = line_at(text, 0);
    REQUIRE(o != NULL);
    /* Exactly these keys: the access line has no slot for headers, query or body. */
    static const char *const keys[] = {"ts",     "level", "fn",     "msg",   "request_id", "tenant",
                                       "method", "route", "status", "error", "latency_ms"};
    CHECK_INT(json_object_object_length(o), 11);
    for (size_t i = 0; i < 11; i++) {
        json_object *v;
        CHECK(json_object_object_get_ex(o, keys[i], &v));
    }
    CHECK_STR(str(o, "msg"), "request");
    CHECK_STR(str(o, "route"), "/api/v1/tickets/{id}");
    CHECK_STR(str(o, "status"), "422");
    CHECK_STR(str(o, "level"), "info");
    json_object_put(o);
    o = line_at(text, 1);
    REQUIRE(o != NULL);
    CHECK_STR(str(o, "method"), "-");
    CHECK_STR(str(o, "route"), "-");
    json_object *v;
    CHECK(!json_object_object_get_ex(o, "tenant", &v));
    CHECK(!json_object_object_get_ex(o, "error", &v));
    json_object_put(o);
}

int main(void)
{
    TEST_RUN(test_one_object_per_line);
    TEST_RUN(test_levels);
    TEST_RUN(test_access_line_fields);
    return test_done();
}
