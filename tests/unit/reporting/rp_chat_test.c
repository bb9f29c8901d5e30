/* Tiered sessions as reporting chats: the derivation (participants are the end user and
 * the tiers that answered, escalations are transfers, human-tier messages are agent
 * activity) and the write in the same store transaction as the session change. */
#include <string.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/json.h"
#include "cs/reporting.h"
#include "cs/store.h"
#include "store/store_reporting.h"

static struct temp_db db;
static struct cs_store *st;
static struct cs_arena *A;

/* Customer, AI rep (120 ms), customer, escalation to the AI manager which answers
 * (80 ms), escalation to the human agent, whose hand-off note follows 4 s later. */
static const char *SESSION =
    "{\"companyId\":\"co\",\"customerId\":\"cust_9\",\"channel\":\"chat\",\"status\":\"ESCALATED\","
    "\"currentTier\":\"HUMAN_AGENT\",\"createdAt\":\"2026-03-02T10:00:00Z\","
    "\"context\":{\"customer\":{\"name\":\"Jane Roe\"}},"
    "\"messages\":["
    "{\"id\":\"msg_1\",\"role\":\"customer\",\"content\":\"hi\",\"timestamp\":\"2026-03-02T10:00:"
    "05Z\"},"
    "{\"id\":\"msg_2\",\"role\":\"ai_rep\",\"content\":\"hello\",\"timestamp\":\"2026-03-02T10:00:"
    "05Z\",\"metadata\":{\"latencyMs\":120}},"
    "{\"id\":\"msg_3\",\"role\":\"customer\",\"content\":\"refund "
    "now\",\"timestamp\":\"2026-03-02T10:01:00Z\"},"
    "{\"id\":\"msg_4\",\"role\":\"ai_manager\",\"content\":\"ok\",\"timestamp\":\"2026-03-02T10:01:"
    "00Z\",\"metadata\":{\"latencyMs\":80}},"
    "{\"id\":\"msg_5\",\"role\":\"customer\",\"content\":\"a person "
    "please\",\"timestamp\":\"2026-03-02T10:02:00Z\"},"
    "{\"id\":\"msg_6\",\"role\":\"system\",\"content\":\"handing "
    "over\",\"timestamp\":\"2026-03-02T10:02:04Z\"}],"
    "\"escalationHistory\":["
    "{\"fromTier\":\"AI_REP\",\"toTier\":\"AI_MANAGER\",\"reason\":\"REFUND_LIMIT\",\"timestamp\":"
    "\"2026-03-02T10:01:00Z\"},"
    "{\"fromTier\":\"AI_MANAGER\",\"toTier\":\"HUMAN_AGENT\",\"reason\":\"CUSTOMER_REQUEST\","
    "\"timestamp\":\"2026-03-02T10:02:00Z\"}]}";

static json_object *session(void)
{
    json_object *s = NULL;
    if (cs_json_parse(SESSION, strlen(SESSION), A, &s, NULL)) return NULL;
    return s;
}

static json_object *part_of(json_object *chat, const char *name)
{
    json_object *ps = json_object_object_get(chat, "participants");
    for (size_t i = 0; i < json_object_array_length(ps); i++) {
        json_object *p = json_object_array_get_idx(ps, i);
        if (!strcmp(cs_json_get_str(p, "name"), name)) return p;
    }
    return NULL;
}

