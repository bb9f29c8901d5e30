/* Reporting API tokens: HTTP Basic with the tenant as user name and the token as
 * password, as CCAI Platform's Manager API does. The token is shown once; the store
 * keeps only its keyed BLAKE2b hash (libsodium crypto_generichash, keyed by a subkey of
 * the JWT key), and a check is one hash and a constant-time compare: no password
 * hashing per request, since the token is 256 random bits, not a human password. */
#include <sodium.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/json.h"
#include "cs/reporting.h"
#include "cs/store.h"

#define TOKEN_COLL "reporting_tokens"
#define ID_HEX 16     /* 8 random bytes name the token */
#define SECRET_HEX 64 /* 32 random bytes are the secret */

static void subkey(const unsigned char *key32, unsigned char out[crypto_generichash_KEYBYTES])
{
    /* A key of its own, so a token hash is never a value the JWT key signs. */
    crypto_kdf_derive_from_key(out, crypto_generichash_KEYBYTES, 2, "cs-rptok", key32);
}

static void token_hash(const char *token, const unsigned char *key32, char hex[65])
{
    unsigned char k[crypto_generichash_KEYBYTES], h[32];
    subkey(key32, k);
    crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), k, sizeof(k));
    sodium_bin2hex(hex, 65, h, sizeof(h));
    sodium_memzero(k, sizeof(k));
}

int cs_rp_token_create(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       const unsigned char *key32, int64_t now_ms, const char **token)
{
    unsigned char id[ID_HEX / 2], secret[SECRET_HEX / 2];
    char idhex[ID_HEX + 1], sechex[SECRET_HEX + 1], hash[65];
    randombytes_buf(id, sizeof(id));
    randombytes_buf(secret, sizeof(secret));
    sodium_bin2hex(idhex, sizeof(idhex), id, sizeof(id));
    sodium_bin2hex(sechex, sizeof(sechex), secret, sizeof(secret));
    char *t = cs_arena_printf(a, "rpt_%s_%s", idhex, sechex);
    sodium_memzero(sechex, sizeof(sechex));
    json_object *doc = cs_json_object(a);
    if (!t || !doc) return CS_ERR_NOMEM;
    token_hash(t, key32, hash);
    struct cs_jb b;
    cs_jb_init(&b, doc);
    cs_jb_str(&b, "hash", hash);
    int rc = cs_jb_done(&b);
    if (!rc) rc = cs_store_insert(st, a, tenant, TOKEN_COLL, idhex, doc, NULL, now_ms, NULL);
    if (!rc) *token = t;
    return rc;
}

int cs_rp_token_verify(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       const char *token, const unsigned char *key32)
{
    if (!cs_tenant_valid(tenant) || strlen(token) != 4 + ID_HEX + 1 + SECRET_HEX ||
        strncmp(token, "rpt_", 4) != 0 || token[4 + ID_HEX] != '_')
        return CS_ERR_BAD_CREDENTIALS;
    char id[ID_HEX + 1];
    memcpy(id, token + 4, ID_HEX);
    id[ID_HEX] = '\0';
    for (size_t i = 0; i < ID_HEX; i++)
        if (!strchr("0123456789abcdef", id[i])) return CS_ERR_BAD_CREDENTIALS;
    struct cs_doc d;
    int rc = cs_store_get(st, a, tenant, TOKEN_COLL, id, &d);
    if (rc == CS_ERR_NOT_FOUND) return CS_ERR_BAD_CREDENTIALS;
    if (rc) return rc;
    const char *stored = cs_json_get_str(d.body, "hash");
    char hash[65];
    token_hash(token, key32, hash);
    /* The stored value is checked like outside input before the compare. */
    if (!stored || strlen(stored) != 64) return CS_ERR_BAD_CREDENTIALS;
    return sodium_memcmp(stored, hash, 64) == 0 ? CS_OK : CS_ERR_BAD_CREDENTIALS;
}
