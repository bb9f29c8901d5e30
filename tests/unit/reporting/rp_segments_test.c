/* Call segments on hand-built calls: every segment, null where it does not apply,
 * overlaps of three participants, and calls that cross midnight. */
#include <json-c/json.h>

#include "cs/reporting.h"
#include "../../support/test.h"

static json_object *call(const char *json)
{
    json_object *o = json_tokener_parse(json);
    if (!o) fprintf(stderr, "  bad fixture: %s\n", json);
    return o;
}

#define NULL_SEG(s, k) CHECK(!(s).has[k])
#define SEG(s, k, want)                                                                            \
    do {                                                                                           \
        CHECK((s).has[k]);                                                                         \
        CHECK_NEAR((s).v[k], (want), 1e-9);                                                        \
    } while (0)

/* Answered call: IVR 30 s, queue 60 s, ring 10 s, 300 s connected with 45 s on hold. */
static void test_answered_call(void)
{
    json_object *c =
        call("{\"id\":1,\"call_type\":\"inbound\",\"status\":\"finished\","
             "\"created_at\":\"2026-03-02T10:00:00Z\",\"queued_at\":\"2026-03-02T10:00:30Z\","
             "\"connecting_at\":\"2026-03-02T10:01:20Z\",\"connected_at\":\"2026-03-02T10:01:30Z\","
             "\"ends_at\":\"2026-03-02T10:06:30Z\",\"call_duration\":300,\"hold_duration\":45,"
             "\"participants\":[{\"id\":11,\"type\":\"end_user\",\"connected_at\":\"2026-03-02T10:"
             "00:00Z\"},"
             "{\"id\":12,\"type\":\"agent\",\"connected_at\":\"2026-03-02T10:01:30Z\",\"ended_at\":"
             "\"2026-03-02T10:06:30Z\"}]}");
    struct cs_rp_segments s;
    REQUIRE(c && cs_rp_segments_of(c, &s) == 0);
    SEG(s, RP_SEG_BILLING, 390);
    SEG(s, RP_SEG_CALL, 390);
    SEG(s, RP_SEG_IVR, 30);
    SEG(s, RP_SEG_QUEUE, 60);
    SEG(s, RP_SEG_RING, 10);
    SEG(s, RP_SEG_HANDLE, 300);
    SEG(s, RP_SEG_TALK, 255);
    SEG(s, RP_SEG_HOLD, 45);
    NULL_SEG(s, RP_SEG_TRANSFER);
    NULL_SEG(s, RP_SEG_CONFERENCE); /* one agent: no conference, null not 0 */
    NULL_SEG(s, RP_SEG_THIRD_PARTY);
    json_object_put(c);
}

/* Abandoned in the queue: no ring, handle, talk or hold. */
static void test_abandon(void)
{
    json_object *c =
        call("{\"id\":2,\"status\":\"abandoned\",\"created_at\":\"2026-03-02T10:00:00.250Z\","
             "\"queued_at\":\"2026-03-02T10:00:20.500Z\",\"ends_at\":\"2026-03-02T10:02:00Z\"}");
    struct cs_rp_segments s;
    REQUIRE(c && cs_rp_segments_of(c, &s) == 0);
    SEG(s, RP_SEG_BILLING, 119.75);
    SEG(s, RP_SEG_IVR, 20.25);
    NULL_SEG(s, RP_SEG_QUEUE); /* queued_at -> connected_at: never connected */
    NULL_SEG(s, RP_SEG_RING);
    NULL_SEG(s, RP_SEG_HANDLE);
    NULL_SEG(s, RP_SEG_TALK);
    NULL_SEG(s, RP_SEG_HOLD);
    json_object_put(c);
}

/* A voicemail has no handle time even if the platform stamps connected_at. */
static void test_voicemail(void)
{
    json_object *c =
        call("{\"id\":3,\"call_type\":\"voicemail\",\"status\":\"voicemail\","
             "\"created_at\":\"2026-03-02T22:00:00Z\",\"queued_at\":\"2026-03-02T22:00:40Z\","
             "\"connected_at\":\"2026-03-02T22:00:45Z\",\"ends_at\":\"2026-03-02T22:01:45Z\","
             "\"call_duration\":60,\"hold_duration\":0}");
    struct cs_rp_segments s;
    REQUIRE(c && cs_rp_segments_of(c, &s) == 0);
    SEG(s, RP_SEG_CALL, 105);
    SEG(s, RP_SEG_QUEUE, 5);
    NULL_SEG(s, RP_SEG_HANDLE);
    NULL_SEG(s, RP_SEG_TALK);
    NULL_SEG(s, RP_SEG_HOLD);
    NULL_SEG(s, RP_SEG_RING);
    json_object_put(c);
}

