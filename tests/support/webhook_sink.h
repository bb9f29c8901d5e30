/* A webhook receiver on loopback for tests: answers each POST as a script says (a
 * status, a hang past the client's timeout, or a hold until released) and records the
 * Standard Webhooks headers and body of everything it received. */
#ifndef CS_TEST_WEBHOOK_SINK_H
#define CS_TEST_WEBHOOK_SINK_H

#include <stddef.h>

#define SINK_HANG (-1) /* read the request, wait hang_ms, close without answering */
#define SINK_HOLD (-2) /* read the request, wait for sink_release, then close */
#define SINK_MAX_MSGS 64

struct sink_msg {
    char id[160], ts[32], sig[512], type[64];
    char body[4096];
    size_t body_len;
    int action;
};

struct sink;

/* Listens on 127.0.0.1 (a free port). script[i] is the action for the i-th request;
 * requests past the script get `dflt`. NULL on failure. */
struct sink *sink_start(const int *script, size_t nscript, int dflt, int hang_ms);
int sink_port(const struct sink *s);
size_t sink_count(struct sink *s);
/* Every request read, also those past SINK_MAX_MSGS (which are not kept). */
size_t sink_total(struct sink *s);
/* Copy of the i-th message (0 when absent). */
int sink_get(struct sink *s, size_t i, struct sink_msg *out);
/* Waits until at least n messages arrived; 0 when they did within timeout_ms. */
int sink_wait(struct sink *s, size_t n, int timeout_ms);
void sink_release(struct sink *s);
void sink_stop(struct sink *s);

#endif
