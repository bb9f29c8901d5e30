/* Local WebSocket gateway: plays the part API Gateway's WebSocket API plays on AWS, so
 * the function code is the same in both places.
 *
 *   BINARY --websocket SOCKET
 *
 * nginx proxies `/websocket` (with Upgrade) to SOCKET. For each connection the gateway
 * calls the function's handler as API Gateway calls its Lambda: WS /websocket/$connect
 * (the upgrade's query and headers; a non-2xx answer refuses the handshake with that
 * status), WS /websocket/$default with each text message as the body (a non-empty
 * answer goes back as a text message), WS /websocket/$disconnect when it ends; the
 * connection id is in the `x-cs-connection-id` header (any client-sent one is dropped).
 * On the same socket it serves API Gateway's management API, which the broadcaster
 * (websocket-broadcast) posts to: POST /@connections/{id} sends the body as a text
 * message, DELETE closes, GET describes; 410 when the connection is gone.
 *
 * It never waits for one client: sockets are non-blocking, each connection queues at
 * most WS_OUT_MAX bytes, and a client that falls further behind is dropped (close 1008,
 * $disconnect, 410 to the poster). It pings idle clients every CS_WS_PING_MS (20 s) and
 * drops those that do not answer within another interval; it answers pings with pongs.
 * One thread: handler calls (a few store operations) run between socket events.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/json.h"
#include "cs/log.h"
#include "runtime.h"
#include "ws_frame.h"

#define WS_MAX_CONNS 1024
#define WS_HEAD_MAX 16384
#define WS_MSG_MAX (64 * 1024)   /* one client message */
#define WS_OUT_MAX (256 * 1024)  /* queued towards one client before it is dropped */
#define WS_POST_MAX (128 * 1024) /* one management POST body */
#define WS_ID_LEN 16

enum kind { K_HEAD, K_WS, K_MGMT };

struct conn {
    int fd;
    enum kind kind;
    char id[WS_ID_LEN + 1];
    unsigned char *in;
    size_t in_len, in_cap;
    unsigned char *out;
    size_t out_len, out_off;
    unsigned char *msg; /* a fragmented message being assembled */
    size_t msg_len;
    bool in_msg;
    int64_t connected_ms, active_ms, ping_ms;
    bool awaiting_pong, closing, announced;
};

struct gw {
    struct cs_worker w;
    int lfd;
    struct conn *conns[WS_MAX_CONNS];
    size_t n;
    int64_t ping_every;
};

static volatile sig_atomic_t stopping;
static void on_stop(int sig)
{
    (void)sig;
    stopping = 1;
}

/* ---- buffers ---- */

static bool out_put(struct conn *c, const void *p, size_t n)
{
    size_t pending = c->out_len - c->out_off;
    if (pending + n > WS_OUT_MAX + CS_WS_HEADER_MAX + 256) return false;
    if (c->out_off && c->out_off == c->out_len) c->out_off = c->out_len = 0;
    if (c->out_len + n > WS_OUT_MAX + CS_WS_HEADER_MAX + 256) { /* compact */
        memmove(c->out, c->out + c->out_off, pending);
        c->out_len = pending;
        c->out_off = 0;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    return true;
}

static bool send_frame(struct conn *c, enum cs_ws_opcode op, const void *p, size_t n)
{
    unsigned char h[CS_WS_HEADER_MAX];
    size_t hl = cs_ws_header(h, op, n);
    if (c->out_len - c->out_off + hl + n > WS_OUT_MAX + CS_WS_HEADER_MAX + 256) return false;
    return out_put(c, h, hl) && out_put(c, p, n);
}

static void send_close(struct conn *c, int code, const char *why)
{
    unsigned char b[2 + 64];
    size_t wl = strlen(why) < 64 ? strlen(why) : 64;
    b[0] = (unsigned char)(code >> 8);
    b[1] = (unsigned char)code;
    memcpy(b + 2, why, wl);
    (void)send_frame(c, CS_WS_CLOSE, b, 2 + wl);
    c->closing = true;
}

static void flush(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w =
            send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            c->out_off += (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (w < 0 && errno == EINTR) continue;
        c->closing = true; /* the peer is gone */
        c->out_off = c->out_len;
        return;
    }
}

/* ---- calling the function ---- */

/* The request headers with the gateway's connection id first and any client-sent one
 * removed, so a client cannot speak for another connection. */
int cs_rt_ws_headers(struct cs_arena *a, struct cs_req *req, const char *connection_id)
{
    struct cs_header *h = cs_arena_alloc(a, (req->nheaders + 1) * sizeof(*h));
    if (!h) return CS_ERR_NOMEM;
    size_t n = 0;
    h[n++] = (struct cs_header){"x-cs-connection-id", connection_id};
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcmp(req->headers[i].name, "x-cs-connection-id") != 0) h[n++] = req->headers[i];
    req->headers = h;
    req->nheaders = n;
    return CS_OK;
}

