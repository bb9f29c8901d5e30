/* The real-time feed (cs/events.h): every notified event is staged on the events topic
 * with its change, the dispatcher relays it into the tenant's feed under its real-time
 * name (once, however often it is relayed), reads resume after an id and filter by
 * type, malformed stored events are skipped, and sentiment alerts fire on ANGRY/IRATE
 * or below the tenant's threshold. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../../support/json_path.h"
#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/events.h"
#include "cs/json.h"
#include "cs/notify.h"
#include "cs/store.h"
#include "cs/webhook.h"

#define T0 1700000000000LL
static int64_t clock_ms = T0;
static int64_t test_now(void) { return clock_ms; }
static struct temp_db db;

/* Stages `type` and writes it with a document change, as a handler does. */
static int emit(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *type,
                int n)
{
    json_object *data = json_object_new_object();
    json_object_object_add(data, "n", json_object_new_int(n));
    int rc = cs_notify_stage(st, a, tenant, type, data, clock_ms, NULL);
    json_object_put(data);
    if (rc) return rc;
    json_object *t = json_object_new_object();
    char id[16];
    snprintf(id, sizeof(id), "doc-%d", n);
    rc = cs_store_insert(st, a, tenant, "things", id, t, NULL, clock_ms, NULL);
    json_object_put(t);
    return rc;
}

static int relay_all(struct cs_store *st, struct cs_arena *a, struct cs_webhook_dispatch_stats *s)
{
    struct cs_webhook_dispatch_cfg cfg = {.now_ms = test_now, .jitter_off = true};
    return cs_webhook_dispatch(st, a, &cfg, 0, NULL, s);
}

