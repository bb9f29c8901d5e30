/* libFuzzer target: a customer message (any bytes) through the refund/credit reader
 * and the irate protocol's decision. Invariants: amounts are finite and non-negative,
 * and any escalation names a known reason and a tier above the current one. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/sentiment.h"
#include "cs/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_object *cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cfg) cfg = cs_session_config_defaults();
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* messages reach the protocol as C strings */
    struct cs_money_ask ask;
    cs_session_money_ask(text, &ask);
    if (!isfinite(ask.amount) || ask.amount < 0) abort();
    struct cs_sentiment_cues cues;
    cs_sentiment_scan_cues(text, strlen(text), &cues);
    float prob[3] = {0.7f, 0.2f, 0.1f};
    struct cs_sentiment s;
    cs_sentiment_map(prob, &cues, &s);
    static const char *const tiers[] = {"AI_REP", "AI_MANAGER", "HUMAN_AGENT"};
    for (int t = 0; t < 3; t++) {
        struct cs_session_state st = {.tier = tiers[t],
                                      .irate_attempts = size % 4,
                                      .vip = size % 3 == 0,
                                      .repeat_contacts = (int)(size % 5)};
        struct cs_decision d;
        cs_session_decide(cfg, &st, &s, text, &ask, &d);
        if (d.reason && (!cs_session_enum_ok(cs_session_reasons, d.reason) ||
                         cs_session_tier_rank(d.target) <= t))
            abort();
    }
    free(text);
    return 0;
}
