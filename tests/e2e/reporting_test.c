/* The reporting family (seed 002) end to end through nginx: a reporting token made by
 * `cs-admin create-reporting-token` (tests/run.sh passes its output in
 * CS_TEST_RP_TOKEN), a small hand-written contact centre imported as JSON and NDJSON,
 * every filter kind, exact paging headers, exact call segments and metrics for the
 * fixture calls, exact error bodies, tenant isolation and the per-tenant rate limit
 * (CS_REPORTING_RATE_LIMIT=20 in the test stack). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../support/e2e.h"
#include "../support/http_client.h"
#include "../support/test_jwt.h"
#include "../support/test.h"

static char basic[512], wrong_tenant[512], bearer_b[2048];

static void basic_header(char *out, size_t cap, const char *tenant, const char *token)
{
    char userpass[256], b64[400];
    snprintf(userpass, sizeof(userpass), "%s:%s", tenant, token);
    sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)userpass, strlen(userpass),
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, cap, "Authorization: Basic %s", b64);
}

/* GET/POST as the acme reporting token; waits out the family's rate limit, which the
 * rate test below exercises on purpose. */
static int call_as(const char *auth, const char *method, const char *path, const char *body,
                   struct http_result *r)
{
    for (int attempt = 0;; attempt++) {
        const char *h[] = {"Content-Type: application/json", auth, NULL};
        int rc = http_do(method, path, body, h, r);
        if (rc || r->status != 429 || attempt == 10) return rc;
        http_result_free(r);
        usleep(1100 * 1000);
    }
}

static int rp(const char *method, const char *path, const char *body, struct http_result *r)
{
    return call_as(basic, method, path, body, r);
}

static const char *header(const struct http_result *r, const char *name)
{
    static char buf[4][1024];
    static int i;
    i = (i + 1) % 4;
    return http_header(r, name, buf[i], sizeof(buf[i]));
}

/* The "id" of each item of a list answer, comma-separated. */
static const char *ids(const struct http_result *r)
{
    static char buf[1024];
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; r->json && i < json_object_array_length(r->json); i++) {
        json_object *id = json_object_object_get(json_object_array_get_idx(r->json, i), "id");
        at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%lld", i ? "," : "",
                               (long long)json_object_get_int64(id));
    }
    return buf;
}

static const char TEAMS[] = "[{\"id\":1,\"name\":\"Support\",\"position\":0},"
                            "{\"id\":2,\"name\":\"East\",\"parent_id\":1,\"position\":2},"
                            "{\"id\":3,\"name\":\"West\",\"parent_id\":1,\"position\":1}]";
static const char MENUS[] =
    "[{\"id\":1,\"name\":\"Main\",\"position\":0},"
    "{\"id\":2,\"name\":\"Billing\",\"parent_id\":1,\"position\":1,\"menu_type\":\"queue\"},"
    "{\"id\":3,\"name\":\"Old\",\"position\":2,\"deleted_at\":\"2026-02-01T00:00:00Z\"}]";
static const char AGENTS[] =
    "{\"id\":7,\"first_name\":\"Ana\",\"last_name\":\"Silva\",\"email\":\"ana@acme.test\","
    "\"teams\":[{\"id\":2,\"name\":\"East\"}],\"status\":{\"id\":1,\"name\":\"Available\"},"
    "\"status_id\":1,\"online\":true,\"roles\":[\"agent\"],\"channels\":[\"voice\"],\"call_count\":"
    "2}\n"
    "\n"
    "{\"id\":8,\"first_name\":\"Ben\",\"last_name\":\"Okafor\",\"email\":\"ben@acme.test\","
    "\"teams\":[{\"id\":2,\"name\":\"East\"},{\"id\":3,\"name\":\"West\"}],\"online\":false}\n";
/* 1 answered (East), 2 abandoned (East), 3 crosses midnight with a transfer, a
 * conference and a third party (West), 4 a voicemail (West). */
