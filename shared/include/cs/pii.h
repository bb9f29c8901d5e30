/* PII detection: pattern recognisers with checksums (cards by Luhn, IBAN by mod-97,
 * SSN area/group/serial rules), context rules (account numbers, dates of birth) and
 * person names from the built-in "pii" lexicon model (first and last names derived
 * from the Presidio synthetic set and WNUT-17, plus common words to avoid).
 *
 * Spans report both character (Unicode code point) and byte offsets, end exclusive,
 * sorted by start, never overlapping. No allocation: results go in a fixed array.
 */
#ifndef CS_PII_H
#define CS_PII_H

#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"
#include "cs/model.h"

#define CS_PII_MAX_SPANS 64
#define CS_PII_MAX_BYTES (64u << 10) /* longer texts: only the first 64 KiB is scanned */

/* Type names follow Presidio where one exists, so results compare with its tooling. */
enum cs_pii_type {
    CS_PII_EMAIL = 0,      /* EMAIL_ADDRESS */
    CS_PII_PHONE,          /* PHONE_NUMBER */
    CS_PII_CREDIT_CARD,    /* CREDIT_CARD */
    CS_PII_IBAN,           /* IBAN_CODE */
    CS_PII_US_SSN,         /* US_SSN */
    CS_PII_ACCOUNT_NUMBER, /* ACCOUNT_NUMBER */
    CS_PII_IP_ADDRESS,     /* IP_ADDRESS (v4 and v6) */
    CS_PII_URL,            /* URL */
    CS_PII_STREET_ADDRESS, /* STREET_ADDRESS */
    CS_PII_DATE_OF_BIRTH,  /* DATE_OF_BIRTH */
    CS_PII_PERSON,         /* PERSON */
    CS_PII__COUNT
};

/* Lexicon flag bits stored in the "pii" model. */
#define CS_PII_LEX_FIRST 1u
#define CS_PII_LEX_LAST 2u
#define CS_PII_LEX_COMMON 4u /* frequent lower-case word: a name only with strong context */
#define CS_PII_LEX_PLACE 8u  /* one-word place name: alone, a name only with a cue */

struct cs_pii_span {
    enum cs_pii_type type;
    size_t start, end;           /* characters */
    size_t start_byte, end_byte; /* bytes */
    float score;                 /* 0..1 */
};

struct cs_pii_result {
    size_t n;
    int truncated; /* more spans than CS_PII_MAX_SPANS, or text over CS_PII_MAX_BYTES */
    struct cs_pii_span span[CS_PII_MAX_SPANS];
};

/* Scans text[0..len). `names` is the "pii" lexicon model, or NULL to skip person
 * names. CS_ERR_INVALID for a NULL text with len > 0 or a non-lexicon model. */
CS_MUST_CHECK int cs_pii_detect(const struct cs_model *names, const char *text, size_t len,
                                struct cs_pii_result *out);

const char *cs_pii_type_name(enum cs_pii_type t);
/* Type from its name ("EMAIL_ADDRESS"); -1 when unknown. */
int cs_pii_type_parse(const char *name);

/* Checksums, exposed for tests and for callers validating user input. Digits only for
 * Luhn; IBAN may contain spaces. Return 1 when valid. */
int cs_pii_luhn_valid(const char *digits, size_t n);
int cs_pii_iban_valid(const char *s, size_t n);

#endif
