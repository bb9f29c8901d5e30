/* The one word tokeniser (issue #12): what a word character is, how a character folds,
 * and where words start and end, for every caller that splits text into words (the
 * escalation cues and six-level sentiment, the models' hashed n-gram features, the
 * reply drafts' term matching), plus the one stop-word list.
 *
 * Two readings, chosen by the caller's flags, because the shipped models were trained
 * on the first and may not see their features move:
 *   - bytes (default): a word character is an ASCII letter or digit or any byte >=
 *     0x80, so UTF-8 text is kept byte-exactly and never split inside a character;
 *   - CS_WORDS_UTF8: UTF-8 characters, Latin-1 letters folded to ASCII ("é" -> "e",
 *     "ß" -> "ss", "œ" -> "oe"), the typographic apostrophes read as '\'', and the
 *     punctuation of U+0080..U+00BF ("¡", "¿", "«", "»", no-break space) and
 *     U+2000..U+206F (dashes, curly quotes, the ellipsis) as separators, so "¡Hola" and
 *     "“resolved”" give the words "hola" and "resolved"; letters of other scripts stay
 *     word characters (their first three bytes kept as the folded form).
 * Pure functions, no allocation, any byte input (invalid UTF-8 is read byte by byte). */
#ifndef CS_WORDS_H
#define CS_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An apostrophe between two word characters joins them ("don't", "l'avocat"). */
#define CS_WORDS_APOS 0x01u
/* Read UTF-8 characters as described above (default: bytes). */
#define CS_WORDS_UTF8 0x02u

/* One character: its lower-case folded form (0..3 bytes; the apostrophe is "'",
 * other punctuation ""), whether it is a word character and upper-case. */
struct cs_wchar {
    char fold[4];
    uint8_t n;
    bool word, upper;
};

/* Reads the character at text[i] (i < len); returns its length in bytes (>= 1). */
size_t cs_words_char(const char *text, size_t len, size_t i, unsigned flags, struct cs_wchar *c);

/* One word: its bytes in the text and its letter counts (for "written in capitals"). */
struct cs_word {
    size_t off, len;
    uint32_t letters, uppers;
};

/* The next word of text[*pos..len): fills *w, moves *pos past it and returns true;
 * false (with *pos = len) when no word is left. */
bool cs_words_next(const char *text, size_t len, size_t *pos, unsigned flags, struct cs_word *w);

/* Writes the folded (lower-case) form of text[off..off+n) into out[0..cap) (cut at a
 * character boundary when longer, not terminated) and returns its length. */
size_t cs_words_fold(const char *text, size_t n, unsigned flags, char *out, size_t cap);

/* True when the lower-case word w is an English function or filler word that carries
 * no topic ("the", "please", "thanks", "didn" of "didn't" split at the apostrophe). */
bool cs_words_stop(const char *w);

#endif