static const char CALLS[] =
    "{\"id\":1,\"call_type\":\"inbound\",\"status\":\"finished\",\"team_id\":2,"
    "\"agent_info\":{\"id\":7,\"first_name\":\"Ana\"},\"selected_menu\":{\"id\":2,\"name\":"
    "\"Billing\"},"
    "\"created_at\":\"2026-03-02T10:00:00Z\",\"queued_at\":\"2026-03-02T10:00:30Z\","
    "\"connecting_at\":\"2026-03-02T10:01:20Z\",\"connected_at\":\"2026-03-02T10:01:30Z\","
    "\"ends_at\":\"2026-03-02T10:06:30Z\",\"call_duration\":300,\"hold_duration\":45,"
    "\"participants\":[{\"id\":11,\"type\":\"end_user\",\"connected_at\":\"2026-03-02T10:00:00Z\"},"
    "{\"id\":12,\"type\":\"agent\",\"agent_id\":7,\"connected_at\":\"2026-03-02T10:01:30Z\","
    "\"ended_at\":\"2026-03-02T10:06:30Z\"}]}\n"
    "{\"id\":2,\"call_type\":\"inbound\",\"status\":\"abandoned\",\"team_id\":2,"
    "\"selected_menu\":{\"id\":2,\"name\":\"Billing\"},\"created_at\":\"2026-03-02T11:00:00Z\","
    "\"queued_at\":\"2026-03-02T11:00:20Z\",\"ends_at\":\"2026-03-02T11:02:00Z\"}\n"
    "{\"id\":3,\"call_type\":\"inbound\",\"status\":\"finished\",\"team_id\":3,"
    "\"agent_info\":{\"id\":8},\"created_at\":\"2026-03-02T23:55:00Z\",\"queued_at\":\"2026-03-"
    "02T23:55:40Z\","
    "\"connecting_at\":\"2026-03-02T23:56:30Z\",\"connected_at\":\"2026-03-02T23:56:40Z\","
    "\"ends_at\":\"2026-03-03T00:16:40Z\",\"call_duration\":1200,\"hold_duration\":60,"
    "\"participants\":["
    "{\"id\":31,\"type\":\"agent\",\"agent_id\":8,\"connected_at\":\"2026-03-02T23:56:40Z\","
    "\"ended_at\":\"2026-03-03T00:06:40Z\"},"
    "{\"id\":32,\"type\":\"agent\",\"agent_id\":7,\"connected_at\":\"2026-03-03T00:05:00Z\","
    "\"ended_at\":\"2026-03-03T00:16:40Z\"},"
    "{\"id\":33,\"type\":\"third_party\",\"connected_at\":\"2026-03-03T00:10:00Z\",\"ended_at\":"
    "\"2026-03-03T00:12:00Z\"},"
    "{\"id\":34,\"type\":\"end_user\",\"connected_at\":\"2026-03-02T23:55:00Z\"}],"
    "\"transfers\":[{\"id\":1,\"created_at\":\"2026-03-03T00:04:30Z\",\"participant_id\":32}]}\n"
    "{\"id\":4,\"call_type\":\"voicemail\",\"status\":\"voicemail\",\"team_id\":3,"
    "\"created_at\":\"2026-03-03T22:00:00Z\",\"queued_at\":\"2026-03-03T22:00:40Z\","
    "\"connected_at\":\"2026-03-03T22:00:45Z\",\"ends_at\":\"2026-03-03T22:01:45Z\"}\n";

