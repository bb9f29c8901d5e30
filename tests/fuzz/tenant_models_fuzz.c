/* libFuzzer target: what the per-tenant models read from outside must be refused, never
 * crash: the first byte picks a tenant's insights configuration (PUT body, and the same
 * stored document read back), a stored model document read back (cs_tm_from_doc, then
 * a prediction when it opens), or a stored ticket's facts, features and labels. */
#include <stdint.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "cs/arena.h"
#include "cs/tenant_models.h"
#include "cs/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1790000000000LL

static void clock_ops(const struct cs_business_hours *bh)
{
    /* Over ten years the walk is bounded; these must return, whatever the calendar. */
    (void)cs_bh_seconds(bh, T0, T0 + 40LL * 86400000);
    (void)cs_bh_due(bh, T0, 72 * 3600.0);
    (void)cs_bh_open_at(bh, T0);
}

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
    const char *field = NULL, *why = NULL;
    int sel = data[0] % 3;
    if (sel == 0) {
        struct cs_insights_cfg cfg;
        if (cs_insights_cfg_read(o, &cfg, &field, &why) == CS_OK) clock_ops(&cfg.bh);
    } else if (sel == 1 && json_object_is_type(o, json_type_object)) {
        struct cs_tm_model m;
        enum cs_tm_kind k = (enum cs_tm_kind)((data[0] >> 2) % CS_TM_N);
        struct cs_tm_facts f = {.priority = "urgent", .category = "Billing"};
        struct cs_tm_pred p;
        if (cs_tm_from_doc(a, k, o, &m) == CS_OK) (void)cs_tm_predict(&m, &f, &p);
    } else if (json_object_is_type(o, json_type_object)) {
        struct cs_insights_cfg cfg = {.sla_threshold = 0.7, .churn_threshold = 0.7};
        cs_bh_always(&cfg.bh);
        if (data[0] & 4) { /* office hours: the local-day arithmetic over stored times */
            static struct cs_tz *berlin;
            if (!berlin && cs_tz_load("Europe/Berlin", &berlin)) abort();
            cfg.bh = (struct cs_business_hours){
                .tz = berlin, .days = 0x1f, .open_min = 540, .close_min = 1020};
        }
        struct cs_tm_facts f;
        float x[CS_TM_MAX_FEATURES];
        if (cs_tm_facts_fill(&cfg, o, T0, 2, &f) == CS_OK)
            for (int k = 0; k < CS_TM_N; k++) cs_tm_features((enum cs_tm_kind)k, &f, x);
        for (int k = 0; k < CS_TM_N; k++) {
            bool labelled;
            uint32_t label;
            double secs;
            cs_tm_label((enum cs_tm_kind)k, &cfg, o, T0, &labelled, &label, &secs);
        }
    }
    json_object_put(o);
    cs_arena_reset(a);
    return 0;
}
