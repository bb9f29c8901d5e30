/* JSON in (shared/src/base/json.c): cs_json_parse's refusals (depth, UTF-8, trailing bytes,
 * empty bodies, numbers JSON cannot carry, NUL bytes), and the schema validator's
 * FastAPI-style field errors, compared as the exact triage error bodies a client sees. */
#include <string.h>

#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/error.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"

static struct cs_arena *arena;

static int parse(const char *body, size_t len, struct cs_resp *resp, json_object **out)
{
    memset(resp, 0, sizeof(*resp));
    return cs_json_parse(body, len, arena, out, &resp->fields);
}

static int parse_s(const char *body)
{
    struct cs_resp resp;
    json_object *o;
    return parse(body, strlen(body), &resp, &o);
}

/* The body the triage family answers for `code` with what resp recorded. */
static const char *triage_body(struct cs_resp *resp, int code, int *status)
{
    struct cs_req req;
    memset(&req, 0, sizeof(req));
    req.arena = arena;
    cs_family_error(CS_FAMILY_TRIAGE, &req, resp, code);
    *status = resp->status;
    return resp->body;
}

static void test_parse_ok(void)
{
    struct cs_resp resp;
    json_object *o = NULL;
    const char body[] =
        " {\"a\":[1,2.5,\"\\u00e9\",true,null],\"b\":{\"c\":-9223372036854775808}} \r\n";
    REQUIRE(parse(body, sizeof(body) - 1, &resp, &o) == CS_OK);
    CHECK(json_object_is_type(o, json_type_object));
    CHECK_INT(resp.fields.n, 0);
    json_object *b;
    CHECK(json_object_object_get_ex(o, "b", &b));
    CHECK_INT(cs_json_get_int(b, "c", 0), INT64_MIN);
    CHECK_INT(parse_s("9223372036854775807"), CS_OK); /* a bare number is a document */
    CHECK_INT(parse_s("42"), CS_OK);
    CHECK_INT(parse_s("-1.5 "), CS_OK);
    CHECK_INT(parse_s("-"), CS_ERR_BAD_JSON);
    CHECK_INT(parse_s("[1e308, -1.5e-300, 0]"), CS_OK);
    CHECK_INT(parse_s("\"a \\\\u0000 is text here\""), CS_OK); /* an escaped backslash */
    cs_arena_reset(arena); /* the parsed objects are released here (LeakSanitizer) */
}

static void test_empty_and_garbage(void)
{
    struct cs_resp resp;
    json_object *o;
    int status;
    CHECK_INT(parse(NULL, 0, &resp, &o), CS_ERR_BAD_JSON);
    CHECK(o == NULL);
    CHECK_STR(triage_body(&resp, CS_ERR_BAD_JSON, &status),
              "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",0],\"msg\":\"JSON decode "
              "error\"}]}");
    CHECK_INT(status, 422);
    CHECK_INT(parse(" \n\t ", 4, &resp, &o), CS_ERR_BAD_JSON);

    /* Trailing garbage: refused, with the offset where the document ended. */
    CHECK_INT(parse("{\"a\":1} x", 9, &resp, &o), CS_ERR_BAD_JSON);
    CHECK(o == NULL);
    CHECK_STR(triage_body(&resp, CS_ERR_BAD_JSON, &status),
              "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",8],\"msg\":\"JSON decode "
              "error\"}]}");
    CHECK_INT(parse_s("{\"a\":1}{\"b\":2}"), CS_ERR_BAD_JSON);
    CHECK_INT(parse_s("{\"a\":1,}"), CS_ERR_BAD_JSON); /* strict: no trailing comma */
    /* What json-c's strict mode lets through and JSON does not. */
    CHECK_INT(parse_s("{'a':1}"), CS_ERR_BAD_JSON); /* single-quoted key */
    CHECK_INT(parse_s("[1.]"), CS_ERR_BAD_JSON);    /* json-c would echo "1." back */
    CHECK_INT(parse_s("[1.e5]"), CS_ERR_BAD_JSON);
    CHECK_INT(parse_s("[\"a\tb\"]"), CS_ERR_BAD_JSON); /* raw control character */
    CHECK_INT(parse_s("[\"a\nb\"]"), CS_ERR_BAD_JSON);
    CHECK_INT(parse_s("[\"a\\tb\", 1.5, -0.0e+1]"), CS_OK); /* the escaped forms are fine */
    CHECK_INT(parse_s("{\"a\":"), CS_ERR_BAD_JSON);         /* truncated */
    CHECK_INT(parse_s("{\"a\":1"), CS_ERR_BAD_JSON);
    CHECK_INT(parse_s("[1,2"), CS_ERR_BAD_JSON);
    CHECK_INT(parse_s("tru"), CS_ERR_BAD_JSON);
    CHECK_INT(parse_s("01"), CS_ERR_BAD_JSON);
    cs_arena_reset(arena);
}

