/* Reporting tables in SQLite: import (idempotent, all or nothing, changed_details),
 * filtered pages, tailing by updated_at while writes go on, segment statistics, tokens,
 * tenant isolation. */
#include <string.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/buf.h"
#include "cs/clock.h"
#include "cs/json.h"
#include "cs/reporting.h"

static struct temp_db db;
static struct cs_store *st;
static struct cs_arena *A;

static int import(const char *tenant, const char *resource, const char *body, int64_t now,
                  struct cs_rp_import_result *res)
{
    const struct cs_rp_resource *r = cs_rp_resource_find(resource);
    json_object *recs, *errors;
    size_t bad;
    int rc = cs_rp_import_parse(body, strlen(body), A, &recs, &bad);
    if (!rc) rc = cs_rp_import_check(r, recs, A, &errors);
    if (!rc) rc = cs_rp_store_import(st, A, tenant, r, recs, now, res);
    return rc;
}

static json_object *list(const char *tenant, const char *resource, const char *query,
                         int64_t *total)
{
    const struct cs_rp_resource *r = cs_rp_resource_find(resource);
    struct cs_rp_query q;
    struct cs_rp_error e;
    json_object *items = cs_json_array(A);
    if (cs_rp_query_parse(r, query, NULL, A, &q, &e)) return NULL;
    return cs_rp_store_list(st, A, tenant, r, &q, items, total) ? NULL : items;
}

static const char *ids(json_object *items)
{
    char buf[4096] = "";
    size_t at = 0;
    for (size_t i = 0; i < json_object_array_length(items); i++)
        at += (size_t)snprintf(
            buf + at, sizeof(buf) - at, "%s%lld", i ? "," : "",
            (long long)cs_json_get_int(json_object_array_get_idx(items, i), "id", 0));
    return cs_arena_strdup(A, buf);
}

static const char *CALLS =
    "{\"id\":1,\"call_type\":\"inbound\",\"status\":\"finished\",\"team_id\":4,\"agent_info\":{"
    "\"id\":7},"
    "\"selected_menu\":{\"id\":2,\"name\":\"Billing\"},"
    "\"created_at\":\"2026-03-02T10:00:00Z\",\"queued_at\":\"2026-03-02T10:00:30Z\",\"connecting_"
    "at\":\"2026-03-02T10:01:20Z\","
    "\"connected_at\":\"2026-03-02T10:01:30Z\",\"ends_at\":\"2026-03-02T10:06:30Z\",\"call_"
    "duration\":300,\"hold_duration\":45,"
    "\"participants\":[{\"id\":11,\"type\":\"end_user\",\"connected_at\":\"2026-03-02T10:00:00Z\"},"
    "{\"id\":12,\"type\":\"agent\",\"agent_id\":7,\"connected_at\":\"2026-03-02T10:01:30Z\","
    "\"ended_at\":\"2026-03-02T10:06:30Z\"}]}\n"
    "{\"id\":2,\"call_type\":\"inbound\",\"status\":\"abandoned\",\"team_id\":4,"
    "\"created_at\":\"2026-03-02T11:00:00Z\",\"queued_at\":\"2026-03-02T11:00:20Z\",\"ends_at\":"
    "\"2026-03-02T11:02:00Z\"}\n"
    "{\"id\":3,\"call_type\":\"inbound\",\"status\":\"finished\",\"team_id\":5,\"agent_info\":{"
    "\"id\":8},"
    "\"created_at\":\"2026-03-03T09:00:00Z\",\"queued_at\":\"2026-03-03T09:00:10Z\",\"connecting_"
    "at\":\"2026-03-03T09:00:40Z\","
    "\"connected_at\":\"2026-03-03T09:00:50Z\",\"ends_at\":\"2026-03-03T09:10:50Z\",\"call_"
    "duration\":600,\"hold_duration\":0}\n";

