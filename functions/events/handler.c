/* GET /api/v1/events: the tenant's real-time events (cs/events.h) as Server-Sent Events.
 *
 *   ?types=queue_update,sentiment_alert   only these (default: every type)
 *   Last-Event-ID: <id> (or ?last_event_id=) resume after that event, from the store;
 *                                          without it the stream starts with what
 *                                          happens from now on
 * Each event is `id: <id>\nevent: <type>\ndata: {"id","type","timestamp","data"}\n\n`;
 * a comment line (": heartbeat") is sent every CS_EVENTS_HEARTBEAT_MS (15 s) so proxies
 * keep the connection and a gone client is noticed. Where the transport streams
 * (FastCGI) the answer stays open for up to CS_EVENTS_STREAM_MS (5 min), then ends and
 * the client reconnects with Last-Event-ID (EventSource does so by itself, after the
 * `retry:` interval); elsewhere (Lambda) it answers at once with what is pending.
 *
 * GET/PUT /api/v1/events/settings: {"sentiment_alert_threshold": 0..1}.
 */
#include "handler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/buf.h"
#include "cs/env.h"
#include "cs/events.h"
#include "cs/family.h"
#include "cs/function.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/store.h"

#define BATCH 100
#define RETRY_MS 2000

/* Read once at cold start (handlers read no environment). */
static int64_t heartbeat_ms = 15000, stream_ms = 300000, poll_ms = 250;

static int64_t env_ms(const char *name, int64_t dflt, int64_t min, int64_t max)
{
    const char *v = getenv(name);
    char *end = NULL;
    long long n = v && *v ? strtoll(v, &end, 10) : 0;
    return end && *end == '\0' && n >= min && n <= max ? (int64_t)n : dflt;
}

CS_INIT(fn_events_init)
{
    heartbeat_ms = env_ms("CS_EVENTS_HEARTBEAT_MS", heartbeat_ms, 100, 3600000);
    stream_ms = env_ms("CS_EVENTS_STREAM_MS", stream_ms, 1000, 86400000);
    poll_ms = env_ms("CS_EVENTS_POLL_MS", poll_ms, 10, 10000);
    /* Each open stream holds a worker thread for its life: give this function enough
     * workers that a few watchers do not starve the settings route. */
    if (env->cfg.threads < 16) env->cfg.threads = 16;
    return 0;
}

static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= CS_EVENTS_ID_MAX) return false;
    return strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") == n;
}

struct feed {
    const struct cs_req *req;
    struct cs_resp *resp;
    const char *types[CS_EVENTS_MAX_TYPES];
    size_t ntypes;
    char cursor[CS_EVENTS_ID_MAX]; /* last event looked at; "" before the first */
    struct cs_buf out;             /* the buffered answer when the transport cannot stream */
    bool live;
};

static int emit(struct feed *f, const char *s)
{
    if (f->live) return cs_resp_stream_write(f->req, f->resp, s, strlen(s));
    return cs_buf_puts(&f->out, s);
}

/* Sends the events after the cursor (at most a few batches per call); *sent counts
 * them. The cursor moves past filtered-out events too. */
