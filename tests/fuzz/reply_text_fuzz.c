/* libFuzzer target: a customer message (any bytes) through the reply rules that read
 * it: closing detection, advice detection and topic, and retrieval's query expansion;
 * then the bytes as a stored session document through cs_session_parse. Invariants:
 * the expansion starts with the query, advice kinds are in range, and a parsed session
 * has a status and tier from the name tables and a non-empty companyId. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/advice.h"
#include "cs/arena.h"
#include "cs/closing.h"
#include "cs/json.h"
#include "cs/retrieval.h"
#include "cs/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_arena *arena;

static void check_session(const char *text, size_t len)
{
    json_object *body = NULL;
    if (cs_json_parse(text, len, arena, &body, NULL) != CS_OK) return;
    struct cs_doc d = {.id = "sess_fuzz", .version = 1, .body = body};
    struct cs_session s;
    int rc = cs_session_parse(&d, &s);
    if (rc == CS_OK) {
        if (!s.company_id || !*s.company_id || !s.stats || !s.messages) abort();
        if (strcmp(cs_json_get_str(body, "status"), cs_session_status_name(s.status)) != 0) abort();
        if (strcmp(cs_json_get_str(body, "currentTier"), cs_session_tier_name(s.tier)) != 0)
            abort();
    } else if (rc == CS_ERR_SESSION_CORRUPT && !s.bad_field) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena && !(arena = cs_arena_new(0))) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    (void)cs_reply_closing(text);
    enum cs_advice k = cs_advice_detect(text);
    if (k > CS_ADVICE_MEDICAL || (k != CS_ADVICE_NONE) != (cs_advice_category(k) != NULL)) abort();
    (void)cs_advice_topic(text);
    const char *e = cs_retrieval_expand(arena, text);
    if (e && strncmp(e, text, strlen(text)) != 0) abort();
    check_session(text, size);
    free(text);
    cs_arena_reset(arena);
    return 0;
}
