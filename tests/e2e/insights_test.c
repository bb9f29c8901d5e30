/* Customer insights end to end (seed 000): a tenant of its own ("initech", key
 * CS_TEST_KEY_C) gets a realistic history of 300 tickets with outcomes, imported through
 * the API; every analytics figure the API returns is then compared with the same figure
 * computed here, from the fixture's own description of each ticket (never by replaying
 * the events through the product's code). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../support/e2e.h"
#include "cs/webhook.h"
#include "../support/test.h"

#define N_TICKETS 300
#define BATCH 100
#define N_AGENTS 5
#define N_CATS 4
#define MIN_SAMPLE 10   /* CS_INSIGHTS_MIN_SAMPLE */
#define MAX_WORKLOAD 15 /* CS_INSIGHTS_DEFAULT_MAX_WORKLOAD */

static char token_c[2048], token_a[2048];
static int have_c;
/* Whether the history is enough for the tenant's own fits (cs/tenant_models.h: 200
 * labelled examples, 20 of each class), which then answer instead of the shipped
 * escalation model and the medians; the refit worker serve runs makes them. */
static int fit_esc, fit_res, fit_sla;
static long long n_esc_labelled, n_resolved;

static const char *const agents[N_AGENTS] = {"AGT-001", "AGT-002", "AGT-003", "AGT-004", "AGT-005"};
static const char *const names[N_AGENTS] = {"Michael Chen", "Priya Nair", "Tom Okafor",
                                            "Lena Vogel", "Sara Lind"};
static const char *const cats[N_CATS] = {"Billing", "Technical Support", "Account", "Shipping"};
static const char *const prios[3] = {"low", "medium", "high"};
static const char *const messages[4] = {
    "I was charged twice for my subscription this month, please refund the second charge.",
    "The app crashes every time I open the settings page. This is really frustrating!",
    "I cannot log in to my account since the password reset, please help.",
    "My parcel has not arrived after two weeks and tracking shows nothing. Unacceptable.",
};

/* What the fixture says about each ticket: the truth the figures are checked against. */
struct fx {
    char id[32];
    int agent, cat, prio, msg;
    long long age_s; /* created this long before the test started */
    int replies, escalated, reopened, resolved, rating;
    long long first_reply, second_reply, escalated_at, solved_at, final_solve; /* offsets, s */
};

static struct fx T[N_TICKETS];
static long long now_s;

static unsigned long long rng_state = 42;
static unsigned rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(rng_state >> 33);
}

/* Ages stay 3 hours away from every period boundary (1, 7, 30, 90 days) so the
 * few seconds between this clock and the server's cannot move a ticket across one. */
static void make_fixture(void)
{
    for (int i = 0; i < N_TICKETS; i++) {
        struct fx *t = &T[i];
        memset(t, 0, sizeof(*t));
        snprintf(t->id, sizeof(t->id), "INIT-%04d", i);
        t->agent = (int)(rnd() % N_AGENTS);
        t->cat = (int)(rnd() % N_CATS);
        t->prio = (int)(rnd() % 3);
        t->msg = t->cat;
        t->age_s = (long long)(rnd() % 86) * 86400 + 3 * 3600 + (long long)(rnd() % (18 * 3600));
        t->first_reply = 600 + rnd() % 3000;
        t->replies = rnd() % 3 == 0 ? 2 : 1;
        t->second_reply = t->first_reply + 600;
        t->escalated = rnd() % 10 == 0;
        t->escalated_at = t->first_reply + 100;
        long long last = t->replies == 2 ? t->second_reply
                         : t->escalated  ? t->escalated_at
                                         : t->first_reply;
        t->resolved = rnd() % 5 != 0;
        t->solved_at = (t->agent + 1) * 1800LL + t->prio * 900LL + rnd() % 7200;
        if (t->solved_at <= last) t->solved_at = last + 60;
        t->reopened = t->resolved && rnd() % 20 == 0;
        t->final_solve = t->reopened ? t->solved_at + 7200 : t->solved_at;
        if (t->resolved && rnd() % 10 < 6) {
            t->rating = 5 - (int)(rnd() % (unsigned)(t->agent + 2)); /* later agents rate lower */
            if (t->rating < 1) t->rating = 1;
        }
        /* Nothing may happen after now: a young ticket that would be solved in the
         * future is still open. */
        if (t->final_solve + 600 > t->age_s - 120) t->resolved = t->reopened = t->rating = 0;
    }
}

static void add_event(json_object *evs, long long created, long long off, const char *k,
                      json_object *v, const char *k2, json_object *v2)
{
    char at[40];
    time_t tt = (time_t)(created + off);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object *e = json_object_new_object();
    json_object_object_add(e, k, v);
    if (k2) json_object_object_add(e, k2, v2);
    json_object_object_add(e, "at", json_object_new_string(at));
    json_object_array_add(evs, e);
}

static json_object *ticket_json(const struct fx *t)
{
    long long created = now_s - t->age_s;
    char at[40];
    time_t tt = (time_t)created;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object *o = json_object_new_object(), *evs = json_object_new_array();
    char cust[32];
    snprintf(cust, sizeof(cust), "CUST-%03d", (int)(t - T) % 120); /* some customers come back */
    json_object_object_add(o, "ticket_id", json_object_new_string(t->id));
    json_object_object_add(o, "subject", json_object_new_string(cats[t->cat]));
    json_object_object_add(o, "message", json_object_new_string(messages[t->msg]));
    json_object_object_add(o, "customer_id", json_object_new_string(cust));
    json_object_object_add(o, "created_at", json_object_new_string(at));
    json_object_object_add(o, "category", json_object_new_string(cats[t->cat]));
    json_object_object_add(o, "priority", json_object_new_string(prios[t->prio]));
    add_event(evs, created, 300, "assignee", json_object_new_string(agents[t->agent]),
              "assignee_name", json_object_new_string(names[t->agent]));
    add_event(evs, created, t->first_reply, "agent_replied", json_object_new_boolean(1), NULL,
              NULL);
    if (t->escalated)
        add_event(evs, created, t->escalated_at, "escalated", json_object_new_boolean(1), NULL,
                  NULL);
    if (t->replies == 2)
        add_event(evs, created, t->second_reply, "agent_replied", json_object_new_boolean(1), NULL,
                  NULL);
    if (t->resolved)
        add_event(evs, created, t->solved_at, "status", json_object_new_string("solved"), NULL,
                  NULL);
    if (t->reopened) {
        add_event(evs, created, t->solved_at + 3600, "status", json_object_new_string("reopened"),
                  NULL, NULL);
        add_event(evs, created, t->final_solve, "status", json_object_new_string("solved"), NULL,
                  NULL);
    }
    if (t->rating)
        add_event(evs, created, t->final_solve + 600, "csat_rating", json_object_new_int(t->rating),
                  NULL, NULL);
    json_object_object_add(o, "events", evs);
    return o;
}

