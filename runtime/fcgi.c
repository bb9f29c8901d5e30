/* FastCGI transport: worker threads share one epoll set holding the listening socket
 * and every connection the web server keeps open (fastcgi_keep_conn). Connections are
 * registered edge-triggered once; a per-connection event count makes exactly one
 * thread at a time its owner (the one that finds the count at zero), which reads it,
 * serves each request that completes there and then (no hand-off between threads),
 * writes the answer and serves the events that came meanwhile before letting go. So a
 * request costs no epoll_ctl re-arm, as a one-shot registration did (issue 15). A
 * thread is never tied to a connection: idle kept connections and requests still
 * arriving cost no thread, so more connections than threads cannot starve anyone
 * (tests/runtime/fcgi_test.c checks this).
 *
 * Another thread may hold an event of a connection that its owner has just closed, so
 * a closed connection's memory is never freed while the server runs: it goes to a free
 * list and serves a later accepted connection (a stale event then is one spurious
 * read). Its descriptor is -1 while it is free. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/env.h"
#include "cs/log.h"
#include "fcgi_proto.h"
#include "runtime.h"

#define WRITE_TIMEOUT_MS 30000
#define ACCEPT_BATCH 64

struct conn {
    unsigned events; /* events not yet served; its owner is who raised it from 0 (atomic) */
    int fd;          /* -1 while on the free list; read and written by the owner only */
    bool broken;     /* a write failed: close once the request in hand is answered */
    struct cs_fcgi_in in;
    unsigned char *rbuf;
    size_t rlen;
    struct conn *prev, *next;
};

struct server {
    struct cs_env *env;
    int epfd, lfd, stopfd;
    pthread_mutex_t lock; /* both lists, touched on accept and close only */
    struct conn *conns;
    struct conn *free; /* closed, kept for reuse (see the top of this file) */
};

struct fcgi_thread {
    struct server *srv;
    pthread_t tid;
    int rc;
    struct cs_worker w;
    struct cs_fcgi_out out;
};

/* epoll user data for the two non-connection descriptors. */
static char listen_tag, stop_tag;

/* ---- writing ---- */

/* Writes all of p[0..n) to the non-blocking socket, waiting for room when it is full. */
static int write_all(struct conn *c, const unsigned char *p, size_t n)
{
    while (n && !c->broken) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pf = {.fd = c->fd, .events = POLLOUT};
            if (poll(&pf, 1, WRITE_TIMEOUT_MS) <= 0) c->broken = true;
        } else {
            c->broken = true;
        }
    }
    return c->broken ? -1 : 0;
}

static int flush_out(struct conn *c, struct cs_fcgi_out *o)
{
    int rc = write_all(c, o->p, o->len);
    o->len = 0;
    return rc;
}

struct fcgi_stream {
    struct fcgi_thread *t;
    struct conn *c;
};

static int put_head(struct cs_fcgi_out *o, struct cs_arena *a, uint16_t id,
                    const struct cs_resp *resp)
{
    size_t hlen = 0;
    const char *head = cs_rt_cgi_head(a, resp, &hlen);
    if (!head) {
        static const char oom[] = "Status: 500 Internal Server Error\r\nContent-Type: "
                                  "application/json\r\n\r\n{\"detail\":\"Internal server error\"}";
        cs_fcgi_put_stdout(o, id, oom, sizeof(oom) - 1);
        return -1;
    }
    return cs_fcgi_put_stdout(o, id, head, hlen);
}

static int stream_begin(void *ctx, const struct cs_resp *resp)
{
    struct fcgi_stream *s = ctx;
    if (put_head(&s->t->out, s->t->w.arena, s->c->in.id, resp)) return -1;
    return flush_out(s->c, &s->t->out);
}

static int stream_write(void *ctx, const char *p, size_t n)
{
    struct fcgi_stream *s = ctx;
    if (cs_fcgi_put_stdout(&s->t->out, s->c->in.id, p, n)) return -1;
    return flush_out(s->c, &s->t->out);
}

/* ---- serving ---- */

static void serve_request(struct fcgi_thread *t, struct conn *c)
{
    struct cs_worker *w = &t->w;
    struct cs_fcgi_out *o = &t->out;
    uint16_t id = c->in.id;
    struct cs_req req;
    struct cs_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    char **envp = cs_fcgi_envp(w->arena, c->in.params, c->in.params_len);
    if (!envp || cs_rt_req_from_params(w->arena, envp, &req) != 0) {
        static const char bad[] = "Status: 400 Bad Request\r\nContent-Type: application/json\r\n"
                                  "\r\n{\"detail\":\"Bad request\"}";
        cs_fcgi_put_stdout(o, id, bad, sizeof(bad) - 1);
    } else {
        /* A body past the limit is not kept; its length alone makes the core answer 413. */
        req.body = c->in.body_over || !c->in.body_len ? NULL : c->in.body;
        req.body_len = c->in.body_total;
        struct fcgi_stream fs = {t, c};
        const struct cs_stream stream = {stream_begin, stream_write, &fs};
        req.stream = &stream;
        cs_app_handle(w, &req, &resp);
        if (!resp.streamed && !put_head(o, w->arena, id, &resp) && resp.body_len)
            cs_fcgi_put_stdout(o, id, resp.body, resp.body_len);
    }
    if (cs_fcgi_put_end(o, id)) c->broken = true;
    flush_out(c, o);
    cs_arena_reset(w->arena);
}

