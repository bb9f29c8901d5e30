/* Webhooks end to end through nginx (stack started by tests/run.sh t_e2e): seed 000
 * registration, list, delete, the delivery log, tenant isolation; the incoming receiver
 * (signature, timestamp window, replays); and delivery by the webhook-dispatch loop that
 * `build.sh serve` runs, to a receiver on loopback in this process, signed so that the
 * secret returned at registration verifies it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../support/e2e.h"
#include "../support/http_client.h"
#include "../support/test.h"
#include "../support/webhook_sink.h"
#include "cs/webhook.h"

static char token_a[2048], token_b[2048];

static const char seed_webhook[] =
    "{\"url\":\"https://your-server.com/webhooks/brainpredict\",\"events\":[\"ticket.created\","
    "\"escalation.predicted\",\"sla.breach_risk\",\"churn.detected\"],\"secret\":\"your_webhook_"
    "secret\"}";

static void test_register_seed_shape(void)
{
    REQUIRE(e2e_token_for_key("CS_TEST_KEY_A", token_a, sizeof(token_a), NULL, 0) == 0);
    REQUIRE(e2e_token_for_key("CS_TEST_KEY_B", token_b, sizeof(token_b), NULL, 0) == 0);
    struct http_result r;
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/customer/webhooks", seed_webhook, &r) == 0);
    CHECK_INT(r.status, 201);
    const char *id = jstr(r.json, "id");
    CHECK(id && strncmp(id, "wh_", 3) == 0);
    CHECK_STR(jstr(r.json, "url"), "https://your-server.com/webhooks/brainpredict");
    CHECK_INT(json_object_array_length(jget(r.json, "events")), 4);
    CHECK(json_object_get_boolean(jget(r.json, "active")));
    /* A plain secret becomes the key bytes, returned in the Standard Webhooks form:
     * base64("your_webhook_secret"). */
    CHECK_STR(jstr(r.json, "secret"), "whsec_eW91cl93ZWJob29rX3NlY3JldA==");
    CHECK(jstr(r.json, "created_at") != NULL);
    char id_a[64];
    snprintf(id_a, sizeof(id_a), "%s", id ? id : "");
    http_result_free(&r);

    /* Without a secret one is made and shown this once. */
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/customer/webhooks",
                     "{\"url\":\"https://example.com/h\",\"events\":[\"*\"]}", &r) == 0);
    CHECK_INT(r.status, 201);
    struct cs_webhook_key k;
    CHECK_INT(cs_webhook_secret_parse(jstr(r.json, "secret"), &k), CS_OK);
    CHECK_INT(k.len, 32);
    char id_b[64];
    snprintf(id_b, sizeof(id_b), "%s", jstr(r.json, "id") ? jstr(r.json, "id") : "");
    http_result_free(&r);

    /* The list never shows a secret, sealed or not. */
    REQUIRE(e2e_call(token_a, "GET", "/api/v1/customer/webhooks", NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, id_a) && strstr(r.body, id_b));
    CHECK(strstr(r.body, "secret") == NULL);
    CHECK(json_object_get_int(jget(r.json, "total")) >= 2);
    http_result_free(&r);

    /* Another tenant sees none of them and cannot delete them. */
    REQUIRE(e2e_call(token_b, "GET", "/api/v1/customer/webhooks", NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, id_a) == NULL);
    http_result_free(&r);
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/customer/webhooks/%s", id_a);
    REQUIRE(e2e_call(token_b, "DELETE", path, NULL, &r) == 0);
    CHECK_INT(r.status, 404);
    CHECK_STR(jstr(r.json, "error.code"), "not_found");
    http_result_free(&r);

    /* Delivery log of a fresh subscription: empty, with its paging. */
    snprintf(path, sizeof(path), "/api/v1/customer/webhooks/%s/deliveries", id_a);
    REQUIRE(e2e_call(token_a, "GET", path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "webhook_id"), id_a);
    CHECK_INT(json_object_array_length(jget(r.json, "deliveries")), 0);
    CHECK_INT(json_object_get_int(jget(r.json, "total")), 0);
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "GET", "/api/v1/customer/webhooks/wh_nope/deliveries", NULL, &r) ==
            0);
    CHECK_INT(r.status, 404);
    http_result_free(&r);

    /* Delete, then it is gone. */
    snprintf(path, sizeof(path), "/api/v1/customer/webhooks/%s", id_a);
    REQUIRE(e2e_call(token_a, "DELETE", path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "id"), id_a);
    CHECK(json_object_get_boolean(jget(r.json, "deleted")));
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "DELETE", path, NULL, &r) == 0);
    CHECK_INT(r.status, 404);
    CHECK_STR(jstr(r.json, "error.message"), "Webhook not found");
    http_result_free(&r);
    snprintf(path, sizeof(path), "/api/v1/customer/webhooks/%s", id_b);
    REQUIRE(e2e_call(token_a, "DELETE", path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    http_result_free(&r);
}

static void expect_422(const char *body, const char *field)
{
    struct http_result r;
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/customer/webhooks", body, &r) == 0);
    CHECK_INT(r.status, 422);
    CHECK_STR(jstr(r.json, "error.code"), "validation");
    CHECK(jget(r.json, "error.message") != NULL);
    if (field && !strstr(r.body, field)) {
        fprintf(stderr, "  422 body does not name %s: %s\n", field, r.body);
        CHECK(0);
    }
    http_result_free(&r);
}

static void test_register_rejects_bad_input(void)
{
    expect_422("{\"url\":\"ftp://example.com/x\",\"events\":[\"ticket.created\"]}", "url");
    expect_422("{\"url\":\"javascript:alert(1)\",\"events\":[\"ticket.created\"]}", "url");
    expect_422("{\"url\":\"https://\",\"events\":[\"ticket.created\"]}", "url");
    /* no host: libcurl would read "path" as the host */
    expect_422("{\"url\":\"http:///path/only\",\"events\":[\"ticket.created\"]}", "url");
    expect_422("{\"url\":\"https://example.com/x\",\"events\":[\"ticket.deleted\"]}", "events");
    expect_422("{\"url\":\"https://example.com/x\",\"events\":[]}", "events");
    expect_422("{\"url\":\"https://example.com/x\"}", "events");
    expect_422("{\"url\":\"https://example.com/x\",\"events\":[\"*\"],\"secret\":\"short\"}",
               "secret");
    expect_422("{\"url\":\"https://example.com/x\",\"events\":[\"*\"],\"secret\":\"whsec_!!!\"}",
               "secret");
    struct http_result r;
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/customer/webhooks", "{\"url\":", &r) == 0);
    CHECK_INT(r.status, 400);
    CHECK(jget(r.json, "error.code") != NULL);
    http_result_free(&r);
    const char *noauth[] = {"Content-Type: application/json", NULL};
    REQUIRE(http_do("POST", "/api/v1/customer/webhooks", seed_webhook, noauth, &r) == 0);
    CHECK_INT(r.status, 401);
    CHECK(jstr(r.json, "error.code") != NULL);
    http_result_free(&r);
    REQUIRE(http_do("GET", "/api/v1/customer/webhooks", NULL, noauth, &r) == 0);
    CHECK_INT(r.status, 401);
    http_result_free(&r);
}

