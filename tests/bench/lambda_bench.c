/* Warm Lambda invokes: runs a function binary under the Lambda loop against the tests'
 * fake Runtime API (tests/support/fake_lambda_api.c) with N copies of an event, and
 * prints what Lambda would bill for the invokes after the first (from /next handing the
 * event out to the response arriving, rounded up to 1 ms): median, p99 and max.
 *
 *   lambda_bench BINARY EVENT.json N     (CS_* settings come from the environment)
 *
 * Each event's "ticket_id" (if any) is made unique so every invoke stores a new ticket.
 * Exits 1 when an invoke did not answer with statusCode 200. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/fake_lambda_api.h"

extern char **environ;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The event with TKT-BENCH in its body replaced by TKT-BENCH-<i> (same length kept
 * simple: a fresh copy with the suffix spliced in). */
static char *event_copy(const char *ev, size_t i)
{
    const char *at = strstr(ev, "TKT-");
    size_t n = strlen(ev) + 32;
    char *out = malloc(n);
    if (!out) return NULL;
    if (!at) {
        memcpy(out, ev, strlen(ev) + 1);
        return out;
    }
    snprintf(out, n, "%.*sTKT-L%zu-%s", (int)(at - ev), ev, i, at + 4);
    return out;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: lambda_bench BINARY EVENT.json N\n");
        return 2;
    }
    size_t n = strtoul(argv[3], NULL, 10);
    char *ev = test_read_file(argv[2], NULL);
    if (!ev || n < 2) return 2;
    char **events = calloc(n, sizeof(*events));
    for (size_t i = 0; i < n; i++)
        if (!(events[i] = event_copy(ev, i))) return 2;
    struct fake_lambda *f = fake_lambda_start((const char *const *)events, NULL, n);
    if (!f) return 2;
    char api[64];
    snprintf(api, sizeof(api), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%d", fake_lambda_port(f));
    size_t ne = 0;
    while (environ[ne]) ne++;
    char **envp = calloc(ne + 2, sizeof(*envp));
    memcpy(envp, environ, ne * sizeof(*envp));
    envp[ne] = api;
    char *args[] = {argv[1], NULL};
    pid_t pid = test_child_start(argv[1], args, envp, NULL, "/dev/null", NULL);
    int rc = pid > 0 && fake_lambda_wait(f, 120000) == 0 ? 0 : 1;
    if (pid > 0) test_child_wait(pid, 10000);
    double *billed = calloc(n, sizeof(*billed));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const struct fake_lambda_result *r = fake_lambda_result(f, fake_lambda_request_id(f, i));
        if (!r || r->kind != FAKE_LAMBDA_RESPONSE || !strstr(r->body, "\"statusCode\":200")) {
            fprintf(stderr, "invoke %zu: %s\n", i, r && r->body ? r->body : "no answer");
            rc = 1;
            continue;
        }
        if (i > 0) billed[m++] = r->at_ms - r->sent_ms; /* the first one is the cold start */
    }
    qsort(billed, m, sizeof(*billed), cmp_double);
    if (m)
        printf("%.3f %.3f %.3f %.0f\n", billed[m / 2], billed[(size_t)(0.99 * (double)(m - 1))],
               billed[m - 1], ceil(billed[m / 2]));
    fake_lambda_stop(f);
    for (size_t i = 0; i < n; i++) free(events[i]);
    free(events);
    free(envp);
    free(billed);
    free(ev);
    return rc;
}
