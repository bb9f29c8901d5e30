/* cs/review.h beyond enqueue: the throughput rule and its fallback, queue order and
 * positions, listing filters, decisions (once only, also under a real race between
 * connections), tenant isolation and the review.queue_update events. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/events.h"
#include "cs/notify.h"
#include "cs/review.h"
#include "cs/store.h"

#define H 3600000LL
#define NOW 1764000000000LL

static struct temp_db db;

static struct cs_store *open_store(void)
{
    struct cs_store *st = temp_db_open(&db);
    if (!st) abort();
    return st;
}

static void test_rate_rule(void)
{
    struct cs_review_throughput t;
    cs_review_rate(0, NOW, NOW, &t);
    CHECK(!t.from_history);
    CHECK_NEAR(t.per_hour, CS_REVIEW_DEFAULT_PER_HOUR, 1e-9);
    cs_review_rate(CS_REVIEW_MIN_DECISIONS - 1, NOW - H, NOW, &t);
    CHECK(!t.from_history);
    cs_review_rate(6, NOW - 2 * H, NOW, &t);
    CHECK(t.from_history);
    CHECK_NEAR(t.per_hour, 3.0, 1e-9);
    /* A burst a minute ago counts over the 15-minute floor: 4 per quarter hour. */
    cs_review_rate(4, NOW - 60000, NOW, &t);
    CHECK_NEAR(t.per_hour, 16.0, 1e-9);
    /* Estimates: the items ahead plus this one, at the rate. */
    cs_review_rate(6, NOW - 2 * H, NOW, &t);
    CHECK_INT(cs_review_eta_ms(&t, 0, NOW), NOW + 20 * 60000);
    CHECK_INT(cs_review_eta_ms(&t, 2, NOW), NOW + H);
    cs_review_rate(0, NOW, NOW, &t);
    CHECK_INT(cs_review_eta_ms(&t, 0, NOW), NOW + 5 * 60000);
}

static const char *enqueue(struct cs_store *st, struct cs_arena *a, const char *tenant, int prio,
                           int64_t at)
{
    struct cs_review_item it = {.query = "q", .response = "r", .category = "c", .priority = prio};
    const char *id = NULL;
    if (cs_review_enqueue(st, a, tenant, &it, at, &id) != CS_OK) abort();
    return id;
}

static const char *rank_of(struct cs_store *st, struct cs_arena *a, const char *id)
{
    struct cs_doc d;
    json_object *v;
    if (cs_store_get(st, a, "acme", CS_REVIEW_COLL, id, &d) != CS_OK ||
        !json_object_object_get_ex(d.body, "rank", &v))
        return NULL;
    return json_object_get_string(v);
}

