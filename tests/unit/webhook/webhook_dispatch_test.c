/* Webhook delivery (cs_webhook_dispatch) against a receiver on loopback that fails,
 * times out and then succeeds: every event arrives, in order per subscription, with
 * valid signatures; the delivery log has one document per attempt and no body; the
 * last failed attempt dead-letters; a dispatcher killed mid-delivery loses nothing and
 * the item comes back only after its lease. The clock is injected. */
#include <arpa/inet.h>
#include <pthread.h>
#include <time.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "../../support/webhook_sink.h"
#include "cs/arena.h"
#include "cs/json.h"
#include "cs/notify.h"
#include "cs/store.h"
#include "cs/webhook.h"

#define T0 1700000000000LL
static int64_t clock_ms = T0;
static int64_t test_now(void) { return clock_ms; }

static struct temp_db db;
static struct cs_jwt_key server;
/* The dispatcher's view of the server secret: a ring holding `server`. */
static struct cs_keyring ring;

static struct cs_store *open_store(void)
{
    struct cs_store *st = temp_db_open(&db);
    if (!st) abort();
    return st;
}

static struct cs_store *fresh_store(void)
{
    temp_db_init(&db, "whdisp");
    clock_ms = T0;
    return open_store();
}

#define SECRET "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static const char *subscribe(struct cs_store *st, struct cs_arena *a, const char *url)
{
    json_object *ev = json_tokener_parse("[\"ticket.created\"]");
    struct cs_doc d;
    int rc = cs_webhook_subscribe(st, a, "acme", &server, url, ev, SECRET, clock_ms, &d);
    json_object_put(ev);
    return rc ? NULL : d.id;
}

/* Stages ticket.created for ticket n and writes it with the ticket, as a handler would. */
static int emit(struct cs_store *st, struct cs_arena *a, int n)
{
    json_object *data = json_object_new_object();
    json_object_object_add(data, "n", json_object_new_int(n));
    size_t staged = 0;
    int rc = cs_notify_stage(st, a, "acme", "ticket.created", data, clock_ms, &staged);
    json_object_put(data);
    if (rc || staged != 1) return rc ? rc : -1;
    char id[16];
    snprintf(id, sizeof(id), "TKT-%d", n);
    json_object *t = json_object_new_object();
    rc = cs_store_insert(st, a, "acme", "tickets", id, t, NULL, clock_ms, NULL);
    json_object_put(t);
    return rc;
}

static struct cs_webhook_dispatch_cfg cfg_with(const int64_t *sched, size_t n)
{
    struct cs_webhook_dispatch_cfg c = {.keys = &ring,
                                        .now_ms = test_now,
                                        .timeout_ms = 300,
                                        .connect_timeout_ms = 300,
                                        .jitter_off = true,
                                        .allow_private = true};
    for (size_t i = 0; i < n; i++) c.schedule_ms[i] = sched[i];
    c.nschedule = n;
    return c;
}

static int msg_n(const struct sink_msg *m)
{
    json_object *o = json_tokener_parse(m->body), *d, *n;
    int v = -1;
    if (o && json_object_object_get_ex(o, "data", &d) && json_object_object_get_ex(d, "n", &n))
        v = json_object_get_int(n);
    json_object_put(o);
    return v;
}

static int msg_signed(const struct sink_msg *m)
{
    struct cs_webhook_key k;
    if (cs_webhook_secret_parse(SECRET, &k)) return 0;
    return cs_webhook_verify(&k, m->id, m->ts, m->sig, m->body, m->body_len, clock_ms / 1000,
                             NULL) == CS_OK;
}

static char *url_of(struct sink *s)
{
    static char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", sink_port(s));
    return url;
}

/* The end of every delivery test: what it opened, in reverse. */
static void finish(struct cs_store *st, struct cs_arena *a, struct sink *s)
{
    cs_arena_destroy(a);
    cs_store_close(st);
    sink_stop(s);
}

/* Subscribes the sink and copies the subscription's id out of the arena, so that the
 * outbox and delivery-log checks can name it whatever the arena holds by then. */