struct answer {
    int status;
    char *body; /* heap copy, NULL when empty */
    size_t len;
};

static void invoke(struct gw *g, struct conn *c, const char *route, const char *query,
                   const struct cs_header *hs, size_t nh, const char *body, size_t len,
                   struct answer *out)
{
    struct cs_req req = {.method = "WS",
                         .query = query ? query : "",
                         .headers = hs,
                         .nheaders = nh,
                         .body = len ? body : NULL,
                         .body_len = len,
                         .peer_addr = "127.0.0.1"};
    struct cs_resp resp;
    memset(&resp, 0, sizeof(resp));
    *out = (struct answer){.status = 500};
    req.path = cs_arena_printf(g->w.arena, "/websocket/%s", route);
    if (req.path && cs_rt_ws_headers(g->w.arena, &req, c->id) == CS_OK) {
        cs_app_handle(&g->w, &req, &resp);
        out->status = resp.status;
        if (resp.body_len && (out->body = malloc(resp.body_len))) {
            memcpy(out->body, resp.body, resp.body_len);
            out->len = resp.body_len;
        }
    }
    cs_arena_reset(g->w.arena);
}

static void announce_gone(struct gw *g, struct conn *c)
{
    if (c->kind != K_WS || c->announced) return;
    c->announced = true;
    struct answer a;
    invoke(g, c, "$disconnect", "", NULL, 0, NULL, 0, &a);
    free(a.body);
}

/* ---- connections ---- */

static struct conn *conn_new(int fd, int64_t now)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    c->fd = fd;
    c->in_cap = WS_HEAD_MAX;
    c->in = malloc(c->in_cap);
    c->out = malloc(WS_OUT_MAX + CS_WS_HEADER_MAX + 256);
    c->connected_ms = c->active_ms = now;
    if (!c->in || !c->out) {
        free(c->in);
        free(c->out);
        free(c);
        return NULL;
    }
    return c;
}

static void conn_free(struct gw *g, size_t i)
{
    struct conn *c = g->conns[i];
    announce_gone(g, c);
    close(c->fd);
    free(c->in);
    free(c->out);
    free(c->msg);
    free(c);
    g->conns[i] = g->conns[--g->n];
}

static struct conn *find(struct gw *g, const char *id)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->conns[i]->kind == K_WS && !g->conns[i]->closing && strcmp(g->conns[i]->id, id) == 0)
            return g->conns[i];
    return NULL;
}

static void http_answer(struct conn *c, int status, const char *body)
{
    char head[256];
    size_t bl = body ? strlen(body) : 0;
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status, cs_http_reason(status), bl);
    if (n > 0 && (size_t)n < sizeof(head) && out_put(c, head, (size_t)n) && bl)
        (void)out_put(c, body, bl);
    c->closing = true;
}

static void on_frames(struct gw *g, struct conn *c);

/* ---- the HTTP head (an upgrade, or a management call) ---- */

struct head {
    char *method, *target, *query;
    struct cs_header h[CS_RT_MAX_HEADERS];
    size_t nh;
    size_t len; /* bytes including the blank line */
};

static const char *hget(const struct head *hd, const char *name)
{
    for (size_t i = 0; i < hd->nh; i++)
        if (strcmp(hd->h[i].name, name) == 0) return hd->h[i].value;
    return NULL;
}

/* Parses the request head in c->in (NUL-terminated copy in the arena). False when
 * malformed. Header names are folded to lower case, as every transport does. */
