/* Fuzzes the FastCGI record parser (runtime/fcgi_proto.c), the bytes the web server
 * sends on a kept connection: the input is fed in pieces whose sizes come from its first
 * byte (as reads split it), each complete request goes through cs_fcgi_envp and
 * cs_rt_req_from_params as the transport does, and the parser's promises are checked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/http.h"
#include "fcgi_proto.h"
#include "runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_arena *arena;

static void served(struct cs_fcgi_in *in)
{
    if (in->id == 0 || !in->params_done) abort();
    if (in->body_len > in->body_limit || in->body_len > in->body_total) abort();
    if (in->body_over != (in->body_total > in->body_limit)) abort();
    char **envp = cs_fcgi_envp(arena, in->params, in->params_len);
    if (envp) {
        for (char **e = envp; *e; e++)
            if (!strchr(*e, '=') || **e == '=') abort();
        struct cs_req req;
        memset(&req, 0, sizeof(req));
        if (cs_rt_req_from_params(arena, envp, &req) == 0 &&
            (!req.method || !req.path || !req.query))
            abort();
    }
    cs_arena_reset(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena) arena = cs_arena_new(16 * 1024 * 1024);
    if (!arena || size == 0) return 0;
    size_t step = (size_t)data[0] % 64 + 1;
    data++, size--;
    static unsigned char buf[CS_FCGI_RECORD_MAX];
    size_t have = 0, off = 0;
    struct cs_fcgi_in in;
    cs_fcgi_in_init(&in, 100);
    for (;;) {
        size_t take = size - off < step ? size - off : step;
        if (take > sizeof(buf) - have) take = sizeof(buf) - have;
        memcpy(buf + have, data + off, take);
        have += take;
        off += take;
        size_t used = 0;
        enum cs_fcgi_feed_rc rc = cs_fcgi_feed(&in, buf, have, &used);
        if (used > have || in.reply_len > sizeof(in.reply)) abort();
        memmove(buf, buf + used, have - used);
        have -= used;
        in.reply_len = 0;
        if (rc == CS_FCGI_ERROR) break;
        if (rc == CS_FCGI_READY) {
            served(&in);
            cs_fcgi_in_next(&in);
            continue;
        }
        if (take == 0) break;
    }
    cs_fcgi_in_free(&in);
    return 0;
}
