/* Phrase rules for regulated advice. Word lists, not a model: the data sets carry no
 * advice labels, and the cost of a miss (an unreviewed investment or medical answer)
 * is far higher than a false alarm (a reviewer reads a harmless reply). */
#include "cs/advice.h"

#include <stdbool.h>
#include <string.h>

#include "reply/reply_text.h"

#define ADVICE_MAX_BYTES 4096

static const char *const investment[] = {" invest",
                                         " stock ",
                                         " stocks ",
                                         " shares ",
                                         " etf",
                                         " mutual fund",
                                         " index fund",
                                         " crypto",
                                         " bitcoin",
                                         " portfolio",
                                         " pension fund",
                                         " retirement savings",
                                         " financial advice",
                                         " trading ",
                                         " forex ",
                                         " bonds ",
                                         NULL};
static const char *const legal[] = {
    " lawyer",     " attorney",      " legal advice",    " legally ",     " is it legal ",
    " can i sue ", " should i sue ", " sue them ",       " sue my ",      " sue the ",
    " suing ",     " lawsuit",       " my rights ",      " contract law", " court ",
    " custody ",   " divorce ",      " immigration law", " tenancy law",  " landlord ",
    NULL};
static const char *const medical[] = {" medical advice",
                                      " medication",
                                      " medicine",
                                      " dose ",
                                      " dosage",
                                      " symptom",
                                      " diagnos",
                                      " prescription",
                                      " side effect",
                                      " pregnan",
                                      " ibuprofen",
                                      " paracetamol",
                                      " antibiotic",
                                      " allerg",
                                      " treatment for ",
                                      " is it safe to take ",
                                      NULL};
/* Asking for a recommendation or a judgement, not reporting a problem. */
static const char *const asks[] = {
    " should i ", " should we ", " can i ",    " could i ",   " recommend",     " advice ",
    " advise",    " best ",      " which ",    " what ",      " is it safe ",   " is it legal ",
    " worth ",    " how much ",  " how many ", " do i need ", " am i allowed ", NULL};

enum cs_advice cs_advice_detect(const char *text)
{
    if (!text) return CS_ADVICE_NONE;
    char buf[ADVICE_MAX_BYTES];
    (void)cs_reply_fold(text, buf, sizeof(buf), CS_FOLD_DIGITS, NULL); /* a long text: its head */
    bool question = strchr(text, '?') != NULL || cs_reply_has_any(buf, asks);
    if (!question) return CS_ADVICE_NONE;
    if (cs_reply_has_any(buf, medical)) return CS_ADVICE_MEDICAL;
    if (cs_reply_has_any(buf, legal)) return CS_ADVICE_LEGAL;
    if (cs_reply_has_any(buf, investment)) return CS_ADVICE_INVESTMENT;
    return CS_ADVICE_NONE;
}

const char *cs_advice_category(enum cs_advice kind)
{
    switch (kind) {
    case CS_ADVICE_INVESTMENT: return "investment_advice";
    case CS_ADVICE_LEGAL: return "legal_advice";
    case CS_ADVICE_MEDICAL: return "medical_advice";
    default: return NULL;
    }
}

const char *cs_advice_topic(const char *text)
{
    static const char *const loan[] = {
        " loan", " mortgage", " credit score", " borrow", " overdraft", " line of credit", NULL};
    if (!text) return NULL;
    char buf[ADVICE_MAX_BYTES];
    (void)cs_reply_fold(text, buf, sizeof(buf), CS_FOLD_DIGITS, NULL); /* a long text: its head */
    return cs_reply_has_any(buf, loan) ? "loan_inquiry" : NULL;
}
