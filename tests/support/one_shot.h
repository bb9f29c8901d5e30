/* A loopback HTTP server that takes one request, keeps it whole (headers and body) and
 * answers it with a fixed status line, for tests of the outbound calls to AWS APIs
 * (the SigV4-signed Lambda Invoke, Step Functions' StartExecution), which never reach
 * AWS from here.
 *
 *   struct one_shot s = {.answer = "202 Accepted"};
 *   pthread_t t;
 *   one_shot_start(&s, &t);       // s.port: 127.0.0.1's port
 *   ... make the call ...
 *   one_shot_stop(&s, t);         // then read s.req
 */
#ifndef CS_TEST_ONE_SHOT_H
#define CS_TEST_ONE_SHOT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct one_shot {
    int fd, port;
    const char *answer; /* status line, e.g. "200 OK" */
    char req[16384];    /* the request as received, NUL-terminated */
    size_t len;
};

int one_shot_start(struct one_shot *s, pthread_t *t);
void one_shot_stop(struct one_shot *s, pthread_t t);
/* The value of header `name` (case-insensitive), copied to out; NULL when absent. */
const char *one_shot_header(const struct one_shot *s, const char *name, char *out, size_t cap);
/* How many times header `name` occurs (a header sent twice is a bug in the caller). */
int one_shot_header_count(const struct one_shot *s, const char *name);
/* The request's body (after the blank line); NULL when none arrived. */
const char *one_shot_body(const struct one_shot *s);
/* Whether s matches the extended regular expression re (NULL s: false). */
bool one_shot_matches(const char *s, const char *re);

#endif