static void conn_free(struct conn *c)
{
    cs_fcgi_in_free(&c->in);
    free(c->rbuf);
    free(c);
}

static void unlink_conn(struct server *s, struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
}

/* By its owner: the descriptor closes (which also takes it out of the epoll set) and
 * the memory goes to the free list. */
static void conn_close(struct server *s, struct conn *c)
{
    close(c->fd);
    c->fd = -1;
    cs_fcgi_in_free(&c->in);
    c->rlen = 0;
    c->broken = false;
    pthread_mutex_lock(&s->lock);
    unlink_conn(s, c);
    c->prev = NULL;
    c->next = s->free;
    s->free = c;
    pthread_mutex_unlock(&s->lock);
}

static int arm(struct server *s, int fd, void *tag)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.ptr = tag};
    return epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev);
}

/* Parses what is buffered, serving each request that completes; false when the
 * connection must close. */
static bool drain(struct fcgi_thread *t, struct conn *c)
{
    for (;;) {
        size_t used = 0;
        enum cs_fcgi_feed_rc rc = cs_fcgi_feed(&c->in, c->rbuf, c->rlen, &used);
        memmove(c->rbuf, c->rbuf + used, c->rlen - used);
        c->rlen -= used;
        if (c->in.reply_len) {
            write_all(c, c->in.reply, c->in.reply_len);
            c->in.reply_len = 0;
        }
        if (rc == CS_FCGI_ERROR || c->broken) return false;
        if (rc == CS_FCGI_NEED_MORE) return true;
        serve_request(t, c);
        if (!c->in.keep_conn || c->broken) return false;
        cs_fcgi_in_next(&c->in);
    }
}

/* Reads until the socket is empty, serving what completes; false when the connection
 * must close. Edge-triggered: a read shorter than asked for emptied the socket, and
 * whatever arrives after it raises a new event. */
static bool read_and_serve(struct fcgi_thread *t, struct conn *c)
{
    for (;;) {
        size_t room = CS_FCGI_RECORD_MAX - c->rlen;
        ssize_t r;
        do r = read(c->fd, c->rbuf + c->rlen, room);
        while (r < 0 && errno == EINTR);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        if (r <= 0) return false;
        c->rlen += (size_t)r;
        if (!drain(t, c)) return false;
        if ((size_t)r < room) return true;
    }
}

/* The owner's loop: reads and serves until no event came in meanwhile, then lets go. */
static void serve_events(struct fcgi_thread *t, struct conn *c)
{
    unsigned seen;
    do {
        seen = __atomic_load_n(&c->events, __ATOMIC_ACQUIRE);
        /* fd -1: a stale event of a connection closed since, now free. */
        if (c->fd >= 0 && !read_and_serve(t, c)) conn_close(t->srv, c);
    } while (__atomic_sub_fetch(&c->events, seen, __ATOMIC_ACQ_REL) != 0);
}

static void on_readable(struct fcgi_thread *t, struct conn *c)
{
    if (__atomic_fetch_add(&c->events, 1, __ATOMIC_ACQ_REL) != 0) return; /* owned */
    serve_events(t, c);
}

/* A connection's memory from the free list, unless a stale event owns it just now;
 * else a new one. Returned owned (events 1), with its descriptor still to set. */
static struct conn *conn_take(struct server *s)
{
    pthread_mutex_lock(&s->lock);
    for (struct conn **p = &s->free; *p; p = &(*p)->next) {
        unsigned zero = 0;
        if (__atomic_compare_exchange_n(&(*p)->events, &zero, 1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            struct conn *c = *p;
            *p = c->next;
            pthread_mutex_unlock(&s->lock);
            c->next = NULL;
            return c;
        }
    }
    pthread_mutex_unlock(&s->lock);
    struct conn *c = calloc(1, sizeof(*c));
    unsigned char *rbuf = c ? malloc(CS_FCGI_RECORD_MAX) : NULL;
    if (!rbuf) {
        free(c);
        return NULL;
    }
    c->rbuf = rbuf;
    c->events = 1;
    return c;
}

static void accept_some(struct fcgi_thread *t)
{
    struct server *s = t->srv;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        struct conn *c = conn_take(s);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        cs_fcgi_in_init(&c->in, s->env->cfg.max_body + 1);
        pthread_mutex_lock(&s->lock);
        c->next = s->conns;
        if (s->conns) s->conns->prev = c;
        s->conns = c;
        pthread_mutex_unlock(&s->lock);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = c};
        if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) conn_close(s, c);
        /* Let go of it: a first read, as events meanwhile found it owned. */
        serve_events(t, c);
    }
    arm(s, s->lfd, &listen_tag);
}