static void test_import_and_filters(void)
{
    struct cs_rp_import_result r;
    REQUIRE(import("acme", "calls", CALLS, 1000, &r) == 0);
    CHECK_INT(r.inserted, 3);
    int64_t total;
    json_object *page =
        list("acme", "calls", "created_at[from]=2026-03-02&created_at[to]=2026-03-02&team_id[]=4",
             &total);
    REQUIRE(page);
    CHECK_INT(total, 2);
    CHECK_STR(ids(page), "1,2");
    page = list("acme", "calls", "status[]=finished&sort_column=call_duration&sort_direction=DESC",
                &total);
    CHECK_STR(ids(page), "3,1");
    page =
        list("acme", "calls", "call_duration[from]=301", &total); /* a field kept in the record */
    CHECK_STR(ids(page), "3");
    page = list("acme", "calls", "agent_id[]=7", &total); /* derived from agent_info.id */
    CHECK_STR(ids(page), "1");
    page = list("acme", "calls", "per=2&page=2", &total);
    CHECK_INT(total, 3);
    CHECK_STR(ids(page), "3");
    page = list("acme", "call_participants", "call_id[]=1", &total);
    CHECK_STR(ids(page), "11,12");
    page = list("other", "calls", "", &total); /* another tenant sees nothing */
    CHECK_INT(total, 0);
    json_object *one = NULL;
    REQUIRE(cs_rp_store_get(st, A, "acme", cs_rp_resource_find("calls"), 1, false, &one) == 0);
    CHECK_STR(cs_json_get_str(one, "created_at"), "2026-03-02T10:00:00.000Z");
    CHECK_STR(cs_json_get_str(one, "updated_at"), "1970-01-01T00:00:01.000Z");
    CHECK(cs_rp_store_get(st, A, "other", cs_rp_resource_find("calls"), 1, false, &one) ==
          CS_ERR_NOT_FOUND);
}

static void test_idempotent_and_changes(void)
{
    struct cs_rp_import_result r;
    REQUIRE(import("acme", "calls", CALLS, 2000, &r) == 0);
    CHECK_INT(r.inserted, 0);
    CHECK_INT(r.unchanged, 3);
    const char *upd =
        "[{\"id\":2,\"call_type\":\"inbound\",\"status\":\"finished\",\"sub_status\":\"callback\","
        "\"team_id\":4,\"created_at\":\"2026-03-02T11:00:00Z\",\"queued_at\":\"2026-03-02T11:00:"
        "20Z\","
        "\"ends_at\":\"2026-03-02T11:02:00Z\"}]";
    REQUIRE(import("acme", "calls", upd, 3000, &r) == 0);
    CHECK_INT(r.updated, 1);
    CHECK_INT(r.changed_details, 2);
    int64_t total;
    json_object *ch = list("acme", "changed_details", "record_id[]=2&sort_column=field", &total);
    REQUIRE(ch && total == 2);
    json_object *first = json_object_array_get_idx(ch, 0);
    CHECK_STR(cs_json_get_str(first, "field"), "status");
    CHECK_STR(cs_json_get_str(first, "former_value"), "abandoned");
    CHECK_STR(cs_json_get_str(first, "new_value"), "finished");
    CHECK_STR(cs_json_get_str(json_object_array_get_idx(ch, 1), "field"), "sub_status");
    CHECK(json_object_object_get(json_object_array_get_idx(ch, 1), "former_value") == NULL);
}

