/* Webhook secrets at rest: sealed with crypto_secretbox under a subkey of the server
 * secret, so a copy of the store alone does not let anyone forge our signatures. */
#include "cs/webhook.h"

#include <sodium.h>
#include <string.h>

#include "cs/arena.h"

/* crypto_kdf contexts are exactly 8 bytes; a new one means a new key family. */
#define SEAL_CONTEXT "cswhsec1"
#define SEAL_SUBKEY_ID 1

static void subkey(const struct cs_jwt_key *server, unsigned char k[crypto_secretbox_KEYBYTES])
{
    _Static_assert(CS_JWT_KEY_BYTES == crypto_kdf_KEYBYTES, "server key is a kdf master key");
    crypto_kdf_derive_from_key(k, crypto_secretbox_KEYBYTES, SEAL_SUBKEY_ID, SEAL_CONTEXT,
                               server->bytes);
}

int cs_webhook_seal(const struct cs_jwt_key *server, const char *secret, struct cs_arena *a,
                    char **sealed)
{
    size_t n = secret ? strlen(secret) : 0;
    if (!server || n == 0 || n >= CS_WEBHOOK_SECRET_MAX) return CS_ERR_INVALID;
    unsigned char box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + CS_WEBHOOK_SECRET_MAX];
    unsigned char k[crypto_secretbox_KEYBYTES];
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    subkey(server, k);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)secret, n, box, k);
    sodium_memzero(k, sizeof(k));
    size_t blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    size_t cap = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
    char *out = cs_arena_alloc(a, cap);
    if (!out) return CS_ERR_NOMEM;
    sodium_bin2base64(out, cap, box, blen, sodium_base64_VARIANT_ORIGINAL);
    *sealed = out;
    return CS_OK;
}

int cs_webhook_unseal(const struct cs_jwt_key *server, const char *sealed, struct cs_arena *a,
                      char **secret)
{
    unsigned char box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + CS_WEBHOOK_SECRET_MAX];
    size_t blen = 0;
    const char *end = NULL;
    if (!server || !sealed ||
        sodium_base642bin(box, sizeof(box), sealed, strlen(sealed), NULL, &blen, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        *end != '\0' || blen <= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return CS_ERR_FORMAT;
    size_t n = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    char *out = cs_arena_alloc(a, n + 1);
    if (!out) return CS_ERR_NOMEM;
    unsigned char k[crypto_secretbox_KEYBYTES];
    subkey(server, k);
    int rc = crypto_secretbox_open_easy((unsigned char *)out, box + crypto_secretbox_NONCEBYTES,
                                        blen - crypto_secretbox_NONCEBYTES, box, k);
    sodium_memzero(k, sizeof(k));
    if (rc != 0) return CS_ERR_FORMAT;
    out[n] = '\0';
    if (strlen(out) != n) return CS_ERR_FORMAT;
    *secret = out;
    return CS_OK;
}
