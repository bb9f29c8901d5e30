/* The zips of `build.sh package`, unzipped, run as Lambda would run them: each
 * `bootstrap` against a Runtime API on loopback, with the environment template.yaml
 * gives every function (a mongodb:// store, CS_DATA_DIR=<task root>/data, the task
 * root's lib/ on the library path) and its sample event from events/. Every function
 * must initialise (no /init/error: its libraries, data and store plugin are in the
 * zip), answer the event, and never log that the store plugin or libcurl is missing.
 * No MongoDB server is reachable here, so functions that touch the store answer 503
 * in their family's format; health-live, which does not, answers 200.
 *
 * Run by build.sh test with CS_TEST_PACKAGE_DIR (one folder per function) and
 * CS_TEST_EVENTS (the events/ folder). */
#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "../support/fake_lambda_api.h"
#include "../support/test.h"

#define CHILD_TIMEOUT_MS 30000

static const char *pkg_dir, *events_dir, *tmp_dir;

/* The event a function is tried with: events/<fn>.json, or the scheduled one. */
static char *event_for(const char *fn)
{
    char path[1024];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/%s.json", events_dir, fn);
    char *ev = test_read_file(path, &len);
    if (!ev) {
        snprintf(path, sizeof(path), "%s/scheduled/%s.json", events_dir, fn);
        ev = test_read_file(path, &len);
    }
    return ev;
}

static int status_of(const char *body)
{
    json_object *o = json_tokener_parse(body), *s;
    int st = o && json_object_object_get_ex(o, "statusCode", &s) ? json_object_get_int(s) : -1;
    json_object_put(o);
    return st;
}

static void run_one(const char *fn)
{
    char *ev = event_for(fn);
    if (!ev) {
        printf("# %s: no sample event\n", fn);
        test_cur_failed_ = 1;
        return;
    }
    const char *events[] = {ev};
    struct fake_lambda *api = fake_lambda_start(events, NULL, 1);
    REQUIRE(api != NULL);
    char root[1024], boot[1100], runtime[64], data[1100], lib[1100], task[1100], log[1100];
    snprintf(root, sizeof(root), "%s/%s", pkg_dir, fn);
    snprintf(boot, sizeof(boot), "%s/bootstrap", root);
    snprintf(runtime, sizeof(runtime), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%d",
             fake_lambda_port(api));
    snprintf(data, sizeof(data), "CS_DATA_DIR=%s/data", root);
    snprintf(lib, sizeof(lib), "LD_LIBRARY_PATH=%s/lib", root);
    snprintf(task, sizeof(task), "LAMBDA_TASK_ROOT=%s", root);
    snprintf(log, sizeof(log), "%s/pkg-%s.%d.log", tmp_dir, fn, (int)getpid());
    /* What the template's Globals give every function. */
    char *envp[] = {runtime,
                    data,
                    lib,
                    task,
                    (char *)"CS_JWT_SECRET=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                    (char *)"CS_STORE_URI=mongodb://127.0.0.1:1/cs?serverSelectionTimeoutMS=300"
                            "&connectTimeoutMS=300",
                    (char *)"CS_CORS_ORIGIN=*",
                    NULL};
    char *argv[] = {boot, NULL};
    pid_t pid = test_child_start(boot, argv, envp, NULL, NULL, log);
    int code = pid < 0 ? -1 : test_child_wait(pid, CHILD_TIMEOUT_MS);
    size_t len = 0;
    char *text = test_read_file(log, &len);
    const struct fake_lambda_result *init = fake_lambda_init_error(api);
    const struct fake_lambda_result *res = fake_lambda_result(api, fake_lambda_request_id(api, 0));
    /* It ends when the API goes away after the last event (exit 1, "runtime api
     * unreachable"), never by a signal or a hang. */
    CHECK(code >= 0 && code < 128);
    CHECK(init == NULL);
    CHECK(res != NULL);
    /* A scheduled function (an EventBridge event) answers its run's summary, an HTTP
     * function an API Gateway response with a status. */
    bool scheduled = strstr(ev, "\"Scheduled Event\"") != NULL;
    if (res && res->kind == FAKE_LAMBDA_RESPONSE && scheduled)
        CHECK(strstr(res->body, "\"ok\":true") != NULL);
    if (res && res->kind == FAKE_LAMBDA_RESPONSE && !scheduled) {
        int st = status_of(res->body);
        CHECK(st >= 200 && st < 600);
        if (strcmp(fn, "health-live") == 0) CHECK_INT(st, 200);
    }
    CHECK(!text || strstr(text, "store plugin not loaded") == NULL);
    /* A function that opened the store did it through the plugin in the zip. */
    if (text && strstr(text, "store error")) CHECK(strstr(text, "\"backend\":\"mongodb\"") != NULL);
    CHECK(!text || strstr(text, "libcurl could not be loaded") == NULL);
    if (test_cur_failed_)
        fprintf(stderr, "  %s: exit %d, init error %s, answer %s\n  log: %.2000s\n", fn, code,
                init ? init->body : "none", res ? res->body : "none", text ? text : "");
    free(text);
    unlink(log);
    fake_lambda_stop(api);
    free(ev);
}

static char names[128][256];
static size_t nnames;
static size_t cur;

static void run_current(void) { run_one(names[cur]); }

int main(void)
{
    pkg_dir = getenv("CS_TEST_PACKAGE_DIR");
    events_dir = getenv("CS_TEST_EVENTS");
    tmp_dir = getenv("CS_TEST_TMP");
    if (!tmp_dir || !*tmp_dir) tmp_dir = "/tmp";
    if (!pkg_dir || !events_dir) {
        printf("skip - packaged functions: CS_TEST_PACKAGE_DIR / CS_TEST_EVENTS not set "
               "(build.sh test sets them after build.sh package)\n");
        printf("tally: 0 passed, 0 failed, 1 skipped\n");
        return 0;
    }
    DIR *d = opendir(pkg_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && nnames < 128) {
        if (e->d_name[0] == '.') continue;
        snprintf(names[nnames++], sizeof(names[0]), "%s", e->d_name);
    }
    if (d) closedir(d);
    qsort(names, nnames, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
    for (cur = 0; cur < nnames; cur++) {
        char label[300];
        snprintf(label, sizeof(label), "packaged/%s", names[cur]);
        test_run_(label, run_current);
    }
    if (nnames == 0) {
        printf("not ok - packaged functions: none found in %s\n", pkg_dir);
        test_failed_++;
    }
    return test_done();
}
