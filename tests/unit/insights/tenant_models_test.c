/* cs/tenant_models.h and cs/insights_fit.h: the business-hours SLA clock against
 * hand-counted calendars (weekends, holidays, overnight), configuration validation,
 * per-tenant fits on a synthetic history (threshold, held-out metrics, exact
 * explanations), stored fits read back as outside input, and the once-per-ticket
 * alerts through the outbox. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/insights.h"
#include "cs/insights_fit.h"
#include "cs/notify.h"
#include "cs/json.h"
#include "cs/sentiment.h"
#include "cs/store.h"
#include "cs/tenant_models.h"
#include "cs/tz.h"

#define S 1000LL
#define H (3600 * S)

static struct temp_db db;
static struct cs_store *st;
static struct cs_arena *ar;

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    if (cs_time_parse_iso(iso, &ms)) return -1;
    return ms;
}

static struct cs_tz *berlin, *new_york;

/* Hours (and holidays) from a configuration body, on the zone's wall clock. */
static int hours(const char *json, const struct cs_tz *tz, struct cs_business_hours *bh)
{
    json_object *c = json_tokener_parse(json);
    const char *field = NULL, *why = NULL;
    int rc = cs_bh_read(c, bh, &field, &why);
    json_object_put(c);
    bh->tz = tz;
    return rc;
}

/* Mon-Fri 09:00-17:00 in Berlin (UTC+01:00 in December), Christmas Day (a Friday in
 * 2026) closed. */
static int office(struct cs_business_hours *bh)
{
    return hours("{\"business_hours\":{\"days\":[\"mon\",\"tue\","
                 "\"wed\",\"thu\",\"fri\"],\"open\":\"09:00\",\"close\":\"17:00\"},"
                 "\"holidays\":[\"2026-12-25\"]}",
                 berlin, bh);
}

static void test_clock_weekend_holiday_overnight(void)
{
    struct cs_business_hours bh;
    REQUIRE(office(&bh) == CS_OK);
    /* Friday 16:00 local (15:00Z) to Monday 10:00 local: 1 h + 1 h. */
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-12-04T15:00:00Z"), at("2026-12-07T09:00:00Z")), 7200,
               1e-9);
    /* Overnight: Tuesday 16:30 to Wednesday 09:30 local is 30 + 30 minutes. */
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-12-08T15:30:00Z"), at("2026-12-09T08:30:00Z")), 3600,
               1e-9);
    /* Thursday 24th 16:00 to Monday 28th 10:00: Thursday 1 h, Christmas, the weekend, Monday 1 h. */
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-12-24T15:00:00Z"), at("2026-12-28T09:00:00Z")), 7200,
               1e-9);
    /* Inside one day, and the empty and reversed spans. */
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-12-08T09:00:00Z"), at("2026-12-08T10:30:00Z")), 5400,
               1e-9);
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-12-12T10:00:00Z"), at("2026-12-13T20:00:00Z")), 0,
               1e-9); /* Sat-Sun */
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-12-09T10:00:00Z"), at("2026-12-08T10:00:00Z")), 0, 1e-9);
    /* A whole week: five days of eight hours. */
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-11-30T00:00:00Z"), at("2026-12-07T00:00:00Z")),
               5 * 8 * 3600.0, 1e-9);
    /* Due times: Friday 16:00 local + 4 h = Monday 12:00 local; Christmas Eve 16:00 + 8 h
     * = Monday 28th 16:00 local; a ticket opened at night starts counting at 09:00. */
    CHECK_INT(cs_bh_due(&bh, at("2026-12-04T15:00:00Z"), 4 * 3600.0), at("2026-12-07T11:00:00Z"));
    CHECK_INT(cs_bh_due(&bh, at("2026-12-24T15:00:00Z"), 8 * 3600.0), at("2026-12-28T15:00:00Z"));
    CHECK_INT(cs_bh_due(&bh, at("2026-12-08T22:00:00Z"), 3600.0), at("2026-12-09T09:00:00Z"));
    /* Exactly at closing: the next opening. */
    CHECK_INT(cs_bh_due(&bh, at("2026-12-08T08:00:00Z"), 8 * 3600.0), at("2026-12-08T16:00:00Z"));
    CHECK(!cs_bh_open_at(&bh, at("2026-12-12T10:00:00Z"))); /* Saturday */
    CHECK(!cs_bh_open_at(&bh, at("2026-12-25T10:00:00Z"))); /* Christmas */
    CHECK(cs_bh_open_at(&bh, at("2026-12-24T08:00:00Z")));  /* 09:00 local */
    CHECK(!cs_bh_open_at(&bh, at("2026-12-24T16:00:00Z"))); /* 17:00 local: closed */
    /* West of UTC: Monday 08:30 in New York (UTC-05:00 in December) is before opening. */
    REQUIRE(
        hours("{\"business_hours\":{\"days\":[\"mon\"],\"open\":\"09:00\",\"close\":\"10:00\"}}",
              new_york, &bh) == CS_OK);
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-12-07T13:30:00Z"), at("2026-12-07T23:00:00Z")), 3600,
               1e-9);
    CHECK_INT(cs_bh_due(&bh, at("2026-12-07T15:30:00Z"), 1800), at("2026-12-14T14:30:00Z"));
}