/* Outbound: never queued, so no IVR and no queue time. */
static void test_outbound(void)
{
    json_object *c =
        call("{\"id\":4,\"call_type\":\"outbound\",\"created_at\":\"2026-03-02T09:00:00Z\","
             "\"connecting_at\":\"2026-03-02T09:00:02Z\",\"connected_at\":\"2026-03-02T09:00:17Z\","
             "\"ends_at\":\"2026-03-02T09:03:17Z\",\"call_duration\":180,\"hold_duration\":0}");
    struct cs_rp_segments s;
    REQUIRE(c && cs_rp_segments_of(c, &s) == 0);
    NULL_SEG(s, RP_SEG_IVR);
    NULL_SEG(s, RP_SEG_QUEUE);
    SEG(s, RP_SEG_RING, 15);
    SEG(s, RP_SEG_TALK, 180);
    SEG(s, RP_SEG_HOLD, 0); /* answered with no hold: the segment applies and is 0 */
    json_object_put(c);
}

/* Three agents overlapping: A 0-600 s, B 100-400 s, C 300-700 s, plus a third party
 * 350-800 s. Two or more agents at once: 100-400 and 300-600 -> [100,600] = 500 s.
 * A third party with at least one agent: 350-700 = 350 s. Two transfers: to B
 * requested at 60 s, B connected at 100 s (40 s); to C requested at 290 s, connected
 * at 300 s (10 s). */
static void test_three_way_overlap(void)
{
    json_object *c = call(
        "{\"id\":5,\"created_at\":\"2026-03-02T12:00:00Z\",\"queued_at\":\"2026-03-02T12:00:00Z\","
        "\"connected_at\":\"2026-03-02T12:00:00Z\",\"ends_at\":\"2026-03-02T12:13:20Z\","
        "\"call_duration\":800,\"hold_duration\":0,"
        "\"participants\":["
        "{\"id\":1,\"type\":\"agent\",\"connected_at\":\"2026-03-02T12:00:00Z\",\"ended_at\":"
        "\"2026-03-02T12:10:00Z\"},"
        "{\"id\":2,\"type\":\"agent\",\"connected_at\":\"2026-03-02T12:01:40Z\",\"ended_at\":"
        "\"2026-03-02T12:06:40Z\"},"
        "{\"id\":3,\"type\":\"agent\",\"connected_at\":\"2026-03-02T12:05:00Z\",\"ended_at\":"
        "\"2026-03-02T12:11:40Z\"},"
        "{\"id\":4,\"type\":\"third_party\",\"connected_at\":\"2026-03-02T12:05:50Z\",\"ended_at\":"
        "\"2026-03-02T12:13:20Z\"},"
        "{\"id\":9,\"type\":\"end_user\",\"connected_at\":\"2026-03-02T12:00:00Z\"}],"
        "\"transfers\":[{\"id\":1,\"created_at\":\"2026-03-02T12:01:00Z\",\"participant_id\":2},"
        "{\"id\":2,\"created_at\":\"2026-03-02T12:04:50Z\",\"participant_id\":3}]}");
    struct cs_rp_segments s;
    REQUIRE(c && cs_rp_segments_of(c, &s) == 0);
    SEG(s, RP_SEG_CONFERENCE, 500);
    SEG(s, RP_SEG_THIRD_PARTY, 350);
    SEG(s, RP_SEG_TRANSFER, 50);
    CHECK_INT(s.ntransfers, 2);
    CHECK_NEAR(s.transfers[0], 40, 1e-9);
    CHECK_NEAR(s.transfers[1], 10, 1e-9);
    json_object_put(c);
}

/* Back-to-back agents (cold transfer) touch but never overlap: no conference. A
 * transfer whose target never connected is not counted. */
