/* Phrase-list matching for the reply rules (reply_text.h). */
#include "reply/reply_text.h"

#include <ctype.h>
#include <string.h>

static bool word_byte(unsigned char c, unsigned keep)
{
    return isalpha(c) || c >= 0x80 || ((keep & CS_FOLD_DIGITS) && isdigit(c)) ||
           ((keep & CS_FOLD_APOSTROPHE) && c == '\'');
}

bool cs_reply_fold(const char *s, char *out, size_t cap, unsigned keep, unsigned *words)
{
    size_t o = 0;
    bool space = true, fit = true;
    unsigned n = 0;
    out[o++] = ' ';
    for (; *s; s++) {
        if (o + 2 >= cap) {
            fit = false;
            break;
        }
        unsigned char c = (unsigned char)*s;
        if (word_byte(c, keep)) {
            if (space) n++;
            out[o++] = (char)tolower(c);
            space = false;
        } else if (!space) {
            out[o++] = ' ';
            space = true;
        }
    }
    if (!space) out[o++] = ' ';
    out[o] = '\0';
    if (words) *words = n;
    return fit;
}

bool cs_reply_has_any(const char *folded, const char *const *list)
{
    for (; *list; list++)
        if (strstr(folded, *list)) return true;
    return false;
}