static int fcr(const struct fx *t)
{
    return t->resolved && t->replies <= 1 && !t->reopened && !t->escalated;
}
static double res_s(const struct fx *t) { return (double)t->final_solve; }

static void test_import_history(void)
{
    if (e2e_token_for_key("CS_TEST_KEY_C", token_c, sizeof(token_c), NULL, 0) != 0)
        TEST_SKIP("CS_TEST_KEY_C (tenant initech) not set: run through build.sh test");
    REQUIRE(e2e_token_for_key("CS_TEST_KEY_A", token_a, sizeof(token_a), NULL, 0) == 0);
    have_c = 1;
    now_s = (long long)time(NULL);
    make_fixture();
    for (int b = 0; b < N_TICKETS / BATCH; b++) {
        json_object *body = json_object_new_object(), *arr = json_object_new_array();
        long long events = 0;
        for (int i = b * BATCH; i < (b + 1) * BATCH; i++) {
            json_object *tj = ticket_json(&T[i]);
            json_object *ev;
            json_object_object_get_ex(tj, "events", &ev);
            events += (long long)json_object_array_length(ev);
            json_object_array_add(arr, tj);
        }
        json_object_object_add(body, "tickets", arr);
        struct http_result r;
        REQUIRE(e2e_call(token_c, "POST", "/api/v1/customer/tickets/import",
                         json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), &r) == 0);
        CHECK_INT(r.status, 200);
        CHECK_INT(json_object_get_int(jget(r.json, "imported")), BATCH);
        CHECK_INT((int)json_object_get_int64(jget(r.json, "events")), (int)events);
        CHECK_INT((int)json_object_array_length(jget(r.json, "skipped")), 0);
        http_result_free(&r);
        json_object_put(body);
    }
    long long pos = 0;
    for (int i = 0; i < N_TICKETS; i++) {
        n_esc_labelled += T[i].resolved || T[i].escalated;
        pos += T[i].escalated;
        n_resolved += T[i].resolved;
    }
    fit_esc = n_esc_labelled >= 200 && pos >= 20 && n_esc_labelled - pos >= 20;
    /* SLA breach: resolved tickets (none of the fixture's takes longer than its target),
     * and open ones already past their 72/24/8 hours, which are breaches. */
    long long sla_late = 0;
    for (int i = 0; i < N_TICKETS; i++)
        sla_late += !T[i].resolved && T[i].age_s > (T[i].prio == 0   ? 72
                                                    : T[i].prio == 1 ? 24
                                                                     : 8) *
                                                       3600LL;
    fit_sla = n_resolved + sla_late >= 200 && sla_late >= 20 && n_resolved >= 20;
    fit_res = n_resolved >= 200;
    /* Wait for the refit, so every answer below comes from one model. */
    for (int i = 0; (fit_esc || fit_res) && i < 600; i++) {
        struct http_result r;
        REQUIRE(e2e_call(token_c, "GET", "/api/v1/customer/ai-models", NULL, &r) == 0);
        int done =
            json_object_get_int64(jget(r.json, "models.0.labelled_examples")) == n_esc_labelled &&
            json_object_get_int64(jget(r.json, "models.1.labelled_examples")) == n_resolved;
        http_result_free(&r);
        if (done) break;
        usleep(200 * 1000);
    }
}

static void check_pct(json_object *j, const char *path, long long num, long long den)
{
    json_object *v = jget(j, path);
    if (den == 0) {
        CHECK(v == NULL);
        return;
    }
    CHECK_NEAR(json_object_get_double(v), 100.0 * (double)num / (double)den, 0.0501);
}

static void test_overview_matches_independent_figures(void)
{
    if (!have_c) TEST_SKIP("no history imported");
    static const char *const periods[] = {"24h", "7d", "30d", "90d"};
    static const long long spans[] = {86400, 7 * 86400, 30 * 86400, 90 * 86400};
    for (int p = 0; p < 4; p++) {
        long long total = 0, resolved = 0, rated = 0, sat = 0, fc = 0, esc = 0;
        double sum = 0;
        for (int i = 0; i < N_TICKETS; i++) {
            const struct fx *t = &T[i];
            if (t->age_s >= spans[p]) continue;
            total++;
            esc += t->escalated;
            if (t->resolved) resolved++, sum += res_s(t), fc += fcr(t);
            if (t->rating) rated++, sat += t->rating >= 4;
        }
        char path[80];
        snprintf(path, sizeof(path), "/api/v1/customer/analytics/overview?period=%s", periods[p]);
        struct http_result r;
        REQUIRE(e2e_call(token_c, "GET", path, NULL, &r) == 0);
        CHECK_INT(r.status, 200);
        CHECK_STR(jstr(r.json, "period"), periods[p]);
        CHECK_INT((int)json_object_get_int64(jget(r.json, "metrics.total_tickets")), (int)total);
        CHECK_INT((int)json_object_get_int64(jget(r.json, "sample_sizes.resolved")), (int)resolved);
        CHECK_INT((int)json_object_get_int64(jget(r.json, "sample_sizes.rated")), (int)rated);
        if (resolved) {
            CHECK_NEAR(json_object_get_double(jget(r.json, "metrics.avg_resolution_seconds")),
                       sum / (double)resolved, 0.051);
            CHECK(e2e_matches(jstr(r.json, "metrics.avg_resolution_time"),
                              "^[0-9.]+ (minutes?|hours|days)$"));
        }
        check_pct(r.json, "metrics.csat_score", sat, rated);
        check_pct(r.json, "metrics.first_contact_resolution", fc, resolved);
        check_pct(r.json, "metrics.escalation_rate", esc, total);
        /* No seed 003 sessions in this tenant: deflection has no sample and says so. */
        CHECK(jget(r.json, "metrics.self_service_deflection") == NULL);
        CHECK_INT((int)json_object_get_int64(jget(r.json, "sample_sizes.sessions")), 0);
        if (p == 3)
            CHECK(total > 250 && resolved > 150 && rated > 80); /* the fixture is not thin */
        http_result_free(&r);
    }
    struct http_result r;
    REQUIRE(e2e_call(token_c, "GET", "/api/v1/customer/analytics/overview?period=1y", NULL, &r) ==
            0);
    CHECK_INT(r.status, 422);
    CHECK_STR(jstr(r.json, "error.code"), "invalid_period");
    http_result_free(&r);
    /* Another tenant's overview does not see initech's tickets. */
    REQUIRE(e2e_call(token_a, "GET", "/api/v1/customer/analytics/overview?period=90d", NULL, &r) ==
            0);
    CHECK_INT(r.status, 200);
    CHECK(json_object_get_int64(jget(r.json, "metrics.total_tickets")) < 250);
    http_result_free(&r);
}

struct agent_fig {
    long long resolved, rated, sat, fc, open, total;
    double sum;
};

