/* Webhook secrets at rest: sealed with crypto_secretbox under a subkey of the server
 * secret, so a copy of the store alone does not let anyone forge our signatures.
 *
 * Format "k1.<key id>.<base64(nonce | box)>": the id names the server key (cs_key_id), so
 * after a rotation the key ring opens what older keys sealed. Values without the prefix
 * were written before key ids existed: every key of the ring is tried on them. */
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

#define SEAL_PREFIX "k1."

int cs_webhook_seal(const struct cs_jwt_key *server, const char *secret, struct cs_arena *a,
                    char **sealed)
{
    size_t n = secret ? strlen(secret) : 0;
    if (!server || n == 0 || n >= CS_WEBHOOK_SECRET_MAX) return CS_ERR_INVALID;
    unsigned char
        box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + CS_WEBHOOK_SECRET_MAX];
    unsigned char k[crypto_secretbox_KEYBYTES];
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    subkey(server, k);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)secret, n, box,
                          k);
    sodium_memzero(k, sizeof(k));
    size_t blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    size_t cap = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
    size_t head = sizeof(SEAL_PREFIX) - 1 + CS_KEY_ID_LEN + 1;
    char *out = cs_arena_alloc(a, head + cap);
    if (!out) return CS_ERR_NOMEM;
    char kid[CS_KEY_ID_LEN + 1];
    cs_key_id(server, kid);
    memcpy(out, SEAL_PREFIX, sizeof(SEAL_PREFIX) - 1);
    memcpy(out + sizeof(SEAL_PREFIX) - 1, kid, CS_KEY_ID_LEN);
    out[head - 1] = '.';
    sodium_bin2base64(out + head, cap, box, blen, sodium_base64_VARIANT_ORIGINAL);
    *sealed = out;
    return CS_OK;
}

/* Opens base64 `b64` with one server key. */
static int open_with(const struct cs_jwt_key *server, const char *b64, struct cs_arena *a,
                     char **secret)

{
    unsigned char
        box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + CS_WEBHOOK_SECRET_MAX];
    size_t blen = 0;
    const char *end = NULL;
    if (!server || !b64 ||
        sodium_base642bin(box, sizeof(box), b64, strlen(b64), NULL, &blen, &end,
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

int cs_webhook_unseal(const struct cs_keyring *ring, const char *sealed, struct cs_arena *a,
                      char **secret, bool *stale)
{
    if (stale) *stale = false;
    if (!ring || !ring->n || !sealed) return CS_ERR_FORMAT;
    size_t plen = sizeof(SEAL_PREFIX) - 1;
    if (strncmp(sealed, SEAL_PREFIX, plen) == 0) {
        char kid[CS_KEY_ID_LEN + 1];
        if (strlen(sealed) <= plen + CS_KEY_ID_LEN || sealed[plen + CS_KEY_ID_LEN] != '.')
            return CS_ERR_FORMAT;
        memcpy(kid, sealed + plen, CS_KEY_ID_LEN);
        kid[CS_KEY_ID_LEN] = '\0';
        const struct cs_jwt_key *k = cs_keyring_find(ring, kid);
        if (!k) return CS_ERR_FORMAT; /* sealed under a key no longer in the ring */
        int rc = open_with(k, sealed + plen + CS_KEY_ID_LEN + 1, a, secret);
        if (!rc && stale) *stale = k != &ring->key[0];
        return rc;
    }
    for (size_t i = 0; i < ring->n; i++) {
        int rc = open_with(&ring->key[i], sealed, a, secret);
        if (rc != CS_ERR_FORMAT) {
            /* Written before key ids: sealing it again adds one. */
            if (!rc && stale) *stale = true;
            return rc;
        }
    }
    return CS_ERR_FORMAT;
}
