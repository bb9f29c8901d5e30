/* cs/insights.h: the lifecycle replay, the figures computed in the store, fairness
 * metrics and the small formatters, against hand-computed values. */
#include <math.h>
#include <string.h>

#include <json-c/json.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"

#define T0 1700000000000LL
#define S 1000LL

static struct temp_db db;

static json_object *new_ticket(const char *id, int64_t opened)
{
    struct cs_ticket_open o = {.ticket_id = id,
                               .category = "Billing",
                               .priority = "high",
                               .sentiment = "neutral",
                               .sentiment_score = 0.5,
                               .sentiment_level = 2,
                               .source = "test",
                               .opened_ms = opened};
    return cs_ticket_doc_new(&o);
}

static int change(json_object *d, const char *json, int64_t at)
{
    json_object *b = json_tokener_parse(json);
    struct cs_ticket_change c;
    const char *field = NULL, *why = NULL;
    int rc = cs_ticket_change_read(b, at, &c, &field, &why);
    if (!rc) rc = cs_ticket_apply(d, &c, &why);
    json_object_put(b);
    return rc;
}

static int has(json_object *d, const char *k) { return json_object_object_get_ex(d, k, NULL); }

static void test_lifecycle_durations_from_events(void)
{
    json_object *d = new_ticket("T1", T0);
    CHECK_INT(change(d, "{\"assignee\":\"AGT-1\",\"assignee_name\":\"Ann\"}", T0 + 60 * S), CS_OK);
    CHECK_INT(change(d, "{\"agent_replied\":true}", T0 + 600 * S), CS_OK);
    CHECK_INT(change(d, "{\"status\":\"solved\"}", T0 + 3600 * S), CS_OK);
    CHECK_NEAR(cs_json_get_double(d, "first_reply_s", -1), 600, 1e-9);
    CHECK_NEAR(cs_json_get_double(d, "resolution_s", -1), 3600, 1e-9);
    CHECK_INT(cs_json_get_int(d, "fcr", -1), 1);
    CHECK_INT(cs_json_get_int(d, "open", -1), 0);
    CHECK_INT(change(d, "{\"csat_rating\":5}", T0 + 4000 * S), CS_OK);
    CHECK_INT(cs_json_get_int(d, "csat_satisfied", -1), 1);
    /* Reopening clears the resolution and the FCR verdict; the next solve counts from
     * the opening, and two replies plus a reopen are no first-contact resolution. */
    CHECK_INT(change(d, "{\"status\":\"reopened\"}", T0 + 5000 * S), CS_OK);
    CHECK(!has(d, "resolution_s") && !has(d, "fcr"));
    CHECK_INT(cs_json_get_int(d, "open", -1), 1);
    CHECK_INT(cs_json_get_int(d, "reopened", -1), 1);
    CHECK_INT(change(d, "{\"agent_replied\":true}", T0 + 5100 * S), CS_OK);
    CHECK_INT(change(d, "{\"status\":\"closed\"}", T0 + 7200 * S), CS_OK);
    CHECK_NEAR(cs_json_get_double(d, "resolution_s", -1), 7200, 1e-9);
    CHECK_INT(cs_json_get_int(d, "fcr", -1), 0);
    CHECK_INT(cs_json_get_int(d, "replies", -1), 2);
    CHECK_NEAR(cs_json_get_double(d, "first_reply_s", -1), 600, 1e-9);
    CHECK_STR(cs_json_get_str(d, "assignee"), "AGT-1");
    CHECK_STR(cs_json_get_str(d, "status"), "closed");
    CHECK_INT(cs_json_get_int(d, "csat", -1), 5);
    json_object *ev;
    REQUIRE(json_object_object_get_ex(d, "events", &ev));
    CHECK_INT((int)json_object_array_length(ev), 7);
    json_object_put(d);
}