static void agent_figures(int a, struct agent_fig *f)
{
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < N_TICKETS; i++) {
        const struct fx *t = &T[i];
        if (t->agent != a) continue;
        f->total++;
        if (t->resolved)
            f->resolved++, f->sum += res_s(t), f->fc += fcr(t);
        else
            f->open++;
        if (t->rating) f->rated++, f->sat += t->rating >= 4;
    }
}

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void test_agent_performance(void)
{
    if (!have_c) TEST_SKIP("no history imported");
    double res[N_AGENTS], csat[N_AGENTS], fc[N_AGENTS];
    struct agent_fig f[N_AGENTS];
    for (int a = 0; a < N_AGENTS; a++) {
        agent_figures(a, &f[a]);
        res[a] = f[a].sum / (double)f[a].resolved;
        /* the team's CSAT per agent is over their resolved tickets' ratings */
        csat[a] = 100.0 * (double)f[a].sat / (double)f[a].rated;
        fc[a] = 100.0 * (double)f[a].fc / (double)f[a].resolved;
    }
    double mres = median(res, N_AGENTS), mcsat = median(csat, N_AGENTS),
           mfcr = median(fc, N_AGENTS);
    for (int a = 0; a < N_AGENTS; a++) {
        agent_figures(a, &f[a]);
        char path[96];
        snprintf(path, sizeof(path), "/api/v1/customer/agents/%s/performance", agents[a]);
        struct http_result r;
        REQUIRE(e2e_call(token_c, "GET", path, NULL, &r) == 0);
        CHECK_INT(r.status, 200);
        CHECK_STR(jstr(r.json, "agent_id"), agents[a]);
        CHECK_STR(jstr(r.json, "name"), names[a]);
        CHECK_INT((int)json_object_get_int64(jget(r.json, "metrics.tickets_resolved")),
                  (int)f[a].resolved);
        CHECK_NEAR(json_object_get_double(jget(r.json, "metrics.avg_resolution_seconds")),
                   f[a].sum / (double)f[a].resolved, 0.051);
        check_pct(r.json, "metrics.csat_score", f[a].sat, f[a].rated);
        check_pct(r.json, "metrics.first_contact_resolution", f[a].fc, f[a].resolved);
        CHECK_INT((int)json_object_get_int64(jget(r.json, "metrics.current_workload")),
                  (int)f[a].open);
        CHECK_INT((int)json_object_get_int64(jget(r.json, "metrics.max_workload")), MAX_WORKLOAD);
        CHECK_NEAR(json_object_get_double(jget(r.json, "team_medians.avg_resolution_seconds")),
                   mres, 0.051);
        CHECK_NEAR(json_object_get_double(jget(r.json, "team_medians.csat_score")), mcsat, 0.0501);
        CHECK_NEAR(json_object_get_double(jget(r.json, "team_medians.first_contact_resolution")),
                   mfcr, 0.0501);
        const char *tip = jstr(r.json, "ai_coaching_tip");
        CHECK(tip && strlen(tip) > 20);
        /* No LLM provider configured here: the built-in tip, with no fallback to explain. */
        CHECK_STR(jstr(r.json, "ai_coaching_tip_source"), "builtin");
        CHECK(jget(r.json, "ai_coaching_tip_fallback_reason") == NULL);
        http_result_free(&r);
    }
    struct http_result r;
    REQUIRE(e2e_call(token_c, "GET", "/api/v1/customer/agents/AGT-999/performance", NULL, &r) == 0);
    CHECK_INT(r.status, 404);
    CHECK_STR(jstr(r.json, "error.code"), "agent_not_found");
    http_result_free(&r);
}

/* Nearest-rank median, as the store computes it. */
static double nr_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_d);
    int rank = (int)ceil(0.5 * n);
    return v[rank < 1 ? 0 : rank - 1];
}

/* An agent's record on a category from the fixture: resolved count, satisfied share of
 * the rated, mean resolution; and the agent's open tickets. */
static void record_of(int a, int cat, long long *n, double *share, double *mean, long long *open)
{
    long long rated = 0, sat = 0;
    double sum = 0;
    *n = 0, *open = 0;
    for (int i = 0; i < N_TICKETS; i++) {
        const struct fx *t = &T[i];
        if (t->agent != a) continue;
        if (!t->resolved) (*open)++;
        if (t->cat != cat || !t->resolved) continue;
        (*n)++, sum += res_s(t);
        if (t->rating) rated++, sat += t->rating >= 4;
    }
    *share = rated ? (double)sat / (double)rated : 0;
    *mean = *n ? sum / (double)*n : 0;
}

static void expected_agent(int cat, int *best)
{
    *best = -1;
    double bc = 0, br = 0;
    for (int a = 0; a < N_AGENTS; a++) {
        long long n = 0, rated = 0, sat = 0, open = 0;
        double sum = 0;
        for (int i = 0; i < N_TICKETS; i++) {
            const struct fx *t = &T[i];
            if (t->agent != a) continue;
            if (!t->resolved) open++;
            if (t->cat != cat || !t->resolved) continue;
            n++, sum += res_s(t);
            if (t->rating) rated++, sat += t->rating >= 4;
        }
        if (!n || open >= MAX_WORKLOAD) continue;
        double c = rated ? (double)sat / (double)rated : 0, rr = sum / (double)n;
        if (*best < 0 || c > bc || (c == bc && rr < br)) *best = a, bc = c, br = rr;
    }
}

