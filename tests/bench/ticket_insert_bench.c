/* The store writes of one tickets-process request, in process (issue 15): the rate
 * counter, the ticket (collection "tickets", with rollups) with its staged outbox event,
 * and the insights lifecycle record ("insights_tickets", with rollups), B requests per
 * group-commit transaction as the FastCGI threads share one. Beside it, in the same run,
 * the same writes into collections without rollups: the ratio is what the rollups cost.
 * Figures are CPU time of this process per ticket.
 *
 *   make BUILD=build/release build/release/bench/ticket_insert_bench
 *   build/release/bench/ticket_insert_bench [N] [B]     (default 4000 tickets, batch 2)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/store.h"

static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static json_object *ticket_doc(long i)
{
    static const char *const cats[] = {"Billing", "Technical Support", "Account", "Shipping"};
    static const char *const pri[] = {"P1", "P2", "P3"};
    static const char *const sent[] = {"negative", "neutral", "positive"};
    json_object *d = json_object_new_object();
    json_object *result = json_object_new_object();
    json_object_object_add(result, "ticket_id", json_object_new_string("TKT-bench"));
    json_object_object_add(result, "answer_draft",
                           json_object_new_string("Hi John, I am sorry you were charged twice. "
                                                  "A duplicate charge is refunded within 5 days "
                                                  "[KB-001]. Best regards, Support"));
    json_object_object_add(d, "result", result);
    json_object_object_add(d, "customer_email", json_object_new_string("john.doe@example.com"));
    json_object_object_add(d, "customer_name", json_object_new_string("John Doe"));
    json_object_object_add(d, "intent", json_object_new_string("billing_duplicate_charge"));
    json_object_object_add(d, "category", json_object_new_string(cats[i % 4]));
    json_object_object_add(d, "priority", json_object_new_string(pri[i % 3]));
    json_object_object_add(d, "sentiment", json_object_new_string(sent[i % 3]));
    json_object_object_add(d, "sentiment_score", json_object_new_double(0.31));
    json_object_object_add(d, "confidence", json_object_new_double(0.87));
    json_object_object_add(d, "escalation_needed", json_object_new_boolean(i % 5 == 0));
    json_object_object_add(d, "language", json_object_new_string("en"));
    json_object_object_add(d, "compliance", json_object_new_string("compliant"));
    json_object_object_add(d, "kb_answer", json_object_new_boolean(1));
    json_object_object_add(d, "processing_ms", json_object_new_double(1.5 + (double)(i % 7)));
    return d;
}

static json_object *insights_doc(long i, int64_t now)
{
    json_object *d = json_object_new_object();
    json_object_object_add(d, "ticket_id", json_object_new_string("TKT-bench"));
    json_object_object_add(d, "customer_id", json_object_new_string("c-0123456789abcdef"));
    json_object_object_add(d, "category", json_object_new_string(i % 2 ? "Billing" : "Account"));
    json_object_object_add(d, "sentiment", json_object_new_string("negative"));
    json_object_object_add(d, "sentiment_score", json_object_new_double(0.31));
    json_object_object_add(d, "open", json_object_new_int(1));
    json_object_object_add(d, "opened_ms", json_object_new_int64(now));
    return d;
}

/* One run: n tickets, b per transaction; collections suffixed `sfx` ("" has rollups). */
static int run(const char *path, const char *sfx, long n, long b, double *us_per)
{
    struct cs_store *st;
    char uri[4200];
    snprintf(uri, sizeof(uri), "sqlite://%s", path);
    if (cs_store_open(uri, &st)) return 1;
    struct cs_arena *a = cs_arena_new(1 << 16);
    char tickets[64], insights[64], id[64];
    snprintf(tickets, sizeof(tickets), "tickets%s", sfx);
    snprintf(insights, sizeof(insights), "insights_tickets%s", sfx);
    int64_t now = 1765000000000LL;
    int rc = 0;
    double t0 = cpu_us();
    for (long i = 0; !rc && i < n; i += b) {
        cs_store_scope_begin(st);
        for (long j = i; !rc && j < i + b && j < n; j++) {
            int64_t used;
            json_object *t = ticket_doc(j), *o = insights_doc(j, now + j);
            snprintf(id, sizeof(id), "TKT-%s-%ld", sfx, j);
            rc = cs_store_counter_add(st, "bench", "rl:tickets-process", now - now % 60000, 120000,
                                      1, &used);
            if (!rc) {
                json_object *ev = json_object_new_object();
                json_object_object_add(ev, "ticket_id", json_object_new_string(id));
                rc = cs_store_stage(st, "bench", "webhooks", "ticket.created", ev);
                json_object_put(ev);
            }
            if (!rc) rc = cs_store_insert(st, a, "bench", tickets, id, t, NULL, now + j, NULL);
            if (!rc) rc = cs_store_insert(st, a, "bench", insights, id, o, NULL, now + j, NULL);
            json_object_put(t);
            json_object_put(o);
            cs_arena_reset(a);
        }
        int end = cs_store_scope_end(st);
        if (!rc) rc = end;
    }
    *us_per = (cpu_us() - t0) / (double)n;
    cs_arena_destroy(a);
    cs_store_close(st);
    return rc;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 4000;
    long b = argc > 2 ? strtol(argv[2], NULL, 10) : 2;
    if (n <= 0 || b <= 0) return 2;
    char dir[] = "/tmp/cs-tinsert.XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[4096];
    snprintf(path, sizeof(path), "%s/t.db", dir);
    double warm, plain, rolled;
    /* Warm-up fills the file a little so both measured runs start alike. */
    int rc = run(path, "_warm", n / 4, b, &warm);
    if (!rc) rc = run(path, "_plain", n, b, &plain);
    if (!rc) rc = run(path, "", n, b, &rolled);
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    if (rc) {
        fprintf(stderr, "ticket_insert_bench: store error %d\n", rc);
        return 1;
    }
    printf("store writes per ticket (%ld tickets, %ld per transaction), CPU us: "
           "without rollups %.1f, with rollups %.1f (%.2fx)\n",
           n, b, plain, rolled, rolled / plain);
    return 0;
}
