/* Closing messages: "Thank you, that worked perfectly!", "thanks, bye". A support desk
 * answers them with a closing line, not with a knowledge-base search, and the
 * conversation may be resolved. */
#ifndef CS_CLOSING_H
#define CS_CLOSING_H

#include <stdbool.h>

/* True when `text` thanks or says goodbye and asks or reports nothing more: no
 * question mark, no contrast or negation ("thanks, but it still fails", "thanks for
 * nothing"), at most CS_CLOSING_MAX_WORDS words. NULL is false. */
#define CS_CLOSING_MAX_WORDS 25
bool cs_reply_closing(const char *text);

#endif
