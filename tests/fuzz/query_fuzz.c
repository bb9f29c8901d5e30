/* libFuzzer target: what a transport and the core read from outside before routing:
 * CGI/FastCGI parameters (cs_rt_req_from_params), query lookups (cs_req_query, keys and
 * values percent-decoded), header lookups, and the CGI response head those headers
 * could reach (cs_rt_cgi_head).
 *
 * Input: line 1 is the query string, every further line one CGI parameter NAME=value.
 * Beyond "no crash, no leak, no UB": a decoded query value is never longer than the
 * query; header names come out lower-case without '_'; and the response head is always
 * "Status" plus "name: value" lines ending in one blank line, whatever the headers held
 * (no CR/LF can split it).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/http.h"
#include "runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_arena *arena;

static void check_head(const char *head, size_t len)
{
    if (!head || strlen(head) != len || len < 4 || strncmp(head, "Status: ", 8) != 0) abort();
    if (strcmp(head + len - 4, "\r\n\r\n") != 0) abort();
    /* Every line but the last (empty) one is "name: value" with no stray CR or LF. */
    const char *p = head;
    while (p < head + len - 2) {
        const char *eol = strstr(p, "\r\n");
        if (!eol || eol == p) abort();
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (!colon || colon == p || colon[1] != ' ') abort();
        for (const char *q = p; q < eol; q++)
            if (*q == '\r' || *q == '\n') abort();
        p = eol + 2;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena) arena = cs_arena_new(16 * 1024 * 1024);
    if (!arena) abort();
    char *in = cs_arena_strndup(arena, (const char *)data, size);
    char *nl = strchr(in, '\n');
    if (nl) *nl = '\0';

    struct cs_req req;
    memset(&req, 0, sizeof(req));
    req.arena = arena;
    req.query = in;
    static const char *const names[] = {"q", "period", "a b", "%", "", "limit", "x+y", "é"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = cs_req_query(&req, names[i]);
        if (v && strlen(v) > strlen(in)) abort();
    }

    /* The rest: CGI parameters, then through the transport's translation. */
    char *envp[66];
    size_t n = 0;
    for (char *line = nl ? nl + 1 : NULL; line && n < 64;) {
        char *next = strchr(line, '\n');
        if (next) *next = '\0';
        envp[n++] = line;
        line = next ? next + 1 : NULL;
    }
    envp[n] = NULL;
    struct cs_req r2;
    memset(&r2, 0, sizeof(r2));
    if (cs_rt_req_from_params(arena, envp, &r2) == 0) {
        if (!r2.method || !r2.path || !r2.query || strchr(r2.path, '?')) abort();
        struct cs_resp resp;
        memset(&resp, 0, sizeof(resp));
        resp.status = 200;
        resp.content_type = "application/json";
        for (size_t i = 0; i < r2.nheaders; i++) {
            const char *h = r2.headers[i].name;
            for (const char *c = h; *c; c++)
                if (isupper((unsigned char)*c) || *c == '_') abort();
            if (cs_req_header(&r2, h) == NULL) abort();
            (void)cs_resp_header(&resp, h, r2.headers[i].value);
        }
        r2.arena = arena;
        (void)cs_req_query(&r2, "q");
        size_t len = 0;
        const char *head = cs_rt_cgi_head(arena, &resp, &len);
        if (head) check_head(head, len);
    }
    cs_arena_reset(arena);
    return 0;
}
