/* FastCGI records, by hand rather than libfcgi: libfcgi's parser sits behind its own
 * blocking accept/read loop, which pins a thread to a connection for as long as the web
 * server keeps it open (fastcgi_keep_conn). Serving kept connections from an event loop
 * needs a parser that takes whatever bytes arrived and says when a request is whole. */
#include "fcgi_proto.h"

#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"

enum {
    FCGI_VERSION_1 = 1,
    FCGI_BEGIN_REQUEST = 1,
    FCGI_ABORT_REQUEST = 2,
    FCGI_END_REQUEST = 3,
    FCGI_PARAMS = 4,
    FCGI_STDIN = 5,
    FCGI_STDOUT = 6,
    FCGI_GET_VALUES = 9,
    FCGI_GET_VALUES_RESULT = 10,
    FCGI_UNKNOWN_TYPE = 11,
    FCGI_RESPONDER = 1,
    FCGI_KEEP_CONN = 1,
    FCGI_REQUEST_COMPLETE = 0,
    FCGI_CANT_MPX_CONN = 1,
    FCGI_UNKNOWN_ROLE = 3,
};

void cs_fcgi_in_init(struct cs_fcgi_in *in, size_t body_limit)
{
    memset(in, 0, sizeof(*in));
    in->body_limit = body_limit;
}

void cs_fcgi_in_free(struct cs_fcgi_in *in)
{
    free(in->params);
    free(in->body);
    memset(in, 0, sizeof(*in));
}

void cs_fcgi_in_next(struct cs_fcgi_in *in)
{
    in->id = 0;
    in->keep_conn = false;
    in->params_done = false;
    in->body_over = false;
    in->params_len = in->body_len = in->body_total = 0;
}

static int grow(char **p, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 1024;
    while (n < need) n *= 2;
    char *q = realloc(*p, n);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}

static void put_header(unsigned char *h, int type, uint16_t id, size_t clen)
{
    h[0] = FCGI_VERSION_1;
    h[1] = (unsigned char)type;
    h[2] = (unsigned char)(id >> 8);
    h[3] = (unsigned char)id;
    h[4] = (unsigned char)(clen >> 8);
    h[5] = (unsigned char)clen;
    h[6] = 0; /* no padding */
    h[7] = 0;
}

/* A record for the connection's reply queue; false when the queue is full (a peer
 * sending management records without reading the answers). */
static bool queue_reply(struct cs_fcgi_in *in, int type, uint16_t id, const void *body, size_t n)
{
    if (in->reply_len + CS_FCGI_HEADER_LEN + n > sizeof(in->reply)) return false;
    put_header(in->reply + in->reply_len, type, id, n);
    memcpy(in->reply + in->reply_len + CS_FCGI_HEADER_LEN, body, n);
    in->reply_len += CS_FCGI_HEADER_LEN + n;
    return true;
}

static bool queue_end(struct cs_fcgi_in *in, uint16_t id, int protocol_status)
{
    const unsigned char body[8] = {0, 0, 0, 0, (unsigned char)protocol_status, 0, 0, 0};
    return queue_reply(in, FCGI_END_REQUEST, id, body, sizeof(body));
}

/* One name-value length: 1 byte below 128, else 4 bytes with the top bit set. */
static bool pair_len(const unsigned char **p, const unsigned char *end, size_t *out)
{
    if (*p >= end) return false;
    if (!(**p & 0x80)) {
        *out = *(*p)++;
        return true;
    }
    if (end - *p < 4) return false;
    *out = ((size_t)((*p)[0] & 0x7f) << 24) | ((size_t)(*p)[1] << 16) | ((size_t)(*p)[2] << 8) |
           (*p)[3];
    *p += 4;
    return true;
}

/* Walks the pairs; calls fn for each, stops at the first malformed length. */
static bool each_pair(const unsigned char *p, size_t len,
                      void (*fn)(void *ctx, const unsigned char *name, size_t nlen,
                                 const unsigned char *value, size_t vlen),
                      void *ctx)
{
    const unsigned char *end = p + len;
    while (p < end) {
        size_t nlen, vlen;
        if (!pair_len(&p, end, &nlen) || !pair_len(&p, end, &vlen)) return false;
        if (nlen > (size_t)(end - p) || vlen > (size_t)(end - p) - nlen) return false;
        fn(ctx, p, nlen, p + nlen, vlen);
        p += nlen + vlen;
    }
    return true;
}

struct values_answer {
    unsigned char buf[128];
    size_t len;
};

