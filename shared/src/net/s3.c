/* S3 GET and PUT of one object, signed by libcurl (cs/s3.h). */
#include "cs/s3.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "cs/net.h"
#include "cs/utf8.h"

/* SHA-256 of the empty body: S3 wants the payload hash of a GET in this header. */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* Enough of an error answer to find its <Code> (S3 puts it first). */
#define ERR_BODY_MAX 2048

static bool region_ok(const char *r)
{
    size_t n = strlen(r);
    if (n < 2 || n > 32) return false;
    for (; *r; r++)
        if (!islower((unsigned char)*r) && !isdigit((unsigned char)*r) && *r != '-') return false;
    return true;
}

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

int cs_s3_cfg_load(struct cs_s3_cfg *cfg, const char *(*get)(const char *name), const char **why)
{
    memset(cfg, 0, sizeof(*cfg));
    *why = NULL;
    cfg->endpoint = nonempty(get("CS_S3_ENDPOINT"));
    cfg->region = nonempty(get("AWS_REGION"));
    if (!cfg->region) cfg->region = nonempty(get("AWS_DEFAULT_REGION"));
    if (!cfg->region) cfg->region = "us-east-1";
    cfg->access_key = nonempty(get("AWS_ACCESS_KEY_ID"));
    cfg->secret_key = nonempty(get("AWS_SECRET_ACCESS_KEY"));
    cfg->session_token = nonempty(get("AWS_SESSION_TOKEN"));
    cfg->timeout_ms = 60000;
    const char *t = nonempty(get("CS_S3_TIMEOUT_MS"));
    if (cfg->endpoint && strncmp(cfg->endpoint, "http://", 7) != 0 &&
        strncmp(cfg->endpoint, "https://", 8) != 0)
        *why = "CS_S3_ENDPOINT";
    else if (!region_ok(cfg->region))
        *why = "AWS_REGION";
    else if (!cfg->access_key != !cfg->secret_key)
        *why = "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY";
    else if (t) {
        char *end;
        errno = 0;
        long long v = strtoll(t, &end, 10);
        if (errno || *end || v < 1000 || v > 900000)
            *why = "CS_S3_TIMEOUT_MS";
        else
            cfg->timeout_ms = v;
    }
    return *why ? CS_ERR_CONFIG : CS_OK;
}

static bool bucket_ok(const char *b, size_t n)
{
    if (n < 3 || n > 63 || !isalnum((unsigned char)b[0]) || !isalnum((unsigned char)b[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)b[i]) && !isdigit((unsigned char)b[i]) && b[i] != '.' &&
            b[i] != '-')
            return false;
    return true;
}

bool cs_s3_uri_split(const char *uri, char bucket[64], char key[CS_S3_MAX_KEY + 1])
{
    if (!uri || strncmp(uri, "s3://", 5) != 0) return false;
    const char *b = uri + 5, *slash = strchr(b, '/');
    if (!slash) return false;
    size_t bn = (size_t)(slash - b), kn = strlen(slash + 1);
    if (!bucket_ok(b, bn) || kn == 0 || kn > CS_S3_MAX_KEY || !cs_utf8_valid(slash + 1, kn))
        return false;
    for (size_t i = 0; i < kn; i++)
        if ((unsigned char)slash[1 + i] < 0x20 || slash[1 + i] == 0x7f) return false;
    memcpy(bucket, b, bn);
    bucket[bn] = 0;
    memcpy(key, slash + 1, kn + 1);
    return true;
}

/* The key as S3's canonical URI wants it: every byte but A-Z a-z 0-9 - . _ ~ and '/'
 * percent-encoded, once. libcurl signs the path exactly as it is in the URL. */
static void encode_key(const char *key, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)key; *p && o + 4 < cap; p++) {
        if (isalnum(*p) || strchr("-._~/", *p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = 0;
}

struct transfer {
    CURL *c;
    uint64_t max, got;
    cs_s3_data_fn on_data;
    void *arg;
    int stop_rc; /* why a callback stopped the transfer */
    struct cs_s3_status *st;
    char err[ERR_BODY_MAX + 1];
    size_t err_len;
};

static long status_of(CURL *c)
{
    long s = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s);
    return s;
}

/* An announced length beyond the cap refuses the object before its first byte. */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t len = size * n;
    static const char cl[] = "content-length:";
    if (len > sizeof(cl) - 1 && strncasecmp(p, cl, sizeof(cl) - 1) == 0) {
        char num[32];
        size_t k = len - (sizeof(cl) - 1);
        if (k >= sizeof(num)) k = sizeof(num) - 1;
        memcpy(num, p + sizeof(cl) - 1, k);
        num[k] = 0;
        t->st->announced = strtoull(num, NULL, 10);
        if (status_of(t->c) == 200 && t->st->announced > t->max) {
            t->stop_rc = CS_ERR_TOO_LARGE;
            return 0;
        }
    }
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t len = size * n;
    if (status_of(t->c) != 200) { /* an error document: keep its start for the code */
        size_t k = ERR_BODY_MAX - t->err_len < len ? ERR_BODY_MAX - t->err_len : len;
        memcpy(t->err + t->err_len, p, k);
        t->err_len += k;
        t->err[t->err_len] = 0;
        return len;
    }
    if (len > t->max - t->got) {
        t->stop_rc = CS_ERR_TOO_LARGE;
        return 0;
    }
    t->got += len;
    int rc = t->on_data(t->arg, p, len);
    if (rc) {
        t->stop_rc = rc;
        return 0;
    }
    return len;
}