static int subscribe_sink(struct cs_store *st, struct cs_arena *a, struct sink *s, char *id,
                          size_t cap)
{
    const char *sub = subscribe(st, a, url_of(s));
    if (!sub) return -1;
    snprintf(id, cap, "%s", sub);
    return 0;
}

/* The delivery log, oldest attempt first (more than any test makes). */
static int delivery_log(struct cs_store *st, struct cs_arena *a, struct cs_doc_list *log)
{
    struct cs_query q = {.limit = 100};
    return cs_store_find(st, a, "acme", CS_WEBHOOK_DELIVERIES_COLL, &q, log);
}

static void test_fail_timeout_then_success_in_order(void)
{
    int script[] = {500, SINK_HANG};
    struct sink *s = sink_start(script, 2, 200, 500);
    REQUIRE(s != NULL);
    struct cs_store *st = fresh_store();
    struct cs_arena *a = cs_arena_new(0);
    char sub_id[64];
    REQUIRE(subscribe_sink(st, a, s, sub_id, sizeof(sub_id)) == 0);
    for (int n = 1; n <= 3; n++) CHECK_INT(emit(st, a, n), CS_OK);
    const int64_t sched[] = {1000, 2000, 3000};
    struct cs_webhook_dispatch_cfg cfg = cfg_with(sched, 3);
    struct cs_webhook_dispatch_stats stats = {0};

    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK); /* 500 */
    CHECK_INT(stats.retried, 1);
    CHECK_INT(stats.delivered, 0);
    CHECK_INT(sink_count(s), 1); /* events 2 and 3 wait behind event 1 */
    clock_ms += 999;
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK); /* not due yet */
    CHECK_INT(sink_count(s), 1);
    clock_ms += 1;
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK); /* times out */
    CHECK_INT(stats.retried, 2);
    CHECK_INT(sink_count(s), 2);
    clock_ms += 2000;
    usleep(400 * 1000); /* the receiver serves one connection at a time: let the hang end */
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK); /* all three */
    CHECK_INT(stats.delivered, 3);
    REQUIRE(sink_count(s) == 5);
    int want[] = {1, 1, 1, 2, 3};
    char first_id[160] = "";
    for (size_t i = 0; i < 5; i++) {
        struct sink_msg m;
        REQUIRE(sink_get(s, i, &m));
        CHECK_INT(msg_n(&m), want[i]);
        CHECK(msg_signed(&m));
        CHECK_STR(m.type, "application/json");
        if (i == 0) snprintf(first_id, sizeof(first_id), "%s", m.id);
        if (i < 3)
            CHECK_STR(m.id, first_id); /* retries keep the message id */
        else
            CHECK(strcmp(m.id, first_id) != 0);
    }
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(st, "acme", sub_id, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 0);
    CHECK_INT(done, 3);
    CHECK_INT(dead, 0);

    /* The delivery log: one document per attempt, oldest first, never the body. */
    struct cs_doc_list log;
    REQUIRE(delivery_log(st, a, &log) == CS_OK);
    REQUIRE(log.n == 5);
    CHECK_INT(cs_json_get_int(log.docs[0].body, "status_code", -1), 500);
    CHECK_STR(cs_json_get_str(log.docs[0].body, "outcome"), "retry");
    CHECK_STR(cs_json_get_str(log.docs[0].body, "error"), "non-2xx response");
    CHECK_INT(cs_json_get_int(log.docs[0].body, "attempt", -1), 1);
    CHECK_STR(cs_json_get_str(log.docs[1].body, "error"), "timeout");
    CHECK_INT(cs_json_get_int(log.docs[1].body, "attempt", -1), 2);
    CHECK(cs_json_get_double(log.docs[1].body, "latency_ms", 0) >= 250);
    CHECK_STR(cs_json_get_str(log.docs[2].body, "outcome"), "delivered");
    CHECK_INT(cs_json_get_int(log.docs[2].body, "status_code", -1), 200);
    CHECK_INT(cs_json_get_int(log.docs[2].body, "attempt", -1), 3);
    CHECK_STR(cs_json_get_str(log.docs[2].body, "subscription_id"), sub_id);
    for (size_t i = 0; i < log.n; i++) {
        CHECK(!json_object_object_get_ex(log.docs[i].body, "payload", NULL));
        CHECK(strstr(json_object_to_json_string(log.docs[i].body), "\"n\"") == NULL);
    }
    finish(st, a, s);
}