static void test_cold_transfer(void)
{
    json_object *c = call(
        "{\"id\":6,\"created_at\":\"2026-03-02T12:00:00Z\",\"connected_at\":\"2026-03-02T12:00:"
        "10Z\","
        "\"ends_at\":\"2026-03-02T12:10:00Z\","
        "\"participants\":["
        "{\"id\":1,\"type\":\"agent\",\"connected_at\":\"2026-03-02T12:00:10Z\",\"ended_at\":"
        "\"2026-03-02T12:05:00Z\"},"
        "{\"id\":2,\"type\":\"agent\",\"connected_at\":\"2026-03-02T12:05:00Z\"},"
        "{\"id\":3,\"type\":\"agent\"}],"
        "\"transfers\":[{\"id\":1,\"created_at\":\"2026-03-02T12:04:30Z\",\"participant_id\":2},"
        "{\"id\":2,\"created_at\":\"2026-03-02T12:06:00Z\",\"participant_id\":3}]}");
    struct cs_rp_segments s;
    REQUIRE(c && cs_rp_segments_of(c, &s) == 0);
    NULL_SEG(s, RP_SEG_CONFERENCE);
    SEG(s, RP_SEG_TRANSFER, 30);
    CHECK_INT(s.ntransfers, 1);
    NULL_SEG(s, RP_SEG_TALK); /* no call_duration given */
    json_object_put(c);
}

/* Across midnight (and a month end): times are differences of instants, not of clock
 * readings; offsets are honoured. */
static void test_midnight(void)
{
    json_object *c = call(
        "{\"id\":7,\"created_at\":\"2026-01-31T23:58:00Z\",\"queued_at\":\"2026-01-31T23:59:30Z\","
        "\"connecting_at\":\"2026-02-01T00:00:50+00:00\",\"connected_at\":\"2026-02-01T01:01:00+01:"
        "00\","
        "\"ends_at\":\"2026-02-01T00:20:00Z\",\"call_duration\":1140,\"hold_duration\":140.5,"
        "\"participants\":["
        "{\"id\":1,\"type\":\"agent\",\"connected_at\":\"2026-02-01T00:01:00Z\",\"ended_at\":"
        "\"2026-02-01T00:20:00Z\"},"
        "{\"id\":2,\"type\":\"agent\",\"connected_at\":\"2026-01-31T23:59:59Z\",\"ended_at\":"
        "\"2026-02-01T00:02:00Z\"}]}");
    struct cs_rp_segments s;
    REQUIRE(c && cs_rp_segments_of(c, &s) == 0);
    SEG(s, RP_SEG_BILLING, 1320);
    SEG(s, RP_SEG_IVR, 90);
    SEG(s, RP_SEG_QUEUE, 90);
    SEG(s, RP_SEG_RING, 10);
    SEG(s, RP_SEG_HANDLE, 1140);
    SEG(s, RP_SEG_TALK, 999.5);
    SEG(s, RP_SEG_HOLD, 140.5);
    SEG(s, RP_SEG_CONFERENCE, 60);
    json_object_put(c);
}

static void test_bad_timestamp(void)
{
    json_object *c = call("{\"id\":8,\"created_at\":\"yesterday\"}");
    struct cs_rp_segments s;
    REQUIRE(c);
    CHECK(cs_rp_segments_of(c, &s) == CS_ERR_INVALID);
    json_object_put(c);
}

static void test_json_nulls(void)
{
    json_object *c =
        call("{\"id\":9,\"status\":\"abandoned\",\"created_at\":\"2026-03-02T10:00:00Z\","
             "\"ends_at\":\"2026-03-02T10:00:30Z\"}");
    struct cs_rp_segments s;
    REQUIRE(c && cs_rp_segments_of(c, &s) == 0);
    json_object *o = cs_rp_segments_json(&s, 9);
    CHECK_STR(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
        "{\"call_id\":9,\"billing\":30.0,\"call\":30.0,\"ivr\":null,\"queue\":null,\"ring\":null,"
        "\"handle\":null,\"talk\":null,\"hold\":null,\"transfer\":null,\"conference\":null,"
        "\"third_party_talk\":null,\"transfers\":[]}");
    json_object_put(o);
    json_object_put(c);
}

int main(void)
{
    TEST_RUN(test_answered_call);
    TEST_RUN(test_abandon);
    TEST_RUN(test_voicemail);
    TEST_RUN(test_outbound);
    TEST_RUN(test_three_way_overlap);
    TEST_RUN(test_cold_transfer);
    TEST_RUN(test_midnight);
    TEST_RUN(test_bad_timestamp);
    TEST_RUN(test_json_nulls);
    return test_done();
}
