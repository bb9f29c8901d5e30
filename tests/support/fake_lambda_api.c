/* A minimal Lambda Runtime API server and child-process helpers for the runtime tests
 * (see fake_lambda_api.h). Test support: small and strict rather than fast. */
#include "fake_lambda_api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

#define API "/2018-06-01/runtime"
#define MAX_HEAD (64 * 1024)
#define MAX_BODY ((size_t)8 * 1024 * 1024)
#define POLL_MS 50

struct event {
    char *body;
    size_t len;
    char id[64];
    struct fake_lambda_result result;
};

struct fake_lambda {
    int listen_fd;
    int port;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct event *events;
    size_t n, next;
    struct fake_lambda_result init_error;
    int posts; /* order counter */
    int protocol_errors;
    bool done; /* drained: the final /next closed everything */
    int stop;  /* set by fake_lambda_stop; read with __atomic */
};

/* One parsed request. */
struct request {
    char method[16];
    char target[512];
    char error_type[128];
    bool has_error_type;
    bool close;
    const char *body;
    size_t body_len;
};

double fake_lambda_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool stopping(struct fake_lambda *f)
{
    return __atomic_load_n(&f->stop, __ATOMIC_ACQUIRE) != 0;
}

static int reply(int fd, int status, const char *reason, const char *extra, const char *body,
                 size_t len)
{
    char head[1024];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s\r\n",
                     status, reason, len, extra ? extra : "");
    if (n < 0 || (size_t)n >= sizeof(head)) return -1;
    if (test_send_all(fd, head, (size_t)n) != 0) return -1;
    return len ? test_send_all(fd, body, len) : 0;
}

static int reply_error(int fd, int status, const char *reason, const char *type)
{
    char body[256];
    int n = snprintf(body, sizeof(body), "{\"errorMessage\":\"%s\",\"errorType\":\"%s\"}", reason,
                     type);
    return reply(fd, status, reason, NULL, body, (size_t)n);
}

static void record(struct fake_lambda *f, struct fake_lambda_result *r, enum fake_lambda_kind kind,
                   const struct request *rq)
{
    r->kind = kind;
    r->body = malloc(rq->body_len + 1);
    if (r->body) {
        if (rq->body_len) memcpy(r->body, rq->body, rq->body_len);
        r->body[rq->body_len] = '\0';
        r->body_len = rq->body_len;
    }
    r->error_type = rq->has_error_type ? strdup(rq->error_type) : NULL;
    r->order = f->posts++;
    r->at_ms = fake_lambda_now_ms();
}

/* Handles one request. Returns 0 to keep the connection, 1 to close it, 2 when the
 * queue is drained and the server shuts down. */