/* ---- concurrency and fairness ---- */

static const char *subscribe_for(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                 struct sink *s)
{
    json_object *ev = json_tokener_parse("[\"ticket.created\"]");
    struct cs_doc d;
    int rc = cs_webhook_subscribe(st, a, tenant, &server, url_of(s), ev, SECRET, clock_ms, &d);
    json_object_put(ev);
    return rc ? NULL : d.id;
}

/* One ticket.created for tenant (to every subscription it has), with no document. */
static int emit_for(struct cs_store *st, struct cs_arena *a, const char *tenant, int n)
{
    json_object *data = json_object_new_object();
    json_object_object_add(data, "n", json_object_new_int(n));
    size_t staged = 0;
    int rc = cs_notify_stage(st, a, tenant, "ticket.created", data, clock_ms, &staged);
    json_object_put(data);
    return rc ? rc : cs_store_outbox_flush(st, clock_ms);
}

struct run_args {
    struct cs_store *st;
    struct cs_arena *a;
    struct cs_webhook_dispatch_cfg cfg;
    struct cs_webhook_dispatch_stats stats;
    int rc;
    volatile int done;
};

static void *run_dispatch(void *arg)
{
    struct run_args *r = arg;
    r->rc = cs_webhook_dispatch(r->st, r->a, &r->cfg, 0, NULL, &r->stats);
    r->done = 1;
    return NULL;
}

/* Four of one tenant's endpoints hang; another tenant's event is delivered while they
 * do, not after them (one delivery at a time made it wait for all four timeouts). */
static void test_hanging_tenant_does_not_delay_another(void)
{
    struct sink *hold = sink_start(NULL, 0, SINK_HOLD, 0), *fast = sink_start(NULL, 0, 200, 0);
    REQUIRE(hold && fast);
    struct cs_store *st = fresh_store();
    struct run_args r = {.st = st, .a = cs_arena_new(0)};
    for (int i = 0; i < 4; i++) REQUIRE(subscribe_for(st, r.a, "acme", hold) != NULL);
    REQUIRE(subscribe_for(st, r.a, "globex", fast) != NULL);
    CHECK_INT(emit_for(st, r.a, "acme", 1), CS_OK); /* four items, older than globex's */
    clock_ms += 1;
    CHECK_INT(emit_for(st, r.a, "globex", 2), CS_OK);
    r.cfg = cfg_with(NULL, 0);
    r.cfg.timeout_ms = 3000;
    r.cfg.batch = 1; /* one claim per slot: the old order would start acme's first */
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, run_dispatch, &r) == 0);
    CHECK_INT(sink_wait(fast, 1, 2500), 0);
    CHECK(!r.done); /* acme's deliveries still hang */
    for (int i = 0; i < 8; i++) sink_release(hold);
    sink_stop(hold);
    pthread_join(th, NULL);
    CHECK_INT(r.rc, CS_OK);
    CHECK_INT(r.stats.delivered, 1);
    CHECK_INT(r.stats.retried, 4);
    finish(st, r.a, fast);
}

