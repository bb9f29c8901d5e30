/* Standard Webhooks signatures: HMAC-SHA256 over `${id}.${timestamp}.${body}`. */
#include "cs/webhook.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define V1 "v1,"

static int b64_decode(const char *s, size_t n, unsigned char *bin, size_t cap, size_t *len)
{
    const char *end = NULL;
    if (sodium_base642bin(bin, cap, s, n, NULL, len, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
        return CS_ERR_INVALID;
    return end == s + n ? CS_OK : CS_ERR_INVALID;
}

int cs_webhook_secret_parse(const char *secret, struct cs_webhook_key *out)
{
    if (!secret) return CS_ERR_INVALID;
    size_t plen = strlen(CS_WEBHOOK_SECRET_PREFIX);
    if (strncmp(secret, CS_WEBHOOK_SECRET_PREFIX, plen) == 0) secret += plen;
    size_t n = strlen(secret);
    memset(out, 0, sizeof(*out));
    if (n == 0 || b64_decode(secret, n, out->bytes, sizeof(out->bytes), &out->len) ||
        out->len < CS_WEBHOOK_KEY_MIN) {
        sodium_memzero(out, sizeof(*out));
        return CS_ERR_INVALID;
    }
    return CS_OK;
}

void cs_webhook_secret_new(void (*random)(void *buf, size_t n), char out[CS_WEBHOOK_SECRET_MAX])
{
    unsigned char key[CS_WEBHOOK_NEW_KEY_BYTES];
    (random ? random : randombytes_buf)(key, sizeof(key));
    size_t plen = strlen(CS_WEBHOOK_SECRET_PREFIX);
    memcpy(out, CS_WEBHOOK_SECRET_PREFIX, plen);
    sodium_bin2base64(out + plen, CS_WEBHOOK_SECRET_MAX - plen, key, sizeof(key),
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof(key));
}

static void mac(const struct cs_webhook_key *k, const char *id, const char *ts, const char *body,
                size_t len, unsigned char out[crypto_auth_hmacsha256_BYTES])
{
    /* The streaming API takes keys of any length, as Standard Webhooks secrets are. */
    crypto_auth_hmacsha256_state s;
    crypto_auth_hmacsha256_init(&s, k->bytes, k->len);
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)id, strlen(id));
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)".", 1);
    if (len) crypto_auth_hmacsha256_update(&s, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&s, out);
    sodium_memzero(&s, sizeof(s));
}

static bool id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > CS_WEBHOOK_ID_MAX) return false;
    for (; *id; id++)
        if ((unsigned char)*id <= 0x20 || (unsigned char)*id >= 0x7f) return false;
    return true;
}

int cs_webhook_sign(const struct cs_webhook_key *k, const char *id, int64_t ts_s, const char *body,
                    size_t len, char out[CS_WEBHOOK_SIG_MAX])
{
    if (!k || k->len == 0 || !id_ok(id) || ts_s < 0 || (len && !body)) return CS_ERR_INVALID;
    char ts[24];
    snprintf(ts, sizeof(ts), "%lld", (long long)ts_s);
    unsigned char m[crypto_auth_hmacsha256_BYTES];
    mac(k, id, ts, body, len, m);
    memcpy(out, V1, 3);
    sodium_bin2base64(out + 3, CS_WEBHOOK_SIG_MAX - 3, m, sizeof(m),
                      sodium_base64_VARIANT_ORIGINAL);
    return CS_OK;
}

/* Unix seconds as plain digits only: no sign, no spaces, at most 12 digits. */
static bool parse_ts(const char *s, int64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 12) return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* One "v1,<base64>" token of the list; other versions are skipped, as the spec says. */
static bool token_matches(const char *tok, size_t n, const unsigned char want[32])
{
    if (n <= 3 || memcmp(tok, V1, 3) != 0) return false;
    unsigned char got[crypto_auth_hmacsha256_BYTES];
    size_t len = 0;
    if (b64_decode(tok + 3, n - 3, got, sizeof(got), &len) || len != sizeof(got)) return false;
    return sodium_memcmp(got, want, sizeof(got)) == 0;
}

static int reject(enum cs_webhook_reject r, enum cs_webhook_reject *why)
{
    if (why) *why = r;
    return r == CS_WEBHOOK_OK ? CS_OK : CS_ERR_UNAUTHORIZED;
}

int cs_webhook_verify(const struct cs_webhook_key *k, const char *id, const char *timestamp,
                      const char *signatures, const char *body, size_t len, int64_t now_s,
                      enum cs_webhook_reject *why)
{
    int64_t ts;
    if (!k || k->len == 0 || !id_ok(id) || !parse_ts(timestamp, &ts) || !signatures ||
        strlen(signatures) > CS_WEBHOOK_SIG_HEADER_MAX || (len && !body))
        return reject(CS_WEBHOOK_MISSING_HEADERS, why);
    if (ts < now_s - CS_WEBHOOK_TOLERANCE_S || ts > now_s + CS_WEBHOOK_TOLERANCE_S)
        return reject(CS_WEBHOOK_STALE, why);
    unsigned char want[crypto_auth_hmacsha256_BYTES];
    mac(k, id, timestamp, body, len, want);
    bool ok = false;
    for (const char *p = signatures; *p;) {
        size_t n = strcspn(p, " ");
        if (n && token_matches(p, n, want))
            ok = true; /* keep scanning: same time for any position */
        p += n;
        while (*p == ' ') p++;
    }
    sodium_memzero(want, sizeof(want));
    return reject(ok ? CS_WEBHOOK_OK : CS_WEBHOOK_BAD_SIGNATURE, why);
}

const char *cs_webhook_reject_name(enum cs_webhook_reject why)
{
    switch (why) {
    case CS_WEBHOOK_OK: return "ok";
    case CS_WEBHOOK_MISSING_HEADERS: return "missing_signature_headers";
    case CS_WEBHOOK_STALE: return "stale_timestamp";
    case CS_WEBHOOK_BAD_SIGNATURE: return "invalid_signature";
    }
    return "invalid_signature";
}
