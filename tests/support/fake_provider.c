#include "fake_provider.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

#define MAX_REQS 64
#define MAX_REQ_BYTES (1 << 20)

struct fake_provider {
    const struct fake_reply *script;
    size_t n;
    int listen_fd;
    char url[64];
    pthread_t tid;
    pthread_mutex_t mu;
    volatile int stop;
    size_t nreq;
    char *head[MAX_REQS], *body[MAX_REQS];
};

static void nap(struct fake_provider *f, int ms)
{
    while (ms > 0 && !f->stop) {
        int step = ms < 20 ? ms : 20;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* Reads one request: head up to the blank line, then Content-Length bytes. */
static int read_request(struct fake_provider *f, int fd, char **head, char **body)
{
    size_t cap = 64 * 1024, len = 0, need = 0, hl = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        char *he = hl ? NULL : memmem(buf, len, "\r\n\r\n", 4);
        if (he) {
            hl = (size_t)(he - buf);
            buf[len] = '\0';
            const char *cl = NULL;
            for (char *p = buf; p && p < he && !cl; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncasecmp(p, "content-length:", 15) == 0) cl = p + 15;
            need = hl + 4 + (cl ? strtoul(cl, NULL, 10) : 0);
            if (need > MAX_REQ_BYTES) break;
            if (need > cap) {
                char *nb = realloc(buf, need + 1);
                if (!nb) break;
                buf = nb;
                cap = need;
            }
        }
        if (hl && len >= need) {
            *head = strndup(buf, hl);
            *body = strndup(buf + hl + 4, need - hl - 4);
            free(buf);
            return *head && *body ? 0 : -1;
        }
        if (len == cap) break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (f->stop || poll(&p, 1, 2000) <= 0) break;
        ssize_t r = recv(fd, buf + len, cap - len, 0);
        if (r <= 0) break;
        len += (size_t)r;
    }
    free(buf);
    return -1;
}

static void answer(struct fake_provider *f, int fd, const struct fake_reply *r)
{
    nap(f, r->delay_ms);
    if (f->stop) return;
    char head[1024];
    const char *extra = r->headers ? r->headers : "";
    if (r->chunks) {
        snprintf(head, sizeof(head),
                 "HTTP/1.1 %d X\r\nContent-Type: text/event-stream\r\n%sConnection: close\r\n\r\n",
                 r->status, extra);
        if (test_send_all(fd, head, strlen(head))) return;
        for (const char *const *c = r->chunks; *c && !f->stop; c++) {
            if (c != r->chunks) nap(f, r->chunk_delay_ms);
            if (test_send_all(fd, *c, strlen(*c))) return;
        }
        return;
    }
    size_t blen = r->body ? strlen(r->body) : 0;
    snprintf(head, sizeof(head),
             "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%sContent-Length: "
             "%zu\r\nConnection: close\r\n\r\n",
             r->status, extra, blen);
    if (test_send_all(fd, head, strlen(head))) return;
    size_t send_n = r->truncate_at && r->truncate_at < blen ? r->truncate_at : blen;
    (void)test_send_all(fd, r->body ? r->body : "", send_n);
}

static void *serve(void *arg)
{
    struct fake_provider *f = arg;
    while (!f->stop) {
        struct pollfd p = {.fd = f->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        int fd = accept(f->listen_fd, NULL, NULL);
        if (fd < 0) continue;
        char *head = NULL, *body = NULL;
        if (read_request(f, fd, &head, &body) == 0) {
            pthread_mutex_lock(&f->mu);
            size_t i = f->nreq;
            if (i < MAX_REQS) {
                f->head[i] = head;
                f->body[i] = body;
                f->nreq++;
                head = body = NULL;
            }
            pthread_mutex_unlock(&f->mu);
            answer(f, fd, &f->script[i < f->n ? i : f->n - 1]);
        }
        free(head);
        free(body);
        shutdown(fd, SHUT_RDWR);
        close(fd);
    }
    return NULL;
}

struct fake_provider *fake_provider_start(const struct fake_reply *script, size_t n)
{
    if (!script || n == 0) return NULL;
    struct fake_provider *f = calloc(1, sizeof(*f));
    if (!f) return NULL;
    f->script = script;
    f->n = n;
    pthread_mutex_init(&f->mu, NULL);
    f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    if (f->listen_fd < 0 || bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(f->listen_fd, 16) != 0 ||
        getsockname(f->listen_fd, (struct sockaddr *)&sa, &sl) != 0 ||
        pthread_create(&f->tid, NULL, serve, f) != 0) {
        if (f->listen_fd >= 0) close(f->listen_fd);
        pthread_mutex_destroy(&f->mu);
        free(f);
        return NULL;
    }
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", ntohs(sa.sin_port));
    return f;
}

const char *fake_provider_url(const struct fake_provider *f) { return f->url; }

size_t fake_provider_count(struct fake_provider *f)
{
    pthread_mutex_lock(&f->mu);
    size_t n = f->nreq;
    pthread_mutex_unlock(&f->mu);
    return n;
}

const char *fake_provider_head(struct fake_provider *f, size_t i)
{
    pthread_mutex_lock(&f->mu);
    const char *h = i < f->nreq ? f->head[i] : NULL;
    pthread_mutex_unlock(&f->mu);
    return h;
}

const char *fake_provider_body(struct fake_provider *f, size_t i)
{
    pthread_mutex_lock(&f->mu);
    const char *b = i < f->nreq ? f->body[i] : NULL;
    pthread_mutex_unlock(&f->mu);
    return b;
}

void fake_provider_stop(struct fake_provider *f)
{
    if (!f) return;
    f->stop = 1;
    pthread_join(f->tid, NULL);
    close(f->listen_fd);
    for (size_t i = 0; i < f->nreq; i++) {
        free(f->head[i]);
        free(f->body[i]);
    }
    pthread_mutex_destroy(&f->mu);
    free(f);
}
