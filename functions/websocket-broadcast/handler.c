/* The broadcaster: for each live, authenticated WebSocket connection (cs/ws.h), the
 * events of its tenant's feed after its cursor that it subscribed to, each POSTed to the
 * gateway's management API as one message; the cursor moves past what was delivered.
 * A 410 means the gateway dropped the connection (gone, or too slow): its document
 * goes. Expired documents go too.
 *
 * Where: CS_WS_ENDPOINT, the API's management URL
 * (https://{api-id}.execute-api.{region}.amazonaws.com/{stage}), requests signed with
 * AWS SigV4 by libcurl (CURLOPT_AWS_SIGV4, service execute-api) using the Lambda's
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN and AWS_REGION; or
 * CS_WS_SOCKET, the local gateway's unix socket (runtime/ws.c) under build.sh serve,
 * signed as well when credentials are set. Neither: nothing to do.
 */
#include "handler.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/env.h"
#include "cs/events.h"
#include "cs/json.h"
#include "cs/log.h"
#include "cs/net.h"
#include "cs/store.h"
#include "cs/ws.h"

#define MAX_CONNECTIONS 1000
#define BATCH 50

/* Read once at cold start. */
static const char *endpoint, *sock, *region, *key_id, *secret, *session_token;

CS_INIT(fn_ws_broadcast_init)
{
    (void)env;
    endpoint = getenv("CS_WS_ENDPOINT");
    sock = getenv("CS_WS_SOCKET");
    region = getenv("AWS_REGION");
    key_id = getenv("AWS_ACCESS_KEY_ID");
    secret = getenv("AWS_SECRET_ACCESS_KEY");
    session_token = getenv("AWS_SESSION_TOKEN");
    if (endpoint && strncmp(endpoint, "https://", 8) != 0 && strncmp(endpoint, "http://", 7) != 0)
        return CS_ERR_CONFIG;
    return CS_OK;
}

struct stats {
    size_t connections, sent, gone, expired, failed;
};

/* POSTs one message through the one outbound client (cs/net.h); returns the HTTP status
 * (0 when none came). */
static long post(CURL *c, struct cs_arena *a, const char *id, const char *body)
{
    const char *base = endpoint ? endpoint : "http://localhost";
    char *url = cs_arena_printf(a, "%s/@connections/%s", base, id);
    if (!url) return 0;
    const char *headers[2] = {
        session_token ? cs_arena_printf(a, "X-Amz-Security-Token: %s", session_token) : NULL, NULL};
    char *sig =
        key_id && secret && region ? cs_arena_printf(a, "aws:amz:%s:execute-api", region) : NULL;
    const struct cs_net_opts o = {.url = url,
                                  .headers = headers,
                                  .body = body,
                                  .body_len = strlen(body),
                                  .timeout_ms = 5000,
                                  .aws_sigv4 = sig,
                                  .aws_key = key_id,
                                  .aws_secret = secret,
                                  .unix_socket = endpoint ? NULL : sock};
    long status = 0;
    (void)cs_net_perform(c, &o, &status, NULL);
    return status;
}

static void forget(struct cs_store *st, const struct cs_doc *d)
{
    int rc = cs_store_delete(st, CS_SYSTEM_TENANT, CS_WS_CONNECTIONS_COLL, d->id, d->version);
    (void)rc; /* moved meanwhile: the next run looks again */
}

static int set_cursor(void *cursor, struct cs_doc *d)
{
    return cs_json_add_str(d->body, "cursor", cursor);
}

/* Saves the cursor on the document as read, reading again when a message ($default)
 * changed it meanwhile; a connection gone meanwhile needs none. */
static int save_cursor(struct cs_store *st, struct cs_arena *a, const struct cs_doc *d,
                       const char *cursor, int64_t now_ms)
{
    const struct cs_store_modify m = {.tenant = CS_SYSTEM_TENANT,
                                      .coll = CS_WS_CONNECTIONS_COLL,
                                      .id = d->id,
                                      .mutate = set_cursor,
                                      .ctx = (void *)cursor,
                                      .now_ms = now_ms,
                                      .first = d};
    int rc = cs_store_modify(st, a, &m, NULL);
    return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}