static bool parse_head(struct cs_arena *a, const unsigned char *in, size_t len, struct head *hd)
{
    char *s = cs_arena_strndup(a, (const char *)in, len);
    if (!s || memchr(in, '\0', len)) return false;
    memset(hd, 0, sizeof(*hd));
    hd->len = len;
    char *save = NULL, *line = strtok_r(s, "\r\n", &save);
    if (!line) return false;
    char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) return false;
    *sp1 = *sp2 = '\0';
    hd->method = line;
    hd->target = sp1 + 1;
    char *q = strchr(hd->target, '?');
    hd->query = q ? q + 1 : "";
    if (q) *q = '\0';
    while ((line = strtok_r(NULL, "\r\n", &save))) {
        char *colon = strchr(line, ':');
        if (!colon || colon == line) return false;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t') v++;
        for (char *p = line; *p; p++) *p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
        if (hd->nh < CS_RT_MAX_HEADERS) hd->h[hd->nh++] = (struct cs_header){line, v};
    }
    return true;
}

static bool has_token(const char *v, const char *tok)
{
    size_t n = strlen(tok);
    for (const char *p = v; p && *p; p++)
        if (strncasecmp(p, tok, n) == 0) return true;
    return false;
}

static void upgrade(struct gw *g, struct conn *c, const struct head *hd)
{
    char accept[CS_WS_ACCEPT_LEN + 1];
    const char *up = hget(hd, "upgrade"), *ver = hget(hd, "sec-websocket-version");
    if (strcmp(hd->method, "GET") != 0 || !up || !has_token(up, "websocket") || !ver ||
        strcmp(ver, "13") != 0 || !cs_ws_accept_key(hget(hd, "sec-websocket-key"), accept)) {
        http_answer(c, 400,
                    "{\"error\":true,\"status_code\":400,\"message\":\"Expected a WebSocket "
                    "upgrade (RFC 6455, version 13)\"}");
        return;
    }
    unsigned char raw[12];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(c->id, sizeof(c->id), raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    c->kind = K_WS;
    struct answer a;
    invoke(g, c, "$connect", hd->query, hd->h, hd->nh, NULL, 0, &a);
    if (a.status < 200 || a.status > 299) {
        c->kind = K_HEAD; /* refused: no $disconnect follows */
        char *body = a.body ? strndup(a.body, a.len) : NULL;
        http_answer(c, a.status ? a.status : 500, body);
        free(body);
        free(a.body);
        return;
    }
    free(a.body);
    char resp[256];
    int n =
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: %s\r\n\r\n",
                 accept);
    (void)out_put(c, resp, (size_t)n);
}

/* The management API: POST/DELETE/GET /@connections/{id}. */
static void manage(struct gw *g, struct conn *c, const struct head *hd, const unsigned char *body,
                   size_t len)
{
    const char *id = hd->target + strlen("/@connections/");
    struct conn *t = strlen(id) == WS_ID_LEN ? find(g, id) : NULL;
    if (!t) {
        http_answer(c, 410, "{\"message\":\"Gone\"}");
        return;
    }
    if (strcmp(hd->method, "POST") == 0) {
        if (!send_frame(t, CS_WS_TEXT, body, len)) {
            /* Too far behind: dropping it is how one slow client never holds up others. */
            cs_log(CS_LOG_INFO, "websocket client dropped: too slow", "connection", t->id, NULL);
            t->out_off = t->out_len; /* what it has not read is lost with it */
            send_close(t, 1008, "too slow");
            http_answer(c, 410, "{\"message\":\"Gone\"}");
            return;
        }
        http_answer(c, 200, NULL);
    } else if (strcmp(hd->method, "DELETE") == 0) {
        send_close(t, 1000, "closed by the server");
        http_answer(c, 204, NULL);
    } else if (strcmp(hd->method, "GET") == 0) {
        char iso1[CS_ISO_MAX], iso2[CS_ISO_MAX], b[160];
        cs_time_iso(t->connected_ms, CS_ISO_Z_MS, iso1);
        cs_time_iso(t->active_ms, CS_ISO_Z_MS, iso2);
        snprintf(b, sizeof(b), "{\"connectedAt\":\"%s\",\"lastActiveAt\":\"%s\"}", iso1, iso2);
        http_answer(c, 200, b);
    } else {
        http_answer(c, 405, "{\"message\":\"Method Not Allowed\"}");
    }
}