static void test_lifecycle_refusals_leave_the_ticket_unchanged(void)
{
    json_object *d = new_ticket("T2", T0);
    CHECK_INT(change(d, "{\"status\":\"solved\"}", T0 - 1), CS_ERR_VALIDATION); /* before opening */
    CHECK_INT(change(d, "{\"status\":\"reopened\"}", T0 + S), CS_ERR_VALIDATION); /* not solved */
    CHECK_INT(change(d, "{\"status\":\"bogus\"}", T0 + S), CS_ERR_VALIDATION);
    CHECK_INT(change(d, "{\"csat_rating\":6}", T0 + S), CS_ERR_VALIDATION);
    CHECK_INT(change(d, "{\"csat_rating\":0}", T0 + S), CS_ERR_VALIDATION);
    CHECK_INT(change(d, "{}", T0 + S), CS_ERR_VALIDATION);
    CHECK_INT(change(d, "{\"escalated\":\"yes\"}", T0 + S), CS_ERR_VALIDATION);
    CHECK_INT(change(d, "{\"status\":\"solved\",\"at\":\"not a time\"}", T0 + S),
              CS_ERR_VALIDATION);
    CHECK_INT(change(d, "{\"escalated\":true}", T0 + 100 * S), CS_OK);
    CHECK_INT(change(d, "{\"status\":\"solved\"}", T0 + 50 * S),
              CS_ERR_VALIDATION); /* earlier than last */
    CHECK_INT(cs_json_get_int(d, "open", -1), 1);
    CHECK_INT(cs_json_get_int(d, "escalated", -1), 1);
    json_object *ev;
    REQUIRE(json_object_object_get_ex(d, "events", &ev));
    CHECK_INT((int)json_object_array_length(ev), 1);
    /* The "at" field wins over the caller's clock, and the future is refused. */
    CHECK_INT(change(d, "{\"status\":\"solved\",\"at\":\"2023-11-14T22:13:20Z\"}", T0 + 9999 * S),
              CS_ERR_VALIDATION);
    json_object *b = json_tokener_parse("{\"status\":\"solved\",\"at\":\"2030-01-01T00:00:00Z\"}");
    struct cs_ticket_change c;
    const char *f = NULL, *why = NULL;
    CHECK_INT(cs_ticket_change_read(b, T0, &c, &f, &why), CS_ERR_VALIDATION);
    CHECK_STR(f, "at");
    json_object_put(b);
    json_object_put(d);
}

static void test_event_log_is_capped(void)
{
    json_object *d = new_ticket("T3", T0);
    int rc = CS_OK;
    for (int i = 0; i < CS_INSIGHTS_MAX_EVENTS && !rc; i++)
        rc = change(d, "{\"agent_replied\":true}", T0 + i);
    CHECK_INT(rc, CS_OK);
    CHECK_INT(change(d, "{\"agent_replied\":true}", T0 + 1000 * S), CS_ERR_VALIDATION);
    CHECK_INT(cs_json_get_int(d, "replies", -1), CS_INSIGHTS_MAX_EVENTS);
    json_object_put(d);
}

static void put(struct cs_store *st, struct cs_arena *a, json_object *d)
{
    CHECK_INT(cs_store_insert(st, a, "acme", CS_INSIGHTS_TICKETS, cs_json_get_str(d, "ticket_id"),
                              d, NULL, T0, NULL),
              CS_OK);
    json_object_put(d);
}