/* Three endpoints at once, five events each: every endpoint gets its events in order. */
static void test_concurrent_keeps_order_per_subscription(void)
{
    struct sink *s[3];
    struct cs_store *st = fresh_store();
    struct cs_arena *a = cs_arena_new(0);
    for (int i = 0; i < 3; i++) {
        s[i] = sink_start(NULL, 0, 200, 0);
        REQUIRE(s[i] && subscribe_for(st, a, "acme", s[i]));
    }
    for (int n = 1; n <= 5; n++) CHECK_INT(emit_for(st, a, "acme", n), CS_OK);
    struct cs_webhook_dispatch_cfg cfg = cfg_with(NULL, 0);
    struct cs_webhook_dispatch_stats stats = {0};
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK);
    CHECK_INT(stats.delivered, 15);
    for (int i = 0; i < 3; i++) {
        REQUIRE(sink_count(s[i]) == 5);
        for (size_t k = 0; k < 5; k++) {
            struct sink_msg m;
            REQUIRE(sink_get(s[i], k, &m));
            CHECK_INT(msg_n(&m), (int)k + 1);
            CHECK(msg_signed(&m));
        }
        if (i) sink_stop(s[i]);
    }
    finish(st, a, s[0]);
}

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* After an outage, 1,000 queued events drain in one run once the receivers answer
 * again: ten endpoints of two tenants, 100 events each, and one endpoint with all 1,000
 * (strictly one after another). The time is printed for the closing figures; it is not
 * asserted (speed is the bench's business). */
static void drain(int nsubs, int per_sub, const char *label)
{
    struct sink *s[10];
    struct cs_store *st = fresh_store();
    struct cs_arena *a = cs_arena_new(0);
    static const int down[] = {503};
    for (int i = 0; i < nsubs; i++) {
        s[i] = sink_start(down, 1, 200, 0);
        REQUIRE(s[i] && subscribe_for(st, a, i % 2 ? "globex" : "acme", s[i]));
    }
    /* Subscriptions of a tenant all get its events: with two tenants each event fans
     * out to that tenant's endpoints. */
    int tenants = nsubs > 1 ? 2 : 1;
    for (int n = 1; n <= per_sub; n++)
        for (int t = 0; t < tenants; t++)
            REQUIRE(emit_for(st, a, t ? "globex" : "acme", n) == CS_OK);
    const int64_t sched[] = {60000, 60000};
    struct cs_webhook_dispatch_cfg cfg = cfg_with(sched, 2);
    /* Room for a loaded machine: a timed-out POST would hold its endpoint until the next
     * retry and the drain would stop short (speed is not what this test checks). */
    cfg.timeout_ms = 10000;
    cfg.connect_timeout_ms = 5000;
    struct cs_webhook_dispatch_stats stats = {0};
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK); /* the outage */
    CHECK_INT(stats.retried, nsubs);
    clock_ms += 60000; /* the receivers are back when the retries fall due */
    memset(&stats, 0, sizeof(stats));
    double t0 = wall_ms();
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK);
    double took = wall_ms() - t0;
    CHECK_INT(stats.delivered, nsubs * per_sub);
    if (stats.delivered != (size_t)(nsubs * per_sub))
        fprintf(stderr, "  claimed %zu retried %zu dead %zu lost %zu\n", stats.claimed,
                stats.retried, stats.dead, stats.lost_lease);
    for (int i = 0; i < nsubs; i++) {
        CHECK_INT(sink_total(s[i]), per_sub + 1);
        if (i) sink_stop(s[i]);
    }
    printf("# drain %s: %d events in %.0f ms (%.0f events/s)\n", label, nsubs * per_sub, took,
           took > 0 ? nsubs * per_sub * 1000.0 / took : 0);
    finish(st, a, s[0]);
}

static void test_catch_up_after_outage(void)
{
    drain(10, 100, "10 endpoints x 100");
    drain(1, 1000, "1 endpoint x 1000");
}

/* After a CS_JWT_SECRET rotation the dispatcher still opens a subscription sealed under
 * the old key (now second in the ring), delivers, and seals it again under the new one. */
