/* S3 GET (cs/s3.h) against a loopback server playing S3's answers: the request libcurl
 * signs (checked by recomputing AWS Signature Version 4 here with libsodium's
 * HMAC-SHA256, independently of libcurl), the headers S3 requires, and the mapping of
 * S3's errors (404, 403 AccessDenied, 403 SignatureDoesNotMatch, oversized, 5xx). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../support/fake_provider.h"
#include "../../support/test.h"
#include "cs/s3.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sink {
    char data[512];
    size_t n;
    int stop_with;
};

static int keep(void *arg, const char *p, size_t n)
{
    struct sink *s = arg;
    if (s->stop_with) return s->stop_with;
    if (s->n + n >= sizeof(s->data)) return -1;
    memcpy(s->data + s->n, p, n);
    s->n += n;
    s->data[s->n] = 0;
    return 0;
}

static struct cs_s3_cfg cfg_for(struct fake_provider *f, const char *token)
{
    return (struct cs_s3_cfg){.endpoint = fake_provider_url(f),
                              .region = "eu-west-1",
                              .access_key = "AKIDEXAMPLE",
                              .secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                              .session_token = token,
                              .timeout_ms = 5000};
}

/* The value of header `name` in a recorded head (trimmed), or NULL. */
static char *header(const char *head, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = strchr(head, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
        const char *line = p + 1;
        if (strncasecmp(line, name, n) != 0 || line[n] != ':') continue;
        const char *v = line + n + 1, *e = strpbrk(v, "\r\n");
        while (*v == ' ') v++;
        size_t len = e ? (size_t)(e - v) : strlen(v);
        while (len && v[len - 1] == ' ') len--;
        if (len >= cap) return NULL;
        memcpy(out, v, len);
        out[len] = 0;
        return out;
    }
    return NULL;
}

static void hmac(const unsigned char *key, size_t kn, const char *msg, unsigned char out[32])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, kn);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
    crypto_auth_hmacsha256_final(&st, out);
}

/* Recomputes the request's SigV4 signature from what arrived on the wire and the
 * secret: equal only when the signature covers exactly those headers and path. */
static bool signature_verifies_as(const char *method, const char *head, const char *secret,
                                  const char *path, const char *payload_sha)
{
    char auth[1024], date[32], signed_h[256], cred[256], sig[80];
    if (!header(head, "Authorization", auth, sizeof(auth)) ||
        !header(head, "X-Amz-Date", date, sizeof(date))) {
        printf("# no auth/date in:\n%s\n", head);
        return false;
    }
    if (sscanf(auth, "AWS4-HMAC-SHA256 Credential=%255[^,], SignedHeaders=%255[^,], Signature=%79s",
               cred, signed_h, sig) != 3) {
        printf("# auth: %s\n", auth);
        return false;
    }
    char canon[4096];
    int n = snprintf(canon, sizeof(canon), "%s\n%s\n\n", method, path);
    char names[256];
    snprintf(names, sizeof(names), "%s", signed_h);
    for (char *save = NULL, *h = strtok_r(names, ";", &save); h; h = strtok_r(NULL, ";", &save)) {
        char v[1024];
        if (!header(head, h, v, sizeof(v))) {
            printf("# signed header %s missing in:\n%s\n", h, head);
            return false;
        }
        n += snprintf(canon + n, sizeof(canon) - (size_t)n, "%s:%s\n", h, v);
    }
    snprintf(canon + n, sizeof(canon) - (size_t)n, "\n%s\n%s", signed_h, payload_sha);
    unsigned char d[32];
    char hex[65];
    crypto_hash_sha256(d, (const unsigned char *)canon, strlen(canon));
    sodium_bin2hex(hex, sizeof(hex), d, 32);
    const char *scope = strchr(cred, '/');
    if (!scope) {
        printf("# cred %s\n", cred);
        return false;
    }
    char sts[512];
    snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s\n%s", date, scope + 1, hex);
    char day[9], region[32];
    if (sscanf(scope + 1, "%8[0-9]/%31[^/]/s3/aws4_request", day, region) != 2) {
        printf("# scope %s\n", scope);
        return false;
    }
    char k0[128];
    snprintf(k0, sizeof(k0), "AWS4%s", secret);
    unsigned char k1[32], k2[32], k3[32], k4[32], s[32];
    hmac((const unsigned char *)k0, strlen(k0), day, k1);
    hmac(k1, 32, region, k2);
    hmac(k2, 32, "s3", k3);
    hmac(k3, 32, "aws4_request", k4);
    hmac(k4, 32, sts, s);
    sodium_bin2hex(hex, sizeof(hex), s, 32);
    if (strcmp(hex, sig) != 0) printf("# canonical request:\n%s\n# head:\n%s\n", canon, head);
    return strcmp(hex, sig) == 0;
}

