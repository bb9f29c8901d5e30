/* The store's outbox (cs/store.h): events written atomically with the change that
 * caused them, delivered in order per topic, leased, retried and dead-lettered. Runs
 * on SQLite here; the MongoDB backend runs the same checks in store_contract when a
 * server is given. */
#include <json-c/json.h>
#include <stdint.h>
#include <unistd.h>

#include "../support/temp_store.h"
#include "../support/test.h"
#include "cs/arena.h"
#include "cs/store.h"

static struct temp_db db;

static struct cs_store *open_store(void)
{
    struct cs_store *st = temp_db_create(&db, "outbox");
    if (!st) abort();
    return st;
}

static json_object *payload(int n)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "n", json_object_new_int(n));
    return o;
}

static int stage(struct cs_store *st, const char *tenant, const char *topic, int n)
{
    json_object *p = payload(n);
    int rc = cs_store_stage(st, tenant, topic, "ticket.created", p);
    json_object_put(p);
    return rc;
}

static int insert(struct cs_store *st, struct cs_arena *a, const char *id)
{
    json_object *body = json_object_new_object();
    int rc = cs_store_insert(st, a, "acme", "tickets", id, body, NULL, 1000, NULL);
    json_object_put(body);
    return rc;
}

static int64_t payload_n(const struct cs_outbox_item *it)
{
    json_object *n;
    return json_object_object_get_ex(it->payload, "n", &n) ? json_object_get_int64(n) : -1;
}