static void test_figures_in_the_store(void)
{
    struct cs_store *st = temp_db_create(&db, "insights");
    REQUIRE(st);
    struct cs_arena *a = cs_arena_new(0);
    json_object *d = new_ticket("t1", T0);
    CHECK_INT(change(d, "{\"assignee\":\"A\",\"agent_replied\":true}", T0 + 600 * S), CS_OK);
    CHECK_INT(change(d, "{\"status\":\"solved\"}", T0 + 3600 * S), CS_OK);
    CHECK_INT(change(d, "{\"csat_rating\":5}", T0 + 3700 * S), CS_OK);
    put(st, a, d);
    d = new_ticket("t2", T0);
    CHECK_INT(change(d, "{\"assignee\":\"A\",\"agent_replied\":true}", T0 + 60 * S), CS_OK);
    CHECK_INT(change(d, "{\"agent_replied\":true}", T0 + 120 * S), CS_OK);
    CHECK_INT(change(d, "{\"status\":\"solved\"}", T0 + 7200 * S), CS_OK);
    CHECK_INT(change(d, "{\"csat_rating\":3}", T0 + 7300 * S), CS_OK);
    put(st, a, d);
    d = new_ticket("t3", T0);
    CHECK_INT(
        change(d, "{\"assignee\":\"B\",\"escalated\":true,\"agent_replied\":true}", T0 + 60 * S),
        CS_OK);
    CHECK_INT(change(d, "{\"status\":\"solved\"}", T0 + 1800 * S), CS_OK);
    put(st, a, d);
    d = new_ticket("t4", T0);
    CHECK_INT(change(d, "{\"assignee\":\"B\"}", T0 + 60 * S), CS_OK);
    put(st, a, d);
    d = new_ticket("t5", T0 - 100000 * S); /* before the window, unassigned */
    CHECK_INT(change(d, "{\"status\":\"solved\"}", T0), CS_OK);
    put(st, a, d);
    /* Hand-computed: 4 tickets in the window, 3 resolved (3600+7200+1800)/3 = 4200 s,
     * ratings 5 and 3 -> 50% satisfied, FCR only t1 -> 1/3, escalated t3 -> 25%. */
    struct cs_insights_figures f;
    CHECK_INT(cs_insights_figures(st, a, "acme", T0 - 1, NULL, &f), CS_OK);
    CHECK_INT(f.total, 4);
    CHECK_INT(f.resolved, 3);
    CHECK_INT(f.open, 1);
    CHECK_INT(f.rated, 2);
    CHECK_NEAR(f.avg_resolution_s, 4200, 1e-6);
    CHECK_NEAR(f.csat_pct, 50, 1e-9);
    CHECK_NEAR(f.fcr_pct, 100.0 / 3, 1e-9);
    CHECK_NEAR(f.escalation_pct, 25, 1e-9);
    CHECK_INT(cs_insights_figures(st, a, "acme", 0, "A", &f), CS_OK);
    CHECK_INT(f.total, 2);
    CHECK_NEAR(f.avg_resolution_s, 5400, 1e-6);
    CHECK_NEAR(f.fcr_pct, 50, 1e-9);
    /* Another tenant sees nothing. */
    CHECK_INT(cs_insights_figures(st, a, "globex", 0, NULL, &f), CS_OK);
    CHECK_INT(f.total, 0);
    CHECK(isnan(f.avg_resolution_s) && isnan(f.csat_pct) && isnan(f.fcr_pct) &&
          isnan(f.escalation_pct));
    /* Team medians: A (5400 s, 50%, 50%), B (1800 s, no rating, 0%); t5 has no agent. */
    struct cs_insights_team t;
    CHECK_INT(cs_insights_team(st, a, "acme", &t), CS_OK);
    CHECK_INT((int)t.agents, 2);
    CHECK_NEAR(t.median_resolution_s, 3600, 1e-6);
    CHECK_NEAR(t.median_csat_pct, 50, 1e-9);
    CHECK_NEAR(t.median_fcr_pct, 25, 1e-9);
    cs_arena_destroy(a);
    temp_db_close(&db, st);
}