static void test_queue_order_positions_and_filters(void)
{
    temp_db_init(&db, "review");
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    const char *old3 = enqueue(st, a, "acme", 3, NOW - 3 * H);
    const char *urgent = enqueue(st, a, "acme", 1, NOW - 1 * H);
    const char *new3 = enqueue(st, a, "acme", 3, NOW - 2 * H + 1);
    enqueue(st, a, "globex", 1, NOW - 5 * H);
    struct cs_review_filter f = {.limit = 10};
    struct cs_doc_list l;
    REQUIRE(cs_review_list(st, a, "acme", &f, &l) == CS_OK);
    REQUIRE(l.n == 3);
    CHECK_INT(l.total, 3);
    CHECK_STR(l.docs[0].id, urgent); /* most urgent first, then oldest */
    CHECK_STR(l.docs[1].id, old3);
    CHECK_STR(l.docs[2].id, new3);
    int64_t ahead = -1;
    REQUIRE(cs_review_ahead(st, "acme", rank_of(st, a, new3), &ahead) == CS_OK);
    CHECK_INT(ahead, 2);
    REQUIRE(cs_review_ahead(st, "acme", rank_of(st, a, urgent), &ahead) == CS_OK);
    CHECK_INT(ahead, 0);
    f = (struct cs_review_filter){.priority = 3, .limit = 1, .offset = 1};
    REQUIRE(cs_review_list(st, a, "acme", &f, &l) == CS_OK);
    CHECK_INT(l.total, 2);
    REQUIRE(l.n == 1);
    CHECK_STR(l.docs[0].id, new3);
    f = (struct cs_review_filter){.status = "bogus"};
    CHECK_INT(cs_review_list(st, a, "acme", &f, &l), CS_ERR_INVALID);
    f = (struct cs_review_filter){.priority = 9};
    CHECK_INT(cs_review_list(st, a, "acme", &f, &l), CS_ERR_INVALID);
    /* Decided items leave the queue: nothing is ahead of what followed them. */
    struct cs_review_decision d = {
        .item_id = urgent, .verdict = CS_REVIEW_APPROVE, .reviewer_id = "u1"};
    struct cs_doc out;
    REQUIRE(cs_review_decide(st, a, "acme", &d, NOW, &out) == CS_OK);
    REQUIRE(cs_review_ahead(st, "acme", rank_of(st, a, new3), &ahead) == CS_OK);
    CHECK_INT(ahead, 1);
    f = (struct cs_review_filter){.status = "reviewed", .limit = 10};
    REQUIRE(cs_review_list(st, a, "acme", &f, &l) == CS_OK);
    CHECK_INT(l.total, 1);
    f = (struct cs_review_filter){.status = "approved", .limit = 10};
    REQUIRE(cs_review_list(st, a, "acme", &f, &l) == CS_OK);
    CHECK_INT(l.total, 1);
    f = (struct cs_review_filter){.status = "queued", .limit = 10};
    REQUIRE(cs_review_list(st, a, "acme", &f, &l) == CS_OK);
    CHECK_INT(l.total, 2);
    cs_arena_destroy(a);
    cs_store_close(st);
}

static const char *body_str(json_object *b, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(b, k, &v) ? json_object_get_string(v) : NULL;
}

static void test_decisions_once_and_tenant_scoped(void)
{
    temp_db_init(&db, "review");
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    const char *id = enqueue(st, a, "acme", 2, NOW - H);
    struct cs_doc out;
    struct cs_review_decision d = {.item_id = id,
                                   .verdict = CS_REVIEW_EDIT,
                                   .reviewer_id = "user-345",
                                   .feedback = "add a disclaimer",
                                   .edited_response = "Edited."};
    /* Another tenant cannot see, let alone decide, the item. */
    CHECK_INT(cs_review_decide(st, a, "globex", &d, NOW, &out), CS_ERR_NOT_FOUND);
    REQUIRE(cs_review_decide(st, a, "acme", &d, NOW, &out) == CS_OK);
    CHECK_STR(body_str(out.body, "status"), "edited");
    CHECK_STR(body_str(out.body, "final_response"), "Edited.");
    CHECK_STR(body_str(out.body, "reviewer_id"), "user-345");
    CHECK_STR(body_str(out.body, "feedback"), "add a disclaimer");
    CHECK_INT(out.version, 2);
    struct cs_review_decision again = {
        .item_id = id, .verdict = CS_REVIEW_REJECT, .reviewer_id = "user-9"};
    memset(&out, 0, sizeof(out));
    CHECK_INT(cs_review_decide(st, a, "acme", &again, NOW + 1, &out), CS_ERR_CONFLICT);
    CHECK_STR(out.body ? body_str(out.body, "reviewer_id") : NULL,
              "user-345"); /* the first stands */
    d.item_id = "rev-nope";
    CHECK_INT(cs_review_decide(st, a, "acme", &d, NOW, &out), CS_ERR_NOT_FOUND);
    struct cs_review_decision no_edit = {
        .item_id = id, .verdict = CS_REVIEW_EDIT, .reviewer_id = "u"};
    CHECK_INT(cs_review_decide(st, a, "acme", &no_edit, NOW, &out), CS_ERR_INVALID);
    cs_arena_destroy(a);
    cs_store_close(st);
}

