/* Loopback webhook receiver for tests (see webhook_sink.h). One connection at a time:
 * the dispatcher sends one request at a time too. */
#include "webhook_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct sink {
    int fd, port, dflt, hang_ms;
    int script[SINK_MAX_MSGS];
    size_t nscript;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping, released;
    struct sink_msg msgs[SINK_MAX_MSGS];
    size_t total; /* requests read, including those past SINK_MAX_MSGS */
    size_t n;
};

static void header(const char *head, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *p = head; p && *p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ') v++;
            size_t len = strcspn(v, "\r\n");
            if (len >= cap) len = cap - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return;
        }
    }
}

/* Reads one request (headers and a Content-Length body); -1 on EOF or timeout. */
static int read_request(int c, struct sink_msg *m)
{
    char buf[16384];
    size_t len = 0;
    char *end = NULL;
    while (!end) {
        struct pollfd p = {c, POLLIN, 0};
        if (len + 1 >= sizeof(buf) || poll(&p, 1, 5000) <= 0) return -1;
        ssize_t r = read(c, buf + len, sizeof(buf) - 1 - len);
        if (r <= 0) return -1;
        len += (size_t)r;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    *end = '\0';
    char cl[32];
    header(buf, "content-length", cl, sizeof(cl));
    size_t want = (size_t)strtoul(cl, NULL, 10), have = len - (size_t)(end + 4 - buf);
    if (want >= sizeof(m->body)) return -1;
    memcpy(m->body, end + 4, have);
    while (have < want) {
        struct pollfd p = {c, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0) return -1;
        ssize_t r = read(c, m->body + have, want - have);
        if (r <= 0) return -1;
        have += (size_t)r;
    }
    m->body[want] = '\0';
    m->body_len = want;
    header(buf, "webhook-id", m->id, sizeof(m->id));
    header(buf, "webhook-timestamp", m->ts, sizeof(m->ts));
    header(buf, "webhook-signature", m->sig, sizeof(m->sig));
    header(buf, "content-type", m->type, sizeof(m->type));
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void answer(struct sink *s, int c, int action)
{
    if (action == SINK_HANG) {
        sleep_ms(s->hang_ms);
        return;
    }
    if (action == SINK_HOLD) {
        pthread_mutex_lock(&s->mu);
        while (!s->released && !s->stopping) pthread_cond_wait(&s->cv, &s->mu);
        s->released = 0;
        pthread_mutex_unlock(&s->mu);
        return;
    }
    char resp[128];
    int n = snprintf(resp, sizeof(resp),
                     "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", action);
    if (write(c, resp, (size_t)n) < 0) return;
}

static void *run(void *arg)
{
    struct sink *s = arg;
    for (;;) {
        struct pollfd p = {s->fd, POLLIN, 0};
        int pr = poll(&p, 1, 50);
        pthread_mutex_lock(&s->mu);
        int stop = s->stopping;
        pthread_mutex_unlock(&s->mu);
        if (stop) break;
        if (pr <= 0) continue;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) continue;
        struct sink_msg m;
        memset(&m, 0, sizeof(m));
        if (read_request(c, &m) == 0) {
            pthread_mutex_lock(&s->mu);
            size_t i = s->n;
            m.action = i < s->nscript ? s->script[i] : s->dflt;
            if (i < SINK_MAX_MSGS) s->msgs[s->n++] = m;
            s->total++;
            pthread_cond_broadcast(&s->cv);
            pthread_mutex_unlock(&s->mu);
            answer(s, c, m.action);
        }
        close(c);
    }
    return NULL;
}

struct sink *sink_start(const int *script, size_t nscript, int dflt, int hang_ms)
{
    struct sink *s = calloc(1, sizeof(*s));
    if (!s || nscript > SINK_MAX_MSGS) {
        free(s);
        return NULL;
    }
    if (nscript) memcpy(s->script, script, nscript * sizeof(*script));
    s->nscript = nscript;
    s->dflt = dflt;
    s->hang_ms = hang_ms;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) || listen(s->fd, 16) ||
        getsockname(s->fd, (struct sockaddr *)&a, &al) || pthread_create(&s->th, NULL, run, s)) {
        if (s->fd >= 0) close(s->fd);
        free(s);
        return NULL;
    }
    s->port = ntohs(a.sin_port);
    return s;
}

int sink_port(const struct sink *s) { return s->port; }

size_t sink_count(struct sink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

int sink_get(struct sink *s, size_t i, struct sink_msg *out)
{
    pthread_mutex_lock(&s->mu);
    int ok = i < s->n;
    if (ok) *out = s->msgs[i];
    pthread_mutex_unlock(&s->mu);
    return ok;
}

int sink_wait(struct sink *s, size_t n, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        if (sink_count(s) >= n) return 0;
        sleep_ms(10);
    }
    return sink_count(s) >= n ? 0 : -1;
}

void sink_release(struct sink *s)
{
    pthread_mutex_lock(&s->mu);
    s->released = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void sink_stop(struct sink *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
    close(s->fd);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

size_t sink_total(struct sink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->total;
    pthread_mutex_unlock(&s->mu);
    return n;
}
