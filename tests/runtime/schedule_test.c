/* EventBridge scheduled events through the event transport: cs-abandon run by
 * `--invoke` on a scheduled event sweeps the named tenant's idle sessions, and an event
 * without a valid tenant is refused. Needs CS_TEST_BIN (the built functions). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../support/temp_store.h"
#include "../support/test.h"
#include "cs/arena.h"
#include "cs/store.h"

static char event_path[128];
static struct temp_db db;

static struct cs_store *open_store(void) { return temp_db_open(&db); }

static int insert(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *id,
                  const char *status, int64_t at_ms)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"companyId\":\"co\",\"customerId\":\"c\",\"status\":\"%s\","
             "\"currentTier\":\"AI_REP\"}",
             status);
    json_object *b = json_tokener_parse(body);
    int rc = cs_store_insert(st, a, tenant, "cs_sessions", id, b, NULL, at_ms, NULL);
    json_object_put(b);
    return rc;
}

static const char *status_of(struct cs_store *st, struct cs_arena *a, const char *tenant,
                             const char *id)
{
    struct cs_doc d;
    if (cs_store_get(st, a, tenant, "cs_sessions", id, &d)) return NULL;
    json_object *s;
    return json_object_object_get_ex(d.body, "status", &s) ? json_object_get_string(s) : NULL;
}

/* Runs the function on an event file; returns its stdout (malloc'd) or NULL. */
static char *invoke(const char *fn, const char *event, int *exit_code)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s/%s --invoke %s 2>/dev/null", getenv("CS_TEST_BIN"), fn, event);
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    char *out = calloc(1, 65536);
    size_t n = out ? fread(out, 1, 65535, p) : 0;
    (void)n;
    int st = pclose(p);
    *exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

static void write_event(const char *detail)
{
    FILE *f = fopen(event_path, "w");
    if (!f) return;
    fprintf(f,
            "{\"version\":\"0\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\","
            "\"time\":\"2025-12-19T12:00:00Z\",\"detail\":%s}",
            detail);
    fclose(f);
}

static void test_scheduled_sweep(void)
{
    if (!getenv("CS_TEST_BIN")) TEST_SKIP("CS_TEST_BIN not set");
    struct cs_store *st = open_store();
    REQUIRE(st != NULL);
    struct cs_arena *a = cs_arena_new(0);
    int64_t old = (int64_t)time(NULL) * 1000 - 2 * 3600 * 1000;
    CHECK_INT(insert(st, a, "sweep", "sess_old1", "ACTIVE", old), CS_OK);
    CHECK_INT(insert(st, a, "sweep", "sess_old2", "ESCALATED", old), CS_OK);
    CHECK_INT(insert(st, a, "sweep", "sess_done", "RESOLVED", old), CS_OK);
    CHECK_INT(insert(st, a, "sweep", "sess_fresh", "ACTIVE", (int64_t)time(NULL) * 1000), CS_OK);
    CHECK_INT(insert(st, a, "other", "sess_old3", "ACTIVE", old), CS_OK);
    write_event("{\"tenant\":\"sweep\",\"idleMinutes\":30}");
    int code = -1;
    char *out = invoke("cs-abandon", event_path, &code);
    REQUIRE(out != NULL);
    CHECK_INT(code, 0);
    json_object *ev = json_tokener_parse(out), *sc = NULL, *body = NULL;
    CHECK(ev && json_object_object_get_ex(ev, "statusCode", &sc) && json_object_get_int(sc) == 200);
    json_object *b = NULL;
    if (ev && json_object_object_get_ex(ev, "body", &body))
        b = json_tokener_parse(json_object_get_string(body));
    json_object *n = NULL;
    CHECK(b && json_object_object_get_ex(b, "abandoned", &n) && json_object_get_int(n) == 2);
    json_object_put(b);
    json_object_put(ev);
    free(out);
    CHECK_STR(status_of(st, a, "sweep", "sess_old1"), "ABANDONED");
    CHECK_STR(status_of(st, a, "sweep", "sess_old2"), "ABANDONED");
    CHECK_STR(status_of(st, a, "sweep", "sess_done"), "RESOLVED");
    CHECK_STR(status_of(st, a, "sweep", "sess_fresh"), "ACTIVE");
    CHECK_STR(status_of(st, a, "other", "sess_old3"), "ACTIVE"); /* only the named tenant */
    cs_arena_destroy(a);
    cs_store_close(st);
}

static void test_scheduled_needs_tenant(void)
{
    if (!getenv("CS_TEST_BIN")) TEST_SKIP("CS_TEST_BIN not set");
    int code = 0;
    write_event("{\"idleMinutes\":30}");
    char *out = invoke("cs-abandon", event_path, &code);
    CHECK(code != 0);
    free(out);
    write_event("{\"tenant\":\"_system\"}");
    out = invoke("cs-abandon", event_path, &code);
    CHECK(code != 0);
    free(out);
}

int main(void)
{
    temp_db_init(&db, "schedule");
    snprintf(event_path, sizeof(event_path), "/tmp/cs-schedule-%d.json", (int)getpid());
    setenv("CS_STORE_URI", db.uri, 1);
    setenv("CS_JWT_SECRET", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 1);
    TEST_RUN(test_scheduled_sweep);
    TEST_RUN(test_scheduled_needs_tenant);
    temp_db_remove(&db);
    unlink(event_path);
    return test_done();
}
