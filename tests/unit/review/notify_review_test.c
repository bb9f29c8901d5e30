/* cs/notify.h fan-out to subscriptions and cs/review.h queueing, on SQLite. */
#include <json-c/json.h>
#include <unistd.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/events.h"
#include "cs/notify.h"
#include "cs/review.h"
#include "cs/store.h"

static struct temp_db db;

static struct cs_store *open_store(void)
{
    struct cs_store *st = temp_db_create(&db, "notify");
    if (!st) abort();
    return st;
}

static void subscribe(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *id,
                      const char *events_json, int active)
{
    json_object *b = json_tokener_parse(events_json);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "url", json_object_new_string("http://127.0.0.1:9/hook"));
    json_object_object_add(o, "events", b);
    json_object_object_add(o, "active", json_object_new_boolean(active));
    if (cs_store_insert(st, a, tenant, CS_WEBHOOKS_COLL, id, o, NULL, 1, NULL) != CS_OK) abort();
    json_object_put(o);
}

static void test_stages_one_item_per_matching_subscription(void)
{
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    subscribe(st, a, "acme", "wh_all", "[\"*\"]", 1);
    subscribe(st, a, "acme", "wh_tickets", "[\"ticket.created\"]", 1);
    subscribe(st, a, "acme", "wh_sessions", "[\"session.created\"]", 1);
    subscribe(st, a, "acme", "wh_off", "[\"ticket.created\"]", 0);
    subscribe(st, a, "globex", "wh_other", "[\"*\"]", 1);
    json_object *data = json_object_new_object();
    json_object_object_add(data, "ticket_id", json_object_new_string("T-1"));
    size_t n = 99;
    CHECK_INT(cs_notify_stage(st, a, "acme", "ticket.created", data, 1764000000000, &n), CS_OK);
    CHECK_INT(n, 2);
    CHECK_INT(cs_store_outbox_flush(st, 1764000000000), CS_OK);
    struct cs_outbox_item *items;
    size_t m;
    REQUIRE(cs_store_outbox_claim(st, a, 1764000000000, 1000, 10, 0, &items, &m) == CS_OK);
    /* The two subscribers' and the tenant's real-time feed's (cs/events.h), alike. */
    REQUIRE(m == 3);
    size_t realtime = 0;
    for (size_t i = 0; i < m; i++) {
        CHECK_STR(items[i].tenant, "acme");
        realtime += strcmp(items[i].topic, CS_EVENTS_TOPIC) == 0;
        CHECK(strcmp(items[i].topic, "wh_all") == 0 || strcmp(items[i].topic, "wh_tickets") == 0 ||
              strcmp(items[i].topic, CS_EVENTS_TOPIC) == 0);
        json_object *type, *event, *ts, *d, *tid;
        CHECK(json_object_object_get_ex(items[i].payload, "type", &type));
        CHECK_STR(json_object_get_string(type), "ticket.created");
        /* The sessions seed's payload field. */
        CHECK(json_object_object_get_ex(items[i].payload, "event", &event));
        CHECK_STR(json_object_get_string(event), "ticket.created");
        CHECK(json_object_object_get_ex(items[i].payload, "timestamp", &ts));
        CHECK_STR(json_object_get_string(ts), "2025-11-24T16:00:00Z");
        CHECK(json_object_object_get_ex(items[i].payload, "data", &d) &&
              json_object_object_get_ex(d, "ticket_id", &tid));
        CHECK_STR(json_object_get_string(tid), "T-1");
    }
    CHECK_INT(realtime, 1);
    CHECK_INT(cs_notify_stage(st, a, "acme", "no.such.event", data, 1, &n), CS_ERR_INVALID);
    CHECK_INT(n, 0);
    json_object_put(data);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static void test_review_enqueue_writes_a_queued_item(void)
{
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    struct cs_review_item it = {.query = "Can I get a refund?",
                                .response = "Yes, all of it.",
                                .category = "refund",
                                .priority = 9,
                                .source = "generate_response"};
    const char *id = NULL;
    CHECK_INT(cs_review_enqueue(st, a, "acme", &it, 5000, &id), CS_OK);
    REQUIRE(id && strncmp(id, "rev-", 4) == 0);
    struct cs_doc d;
    REQUIRE(cs_store_get(st, a, "acme", CS_REVIEW_COLL, id, &d) == CS_OK);
    json_object *v;
    CHECK(json_object_object_get_ex(d.body, "status", &v));
    CHECK_STR(json_object_get_string(v), "queued");
    CHECK(json_object_object_get_ex(d.body, "priority", &v));
    CHECK_INT(json_object_get_int(v), 5);
    CHECK(json_object_object_get_ex(d.body, "source", &v));
    CHECK_STR(json_object_get_string(v), "generate_response");
    CHECK_INT(cs_store_get(st, a, "globex", CS_REVIEW_COLL, id, &d), CS_ERR_NOT_FOUND);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

int main(void)
{
    TEST_RUN(test_stages_one_item_per_matching_subscription);
    TEST_RUN(test_review_enqueue_writes_a_queued_item);
    return test_done();
}
