/* cs_insights_recommend_agent: the reporting data's agents, teams and activity logs
 * choose (category's team first, then the record on the category, then id; under
 * max_workload; on shift now), with exact choices worked out by hand below; without
 * reporting agents the ticket history chooses, as before. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/reporting.h"
#include "cs/store.h"
#include "cs/tenant_models.h"
#include "cs/triage.h"

#define S 1000LL
#define H (3600 * S)

static struct temp_db db;
static struct cs_store *st;
static struct cs_arena *ar;
static struct cs_triage_policy *policy;
static int64_t NOW; /* Wednesday 2026-12-09 11:00Z */

static int rp_import(const char *tenant, const char *res, const char *json)
{
    const struct cs_rp_resource *r = cs_rp_resource_find(res);
    json_object *recs = json_tokener_parse(json), *errors = NULL;
    struct cs_rp_import_result out;
    if (!r || !recs || cs_json_own(ar, recs)) return -1;
    int rc = cs_rp_import_check(r, recs, ar, &errors);
    if (rc) {
        fprintf(stderr, "%s\n", errors ? json_object_to_json_string(errors) : "?");
        return rc;
    }
    return cs_rp_store_import(st, ar, tenant, r, recs, NOW, &out);
}

/* A Billing ticket opened `hours_ago`, assigned to `agent`; solved after `res_h` hours
 * and rated `csat` when res_h > 0, else left open. */
static int ticket(const char *tenant, const char *id, const char *cat, const char *agent,
                  double hours_ago, double res_h, int csat)
{
    int64_t t0 = NOW - (int64_t)(hours_ago * H);
    struct cs_ticket_open o = {.ticket_id = id,
                               .category = cat,
                               .priority = "medium",
                               .sentiment = "neutral",
                               .sentiment_score = 0.5,
                               .sentiment_level = 2,
                               .source = "test",
                               .opened_ms = t0};
    const char *why = NULL;
    int rc = cs_insights_ticket_open(st, ar, tenant, &o, NOW);
    struct cs_ticket_change c = {.assignee = agent, .at_ms = t0 + S};
    if (!rc) rc = cs_insights_ticket_change(st, ar, tenant, id, &c, NOW, NULL, &why);
    if (!rc && res_h > 0) {
        struct cs_ticket_change s = {.status = "solved", .at_ms = t0 + (int64_t)(res_h * H)};
        rc = cs_insights_ticket_change(st, ar, tenant, id, &s, NOW, NULL, &why);
    }
    if (!rc && res_h > 0 && csat) {
        struct cs_ticket_change r = {.csat = csat, .at_ms = t0 + (int64_t)(res_h * H) + S};
        rc = cs_insights_ticket_change(st, ar, tenant, id, &r, NOW, NULL, &why);
    }
    if (rc) fprintf(stderr, "ticket %s: %d %s\n", id, rc, why ? why : "");
    return rc;
}

static struct cs_ticket_insights pick(const char *tenant, const char *cat)
{
    struct cs_ticket_insights ti;
    memset(&ti, 0, sizeof(ti));
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "category", json_object_new_string(cat));
    if (cs_json_own(ar, doc) ||
        cs_insights_recommend_agent(st, ar, tenant, policy, doc, NOW, &ti) != CS_OK)
        ti.agent_source = "error";
    return ti;
}

static void set_config(const char *tenant, const char *json)
{
    json_object *c = json_tokener_parse(json);
    REQUIRE(cs_store_put(st, ar, tenant, CS_TM_CFG_COLL, CS_TM_CFG_ID, c, NOW, NULL) == CS_OK);
    json_object_put(c);
}

