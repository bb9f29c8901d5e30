/* libFuzzer target: any bytes as a customer text through the escalation-cue scanner,
 * the six-level sentiment reading and the asserted-keyword check. Invariants: spans
 * lie inside the text, counts and waits are in range, the level is one of the six and
 * the reason agrees with the cues. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/cues.h"
#include "cs/sentiment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_span(const struct cs_cue_span *sp, bool set, size_t size)
{
    if (sp->len > 0 && (!set || sp->off + sp->len > size)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct cs_cues c;
    cs_cues_scan(text, size, &c);
    check_span(&c.legal_span, c.legal, size);
    check_span(&c.social_span, c.social, size);
    check_span(&c.request_span, c.human_request, size);
    check_span(&c.repeat_span, c.earlier_contacts > 0, size);
    if (c.earlier_contacts < 0 || c.earlier_contacts > 2) abort();
    if (!isfinite(c.wait_days) || c.wait_days < 0 || c.wait_days > 3650) abort();
    static const float prob[3] = {0.4f, 0.4f, 0.2f};
    struct cs_sentiment s;
    cs_sentiment_read(prob, text, size, &s);
    if ((unsigned)s.level > CS_SENT_IRATE || !(s.score >= 0 && s.score <= 1)) abort();
    if (s.cues.cue_len > 0 && s.cues.cue_off + s.cues.cue_len > size) abort();
    enum cs_esc_reason r = cs_cues_reason(&c, s.level);
    if ((r == CS_ESC_LEGAL_MENTION) != c.legal) abort();
    if (r == CS_ESC_NONE && (c.social || c.human_request || s.level == CS_SENT_IRATE)) abort();
    /* the keyword check reads the text as a C string */
    char *z = malloc(size + 1);
    if (!z) return 0;
    memcpy(z, data, size);
    z[size] = '\0';
    (void)cs_cues_phrase_asserted(z, strlen(z), "angry");
    (void)cs_cues_phrase_asserted(z, strlen(z), "last straw");
    free(z);
    return 0;
}