static void test_depth_limit(void)
{
    char deep[200];
    size_t n = 0;
    for (int i = 0; i < CS_JSON_MAX_DEPTH; i++) deep[n++] = '[';
    for (int i = 0; i < CS_JSON_MAX_DEPTH; i++) deep[n++] = ']';
    struct cs_resp resp;
    json_object *o;
    CHECK_INT(parse(deep, n, &resp, &o), CS_OK); /* exactly the limit */
    n = 0;
    for (int i = 0; i < CS_JSON_MAX_DEPTH + 1; i++) deep[n++] = '[';
    for (int i = 0; i < CS_JSON_MAX_DEPTH + 1; i++) deep[n++] = ']';
    CHECK_INT(parse(deep, n, &resp, &o), CS_ERR_TOO_DEEP);
    CHECK(o == NULL);
    int status;
    CHECK_STR(triage_body(&resp, CS_ERR_TOO_DEEP, &status),
              "{\"detail\":\"JSON nesting too deep\"}");
    CHECK_INT(status, 422);
    /* A deep prefix is refused as too deep even when the document never closes. */
    char open_only[3 * (CS_JSON_MAX_DEPTH + 2)];
    n = 0;
    for (int i = 0; i < CS_JSON_MAX_DEPTH + 2; i++) memcpy(open_only + 3 * i, "[0,", 3), n += 3;
    CHECK_INT(parse(open_only, n, &resp, &o), CS_ERR_TOO_DEEP);
    cs_arena_reset(arena);
}

static void test_utf8(void)
{
    CHECK_INT(parse_s("{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}"), CS_OK);
    static const char *const bad[] = {
        "{\"a\":\"\xff\"}",             /* never valid */
        "{\"a\":\"\xc0\xaf\"}",         /* overlong '/' */
        "{\"a\":\"\xe0\x80\xaf\"}",     /* overlong, 3 bytes */
        "{\"a\":\"\xed\xa0\x80\"}",     /* a UTF-16 surrogate */
        "{\"a\":\"\xf4\x90\x80\x80\"}", /* past U+10FFFF */
        "{\"a\":\"\xc3\"}",             /* truncated sequence */
        "{\"a\":\"x\"}\xe2\x82",        /* truncated at the very end */
        "{\"\xc3\x28\":1}",             /* in a key */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse_s(bad[i]);
        if (rc != CS_ERR_BAD_UTF8) fprintf(stderr, "  case %zu: %d\n", i, rc);
        CHECK_INT(rc, CS_ERR_BAD_UTF8);
    }
    struct cs_resp resp;
    json_object *o;
    int status;
    CHECK_INT(parse("\"\xff\"", 3, &resp, &o), CS_ERR_BAD_UTF8);
    CHECK_STR(triage_body(&resp, CS_ERR_BAD_UTF8, &status),
              "{\"detail\":\"Request body is not valid UTF-8\"}");
    CHECK_INT(status, 422);
    CHECK(cs_utf8_valid("", 0));
    CHECK_INT(cs_utf8_len("a\xc3\xa9\xe2\x82\xac", 6), 3);
    cs_arena_reset(arena);
}

