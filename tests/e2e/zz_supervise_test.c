/* Issue 13.1: one function killed under load is not an outage. While clients hammer
 * other endpoints, tickets-metrics is killed with SIGKILL: the others answer every
 * request (error count 0), the killed one answers 503 in its family's JSON with
 * Retry-After, and serve brings it back. Named zz_ so that it runs after the other e2e
 * programs (they share one stack). CS_TEST_VAR is serve's state folder. */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../support/e2e.h"
#include "../support/http_client.h"
#include "../support/test.h"
#include "../support/test_jwt.h"

static char auth[2048];
static atomic_int stop, done_requests, errors;

/* The pid whose command line holds `needle`, or -1. */
static pid_t find_pid(const char *needle)
{
    DIR *d = opendir("/proc");
    if (!d) return -1;
    pid_t found = -1;
    for (struct dirent *e; found < 0 && (e = readdir(d));) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        char path[64], cmd[4096];
        snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(cmd, 1, sizeof(cmd) - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i++)
            if (cmd[i] == '\0') cmd[i] = ' ';
        cmd[n] = '\0';
        if (strstr(cmd, needle) && strstr(cmd, "--fcgi")) found = (pid_t)pid;
    }
    closedir(d);
    return found;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Other endpoints, round robin, until told to stop; anything but the expected status
 * is an error. */
static void *load(void *arg)
{
    (void)arg;
    static const struct {
        const char *method, *path, *body;
        long status;
    } calls[] = {
        {"GET", "/health/live", NULL, 200},
        {"POST", "/api/v1/analyze/sentiment", "{\"text\":\"The parcel arrived on time, thanks!\"}",
         200},
        {"GET", "/api/v1/cs/config?companyId=co-load", NULL, 200},
        {"POST", "/api/v1/privacy/anonymize", "{\"text\":\"Call John at 415-555-0100\"}", 200},
    };
    for (unsigned i = 0; !atomic_load(&stop); i++) {
        const char *h[] = {"Content-Type: application/json", auth, NULL};
        struct http_result r;
        unsigned k = i % (sizeof(calls) / sizeof(calls[0]));
        int rc = http_do(calls[k].method, calls[k].path, calls[k].body, h, &r);
        if (rc != 0 || r.status != calls[k].status) {
            atomic_fetch_add(&errors, 1);
            fprintf(stderr, "  load error: %s %s -> %ld\n", calls[k].method, calls[k].path,
                    rc ? -1L : r.status);
        }
        if (rc == 0) http_result_free(&r);
        atomic_fetch_add(&done_requests, 1);
    }
    return NULL;
}

static void test_kill_under_load(void)
{
    const char *var = getenv("CS_TEST_VAR");
    REQUIRE(var != NULL);
    char needle[1024];
    snprintf(needle, sizeof(needle), "%s/run/tickets-metrics.sock", var);
    pid_t victim = find_pid(needle);
    REQUIRE(victim > 0);
    struct http_result r;
    const char *h[] = {auth, NULL};
    REQUIRE(http_do("GET", "/api/v1/tickets/metrics", NULL, h, &r) ==
            0); /* also curl's global init */
    CHECK_INT(r.status, 200);
    http_result_free(&r);

    pthread_t th[3];
    for (int i = 0; i < 3; i++) REQUIRE(pthread_create(&th[i], NULL, load, NULL) == 0);
    usleep(300 * 1000);
    REQUIRE(kill(victim, SIGKILL) == 0);
    double t0 = now_s();
    int saw_503 = 0, back = 0;
    while (now_s() - t0 < 20 && !back) {
        REQUIRE(http_do("GET", "/api/v1/tickets/metrics", NULL, h, &r) == 0);
        if (r.status == 503 && !saw_503) {
            saw_503 = 1;
            char ra[32];
            CHECK_STR(http_header(&r, "retry-after", ra, sizeof(ra)), "2");
            CHECK_STR(jstr(r.json, "detail"), "Service unavailable"); /* triage family */
        } else if (r.status == 200 && saw_503) {
            back = 1;
        } else if (r.status != 503) {
            CHECK(r.status == 200 || r.status == 503);
        }
        http_result_free(&r);
        usleep(5 * 1000);
    }
    double down_s = now_s() - t0;
    usleep(300 * 1000); /* load continues a little after the restart */
    atomic_store(&stop, 1);
    for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
    CHECK(saw_503);
    CHECK(back);
    CHECK(find_pid(needle) > 0 && find_pid(needle) != victim);
    fprintf(stderr,
            "  killed tickets-metrics: %d requests to other endpoints meanwhile, %d errors; back "
            "after %.2f s\n",
            atomic_load(&done_requests), atomic_load(&errors), down_s);
    CHECK_INT(atomic_load(&errors), 0);
    CHECK(atomic_load(&done_requests) > 10);
}

/* The death is logged with its signal. */
static void test_death_logged(void)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/functions.log", getenv("CS_TEST_VAR"));
    FILE *f = fopen(path, "r");
    REQUIRE(f != NULL);
    char line[8192];
    int found = 0;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, "\"function exited; restarting\"") &&
            strstr(line, "\"function\":\"tickets-metrics\"") && strstr(line, "\"signal\":\"KILL\""))
            found = 1;
    fclose(f);
    CHECK(found);
}

/* nginx's own refusals answer in the family's JSON too (issue 13.7): a body past the
 * gateway's 11 MiB limit (10 MiB reporting imports fit under it) never reaches a
 * function. */
static void test_gateway_error_pages(void)
{
    size_t n = 12u << 20;
    char *big = malloc(n + 1);
    REQUIRE(big != NULL);
    memset(big, 'a', n);
    big[n] = '\0';
    static const struct {
        const char *path, *field, *want;
    } cases[] = {
        {"/api/v1/tickets/process", "detail", "Request body too large"},
        {"/api/v1/analyze/sentiment", "message", "Request body too large"},
        {"/api/v1/customer/webhooks", "error.code", "too_large"},
        {"/api/v1/cs/sessions", "error.code", "CS_008"},
        {"/api/momentum/cs/sessions", "error.code", "CS_008"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *h[] = {"Content-Type: application/json", auth, NULL};
        struct http_result r;
        REQUIRE(http_do("POST", cases[i].path, big, h, &r) == 0);
        CHECK_INT(r.status, 413);
        CHECK_STR(jstr(r.json, cases[i].field), cases[i].want);
        http_result_free(&r);
    }
    free(big);
}

int main(void)
{
    static const char *const role[] = {"agent"};
    char *t = test_jwt_sign(getenv("CS_TEST_JWT_SECRET"), "loadtest", "e2e-load", role, 1, 3600);
    if (!t) return 1;
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", t);
    free(t);
    TEST_RUN(test_kill_under_load);
    TEST_RUN(test_death_logged);
    TEST_RUN(test_gateway_error_pages);
    return test_done();
}
