/* Phrase-list matching shared by the reply rules (advice, closing): text folded to
 * lower-case words between single spaces, searched for " word " entries. Internal to
 * shared/src/reply; functions/ never includes it. */
#ifndef CS_REPLY_TEXT_H
#define CS_REPLY_TEXT_H

#include <stdbool.h>
#include <stddef.h>

enum cs_fold_keep {
    CS_FOLD_DIGITS = 1u << 0,     /* digits are word characters */
    CS_FOLD_APOSTROPHE = 1u << 1, /* "don't" stays one word */
};

/* Writes a lower-cased copy of s to out[0..cap): letters and bytes >= 0x80 (plus what
 * `keep` names) kept, every run of other bytes folded to one space, padded with spaces,
 * so " word " matches whole words and " invest" every word that starts with it.
 * Returns false when s did not fit (out then holds the folded part that did, padded and
 * terminated). *words (may be NULL) gets the number of words written. cap >= 3. */
bool cs_reply_fold(const char *s, char *out, size_t cap, unsigned keep, unsigned *words);

/* True when any entry of the NULL-terminated list occurs in the folded text. */
bool cs_reply_has_any(const char *folded, const char *const *list);

#endif
