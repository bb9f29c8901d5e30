/* The FastCGI transport (runtime/fcgi.c) of a real function binary, spoken to directly
 * over its unix socket: kept connections (FCGI_KEEP_CONN) serve request after request,
 * connections without it are closed after the answer, and nothing starves: with two
 * worker threads, idle kept connections, clients stalled in the middle of a request and
 * more connections than threads all leave a new request answered at once. Also
 * pipelined requests, GET_VALUES, and a broken record closing only its connection.
 *
 * Needs CS_TEST_BIN (the function binaries) and CS_TEST_TMP, as build.sh test sets. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../support/fake_lambda_api.h"
#include "../support/test.h"

#define JWT_SECRET "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define ANSWER_MS 5000

static const char *bin_dir, *tmp_dir;
static char sock_path[600], err_path[600];
static pid_t server = -1;

/* ---- records ---- */

static size_t header(unsigned char *p, int type, int id, size_t clen)
{
    const unsigned char h[8] = {1,
                                (unsigned char)type,
                                (unsigned char)(id >> 8),
                                (unsigned char)id,
                                (unsigned char)(clen >> 8),
                                (unsigned char)clen,
                                0,
                                0};
    memcpy(p, h, 8);
    return 8;
}

static size_t pair(unsigned char *p, const char *n, const char *v)
{
    size_t nl = strlen(n), vl = strlen(v);
    p[0] = (unsigned char)nl;
    p[1] = (unsigned char)vl;
    memcpy(p + 2, n, nl);
    memcpy(p + 2 + nl, v, vl);
    return 2 + nl + vl;
}

/* A whole GET /health/live request with request id `id`; returns its length. */
static size_t request(unsigned char *buf, int id, bool keep)
{
    unsigned char params[256];
    size_t pl = pair(params, "REQUEST_METHOD", "GET");
    pl += pair(params + pl, "REQUEST_URI", "/health/live");
    pl += pair(params + pl, "HTTP_X_REQUEST_ID", "fcgi-test");
    size_t n = header(buf, 1, id, 8);
    const unsigned char begin[8] = {0, 1, keep ? 1 : 0, 0, 0, 0, 0, 0};
    memcpy(buf + n, begin, 8);
    n += 8;
    n += header(buf + n, 4, id, pl);
    memcpy(buf + n, params, pl);
    n += pl;
    n += header(buf + n, 4, id, 0);
    n += header(buf + n, 5, id, 0);
    return n;
}

/* ---- client ---- */

static int dial(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(sock_path) >= sizeof(sa.sun_path)) {
        if (fd >= 0) close(fd);
        return -1;
    }
    memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_exact(int fd, unsigned char *p, size_t n, int timeout_ms)
{
    while (n) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, timeout_ms) <= 0) return -1;
        ssize_t r = read(fd, p, n);
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Reads records until END_REQUEST for `id`; the STDOUT text goes to out. 0 when the
 * request ended within timeout_ms with a complete status. */
static int answer(int fd, int id, char *out, size_t cap, int timeout_ms)
{
    size_t len = 0;
    out[0] = 0;
    for (;;) {
        unsigned char h[8], c[65536 + 256];
        if (read_exact(fd, h, 8, timeout_ms)) return -1;
        size_t clen = ((size_t)h[4] << 8) | h[5], total = clen + h[6];
        if (read_exact(fd, c, total, timeout_ms)) return -1;
        if (((h[2] << 8) | h[3]) != id) return -1;
        if (h[1] == 6 && len + clen < cap) {
            memcpy(out + len, c, clen);
            len += clen;
            out[len] = 0;
        }
        if (h[1] == 3) return clen == 8 && c[4] == 0 ? 0 : -1;
    }
}

/* One request on fd; true when it was answered 200 with the live body. */
static bool ask(int fd, int id, bool keep)
{
    unsigned char req[512];
    char out[8192];
    size_t n = request(req, id, keep);
    if (send_all(fd, req, n) || answer(fd, id, out, sizeof(out), ANSWER_MS)) return false;
    return strncmp(out, "Status: 200 OK\r\n", 16) == 0 &&
           strstr(out, "\r\n\r\n{\"status\":\"alive\"") &&
           strstr(out, "x-request-id: fcgi-test\r\n");
}