static void test_derivation(void)
{
    json_object *chats, *acts;
    REQUIRE(cs_rp_chat_of_session(A, "sess_abc", session(), &chats, &acts) == 0);
    REQUIRE(chats && json_object_array_length(chats) == 1);
    json_object *c = json_object_array_get_idx(chats, 0);
    CHECK_INT(cs_json_get_int(c, "id", 0), cs_rp_chat_id("sess_abc"));
    CHECK(cs_rp_chat_id("sess_abc") != cs_rp_chat_id("sess_abd"));
    CHECK(cs_rp_chat_id("sess_abc") >= 1 && cs_rp_chat_id("sess_abc") < (1LL << 53));
    CHECK_STR(cs_json_get_str(c, "chat_type"), "chat");
    CHECK_STR(cs_json_get_str(c, "status"), "assigned");
    CHECK_STR(cs_json_get_str(c, "sub_status"), "ESCALATED");
    CHECK_STR(cs_json_get_str(c, "session_id"), "sess_abc");
    CHECK_STR(cs_json_get_str(c, "transcript_url"), "/api/v1/cs/sessions/sess_abc");
    CHECK_STR(cs_json_get_str(c, "created_at"), "2026-03-02T10:00:05Z");
    CHECK_STR(cs_json_get_str(c, "first_msg_sent_at"), "2026-03-02T10:00:05Z");
    CHECK_STR(cs_json_get_str(c, "connected_at"), "2026-03-02T10:00:05Z");
    CHECK_INT(cs_json_get_int(c, "message_count", 0), 6);
    /* 120 ms, 80 ms and the 4 s until the hand-off note: 4.2 s / 3. */
    CHECK_NEAR(cs_json_get_double(c, "average_response_time", 0), 1.4, 1e-9);
    CHECK_INT(cs_json_get_int(c, "agent_id", 0), CS_RP_AGENT_HUMAN);
    CHECK(!json_object_object_get(c, "ends_at"));
    json_object *ps = json_object_object_get(c, "participants");
    CHECK_INT(json_object_array_length(ps), 4);
    json_object *eu = part_of(c, "Jane Roe"), *rep = part_of(c, "AI_REP"),
                *mgr = part_of(c, "AI_MANAGER"), *hum = part_of(c, "HUMAN_AGENT");
    REQUIRE(eu && rep && mgr && hum);
    CHECK_STR(cs_json_get_str(eu, "type"), "end_user");
    CHECK_STR(cs_json_get_str(rep, "type"), "agent");
    CHECK_INT(cs_json_get_int(mgr, "agent_id", 0), CS_RP_AGENT_AI_MANAGER);
    CHECK_STR(cs_json_get_str(rep, "connected_at"), "2026-03-02T10:00:05Z");
    CHECK_STR(cs_json_get_str(rep, "ended_at"), "2026-03-02T10:01:00Z");
    CHECK_STR(cs_json_get_str(rep, "status"), "finished");
    CHECK_STR(cs_json_get_str(mgr, "ended_at"), "2026-03-02T10:02:00Z");
    CHECK_STR(cs_json_get_str(hum, "connected_at"), "2026-03-02T10:02:04Z");
    CHECK_STR(cs_json_get_str(hum, "status"), "connected");
    json_object *xs = json_object_object_get(c, "transfers");
    REQUIRE(json_object_array_length(xs) == 2);
    json_object *x = json_object_array_get_idx(xs, 1);
    CHECK_STR(cs_json_get_str(x, "from_tier"), "AI_MANAGER");
    CHECK_STR(cs_json_get_str(x, "to_tier"), "HUMAN_AGENT");
    CHECK_STR(cs_json_get_str(x, "reason"), "CUSTOMER_REQUEST");
    CHECK_INT(cs_json_get_int(x, "participant_id", 0), cs_json_get_int(hum, "id", -1));
    REQUIRE(json_object_array_length(acts) == 1);
    json_object *a = json_object_array_get_idx(acts, 0);
    CHECK_INT(cs_json_get_int(a, "agent_id", 0), CS_RP_AGENT_HUMAN);
    CHECK_INT(cs_json_get_int(a, "chat_id", 0), cs_rp_chat_id("sess_abc"));
    CHECK_STR(cs_json_get_str(a, "activity"), "chat_handoff");
    CHECK_STR(cs_json_get_str(a, "started_at"), "2026-03-02T10:02:04Z");
    /* The records pass the import checks as they are. */
    json_object *errors;
    CHECK_INT(cs_rp_import_check(cs_rp_resource_find("chats"), chats, A, &errors), 0);
    CHECK_INT(cs_rp_import_check(cs_rp_resource_find("agent_activity_logs"), acts, A, &errors), 0);
    /* No customer message yet: no chat. */
    json_object *empty = json_object_new_object();
    REQUIRE(cs_rp_chat_of_session(A, "sess_x", empty, &chats, &acts) == 0);
    CHECK(chats == NULL);
    json_object_put(empty);
    CHECK_INT(cs_rp_chat_of_session(A, "", session(), &chats, &acts), CS_ERR_INVALID);
}

