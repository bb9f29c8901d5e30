/* libFuzzer target: the zone-file (TZif) reader of cs/tz.h must reject, never crash on,
 * any bytes, and a zone it accepts must answer offsets and calendar buckets for any
 * instant without looping. Seed corpus: real zone files (tzdata, public domain). */
#include <stdint.h>
#include <string.h>

#include "cs/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_tz *tz;
    if (cs_tz_parse(data, size, &tz) != CS_OK) return 0;
    int64_t t = 0;
    if (size >= 8) memcpy(&t, data + size - 8, 8);
    t %= 4000000000000LL * 100; /* +-12,000 years */
    char date[11];
    for (int u = CS_TZ_DAY; u <= CS_TZ_MONTH; u++) {
        int64_t s = cs_tz_unit_start(tz, t, (enum cs_tz_unit)u);
        (void)cs_tz_unit_next(tz, s, (enum cs_tz_unit)u);
    }
    (void)cs_tz_offset(tz, t);
    cs_tz_date(tz, t, date);
    cs_tz_free(tz);
    return 0;
}