static int handle(struct fake_lambda *f, int fd, const struct request *rq)
{
    static const char ok[] = "{\"status\":\"OK\"}";
    if (strcmp(rq->method, "GET") == 0 && strcmp(rq->target, API "/invocation/next") == 0) {
        pthread_mutex_lock(&f->mu);
        struct event *e = f->next < f->n ? &f->events[f->next++] : NULL;
        pthread_mutex_unlock(&f->mu);
        if (!e) return 2;
        char extra[512];
        snprintf(extra, sizeof(extra),
                 "Lambda-Runtime-Aws-Request-Id: %s\r\n"
                 "Lambda-Runtime-Deadline-Ms: %lld\r\n"
                 "Lambda-Runtime-Invoked-Function-Arn: "
                 "arn:aws:lambda:us-east-1:123456789012:function:cs-test\r\n"
                 "Lambda-Runtime-Trace-Id: "
                 "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\r\n",
                 e->id, (long long)(wall_ms() + 60000));
        if (reply(fd, 200, "OK", extra, e->body, e->len) != 0) return 1;
        pthread_mutex_lock(&f->mu);
        e->result.sent_ms = fake_lambda_now_ms();
        pthread_mutex_unlock(&f->mu);
        return rq->close ? 1 : 0;
    }
    if (strcmp(rq->method, "POST") != 0) {
        pthread_mutex_lock(&f->mu);
        f->protocol_errors++;
        pthread_mutex_unlock(&f->mu);
        return reply_error(fd, 404, "Not Found", "NotFound") != 0 || rq->close;
    }
    if (strcmp(rq->target, API "/init/error") == 0) {
        pthread_mutex_lock(&f->mu);
        bool dup = f->init_error.kind != FAKE_LAMBDA_NONE;
        if (!dup)
            record(f, &f->init_error, FAKE_LAMBDA_ERROR, rq);
        else
            f->protocol_errors++;
        pthread_mutex_unlock(&f->mu);
        if (dup)
            return reply_error(fd, 403, "Forbidden", "InvalidStateTransition") != 0 || rq->close;
        return reply(fd, 202, "Accepted", NULL, ok, sizeof(ok) - 1) != 0 || rq->close;
    }
    static const char prefix[] = API "/invocation/";
    const char *id = rq->target + sizeof(prefix) - 1;
    const char *slash =
        strncmp(rq->target, prefix, sizeof(prefix) - 1) == 0 ? strchr(id, '/') : NULL;
    enum fake_lambda_kind kind = FAKE_LAMBDA_NONE;
    if (slash && strcmp(slash, "/response") == 0)
        kind = FAKE_LAMBDA_RESPONSE;
    else if (slash && strcmp(slash, "/error") == 0)
        kind = FAKE_LAMBDA_ERROR;
    if (kind == FAKE_LAMBDA_NONE) {
        pthread_mutex_lock(&f->mu);
        f->protocol_errors++;
        pthread_mutex_unlock(&f->mu);
        return reply_error(fd, 404, "Not Found", "NotFound") != 0 || rq->close;
    }
    size_t idlen = (size_t)(slash - id);
    int status = 202;
    pthread_mutex_lock(&f->mu);
    struct event *e = NULL;
    for (size_t i = 0; i < f->next; i++) /* only ids already handed out */
        if (strlen(f->events[i].id) == idlen && strncmp(f->events[i].id, id, idlen) == 0)
            e = &f->events[i];
    if (!e)
        status = 400;
    else if (e->result.kind != FAKE_LAMBDA_NONE)
        status = 403;
    else
        record(f, &e->result, kind, rq);
    if (status != 202) f->protocol_errors++;
    pthread_mutex_unlock(&f->mu);
    int rc = status == 202   ? reply(fd, 202, "Accepted", NULL, ok, sizeof(ok) - 1)
             : status == 400 ? reply_error(fd, 400, "Bad Request", "InvalidRequestID")
                             : reply_error(fd, 403, "Forbidden", "InvalidStateTransition");
    return rc != 0 || rq->close;
}

static const char *find_head_end(const char *p, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') return p + i;
    return NULL;
}

/* Parses the head p[0..n) (without the blank line). -1 when malformed. */
static int parse_head(const char *p, size_t n, struct request *rq, size_t *content_length,
                      bool *expect_continue)
{
    memset(rq, 0, sizeof(*rq));
    *content_length = 0;
    *expect_continue = false;
    const char *eol = memchr(p, '\r', n);
    if (!eol) eol = p + n;
    const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    if (!sp1 || !sp2) return -1;
    size_t ml = (size_t)(sp1 - p), tl = (size_t)(sp2 - sp1 - 1);
    if (ml == 0 || ml >= sizeof(rq->method) || tl == 0 || tl >= sizeof(rq->target)) return -1;
    if ((size_t)(eol - sp2 - 1) != 8 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) return -1;
    memcpy(rq->method, p, ml);
    memcpy(rq->target, sp1 + 1, tl);
    rq->close = sp2[8] == '0'; /* HTTP/1.0 closes unless told otherwise */
    const char *line = eol + 2;
    const char *end = p + n;
    while (line < end) {
        const char *le = line;
        while (le < end && *le != '\r') le++;
        const char *colon = memchr(line, ':', (size_t)(le - line));
        if (!colon) return -1;
        size_t nl = (size_t)(colon - line);
        const char *v = colon + 1;
        while (v < le && (*v == ' ' || *v == '\t')) v++;
        size_t vl = (size_t)(le - v);
        while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
        if (nl == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
            char num[24];
            if (vl == 0 || vl >= sizeof(num)) return -1;
            memcpy(num, v, vl);
            num[vl] = '\0';
            char *stop;
            errno = 0;
            unsigned long long cl = strtoull(num, &stop, 10);
            if (errno || *stop || cl > MAX_BODY) return -1;
            *content_length = (size_t)cl;
        } else if (nl == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
            return -1; /* curl sends Content-Length for POSTFIELDS; chunked is not expected */
        } else if (nl == 6 && strncasecmp(line, "Expect", 6) == 0) {
            *expect_continue = vl == 12 && strncasecmp(v, "100-continue", 12) == 0;
        } else if (nl == 10 && strncasecmp(line, "Connection", 10) == 0) {
            if (vl == 5 && strncasecmp(v, "close", 5) == 0) rq->close = true;
            if (vl == 10 && strncasecmp(v, "keep-alive", 10) == 0) rq->close = false;
        } else if (nl == 34 && strncasecmp(line, "Lambda-Runtime-Function-Error-Type", 34) == 0) {
            if (vl >= sizeof(rq->error_type)) vl = sizeof(rq->error_type) - 1;
            memcpy(rq->error_type, v, vl);
            rq->error_type[vl] = '\0';
            rq->has_error_type = true;
        }
        line = le + 2;
    }
    return 0;
}

