/* Standard Webhooks signing (cs/webhook.h): known answers computed independently with
 * python3's hmac/base64 when this test was written, verification of lists, tampering,
 * the timestamp window, secrets and sealing. */
#include <sodium.h>
#include <string.h>

#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/webhook.h"

/* The Standard Webhooks specification's own example, reproduced with python3:
 *   hmac.new(b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
 *            b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}', sha256) */
#define KAT1_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define KAT1_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define KAT1_TS 1614265330
#define KAT1_BODY "{\"test\": 2432232314}"
#define KAT1_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
/* Key bytes 0..31; body as our dispatcher sends it. */
#define KAT2_SECRET "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KAT2_BODY "{\"type\":\"ticket.created\",\"data\":{\"ticket_id\":\"TKT-1\"}}"
#define KAT2_SIG "v1,g6G1DM98ATTiYLNHxxN/taRTL+nT65be7FfX7ppR17M="

static void test_known_answers(void)
{
    struct cs_webhook_key k;
    char sig[CS_WEBHOOK_SIG_MAX];
    REQUIRE(cs_webhook_secret_parse(KAT1_SECRET, &k) == CS_OK);
    CHECK_INT(k.len, 24);
    CHECK_INT(cs_webhook_sign(&k, KAT1_ID, KAT1_TS, KAT1_BODY, strlen(KAT1_BODY), sig), CS_OK);
    CHECK_STR(sig, KAT1_SIG);
    REQUIRE(cs_webhook_secret_parse(KAT2_SECRET, &k) == CS_OK);
    CHECK_INT(k.len, 32);
    CHECK_INT(k.bytes[31], 31);
    CHECK_INT(cs_webhook_sign(&k, "msg_2", 1700000000, KAT2_BODY, strlen(KAT2_BODY), sig), CS_OK);
    CHECK_STR(sig, KAT2_SIG);
}

static int verify(const char *id, const char *ts, const char *sigs, const char *body, int64_t now,
                  enum cs_webhook_reject *why)
{
    struct cs_webhook_key k;
    if (cs_webhook_secret_parse(KAT1_SECRET, &k)) return -1;
    return cs_webhook_verify(&k, id, ts, sigs, body, body ? strlen(body) : 0, now, why);
}

static void test_verify_accepts_lists_and_rejects_tampering(void)
{
    enum cs_webhook_reject why = CS_WEBHOOK_BAD_SIGNATURE;
    CHECK_INT(verify(KAT1_ID, "1614265330", KAT1_SIG, KAT1_BODY, KAT1_TS, &why), CS_OK);
    CHECK_INT(why, CS_WEBHOOK_OK);
    /* Rotation: several signatures, other versions ignored, the good one anywhere. */
    CHECK_INT(verify(KAT1_ID, "1614265330", "v1,Zm9v v2,abc " KAT1_SIG, KAT1_BODY, KAT1_TS, &why),
              CS_OK);
    CHECK_INT(verify(KAT1_ID, "1614265330", KAT1_SIG "  v1,AAAA", KAT1_BODY, KAT1_TS + 299, &why),
              CS_OK);
    /* Tampered body, id, timestamp or signature. */
    CHECK_INT(verify(KAT1_ID, "1614265330", KAT1_SIG, "{\"test\": 2432232315}", KAT1_TS, &why),
              CS_ERR_UNAUTHORIZED);
    CHECK_INT(why, CS_WEBHOOK_BAD_SIGNATURE);
    CHECK_INT(verify("msg_other", "1614265330", KAT1_SIG, KAT1_BODY, KAT1_TS, &why),
              CS_ERR_UNAUTHORIZED);
    CHECK_INT(verify(KAT1_ID, "1614265331", KAT1_SIG, KAT1_BODY, KAT1_TS, &why),
              CS_ERR_UNAUTHORIZED);
    CHECK_INT(why, CS_WEBHOOK_BAD_SIGNATURE);
    CHECK_INT(verify(KAT1_ID, "1614265330",
                     "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=", KAT1_BODY, KAT1_TS, &why),
              CS_ERR_UNAUTHORIZED);
    CHECK_INT(verify(KAT1_ID, "1614265330",
                     "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", KAT1_BODY, KAT1_TS, &why),
              CS_ERR_UNAUTHORIZED);
    CHECK_INT(why, CS_WEBHOOK_BAD_SIGNATURE);
    CHECK_INT(verify(KAT1_ID, "1614265330", "", KAT1_BODY, KAT1_TS, &why), CS_ERR_UNAUTHORIZED);
    CHECK_INT(verify(KAT1_ID, "1614265330",
                     "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", KAT1_BODY, KAT1_TS, &why),
              CS_ERR_UNAUTHORIZED);
}

