/* Review decisions as agent activity: the row derived from a decided item, and its
 * write in the same store operation as the decision (none for a refused decision). */
#include <string.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/json.h"
#include "cs/reporting.h"
#include "cs/review.h"
#include "cs/store.h"

static struct temp_db db;
static struct cs_store *st;
static struct cs_arena *A;

#define QUEUED_MS 1772445600000LL /* 2026-03-02T10:00:00.000Z */

static json_object *parse(const char *text)
{
    json_object *o = NULL;
    if (cs_json_parse(text, strlen(text), A, &o, NULL)) return NULL;
    return o;
}

static void test_derivation(void)
{
    json_object *decided =
        parse("{\"status\":\"edited\",\"queued_at\":1772445600000,\"decided_at\":1772445690250,"
              "\"reviewer_id\":\"rev-7\",\"metadata\":{\"session_id\":\"sess_1\"}}");
    json_object *recs;
    REQUIRE(cs_rp_review_activity(A, "rev-abc", decided, &recs) == 0);
    REQUIRE(json_object_array_length(recs) == 1);
    json_object *r = json_object_array_get_idx(recs, 0);
    CHECK_INT(cs_json_get_int(r, "agent_id", 0), cs_rp_reviewer_agent_id("rev-7"));
    CHECK(cs_rp_reviewer_agent_id("rev-7") != cs_rp_reviewer_agent_id("rev-8"));
    CHECK_STR(cs_json_get_str(r, "status"), "In review");
    CHECK_STR(cs_json_get_str(r, "activity"), "review_edited");
    CHECK_STR(cs_json_get_str(r, "started_at"), "2026-03-02T10:00:00.000Z");
    CHECK_STR(cs_json_get_str(r, "ended_at"), "2026-03-02T10:01:30.250Z");
    CHECK_STR(cs_json_get_str(r, "created_at"), "2026-03-02T10:01:30.250Z");
    CHECK_NEAR(json_object_get_double(json_object_object_get(r, "duration")), 90.25, 1e-9);
    CHECK_INT(cs_json_get_int(r, "chat_id", 0), cs_rp_chat_id("sess_1"));
    /* The row passes the import checks it is written under. */
    json_object *errors = NULL;
    CHECK_INT(cs_rp_import_check(cs_rp_resource_find("agent_activity_logs"), recs, A, &errors), 0);
    /* Not a decided item: still queued, a decision before the queueing, no reviewer. */
    CHECK_INT(cs_rp_review_activity(A, "x",
                                    parse("{\"status\":\"queued\",\"queued_at\":1,\"decided_at\":2,"
                                          "\"reviewer_id\":\"r\"}"),
                                    &recs),
              CS_ERR_INVALID);
    CHECK_INT(
        cs_rp_review_activity(A, "x",
                              parse("{\"status\":\"approved\",\"queued_at\":5,\"decided_at\":2,"
                                    "\"reviewer_id\":\"r\"}"),
                              &recs),
        CS_ERR_INVALID);
    CHECK_INT(
        cs_rp_review_activity(
            A, "x", parse("{\"status\":\"approved\",\"queued_at\":1,\"decided_at\":\"2\"}"), &recs),
        CS_ERR_INVALID);
}

static int64_t activity_total(const char *tenant, const char *query, json_object **items)
{
    struct cs_rp_query q;
    struct cs_rp_error e;
    int64_t total = -1;
    *items = cs_json_array(A);
    const struct cs_rp_resource *r = cs_rp_resource_find("agent_activity_logs");
    if (cs_rp_query_parse(r, query, NULL, A, &q, &e) ||
        cs_rp_store_list(st, A, tenant, r, &q, *items, &total))
        return -1;
    return total;
}

static void test_written_with_the_decision(void)
{
    struct cs_review_item it = {.query = "q", .response = "r", .priority = 3};
    const char *id;
    REQUIRE(cs_review_enqueue(st, A, "acme", &it, QUEUED_MS, &id) == 0);
    struct cs_review_decision d = {
        .item_id = id, .verdict = CS_REVIEW_REJECT, .reviewer_id = "alice"};
    struct cs_doc out;
    REQUIRE(cs_review_decide(st, A, "acme", &d, QUEUED_MS + 42000, &out) == 0);
    char q[96];
    snprintf(q, sizeof(q), "agent_id[]=%lld", (long long)cs_rp_reviewer_agent_id("alice"));
    json_object *items;
    REQUIRE(activity_total("acme", q, &items) == 1);
    json_object *r = json_object_array_get_idx(items, 0);
    CHECK_STR(cs_json_get_str(r, "activity"), "review_rejected");
    CHECK_STR(cs_json_get_str(r, "started_at"), "2026-03-02T10:00:00.000Z");
    CHECK_STR(cs_json_get_str(r, "ended_at"), "2026-03-02T10:00:42.000Z");
    CHECK_NEAR(json_object_get_double(json_object_object_get(r, "duration")), 42.0, 1e-9);
    /* Deciding again is refused (409): no second row, the first unchanged. */
    d.reviewer_id = "bob";
    CHECK_INT(cs_review_decide(st, A, "acme", &d, QUEUED_MS + 99000, &out), CS_ERR_CONFLICT);
    CHECK_INT(activity_total("acme", "", &items), 1);
    /* A decision whose write fails leaves no activity behind. */
    REQUIRE(cs_review_enqueue(st, A, "acme", &it, QUEUED_MS, &id) == 0);
    d.item_id = id;
    cs_store_fail_after(st, 2);
    CHECK(cs_review_decide(st, A, "acme", &d, QUEUED_MS + 5000, &out) != 0);
    cs_store_fail_after(st, 0);
    CHECK_INT(activity_total("acme", "", &items), 1);
    /* Another tenant sees none of it. */
    CHECK_INT(activity_total("other", "", &items), 0);
}

int main(void)
{
    st = temp_db_create(&db, "rpreview");
    A = cs_arena_new(0);
    if (!st || !A) return 1;
    TEST_RUN(test_derivation);
    TEST_RUN(test_written_with_the_decision);
    cs_arena_destroy(A);
    cs_store_close(st);
    temp_db_remove(&db);
    return test_done();
}
