/* A fake LLM provider for tests: an HTTP/1.1 server on 127.0.0.1 (ephemeral port, one
 * pthread, one connection at a time) that answers each request with the next reply of
 * a script, so a test can play recorded provider responses, including failures:
 *
 *   status + headers + body             a normal answer (Content-Length framed)
 *   chunks                              a streamed body (no length; the connection
 *                                       closes after the last chunk), chunk_delay_ms apart
 *   delay_ms                            waits before answering (slow provider)
 *   truncate_at                         announces the full length, sends only this many
 *                                       bytes, then closes (cut-off response)
 *
 * Past the end of the script the last reply repeats. Every request (head and body) is
 * recorded for assertions. */
#ifndef CS_TEST_FAKE_PROVIDER_H
#define CS_TEST_FAKE_PROVIDER_H

#include <stddef.h>

struct fake_reply {
    int status;
    const char *headers; /* extra "Name: value\r\n" lines, or NULL */
    const char *body;
    const char *const *chunks; /* NULL-terminated; used instead of body when set */
    int chunk_delay_ms;
    int delay_ms;
    size_t truncate_at;
};

struct fake_provider;

/* The script is borrowed: it must outlive the server. NULL on failure. */
struct fake_provider *fake_provider_start(const struct fake_reply *script, size_t n);
/* "http://127.0.0.1:PORT" */
const char *fake_provider_url(const struct fake_provider *f);
size_t fake_provider_count(struct fake_provider *f);
/* Request line and headers / body of the i-th request (copies owned by the server);
 * NULL when there is no such request. */
const char *fake_provider_head(struct fake_provider *f, size_t i);
const char *fake_provider_body(struct fake_provider *f, size_t i);
void fake_provider_stop(struct fake_provider *f);

#endif