static void test_coaching_tip_templates(void)
{
    char tip[400];
    struct cs_insights_team team = {
        .agents = 3, .median_resolution_s = 3600, .median_csat_pct = 80, .median_fcr_pct = 70};
    struct cs_insights_figures me = {
        .resolved = 10, .avg_resolution_s = 7200, .csat_pct = 82, .fcr_pct = 75};
    cs_insights_coaching_tip(&me, &team, tip, sizeof(tip));
    CHECK_STR(
        tip,
        "Resolution takes 2.0 hours on average against a team median of 60 minutes: look at your "
        "longest-running tickets and hand off earlier when blocked.");
    me.csat_pct = 70;
    cs_insights_coaching_tip(&me, &team, tip, sizeof(tip));
    CHECK(strncmp(tip, "CSAT 70.0% is below the team median of 80.0%", 44) == 0);
    me = (struct cs_insights_figures){
        .resolved = 10, .avg_resolution_s = 3000, .csat_pct = 95, .fcr_pct = 75};
    cs_insights_coaching_tip(&me, &team, tip, sizeof(tip));
    CHECK_STR(
        tip,
        "Excellent performance: CSAT 95.0% against a team median of 80.0%, resolving in 50 minutes "
        "(team median 60 minutes). Consider mentoring junior agents.");
    me.resolved = 4;
    cs_insights_coaching_tip(&me, &team, tip, sizeof(tip));
    CHECK(strncmp(tip, "Not enough resolved tickets yet (4,", 35) == 0);
}

static void test_fairness_hand_computed(void)
{
    struct cs_fair_group g[3] = {
        {.name = "A", .n = 100, .value = 0.6, .tpr = 0.8, .fpr = 0.3, .scored = true},
        {.name = "B", .n = 150, .value = 0.45, .tpr = 0.6, .fpr = 0.25, .scored = true},
        {.name = "C", .n = 5, .value = 0.0, .tpr = NAN, .fpr = NAN, .scored = false},
    };
    struct cs_fair_result r;
    CHECK_INT(cs_fair_compare(g, 3, true, &r), CS_OK);
    CHECK_NEAR(r.dp_difference, 0.15, 1e-12);
    CHECK_NEAR(r.dp_ratio, 0.75, 1e-12);
    CHECK(!r.four_fifths_ok);
    CHECK_NEAR(r.disparity, 0.25, 1e-12);
    CHECK_NEAR(r.eo_difference, 0.2, 1e-12); /* TPR gap 0.2 beats FPR gap 0.05 */
    CHECK_STR(r.concern, "high");
    CHECK_INT((int)r.lowest, 1);
    CHECK_INT((int)r.highest, 0);
    CHECK_INT((int)r.nscored, 2);
    /* Means 4.2 and 4.0: ratio 0.952381, disparity 0.047619 -> low. */
    struct cs_fair_group m[2] = {{.name = "x", .n = 40, .value = 4.2, .scored = true},
                                 {.name = "y", .n = 40, .value = 4.0, .scored = true}};
    CHECK_INT(cs_fair_compare(m, 2, false, &r), CS_OK);
    CHECK_NEAR(r.dp_ratio, 4.0 / 4.2, 1e-12);
    CHECK_NEAR(r.dp_difference, 0.2, 1e-12);
    CHECK(isnan(r.eo_difference));
    CHECK_STR(r.concern, "low");
    CHECK(r.four_fifths_ok);
    /* 0.85 ratio: passes four-fifths, medium concern. */
    m[1].value = 4.2 * 0.85;
    CHECK_INT(cs_fair_compare(m, 2, false, &r), CS_OK);
    CHECK_STR(r.concern, "medium");
    m[1].scored = false;
    CHECK_INT(cs_fair_compare(m, 2, false, &r), CS_ERR_INVALID);
}