static void test_numbers(void)
{
    /* json-c takes NaN/Infinity even in strict mode, reads 1e400 as inf and clamps
     * integers past 64 bits: none can be echoed back as JSON, so all are refused. */
    static const char *const bad[] = {
        "{\"a\":NaN}",
        "{\"a\":Infinity}",
        "{\"a\":-Infinity}",
        "[1e400]",
        "[-1e400]",
        "{\"a\":{\"b\":[99999999999999999999999]}}",
        "18446744073709551615",
        "9223372036854775808",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cs_resp resp;
        json_object *o;
        int rc = parse(bad[i], strlen(bad[i]), &resp, &o);
        if (rc != CS_ERR_BAD_JSON) fprintf(stderr, "  accepted %s\n", bad[i]);
        CHECK_INT(rc, CS_ERR_BAD_JSON);
        CHECK_INT(resp.fields.n, 1);
        CHECK(o == NULL);
    }
    CHECK_INT(parse_s("[1e-400]"), CS_OK); /* underflow is a finite 0 */
    cs_arena_reset(arena);
}

static void test_nul_bytes(void)
{
    struct cs_resp resp;
    json_object *o;
    CHECK_INT(parse("{\"a\":1}\0", 8, &resp, &o), CS_ERR_BAD_JSON);
    CHECK_INT(parse("{\"a\":\"x\0y\"}", 11, &resp, &o), CS_ERR_BAD_JSON);
    CHECK_INT(parse("\0{}", 3, &resp, &o), CS_ERR_BAD_JSON);
    /* An escaped NUL would make json-c's C-string keys alias ("ticket_id\u0000x" ->
     * "ticket_id") and hide bytes from C string checks in values. */
    CHECK_INT(parse_s("{\"ticket_id\\u0000x\":\"a\"}"), CS_ERR_BAD_JSON);
    CHECK_INT(parse_s("{\"a\":\"x\\u0000y\"}"), CS_ERR_BAD_JSON);
    CHECK_INT(parse_s("[\"\\u0000\"]"), CS_ERR_BAD_JSON);
    CHECK_INT(parse_s("[\"\\\\\\u0000\"]"), CS_ERR_BAD_JSON); /* \\ then \u0000 */
    CHECK_INT(parse_s("[\"\\u0001\"]"), CS_OK);
    cs_arena_reset(arena);
}

/* ---- validation ---- */

static const char *const prio[] = {"P1", "P2", "P3", NULL};
static const struct cs_field meta_fields[] = {
    {.name = "source", .type = CS_J_STRING, .required = true, .min_len = 2},
    {.name = "score", .type = CS_J_NUMBER, .has_min = true, .min = 0, .has_max = true, .max = 1},
};
static const struct cs_schema meta_schema = {meta_fields, 2};
static const struct cs_field fields[] = {
    {.name = "ticket_id", .type = CS_J_STRING, .required = true, .format = CS_FMT_ID},
    {.name = "raw_message", .type = CS_J_STRING, .required = true, .min_len = 10, .max_len = 20},
    {.name = "customer_email", .type = CS_J_STRING, .required = true, .format = CS_FMT_EMAIL},
    {.name = "priority", .type = CS_J_STRING, .one_of = prio},
    {.name = "count", .type = CS_J_INT, .has_min = true, .min = 1},
    {.name = "meta", .type = CS_J_OBJECT, .object = &meta_schema},
    {.name = "tags", .type = CS_J_ARRAY, .items = CS_J_STRING, .min_len = 1, .max_len = 3},
    {.name = "note", .type = CS_J_STRING, .nullable = true},
    {.name = "url", .type = CS_J_STRING, .format = CS_FMT_URL},
};
static const struct cs_schema schema = {fields, sizeof(fields) / sizeof(fields[0])};

/* Validates `body` and returns the triage error body ("" when valid). */
static const char *validate(const char *body, int *status)
{
    static struct cs_resp resp;
    json_object *o;
    *status = 0;
    int rc = parse(body, strlen(body), &resp, &o);
    if (rc == CS_OK) rc = cs_json_validate(&schema, o, arena, &resp.fields);
    if (rc == CS_OK) return "";
    return triage_body(&resp, rc, status);
}

#define OK_BODY                                                                                    \
    "\"ticket_id\":\"TKT-1\",\"raw_message\":\"long enough "                                       \
    "text\",\"customer_email\":\"a@b.example\""

