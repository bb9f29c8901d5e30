/* PII anonymization (seed 001 /privacy/anonymize) and its reversible form.
 *
 * cs_anon_apply replaces every PII span found by cs/pii.h with a typed placeholder,
 * "[NAME_1]", "[EMAIL_2]", ...; the same value (compared after a per-type
 * normalisation: digits only for phone/card/account/SSN numbers, case-insensitive for
 * names, emails, URLs and addresses) always gets the same placeholder. Each entry also
 * carries a masked rendering for display ("XXX-XXX-4567"), as the seed's mapping shows.
 *
 * The reversible option seals the exact mapping (placeholder -> original) with
 * crypto_secretbox under a per-tenant key derived from the deployment secret, and
 * returns it as an opaque token; only the same tenant can open it again and put the
 * originals back into a text (typically a reply drafted from the anonymized text).
 * Tokens hold PII: callers must never log them, nor the texts and mappings.
 */
#ifndef CS_ANONYMIZE_H
#define CS_ANONYMIZE_H

#include <stddef.h>
#include <stdint.h>

#include "cs/auth.h"
#include "cs/error.h"
#include "cs/model.h"
#include "cs/pii.h"

struct cs_arena;

#define CS_ANON_MAX_ENTRIES CS_PII_MAX_SPANS
#define CS_ANON_KEY_BYTES 32u
/* Tokens longer than this are refused before decoding (a full mapping of 64 entries
 * of 64 KiB text stays far below it). */
#define CS_ANON_TOKEN_MAX (512u << 10)
#define CS_ANON_TOKEN_PREFIX "csa1."

struct cs_anon_entry {
    enum cs_pii_type type;
    const char *placeholder; /* "[NAME_1]" */
    const char *original;    /* the exact text replaced (first occurrence) */
    const char *masked;      /* display form: "XXXXXX7890", "j***@example.com" */
};

struct cs_anon_result {
    const char *text; /* the anonymized text, NUL-terminated, in the arena */
    size_t n;         /* distinct values, in order of first appearance */
    struct cs_anon_entry entry[CS_ANON_MAX_ENTRIES];
    size_t ndetected;                    /* distinct kinds, in order of first appearance */
    const char *detected[CS_PII__COUNT]; /* seed names: "name", "phone_number", ... */
};

/* Anonymizes text[0..len) (valid UTF-8 expected; bytes are copied as they are).
 * `names` is the "pii" lexicon model or NULL. Strings live in `a`.
 * CS_ERR_TOO_LARGE when the text is over CS_PII_MAX_BYTES or holds more spans than
 * the detector reports (PII would stay in the output), CS_ERR_NOMEM, CS_ERR_INVALID. */
CS_MUST_CHECK int cs_anon_apply(const struct cs_model *names, const char *text, size_t len,
                                struct cs_arena *a, struct cs_anon_result *out);

/* Placeholder stem of a type ("NAME", "PHONE") and its seed name ("name",
 * "phone_number"). */
const char *cs_anon_stem(enum cs_pii_type t);
const char *cs_anon_kind(enum cs_pii_type t);
/* The display form of a value of type t; NULL on allocation failure. */
char *cs_anon_mask(struct cs_arena *a, enum cs_pii_type t, const char *s, size_t n);

/* The tenant's sealing key: crypto_kdf_derive_from_key from the deployment secret (the
 * JWT key), with the subkey id taken from a BLAKE2b hash of the tenant name. The tenant
 * is also sealed inside every token and checked on opening, so even a subkey id
 * collision cannot let one tenant open another's token. */
void cs_anon_key(const struct cs_jwt_key *master, const char *tenant,
                 unsigned char key[CS_ANON_KEY_BYTES]);

/* Seals entries[0..n) for `tenant` into "csa1." + base64url(nonce || box). */
CS_MUST_CHECK int cs_anon_seal(const unsigned char key[CS_ANON_KEY_BYTES], const char *tenant,
                               const struct cs_anon_entry *entries, size_t n, int64_t now_ms,
                               struct cs_arena *a, char **token);
/* Opens a token made by cs_anon_seal for the same tenant. CS_ERR_INVALID for anything
 * malformed, tampered with, sealed under another key or for another tenant (one answer
 * for all, so a caller learns nothing about other tenants). Entries live in `a`. */
CS_MUST_CHECK int cs_anon_open(const unsigned char key[CS_ANON_KEY_BYTES], const char *tenant,
                               const char *token, size_t len, struct cs_arena *a,
                               struct cs_anon_entry **entries, size_t *n);

/* Replaces every placeholder of entries[0..n) found in text[0..len) with its original;
 * *out (in `a`) gets the result and *replaced how many placeholders were put back. */
CS_MUST_CHECK int cs_anon_restore(const char *text, size_t len, const struct cs_anon_entry *entries,
                                  size_t n, struct cs_arena *a, const char **out, size_t *replaced);

#endif
