/* PII anonymization with typed placeholders and sealed, tenant-bound mappings; see
 * cs/anonymize.h. Nothing here logs: texts, mappings and tokens all hold PII. */
#include "cs/anonymize.h"

#include <ctype.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "cs/arena.h"
#include "cs/buf.h"

/* Placeholder stems and seed names per cs_pii_type, in enum order. */
static const char *const STEM[CS_PII__COUNT] = {"EMAIL",   "PHONE",          "CREDIT_CARD", "IBAN",
                                                "SSN",     "ACCOUNT_NUMBER", "IP_ADDRESS",  "URL",
                                                "ADDRESS", "DATE_OF_BIRTH",  "NAME"};
static const char *const KIND[CS_PII__COUNT] = {"email",   "phone_number",   "credit_card", "iban",
                                                "ssn",     "account_number", "ip_address",  "url",
                                                "address", "date_of_birth",  "name"};

/* The KDF context: 8 bytes naming what the subkeys are for. */
static const char KDF_CTX[crypto_kdf_CONTEXTBYTES + 1] = "csanon01";

const char *cs_anon_stem(enum cs_pii_type t)
{
    return (unsigned)t < CS_PII__COUNT ? STEM[t] : "PII";
}

const char *cs_anon_kind(enum cs_pii_type t)
{
    return (unsigned)t < CS_PII__COUNT ? KIND[t] : "pii";
}

/* ---- masking ---- */

static bool is_digit_type(enum cs_pii_type t)
{
    return t == CS_PII_PHONE || t == CS_PII_CREDIT_CARD || t == CS_PII_US_SSN ||
           t == CS_PII_ACCOUNT_NUMBER;
}

/* Length of the UTF-8 sequence starting at s[0] (1 for ASCII or a stray byte). */
static size_t cp_len(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return k <= n ? k : n;
}

/* A code point that carries information (letters and digits; any non-ASCII one). */
static bool is_sym(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    return c >= 0x80 || isalnum(c);
}

/* Copies s, writing 'X' for every letter or digit code point except the last `keep`
 * and those at or after byte offset `from` (separators stay, so the shape reads). */
static char *mask_tail(struct cs_arena *a, const char *s, size_t n, size_t keep, size_t from)
{
    size_t total = 0;
    for (size_t i = 0; i < n && i < from; i += cp_len(s + i, n - i)) total += is_sym(s + i);
    size_t hide = total > keep ? total - keep : 0;
    char *out = cs_arena_alloc(a, n + 1);
    if (!out) return NULL;
    size_t o = 0, seen = 0;
    for (size_t i = 0; i < n;) {
        size_t k = cp_len(s + i, n - i);
        if (i < from && is_sym(s + i) && seen++ < hide) {
            out[o++] = 'X';
        } else {
            memcpy(out + o, s + i, k);
            o += k;
        }
        i += k;
    }
    out[o] = '\0';
    return out;
}

static char *mask_email(struct cs_arena *a, const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (!at || at == s) return mask_tail(a, s, n, 0, n);
    size_t first = cp_len(s, (size_t)(at - s));
    return cs_arena_printf(a, "%.*s***%.*s", (int)first, s, (int)(n - (size_t)(at - s)), at);
}

/* Scheme and host stay; a path or query (which may carry tokens) does not. */
static char *mask_url(struct cs_arena *a, const char *s, size_t n)
{
    size_t host = 0;
    const char *sep = n >= 3 ? memmem(s, n, "://", 3) : NULL;
    if (sep) host = (size_t)(sep - s) + 3;
    size_t end = host;
    while (end < n && s[end] != '/' && s[end] != '?' && s[end] != '#') end++;
    return cs_arena_printf(a, "%.*s%s", (int)end, s, end < n ? "/***" : "");
}

char *cs_anon_mask(struct cs_arena *a, enum cs_pii_type t, const char *s, size_t n)
{
    switch (t) {
    case CS_PII_PERSON: return cs_arena_strndup(a, s, n); /* the seed shows names in full */
    case CS_PII_EMAIL: return mask_email(a, s, n);
    case CS_PII_URL: return mask_url(a, s, n);
    case CS_PII_IP_ADDRESS: {
        size_t last = n;
        while (last > 0 && s[last - 1] != '.' && s[last - 1] != ':') last--;
        return mask_tail(a, s, n, 0, last ? last : n);
    }
    case CS_PII_STREET_ADDRESS:
    case CS_PII_DATE_OF_BIRTH: return mask_tail(a, s, n, 0, n);
    default: return mask_tail(a, s, n, 4, n); /* numbers: the last four, as receipts do */
    }
}