/* The connection's subscribed types, read back like outside input. */
static size_t types_of(json_object *body, const char **types)
{
    json_object *arr = NULL;
    size_t n = 0;
    json_object_object_get_ex(body, "types", &arr);
    for (size_t i = 0; arr && i < json_object_array_length(arr) && n < CS_EVENTS_MAX_TYPES; i++) {
        const char *t = json_object_get_string(json_object_array_get_idx(arr, i));
        if (cs_events_type_known(t)) types[n++] = t;
    }
    return n;
}

static int serve_one(struct cs_worker *w, CURL *c, const struct cs_doc *d, int64_t now_ms,
                     struct stats *s)
{
    const char *tenant = cs_json_get_str(d->body, "tenant"),
               *cursor = cs_json_get_str(d->body, "cursor");
    if (!tenant || tenant[0] == '_') return CS_OK; /* pending authentication */
    s->connections++;
    const char *types[CS_EVENTS_MAX_TYPES];
    size_t ntypes = types_of(d->body, types);
    struct cs_doc_list l;
    const char *scanned = NULL;
    bool more = false;
    int rc = cs_events_read(w->store, w->arena, tenant, cursor, types, ntypes, BATCH, &l, &scanned,
                            &more);
    if (rc || !scanned) return rc;
    const char *done = cursor;
    bool stopped = false;
    for (size_t i = 0; i < l.n && !stopped; i++) {
        json_object *m = cs_events_message(w->arena, &l.docs[i]);
        if (!m) continue;
        long status =
            post(c, w->arena, d->id, json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
        if (status == 410) {
            s->gone++;
            forget(w->store, d);
            return CS_OK;
        }
        if (status < 200 || status > 299) {
            s->failed++;
            stopped = true; /* the next run tries again from here */
            continue;
        }
        s->sent++;
        done = l.docs[i].id;
    }
    /* Everything looked at was sent or filtered out: move past all of it. */
    if (!stopped) done = scanned;
    if (!done || (cursor && strcmp(done, cursor) == 0)) return CS_OK;
    return save_cursor(w->store, w->arena, d, done, now_ms);
}

CS_RUN(fn_ws_broadcast_run)
{
    struct stats s = {0};
    int64_t now_ms = w->env->now_ms();
    int rc = CS_OK;
    if (endpoint || sock) {
        struct cs_query q = {.limit = MAX_CONNECTIONS};
        struct cs_doc_list l;
        CURL *c = curl_easy_init();
        rc = c ? cs_store_find(w->store, w->arena, CS_SYSTEM_TENANT, CS_WS_CONNECTIONS_COLL, &q, &l)
               : CS_ERR_NOMEM;
        for (size_t i = 0; !rc && i < l.n && !(stop && *stop); i++) {
            if (deadline_ms && w->env->now_ms() > deadline_ms - 6000) break;
            if (!cs_ws_connection_live(&l.docs[i], now_ms)) {
                s.expired++;
                forget(w->store, &l.docs[i]);
                continue;
            }
            rc = serve_one(w, c, &l.docs[i], now_ms, &s);
        }
        if (c) curl_easy_cleanup(c);
    }
    json_object *o = cs_json_object(w->arena);
    if (!o || cs_json_add_int(o, "connections", (int64_t)s.connections) ||
        cs_json_add_int(o, "sent", (int64_t)s.sent) ||
        cs_json_add_int(o, "gone", (int64_t)s.gone) ||
        cs_json_add_int(o, "expired", (int64_t)s.expired) ||
        cs_json_add_int(o, "failed", (int64_t)s.failed))
        return rc ? rc : CS_ERR_NOMEM;
    *summary = o;
    return rc;
}