static void test_valid(void)
{
    int status;
    CHECK_STR(validate("{" OK_BODY "}", &status), "");
    CHECK_STR(
        validate("{" OK_BODY
                 ",\"priority\":\"P2\",\"count\":3,\"meta\":{\"source\":\"web\",\"score\":0.5},"
                 "\"tags\":[\"a\"],\"note\":null,\"url\":\"https://x.example/a\",\"extra\":1}",
                 &status),
        "");
    /* URL schemes are case-insensitive */
    CHECK_STR(validate("{" OK_BODY ",\"url\":\"HTTPS://x.example/a\"}", &status), "");
    CHECK_STR(validate("{" OK_BODY ",\"url\":\"Http://x.example/a\"}", &status), "");
    /* Lengths count characters, not bytes: 10 two-byte characters are enough. */
    CHECK_STR(
        validate("{\"ticket_id\":\"T\",\"raw_message\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\",\"customer_email\":\"a@b.example\"}",
                 &status),
        "");
    cs_arena_reset(arena);
}

static void test_missing_fields(void)
{
    int status;
    CHECK_STR(validate("{\"raw_message\":\"long enough text\"}", &status),
              "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"ticket_id\"],\"msg\":\"Field "
              "required\"},"
              "{\"type\":\"missing\",\"loc\":[\"body\",\"customer_email\"],\"msg\":\"Field "
              "required\"}]}");
    CHECK_INT(status, 422);
    cs_arena_reset(arena);
}

static void test_wrong_types(void)
{
    int status;
    CHECK_STR(
        validate("{\"ticket_id\":5,\"raw_message\":[\"x\"],\"customer_email\":null,\"count\":1.5,"
                 "\"meta\":\"x\",\"tags\":{},\"note\":7}",
                 &status),
        "{\"detail\":["
        "{\"type\":\"string_type\",\"loc\":[\"body\",\"ticket_id\"],\"msg\":\"Input should be a "
        "valid string\"},"
        "{\"type\":\"string_type\",\"loc\":[\"body\",\"raw_message\"],\"msg\":\"Input should be a "
        "valid string\"},"
        "{\"type\":\"string_type\",\"loc\":[\"body\",\"customer_email\"],\"msg\":\"Input should be "
        "a valid string\"},"
        "{\"type\":\"int_type\",\"loc\":[\"body\",\"count\"],\"msg\":\"Input should be a valid "
        "integer\"},"
        "{\"type\":\"dict_type\",\"loc\":[\"body\",\"meta\"],\"msg\":\"Input should be a valid "
        "dictionary\"},"
        "{\"type\":\"list_type\",\"loc\":[\"body\",\"tags\"],\"msg\":\"Input should be a valid "
        "list\"},"
        "{\"type\":\"string_type\",\"loc\":[\"body\",\"note\"],\"msg\":\"Input should be a valid "
        "string\"}]}");
    CHECK_INT(status, 422);
    /* The body itself must be an object. */
    CHECK_STR(validate("42", &status),
              "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
              "\"msg\":\"Input should be a valid dictionary or object to extract fields from\"}]}");
    CHECK_STR(validate("[1]", &status),
              "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
              "\"msg\":\"Input should be a valid dictionary or object to extract fields from\"}]}");
    cs_arena_reset(arena);
}

