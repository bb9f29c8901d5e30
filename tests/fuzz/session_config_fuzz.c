/* libFuzzer target: a PUT /config body (any bytes) through the JSON parser and the
 * validated deep merge. Invariants: a merge never crashes; a merge that succeeds leaves
 * a configuration that merges onto fresh defaults again (what load does), with limits
 * still inside their ranges. */
#include <stdint.h>
#include <stdlib.h>

#include "cs/arena.h"
#include "cs/json.h"
#include "cs/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_arena *arena;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena) arena = cs_arena_new(0);
    json_object *patch;
    if (cs_json_parse((const char *)data, size, arena, &patch, NULL) != CS_OK) {
        cs_arena_reset(arena);
        return 0;
    }
    json_object *cfg = cs_session_config_defaults();
    const char *where, *why;
    int rc = cs_session_config_merge(cfg, patch, arena, &where, &why);
    if (rc != CS_OK && (rc != CS_ERR_INVALID || !where || !why)) abort();
    if (rc == CS_OK) {
        json_object *again = cs_session_config_defaults();
        if (cs_session_config_merge(again, cfg, arena, &where, &why) != CS_OK) abort();
        struct cs_tier_caps c;
        cs_session_tier_caps(again, "AI_MANAGER", &c);
        struct cs_irate_config ic;
        cs_session_irate_config(again, &ic);
        if (c.max_refund < 0 || ic.threshold < 0 || ic.threshold > 1 || ic.after_attempts < 1 ||
            ic.nkeywords > CS_SESSION_MAX_KEYWORDS || cs_session_tier_rank(ic.target_tier) < 1)
            abort();
        json_object_put(again);
    }
    json_object_put(cfg);
    cs_arena_reset(arena);
    return 0;
}
