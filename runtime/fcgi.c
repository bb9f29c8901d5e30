/* FastCGI transport (libfcgi): several threads, each with its own worker (arena and
 * store connection), accepting on one listening socket. */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/env.h"
#include "cs/log.h"
#include "runtime.h"

struct fcgi_thread {
    struct cs_env *env;
    int sock;
    pthread_t tid;
    int rc;
};

static size_t content_length(char **envp, size_t max_plus_one)
{
    const char *cl = FCGX_GetParam("CONTENT_LENGTH", envp);
    if (!cl || !*cl) return 0;
    char *end;
    unsigned long long v = strtoull(cl, &end, 10);
    if (*end || cl[0] == '-') return 0;
    return v > max_plus_one ? max_plus_one : (size_t)v;
}

static void read_body(struct cs_arena *a, FCGX_Request *r, size_t max, struct cs_req *req)
{
    size_t want = content_length(r->envp, max + 1);
    req->body_len = want;
    if (want == 0 || want > max) return; /* too large: the core answers 413 unread */
    char *body = cs_arena_alloc(a, want + 1);
    if (!body) {
        req->body_len = 0;
        return;
    }
    int got = FCGX_GetStr(body, (int)want, r->in);
    req->body = body;
    req->body_len = got > 0 ? (size_t)got : 0;
}

static void write_response(struct cs_arena *a, FCGX_Request *r, const struct cs_resp *resp)
{
    size_t hlen = 0;
    const char *head = cs_rt_cgi_head(a, resp, &hlen);
    if (!head) {
        static const char oom[] = "Status: 500 Internal Server Error\r\nContent-Type: "
                                  "application/json\r\n\r\n{\"detail\":\"Internal server error\"}";
        FCGX_PutStr(oom, sizeof(oom) - 1, r->out);
        return;
    }
    FCGX_PutStr(head, (int)hlen, r->out);
    if (resp->body_len) FCGX_PutStr(resp->body, (int)resp->body_len, r->out);
}

struct fcgi_stream {
    struct cs_arena *arena;
    FCGX_Request *r;
};

static int stream_begin(void *ctx, const struct cs_resp *resp)
{
    struct fcgi_stream *s = ctx;
    size_t hlen = 0;
    const char *head = cs_rt_cgi_head(s->arena, resp, &hlen);
    if (!head || FCGX_PutStr(head, (int)hlen, s->r->out) < 0) return -1;
    return FCGX_FFlush(s->r->out);
}

static int stream_write(void *ctx, const char *p, size_t n)
{
    struct fcgi_stream *s = ctx;
    if (n && FCGX_PutStr(p, (int)n, s->r->out) < 0) return -1;
    return FCGX_FFlush(s->r->out);
}

static void serve_one(struct cs_worker *w, FCGX_Request *r)
{
    struct cs_req req;
    struct cs_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    if (cs_rt_req_from_params(w->arena, r->envp, &req) != 0) {
        static const char bad[] = "Status: 400 Bad Request\r\nContent-Type: application/json\r\n"
                                  "\r\n{\"detail\":\"Bad request\"}";
        FCGX_PutStr(bad, sizeof(bad) - 1, r->out);
        return;
    }
    read_body(w->arena, r, w->env->cfg.max_body, &req);
    struct fcgi_stream fs = {w->arena, r};
    const struct cs_stream stream = {stream_begin, stream_write, &fs};
    req.stream = &stream;
    cs_app_handle(w, &req, &resp);
    if (!resp.streamed) write_response(w->arena, r, &resp);
}

static void *thread_main(void *arg)
{
    struct fcgi_thread *t = arg;
    struct cs_worker w;
    const char *why = NULL;
    if ((t->rc = cs_worker_init(&w, t->env, &why))) {
        cs_log(CS_LOG_ERROR, "worker init failed", "reason", why, NULL);
        return NULL;
    }
    FCGX_Request r;
    FCGX_InitRequest(&r, t->sock, 0);
    while (FCGX_Accept_r(&r) == 0) {
        serve_one(&w, &r);
        FCGX_Finish_r(&r);
        cs_arena_reset(w.arena);
    }
    FCGX_Free(&r, 1);
    cs_worker_clean_up(&w);
    return NULL;
}

static int listen_sock = -1;

/* libfcgi only marks a shutdown as pending on SIGTERM while its threads stay blocked in
 * accept(); shutting the listening socket down wakes them, so workers finish the
 * request in hand and the process exits through main (and LeakSanitizer's check). */
static void on_stop(int signo)
{
    (void)signo;
    FCGX_ShutdownPending();
    if (listen_sock >= 0) shutdown(listen_sock, SHUT_RDWR);
}

static void install_stop_handlers(int sock)
{
    listen_sock = sock;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

int cs_rt_fcgi(struct cs_env *env, const char *socket_path)
{
    if (FCGX_Init() != 0) return 1;
    int sock = 0;
    if (socket_path) {
        sock = FCGX_OpenSocket(socket_path, 1024);
        if (sock < 0) {
            cs_log(CS_LOG_ERROR, "cannot listen", "socket", socket_path, NULL);
            return 1;
        }
        /* nginx workers may run as another user; the socket's folder guards access. */
        chmod(socket_path, 0666);
    }
    install_stop_handlers(sock);
    unsigned n = env->cfg.threads;
    struct fcgi_thread *threads = calloc(n, sizeof(*threads));
    if (!threads) return 1;
    for (unsigned i = 0; i < n; i++) {
        threads[i] = (struct fcgi_thread){.env = env, .sock = sock};
        if (pthread_create(&threads[i].tid, NULL, thread_main, &threads[i]) != 0) n = i;
    }
    cs_log(CS_LOG_INFO, "listening", "transport", "fastcgi", "socket", socket_path ? socket_path : "fd 0", NULL);
    int rc = 0;
    for (unsigned i = 0; i < n; i++) {
        pthread_join(threads[i].tid, NULL);
        rc |= threads[i].rc;
    }
    free(threads);
    return rc;
}
