/* libFuzzer target: a session document read back from the store is outside input to
 * the chat derivation (rp_chat.c). Any bytes that parse as JSON go through
 * cs_rp_chat_of_session; it must not crash, and whatever chat and activity it derives
 * must pass the import checks the store applies before writing them (otherwise a
 * session write would fail on its reporting records). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/json.h"
#include "cs/reporting.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cs_arena *a;
    if (!a) a = cs_arena_new(64u << 20);
    json_object *s, *chat, *act, *errors;
    if (cs_json_parse((const char *)data, size, a, &s, NULL) == 0 &&
        cs_rp_chat_of_session(a, "sess_fuzz", s, &chat, &act) == 0 && chat) {
        if (cs_rp_import_check(cs_rp_resource_find("chats"), chat, a, &errors) ||
            cs_rp_import_check(cs_rp_resource_find("agent_activity_logs"), act, a, &errors))
            abort(); /* a derived record the store would refuse */
    }
    cs_arena_reset(a);
    return 0;
}