/* ---- The incoming receiver ---- */

static char receiver_secret[CS_WEBHOOK_SECRET_MAX];

static void test_receiver_config(void)
{
    struct http_result r;
    REQUIRE(e2e_call(token_b, "GET", "/api/v1/customer/webhook-receiver", NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK(!json_object_get_boolean(jget(r.json, "configured")));
    CHECK_NEAR(json_object_get_double(jget(r.json, "escalation_threshold")), 0.7, 1e-9);
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/customer/webhook-receiver",
                     "{\"escalation_threshold\":0.01}", &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "url_path"), "/api/v1/webhooks/incoming/acme");
    const char *s = jstr(r.json, "secret");
    CHECK(s && strncmp(s, "whsec_", 6) == 0);
    snprintf(receiver_secret, sizeof(receiver_secret), "%s", s ? s : "");
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "GET", "/api/v1/customer/webhook-receiver", NULL, &r) == 0);
    CHECK(json_object_get_boolean(jget(r.json, "configured")));
    CHECK_NEAR(json_object_get_double(jget(r.json, "escalation_threshold")), 0.01, 1e-9);
    CHECK(strstr(r.body, "secret") == NULL);
    http_result_free(&r);
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/customer/webhook-receiver",
                     "{\"escalation_threshold\":1.5}", &r) == 0);
    CHECK_INT(r.status, 422);
    http_result_free(&r);
}

