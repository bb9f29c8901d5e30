/* WebSocket routes (seed 001 "WebSocket APIs": queue_update, sentiment_alert,
 * system_status). A connection is one document of the system tenant's
 * CS_WS_CONNECTIONS_COLL, keyed by the gateway's connection id (the only thing
 * $default and $disconnect are told):
 *   {"tenant": null until authenticated, "subject", "types": [...], "cursor": last
 *    event id sent, "expires_ms": TTL, "connected_ms"}
 * The broadcaster (websocket-broadcast) sends each authenticated connection its
 * tenant's events after its cursor; expired documents are ignored and removed.
 *
 * $connect  ?token=JWT (or Authorization: Bearer) and ?types=a,b. A bad token refuses
 *           the handshake (401); no token leaves the connection pending: its first
 *           message must be {"action":"auth","token":"..."} within CS_WS_PENDING_MS.
 * $default  {"action":"auth","token"} -> {"type":"authenticated","connection_id","types":[...]}
 *           {"action":"subscribe","types":[...]} -> {"type":"subscribed","types":[...]}
 *           {"action":"ping"} -> {"type":"pong","timestamp"} (also renews the TTL)
 *           errors in seed 001's format: {"error":true,"status_code",...}
 * $disconnect removes the document.
 */
#include "handler.h"

#include <string.h>
#include <strings.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/events.h"
#include "cs/family.h"
#include "cs/function.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/ws.h"

static const char *const actions[] = {"auth", "subscribe", "ping", NULL};
static const struct cs_field msg_fields[] = {
    {.name = "action", .type = CS_J_STRING, .required = true, .one_of = actions},
    {.name = "token", .type = CS_J_STRING, .min_len = 1, .max_len = CS_JWT_MAX_LEN},
    {.name = "types", .type = CS_J_ARRAY, .max_len = CS_EVENTS_MAX_TYPES, .items = CS_J_STRING},
};
static const struct cs_schema msg_schema = {msg_fields, 3};

struct conn {
    const char *id;
    struct cs_doc doc;
    bool found;
};

static int verify(const struct cs_req *req, const char *token, struct cs_principal *p)
{
    int rc = cs_jwt_verify_skew(&req->env->cfg.jwt_key, token, strlen(token), req->now_ms / 1000,
                                req->env->cfg.token_skew_s, req->arena, p);
    if (!rc) rc = cs_revoked_check(req->store, req->arena, p, req->now_ms);
    return rc;
}

static json_object *types_json(const char *const *types, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < n; i++)
        if (cs_json_push(a, json_object_new_string(types[i]))) {
            json_object_put(a);
            return NULL;
        }
    return a;
}

/* Types from a JSON array: each must be known (cs_events_type_known). */
static int types_from_array(const struct cs_req *req, struct cs_resp *resp, json_object *arr,
                            const char **types, size_t *n)
{
    *n = 0;
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        const char *t = json_object_get_string(json_object_array_get_idx(arr, i));
        if (!cs_events_type_known(t)) {
            cs_resp_field_error(resp, "body", "types",
                                "Input should be queue_update, sentiment_alert, system_status or a "
                                "webhook event type",
                                "enum");
            return CS_ERR_VALIDATION;
        }
        bool dup = false;
        for (size_t k = 0; k < *n; k++) dup = dup || strcmp(types[k], t) == 0;
        if (!dup) types[(*n)++] = t;
    }
    (void)req;
    return CS_OK;
}

static int save(const struct cs_req *req, struct conn *c, json_object *body)
{
    if (c->found)
        return cs_store_update(req->store, req->arena, CS_SYSTEM_TENANT, CS_WS_CONNECTIONS_COLL,
                               c->id, c->doc.version, body, NULL, req->now_ms, NULL);
    return cs_store_insert(req->store, req->arena, CS_SYSTEM_TENANT, CS_WS_CONNECTIONS_COLL, c->id,
                           body, NULL, req->now_ms, NULL);
}

/* Authenticated: the tenant is fixed, new events only from now on. */
static int admit(const struct cs_req *req, struct cs_jb *body, const struct cs_principal *p)
{
    const char *latest = NULL;
    int rc = cs_events_latest(req->store, req->arena, p->tenant, &latest);
    if (rc) return rc;
    cs_jb_str(body, "tenant", p->tenant);
    cs_jb_str(body, "subject", p->subject);
    cs_jb_str(body, "cursor", latest ? latest : "");
    cs_jb_int(body, "expires_ms", req->now_ms + CS_WS_TTL_MS);
    rc = cs_jb_done(body);
    return rc ? rc : cs_events_watch(req->store, req->arena, p->tenant, req->now_ms);
}

static int on_connect(const struct cs_req *req, struct cs_resp *resp, struct conn *c)
{
    const char *types[CS_EVENTS_MAX_TYPES], *bad = NULL;
    size_t ntypes = 0;
    int rc = cs_events_parse_types(req->arena, cs_req_query(req, "types"), types, &ntypes, &bad);
    if (rc == CS_ERR_VALIDATION)
        cs_resp_field_error(resp, "query", "types", "Input should be a comma list of event types",
                            "enum");
    if (rc) return rc;
    const char *token = cs_req_query(req, "token"), *h = cs_req_header(req, "authorization");
    if (!token && h && strncasecmp(h, "Bearer ", 7) == 0) token = h + 7;
    struct cs_jb body;
    cs_jb_init(&body, cs_json_object(req->arena));
    cs_jb_add(&body, "types", types_json(types, ntypes));
    cs_jb_int(&body, "connected_ms", req->now_ms);
    rc = cs_jb_done(&body);
    if (!rc && token) {
        struct cs_principal p;
        rc = verify(req, token, &p);
        if (!rc) rc = admit(req, &body, &p);
    } else if (!rc) {
        cs_jb_null(&body, "tenant");
        cs_jb_int(&body, "expires_ms", req->now_ms + CS_WS_PENDING_MS);
        rc = cs_jb_done(&body);
    }
    if (!rc) rc = save(req, c, body.obj);
    if (rc) return rc;
    cs_resp_raw(resp, 200, "application/json", "{}", 2);
    return CS_OK;
}

