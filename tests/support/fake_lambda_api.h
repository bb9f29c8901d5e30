/* A minimal AWS Lambda Runtime API (version 2018-06-01) for tests, plus the helpers the
 * runtime tests use to run a function binary as a child process.
 *
 * The server listens on 127.0.0.1 on an ephemeral port and runs in one pthread. It speaks
 * just enough HTTP/1.1 for libcurl: request line, headers, Content-Length bodies,
 * "Expect: 100-continue", keep-alive, and answers with Content-Length.
 *
 *   GET  /2018-06-01/runtime/invocation/next          the next queued event, with the
 *        Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn and
 *        -Trace-Id headers. When the queue is empty the server closes the connection
 *        and its listening socket, so the runtime's loop finds the API unreachable and
 *        returns (the process then exits).
 *   POST /2018-06-01/runtime/invocation/{id}/response  recorded, 202
 *   POST /2018-06-01/runtime/invocation/{id}/error     recorded with the
 *        Lambda-Runtime-Function-Error-Type header, 202
 *   POST /2018-06-01/runtime/init/error                 recorded, 202
 * An unknown request id answers 400 (InvalidRequestID) and a second post for the same
 * id 400 (InvalidStateTransition), both counted as protocol errors.
 *
 * Use: start, run the binary with AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>, wait for the
 * child, read the results, stop (which frees everything).
 */
#ifndef CS_TEST_FAKE_LAMBDA_API_H
#define CS_TEST_FAKE_LAMBDA_API_H

#include <stddef.h>
#include <sys/types.h>

struct fake_lambda;

enum fake_lambda_kind { FAKE_LAMBDA_NONE, FAKE_LAMBDA_RESPONSE, FAKE_LAMBDA_ERROR };

struct fake_lambda_result {
    enum fake_lambda_kind kind;
    char *body; /* NUL-terminated copy of what was posted */
    size_t body_len;
    char *error_type; /* Lambda-Runtime-Function-Error-Type, NULL when absent */
    int order;        /* 0 for the first post the server received, 1 for the next, ... */
    double at_ms;     /* monotonic clock (fake_lambda_now_ms) when it arrived */
    double sent_ms;   /* ...when /next handed the event out: at_ms - sent_ms is the
                         duration Lambda would bill (rounded up to 1 ms) */
};

/* Queues `n` event bodies (copied) and starts serving. `ids` gives each event's request
 * id; NULL (or a NULL entry) generates one. Returns NULL when the socket or thread
 * cannot be set up. */
struct fake_lambda *fake_lambda_start(const char *const *events, const char *const *ids, size_t n);
int fake_lambda_port(const struct fake_lambda *f);
/* The request id of queued event i. */
const char *fake_lambda_request_id(const struct fake_lambda *f, size_t i);
/* Waits until the queue is drained and the server has shut down after the final /next.
 * 0 when it did, -1 on timeout. */
int fake_lambda_wait(struct fake_lambda *f, int timeout_ms);
/* Stops serving (closing any open connection), joins the thread and frees everything,
 * results included. NULL is allowed. */
void fake_lambda_stop(struct fake_lambda *f);

/* What was posted for the request id; NULL when nothing was (valid until stop). */
const struct fake_lambda_result *fake_lambda_result(const struct fake_lambda *f, const char *id);
/* The /init/error post (kind FAKE_LAMBDA_ERROR), NULL when there was none. */
const struct fake_lambda_result *fake_lambda_init_error(const struct fake_lambda *f);
/* Events handed out by /next so far. */
size_t fake_lambda_delivered(const struct fake_lambda *f);
/* Requests the server refused (unknown id, duplicate post, unknown path, bad HTTP). */
int fake_lambda_protocol_errors(const struct fake_lambda *f);

/* CLOCK_MONOTONIC in milliseconds. */
double fake_lambda_now_ms(void);

/* ---- child processes ---- */

/* Starts `path` with `argv` (argv[0] included, NULL-terminated) and exactly the
 * environment `envp` plus any ASAN_OPTIONS / UBSAN_OPTIONS / LSAN_OPTIONS of this
 * process. stdin_path / stdout_path / stderr_path redirect those streams (NULL: stdin
 * from /dev/null, output inherited). Returns the pid, -1 on failure. */
pid_t test_child_start(const char *path, char *const argv[], char *const envp[],
                       const char *stdin_path, const char *stdout_path, const char *stderr_path);
/* Waits up to timeout_ms for the child; on timeout kills it (SIGKILL) and reaps it.
 * Returns the exit status (0..255), 128 + signal when it was killed by a signal, or -1
 * on timeout. */
int test_child_wait(pid_t pid, int timeout_ms);

/* Reads a whole file into a malloc'd NUL-terminated string (free() it); NULL on error. */
char *test_read_file(const char *path, size_t *len);
/* Writes `len` bytes to `path` (created or truncated). 0 on success. */
int test_write_file(const char *path, const char *data, size_t len);

#endif