static void test_all_or_nothing(void)
{
    const struct cs_rp_resource *r = cs_rp_resource_find("teams");
    json_object *recs, *errors;
    size_t bad;
    const char *body =
        "{\"id\":1,\"name\":\"A\"}\n{\"id\":2,\"name\":\"B\"}\n{\"id\":3,\"name\":\n";
    CHECK(cs_rp_import_parse(body, strlen(body), A, &recs, &bad) == CS_ERR_BAD_JSON);
    CHECK_INT(bad, 3);
    body =
        "[{\"id\":1,\"name\":\"A\"},{\"id\":\"2\",\"name\":\"B\",\"colour\":1},{\"name\":\"C\"}]";
    REQUIRE(cs_rp_import_parse(body, strlen(body), A, &recs, &bad) == 0);
    CHECK(cs_rp_import_check(r, recs, A, &errors) == CS_ERR_VALIDATION);
    CHECK_STR(
        json_object_to_json_string_ext(errors, JSON_C_TO_STRING_PLAIN),
        "[{\"index\":1,\"id\":\"2\",\"errors\":[{\"field\":\"colour\",\"message\":\"unknown "
        "field\"},"
        "{\"field\":\"id\",\"message\":\"must be an integer\"}]},"
        "{\"index\":2,\"id\":null,\"errors\":[{\"field\":\"id\",\"message\":\"is required\"}]}]");
    /* Times before 1970 (or past 9999) are refused, not normalised into nonsense. */
    body = "[{\"id\":4,\"name\":\"D\",\"created_at\":\"0226-03-03T00:01:00Z\"}]";
    REQUIRE(cs_rp_import_parse(body, strlen(body), A, &recs, &bad) == 0);
    CHECK(cs_rp_import_check(r, recs, A, &errors) == CS_ERR_VALIDATION);
    int64_t total;
    list("acme", "teams", "", &total);
    CHECK_INT(total, 0);
    /* A store that fails writes nothing and reports it. */
    body = "[{\"id\":1,\"name\":\"A\"},{\"id\":2,\"name\":\"B\"}]";
    REQUIRE(cs_rp_import_parse(body, strlen(body), A, &recs, &bad) == 0);
    REQUIRE(cs_rp_import_check(r, recs, A, &errors) == 0);
    struct cs_rp_import_result res;
    cs_store_fail_after(st, 1);
    CHECK(cs_rp_store_import(st, A, "acme", r, recs, 5000, &res) == CS_ERR_STORE);
    cs_store_fail_after(st, 0);
    list("acme", "teams", "", &total);
    CHECK_INT(total, 0);
}

/* Tail by updated_at through the keyset cursor while records change between pages:
 * every record's latest version is seen, and no version twice. */
static void test_tailing(void)
{
    char body[1 << 16];
    size_t at = 0;
    for (int i = 1; i <= 250; i++)
        at += (size_t)snprintf(body + at, sizeof(body) - at,
                               "{\"id\":%d,\"name\":\"m%d\",\"position\":%d}\n", i, i, i);
    struct cs_rp_import_result r;
    REQUIRE(import("tail", "menus", body, 10000, &r) == 0);
    const struct cs_rp_resource *menus = cs_rp_resource_find("menus");
    static char seen[400][64];
    int nseen = 0, latest_seen[400] = {0};
    int64_t cursor_ms = -1, cursor_id = 0, now = 20000;
    for (int page = 0; page < 20; page++) {
        struct cs_rp_query q;
        struct cs_rp_error e;
        REQUIRE(cs_rp_query_parse(menus, "sort_column=updated_at&per=40", NULL, A, &q, &e) == 0);
        if (cursor_ms >= 0) q.has_after = true, q.after_ms = cursor_ms, q.after_id = cursor_id;
        json_object *items = cs_json_array(A);
        int64_t total;
        REQUIRE(cs_rp_store_list(st, A, "tail", menus, &q, items, &total) == 0);
        size_t n = json_object_array_length(items);
        for (size_t i = 0; i < n; i++) {
            json_object *o = json_object_array_get_idx(items, i);
            const char *key = cs_arena_printf(A, "%lld@%s", (long long)cs_json_get_int(o, "id", 0),
                                              cs_json_get_str(o, "updated_at"));
            for (int k = 0; k < nseen; k++) CHECK(strcmp(seen[k], key) != 0);
            if (nseen < 400) snprintf(seen[nseen++], 64, "%s", key);
        }
        if (n) {
            json_object *last = json_object_array_get_idx(items, n - 1);
            REQUIRE(cs_time_parse_iso(cs_json_get_str(last, "updated_at"), &cursor_ms) == 0);
            cursor_id = cs_json_get_int(last, "id", 0);
        }
        if (page < 3) {
            /* Writes between pages: one record already read, one not yet, one new. */
            char w[512];
            snprintf(w, sizeof(w),
                     "{\"id\":%d,\"name\":\"again%d\"}\n{\"id\":%d,\"name\":\"later%d\"}\n{\"id\":%"
                     "d,\"name\":\"new\"}",
                     page + 1, page, 200 + page, page, 300 + page);
            /* The clock even goes backwards: updated_at still increases. */
            REQUIRE(import("tail", "menus", w, now - page * 5000, &r) == 0);
        }
        if (!n) break;
    }
    /* The latest version of every record was seen. */
    int64_t total;
    json_object *all = list("tail", "menus", "per=100&page=1", &total);
    CHECK_INT(total, 253);
    for (int page = 1; all && page <= 3; page++) {
        all = list("tail", "menus", cs_arena_printf(A, "per=100&page=%d", page), &total);
        for (size_t i = 0; all && i < json_object_array_length(all); i++) {
            json_object *o = json_object_array_get_idx(all, i);
            const char *key = cs_arena_printf(A, "%lld@%s", (long long)cs_json_get_int(o, "id", 0),
                                              cs_json_get_str(o, "updated_at"));
            int id = (int)cs_json_get_int(o, "id", 0);
            for (int k = 0; k < nseen; k++)
                if (!strcmp(seen[k], key)) latest_seen[id] = 1;
            CHECK(latest_seen[id]);
        }
    }
}

