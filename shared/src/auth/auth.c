#include "cs/auth.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include <json-c/json.h>

#include "cs/arena.h"
#include "cs/json.h"
#include "cs/store.h"

/* ---- base64url ---- */

static char *b64url(struct cs_arena *a, const unsigned char *bin, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = cs_arena_alloc(a, cap);
    if (!out) return NULL;
    return sodium_bin2base64(out, cap, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Decodes base64url without padding into the arena (NUL-terminated). CS_ERR_BAD_TOKEN
 * when malformed, CS_ERR_NOMEM when the arena refuses: a failed allocation must read
 * as a server error, not as a bad token. */
static int unb64url(struct cs_arena *a, const char *s, size_t n, unsigned char **out,
                    size_t *outlen)
{
    unsigned char *bin = cs_arena_alloc(a, n + 1);
    if (!bin) return CS_ERR_NOMEM;
    const char *end = NULL;
    if (sodium_base642bin(bin, n, s, n, NULL, outlen, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != s + n)
        return CS_ERR_BAD_TOKEN;
    bin[*outlen] = '\0';
    *out = bin;
    return CS_OK;
}

/* A JSON object from base64url; parse failures are bad tokens, NOMEM stays NOMEM. */
static int b64_json(struct cs_arena *a, const char *s, size_t n, json_object **out)
{
    unsigned char *text;
    size_t len;
    int rc = unb64url(a, s, n, &text, &len);
    if (rc) return rc;
    rc = cs_json_parse((const char *)text, len, a, out, NULL);
    if (rc == CS_ERR_NOMEM) return rc;
    return rc == CS_OK && json_object_is_type(*out, json_type_object) ? CS_OK : CS_ERR_BAD_TOKEN;
}

/* ---- JWT ---- */

static const char jwt_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* NULL on any failure: a token signed with a role or claim missing must never go out. */
static json_object *claims_object(const struct cs_principal *p, int64_t now_s, int64_t ttl_s)
{
    json_object *roles = json_object_new_array();
    for (size_t i = 0; roles && i < p->nroles; i++) {
        json_object *r = json_object_new_string(p->roles[i]);
        if (!r || json_object_array_add(roles, r)) {
            json_object_put(r);
            json_object_put(roles);
            roles = NULL;
        }
    }
    struct cs_jb c;
    cs_jb_init(&c, json_object_new_object());
    cs_jb_str(&c, "sub", p->subject);
    cs_jb_str(&c, "tid", p->tenant);
    cs_jb_add(&c, "roles", roles);
    cs_jb_str(&c, "iss", "cs");
    cs_jb_int(&c, "iat", now_s);
    cs_jb_int(&c, "nbf", now_s);
    cs_jb_int(&c, "exp", now_s + ttl_s);
    if (cs_jb_done(&c)) {
        json_object_put(c.obj);
        return NULL;
    }
    return c.obj;
}

int cs_jwt_sign(const struct cs_jwt_key *key, const struct cs_principal *p, int64_t now_s,
                int64_t ttl_s, struct cs_arena *a, char **token)
{
    json_object *c = claims_object(p, now_s, ttl_s);
    if (!c || cs_json_own(a, c)) return CS_ERR_NOMEM;
    const char *payload = json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN);
    char *h64 = b64url(a, (const unsigned char *)jwt_header, sizeof(jwt_header) - 1);
    char *p64 = payload ? b64url(a, (const unsigned char *)payload, strlen(payload)) : NULL;
    char *signing = h64 && p64 ? cs_arena_printf(a, "%s.%s", h64, p64) : NULL;
    if (!signing) return CS_ERR_NOMEM;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)signing, strlen(signing), key->bytes);
    char *s64 = b64url(a, mac, sizeof(mac));
    *token = s64 ? cs_arena_printf(a, "%s.%s", signing, s64) : NULL;
    return *token ? CS_OK : CS_ERR_NOMEM;
}

static int header_check(struct cs_arena *a, const char *s, size_t n)
{
    json_object *o;
    int rc = b64_json(a, s, n, &o);
    if (rc) return rc;
    const char *alg = cs_json_get_str(o, "alg");
    const char *typ = cs_json_get_str(o, "typ");
    /* Pinned: "none", RS256 with an HMAC key and friends are all refused here. */
    return alg && strcmp(alg, "HS256") == 0 && (!typ || strcmp(typ, "JWT") == 0) ? CS_OK
                                                                                 : CS_ERR_BAD_TOKEN;
}