static int drain(struct feed *f, struct cs_arena *a, size_t *sent)
{
    *sent = 0;
    for (int round = 0; round < 8; round++) {
        struct cs_doc_list l;
        const char *scanned = NULL;
        bool more = false;
        int rc = cs_events_read(f->req->store, a, f->req->auth.tenant, f->cursor, f->types,
                                f->ntypes, BATCH, &l, &scanned, &more);
        if (rc) return rc;
        for (size_t i = 0; i < l.n; i++) {
            json_object *m = cs_events_message(a, &l.docs[i]);
            if (!m) continue;
            const char *ev = cs_arena_printf(
                a, "id: %s\nevent: %s\ndata: %s\n\n", l.docs[i].id, cs_json_get_str(m, "type"),
                json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
            if (!ev) return CS_ERR_NOMEM;
            if ((rc = emit(f, ev))) return rc;
            (*sent)++;
        }
        if (scanned) snprintf(f->cursor, sizeof(f->cursor), "%s", scanned);
        if (!more || !f->live) return CS_OK; /* a buffered answer sends one batch */
    }
    return CS_OK;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The open stream: new events as they are relayed, heartbeats between them. Ends after
 * stream_ms, at the request's deadline, or when the client is gone (a write fails). */
static int stream(struct feed *f)
{
    int64_t start = mono_ms(), beat = start;
    int64_t end = start + stream_ms;
    if (f->req->deadline_ms) {
        int64_t left = f->req->deadline_ms - f->req->now_ms - 1000;
        if (start + left < end) end = start + left;
    }
    struct cs_arena *a = cs_arena_new(1 << 20); /* per poll: the request arena would grow */
    if (!a) return CS_ERR_NOMEM;
    int rc = CS_OK;
    while (rc == CS_OK && mono_ms() < end) {
        size_t sent = 0;
        rc = drain(f, a, &sent);
        cs_arena_reset(a);
        if (rc) break;
        if (mono_ms() - beat >= heartbeat_ms) {
            rc = emit(f, ": heartbeat\n\n");
            beat = mono_ms();
            /* Still watched: system_status keeps coming (best effort). */
            int w =
                rc ? CS_OK
                   : cs_events_watch(f->req->store, a, f->req->auth.tenant, f->req->env->now_ms());
            (void)w;
            cs_arena_reset(a);
        } else if (sent) {
            beat = mono_ms();
        }
        if (!rc) sleep_ms(poll_ms);
    }
    cs_arena_destroy(a);
    return rc == CS_ERR_IO ? CS_OK : rc; /* the client left: nothing more to say */
}

static int read_feed(const struct cs_req *req, struct cs_resp *resp, struct feed *f)
{
    const char *bad = NULL;
    int rc =
        cs_events_parse_types(req->arena, cs_req_query(req, "types"), f->types, &f->ntypes, &bad);
    if (rc == CS_ERR_VALIDATION)
        cs_resp_field_error(
            resp, "query", "types",
            "Input should be a comma list of queue_update, sentiment_alert, system_status "
            "or webhook event types (at most 16)",
            "enum");
    if (rc) return rc;
    const char *last = cs_req_header(req, "last-event-id");
    if (!last) last = cs_req_query(req, "last_event_id");
    if (last && !id_ok(last)) {
        cs_resp_field_error(resp, "header", "Last-Event-ID", "Input should be an event id",
                            "string_pattern");
        return CS_ERR_VALIDATION;
    }
    if (!last) {
        /* A new watcher hears what happens from now on. */
        rc = cs_events_latest(req->store, req->arena, req->auth.tenant, &last);
        if (rc) return rc;
    }
    snprintf(f->cursor, sizeof(f->cursor), "%s", last ? last : "");
    return CS_OK;
}

static int events_feed(const struct cs_req *req, struct cs_resp *resp)
{
    struct feed f = {.req = req, .resp = resp};
    int rc = read_feed(req, resp, &f);
    if (!rc) rc = cs_events_watch(req->store, req->arena, req->auth.tenant, req->now_ms);
    if (rc) return rc;
    cs_buf_init(&f.out, req->arena, 4 << 20);
    const char *retry = "retry: 2000\n\n";
    cs_resp_header(resp, "Cache-Control", "no-cache");
    if (req->stream) {
        rc = cs_resp_stream_begin(req, resp, 200, "text/event-stream");
        if (rc == CS_OK) {
            f.live = true;
            rc = emit(&f, retry);
            if (!rc) rc = stream(&f);
            return rc == CS_ERR_IO ? CS_OK : rc;
        }
        if (rc != CS_ERR_UNAVAILABLE) return rc;
    }
    size_t sent = 0;
    rc = emit(&f, retry);
    if (!rc) rc = drain(&f, req->arena, &sent);
    if (rc) return rc;
    cs_resp_raw(resp, 200, "text/event-stream", cs_buf_str(&f.out), f.out.len);
    return CS_OK;
}

static int settings(const struct cs_req *req, struct cs_resp *resp)
{
    struct cs_store *st = req->store;
    const char *tenant = req->auth.tenant;
    if (strcmp(req->method, "PUT") == 0) {
        double t = cs_json_get_double(req->json, "sentiment_alert_threshold",
                                      CS_EVENTS_SENTIMENT_THRESHOLD);
        json_object *b = cs_json_object(req->arena);
        if (!b || cs_json_add_double(b, "sentiment_alert_threshold", t, 4)) return CS_ERR_NOMEM;
        struct cs_doc old;
        int rc = cs_store_get(st, req->arena, tenant, CS_EVENTS_SETTINGS_COLL,
                              CS_EVENTS_SETTINGS_ID, &old);
        if (rc == CS_ERR_NOT_FOUND)
            rc = cs_store_insert(st, req->arena, tenant, CS_EVENTS_SETTINGS_COLL,
                                 CS_EVENTS_SETTINGS_ID, b, NULL, req->now_ms, NULL);
        else if (rc == CS_OK)
            rc = cs_store_update(st, req->arena, tenant, CS_EVENTS_SETTINGS_COLL,
                                 CS_EVENTS_SETTINGS_ID, old.version, b, NULL, req->now_ms, NULL);
        if (rc) return rc;
    }
    json_object *o = cs_json_object(req->arena);
    if (!o || cs_json_add_double(o, "sentiment_alert_threshold",
                                 cs_events_threshold(st, req->arena, tenant), 4))
        return CS_ERR_NOMEM;
    return cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, o);
}

CS_HANDLER(fn_events)
{
    if (strcmp(req->route->pattern, "/api/v1/events/settings") == 0) return settings(req, resp);
    return events_feed(req, resp);
}
