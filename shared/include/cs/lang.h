/* Language of a customer text: Debian's libexttextcat (Cavnar & Trenkle n-gram
 * fingerprints) restricted to the languages listed in a fingerprint list such as
 * data/triage/languages.conf. Reported as an ISO 639-1 code, as Zendesk's intelligent
 * triage does. The answers are libexttextcat 3.4.5's (textcat_ClassifyFull), scored by
 * lang.c itself from a table built at open, at about a fifth of the library's CPU.
 *
 * The detector is opened once at cold start and is read-only afterwards: detection
 * builds the text's fingerprint on the stack and in a small per-thread table it leaves
 * empty, and only reads the shared handle, so one detector serves every thread.
 */
#ifndef CS_LANG_H
#define CS_LANG_H

#include <stddef.h>

#include "cs/error.h"

#define CS_LANG_CODE_MAX 16

struct cs_lang; /* opaque */

/* Opens the detector. `conf` lists "<file.lm> <code>" lines (# comments allowed; read
 * as special_textcat_Init reads it); `fp_dir` is the directory holding the .lm files.
 * CS_ERR_IO when the list names nothing or it or a fingerprint cannot be read,
 * CS_ERR_INVALID past 512 languages, CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_lang_open(const char *conf, const char *fp_dir, struct cs_lang **out);
void cs_lang_close(struct cs_lang *l);

struct cs_lang_result {
    char code[CS_LANG_CODE_MAX]; /* "en", "es", ...; "" when undecided */
    /* 0..1: 1 / (number of listed languages within 3% of the best fingerprint
     * distance), scaled down for texts of fewer than 20 letters. A cheap agreement
     * measure, not a calibrated probability. */
    float confidence;
};

/* Detects the language of text[0..len) (UTF-8; only about the first 100 bytes are
 * read). An empty text or one the library cannot decide gives code "" and confidence 0 with CS_OK.
 * CS_ERR_INVALID for NULL arguments, CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_lang_detect(const struct cs_lang *l, const char *text, size_t len,
                                 struct cs_lang_result *out);

#endif