static void test_lengths_email_enum(void)
{
    int status;
    CHECK_STR(
        validate("{\"ticket_id\":\"bad id!\",\"raw_message\":\"short\",\"customer_email\":\"nope\","
                 "\"priority\":\"P9\",\"count\":0,\"tags\":[],\"url\":\"ftp://x\"}",
                 &status),
        "{\"detail\":["
        "{\"type\":\"string_pattern_mismatch\",\"loc\":[\"body\",\"ticket_id\"],"
        "\"msg\":\"String should match pattern '^[A-Za-z0-9._:-]{1,128}$'\"},"
        "{\"type\":\"string_too_short\",\"loc\":[\"body\",\"raw_message\"],"
        "\"msg\":\"String should have at least 10 characters\"},"
        "{\"type\":\"value_error\",\"loc\":[\"body\",\"customer_email\"],"
        "\"msg\":\"value is not a valid email address: An email address must have an @-sign.\"},"
        "{\"type\":\"enum\",\"loc\":[\"body\",\"priority\"],\"msg\":\"Input should be 'P1', 'P2' "
        "or 'P3'\"},"
        "{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"count\"],"
        "\"msg\":\"Input should be greater than or equal to 1\"},"
        "{\"type\":\"too_short\",\"loc\":[\"body\",\"tags\"],"
        "\"msg\":\"List should have at least 1 item after validation, not 0\"},"
        "{\"type\":\"url_parsing\",\"loc\":[\"body\",\"url\"],\"msg\":\"Input should be a valid "
        "URL\"}]}");
    CHECK_STR(
        validate("{\"ticket_id\":\"T\",\"raw_message\":\"this message is far too long\","
                 "\"customer_email\":\"a@b..example\",\"tags\":[\"a\",\"b\",\"c\",\"d\"]}",
                 &status),
        "{\"detail\":["
        "{\"type\":\"string_too_long\",\"loc\":[\"body\",\"raw_message\"],"
        "\"msg\":\"String should have at most 20 characters\"},"
        "{\"type\":\"value_error\",\"loc\":[\"body\",\"customer_email\"],"
        "\"msg\":\"value is not a valid email address: The part after the @-sign is not valid.\"},"
        "{\"type\":\"too_long\",\"loc\":[\"body\",\"tags\"],"
        "\"msg\":\"List should have at most 3 items after validation, not 4\"}]}");
    cs_arena_reset(arena);
}

static void test_nested_and_items(void)
{
    int status;
    CHECK_STR(
        validate("{" OK_BODY ",\"meta\":{\"score\":1.5},\"tags\":[\"a\",2]}", &status),
        "{\"detail\":["
        "{\"type\":\"missing\",\"loc\":[\"body\",\"meta\",\"source\"],\"msg\":\"Field required\"},"
        "{\"type\":\"less_than_equal\",\"loc\":[\"body\",\"meta\",\"score\"],"
        "\"msg\":\"Input should be less than or equal to 1\"},"
        "{\"type\":\"string_type\",\"loc\":[\"body\",\"tags\",1],\"msg\":\"Input should be a valid "
        "string\"}]}");
    CHECK_STR(validate("{" OK_BODY ",\"meta\":{\"source\":\"x\"}}", &status),
              "{\"detail\":[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"meta\",\"source\"],"
              "\"msg\":\"String should have at least 2 characters\"}]}");
    cs_arena_reset(arena);
}

static void test_error_cap(void)
{
    /* More problems than CS_MAX_FIELD_ERRORS: the list is cut, never overflows. */
    static struct cs_field many[40];
    for (unsigned i = 0; i < 40; i++) {
        static char names[40][16];
        snprintf(names[i], sizeof(names[i]), "f%u", i);
        many[i] = (struct cs_field){.name = names[i], .type = CS_J_STRING, .required = true};
    }
    struct cs_schema s = {many, 40};
    struct cs_resp resp;
    json_object *o;
    REQUIRE(parse("{}", 2, &resp, &o) == CS_OK);
    CHECK_INT(cs_json_validate(&s, o, arena, &resp.fields), CS_ERR_VALIDATION);
    CHECK_INT(resp.fields.n, CS_MAX_FIELD_ERRORS);
    cs_arena_reset(arena);
}

static void test_email(void)
{
    static const char *const good[] = {"john.doe@example.com", "a+b@x.co", "x@sub.domain.example"};
    static const char *const bad[] = {"",         "@x.com",   "a@",       "a@b",        "a@@b.com",
                                      "a@b.c_m",  ".a@b.com", "a.@b.com", "a..b@c.com", "a b@c.com",
                                      "a@-b.com", "a@b-.com", "a@1.2",    "a@b..com"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) CHECK(cs_email_valid(good[i]));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (cs_email_valid(bad[i])) fprintf(stderr, "  accepted %s\n", bad[i]);
        CHECK(!cs_email_valid(bad[i]));
    }
}

