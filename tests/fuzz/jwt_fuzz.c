/* libFuzzer target: the bearer-token verifier, cs_jwt_verify.
 *
 * The first byte picks a mode:
 *   0  the rest is a token, verified as received;
 *   1  the rest is XORed into a token our key signed (bit flips, truncation);
 *   2  the rest is a claims payload that our key signs, so the fuzzer reaches the claims
 *      checks (exp/nbf/iat arithmetic, roles, tenant) that forgeries never pass.
 * Beyond "no crash, no leak, no UB": every accepted token is checked independently to
 * carry a valid HS256 MAC by our key over its first two segments with the pinned header,
 * a principal with a valid tenant and non-NULL roles; and a modified token is never
 * accepted unless it is byte-for-byte the signed one.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1767225600

static struct cs_arena *arena;
static struct cs_jwt_key key;

static char *b64(const void *bin, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = cs_arena_alloc(arena, cap);
    if (!out) abort();
    return sodium_bin2base64(out, cap, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* What an accepted token must be, checked without the code under test. */
static void check_signed_by_us(const char *tok, size_t len, const struct cs_principal *p)
{
    const char *d1 = memchr(tok, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok)) : NULL;
    if (!d2) abort();
    unsigned char sig[64];
    size_t slen = 0;
    if (sodium_base642bin(sig, sizeof(sig), d2 + 1, len - (size_t)(d2 + 1 - tok), NULL, &slen, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        slen != crypto_auth_hmacsha256_BYTES)
        abort();
    if (crypto_auth_hmacsha256_verify(sig, (const unsigned char *)tok, (size_t)(d2 - tok),
                                      key.bytes) != 0)
        abort();
    if (!p->tenant || !p->subject || !cs_tenant_valid(p->tenant) || p->nroles > CS_MAX_ROLES)
        abort();
    for (size_t i = 0; i < p->nroles; i++)
        if (!p->roles[i]) abort();
    if (p->exp <= NOW - CS_JWT_LEEWAY_S) abort();
}

static void verify(const char *tok, size_t len)
{
    struct cs_principal p;
    memset(&p, 0, sizeof(p));
    if (cs_jwt_verify(&key, tok, len, NOW, arena, &p) == CS_OK) check_signed_by_us(tok, len, &p);
}

static void mutate_signed(const uint8_t *data, size_t size)
{
    struct cs_principal in = {
        .tenant = "acme", .subject = "usr_1", .roles = {"agent"}, .nroles = 1};
    char *tok;
    if (cs_jwt_sign(&key, &in, NOW, 3600, arena, &tok) != CS_OK) abort();
    size_t n = strlen(tok), len = size < n ? n - (size % 7) : n; /* sometimes truncated */
    char *t = cs_arena_strndup(arena, tok, n);
    for (size_t i = 0; i < size && i < n; i++) t[i] ^= (char)data[i];
    struct cs_principal p;
    int rc = cs_jwt_verify(&key, t, len, NOW, arena, &p);
    if (rc == CS_OK && (len != n || memcmp(t, tok, n) != 0)) abort();
}

static void sign_claims(const uint8_t *data, size_t size)
{
    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    char *tok = cs_arena_printf(arena, "%s.%s", b64(header, sizeof(header) - 1), b64(data, size));
    if (!tok) abort();
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)tok, strlen(tok), key.bytes);
    tok = cs_arena_printf(arena, "%s.%s", tok, b64(mac, sizeof(mac)));
    if (!tok) abort();
    verify(tok, strlen(tok));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena) {
        if (sodium_init() < 0) abort();
        arena = cs_arena_new(16 * 1024 * 1024);
        memset(key.bytes, 0x5c, sizeof(key.bytes));
    }
    if (!arena || size == 0) return 0;
    switch (data[0] % 3) {
    case 0: verify((const char *)data + 1, size - 1); break;
    case 1: mutate_signed(data + 1, size - 1); break;
    default: sign_claims(data + 1, size - 1); break;
    }
    cs_arena_reset(arena);
    return 0;
}
