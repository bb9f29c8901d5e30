/* cs_json_schema_describe (shared/src/base/json_schema.c): the validator's schema tables
 * as JSON Schema for the OpenAPI document, compared as exact text, so that a rule the
 * validator enforces cannot go missing from what clients read. */
#include <string.h>

#include "../../support/test.h"
#include "cs/json.h"

static const char *const tones[] = {"formal", "casual", NULL};

static const struct cs_field item_fields[] = {
    {.name = "id", .type = CS_J_STRING, .required = true, .format = CS_FMT_ID},
};
static const struct cs_schema item_schema = {item_fields, 1};

static const struct cs_field addr_fields[] = {
    {.name = "url", .type = CS_J_STRING, .format = CS_FMT_URL},
};
static const struct cs_schema addr_schema = {addr_fields, 1};

static const struct cs_field fields[] = {
    {.name = "text", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 500},
    {.name = "email", .type = CS_J_STRING, .format = CS_FMT_EMAIL},
    {.name = "tone", .type = CS_J_STRING, .nullable = true, .one_of = tones},
    {.name = "score", .type = CS_J_NUMBER, .has_min = true, .min = 0, .has_max = true, .max = 0.5},
    {.name = "count", .type = CS_J_INT, .has_min = true, .min = 1},
    {.name = "flag", .type = CS_J_BOOL},
    {.name = "tags", .type = CS_J_ARRAY, .max_len = 3, .items = CS_J_STRING},
    {.name = "items",
     .type = CS_J_ARRAY,
     .min_len = 1,
     .items = CS_J_OBJECT,
     .object = &item_schema},
    {.name = "where", .type = CS_J_OBJECT, .object = &addr_schema},
    {.name = "anything", .type = CS_J_ANY},
};
static const struct cs_schema schema = {fields, sizeof(fields) / sizeof(*fields)};

static void test_every_rule(void)
{
    json_object *o = cs_json_schema_describe(&schema);
    const char *want =
        "{\"type\":\"object\",\"properties\":{"
        "\"text\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":500},"
        "\"email\":{\"type\":\"string\",\"format\":\"email\"},"
        "\"tone\":{\"type\":[\"string\",\"null\"],\"enum\":[\"formal\",\"casual\",null]},"
        "\"score\":{\"type\":\"number\",\"minimum\":0,\"maximum\":0.5},"
        "\"count\":{\"type\":\"integer\",\"minimum\":1},"
        "\"flag\":{\"type\":\"boolean\"},"
        "\"tags\":{\"type\":\"array\",\"maxItems\":3,\"items\":{\"type\":\"string\"}},"
        "\"items\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"type\":\"object\","
        "\"properties\":"
        "{\"id\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9._:-]{1,128}$\"}},\"required\":["
        "\"id\"]}},"
        "\"where\":{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\",\"format\":"
        "\"uri\","
        "\"pattern\":\"^[Hh][Tt][Tt][Pp][Ss]?://\"}}},"
        "\"anything\":{}"
        "},\"required\":[\"text\"]}";
    CHECK_STR(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
        want);
    json_object_put(o);
}

static void test_no_required(void)
{
    json_object *o = cs_json_schema_describe(&addr_schema);
    json_object *req = NULL;
    CHECK(!json_object_object_get_ex(o, "required", &req));
    json_object_put(o);
}

int main(void)
{
    TEST_RUN(test_every_rule);
    TEST_RUN(test_no_required);
    return test_done();
}