static const char incoming[] =
    "{\"type\":\"ticket.created\",\"timestamp\":\"2026-11-25T10:00:00Z\",\"data\":{\"ticket_id\":"
    "\"HD-4821\",\"subject\":\"Refund\",\"message\":\"Third time I am writing! I want my refund "
    "now or "
    "I will talk to my lawyer.\",\"repeat_contacts\":2,\"wait_minutes\":45}}";

/* POSTs body to our receiver with the given headers' values (NULL: header left out). */
static int incoming_post(const char *tenant, const char *id, const char *ts, const char *sig,
                         const char *body, struct http_result *r)
{
    char hid[200], hts[64], hsig[256], path[128];
    snprintf(hid, sizeof(hid), "webhook-id: %s", id ? id : "");
    snprintf(hts, sizeof(hts), "webhook-timestamp: %s", ts ? ts : "");
    snprintf(hsig, sizeof(hsig), "webhook-signature: %s", sig ? sig : "");
    const char *h[5] = {"Content-Type: application/json"};
    size_t n = 1;
    if (id) h[n++] = hid;
    if (ts) h[n++] = hts;
    if (sig) h[n++] = hsig;
    h[n] = NULL;
    snprintf(path, sizeof(path), "/api/v1/webhooks/incoming/%s", tenant);
    return http_do("POST", path, body, h, r);
}

static void sign(const char *secret, const char *id, long long ts, const char *body, char *tsbuf,
                 char sig[CS_WEBHOOK_SIG_MAX])
{
    struct cs_webhook_key k;
    snprintf(tsbuf, 24, "%lld", ts);
    if (cs_webhook_secret_parse(secret, &k) || cs_webhook_sign(&k, id, ts, body, strlen(body), sig))
        snprintf(sig, CS_WEBHOOK_SIG_MAX, "v1,invalid");
}

