/* The import's record writer gives json-c's JSON_C_TO_STRING_PLAIN text byte for byte:
 * every escape json-c makes (control characters, quotes, backslashes, slashes), UTF-8
 * as is, embedded NULs, integer extremes, doubles however they were made, nulls,
 * empty and nested containers, and a buffer reused across records of different sizes. */
#include <json-c/json.h>
#include <string.h>

#include "cs/reporting.h"
#include "../../support/test.h"

static int same_as_json_c(struct cs_rp_text *t, json_object *o)
{
    size_t n;
    const char *want = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
    if (cs_rp_json_text(t, o) != 0) return 0;
    if (t->len != n || memcmp(t->p, want, n) != 0 || t->p[t->len] != '\0') {
        fprintf(stderr, "  want %s\n  got  %s\n", want, t->p);
        return 0;
    }
    return 1;
}

static void test_parsed_texts(void)
{
    static const char *const texts[] = {
        "{}",
        "[]",
        "{\"a\":[],\"b\":{},\"c\":[{}],\"d\":null,\"e\":[null,1,true,false]}",
        "{\"url\":\"https://x.example/a/b?c=1\",\"q\":\"say \\\"hi\\\"\\\\\",\"nl\":\"a\\nb\\rc\\td"
        "\\be\\ff\"}",
        "{\"ctl\":\"\\u0001\\u001f\\u0000x\\u007f\",\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac "
        "\xf0\x9f\x98\x80\"}",
        "{\"k\\/ey\\n\":1,\"min\":-9223372036854775808,\"max\":9223372036854775807,\"z\":0,"
        "\"neg\":-42}",
        "{\"d\":1.5,\"e\":1e3,\"f\":-0.0,\"g\":0.1,\"h\":123456789.125,\"i\":2.5E-7}",
        "{\"big\":18446744073709551615}",
        "[[[[[[[[\"deep\"]]]]]]]]",
        "{\"id\":7,\"call_type\":\"inbound\",\"status\":\"finished\",\"created_at\":"
        "\"2026-01-15T09:00:00.000Z\",\"participants\":[{\"id\":70,\"type\":\"end_user\"},"
        "{\"id\":71,\"type\":\"agent\",\"connected_at\":\"2026-01-15T09:01:00.000Z\"}],"
        "\"agent_info\":{\"id\":3,\"name\":\"A\"},\"hold_duration\":12.25,\"rating\":null}",
    };
    struct cs_rp_text t = {0};
    for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
        json_object *o = json_tokener_parse(texts[i]);
        REQUIRE(o != NULL);
        CHECK(same_as_json_c(&t, o));
        json_object_put(o);
    }
    cs_rp_text_free(&t);
    CHECK(t.p == NULL && t.cap == 0);
}

static void test_built_values(void)
{
    struct cs_rp_text t = {0};
    json_object *o = json_object_new_object();
    char all[32];
    for (int c = 0; c < 32; c++) all[c] = (char)(c ? c : 'x');
    json_object_object_add(o, "controls", json_object_new_string_len(all, 32));
    json_object_object_add(o, "nul", json_object_new_string_len("a\0b", 3));
    json_object_object_add(o, "dbl", json_object_new_double(0.1));
    json_object_object_add(o, "dbl_s", json_object_new_double_s(2.0, "2.000"));
    json_object_object_add(o, "u64", json_object_new_uint64(18446744073709551615ULL));
    json_object_object_add(o, "i64", json_object_new_int64(INT64_MIN));
    json_object_object_add(o, "null", NULL);
    json_object *arr = json_object_new_array();
    json_object_array_add(arr, NULL);
    json_object_array_add(arr, json_object_new_string("/"));
    json_object_object_add(o, "arr", arr);
    CHECK(same_as_json_c(&t, o));
    /* Shorter after longer: the reused buffer holds only the new text. */
    CHECK(same_as_json_c(&t, arr));
    CHECK(same_as_json_c(&t, NULL));
    json_object_put(o);
    /* A long string grows the buffer past its first size. */
    char big[5000];
    memset(big, '/', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    json_object *s = json_object_new_string(big);
    CHECK(same_as_json_c(&t, s));
    CHECK_INT((int)t.len, 2 * 4999 + 2);
    json_object_put(s);
    cs_rp_text_free(&t);
}

/* Every byte value at every position of a 41-byte string (the writer takes plain runs
 * eight bytes at a time, so a byte to escape can sit anywhere in a word), and UTF-8
 * whose bytes differ from a quote, slash or backslash only in the high bit. */
static void test_every_byte_everywhere(void)
{
    struct cs_rp_text t = {0};
    int bad = 0;
    char s[41];
    for (int c = 1; c < 256; c++)
        for (size_t at = 0; at < sizeof(s); at++) {
            memset(s, 'a', sizeof(s));
            s[at] = (char)c;
            json_object *o = json_object_new_string_len(s, (int)sizeof(s));
            bad += !same_as_json_c(&t, o);
            json_object_put(o);
        }
    CHECK_INT(bad, 0);
    json_object *u =
        json_object_new_string("\xc2\xa2\xc2\xaf\xc3\x9c abcdefgh \xe2\x80\xa2\xe2\x80\xaf");
    CHECK(same_as_json_c(&t, u));
    json_object_put(u);
    cs_rp_text_free(&t);
}

int main(void)
{
    TEST_RUN(test_parsed_texts);
    TEST_RUN(test_built_values);
    TEST_RUN(test_every_byte_everywhere);
    return test_done();
}