static void test_fairness_report_hand_computed(void)
{
    /* A: 6 rows, B: 6 rows, C: 2 rows (under the minimum of 5). */
    static const char *const rows[] = {
        "{\"g\":\"A\",\"ok\":true,\"s\":5,\"p\":1,\"y\":1}",
        "{\"g\":\"A\",\"ok\":true,\"s\":4,\"p\":1,\"y\":1}",
        "{\"g\":\"A\",\"ok\":true,\"s\":4,\"p\":0,\"y\":1}",
        "{\"g\":\"A\",\"ok\":true,\"s\":5,\"p\":1,\"y\":0}",
        "{\"g\":\"A\",\"ok\":false,\"s\":3,\"p\":0,\"y\":0}",
        "{\"g\":\"A\",\"ok\":false,\"s\":3,\"p\":0,\"y\":0}",
        "{\"g\":\"B\",\"ok\":true,\"s\":2,\"p\":1,\"y\":1}",
        "{\"g\":\"B\",\"ok\":true,\"s\":3,\"p\":0,\"y\":1}",
        "{\"g\":\"B\",\"ok\":true,\"s\":4,\"p\":0,\"y\":1}",
        "{\"g\":\"B\",\"ok\":false,\"s\":3,\"p\":0,\"y\":0}",
        "{\"g\":\"B\",\"ok\":false,\"s\":3,\"p\":0,\"y\":0}",
        "{\"g\":\"B\",\"ok\":false,\"s\":3,\"p\":0,\"y\":0}",
        "{\"g\":\"C\",\"ok\":true,\"s\":1,\"p\":1,\"y\":1}",
        "{\"g\":\"C\",\"ok\":false,\"s\":1,\"p\":0,\"y\":0}",
    };
    json_object *data = json_object_new_array();
    for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
        json_object_array_add(data, json_tokener_parse(rows[i]));
    json_object *body =
        json_tokener_parse("{\"attributes\":[\"g\"],\"outcome_columns\":[\"ok\",\"s\"],"
                           "\"prediction_column\":\"p\",\"label_column\":\"y\"}");
    json_object_object_add(body, "data", data);
    struct cs_arena *a = cs_arena_new(0);
    json_object *out = NULL, *f;
    const char *why = NULL;
    REQUIRE(cs_fair_report(body, a, &out, &why) == CS_OK);
    json_object *fs;
    REQUIRE(json_object_object_get_ex(out, "detailed_findings", &fs) &&
            json_object_array_length(fs) == 3);
    /* resolved: A 4/6, B 3/6 -> difference 1/6, ratio 0.75, fails four-fifths. */
    f = json_object_array_get_idx(fs, 0);
    CHECK_STR(cs_json_get_str(f, "metric"), "selection_rate");
    CHECK_NEAR(cs_json_get_double(f, "demographic_parity_difference", -1), 0.1667, 1e-9);
    CHECK_NEAR(cs_json_get_double(f, "demographic_parity_ratio", -1), 0.75, 1e-9);
    CHECK_STR(cs_json_get_str(f, "four_fifths_rule"), "fail");
    CHECK_STR(cs_json_get_str(f, "concern_level"), "high");
    json_object *d, *c;
    REQUIRE(json_object_object_get_ex(f, "disparities", &d) &&
            json_object_object_get_ex(d, "C", &c));
    CHECK_STR(cs_json_get_str(c, "status"), "insufficient_sample");
    CHECK_INT((int)cs_json_get_int(c, "sample_size", -1), 2);
    CHECK(!json_object_object_get_ex(c, "rate", NULL));
    /* satisfaction means: A 24/6 = 4.0, B 18/6 = 3.0. */
    f = json_object_array_get_idx(fs, 1);
    CHECK_STR(cs_json_get_str(f, "metric"), "mean");
    REQUIRE(json_object_object_get_ex(f, "disparities", &d) &&
            json_object_object_get_ex(d, "A", &c));
    CHECK_NEAR(cs_json_get_double(c, "average", -1), 4.0, 1e-9);
    CHECK_NEAR(cs_json_get_double(f, "demographic_parity_difference", -1), 1.0, 1e-9);
    CHECK_NEAR(cs_json_get_double(f, "disparity_score", -1), 0.25, 1e-9);
    /* prediction vs label: A TPR 2/3 FPR 1/3, B TPR 1/3 FPR 0 -> EO difference 1/3;
     * selection rates A 3/6, B 1/6 -> ratio 1/3. */
    f = json_object_array_get_idx(fs, 2);
    CHECK_NEAR(cs_json_get_double(f, "equalized_odds_difference", -1), 0.3333, 1e-9);
    CHECK_NEAR(cs_json_get_double(f, "demographic_parity_ratio", -1), 0.3333, 1e-9);
    /* fairness_score = 1 - mean(0.25, 0.25, 2/3) = 0.6111 */
    CHECK_NEAR(cs_json_get_double(out, "fairness_score", -1), 0.6111, 1e-9);
    json_object *recs;
    REQUIRE(json_object_object_get_ex(out, "recommendations", &recs));
    CHECK_STR(json_object_get_string(json_object_array_get_idx(recs, 0)),
              "Review ok for g 'B' (0.5, n=6) against 'A' (0.667, n=6): ratio 0.75, fails the "
              "four-fifths rule");
    CHECK_STR(json_object_get_string(json_object_array_get_idx(recs, 1)),
              "Collect more data for g 'C': fewer than 5 samples, not scored for ok");
    /* Half a prediction/label pair is refused. */
    json_object_object_del(body, "label_column");
    CHECK_INT(cs_fair_report(body, a, &out, &why), CS_ERR_VALIDATION);
    json_object_put(body);
    cs_arena_destroy(a);
}