static void test_throughput_from_history(void)
{
    temp_db_init(&db, "review");
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    struct cs_review_throughput t;
    REQUIRE(cs_review_throughput(st, "acme", NOW, &t) == CS_OK);
    CHECK(!t.from_history);
    CHECK_INT(t.decisions, 0);
    /* Six decisions over the last two hours, one older than the window. */
    int64_t at[] = {NOW - 2 * H,      NOW - 90 * 60000, NOW - H,     NOW - 30 * 60000,
                    NOW - 10 * 60000, NOW - 60000,      NOW - 30 * H};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        const char *id = enqueue(st, a, "acme", 3, at[i] - 1000);
        struct cs_review_decision d = {
            .item_id = id, .verdict = CS_REVIEW_APPROVE, .reviewer_id = "r"};
        struct cs_doc out;
        REQUIRE(cs_review_decide(st, a, "acme", &d, at[i], &out) == CS_OK);
    }
    REQUIRE(cs_review_throughput(st, "acme", NOW, &t) == CS_OK);
    CHECK(t.from_history);
    CHECK_INT(t.decisions, 6);
    CHECK_NEAR(t.per_hour, 3.0, 1e-9);
    REQUIRE(cs_review_throughput(st, "globex", NOW, &t) == CS_OK);
    CHECK(!t.from_history);
    cs_arena_destroy(a);
    cs_store_close(st);
}

struct racer {
    const char *id;
    int rc;
    char who[16];
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    struct cs_review_decision d = {
        .item_id = r->id, .verdict = CS_REVIEW_APPROVE, .reviewer_id = r->who};
    struct cs_doc out;
    r->rc = cs_review_decide(st, a, "acme", &d, NOW, &out);
    cs_arena_destroy(a);
    cs_store_close(st);
    return NULL;
}

static void test_racing_reviewers_one_wins(void)
{
    temp_db_init(&db, "review");
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    const char *id = enqueue(st, a, "acme", 1, NOW - H);
    enum { N = 6 };
    struct racer r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        r[i] = (struct racer){.id = id, .rc = -1};
        snprintf(r[i].who, sizeof(r[i].who), "rev-%d", i);
        REQUIRE(pthread_create(&th[i], NULL, race, &r[i]) == 0);
    }
    int won = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        won += r[i].rc == CS_OK;
        refused += r[i].rc == CS_ERR_CONFLICT;
    }
    CHECK_INT(won, 1);
    CHECK_INT(refused, N - 1);
    struct cs_doc d;
    REQUIRE(cs_store_get(st, a, "acme", CS_REVIEW_COLL, id, &d) == CS_OK);
    CHECK_INT(d.version, 2);
    cs_arena_destroy(a);
    cs_store_close(st);
}

static void test_queue_updates_staged_with_the_writes(void)
{
    temp_db_init(&db, "review");
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    json_object *sub = json_tokener_parse(
        "{\"url\":\"http://127.0.0.1:9/h\",\"events\":[\"review.queue_update\"],\"active\":true}");
    REQUIRE(cs_store_insert(st, a, "acme", CS_WEBHOOKS_COLL, "wh1", sub, NULL, 1, NULL) == CS_OK);
    json_object_put(sub);
    const char *id = enqueue(st, a, "acme", 2, NOW);
    int64_t open = 0, done = 0, dead = 0;
    REQUIRE(cs_store_outbox_stats(st, "acme", "wh1", &open, &done, &dead) == CS_OK);
    CHECK_INT(open, 1);
    struct cs_review_decision d = {.item_id = id, .verdict = CS_REVIEW_REJECT, .reviewer_id = "r"};
    struct cs_doc out;
    REQUIRE(cs_review_decide(st, a, "acme", &d, NOW, &out) == CS_OK);
    REQUIRE(cs_store_outbox_stats(st, "acme", "wh1", &open, &done, &dead) == CS_OK);
    CHECK_INT(open, 2);
    /* A refused second decision announces nothing. */
    CHECK_INT(cs_review_decide(st, a, "acme", &d, NOW, &out), CS_ERR_CONFLICT);
    REQUIRE(cs_store_outbox_stats(st, "acme", "wh1", &open, &done, &dead) == CS_OK);
    CHECK_INT(open, 2);
    struct cs_outbox_item *items;
    size_t n;
    REQUIRE(cs_store_outbox_claim(st, a, NOW, 1000, 10, 0, &items, &n) == CS_OK);
    /* One subscription topic (its oldest item), plus the real-time feed's (cs/events.h),
     * which a backend with runs (cs/store.h) hands out whole: queued, then decided. */
    const struct cs_outbox_item *it = NULL;
    size_t feed = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(items[i].topic, "wh1") == 0) {
            CHECK(it == NULL);
            it = &items[i];
        } else if (strcmp(items[i].topic, CS_EVENTS_TOPIC) == 0) {
            feed++;
        }
    }
    CHECK_INT(feed, cs_store_outbox_runs(st) ? 2 : 1);
    CHECK_INT(n, feed + 1);
    REQUIRE(it != NULL);
    json_object *data, *v;
    REQUIRE(json_object_object_get_ex(it->payload, "data", &data));
    CHECK_STR(body_str(data, "item_id"), id);
    CHECK_STR(body_str(data, "action"), "queued");
    CHECK(!json_object_object_get_ex(data, "query", &v)); /* never the texts */
    cs_arena_destroy(a);
    cs_store_close(st);
}

