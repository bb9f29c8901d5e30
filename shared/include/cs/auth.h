/* Authentication: HS256 JWTs (libsodium HMAC-SHA-256), Argon2id passwords, API keys.
 *
 * Tokens carry the tenant and roles; the core verifies the bearer token of every
 * request to a function that asks for auth and hands the handler a cs_principal.
 * Verification pins alg to HS256, compares the MAC in constant time and checks
 * exp/nbf/iat against the request clock with a small leeway.
 */
#ifndef CS_AUTH_H
#define CS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"
#include "cs/tenant.h" /* tokens name a tenant; callers had CS_SYSTEM_TENANT from here */

struct cs_arena;
struct cs_store;

#define CS_JWT_KEY_BYTES 32
#define CS_MAX_ROLES 8
#define CS_JWT_MAX_LEN 4096
/* Clock skew allowed on exp/nbf/iat; CS_TOKEN_SKEW overrides it (cs_config). */
#define CS_JWT_LEEWAY_S 5

struct cs_principal {
    const char *tenant;  /* NULL when unauthenticated */
    const char *subject; /* user id or API key id */
    const char *roles[CS_MAX_ROLES];
    size_t nroles;
    int64_t iat, exp; /* seconds */
};

struct cs_jwt_key {
    unsigned char bytes[CS_JWT_KEY_BYTES];
};

/* Signs a token for `p` valid `ttl_s` seconds from `now_s`; the token string is
 * allocated in `a`. */
CS_MUST_CHECK int cs_jwt_sign(const struct cs_jwt_key *key, const struct cs_principal *p,
                              int64_t now_s, int64_t ttl_s, struct cs_arena *a, char **token);
/* Verifies `token` (len bytes, not necessarily NUL-terminated). On success fills `out`
 * with strings in `a`. CS_ERR_BAD_TOKEN for anything malformed, tampered, expired or
 * not yet valid; CS_ERR_NOMEM on allocation failure. */
CS_MUST_CHECK int cs_jwt_verify(const struct cs_jwt_key *key, const char *token, size_t len,
                                int64_t now_s, struct cs_arena *a, struct cs_principal *out);
/* The same with an explicit clock skew in seconds (cs_jwt_verify: CS_JWT_LEEWAY_S). */
CS_MUST_CHECK int cs_jwt_verify_skew(const struct cs_jwt_key *key, const char *token, size_t len,
                                     int64_t now_s, int64_t skew_s, struct cs_arena *a,
                                     struct cs_principal *out);
/* Parses a key given as base64 (standard or URL-safe) or 64 hex digits of >= 32 bytes;
 * longer inputs are hashed down. CS_ERR_CONFIG when too short or malformed. */
CS_MUST_CHECK int cs_jwt_key_parse(const char *text, struct cs_jwt_key *out);

/* The server secret and the ones it replaced: CS_JWT_SECRET is key[0], the current key
 * everything new is signed and sealed with; CS_JWT_SECRET_PREVIOUS (comma-separated,
 * newest first) are older keys kept so that material sealed under them (webhook
 * secrets, restore tokens) stays readable after a rotation and is sealed again under the
 * current key when next used. */
#define CS_KEYRING_MAX 4
struct cs_keyring {
    struct cs_jwt_key key[CS_KEYRING_MAX];
    size_t n;
};

/* current must be set; previous may be NULL or empty. CS_ERR_CONFIG for a malformed
 * key or more than CS_KEYRING_MAX - 1 previous keys. */
CS_MUST_CHECK int cs_keyring_parse(const char *current, const char *previous,
                                   struct cs_keyring *out);

/* A key's public id: 8 hex digits of a keyed hash of it, stored beside what it sealed
 * so the right key is found without trying each. */
#define CS_KEY_ID_LEN 8
void cs_key_id(const struct cs_jwt_key *k, char out[CS_KEY_ID_LEN + 1]);

/* The ring's key with that id, NULL when none. */
const struct cs_jwt_key *cs_keyring_find(const struct cs_keyring *ring, const char *id);

/* True when p has `role` (or the "admin" role). */
bool cs_principal_has_role(const struct cs_principal *p, const char *role);
/* True when p has one of the roles in the comma list `roles` (or "admin"). */
bool cs_principal_has_any_role(const struct cs_principal *p, const char *roles);
/* The roles a user or an API key (its scopes) may be given. */
#define CS_ROLE_NAMES "admin,manager,agent,analyst,reviewer"
/* True when `roles` is a non-empty comma list of CS_ROLE_NAMES entries. */
bool cs_roles_valid(const char *roles);

/* Argon2id hash string (crypto_pwhash_STRBYTES incl. NUL) of password. */
#define CS_PASSWORD_HASH_BYTES 128
CS_MUST_CHECK int cs_password_hash(const char *password, char out[CS_PASSWORD_HASH_BYTES]);
/* 0 when password matches hash; CS_ERR_BAD_CREDENTIALS otherwise. */
CS_MUST_CHECK int cs_password_verify(const char *hash, const char *password);

struct cs_api_key {
    const char *tenant;
    const char *api_key;    /* public id, "ck_" + 32 hex */
    const char *api_secret; /* shown once, "cs_" + 64 hex; only a hash is stored */
};

