/* Internal to shared/src/nlp: the escalation-trigger phrase table (cues_lexicon.c). */
#ifndef CS_NLP_CUES_LEXICON_H
#define CS_NLP_CUES_LEXICON_H

#include "nlp/cues_int.h"

enum cs_cue_kind {
    CUE_LEGAL = 1,
    CUE_LEGAL_VETO,
    CUE_SOCIAL,
    CUE_SOCIAL_VETO,
    CUE_HUMAN,
    CUE_HUMAN_VETO,
    CUE_REPEAT,      /* value: earlier contacts stated (1, 2 = two or more) */
    CUE_REPEAT_TIME, /* "the third time": counts only with a contact word in the clause */
    CUE_CONTACT_WORD,
    CUE_REPEAT_VETO, /* self-service retries: "clicked unsubscribe three times" */
    CUE_SAFETY,
    CUE_SECURITY,
    CUE_OUTAGE,
    CUE_DEADLINE,
    CUE_DEADLINE_VETO, /* "guten Morgen", "esta mañana": morning, not tomorrow */
    CUE_THREAT,
    CUE_PLATFORM,      /* a public platform ("Trustpilot"): social with a posting act */
    CUE_SOCIAL_ACT,    /* posting, telling, "going on", "will hear" */
    CUE_CONDITION,     /* "if", "unless": a condition makes an ultimatum of a mention */
    CUE_REPEAT_OPENER, /* CUE_REPEAT only at a sentence start ("For the third time: ...") */
    CUE_UNRESOLVED,    /* "still", "nothing", "no reply": the contacts led nowhere */
    CUE_KIND_N
};

/* value of a CUE_SOCIAL phrase that no praise veto cancels: "the BBC would love this
 * story" ("love" is praise elsewhere) */
#define CUE_SOCIAL_UNVETOED 3

extern const struct cs_phrase CS_CUE_LEXICON[];
extern const size_t CS_CUE_LEXICON_N;

#endif