/* The wall clock follows daylight saving: a window that holds a DST change is an hour
 * shorter (spring) or longer (autumn), due times across a change land on the local
 * hour, and holidays are local dates (hand-counted from the zones' 2026 rules: Berlin
 * 29 March and 25 October, New York 8 March and 1 November). */
static void test_clock_dst(void)
{
    struct cs_business_hours bh;
    /* Every day 01:00-04:00 local: 3 h, but 2 h on 29 March and 4 h on 25 October. */
    const char *night = "{\"business_hours\":{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\","
                        "\"fri\",\"sat\",\"sun\"],\"open\":\"01:00\",\"close\":\"04:00\"}}";
    REQUIRE(hours(night, berlin, &bh) == CS_OK);
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-03-28T12:00:00Z"), at("2026-03-29T12:00:00Z")), 7200,
               1e-9);
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-03-29T12:00:00Z"), at("2026-03-30T12:00:00Z")), 10800,
               1e-9);
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-10-24T12:00:00Z"), at("2026-10-25T12:00:00Z")), 14400,
               1e-9);
    /* 29 March opens at 01:00 CET (00:00Z) and closes at 04:00 CEST (02:00Z). */
    CHECK(cs_bh_open_at(&bh, at("2026-03-29T01:59:59Z")));
    CHECK(!cs_bh_open_at(&bh, at("2026-03-29T02:00:00Z")));
    CHECK_INT(cs_bh_due(&bh, at("2026-03-29T00:00:00Z"), 7200), at("2026-03-29T02:00:00Z"));
    /* Office hours across the spring change: Friday 16:00 CET + 4 h = Monday 12:00 CEST,
     * 10:00Z (a fixed +01:00 would say 11:00Z). */
    REQUIRE(office(&bh) == CS_OK);
    CHECK_INT(cs_bh_due(&bh, at("2026-03-27T15:00:00Z"), 4 * 3600.0), at("2026-03-30T10:00:00Z"));
    CHECK(cs_bh_open_at(&bh, at("2026-03-30T07:00:00Z")));  /* 09:00 CEST */
    CHECK(!cs_bh_open_at(&bh, at("2026-03-30T06:59:59Z"))); /* 08:59 CEST */
    /* And back in autumn: Friday 23 October 16:00 CEST + 4 h = Monday 12:00 CET, 11:00Z. */
    CHECK_INT(cs_bh_due(&bh, at("2026-10-23T14:00:00Z"), 4 * 3600.0), at("2026-10-26T11:00:00Z"));
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-10-19T00:00:00Z"), at("2026-10-31T00:00:00Z")),
               10 * 8 * 3600.0, 1e-9);

    /* New York, every day 00:00-05:00: 4 h on 8 March, 6 h on 1 November. */
    const char *early = "{\"business_hours\":{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\","
                        "\"fri\",\"sat\",\"sun\"],\"open\":\"00:00\",\"close\":\"05:00\"}}";
    REQUIRE(hours(early, new_york, &bh) == CS_OK);
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-03-08T04:00:00Z"), at("2026-03-08T20:00:00Z")),
               4 * 3600.0, 1e-9);
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-11-01T03:00:00Z"), at("2026-11-01T20:00:00Z")),
               6 * 3600.0, 1e-9);
    /* Mon-Fri 09:00-17:00: Friday 6 March 16:00 EST + 2 h = Monday 10:00 EDT, 14:00Z. */
    REQUIRE(hours("{\"business_hours\":{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"],"
                  "\"open\":\"09:00\",\"close\":\"17:00\"},\"holidays\":[\"2026-11-26\"]}",
                  new_york, &bh) == CS_OK);
    CHECK_INT(cs_bh_due(&bh, at("2026-03-06T21:00:00Z"), 2 * 3600.0), at("2026-03-09T14:00:00Z"));
    /* Thanksgiving (26 November, a local date) is closed: Wednesday 16:00 EST + 2 h is
     * Friday 10:00 EST, 15:00Z. */
    CHECK_INT(cs_bh_due(&bh, at("2026-11-25T21:00:00Z"), 2 * 3600.0), at("2026-11-27T15:00:00Z"));
    CHECK(!cs_bh_open_at(&bh, at("2026-11-26T15:00:00Z")));
    CHECK(cs_bh_open_at(&bh, at("2026-11-27T14:00:00Z")));
}

