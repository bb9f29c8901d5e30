/* Outbound HTTP plumbing shared by the Lambda loop, the AI providers and webhook
 * delivery: libcurl is loaded on first use (shared/src/net/curl_lazy.c), and every
 * handle it hands out trusts the CA bundle found when it loaded.
 */
#ifndef CS_NET_H
#define CS_NET_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"

/* The CA bundle an HTTPS call should trust: env_file (SSL_CERT_FILE) when readable, else
 * the first readable of the distributions' known places (Debian's, then Fedora's and
 * Amazon Linux 2023's /etc/pki/tls/certs/ca-bundle.crt, ...), each under `root` (NULL:
 * "/"; tests pass a fake tree). Writes the path into out[0..cap) and returns out, or
 * NULL (out "") when none is readable. */
const char *cs_curl_ca_find(const char *root, const char *env_file, char *out, size_t cap);

/* ---- The one outbound HTTP client ----
 * Every request the product makes (Lambda Runtime API, AI providers, webhook delivery)
 * is set up by cs_net_prepare, so all of them agree on: http and https only; redirects
 * never followed (a redirect must not carry a provider key or a signed body to another
 * host); no signals (threads); the CA bundle (curl_lazy.c); "Content-Type:
 * application/json" with a body and no "Expect: 100-continue" round trip; and one
 * translation of libcurl's codes. Callers keep their transfer loop (easy or multi). */
struct cs_net_opts {
    const char *url;
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated; may be NULL */
    const char *body;           /* POSTed when non-NULL, else GET */
    size_t body_len;
    int64_t timeout_ms;         /* total; 0: none (the Lambda long poll) */
    int64_t connect_timeout_ms; /* 0: libcurl's default; capped at timeout_ms */
    const char *user_agent;     /* NULL: none */
    /* Checked on every address libcurl is about to connect to, after DNS, so a name that
     * resolves to a refused address is caught too; NULL: any address. */
    bool (*allow_addr)(const struct sockaddr *sa);
    curl_write_callback on_body; /* NULL: the answer's body is discarded */
    void *body_arg;
    curl_write_callback on_header; /* NULL: headers ignored */
    void *header_arg;
    /* AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4): "aws:amz:<region>:<service>" and
     * the key pair; NULL: unsigned. A signed call's header list has no empty "Expect:"
     * line: libcurl 7.88 signs every listed header, even that one, which is never sent,
     * so AWS would refuse the signature (tests/unit/net/s3_test.c). libcurl only asks
     * for 100-continue above 1 MiB of body, which no signed call here sends. */
    const char *aws_sigv4, *aws_key, *aws_secret;
    /* Connect through this unix socket instead of the URL's host (the local WebSocket
     * gateway under build.sh serve); NULL: TCP. */
    const char *unix_socket;
};

/* What a prepared transfer points to: keep it alive (not moved) until the transfer ends. */
struct cs_net_call {
    struct curl_slist *hdr;
    bool (*allow_addr)(const struct sockaddr *sa);
    bool refused; /* allow_addr refused an address */
};

/* Resets c and sets the options above on it. CS_ERR_NOMEM when the header list cannot
 * be built (nothing to release then). Release with cs_net_call_clean_up after the
 * transfer. */
CS_MUST_CHECK int cs_net_prepare(CURL *c, const struct cs_net_opts *o, struct cs_net_call *call);
void cs_net_call_clean_up(struct cs_net_call *call);

/* For callers that run one transfer at a time (webhook delivery runs many on a multi
 * handle, so it prepares them): cs_net_prepare, a blocking transfer, the HTTP status
 * (*status; 0 when none arrived) and the clean-up. Returns libcurl's code, which
 * cs_from_curl maps; CURLE_OUT_OF_MEMORY when the request could not be prepared.
 * *refused (may be NULL) says the address guard refused. */
CURLcode cs_net_perform(CURL *c, const struct cs_net_opts *o, long *status, bool *refused);

/* The one translator from libcurl's codes to the product's: CS_ERR_TIMEOUT, NOMEM,
 * CONFIG (bad URL or protocol), else CS_ERR_UPSTREAM (refused, reset, TLS, DNS). */
int cs_from_curl(CURLcode rc);

#endif