static void test_rotated_server_key_resealed_on_use(void)
{
    struct sink *s = sink_start(NULL, 0, 200, 0);
    REQUIRE(s != NULL);
    struct cs_store *st = fresh_store();
    struct cs_arena *a = cs_arena_new(0);
    char sub_id[64];
    REQUIRE(subscribe_sink(st, a, s, sub_id, sizeof(sub_id)) == 0); /* sealed under `server` */
    CHECK_INT(emit(st, a, 1), CS_OK);
    struct cs_keyring rotated = {.n = 2}, only_new = {.n = 1};
    memset(rotated.key[0].bytes, 0x6b, sizeof(rotated.key[0].bytes));
    rotated.key[1] = server;
    only_new.key[0] = rotated.key[0];
    struct cs_webhook_dispatch_cfg cfg = cfg_with(NULL, 0);
    cfg.keys = &rotated;
    struct cs_webhook_dispatch_stats stats = {0};
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK);
    CHECK_INT(stats.delivered, 1);
    struct sink_msg m;
    REQUIRE(sink_get(s, 0, &m));
    CHECK(msg_signed(&m));
    struct cs_doc d;
    REQUIRE(cs_store_get(st, a, "acme", CS_WEBHOOKS_COLL, sub_id, &d) == CS_OK);
    char *open = NULL;
    bool stale = true;
    CHECK_INT(
        cs_webhook_unseal(&only_new, cs_json_get_str(d.body, "secret_sealed"), a, &open, &stale),
        CS_OK);
    CHECK(!stale);
    CHECK_STR(open, SECRET);
    finish(st, a, s);
}

static void test_dead_letter_after_last_attempt(void)
{
    struct sink *s = sink_start(NULL, 0, 503, 0);
    REQUIRE(s != NULL);
    struct cs_store *st = fresh_store();
    struct cs_arena *a = cs_arena_new(0);
    char sub_id[64];
    REQUIRE(subscribe_sink(st, a, s, sub_id, sizeof(sub_id)) == 0);
    CHECK_INT(emit(st, a, 1), CS_OK);
    CHECK_INT(emit(st, a, 2), CS_OK);
    const int64_t sched[] = {1000};
    struct cs_webhook_dispatch_cfg cfg = cfg_with(sched, 1);
    struct cs_webhook_dispatch_stats stats = {0};
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK);
    CHECK_INT(stats.retried, 1);
    clock_ms += 1000;
    /* Attempt 2 of event 1 is the last: dead; then the topic moves on to event 2. */
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK);
    CHECK_INT(stats.dead, 1);
    CHECK_INT(stats.retried, 2);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(st, "acme", sub_id, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 1);
    CHECK_INT(dead, 1);
    CHECK_INT(sink_count(s), 3);
    struct cs_doc_list log;
    REQUIRE(delivery_log(st, a, &log) == CS_OK);
    REQUIRE(log.n == 3);
    CHECK_STR(cs_json_get_str(log.docs[1].body, "outcome"), "dead");
    CHECK_INT(cs_json_get_int(log.docs[1].body, "attempt", -1), 2);

    /* A deleted subscription dead-letters its events without a request. */
    CHECK_INT(cs_store_delete(st, "acme", CS_WEBHOOKS_COLL, sub_id, -1), CS_OK);
    clock_ms += 1000;
    size_t before = sink_count(s);
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK);
    CHECK_INT(sink_count(s), before);
    CHECK_INT(cs_store_outbox_stats(st, "acme", sub_id, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 0);
    CHECK_INT(dead, 2);
    REQUIRE(delivery_log(st, a, &log) == CS_OK);
    REQUIRE(log.n == 4);
    CHECK_STR(cs_json_get_str(log.docs[3].body, "error"), "subscription deleted");
    finish(st, a, s);
}

static void test_backoff_schedule(void)
{
    struct cs_webhook_dispatch_cfg cfg = {0};
    const int64_t want[] = {5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000};
    for (int64_t i = 1; i <= 7; i++) {
        int64_t d = cs_webhook_retry_delay(&cfg, i);
        CHECK(d >= want[i - 1] && d <= want[i - 1] + want[i - 1] / 5); /* jitter up to 20% */
    }
    CHECK_INT(cs_webhook_retry_delay(&cfg, 8), -1);
    CHECK_INT(cs_webhook_retry_delay(&cfg, 0), -1);
    cfg.jitter_off = true;
    CHECK_INT(cs_webhook_retry_delay(&cfg, 2), 300000);
}

