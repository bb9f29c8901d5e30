/* /health/ready probes a store write (issue 13): a store that still answers the ping
 * but refuses writes is reported not ready (503). The handler is compiled in here
 * directly so that the store's fault injection can fail exactly the write. */
#include <sodium.h>
#include <string.h>

#include "../../../functions/health-ready/handler.c"
#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/models.h"

static struct temp_db db;

static int ready_status(struct cs_store *st, unsigned fail_nth, const char **status)
{
    static struct cs_env env;
    static struct cs_req req;
    static struct cs_resp resp;
    struct cs_arena *a = cs_arena_new(0);
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    env.models = (struct cs_models *)&env; /* only its presence is checked */
    req.env = &env;
    req.arena = a;
    req.store = st;
    req.now_ms = 1767225600000LL;
    cs_store_fail_after(st, fail_nth);
    int rc = fn_health_ready(&req, &resp);
    cs_store_fail_after(st, 0);
    json_object *o = rc == CS_OK ? json_tokener_parse(resp.body) : NULL;
    json_object *checks = NULL, *s = NULL;
    *status = NULL;
    if (o && json_object_object_get_ex(o, "checks", &checks) &&
        json_object_object_get_ex(checks, "store", &s))
        *status = strcmp(json_object_get_string(s), "ok") == 0 ? "ok" : "unavailable";
    json_object_put(o);
    cs_arena_destroy(a);
    return rc == CS_OK ? resp.status : -1;
}

static void test_write_probe(void)
{
    struct cs_store *st = temp_db_create(&db, "ready");
    REQUIRE(st != NULL);
    const char *store;
    CHECK_INT(ready_status(st, 0, &store), 200);
    CHECK_STR(store, "ok");
    /* The ping (first call) works, the write (second) fails: not ready. */
    CHECK_INT(ready_status(st, 2, &store), 503);
    CHECK_STR(store, "unavailable");
    CHECK_INT(ready_status(st, 1, &store), 503);
    temp_db_close(&db, st);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    TEST_RUN(test_write_probe);
    return test_done();
}
