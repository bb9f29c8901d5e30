/* Extractive reply drafts with knowledge-base citations (seed 004 `answer_draft`).
 *
 * The built-in model never invents facts: the body is an opening matched to the
 * customer's sentiment, then sentences copied verbatim from retrieved KB passages, each
 * followed by its `[DOC-ID]` marker, then a next step that names the team and the SLA.
 * When no passage is relevant enough the draft says so plainly and routes the ticket,
 * rather than padding the reply with loosely related text.
 *
 * Tone (seed values) is chosen from sentiment unless the caller forces one:
 *   angry, irate, frustrated, negative, very_negative, upset -> empathetic_professional
 *   happy, satisfied, positive, very_positive                -> casual
 *   neutral                                                  -> formal, except P1 tickets,
 *                                                               which get empathetic_professional
 *   missing or unknown                                       -> empathetic_professional
 *                                                               (the seed's default)
 * Greeting: "Dear <Full Name>," for formal and empathetic_professional, "Hi <First>,"
 * for casual ("Dear Customer," / "Hi there," without a usable name).
 */
#ifndef CS_DRAFT_H
#define CS_DRAFT_H

#include <stdbool.h>
#include <stddef.h>

#include "cs/error.h"
#include "cs/retrieval.h"

struct cs_arena;

/* Most passages one draft will cite, and most sentences it will quote. */
#define CS_DRAFT_MAX_USED 8

enum cs_draft_tone {
    CS_DRAFT_TONE_AUTO = 0, /* only meaningful in cs_draft_opts */
    CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL,
    CS_DRAFT_TONE_FORMAL,
    CS_DRAFT_TONE_CASUAL,
};

/* Seed spelling of a tone ("empathetic_professional", "formal", "casual"); never NULL. */
const char *cs_draft_tone_name(enum cs_draft_tone tone);
/* Tone the draft would use for this sentiment label (any case) and priority ("P1".."P3",
 * may be NULL). Never returns CS_DRAFT_TONE_AUTO. */
enum cs_draft_tone cs_draft_tone_for(const char *sentiment, const char *priority);

struct cs_draft_triage {
    const char *category;       /* e.g. "Billing"; may be NULL */
    const char *subcategory;    /* e.g. "Duplicate Charge"; may be NULL */
    const char *sentiment;      /* e.g. "frustrated"; may be NULL */
    const char *priority;       /* "P1".."P3"; may be NULL */
    const char *suggested_team; /* e.g. "Finance Team"; NULL: "support team" */
    int sla_hours;              /* 1..168; <= 0: no timeline is promised */
    double confidence;          /* triage's confidence; below 0.5 the opening names no
                                 * topic (a wrong label read back to the customer is
                                 * worse than none); 0: unknown, the topic is named */
};

struct cs_triage;
/* The draft's view of a triage result (the strings point into *t). */
struct cs_draft_triage cs_draft_triage_of(const struct cs_triage *t);

struct cs_draft_input {
    const char *customer_name; /* may be NULL or empty */
    const char *ticket_text;   /* the customer's message; may be NULL */
    const char *query_terms;   /* more words to match sentences on (retrieval's expansion
                                * of the message, cs_retrieval_expand); may be NULL */
    struct cs_draft_triage triage;
    /* Retrieval's own passages, best first, as it returned them: a passage whose doc_id
     * fails cs_kb_doc_id_valid is ignored; chunk_id is echoed back through `used`; text
     * is NUL-terminated; score is the relevance in 0..1. */
    const struct cs_passage *passages;
    size_t n_passages;
};

struct cs_draft_opts {
    double min_passage_score;  /* passages below are never quoted; 0: default 0.30 */
    unsigned max_sentences;    /* 1..CS_DRAFT_MAX_USED; 0: default 3 */
    unsigned min_shared_terms; /* a sentence must share this many distinct query terms
                                * with the ticket (capped at the query's size); default 2 */
    enum cs_draft_tone tone;   /* CS_DRAFT_TONE_AUTO: from sentiment */
    const char *signature;     /* default "Customer Support Team" */
};

struct cs_draft {
    const char *greeting;
    const char *body;
    const char *closing;
    const char *tone; /* static string, seed spelling */
    enum cs_draft_tone tone_id;
    /* Indices into cs_draft_input.passages of the passages quoted in `body`, in the
     * order first quoted. Every `[DOC-ID]` marker in `body` is the doc_id of one of
     * these and each of these has at least one marker: return exactly these as
     * citations. */
    size_t used[CS_DRAFT_MAX_USED];
    size_t n_used;
    bool kb_answer; /* false: the honest "no specific article" reply was written */
};

/* Fills `out` with a draft. Strings are allocated in `a` and live until it is reset;
 * nothing in `in` is retained. `opts` may be NULL for the defaults.
 * Errors: CS_ERR_INVALID (NULL a/in/out, passages NULL with n_passages > 0, options out
 * of range), CS_ERR_NOMEM / CS_ERR_TOO_LARGE (arena exhausted). On error `*out` is
 * zeroed. */
CS_MUST_CHECK int cs_draft_build(struct cs_arena *a, const struct cs_draft_input *in,
                                 const struct cs_draft_opts *opts, struct cs_draft *out);

#endif
