/* The reporting store (seed 002) as part of the store contract: the same cases against
 * SQLite always and MongoDB where CS_TEST_MONGODB_URI names a server. Included by
 * store_contract_test.c (it uses that file's S, A and J). */
#include "cs/clock.h"
#include "cs/json.h"
#include "cs/reporting.h"
#include "cs/review.h"

static int rp_import(const char *tenant, const char *resource, const char *body, int64_t now,
                     struct cs_rp_import_result *res)
{
    const struct cs_rp_resource *r = cs_rp_resource_find(resource);
    json_object *recs, *errors;
    size_t bad;
    int rc = cs_rp_import_parse(body, strlen(body), A, &recs, &bad);
    if (!rc) rc = cs_rp_import_check(r, recs, A, &errors);
    if (rc == CS_ERR_VALIDATION)
        fprintf(stderr, "  import refused: %s\n", json_object_to_json_string(errors));
    if (!rc) rc = cs_rp_store_import(S, A, tenant, r, recs, now, res);
    if (rc) fprintf(stderr, "  import of %s: %d (bad line %zu)\n", resource, rc, bad);
    return rc;
}

/* A page of `resource` for `query` (plus a cursor when after_ms >= 0); NULL on error. */
static json_object *rp_page(const char *tenant, const char *resource, const char *query,
                            int64_t after_ms, int64_t after_id, int64_t *total)
{
    const struct cs_rp_resource *r = cs_rp_resource_find(resource);
    struct cs_rp_query q;
    struct cs_rp_error e;
    json_object *items = cs_json_array(A);
    if (cs_rp_query_parse(r, query, NULL, A, &q, &e)) return NULL;
    if (after_ms >= 0) q.has_after = true, q.after_ms = after_ms, q.after_id = after_id;
    return cs_rp_store_list(S, A, tenant, r, &q, items, total) ? NULL : items;
}

static const char *rp_ids(json_object *items)
{
    char buf[2048] = "";
    size_t at = 0;
    for (size_t i = 0; items && i < json_object_array_length(items) && at < sizeof(buf); i++)
        at += (size_t)snprintf(
            buf + at, sizeof(buf) - at, "%s%lld", i ? "," : "",
            (long long)cs_json_get_int(json_object_array_get_idx(items, i), "id", 0));
    return items ? cs_arena_strdup(A, buf) : "error";
}

/* Call `id` of team `team` created at 2026-03-0<day>T<hour>:00:00Z, 60 s long. */
static const char *rp_call(int id, int team, int day, int hour, const char *status)
{
    return cs_arena_printf(
        A,
        "{\"id\":%d,\"call_type\":\"inbound\",\"status\":\"%s\",\"team_id\":%d,"
        "\"agent_id\":%d,\"created_at\":\"2026-03-0%dT%02d:00:00Z\","
        "\"connected_at\":\"2026-03-0%dT%02d:00:10Z\",\"ends_at\":\"2026-03-0%dT%02d:01:00Z\","
        "\"call_duration\":50,\"hold_duration\":5,\"participants\":[{\"id\":%d,\"type\":"
        "\"end_user\",\"connected_at\":\"2026-03-0%dT%02d:00:00Z\"}]}",
        id, status, team, 100 + id, day, hour, day, hour, day, hour, 1000 + id, day, hour);
}

static void case_reporting_import_and_changes(void)
{
    struct cs_rp_import_result r;
    const char *two = cs_arena_printf(A, "[%s,%s]", rp_call(1, 4, 2, 10, "finished"),
                                      rp_call(2, 4, 2, 11, "finished"));
    REQUIRE(rp_import("acme", "calls", two, 1000, &r) == CS_OK);
    CHECK_INT(r.inserted, 2);
    /* The same body again changes nothing; one changed field is one changed_details row. */
    REQUIRE(rp_import("acme", "calls", two, 2000, &r) == CS_OK);
    CHECK_INT(r.unchanged, 2);
    REQUIRE(rp_import("acme", "calls", rp_call(2, 4, 2, 11, "abandoned"), 3000, &r) == CS_OK);
    CHECK_INT(r.updated, 1);
    CHECK_INT(r.changed_details, 1);
    int64_t total;
    json_object *ch =
        rp_page("acme", "changed_details", "record_type[]=call&field[]=status", -1, 0, &total);
    REQUIRE(ch && total == 1);
    CHECK_STR(cs_json_get_str(json_object_array_get_idx(ch, 0), "former_value"), "finished");
    CHECK_STR(cs_json_get_str(json_object_array_get_idx(ch, 0), "new_value"), "abandoned");
    json_object *one;
    REQUIRE(cs_rp_store_get(S, A, "acme", cs_rp_resource_find("calls"), 2, false, &one) == CS_OK);
    CHECK_STR(cs_json_get_str(one, "status"), "abandoned");
    CHECK_STR(cs_json_get_str(one, "created_at"), "2026-03-02T11:00:00.000Z");
    /* Participants are their own resource, and children of their call. */
    json_object *kids = cs_json_array(A);
    REQUIRE(cs_rp_store_children(S, A, "acme", cs_rp_resource_find("call_participants"), "call_id",
                                 2, 10, kids) == CS_OK);
    CHECK_STR(rp_ids(kids), "1002");
    /* Tenant scope. */
    CHECK_INT(cs_rp_store_get(S, A, "other", cs_rp_resource_find("calls"), 2, false, &one),
              CS_ERR_NOT_FOUND);
    CHECK_STR(rp_ids(rp_page("other", "calls", "", -1, 0, &total)), "");
}