static void test_segment_stats(void)
{
    struct cs_rp_group_row *rows;
    size_t n;
    REQUIRE(cs_rp_store_segment_stats(st, A, "acme", RP_G_TEAM, 0, 1900000000000LL, &rows, &n) ==
            0);
    REQUIRE(n == 2);
    CHECK_STR(rows[0].key, "4");
    CHECK_INT(rows[0].calls, 2);
    /* Team 4: call 1 (billing 390) and call 2 (billing 120, updated to finished). */
    CHECK_INT(rows[0].seg[RP_SEG_BILLING].count, 2);
    CHECK_NEAR(rows[0].seg[RP_SEG_BILLING].sum, 510, 1e-9);
    CHECK_NEAR(rows[0].seg[RP_SEG_BILLING].mean, 255, 1e-9);
    CHECK_NEAR(rows[0].seg[RP_SEG_BILLING].p50, 120, 1e-9);
    CHECK_NEAR(rows[0].seg[RP_SEG_BILLING].p90, 390, 1e-9);
    CHECK_INT(rows[0].seg[RP_SEG_HANDLE].count, 1);
    CHECK_INT(rows[0].seg[RP_SEG_TRANSFER].count, 0);
    CHECK_STR(rows[1].key, "5");
    CHECK_NEAR(rows[1].seg[RP_SEG_TALK].p99, 600, 1e-9);
    REQUIRE(cs_rp_store_segment_stats(st, A, "acme", RP_G_DAY, 0, 1900000000000LL, &rows, &n) == 0);
    REQUIRE(n == 2);
    CHECK_STR(rows[0].key, "2026-03-02");
    CHECK_STR(rows[1].key, "2026-03-03");
    REQUIRE(cs_rp_store_segment_stats(st, A, "acme", RP_G_AGENT, 0, 1900000000000LL, &rows, &n) ==
            0);
    REQUIRE(n == 3);
    CHECK(rows[2].key == NULL); /* the abandoned call has no agent */
}

static void test_tokens(void)
{
    unsigned char key[32] = {1, 2, 3};
    const char *tok;
    REQUIRE(cs_rp_token_create(st, A, "acme", key, 1000, &tok) == 0);
    CHECK(strncmp(tok, "rpt_", 4) == 0 && strlen(tok) == 85);
    CHECK(cs_rp_token_verify(st, A, "acme", tok, key) == 0);
    CHECK(cs_rp_token_verify(st, A, "other", tok, key) == CS_ERR_BAD_CREDENTIALS);
    char bad[100];
    snprintf(bad, sizeof(bad), "%s", tok);
    bad[84] = bad[84] == 'a' ? 'b' : 'a';
    CHECK(cs_rp_token_verify(st, A, "acme", bad, key) == CS_ERR_BAD_CREDENTIALS);
    unsigned char other[32] = {9};
    CHECK(cs_rp_token_verify(st, A, "acme", tok, other) == CS_ERR_BAD_CREDENTIALS);
    CHECK(cs_rp_token_verify(st, A, "acme", "rpt_short", key) == CS_ERR_BAD_CREDENTIALS);
}