static void on_head(struct gw *g, struct conn *c)
{
    const unsigned char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end) {
        if (c->in_len >= WS_HEAD_MAX)
            http_answer(c, 431, "{\"message\":\"Request header too large\"}");
        return;
    }
    size_t hl = (size_t)(end - c->in) + 4;
    struct head hd;
    if (!parse_head(g->w.arena, c->in, hl, &hd)) {
        http_answer(c, 400, "{\"message\":\"Bad request\"}");
    } else if (strncmp(hd.target, "/@connections/", 14) == 0) {
        const char *cl = hget(&hd, "content-length");
        char *e = NULL;
        unsigned long long want = cl ? strtoull(cl, &e, 10) : 0;
        if (cl && (!e || *e || want > WS_POST_MAX)) {
            http_answer(c, 413, "{\"message\":\"Payload too large\"}");
        } else if (c->in_len - hl >= want) {
            manage(g, c, &hd, c->in + hl, (size_t)want);
        } else {
            cs_arena_reset(g->w.arena);
            return; /* the rest of the body is on its way */
        }
    } else if (strcmp(hd.target, "/websocket") == 0) {
        upgrade(g, c, &hd);
        memmove(c->in, c->in + hl, c->in_len - hl);
        c->in_len -= hl;
        cs_arena_reset(g->w.arena);
        if (c->kind == K_WS && c->in_len) on_frames(g, c); /* frames right behind the head */
        return;
    } else {
        http_answer(c, 404, "{\"message\":\"Not Found\"}");
    }
    cs_arena_reset(g->w.arena);
}

/* ---- WebSocket messages ---- */

static void on_message(struct gw *g, struct conn *c, const unsigned char *p, size_t n)
{
    if (!cs_utf8_valid((const char *)p, n)) {
        send_close(c, 1007, "text is not UTF-8");
        return;
    }
    struct cs_header ct = {"content-type", "application/json"};
    struct answer a;
    invoke(g, c, "$default", "", &ct, 1, (const char *)p, n, &a);
    if (a.len && !send_frame(c, CS_WS_TEXT, a.body, a.len)) send_close(c, 1008, "too slow");
    /* An unauthenticated client is let go, as its messages would be. */
    if (a.status == 401) send_close(c, 1008, "not authenticated");
    free(a.body);
}

static void on_frame(struct gw *g, struct conn *c, const struct cs_ws_frame *f)
{
    switch (f->opcode) {
    case CS_WS_PING: (void)send_frame(c, CS_WS_PONG, f->payload, f->len); return;
    case CS_WS_PONG: c->awaiting_pong = false; return;
    case CS_WS_CLOSE:
        if (!c->closing) send_close(c, 1000, "");
        return;
    case CS_WS_BINARY: send_close(c, 1003, "text messages only"); return;
    case CS_WS_TEXT:
    case CS_WS_CONT: break;
    }
    if ((f->opcode == CS_WS_TEXT) == c->in_msg) {
        send_close(c, 1002, "bad fragmentation");
        return;
    }
    if (f->fin && f->opcode == CS_WS_TEXT) {
        on_message(g, c, f->payload, f->len);
        return;
    }
    if (c->msg_len + f->len > WS_MSG_MAX) {
        send_close(c, 1009, "message too big");
        return;
    }
    if (!c->msg && !(c->msg = malloc(WS_MSG_MAX))) {
        send_close(c, 1011, "out of memory");
        return;
    }
    memcpy(c->msg + c->msg_len, f->payload, f->len);
    c->msg_len += f->len;
    c->in_msg = !f->fin;
    if (f->fin) {
        on_message(g, c, c->msg, c->msg_len);
        c->msg_len = 0;
    }
}

static void on_frames(struct gw *g, struct conn *c)
{
    size_t at = 0;
    while (!c->closing && at < c->in_len) {
        struct cs_ws_frame f;
        long used = cs_ws_parse(c->in + at, c->in_len - at, WS_MSG_MAX, &f);
        if (used == CS_WS_NEED_MORE) break;
        if (used < 0) {
            send_close(c, used == CS_WS_TOO_BIG ? 1009 : 1002,
                       used == CS_WS_TOO_BIG ? "message too big" : "protocol error");
            break;
        }
        at += (size_t)used;
        on_frame(g, c, &f);
    }
    memmove(c->in, c->in + at, c->in_len - at);
    c->in_len -= at;
}

/* ---- the loop ---- */