static void test_adders(void)
{
    json_object *o = cs_json_object(arena);
    REQUIRE(o != NULL);
    CHECK_INT(cs_json_add_double(o, "a", 0.91999999, 2), CS_OK);
    CHECK_INT(cs_json_add_double(o, "b", 0.5 / 0.0, 2), CS_OK); /* inf becomes null */
    CHECK_INT(cs_json_add_double(o, "c", 2.0, 3), CS_OK);
    CHECK_INT(cs_json_add_str(o, "d", NULL), CS_OK);
    CHECK_INT(cs_json_add_int(o, "e", -7), CS_OK);
    CHECK_INT(cs_json_add_bool(o, "f", true), CS_OK);
    CHECK_STR(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
              "{\"a\":0.92,\"b\":null,\"c\":2,\"d\":null,\"e\":-7,\"f\":true}");
    CHECK(cs_json_get_str(o, "d") == NULL);
    CHECK(cs_json_get_str(o, "e") == NULL);
    CHECK_INT(cs_json_get_int(o, "e", 0), -7);
    CHECK_INT(cs_json_get_int(o, "zz", 42), 42);
    CHECK_NEAR(cs_json_get_double(o, "a", 0), 0.92, 1e-9);
    CHECK(cs_json_get_bool(o, "f", false));
    CHECK(!cs_json_get_bool(o, "e", false));
    cs_arena_reset(arena);
}

/* The sticky builder: the first failure is kept, later adds do nothing and release what
 * they were given (LeakSanitizer checks), and a failed child fails its parent. */
static void test_sticky_builder(void)
{
    struct cs_jb b;
    cs_jb_init(&b, json_object_new_object());
    cs_jb_str(&b, "a", "x");
    cs_jb_int(&b, "n", 3);
    cs_jb_null(&b, "z");
    cs_jb_ref(&b, "r", NULL);
    CHECK_INT(cs_jb_done(&b), CS_OK);
    CHECK_STR(json_object_to_json_string_ext(b.obj, JSON_C_TO_STRING_PLAIN),
              "{\"a\":\"x\",\"n\":3,\"z\":null,\"r\":null}");
    cs_jb_add(&b, "lost", NULL); /* a failed allocation */
    cs_jb_str(&b, "after", "y");
    cs_jb_add(&b, "owned", json_object_new_string("released"));
    CHECK_INT(cs_jb_done(&b), CS_ERR_NOMEM);
    CHECK(!json_object_object_get_ex(b.obj, "after", NULL));
    CHECK(!json_object_object_get_ex(b.obj, "owned", NULL));
    struct cs_jb child;
    cs_jb_init(&child, json_object_new_object());
    cs_jb_add(&child, "bad", NULL);
    struct cs_jb parent;
    cs_jb_init(&parent, json_object_new_object());
    cs_jb_nest(&parent, "child", &child);
    CHECK_INT(cs_jb_done(&parent), CS_ERR_NOMEM);
    CHECK(child.obj == NULL);
    json_object_put(parent.obj);
    struct cs_jb none;
    cs_jb_init(&none, NULL);
    cs_jb_bool(&none, "b", true);
    CHECK_INT(cs_jb_done(&none), CS_ERR_NOMEM);
    json_object_put(b.obj);
}

int main(void)
{
    arena = cs_arena_new(0);
    if (!arena) return 1;
    TEST_RUN(test_parse_ok);
    TEST_RUN(test_empty_and_garbage);
    TEST_RUN(test_depth_limit);
    TEST_RUN(test_utf8);
    TEST_RUN(test_numbers);
    TEST_RUN(test_nul_bytes);
    TEST_RUN(test_valid);
    TEST_RUN(test_missing_fields);
    TEST_RUN(test_wrong_types);
    TEST_RUN(test_lengths_email_enum);
    TEST_RUN(test_nested_and_items);
    TEST_RUN(test_error_cap);
    TEST_RUN(test_email);
    TEST_RUN(test_adders);
    cs_arena_destroy(arena);
    TEST_RUN(test_sticky_builder);
    return test_done();
}
