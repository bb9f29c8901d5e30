/* libFuzzer target: the review queue listing's query parameters (status, priority,
 * limit, offset) as GET /api/v1/review/queue receives them, NUL-separated in the input
 * (a missing part is an absent parameter). Whatever is accepted must lie in range;
 * whatever is refused must be named. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/review.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *part[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    for (char *p = buf; n < 4 && p <= buf + size; p += strlen(p) + 1) part[n++] = p;
    struct cs_review_filter f;
    const char *bad[4];
    size_t nbad = 99;
    int rc = cs_review_filter_parse(part[0], part[1], part[2], part[3], &f, bad, &nbad);
    if (nbad > 4 || (rc == CS_OK) != (nbad == 0)) abort();
    if (rc == CS_OK && (f.limit < 1 || f.limit > CS_REVIEW_MAX_LIMIT || f.offset < 0 ||
                        f.offset > CS_REVIEW_MAX_OFFSET || f.priority < 0 || f.priority > 5 ||
                        (f.status && !cs_review_status_valid(f.status))))
        abort();
    for (size_t i = 0; i < nbad; i++)
        if (strcmp(bad[i], "status") && strcmp(bad[i], "priority") && strcmp(bad[i], "limit") &&
            strcmp(bad[i], "offset"))
            abort();
    free(buf);
    return 0;
}