/* Billing is the policy's "Finance Team"; team 2 sits under it. */
static void setup_reporting(void)
{
    REQUIRE(
        rp_import("rp", "teams",
                  "[{\"id\":1,\"name\":\"Finance Team\"},{\"id\":2,\"name\":\"Billing "
                  "Escalations\",\"parent_id\":1},{\"id\":3,\"name\":\"Technical Support\"}]") ==
        CS_OK);
    REQUIRE(rp_import("rp", "agents",
                      "[{\"id\":101,\"first_name\":\"Ann\",\"last_name\":\"Lee\",\"agent_number\":"
                      "\"A101\",\"teams\":[{\"id\":3,\"name\":\"Technical Support\"}]},"
                      "{\"id\":102,\"first_name\":\"Bo\",\"last_name\":\"Diaz\",\"agent_number\":"
                      "\"A102\",\"teams\":[{\"id\":1,\"name\":\"Finance Team\"}]},"
                      "{\"id\":103,\"first_name\":\"Cy\",\"last_name\":\"Park\",\"agent_number\":"
                      "\"A103\",\"teams\":[{\"id\":2,\"name\":\"Billing Escalations\"}]},"
                      "{\"id\":104,\"first_name\":\"Di\",\"last_name\":\"Ono\",\"agent_number\":"
                      "\"A104\",\"teams\":[{\"id\":1,\"name\":\"Finance Team\"}]},"
                      "{\"id\":105,\"first_name\":\"Ed\",\"last_name\":\"Ruiz\",\"teams\":[{\"id\":"
                      "1,\"name\":\"Finance Team\"}]},"
                      "{\"id\":106,\"first_name\":\"Flo\",\"last_name\":\"Kim\",\"agent_number\":"
                      "\"A106\",\"online\":true,\"teams\":[]}]") == CS_OK);
    /* Today's shifts from 08:00Z: 104 on a break, 105 logged out at 10:00Z. */
    REQUIRE(
        rp_import("rp", "agent_activity_logs",
                  "[{\"id\":1,\"agent_id\":101,\"status\":\"Available\",\"activity\":\"status_"
                  "change\",\"started_at\":\"2026-12-09T08:00:00Z\"},"
                  "{\"id\":2,\"agent_id\":102,\"status\":\"Available\",\"activity\":\"status_"
                  "change\",\"started_at\":\"2026-12-09T08:00:00Z\"},"
                  "{\"id\":3,\"agent_id\":103,\"status\":\"Available\",\"activity\":\"status_"
                  "change\",\"started_at\":\"2026-12-09T08:00:00Z\"},"
                  "{\"id\":4,\"agent_id\":104,\"status\":\"Available\",\"activity\":\"status_"
                  "change\",\"started_at\":\"2026-12-09T08:00:00Z\",\"ended_at\":\"2026-12-09T10:"
                  "30:00Z\"},"
                  "{\"id\":5,\"agent_id\":104,\"status\":\"Break\",\"activity\":\"status_"
                  "change\",\"started_at\":\"2026-12-09T10:30:00Z\",\"ended_at\":\"2026-12-09T11:"
                  "15:00Z\"},"
                  "{\"id\":6,\"agent_id\":105,\"status\":\"Available\",\"activity\":\"status_"
                  "change\",\"started_at\":\"2026-12-09T08:00:00Z\",\"ended_at\":\"2026-12-09T10:"
                  "00:00Z\"},"
                  "{\"id\":7,\"agent_id\":105,\"status\":\"Offline\",\"activity\":\"logout\","
                  "\"started_at\":\"2026-12-09T10:00:00Z\"},"
                  "{\"id\":8,\"agent_id\":102,\"status\":\"Available\",\"activity\":\"status_"
                  "change\",\"started_at\":\"2026-12-09T12:00:00Z\"}]") == CS_OK);
    /* Billing records (satisfied share, then mean resolution): 105 (by id "105") 1.0 in
     * 2 h; 103 1.0 in 3 h; 101 1.0 in 1 h but not in the team; 102 0.5. */
    REQUIRE(ticket("rp", "B1", "Billing", "105", 50, 2, 5) == CS_OK);
    REQUIRE(ticket("rp", "B2", "Billing", "105", 49, 2, 4) == CS_OK);
    REQUIRE(ticket("rp", "B3", "Billing", "A103", 48, 3, 5) == CS_OK);
    REQUIRE(ticket("rp", "B4", "Billing", "A103", 47, 3, 5) == CS_OK);
    REQUIRE(ticket("rp", "B5", "Billing", "A101", 46, 1, 5) == CS_OK);
    REQUIRE(ticket("rp", "B6", "Billing", "A102", 45, 2, 5) == CS_OK);
    REQUIRE(ticket("rp", "B7", "Billing", "A102", 44, 2, 1) == CS_OK);
    /* 103 holds two open tickets (one under its id, one under its number). */
    REQUIRE(ticket("rp", "O1", "Account", "A103", 5, 0, 0) == CS_OK);
    REQUIRE(ticket("rp", "O2", "Account", "103", 4, 0, 0) == CS_OK);
}