static void test_filter_parse(void)
{
    struct cs_review_filter f;
    const char *bad[4];
    size_t nbad = 9;
    CHECK_INT(cs_review_filter_parse(NULL, NULL, NULL, NULL, &f, bad, &nbad), CS_OK);
    CHECK_INT(nbad, 0);
    CHECK_INT(f.limit, CS_REVIEW_DEFAULT_LIMIT);
    CHECK_INT(f.offset, 0);
    CHECK_INT(f.priority, 0);
    CHECK(f.status == NULL);
    CHECK_INT(cs_review_filter_parse("edited", "5", "100", "7", &f, bad, &nbad), CS_OK);
    CHECK_STR(f.status, "edited");
    CHECK_INT(f.priority, 5);
    CHECK_INT(f.limit, 100);
    CHECK_INT(f.offset, 7);
    CHECK_INT(cs_review_filter_parse("done", "0", "+5", " 1", &f, bad, &nbad), CS_ERR_VALIDATION);
    REQUIRE(nbad == 4);
    CHECK_STR(bad[0], "status");
    CHECK_STR(bad[1], "priority");
    CHECK_STR(bad[2], "limit");
    CHECK_STR(bad[3], "offset");
    CHECK_INT(cs_review_filter_parse(NULL, "", "101", "-1", &f, bad, &nbad), CS_ERR_VALIDATION);
    CHECK_INT(nbad, 3);
    CHECK_INT(cs_review_filter_parse(NULL, NULL, "99999999999999999999", NULL, &f, bad, &nbad),
              CS_ERR_VALIDATION);
    CHECK_INT(nbad, 1);
}

/* A store that fails mid-decision leaves the item queued and reports the failure. */
static void test_store_failure_leaves_item_queued(void)
{
    temp_db_init(&db, "review");
    struct cs_store *st = open_store();
    struct cs_arena *a = cs_arena_new(0);
    const char *id = enqueue(st, a, "acme", 2, NOW);
    struct cs_review_decision d = {.item_id = id, .verdict = CS_REVIEW_APPROVE, .reviewer_id = "r"};
    struct cs_doc out;
    for (unsigned n = 1; n <= 3; n++) {
        cs_store_fail_after(st, n);
        int rc = cs_review_decide(st, a, "acme", &d, NOW, &out);
        cs_store_fail_after(st, 0);
        CHECK_INT(rc, CS_ERR_STORE);
        struct cs_doc cur;
        REQUIRE(cs_store_get(st, a, "acme", CS_REVIEW_COLL, id, &cur) == CS_OK);
        CHECK_STR(body_str(cur.body, "status"), "queued");
        CHECK_INT(cur.version, 1);
    }
    CHECK_INT(cs_review_decide(st, a, "acme", &d, NOW, &out), CS_OK);
    cs_arena_destroy(a);
    cs_store_close(st);
}

int main(void)
{
    TEST_RUN(test_rate_rule);
    TEST_RUN(test_filter_parse);
    TEST_RUN(test_store_failure_leaves_item_queued);
    TEST_RUN(test_queue_order_positions_and_filters);
    TEST_RUN(test_decisions_once_and_tenant_scoped);
    TEST_RUN(test_throughput_from_history);
    TEST_RUN(test_racing_reviewers_one_wins);
    TEST_RUN(test_queue_updates_staged_with_the_writes);
    temp_db_init(&db, "review");
    return test_done();
}