static void import_ok(const char *resource, const char *body, const char *want)
{
    struct http_result r;
    char path[128];
    snprintf(path, sizeof(path), "/manager/api/v1/import/%s", resource);
    REQUIRE(rp("POST", path, body, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, want);
    http_result_free(&r);
}

static void test_token_and_import(void)
{
    const char *tok = getenv("CS_TEST_RP_TOKEN");
    json_object *o = tok ? json_tokener_parse(tok) : NULL;
    REQUIRE(o && jstr(o, "token"));
    CHECK_STR(jstr(o, "tenant_id"), "acme");
    basic_header(basic, sizeof(basic), "acme", jstr(o, "token"));
    basic_header(wrong_tenant, sizeof(wrong_tenant), "globex", jstr(o, "token"));
    json_object_put(o);
    REQUIRE(e2e_token_for_key("CS_TEST_KEY_B", bearer_b, sizeof(bearer_b), NULL, 0) == 0);

    import_ok("teams", TEAMS,
              "{\"resource\":\"teams\",\"received\":3,\"inserted\":3,\"updated\":0,"
              "\"unchanged\":0,\"changed_details\":0}");
    import_ok("menus", MENUS,
              "{\"resource\":\"menus\",\"received\":3,\"inserted\":3,\"updated\":0,"
              "\"unchanged\":0,\"changed_details\":0}");
    import_ok("agents", AGENTS,
              "{\"resource\":\"agents\",\"received\":2,\"inserted\":2,\"updated\":0,"
              "\"unchanged\":0,\"changed_details\":0}");
    import_ok("calls", CALLS,
              "{\"resource\":\"calls\",\"received\":4,\"inserted\":4,\"updated\":0,"
              "\"unchanged\":0,\"changed_details\":0}");
    /* Idempotent by id. */
    import_ok("calls", CALLS,
              "{\"resource\":\"calls\",\"received\":4,\"inserted\":0,\"updated\":0,"
              "\"unchanged\":4,\"changed_details\":0}");
}

static void test_auth(void)
{
    struct http_result r;
    REQUIRE(call_as(NULL, "GET", "/manager/api/v1/calls", NULL, &r) == 0);
    CHECK_INT(r.status, 401);
    CHECK_STR(r.body, "{\"error\":{\"code\":\"unauthorized\",\"message\":\"Not authenticated\"}}");
    http_result_free(&r);
    /* acme's token is not globex's password. */
    REQUIRE(call_as(wrong_tenant, "GET", "/manager/api/v1/calls", NULL, &r) == 0);
    CHECK_INT(r.status, 401);
    CHECK_STR(r.body,
              "{\"error\":{\"code\":\"bad_credentials\",\"message\":\"Invalid credentials\"}}");
    CHECK_STR(header(&r, "www-authenticate"), "Basic realm=\"reporting\"");
    http_result_free(&r);
    /* Bearer tokens work too, scoped to their own tenant. */
    REQUIRE(call_as(bearer_b, "GET", "/manager/api/v1/calls", NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "[]");
    CHECK_STR(header(&r, "total"), "0");
    http_result_free(&r);
}

static void check_ids(const char *path, const char *want_ids, const char *want_total)
{
    struct http_result r;
    REQUIRE(rp("GET", path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(ids(&r), want_ids);
    CHECK_STR(header(&r, "total"), want_total);
    if (strcmp(ids(&r), want_ids)) fprintf(stderr, "  for %s\n", path);
    http_result_free(&r);
}

static void test_filters(void)
{
    check_ids("/manager/api/v1/calls", "1,2,3,4", "4");
    check_ids("/manager/api/v1/calls?created_at[from]=2026-03-02&created_at[to]=2026-03-02",
              "1,2,3", "3");
    check_ids("/manager/api/v1/calls?created_at%5Bfrom%5D=2026-03-02T23:00:00%2B01:00", "3,4", "2");
    check_ids("/manager/api/v1/calls?team_id[]=3", "3,4", "2");
    check_ids("/manager/api/v1/calls?status[]=abandoned&status[]=voicemail", "2,4", "2");
    check_ids("/manager/api/v1/calls?agent_id[]=7&team_id[]=2", "1", "1");
    check_ids("/manager/api/v1/calls?call_duration[from]=500", "3", "1");
    check_ids("/manager/api/v1/calls?sort_column=created_at&sort_direction=DESC", "4,3,2,1", "4");
    check_ids("/manager/api/v1/calls?sort_column=call_type&sort_direction=ASC", "1,2,3,4", "4");
    check_ids("/manager/api/v1/menus", "1,2", "2");
    check_ids("/manager/api/v1/menus?with_deleted=true", "1,2,3", "3");
    check_ids("/manager/api/v1/call_participants?call_id[]=3", "31,32,33,34", "4");
    check_ids("/manager/api/v1/call_participants?type[]=third_party", "33", "1");
    check_ids("/manager/api/v1/user_info?sort_column=first_name&sort_direction=DESC", "8,7", "2");
}

static void test_paging(void)
{
    struct http_result r;
    REQUIRE(rp("GET", "/manager/api/v1/calls?per=2", NULL, &r) == 0);
    CHECK_STR(ids(&r), "1,2");
    CHECK_STR(header(&r, "total"), "4");
    CHECK_STR(header(&r, "per-page"), "2");
    CHECK_STR(header(&r, "link"), "</manager/api/v1/calls?per=2&page=2>; rel=\"next\", "
                                  "</manager/api/v1/calls?per=2&page=2>; rel=\"last\"");
    http_result_free(&r);
    REQUIRE(rp("GET", "/manager/api/v1/calls?page=2&per=2&team_id[]=2&team_id[]=3", NULL, &r) == 0);
    CHECK_STR(ids(&r), "3,4");
    CHECK_STR(header(&r, "link"),
              "</manager/api/v1/calls?per=2&team_id[]=2&team_id[]=3&page=2>; rel=\"last\"");
    http_result_free(&r);
    REQUIRE(rp("GET", "/manager/api/v1/calls?per=500&page=7", NULL, &r) == 0);
    CHECK_STR(r.body, "[]");
    CHECK_STR(header(&r, "per-page"), "100");
    CHECK_STR(header(&r, "link"), "</manager/api/v1/calls?per=500&page=1>; rel=\"last\"");
    http_result_free(&r);
    /* Tailing: the next link carries the keyset cursor after the page's last row. */
    REQUIRE(rp("GET",
               "/manager/api/v1/calls?updated_at[from]=2020-01-01&sort_column=updated_at&per=3",
               NULL, &r) == 0);
    CHECK_STR(ids(&r), "1,2,3");
    const char *link = header(&r, "link");
    CHECK(e2e_matches(
        link,
        "^</manager/api/v1/calls\\?updated_at\\[from\\]=2020-01-01&sort_column=updated_at&per=3"
        "&page=2&after=[0-9]+\\.3>; rel=\"next\", <[^>]+page=2>; rel=\"last\"$"));
    char next[512] = "";
    if (link && link[0] == '<') {
        size_t n = strcspn(link + 1, ">");
        snprintf(next, sizeof(next), "%.*s", (int)n, link + 1);
    }
    http_result_free(&r);
    REQUIRE(next[0]);
    REQUIRE(rp("GET", next, NULL, &r) == 0);
    CHECK_STR(ids(&r), "4");
    http_result_free(&r);
}

static void test_records(void)
{
    struct http_result r;
    REQUIRE(rp("GET", "/manager/api/v1/calls/3/segments", NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body,
              "{\"call_id\":3,\"billing\":1300.0,\"call\":1300.0,\"ivr\":40.0,\"queue\":60.0,"
              "\"ring\":10.0,\"handle\":1200.0,\"talk\":1140.0,\"hold\":60.0,\"transfer\":30.0,"
              "\"conference\":100.0,\"third_party_talk\":120.0,\"transfers\":[30.0]}");
    http_result_free(&r);
    REQUIRE(rp("GET", "/manager/api/v1/calls/4/segments", NULL, &r) == 0);
    CHECK_STR(r.body, "{\"call_id\":4,\"billing\":105.0,\"call\":105.0,\"ivr\":40.0,\"queue\":5.0,"
                      "\"ring\":null,\"handle\":null,\"talk\":null,\"hold\":null,\"transfer\":null,"
                      "\"conference\":null,\"third_party_talk\":null,\"transfers\":[]}");
    http_result_free(&r);
    REQUIRE(rp("GET", "/manager/api/v1/calls/1", NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(r.json, "created_at"), "2026-03-02T10:00:00.000Z");
    CHECK_INT(jint(r.json, "agent_id"), 7);
    CHECK_INT(jint(r.json, "menu_id"), 2);
    CHECK_INT(jlen(r.json, "participants"), 2);
    http_result_free(&r);
    REQUIRE(rp("GET", "/manager/api/v1/calls/1/participants", NULL, &r) == 0);
    CHECK_STR(ids(&r), "11,12");
    CHECK_INT(jint(json_object_array_get_idx(r.json, 1), "call_id"), 1);
    http_result_free(&r);
    REQUIRE(rp("GET", "/manager/api/v1/user_info/7", NULL, &r) == 0);
    CHECK_STR(jstr(r.json, "email"), "ana@acme.test");
    CHECK(jget(r.json, "teams") == NULL); /* the limited view */
    http_result_free(&r);
    REQUIRE(rp("GET", "/manager/api/v1/menus/3", NULL, &r) == 0);
    CHECK_INT(r.status, 404);
    CHECK_STR(r.body, "{\"error\":{\"code\":\"not_found\",\"message\":\"No menus with id 3\"}}");
    http_result_free(&r);
    REQUIRE(rp("GET", "/manager/api/v1/menus/3?with_deleted=true", NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    http_result_free(&r);
    REQUIRE(rp("GET", "/manager/api/v1/teams/tree", NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    json_object *root = json_object_array_get_idx(r.json, 0);
    CHECK_INT((long long)(r.json && json_object_is_type(r.json, json_type_array)
                              ? json_object_array_length(r.json)
                              : 0),
              1);
    CHECK_STR(jstr(root, "name"), "Support");
    json_object *kids = jget(root, "children");
    CHECK_INT(json_object_array_length(kids), 2);
    CHECK_STR(jstr(json_object_array_get_idx(kids, 0), "name"), "West"); /* position 1 */
    CHECK_STR(jstr(json_object_array_get_idx(kids, 1), "name"), "East");
    http_result_free(&r);
    REQUIRE(rp("GET", "/manager/api/v1/teams/with_assignees?id[]=2&id[]=3", NULL, &r) == 0);
    CHECK_STR(ids(&r), "2,3");
    json_object *east = jget(json_object_array_get_idx(r.json, 0), "assignees");
    json_object *west = jget(json_object_array_get_idx(r.json, 1), "assignees");
    CHECK_INT(json_object_array_length(east), 2);
    CHECK_INT(json_object_array_length(west), 1);
    CHECK_STR(jstr(json_object_array_get_idx(west, 0), "first_name"), "Ben");
    http_result_free(&r);
}

static void test_changes(void)
{
    /* Call 2 turns out answered after all: its changes are recorded per field. */
    const char *upd =
        "[{\"id\":2,\"call_type\":\"inbound\",\"status\":\"finished\",\"team_id\":2,"
        "\"selected_menu\":{\"id\":2,\"name\":\"Billing\"},\"created_at\":\"2026-03-02T11:00:00Z\","
        "\"queued_at\":\"2026-03-02T11:00:20Z\",\"ends_at\":\"2026-03-02T11:02:00Z\","
        "\"sub_status\":\"callback\"}]";
    import_ok("calls", upd,
              "{\"resource\":\"calls\",\"received\":1,\"inserted\":0,\"updated\":1,"
              "\"unchanged\":0,\"changed_details\":2}");
    struct http_result r;
    REQUIRE(rp("GET",
               "/manager/api/v1/changed_details?record_type[]=call&record_id[]=2&sort_column=field",
               NULL, &r) == 0);
    CHECK_INT((long long)(r.json && json_object_is_type(r.json, json_type_array)
                              ? json_object_array_length(r.json)
                              : 0),
              2);
    json_object *c0 = json_object_array_get_idx(r.json, 0);
    CHECK_STR(jstr(c0, "field"), "status");
    CHECK_STR(jstr(c0, "former_value"), "abandoned");
    CHECK_STR(jstr(c0, "new_value"), "finished");
    CHECK_STR(jstr(json_object_array_get_idx(r.json, 1), "new_value"), "callback");
    http_result_free(&r);
    /* And it was moved to the end of the updated_at order. */
    check_ids("/manager/api/v1/calls?sort_column=updated_at", "1,3,4,2", "4");
}

static void test_metrics(void)
{
    struct http_result r;
    REQUIRE(rp("GET",
               "/manager/api/v1/metrics/"
               "call_segments?group_by=team&created_at[from]=2026-03-01&created_at[to]=2026-03-04",
               NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_INT((long long)(r.json && json_object_is_type(r.json, json_type_array)
                              ? json_object_array_length(r.json)
                              : 0),
              2);
    json_object *east = json_object_array_get_idx(r.json, 0),
                *west = json_object_array_get_idx(r.json, 1);
    CHECK_STR(jstr(east, "key"), "2");
    CHECK_INT(jint(east, "calls"), 2);
    CHECK_STR(
        json_object_to_json_string_ext(jget(east, "segments.billing"), JSON_C_TO_STRING_PLAIN),
        "{\"count\":2,\"sum\":510.0,\"mean\":255.0,\"p50\":120.0,\"p90\":390.0,\"p99\":390.0}");
    CHECK_STR(
        json_object_to_json_string_ext(jget(east, "segments.transfer"), JSON_C_TO_STRING_PLAIN),
        "{\"count\":0,\"sum\":null,\"mean\":null,\"p50\":null,\"p90\":null,\"p99\":null}");
    CHECK_STR(jstr(west, "key"), "3");
    CHECK_STR(json_object_to_json_string_ext(jget(west, "segments.handle"), JSON_C_TO_STRING_PLAIN),
              "{\"count\":1,\"sum\":1200.0,\"mean\":1200.0,\"p50\":1200.0,\"p90\":1200.0,\"p99\":"
              "1200.0}");
    CHECK_STR(
        json_object_to_json_string_ext(jget(west, "segments.billing"), JSON_C_TO_STRING_PLAIN),
        "{\"count\":2,\"sum\":1405.0,\"mean\":702.5,\"p50\":105.0,\"p90\":1300.0,\"p99\":1300.0}");
    CHECK_INT(jint(west, "segments.conference.count"), 1);
    http_result_free(&r);
    REQUIRE(rp("GET",
               "/manager/api/v1/metrics/"
               "call_segments?group_by=day&created_at[from]=2026-03-01&created_at[to]=2026-03-04",
               NULL, &r) == 0);
    CHECK_STR(jstr(json_object_array_get_idx(r.json, 0), "key"), "2026-03-02");
    CHECK_INT(jint(json_object_array_get_idx(r.json, 0), "calls"), 3);
    CHECK_STR(jstr(json_object_array_get_idx(r.json, 1), "key"), "2026-03-03");
    http_result_free(&r);
}

static void check_error(const char *method, const char *path, const char *body, long status,
                        const char *want)
{
    struct http_result r;
    REQUIRE(rp(method, path, body, &r) == 0);
    CHECK_INT(r.status, status);
    CHECK_STR(r.body, want);
    if (r.status != status || strcmp(r.body, want)) fprintf(stderr, "  for %s %s\n", method, path);
    http_result_free(&r);
}

static void test_errors(void)
{
    check_error(
        "GET", "/manager/api/v1/cars", NULL, 404,
        "{\"error\":{\"code\":\"unknown_resource\",\"message\":\"Unknown resource: cars\"}}");
    check_error("GET", "/manager/api/v1/calls/1/segments/more", NULL, 404,
                "{\"error\":{\"code\":\"not_found\",\"message\":\"Not Found\"}}");
    check_error(
        "GET", "/manager/api/v1/calls/1/photos", NULL, 404,
        "{\"error\":{\"code\":\"not_found\",\"message\":\"No such route: calls/{id}/photos\"}}");
    check_error("GET", "/manager/api/v1/calls/abc", NULL, 400,
                "{\"error\":{\"code\":\"bad_id\",\"message\":\"id must be an integer >= 1\"}}");
    check_error("GET", "/manager/api/v1/calls?colour[]=red", NULL, 422,
                "{\"error\":{\"code\":\"unknown_filter\",\"message\":\"Unknown filter: colour\"}}");
    check_error("GET", "/manager/api/v1/calls?sort_column=colour", NULL, 422,
                "{\"error\":{\"code\":\"unknown_sort_column\",\"message\":\"Unknown sort column: "
                "colour\"}}");
    check_error(
        "GET", "/manager/api/v1/calls?status[x]=1", NULL, 400,
        "{\"error\":{\"code\":\"bad_filter\",\"message\":\"Bad filter syntax: status[x]\"}}");
    check_error("GET", "/manager/api/v1/calls?created_at[from]=soon", NULL, 400,
                "{\"error\":{\"code\":\"bad_filter\",\"message\":\"created_at[from]: not an ISO "
                "8601 timestamp\"}}");
    check_error("GET", "/manager/api/v1/calls?page=0", NULL, 400,
                "{\"error\":{\"code\":\"bad_page\",\"message\":\"page must be an integer >= 1\"}}");
    check_error("GET", "/manager/api/v1/calls?per=-1", NULL, 400,
                "{\"error\":{\"code\":\"bad_per\",\"message\":\"per must be an integer >= 1 (at "
                "most 100)\"}}");
    check_error("GET", "/manager/api/v1/metrics/call_segments?group_by=planet", NULL, 400,
                "{\"error\":{\"code\":\"bad_group_by\",\"message\":\"group_by must be agent, team, "
                "menu, day or hour\"}}");
    check_error(
        "POST", "/manager/api/v1/import/cars", "[]", 404,
        "{\"error\":{\"code\":\"unknown_resource\",\"message\":\"Unknown resource: cars\"}}");
    /* NDJSON with a broken line writes nothing. */
    check_error(
        "POST", "/manager/api/v1/import/teams",
        "{\"id\":10,\"name\":\"North\"}\n{\"id\":11,\"name\":\n{\"id\":12,\"name\":\"South\"}\n",
        400,
        "{\"error\":{\"code\":\"bad_json\",\"message\":\"Line 2 is not a JSON object; nothing was "
        "written\"}}");
    check_error("POST", "/manager/api/v1/import/teams",
                "[{\"id\":10,\"name\":\"North\"},{\"id\":0,\"name\":5}]", 422,
                "{\"error\":{\"code\":\"invalid_records\",\"message\":\"Some records are invalid; "
                "nothing was written\","
                "\"details\":{\"records\":[{\"index\":1,\"id\":0,\"errors\":[{\"field\":\"name\","
                "\"message\":\"must be a string\"},"
                "{\"field\":\"id\",\"message\":\"must be >= 1\"}]}]}}}");
    check_error("POST", "/manager/api/v1/import/call_participants", "[]", 422,
                "{\"error\":{\"code\":\"not_importable\",\"message\":\"call_participants cannot be "
                "imported: "
                "participants come nested in their call or chat\"}}");
    check_ids("/manager/api/v1/teams", "1,2,3", "3");
}

static void test_rate_limit(void)
{
    usleep(1100 * 1000); /* a fresh window */
    bool limited = false;
    for (int i = 0; i < 200 && !limited; i++) {
        struct http_result r;
        const char *h[] = {basic, NULL};
        REQUIRE(http_do("GET", "/manager/api/v1/user_statuses", NULL, h, &r) == 0);
        if (r.status == 429) {
            limited = true;
            CHECK_STR(
                r.body,
                "{\"error\":{\"code\":\"rate_limited\",\"message\":\"Rate limit exceeded\"}}");
            CHECK_STR(header(&r, "retry-after"), "1");
            CHECK_STR(header(&r, "x-rate-limit-limit"), "20");
        } else {
            CHECK_INT(r.status, 200);
        }
        http_result_free(&r);
    }
    CHECK(limited);
}

/* The chat id the reporting family gives a session: BLAKE2b of "chat:<id>:0", 52 bits,
 * plus one (rp_chat.c); recomputed here so a change of the mapping is noticed. */
static long long chat_id_of(const char *sid)
{
    char in[160];
    unsigned char h[8];
    snprintf(in, sizeof(in), "chat:%s:0", sid);
    crypto_generichash(h, sizeof(h), (const unsigned char *)in, strlen(in), NULL, 0);
    unsigned long long v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | h[i];
    return (long long)(v & ((1ULL << 52) - 1)) + 1;
}

/* "2026-03-02T10:00:05Z" as the family answers it: "2026-03-02T10:00:05.000Z". */
static const char *ms_form(const char *iso)
{
    static char buf[4][40];
    static int i;
    i = (i + 1) % 4;
    size_t n = iso ? strlen(iso) : 0;
    if (n < 2) return "";
    snprintf(buf[i], sizeof(buf[i]), "%.*s.000Z", (int)(n - 1), iso);
    return buf[i];
}

/* A session taken through the tiers (a refund the rep may not give goes to the AI
 * manager, one above every AI limit to the human agent), then read back as a chat. */
static void test_session_chats(void)
{
    static const char *const roles[] = {"manager"};
    char *tok = test_jwt_sign(getenv("CS_TEST_JWT_SECRET"), "acme", "e2e-rpchat", roles, 1, 3600);
    REQUIRE(tok);
    char auth[2048], sid[96], path[256];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
    free(tok);
    struct http_result r;
    REQUIRE(
        e2e_call(auth, "POST", "/api/v1/cs/sessions",
                 "{\"companyId\":\"co-rpchat\",\"customerId\":\"cust-rp\",\"channel\":\"chat\"}",
                 &r) == 0);
    REQUIRE(r.status == 201);
    snprintf(sid, sizeof(sid), "%s", jstr(r.json, "id"));
    http_result_free(&r);
    /* No message yet: no chat. */
    snprintf(path, sizeof(path), "/manager/api/v1/chats?session_id[]=%s", sid);
    REQUIRE(rp("GET", path, NULL, &r) == 0);
    CHECK_STR(r.body, "[]");
    http_result_free(&r);
    static const char *const msgs[] = {
        "My blender broke after two days. I want a refund of $80 please.",
        "The TV arrived smashed. I want a refund of $950 for it."};
    for (int i = 0; i < 2; i++) {
        char mp[160], body[256];
        snprintf(mp, sizeof(mp), "/api/v1/cs/sessions/%s/messages", sid);
        snprintf(body, sizeof(body), "{\"message\":\"%s\"}", msgs[i]);
        REQUIRE(e2e_call(auth, "POST", mp, body, &r) == 0);
        CHECK_INT(r.status, 201);
        http_result_free(&r);
    }
    /* The session as its API shows it: the source of every expected value below. */
    struct http_result s;
    snprintf(path, sizeof(path), "/api/v1/cs/sessions/%s", sid);
    REQUIRE(e2e_call(auth, "GET", path, NULL, &s) == 0);
    REQUIRE(s.status == 200);
    REQUIRE(jlen(s.json, "messages") == 4);
    REQUIRE(jlen(s.json, "escalationHistory") == 2);
    CHECK_STR(jstr(s.json, "messages.1.role"), "ai_manager");
    CHECK_STR(jstr(s.json, "messages.3.role"), "system");
    CHECK_STR(jstr(s.json, "escalationHistory.1.toTier"), "HUMAN_AGENT");
    double avg = (jnum(s.json, "messages.1.metadata.latencyMs") +
                  jnum(s.json, "messages.3.metadata.latencyMs")) /
                 2 / 1000;

    long long cid = chat_id_of(sid);
    snprintf(path, sizeof(path), "/manager/api/v1/chats?session_id[]=%s", sid);
    REQUIRE(rp("GET", path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(header(&r, "total"), "1");
    char want[64];
    snprintf(want, sizeof(want), "%lld", cid);
    CHECK_STR(ids(&r), want);
    http_result_free(&r);
    snprintf(path, sizeof(path), "/manager/api/v1/chats/%lld", cid);
    REQUIRE(rp("GET", path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    json_object *c = r.json;
    CHECK_STR(jstr(c, "session_id"), sid);
    CHECK_STR(jstr(c, "chat_type"), "chat");
    CHECK_STR(jstr(c, "status"), "assigned");
    CHECK_STR(jstr(c, "sub_status"), "ESCALATED");
    CHECK_INT(jint(c, "message_count"), 4);
    CHECK_INT(jint(c, "agent_id"), 900003);
    CHECK_STR(jstr(c, "agent_info.name"), "HUMAN_AGENT");
    CHECK_STR(jstr(c, "end_user.identifier"), "cust-rp");
    CHECK_STR(jstr(c, "created_at"), ms_form(jstr(s.json, "messages.0.timestamp")));
    CHECK_STR(jstr(c, "first_msg_sent_at"), ms_form(jstr(s.json, "messages.0.timestamp")));
    CHECK_STR(jstr(c, "connected_at"), ms_form(jstr(s.json, "messages.1.timestamp")));
    CHECK_NEAR(jnum(c, "average_response_time"), avg, 1e-9);
    char tpath[160];
    snprintf(tpath, sizeof(tpath), "/api/v1/cs/sessions/%s", sid);
    CHECK_STR(jstr(c, "transcript_url"), tpath);
    /* The end user and the two tiers that answered; the rep handed on before answering. */
    CHECK_INT(jlen(c, "participants"), 3);
    CHECK_STR(jstr(c, "participants.0.type"), "end_user");
    CHECK_STR(jstr(c, "participants.1.name"), "AI_MANAGER");
    CHECK_INT(jint(c, "participants.1.agent_id"), 900002);
    CHECK_STR(jstr(c, "participants.1.connected_at"),
              ms_form(jstr(s.json, "messages.1.timestamp")));
    CHECK_STR(jstr(c, "participants.1.ended_at"),
              ms_form(jstr(s.json, "escalationHistory.1.timestamp")));
    CHECK_STR(jstr(c, "participants.1.status"), "finished");
    CHECK_STR(jstr(c, "participants.2.name"), "HUMAN_AGENT");
    CHECK_STR(jstr(c, "participants.2.status"), "connected");
    CHECK_INT(jlen(c, "transfers"), 2);
    CHECK_STR(jstr(c, "transfers.0.from_tier"), "AI_REP");
    CHECK_STR(jstr(c, "transfers.0.to_tier"), "AI_MANAGER");
    CHECK_STR(jstr(c, "transfers.0.reason"), jstr(s.json, "escalationHistory.0.reason"));
    CHECK_INT(jint(c, "transfers.0.participant_id"), jint(c, "participants.1.id"));
    CHECK_STR(jstr(c, "transfers.1.to_tier"), "HUMAN_AGENT");
    CHECK_STR(jstr(c, "transfers.1.reason"), jstr(s.json, "escalationHistory.1.reason"));
    CHECK_STR(jstr(c, "transfers.1.created_at"),
              ms_form(jstr(s.json, "escalationHistory.1.timestamp")));
    http_result_free(&r);
    /* The participants as their own resource, and the human tier's activity. */
    snprintf(path, sizeof(path), "/manager/api/v1/chat_participants?chat_id[]=%lld", cid);
    REQUIRE(rp("GET", path, NULL, &r) == 0);
    CHECK_STR(header(&r, "total"), "3");
    http_result_free(&r);
    snprintf(path, sizeof(path),
             "/manager/api/v1/agent_activity_logs?agent_id[]=900003&chat_id[]=%lld", cid);
    REQUIRE(rp("GET", path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(json_object_array_length(r.json), 1);
    CHECK_STR(jstr(json_object_array_get_idx(r.json, 0), "activity"), "chat_handoff");
    CHECK_STR(jstr(json_object_array_get_idx(r.json, 0), "started_at"),
              ms_form(jstr(s.json, "messages.3.timestamp")));
    http_result_free(&r);
    /* Every turn updated the chat: its message count moved 2 -> 4 in changed_details. */
    snprintf(
        path, sizeof(path),
        "/manager/api/v1/changed_details?record_type[]=chat&record_id[]=%lld&field[]=message_count",
        cid);
    REQUIRE(rp("GET", path, NULL, &r) == 0);
    CHECK_INT(json_object_array_length(r.json), 1);
    CHECK_INT(jint(json_object_array_get_idx(r.json, 0), "former_value"), 2);
    CHECK_INT(jint(json_object_array_get_idx(r.json, 0), "new_value"), 4);
    http_result_free(&r);
    /* Resolving the session finishes the chat in the same write. */
    snprintf(path, sizeof(path), "/api/v1/cs/sessions/%s/resolve", sid);
    REQUIRE(e2e_call(auth, "POST", path,
                     "{\"resolutionType\":\"REFUND_PROCESSED\",\"summary\":\"Refunded\"}",
                     &r) == 0);
    CHECK_INT(r.status, 200);
    http_result_free(&r);
    snprintf(path, sizeof(path), "/manager/api/v1/chats/%lld", cid);
    REQUIRE(rp("GET", path, NULL, &r) == 0);
    CHECK_STR(jstr(r.json, "status"), "finished");
    CHECK_STR(jstr(r.json, "sub_status"), "RESOLVED");
    CHECK_STR(jstr(r.json, "finish_reason"), "resolved");
    CHECK(jstr(r.json, "ends_at") != NULL);
    http_result_free(&r);
    http_result_free(&s);
}

/* The reporting agent id of a reviewer: BLAKE2b of "reviewer:<subject>:0", 52 bits, plus
 * one (rp_review.c); recomputed here so a change of the mapping is noticed. */
static long long reviewer_agent_of(const char *subject)
{
    char in[160];
    unsigned char h[8];
    snprintf(in, sizeof(in), "reviewer:%s:0", subject);
    crypto_generichash(h, sizeof(h), (const unsigned char *)in, strlen(in), NULL, 0);
    unsigned long long v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | h[i];
    return (long long)(v & ((1ULL << 52) - 1)) + 1;
}

/* "2026-03-02T10:00:05.123000" (the review API's naive microseconds, whole ms) as the
 * reporting family answers it: "2026-03-02T10:00:05.123Z". */
static const char *ms_of_naive_us(const char *iso)
{
    static char buf[4][40];
    static int i;
    i = (i + 1) % 4;
    size_t n = iso ? strlen(iso) : 0;
    if (n != 26) return "";
    snprintf(buf[i], sizeof(buf[i]), "%.23sZ", iso);
    return buf[i];
}

/* Milliseconds of the day of a naive "...Thh:mm:ss.uuuuuu" time (same day assumed:
 * the test decides seconds after queueing). */
static long long day_ms(const char *iso)
{
    int h, m, sec, us;
    if (!iso || sscanf(iso + 11, "%2d:%2d:%2d.%6d", &h, &m, &sec, &us) != 4) return -1;
    return ((h * 60LL + m) * 60 + sec) * 1000 + us / 1000;
}

/* A review decision is the reviewer's agent activity, written with the decision. */
static void test_review_activity(void)
{
    static const char *const roles[] = {"manager"};
    char *tok =
        test_jwt_sign(getenv("CS_TEST_JWT_SECRET"), "acme", "e2e-rp-reviewer", roles, 1, 3600);
    REQUIRE(tok);
    char auth[2048], path[256], body[512], item[64];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
    free(tok);
    struct http_result r, q;
    REQUIRE(e2e_call(auth, "POST", "/api/v1/review/queue",
                     "{\"query\":\"Can I get a refund?\",\"response\":\"Yes, within 30 days.\","
                     "\"category\":\"refunds\",\"priority\":2,\"metadata\":{\"customer_id\":"
                     "\"cust-rp\",\"interaction_id\":\"int-rp\"}}",
                     &r) == 0);
    REQUIRE(r.status == 200);
    snprintf(item, sizeof(item), "%s", jstr(r.json, "data.item_id"));
    http_result_free(&r);
    usleep(20 * 1000); /* a duration above zero */
    snprintf(body, sizeof(body), "{\"item_id\":\"%s\",\"approved\":false}", item);
    REQUIRE(e2e_call(auth, "POST", "/api/v1/review/decision", body, &r) == 0);
    CHECK_INT(r.status, 200);
    http_result_free(&r);
    /* The item as the review API shows it: the source of the expected times. */
    REQUIRE(e2e_call(auth, "GET", "/api/v1/review/queue?status=rejected&limit=100", NULL, &q) == 0);
    REQUIRE(q.status == 200);
    json_object *mine = NULL, *items = jget(q.json, "data.items");
    for (size_t i = 0; items && i < json_object_array_length(items); i++)
        if (!strcmp(jstr(json_object_array_get_idx(items, i), "item_id"), item))
            mine = json_object_array_get_idx(items, i);
    REQUIRE(mine);
    long long agent = reviewer_agent_of("e2e-rp-reviewer");
    snprintf(path, sizeof(path), "/manager/api/v1/agent_activity_logs?agent_id[]=%lld", agent);
    REQUIRE(rp("GET", path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(header(&r, "total"), "1");
    json_object *a = json_object_array_get_idx(r.json, 0);
    REQUIRE(a);
    CHECK_INT(jint(a, "agent_id"), agent);
    CHECK_STR(jstr(a, "status"), "In review");
    CHECK_STR(jstr(a, "activity"), "review_rejected");
    CHECK_STR(jstr(a, "started_at"), ms_of_naive_us(jstr(mine, "queued_at")));
    CHECK_STR(jstr(a, "ended_at"), ms_of_naive_us(jstr(mine, "review_time")));
    CHECK_STR(jstr(a, "created_at"), ms_of_naive_us(jstr(mine, "review_time")));
    long long dur = day_ms(jstr(mine, "review_time")) - day_ms(jstr(mine, "queued_at"));
    CHECK(dur >= 20);
    CHECK_NEAR(jnum(a, "duration"), (double)dur / 1000.0, 1e-9);
    http_result_free(&r);
    /* A refused second decision writes no second row. */
    REQUIRE(e2e_call(auth, "POST", "/api/v1/review/decision", body, &r) == 0);
    CHECK_INT(r.status, 409);
    http_result_free(&r);
    REQUIRE(rp("GET", path, NULL, &r) == 0);
    CHECK_STR(header(&r, "total"), "1");
    http_result_free(&r);
    http_result_free(&q);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    TEST_RUN(test_token_and_import);
    TEST_RUN(test_auth);
    TEST_RUN(test_filters);
    TEST_RUN(test_paging);
    TEST_RUN(test_records);
    TEST_RUN(test_changes);
    TEST_RUN(test_metrics);
    TEST_RUN(test_errors);
    TEST_RUN(test_session_chats);
    TEST_RUN(test_review_activity);
    TEST_RUN(test_rate_limit);
    return test_done();
}