static void on_readable(struct gw *g, struct conn *c, int64_t now)
{
    if (c->in_len == c->in_cap) {
        size_t want = c->kind == K_WS ? WS_MSG_MAX + 16 : WS_HEAD_MAX + WS_POST_MAX;
        unsigned char *bigger = c->in_cap < want ? realloc(c->in, want) : NULL;
        if (!bigger) {
            c->closing = true;
            return;
        }
        c->in = bigger;
        c->in_cap = want;
    }
    ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        c->closing = true;
        c->out_off = c->out_len;
        return;
    }
    if (r < 0) return;
    c->in_len += (size_t)r;
    c->active_ms = now;
    if (c->kind == K_WS)
        on_frames(g, c);
    else
        on_head(g, c);
}

static void accept_all(struct gw *g, int64_t now)
{
    for (;;) {
        int fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) return;
        struct conn *c = g->n < WS_MAX_CONNS ? conn_new(fd, now) : NULL;
        if (!c) {
            close(fd); /* full: nginx answers 502, the client retries */
            continue;
        }
        g->conns[g->n++] = c;
    }
}

static void keepalive(struct conn *c, int64_t now, int64_t every)
{
    if (c->kind != K_WS || c->closing) return;
    if (c->awaiting_pong && now - c->ping_ms > every) {
        send_close(c, 1001, "no pong");
        c->out_off = c->out_len;
    } else if (!c->awaiting_pong && now - c->active_ms > every) {
        c->awaiting_pong = send_frame(c, CS_WS_PING, "cs", 2);
        c->ping_ms = now;
    }
}

static int open_socket(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1024) != 0) {
        close(fd);
        return -1;
    }
    chmod(path, 0600); /* as the FastCGI sockets: only this user (nginx, the broadcaster) */
    return fd;
}

static int64_t env_ms(const char *name, int64_t dflt)
{
    const char *v = getenv(name);
    char *e = NULL;
    long long n = v && *v ? strtoll(v, &e, 10) : 0;
    return e && *e == '\0' && n >= 100 && n <= 3600000 ? n : dflt;
}

static void serve(struct gw *g)
{
    struct pollfd *pfd = calloc(WS_MAX_CONNS + 1, sizeof(*pfd));
    if (!pfd) return;
    int64_t last_tick = 0;
    while (!stopping) {
        pfd[0] = (struct pollfd){.fd = g->lfd, .events = POLLIN};
        for (size_t i = 0; i < g->n; i++) {
            struct conn *c = g->conns[i];
            short ev = c->closing ? 0 : POLLIN;
            if (c->out_off < c->out_len) ev |= POLLOUT;
            pfd[i + 1] = (struct pollfd){.fd = c->fd, .events = ev};
        }
        size_t n = g->n;
        if (poll(pfd, n + 1, 500) < 0 && errno != EINTR) break;
        int64_t now = cs_now_ms();
        for (size_t i = 0; i < n; i++) {
            struct conn *c = g->conns[i];
            if (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) on_readable(g, c, now);
            if (now - last_tick >= 500) keepalive(c, now, g->ping_every);
        }
        if (now - last_tick >= 500) last_tick = now;
        /* Management calls may have queued output on any connection: flush them all. */
        for (size_t i = g->n; i-- > 0;) {
            struct conn *c = g->conns[i];
            flush(c);
            if (c->closing && c->out_off >= c->out_len) conn_free(g, i);
        }
        if (pfd[0].revents & POLLIN) accept_all(g, now);
    }
    free(pfd);
}

int cs_rt_ws(struct cs_env *env, const char *socket_path)
{
    struct gw *g = calloc(1, sizeof(*g));
    const char *why = NULL;
    if (!g) return 1;
    if (cs_worker_init(&g->w, env, &why)) {
        cs_log(CS_LOG_ERROR, "worker init failed", "reason", why, NULL);
        free(g);
        return 1;
    }
    g->ping_every = env_ms("CS_WS_PING_MS", 20000);
    g->lfd = open_socket(socket_path);
    if (g->lfd < 0) {
        cs_log(CS_LOG_ERROR, "cannot listen", "socket", socket_path, NULL);
        cs_worker_clean_up(&g->w);
        free(g);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    cs_log(CS_LOG_INFO, "listening", "transport", "websocket", "socket", socket_path, NULL);
    serve(g);
    while (g->n) conn_free(g, g->n - 1);
    close(g->lfd);
    unlink(socket_path);
    cs_worker_clean_up(&g->w);
    free(g);
    return 0;
}