static void test_formatters(void)
{
    char t[32];
    cs_insights_duration_text(2100, t, sizeof(t));
    CHECK_STR(t, "35 minutes");
    cs_insights_duration_text(60, t, sizeof(t));
    CHECK_STR(t, "1 minute");
    cs_insights_duration_text(5340, t, sizeof(t));
    CHECK_STR(t, "89 minutes");
    cs_insights_duration_text(5400, t, sizeof(t));
    CHECK_STR(t, "1.5 hours");
    cs_insights_duration_text(15120, t, sizeof(t));
    CHECK_STR(t, "4.2 hours");
    cs_insights_duration_text(216000, t, sizeof(t));
    CHECK_STR(t, "2.5 days");
    double v[4] = {3, 1, 2, 0};
    CHECK_NEAR(cs_insights_median(v, 3), 2, 0);
    double w[4] = {4, 1, 3, 2};
    CHECK_NEAR(cs_insights_median(w, 4), 2.5, 0);
    CHECK(isnan(cs_insights_median(w, 0)));
    char id[CS_INSIGHTS_CUSTOMER_ID_MAX], id2[CS_INSIGHTS_CUSTOMER_ID_MAX];
    cs_insights_customer_id("John@Example.com", id, sizeof(id));
    cs_insights_customer_id("john@example.com", id2, sizeof(id2));
    CHECK_STR(id, id2);
    CHECK_INT((int)strlen(id), 21);
    CHECK(strstr(id, "john") == NULL);
    CHECK_STR(cs_insights_priority_word("P1"), "high");
    CHECK_STR(cs_insights_priority_word("P3"), "low");
    CHECK(!cs_insights_priority_valid("P1") && cs_insights_priority_valid("urgent"));
    CHECK_NEAR(cs_insights_resolution_prior("high"), 14400, 0);
}

int main(void)
{
    temp_db_init(&db, "insights");
    TEST_RUN(test_lifecycle_durations_from_events);
    TEST_RUN(test_lifecycle_refusals_leave_the_ticket_unchanged);
    TEST_RUN(test_event_log_is_capped);
    TEST_RUN(test_figures_in_the_store);
    TEST_RUN(test_coaching_tip_templates);
    TEST_RUN(test_fairness_hand_computed);
    TEST_RUN(test_fairness_report_hand_computed);
    TEST_RUN(test_formatters);
    return test_done();
}
