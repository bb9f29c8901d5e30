/* libFuzzer target: any bytes through the one tokeniser (cs/words.h) in its four
 * readings. Invariants: every character read is 1..4 bytes inside the text; words are
 * non-empty, inside the text, in order and disjoint, start with a word character and
 * count no more letters than bytes; folding never writes past its buffer; the stop-word
 * check takes any folded word. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_chars(const char *text, size_t size, unsigned flags)
{
    for (size_t i = 0; i < size;) {
        struct cs_wchar c;
        size_t n = cs_words_char(text, size, i, flags, &c);
        if (n < 1 || n > 4 || i + n > size || c.n > 3) abort();
        i += n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    for (unsigned flags = 0; flags <= (CS_WORDS_APOS | CS_WORDS_UTF8); flags++) {
        check_chars(text, size, flags);
        size_t pos = 0, prev_end = 0;
        struct cs_word w;
        while (cs_words_next(text, size, &pos, flags, &w)) {
            if (w.len == 0 || w.off < prev_end || w.off + w.len > size || pos != w.off + w.len)
                abort();
            if (w.uppers > w.letters || w.letters > w.len) abort();
            struct cs_wchar c;
            cs_words_char(text, size, w.off, flags, &c);
            if (!c.word) abort();
            char out[17];
            out[16] = '\x5a';
            size_t n = cs_words_fold(text + w.off, w.len, flags, out, 16);
            if (n > 16 || out[16] != '\x5a') abort();
            out[n] = '\0';
            (void)cs_words_stop(out);
            prev_end = pos;
        }
        if (pos != size) abort();
    }
    return 0;
}
