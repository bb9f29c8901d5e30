/* Escalation triggers read from one customer text (LABELLING.md section 3 and 5):
 * phrases with their scope, never single words. Pure functions, no allocation.
 * Owner: helper "cue" (branch cue). Helper "triage" codes against this contract. */
#ifndef CS_CUES_H
#define CS_CUES_H

#include <stdbool.h>
#include <stddef.h>

#include "cs/sentiment.h"

/* LABELLING.md's escalation reasons, in their precedence order. */
enum cs_esc_reason {
    CS_ESC_NONE = 0,
    CS_ESC_LEGAL_MENTION,
    CS_ESC_SOCIAL_MEDIA_THREAT,
    CS_ESC_CUSTOMER_REQUEST,
    CS_ESC_IRATE_CUSTOMER,
    CS_ESC_REPEAT_CONTACT,
};

struct cs_cue_span {
    size_t off, len; /* the phrase that fired, in bytes of the scanned text; len 0: none */
};

struct cs_cues {
    bool legal;           /* threat/announcement of legal or formal action (P1) */
    bool social;          /* threat to go public / already did, to pressure (P2) */
    bool human_request;   /* explicit ask for a human, manager, escalation */
    int earlier_contacts; /* stated earlier contacts about this issue (0, 1, 2 = "two or more") */
    bool safety;          /* injury, fire, smoke, shock, contamination, health risk (P1) */
    bool security; /* takeover, unauthorized access/transactions, fraud, lost/stolen card (P1) */
    bool outage;   /* service down for many users / a whole business (P1) */
    bool deadline; /* concrete date/time within ~7 days at stake (P2) */
    struct cs_cue_span legal_span, social_span, request_span, repeat_span;
    /* Additions (not in the triage contract; free for any caller): */
    float wait_days; /* longest stated wait ("for three weeks" = 21, "since Monday" = 3) */
    bool threat;     /* a threat other than legal/public ("or I will cancel", "or else") */
    bool
        unresolved; /* the text says it led nowhere: "still", "nothing", "no reply", "same answer" */
};

/* Scans text[0..len) (UTF-8, any of en/es/de/fr/pt) for the triggers above. */
void cs_cues_scan(const char *text, size_t len, struct cs_cues *out);

/* The escalation reason LABELLING.md section 3 gives, from the cues and the six-level
 * sentiment of the same text (IRATE -> IRATE_CUSTOMER; repeat needs >= 2 earlier contacts
 * and FRUSTRATED or worse). CS_ESC_NONE when nothing triggers. */
enum cs_esc_reason cs_cues_reason(const struct cs_cues *c, enum cs_sentiment_level level);

/* True when `phrase` (case- and accent-insensitive, whole words) occurs in text[0..len)
 * asserted: not negated ("I'm not angry") and not as a capitalised name. For
 * tenant-configured trigger keywords. */
bool cs_cues_phrase_asserted(const char *text, size_t len, const char *phrase);

/* "LEGAL_MENTION", ... ; NULL for CS_ESC_NONE. */
const char *cs_esc_reason_name(enum cs_esc_reason r);

#endif
