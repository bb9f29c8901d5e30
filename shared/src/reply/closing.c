/* Recognises closing messages. A phrase list and a handful of vetoes rather than a
 * model: the labelled data sets hold no thank-you class, and a false "closing" is
 * costly (the customer's problem would go unanswered), so the rule is narrow and every
 * veto errs towards answering normally. */
#include "cs/closing.h"

#include <string.h>

#include "reply/reply_text.h"

#define CLOSING_MAX_BYTES 400

bool cs_reply_closing(const char *text)
{
    static const char *const closers[] = {" thank ",
                                          " thanks ",
                                          " thankyou ",
                                          " thx ",
                                          " ty ",
                                          " cheers ",
                                          " much appreciated ",
                                          " appreciate it ",
                                          " that worked ",
                                          " that fixed ",
                                          " it worked ",
                                          " it works now ",
                                          " works now ",
                                          " all sorted ",
                                          " all good now ",
                                          " problem solved ",
                                          " that's all ",
                                          " that is all ",
                                          " bye ",
                                          " goodbye ",
                                          " have a nice day ",
                                          " have a good day ",
                                          NULL};
    /* A question, a remaining problem, or a thanks that is not one. */
    static const char *const vetoes[] = {
        " but ",     " however ", " still ",        " not ",     " no ",      " never ",
        " nothing ", " n't ",     " didn't ",       " doesn't ", " don't ",   " isn't ",
        " wasn't ",  " won't ",   " can't ",        " cannot ",  " can you ", " could you ",
        " please ",  " also ",    " another ",      " again ",   " help ",    " why ",
        " how ",     " what ",    " when ",         " where ",   " refund ",  " cancel ",
        " broken ",  " error ",   " problem with ", " issue ",   " wrong ",   " for nothing ",
        NULL};
    if (!text || strchr(text, '?')) return false;
    char buf[CLOSING_MAX_BYTES];
    unsigned words;
    if (!cs_reply_fold(text, buf, sizeof(buf), CS_FOLD_APOSTROPHE, &words) || words == 0 ||
        words > CS_CLOSING_MAX_WORDS)
        return false;
    return cs_reply_has_any(buf, closers) && !cs_reply_has_any(buf, vetoes);
}