/* ---- apply ---- */

/* The comparison key under which two spellings count as the same value. */
static char *norm_key(struct cs_arena *a, enum cs_pii_type t, const char *s, size_t n)
{
    char *k = cs_arena_alloc(a, n + 3);
    if (!k) return NULL;
    size_t o = 0;
    k[o++] = (char)('A' + t);
    k[o++] = ':';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_digit_type(t)) {
            if (isdigit(c)) k[o++] = (char)c;
        } else if (t == CS_PII_IBAN) {
            if (isalnum(c)) k[o++] = (char)toupper(c);
        } else if (t == CS_PII_DATE_OF_BIRTH || t == CS_PII_IP_ADDRESS) {
            k[o++] = (char)c;
        } else {
            k[o++] = (char)tolower(c);
        }
    }
    k[o] = '\0';
    return k;
}

struct apply_ctx {
    struct cs_arena *a;
    struct cs_anon_result *out;
    const char *keys[CS_ANON_MAX_ENTRIES];
    unsigned counter[CS_PII__COUNT];
};

static void note_kind(struct cs_anon_result *out, enum cs_pii_type t)
{
    for (size_t i = 0; i < out->ndetected; i++)
        if (strcmp(out->detected[i], KIND[t]) == 0) return;
    out->detected[out->ndetected++] = KIND[t];
}

/* The entry for this value: an existing one for the same normalised value, else new. */
static const struct cs_anon_entry *entry_for(struct apply_ctx *c, enum cs_pii_type t, const char *s,
                                             size_t n)
{
    char *key = norm_key(c->a, t, s, n);
    if (!key) return NULL;
    struct cs_anon_result *out = c->out;
    for (size_t i = 0; i < out->n; i++)
        if (strcmp(c->keys[i], key) == 0) return &out->entry[i];
    struct cs_anon_entry *e = &out->entry[out->n];
    e->type = t;
    e->placeholder = cs_arena_printf(c->a, "[%s_%u]", STEM[t], ++c->counter[t]);
    e->original = cs_arena_strndup(c->a, s, n);
    e->masked = cs_anon_mask(c->a, t, s, n);
    if (!e->placeholder || !e->original || !e->masked) return NULL;
    c->keys[out->n++] = key;
    note_kind(out, t);
    return e;
}

int cs_anon_apply(const struct cs_model *names, const char *text, size_t len, struct cs_arena *a,
                  struct cs_anon_result *out)
{
    if (!out || !a || (!text && len)) return CS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (len > CS_PII_MAX_BYTES) return CS_ERR_TOO_LARGE;
    struct cs_pii_result r;
    int rc = cs_pii_detect(names, text ? text : "", len, &r);
    if (rc) return rc;
    /* A truncated scan would leave PII in the "anonymized" text: refuse instead. */
    if (r.truncated) return CS_ERR_TOO_LARGE;
    struct apply_ctx c = {.a = a, .out = out};
    struct cs_buf b;
    cs_buf_init(&b, a, 0);
    size_t pos = 0;
    for (size_t i = 0; i < r.n && rc == CS_OK; i++) {
        const struct cs_pii_span *sp = &r.span[i];
        const struct cs_anon_entry *e =
            entry_for(&c, sp->type, text + sp->start_byte, sp->end_byte - sp->start_byte);
        if (!e) return CS_ERR_NOMEM;
        rc = cs_buf_append(&b, text + pos, sp->start_byte - pos);
        if (!rc) rc = cs_buf_puts(&b, e->placeholder);
        pos = sp->end_byte;
    }
    if (!rc && pos < len) rc = cs_buf_append(&b, text + pos, len - pos);
    if (rc) return rc;
    out->text = cs_buf_str(&b);
    return out->text ? CS_OK : CS_ERR_NOMEM;
}

/* ---- sealing ---- */

void cs_anon_key(const struct cs_jwt_key *master, const char *tenant,
                 unsigned char key[CS_ANON_KEY_BYTES])
{
    unsigned char h[8];
    crypto_generichash(h, sizeof(h), (const unsigned char *)tenant, strlen(tenant), NULL, 0);
    uint64_t id = 0;
    for (int i = 0; i < 8; i++) id = id << 8 | h[i];
    /* CS_JWT_KEY_BYTES == crypto_kdf_KEYBYTES, so the secret is a KDF master key as is. */
    (void)crypto_kdf_derive_from_key(key, CS_ANON_KEY_BYTES, id, KDF_CTX, master->bytes);
}