static void test_receiver_verifies_and_predicts(void)
{
    REQUIRE(receiver_secret[0]);
    char id[64], ts[24], sig[CS_WEBHOOK_SIG_MAX];
    snprintf(id, sizeof(id), "msg_e2e_%d", (int)getpid());
    long long now = (long long)time(NULL);
    sign(receiver_secret, id, now, incoming, ts, sig);
    struct http_result r;
    REQUIRE(incoming_post("acme", id, ts, sig, incoming, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "model"), "escalation_predictor");
    CHECK_STR(jstr(r.json, "ticket_id"), "HD-4821");
    CHECK_STR(jstr(r.json, "webhook_id"), id);
    double p = json_object_get_double(jget(r.json, "prediction.escalation_probability"));
    CHECK(p > 0.01 && p <= 1.0);
    CHECK(json_object_is_type(jget(r.json, "prediction.risk_factors"), json_type_array));
    CHECK_STR(jstr(r.json, "prediction.recommended_action"), "Route to senior agent");
    CHECK(json_object_get_boolean(jget(r.json, "escalation_event")));
    http_result_free(&r);

    /* The same message again: a replay. */
    REQUIRE(incoming_post("acme", id, ts, sig, incoming, &r) == 0);
    CHECK_INT(r.status, 409);
    CHECK_STR(jstr(r.json, "error.code"), "replayed");
    http_result_free(&r);

    /* Tampered body, signature made with another secret, stale and future timestamps,
     * missing headers, a tenant without a receiver: all 401 in the family's format. */
    char id2[64];
    snprintf(id2, sizeof(id2), "msg_e2e_%d_b", (int)getpid());
    sign(receiver_secret, id2, now, incoming, ts, sig);
    char tampered[sizeof(incoming)];
    snprintf(tampered, sizeof(tampered), "%s", incoming);
    *strstr(tampered, "HD-4821") = 'X';
    REQUIRE(incoming_post("acme", id2, ts, sig, tampered, &r) == 0);
    CHECK_INT(r.status, 401);
    CHECK_STR(jstr(r.json, "error.code"), "invalid_signature");
    http_result_free(&r);
    sign("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", id2, now, incoming, ts, sig);
    REQUIRE(incoming_post("acme", id2, ts, sig, incoming, &r) == 0);
    CHECK_INT(r.status, 401);
    CHECK_STR(jstr(r.json, "error.code"), "invalid_signature");
    http_result_free(&r);
    sign(receiver_secret, id2, now - 600, incoming, ts, sig);
    REQUIRE(incoming_post("acme", id2, ts, sig, incoming, &r) == 0);
    CHECK_INT(r.status, 401);
    CHECK_STR(jstr(r.json, "error.code"), "stale_timestamp");
    http_result_free(&r);
    sign(receiver_secret, id2, now + 600, incoming, ts, sig);
    REQUIRE(incoming_post("acme", id2, ts, sig, incoming, &r) == 0);
    CHECK_STR(jstr(r.json, "error.code"), "stale_timestamp");
    http_result_free(&r);
    sign(receiver_secret, id2, now, incoming, ts, sig);
    REQUIRE(incoming_post("acme", id2, ts, NULL, incoming, &r) == 0);
    CHECK_INT(r.status, 401);
    CHECK_STR(jstr(r.json, "error.code"), "missing_signature_headers");
    http_result_free(&r);
    REQUIRE(incoming_post("globex", id2, ts, sig, incoming, &r) == 0);
    CHECK_INT(r.status, 401);
    CHECK_STR(jstr(r.json, "error.code"), "invalid_signature");
    http_result_free(&r);

    /* Signed but not a valid event: the schema answers, after the signature. */
    const char *bad = "{\"type\":\"ticket.created\",\"data\":{\"ticket_id\":\"HD-1\"}}";
    sign(receiver_secret, id2, now, bad, ts, sig);
    REQUIRE(incoming_post("acme", id2, ts, sig, bad, &r) == 0);
    CHECK_INT(r.status, 422);
    CHECK_STR(jstr(r.json, "error.code"), "validation");
    http_result_free(&r);
    /* ...and a rejected message did not burn its id. */
    sign(receiver_secret, id2, now, incoming, ts, sig);
    REQUIRE(incoming_post("acme", id2, ts, sig, incoming, &r) == 0);
    CHECK_INT(r.status, 200);
    http_result_free(&r);
}

/* ---- Delivery by the dispatcher that serve runs ---- */

static bool signed_by(const char *secret, const struct sink_msg *m)
{
    struct cs_webhook_key k;
    return cs_webhook_secret_parse(secret, &k) == CS_OK &&
           cs_webhook_verify(&k, m->id, m->ts, m->sig, m->body, m->body_len, (int64_t)time(NULL),
                             NULL) == CS_OK;
}