static bool signature_verifies(const char *head, const char *secret, const char *path)
{
    return signature_verifies_as("GET", head, secret, path, EMPTY_SHA256);
}

static void uri_split(void)
{
    char b[64], k[CS_S3_MAX_KEY + 1];
    CHECK(cs_s3_uri_split("s3://my-bucket.data/train/a b.csv", b, k));
    CHECK_STR(b, "my-bucket.data");
    CHECK_STR(k, "train/a b.csv");
    CHECK(!cs_s3_uri_split("s3://My-Bucket/a.csv", b, k)); /* upper case */
    CHECK(!cs_s3_uri_split("s3://ab/a.csv", b, k));        /* too short */
    CHECK(!cs_s3_uri_split("s3://bucket/", b, k));         /* no key */
    CHECK(!cs_s3_uri_split("s3://bucket", b, k));
    CHECK(!cs_s3_uri_split("s3://-bucket/a.csv", b, k));
    CHECK(!cs_s3_uri_split("s3://bucket/a\nb.csv", b, k));
    CHECK(!cs_s3_uri_split("https://bucket/a.csv", b, k));
}

static const char *env_of(const char *const *kv, const char *name)
{
    for (size_t i = 0; kv[i]; i += 2)
        if (strcmp(kv[i], name) == 0) return kv[i + 1];
    return NULL;
}

static const char *const *env_now;
static const char *get_env(const char *name) { return env_of(env_now, name); }

static void config(void)
{
    struct cs_s3_cfg c;
    const char *why;
    static const char *const none[] = {NULL};
    env_now = none;
    CHECK_INT(cs_s3_cfg_load(&c, get_env, &why), CS_OK);
    CHECK_STR(c.region, "us-east-1");
    CHECK(c.access_key == NULL && c.endpoint == NULL);
    static const char *const half[] = {"AWS_ACCESS_KEY_ID", "AKID", NULL};
    env_now = half;
    CHECK_INT(cs_s3_cfg_load(&c, get_env, &why), CS_ERR_CONFIG);
    CHECK_STR(why, "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY");
    static const char *const ftp[] = {"CS_S3_ENDPOINT", "ftp://x", NULL};
    env_now = ftp;
    CHECK_INT(cs_s3_cfg_load(&c, get_env, &why), CS_ERR_CONFIG);
    CHECK_STR(why, "CS_S3_ENDPOINT");
    static const char *const full[] = {"CS_S3_ENDPOINT",
                                       "http://127.0.0.1:9",
                                       "AWS_DEFAULT_REGION",
                                       "eu-central-1",
                                       "AWS_ACCESS_KEY_ID",
                                       "AKID",
                                       "AWS_SECRET_ACCESS_KEY",
                                       "SECRET",
                                       "CS_S3_TIMEOUT_MS",
                                       "2000",
                                       NULL};
    env_now = full;
    CHECK_INT(cs_s3_cfg_load(&c, get_env, &why), CS_OK);
    CHECK_STR(c.region, "eu-central-1");
    CHECK_INT(c.timeout_ms, 2000);
}