static void test_verify_window_and_headers(void)
{
    enum cs_webhook_reject why = CS_WEBHOOK_OK;
    CHECK_INT(verify(KAT1_ID, "1614265330", KAT1_SIG, KAT1_BODY, KAT1_TS + 301, &why),
              CS_ERR_UNAUTHORIZED);
    CHECK_INT(why, CS_WEBHOOK_STALE);
    CHECK_INT(verify(KAT1_ID, "1614265330", KAT1_SIG, KAT1_BODY, KAT1_TS - 301, &why),
              CS_ERR_UNAUTHORIZED);
    CHECK_INT(why, CS_WEBHOOK_STALE);
    CHECK_INT(verify(KAT1_ID, "1614265330", KAT1_SIG, KAT1_BODY, KAT1_TS - 300, &why), CS_OK);
    const char *bad_ts[] = {NULL,          "",    "-1614265330",         " 1614265330",
                            "1614265330x", "1e9", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad_ts) / sizeof(*bad_ts); i++) {
        why = CS_WEBHOOK_OK;
        CHECK_INT(verify(KAT1_ID, bad_ts[i], KAT1_SIG, KAT1_BODY, KAT1_TS, &why),
                  CS_ERR_UNAUTHORIZED);
        CHECK_INT(why, CS_WEBHOOK_MISSING_HEADERS);
    }
    CHECK_INT(verify(NULL, "1614265330", KAT1_SIG, KAT1_BODY, KAT1_TS, &why), CS_ERR_UNAUTHORIZED);
    CHECK_INT(why, CS_WEBHOOK_MISSING_HEADERS);
    CHECK_INT(verify("has space", "1614265330", KAT1_SIG, KAT1_BODY, KAT1_TS, &why),
              CS_ERR_UNAUTHORIZED);
    CHECK_INT(verify(KAT1_ID, "1614265330", NULL, KAT1_BODY, KAT1_TS, &why), CS_ERR_UNAUTHORIZED);
    CHECK_INT(why, CS_WEBHOOK_MISSING_HEADERS);
    CHECK_STR(cs_webhook_reject_name(CS_WEBHOOK_STALE), "stale_timestamp");
    CHECK_STR(cs_webhook_reject_name(CS_WEBHOOK_BAD_SIGNATURE), "invalid_signature");
}

static void fixed_random(void *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) ((unsigned char *)buf)[i] = (unsigned char)i;
}

static void test_secrets(void)
{
    char s[CS_WEBHOOK_SECRET_MAX];
    cs_webhook_secret_new(fixed_random, s);
    CHECK_STR(s, KAT2_SECRET);
    cs_webhook_secret_new(NULL, s);
    CHECK(strncmp(s, "whsec_", 6) == 0);
    struct cs_webhook_key k;
    CHECK_INT(cs_webhook_secret_parse(s, &k), CS_OK);
    CHECK_INT(k.len, 32);
    /* The prefix is optional, as in the reference libraries. */
    CHECK_INT(cs_webhook_secret_parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &k), CS_OK);
    CHECK_INT(cs_webhook_secret_parse("whsec_", &k), CS_ERR_INVALID);
    CHECK_INT(cs_webhook_secret_parse("whsec_not base64!", &k), CS_ERR_INVALID);
    CHECK_INT(cs_webhook_secret_parse("whsec_c2hvcnQ=", &k), CS_ERR_INVALID); /* 5 bytes */
    CHECK_INT(cs_webhook_secret_parse(NULL, &k), CS_ERR_INVALID);
}