/* S3's error document is <Error><Code>...</Code>...: the one element read here, so a
 * substring search stands in for an XML parser (no other XML is ever read). */
void cs_s3_error_code(const char *body, char out[64])
{
    out[0] = 0;
    const char *s = strstr(body, "<Code>");
    const char *e = s ? strstr(s + 6, "</Code>") : NULL;
    if (!s || !e || e == s + 6 || e - (s + 6) >= 64) return;
    size_t n = (size_t)(e - (s + 6));
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[6 + i])) return;
    memcpy(out, s + 6, n);
    out[n] = 0;
}

static int code_of_answer(const struct cs_s3_status *st)
{
    if (st->http == 404) return CS_ERR_NOT_FOUND;
    if (st->http == 403 && (st->code[0] == 0 || strcmp(st->code, "AccessDenied") == 0 ||
                            strcmp(st->code, "AllAccessDisabled") == 0))
        return CS_ERR_FORBIDDEN;
    if (st->http == 403 || st->http == 400) {
        static const char *const creds[] = {"SignatureDoesNotMatch", "InvalidAccessKeyId",
                                            "ExpiredToken",          "InvalidToken",
                                            "TokenRefreshRequired",  "AuthorizationHeaderMalformed",
                                            "InvalidSecurity"};
        for (size_t i = 0; i < sizeof(creds) / sizeof(creds[0]); i++)
            if (strcmp(st->code, creds[i]) == 0) return CS_ERR_BAD_CREDENTIALS;
    }
    return CS_ERR_UPSTREAM;
}

static int build_url(const struct cs_s3_cfg *cfg, const char *bucket, const char *key, char *url,
                     size_t cap)
{
    char *ek = malloc(3 * CS_S3_MAX_KEY + 8);
    if (!ek) return CS_ERR_NOMEM;
    encode_key(key, ek, 3 * CS_S3_MAX_KEY + 8);
    int n;
    if (cfg->endpoint) {
        size_t el = strlen(cfg->endpoint);
        while (el && cfg->endpoint[el - 1] == '/') el--;
        n = snprintf(url, cap, "%.*s/%s/%s", (int)el, cfg->endpoint, bucket, ek);
    } else if (strchr(bucket, '.')) {
        n = snprintf(url, cap, "https://s3.%s.amazonaws.com/%s/%s", cfg->region, bucket, ek);
    } else {
        n = snprintf(url, cap, "https://%s.s3.%s.amazonaws.com/%s", bucket, cfg->region, ek);
    }
    free(ek);
    return n > 0 && (size_t)n < cap ? CS_OK : CS_ERR_INVALID;
}

/* What a PUT sends: a buffer, or (f set) an open file; len bytes either way. */
struct upload {
    const unsigned char *buf;
    FILE *f;
    uint64_t len, off;
    bool short_read; /* the file ended early or failed */
};

static size_t on_read(char *p, size_t size, size_t n, void *arg)
{
    struct upload *u = arg;
    size_t want = size * n;
    if (want > u->len - u->off) want = (size_t)(u->len - u->off);
    size_t got = want;
    if (u->f) {
        got = fread(p, 1, want, u->f);
        if (got < want) {
            u->short_read = true;
            return CURL_READFUNC_ABORT;
        }
    } else {
        memcpy(p, u->buf + u->off, want);
    }
    u->off += got;
    return got;
}

/* One signed request: GET when up is NULL, else a PUT of up's bytes, whose SHA-256 (hex)
 * is payload_sha. The answer's body goes to t's callbacks. */