/* The chat lands with the session write, and not without it. */
static void test_written_with_the_session(void)
{
    json_object *s = session();
    REQUIRE(cs_rp_chat_stage(st, A, "acme", "sess_abc", s) == 0);
    CHECK_INT(cs_store_staged(st), 2);
    REQUIRE(cs_store_insert(st, A, "acme", "sessions", "sess_abc", s, NULL, 1772445725000LL,
                            NULL) == 0);
    json_object *c;
    REQUIRE(cs_rp_store_get(st, A, "acme", cs_rp_resource_find("chats"), cs_rp_chat_id("sess_abc"),
                            false, &c) == 0);
    CHECK_STR(cs_json_get_str(c, "created_at"), "2026-03-02T10:00:05.000Z");
    CHECK_INT(cs_json_get_int(c, "message_count", 0), 6);
    int64_t total;
    struct cs_rp_query q;
    struct cs_rp_error e;
    json_object *items = cs_json_array(A);
    REQUIRE(cs_rp_query_parse(cs_rp_resource_find("chat_participants"), "", NULL, A, &q, &e) == 0);
    REQUIRE(cs_rp_store_list(st, A, "acme", cs_rp_resource_find("chat_participants"), &q, items,
                             &total) == 0);
    CHECK_INT(total, 4);
    items = cs_json_array(A);
    REQUIRE(cs_rp_query_parse(cs_rp_resource_find("agent_activity_logs"), "agent_id[]=900003", NULL,
                              A, &q, &e) == 0);
    REQUIRE(cs_rp_store_list(st, A, "acme", cs_rp_resource_find("agent_activity_logs"), &q, items,
                             &total) == 0);
    CHECK_INT(total, 1);
    /* Nothing in the webhook outbox for it. */
    int64_t open, done, dead;
    REQUIRE(cs_store_outbox_stats(st, "acme", NULL, &open, &done, &dead) == 0);
    CHECK_INT(open, 0);

    /* A session write that fails (a version conflict) writes no chat change either. */
    json_object *m = json_object_object_get(s, "messages");
    json_object *extra = json_object_new_object();
    json_object_object_add(extra, "role", json_object_new_string("customer"));
    json_object_object_add(extra, "timestamp", json_object_new_string("2026-03-02T10:03:00Z"));
    json_object_array_add(m, extra);
    REQUIRE(cs_rp_chat_stage(st, A, "acme", "sess_abc", s) == 0);
    CHECK_INT(
        cs_store_update(st, A, "acme", "sessions", "sess_abc", 99, s, NULL, 1772445790000LL, NULL),
        CS_ERR_CONFLICT);
    REQUIRE(cs_rp_store_get(st, A, "acme", cs_rp_resource_find("chats"), cs_rp_chat_id("sess_abc"),
                            false, &c) == 0);
    CHECK_INT(cs_json_get_int(c, "message_count", 0), 6);
    /* The same change with the right version: the chat moves with it. */
    REQUIRE(cs_rp_chat_stage(st, A, "acme", "sess_abc", s) == 0);
    REQUIRE(cs_store_update(st, A, "acme", "sessions", "sess_abc", 1, s, NULL, 1772445790000LL,
                            NULL) == 0);
    REQUIRE(cs_rp_store_get(st, A, "acme", cs_rp_resource_find("chats"), cs_rp_chat_id("sess_abc"),
                            false, &c) == 0);
    CHECK_INT(cs_json_get_int(c, "message_count", 0), 7);
    /* ...with a changed_details row for the count. */
    items = cs_json_array(A);
    REQUIRE(cs_rp_query_parse(cs_rp_resource_find("changed_details"),
                              "record_type[]=chat&field[]=message_count", NULL, A, &q, &e) == 0);
    REQUIRE(cs_rp_store_list(st, A, "acme", cs_rp_resource_find("changed_details"), &q, items,
                             &total) == 0);
    REQUIRE(total == 1);
    json_object *ch = json_object_array_get_idx(items, 0);
    CHECK_INT(cs_json_get_int(ch, "former_value", 0), 6);
    CHECK_INT(cs_json_get_int(ch, "new_value", 0), 7);
    /* Another tenant sees none of it. */
    CHECK_INT(cs_rp_store_get(st, A, "other", cs_rp_resource_find("chats"),
                              cs_rp_chat_id("sess_abc"), false, &c),
              CS_ERR_NOT_FOUND);
}

/* The reporting tables exist as soon as a store opens, before any write: staging a chat
 * must not make them itself, on a connection the process's threads share (it raced them
 * on the first session writes, as review decisions did under ASan). */
static void test_tables_made_at_open(void)
{
    struct temp_db fresh;
    struct cs_store *f = temp_db_create(&fresh, "rpopen");
    REQUIRE(f != NULL);
    sqlite3 *conn = cs_store_sqlite_db(f);
    REQUIRE(conn != NULL);
    sqlite3_stmt *q = NULL;
    REQUIRE(sqlite3_prepare_v2(conn,
                               "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN "
                               "('rp_chats','rp_agent_activity_logs','rp_calls')",
                               -1, &q, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(q, 0), 3);
    sqlite3_finalize(q);
    cs_store_close(f);
    temp_db_remove(&fresh);
}

int main(void)
{
    st = temp_db_create(&db, "rpchat");
    A = cs_arena_new(0);
    if (!st || !A) return 1;
    TEST_RUN(test_tables_made_at_open);
    TEST_RUN(test_derivation);
    TEST_RUN(test_written_with_the_session);
    cs_arena_destroy(A);
    cs_store_close(st);
    temp_db_remove(&db);
    return test_done();
}