static void test_dispatcher_delivers_signed_events(void)
{
    REQUIRE(receiver_secret[0]);
    struct sink *s = sink_start(NULL, 0, 200, 0);
    REQUIRE(s != NULL);
    char body[512];
    snprintf(body, sizeof(body),
             "{\"url\":\"http://127.0.0.1:%d/"
             "hook\",\"events\":[\"ticket.created\",\"escalation.predicted\"]}",
             sink_port(s));
    struct http_result r;
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/customer/webhooks", body, &r) == 0);
    REQUIRE(r.status == 201);
    char id[64], secret[CS_WEBHOOK_SECRET_MAX];
    snprintf(id, sizeof(id), "%s", jstr(r.json, "id"));
    snprintf(secret, sizeof(secret), "%s", jstr(r.json, "secret"));
    http_result_free(&r);

    /* A new ticket (ticket.created), then an incoming high-risk one (escalation.predicted). */
    char ticket[512];
    snprintf(ticket, sizeof(ticket),
             "{\"customer_email\":\"jane@example.com\",\"customer_name\":\"Jane\",\"raw_message\":"
             "\"My invoice is wrong, please fix it.\",\"ticket_id\":\"TKT-WH-%d\"}",
             (int)getpid());
    REQUIRE(e2e_call(token_a, "POST", "/api/v1/tickets/process", ticket, &r) == 0);
    CHECK_INT(r.status, 200);
    http_result_free(&r);
    char mid[64], ts[24], sig[CS_WEBHOOK_SIG_MAX];
    snprintf(mid, sizeof(mid), "msg_e2e_%d_c", (int)getpid());
    sign(receiver_secret, mid, (long long)time(NULL), incoming, ts, sig);
    REQUIRE(incoming_post("acme", mid, ts, sig, incoming, &r) == 0);
    CHECK_INT(r.status, 200);
    http_result_free(&r);

    CHECK_INT(sink_wait(s, 2, 20000), 0);
    struct sink_msg m;
    REQUIRE(sink_get(s, 0, &m));
    CHECK(signed_by(secret, &m));
    CHECK_STR(m.type, "application/json");
    json_object *o = json_tokener_parse(m.body);
    CHECK_STR(jstr(o, "type"), "ticket.created");
    char want[32];
    snprintf(want, sizeof(want), "TKT-WH-%d", (int)getpid());
    CHECK_STR(jstr(o, "data.ticket_id"), want);
    CHECK(jget(o, "data.customer_email") == NULL); /* no contact data in events */
    json_object_put(o);
    REQUIRE(sink_get(s, 1, &m));
    CHECK(signed_by(secret, &m));
    o = json_tokener_parse(m.body);
    CHECK_STR(jstr(o, "type"), "escalation.predicted");
    CHECK_STR(jstr(o, "data.ticket_id"), "HD-4821");
    CHECK(jget(o, "data.escalation_probability") != NULL);
    json_object_put(o);

    /* The delivery log, newest first, without bodies. */
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/customer/webhooks/%s/deliveries", id);
    for (int i = 0; i < 50; i++) { /* the log write follows the POST by a moment */
        REQUIRE(e2e_call(token_a, "GET", path, NULL, &r) == 0);
        if (json_object_get_int(jget(r.json, "total")) >= 2) break;
        http_result_free(&r);
        usleep(100 * 1000);
    }
    CHECK_INT(r.status, 200);
    CHECK_INT(json_object_get_int(jget(r.json, "total")), 2);
    json_object *d0 = json_object_array_get_idx(jget(r.json, "deliveries"), 0);
    CHECK_STR(jstr(d0, "outcome"), "delivered");
    CHECK_STR(jstr(d0, "event_type"), "escalation.predicted");
    CHECK_INT(json_object_get_int(jget(d0, "status_code")), 200);
    CHECK_INT(json_object_get_int(jget(d0, "attempt")), 1);
    CHECK(strstr(r.body, "HD-4821") == NULL);
    http_result_free(&r);

    snprintf(path, sizeof(path), "/api/v1/customer/webhooks/%s", id);
    REQUIRE(e2e_call(token_a, "DELETE", path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    http_result_free(&r);
    sink_stop(s);
}

int main(void)
{
    if (!getenv("CS_TEST_BASE_URL")) {
        printf("tally: 0 passed, 1 failed, 0 skipped\n");
        return 1;
    }
    TEST_RUN(test_register_seed_shape);
    TEST_RUN(test_register_rejects_bad_input);
    TEST_RUN(test_receiver_config);
    TEST_RUN(test_receiver_verifies_and_predicts);
    TEST_RUN(test_dispatcher_delivers_signed_events);
    return test_done();
}