static void answer_value(void *ctx, const unsigned char *name, size_t nlen,
                         const unsigned char *value, size_t vlen)
{
    (void)value;
    (void)vlen;
    /* One connection carries one request at a time; connections are not limited. */
    static const struct {
        const char *name, *value;
    } known[] = {
        {"FCGI_MPXS_CONNS", "0"}, {"FCGI_MAX_REQS", "1000000"}, {"FCGI_MAX_CONNS", "1000000"}};
    struct values_answer *a = ctx;
    for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++) {
        size_t kn = strlen(known[i].name), kv = strlen(known[i].value);
        if (nlen != kn || memcmp(name, known[i].name, kn) != 0) continue;
        if (a->len + 2 + kn + kv > sizeof(a->buf)) return;
        a->buf[a->len++] = (unsigned char)kn;
        a->buf[a->len++] = (unsigned char)kv;
        memcpy(a->buf + a->len, known[i].name, kn);
        memcpy(a->buf + a->len + kn, known[i].value, kv);
        a->len += kn + kv;
    }
}

static bool management(struct cs_fcgi_in *in, int type, const unsigned char *c, size_t clen)
{
    if (type == FCGI_GET_VALUES) {
        struct values_answer a = {.len = 0};
        each_pair(c, clen, answer_value, &a); /* a malformed query gets what parsed */
        return queue_reply(in, FCGI_GET_VALUES_RESULT, 0, a.buf, a.len);
    }
    const unsigned char body[8] = {(unsigned char)type, 0, 0, 0, 0, 0, 0, 0};
    return queue_reply(in, FCGI_UNKNOWN_TYPE, 0, body, sizeof(body));
}

static enum cs_fcgi_feed_rc begin(struct cs_fcgi_in *in, uint16_t id, const unsigned char *c,
                                  size_t clen)
{
    if (clen < 8) return CS_FCGI_ERROR;
    int role = (c[0] << 8) | c[1];
    if (in->id) /* one request at a time on a connection */
        return in->id != id && queue_end(in, id, FCGI_CANT_MPX_CONN) ? CS_FCGI_NEED_MORE
                                                                     : CS_FCGI_ERROR;
    if (role != FCGI_RESPONDER)
        return queue_end(in, id, FCGI_UNKNOWN_ROLE) ? CS_FCGI_NEED_MORE : CS_FCGI_ERROR;
    cs_fcgi_in_next(in);
    in->id = id;
    in->keep_conn = c[2] & FCGI_KEEP_CONN;
    return CS_FCGI_NEED_MORE;
}

static enum cs_fcgi_feed_rc params(struct cs_fcgi_in *in, const unsigned char *c, size_t clen)
{
    if (in->params_done) return CS_FCGI_ERROR;
    if (clen == 0) {
        in->params_done = true;
        return CS_FCGI_NEED_MORE;
    }
    if (in->params_len + clen > CS_FCGI_PARAMS_MAX) return CS_FCGI_ERROR;
    if (grow(&in->params, &in->params_cap, in->params_len + clen)) return CS_FCGI_ERROR;
    memcpy(in->params + in->params_len, c, clen);
    in->params_len += clen;
    return CS_FCGI_NEED_MORE;
}

static enum cs_fcgi_feed_rc body(struct cs_fcgi_in *in, const unsigned char *c, size_t clen)
{
    if (!in->params_done) return CS_FCGI_ERROR;
    if (clen == 0) return CS_FCGI_READY;
    in->body_total += clen;
    size_t keep = in->body_len < in->body_limit ? in->body_limit - in->body_len : 0;
    if (keep > clen) keep = clen;
    if (keep < clen) in->body_over = true;
    if (keep) {
        /* +1: room for a terminating NUL the handlers do not need but debuggers like. */
        if (grow(&in->body, &in->body_cap, in->body_len + keep + 1)) return CS_FCGI_ERROR;
        memcpy(in->body + in->body_len, c, keep);
        in->body_len += keep;
        in->body[in->body_len] = 0;
    }
    return CS_FCGI_NEED_MORE;
}

static enum cs_fcgi_feed_rc record(struct cs_fcgi_in *in, int type, uint16_t id,
                                   const unsigned char *c, size_t clen)
{
    if (id == 0) return management(in, type, c, clen) ? CS_FCGI_NEED_MORE : CS_FCGI_ERROR;
    if (type == FCGI_BEGIN_REQUEST) return begin(in, id, c, clen);
    if (id != in->id) return CS_FCGI_NEED_MORE; /* records of no active request: ignored */
    switch (type) {
    case FCGI_ABORT_REQUEST:
        cs_fcgi_in_next(in);
        return queue_end(in, id, FCGI_REQUEST_COMPLETE) ? CS_FCGI_NEED_MORE : CS_FCGI_ERROR;
    case FCGI_PARAMS: return params(in, c, clen);
    case FCGI_STDIN: return body(in, c, clen);
    default: return CS_FCGI_NEED_MORE; /* FCGI_DATA (filter role) and the rest: ignored */
    }
}