static json_object *sealed_doc(const char *tenant, const struct cs_anon_entry *e, size_t n,
                               int64_t now_ms)
{
    json_object *doc = json_object_new_object(), *m = json_object_new_array();
    if (!doc || !m) {
        json_object_put(doc);
        json_object_put(m);
        return NULL;
    }
    json_object_object_add(doc, "v", json_object_new_int(1));
    json_object_object_add(doc, "t", json_object_new_string(tenant));
    json_object_object_add(doc, "iat", json_object_new_int64(now_ms));
    json_object_object_add(doc, "m", m);
    for (size_t i = 0; i < n; i++) {
        json_object *row = json_object_new_array();
        if (!row || json_object_array_add(m, row)) {
            json_object_put(row);
            json_object_put(doc);
            return NULL;
        }
        json_object_array_add(row, json_object_new_string(cs_pii_type_name(e[i].type)));
        json_object_array_add(row, json_object_new_string(e[i].placeholder));
        json_object_array_add(row, json_object_new_string(e[i].original));
    }
    return doc;
}

int cs_anon_seal(const unsigned char key[CS_ANON_KEY_BYTES], const char *tenant,
                 const struct cs_anon_entry *entries, size_t n, int64_t now_ms, struct cs_arena *a,
                 char **token)
{
    if (!key || !tenant || !token || (n && !entries) || n > CS_ANON_MAX_ENTRIES)
        return CS_ERR_INVALID;
    json_object *doc = sealed_doc(tenant, entries, n, now_ms);
    if (!doc) return CS_ERR_NOMEM;
    size_t mlen = 0;
    const char *m = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN, &mlen);
    size_t blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + mlen;
    unsigned char *box = m ? cs_arena_alloc(a, blen) : NULL;
    size_t b64 = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = box ? cs_arena_alloc(a, sizeof(CS_ANON_TOKEN_PREFIX) - 1 + b64) : NULL;
    if (!out) {
        json_object_put(doc);
        return CS_ERR_NOMEM;
    }
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)m, mlen, box,
                          key);
    /* Best effort: json-c frees its buffer without wiping, but ours need not linger. */
    sodium_memzero((void *)m, mlen);
    json_object_put(doc);
    memcpy(out, CS_ANON_TOKEN_PREFIX, sizeof(CS_ANON_TOKEN_PREFIX) - 1);
    sodium_bin2base64(out + sizeof(CS_ANON_TOKEN_PREFIX) - 1, b64, box, blen,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    *token = out;
    return CS_OK;
}

/* Reads one sealed row [type, placeholder, original] back into an entry. */
static int read_row(json_object *row, struct cs_arena *a, struct cs_anon_entry *e)
{
    if (!json_object_is_type(row, json_type_array) || json_object_array_length(row) != 3)
        return CS_ERR_INVALID;
    const char *s[3];
    for (size_t k = 0; k < 3; k++) {
        json_object *v = json_object_array_get_idx(row, k);
        if (!json_object_is_type(v, json_type_string)) return CS_ERR_INVALID;
        s[k] = json_object_get_string(v);
    }
    int t = cs_pii_type_parse(s[0]);
    size_t stem = t >= 0 ? strlen(STEM[t]) : 0;
    if (t < 0 || strncmp(s[1], "[", 1) != 0 || strncmp(s[1] + 1, STEM[t], stem) != 0 ||
        s[1][1 + stem] != '_' || s[1][strlen(s[1]) - 1] != ']')
        return CS_ERR_INVALID;
    e->type = (enum cs_pii_type)t;
    e->placeholder = cs_arena_strdup(a, s[1]);
    e->original = cs_arena_strdup(a, s[2]);
    e->masked = cs_anon_mask(a, e->type, s[2], strlen(s[2]));
    return e->placeholder && e->original && e->masked ? CS_OK : CS_ERR_NOMEM;
}