/* The dispatcher in a child process, killed while the receiver holds its request. */
static void test_killed_dispatcher_loses_nothing(void)
{
    int script[] = {SINK_HOLD};
    struct sink *s = sink_start(script, 1, 200, 0);
    REQUIRE(s != NULL);
    struct cs_store *st = fresh_store();
    struct cs_arena *a = cs_arena_new(0);
    char sub_id[64];
    REQUIRE(subscribe_sink(st, a, s, sub_id, sizeof(sub_id)) == 0);
    CHECK_INT(emit(st, a, 1), CS_OK);
    struct cs_webhook_dispatch_cfg cfg = cfg_with(NULL, 0);
    cfg.timeout_ms = 30000; /* the child must still be mid-request when it dies */
    cfg.lease_ms = 60000;
    fflush(NULL);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        struct cs_store *cst = open_store();
        struct cs_arena *ca = cs_arena_new(0);
        int rc = cs_webhook_dispatch(cst, ca, &cfg, 0, NULL, NULL);
        _exit(rc == CS_OK ? 0 : 1);
    }
    CHECK_INT(sink_wait(s, 1, 10000), 0);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    sink_release(s);

    /* Within the lease nobody sends it again... */
    struct cs_webhook_dispatch_stats stats = {0};
    clock_ms += 59000;
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK);
    CHECK_INT(stats.claimed, 0);
    CHECK_INT(sink_count(s), 1);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(st, "acme", sub_id, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 1);
    /* ...and after it the same message is delivered once more, not lost. */
    clock_ms += 1001;
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK);
    CHECK_INT(stats.delivered, 1);
    REQUIRE(sink_count(s) == 2);
    struct sink_msg m0, m1;
    REQUIRE(sink_get(s, 0, &m0) && sink_get(s, 1, &m1));
    CHECK_STR(m1.id, m0.id);
    CHECK_INT(msg_n(&m1), 1);
    CHECK(msg_signed(&m1));
    CHECK_INT(cs_store_outbox_stats(st, "acme", sub_id, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 0);
    CHECK_INT(done, 1);
    finish(st, a, s);
}

static void test_stop_flag_and_deadline(void)
{
    struct sink *s = sink_start(NULL, 0, 200, 0);
    REQUIRE(s != NULL);
    struct cs_store *st = fresh_store();
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(subscribe(st, a, url_of(s)) != NULL);
    CHECK_INT(emit(st, a, 1), CS_OK);
    struct cs_webhook_dispatch_cfg cfg = cfg_with(NULL, 0);
    volatile sig_atomic_t stop = 1;
    struct cs_webhook_dispatch_stats stats = {0};
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, &stop, &stats), CS_OK);
    CHECK_INT(stats.claimed, 0);
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, clock_ms, NULL, &stats), CS_OK); /* past deadline */
    CHECK_INT(stats.claimed, 0);
    stop = 0;
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, clock_ms + 1, &stop, &stats), CS_OK);
    CHECK_INT(stats.delivered, 1);
    finish(st, a, s);
}

/* The stored subscription has what cs/notify.h reads, and its secret only sealed. */
static void test_subscription_document(void)
{
    struct cs_store *st = fresh_store();
    struct cs_arena *a = cs_arena_new(0);
    const char *id = subscribe(st, a, "https://example.com/hook");
    REQUIRE(id != NULL);
    CHECK(strncmp(id, "wh_", 3) == 0);
    struct cs_doc d;
    REQUIRE(cs_store_get(st, a, "acme", CS_WEBHOOKS_COLL, id, &d) == CS_OK);
    CHECK_STR(cs_json_get_str(d.body, "url"), "https://example.com/hook");
    CHECK(cs_json_get_bool(d.body, "active", false));
    json_object *ev = NULL;
    CHECK(json_object_object_get_ex(d.body, "events", &ev) && json_object_array_length(ev) == 1);
    const char *text = json_object_to_json_string(d.body);
    CHECK(strstr(text, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8") == NULL);
    CHECK(!json_object_object_get_ex(d.body, "secret", NULL));
    char *open = NULL;
    CHECK_INT(cs_webhook_unseal(&ring, cs_json_get_str(d.body, "secret_sealed"), a, &open, NULL),
              CS_OK);
    CHECK_STR(open, SECRET);
    /* Bad input is refused, nothing stored. */
    json_object *events = json_tokener_parse("[\"ticket.created\"]");
    struct cs_doc out;
    CHECK_INT(cs_webhook_subscribe(st, a, "acme", &server, "https://x.test/h", events,
                                   "whsec_short", 0, &out),
              CS_ERR_INVALID);
    CHECK_INT(cs_webhook_subscribe(st, a, "acme", &server, NULL, events, SECRET, 0, &out),
              CS_ERR_INVALID);
    json_object_put(events);
    int64_t n = 0;
    CHECK_INT(cs_store_count(st, "acme", CS_WEBHOOKS_COLL, NULL, 0, &n), CS_OK);
    CHECK_INT(n, 1);
    cs_arena_destroy(a);
    cs_store_close(st);
}

static int addr_public(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (strchr(text, ':')) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        a6->sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, text, &a6->sin6_addr) != 1) return -1;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        a4->sin_family = AF_INET;
        if (inet_pton(AF_INET, text, &a4->sin_addr) != 1) return -1;
    }
    return cs_webhook_addr_public((struct sockaddr *)&ss);
}