static void get_is_signed_by_sigv4(void)
{
    static const struct fake_reply r[] = {{.status = 200, .body = "text,label\nhi,a\n"}};
    struct fake_provider *f = fake_provider_start(r, 1);
    REQUIRE(f);
    struct cs_s3_cfg c = cfg_for(f, "TOKEN/with+chars=");
    struct sink s = {0};
    struct cs_s3_status st;
    CHECK_INT(cs_s3_get(&c, "train-data", "dir/a b+c.csv", 1000, keep, &s, &st), CS_OK);
    CHECK_INT(st.http, 200);
    CHECK_STR(s.data, "text,label\nhi,a\n");
    const char *head = fake_provider_head(f, 0);
    REQUIRE(head);
    /* path-style, the key percent-encoded once */
    CHECK(strncmp(head, "GET /train-data/dir/a%20b%2Bc.csv HTTP/1.1", 42) == 0);
    char v[1024];
    CHECK(header(head, "x-amz-content-sha256", v, sizeof(v)) && strcmp(v, EMPTY_SHA256) == 0);
    CHECK(header(head, "x-amz-security-token", v, sizeof(v)) &&
          strcmp(v, "TOKEN/with+chars=") == 0);
    CHECK(header(head, "Authorization", v, sizeof(v)));
    CHECK(strstr(v, "Credential=AKIDEXAMPLE/") != NULL);
    CHECK(strstr(v, "/eu-west-1/s3/aws4_request") != NULL);
    CHECK(strstr(v, "x-amz-content-sha256") != NULL);
    CHECK(strstr(v, "x-amz-security-token") != NULL);
    CHECK(signature_verifies(head, c.secret_key, "/train-data/dir/a%20b%2Bc.csv"));
    /* the same request is not valid under another secret */
    CHECK(!signature_verifies(head, "another-secret", "/train-data/dir/a%20b%2Bc.csv"));
    fake_provider_stop(f);
}

static void unsigned_without_credentials(void)
{
    static const struct fake_reply r[] = {{.status = 200, .body = "x"}};
    struct fake_provider *f = fake_provider_start(r, 1);
    REQUIRE(f);
    struct cs_s3_cfg c = cfg_for(f, NULL);
    c.access_key = c.secret_key = NULL;
    struct sink s = {0};
    CHECK_INT(cs_s3_get(&c, "public-data", "a.csv", 10, keep, &s, NULL), CS_OK);
    char v[256];
    CHECK(!header(fake_provider_head(f, 0), "Authorization", v, sizeof(v)));
    fake_provider_stop(f);
}

static int get_with(int status, const char *body, uint64_t max, struct cs_s3_status *st)
{
    const struct fake_reply r[] = {{.status = status, .body = body}};
    struct fake_provider *f = fake_provider_start(r, 1);
    if (!f) return -99;
    struct cs_s3_cfg c = cfg_for(f, NULL);
    struct sink s = {0};
    int rc = cs_s3_get(&c, "train-data", "a.csv", max, keep, &s, st);
    fake_provider_stop(f);
    return rc;
}

#define S3_ERROR(code)                                                                             \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" code "</Code>"                     \
    "<Message>m</Message></Error>"

static void errors_map(void)
{
    struct cs_s3_status st;
    CHECK_INT(get_with(404, S3_ERROR("NoSuchKey"), 1000, &st), CS_ERR_NOT_FOUND);
    CHECK_STR(st.code, "NoSuchKey");
    CHECK_INT(get_with(404, S3_ERROR("NoSuchBucket"), 1000, &st), CS_ERR_NOT_FOUND);
    CHECK_INT(get_with(403, S3_ERROR("AccessDenied"), 1000, &st), CS_ERR_FORBIDDEN);
    CHECK_INT(st.http, 403);
    CHECK_INT(get_with(403, S3_ERROR("SignatureDoesNotMatch"), 1000, &st), CS_ERR_BAD_CREDENTIALS);
    CHECK_STR(st.code, "SignatureDoesNotMatch");
    CHECK_INT(get_with(403, S3_ERROR("InvalidAccessKeyId"), 1000, &st), CS_ERR_BAD_CREDENTIALS);
    CHECK_INT(get_with(400, S3_ERROR("ExpiredToken"), 1000, &st), CS_ERR_BAD_CREDENTIALS);
    CHECK_INT(get_with(503, S3_ERROR("SlowDown"), 1000, &st), CS_ERR_UPSTREAM);
    CHECK_STR(st.code, "SlowDown");
    CHECK_INT(get_with(500, "<html>not xml</html>", 1000, &st), CS_ERR_UPSTREAM);
    CHECK_STR(st.code, "");
    /* larger than allowed: refused on the announced length, before any byte is used */
    CHECK_INT(get_with(200, "0123456789abcdef", 10, &st), CS_ERR_TOO_LARGE);
    CHECK_INT(st.announced, 16);
}