/* Waits for fd to become readable; 1 readable, 0 stop requested, -1 error. */
static int wait_readable(struct fake_lambda *f, int fd)
{
    for (;;) {
        if (stopping(f)) return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, POLL_MS);
        if (r < 0 && errno != EINTR) return -1;
        if (r > 0) return 1;
    }
}

/* Serves one connection until it closes. 2 when the server must shut down. */
static int serve_conn(struct fake_lambda *f, int fd)
{
    size_t cap = 16 * 1024, len = 0;
    char *buf = malloc(cap);
    int rc = 0;
    bool continued = false;
    while (buf && rc == 0) {
        const char *he = find_head_end(buf, len);
        if (he) {
            struct request rq;
            size_t cl;
            bool expect;
            size_t head_len = (size_t)(he - buf) + 4;
            if (parse_head(buf, (size_t)(he - buf), &rq, &cl, &expect) != 0) {
                pthread_mutex_lock(&f->mu);
                f->protocol_errors++;
                pthread_mutex_unlock(&f->mu);
                (void)reply_error(fd, 400, "Bad Request", "BadRequest");
                break;
            }
            if (len >= head_len + cl) {
                rq.body = buf + head_len;
                rq.body_len = cl;
                rc = handle(f, fd, &rq);
                memmove(buf, buf + head_len + cl, len - head_len - cl);
                len -= head_len + cl;
                continued = false;
                continue;
            }
            if (expect && !continued) {
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
                if (test_send_all(fd, cont, sizeof(cont) - 1) != 0) break;
                continued = true;
            }
            if (head_len + cl > cap) {
                char *nb = realloc(buf, head_len + cl);
                if (!nb) break;
                buf = nb;
                cap = head_len + cl;
            }
        } else if (len >= MAX_HEAD) {
            (void)reply_error(fd, 431, "Request Header Fields Too Large", "BadRequest");
            break;
        } else if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb;
            cap *= 2;
        }
        if (wait_readable(f, fd) != 1) break;
        ssize_t r = recv(fd, buf + len, cap - len, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        len += (size_t)r;
    }
    free(buf);
    return rc;
}

static void *server(void *arg)
{
    struct fake_lambda *f = arg;
    while (wait_readable(f, f->listen_fd) == 1) {
        int fd = accept(f->listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            break;
        }
        int one = 1; /* answers go out in two writes: no Nagle delay between them */
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        int rc = serve_conn(f, fd);
        if (rc == 2) {
            /* Drained: refuse further connections, then drop this one, so the runtime's
             * next request (a reconnect included) fails and its loop returns. */
            close(f->listen_fd);
            f->listen_fd = -1;
            close(fd);
            pthread_mutex_lock(&f->mu);
            f->done = true;
            pthread_cond_broadcast(&f->cv);
            pthread_mutex_unlock(&f->mu);
            return NULL;
        }
        close(fd);
    }
    pthread_mutex_lock(&f->mu);
    f->done = true;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

struct fake_lambda *fake_lambda_start(const char *const *events, const char *const *ids, size_t n)
{
    struct fake_lambda *f = calloc(1, sizeof(*f));
    if (!f) return NULL;
    f->listen_fd = -1;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    f->events = calloc(n ? n : 1, sizeof(*f->events));
    if (!f->events) goto fail;
    f->n = n;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(events[i]);
        f->events[i].body = malloc(len + 1);
        if (!f->events[i].body) goto fail;
        memcpy(f->events[i].body, events[i], len + 1);
        f->events[i].len = len;
        if (ids && ids[i])
            snprintf(f->events[i].id, sizeof(f->events[i].id), "%s", ids[i]);
        else
            snprintf(f->events[i].id, sizeof(f->events[i].id), "8476a536-e9f4-11e8-9739-%012zx",
                     i + 1);
    }
    f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (f->listen_fd < 0) goto fail;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    socklen_t sl = sizeof(sa);
    if (bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(f->listen_fd, 16) != 0 ||
        getsockname(f->listen_fd, (struct sockaddr *)&sa, &sl) != 0)
        goto fail;
    f->port = ntohs(sa.sin_port);
    if (pthread_create(&f->thread, NULL, server, f) != 0) goto fail;
    f->started = true;
    return f;
fail:
    fake_lambda_stop(f);
    return NULL;
}

int fake_lambda_port(const struct fake_lambda *f) { return f->port; }

const char *fake_lambda_request_id(const struct fake_lambda *f, size_t i)
{
    return i < f->n ? f->events[i].id : NULL;
}