static void test_chats(void)
{
    const char *chat =
        "{\"id\":5,\"chat_type\":\"web\",\"status\":\"finished\",\"created_at\":\"2026-03-02T09:00:"
        "00Z\","
        "\"message_count\":12,\"session_id\":\"sess_1\",\"participants\":["
        "{\"id\":51,\"type\":\"end_user\",\"connected_at\":\"2026-03-02T09:00:00Z\"},"
        "{\"id\":52,\"type\":\"agent\",\"agent_id\":3,\"connected_at\":\"2026-03-02T09:01:00+01:"
        "00\"}]}";
    struct cs_rp_import_result r;
    REQUIRE(import("acme", "chats", chat, 7000, &r) == 0);
    int64_t total;
    json_object *parts = list("acme", "chat_participants", "chat_id[]=5", &total);
    CHECK_STR(ids(parts), "51,52");
    CHECK_STR(cs_json_get_str(json_object_array_get_idx(parts, 1), "connected_at"),
              "2026-03-02T08:01:00.000Z");
    json_object *chats =
        list("acme", "chats", "message_count[from]=10&session_id[]=sess_1", &total);
    CHECK_STR(ids(chats), "5");
}

/* Same seed, same window: the same contact centre, record for record. */
static void test_demo_deterministic(void)
{
    struct cs_rp_demo d = {
        .days = 3, .agents = 10, .calls = 300, .seed = 7, .end_ms = 1772323200000LL};
    int64_t w1 = 0, w2 = 0;
    REQUIRE(cs_rp_demo_generate(st, "demo1", &d, 1000, &w1) == 0);
    REQUIRE(cs_rp_demo_generate(st, "demo2", &d, 1000, &w2) == 0);
    CHECK(w1 > 300);
    CHECK_INT(w1, w2);
    int64_t t1, t2;
    for (int page = 1; page <= 3; page++) {
        const char *q = cs_arena_printf(A, "per=100&page=%d", page);
        json_object *a = list("demo1", "calls", q, &t1), *b = list("demo2", "calls", q, &t2);
        REQUIRE(a && b && json_object_array_length(a) == json_object_array_length(b));
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            json_object *x = json_object_array_get_idx(a, i), *y = json_object_array_get_idx(b, i);
            json_object_object_del(x, "updated_at"), json_object_object_del(y, "updated_at");
            CHECK_STR(json_object_to_json_string(x), json_object_to_json_string(y));
        }
    }
    CHECK_INT(t1, 300);
    /* A plausible mix: answered, abandoned and after-hours voicemail, and no call that
     * ends before it starts. */
    list("demo1", "calls", "status[]=finished", &t1);
    CHECK(t1 > 150);
    list("demo1", "calls", "status[]=abandoned&status[]=voicemail", &t2);
    CHECK(t2 > 0 && t1 + t2 == 300);
    struct cs_rp_group_row *rows;
    size_t n;
    REQUIRE(cs_rp_store_segment_stats(st, A, "demo1", RP_G_DAY, 0, 1900000000000LL, &rows, &n) ==
            0);
    CHECK_INT(n, 3);
    for (size_t i = 0; i < n; i++) {
        CHECK(rows[i].seg[RP_SEG_BILLING].count == rows[i].calls);
        CHECK(rows[i].seg[RP_SEG_BILLING].p50 > 0);
        CHECK(rows[i].seg[RP_SEG_HANDLE].count < rows[i].calls); /* abandons and voicemails */
    }
    list("demo1", "agent_activity_logs", "status[]=Lunch", &t1);
    CHECK(t1 > 0);
    list("demo1", "teams", "", &t1);
    CHECK_INT(t1, 8);
}

static int64_t ms_at(json_object *o, const char *key)
{
    int64_t ms = -1;
    const char *s = cs_json_get_str(o, key);
    return s && !cs_time_parse_iso(s, &ms) ? ms : -1;
}

/* Chats come from their own stream: the same seed gives the same chats, and adding
 * chats leaves the calls as they were. Times are in order, counts and response times
 * plausible, some chats are transferred. */