enum cs_fcgi_feed_rc cs_fcgi_feed(struct cs_fcgi_in *in, const unsigned char *buf, size_t len,
                                  size_t *used)
{
    size_t off = 0;
    enum cs_fcgi_feed_rc rc = CS_FCGI_NEED_MORE;
    while (len - off >= CS_FCGI_HEADER_LEN) {
        const unsigned char *h = buf + off;
        if (h[0] != FCGI_VERSION_1) {
            rc = CS_FCGI_ERROR;
            break;
        }
        size_t clen = ((size_t)h[4] << 8) | h[5], total = CS_FCGI_HEADER_LEN + clen + h[6];
        if (len - off < total) break;
        rc = record(in, h[1], (uint16_t)((h[2] << 8) | h[3]), h + CS_FCGI_HEADER_LEN, clen);
        off += total;
        if (rc != CS_FCGI_NEED_MORE) break;
    }
    *used = off;
    return rc;
}

/* ---- name-value pairs to an environment array ---- */

struct envp_build {
    struct cs_arena *a;
    char **v;
    size_t n, cap;
    bool nomem;
};

static void add_env(void *ctx, const unsigned char *name, size_t nlen, const unsigned char *value,
                    size_t vlen)
{
    struct envp_build *b = ctx;
    if (b->nomem || nlen == 0 || memchr(name, '=', nlen) || memchr(name, 0, nlen) ||
        memchr(value, 0, vlen))
        return;
    if (b->n + 1 >= b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        char **v = cs_arena_alloc(b->a, cap * sizeof(*v));
        if (!v) {
            b->nomem = true;
            return;
        }
        if (b->n) memcpy(v, b->v, b->n * sizeof(*v));
        b->v = v;
        b->cap = cap;
    }
    char *s = cs_arena_alloc(b->a, nlen + vlen + 2);
    if (!s) {
        b->nomem = true;
        return;
    }
    memcpy(s, name, nlen);
    s[nlen] = '=';
    memcpy(s + nlen + 1, value, vlen);
    s[nlen + 1 + vlen] = 0;
    b->v[b->n++] = s;
}

char **cs_fcgi_envp(struct cs_arena *a, const char *params, size_t len)
{
    struct envp_build b = {.a = a};
    if (!each_pair((const unsigned char *)params, len, add_env, &b) || b.nomem) return NULL;
    if (!b.v && !(b.v = cs_arena_alloc(a, sizeof(*b.v)))) return NULL;
    b.v[b.n] = NULL;
    return b.v;
}

/* ---- answers ---- */

static int out_reserve(struct cs_fcgi_out *o, size_t more)
{
    if (o->len + more <= o->cap) return 0;
    size_t n = o->cap ? o->cap : 16384;
    while (n < o->len + more) n *= 2;
    unsigned char *p = realloc(o->p, n);
    if (!p) return -1;
    o->p = p;
    o->cap = n;
    return 0;
}

int cs_fcgi_put_stdout(struct cs_fcgi_out *o, uint16_t id, const void *data, size_t n)
{
    const unsigned char *d = data;
    while (n) {
        size_t chunk = n > 65535 ? 65535 : n;
        if (out_reserve(o, CS_FCGI_HEADER_LEN + chunk)) return -1;
        put_header(o->p + o->len, FCGI_STDOUT, id, chunk);
        memcpy(o->p + o->len + CS_FCGI_HEADER_LEN, d, chunk);
        o->len += CS_FCGI_HEADER_LEN + chunk;
        d += chunk;
        n -= chunk;
    }
    return 0;
}

int cs_fcgi_put_end(struct cs_fcgi_out *o, uint16_t id)
{
    if (out_reserve(o, 2 * CS_FCGI_HEADER_LEN + 8)) return -1;
    put_header(o->p + o->len, FCGI_STDOUT, id, 0);
    put_header(o->p + o->len + CS_FCGI_HEADER_LEN, FCGI_END_REQUEST, id, 8);
    memset(o->p + o->len + 2 * CS_FCGI_HEADER_LEN, 0, 8); /* app status 0, complete */
    o->len += 2 * CS_FCGI_HEADER_LEN + 8;
    return 0;
}

void cs_fcgi_out_free(struct cs_fcgi_out *o)
{
    free(o->p);
    memset(o, 0, sizeof(*o));
}
