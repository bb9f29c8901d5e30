/* Authentication (shared/src/auth/auth.c): HS256 tokens signed and verified, every way of
 * forging or bending one refused, Argon2id passwords, API keys stored only as hashes,
 * and the login throttle, against a SQLite store in a temp folder. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/error.h"
#include "cs/json.h"
#include "cs/store.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */

static struct cs_arena *arena;
static struct cs_jwt_key key, other_key;

static char *b64(const void *bin, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = cs_arena_alloc(arena, cap);
    return out ? sodium_bin2base64(out, cap, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING)
               : NULL;
}

/* A token with any header and payload, signed with `k` (NULL: signature "sig"). */
static char *forge(const struct cs_jwt_key *k, const char *header, const char *payload)
{
    char *h = b64(header, strlen(header)), *p = b64(payload, strlen(payload));
    char *signing = cs_arena_printf(arena, "%s.%s", h, p);
    if (!k) return cs_arena_printf(arena, "%s.sig", signing);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)signing, strlen(signing), k->bytes);
    return cs_arena_printf(arena, "%s.%s", signing, b64(mac, sizeof(mac)));
}

static int verify(const char *tok, struct cs_principal *p)
{
    memset(p, 0, sizeof(*p));
    return cs_jwt_verify(&key, tok, strlen(tok), NOW, arena, p);
}

