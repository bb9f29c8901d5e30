/* Transports. Each turns its input into a cs_req, calls cs_app_handle and writes the
 * cs_resp in its own format; main.c picks one from how the binary was started. */
#ifndef CS_RUNTIME_H
#define CS_RUNTIME_H

#include <stddef.h>

#include "cs/http.h"

struct cs_env;
struct cs_arena;
struct cs_worker;

#define CS_RT_MAX_HEADERS 64
#define CS_RT_MAX_EVENT ((size_t)6 * 1024 * 1024 + 65536) /* Lambda's payload limit */

/* FastCGI on a unix socket path (created, mode 0666) or, when NULL, on the listening
 * socket inherited as fd 0 (spawn-fcgi, systemd). Serves with env->cfg.threads threads. */
int cs_rt_fcgi(struct cs_env *env, const char *socket_path);
/* Lambda custom runtime loop against the Runtime API at `api` (host:port). Returns only
 * when the Runtime API cannot be reached. */
int cs_rt_lambda(struct cs_env *env, const char *api);
/* Reports a failed cold start to the Runtime API's /init/error. */
void cs_rt_lambda_init_error(const char *api, const char *type, const char *why);
/* The local WebSocket gateway on a unix socket (ws.c): API Gateway's WebSocket API
 * played locally, calling this function's $connect/$default/$disconnect routes. */
int cs_rt_ws(struct cs_env *env, const char *socket_path);
/* Puts `connection_id` first in req's headers as x-cs-connection-id, dropping any the
 * client sent (both gateways' events go through it). */
int cs_rt_ws_headers(struct cs_arena *a, struct cs_req *req, const char *connection_id);
/* One request from the CGI environment and stdin. */
int cs_rt_cgi(struct cs_env *env);
/* Reads an API Gateway event file, handles it, prints the response event. */
int cs_rt_invoke(struct cs_env *env, const char *event_path);

/* A scheduled function's run for an EventBridge scheduled event; the result object is
 * serialized into w->arena. CS_ERR_BAD_REQUEST when the function has no run hook or
 * the event is not a scheduled event; otherwise run's code (the result says so too).
 * A function with a task hook (cs_function.task) gets other events as its task's:
 * *out its result, or on failure *error_type the task's error name (else NULL). */
int cs_rt_scheduled(struct cs_worker *w, const char *event, size_t len, int64_t deadline_ms,
                    const char **out, size_t *out_len, const char **error_type);
/* `--loop`: runs the scheduled function about once a second until SIGTERM/SIGINT. */
int cs_rt_loop(struct cs_env *env);

/* CGI-style parameters (FastCGI params or the process environment) to a request; header
 * names folded to lower case. The request's strings are allocated in `a`. */
int cs_rt_req_from_params(struct cs_arena *a, char **envp, struct cs_req *req);
/* The status line and headers for CGI and FastCGI ("Status: 200 OK\r\n...\r\n\r\n"). */
const char *cs_rt_cgi_head(struct cs_arena *a, const struct cs_resp *resp, size_t *len);

/* API Gateway events. version is 1 (REST, payload 1.0) or 2 (HTTP API, payload 2.0).
 * CS_ERR_BAD_REQUEST when the event is not an API Gateway proxy event. */
int cs_event_to_req(struct cs_arena *a, const char *event, size_t len, struct cs_req *req,
                    int *version);
/* The proxy integration response for `version`, serialized into `a`. */
int cs_event_from_resp(struct cs_arena *a, const struct cs_resp *resp, int version,
                       const char **out, size_t *len);

#endif
