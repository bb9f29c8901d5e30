/* libFuzzer target: the PII detector on arbitrary bytes; spans must be sane. */
#include <stdint.h>
#include <stdlib.h>

#include "cs/pii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_pii_result r;
    if (cs_pii_detect(NULL, (const char *)data, size, &r) != CS_OK) abort();
    size_t prev_end = 0;
    for (size_t i = 0; i < r.n; i++) {
        const struct cs_pii_span *s = &r.span[i];
        if (s->start_byte < prev_end || s->end_byte <= s->start_byte || s->end_byte > size ||
            s->end > s->end_byte || s->start > s->end)
            abort();
        prev_end = s->end_byte;
    }
    return 0;
}