static int claims_to_principal(struct cs_arena *a, json_object *c, int64_t now_s, int64_t skew,
                               struct cs_principal *out)
{
    json_object *exp, *nbf, *iat, *roles;
    if (!json_object_object_get_ex(c, "exp", &exp) || !json_object_is_type(exp, json_type_int))
        return CS_ERR_BAD_TOKEN;
    int64_t e = json_object_get_int64(exp);
    if (e <= now_s - skew) return CS_ERR_BAD_TOKEN; /* e + leeway could overflow */
    if (json_object_object_get_ex(c, "nbf", &nbf) &&
        (!json_object_is_type(nbf, json_type_int) || json_object_get_int64(nbf) > now_s + skew))
        return CS_ERR_BAD_TOKEN;
    int64_t issued = 0;
    if (json_object_object_get_ex(c, "iat", &iat)) {
        if (!json_object_is_type(iat, json_type_int)) return CS_ERR_BAD_TOKEN;
        issued = json_object_get_int64(iat);
        if (issued > now_s + skew) return CS_ERR_BAD_TOKEN;
    }
    const char *tid = cs_json_get_str(c, "tid"), *sub = cs_json_get_str(c, "sub");
    if (!tid || !sub || !cs_tenant_valid(tid)) return CS_ERR_BAD_TOKEN;
    memset(out, 0, sizeof(*out));
    out->tenant = cs_arena_strdup(a, tid);
    out->subject = cs_arena_strdup(a, sub);
    out->exp = e;
    out->iat = issued;
    if (json_object_object_get_ex(c, "roles", &roles) &&
        json_object_is_type(roles, json_type_array)) {
        size_t n = json_object_array_length(roles);
        for (size_t i = 0; i < n && out->nroles < CS_MAX_ROLES; i++) {
            json_object *r = json_object_array_get_idx(roles, i);
            if (!json_object_is_type(r, json_type_string)) continue;
            /* A NULL role would crash cs_principal_has_role later. */
            if (!(out->roles[out->nroles++] = cs_arena_strdup(a, json_object_get_string(r))))
                return CS_ERR_NOMEM;
        }
    }
    return out->tenant && out->subject ? CS_OK : CS_ERR_NOMEM;
}

int cs_jwt_verify(const struct cs_jwt_key *key, const char *token, size_t len, int64_t now_s,
                  struct cs_arena *a, struct cs_principal *out)
{
    return cs_jwt_verify_skew(key, token, len, now_s, CS_JWT_LEEWAY_S, a, out);
}

int cs_jwt_verify_skew(const struct cs_jwt_key *key, const char *token, size_t len, int64_t now_s,
                       int64_t skew_s, struct cs_arena *a, struct cs_principal *out)
{
    if (len == 0 || len > CS_JWT_MAX_LEN || memchr(token, '\0', len)) return CS_ERR_BAD_TOKEN;
    const char *d1 = memchr(token, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token))) return CS_ERR_BAD_TOKEN;
    int rc = header_check(a, token, (size_t)(d1 - token));
    if (rc) return rc;

    size_t siglen;
    unsigned char *sig;
    rc = unb64url(a, d2 + 1, len - (size_t)(d2 + 1 - token), &sig, &siglen);
    if (rc) return rc;
    if (siglen != crypto_auth_hmacsha256_BYTES) return CS_ERR_BAD_TOKEN;
    /* crypto_auth_hmacsha256_verify compares in constant time. */
    if (crypto_auth_hmacsha256_verify(sig, (const unsigned char *)token, (size_t)(d2 - token),
                                      key->bytes) != 0)
        return CS_ERR_BAD_TOKEN;

    json_object *claims;
    rc = b64_json(a, d1 + 1, (size_t)(d2 - d1 - 1), &claims);
    if (rc) return rc;
    return claims_to_principal(a, claims, now_s, skew_s < 0 ? 0 : skew_s, out);
}