static void test_seal_round_trip(void)
{
    struct cs_arena *a = cs_arena_new(0);
    struct cs_keyring ring = {.n = 1}, other = {.n = 1};
    memset(ring.key[0].bytes, 7, sizeof(ring.key[0].bytes));
    memset(other.key[0].bytes, 8, sizeof(other.key[0].bytes));
    char *sealed = NULL, *open = NULL;
    bool stale = true;
    REQUIRE(cs_webhook_seal(&ring.key[0], KAT2_SECRET, a, &sealed) == CS_OK);
    CHECK(strstr(sealed, "AAECAwQF") == NULL);                  /* not the plain text */
    CHECK(strncmp(sealed, "k1.", 3) == 0 && sealed[11] == '.'); /* the key's id rides along */
    CHECK_INT(cs_webhook_unseal(&ring, sealed, a, &open, &stale), CS_OK);
    CHECK_STR(open, KAT2_SECRET);
    CHECK(!stale);
    CHECK_INT(cs_webhook_unseal(&other, sealed, a, &open, NULL), CS_ERR_FORMAT);
    char *tampered = cs_arena_strdup(a, sealed);
    tampered[30] = tampered[30] == 'A' ? 'B' : 'A';
    CHECK_INT(cs_webhook_unseal(&ring, tampered, a, &open, NULL), CS_ERR_FORMAT);
    CHECK_INT(cs_webhook_unseal(&ring, "!!", a, &open, NULL), CS_ERR_FORMAT);
    CHECK_INT(cs_webhook_unseal(&ring, "", a, &open, NULL), CS_ERR_FORMAT);
    CHECK_INT(cs_webhook_unseal(&ring, "k1.", a, &open, NULL), CS_ERR_FORMAT);
    CHECK_INT(cs_webhook_unseal(&ring, "k1.0123456.x", a, &open, NULL), CS_ERR_FORMAT);
    /* Two seals of one secret differ (fresh nonce). */
    char *again = NULL;
    REQUIRE(cs_webhook_seal(&ring.key[0], KAT2_SECRET, a, &again) == CS_OK);
    CHECK(strcmp(again, sealed) != 0);
    cs_arena_destroy(a);
}

/* After CS_JWT_SECRET rotates, what the old key sealed still opens through the ring and
 * is reported stale (to be sealed again); once the old key leaves the ring it does not. */
static void test_seal_survives_rotation(void)
{
    struct cs_arena *a = cs_arena_new(0);
    struct cs_keyring before, after, only_new;
    REQUIRE(cs_keyring_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", NULL, &before) ==
            CS_OK);
    REQUIRE(cs_keyring_parse("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
                             " AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= ", &after) == CS_OK);
    REQUIRE(cs_keyring_parse("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=", "", &only_new) ==
            CS_OK);
    CHECK_INT(after.n, 2);
    CHECK(memcmp(after.key[1].bytes, before.key[0].bytes, CS_JWT_KEY_BYTES) == 0);
    char *sealed = NULL, *open = NULL;
    bool stale = false;
    REQUIRE(cs_webhook_seal(&before.key[0], KAT2_SECRET, a, &sealed) == CS_OK);
    CHECK_INT(cs_webhook_unseal(&after, sealed, a, &open, &stale), CS_OK);
    CHECK_STR(open, KAT2_SECRET);
    CHECK(stale);
    CHECK_INT(cs_webhook_unseal(&only_new, sealed, a, &open, NULL), CS_ERR_FORMAT);
    char id[CS_KEY_ID_LEN + 1];
    cs_key_id(&after.key[1], id);
    CHECK(cs_keyring_find(&after, id) == &after.key[1]);
    CHECK(cs_keyring_find(&only_new, id) == NULL);
    CHECK_INT(cs_keyring_parse("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=", "short", &after),
              CS_ERR_CONFIG);
    cs_arena_destroy(a);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    TEST_RUN(test_known_answers);
    TEST_RUN(test_verify_accepts_lists_and_rejects_tampering);
    TEST_RUN(test_verify_window_and_headers);
    TEST_RUN(test_secrets);
    TEST_RUN(test_seal_round_trip);
    TEST_RUN(test_seal_survives_rotation);
    return test_done();
}
