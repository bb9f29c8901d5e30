/* libcurl, loaded on first use.
 *
 * Linking libcurl pulls about thirty libraries into every process (OpenSSL, GnuTLS,
 * Kerberos, LDAP, SSH, RTMP, nghttp2...): under the gateway they were more than half of
 * a function's resident memory and most of the dynamic loader's work at cold start,
 * yet only the Lambda loop, the AI providers and webhook delivery ever make an HTTP
 * call. So nothing links libcurl: this file defines the libcurl calls the project
 * makes, and the first of them dlopens libcurl.so.4 (by its soname, found the way the
 * dynamic linker would have found it; `build.sh package` ships it) and forwards.
 * Debian's libcurl has no lazy-loading option of its own, hence this file.
 *
 * Loading also runs curl_global_init once, under a once-guard, so no caller has to
 * initialise libcurl eagerly (which would load it).
 *
 * When the library cannot be loaded every call fails the way libcurl itself fails
 * (NULL handle, CURLE_FAILED_INIT), so callers need no new error path; the reason is
 * logged once.
 *
 * CA certificates: the libcurl a Lambda zip ships is Debian's, compiled to read
 * /etc/ssl/certs/ca-certificates.crt only; provided.al2023 keeps its bundle at
 * /etc/pki/tls/certs/ca-bundle.crt, so every HTTPS call failed there. The bundle is found
 * once when libcurl loads (SSL_CERT_FILE first, then the known places) and set on every
 * handle this file hands out or resets, so no caller has to remember it. */
#define CURL_DISABLE_TYPECHECK /* the typecheck macros would rename the definitions */
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cs/log.h"
#include "cs/net.h"

#define CURL_SONAME "libcurl.so.4"

/* One member per forwarded call: name and signature. */
#define CURL_CALLS(X)                                                                              \
    X(global_init, CURLcode, (long))                                                               \
    X(global_cleanup, void, (void))                                                                \
    X(easy_init, CURL *, (void))                                                                   \
    X(easy_setopt, CURLcode, (CURL *, CURLoption, ...))                                            \
    X(easy_getinfo, CURLcode, (CURL *, CURLINFO, ...))                                             \
    X(easy_perform, CURLcode, (CURL *))                                                            \
    X(easy_reset, void, (CURL *))                                                                  \
    X(easy_cleanup, void, (CURL *))                                                                \
    X(slist_append, struct curl_slist *, (struct curl_slist *, const char *))                      \
    X(slist_free_all, void, (struct curl_slist *))                                                 \
    X(url, CURLU *, (void))                                                                        \
    X(url_set, CURLUcode, (CURLU *, CURLUPart, const char *, unsigned int))                        \
    X(url_get, CURLUcode, (CURLU *, CURLUPart, char **, unsigned int))                             \
    X(url_cleanup, void, (CURLU *))                                                                \
    X(free, void, (void *))                                                                        \
    X(getdate, time_t, (const char *, const time_t *))                                             \
    X(multi_init, CURLM *, (void))                                                                 \
    X(multi_add_handle, CURLMcode, (CURLM *, CURL *))                                              \
    X(multi_remove_handle, CURLMcode, (CURLM *, CURL *))                                           \
    X(multi_perform, CURLMcode, (CURLM *, int *))                                                  \
    X(multi_poll, CURLMcode, (CURLM *, struct curl_waitfd *, unsigned int, int, int *))            \
    X(multi_info_read, CURLMsg *, (CURLM *, int *))                                                \
    X(multi_cleanup, CURLMcode, (CURLM *))

static struct {
#define MEMBER(name, ret, args) ret(*name) args;
    CURL_CALLS(MEMBER)
#undef MEMBER
    bool ok;
} api;

/* Where distributions keep the CA bundle, Debian's first (libcurl's own default). */
static const char *const ca_places[] = {
    "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Alpine */
    "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, Amazon Linux 2023 */
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL family */
    "/etc/ssl/ca-bundle.pem",                            /* openSUSE */
    "/etc/ssl/cert.pem",                                 /* Alpine, BSDs */
    NULL,
};

static char ca_bundle[4096];

const char *cs_curl_ca_find(const char *root, const char *env_file, char *out, size_t cap)
{
    if (env_file && *env_file && access(env_file, R_OK) == 0) {
        snprintf(out, cap, "%s", env_file);
        return out;
    }
    for (size_t i = 0; ca_places[i]; i++) {
        int n = snprintf(out, cap, "%s%s", root ? root : "", ca_places[i]);
        if (n > 0 && (size_t)n < cap && access(out, R_OK) == 0) return out;
    }
    out[0] = '\0';
    return NULL;
}