static void test_relay_and_read(void)
{
    struct cs_store *st = temp_db_create(&db, "events");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    CHECK_INT(emit(st, a, "acme", "review.queue_update", 1), CS_OK);
    clock_ms += 5;
    CHECK_INT(emit(st, a, "acme", "ticket.created", 2), CS_OK);
    /* Same millisecond: the feed keeps the order they were written in. */
    CHECK_INT(emit(st, a, "acme", "sentiment.alert", 3), CS_OK);
    CHECK_INT(emit(st, a, "globex", "ticket.created", 4), CS_OK);
    /* Nothing is in the feed before the relay: it is written with the change, then moved. */
    struct cs_doc_list l;
    const char *scanned = NULL;
    bool more = true;
    CHECK_INT(cs_events_read(st, a, "acme", NULL, NULL, 0, 10, &l, &scanned, &more), CS_OK);
    CHECK_INT(l.n, 0);
    struct cs_webhook_dispatch_stats s = {0};
    CHECK_INT(relay_all(st, a, &s), CS_OK);
    CHECK_INT(s.relayed, 4);
    CHECK_INT(s.claimed, 0); /* no subscriber: nothing to deliver */
    CHECK_INT(cs_events_read(st, a, "acme", NULL, NULL, 0, 10, &l, &scanned, &more), CS_OK);
    REQUIRE(l.n == 3);
    CHECK(!more);
    CHECK_STR(cs_json_get_str(l.docs[0].body, "type"), "queue_update");
    CHECK_STR(cs_json_get_str(l.docs[0].body, "event"), "review.queue_update");
    CHECK_STR(cs_json_get_str(l.docs[1].body, "type"), "ticket.created");
    CHECK_STR(cs_json_get_str(l.docs[2].body, "type"), "sentiment_alert");
    CHECK(strncmp(l.docs[0].id, "0001700000000000-000000-", 24) == 0);
    CHECK(strcmp(l.docs[0].id, l.docs[1].id) < 0 && strcmp(l.docs[1].id, l.docs[2].id) < 0);
    json_object *m = cs_events_message(a, &l.docs[2]);
    REQUIRE(m);
    CHECK_STR(cs_json_get_str(m, "id"), l.docs[2].id);
    CHECK_STR(cs_json_get_str(m, "type"), "sentiment_alert");
    CHECK_INT(cs_json_get_int(json_object_object_get(m, "data"), "n", 0), 3);
    CHECK_STR(cs_json_get_str(m, "timestamp"), "2023-11-14T22:13:20Z");
    char first[CS_EVENTS_ID_MAX], last[CS_EVENTS_ID_MAX];
    snprintf(first, sizeof(first), "%s", l.docs[0].id);
    snprintf(last, sizeof(last), "%s", l.docs[2].id);

    /* After an id; filtered (the scan still moves past filtered-out events). */
    const char *only[] = {"sentiment_alert"};
    CHECK_INT(cs_events_read(st, a, "acme", first, only, 1, 10, &l, &scanned, &more), CS_OK);
    CHECK_INT(l.n, 1);
    CHECK_STR(scanned, last);
    CHECK_INT(cs_events_read(st, a, "acme", first, NULL, 0, 1, &l, &scanned, &more), CS_OK);
    CHECK_INT(l.n, 1);
    CHECK(more);
    const char *latest = NULL;
    CHECK_INT(cs_events_latest(st, a, "acme", &latest), CS_OK);
    CHECK_STR(latest, last);
    /* Another tenant's feed holds its own event only. */
    CHECK_INT(cs_events_read(st, a, "globex", NULL, NULL, 0, 10, &l, &scanned, &more), CS_OK);
    CHECK_INT(l.n, 1);

    /* A malformed stored event (written around the relay) is skipped, not sent. */
    json_object *bad = json_tokener_parse("{\"type\":7,\"data\":[]}");
    CHECK_INT(cs_store_insert(st, a, "acme", CS_EVENTS_COLL, "9999999999999999-000000-bad", bad,
                              NULL, clock_ms, NULL),
              CS_OK);
    json_object_put(bad);
    CHECK_INT(cs_events_read(st, a, "acme", last, NULL, 0, 10, &l, &scanned, &more), CS_OK);
    CHECK_INT(l.n, 0);
    CHECK_STR(scanned, "9999999999999999-000000-bad");
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static void test_relay_is_idempotent(void)
{
    struct cs_store *st = temp_db_create(&db, "events2");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    CHECK_INT(emit(st, a, "acme", "session.created", 1), CS_OK);
    struct cs_outbox_item *items;
    size_t n = 0;
    CHECK_INT(cs_store_outbox_claim(st, a, clock_ms, 1000, 10, 0, &items, &n), CS_OK);
    REQUIRE(n == 1);
    CHECK_STR(items[0].topic, CS_EVENTS_TOPIC);
    CHECK_INT(cs_events_relay(st, a, &items[0]), CS_OK);
    CHECK_INT(cs_events_relay(st, a, &items[0]), CS_OK); /* a lost lease: relayed again */
    struct cs_doc_list l;
    const char *scanned;
    bool more;
    CHECK_INT(cs_events_read(st, a, "acme", NULL, NULL, 0, 10, &l, &scanned, &more), CS_OK);
    CHECK_INT(l.n, 1);
    /* A payload that is not an event envelope can never be relayed. */
    struct cs_outbox_item junk = items[0];
    junk.payload = json_tokener_parse("{\"type\":\"x\"}");
    CHECK_INT(cs_events_relay(st, a, &junk), CS_ERR_FORMAT);
    json_object_put(junk.payload);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

/* A run relayed and then lost (the dispatcher stalled past its lease, say): the next
 * dispatcher takes it again, stores nothing twice and closes every item; the feed keeps
 * the run's order. */
static void test_run_relayed_once_after_lost_lease(void)
{
    struct cs_store *st = temp_db_create(&db, "events_run");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    for (int i = 1; i <= 4; i++) CHECK_INT(emit(st, a, "acme", "ticket.created", i), CS_OK);
    struct cs_outbox_item *items;
    size_t n = 0;
    CHECK_INT(cs_store_outbox_claim(st, a, clock_ms, 1000, 10, 0, &items, &n), CS_OK);
    REQUIRE(n >= 1);
    int rcs[8];
    CHECK_INT(cs_events_relay_run(st, a, items, n, rcs), CS_OK); /* never settled */
    for (size_t i = 0; i < n; i++) CHECK_INT(rcs[i], CS_OK);
    clock_ms += 2000; /* the lease is gone */
    struct cs_webhook_dispatch_stats s = {0};
    CHECK_INT(relay_all(st, a, &s), CS_OK);
    CHECK_INT(s.relayed, 4);
    struct cs_doc_list l;
    const char *scanned;
    bool more;
    CHECK_INT(cs_events_read(st, a, "acme", NULL, NULL, 0, 10, &l, &scanned, &more), CS_OK);
    REQUIRE(l.n == 4);
    for (size_t i = 0; i < 4; i++) {
        json_object *data = NULL;
        json_object_object_get_ex(l.docs[i].body, "data", &data);
        CHECK_INT(cs_json_get_int(data, "n", -1), (int64_t)i + 1);
    }
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(st, "acme", CS_EVENTS_TOPIC, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 0);
    CHECK_INT(done, 4);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static void test_types(void)
{
    struct cs_arena *a = cs_arena_new(0);
    const char *types[CS_EVENTS_MAX_TYPES], *bad = NULL;
    size_t n = 0;
    CHECK_INT(cs_events_parse_types(a, "queue_update,sentiment_alert,queue_update,,system_status",
                                    types, &n, &bad),
              CS_OK);
    CHECK_INT(n, 3);
    CHECK_STR(types[2], "system_status");
    CHECK_INT(cs_events_parse_types(a, "ticket.created", types, &n, &bad), CS_OK);
    CHECK_INT(cs_events_parse_types(a, "queue_update,review.queue_update", types, &n, &bad),
              CS_ERR_VALIDATION);
    CHECK_STR(bad, "review.queue_update"); /* one name per event */
    CHECK_INT(cs_events_parse_types(a, NULL, types, &n, &bad), CS_OK);
    CHECK_INT(n, 0);
    CHECK(cs_events_wanted("anything", types, 0));
    cs_arena_destroy(a);
}

static void test_sentiment_alert(void)
{
    struct cs_store *st = temp_db_create(&db, "events3");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    CHECK_NEAR(cs_events_threshold(st, a, "acme"), CS_EVENTS_SENTIMENT_THRESHOLD, 1e-9);
    bool alerted = true;
    json_object *d = cs_json_object(a);
    CHECK_INT(cs_events_sentiment_check(st, a, "acme", d, "NEUTRAL", 0.55, clock_ms, &alerted),
              CS_OK);
    CHECK(!alerted);
    CHECK_INT(cs_store_staged(st), 0);
    CHECK_INT(cs_events_sentiment_check(st, a, "acme", d, "ANGRY", 0.55, clock_ms, &alerted),
              CS_OK);
    CHECK(alerted);
    CHECK_STR(cs_json_get_str(d, "reason"), "sentiment_level");
    CHECK_INT(cs_store_staged(st), 1);
    cs_store_unstage(st);
    CHECK_INT(cs_events_sentiment_check(st, a, "acme", d, "FRUSTRATED", 0.1, clock_ms, &alerted),
              CS_OK);
    CHECK(alerted);
    CHECK_STR(cs_json_get_str(d, "reason"), "score_below_threshold");
    cs_store_unstage(st);
    /* The tenant's own threshold; a stored value out of range counts as unset. */
    json_object *s = json_tokener_parse("{\"sentiment_alert_threshold\":0.6}");
    CHECK_INT(cs_store_insert(st, a, "acme", CS_EVENTS_SETTINGS_COLL, CS_EVENTS_SETTINGS_ID, s,
                              NULL, clock_ms, NULL),
              CS_OK);
    json_object_put(s);
    CHECK_NEAR(cs_events_threshold(st, a, "acme"), 0.6, 1e-9);
    CHECK_INT(cs_events_sentiment_check(st, a, "acme", d, "NEUTRAL", 0.55, clock_ms, &alerted),
              CS_OK);
    CHECK(alerted);
    cs_store_unstage(st);
    s = json_tokener_parse("{\"sentiment_alert_threshold\":7}");
    CHECK_INT(cs_store_insert(st, a, "globex", CS_EVENTS_SETTINGS_COLL, CS_EVENTS_SETTINGS_ID, s,
                              NULL, clock_ms, NULL),
              CS_OK);
    json_object_put(s);
    CHECK_NEAR(cs_events_threshold(st, a, "globex"), CS_EVENTS_SENTIMENT_THRESHOLD, 1e-9);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static void test_watchers(void)
{
    struct cs_store *st = temp_db_create(&db, "events4");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    CHECK_INT(cs_events_watch(st, a, "acme", T0), CS_OK);
    CHECK_INT(cs_events_watch(st, a, "acme", T0 + 1000), CS_OK);
    CHECK_INT(cs_events_watch(st, a, "globex", T0 - 500000), CS_OK);
    const char *t[4];
    size_t n = 0;
    CHECK_INT(cs_events_watched(st, a, T0 - 1000, t, 4, &n), CS_OK);
    CHECK_INT(n, 1);
    CHECK_STR(t[0], "acme");
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static int64_t feed_size(struct cs_store *st, const char *tenant)
{
    int64_t n = -1;
    return cs_store_count(st, tenant, CS_EVENTS_COLL, NULL, 0, &n) == CS_OK ? n : -1;
}

static int publish_n(struct cs_store *st, struct cs_arena *a, const char *tenant, int n)
{
    for (int i = 0; i < n; i++) {
        json_object *d = json_object_new_object();
        json_object_object_add(d, "n", json_object_new_int(i));
        int rc = cs_events_publish(st, a, tenant, "system_status", d, clock_ms);
        json_object_put(d);
        if (rc) return rc;
        clock_ms++;
    }
    return CS_OK;
}

static const char *env_age, *env_cap;
static const char *fake_env(const char *name)
{
    return strcmp(name, "CS_EVENTS_MAX_AGE_S") == 0        ? env_age
           : strcmp(name, "CS_EVENTS_MAX_PER_TENANT") == 0 ? env_cap
                                                           : NULL;
}

/* Retention: events past the maximum age go behind later writes (relay or publish) of
 * the same tenant only, the part beyond the per-tenant cap once a minute, the newest
 * kept; an explicit sweep does both within its budget. */
static void test_retention(void)
{
    struct cs_store *st = temp_db_create(&db, "events5");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    const char *why = NULL;
    env_age = "59";
    CHECK_INT(cs_events_retention_load(fake_env, &why), CS_ERR_CONFIG);
    CHECK_STR(why, "CS_EVENTS_MAX_AGE_S");
    env_age = "60", env_cap = "100x";
    CHECK_INT(cs_events_retention_load(fake_env, &why), CS_ERR_CONFIG);
    CHECK_STR(why, "CS_EVENTS_MAX_PER_TENANT");
    int64_t age, cap;
    cs_events_retention(&age, &cap);
    CHECK(age == CS_EVENTS_MAX_AGE_MS && cap == CS_EVENTS_MAX_PER_TENANT); /* unchanged */
    env_cap = "100";
    CHECK_INT(cs_events_retention_load(fake_env, &why), CS_OK);
    cs_events_retention(&age, &cap);
    CHECK(age == 60000 && cap == 100);

    clock_ms = T0;
    /* by relay: an event a minute and a bit older than the next one is gone after it */
    CHECK_INT(emit(st, a, "acme", "ticket.created", 1), CS_OK);
    CHECK_INT(relay_all(st, a, NULL), CS_OK);
    CHECK_INT(publish_n(st, a, "globex", 3), CS_OK);
    CHECK_INT(feed_size(st, "acme"), 1);
    clock_ms = T0 + 60001;
    CHECK_INT(emit(st, a, "acme", "ticket.created", 2), CS_OK);
    CHECK_INT(relay_all(st, a, NULL), CS_OK);
    struct cs_doc_list l;
    const char *scanned;
    bool more;
    CHECK_INT(cs_events_read(st, a, "acme", NULL, NULL, 0, 10, &l, &scanned, &more), CS_OK);
    REQUIRE(l.n == 1);
    CHECK_INT(json_object_get_int(jget(l.docs[0].body, "data.n")), 2);
    CHECK_INT(feed_size(st, "globex"), 3); /* another tenant's feed is its own business */
    size_t removed = 99;
    CHECK_INT(cs_events_sweep(st, a, "globex", clock_ms + 10, false, 2, &removed), CS_OK);
    CHECK_INT(removed, 2); /* the budget holds */
    CHECK_INT(cs_events_sweep(st, a, "globex", clock_ms + 10, false, 10, &removed), CS_OK);
    CHECK_INT(removed, 1);
    CHECK_INT(feed_size(st, "globex"), 0);

    /* by cap: 150 events within one minute; the cap holds after the explicit sweep, and
     * behind the first write of the next minute */
    clock_ms = T0 + 200000; /* the event left from before expires behind the first one */
    CHECK_INT(publish_n(st, a, "acme", 150), CS_OK);
    CHECK_INT(feed_size(st, "acme"), 150);
    CHECK_INT(cs_events_sweep(st, a, "acme", clock_ms, true, 20, &removed), CS_OK);
    CHECK_INT(removed, 20);
    CHECK_INT(cs_events_sweep(st, a, "acme", clock_ms, true, 1000, &removed), CS_OK);
    CHECK_INT(removed, 30);
    CHECK_INT(cs_events_read(st, a, "acme", NULL, NULL, 0, 1000, &l, &scanned, &more), CS_OK);
    REQUIRE(l.n == 100);
    CHECK_INT(json_object_get_int(jget(l.docs[0].body, "data.n")), 50); /* the newest kept */
    CHECK_INT(json_object_get_int(jget(l.docs[99].body, "data.n")), 149);
    CHECK_INT(publish_n(st, a, "acme", 30), CS_OK); /* same minute: only expired ones go */
    CHECK_INT(feed_size(st, "acme"), 130);
    clock_ms = T0 + 250000;
    CHECK_INT(publish_n(st, a, "acme", 1), CS_OK); /* a new minute: the cap is applied */
    CHECK_INT(feed_size(st, "acme"), 100);
    cs_events_set_retention(CS_EVENTS_MAX_AGE_MS, CS_EVENTS_MAX_PER_TENANT);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static int64_t fn_docs(struct cs_store *st)
{
    int64_t n = -1;
    return cs_store_count(st, CS_SYSTEM_TENANT, CS_EVENTS_FN_COLL, NULL, 0, &n) == CS_OK ? n : -1;
}

/* system_status's per-function figures: counted in memory, a minute written once it is
 * over (not per request), summed back with exact ranks, malformed documents skipped,
 * old ones removed. */
static void test_fn_figures(void)
{
    struct cs_store *st = temp_db_create(&db, "events6");
    struct cs_arena *a = cs_arena_new(0);
    REQUIRE(st && a);
    const int64_t m = 1700000040000LL; /* a minute's start */
    cs_events_fn_note(st, a, "review-list", 200, 5.0, m + 1000);
    cs_events_fn_note(st, a, "review-list", 503, 7.25, m + 2000);
    cs_events_fn_note(st, a, "review-list", 200, 3.0, m + 59999);
    CHECK_INT(fn_docs(st), 0); /* nothing written per request */
    cs_events_fn_note(st, a, "review-list", 200, 11.0, m + 60010);
    CHECK_INT(fn_docs(st), 1); /* the finished minute */
    struct cs_events_fn_figures f[4];
    size_t n = 0;
    CHECK_INT(cs_events_fn_read(st, a, m, m + 60020, f, 4, &n), CS_OK);
    REQUIRE(n == 1);
    CHECK_STR(f[0].name, "review-list");
    CHECK_INT(f[0].requests, 3);
    CHECK_INT(f[0].errors, 1);
    REQUIRE(f[0].n == 3);
    CHECK(f[0].lat[0] == 3.0 && f[0].lat[1] == 5.0 && f[0].lat[2] == 7.25);
    /* another process's minute, and a malformed one, filed beside it */
    json_object *o = json_tokener_parse("{\"fn\":\"review-list\",\"minute_ms\":1700000040000,"
                                        "\"requests\":2,\"errors\":0,\"latency_ms\":[1,9.5]}");
    json_object *bad = json_tokener_parse("{\"fn\":\"review-list\",\"minute_ms\":1700000040000,"
                                          "\"requests\":1,\"errors\":5,\"latency_ms\":[1]}");
    CHECK_INT(cs_store_insert(st, a, CS_SYSTEM_TENANT, CS_EVENTS_FN_COLL, "review-list.x.other", o,
                              NULL, m + 60020, NULL),
              CS_OK);
    CHECK_INT(cs_store_insert(st, a, CS_SYSTEM_TENANT, CS_EVENTS_FN_COLL, "review-list.x.bad", bad,
                              NULL, m + 60020, NULL),
              CS_OK);
    json_object_put(o);
    json_object_put(bad);
    CHECK_INT(cs_events_fn_read(st, a, m, m + 60020, f, 4, &n), CS_OK);
    REQUIRE(n == 1 && f[0].n == 5);
    CHECK_INT(f[0].requests, 5);
    CHECK_INT(f[0].errors, 1);
    CHECK(f[0].lat[0] == 1.0 && f[0].lat[4] == 9.5);
    /* a minute and more later: the running minute (one request) is written too */
    cs_events_fn_note(st, a, "review-list", 200, 2.0, m + 130000);
    CHECK_INT(cs_events_fn_read(st, a, m + 60000, m + 130001, f, 4, &n), CS_OK);
    REQUIRE(n == 1);
    CHECK_INT(f[0].requests, 1);
    CHECK(f[0].n == 1 && f[0].lat[0] == 11.0);
    /* past the hour kept, every document goes */
    CHECK_INT(cs_events_fn_read(st, a, m, m + 2 * CS_EVENTS_FN_KEEP_MS, f, 4, &n), CS_OK);
    CHECK_INT(n, 0);
    CHECK_INT(fn_docs(st), 0);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    TEST_RUN(test_relay_and_read);
    TEST_RUN(test_relay_is_idempotent);
    TEST_RUN(test_run_relayed_once_after_lost_lease);
    TEST_RUN(test_types);
    TEST_RUN(test_sentiment_alert);
    TEST_RUN(test_watchers);
    TEST_RUN(test_retention);
    TEST_RUN(test_fn_figures);
    return test_done();
}
