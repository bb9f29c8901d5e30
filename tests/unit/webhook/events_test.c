/* The real-time feed (cs/events.h): every notified event is staged on the events topic
 * with its change, the dispatcher relays it into the tenant's feed under its real-time
 * name (once, however often it is relayed), reads resume after an id and filter by
 * type, malformed stored events are skipped, and sentiment alerts fire on ANGRY/IRATE
 * or below the tenant's threshold. */
#include <sodium.h>
#include <stdio.h>

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

int main(void)
{
    if (sodium_init() < 0) return 1;
    TEST_RUN(test_relay_and_read);
    TEST_RUN(test_relay_is_idempotent);
    TEST_RUN(test_types);
    TEST_RUN(test_sentiment_alert);
    TEST_RUN(test_watchers);
    return test_done();
}