static void *thread_main(void *arg)
{
    struct fcgi_thread *t = arg;
    const char *why = NULL;
    if ((t->rc = cs_worker_init(&t->w, t->srv->env, &why))) {
        cs_log(CS_LOG_ERROR, "worker init failed", "reason", why, NULL);
        return NULL;
    }
    for (;;) {
        struct epoll_event ev;
        int n = epoll_wait(t->srv->epfd, &ev, 1, -1);
        if (n < 0 && errno != EINTR) break;
        if (n <= 0) continue;
        if (ev.data.ptr == &stop_tag) break;
        if (ev.data.ptr == &listen_tag)
            accept_some(t);
        else
            on_readable(t, ev.data.ptr);
    }
    cs_fcgi_out_free(&t->out);
    cs_worker_clean_up(&t->w);
    return NULL;
}

/* ---- start and stop ---- */

static int stop_fd = -1;

/* SIGTERM/SIGINT: the eventfd stays readable, so every thread's next wait returns it;
 * each finishes the request in hand first and the process exits through main (and
 * LeakSanitizer's check). */
static void on_stop(int signo)
{
    (void)signo;
    uint64_t one = 1;
    if (stop_fd >= 0 && write(stop_fd, &one, sizeof(one)) < 0) return;
}

static void install_stop_handlers(int fd)
{
    stop_fd = fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static int open_listener(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1024) != 0) {
        close(fd);
        return -1;
    }
    /* The gateway runs as this user (build.sh serve): nobody else may bypass it and its
     * auth by talking FastCGI to the socket (the folder is owner-only too). */
    chmod(path, 0600);
    return fd;
}

static int add_fd(int epfd, int fd, uint32_t events, void *tag)
{
    struct epoll_event ev = {.events = events, .data.ptr = tag};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int server_open(struct server *s, struct cs_env *env, const char *socket_path)
{
    *s = (struct server){.env = env, .epfd = -1, .lfd = -1, .stopfd = -1};
    pthread_mutex_init(&s->lock, NULL);
    s->lfd = socket_path ? open_listener(socket_path) : 0;
    if (s->lfd < 0) {
        cs_log(CS_LOG_ERROR, "cannot listen", "socket", socket_path, NULL);
        return -1;
    }
    int fl = fcntl(s->lfd, F_GETFL);
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fl < 0 || fcntl(s->lfd, F_SETFL, fl | O_NONBLOCK) != 0 || s->epfd < 0 || s->stopfd < 0 ||
        add_fd(s->epfd, s->lfd, EPOLLIN | EPOLLONESHOT, &listen_tag) != 0 ||
        add_fd(s->epfd, s->stopfd, EPOLLIN, &stop_tag) != 0)
        return -1;
    return 0;
}

static void server_close(struct server *s)
{
    while (s->conns) conn_close(s, s->conns);
    while (s->free) {
        struct conn *c = s->free;
        s->free = c->next;
        conn_free(c);
    }
    if (s->epfd >= 0) close(s->epfd);
    if (s->lfd > 0) close(s->lfd);
    stop_fd = -1;
    if (s->stopfd >= 0) close(s->stopfd);
    pthread_mutex_destroy(&s->lock);
}

int cs_rt_fcgi(struct cs_env *env, const char *socket_path)
{
    /* glibc gives the top of a thread's heap back (madvise) whenever more than the trim
     * threshold (128 kB) is free, and a ticket's json-c objects free that much at its
     * end: one madvise and fresh page faults per request. 2 MB stops that (strace over
     * 300 tickets: no madvise left) and keeps little memory. */
    mallopt(M_TRIM_THRESHOLD, 2 * 1024 * 1024);
    /* One malloc arena for all worker threads. A thread's own arena grows its heap with
     * an mprotect for every few pages past its high-water mark, and a ticket's memory
     * kept moving that mark: ~0.94 mprotect per ticket. The main arena grows by brk
     * with a 128 kB pad instead (tests/bench/ticket_cost.sh, 1500 tickets, two runs
     * each: 1,405 mprotect -> 56 brk, 15.3 -> 14.2 calls per ticket; futex no higher,
     * as the threads' tcaches serve most allocations without the arena lock). */
    mallopt(M_ARENA_MAX, 1);
    struct server s;
    if (server_open(&s, env, socket_path) != 0) {
        server_close(&s);
        return 1;
    }
    install_stop_handlers(s.stopfd);
    unsigned n = env->cfg.threads ? env->cfg.threads : 1;
    struct fcgi_thread *threads = calloc(n, sizeof(*threads));
    if (!threads) {
        server_close(&s);
        return 1;
    }
    for (unsigned i = 0; i < n; i++) {
        threads[i].srv = &s;
        if (pthread_create(&threads[i].tid, NULL, thread_main, &threads[i]) != 0) n = i;
    }
    cs_log(CS_LOG_INFO, "listening", "transport", "fastcgi", "socket",
           socket_path ? socket_path : "fd 0", NULL);
    int rc = n ? 0 : 1;
    for (unsigned i = 0; i < n; i++) {
        pthread_join(threads[i].tid, NULL);
        rc |= threads[i].rc;
    }
    free(threads);
    server_close(&s);
    return rc;
}
