/* Real-time events: every event the outbox carries is also a live event for its tenant.
 *
 * cs_notify_stage (cs/notify.h) stages each event once more on the reserved outbox
 * topic CS_EVENTS_TOPIC, so it is written in the same store operation as the change it
 * announces. The dispatcher relays those items (cs_events_relay) into the tenant's
 * `events` collection, the feed that Server-Sent Events and WebSocket clients read and
 * resume from. Event ids sort in the order events happened, so a client that saw id X
 * asks for everything after X (Last-Event-ID).
 *
 * Seed 001 names three real-time events; outbox types map to them as:
 *   review.queue_update -> queue_update     sentiment.alert -> sentiment_alert
 * and system_status is published directly (cs_events_publish: no change to announce).
 * Every other type (ticket.created, session.escalated ...) keeps its webhook name.
 *
 * A stored event: { "type": "<real-time name>", "event": "<outbox type>",
 *                   "timestamp": "<ISO 8601 Z>", "data": { ... } }
 * and on the wire (cs_events_message): { "id", "type", "timestamp", "data" }.
 */
#ifndef CS_EVENTS_H
#define CS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"

struct cs_arena;
struct cs_store;
struct cs_doc;
struct cs_doc_list;
struct cs_outbox_item;

#define CS_EVENTS_TOPIC "_events" /* outbox topic; subscription ids never start with '_' */
#define CS_EVENTS_COLL "events"
#define CS_EVENTS_SETTINGS_COLL "settings"
#define CS_EVENTS_SETTINGS_ID "events"
#define CS_EVENTS_ID_MAX 96
#define CS_EVENTS_MAX_TYPES 16
/* sentiment_alert fires below this 0..1 sentiment score (0 most negative) unless the
 * tenant set its own `sentiment_alert_threshold` (PUT /api/v1/events/settings). */
#define CS_EVENTS_SENTIMENT_THRESHOLD 0.2

/* The real-time name of an outbox event type (static string; unknown types as given). */
const char *cs_events_name(const char *outbox_type);
/* True when `name` is a type a client may subscribe to: a real-time name
 * (queue_update, sentiment_alert, system_status) or another outbox type. */
bool cs_events_type_known(const char *name);

/* Writes a claimed CS_EVENTS_TOPIC outbox item into its tenant's feed. Relaying the
 * same item twice (a lease lost mid-relay) stores it once. CS_ERR_FORMAT when the
 * item's payload is not an event envelope (it cannot become one by retrying). */
CS_MUST_CHECK int cs_events_relay(struct cs_store *st, struct cs_arena *a,
                                  const struct cs_outbox_item *it);

/* The same for a run of claimed items of one tenant's CS_EVENTS_TOPIC, in the topic's
 * order (cs/store.h, runs): one read of the feed's edge and of what is relayed already,
 * then the writes, so the caller can put the run and its settling in one transaction.
 * item_rc[i] gets CS_ERR_FORMAT for an item that can never be relayed, else CS_OK.
 * A store failure returns at once (the leases bring the rest back). */
CS_MUST_CHECK int cs_events_relay_run(struct cs_store *st, struct cs_arena *a,
                                      const struct cs_outbox_item *items, size_t n, int *item_rc);

/* Appends an event with no store change behind it (system_status) to the feed. */
CS_MUST_CHECK int cs_events_publish(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                    const char *type, json_object *data, int64_t now_ms);

/* Events of `tenant` after id `after` (NULL or "": from the oldest kept), oldest first, at most `limit` (<= 1000), keeping only `types` when
 * ntypes > 0. *scanned gets the id of the last event looked at (matching or not), so
 * a poller skips filtered-out events next time (NULL when none), and *more whether
 * `limit` events were looked at (there may be more). Stored events are checked like
 * outside input: a malformed one is skipped. */
CS_MUST_CHECK int cs_events_read(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                 const char *after, const char *const *types, size_t ntypes,
                                 size_t limit, struct cs_doc_list *out, const char **scanned,
                                 bool *more);