int cs_jwt_key_parse(const char *text, struct cs_jwt_key *out)
{
    unsigned char bin[512];
    size_t n = 0, len = text ? strlen(text) : 0;
    if (len == 0 || len > 680) return CS_ERR_CONFIG;
    const char *end = NULL;
    int hexok = len % 2 == 0 && sodium_hex2bin(bin, sizeof(bin), text, len, NULL, &n, &end) == 0 &&
                end == text + len;
    if (!hexok) {
        static const int variants[] = {
            sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
            sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
        int ok = 0;
        for (size_t i = 0; i < 4 && !ok; i++)
            ok = sodium_base642bin(bin, sizeof(bin), text, len, NULL, &n, &end, variants[i]) == 0 &&
                 end == text + len;
        if (!ok) return CS_ERR_CONFIG;
    }
    if (n < CS_JWT_KEY_BYTES) {
        sodium_memzero(bin, sizeof(bin));
        return CS_ERR_CONFIG;
    }
    if (n == CS_JWT_KEY_BYTES)
        memcpy(out->bytes, bin, n);
    else
        crypto_generichash(out->bytes, CS_JWT_KEY_BYTES, bin, n, NULL, 0);
    sodium_memzero(bin, sizeof(bin));
    return CS_OK;
}

int cs_keyring_parse(const char *current, const char *previous, struct cs_keyring *out)
{
    memset(out, 0, sizeof(*out));
    if (cs_jwt_key_parse(current, &out->key[0])) return CS_ERR_CONFIG;
    out->n = 1;
    for (const char *p = previous; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t')) p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
        if (len) {
            char one[700];
            if (out->n == CS_KEYRING_MAX || len >= sizeof(one)) return CS_ERR_CONFIG;
            memcpy(one, p, len);
            one[len] = '\0';
            int rc = cs_jwt_key_parse(one, &out->key[out->n]);
            sodium_memzero(one, sizeof(one));
            if (rc) return CS_ERR_CONFIG;
            out->n++;
        }
        p = comma ? comma + 1 : p + len;
    }
    return CS_OK;
}

void cs_key_id(const struct cs_jwt_key *k, char out[CS_KEY_ID_LEN + 1])
{
    /* Keyed with a fixed label, so the id says nothing about the key beyond telling
     * keys apart. */
    static const unsigned char label[] = "cs key id v1";
    unsigned char h[CS_KEY_ID_LEN / 2];
    crypto_generichash(h, sizeof(h), k->bytes, sizeof(k->bytes), label, sizeof(label) - 1);
    sodium_bin2hex(out, CS_KEY_ID_LEN + 1, h, sizeof(h));
}

const struct cs_jwt_key *cs_keyring_find(const struct cs_keyring *ring, const char *id)
{
    char kid[CS_KEY_ID_LEN + 1];
    for (size_t i = 0; ring && id && i < ring->n; i++) {
        cs_key_id(&ring->key[i], kid);
        if (strcmp(kid, id) == 0) return &ring->key[i];
    }
    return NULL;
}

bool cs_principal_has_role(const struct cs_principal *p, const char *role)
{
    for (size_t i = 0; i < p->nroles; i++)
        if (strcmp(p->roles[i], role) == 0 || strcmp(p->roles[i], "admin") == 0) return true;
    return false;
}

/* True when the comma list `list` holds `name` (n bytes) as one entry. */
static bool list_has(const char *list, const char *name, size_t n)
{
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, name, n) == 0) return true;
        p += k;
        if (*p == ',') p++;
    }
    return false;
}

bool cs_principal_has_any_role(const struct cs_principal *p, const char *roles)
{
    for (size_t i = 0; i < p->nroles; i++)
        if (strcmp(p->roles[i], "admin") == 0 || list_has(roles, p->roles[i], strlen(p->roles[i])))
            return true;
    return false;
}

bool cs_roles_valid(const char *roles)
{
    if (!roles || !*roles) return false;
    for (const char *p = roles; *p;) {
        size_t k = strcspn(p, ",");
        if (k == 0 || !list_has(CS_ROLE_NAMES, p, k)) return false;
        p += k;
        if (*p == ',' && !*++p) return false; /* a trailing comma */
    }
    return true;
}

/* ---- passwords ---- */

/* OWASP's Argon2id floor (19 MiB, 2 passes): a login costs tens of ms without pushing
 * a small function's memory far past its budget. */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT ((size_t)19 * 1024 * 1024)

