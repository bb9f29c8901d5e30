/* UTF-8 checks shared by every parser of outside input (request JSON, the KB importer,
 * stored reporting text): one validator, so that all of them agree on what is valid. */
#ifndef CS_UTF8_H
#define CS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Number of Unicode code points in a valid UTF-8 string. */
size_t cs_utf8_len(const char *s, size_t n);
/* True when the n bytes are valid UTF-8: no overlongs, no surrogates, nothing above
 * U+10FFFF, no truncated sequence. */
bool cs_utf8_valid(const char *s, size_t n);

#endif
