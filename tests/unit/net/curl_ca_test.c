/* The CA bundle libcurl is given (shared/src/net/curl_lazy.c): found on a Fedora /
 * Amazon Linux 2023 layout as well as Debian's, SSL_CERT_FILE first, and really used: an
 * HTTPS request to a loopback server whose certificate only the SSL_CERT_FILE bundle
 * trusts succeeds through the project's libcurl wrapper. */
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../support/test.h"
#include "cs/net.h"

static char tmp[512];

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

static void test_fedora_layout_found(void)
{
    char root[600], dir[700], file[800], out[1024];
    snprintf(root, sizeof(root), "%s/fedora-root-%d", tmp, (int)getpid());
    snprintf(dir, sizeof(dir), "%s/etc/pki/tls/certs", root);
    char cmd[900];
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
    REQUIRE(system(cmd) == 0);
    snprintf(file, sizeof(file), "%s/ca-bundle.crt", dir);
    REQUIRE(write_file(file, "-----BEGIN CERTIFICATE-----\n") == 0);
    CHECK(cs_curl_ca_find(root, NULL, out, sizeof(out)) != NULL);
    CHECK_STR(out, file);
    /* SSL_CERT_FILE wins when readable, is skipped when not. */
    char env[800];
    snprintf(env, sizeof(env), "%s/mine.pem", root);
    REQUIRE(write_file(env, "x") == 0);
    CHECK(cs_curl_ca_find(root, env, out, sizeof(out)) != NULL);
    CHECK_STR(out, env);
    CHECK(cs_curl_ca_find(root, "/nonexistent/ca.pem", out, sizeof(out)) != NULL);
    CHECK_STR(out, file);
    /* Nothing anywhere: NULL and an empty path. */
    char empty[700];
    snprintf(empty, sizeof(empty), "%s/empty", root);
    CHECK(cs_curl_ca_find(empty, NULL, out, sizeof(out)) == NULL);
    CHECK_STR(out, "");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
        getsockname(fd, (struct sockaddr *)&a, &len)) {
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static void test_https_uses_the_bundle(void)
{
    if (system("command -v openssl >/dev/null 2>&1") != 0)
        TEST_SKIP("openssl command not installed");
    char cert[600], key[600], cmd[2048];
    snprintf(cert, sizeof(cert), "%s/ca-test-%d.pem", tmp, (int)getpid());
    snprintf(key, sizeof(key), "%s/ca-test-%d.key", tmp, (int)getpid());
    snprintf(
        cmd, sizeof(cmd),
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s' -out '%s' -days 1 "
        "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost >/dev/null 2>&1",
        key, cert);
    REQUIRE(system(cmd) == 0);
    int port = free_port();
    REQUIRE(port > 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        char p[16];
        snprintf(p, sizeof(p), "%d", port);
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execlp("openssl", "openssl", "s_server", "-accept", p, "-cert", cert, "-key", key, "-www",
               "-quiet", (char *)NULL);
        _exit(127);
    }
    /* The bundle is read when libcurl first loads: this is the process's first call. */
    setenv("SSL_CERT_FILE", cert, 1);
    char url[64];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/", port);
    CURLcode rc = CURLE_COULDNT_CONNECT;
    for (int i = 0; i < 50 && rc == CURLE_COULDNT_CONNECT; i++) {
        usleep(100 * 1000);
        CURL *c = curl_easy_init();
        REQUIRE(c != NULL);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
        rc = curl_easy_perform(c);
        curl_easy_cleanup(c);
    }
    CHECK_INT(rc, CURLE_OK);
    /* A reset handle keeps trusting it. */
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, "https://example.invalid/");
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    CHECK_INT(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    unlink(cert);
    unlink(key);
}

int main(void)
{
    const char *t = getenv("CS_TEST_TMP");
    snprintf(tmp, sizeof(tmp), "%s", t && *t ? t : "/tmp");
    TEST_RUN(test_fedora_layout_found);
    TEST_RUN(test_https_uses_the_bundle);
    return test_done();
}