static void consumer_can_stop(void)
{
    static const struct fake_reply r[] = {{.status = 200, .body = "text,label\n"}};
    struct fake_provider *f = fake_provider_start(r, 1);
    REQUIRE(f);
    struct cs_s3_cfg c = cfg_for(f, NULL);
    struct sink s = {.stop_with = CS_ERR_VALIDATION};
    CHECK_INT(cs_s3_get(&c, "train-data", "a.csv", 1000, keep, &s, NULL), CS_ERR_VALIDATION);
    fake_provider_stop(f);
}

static void nothing_listening_is_upstream(void)
{
    struct cs_s3_cfg c = {
        .endpoint = "http://127.0.0.1:9", .region = "us-east-1", .timeout_ms = 2000};
    struct sink s = {0};
    struct cs_s3_status st;
    CHECK_INT(cs_s3_get(&c, "train-data", "a.csv", 10, keep, &s, &st), CS_ERR_UPSTREAM);
    CHECK_INT(st.http, 0);
}

static void sha_hex(const void *p, size_t n, char hex[65])
{
    unsigned char d[32];
    crypto_hash_sha256(d, p, n);
    sodium_bin2hex(hex, 65, d, 32);
}

/* A PUT carries the body, its length and its SHA-256, and that hash is what is signed:
 * S3 checks the body against it. */
static void put_is_signed_with_the_body_hash(void)
{
    static const struct fake_reply r[] = {{.status = 200, .body = ""}};
    struct fake_provider *f = fake_provider_start(r, 1);
    REQUIRE(f);
    struct cs_s3_cfg c = cfg_for(f, "TOKEN");
    static const char body[] = "{\"metrics\":{\"validation_accuracy\":0.9}}\n";
    struct cs_s3_status st;
    CHECK_INT(cs_s3_put(&c, "model-out", "models/acme/j 1/model.json", "application/json", body,
                        sizeof(body) - 1, &st),
              CS_OK);
    CHECK_INT(st.http, 200);
    const char *head = fake_provider_head(f, 0);
    REQUIRE(head);
    CHECK(strncmp(head, "PUT /model-out/models/acme/j%201/model.json HTTP/1.1", 51) == 0);
    CHECK_STR(fake_provider_body(f, 0), body);
    char v[1024], hex[65];
    sha_hex(body, sizeof(body) - 1, hex);
    CHECK(header(head, "Content-Length", v, sizeof(v)) && strtoul(v, NULL, 10) == sizeof(body) - 1);
    CHECK(header(head, "Content-Type", v, sizeof(v)) && strcmp(v, "application/json") == 0);
    CHECK(header(head, "x-amz-content-sha256", v, sizeof(v)) && strcmp(v, hex) == 0);
    CHECK(!header(head, "Transfer-Encoding", v, sizeof(v)));
    CHECK(signature_verifies_as("PUT", head, c.secret_key,
                                "/model-out/models/acme/j%201/model.json", hex));
    /* the signature covers the body's hash: another body's hash does not verify */
    CHECK(!signature_verifies_as("PUT", head, c.secret_key,
                                 "/model-out/models/acme/j%201/model.json", EMPTY_SHA256));
    fake_provider_stop(f);
}

/* A file goes up byte for byte (here larger than libcurl's read buffer), with its hash;
 * a missing file is CS_ERR_IO and nothing is sent. */