static void test_demo_chats(void)
{
    struct cs_rp_demo d = {
        .days = 3, .agents = 10, .calls = 300, .seed = 7, .end_ms = 1772323200000LL, .chats = 200};
    int64_t w3 = 0, w4 = 0, t1, t2;
    REQUIRE(cs_rp_demo_generate(st, "demo3", &d, 1000, &w3) == 0);
    REQUIRE(cs_rp_demo_generate(st, "demo4", &d, 1000, &w4) == 0);
    CHECK_INT(w3, w4);
    json_object *a = list("demo1", "calls", "per=100&page=2", &t1),
                *b = list("demo3", "calls", "per=100&page=2", &t2);
    REQUIRE(a && b && json_object_array_length(a) == json_object_array_length(b));
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *x = json_object_array_get_idx(a, i), *y = json_object_array_get_idx(b, i);
        json_object_object_del(x, "updated_at"), json_object_object_del(y, "updated_at");
        CHECK_STR(json_object_to_json_string(x), json_object_to_json_string(y));
    }
    int transferred = 0, finished = 0;
    for (int page = 1; page <= 2; page++) {
        const char *q = cs_arena_printf(A, "per=100&page=%d", page);
        json_object *x = list("demo3", "chats", q, &t1), *y = list("demo4", "chats", q, &t2);
        REQUIRE(x && y && json_object_array_length(x) == json_object_array_length(y));
        for (size_t i = 0; i < json_object_array_length(x); i++) {
            json_object *c = json_object_array_get_idx(x, i), *e = json_object_array_get_idx(y, i);
            json_object_object_del(c, "updated_at"), json_object_object_del(e, "updated_at");
            CHECK_STR(json_object_to_json_string(c), json_object_to_json_string(e));
            CHECK(ms_at(c, "created_at") < ms_at(c, "first_msg_sent_at"));
            CHECK(ms_at(c, "first_msg_sent_at") < ms_at(c, "queued_at"));
            CHECK(ms_at(c, "queued_at") < ms_at(c, "ends_at"));
            CHECK(cs_json_get_int(c, "message_count", 0) >= 1);
            if (strcmp(cs_json_get_str(c, "status"), "finished") != 0) continue;
            finished++;
            CHECK(ms_at(c, "queued_at") <= ms_at(c, "connected_at") &&
                  ms_at(c, "connected_at") < ms_at(c, "ends_at"));
            CHECK(cs_json_get_int(c, "message_count", 0) >= 2);
            double rt = cs_json_get_double(c, "average_response_time", 0);
            CHECK(rt > 1 && rt < 600);
            CHECK(json_object_array_length(json_object_object_get(c, "participants")) >= 2);
            transferred += json_object_array_length(json_object_object_get(c, "transfers")) > 0;
        }
    }
    CHECK_INT(t1, 200);
    CHECK(finished > 100 && finished < 200);
    CHECK(transferred > 0);
    /* The agents' chat counts add up to the chats they took. */
    json_object *agents = list("demo3", "agents", "", &t1);
    int64_t taken = 0;
    for (size_t i = 0; agents && i < json_object_array_length(agents); i++)
        taken += cs_json_get_int(json_object_array_get_idx(agents, i), "chat_count", 0);
    CHECK_INT(taken, finished + transferred);
}

/* A participant's row is its nested object plus the call's id, the call's created_at
 * when it has none and updated_at, byte for byte as json-c writes the object with those
 * added (a key it already has keeps its place); the call's own record is unchanged. */
