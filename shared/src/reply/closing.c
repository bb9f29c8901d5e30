/* Recognises closing messages. A phrase list and a handful of vetoes rather than a
 * model: the labelled data sets hold no thank-you class, and a false "closing" is
 * costly (the customer's problem would go unanswered), so the rule is narrow and every
 * veto errs towards answering normally. */
#include "cs/closing.h"

#include <ctype.h>
#include <string.h>

#define CLOSING_MAX_BYTES 400

/* Lower-cased copy with runs of non-letters folded to one space, padded with spaces so
 * that " word " matches whole words. */
static bool fold(const char *s, char *out, size_t cap, unsigned *words)
{
    size_t o = 0;
    bool space = true;
    *words = 0;
    out[o++] = ' ';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (o + 2 >= cap) return false;
        if (isalpha(c) || c == '\'' || c >= 0x80) {
            if (space) ++*words;
            out[o++] = (char)tolower(c);
            space = false;
        } else if (!space) {
            out[o++] = ' ';
            space = true;
        }
    }
    if (!space) out[o++] = ' ';
    out[o] = '\0';
    return true;
}

static bool has_any(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strstr(s, *list)) return true;
    return false;
}

bool cs_reply_closing(const char *text)
{
    static const char *const closers[] = {
        " thank ", " thanks ", " thankyou ", " thx ", " ty ", " cheers ", " much appreciated ",
        " appreciate it ", " that worked ", " that fixed ", " it worked ", " it works now ",
        " works now ", " all sorted ", " all good now ", " problem solved ", " that's all ",
        " that is all ", " bye ", " goodbye ", " have a nice day ", " have a good day ", NULL};
    /* A question, a remaining problem, or a thanks that is not one. */
    static const char *const vetoes[] = {
        " but ", " however ", " still ", " not ", " no ", " never ", " nothing ", " n't ",
        " didn't ", " doesn't ", " don't ", " isn't ", " wasn't ", " won't ", " can't ",
        " cannot ", " can you ", " could you ", " please ", " also ", " another ", " again ",
        " help ", " why ", " how ", " what ", " when ", " where ", " refund ", " cancel ",
        " broken ", " error ", " problem with ", " issue ", " wrong ", " for nothing ", NULL};
    if (!text || strchr(text, '?')) return false;
    char buf[CLOSING_MAX_BYTES];
    unsigned words;
    if (!fold(text, buf, sizeof(buf), &words) || words == 0 || words > CS_CLOSING_MAX_WORDS)
        return false;
    return has_any(buf, closers) && !has_any(buf, vetoes);
}