/* The id of the tenant's newest event, or NULL when the feed is empty. */
CS_MUST_CHECK int cs_events_latest(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                   const char **id);

/* The wire form of a stored event, in the arena; NULL when malformed or out of memory. */
json_object *cs_events_message(struct cs_arena *a, const struct cs_doc *d);

/* Parses a comma list of types ("queue_update,sentiment_alert") into types[] (strings
 * in the arena). CS_ERR_VALIDATION with *bad the first unknown name, or more than
 * CS_EVENTS_MAX_TYPES. Empty or NULL list: ntypes 0 (everything). */
CS_MUST_CHECK int cs_events_parse_types(struct cs_arena *a, const char *list, const char **types,
                                        size_t *ntypes, const char **bad);
bool cs_events_wanted(const char *type, const char *const *types, size_t ntypes);

/* The tenant's sentiment alert threshold (its setting, else the default). */
double cs_events_threshold(struct cs_store *st, struct cs_arena *a, const char *tenant);

/* Stages sentiment.alert when `level_name` is ANGRY or IRATE or `score` (0..1) is below
 * the tenant's threshold; `data` (borrowed) says what it is about and gets the reading
 * added. Stage before the write that stores the message or ticket (cs/notify.h).
 * *alerted (may be NULL) says whether it fired. */
CS_MUST_CHECK int cs_events_sentiment_check(struct cs_store *st, struct cs_arena *a,
                                            const char *tenant, json_object *data,
                                            const char *level_name, double score, int64_t now_ms,
                                            bool *alerted);

/* Tenants someone watches (an open SSE stream or WebSocket), for system_status: kept
 * in the system tenant's CS_EVENTS_WATCHERS_COLL, one document per tenant. */
#define CS_EVENTS_WATCHERS_COLL "rt_watchers"
CS_MUST_CHECK int cs_events_watch(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                  int64_t now_ms);
/* The tenants watched since `since_ms`, at most `max`; *n gets how many. Strings in `a`. */
CS_MUST_CHECK int cs_events_watched(struct cs_store *st, struct cs_arena *a, int64_t since_ms,
                                    const char **tenants, size_t max, size_t *n);

/* ---- Retention ----
 * The feed is for live clients and short resumes, not an archive: an event older than
 * the maximum age, or beyond the newest `cap` of its tenant, is swept. Every write to a
 * feed (relay, publish) sweeps a little of that tenant's feed behind it: up to
 * CS_EVENTS_SWEEP_AGE_BATCH expired events each time (an indexed range, empty in the
 * steady state), and the part beyond the cap once per minute of event time (up to
 * CS_EVENTS_SWEEP_CAP_BATCH), so no request pays for a whole clean-up. events-status
 * sweeps each watched tenant too, and on MongoDB a TTL index (infra/mongodb) drops
 * events of idle tenants after a day on its own. */
#define CS_EVENTS_MAX_AGE_MS (24 * 3600 * 1000LL)
#define CS_EVENTS_MAX_PER_TENANT 10000
#define CS_EVENTS_SWEEP_AGE_BATCH 8
#define CS_EVENTS_SWEEP_CAP_BATCH 256

/* Process-wide limits (0 keeps the default); set once at cold start, before any
 * thread writes events. */
void cs_events_set_retention(int64_t max_age_ms, int64_t cap);
/* From CS_EVENTS_MAX_AGE_S (seconds, 60..30 days) and CS_EVENTS_MAX_PER_TENANT
 * (100..1000000) read through `get` (getenv); CS_ERR_CONFIG naming the variable in
 * *why when one is malformed or out of range (nothing is changed then). */
CS_MUST_CHECK int cs_events_retention_load(const char *(*get)(const char *name), const char **why);
void cs_events_retention(int64_t *max_age_ms, int64_t *cap);

/* Deletes up to `budget` of the tenant's events that are past the maximum age (by the
 * time in their id) or, with `cap_too`, beyond the newest `cap`; oldest first.
 * *removed (may be NULL) gets how many went. */