static void put_file_sends_its_bytes(void)
{
    static const struct fake_reply r[] = {{.status = 200, .body = ""}};
    struct fake_provider *f = fake_provider_start(r, 1);
    REQUIRE(f);
    struct cs_s3_cfg c = cfg_for(f, NULL);
    char path[] = "/tmp/cs_s3_put_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    size_t n = 200000;
    char *data = malloc(n + 1);
    REQUIRE(data);
    for (size_t i = 0; i < n; i++) data[i] = (char)('a' + (i * 7) % 26);
    data[n] = 0;
    REQUIRE(write(fd, data, n) == (ssize_t)n);
    close(fd);
    CHECK_INT(cs_s3_put_file(&c, "model-out", "m/model.csm", NULL, path, NULL), CS_OK);
    const char *head = fake_provider_head(f, 0), *got = fake_provider_body(f, 0);
    REQUIRE(head && got);
    CHECK(strlen(got) == n && memcmp(got, data, n) == 0);
    char v[128], hex[65];
    sha_hex(data, n, hex);
    CHECK(header(head, "x-amz-content-sha256", v, sizeof(v)) && strcmp(v, hex) == 0);
    CHECK(signature_verifies_as("PUT", head, c.secret_key, "/model-out/m/model.csm", hex));
    unlink(path);
    CHECK_INT(cs_s3_put_file(&c, "model-out", "m/model.csm", NULL, path, NULL), CS_ERR_IO);
    CHECK_INT(fake_provider_count(f), 1);
    free(data);
    fake_provider_stop(f);
}

static int put_with(int status, const char *body, struct cs_s3_status *st)
{
    const struct fake_reply r[] = {{.status = status, .body = body}};
    struct fake_provider *f = fake_provider_start(r, 1);
    if (!f) return -99;
    struct cs_s3_cfg c = cfg_for(f, NULL);
    int rc = cs_s3_put(&c, "model-out", "a/model.json", NULL, "{}", 2, st);
    fake_provider_stop(f);
    return rc;
}

static void put_errors_map(void)
{
    struct cs_s3_status st;
    CHECK_INT(put_with(404, S3_ERROR("NoSuchBucket"), &st), CS_ERR_NOT_FOUND);
    CHECK_STR(st.code, "NoSuchBucket");
    CHECK_INT(put_with(403, S3_ERROR("AccessDenied"), &st), CS_ERR_FORBIDDEN);
    CHECK_INT(put_with(403, S3_ERROR("SignatureDoesNotMatch"), &st), CS_ERR_BAD_CREDENTIALS);
    CHECK_INT(put_with(400, S3_ERROR("XAmzContentSHA256Mismatch"), &st), CS_ERR_UPSTREAM);
    CHECK_STR(st.code, "XAmzContentSHA256Mismatch");
    CHECK_INT(put_with(503, S3_ERROR("SlowDown"), &st), CS_ERR_UPSTREAM);
    CHECK_INT(st.http, 503);
    struct cs_s3_cfg c = {
        .endpoint = "http://127.0.0.1:9", .region = "us-east-1", .timeout_ms = 2000};
    CHECK_INT(cs_s3_put(&c, "model-out", "a", NULL, "x", 1, &st), CS_ERR_UPSTREAM);
    CHECK_INT(st.http, 0);
    CHECK_INT(cs_s3_put(&c, "Bad_Bucket", "a", NULL, "x", 1, &st), CS_ERR_INVALID);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    TEST_RUN(uri_split);
    TEST_RUN(config);
    TEST_RUN(get_is_signed_by_sigv4);
    TEST_RUN(unsigned_without_credentials);
    TEST_RUN(errors_map);
    TEST_RUN(consumer_can_stop);
    TEST_RUN(nothing_listening_is_upstream);
    TEST_RUN(put_is_signed_with_the_body_hash);
    TEST_RUN(put_file_sends_its_bytes);
    TEST_RUN(put_errors_map);
    return test_done();
}