static void load(void)
{
    void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        cs_log(CS_LOG_ERROR, "libcurl could not be loaded", "library", CURL_SONAME, NULL);
        return;
    }
    bool ok = true;
#define RESOLVE(name, ret, args)                                                                   \
    *(void **)&api.name = dlsym(h, "curl_" #name);                                                 \
    ok = ok && api.name != NULL;
    CURL_CALLS(RESOLVE)
#undef RESOLVE
    if (!ok)
        cs_log(CS_LOG_ERROR, "libcurl lacks a call this build uses", "library", CURL_SONAME, NULL);
    /* Inside the once-guard, so before any thread makes a handle, as libcurl asks. */
    api.ok = ok && api.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (api.ok && !cs_curl_ca_find(NULL, getenv("SSL_CERT_FILE"), ca_bundle, sizeof(ca_bundle)))
        cs_log(CS_LOG_WARN, "no CA certificate bundle found: HTTPS calls will fail", NULL);
}

/* A new or reset handle trusts the bundle found at load. */
static void trust(CURL *c)
{
    if (c && ca_bundle[0]) api.easy_setopt(c, CURLOPT_CAINFO, ca_bundle);
}

static bool ready(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, load);
    return api.ok;
}

/* libcurl is initialised when loaded; these keep its reference count for callers that
 * pair them, and never load it just to clean up. */
CURLcode curl_global_init(long flags)
{
    return ready() ? api.global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
    if (api.ok) api.global_cleanup();
}

CURL *curl_easy_init(void)
{
    if (!ready()) return NULL;
    CURL *c = api.easy_init();
    trust(c);
    return c;
}

/* The value's type follows from the option's number range, as in libcurl itself. */
CURLcode curl_easy_setopt(CURL *c, CURLoption o, ...)
{
    if (!ready()) return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, o);
    CURLcode rc;
    if (o < CURLOPTTYPE_OBJECTPOINT)
        rc = api.easy_setopt(c, o, va_arg(ap, long));
    else if (o < CURLOPTTYPE_FUNCTIONPOINT)
        rc = api.easy_setopt(c, o, va_arg(ap, void *));
    else if (o < CURLOPTTYPE_OFF_T)
        rc = api.easy_setopt(c, o, va_arg(ap, void (*)(void)));
    else if (o < CURLOPTTYPE_BLOB)
        rc = api.easy_setopt(c, o, va_arg(ap, curl_off_t));
    else
        rc = api.easy_setopt(c, o, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
    if (!ready()) return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    CURLcode rc = api.easy_getinfo(c, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLcode curl_easy_perform(CURL *c) { return ready() ? api.easy_perform(c) : CURLE_FAILED_INIT; }

void curl_easy_reset(CURL *c)
{
    if (!ready()) return;
    api.easy_reset(c);
    trust(c);
}

void curl_easy_cleanup(CURL *c)
{
    if (ready()) api.easy_cleanup(c);
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
    return ready() ? api.slist_append(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l)
{
    if (ready()) api.slist_free_all(l);
}

CURLU *curl_url(void) { return ready() ? api.url() : NULL; }

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
    return ready() ? api.url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
    return ready() ? api.url_get(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

void curl_url_cleanup(CURLU *u)
{
    if (ready()) api.url_cleanup(u);
}

void curl_free(void *p)
{
    if (ready()) api.free(p);
}

time_t curl_getdate(const char *s, const time_t *unused)
{
    return ready() ? api.getdate(s, unused) : -1;
}

CURLM *curl_multi_init(void) { return ready() ? api.multi_init() : NULL; }

CURLMcode curl_multi_add_handle(CURLM *m, CURL *c)
{
    return ready() ? api.multi_add_handle(m, c) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *c)
{
    return ready() ? api.multi_remove_handle(m, c) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
    return ready() ? api.multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd *extra, unsigned int n, int timeout_ms,
                          int *numfds)
{
    return ready() ? api.multi_poll(m, extra, n, timeout_ms, numfds) : CURLM_INTERNAL_ERROR;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
    return ready() ? api.multi_info_read(m, left) : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
    return ready() ? api.multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}
