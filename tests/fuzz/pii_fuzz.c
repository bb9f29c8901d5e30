/* libFuzzer target: the PII detector on arbitrary bytes; spans must be sane. Each input
 * is scanned twice: without a lexicon (patterns and addresses) and, when the shipped
 * models are found (run from the repository root, as build.sh test does), with the
 * "pii" name lexicon, so the person-name recogniser is fuzzed too. */
#include <stdint.h>
#include <stdlib.h>

#include "cs/models.h"
#include "cs/pii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Opened once for the process and never closed: the fuzzer exits without a hook. */
static const struct cs_model *names_model(void)
{
    static int tried;
    static struct cs_models *ms;
    if (!tried) {
        tried = 1;
        if (cs_models_open("data/models", &ms) != CS_OK) ms = NULL;
    }
    return ms ? cs_models_get(ms, "pii") : NULL;
}

static void check(const struct cs_model *names, const uint8_t *data, size_t size)
{
    struct cs_pii_result r;
    if (cs_pii_detect(names, (const char *)data, size, &r) != CS_OK) abort();
    size_t prev_end = 0;
    for (size_t i = 0; i < r.n; i++) {
        const struct cs_pii_span *s = &r.span[i];
        if (s->start_byte < prev_end || s->end_byte <= s->start_byte || s->end_byte > size ||
            s->end > s->end_byte || s->start > s->end)
            abort();
        prev_end = s->end_byte;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(NULL, data, size);
    const struct cs_model *names = names_model();
    if (names) check(names, data, size);
    return 0;
}
