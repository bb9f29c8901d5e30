/* The request path shared by every transport: match the route, answer CORS preflights,
 * authenticate, rate-limit, parse and validate the body, call the handler, turn errors
 * into the family's format, add request id and CORS headers, and log one line.
 *
 * A worker owns one arena and one store connection and serves one request at a time;
 * FastCGI runs several workers on threads, the other transports one.
 */
#ifndef CS_APP_H
#define CS_APP_H

#include "cs/error.h"

struct cs_env;
struct cs_function;
struct cs_req;
struct cs_resp;
struct cs_arena;
struct cs_store;
struct cs_schema;
struct json_object;

struct cs_worker {
    struct cs_env *env;
    struct cs_arena *arena;
    struct cs_store *store;
};

/* Opens the worker's arena and (when the function needs one) store connection. */
CS_MUST_CHECK int cs_worker_init(struct cs_worker *w, struct cs_env *env, const char **why);
void cs_worker_clean_up(struct cs_worker *w);

/* Handles one request. The transport has filled the transport part of `req` (strings
 * may live in w->arena) and zeroed `resp`. Always produces a complete response; the
 * transport writes it and then calls cs_arena_reset(w->arena). */
void cs_app_handle(struct cs_worker *w, struct cs_req *req, struct cs_resp *resp);

/* The body check the core runs for a function's declared schema, for handlers that
 * must read the body themselves: one route of several takes a body, or the raw body
 * must be authenticated (a webhook signature) before it is parsed. Size, content type,
 * JSON and schema; *out is owned by the request's arena. */
CS_MUST_CHECK int cs_app_read_json(const struct cs_req *req, struct cs_resp *resp,
                                   const struct cs_schema *s, struct json_object **out);

/* Prints the function's declaration (name, family, routes, auth) as one JSON line. */
void cs_app_print_routes(const struct cs_function *fn);

#endif