static void test_clock_default_is_24x7(void)
{
    struct cs_business_hours bh;
    json_object *c = json_tokener_parse("{}");
    const char *field = NULL, *why = NULL;
    REQUIRE(cs_bh_read(c, &bh, &field, &why) == CS_OK);
    json_object_put(c);
    CHECK(bh.always);
    CHECK_NEAR(cs_bh_seconds(&bh, at("2026-12-12T10:00:00Z"), at("2026-12-13T10:00:00Z")), 86400,
               1e-9);
    CHECK_INT(cs_bh_due(&bh, at("2026-12-12T10:00:00Z"), 7200), at("2026-12-12T12:00:00Z"));
}

static void expect_bad(const char *json, const char *want_field)
{
    json_object *c = json_tokener_parse(json);
    struct cs_insights_cfg cfg;
    const char *field = NULL, *why = NULL;
    CHECK_INT(cs_insights_cfg_read(c, &cfg, &field, &why), CS_ERR_VALIDATION);
    CHECK_STR(field, want_field);
    CHECK(why != NULL);
    json_object_put(c);
}

/* A configuration saved with the former fixed offset keeps its clock: the offset's Etc
 * zone (POSIX signs), unless a time_zone is given beside it. */
static void test_config_legacy_offset(void)
{
    static const struct {
        const char *json, *zone;
    } cases[] = {
        {"{\"business_hours\":{\"utc_offset\":\"+01:00\",\"days\":[\"mon\"],\"open\":\"09:00\","
         "\"close\":\"17:00\"}}",
         "Etc/GMT-1"},
        {"{\"business_hours\":{\"utc_offset\":\"-05:00\",\"days\":[\"mon\"],\"open\":\"09:00\","
         "\"close\":\"17:00\"}}",
         "Etc/GMT+5"},
        {"{\"business_hours\":{\"utc_offset\":\"Z\",\"days\":[\"mon\"],\"open\":\"09:00\","
         "\"close\":\"17:00\"}}",
         "UTC"},
        {"{\"time_zone\":\"Europe/Berlin\",\"business_hours\":{\"utc_offset\":\"+05:00\","
         "\"days\":[\"mon\"],\"open\":\"09:00\",\"close\":\"17:00\"}}",
         "Europe/Berlin"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_object *c = json_tokener_parse(cases[i].json);
        struct cs_insights_cfg cfg;
        const char *field = NULL, *why = NULL;
        CHECK_INT(cs_insights_cfg_read(c, &cfg, &field, &why), CS_OK);
        CHECK_STR(cfg.time_zone, cases[i].zone);
        CHECK_INT(cfg.bh.open_min, 9 * 60);
        json_object_put(c);
    }
}

static void test_config_validation(void)
{
    expect_bad("{\"business_hours\":{\"days\":[\"mon\"],\"open\":\"17:00\",\"close\":\"09:00\"}}",
               "business_hours.close");
    expect_bad(
        "{\"business_hours\":{\"days\":[\"mon\",\"mon\"],\"open\":\"09:00\",\"close\":\"17:00\"}}",
        "business_hours.days");
    expect_bad(
        "{\"business_hours\":{\"days\":[\"monday\"],\"open\":\"09:00\",\"close\":\"17:00\"}}",
        "business_hours.days");
    expect_bad("{\"business_hours\":{\"days\":[],\"open\":\"09:00\",\"close\":\"17:00\"}}",
               "business_hours.days");
    /* The fixed offset is gone: the tenant's IANA zone is the clock's. A saved whole-hour
     * offset still reads (legacy_zone); one no Etc zone names is refused. */
    expect_bad("{\"business_hours\":{\"utc_offset\":\"+05:30\",\"days\":[\"mon\"],\"open\":\"09:"
               "00\",\"close\":\"17:00\"}}",
               "business_hours.utc_offset");
    expect_bad("{\"time_zone\":\"Mars/Olympus\"}", "time_zone");
    expect_bad("{\"time_zone\":\"../etc/passwd\"}", "time_zone");
    expect_bad("{\"time_zone\":5}", "time_zone");
    expect_bad("{\"business_hours\":{\"days\":[\"mon\"],\"open\":\"9:00\",\"close\":\"17:00\"}}",
               "business_hours.open");
    expect_bad(
        "{\"business_hours\":{\"days\":[\"mon\"],\"open\":\"09:00\",\"close\":\"17:00\",\"tz\":1}}",
        "business_hours");
    expect_bad("{\"business_hours\":\"9-5\"}", "business_hours");
    expect_bad("{\"holidays\":[\"2026-13-01\"]}", "holidays");
    expect_bad("{\"holidays\":\"2026-12-25\"}", "holidays");
    expect_bad("{\"thresholds\":{\"churn\":0}}", "thresholds.churn");
    expect_bad("{\"thresholds\":{\"sla_breach\":1.5}}", "thresholds.sla_breach");
    expect_bad("{\"thresholds\":{\"sla_breach\":\"high\"}}", "thresholds.sla_breach");
    expect_bad("{\"colour\":\"red\"}", "body");
    json_object *c = json_tokener_parse(
        "{\"thresholds\":{\"churn\":0.5},\"holidays\":[\"2026-12-25\",\"2026-01-01\"]}");
    struct cs_insights_cfg cfg;
    const char *field = NULL, *why = NULL;
    CHECK_INT(cs_insights_cfg_read(c, &cfg, &field, &why), CS_OK);
    CHECK_NEAR(cfg.churn_threshold, 0.5, 1e-12);
    CHECK_NEAR(cfg.sla_threshold, CS_TM_DEFAULT_THRESHOLD, 1e-12);
    CHECK_INT((int)cfg.bh.nholidays, 2);
    CHECK(cfg.bh.holidays[0] < cfg.bh.holidays[1]); /* sorted for the lookup */
    CHECK_STR(cfg.time_zone, "");
    json_object_put(c);
    c = json_tokener_parse("{\"time_zone\":\"America/New_York\"}");
    CHECK_INT(cs_insights_cfg_read(c, &cfg, &field, &why), CS_OK);
    CHECK_STR(cfg.time_zone, "America/New_York");
    CHECK(cfg.bh.always && cfg.bh.tz == NULL);
    json_object_put(c);
}

/* ---- a synthetic history ---- */

static unsigned long long rng = 7;
static double unif(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static int apply(json_object *d, const char *json, int64_t when)
{
    json_object *b = json_tokener_parse(json);
    struct cs_ticket_change c;
    const char *field = NULL, *why = NULL;
    int rc = cs_ticket_change_read(b, when + 60 * S, &c, &field, &why);
    if (!rc) c.at_ms = when;
    if (!rc) rc = cs_ticket_apply(d, &c, &why);
    json_object_put(b);
    return rc;
}

#define NOW 1790000000000LL

/* One ticket: angry customers escalate, rate low and leave more often; cancellation
 * topics churn; urgent tickets of angry customers take long. */
static int add_ticket(const char *tenant, int i)
{
    char id[32], cust[32];
    snprintf(id, sizeof(id), "T-%d", i);
    snprintf(cust, sizeof(cust), "C-%d", i % 211);
    static const char *const cats[] = {"Billing", "Technical Support", "Cancellation", "Shipping"};
    static const char *const prios[] = {"low", "medium", "high", "urgent"};
    double u = unif();
    int tone = u < 0.5 ? 0 : u < 0.8 ? 1 : 2; /* polite, frustrated, angry */
    int prio = (int)(unif() * 4), cat = (int)(unif() * 4);
    static const double score[] = {0.85, 0.35, 0.08};
    static const int level[] = {1, 3, 5};
    int64_t opened = NOW - (int64_t)(i + 1) * 3 * H;
    struct cs_ticket_open o = {.ticket_id = id,
                               .customer_id = cust,
                               .category = cats[cat],
                               .priority = prios[prio],
                               .sentiment = "neutral",
                               .sentiment_score = score[tone],
                               .sentiment_level = level[tone],
                               .source = "test",
                               .opened_ms = opened};
    json_object *d = cs_ticket_doc_new(&o);
    if (!d) return CS_ERR_NOMEM;
    int rc = apply(d, "{\"agent_replied\":true}", opened + 10 * 60 * S);
    static const double esc_p[] = {0.05, 0.3, 0.7};
    if (!rc && unif() < esc_p[tone]) rc = apply(d, "{\"escalated\":true}", opened + 20 * 60 * S);
    static const double base_h[] = {40, 14, 5, 2};
    double hours = base_h[prio] * (tone == 2 ? 3.0 : 1.0) * (0.5 + unif());
    int64_t solved = opened + (int64_t)(hours * H);
    if (!rc) rc = apply(d, "{\"status\":\"solved\"}", solved);
    int csat = tone == 2 ? 1 + (unif() < 0.3) : tone == 1 ? 3 : 4 + (unif() < 0.6);
    char b[64];
    snprintf(b, sizeof(b), "{\"csat_rating\":%d}", csat);
    if (!rc) rc = apply(d, b, solved + 60 * S);
    double churn_p = (cat == 2 ? 0.6 : 0.05) + (csat <= 2 ? 0.3 : 0);
    if (!rc && unif() < churn_p) rc = apply(d, "{\"churned\":true}", solved + 120 * S);
    if (!rc) rc = cs_store_insert(st, ar, tenant, CS_INSIGHTS_TICKETS, id, d, NULL, NOW, NULL);
    json_object_put(d);
    return rc;
}

static bool identity_holds(const struct cs_tm_pred *p)
{
    double sum = p->ex.base + p->ex.other;
    for (uint32_t i = 0; i < p->ex.n; i++) sum += p->ex.item[i].contribution;
    return fabs(sum - p->ex.logit) < 1e-3;
}

static void test_fit_tenant_and_thin_tenant(void)
{
    for (int i = 0; i < 300; i++) REQUIRE(add_ticket("rich", i) == CS_OK);
    for (int i = 0; i < 30; i++) REQUIRE(add_ticket("thin", i) == CS_OK);
    struct cs_tm_fit_report rep;
    REQUIRE(cs_tm_fit_tenant(st, ar, "rich", NOW, &rep) == CS_OK);
    CHECK_INT((int)rep.tickets, 300);
    for (int k = 0; k < CS_TM_N; k++) {
        CHECK(rep.fitted[k]);
        CHECK_INT((int)rep.examples[k], 300); /* every ticket is resolved: every outcome known */
    }
    struct cs_tm_model m;
    REQUIRE(cs_tm_load(st, ar, "rich", CS_TM_CHURN, &m, NULL) == CS_OK);
    CHECK_STR(m.source, "tenant");
    CHECK_INT((int)m.n_examples, 300);
    /* The signal is strong and the held-out rows never fitted: a real AUC. */
    double auc = cs_json_get_double(m.metrics, "auc", 0);
    CHECK(auc > 0.75 && auc <= 1.0);
    CHECK(cs_json_get_int(m.metrics, "holdout_examples", 0) > 30);
    struct cs_tm_facts risky = {.esc = {.sentiment_score = 0.08f, .sentiment_level = 5},
                                .priority = "urgent",
                                .category = "Cancellation",
                                .csat = 1},
                       calm = {.esc = {.sentiment_score = 0.85f, .sentiment_level = 1},
                               .priority = "low",
                               .category = "Billing",
                               .csat = 5};
    struct cs_tm_pred pr, pc;
    REQUIRE(cs_tm_predict(&m, &risky, &pr) == CS_OK && cs_tm_predict(&m, &calm, &pc) == CS_OK);
    CHECK(pr.value > 0.6 && pc.value < 0.2);
    CHECK(identity_holds(&pr) && identity_holds(&pc));
    /* SLA and escalation learnt their signal too; resolution beats the median baseline. */
    REQUIRE(cs_tm_load(st, ar, "rich", CS_TM_SLA, &m, NULL) == CS_OK);
    CHECK(cs_json_get_double(m.metrics, "auc", 0) > 0.75);
    REQUIRE(cs_tm_load(st, ar, "rich", CS_TM_ESCALATION, &m, NULL) == CS_OK);
    CHECK(cs_json_get_double(m.metrics, "auc", 0) > 0.7);
    REQUIRE(cs_tm_load(st, ar, "rich", CS_TM_RESOLUTION, &m, NULL) == CS_OK);
    CHECK(cs_json_get_double(m.metrics, "mae_seconds", 1e18) <
          cs_json_get_double(m.metrics, "median_baseline_mae_seconds", 0));
    REQUIRE(cs_tm_predict(&m, &risky, &pr) == CS_OK && cs_tm_predict(&m, &calm, &pc) == CS_OK);
    CHECK(pr.value < pc.value); /* urgent is faster than low, even angry */
    CHECK(identity_holds(&pr));

    /* 30 tickets are too few: stored as insufficient, and nothing loads. */
    REQUIRE(cs_tm_fit_tenant(st, ar, "thin", NOW, &rep) == CS_OK);
    json_object *status = NULL;
    for (int k = 0; k < CS_TM_N; k++) {
        CHECK(!rep.fitted[k]);
        CHECK_INT(cs_tm_load(st, ar, "thin", (enum cs_tm_kind)k, &m, &status), CS_ERR_NOT_FOUND);
        REQUIRE(status != NULL);
        CHECK_STR(cs_json_get_str(status, "status"), "insufficient");
        CHECK_INT((int)cs_json_get_int(status, "n_examples", 0), 30);
    }
    /* A tenant's fit is its own. */
    CHECK_INT(cs_tm_load(st, ar, "nobody", CS_TM_CHURN, &m, NULL), CS_ERR_NOT_FOUND);
}

static void test_churn_prior_exact(void)
{
    struct cs_tm_model m;
    REQUIRE(cs_tm_churn_prior(ar, &m) == CS_OK);
    CHECK_STR(m.source, "prior");
    /* Documented weights: -3.5 + 1.5 x (1 - 0.5) + 1.5 (low CSAT) + 2.0 (cancellation) = 0.75. */
    struct cs_tm_facts f = {.esc = {.sentiment_score = 0.5f, .sentiment_level = 2},
                            .category = "Cancellation",
                            .csat = 1};
    struct cs_tm_pred p;
    REQUIRE(cs_tm_predict(&m, &f, &p) == CS_OK);
    CHECK_NEAR(p.value, 1.0 / (1.0 + exp(-0.75)), 1e-5);
    CHECK_NEAR(p.ex.logit - p.ex.base, 0.75 + 3.5, 1e-5); /* the "no" logit is 0 */
    CHECK(identity_holds(&p));
}

/* Replaces a stored fit's body. */
static void put_body(const char *tenant, const char *id, json_object *body)
{
    struct cs_doc d;
    REQUIRE(cs_store_get(st, ar, tenant, CS_TM_COLL, id, &d) == CS_OK);
    REQUIRE(cs_store_update(st, ar, tenant, CS_TM_COLL, id, d.version, body, NULL, NOW, NULL) ==
            CS_OK);
}

static void test_stored_fit_checked_on_read(void)
{
    struct cs_doc good;
    REQUIRE(cs_store_get(st, ar, "rich", CS_TM_COLL, "churn", &good) == CS_OK);
    json_object *copy = NULL;
    REQUIRE(json_object_deep_copy(good.body, &copy, NULL) == 0);
    struct cs_tm_model m;
    /* Corrupt bytes (valid base64), an SLA model stored as churn, and a bad field. */
    json_object *b = json_tokener_parse(
        "{\"status\":\"fitted\",\"model\":\"Q1NNT0RFTAAAAAAAAAAAAAAA\",\"metrics\":{},"
        "\"fitted_ms\":1,\"n_examples\":300}");
    put_body("rich", "churn", b);
    CHECK_INT(cs_tm_load(st, ar, "rich", CS_TM_CHURN, &m, NULL), CS_ERR_FORMAT);
    json_object_put(b);
    struct cs_doc sla;
    REQUIRE(cs_store_get(st, ar, "rich", CS_TM_COLL, "sla_breach", &sla) == CS_OK);
    put_body("rich", "churn", sla.body);
    CHECK_INT(cs_tm_load(st, ar, "rich", CS_TM_CHURN, &m, NULL), CS_ERR_FORMAT);
    json_object *bad = NULL;
    REQUIRE(json_object_deep_copy(copy, &bad, NULL) == 0);
    json_object_object_add(bad, "model", json_object_new_string("not base64 at all!"));
    put_body("rich", "churn", bad);
    CHECK_INT(cs_tm_load(st, ar, "rich", CS_TM_CHURN, &m, NULL), CS_ERR_FORMAT);
    json_object_put(bad);
    bad = NULL;
    REQUIRE(json_object_deep_copy(copy, &bad, NULL) == 0);
    json_object_object_add(bad, "n_examples", json_object_new_int(3));
    put_body("rich", "churn", bad);
    CHECK_INT(cs_tm_load(st, ar, "rich", CS_TM_CHURN, &m, NULL), CS_ERR_FORMAT);
    json_object_put(bad);
    put_body("rich", "churn", copy);
    CHECK_INT(cs_tm_load(st, ar, "rich", CS_TM_CHURN, &m, NULL), CS_OK);
    json_object_put(copy);
}

static void test_alerts_fire_once_per_ticket(void)
{
    /* A subscriber for both events, low thresholds. */
    json_object *hook =
        json_tokener_parse("{\"url\":\"https://example.com/h\",\"events\":[\"sla.breach_risk\","
                           "\"churn.detected\"],\"active\":true}");
    REQUIRE(cs_store_insert(st, ar, "rich", CS_WEBHOOKS_COLL, "wh_1", hook, NULL, NOW, NULL) ==
            CS_OK);
    json_object_put(hook);
    json_object *cfg = json_tokener_parse("{\"thresholds\":{\"churn\":0.5,\"sla_breach\":0.3}}");
    REQUIRE(cs_store_insert(st, ar, "rich", CS_TM_CFG_COLL, CS_TM_CFG_ID, cfg, NULL, NOW, NULL) ==
            CS_OK);
    json_object_put(cfg);
    /* An open, urgent, angry cancellation ticket. */
    struct cs_ticket_open o = {.ticket_id = "T-NEW",
                               .customer_id = "C-NEW",
                               .category = "Cancellation",
                               .priority = "urgent",
                               .sentiment = "angry",
                               .sentiment_score = 0.08,
                               .sentiment_level = 5,
                               .source = "test",
                               .opened_ms = NOW - 60 * S};
    struct cs_ticket_change c = {.csat = 1, .at_ms = NOW};
    const char *why = NULL;
    json_object *doc = NULL;
    int64_t open0 = 0, done, dead;
    /* Counted on the subscription's topic: each event is also a real-time event (topic
     * "_events", cs/events.h), which is not a delivery. The arrival may already fire
     * one or both; arrival and rating together fire each exactly once. */
    REQUIRE(cs_store_outbox_stats(st, "rich", "wh_1", &open0, &done, &dead) == CS_OK);
    REQUIRE(cs_insights_ticket_open(st, ar, "rich", &o, NOW) == CS_OK);
    REQUIRE(cs_insights_ticket_change(st, ar, "rich", "T-NEW", &c, NOW, &doc, &why) == CS_OK);
    int64_t open1 = 0;
    REQUIRE(cs_store_outbox_stats(st, "rich", "wh_1", &open1, &done, &dead) == CS_OK);
    CHECK_INT((int)(open1 - open0), 2);
    json_object *al = NULL;
    CHECK(json_object_object_get_ex(doc, "alerts", &al));
    CHECK(json_object_object_get_ex(al, "churn_ms", NULL) &&
          json_object_object_get_ex(al, "sla_breach_ms", NULL));
    /* A second update: nothing more. */
    struct cs_ticket_change c2 = {.agent_replied = true, .at_ms = NOW + S};
    REQUIRE(cs_insights_ticket_change(st, ar, "rich", "T-NEW", &c2, NOW + S, &doc, &why) == CS_OK);
    int64_t open2 = 0;
    REQUIRE(cs_store_outbox_stats(st, "rich", "wh_1", &open2, &done, &dead) == CS_OK);
    CHECK_INT((int)(open2 - open1), 0);
    /* The thin tenant answers from priors, which never fire. */
    hook = json_tokener_parse(
        "{\"url\":\"https://example.com/h\",\"events\":[\"*\"],\"active\":true}");
    REQUIRE(cs_store_insert(st, ar, "thin", CS_WEBHOOKS_COLL, "wh_2", hook, NULL, NOW, NULL) ==
            CS_OK);
    json_object_put(hook);
    o.ticket_id = "T-THIN";
    REQUIRE(cs_insights_ticket_open(st, ar, "thin", &o, NOW) == CS_OK);
    REQUIRE(cs_insights_ticket_change(st, ar, "thin", "T-THIN", &c, NOW, &doc, &why) == CS_OK);
    /* Only the arrival's sentiment.alert (an IRATE ticket): no model alert. */
    REQUIRE(cs_store_outbox_stats(st, "thin", "wh_2", &open2, &done, &dead) == CS_OK);
    CHECK_INT((int)open2, 1);
    CHECK(json_object_object_get_ex(doc, "alerts", &al));
    CHECK(json_object_object_get_ex(al, "sentiment_ms", NULL));
    CHECK(!json_object_object_get_ex(al, "churn_ms", NULL) &&
          !json_object_object_get_ex(al, "sla_breach_ms", NULL));
}

static int64_t topic_open(const char *tenant, const char *topic)
{
    int64_t open = -1, done, dead;
    if (cs_store_outbox_stats(st, tenant, topic, &open, &done, &dead)) return -1;
    return open;
}

/* A ticket that arrives (any source) fires its alerts in the write that stores it: all
 * three for an open angry ticket when the thresholds are low, once, also when the same
 * ticket arrives again; a ticket that arrives already solved fires only churn; a calm
 * one under high thresholds nothing. */
static void test_alerts_on_arrival(void)
{
    json_object *hook = json_tokener_parse(
        "{\"url\":\"https://example.com/a\",\"events\":[\"sla.breach_risk\",\"churn.detected\","
        "\"sentiment.alert\"],\"active\":true}");
    REQUIRE(cs_store_insert(st, ar, "rich", CS_WEBHOOKS_COLL, "wh_arr", hook, NULL, NOW, NULL) ==
            CS_OK);
    json_object_put(hook);
    json_object *cfg =
        json_tokener_parse("{\"thresholds\":{\"churn\":0.001,\"sla_breach\":0.001}}");
    REQUIRE(cs_store_put(st, ar, "rich", CS_TM_CFG_COLL, CS_TM_CFG_ID, cfg, NOW, NULL) == CS_OK);
    json_object_put(cfg);
    struct cs_ticket_open o = {.ticket_id = "T-ARR",
                               .customer_id = "C-ARR",
                               .category = "Cancellation",
                               .priority = "high",
                               .sentiment = "angry",
                               .sentiment_score = 0.1,
                               .sentiment_level = CS_SENT_ANGRY,
                               .source = "tickets_process",
                               .opened_ms = NOW};
    int64_t before = topic_open("rich", "wh_arr");
    REQUIRE(cs_insights_ticket_open(st, ar, "rich", &o, NOW) == CS_OK);
    CHECK_INT((int)(topic_open("rich", "wh_arr") - before), 3);
    struct cs_doc d;
    REQUIRE(cs_store_get(st, ar, "rich", CS_INSIGHTS_TICKETS, "T-ARR", &d) == CS_OK);
    json_object *al = NULL;
    CHECK(json_object_object_get_ex(d.body, "alerts", &al));
    CHECK_INT((int)json_object_object_length(al), 3);
    /* The same ticket again (re-processed, or the receiver's retry under a new id). */
    REQUIRE(cs_insights_ticket_open(st, ar, "rich", &o, NOW + S) == CS_OK);
    CHECK_INT((int)(topic_open("rich", "wh_arr") - before), 3);
    /* A historic ticket, solved before it arrives (an import): churn only. */
    o.ticket_id = "T-OLD";
    json_object *old = cs_ticket_doc_new(&o);
    REQUIRE(old != NULL && cs_json_own(ar, old) == CS_OK);
    struct cs_ticket_change solve = {.status = "solved", .at_ms = NOW + S};
    const char *why = NULL;
    REQUIRE(cs_ticket_apply(old, &solve, &why) == CS_OK);
    int fired = -1;
    REQUIRE(cs_tm_alerts_opened(st, ar, "rich", old, NOW + S, &fired) == CS_OK);
    CHECK_INT(fired, 1);
    CHECK(json_object_object_get_ex(old, "alerts", &al) &&
          json_object_object_get_ex(al, "churn_ms", NULL) && json_object_object_length(al) == 1);
    cs_store_unstage(st);
    /* A calm ticket under the highest thresholds: nothing. */
    cfg = json_tokener_parse("{\"thresholds\":{\"churn\":1,\"sla_breach\":1}}");
    REQUIRE(cs_store_put(st, ar, "rich", CS_TM_CFG_COLL, CS_TM_CFG_ID, cfg, NOW, NULL) == CS_OK);
    json_object_put(cfg);
    o = (struct cs_ticket_open){.ticket_id = "T-CALM",
                                .category = "Billing",
                                .priority = "low",
                                .sentiment = "positive",
                                .sentiment_score = 0.9,
                                .sentiment_level = CS_SENT_HAPPY,
                                .source = "import",
                                .opened_ms = NOW};
    before = topic_open("rich", "wh_arr");
    REQUIRE(cs_insights_ticket_open(st, ar, "rich", &o, NOW) == CS_OK);
    CHECK_INT((int)(topic_open("rich", "wh_arr") - before), 0);
}

int main(void)
{
    st = temp_db_create(&db, "tenant-models");
    ar = cs_arena_new(0);
    if (!st || !ar) {
        printf("tally: 0 passed, 1 failed, 0 skipped\n");
        return 1;
    }
    if (cs_tz_load("Europe/Berlin", &berlin) || cs_tz_load("America/New_York", &new_york)) {
        fprintf(stderr, "tzdata's Europe/Berlin and America/New_York are needed\n");
        return 1;
    }
    TEST_RUN(test_clock_weekend_holiday_overnight);
    TEST_RUN(test_clock_dst);
    TEST_RUN(test_clock_default_is_24x7);
    TEST_RUN(test_config_validation);
    TEST_RUN(test_config_legacy_offset);
    TEST_RUN(test_churn_prior_exact);
    TEST_RUN(test_fit_tenant_and_thin_tenant);
    TEST_RUN(test_stored_fit_checked_on_read);
    TEST_RUN(test_alerts_fire_once_per_ticket);
    TEST_RUN(test_alerts_on_arrival);
    cs_tz_free(berlin);
    cs_tz_free(new_york);
    cs_arena_destroy(ar);
    temp_db_close(&db, st);
    return test_done();
}
