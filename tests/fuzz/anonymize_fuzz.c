/* libFuzzer target: restore tokens and texts, the outside input of
 * /api/v1/privacy/anonymize and /api/v1/privacy/restore.
 *
 * The first byte picks the path:
 *   0  the rest is a restore token: opening it must fail cleanly (nothing random can
 *      carry a valid MAC) or, for the seed corpus' genuine token, yield sane entries;
 *   1  the rest is a text: anonymize, seal, open, restore; the opened mapping must equal
 *      the sealed one and restoring the anonymized text must put back one value per
 *      placeholder inserted;
 *   2  the rest is a text with placeholders, restored from a fixed mapping.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/anonymize.h"
#include "cs/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_arena *arena;

static void key(unsigned char k[CS_ANON_KEY_BYTES])
{
    struct cs_jwt_key master;
    memset(master.bytes, 7, sizeof(master.bytes)); /* the corpus token's secret */
    cs_anon_key(&master, "acme", k);
}

static void open_token(const char *s, size_t n)
{
    unsigned char k[CS_ANON_KEY_BYTES];
    key(k);
    struct cs_anon_entry *e = NULL;
    size_t m = 0;
    int rc = cs_anon_open(k, "acme", s, n, arena, &e, &m);
    if (rc != CS_OK && rc != CS_ERR_INVALID) abort();
    for (size_t i = 0; rc == CS_OK && i < m; i++)
        if (!e[i].placeholder || e[i].placeholder[0] != '[' || !e[i].original || !e[i].masked)
            abort();
}

static size_t count_placeholders(const struct cs_anon_result *r)
{
    size_t n = 0;
    for (const char *p = r->text; (p = strchr(p, '[')) != NULL; p++)
        for (size_t i = 0; i < r->n; i++)
            if (strncmp(p, r->entry[i].placeholder, strlen(r->entry[i].placeholder)) == 0) {
                n++;
                break;
            }
    return n;
}

static void round_trip(const char *s, size_t n)
{
    struct cs_anon_result r;
    int rc = cs_anon_apply(NULL, s, n, arena, &r);
    if (rc == CS_ERR_TOO_LARGE) return;
    if (rc != CS_OK) abort();
    unsigned char k[CS_ANON_KEY_BYTES];
    key(k);
    char *tok = NULL;
    if (cs_anon_seal(k, "acme", r.entry, r.n, 1, arena, &tok) != CS_OK) abort();
    struct cs_anon_entry *e = NULL;
    size_t m = 0;
    if (cs_anon_open(k, "acme", tok, strlen(tok), arena, &e, &m) != CS_OK || m != r.n) abort();
    for (size_t i = 0; i < m; i++)
        if (strcmp(e[i].placeholder, r.entry[i].placeholder) != 0 ||
            strcmp(e[i].original, r.entry[i].original) != 0 || e[i].type != r.entry[i].type)
            abort();
    const char *back = NULL;
    size_t replaced = 0;
    if (cs_anon_restore(r.text, strlen(r.text), e, m, arena, &back, &replaced) != CS_OK) abort();
    if (replaced != count_placeholders(&r)) abort();
}

static void restore_fixed(const char *s, size_t n)
{
    const struct cs_anon_entry e[] = {
        {CS_PII_PERSON, "[NAME_1]", "John Smith", "John Smith"},
        {CS_PII_PHONE, "[PHONE_1]", "555-123-4567", "XXX-XXX-4567"},
        {CS_PII_PHONE, "[PHONE_10]", "555-000-0000", "XXX-XXX-0000"},
    };
    const char *out = NULL;
    size_t replaced = 0;
    if (cs_anon_restore(s, n, e, 3, arena, &out, &replaced) != CS_OK || !out) abort();
    if (replaced > n / 8) abort(); /* each replacement consumed a placeholder of >= 8 bytes */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena) arena = cs_arena_new(0);
    if (size == 0) return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 3) {
    case 0: open_token(s, n); break;
    case 1: round_trip(s, n); break;
    default: restore_fixed(s, n); break;
    }
    cs_arena_reset(arena);
    return 0;
}
