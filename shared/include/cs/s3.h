/* Reading one object from Amazon S3 (or an S3-compatible server) for training data
 * (issue 18: training_data_uri "s3://bucket/key"), and writing a job's outputs there
 * (model_output_uri, logs_uri under CS_ML_OUTPUT_URI).
 *
 * The request is signed by libcurl itself (CURLOPT_AWS_SIGV4), not by hand-written
 * HMAC code: libcurl derives the signing key, canonicalises the request and signs every
 * header it sends. What libcurl 7.88 leaves out and S3 requires is added here: the
 * x-amz-content-sha256 header (the body's hash; a GET's is the empty body's) and, with
 * temporary credentials, x-amz-security-token (signed like every other header).
 *
 * Addresses: without an endpoint, https://<bucket>.s3.<region>.amazonaws.com/<key>
 * (path-style on s3.<region>.amazonaws.com when the bucket name holds a dot, which a
 * TLS wildcard cannot match); with one (CS_S3_ENDPOINT, for S3-compatible servers and
 * tests), path-style <endpoint>/<bucket>/<key>. Redirects are never followed (a signed
 * request must not go to another host).
 */
#ifndef CS_S3_H
#define CS_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"

#define CS_S3_MAX_KEY 1024

struct cs_s3_cfg {
    const char *endpoint;      /* CS_S3_ENDPOINT ("http://127.0.0.1:4569"); NULL: AWS */
    const char *region;        /* AWS_REGION, else AWS_DEFAULT_REGION, else "us-east-1" */
    const char *access_key;    /* AWS_ACCESS_KEY_ID; NULL: requests go unsigned */
    const char *secret_key;    /* AWS_SECRET_ACCESS_KEY */
    const char *session_token; /* AWS_SESSION_TOKEN (temporary credentials), may be NULL */
    int64_t timeout_ms;        /* CS_S3_TIMEOUT_MS, default 60000 */
};

/* Reads the variables above through `get` (getenv-like). CS_ERR_CONFIG, with *why
 * naming the variable (never its value), when the endpoint is not an http(s) URL, the
 * region is malformed, only one of the key pair is set, or the timeout is out of
 * range (1000-900000). Strings point into what `get` returns. */
CS_MUST_CHECK int cs_s3_cfg_load(struct cs_s3_cfg *cfg, const char *(*get)(const char *name),
                                 const char **why);

/* Splits "s3://bucket/key" into bucket (3-63 of [a-z0-9.-], starting and ending with a
 * letter or digit) and key (1-CS_S3_MAX_KEY bytes of UTF-8 without control
 * characters), copied into the caller's buffers. false when the URI is not one. */
bool cs_s3_uri_split(const char *uri, char bucket[64], char key[CS_S3_MAX_KEY + 1]);

/* S3's error code from (the start of) an error document ("<Error><Code>NoSuchKey</Code>
 * ..."), NUL-terminated in out; "" when there is none, or it is not 1-63 letters and
 * digits. body must be NUL-terminated. */
void cs_s3_error_code(const char *body, char out[64]);

/* Receives the object's bytes in pieces; a non-zero return stops the transfer and is
 * what cs_s3_get returns. */
typedef int (*cs_s3_data_fn)(void *arg, const char *p, size_t n);

/* What S3 answered when it did not send the object. */
struct cs_s3_status {
    long http;          /* 0 when no answer arrived */
    char code[64];      /* S3's error code ("NoSuchKey", "AccessDenied", ...), "" if none */
    uint64_t announced; /* Content-Length of the answer, 0 when none */
};

/* GETs s3://bucket/key, handing the body to `on_data`; never more than max_bytes.
 * Returns:
 *   CS_OK                the whole object was delivered
 *   CS_ERR_NOT_FOUND     404 (NoSuchKey, NoSuchBucket)
 *   CS_ERR_FORBIDDEN     403 AccessDenied (the credentials may not read it)
 *   CS_ERR_BAD_CREDENTIALS  403 with SignatureDoesNotMatch, InvalidAccessKeyId,
 *                        ExpiredToken, InvalidToken ... (the service's own credentials
 *                        were refused: a configuration problem, not the caller's)
 *   CS_ERR_TOO_LARGE     the object is (announced or turned out) larger than max_bytes
 *   CS_ERR_UPSTREAM      any other answer, or the connection failed
 *   CS_ERR_TIMEOUT       the transfer ran past cfg->timeout_ms
 *   CS_ERR_INVALID       bucket or key malformed
 *   on_data's code       the consumer stopped it
 * *st (may be NULL) says what S3 answered. */
CS_MUST_CHECK int cs_s3_get(const struct cs_s3_cfg *cfg, const char *bucket, const char *key,
                            uint64_t max_bytes, cs_s3_data_fn on_data, void *arg,
                            struct cs_s3_status *st);

/* S3's limit on one PUT (larger objects need a multipart upload, never needed here). */
#define CS_S3_MAX_PUT (5ULL << 30)

/* PUTs len bytes of buf as s3://bucket/key (Content-Length framed, Content-Type
 * content_type unless NULL), signed like cs_s3_get, with the body's SHA-256 in
 * x-amz-content-sha256 (S3 refuses a body that does not match it). Returns CS_OK once S3
 * answered 200, else cs_s3_get's codes for S3's answers and transport (CS_ERR_NOT_FOUND
 * for NoSuchBucket, CS_ERR_FORBIDDEN, CS_ERR_BAD_CREDENTIALS, CS_ERR_UPSTREAM,
 * CS_ERR_TIMEOUT, CS_ERR_INVALID), CS_ERR_TOO_LARGE past CS_S3_MAX_PUT. */
CS_MUST_CHECK int cs_s3_put(const struct cs_s3_cfg *cfg, const char *bucket, const char *key,
                            const char *content_type, const void *buf, size_t len,
                            struct cs_s3_status *st);

/* The same for the file at path, streamed from disk; CS_ERR_IO when it cannot be read
 * (or shrinks while it is sent). */
CS_MUST_CHECK int cs_s3_put_file(const struct cs_s3_cfg *cfg, const char *bucket, const char *key,
                                 const char *content_type, const char *path,
                                 struct cs_s3_status *st);

#endif