static int reply(const struct cs_req *req, struct cs_resp *resp, json_object *o)
{
    return o ? cs_resp_json(resp, req->arena, 200, o) : CS_ERR_NOMEM;
}

static int on_message(const struct cs_req *req, struct cs_resp *resp, struct conn *c)
{
    json_object *msg = NULL;
    int rc = cs_app_read_json(req, resp, &msg_schema, &msg);
    if (rc) return rc;
    if (!c->found) return CS_ERR_UNAUTHORIZED; /* expired or never connected */
    const char *action = cs_json_get_str(msg, "action");
    json_object *body = c->doc.body;
    bool authed = cs_json_get_str(body, "tenant") != NULL;
    struct cs_jb b, out; /* the stored connection, the answer */
    cs_jb_init(&b, body);
    cs_jb_init(&out, cs_json_object(req->arena));
    if ((rc = cs_jb_done(&out))) return rc;
    if (strcmp(action, "auth") == 0) {
        const char *token = cs_json_get_str(msg, "token");
        if (!token) {
            cs_resp_field_error(resp, "body", "token", "Field required", "missing");
            return CS_ERR_VALIDATION;
        }
        struct cs_principal p;
        rc = verify(req, token, &p);
        if (rc == CS_ERR_BAD_TOKEN) return CS_ERR_UNAUTHORIZED;
        if (!rc && authed && strcmp(p.tenant, cs_json_get_str(body, "tenant")) != 0)
            return CS_ERR_FORBIDDEN;
        if (!rc && !authed) rc = admit(req, &b, &p);
        cs_jb_str(&out, "type", "authenticated");
        /* Its own id, which the management API (@connections) knows it by. */
        cs_jb_str(&out, "connection_id", c->id);
    } else if (!authed) {
        return CS_ERR_UNAUTHORIZED;
    } else if (strcmp(action, "subscribe") == 0) {
        const char *types[CS_EVENTS_MAX_TYPES];
        size_t n = 0;
        json_object *arr = NULL;
        json_object_object_get_ex(msg, "types", &arr);
        rc = types_from_array(req, resp, arr, types, &n);
        if (!rc) cs_jb_add(&b, "types", types_json(types, n));
        cs_jb_str(&out, "type", "subscribed");
    } else {
        char ts[CS_ISO_MAX];
        cs_time_iso(req->now_ms, CS_ISO_Z_MS, ts);
        cs_jb_str(&out, "type", "pong");
        cs_jb_str(&out, "timestamp", ts);
    }
    if (!rc && cs_json_get_str(body, "tenant")) {
        cs_jb_int(&b, "expires_ms", req->now_ms + CS_WS_TTL_MS);
        json_object *types = NULL;
        if (json_object_object_get_ex(body, "types", &types) &&
            !json_object_object_get_ex(out.obj, "types", NULL))
            cs_jb_add(&out, "types", json_object_get(types));
    }
    if (!rc) rc = cs_jb_done(&b);
    if (!rc) rc = cs_jb_done(&out);
    if (!rc) rc = save(req, c, body);
    if (rc) return rc;
    return reply(req, resp, out.obj);
}

CS_HANDLER(fn_ws_connection)
{
    struct conn c = {.id = cs_req_header(req, "x-cs-connection-id")};
    if (!cs_ws_connection_id_ok(c.id)) return CS_ERR_BAD_REQUEST;
    const char *route = req->route->pattern + strlen("/websocket/");
    int rc = cs_store_get(req->store, req->arena, CS_SYSTEM_TENANT, CS_WS_CONNECTIONS_COLL, c.id,
                          &c.doc);
    if (rc && rc != CS_ERR_NOT_FOUND) return rc;
    c.found = rc == CS_OK && cs_ws_connection_live(&c.doc, req->now_ms);
    if (!c.found && rc == CS_OK) { /* expired: start over as new */
        rc = cs_store_delete(req->store, CS_SYSTEM_TENANT, CS_WS_CONNECTIONS_COLL, c.id,
                             c.doc.version);
        if (rc && rc != CS_ERR_NOT_FOUND && rc != CS_ERR_CONFLICT) return rc;
    }
    if (strcmp(route, "$disconnect") == 0) {
        if (c.found)
            rc = cs_store_delete(req->store, CS_SYSTEM_TENANT, CS_WS_CONNECTIONS_COLL, c.id, -1);
        if (rc && rc != CS_ERR_NOT_FOUND) return rc;
        cs_resp_raw(resp, 200, "application/json", "{}", 2);
        return CS_OK;
    }
    if (strcmp(route, "$connect") == 0) {
        if (c.found) { /* a new connection never reuses an id: a stale document goes */
            rc = cs_store_delete(req->store, CS_SYSTEM_TENANT, CS_WS_CONNECTIONS_COLL, c.id, -1);
            if (rc && rc != CS_ERR_NOT_FOUND) return rc;
        }
        c.found = false;
        return on_connect(req, resp, &c);
    }
    return on_message(req, resp, &c);
}