static void test_internal_destinations_refused(void)
{
    const char *internal[] = {"127.0.0.1",
                              "10.1.2.3",
                              "172.16.0.1",
                              "172.31.255.255",
                              "192.168.1.1",
                              "169.254.169.254",
                              "100.64.0.1",
                              "0.0.0.0",
                              "224.0.0.1",
                              "::1",
                              "::",
                              "fe80::1",
                              "fd00::1",
                              "::ffff:127.0.0.1",
                              "::ffff:10.0.0.1"};
    for (size_t i = 0; i < sizeof(internal) / sizeof(*internal); i++) {
        if (addr_public(internal[i]) != 0) fprintf(stderr, "  %s counted as public\n", internal[i]);
        CHECK_INT(addr_public(internal[i]), 0);
    }
    const char *public_[] = {"93.184.216.34", "8.8.8.8",      "172.32.0.1",
                             "100.128.0.1",   "2606:4700::1", "::ffff:8.8.8.8"};
    for (size_t i = 0; i < sizeof(public_) / sizeof(*public_); i++)
        CHECK_INT(addr_public(public_[i]), 1);

    /* Without allow_private a loopback subscriber is never called. */
    struct sink *s = sink_start(NULL, 0, 200, 0);
    REQUIRE(s != NULL);
    struct cs_store *st = fresh_store();
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(subscribe(st, a, url_of(s)) != NULL);
    CHECK_INT(emit(st, a, 1), CS_OK);
    struct cs_webhook_dispatch_cfg cfg = cfg_with(NULL, 0);
    cfg.allow_private = false;
    struct cs_webhook_dispatch_stats stats = {0};
    CHECK_INT(cs_webhook_dispatch(st, a, &cfg, 0, NULL, &stats), CS_OK);
    CHECK_INT(stats.retried, 1);
    CHECK_INT(sink_count(s), 0);
    struct cs_doc_list log;
    CHECK_INT(delivery_log(st, a, &log), CS_OK);
    CHECK_INT(log.n, 1);
    if (log.n) CHECK_STR(cs_json_get_str(log.docs[0].body, "error"), "destination not allowed");
    finish(st, a, s);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    memset(server.bytes, 0x5a, sizeof(server.bytes));
    ring.key[0] = server;
    ring.n = 1;
    TEST_RUN(test_backoff_schedule);
    TEST_RUN(test_subscription_document);
    TEST_RUN(test_fail_timeout_then_success_in_order);
    TEST_RUN(test_dead_letter_after_last_attempt);
    TEST_RUN(test_killed_dispatcher_loses_nothing);
    TEST_RUN(test_stop_flag_and_deadline);
    TEST_RUN(test_internal_destinations_refused);
    TEST_RUN(test_hanging_tenant_does_not_delay_another);
    TEST_RUN(test_concurrent_keeps_order_per_subscription);
    TEST_RUN(test_catch_up_after_outage);
    TEST_RUN(test_rotated_server_key_resealed_on_use);
    temp_db_remove(&db);
    return test_done();
}