static void test_ticket_insights(void)
{
    if (!have_c) TEST_SKIP("no history imported");
    for (int k = 0; k < 3; k++) {
        const struct fx *t = &T[k * 37];
        double v[N_TICKETS];
        int n = 0;
        for (int i = 0; i < N_TICKETS; i++)
            if (T[i].resolved && T[i].cat == t->cat && T[i].prio == t->prio) v[n++] = res_s(&T[i]);
        const char *source = "category_priority_median";
        if (n < MIN_SAMPLE) {
            n = 0;
            source = "category_median";
            for (int i = 0; i < N_TICKETS; i++)
                if (T[i].resolved && T[i].cat == t->cat) v[n++] = res_s(&T[i]);
        }
        double med = nr_median(v, n);
        int best;
        expected_agent(t->cat, &best);
        char path[96];
        snprintf(path, sizeof(path), "/api/v1/customer/tickets/%.31s", t->id);
        struct http_result r;
        REQUIRE(e2e_call(token_c, "GET", path, NULL, &r) == 0);
        CHECK_INT(r.status, 200);
        CHECK_STR(jstr(r.json, "ticket_id"), t->id);
        CHECK_STR(jstr(r.json, "subject"), cats[t->cat]);
        CHECK_STR(jstr(r.json, "priority"), prios[t->prio]);
        CHECK(e2e_matches(jstr(r.json, "customer_id"), "^CUST-[0-9]{3}$"));
        if (fit_res) {
            /* The tenant's fitted time classes answer, as the predictor does for this ticket. */
            CHECK_STR(jstr(r.json, "ai_insights.predicted_resolution_source"), "tenant");
            CHECK_INT((int)json_object_get_int64(
                          jget(r.json, "ai_insights.predicted_resolution_sample_size")),
                      (int)n_resolved);
            char body[96];
            snprintf(body, sizeof(body), "{\"ticket_id\":\"%.31s\"}", t->id);
            struct http_result p;
            REQUIRE(e2e_call(token_c, "POST",
                             "/api/v1/customer/ai-models/resolution_time_predictor/predict", body,
                             &p) == 0);
            CHECK_STR(jstr(p.json, "source"), "tenant");
            CHECK_NEAR(
                json_object_get_double(jget(r.json, "ai_insights.predicted_resolution_seconds")),
                json_object_get_double(jget(p.json, "prediction.predicted_resolution_seconds")),
                0.51);
            http_result_free(&p);
        } else {
            CHECK_STR(jstr(r.json, "ai_insights.predicted_resolution_source"), source);
            CHECK_NEAR(
                json_object_get_double(jget(r.json, "ai_insights.predicted_resolution_seconds")),
                med, 0.51);
            CHECK_INT((int)json_object_get_int64(
                          jget(r.json, "ai_insights.predicted_resolution_sample_size")),
                      n);
        }
        REQUIRE(best >= 0);
        CHECK_STR(jstr(r.json, "ai_insights.recommended_agent"), names[best]);
        CHECK_STR(jstr(r.json, "ai_insights.recommended_agent_id"), agents[best]);
        /* No reporting agents yet: the ticket history chose. */
        CHECK_STR(jstr(r.json, "ai_insights.recommended_agent_source"), "ticket_history");
        {
            long long nres, open;
            double share, mean;
            record_of(best, t->cat, &nres, &share, &mean, &open);
            CHECK_INT(
                (int)json_object_get_int64(jget(r.json, "ai_insights.recommended_agent_workload")),
                (int)open);
        }
        double risk = json_object_get_double(jget(r.json, "ai_insights.escalation_risk"));
        CHECK(risk >= 0 && risk <= 1);
        double ss = json_object_get_double(jget(r.json, "ai_insights.sentiment_score"));
        CHECK(ss >= 0 && ss <= 1);
        CHECK(e2e_matches(jstr(r.json, "ai_insights.sentiment"),
                          "^(positive|neutral|frustrated|angry)$"));
        http_result_free(&r);
    }
    struct http_result r;
    REQUIRE(e2e_call(token_c, "GET", "/api/v1/customer/tickets/NOPE-1", NULL, &r) == 0);
    CHECK_INT(r.status, 404);
    CHECK_STR(jstr(r.json, "error.code"), "ticket_not_found");
    http_result_free(&r);
    /* Tenant scoping: acme cannot read initech's ticket. */
    REQUIRE(e2e_call(token_a, "GET", "/api/v1/customer/tickets/INIT-0000", NULL, &r) == 0);
    CHECK_INT(r.status, 404);
    http_result_free(&r);
}

/* A ticket from POST /api/v1/tickets/process (tenant acme, so the history above stays
 * as the fixture describes it), then its lifecycle through PATCH. */
static void test_patch_lifecycle(void)
{
    if (!have_c) TEST_SKIP("no history imported");
    char body[512], tid[64];
    snprintf(tid, sizeof(tid), "E2E-LC-%ld", (long)now_s);
    snprintf(
        body, sizeof(body),
        "{\"customer_email\":\"jane@example.com\",\"customer_name\":\"Jane\",\"raw_message\":\"My "
        "invoice is wrong, I was billed twice.\",\"ticket_id\":\"%s\"}",
        tid);
    struct http_result r;
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/tickets/process", body, &r) == 0);
    CHECK_INT(r.status, 200);
    http_result_free(&r);
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/customer/tickets/%s", tid);
    REQUIRE(e2e_call(token_a, "GET", path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "status"), "open");
    CHECK(e2e_matches(jstr(r.json, "customer_id"), "^CUST-[0-9a-f]{16}$"));
    CHECK(strstr(r.body, "jane@") == NULL);
    CHECK(e2e_matches(jstr(r.json, "priority"), "^(low|medium|high|urgent)$"));
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "PATCH", path,
                     "{\"assignee\":\"AGT-9\",\"assignee_name\":\"Kim\",\"agent_replied\":true}",
                     &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "assignee"), "AGT-9");
    CHECK_INT(json_object_get_int(jget(r.json, "agent_replies")), 1);
    CHECK(jget(r.json, "resolution_seconds") == NULL);
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "PATCH", path, "{\"status\":\"solved\"}", &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "status"), "solved");
    CHECK(json_object_get_double(jget(r.json, "resolution_seconds")) >= 0);
    CHECK(json_object_get_boolean(jget(r.json, "first_contact_resolution")));
    CHECK_INT(json_object_get_int(jget(r.json, "events")), 2);
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "PATCH", path, "{\"csat_rating\":9}", &r) == 0);
    CHECK_INT(r.status, 422);
    CHECK_STR(jstr(r.json, "error.code"), "invalid_change");
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "PATCH", path,
                     "{\"status\":\"solved\",\"at\":\"2001-01-01T00:00:00Z\"}", &r) == 0);
    CHECK_INT(r.status, 422);
    CHECK_STR(jstr(r.json, "error.message"), "The change is earlier than the ticket's opening");
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "PATCH", path, "{\"csat_rating\":4}", &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(json_object_get_int(jget(r.json, "csat_rating")), 4);
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "PATCH", path, "{\"status\":", &r) == 0);
    CHECK_INT(r.status, 400);
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "PATCH", "/api/v1/customer/tickets/NOPE-2", "{\"status\":\"solved\"}",
                     &r) == 0);
    CHECK_INT(r.status, 404);
    http_result_free(&r);
    REQUIRE(e2e_call(NULL, "PATCH", path, "{\"status\":\"closed\"}", &r) == 0);
    CHECK_INT(r.status, 401);
    http_result_free(&r);
}