CS_MUST_CHECK int cs_events_sweep(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                  int64_t now_ms, bool cap_too, size_t budget, size_t *removed);

/* ---- Per-function figures (system_status) ----
 * Each process counts its own answers per minute in memory (cs_app_handle calls
 * cs_events_fn_note after every request) and writes them as one document per process
 * and minute in the system tenant's CS_EVENTS_FN_COLL:
 *   {"fn", "minute_ms", "requests", "errors" (5xx), "latency_ms": [<= CS_EVENTS_FN_SAMPLES]}
 * It writes when a request ends in a later minute than the one counted (the finished
 * minute), and the running minute when CS_FN_STATS_FLUSH_MS (60 s) passed since its
 * last write: about one write per minute per process, never one per request. So
 * system_status reads the same figures on Lambda as under serve, at most a flush late. */
#define CS_EVENTS_FN_COLL "fn_minutes"
#define CS_EVENTS_FN_SAMPLES 512 /* per process and minute; more are counted, not ranked */
#define CS_EVENTS_FN_KEEP_MS (3600 * 1000LL)

/* Thread-safe; never fails the request (a failed write is logged and tried at the next
 * flush). `st` NULL (a function without a store) only counts. */
void cs_events_fn_note(struct cs_store *st, struct cs_arena *a, const char *fn, int status,
                       double latency_ms, int64_t now_ms);

struct cs_events_fn_figures {
    const char *name;
    int64_t requests, errors;
    size_t n;    /* latencies ranked (<= requests) */
    double *lat; /* n latencies in ms, ascending */
};

/* Every function's figures over the minutes starting at or after since_ms, summed over
 * processes (at most `max` functions). Stored documents are checked like outside input.
 * Also deletes documents older than CS_EVENTS_FN_KEEP_MS (up to 100 per call). */
CS_MUST_CHECK int cs_events_fn_read(struct cs_store *st, struct cs_arena *a, int64_t since_ms,
                                    int64_t now_ms, struct cs_events_fn_figures *out, size_t max,
                                    size_t *n);

/* ---- Delivery at once ----
 * Events reach the feed when the dispatcher relays them. Under serve its loop polls
 * every second. On Lambda it runs on a one-minute schedule (and the broadcaster on
 * another), so a request whose commit staged events (cs_notify_stage marks the thread)
 * also invokes the dispatcher asynchronously when it ends (cs_app_handle calls
 * cs_events_kick): Lambda's Invoke API with InvocationType Event, SigV4-signed by
 * libcurl; the dispatcher then invokes the broadcaster the same way when it relayed
 * something. The schedules stay as the safety net. Configured from the environment at
 * first use: CS_EVENTS_KICK_FUNCTION (the function to invoke; unset: no kick, as under
 * serve), AWS_REGION and the Lambda's credentials, CS_LAMBDA_ENDPOINT (default
 * https://lambda.<region>.amazonaws.com; tests point it at a loopback server). */
struct cs_lambda_target {
    const char *endpoint; /* scheme://host[:port], no trailing slash */
    const char *region, *key_id, *secret, *session_token;
    const char *function; /* name or ARN */
};

void cs_events_mark_staged(void);
/* True once after events were staged on this thread since the last call. */
bool cs_events_take_staged(void);
/* Invokes `t->function` with `payload` asynchronously (InvocationType Event);
 * *status gets the HTTP status (202 when accepted, 0 when no answer came).
 * CS_ERR_UPSTREAM unless 202. Blocks for at most 2 s. */
CS_MUST_CHECK int cs_lambda_invoke_event(const struct cs_lambda_target *t, const char *payload,
                                         long *status);
/* After a request whose commit staged events (cs_events_take_staged): when
 * CS_EVENTS_KICK_FUNCTION is set, invokes that function (failures are logged: the
 * schedule delivers later). */
void cs_events_kick(void);
/* The kick for the dispatcher's run: invokes CS_EVENTS_KICK_AFTER_RELAY (the
 * broadcaster) when set. */
void cs_events_kick_broadcaster(void);

#endif
