/* libFuzzer target: the insights parsers of outside input must reject, never crash on,
 * any bytes. The first byte picks the parser: a lifecycle change (PATCH body or
 * helpdesk event data) applied to a ticket, or a fairness request body. */
#include <stdint.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "cs/arena.h"
#include "cs/insights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static struct cs_arena *a;
    if (!a) a = cs_arena_new(64u << 20);
    json_tokener *tok = json_tokener_new_ex(32);
    json_object *o =
        tok ? json_tokener_parse_ex(tok, (const char *)data + 1, (int)(size - 1)) : NULL;
    json_tokener_free(tok);
    if (!o) return 0;
    const char *why = NULL, *field = NULL;
    if (data[0] & 1) {
        struct cs_ticket_open t = {.ticket_id = "T",
                                   .category = "c",
                                   .priority = "high",
                                   .sentiment = "neutral",
                                   .sentiment_score = 0.5,
                                   .sentiment_level = 2,
                                   .source = "fuzz",
                                   .opened_ms = 1700000000000LL};
        json_object *doc = cs_ticket_doc_new(&t);
        struct cs_ticket_change c;
        /* Twice: the second change replays the first from the log. */
        for (int i = 0; doc && i < 2; i++)
            if (cs_ticket_change_read(o, 1800000000000LL, &c, &field, &why) == CS_OK)
                (void)cs_ticket_apply(doc, &c, &why);
        json_object_put(doc);
    } else if (json_object_is_type(o, json_type_object)) {
        json_object *d, *at;
        /* cs_fair_report expects a body the schema has checked: arrays where arrays go. */
        if (json_object_object_get_ex(o, "data", &d) && json_object_is_type(d, json_type_array) &&
            json_object_object_get_ex(o, "attributes", &at) &&
            json_object_is_type(at, json_type_array)) {
            json_object *out;
            (void)cs_fair_report(o, a, &out, &why);
        }
    }
    json_object_put(o);
    cs_arena_reset(a);
    return 0;
}