static void test_import_refuses_bad_history(void)
{
    if (!have_c) TEST_SKIP("no history imported");
    struct http_result r;
    /* The second ticket's history is impossible: nothing of the batch is stored. */
    REQUIRE(e2e_call(token_c, "POST", "/api/v1/customer/tickets/import",
                     "{\"tickets\":[{\"ticket_id\":\"BAD-1\",\"message\":\"hello\",\"created_at\":"
                     "\"2026-01-01T00:00:00Z\"},"
                     "{\"ticket_id\":\"BAD-2\",\"message\":\"hello\",\"created_at\":\"2026-01-"
                     "01T00:00:00Z\","
                     "\"events\":[{\"status\":\"reopened\",\"at\":\"2026-01-02T00:00:00Z\"}]}]}",
                     &r) == 0);
    CHECK_INT(r.status, 422);
    CHECK_STR(jstr(r.json, "error.message"), "Only a solved or closed ticket can be reopened");
    http_result_free(&r);
    REQUIRE(e2e_call(token_c, "GET", "/api/v1/customer/tickets/BAD-1", NULL, &r) == 0);
    CHECK_INT(r.status, 404);
    http_result_free(&r);
    /* A known id is skipped, never overwritten. */
    REQUIRE(e2e_call(token_c, "POST", "/api/v1/customer/tickets/import",
                     "{\"tickets\":[{\"ticket_id\":\"INIT-0001\",\"message\":\"x\",\"created_at\":"
                     "\"2026-01-01T00:00:00Z\"}]}",
                     &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(json_object_get_int(jget(r.json, "imported")), 0);
    CHECK_STR(jstr(r.json, "skipped.0"), "INIT-0001");
    http_result_free(&r);
    REQUIRE(e2e_call(token_c, "POST", "/api/v1/customer/tickets/import",
                     "{\"tickets\":[{\"ticket_id\":\"BAD-3\",\"message\":\"x\",\"created_at\":"
                     "\"yesterday\"}]}",
                     &r) == 0);
    CHECK_INT(r.status, 422);
    http_result_free(&r);
    REQUIRE(e2e_call(token_c, "POST", "/api/v1/customer/tickets/import",
                     "{\"tickets\":[{\"ticket_id\":\"BAD-4\",\"message\":\"x\",\"created_at\":"
                     "\"2026-01-01T00:00:00Z\",\"priority\":\"P9\"}]}",
                     &r) == 0);
    CHECK_INT(r.status, 422);
    http_result_free(&r);
}

static void test_predict_models(void)
{
    if (!have_c) TEST_SKIP("no history imported");
    struct http_result r;
    const struct fx *t = &T[5];
    char body[256];
    snprintf(body, sizeof(body), "{\"ticket_id\":\"%s\",\"include_explanation\":true}", t->id);
    REQUIRE(e2e_call(token_c, "POST", "/api/v1/customer/ai-models/escalation_predictor/predict",
                     body, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "model"), "escalation_predictor");
    CHECK_STR(jstr(r.json, "source"), fit_esc ? "tenant" : "builtin");
    double p = json_object_get_double(jget(r.json, "prediction.escalation_probability"));
    /* The explanation is exact: base + every contribution is the "yes" logit. */
    json_object *c = jget(r.json, "prediction.contributions");
    REQUIRE(c && json_object_array_length(c) >= 9); /* every feature of the shipped model */
    double logit = json_object_get_double(jget(r.json, "prediction.base_value"));
    for (size_t i = 0; i < json_object_array_length(c); i++)
        logit += json_object_get_double(jget(json_object_array_get_idx(c, i), "contribution"));
    CHECK_NEAR(logit, json_object_get_double(jget(r.json, "prediction.output_value")), 2e-3);
    CHECK(p > 0 && p < 1);
    CHECK(json_object_is_type(jget(r.json, "prediction.risk_factors"), json_type_array));
    CHECK(e2e_matches(jstr(r.json, "prediction.recommended_action"),
                      "^(Route to senior agent|Monitor closely|Standard handling)$"));
    http_result_free(&r);
    /* The same ticket through GET: one model, one answer. */
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/customer/tickets/%s", t->id);
    REQUIRE(e2e_call(token_c, "GET", path, NULL, &r) == 0);
    CHECK_NEAR(json_object_get_double(jget(r.json, "ai_insights.escalation_risk")), p, 0.0051);
    double pred_s =
        json_object_get_double(jget(r.json, "ai_insights.predicted_resolution_seconds"));
    http_result_free(&r);
    REQUIRE(e2e_call(token_c, "POST",
                     "/api/v1/customer/ai-models/resolution_time_predictor/predict", body,
                     &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_NEAR(json_object_get_double(jget(r.json, "prediction.predicted_resolution_seconds")),
               pred_s, 0.5);
    http_result_free(&r);
    /* SLA breach share for high priority: resolved high tickets over 8 hours. */
    long long n = 0, late = 0;
    for (int i = 0; i < N_TICKETS; i++)
        if (T[i].resolved && T[i].prio == 2) n++, late += res_s(&T[i]) > 8 * 3600.0;
    REQUIRE(e2e_call(token_c, "POST", "/api/v1/customer/ai-models/sla_breach_predictor/predict",
                     "{\"priority\":\"high\"}", &r) == 0);
    CHECK_INT(r.status, 200);
    if (fit_sla) { /* the tenant's own fit answers (unit tests check its figures) */
        CHECK_STR(jstr(r.json, "source"), "tenant");
        double pb = json_object_get_double(jget(r.json, "prediction.breach_probability"));
        CHECK(pb > 0 && pb < 1);
        CHECK(jget(r.json, "model_metrics.auc") != NULL);
    } else {
        CHECK_STR(jstr(r.json, "source"), "priority_breach_share");
        CHECK_INT((int)json_object_get_int64(jget(r.json, "prediction.sample_size")), (int)n);
        CHECK_NEAR(json_object_get_double(jget(r.json, "prediction.breach_probability")),
                   (double)late / (double)n, 1e-4);
    }
    http_result_free(&r);
    /* A tenant with no history answers with the prior and says so. */
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/customer/ai-models/sla_breach_predictor/predict",
                     "{\"priority\":\"urgent\"}", &r) == 0);
    CHECK_STR(jstr(r.json, "source"), "prior");
    CHECK_NEAR(json_object_get_double(jget(r.json, "prediction.breach_probability")), 0.1, 1e-9);
    http_result_free(&r);
    /* The shipped model reads the words (acme has too little history for its own fit;
     * initech's escalations are random in the fixture, so its fit would not). */
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/customer/ai-models/escalation_predictor/predict",
                     "{\"message\":\"This is the third time I write, I will sue "
                     "you!\",\"repeat_contacts\":3}",
                     &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK(json_object_get_double(jget(r.json, "prediction.escalation_probability")) > 0.5);
    CHECK(jget(r.json, "prediction.risk_factors") == NULL); /* not asked for */
    http_result_free(&r);
    REQUIRE(e2e_call(token_c, "POST", "/api/v1/customer/ai-models/escalation_predictor/predict",
                     "{}", &r) == 0);
    CHECK_INT(r.status, 422);
    CHECK_STR(jstr(r.json, "error.code"), "missing_input");
    http_result_free(&r);
    REQUIRE(e2e_call(token_c, "POST", "/api/v1/customer/ai-models/crystal_ball/predict", "{}",
                     &r) == 0);
    CHECK_INT(r.status, 404);
    CHECK_STR(jstr(r.json, "error.code"), "model_not_found");
    http_result_free(&r);
    REQUIRE(e2e_call(token_c, "GET", "/api/v1/customer/ai-models", NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_INT((int)json_object_array_length(jget(r.json, "models")), 5);
    CHECK_STR(jstr(r.json, "models.0.name"), "escalation_predictor");
    http_result_free(&r);
}

/* Helpdesk outcomes through the signed incoming receiver (tenant acme; its secret is
 * made here and webhooks_test makes its own afterwards). */
static void post_signed(const char *secret, const char *id, const char *body, struct http_result *r)
{
    struct cs_webhook_key k;
    char sig[CS_WEBHOOK_SIG_MAX], hid[96], hts[64], hsig[CS_WEBHOOK_SIG_MAX + 32];
    long long ts = (long long)time(NULL);
    if (cs_webhook_secret_parse(secret, &k) || cs_webhook_sign(&k, id, ts, body, strlen(body), sig))
        snprintf(sig, sizeof(sig), "v1,invalid");
    snprintf(hid, sizeof(hid), "webhook-id: %s", id);
    snprintf(hts, sizeof(hts), "webhook-timestamp: %lld", ts);
    snprintf(hsig, sizeof(hsig), "webhook-signature: %s", sig);
    const char *h[] = {"Content-Type: application/json", hid, hts, hsig, NULL};
    if (http_do("POST", "/api/v1/webhooks/incoming/acme", body, h, r)) memset(r, 0, sizeof(*r));
}

static void test_webhook_outcomes(void)
{
    if (!have_c) TEST_SKIP("no history imported");
    struct http_result r;
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/customer/webhook-receiver",
                     "{\"escalation_threshold\":0.99}", &r) == 0);
    char secret[128];
    snprintf(secret, sizeof(secret), "%s", jstr(r.json, "secret") ? jstr(r.json, "secret") : "");
    http_result_free(&r);
    REQUIRE(secret[0]);
    char tid[48], id[64], body[640];
    snprintf(tid, sizeof(tid), "HD-INS-%lld", now_s);
    snprintf(body, sizeof(body),
             "{\"type\":\"ticket.created\",\"data\":{\"ticket_id\":\"%s\",\"subject\":\"Login\","
             "\"message\":"
             "\"I cannot log "
             "in.\",\"customer_id\":\"C-9\",\"created_at\":\"2026-01-05T10:00:00Z\",\"priority\":"
             "\"high\"}}",
             tid);
    snprintf(id, sizeof(id), "msg_ins_1_%lld", now_s);
    post_signed(secret, id, body, &r);
    CHECK_INT(r.status, 200);
    http_result_free(&r);
    snprintf(body, sizeof(body),
             "{\"type\":\"ticket.updated\",\"data\":{\"ticket_id\":\"%s\",\"assignee\":\"AGT-7\","
             "\"agent_replied\":true,\"at\":\"2026-01-05T10:20:00Z\"}}",
             tid);
    snprintf(id, sizeof(id), "msg_ins_2_%lld", now_s);
    post_signed(secret, id, body, &r);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "event"), "ticket.updated");
    http_result_free(&r);
    post_signed(secret, id, body, &r); /* replayed: refused, counted once */
    CHECK_INT(r.status, 409);
    http_result_free(&r);
    snprintf(body, sizeof(body),
             "{\"type\":\"ticket.solved\",\"timestamp\":\"2026-01-05T12:00:00Z\",\"data\":{"
             "\"ticket_id\":\"%s\"}}",
             tid);
    snprintf(id, sizeof(id), "msg_ins_3_%lld", now_s);
    post_signed(secret, id, body, &r);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "status"), "solved");
    http_result_free(&r);
    snprintf(body, sizeof(body),
             "{\"type\":\"ticket.rated\",\"data\":{\"ticket_id\":\"%s\",\"rating\":2,\"at\":\"2026-"
             "01-05T13:00:00Z\"}}",
             tid);
    snprintf(id, sizeof(id), "msg_ins_4_%lld", now_s);
    post_signed(secret, id, body, &r);
    CHECK_INT(r.status, 200);
    http_result_free(&r);
    snprintf(body, sizeof(body), "{\"type\":\"ticket.rated\",\"data\":{\"ticket_id\":\"%s\"}}",
             tid);
    snprintf(id, sizeof(id), "msg_ins_5_%lld", now_s);
    post_signed(secret, id, body, &r);
    CHECK_INT(r.status, 422);
    http_result_free(&r);
    /* 10:00 -> 12:00 is 7200 s; first reply after 1200 s; one reply, not escalated. */
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/customer/tickets/%s", tid);
    REQUIRE(e2e_call(token_a, "PATCH", path,
                     "{\"status\":\"closed\",\"at\":\"2026-01-06T00:00:00Z\"}", &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_NEAR(json_object_get_double(jget(r.json, "resolution_seconds")), 7200, 1e-9);
    CHECK_NEAR(json_object_get_double(jget(r.json, "first_reply_seconds")), 1200, 1e-9);
    CHECK_INT(json_object_get_int(jget(r.json, "csat_rating")), 2);
    CHECK(json_object_get_boolean(jget(r.json, "first_contact_resolution")));
    CHECK_INT(json_object_get_int(jget(r.json, "events")), 4);
    CHECK_STR(jstr(r.json, "opened_at"), "2026-01-05T10:00:00Z");
    http_result_free(&r);
}

/* Seed 001's example body, then a sample large enough to score (insights envelope). */
static void test_fairness(void)
{
    if (!have_c) TEST_SKIP("no token");
    struct http_result r;
    REQUIRE(e2e_call(token_c, "POST", "/api/v1/fairness/analyze",
                     "{\"data\":[{\"age_group\":\"18-30\",\"gender\":\"female\",\"satisfaction_"
                     "score\":4,\"resolved\":true},"
                     "{\"age_group\":\"31-45\",\"gender\":\"male\",\"satisfaction_score\":5,"
                     "\"resolved\":true},"
                     "{\"age_group\":\"46-60\",\"gender\":\"non-binary\",\"satisfaction_score\":3,"
                     "\"resolved\":false}],"
                     "\"attributes\":[\"age_group\",\"gender\"],\"outcome_columns\":["
                     "\"satisfaction_score\",\"resolved\"]}",
                     &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK(json_object_get_boolean(jget(r.json, "error")) == 0);
    CHECK_INT(json_object_get_int(jget(r.json, "status_code")), 200);
    CHECK_INT((int)json_object_array_length(jget(r.json, "data.detailed_findings")), 4);
    CHECK_STR(jstr(r.json, "data.detailed_findings.0.attribute"), "age_group");
    CHECK_STR(jstr(r.json, "data.detailed_findings.0.concern_level"), "insufficient_data");
    CHECK_STR(jstr(r.json, "data.detailed_findings.0.disparities.18-30.status"),
              "insufficient_sample");
    CHECK_INT(
        json_object_get_int(jget(r.json, "data.detailed_findings.0.disparities.18-30.sample_size")),
        1);
    CHECK(jget(r.json, "data.fairness_score") == NULL);
    http_result_free(&r);
    /* 10 women rated 4,4,...(avg 4.0), 10 men rated 5 (avg 5.0): ratio 0.8 passes. */
    char body[4096];
    size_t n = (size_t)snprintf(
        body, sizeof(body), "{\"attributes\":[\"gender\"],\"outcome_columns\":[\"s\"],\"data\":[");
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(body + n, sizeof(body) - n, "%s{\"gender\":\"%s\",\"s\":%d}",
                              i ? "," : "", i < 10 ? "female" : "male", i < 10 ? 4 : 5);
    snprintf(body + n, sizeof(body) - n, "]}");
    REQUIRE(e2e_call(token_c, "POST", "/api/v1/fairness/analyze", body, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_NEAR(
        json_object_get_double(jget(r.json, "data.detailed_findings.0.disparities.female.average")),
        4.0, 1e-9);
    CHECK_NEAR(
        json_object_get_double(jget(r.json, "data.detailed_findings.0.demographic_parity_ratio")),
        0.8, 1e-9);
    CHECK_STR(jstr(r.json, "data.detailed_findings.0.four_fifths_rule"), "pass");
    CHECK_STR(jstr(r.json, "data.detailed_findings.0.concern_level"), "medium");
    CHECK_NEAR(json_object_get_double(jget(r.json, "data.fairness_score")), 0.8, 1e-9);
    CHECK(strstr(jstr(r.json, "data.recommendations.0"), "'female'") != NULL);
    http_result_free(&r);
    REQUIRE(e2e_call(token_c, "POST", "/api/v1/fairness/analyze",
                     "{\"data\":[],\"attributes\":[\"g\"]}", &r) == 0);
    CHECK_INT(r.status, 400);
    CHECK(json_object_get_boolean(jget(r.json, "error")));
    CHECK_INT(json_object_get_int(jget(r.json, "status_code")), 400);
    http_result_free(&r);
}

/* The first day of the bucket holding Unix time t: month or ISO week (Monday), UTC. */
static void bucket_key(long long t, int weekly, char out[11])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    if (weekly) {
        int back = (tm.tm_wday + 6) % 7; /* days since Monday */
        tt -= (time_t)back * 86400;
        gmtime_r(&tt, &tm);
    } else {
        tm.tm_mday = 1;
    }
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void test_analytics_summary(void)
{
    if (!have_c) TEST_SKIP("no history imported");
    long long resolved = 0, rated = 0, rating_sum = 0;
    double reply_sum = 0;
    int per_cat[N_CATS] = {0};
    for (int i = 0; i < N_TICKETS; i++) {
        resolved += T[i].resolved;
        if (T[i].rating) rated++, rating_sum += T[i].rating;
        reply_sum += (double)T[i].first_reply;
        per_cat[T[i].cat]++;
    }
    for (int weekly = 0; weekly < 2; weekly++) {
        char path[128];
        snprintf(path, sizeof(path),
                 "/api/v1/analytics/summary?start_date=2020-01-01&granularity=%s",
                 weekly ? "weekly" : "monthly");
        struct http_result r;
        REQUIRE(e2e_call(token_c, "GET", path, NULL, &r) == 0);
        CHECK_INT(r.status, 200);
        CHECK(json_object_get_boolean(jget(r.json, "error")) == 0);
        CHECK_INT((int)json_object_get_int64(jget(r.json, "data.total_conversations")), N_TICKETS);
        CHECK_NEAR(json_object_get_double(jget(r.json, "data.resolution_rate")),
                   (double)resolved / N_TICKETS, 1e-4);
        CHECK_NEAR(json_object_get_double(jget(r.json, "data.average_satisfaction")),
                   (double)rating_sum / (double)rated, 0.0051);
        CHECK_NEAR(json_object_get_double(jget(r.json, "data.response_time_avg")),
                   reply_sum / N_TICKETS / 60.0, 0.0051);
        double dist = json_object_get_double(jget(r.json, "data.sentiment_distribution.positive")) +
                      json_object_get_double(jget(r.json, "data.sentiment_distribution.negative")) +
                      json_object_get_double(jget(r.json, "data.sentiment_distribution.neutral"));
        CHECK_NEAR(dist, 1.0, 2e-4);
        /* Every bucket's count, keyed by its first day. */
        json_object *tl = jget(r.json, "data.timeline_data");
        REQUIRE(tl);
        int seen = 0;
        for (size_t b = 0; b < json_object_array_length(tl); b++) {
            json_object *e = json_object_array_get_idx(tl, b);
            const char *date = jstr(e, "date");
            int want = 0;
            char k[11];
            for (int i = 0; i < N_TICKETS; i++) {
                bucket_key(now_s - T[i].age_s, weekly, k);
                want += date && strcmp(k, date) == 0;
            }
            CHECK_INT(json_object_get_int(jget(e, "conversations")), want);
            seen += want;
        }
        CHECK_INT(seen, N_TICKETS);
        /* Top issues: the four categories by count. */
        json_object *top = jget(r.json, "data.top_issues");
        REQUIRE(top && json_object_array_length(top) == N_CATS);
        for (size_t j = 0; j < N_CATS; j++) {
            const char *issue = jstr(json_object_array_get_idx(top, j), "issue");
            int c = -1;
            for (int q = 0; q < N_CATS; q++)
                if (issue && strcmp(issue, cats[q]) == 0) c = q;
            REQUIRE(c >= 0);
            CHECK_INT(json_object_get_int(jget(json_object_array_get_idx(top, j), "count")),
                      per_cat[c]);
            if (j)
                CHECK(json_object_get_int(jget(json_object_array_get_idx(top, j - 1), "count")) >=
                      per_cat[c]);
        }
        http_result_free(&r);
    }
    struct http_result r;
    REQUIRE(e2e_call(token_c, "GET", "/api/v1/analytics/summary?granularity=hourly", NULL, &r) ==
            0);
    CHECK_INT(r.status, 400);
    CHECK(json_object_get_boolean(jget(r.json, "error")));
    http_result_free(&r);
    REQUIRE(e2e_call(token_c, "GET",
                     "/api/v1/analytics/summary?start_date=2026-02-01&end_date=2026-01-01", NULL,
                     &r) == 0);
    CHECK_INT(r.status, 400);
    http_result_free(&r);
}

static void rp_import(const char *res, const char *body)
{
    char path[96];
    snprintf(path, sizeof(path), "/manager/api/v1/import/%s", res);
    struct http_result r;
    REQUIRE(e2e_call(token_c, "POST", path, body, &r) == 0);
    CHECK_INT(r.status, 200);
    if (r.status != 200) fprintf(stderr, "import %s: %s\n", res, r.body);
    http_result_free(&r);
}

/* Reporting agents: 0 and 1 in Billing's "Finance Team", 2 outside it. */
static const long long rp_id[3] = {1, 2, 3};
static int rp_in_team(int a) { return a < 2; }

/* The first qualifying agent as README "recommended_agent" orders them, from the
 * fixture; shift[a] says who is on shift now. -1: none. */
static int expected_reporting(int cat, const int *shift)
{
    int order[3] = {0, 1, 2};
    long long n[3], open[3];
    double share[3], mean[3];
    for (int a = 0; a < 3; a++) record_of(a, cat, &n[a], &share[a], &mean[a], &open[a]);
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++) {
            int x = order[i], y = order[j], swap = 0;
            if (rp_in_team(x) != rp_in_team(y))
                swap = rp_in_team(y);
            else if ((n[x] > 0) != (n[y] > 0))
                swap = n[y] > 0;
            else if (n[x] && share[x] != share[y])
                swap = share[y] > share[x];
            else if (n[x] && mean[x] != mean[y])
                swap = mean[y] < mean[x];
            else
                swap = rp_id[y] < rp_id[x];
            if (swap) order[i] = y, order[j] = x;
        }
    for (int i = 0; i < 3; i++)
        if (open[order[i]] < MAX_WORKLOAD && shift[order[i]]) return order[i];
    return -1;
}

static void check_pick(int want, int cat, const char *source)
{
    char path[96];
    const struct fx *t = NULL;
    for (int i = 0; i < N_TICKETS && !t; i++)
        if (T[i].cat == cat) t = &T[i];
    REQUIRE(t != NULL);
    snprintf(path, sizeof(path), "/api/v1/customer/tickets/%.31s", t->id);
    struct http_result r;
    REQUIRE(e2e_call(token_c, "GET", path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "ai_insights.recommended_agent_source"), source);
    if (want < 0) {
        CHECK(jstr(r.json, "ai_insights.recommended_agent") == NULL);
    } else {
        CHECK_STR(jstr(r.json, "ai_insights.recommended_agent"), names[want]);
        CHECK_STR(jstr(r.json, "ai_insights.recommended_agent_id"), agents[want]);
    }
    http_result_free(&r);
}

/* With reporting agents, teams and activity logs the reporting data chooses: the
 * category's team first, on shift now, under the maximum; exact agents from the
 * fixture. Runs last: it gives initech reporting agents for good. */
static void test_recommended_agent_from_reporting(void)
{
    if (!have_c) TEST_SKIP("no history imported");
    char body[1024], an_hour[32], two_hours[32], a_minute[32];
    time_t now = time(NULL);
    strftime(an_hour, sizeof(an_hour), "%Y-%m-%dT%H:%M:%SZ", gmtime(&(time_t){now - 3600}));
    strftime(two_hours, sizeof(two_hours), "%Y-%m-%dT%H:%M:%SZ", gmtime(&(time_t){now - 7200}));
    strftime(a_minute, sizeof(a_minute), "%Y-%m-%dT%H:%M:%SZ", gmtime(&(time_t){now - 60}));
    rp_import("teams", "[{\"id\":1,\"name\":\"Finance Team\"},{\"id\":2,\"name\":\"Field\"}]");
    rp_import("agents",
              "[{\"id\":1,\"first_name\":\"Michael\",\"last_name\":\"Chen\",\"agent_number\":"
              "\"AGT-001\",\"teams\":[{\"id\":1,\"name\":\"Finance Team\"}]},"
              "{\"id\":2,\"first_name\":\"Priya\",\"last_name\":\"Nair\",\"agent_number\":"
              "\"AGT-002\",\"teams\":[{\"id\":1,\"name\":\"Finance Team\"}]},"
              "{\"id\":3,\"first_name\":\"Tom\",\"last_name\":\"Okafor\",\"agent_number\":"
              "\"AGT-003\",\"online\":true,\"teams\":[{\"id\":2,\"name\":\"Field\"}]}]");
    /* Michael logged out an hour ago; Priya has been available for two; Tom has no log. */
    snprintf(body, sizeof(body),
             "[{\"id\":1,\"agent_id\":1,\"status\":\"Offline\",\"activity\":\"logout\","
             "\"started_at\":\"%s\"},{\"id\":2,\"agent_id\":2,\"status\":\"Available\","
             "\"activity\":\"status_change\",\"started_at\":\"%s\"}]",
             an_hour, two_hours);
    rp_import("agent_activity_logs", body);
    int shift[3] = {0, 1, 1};
    int want = expected_reporting(0, shift);
    REQUIRE(want >= 0);
    check_pick(want, 0, rp_in_team(want) ? "reporting_team" : "reporting");
    /* Priya logs out a minute ago: only Tom, outside the team, can answer. */
    snprintf(body, sizeof(body),
             "[{\"id\":3,\"agent_id\":2,\"status\":\"Offline\",\"activity\":\"logout\","
             "\"started_at\":\"%s\"}]",
             a_minute);
    rp_import("agent_activity_logs", body);
    shift[1] = 0;
    want = expected_reporting(0, shift);
    check_pick(want, 0, want >= 0 && rp_in_team(want) ? "reporting_team" : "reporting");
    CHECK_INT(want, 2);
    /* Business hours on none of the days around today (any zone): nobody is on shift. */
    static const char *const day[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    int wd = gmtime(&now)->tm_wday;
    char days[64] = "";
    for (int d = 0; d < 7; d++) {
        if (d == wd || d == (wd + 1) % 7 || d == (wd + 6) % 7) continue;
        size_t l = strlen(days);
        snprintf(days + l, sizeof(days) - l, "%s\"%s\"", l ? "," : "", day[d]);
    }
    snprintf(body, sizeof(body),
             "{\"business_hours\":{\"days\":[%s],\"open\":\"09:00\",\"close\":\"17:00\"}}", days);
    struct http_result r;
    REQUIRE(e2e_call(token_c, "PUT", "/api/v1/customer/insights/config", body, &r) == 0);
    CHECK_INT(r.status, 200);
    http_result_free(&r);
    check_pick(-1, 0, "reporting");
    REQUIRE(e2e_call(token_c, "PUT", "/api/v1/customer/insights/config", "{}", &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_INT((int)json_object_get_int64(jget(r.json, "max_workload")), MAX_WORKLOAD);
    http_result_free(&r);
}

int main(void)
{
    TEST_RUN(test_import_history);
    TEST_RUN(test_overview_matches_independent_figures);
    TEST_RUN(test_agent_performance);
    TEST_RUN(test_ticket_insights);
    TEST_RUN(test_analytics_summary);
    TEST_RUN(test_import_refuses_bad_history);
    TEST_RUN(test_patch_lifecycle);
    TEST_RUN(test_predict_models);
    TEST_RUN(test_webhook_outcomes);
    TEST_RUN(test_fairness);
    TEST_RUN(test_recommended_agent_from_reporting);
    return test_done();
}