static void test_participant_rows(void)
{
    const char *call =
        "{\"id\":30,\"call_type\":\"inbound\",\"status\":\"finished\","
        "\"created_at\":\"2026-03-04T10:00:00Z\",\"participants\":["
        "{\"id\":21,\"type\":\"end_user\"},"
        "{\"id\":22,\"type\":\"agent\",\"agent_id\":7,\"created_at\":\"2026-03-04T10:00:05Z\"},"
        "{\"id\":23,\"type\":\"agent\",\"call_id\":999},"
        "{\"id\":24,\"type\":\"third_party\",\"updated_at\":\"2026-01-01T00:00:00Z\"},"
        "{\"id\":25,\"type\":\"agent\",\"name\":\"a/b \\\"q\\\"\"}]}";
    struct cs_rp_import_result r;
    REQUIRE(import("parts", "calls", call, 5000, &r) == 0);
    CHECK_INT(r.inserted, 1);
    const struct cs_rp_resource *pr = cs_rp_resource_find("call_participants");
    struct cs_rp_query q;
    struct cs_rp_error e;
    REQUIRE(cs_rp_query_parse(pr, "call_id[]=30", NULL, A, &q, &e) == 0);
    struct cs_buf out;
    cs_buf_init(&out, A, 1 << 20);
    int64_t total;
    struct cs_rp_page_end end;
    REQUIRE(cs_rp_store_list_raw(st, A, "parts", pr, &q, &out, &total, &end) == 0);
    CHECK_INT(total, 5);
#define TAIL                                                                                       \
    "\"created_at\":\"2026-03-04T10:00:00.000Z\",\"updated_at\":\"1970-01-01T00:00:05.000Z\"}"
    CHECK_STR(cs_buf_str(&out),
              "[{\"id\":21,\"type\":\"end_user\",\"call_id\":30," TAIL
              ",{\"id\":22,\"type\":\"agent\",\"agent_id\":7,\"created_at\":"
              "\"2026-03-04T10:00:05.000Z\",\"call_id\":30,\"updated_at\":"
              "\"1970-01-01T00:00:05.000Z\"}"
              ",{\"id\":23,\"type\":\"agent\",\"call_id\":30," TAIL
              ",{\"id\":24,\"type\":\"third_party\",\"updated_at\":\"1970-01-01T00:00:05.000Z\","
              "\"call_id\":30,\"created_at\":\"2026-03-04T10:00:00.000Z\"}"
              ",{\"id\":25,\"type\":\"agent\",\"name\":\"a\\/b \\\"q\\\"\",\"call_id\":30," TAIL
              "]");
#undef TAIL
    /* The columns of the rows: by call, by agent, by created_at. */
    json_object *page = list("parts", "call_participants", "agent_id[]=7", &total);
    CHECK_STR(ids(page), "22");
    page = list("parts", "call_participants", "created_at[from]=2026-03-04T10:00:01Z&call_id[]=30",
                &total);
    CHECK_STR(ids(page), "22");
    page = list("parts", "call_participants", "created_at[to]=2026-03-04T10:00:00Z", &total);
    CHECK_STR(ids(page), "21,23,24,25");
    json_object *one = NULL;
    REQUIRE(cs_rp_store_get(st, A, "parts", cs_rp_resource_find("calls"), 30, false, &one) == 0);
    CHECK_STR(json_object_to_json_string_ext(json_object_object_get(one, "participants"),
                                             JSON_C_TO_STRING_PLAIN),
              "[{\"id\":21,\"type\":\"end_user\"},{\"id\":22,\"type\":\"agent\",\"agent_id\":7,"
              "\"created_at\":\"2026-03-04T10:00:05.000Z\"},{\"id\":23,\"type\":\"agent\","
              "\"call_id\":999},{\"id\":24,\"type\":\"third_party\",\"updated_at\":"
              "\"2026-01-01T00:00:00.000Z\"},{\"id\":25,\"type\":\"agent\",\"name\":"
              "\"a\\/b \\\"q\\\"\"}]");
}

int main(void)
{
    st = temp_db_create(&db, "reporting");
    A = cs_arena_new(0);
    if (!st || !A) return 1;
    TEST_RUN(test_import_and_filters);
    TEST_RUN(test_idempotent_and_changes);
    TEST_RUN(test_participant_rows);
    TEST_RUN(test_all_or_nothing);
    TEST_RUN(test_tailing);
    TEST_RUN(test_segment_stats);
    TEST_RUN(test_tokens);
    TEST_RUN(test_chats);
    TEST_RUN(test_demo_deterministic);
    TEST_RUN(test_demo_chats);
    cs_arena_destroy(A);
    cs_store_close(st);
    temp_db_remove(&db);
    return test_done();
}