/* True when the peer closed fd (read returns 0) within timeout_ms. */
static bool closed_by_server(int fd, int timeout_ms)
{
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    char b;
    return poll(&pf, 1, timeout_ms) == 1 && read(fd, &b, 1) == 0;
}

/* ---- server ---- */

static int start_server(void)
{
    snprintf(sock_path, sizeof(sock_path), "%s/fcgi-test-%d.sock", tmp_dir, (int)getpid());
    snprintf(err_path, sizeof(err_path), "%s/fcgi-test-%d.err", tmp_dir, (int)getpid());
    char path[600], var[700];
    snprintf(path, sizeof(path), "%s/health-live", bin_dir);
    snprintf(var, sizeof(var), "CS_VAR=%s/fcgi-var", tmp_dir);
    char *argv[] = {path, (char *)"--fcgi", sock_path, NULL};
    char *envp[] = {var, (char *)"CS_THREADS=2", (char *)"CS_JWT_SECRET=" JWT_SECRET,
                    (char *)"CS_LOG_LEVEL=warn", NULL};
    server = test_child_start(path, argv, envp, NULL, "/dev/null", err_path);
    for (int i = 0; i < 200; i++) {
        int fd = dial();
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static int stop_server(void)
{
    if (server <= 0) return -1;
    kill(server, SIGTERM);
    int rc = test_child_wait(server, 30000);
    char *err = test_read_file(err_path, NULL);
    if (err && (strstr(err, "AddressSanitizer") || strstr(err, "LeakSanitizer") ||
                strstr(err, "runtime error:"))) {
        fprintf(stderr, "  sanitizer report from the server:\n%s\n", err);
        rc = -1;
    }
    free(err);
    unlink(err_path);
    return rc;
}

/* ---- tests ---- */

static void test_kept_connection_serves_many(void)
{
    int fd = dial();
    REQUIRE(fd >= 0);
    for (int i = 1; i <= 5; i++) CHECK(ask(fd, i, true));
    /* Still open: nothing to read and a sixth request works. */
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    CHECK(poll(&pf, 1, 100) == 0);
    CHECK(ask(fd, 6, true));
    close(fd);
}

static void test_without_keep_conn_closes(void)
{
    int fd = dial();
    REQUIRE(fd >= 0);
    CHECK(ask(fd, 1, false));
    CHECK(closed_by_server(fd, ANSWER_MS));
    close(fd);
}

static void test_idle_kept_connections_do_not_starve(void)
{
    /* Three times as many kept connections as threads, each used once and left idle. */
    int fds[6];
    for (int i = 0; i < 6; i++) {
        fds[i] = dial();
        CHECK(fds[i] >= 0 && ask(fds[i], 1, true));
    }
    int fresh = dial();
    double t0 = fake_lambda_now_ms();
    CHECK(fresh >= 0 && ask(fresh, 1, true));
    CHECK(fake_lambda_now_ms() - t0 < 1000);
    /* And the idle ones still serve, in another order. */
    for (int i = 5; i >= 0; i--) CHECK(fds[i] >= 0 && ask(fds[i], 2, true));
    for (int i = 0; i < 6; i++) close(fds[i]);
    close(fresh);
}

static void test_stalled_clients_do_not_starve(void)
{
    /* More clients than threads stop in the middle of a request (half of its params
     * sent); a thread waiting on any of them would leave the new client unanswered. */
    unsigned char req[512];
    size_t n = request(req, 7, true);
    int stalled[4];
    for (int i = 0; i < 4; i++) {
        stalled[i] = dial();
        CHECK(stalled[i] >= 0 && send_all(stalled[i], req, 30) == 0);
    }
    int fresh = dial();
    double t0 = fake_lambda_now_ms();
    CHECK(fresh >= 0 && ask(fresh, 1, true));
    CHECK(fake_lambda_now_ms() - t0 < 1000);
    /* The stalled requests complete when the rest arrives, byte by byte for one. */
    char out[8192];
    for (size_t k = 30; k < n && stalled[0] >= 0; k++) send_all(stalled[0], req + k, 1);
    for (int i = 1; i < 4; i++)
        CHECK(stalled[i] >= 0 && send_all(stalled[i], req + 30, n - 30) == 0);
    for (int i = 0; i < 4; i++) {
        CHECK(stalled[i] >= 0 && answer(stalled[i], 7, out, sizeof(out), ANSWER_MS) == 0);
        CHECK(strncmp(out, "Status: 200 OK\r\n", 16) == 0);
        close(stalled[i]);
    }
    close(fresh);
}

static void test_pipelined_requests(void)
{
    unsigned char req[1024];
    size_t n = request(req, 3, true);
    n += request(req + n, 4, true);
    int fd = dial();
    REQUIRE(fd >= 0);
    REQUIRE(send_all(fd, req, n) == 0);
    char out[8192];
    CHECK(answer(fd, 3, out, sizeof(out), ANSWER_MS) == 0 && strstr(out, "\"alive\""));
    CHECK(answer(fd, 4, out, sizeof(out), ANSWER_MS) == 0 && strstr(out, "\"alive\""));
    close(fd);
}

static void test_get_values(void)
{
    unsigned char buf[128];
    size_t pl = pair(buf + 8, "FCGI_MPXS_CONNS", "");
    header(buf, 9, 0, pl);
    int fd = dial();
    REQUIRE(fd >= 0);
    REQUIRE(send_all(fd, buf, 8 + pl) == 0);
    unsigned char h[8], c[256];
    REQUIRE(read_exact(fd, h, 8, ANSWER_MS) == 0);
    CHECK_INT(h[1], 10); /* FCGI_GET_VALUES_RESULT */
    size_t clen = ((size_t)h[4] << 8) | h[5];
    REQUIRE(clen < sizeof(c) && read_exact(fd, c, clen, ANSWER_MS) == 0);
    CHECK(clen == 2 + 15 + 1 && memcmp(c + 2, "FCGI_MPXS_CONNS0", 16) == 0);
    CHECK(ask(fd, 1, true)); /* the connection goes on serving */
    close(fd);
}

static void test_broken_record_closes_only_its_connection(void)
{
    int good = dial(), bad = dial();
    REQUIRE(good >= 0 && bad >= 0);
    const unsigned char junk[16] = "GET / HTTP/1.1\r\n";
    REQUIRE(send_all(bad, junk, sizeof(junk)) == 0);
    CHECK(closed_by_server(bad, ANSWER_MS));
    CHECK(ask(good, 1, true));
    close(bad);
    close(good);
}

int main(void)
{
    bin_dir = getenv("CS_TEST_BIN");
    tmp_dir = getenv("CS_TEST_TMP");
    if (!tmp_dir) tmp_dir = "/tmp";
    signal(SIGPIPE, SIG_IGN);
    if (!bin_dir || start_server() != 0) {
        printf("not ok - start health-live --fcgi (CS_TEST_BIN=%s)\n", bin_dir ? bin_dir : "unset");
        stop_server();
        return 1;
    }
    TEST_RUN(test_kept_connection_serves_many);
    TEST_RUN(test_without_keep_conn_closes);
    TEST_RUN(test_idle_kept_connections_do_not_starve);
    TEST_RUN(test_stalled_clients_do_not_starve);
    TEST_RUN(test_pipelined_requests);
    TEST_RUN(test_get_values);
    TEST_RUN(test_broken_record_closes_only_its_connection);
    int rc = stop_server();
    printf("%s - server stops on SIGTERM without sanitizer reports\n", rc == 0 ? "ok" : "not ok");
    if (rc == 0)
        test_passed_++;
    else
        test_failed_++;
    unlink(sock_path);
    char p[700];
    snprintf(p, sizeof(p), "%s/fcgi-var", tmp_dir);
    rmdir(p);
    return test_done();
}