/* Creates an API key for `tenant` in the store. Strings allocated in `a`. */
CS_MUST_CHECK int cs_apikey_create(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                   int64_t now_ms, struct cs_api_key *out);
/* The same with scopes: the roles (a CS_ROLE_NAMES comma list) its tokens carry;
 * cs_apikey_create gives "admin". CS_ERR_INVALID for an unknown scope. */
CS_MUST_CHECK int cs_apikey_create_scoped(struct cs_store *st, struct cs_arena *a,
                                          const char *tenant, const char *scopes, int64_t now_ms,
                                          struct cs_api_key *out);
/* Checks a key/secret pair in constant time; fills `out` (tenant, subject = key id,
 * roles from the key). CS_ERR_BAD_CREDENTIALS when unknown or wrong. */
CS_MUST_CHECK int cs_apikey_verify(struct cs_store *st, struct cs_arena *a, const char *api_key,
                                   const char *api_secret, struct cs_principal *out);

/* Creates a login. Usernames are unique across the deployment (they are the login
 * names of seed 001, e.g. emails); CS_ERR_EXISTS when taken. roles: comma list. */
CS_MUST_CHECK int cs_user_create(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                 const char *username, const char *password, const char *roles,
                                 int64_t now_ms, const char **user_id);
/* Checks username/password; fills `out` with tenant, subject = user id, roles.
 * CS_ERR_BAD_CREDENTIALS for an unknown user or wrong password (same timing). */
CS_MUST_CHECK int cs_user_login(struct cs_store *st, struct cs_arena *a, const char *username,
                                const char *password, struct cs_principal *out);

/* Brute-force guard for the login and token endpoints, kept in the store so that it
 * holds across function instances. Failures are counted per (account, client) and per
 * client; past CS_GUARD_FREE_ACCOUNT (resp. CS_GUARD_FREE_CLIENT) failures each further
 * attempt must wait a delay that doubles per failure up to CS_GUARD_MAX_DELAY_S, and the
 * counts fade after CS_GUARD_FORGET_S without a failure. Nothing is ever locked beyond
 * the delay, and because the account count is per client an attacker elsewhere cannot
 * delay the real owner at all. A delayed attempt answers 429 at once (no worker sleeps,
 * no password hash is computed), so a spray costs the others nothing. `client` is the
 * transport's client address (NULL: unknown, counted as one client). */
#define CS_GUARD_FREE_ACCOUNT 5
#define CS_GUARD_FREE_CLIENT 10
#define CS_GUARD_MAX_DELAY_S 60
#define CS_GUARD_FORGET_S 900
/* CS_ERR_RATE_LIMITED with *retry_after_s when this attempt must still wait. */
CS_MUST_CHECK int cs_login_guard_check(struct cs_store *st, struct cs_arena *a, const char *account,
                                       const char *client, int64_t now_ms, int64_t *retry_after_s);
/* Records a failed attempt (wrong or unknown credential). */
CS_MUST_CHECK int cs_login_guard_failed(struct cs_store *st, struct cs_arena *a,
                                        const char *account, const char *client, int64_t now_ms);
/* A correct credential clears its (account, client) count. */
CS_MUST_CHECK int cs_login_guard_passed(struct cs_store *st, const char *account,
                                        const char *client);

struct cs_req;
struct cs_resp;
typedef int (*cs_credential_fn)(struct cs_store *st, struct cs_arena *a, const char *account,
                                const char *secret, struct cs_principal *out);
/* The login endpoints' whole guarded check: refuses a delayed attempt with
 * CS_ERR_RATE_LIMITED and a Retry-After header on `resp`, runs `check` (cs_user_login or
 * cs_apikey_verify) and records the outcome for the request's client
 * (cs_req_client). */
CS_MUST_CHECK int cs_login_guarded(const struct cs_req *req, struct cs_resp *resp,
                                   const char *account, const char *secret, cs_credential_fn check,
                                   struct cs_principal *out);

/* Revocation: `admin revoke-key` and `admin disable-user` record the API key id or user
 * id; every authenticated request checks its token's subject against that list, which
 * each process caches for CS_REVOKE_CACHE_MS (so a revocation takes effect everywhere
 * within that time, at one store read per process per period). */
#define CS_REVOKE_CACHE_MS 5000
/* Marks the API key `api_key` revoked (refused at /auth/token) and revokes its tokens.
 * CS_ERR_NOT_FOUND when there is no such key. */
CS_MUST_CHECK int cs_apikey_revoke(struct cs_store *st, struct cs_arena *a, const char *api_key,
                                   int64_t now_ms);
/* Disables the login `username` (refused at /auth/login) and revokes its tokens. */
CS_MUST_CHECK int cs_user_disable(struct cs_store *st, struct cs_arena *a, const char *username,
                                  int64_t now_ms);
/* CS_ERR_BAD_TOKEN when p's subject has been revoked; CS_OK otherwise. */
CS_MUST_CHECK int cs_revoked_check(struct cs_store *st, struct cs_arena *a,
                                   const struct cs_principal *p, int64_t now_ms);
/* Forgets the process's cached list (tests). */
void cs_revoked_reset_cache(void);

#endif