static const char HS256[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
#define CLAIMS(extra)                                                                              \
    "{\"sub\":\"usr_1\",\"tid\":\"acme\",\"roles\":[\"analyst\",\"agent\"]" extra "}"

static char *claims_at(int64_t iat, int64_t nbf, int64_t exp)
{
    return cs_arena_printf(arena, CLAIMS(",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld"), (long long)iat,
                           (long long)nbf, (long long)exp);
}

static void test_round_trip(void)
{
    struct cs_principal in = {
        .tenant = "acme", .subject = "usr_1", .roles = {"analyst", "agent"}, .nroles = 2};
    char *tok = NULL;
    REQUIRE(cs_jwt_sign(&key, &in, NOW, 3600, arena, &tok) == CS_OK);
    CHECK(strncmp(tok, "eyJ", 3) == 0);
    struct cs_principal out;
    REQUIRE(verify(tok, &out) == CS_OK);
    CHECK_STR(out.tenant, "acme");
    CHECK_STR(out.subject, "usr_1");
    CHECK_INT(out.nroles, 2);
    CHECK_STR(out.roles[0], "analyst");
    CHECK_STR(out.roles[1], "agent");
    CHECK_INT(out.iat, NOW);
    CHECK_INT(out.exp, NOW + 3600);
    CHECK(cs_principal_has_role(&out, "agent"));
    CHECK(!cs_principal_has_role(&out, "admin"));
    /* The header is exactly the pinned one. */
    const char *dot = strchr(tok, '.');
    unsigned char hdr[64];
    size_t hlen = 0;
    REQUIRE(sodium_base642bin(hdr, sizeof(hdr) - 1, tok, (size_t)(dot - tok), NULL, &hlen, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0);
    hdr[hlen] = '\0';
    CHECK_STR((char *)hdr, HS256);
    /* Verification reads only `len` bytes: a token followed by junk verifies alone. */
    char *junk = cs_arena_printf(arena, "%s.extra", tok);
    CHECK_INT(cs_jwt_verify(&key, junk, strlen(tok), NOW, arena, &out), CS_OK);
    CHECK_INT(cs_jwt_verify(&key, junk, strlen(junk), NOW, arena, &out), CS_ERR_BAD_TOKEN);
    cs_arena_reset(arena);
}

static void test_tampering(void)
{
    struct cs_principal in = {
        .tenant = "acme", .subject = "usr_1", .roles = {"agent"}, .nroles = 1};
    char *tok = NULL;
    REQUIRE(cs_jwt_sign(&key, &in, NOW, 3600, arena, &tok) == CS_OK);
    struct cs_principal out;
    size_t n = strlen(tok);
    /* Every single-character change anywhere is refused. */
    int accepted = 0;
    for (size_t i = 0; i < n; i++) {
        char *t = cs_arena_strdup(arena, tok);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        if (t[i] == tok[i]) continue;
        if (verify(t, &out) != CS_ERR_BAD_TOKEN) {
            fprintf(stderr, "  accepted with byte %zu changed\n", i);
            accepted++;
        }
    }
    CHECK_INT(accepted, 0);
    /* A payload granting more, signed by someone else or re-used with our header. */
    char *d1 = strchr(tok, '.'), *d2 = strchr(d1 + 1, '.');
    char *admin = b64(CLAIMS(",\"exp\":9999999999"), strlen(CLAIMS(",\"exp\":9999999999")));
    char *swapped = cs_arena_printf(arena, "%.*s.%s%s", (int)(d1 - tok), tok, admin, d2);
    CHECK_INT(verify(swapped, &out), CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(forge(&other_key, HS256, claims_at(NOW, NOW, NOW + 60)), &out),
              CS_ERR_BAD_TOKEN);
    CHECK_INT(cs_jwt_verify(&other_key, tok, n, NOW, arena, &out),
              CS_ERR_BAD_TOKEN); /* wrong key */
    /* Signature stripped, truncated or doubled. */
    CHECK_INT(verify(cs_arena_strndup(arena, tok, (size_t)(d2 - tok) + 1), &out), CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(cs_arena_strndup(arena, tok, n - 1), &out), CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(cs_arena_printf(arena, "%s%s", tok, d2 + 1), &out), CS_ERR_BAD_TOKEN);
    cs_arena_reset(arena);
}

static void test_alg_pinned(void)
{
    struct cs_principal out;
    const char *claims = claims_at(NOW, NOW, NOW + 60);
    CHECK_INT(verify(forge(&key, HS256, claims), &out), CS_OK);                 /* the control */
    CHECK_INT(verify(forge(&key, "{\"alg\":\"HS256\"}", claims), &out), CS_OK); /* typ optional */
    static const char *const headers[] = {
        "{\"alg\":\"none\",\"typ\":\"JWT\"}",
        "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
        "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
        "{\"typ\":\"JWT\"}",
        "{\"alg\":\"hs256\"}",
        "{\"alg\":null}",
        "{\"alg\":[\"HS256\"]}",
        "{\"alg\":\"HS256\",\"typ\":\"JWE\"}",
        "[\"HS256\"]",
        "\"HS256\"",
        "{\"alg\":\"HS256\"",
        "",
    };
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        int rc = verify(forge(&key, headers[i], claims), &out);
        if (rc != CS_ERR_BAD_TOKEN) fprintf(stderr, "  header accepted: %s\n", headers[i]);
        CHECK_INT(rc, CS_ERR_BAD_TOKEN);
    }
    /* alg none with an empty signature, the classic. */
    char *none = forge(NULL, "{\"alg\":\"none\"}", claims);
    none[strlen(none) - 3] = '\0';
    CHECK_INT(verify(none, &out), CS_ERR_BAD_TOKEN);
    cs_arena_reset(arena);
}

static void test_time_claims(void)
{
    struct cs_principal out;
    int L = CS_JWT_LEEWAY_S;
    CHECK_INT(verify(forge(&key, HS256, claims_at(NOW, NOW, NOW - L + 1)), &out),
              CS_OK); /* leeway */
    CHECK_INT(verify(forge(&key, HS256, claims_at(NOW, NOW, NOW - L)), &out), CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(forge(&key, HS256, claims_at(NOW - 7200, NOW - 7200, NOW - 3600)), &out),
              CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(forge(&key, HS256, claims_at(NOW, NOW + L, NOW + 600)), &out), CS_OK);
    CHECK_INT(verify(forge(&key, HS256, claims_at(NOW, NOW + L + 1, NOW + 600)), &out),
              CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(forge(&key, HS256, claims_at(NOW + L + 1, NOW, NOW + 600)), &out),
              CS_ERR_BAD_TOKEN);
    /* exp is required and must be an integer; nbf/iat optional but typed. */
    CHECK_INT(verify(forge(&key, HS256, CLAIMS("")), &out), CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(forge(&key, HS256, CLAIMS(",\"exp\":\"9999999999\"")), &out),
              CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(forge(&key, HS256, CLAIMS(",\"exp\":9999999999.5")), &out), CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(forge(&key, HS256, CLAIMS(",\"exp\":9999999999")), &out), CS_OK);
    CHECK_INT(verify(forge(&key, HS256, CLAIMS(",\"exp\":9999999999,\"nbf\":\"0\"")), &out),
              CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(forge(&key, HS256, CLAIMS(",\"exp\":9999999999,\"iat\":null")), &out),
              CS_ERR_BAD_TOKEN);
    /* Extremes must not overflow (UBSan watches): exp at INT64_MAX and INT64_MIN. */
    CHECK_INT(verify(forge(&key, HS256, CLAIMS(",\"exp\":9223372036854775807")), &out), CS_OK);
    CHECK_INT(verify(forge(&key, HS256, CLAIMS(",\"exp\":-9223372036854775808")), &out),
              CS_ERR_BAD_TOKEN);
    CHECK_INT(
        verify(forge(&key, HS256, CLAIMS(",\"exp\":9999999999,\"nbf\":9223372036854775807")), &out),
        CS_ERR_BAD_TOKEN);
    cs_arena_reset(arena);
}

static void test_claims_shape(void)
{
    struct cs_principal out;
    CHECK_INT(verify(forge(&key, HS256, "{\"sub\":\"u\",\"exp\":9999999999}"), &out),
              CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(forge(&key, HS256, "{\"tid\":\"acme\",\"exp\":9999999999}"), &out),
              CS_ERR_BAD_TOKEN);
    CHECK_INT(
        verify(forge(&key, HS256, "{\"sub\":\"u\",\"tid\":\"_system\",\"exp\":9999999999}"), &out),
        CS_ERR_BAD_TOKEN); /* never the system tenant */
    CHECK_INT(
        verify(forge(&key, HS256, "{\"sub\":\"u\",\"tid\":\"a/b\",\"exp\":9999999999}"), &out),
        CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(forge(&key, HS256, "[1]"), &out), CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(forge(&key, HS256, "not json"), &out), CS_ERR_BAD_TOKEN);
    /* Roles: strings kept, others skipped, at most CS_MAX_ROLES. */
    REQUIRE(
        verify(
            forge(
                &key, HS256,
                "{\"sub\":\"u\",\"tid\":\"acme\",\"exp\":9999999999,"
                "\"roles\":[\"a\",1,null,\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]}"),
            &out) == CS_OK);
    CHECK_INT(out.nroles, CS_MAX_ROLES);
    CHECK_STR(out.roles[0], "a");
    CHECK_STR(out.roles[1], "b");
    CHECK(!cs_principal_has_role(&out, "j"));
    REQUIRE(verify(forge(&key, HS256,
                         "{\"sub\":\"u\",\"tid\":\"acme\",\"exp\":9999999999,\"roles\":\"admin\"}"),
                   &out) == CS_OK);
    CHECK_INT(out.nroles, 0); /* a string is not a role list */
    REQUIRE(
        verify(forge(&key, HS256,
                     "{\"sub\":\"u\",\"tid\":\"acme\",\"exp\":9999999999,\"roles\":[\"admin\"]}"),
               &out) == CS_OK);
    CHECK(cs_principal_has_role(&out, "anything")); /* admin has every role */
    cs_arena_reset(arena);
}

static void test_malformed(void)
{
    struct cs_principal out;
    char *good = forge(&key, HS256, claims_at(NOW, NOW, NOW + 60));
    char *d1 = strchr(good, '.');
    static const char *const bad[] = {
        "", ".", "..", "...", "a.b", "a.b.c.d", "eyJ.eyJ.", "!!!.eyJ.abc", "a b.c.d", "a=.b.c",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(verify(bad[i], &out), CS_ERR_BAD_TOKEN);
    /* Padding, standard-alphabet characters and whitespace are not base64url. */
    CHECK_INT(verify(cs_arena_printf(arena, "%.*s=%s", (int)(d1 - good), good, d1), &out),
              CS_ERR_BAD_TOKEN);
    char *plus = cs_arena_strdup(arena, good);
    for (char *p = plus; *p; p++)
        if (*p == '-' || *p == '_') *p = *p == '-' ? '+' : '/';
    if (strcmp(plus, good) != 0) CHECK_INT(verify(plus, &out), CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(cs_arena_printf(arena, " %s", good), &out), CS_ERR_BAD_TOKEN);
    CHECK_INT(verify(cs_arena_printf(arena, "%s\n", good), &out), CS_ERR_BAD_TOKEN);
    /* An embedded NUL and an over-long token. */
    size_t n = strlen(good);
    char *nul = cs_arena_strdup(arena, good);
    nul[5] = '\0';
    CHECK_INT(cs_jwt_verify(&key, nul, n, NOW, arena, &out), CS_ERR_BAD_TOKEN);
    char *longtok = cs_arena_alloc(arena, CS_JWT_MAX_LEN + 2);
    memset(longtok, 'a', CS_JWT_MAX_LEN + 1);
    memcpy(longtok, good, n);
    CHECK_INT(verify(longtok, &out), CS_ERR_BAD_TOKEN);
    CHECK_INT(cs_jwt_verify(&key, good, 0, NOW, arena, &out), CS_ERR_BAD_TOKEN);
    cs_arena_reset(arena);
}

static void test_nomem_is_not_bad_token(void)
{
    /* Out of memory anywhere in verification is a 500, not a 401 (nor a crash). */
    char *tok = forge(&key, HS256, claims_at(NOW, NOW, NOW + 60));
    size_t n = strlen(tok);
    char copy[1024];
    REQUIRE(n < sizeof(copy));
    memcpy(copy, tok, n + 1);
    cs_arena_reset(arena);
    int saw_nomem = 0, ok = 0;
    for (unsigned k = 1; k < 60 && !ok; k++) {
        struct cs_principal out;
        cs_arena_fail_after(arena, k);
        int rc = cs_jwt_verify(&key, copy, n, NOW, arena, &out);
        cs_arena_fail_after(arena, 0);
        if (rc == CS_OK)
            ok = 1;
        else if (rc == CS_ERR_NOMEM)
            saw_nomem++;
        else {
            fprintf(stderr, "  fault %u gave %s\n", k, cs_error_name(rc));
            CHECK(0);
        }
        cs_arena_reset(arena);
    }
    CHECK(ok);
    CHECK(saw_nomem > 3);
}

static void test_key_parse(void)
{
    struct cs_jwt_key k1, k2;
    unsigned char raw[32];
    for (int i = 0; i < 32; i++) raw[i] = (unsigned char)(i * 7 + 1);
    char b64s[64], hex[65];
    sodium_bin2base64(b64s, sizeof(b64s), raw, 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2hex(hex, sizeof(hex), raw, 32);
    REQUIRE(cs_jwt_key_parse(b64s, &k1) == CS_OK);
    REQUIRE(cs_jwt_key_parse(hex, &k2) == CS_OK);
    CHECK(memcmp(k1.bytes, raw, 32) == 0);
    CHECK(memcmp(k2.bytes, raw, 32) == 0);
    CHECK_INT(cs_jwt_key_parse("", &k1), CS_ERR_CONFIG);
    CHECK_INT(cs_jwt_key_parse(NULL, &k1), CS_ERR_CONFIG);
    CHECK_INT(cs_jwt_key_parse("c2hvcnQ=", &k1), CS_ERR_CONFIG); /* 5 bytes */
    CHECK_INT(cs_jwt_key_parse("not base64 or hex!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", &k1),
              CS_ERR_CONFIG);
    /* Longer keys are hashed down, deterministically. */
    char long64[200];
    unsigned char lraw[100];
    memset(lraw, 0x5a, sizeof(lraw));
    sodium_bin2base64(long64, sizeof(long64), lraw, sizeof(lraw), sodium_base64_VARIANT_URLSAFE);
    REQUIRE(cs_jwt_key_parse(long64, &k1) == CS_OK);
    REQUIRE(cs_jwt_key_parse(long64, &k2) == CS_OK);
    CHECK(memcmp(k1.bytes, k2.bytes, 32) == 0);
}

static void test_tenant_names(void)
{
    CHECK(cs_tenant_valid("acme"));
    CHECK(cs_tenant_valid("a.b-c_d9"));
    CHECK(!cs_tenant_valid(""));
    CHECK(!cs_tenant_valid(NULL));
    CHECK(!cs_tenant_valid("_system"));
    CHECK(!cs_tenant_valid(".hidden"));
    CHECK(!cs_tenant_valid("a b"));
    CHECK(!cs_tenant_valid("a/b"));
    char long_name[66];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    CHECK(!cs_tenant_valid(long_name));
    long_name[64] = '\0';
    CHECK(cs_tenant_valid(long_name));
}

static void test_passwords(void)
{
    char h1[CS_PASSWORD_HASH_BYTES], h2[CS_PASSWORD_HASH_BYTES];
    REQUIRE(cs_password_hash("correct horse 1", h1) == CS_OK);
    REQUIRE(cs_password_hash("correct horse 1", h2) == CS_OK);
    CHECK(strncmp(h1, "$argon2id$", 10) == 0);
    CHECK(strcmp(h1, h2) != 0); /* salted */
    CHECK(strstr(h1, "correct") == NULL);
    CHECK_INT(cs_password_verify(h1, "correct horse 1"), CS_OK);
    CHECK_INT(cs_password_verify(h2, "correct horse 1"), CS_OK);
    CHECK_INT(cs_password_verify(h1, "correct horse 2"), CS_ERR_BAD_CREDENTIALS);
    CHECK_INT(cs_password_verify(h1, ""), CS_ERR_BAD_CREDENTIALS);
    CHECK_INT(cs_password_verify("not a hash", "x"), CS_ERR_BAD_CREDENTIALS);
    CHECK_INT(cs_password_verify("", "x"), CS_ERR_BAD_CREDENTIALS);
}

/* ---- against a store ---- */

static struct temp_db db;

static void test_api_keys(void)
{
    struct cs_store *st = temp_db_create(&db, "auth");
    REQUIRE(st != NULL);
    struct cs_api_key k;
    REQUIRE(cs_apikey_create(st, arena, "acme", 1000, &k) == CS_OK);
    CHECK_INT(strlen(k.api_key), 3 + 32);
    CHECK(strncmp(k.api_key, "ck_", 3) == 0);
    CHECK_INT(strlen(k.api_secret), 3 + 64);
    CHECK(strncmp(k.api_secret, "cs_", 3) == 0);
    struct cs_principal p;
    REQUIRE(cs_apikey_verify(st, arena, k.api_key, k.api_secret, &p) == CS_OK);
    CHECK_STR(p.tenant, "acme");
    CHECK_STR(p.subject, k.api_key);
    CHECK(cs_principal_has_role(&p, "admin"));
    /* Only a hash is stored: the secret appears nowhere in the document. */
    struct cs_doc doc;
    REQUIRE(cs_store_get(st, arena, CS_SYSTEM_TENANT, "api_keys", k.api_key, &doc) == CS_OK);
    const char *stored = json_object_to_json_string(doc.body);
    CHECK(strstr(stored, k.api_secret) == NULL);
    CHECK(strstr(stored, k.api_secret + 3) == NULL);
    CHECK_INT(strlen(cs_json_get_str(doc.body, "secret_hash")), 64);
    /* Wrong secret, unknown key, another key's secret, an over-long key. */
    char *wrong = cs_arena_strdup(arena, k.api_secret);
    wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
    CHECK_INT(cs_apikey_verify(st, arena, k.api_key, wrong, &p), CS_ERR_BAD_CREDENTIALS);
    CHECK_INT(cs_apikey_verify(st, arena, "ck_0000", k.api_secret, &p), CS_ERR_BAD_CREDENTIALS);
    CHECK_INT(cs_apikey_verify(st, arena, k.api_key, "", &p), CS_ERR_BAD_CREDENTIALS);
    struct cs_api_key k2;
    REQUIRE(cs_apikey_create(st, arena, "globex", 1000, &k2) == CS_OK);
    CHECK(strcmp(k.api_key, k2.api_key) != 0);
    CHECK_INT(cs_apikey_verify(st, arena, k.api_key, k2.api_secret, &p), CS_ERR_BAD_CREDENTIALS);
    char longkey[300];
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    CHECK_INT(cs_apikey_verify(st, arena, longkey, k.api_secret, &p), CS_ERR_BAD_CREDENTIALS);
    CHECK_INT(cs_apikey_create(st, arena, "_system", 1000, &k2), CS_ERR_INVALID);
    /* A store that fails is a store error, not a credential error. */
    cs_store_fail_after(st, 1);
    CHECK_INT(cs_apikey_verify(st, arena, k.api_key, k.api_secret, &p), CS_ERR_STORE);
    cs_store_fail_after(st, 0);
    cs_arena_reset(arena);
    temp_db_close(&db, st);
}

static void test_users(void)
{
    struct cs_store *st = temp_db_create(&db, "auth");
    REQUIRE(st != NULL);
    const char *uid = NULL;
    REQUIRE(cs_user_create(st, arena, "acme", "ana@acme.test", "long password", "analyst, agent",
                           1000, &uid) == CS_OK);
    CHECK(uid && strncmp(uid, "usr_", 4) == 0);
    CHECK_INT(cs_user_create(st, arena, "globex", "ana@acme.test", "another pass", "x", 1000, NULL),
              CS_ERR_EXISTS);
    CHECK_INT(cs_user_create(st, arena, "acme", "bob", "short", "x", 1000, NULL), CS_ERR_INVALID);
    struct cs_principal p;
    REQUIRE(cs_user_login(st, arena, "ana@acme.test", "long password", &p) == CS_OK);
    CHECK_STR(p.tenant, "acme");
    CHECK_STR(p.subject, uid);
    CHECK_INT(p.nroles, 2);
    CHECK_STR(p.roles[0], "analyst");
    CHECK_STR(p.roles[1], "agent");
    CHECK_INT(cs_user_login(st, arena, "ana@acme.test", "long passworD", &p),
              CS_ERR_BAD_CREDENTIALS);
    CHECK_INT(cs_user_login(st, arena, "nobody@acme.test", "long password", &p),
              CS_ERR_BAD_CREDENTIALS);
    /* The stored user holds an Argon2id hash, never the password. */
    struct cs_doc doc;
    REQUIRE(cs_store_get(st, arena, "acme", "users", uid, &doc) == CS_OK);
    CHECK(strstr(json_object_to_json_string(doc.body), "long password") == NULL);
    CHECK(strncmp(cs_json_get_str(doc.body, "password_hash"), "$argon2id$", 10) == 0);
    cs_arena_reset(arena);
    temp_db_close(&db, st);
}

/* Issue 13.5: failures delay the next attempt by a growing, bounded amount per
 * (account, client) and per client; the correct credential is never refused beyond
 * the delay, and another client is not delayed at all. */
static void test_login_guard(void)
{
    struct cs_store *st = temp_db_create(&db, "auth");
    REQUIRE(st != NULL);
    int64_t t = (int64_t)NOW * 1000, retry = -1;
    const char *acct = "ana@acme.test", *evil = "203.0.113.9", *good = "198.51.100.7";
    /* The free failures: no delay. */
    for (int i = 0; i < CS_GUARD_FREE_ACCOUNT; i++) {
        CHECK_INT(cs_login_guard_check(st, arena, acct, evil, t, &retry), CS_OK);
        CHECK_INT(cs_login_guard_failed(st, arena, acct, evil, t), CS_OK);
    }
    CHECK_INT(cs_login_guard_check(st, arena, acct, evil, t, &retry), CS_OK);
    /* Then 1 s, 2 s, 4 s ... */
    CHECK_INT(cs_login_guard_failed(st, arena, acct, evil, t), CS_OK);
    CHECK_INT(cs_login_guard_check(st, arena, acct, evil, t, &retry), CS_ERR_RATE_LIMITED);
    CHECK_INT(retry, 1);
    CHECK_INT(cs_login_guard_check(st, arena, acct, evil, t + 1000, &retry), CS_OK);
    CHECK_INT(cs_login_guard_failed(st, arena, acct, evil, t + 1000), CS_OK);
    CHECK_INT(cs_login_guard_check(st, arena, acct, evil, t + 1500, &retry), CS_ERR_RATE_LIMITED);
    CHECK_INT(retry, 2);
    /* The owner elsewhere is not delayed by the attacker's failures. */
    CHECK_INT(cs_login_guard_check(st, arena, acct, good, t + 1500, &retry), CS_OK);
    /* Bounded: however many failures, the wait never exceeds the cap. */
    int64_t now = t + 3000;
    for (int i = 0; i < 20; i++) {
        CHECK_INT(cs_login_guard_failed(st, arena, acct, evil, now), CS_OK);
        now += 1;
    }
    CHECK_INT(cs_login_guard_check(st, arena, acct, evil, now, &retry), CS_ERR_RATE_LIMITED);
    CHECK(retry <= CS_GUARD_MAX_DELAY_S && retry >= CS_GUARD_MAX_DELAY_S - 1);
    CHECK_INT(
        cs_login_guard_check(st, arena, acct, evil, now + CS_GUARD_MAX_DELAY_S * 1000, &retry),
        CS_OK);
    /* A success clears the pair; counts fade after the forget time. */
    CHECK_INT(cs_login_guard_passed(st, acct, evil), CS_OK);
    CHECK_INT(cs_login_guard_failed(st, arena, acct, evil, now + 1), CS_OK);
    CHECK_INT(cs_login_guard_check(st, arena, "bob@acme.test", good, now, &retry), CS_OK);
    /* A spray: many names from one client trip the client count. */
    int64_t t2 = now + (int64_t)CS_GUARD_FORGET_S * 1000 + 1000;
    const char *sprayer = "192.0.2.66";
    int refused = 0;
    for (int i = 0; i < 30; i++) {
        const char *name = cs_arena_printf(arena, "user%d@acme.test", i);
        if (cs_login_guard_check(st, arena, name, sprayer, t2, &retry) == CS_ERR_RATE_LIMITED) {
            refused++;
            continue;
        }
        CHECK_INT(cs_login_guard_failed(st, arena, name, sprayer, t2), CS_OK);
    }
    CHECK_INT(refused, 30 - CS_GUARD_FREE_CLIENT - 1);
    CHECK_INT(cs_login_guard_check(st, arena, "user99@acme.test", good, t2, &retry), CS_OK);
    /* A failing store is a store error, never a free pass. */
    cs_store_fail_after(st, 1);
    CHECK_INT(cs_login_guard_check(st, arena, acct, evil, t2, &retry), CS_ERR_STORE);
    cs_store_fail_after(st, 0);
    cs_arena_reset(arena);
    temp_db_close(&db, st);
}

/* Issue 13.2/13.7: scoped keys carry their scopes as roles; revoked keys and disabled
 * users are refused at login and their tokens within the cache period. */
static void test_scopes_and_revocation(void)
{
    struct cs_store *st = temp_db_create(&db, "auth");
    REQUIRE(st != NULL);
    struct cs_api_key k;
    CHECK_INT(cs_apikey_create_scoped(st, arena, "acme", "agent,analyst", 1000, &k), CS_OK);
    CHECK_INT(cs_apikey_create_scoped(st, arena, "acme", "root", 1000, &k), CS_ERR_INVALID);
    CHECK_INT(cs_apikey_create_scoped(st, arena, "acme", "agent,", 1000, &k), CS_ERR_INVALID);
    REQUIRE(cs_apikey_create_scoped(st, arena, "acme", "agent,analyst", 1000, &k) == CS_OK);
    struct cs_principal p;
    REQUIRE(cs_apikey_verify(st, arena, k.api_key, k.api_secret, &p) == CS_OK);
    CHECK_INT(p.nroles, 2);
    CHECK(cs_principal_has_any_role(&p, "admin,manager,agent"));
    CHECK(!cs_principal_has_any_role(&p, "admin,manager"));
    CHECK(!cs_principal_has_any_role(&p, "admin,manageragent"));
    int64_t t = (int64_t)NOW * 1000;
    cs_revoked_reset_cache();
    CHECK_INT(cs_revoked_check(st, arena, &p, t), CS_OK);
    CHECK_INT(cs_apikey_revoke(st, arena, k.api_key, t), CS_OK);
    CHECK_INT(cs_apikey_revoke(st, arena, "ck_nope", t), CS_ERR_NOT_FOUND);
    CHECK_INT(cs_apikey_verify(st, arena, k.api_key, k.api_secret, &p), CS_ERR_BAD_CREDENTIALS);
    /* Cached for CS_REVOKE_CACHE_MS, then seen. */
    CHECK_INT(cs_revoked_check(st, arena, &p, t + 1), CS_OK);
    CHECK_INT(cs_revoked_check(st, arena, &p, t + CS_REVOKE_CACHE_MS), CS_ERR_BAD_TOKEN);
    struct cs_principal other = p;
    other.tenant = "globex"; /* the same subject string in another tenant is not revoked */
    CHECK_INT(cs_revoked_check(st, arena, &other, t + CS_REVOKE_CACHE_MS), CS_OK);
    const char *uid;
    REQUIRE(cs_user_create(st, arena, "acme", "eve@acme.test", "long password", "agent", 1000,
                           &uid) == CS_OK);
    REQUIRE(cs_user_login(st, arena, "eve@acme.test", "long password", &p) == CS_OK);
    CHECK_INT(cs_user_disable(st, arena, "eve@acme.test", t), CS_OK);
    CHECK_INT(cs_user_login(st, arena, "eve@acme.test", "long password", &p),
              CS_ERR_BAD_CREDENTIALS);
    p.subject = uid;
    p.tenant = "acme";
    CHECK_INT(cs_revoked_check(st, arena, &p, t + 2 * CS_REVOKE_CACHE_MS), CS_ERR_BAD_TOKEN);
    cs_revoked_reset_cache();
    cs_arena_reset(arena);
    temp_db_close(&db, st);
}

static void test_skew(void)
{
    struct cs_principal out;
    const char *tok = forge(&key, HS256, claims_at(NOW, NOW, NOW - 10));
    CHECK_INT(cs_jwt_verify_skew(&key, tok, strlen(tok), NOW, 30, arena, &out), CS_OK);
    CHECK_INT(cs_jwt_verify_skew(&key, tok, strlen(tok), NOW, 10, arena, &out), CS_ERR_BAD_TOKEN);
    CHECK_INT(cs_jwt_verify(&key, tok, strlen(tok), NOW, arena, &out),
              CS_ERR_BAD_TOKEN); /* default <= 5 s */
    CHECK(CS_JWT_LEEWAY_S <= 5);
    cs_arena_reset(arena);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    arena = cs_arena_new(0);
    if (!arena) return 1;
    memset(key.bytes, 0x11, sizeof(key.bytes));
    memset(other_key.bytes, 0x22, sizeof(other_key.bytes));
    TEST_RUN(test_round_trip);
    TEST_RUN(test_tampering);
    TEST_RUN(test_alg_pinned);
    TEST_RUN(test_time_claims);
    TEST_RUN(test_claims_shape);
    TEST_RUN(test_malformed);
    TEST_RUN(test_nomem_is_not_bad_token);
    TEST_RUN(test_key_parse);
    TEST_RUN(test_tenant_names);
    TEST_RUN(test_passwords);
    TEST_RUN(test_api_keys);
    TEST_RUN(test_users);
    TEST_RUN(test_login_guard);
    TEST_RUN(test_scopes_and_revocation);
    TEST_RUN(test_skew);
    cs_arena_destroy(arena);
    return test_done();
}