static void test_reporting_choices(void)
{
    setup_reporting();
    /* Default max_workload 15: 105 logged out; 103 (team 2 under Finance) answers. */
    struct cs_ticket_insights ti = pick("rp", "Billing");
    CHECK_STR(ti.agent_source, "reporting_team");
    CHECK_STR(ti.agent_id, "A103");
    CHECK_STR(ti.agent_name, "Cy Park");
    CHECK_INT((int)ti.agent_workload, 2);
    /* max_workload 2: 103 is full; 102 (0.5) before 104 (no record). */
    set_config("rp", "{\"max_workload\":2}");
    ti = pick("rp", "Billing");
    CHECK_STR(ti.agent_source, "reporting_team");
    CHECK_STR(ti.agent_id, "A102");
    CHECK_STR(ti.agent_name, "Bo Diaz");
    CHECK_INT((int)ti.agent_workload, 0);
    /* 102 goes offline at 10:45Z: 104, on a break but on shift, has no record but is in
     * the team, so answers before 101's better record outside it. */
    REQUIRE(rp_import("rp", "agent_activity_logs",
                      "[{\"id\":9,\"agent_id\":102,\"status\":\"Offline\",\"activity\":\"logout\","
                      "\"started_at\":\"2026-12-09T10:45:00Z\"}]") == CS_OK);
    ti = pick("rp", "Billing");
    CHECK_STR(ti.agent_id, "A104");
    CHECK_STR(ti.agent_source, "reporting_team");
    /* Technical's team, "Technical Support", is team 3: Ann Lee. */
    ti = pick("rp", "Technical");
    CHECK_STR(ti.agent_id, "A101");
    CHECK_STR(ti.agent_source, "reporting_team");
    /* Shipping's "Logistics Team" is not in the reporting data: best record on Shipping
     * (nobody has one), then id: 101 is on shift. */
    ti = pick("rp", "Shipping");
    CHECK_STR(ti.agent_id, "A101");
    CHECK_STR(ti.agent_source, "reporting");
    /* Outside business hours (Mondays only; NOW is a Wednesday) nobody is on shift. */
    set_config("rp", "{\"business_hours\":{\"days\":[\"mon\"],\"open\":\"09:00\",\"close\":"
                     "\"17:00\"}}");
    ti = pick("rp", "Billing");
    CHECK(ti.agent_id == NULL && ti.agent_name == NULL);
    CHECK_STR(ti.agent_source, "reporting");
    /* Every team agent off or full and 101 logged out: 106, without logs, is online. */
    set_config("rp", "{\"max_workload\":1}");
    REQUIRE(rp_import("rp", "agent_activity_logs",
                      "[{\"id\":10,\"agent_id\":104,\"status\":\"Offline\",\"activity\":\"logout\","
                      "\"started_at\":\"2026-12-09T10:50:00Z\"},"
                      "{\"id\":11,\"agent_id\":101,\"status\":\"Offline\",\"activity\":\"logout\","
                      "\"started_at\":\"2026-12-09T10:50:00Z\"}]") == CS_OK);
    ti = pick("rp", "Billing");
    CHECK_STR(ti.agent_id, "A106");
    CHECK_STR(ti.agent_name, "Flo Kim");
    CHECK_STR(ti.agent_source, "reporting");
}

static void test_history_without_reporting(void)
{
    /* No reporting agents: the assignees' records on the category, under the maximum. */
    REQUIRE(ticket("hist", "H1", "Billing", "AGT-1", 30, 5, 5) == CS_OK);
    REQUIRE(ticket("hist", "H2", "Billing", "AGT-2", 29, 2, 5) == CS_OK);
    REQUIRE(ticket("hist", "H3", "Billing", "AGT-3", 28, 1, 2) == CS_OK);
    struct cs_ticket_insights ti = pick("hist", "Billing");
    CHECK_STR(ti.agent_source, "ticket_history");
    CHECK_STR(ti.agent_id, "AGT-2"); /* satisfied like AGT-1, faster */
    REQUIRE(ticket("hist", "H4", "Account", "AGT-2", 1, 0, 0) == CS_OK);
    set_config("hist", "{\"max_workload\":1}");
    ti = pick("hist", "Billing");
    CHECK_STR(ti.agent_id, "AGT-1");
    CHECK_STR(ti.agent_source, "ticket_history");
    ti = pick("hist", "Refund");
    CHECK(ti.agent_id == NULL);
    CHECK_STR(ti.agent_source, "ticket_history");
}

int main(void)
{
    st = temp_db_create(&db, "agent-pick");
    ar = cs_arena_new(0);
    const char *data = getenv("CS_DATA_DIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/policy/triage_default.json", data ? data : "data");
    if (!st || !ar || cs_time_parse_iso("2026-12-09T11:00:00Z", &NOW) ||
        cs_triage_policy_load(path, &policy)) {
        printf("tally: 0 passed, 1 failed, 0 skipped\n");
        return 1;
    }
    TEST_RUN(test_reporting_choices);
    TEST_RUN(test_history_without_reporting);
    cs_triage_policy_destroy(policy);
    cs_arena_destroy(ar);
    temp_db_close(&db, st);
    return test_done();
}
