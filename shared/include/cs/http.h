/* The request and response model every transport produces and every handler sees.
 *
 * A transport fills the "transport" part of cs_req (all strings owned by the request's
 * arena or by the transport until the response is written) and calls cs_app_handle
 * (cs/app.h); the core fills the rest before calling the handler. Handlers never see
 * the transport: they read cs_req and fill cs_resp through the helpers below.
 */
#ifndef CS_HTTP_H
#define CS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/auth.h"
#include "cs/schema.h"

struct cs_arena;
struct cs_env;
struct cs_store;
struct cs_route;
struct cs_resp;
struct cs_doc;

#define CS_MAX_PARAMS 8
#define CS_MAX_RESP_HEADERS 24

/* Header names are lower-case (transports fold them); values as received. */
struct cs_header {
    const char *name;
    const char *value;
};

/* A transport that can send a body in pieces as it is produced (FastCGI) offers this;
 * the others leave cs_req.stream NULL and handlers buffer instead. */
struct cs_stream {
    /* Writes the status line and headers of `resp`; called once, before any piece. */
    int (*begin)(void *ctx, const struct cs_resp *resp);
    /* Writes one piece and flushes it to the client. */
    int (*write)(void *ctx, const char *p, size_t n);
    void *ctx;
};

struct cs_req {
    /* Filled by the transport. */
    const struct cs_stream *stream; /* NULL: the response is sent whole */
    const char *method;             /* upper-case, "GET" */
    const char *path;               /* without the query string, percent-decoding not applied */
    const char *query;              /* raw query string without '?', "" when none */
    const struct cs_header *headers;
    size_t nheaders;
    const char *body; /* may contain NULs; NULL when empty */
    size_t body_len;
    int64_t deadline_ms; /* absolute Unix ms after which the answer is useless; 0 none */
    /* Set only by the event transports (Lambda, local invoke) for an EventBridge
     * scheduled event, which IAM lets only the scheduler send: the tenant named in the
     * rule's detail. The core then runs the function's first route as the trusted
     * principal "scheduler" of that tenant, with the detail as the JSON body. */
    const char *schedule_tenant;
    /* The peer's address as the transport saw it (FastCGI/CGI REMOTE_ADDR, API
     * Gateway's sourceIp); NULL when unknown. Never from a client-sent header. */
    const char *peer_addr;

    /* Filled by the core before the handler runs. */
    struct cs_arena *arena;
    struct cs_env *env;
    struct cs_store *store; /* this worker's connection, NULL if the function needs none */
    const struct cs_route *route;
    const char *param_names[CS_MAX_PARAMS];
    const char *param_values[CS_MAX_PARAMS]; /* percent-decoded path parameters */
    size_t nparams;
    const char *request_id;
    json_object *json; /* parsed body for functions that take JSON; owned by the arena */
    struct cs_rate_reads *rate_reads; /* see below; NULL outside the pipeline */
    struct cs_principal auth;
    int64_t now_ms;
};

/* What a function's rate_of read to find the limit, left for the handler so that it need
 * not read it again (the sessions family: the session and its company's settings).
 * Storage the core zeroes before rate_of. `doc` is the document as read, so a writer
 * still names its version (cs_session_req_modify). */
struct cs_rate_reads {
    struct cs_doc *doc; /* storage the core gives; doc->body NULL: none */
    const char *cfg_of; /* whose settings `cfg` holds; NULL: none */
    json_object *cfg;
};

struct cs_resp {
    int status;
    struct cs_header headers[CS_MAX_RESP_HEADERS];
    size_t nheaders;
    const char *content_type; /* default application/json */
    const char *body;
    size_t body_len;

    /* What went wrong, gathered for the family's error writer. */
    const char *err_message;       /* overrides the table's message */
    const char *err_code_name;     /* family-specific code ("CS_002"); NULL: derived */
    json_object *err_details;      /* extra detail object; owned by the arena */
    struct cs_field_errors fields; /* per-field problems (cs/schema.h) */
    int err_code;                  /* the cs_code that produced an error body, 0 on success */
    bool streamed; /* the handler sent status, headers and body through req->stream */
};

/* The client's address for throttling: peer_addr, or, when the peer is one of the
 * configured trusted proxies (CS_TRUSTED_PROXIES), the last X-Forwarded-For entry (the
 * one that proxy appended). NULL when unknown. */
const char *cs_req_client(const struct cs_req *req);
/* Header value by lower-case name, NULL when absent. */
const char *cs_req_header(const struct cs_req *req, const char *name);
/* Path parameter by name, NULL when absent. */
const char *cs_req_param(const struct cs_req *req, const char *name);
/* First query parameter `name`, percent-decoded into the arena; NULL when absent. */
const char *cs_req_query(const struct cs_req *req, const char *name);

/* Checks that every key and value of the query string percent-decodes to UTF-8 without
 * NUL. cs_req_query cannot tell a malformed value from an absent one, so the pipeline
 * runs this first; on failure it records a field error ("query", key) and returns
 * CS_ERR_VALIDATION. */
int cs_req_query_check(const struct cs_req *req, struct cs_resp *resp);

/* Adds a response header; name and value must outlive the response (arena or static).
 * Returns CS_ERR_INTERNAL when the header table is full (the header is dropped: a
 * programming error, so callers that cannot do better may ignore it). */
int cs_resp_header(struct cs_resp *resp, const char *name, const char *value);
/* Sets the body to `obj` serialized compactly (copied into the arena) with `status`;
 * takes no reference on obj. */
int cs_resp_json(struct cs_resp *resp, struct cs_arena *a, int status, json_object *obj)
    __attribute__((warn_unused_result));
/* Sets a raw body (not copied: must outlive the response). */
void cs_resp_raw(struct cs_resp *resp, int status, const char *content_type, const char *body,
                 size_t len);
/* Records a per-field error; extra ones beyond CS_MAX_FIELD_ERRORS are dropped. The
 * strings must outlive the response. */
void cs_resp_field_error(struct cs_resp *resp, const char *loc0, const char *loc1, const char *msg,
                         const char *type);

/* Streaming. begin sends `status` and the headers gathered so far (plus
 * X-Accel-Buffering: no, so nginx passes pieces straight on); write sends one piece.
 * CS_ERR_UNAVAILABLE from begin when the transport cannot stream (then buffer the
 * body instead), CS_ERR_IO when the client went away. After begin the response
 * belongs to the stream: the core writes no error body. */
int cs_resp_stream_begin(const struct cs_req *req, struct cs_resp *resp, int status,
                         const char *content_type) __attribute__((warn_unused_result));
int cs_resp_stream_write(const struct cs_req *req, struct cs_resp *resp, const char *p, size_t n)
    __attribute__((warn_unused_result));

/* Reason phrase of a status ("Not Found"). */
const char *cs_http_reason(int status);

#endif