static void case_reporting_filters_sort_paging(void)
{
    struct cs_rp_import_result r;
    const char *body =
        cs_arena_printf(A, "%s\n%s\n%s\n%s\n%s", rp_call(1, 4, 2, 9, "finished"),
                        rp_call(2, 5, 2, 10, "finished"), rp_call(3, 4, 2, 11, "abandoned"),
                        rp_call(4, 4, 2, 12, "finished"), rp_call(5, 4, 3, 9, "finished"));
    REQUIRE(rp_import("acme", "calls", body, 1000, &r) == CS_OK);
    int64_t total;
    const char *q = "team_id[]=4&created_at[from]=2026-03-02&created_at[to]=2026-03-02";
    CHECK_STR(rp_ids(rp_page("acme", "calls", q, -1, 0, &total)), "1,3,4");
    CHECK_INT(total, 3);
    CHECK_STR(rp_ids(rp_page("acme", "calls",
                             cs_arena_printf(A,
                                             "%s&sort_column=created_at&sort_direction=DESC"
                                             "&per=2&page=2",
                                             q),
                             -1, 0, &total)),
              "1");
    CHECK_INT(total, 3);
    CHECK_STR(rp_ids(rp_page("acme", "calls", cs_arena_printf(A, "%s&status[]=finished", q), -1, 0,
                             &total)),
              "1,4");
    /* A field that is no column filters and sorts from the record. */
    CHECK_STR(
        rp_ids(rp_page("acme", "calls", "agent_id[from]=102&agent_id[to]=104", -1, 0, &total)),
        "2,3,4");
    CHECK_STR(rp_ids(rp_page("acme", "calls", "sort_column=ends_at&sort_direction=DESC&per=2", -1,
                             0, &total)),
              "5,4");
}

/* Tailing by updated_at with a keyset cursor while writes go on: every record's latest
 * version is seen, none twice. */
static void case_reporting_tailing(void)
{
    struct cs_rp_import_result r;
    char body[4096];
    size_t at = 0;
    for (int i = 1; i <= 30; i++)
        at +=
            (size_t)snprintf(body + at, sizeof(body) - at, "{\"id\":%d,\"name\":\"m%d\"}\n", i, i);
    REQUIRE(rp_import("tail", "menus", body, 10000, &r) == CS_OK);
    char seen[64][32];
    int nseen = 0;
    int64_t cursor_ms = -1, cursor_id = 0;
    for (int page = 0; page < 12; page++) {
        int64_t total;
        json_object *items =
            rp_page("tail", "menus", "sort_column=updated_at&per=7", cursor_ms, cursor_id, &total);
        REQUIRE(items);
        size_t n = json_object_array_length(items);
        for (size_t i = 0; i < n; i++) {
            json_object *o = json_object_array_get_idx(items, i);
            char key[32];
            snprintf(key, sizeof(key), "%lld@%s", (long long)cs_json_get_int(o, "id", 0),
                     cs_json_get_str(o, "updated_at") + 17);
            for (int k = 0; k < nseen; k++) CHECK(strcmp(seen[k], key) != 0);
            if (nseen < 64) snprintf(seen[nseen++], sizeof(seen[0]), "%s", key);
        }
        if (n) {
            json_object *last = json_object_array_get_idx(items, n - 1);
            REQUIRE(cs_time_parse_iso(cs_json_get_str(last, "updated_at"), &cursor_ms) == 0);
            cursor_id = cs_json_get_int(last, "id", 0);
        }
        if (page < 2) {
            /* One record already read and one new; the clock even goes backwards. */
            snprintf(body, sizeof(body),
                     "{\"id\":%d,\"name\":\"again\"}\n{\"id\":%d,\"name\":\"n\"}", page + 1,
                     40 + page);
            REQUIRE(rp_import("tail", "menus", body, 9000 - page, &r) == CS_OK);
        }
        if (!n) break;
    }
    /* 30 first versions, 2 second versions, 2 new records. */
    CHECK_INT(nseen, 34);
}