static void test_events_ride_with_their_write(void)
{
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    CHECK_INT(stage(st, "acme", "sub_1", 1), CS_OK);
    CHECK_INT(cs_store_staged(st), 1);
    CHECK_INT(insert(st, a, "t1"), CS_OK);
    CHECK_INT(cs_store_staged(st), 0);
    /* A failed write takes its events with it. */
    CHECK_INT(stage(st, "acme", "sub_1", 2), CS_OK);
    CHECK_INT(insert(st, a, "t1"), CS_ERR_EXISTS);
    CHECK_INT(cs_store_staged(st), 0);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(st, "acme", NULL, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 1);
    /* A stale update too. */
    CHECK_INT(stage(st, "acme", "sub_1", 3), CS_OK);
    json_object *body = json_object_new_object();
    CHECK_INT(cs_store_update(st, a, "acme", "tickets", "t1", 7, body, NULL, 2000, NULL),
              CS_ERR_CONFLICT);
    CHECK_INT(stage(st, "acme", "sub_1", 4), CS_OK);
    CHECK_INT(cs_store_update(st, a, "acme", "tickets", "t1", 1, body, NULL, 2000, NULL), CS_OK);
    json_object_put(body);
    CHECK_INT(stage(st, "acme", "sub_1", 5), CS_OK);
    CHECK_INT(cs_store_delete(st, "acme", "tickets", "t1", -1), CS_OK);
    CHECK_INT(cs_store_outbox_stats(st, "acme", "sub_1", &open, &done, &dead), CS_OK);
    CHECK_INT(open, 3);
    /* The items come out in write order: 1, 4, 5. */
    int64_t want[] = {1, 4, 5};
    for (int i = 0; i < 3; i++) {
        struct cs_outbox_item *items;
        size_t n;
        REQUIRE(cs_store_outbox_claim(st, a, 5000, 1000, 10, &items, &n) == CS_OK);
        REQUIRE(n == 1);
        CHECK_INT(payload_n(&items[0]), want[i]);
        CHECK_STR(items[0].tenant, "acme");
        CHECK_STR(items[0].topic, "sub_1");
        CHECK_STR(items[0].type, "ticket.created");
        CHECK_INT(cs_store_outbox_settle(st, &items[0], CS_OUTBOX_DONE, 0, 5000), CS_OK);
    }
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static void test_topics_are_independent_and_ordered(void)
{
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    for (int i = 1; i <= 3; i++) {
        CHECK_INT(stage(st, "acme", "sub_a", i), CS_OK);
        CHECK_INT(stage(st, "acme", "sub_b", 10 + i), CS_OK);
    }
    CHECK_INT(stage(st, "globex", "sub_a", 100), CS_OK);
    CHECK_INT(cs_store_outbox_flush(st, 1000), CS_OK);
    struct cs_outbox_item *items;
    size_t n;
    REQUIRE(cs_store_outbox_claim(st, a, 1000, 60000, 10, &items, &n) == CS_OK);
    /* One head per (tenant, topic): acme/sub_a=1, acme/sub_b=11, globex/sub_a=100. */
    CHECK_INT(n, 3);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += payload_n(&items[i]);
    CHECK_INT(sum, 112);
    /* Leased heads block their topics: nothing more to claim. */
    struct cs_outbox_item *more;
    size_t m;
    CHECK_INT(cs_store_outbox_claim(st, a, 2000, 60000, 10, &more, &m), CS_OK);
    CHECK_INT(m, 0);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(st, "globex", NULL, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 1);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static void test_retry_waits_and_holds_the_topic(void)
{
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    CHECK_INT(stage(st, "acme", "sub_1", 1), CS_OK);
    CHECK_INT(stage(st, "acme", "sub_1", 2), CS_OK);
    CHECK_INT(cs_store_outbox_flush(st, 1000), CS_OK);
    struct cs_outbox_item *items;
    size_t n;
    REQUIRE(cs_store_outbox_claim(st, a, 1000, 30000, 10, &items, &n) == CS_OK && n == 1);
    CHECK_INT(items[0].attempts, 1);
    CHECK_INT(cs_store_outbox_settle(st, &items[0], CS_OUTBOX_RETRY, 61000, 1500), CS_OK);
    /* Before it is due, item 2 must not overtake it. */
    CHECK_INT(cs_store_outbox_claim(st, a, 60000, 30000, 10, &items, &n), CS_OK);
    CHECK_INT(n, 0);
    REQUIRE(cs_store_outbox_claim(st, a, 61000, 30000, 10, &items, &n) == CS_OK && n == 1);
    CHECK_INT(payload_n(&items[0]), 1);
    CHECK_INT(items[0].attempts, 2);
    /* Dead-lettering closes it; the topic moves on. */
    CHECK_INT(cs_store_outbox_settle(st, &items[0], CS_OUTBOX_DEAD, 0, 61000), CS_OK);
    REQUIRE(cs_store_outbox_claim(st, a, 61001, 30000, 10, &items, &n) == CS_OK && n == 1);
    CHECK_INT(payload_n(&items[0]), 2);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(st, "acme", "sub_1", &open, &done, &dead), CS_OK);
    CHECK_INT(open, 1);
    CHECK_INT(dead, 1);
    CHECK_INT(done, 0);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static void test_expired_lease_is_reclaimed_and_old_holder_refused(void)
{
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    CHECK_INT(stage(st, "acme", "sub_1", 1), CS_OK);
    CHECK_INT(cs_store_outbox_flush(st, 1000), CS_OK);
    struct cs_outbox_item *first, *second;
    size_t n;
    REQUIRE(cs_store_outbox_claim(st, a, 1000, 5000, 10, &first, &n) == CS_OK && n == 1);
    /* The dispatcher "dies"; within the lease nobody else gets the item. */
    CHECK_INT(cs_store_outbox_claim(st, a, 5999, 5000, 10, &second, &n), CS_OK);
    CHECK_INT(n, 0);
    REQUIRE(cs_store_outbox_claim(st, a, 6000, 5000, 10, &second, &n) == CS_OK && n == 1);
    CHECK_STR(second[0].id, first[0].id);
    CHECK_INT(second[0].attempts, 2);
    CHECK(second[0].lease_id != first[0].lease_id);
    CHECK_INT(cs_store_outbox_settle(st, &first[0], CS_OUTBOX_DONE, 0, 6100), CS_ERR_CONFLICT);
    CHECK_INT(cs_store_outbox_settle(st, &second[0], CS_OUTBOX_DONE, 0, 6100), CS_OK);
    /* Settled once: a second settle is refused rather than reopening it. */
    CHECK_INT(cs_store_outbox_settle(st, &second[0], CS_OUTBOX_RETRY, 9000, 6200), CS_ERR_CONFLICT);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static void test_stage_checks_and_failures(void)
{
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    CHECK_INT(cs_store_stage(st, "Not A Tenant!", "sub", "t", NULL), CS_ERR_INVALID);
    CHECK_INT(cs_store_stage(st, "acme", "", "t", NULL), CS_ERR_INVALID);
    CHECK_INT(cs_store_stage(st, "acme", "sub", "bad type", NULL), CS_ERR_INVALID);
    for (int i = 0; i < CS_OUTBOX_MAX_STAGED; i++) CHECK_INT(stage(st, "acme", "s", i), CS_OK);
    CHECK_INT(stage(st, "acme", "s", 99), CS_ERR_INVALID);
    cs_store_unstage(st);
    CHECK_INT(cs_store_staged(st), 0);
    /* A lost connection during the write loses the change and its events together. */
    CHECK_INT(stage(st, "acme", "s", 1), CS_OK);
    cs_store_fail_after(st, 1);
    CHECK_INT(insert(st, a, "t9"), CS_ERR_STORE);
    cs_store_fail_after(st, 0);
    CHECK_INT(cs_store_staged(st), 0);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(st, "acme", NULL, &open, &done, &dead), CS_OK);
    CHECK_INT(open + done + dead, 0);
    struct cs_doc d;
    CHECK_INT(cs_store_get(st, a, "acme", "tickets", "t9", &d), CS_ERR_NOT_FOUND);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

int main(void)
{
    TEST_RUN(test_events_ride_with_their_write);
    TEST_RUN(test_topics_are_independent_and_ordered);
    TEST_RUN(test_retry_waits_and_holds_the_topic);
    TEST_RUN(test_expired_lease_is_reclaimed_and_old_holder_refused);
    TEST_RUN(test_stage_checks_and_failures);
    return test_done();
}
