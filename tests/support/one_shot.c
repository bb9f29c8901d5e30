#include "one_shot.h"

#include <netinet/in.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Reads one request (headers, then Content-Length bytes) and answers it. */
static void *serve_one(void *arg)
{
    struct one_shot *s = arg;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) return NULL;
    size_t want = 0;
    for (;;) {
        ssize_t got = read(c, s->req + s->len, sizeof(s->req) - 1 - s->len);
        if (got <= 0) break;
        s->len += (size_t)got;
        s->req[s->len] = '\0';
        char *end = strstr(s->req, "\r\n\r\n");
        if (!end) continue;
        char *cl = strcasestr(s->req, "\r\ncontent-length:");
        if (!want) want = (size_t)(end + 4 - s->req) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
        if (s->len >= want) break;
    }
    char out[128];
    int n = snprintf(out, sizeof(out), "HTTP/1.1 %s\r\nContent-Length: 0\r\n\r\n", s->answer);
    if (write(c, out, (size_t)n) != n) perror("write");
    close(c);
    return NULL;
}

int one_shot_start(struct one_shot *s, pthread_t *t)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(s->fd, 1) ||
        getsockname(s->fd, (struct sockaddr *)&sa, &sl))
        return -1;
    s->port = ntohs(sa.sin_port);
    return pthread_create(t, NULL, serve_one, s);
}

void one_shot_stop(struct one_shot *s, pthread_t t)
{
    pthread_join(t, NULL);
    close(s->fd);
}

const char *one_shot_header(const struct one_shot *s, const char *name, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof(key), "\r\n%s:", name);
    const char *h = strcasestr(s->req, key);
    if (!h) return NULL;
    h += strlen(key);
    while (*h == ' ') h++;
    size_t n = strcspn(h, "\r");
    snprintf(out, cap, "%.*s", (int)n, h);
    return out;
}

int one_shot_header_count(const struct one_shot *s, const char *name)
{
    char key[64];
    snprintf(key, sizeof(key), "\r\n%s:", name);
    const char *end = strstr(s->req, "\r\n\r\n");
    int n = 0;
    for (const char *h = s->req; (h = strcasestr(h, key)) && (!end || h < end); h += strlen(key))
        n++;
    return n;
}

const char *one_shot_body(const struct one_shot *s)
{
    const char *b = strstr(s->req, "\r\n\r\n");
    return b ? b + 4 : NULL;
}

bool one_shot_matches(const char *s, const char *re)
{
    regex_t r;
    if (!s || regcomp(&r, re, REG_EXTENDED | REG_NOSUB)) return false;
    bool ok = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return ok;
}