static int s3_perform(const struct cs_s3_cfg *cfg, const char *bucket, const char *key,
                      const char *payload_sha, const char *content_type, struct upload *up,
                      struct transfer *t)
{
    struct cs_s3_status *st = t->st;
    memset(st, 0, sizeof(*st));
    if (!bucket_ok(bucket, strlen(bucket)) || !*key || strlen(key) > CS_S3_MAX_KEY)
        return CS_ERR_INVALID;
    size_t ucap = 4 * CS_S3_MAX_KEY + 512;
    char *url = malloc(ucap), sigv4[96], token_hdr[4096], sha_hdr[96], type_hdr[160];
    if (!url) return CS_ERR_NOMEM;
    int rc = build_url(cfg, bucket, key, url, ucap);
    const char *headers[4] = {sha_hdr, NULL, NULL, NULL};
    size_t nh = 1;
    snprintf(sha_hdr, sizeof(sha_hdr), "x-amz-content-sha256: %s", payload_sha);
    if (!rc && content_type) {
        int n = snprintf(type_hdr, sizeof(type_hdr), "Content-Type: %s", content_type);
        if (n <= 0 || (size_t)n >= sizeof(type_hdr)) rc = CS_ERR_INVALID;
        headers[nh++] = type_hdr;
    }
    if (!rc && cfg->access_key && cfg->session_token) {
        int n =
            snprintf(token_hdr, sizeof(token_hdr), "x-amz-security-token: %s", cfg->session_token);
        if (n <= 0 || (size_t)n >= sizeof(token_hdr)) rc = CS_ERR_CONFIG;
        headers[nh++] = token_hdr;
    }
    CURL *c = rc ? NULL : curl_easy_init();
    if (!rc && !c) rc = CS_ERR_NOMEM;
    if (rc) {
        free(url);
        return rc;
    }
    t->c = c;
    if (cfg->access_key) snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", cfg->region);
    const struct cs_net_opts o = {.url = url,
                                  .headers = headers,
                                  .timeout_ms = cfg->timeout_ms,
                                  .connect_timeout_ms = 10000,
                                  .user_agent = "cs-training/1",
                                  .on_body = on_body,
                                  .body_arg = t,
                                  .on_header = up ? NULL : on_header,
                                  .header_arg = t,
                                  .aws_sigv4 = cfg->access_key ? sigv4 : NULL,
                                  .aws_key = cfg->access_key,
                                  .aws_secret = cfg->secret_key};
    struct cs_net_call call;
    rc = cs_net_prepare(c, &o, &call);
    if (!rc && up) {
        /* Content-Length framed: S3 refuses a chunked PUT without a declared length */
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, up);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->len);
    }
    CURLcode cc = rc ? CURLE_OK : curl_easy_perform(c);
    if (!rc) st->http = status_of(c);
    cs_net_call_clean_up(&call);
    curl_easy_cleanup(c);
    free(url);
    if (rc) return rc;
    if (t->stop_rc) return t->stop_rc;
    if (up && up->short_read) return CS_ERR_IO;
    if (cc != CURLE_OK)
        return cs_from_curl(cc) == CS_ERR_TIMEOUT ? CS_ERR_TIMEOUT : CS_ERR_UPSTREAM;
    if (st->http == 200) return CS_OK;
    cs_s3_error_code(t->err, st->code);
    return code_of_answer(st);
}

int cs_s3_get(const struct cs_s3_cfg *cfg, const char *bucket, const char *key, uint64_t max_bytes,
              cs_s3_data_fn on_data, void *arg, struct cs_s3_status *st)
{
    struct cs_s3_status local;
    struct transfer t = {.max = max_bytes, .on_data = on_data, .arg = arg, .st = st ? st : &local};
    return s3_perform(cfg, bucket, key, EMPTY_SHA256, NULL, NULL, &t);
}

/* A PUT's answer body is an error document or nothing: kept for its <Code>. */
static int ignore_data(void *arg, const char *p, size_t n)
{
    (void)arg, (void)p, (void)n;
    return CS_OK;
}

static int put_from(const struct cs_s3_cfg *cfg, const char *bucket, const char *key,
                    const char *content_type, struct upload *up, const unsigned char sha[32],
                    struct cs_s3_status *st)
{
    char hex[65];
    sodium_bin2hex(hex, sizeof(hex), sha, 32);
    struct cs_s3_status local;
    struct transfer t = {.max = UINT64_MAX, .on_data = ignore_data, .st = st ? st : &local};
    return s3_perform(cfg, bucket, key, hex, content_type, up, &t);
}

int cs_s3_put(const struct cs_s3_cfg *cfg, const char *bucket, const char *key,
              const char *content_type, const void *buf, size_t len, struct cs_s3_status *st)
{
    if (st) memset(st, 0, sizeof(*st));
    if (len > CS_S3_MAX_PUT) return CS_ERR_TOO_LARGE;
    unsigned char sha[32];
    crypto_hash_sha256(sha, buf, len);
    struct upload up = {.buf = buf, .len = len};
    return put_from(cfg, bucket, key, content_type, &up, sha, st);
}

/* The file is read twice, for its SHA-256 (signed, and checked by S3 against what
 * arrives) and for the upload, rather than held in memory. */
int cs_s3_put_file(const struct cs_s3_cfg *cfg, const char *bucket, const char *key,
                   const char *content_type, const char *path, struct cs_s3_status *st)
{
    if (st) memset(st, 0, sizeof(*st));
    FILE *f = fopen(path, "rb");
    if (!f) return CS_ERR_IO;
    crypto_hash_sha256_state hs;
    crypto_hash_sha256_init(&hs);
    unsigned char b[1 << 16], sha[32];
    uint64_t len = 0;
    size_t n;
    while ((n = fread(b, 1, sizeof(b), f)) > 0) {
        crypto_hash_sha256_update(&hs, b, n);
        len += n;
    }
    crypto_hash_sha256_final(&hs, sha);
    int rc = ferror(f) || fseek(f, 0, SEEK_SET) != 0 ? CS_ERR_IO : CS_OK;
    if (!rc && len > CS_S3_MAX_PUT) rc = CS_ERR_TOO_LARGE;
    struct upload up = {.f = f, .len = len};
    if (!rc) rc = put_from(cfg, bucket, key, content_type, &up, sha, st);
    fclose(f);
    return rc;
}