int cs_password_hash(const char *password, char out[CS_PASSWORD_HASH_BYTES])
{
    _Static_assert(CS_PASSWORD_HASH_BYTES >= crypto_pwhash_STRBYTES, "hash buffer too small");
    if (crypto_pwhash_str_alg(out, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return CS_ERR_NOMEM;
    return CS_OK;
}

int cs_password_verify(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? CS_OK
                                                                           : CS_ERR_BAD_CREDENTIALS;
}

/* ---- API keys and users ---- */

static char *random_hex(struct cs_arena *a, const char *prefix, size_t nbytes)
{
    unsigned char bin[32];
    char hex[65];
    if (nbytes > sizeof(bin)) return NULL;
    randombytes_buf(bin, nbytes);
    sodium_bin2hex(hex, sizeof(hex), bin, nbytes);
    return cs_arena_printf(a, "%s%s", prefix, hex);
}

static void secret_digest(const char *secret, char hex[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)secret, strlen(secret), NULL, 0);
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

int cs_apikey_create(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t now_ms,
                     struct cs_api_key *out)
{
    return cs_apikey_create_scoped(st, a, tenant, "admin", now_ms, out);
}

static json_object *roles_array(const char *roles);

int cs_apikey_create_scoped(struct cs_store *st, struct cs_arena *a, const char *tenant,
                            const char *scopes, int64_t now_ms, struct cs_api_key *out)
{
    if (!cs_tenant_valid(tenant) || !cs_roles_valid(scopes)) return CS_ERR_INVALID;
    out->tenant = tenant;
    out->api_key = random_hex(a, "ck_", 16);
    out->api_secret = random_hex(a, "cs_", 32);
    struct cs_jb doc;
    cs_jb_init(&doc, cs_json_object(a));
    if (!out->api_key || !out->api_secret || cs_jb_done(&doc)) return CS_ERR_NOMEM;
    char digest[65];
    secret_digest(out->api_secret, digest);
    cs_jb_str(&doc, "tenant", tenant);
    cs_jb_str(&doc, "secret_hash", digest);
    cs_jb_add(&doc, "roles", roles_array(scopes));
    int rc = cs_jb_done(&doc);
    if (!rc)
        rc = cs_store_insert(st, a, CS_SYSTEM_TENANT, "api_keys", out->api_key, doc.obj, NULL,
                             now_ms, NULL);
    return rc;
}

static void roles_from(json_object *doc, struct cs_arena *a, struct cs_principal *out)
{
    json_object *roles;
    if (!json_object_object_get_ex(doc, "roles", &roles) ||
        !json_object_is_type(roles, json_type_array))
        return;
    size_t n = json_object_array_length(roles);
    for (size_t i = 0; i < n && out->nroles < CS_MAX_ROLES; i++) {
        const char *r = json_object_get_string(json_object_array_get_idx(roles, i));
        const char *copy = r ? cs_arena_strdup(a, r) : NULL;
        if (copy) out->roles[out->nroles++] = copy; /* out of memory drops, never NULLs, a role */
    }
}

int cs_apikey_verify(struct cs_store *st, struct cs_arena *a, const char *api_key,
                     const char *api_secret, struct cs_principal *out)
{
    struct cs_doc doc;
    char digest[65];
    secret_digest(api_secret, digest);
    int rc = strlen(api_key) <= CS_STORE_ID_MAX
                 ? cs_store_get(st, a, CS_SYSTEM_TENANT, "api_keys", api_key, &doc)
                 : CS_ERR_NOT_FOUND;
    if (rc == CS_ERR_NOT_FOUND) return CS_ERR_BAD_CREDENTIALS;
    if (rc) return rc;
    const char *stored = cs_json_get_str(doc.body, "secret_hash");
    const char *tenant = cs_json_get_str(doc.body, "tenant");
    if (!stored || strlen(stored) != 64 || !tenant || sodium_memcmp(stored, digest, 64) != 0)
        return CS_ERR_BAD_CREDENTIALS;
    if (cs_json_get_bool(doc.body, "revoked", false)) return CS_ERR_BAD_CREDENTIALS;
    memset(out, 0, sizeof(*out));
    out->tenant = tenant;
    out->subject = doc.id;
    roles_from(doc.body, a, out);
    return CS_OK;
}

/* NULL on failure: a stored account must not lose one of its roles silently. */
static json_object *roles_array(const char *roles)
{
    json_object *arr = json_object_new_array();
    const char *p = roles ? roles : "";
    while (arr && *p) {
        size_t n = strcspn(p, ",");
        while (n > 0 && p[n - 1] == ' ') n--;
        json_object *r = n > 0 && n < 64 ? json_object_new_string_len(p, (int)n) : NULL;
        if (n > 0 && n < 64 && (!r || json_object_array_add(arr, r))) {
            json_object_put(r);
            json_object_put(arr);
            return NULL;
        }
        p += strcspn(p, ",");
        while (*p == ',' || *p == ' ') p++;
    }
    return arr;
}

int cs_user_create(struct cs_store *st, struct cs_arena *a, const char *tenant,
                   const char *username, const char *password, const char *roles, int64_t now_ms,
                   const char **user_id)
{
    if (!cs_tenant_valid(tenant) || !username || !*username || strlen(username) > CS_STORE_ID_MAX ||
        !password || strlen(password) < 8)
        return CS_ERR_INVALID;
    char hash[CS_PASSWORD_HASH_BYTES];
    int rc = cs_password_hash(password, hash);
    if (rc) { /* hash holds nothing to store */
        sodium_memzero(hash, sizeof(hash));
        return rc;
    }
    const char *uid = random_hex(a, "usr_", 12);
    struct cs_jb login, user;
    cs_jb_init(&login, cs_json_object(a));
    cs_jb_init(&user, cs_json_object(a));
    if (!uid) rc = CS_ERR_NOMEM;
    cs_jb_str(&login, "tenant", tenant);
    cs_jb_str(&login, "user_id", uid);
    cs_jb_str(&user, "username", username);
    cs_jb_str(&user, "password_hash", hash);
    cs_jb_add(&user, "roles", roles_array(roles));
    if (!rc) rc = cs_jb_done(&login);
    if (!rc) rc = cs_jb_done(&user);
    /* The directory entry is written first: its id is the login name, so a second user
     * with the same name fails here with CS_ERR_EXISTS before any user document exists. */
    if (!rc)
        rc = cs_store_insert(st, a, CS_SYSTEM_TENANT, "logins", username, login.obj, NULL, now_ms,
                             NULL);
    if (!rc) rc = cs_store_insert(st, a, tenant, "users", uid, user.obj, NULL, now_ms, NULL);
    sodium_memzero(hash, sizeof(hash));
    if (!rc && user_id) *user_id = uid;
    return rc;
}

static char dummy_hash[CS_PASSWORD_HASH_BYTES];
static void make_dummy_hash(void)
{
    if (cs_password_hash("not-a-real-password-0000", dummy_hash) != CS_OK) dummy_hash[0] = '\0';
}

int cs_user_login(struct cs_store *st, struct cs_arena *a, const char *username,
                  const char *password, struct cs_principal *out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct cs_doc login, user;
    int rc = strlen(username) <= CS_STORE_ID_MAX
                 ? cs_store_get(st, a, CS_SYSTEM_TENANT, "logins", username, &login)
                 : CS_ERR_NOT_FOUND;
    const char *tenant = rc ? NULL : cs_json_get_str(login.body, "tenant");
    const char *uid = rc ? NULL : cs_json_get_str(login.body, "user_id");
    if (rc == CS_OK && tenant && uid)
        rc = cs_store_get(st, a, tenant, "users", uid, &user);
    else if (rc == CS_OK)
        rc = CS_ERR_NOT_FOUND;
    if (rc && rc != CS_ERR_NOT_FOUND) return rc;
    if (rc == CS_ERR_NOT_FOUND) {
        /* Spend the same Argon2 time as a real check so timing does not reveal which
         * usernames exist. */
        pthread_once(&once, make_dummy_hash);
        if (dummy_hash[0]) {
            int ignored = cs_password_verify(dummy_hash, password);
            (void)ignored;
        }
        return CS_ERR_BAD_CREDENTIALS;
    }
    const char *hash = cs_json_get_str(user.body, "password_hash");
    if (!hash || cs_password_verify(hash, password) != CS_OK) return CS_ERR_BAD_CREDENTIALS;
    /* Checked after the hash so that a disabled account times like any other. */
    if (cs_json_get_bool(user.body, "disabled", false)) return CS_ERR_BAD_CREDENTIALS;
    memset(out, 0, sizeof(*out));
    out->tenant = tenant;
    out->subject = uid;
    roles_from(user.body, a, out);
    return CS_OK;
}
