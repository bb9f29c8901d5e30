/* libFuzzer target: the dataset upload reader (cs/dataset.h), CSV and JSON Lines.
 *
 * Beyond "no crash, no leak, no UB" it checks the reader's promises on any input: every
 * row it hands on has a non-empty UTF-8 text and label within the limits, the counts it
 * reports match the rows handed on, and feeding the same bytes in two pieces (split
 * where the first input byte says) gives the same rows and the same verdict as feeding
 * them whole, so chunk boundaries in a streamed upload change nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/dataset.h"
#include "cs/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    uint64_t rows;
    uint64_t hash; /* order-sensitive digest of every row */
};

static int on_row(void *user, const char *text, size_t tl, const char *label, size_t ll)
{
    struct seen *s = user;
    if (tl == 0 || tl > CS_DATASET_MAX_TEXT || ll == 0 || ll > CS_DATASET_MAX_LABEL) abort();
    if (text[tl] != 0 || label[ll] != 0) abort();
    if (!cs_utf8_valid(text, tl) || !cs_utf8_valid(label, ll)) abort();
    for (size_t i = 0; i < tl; i++) s->hash = s->hash * 1099511628211u ^ (unsigned char)text[i];
    s->hash = s->hash * 31u ^ 0xff;
    for (size_t i = 0; i < ll; i++) s->hash = s->hash * 1099511628211u ^ (unsigned char)label[i];
    s->rows++;
    return 0;
}

static int run(enum cs_dataset_format fmt, const char *p, size_t n, size_t split, struct seen *s)
{
    struct cs_dataset_reader *r;
    if (cs_dataset_reader_new(fmt, NULL, NULL, on_row, s, &r) != CS_OK) abort();
    int rc = cs_dataset_reader_feed(r, p, split);
    if (!rc) rc = cs_dataset_reader_feed(r, p + split, n - split);
    if (!rc) rc = cs_dataset_reader_finish(r);
    const struct cs_dataset_stats *st = cs_dataset_reader_stats(r);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < st->n_labels; i++) sum += st->label[i].count;
    if (st->rows != s->rows || sum != st->rows || st->bytes > n) abort();
    if (rc && !cs_dataset_reader_error(r)[0]) abort(); /* a refusal always says why */
    cs_dataset_reader_destroy(r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    enum cs_dataset_format fmt = (data[0] & 1) ? CS_DATASET_JSONL : CS_DATASET_CSV;
    const char *p = (const char *)data + 1;
    size_t n = size - 1, split = n ? (data[0] >> 1) % (n + 1) : 0;
    struct seen whole = {0}, parts = {0};
    int a = run(fmt, p, n, n, &whole);
    int b = run(fmt, p, n, split, &parts);
    if (a != b || whole.rows != parts.rows || whole.hash != parts.hash) abort();
    return 0;
}
