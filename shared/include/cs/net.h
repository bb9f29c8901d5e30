/* Outbound HTTP plumbing shared by the Lambda loop, the AI providers and webhook
 * delivery: libcurl is loaded on first use (shared/src/net/curl_lazy.c), and every
 * handle it hands out trusts the CA bundle found when it loaded.
 */
#ifndef CS_NET_H
#define CS_NET_H

#include <stddef.h>

/* The CA bundle an HTTPS call should trust: env_file (SSL_CERT_FILE) when readable, else
 * the first readable of the distributions' known places (Debian's, then Fedora's and
 * Amazon Linux 2023's /etc/pki/tls/certs/ca-bundle.crt, ...), each under `root` (NULL:
 * "/"; tests pass a fake tree). Writes the path into out[0..cap) and returns out, or
 * NULL (out "") when none is readable. */
const char *cs_curl_ca_find(const char *root, const char *env_file, char *out, size_t cap);

#endif