static int read_doc(json_object *doc, const char *tenant, struct cs_arena *a,
                    struct cs_anon_entry **entries, size_t *n)
{
    json_object *v, *t, *m;
    if (!json_object_is_type(doc, json_type_object) || !json_object_object_get_ex(doc, "v", &v) ||
        json_object_get_int(v) != 1 || !json_object_object_get_ex(doc, "t", &t) ||
        !json_object_is_type(t, json_type_string) ||
        strcmp(json_object_get_string(t), tenant) != 0 ||
        !json_object_object_get_ex(doc, "m", &m) || !json_object_is_type(m, json_type_array))
        return CS_ERR_INVALID;
    size_t k = json_object_array_length(m);
    if (k > CS_ANON_MAX_ENTRIES) return CS_ERR_INVALID;
    struct cs_anon_entry *e = cs_arena_alloc(a, (k ? k : 1) * sizeof(*e));
    if (!e) return CS_ERR_NOMEM;
    for (size_t i = 0; i < k; i++) {
        int rc = read_row(json_object_array_get_idx(m, i), a, &e[i]);
        if (rc) return rc;
    }
    *entries = e;
    *n = k;
    return CS_OK;
}

int cs_anon_open(const unsigned char key[CS_ANON_KEY_BYTES], const char *tenant, const char *token,
                 size_t len, struct cs_arena *a, struct cs_anon_entry **entries, size_t *n)
{
    const size_t plen = sizeof(CS_ANON_TOKEN_PREFIX) - 1;
    if (!key || !tenant || !entries || !n || (!token && len)) return CS_ERR_INVALID;
    *entries = NULL;
    *n = 0;
    if (len > CS_ANON_TOKEN_MAX || len < plen || memcmp(token, CS_ANON_TOKEN_PREFIX, plen) != 0)
        return CS_ERR_INVALID;
    size_t cap = (len - plen) / 4 * 3 + 3;
    unsigned char *box = cs_arena_alloc(a, cap);
    if (!box) return CS_ERR_NOMEM;
    size_t blen = 0;
    if (sodium_base642bin(box, cap, token + plen, len - plen, NULL, &blen, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        blen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return CS_ERR_INVALID;
    size_t mlen = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    unsigned char *m = cs_arena_alloc(a, mlen + 1);
    if (!m) return CS_ERR_NOMEM;
    if (crypto_secretbox_open_easy(m, box + crypto_secretbox_NONCEBYTES,
                                   blen - crypto_secretbox_NONCEBYTES, box, key) != 0)
        return CS_ERR_INVALID;
    /* Authentic from here on, but still parsed defensively: the format may change. */
    struct json_tokener *tok = json_tokener_new_ex(4);
    if (!tok) return CS_ERR_NOMEM;
    json_object *doc = json_tokener_parse_ex(tok, (const char *)m, (int)mlen);
    bool whole = doc && json_tokener_get_error(tok) == json_tokener_success &&
                 json_tokener_get_parse_end(tok) == mlen;
    json_tokener_free(tok);
    int rc = whole ? read_doc(doc, tenant, a, entries, n) : CS_ERR_INVALID;
    json_object_put(doc);
    sodium_memzero(m, mlen);
    return rc;
}

/* ---- restore ---- */

static const struct cs_anon_entry *placeholder_at(const char *s, size_t n,
                                                  const struct cs_anon_entry *e, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        size_t pl = strlen(e[i].placeholder);
        if (pl <= n && memcmp(s, e[i].placeholder, pl) == 0) return &e[i];
    }
    return NULL;
}

int cs_anon_restore(const char *text, size_t len, const struct cs_anon_entry *entries, size_t n,
                    struct cs_arena *a, const char **out, size_t *replaced)
{
    if (!out || !replaced || (!text && len) || (n && !entries)) return CS_ERR_INVALID;
    *replaced = 0;
    struct cs_buf b;
    cs_buf_init(&b, a, 0);
    int rc = CS_OK;
    size_t pos = 0;
    while (rc == CS_OK && pos < len) {
        const char *br = memchr(text + pos, '[', len - pos);
        size_t at = br ? (size_t)(br - text) : len;
        rc = cs_buf_append(&b, text + pos, at - pos);
        pos = at;
        if (rc || pos == len) break;
        const struct cs_anon_entry *e = placeholder_at(text + pos, len - pos, entries, n);
        if (e) {
            rc = cs_buf_puts(&b, e->original);
            pos += strlen(e->placeholder);
            (*replaced)++;
        } else {
            rc = cs_buf_append(&b, "[", 1);
            pos++;
        }
    }
    if (rc) return rc;
    *out = cs_buf_str(&b);
    return *out ? CS_OK : CS_ERR_NOMEM;
}
