/* libFuzzer target: an LLM provider's coaching reply (cs_insights_tip_from_reply) is
 * outside input and must be refused or accepted, never crash: any bytes as the reply's
 * text, checked against a fixed set of facts' numbers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/insights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cs_arena *a;
    if (!a) a = cs_arena_new(16u << 20);
    char *text = malloc(size + 1);
    if (!text || !a) abort();
    memcpy(text, data, size);
    text[size] = '\0';
    static const double facts[] = {12, 4, 70, 85, 60, 65, 3.0, 2.0, 1204};
    const char *tip = NULL, *why = NULL;
    if (cs_insights_tip_from_reply(a, text, facts, sizeof(facts) / sizeof(*facts), &tip, &why) ==
            CS_OK &&
        (!tip || !*tip))
        abort(); /* an accepted tip is never empty */
    (void)cs_insights_tip_numbers_ok(text, facts, sizeof(facts) / sizeof(*facts));
    free(text);
    cs_arena_reset(a);
    return 0;
}