static void case_reporting_segment_stats(void)
{
    struct cs_rp_import_result r;
    const char *body =
        cs_arena_printf(A, "%s\n%s\n%s", rp_call(1, 4, 2, 9, "finished"),
                        rp_call(2, 5, 2, 10, "finished"), rp_call(3, 4, 3, 11, "finished"));
    REQUIRE(rp_import("acme", "calls", body, 1000, &r) == CS_OK);
    struct cs_rp_group_row *rows;
    size_t n;
    REQUIRE(cs_rp_store_segment_stats(S, A, "acme", RP_G_TEAM, 0, 1900000000000LL, &rows, &n) ==
            CS_OK);
    REQUIRE(n == 2);
    CHECK_STR(rows[0].key, "4");
    CHECK_INT(rows[0].calls, 2);
    CHECK_NEAR(rows[0].seg[RP_SEG_HANDLE].sum, 100, 1e-9);
    CHECK_NEAR(rows[0].seg[RP_SEG_TALK].mean, 45, 1e-9);
    CHECK_STR(rows[1].key, "5");
    /* The window is on created_at: the 3rd of March only. */
    int64_t from, to;
    REQUIRE(cs_time_parse_iso("2026-03-03T00:00:00Z", &from) == 0);
    to = from + 86400000 - 1;
    REQUIRE(cs_rp_store_segment_stats(S, A, "acme", RP_G_DAY, from, to, &rows, &n) == CS_OK);
    REQUIRE(n == 1);
    CHECK_STR(rows[0].key, "2026-03-03");
    CHECK_INT(rows[0].calls, 1);
}

/* Product writes: a session's chat and a review decision's activity go with their
 * store write, and nothing when that write fails. */
static void case_reporting_product_writes(void)
{
    json_object *s = J("{\"customerId\":\"c1\",\"channel\":\"chat\",\"status\":\"ACTIVE\","
                       "\"currentTier\":\"AI_REP\",\"createdAt\":\"2026-03-02T10:00:00Z\","
                       "\"messages\":[{\"role\":\"customer\",\"content\":\"hi\","
                       "\"timestamp\":\"2026-03-02T10:00:05Z\"},{\"role\":\"ai_rep\","
                       "\"content\":\"hello\",\"timestamp\":\"2026-03-02T10:00:06Z\"}]}");
    REQUIRE(cs_rp_chat_stage(S, A, "acme", "sess_c", s) == CS_OK);
    REQUIRE(cs_store_insert(S, A, "acme", "sessions", "sess_c", s, NULL, 5000, NULL) == CS_OK);
    json_object *chat;
    CHECK_INT(cs_rp_store_get(S, A, "acme", cs_rp_resource_find("chats"), cs_rp_chat_id("sess_c"),
                              false, &chat),
              CS_OK);
    REQUIRE(cs_rp_chat_stage(S, A, "acme", "sess_c", s) == CS_OK);
    CHECK_INT(cs_store_update(S, A, "acme", "sessions", "sess_c", 99, s, NULL, 6000, NULL),
              CS_ERR_CONFLICT);
    json_object_put(s);
    int64_t total;
    CHECK_STR(rp_ids(rp_page("acme", "changed_details", "", -1, 0, &total)), "");

    struct cs_review_item it = {.query = "q", .response = "r", .priority = 2};
    const char *id;
    REQUIRE(cs_review_enqueue(S, A, "acme", &it, 1772445600000LL, &id) == CS_OK);
    struct cs_review_decision d = {
        .item_id = id, .verdict = CS_REVIEW_APPROVE, .reviewer_id = "rev-1"};
    struct cs_doc out;
    REQUIRE(cs_review_decide(S, A, "acme", &d, 1772445612500LL, &out) == CS_OK);
    json_object *acts =
        rp_page("acme", "agent_activity_logs",
                cs_arena_printf(A, "agent_id[]=%lld", (long long)cs_rp_reviewer_agent_id("rev-1")),
                -1, 0, &total);
    REQUIRE(acts && total == 1);
    json_object *a = json_object_array_get_idx(acts, 0);
    CHECK_STR(cs_json_get_str(a, "activity"), "review_approved");
    CHECK_STR(cs_json_get_str(a, "started_at"), "2026-03-02T10:00:00.000Z");
    CHECK_STR(cs_json_get_str(a, "ended_at"), "2026-03-02T10:00:12.500Z");
    CHECK_NEAR(json_object_get_double(json_object_object_get(a, "duration")), 12.5, 1e-9);
}
