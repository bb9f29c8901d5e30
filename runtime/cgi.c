/* CGI transport: one request from the process environment and stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/env.h"
#include "runtime.h"

extern char **environ;

static void read_stdin(struct cs_arena *a, size_t max, struct cs_req *req)
{
    const char *cl = getenv("CONTENT_LENGTH");
    char *end;
    unsigned long long want = cl && *cl ? strtoull(cl, &end, 10) : 0;
    req->body_len = want > max ? max + 1 : (size_t)want;
    if (want == 0 || want > max) return;
    char *body = cs_arena_alloc(a, (size_t)want + 1);
    if (!body) return;
    req->body_len = fread(body, 1, (size_t)want, stdin);
    req->body = body;
}

int cs_rt_cgi(struct cs_env *env)
{
    struct cs_worker w;
    const char *why;
    if (cs_worker_init(&w, env, &why)) return 1;
    struct cs_req req;
    struct cs_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    int rc = cs_rt_req_from_params(w.arena, environ, &req);
    if (rc == 0) {
        read_stdin(w.arena, env->cfg.max_body, &req);
        cs_app_handle(&w, &req, &resp);
        size_t hlen;
        const char *head = cs_rt_cgi_head(w.arena, &resp, &hlen);
        if (head) fwrite(head, 1, hlen, stdout);
        if (head && resp.body_len) fwrite(resp.body, 1, resp.body_len, stdout);
        fflush(stdout);
    } else {
        fputs("Status: 400 Bad Request\r\nContent-Type: application/json\r\n\r\n"
              "{\"detail\":\"Bad request\"}",
              stdout);
    }
    cs_worker_clean_up(&w);
    return 0;
}
