/* What a function folder declares: its routes, family, auth, body schema and handler.
 *
 * Each functions/<name>/routes.c defines exactly one `const struct cs_function
 * cs_function`; the runtime's main() serves it on whichever transport it was started
 * with, and `<binary> --routes` prints the declaration as JSON, from which the nginx
 * config and the SAM template are generated.
 */
#ifndef CS_FUNCTION_H
#define CS_FUNCTION_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/family.h"

struct cs_req;
struct cs_resp;
struct cs_env;
struct cs_schema;
struct cs_worker;

/* A route pattern is a path with `{name}` segments: "/api/v1/customer/tickets/{id}".
 * `roles` is who may call it: a comma list of roles (CS_ROLES_*), any one of which the
 * caller's token must carry; `admin` always may. NULL: any authenticated principal (the
 * reads). The core enforces it before the body is read; `--routes` prints it and the
 * README's role table is generated from it (cs-gen roles). */
struct cs_route {
    const char *method;
    const char *pattern;
    const char *roles;
};

/* The role sets the route declarations use (see README "Roles"). */
#define CS_ROLES_CONFIG "admin,manager"             /* configuration, webhooks, secrets, limits */
#define CS_ROLES_WORK "admin,manager,agent"         /* tickets, sessions, drafts: the day's work */
#define CS_ROLES_REVIEW "admin,manager,reviewer"    /* human review decisions */
#define CS_ROLES_PII "admin,manager,agent,reviewer" /* putting personal data back */

enum cs_auth_mode {
    CS_AUTH_NONE,   /* health checks and the login/token endpoints */
    CS_AUTH_BEARER, /* a valid JWT is required */
};

enum cs_need {
    CS_NEED_STORE = 1u << 0,  /* open a store connection per worker */
    CS_NEED_MODELS = 1u << 1, /* map the built-in models at cold start */
    CS_NEED_JWT = 1u << 2,    /* needs the signing key even without bearer auth */
    CS_NEED_AI = 1u << 3,     /* build the AI provider layer (cs/ai.h) at cold start */
    /* The request's store operations may share a transaction with concurrent requests,
     * committed at the latest when the request ends (cs_store_scope_begin). Only for
     * functions that make no slow call (network) between their store operations: an
     * open write transaction holds the database's write lock. */
    CS_NEED_STORE_SCOPE = 1u << 4,
};

struct cs_rate {
    unsigned limit;    /* requests per window per tenant; 0 = the configured default */
    unsigned window_s; /* 0 = 60 */
};

#define CS_MAX_ROUTES 8

/* A handler reads `req` and fills `resp` (with cs_resp_json or the family helpers) and
 * returns 0, or returns an error code (optionally after recording details in resp) for
 * the family's error writer. It must not print, exit, or keep pointers into the
 * request after returning. */
typedef int (*cs_handler_fn)(const struct cs_req *req, struct cs_resp *resp);

/* Scheduled work instead of HTTP (a function with no routes): run for each EventBridge
 * scheduled event on Lambda or `--invoke`, and over and over by `--loop` until SIGTERM.
 * It should return by deadline_ms (0: none) and soon after *stop turns nonzero, and may
 * set *summary to an object in w->arena, returned as the invocation's result. */
typedef int (*cs_run_fn)(struct cs_worker *w, int64_t deadline_ms,
                         const volatile sig_atomic_t *stop, json_object **summary);
/* Scheduled functions that are also a state machine's task (ai-training-worker under
 * Step Functions): a direct invocation whose event is not a scheduled one. Sets
 * *result (w->arena) to the task's output; on failure *error_type names the error for
 * the state machine's Retry/Catch (Lambda's errorType). */
typedef int (*cs_task_fn)(struct cs_worker *w, json_object *event, json_object **result,
                          const char **error_type);

struct cs_function {
    const char *name;    /* folder name, "tickets-process" */
    const char *summary; /* one line for docs and the SAM template */
    enum cs_family family;
    struct cs_route routes[CS_MAX_ROUTES];
    size_t nroutes;
    enum cs_auth_mode auth;
    const struct cs_schema *body; /* NULL: the function takes no JSON body */
    struct cs_rate rate;
    /* Optional: the limit for this request, decided after authentication (e.g. from the
     * tenant's own configuration, per route). When set, the counter is kept per route
     * ("rl:<name>:<METHOD> <pattern>"); a limit of 0 falls back to `rate`, then to the
     * configured default. Returns 0 or an error code for the family's error writer.
     * It runs after the body is parsed: req->json is the body when it parsed (it may
     * not have passed the schema yet), else NULL. */
    int (*rate_of)(const struct cs_req *req, struct cs_rate *out);
    /* Optional: counter name shared by several functions ("rl:<rate_key>"), so a
     * family's limit holds per tenant across its functions; NULL: the function's name. */
    const char *rate_key;
    /* Optional, with CS_AUTH_BEARER: also accept `Authorization: Basic` and check the
     * decoded user name and password; fills req->auth on success, else returns
     * CS_ERR_BAD_CREDENTIALS. */
    int (*basic)(struct cs_req *req, const char *user, const char *password);
    unsigned needs; /* enum cs_need bits */
    /* With CS_NEED_MODELS: the built-in models the function uses, by the name inside
     * each file (cs_model_name; CS_MODELS_EMBED for the word vectors), NULL-terminated.
     * Only these are mapped and validated at cold start (cs_models_open_only); NULL:
     * every model in data/models (functions that take a model name from the request). */
    const char *const *models;
    /* Optional: the largest body this function accepts when above CS_MAX_BODY (dataset
     * uploads); nginx gets the same client_max_body_size for its routes. 0: CS_MAX_BODY. */
    size_t max_body;
    /* Optional cold-start hook run once per process after the environment is built;
     * a failure is an init error (reported to Lambda's /runtime/init/error). */
    int (*init)(struct cs_env *env);
    /* Optional: releases what init made; run by cs_env_clean_up. */
    void (*fini)(struct cs_env *env);
    cs_handler_fn handle;
    /* Scheduled functions only: the EventBridge schedule ("rate(1 minute)") that the
     * SAM template gets, and the work to run. */
    const char *schedule;
    /* HTTP functions that also sweep one tenant on a schedule (cs-abandon): the
     * EventBridge rate the SAM template gives their per-tenant rule. NULL: none. */
    const char *sweep;
    cs_run_fn run;
    cs_task_fn task; /* optional, with run */
};

/* Defined by the function folder linked into the binary. */
extern const struct cs_function cs_function;

/* Function folders. functions/<name>/ holds three files with one job each:
 *   handler.h  declares the folder's entry points, once, with the macros below;
 *   handler.c  defines them (`CS_HANDLER(fn_tickets_process) { ... }`): the work;
 *   routes.c   defines `cs_function`: routes, roles, auth, body schema, needs, and
 *              which entry points serve them.
 * The macros write each kind of entry point's signature once for the whole tree, so a
 * handler cannot drift from what the runtime calls. Entry points keep per-folder names
 * (fn_<name>...) because some tests include several folders' handlers in one program. */
#define CS_HANDLER(name) int name(const struct cs_req *req, struct cs_resp *resp)
#define CS_INIT(name) int name(struct cs_env *env)
#define CS_FINI(name) void name(struct cs_env *env)
#define CS_RUN(name)                                                                               \
    int name(struct cs_worker *w, int64_t deadline_ms, const volatile sig_atomic_t *stop,          \
             json_object **summary)

#endif
