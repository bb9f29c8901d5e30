/* libFuzzer target: the parts of triage that read the customer's raw text by hand:
 * currency amounts (cs_triage_amount) and language detection (cs_lang_detect, through
 * libexttextcat, when the Debian fingerprints are installed).
 *
 * Input: the ticket text, any bytes. Beyond "no crash, no leak, no UB": an amount is -1
 * or a finite number >= 0; a prefix of the text never reads past the given length (the
 * input is copied into an exact-size buffer, so ASan catches an over-read); a detected
 * language is one of the served codes or "", its confidence in [0, 1].
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/lang.h"
#include "cs/triage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_lang *lang;
static int lang_tried;

static void check_amount(const char *t, size_t n)
{
    double v = cs_triage_amount(t, n);
    if (!(v == -1.0 || (isfinite(v) && v >= 0.0))) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!lang_tried) {
        lang_tried = 1;
        if (cs_lang_open("data/triage/languages.conf", "/usr/share/libexttextcat", &lang) != CS_OK)
            lang = NULL;
    }
    char *t = malloc(size ? size : 1);
    if (!t) return 0;
    if (size) memcpy(t, data, size);
    check_amount(t, size);
    check_amount(t, size / 2);
    if (lang) {
        struct cs_lang_result r;
        if (cs_lang_detect(lang, t, size, &r) != CS_OK) abort();
        static const char *const served[] = {"", "en", "es", "de", "fr", "pt"};
        int ok = 0;
        for (size_t i = 0; i < sizeof(served) / sizeof(served[0]); i++)
            ok |= strcmp(r.code, served[i]) == 0;
        if (!ok || r.confidence < 0.0f || r.confidence > 1.0f) abort();
    }
    free(t);
    return 0;
}
