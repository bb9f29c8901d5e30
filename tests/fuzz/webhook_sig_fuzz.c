/* Fuzzes the Standard Webhooks header parsers (cs/webhook.h): the input is split on
 * '\n' into webhook-id, webhook-timestamp, webhook-signature, a secret and the body.
 * Whatever the bytes, verification must not crash and must never accept a signature
 * made with another key; a message signed with the parsed secret must verify; a sealed
 * secret must open to itself and random "sealed" text must not open. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_arena *arena;

/* Next '\n'-separated field as a NUL-terminated copy in the arena. */
static const char *field(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    char *s = cs_arena_strndup(arena, *p, (size_t)(stop - *p));
    *p = nl ? nl + 1 : end;
    return s ? s : "";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena && (sodium_init() < 0 || !(arena = cs_arena_new(16 * 1024 * 1024)))) abort();
    const char *p = (const char *)data, *end = p + size;
    const char *id = field(&p, end), *ts = field(&p, end), *sigs = field(&p, end);
    const char *secret = field(&p, end);
    const char *body = p;
    size_t len = (size_t)(end - p);

    struct cs_webhook_key fixed = {.len = 32};
    memset(fixed.bytes, 0x42, 32);
    enum cs_webhook_reject why;
    int rc = cs_webhook_verify(&fixed, id, ts, sigs, body, len, 1700000000, &why);
    if ((rc == CS_OK) != (why == CS_WEBHOOK_OK)) abort();

    struct cs_webhook_key k;
    if (cs_webhook_secret_parse(secret, &k) == CS_OK) {
        if (k.len < CS_WEBHOOK_KEY_MIN || k.len > CS_WEBHOOK_KEY_MAX) abort();
        char sig[CS_WEBHOOK_SIG_MAX];
        if (cs_webhook_sign(&k, "msg_fuzz", 1700000000, body, len, sig) != CS_OK) abort();
        if (cs_webhook_verify(&k, "msg_fuzz", "1700000000", sig, body, len, 1700000000, NULL) !=
            CS_OK)
            abort();
        /* A different key never verifies it (0x42 * 32 could only collide by choice). */
        if ((k.len != 32 || memcmp(k.bytes, fixed.bytes, 32) != 0) &&
            cs_webhook_verify(&fixed, "msg_fuzz", "1700000000", sig, body, len, 1700000000, NULL) ==
                CS_OK)
            abort();
        struct cs_keyring ring = {.n = 1};
        memset(ring.key[0].bytes, 7, sizeof(ring.key[0].bytes));
        char *sealed = NULL, *open = NULL;
        if (strlen(secret) < CS_WEBHOOK_SECRET_MAX) {
            if (cs_webhook_seal(&ring.key[0], secret, arena, &sealed) != CS_OK) abort();
            if (cs_webhook_unseal(&ring, sealed, arena, &open, NULL) != CS_OK ||
                strcmp(open, secret) != 0)
                abort();
        }
    }
    struct cs_keyring ring = {.n = 2};
    memset(ring.key[0].bytes, 9, sizeof(ring.key[0].bytes));
    memset(ring.key[1].bytes, 10, sizeof(ring.key[1].bytes));
    char *open = NULL;
    (void)cs_webhook_unseal(&ring, sigs, arena, &open, NULL);
    cs_arena_reset(arena);
    return 0;
}