int fake_lambda_wait(struct fake_lambda *f, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&f->mu);
    int rc = 0;
    while (!f->done && rc == 0) rc = pthread_cond_timedwait(&f->cv, &f->mu, &until);
    bool done = f->done;
    pthread_mutex_unlock(&f->mu);
    return done ? 0 : -1;
}

static void free_result(struct fake_lambda_result *r)
{
    free(r->body);
    free(r->error_type);
}

void fake_lambda_stop(struct fake_lambda *f)
{
    if (!f) return;
    __atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
    if (f->started) pthread_join(f->thread, NULL);
    if (f->listen_fd >= 0) close(f->listen_fd);
    for (size_t i = 0; f->events && i < f->n; i++) {
        free(f->events[i].body);
        free_result(&f->events[i].result);
    }
    free(f->events);
    free_result(&f->init_error);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

const struct fake_lambda_result *fake_lambda_result(const struct fake_lambda *f, const char *id)
{
    struct fake_lambda *m = (struct fake_lambda *)f;
    const struct fake_lambda_result *r = NULL;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->events[i].id, id) == 0 && f->events[i].result.kind != FAKE_LAMBDA_NONE)
            r = &f->events[i].result;
    pthread_mutex_unlock(&m->mu);
    return r;
}

const struct fake_lambda_result *fake_lambda_init_error(const struct fake_lambda *f)
{
    struct fake_lambda *m = (struct fake_lambda *)f;
    pthread_mutex_lock(&m->mu);
    const struct fake_lambda_result *r =
        f->init_error.kind != FAKE_LAMBDA_NONE ? &f->init_error : NULL;
    pthread_mutex_unlock(&m->mu);
    return r;
}

size_t fake_lambda_delivered(const struct fake_lambda *f)
{
    struct fake_lambda *m = (struct fake_lambda *)f;
    pthread_mutex_lock(&m->mu);
    size_t n = f->next;
    pthread_mutex_unlock(&m->mu);
    return n;
}

int fake_lambda_protocol_errors(const struct fake_lambda *f)
{
    struct fake_lambda *m = (struct fake_lambda *)f;
    pthread_mutex_lock(&m->mu);
    int n = f->protocol_errors;
    pthread_mutex_unlock(&m->mu);
    return n;
}

/* ---- child processes ---- */

extern char **environ;

static int redirect(const char *path, int fd, int flags)
{
    int o = open(path, flags, 0600);
    if (o < 0) return -1;
    if (o != fd) {
        if (dup2(o, fd) < 0) return -1;
        close(o);
    }
    return 0;
}

pid_t test_child_start(const char *path, char *const argv[], char *const envp[],
                       const char *stdin_path, const char *stdout_path, const char *stderr_path)
{
    static const char *const pass[] = {"ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS="};
    size_t n = 0, k = 0;
    while (envp && envp[n]) n++;
    char **env = calloc(n + 4, sizeof(*env));
    if (!env) return -1;
    for (size_t i = 0; i < n; i++) env[k++] = envp[i];
    for (char **e = environ; e && *e; e++)
        for (size_t i = 0; i < 3; i++)
            if (strncmp(*e, pass[i], strlen(pass[i])) == 0) env[k++] = *e;
    env[k] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        /* Only async-signal-safe calls here: the parent has threads. */
        if (redirect(stdin_path ? stdin_path : "/dev/null", 0, O_RDONLY) != 0) _exit(126);
        if (stdout_path && redirect(stdout_path, 1, O_WRONLY | O_CREAT | O_TRUNC) != 0) _exit(126);
        if (stderr_path && redirect(stderr_path, 2, O_WRONLY | O_CREAT | O_TRUNC) != 0) _exit(126);
        execve(path, argv, env);
        _exit(127);
    }
    free(env);
    return pid;
}

int test_child_wait(pid_t pid, int timeout_ms)
{
    double until = fake_lambda_now_ms() + timeout_ms;
    int st = 0;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return -1;
        if (fake_lambda_now_ms() > until) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
            return -1;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return -1;
}

char *test_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    size_t r;
    while (s && (r = fread(s + n, 1, cap - n - 1, fp)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            char *ns = realloc(s, cap * 2);
            if (!ns) {
                free(s);
                s = NULL;
                break;
            }
            s = ns;
            cap *= 2;
        }
    }
    fclose(fp);
    if (!s) return NULL;
    s[n] = '\0';
    if (len) *len = n;
    return s;
}

int test_write_file(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) return -1;
    size_t w = len ? fwrite(data, 1, len, fp) : 0;
    int rc = fclose(fp);
    return w == len && rc == 0 ? 0 : -1;
}
