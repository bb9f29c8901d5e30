/* libFuzzer target: the request-body path, as cs_app_handle runs it for
 * tickets-process: cs_json_parse, then cs_json_validate against seed 004's TicketInput,
 * then the triage family's error writer.
 *
 * Beyond "no crash, no leak, no UB" it checks that whatever the parser accepts can be
 * written back as JSON that parses again (NaN, "1." and friends must never get in),
 * and that every error body is valid JSON with a 4xx status.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Seed 004's TicketInput, as functions/tickets-process/routes.c declares it, plus a
 * nested object and a list so the fuzzer reaches every validator branch. */
static const char *const tones[] = {"empathetic_professional", "formal", "casual", NULL};
static const struct cs_field meta_fields[] = {
    {.name = "tone", .type = CS_J_STRING, .one_of = tones},
    {.name = "score", .type = CS_J_NUMBER, .has_min = true, .min = 0, .has_max = true, .max = 1},
};
static const struct cs_schema meta_schema = {meta_fields, 2};
static const struct cs_field ticket_fields[] = {
    {.name = "ticket_id", .type = CS_J_STRING, .required = true, .format = CS_FMT_ID},
    {.name = "raw_message", .type = CS_J_STRING, .required = true, .min_len = 10, .max_len = 20000},
    {.name = "customer_name", .type = CS_J_STRING, .required = true, .min_len = 1, .max_len = 200},
    {.name = "customer_email", .type = CS_J_STRING, .required = true, .format = CS_FMT_EMAIL},
    {.name = "meta", .type = CS_J_OBJECT, .object = &meta_schema},
    {.name = "tags", .type = CS_J_ARRAY, .items = CS_J_STRING, .max_len = 5},
    {.name = "notes", .type = CS_J_ARRAY, .items = CS_J_OBJECT, .object = &meta_schema},
    {.name = "url", .type = CS_J_STRING, .format = CS_FMT_URL, .nullable = true},
    {.name = "count", .type = CS_J_INT, .has_min = true, .min = 1},
};
static const struct cs_schema ticket_schema = {ticket_fields, 9};

static struct cs_arena *arena;

/* Independent of the parser: no accepted number may be NaN or infinite. */
static void check_finite(json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_double:
        if (!isfinite(json_object_get_double(o))) abort();
        break;
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(o); i++)
            check_finite(json_object_array_get_idx(o, i));
        break;
    case json_type_object: {
        json_object_object_foreach(o, k, v)
        {
            (void)k;
            check_finite(v);
        }
        break;
    }
    default: break;
    }
}

static void must_reparse(const char *s, size_t n)
{
    struct cs_field_errors scratch = {.n = 0};
    json_object *o;
    if (cs_json_parse(s, n, arena, &o, &scratch) != CS_OK) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena) arena = cs_arena_new(64 * 1024 * 1024);
    if (!arena) abort();
    struct cs_req req;
    struct cs_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    req.arena = arena;
    json_object *body = NULL;
    int rc = cs_json_parse((const char *)data, size, arena, &body, &resp.fields);
    if (rc == CS_OK) {
        if (!body) abort();
        check_finite(body);
        size_t n = 0;
        const char *again = json_object_to_json_string_length(body, JSON_C_TO_STRING_PLAIN, &n);
        if (!again) abort();
        must_reparse(again, n);
        rc = cs_json_validate(&ticket_schema, body, arena, &resp.fields);
        if (rc != CS_OK && (rc != CS_ERR_VALIDATION || resp.fields.n == 0)) abort();
    } else if (body) {
        abort();
    }
    if (rc != CS_OK) {
        cs_family_error(CS_FAMILY_TRIAGE, &req, &resp, rc);
        if (!resp.body || (resp.status != 413 && (resp.status < 400 || resp.status > 422))) abort();
        must_reparse(resp.body, resp.body_len);
    }
    cs_arena_reset(arena);
    return 0;
}
