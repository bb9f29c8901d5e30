/* The tenant's real-time feed (cs/events.h): relayed from the outbox, read by the SSE
 * and WebSocket paths. */
#include "cs/events.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/clock.h"
#include "cs/json.h"
#include "cs/notify.h"
#include "cs/store.h"

static const char *const realtime_only[] = {"queue_update", "sentiment_alert", "system_status",
                                            NULL};

const char *cs_events_name(const char *outbox_type)
{
    if (!outbox_type) return NULL;
    if (strcmp(outbox_type, "review.queue_update") == 0) return "queue_update";
    if (strcmp(outbox_type, "sentiment.alert") == 0) return "sentiment_alert";
    return outbox_type;
}

bool cs_events_type_known(const char *name)
{
    if (!name) return false;
    for (const char *const *t = realtime_only; *t; t++)
        if (strcmp(*t, name) == 0) return true;
    /* Other outbox types keep their names; the two renamed ones only by their new name,
     * so a filter means one thing. */
    return cs_notify_type_known(name) && strcmp(cs_events_name(name), name) == 0;
}

/* Ids sort as the events were relayed, which is the order they were written (the
 * outbox hands out a topic's items in order): zero-padded Unix ms, a sequence within
 * that ms, then a unique tail. An event never sorts before the feed's newest one, so a
 * reader whose cursor is there misses nothing, even when two share a millisecond or
 * the clock stepped back. `last` is the newest id's ms and sequence (ms -1: none),
 * advanced to the new id's. */
struct feed_edge {
    long long ms, seq;
};

static int feed_edge(struct cs_store *st, struct cs_arena *a, const char *tenant,
                     struct feed_edge *e)
{
    const char *latest = NULL;
    int rc = cs_events_latest(st, a, tenant, &latest);
    if (rc) return rc;
    long long lms = 0, lseq = -1;
    int used = 0;
    bool parsed =
        latest && sscanf(latest, "%16lld-%6lld-%n", &lms, &lseq, &used) == 2 && used == 24;
    *e = parsed ? (struct feed_edge){lms, lseq} : (struct feed_edge){-1, -1};
    return CS_OK;
}

static int event_id(struct cs_arena *a, struct feed_edge *last, int64_t ms, const char *tail,
                    char **out)
{
    long long seq = 0;
    if (last->ms >= 0 && last->ms >= ms) {
        ms = last->ms;
        seq = last->seq + 1;
    }
    if (ms < 0) ms = 0;
    *out = cs_arena_printf(a, "%016lld-%06lld-%s", (long long)ms, seq, tail);
    if (!*out || strlen(*out) >= CS_EVENTS_ID_MAX || seq >= 1000000) return CS_ERR_FORMAT;
    *last = (struct feed_edge){ms, seq};
    return CS_OK;
}

/* ---- retention ---- */

static int64_t max_age_ms = CS_EVENTS_MAX_AGE_MS, max_per_tenant = CS_EVENTS_MAX_PER_TENANT;

void cs_events_set_retention(int64_t age_ms, int64_t cap)
{
    if (age_ms > 0) max_age_ms = age_ms;
    if (cap > 0) max_per_tenant = cap;
}

void cs_events_retention(int64_t *age_ms, int64_t *cap)
{
    *age_ms = max_age_ms;
    *cap = max_per_tenant;
}

static int env_range(const char *(*get)(const char *), const char *name, long long lo, long long hi,
                     long long *out)
{
    const char *v = get(name);
    *out = 0;
    if (!v || !*v) return CS_OK;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (*end != '\0' || n < lo || n > hi) return CS_ERR_CONFIG;
    *out = n;
    return CS_OK;
}

int cs_events_retention_load(const char *(*get)(const char *name), const char **why)
{
    long long age_s, cap;
    *why = NULL;
    if (env_range(get, "CS_EVENTS_MAX_AGE_S", 60, 30 * 86400LL, &age_s))
        return *why = "CS_EVENTS_MAX_AGE_S", CS_ERR_CONFIG;
    if (env_range(get, "CS_EVENTS_MAX_PER_TENANT", 100, 1000000, &cap))
        return *why = "CS_EVENTS_MAX_PER_TENANT", CS_ERR_CONFIG;
    cs_events_set_retention(age_s * 1000, cap);
    return CS_OK;
}

static int delete_all(struct cs_store *st, const char *tenant, const struct cs_doc_list *l,
                      size_t *removed)
{
    for (size_t i = 0; i < l->n; i++) {
        int rc = cs_store_delete(st, tenant, CS_EVENTS_COLL, l->docs[i].id, -1);
        if (rc == CS_ERR_NOT_FOUND) continue; /* another sweeper took it */
        if (rc) return rc;
        (*removed)++;
    }
    return CS_OK;
}

int cs_events_sweep(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t now_ms,
                    bool cap_too, size_t budget, size_t *removed)
{
    size_t gone = 0;
    if (removed) *removed = 0;
    if (budget == 0) return CS_OK;
    /* Ids start with the event's zero-padded ms, so "older than" is an id range. */
    char cutoff[24];
    int64_t edge = now_ms - max_age_ms;
    snprintf(cutoff, sizeof(cutoff), "%016lld", (long long)(edge > 0 ? edge : 0));
    struct cs_query q = {.sort = "_id", .limit = (int64_t)budget};
    struct cs_doc_list l;
    int rc = cs_query_where(&q, "_id", CS_OP_LT, cs_val_str(cutoff));
    if (!rc) rc = cs_store_find(st, a, tenant, CS_EVENTS_COLL, &q, &l);
    if (!rc) rc = delete_all(st, tenant, &l, &gone);
    if (!rc && cap_too && gone < budget) {
        /* Newest first, skipping the `cap` kept: what is left is beyond the cap. */
        struct cs_query over = {.sort = "_id",
                                .desc = true,
                                .offset = max_per_tenant,
                                .limit = (int64_t)(budget - gone)};
        rc = cs_store_find(st, a, tenant, CS_EVENTS_COLL, &over, &l);
        if (!rc) rc = delete_all(st, tenant, &l, &gone);
    }
    if (removed) *removed = gone;
    return rc;
}

/* After a write: a little sweeping behind it (see cs/events.h), the part beyond the cap
 * when this event starts a new minute of the feed. A failed sweep is left to the next
 * write: the event itself is stored. */
static void sweep_behind(struct cs_store *st, struct cs_arena *a, const char *tenant,
                         int64_t prev_ms, int64_t now_ms)
{
    bool new_minute = prev_ms < 0 || prev_ms / 60000 != now_ms / 60000;
    size_t budget = new_minute ? CS_EVENTS_SWEEP_CAP_BATCH : CS_EVENTS_SWEEP_AGE_BATCH;
    int rc = cs_events_sweep(st, a, tenant, now_ms, new_minute, budget, NULL);
    (void)rc;
}

static int store_event(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *id,
                       const char *type, const char *source_type, const char *ts, json_object *data,
                       const char *outbox_id, int64_t now_ms)
{
    struct cs_jb b;
    cs_jb_init(&b, cs_json_object(a));
    cs_jb_str(&b, "type", type);
    if (outbox_id) cs_jb_str(&b, "outbox_id", outbox_id);
    cs_jb_str(&b, "event", source_type);
    cs_jb_str(&b, "timestamp", ts);
    cs_jb_add(&b, "data", data ? json_object_get(data) : json_object_new_object());
    int rc = cs_jb_done(&b);
    if (!rc) rc = cs_store_insert(st, a, tenant, CS_EVENTS_COLL, id, b.obj, NULL, now_ms, NULL);
    return rc == CS_ERR_EXISTS ? CS_OK : rc; /* relayed before: once is enough */
}

/* The envelope's parts, or false when the payload is not an event envelope. */
static bool envelope(const struct cs_outbox_item *it, const char **ts, const char **type,
                     json_object **data)
{
    *ts = cs_json_get_str(it->payload, "timestamp");
    *type = cs_json_get_str(it->payload, "type");
    return *ts && *type && json_object_object_get_ex(it->payload, "data", data) &&
           json_object_is_type(*data, json_type_object);
}

/* Which items the feed holds already (relayed under a lease that was then lost). A
 * relayed item's event id starts at its created ms or later (event_id), so one range
 * read from the run's oldest ms finds them all: in the steady state it holds a handful
 * of events, where a lookup of each item by its `outbox_id` field scanned the feed. */
static int relayed_before(struct cs_store *st, struct cs_arena *a, const struct cs_outbox_item *it,
                          size_t n, bool *seen)
{
    int64_t from = it[0].created_ms;
    for (size_t i = 1; i < n; i++)
        if (it[i].created_ms < from) from = it[i].created_ms;
    char cursor[CS_EVENTS_ID_MAX];
    snprintf(cursor, sizeof(cursor), "%016lld", (long long)(from > 0 ? from : 0));
    for (;;) {
        struct cs_query q = {.sort = "_id", .limit = 1000};
        struct cs_doc_list l;
        int rc = cs_query_where(&q, "_id", CS_OP_GT, cs_val_str(cursor));
        if (!rc) rc = cs_store_find(st, a, it[0].tenant, CS_EVENTS_COLL, &q, &l);
        if (rc) return rc;
        for (size_t d = 0; d < l.n; d++) {
            const char *oid = cs_json_get_str(l.docs[d].body, "outbox_id");
            for (size_t i = 0; oid && i < n; i++)
                if (!seen[i] && strcmp(it[i].id, oid) == 0) seen[i] = true;
        }
        if ((int64_t)l.n < q.limit) return CS_OK;
        snprintf(cursor, sizeof(cursor), "%s", l.docs[l.n - 1].id);
    }
}

int cs_events_relay_run(struct cs_store *st, struct cs_arena *a, const struct cs_outbox_item *it,
                        size_t n, int *item_rc)
{
    if (n == 0) return CS_OK;
    bool *seen = cs_arena_alloc(a, n * sizeof(*seen));
    if (!seen) return CS_ERR_NOMEM;
    memset(seen, 0, n * sizeof(*seen));
    struct feed_edge edge;
    int rc = relayed_before(st, a, it, n, seen);
    if (!rc) rc = feed_edge(st, a, it[0].tenant, &edge);
    if (rc) return rc;
    long long prev_ms = edge.ms;
    int64_t last_ms = -1;
    for (size_t i = 0; i < n; i++) {
        const char *ts, *type;
        json_object *data = NULL;
        item_rc[i] = CS_OK;
        if (!envelope(&it[i], &ts, &type, &data)) {
            item_rc[i] = CS_ERR_FORMAT;
            continue;
        }
        if (seen[i]) continue; /* relayed before: once is enough */
        char *id = NULL;
        struct feed_edge next = edge;
        rc = event_id(a, &next, it[i].created_ms, it[i].id, &id);
        if (rc == CS_ERR_FORMAT) {
            item_rc[i] = rc;
            continue;
        }
        if (!rc)
            rc = store_event(st, a, it[i].tenant, id, cs_events_name(type), type, ts, data,
                             it[i].id, it[i].created_ms);
        if (rc) return rc;
        edge = next;
        last_ms = it[i].created_ms;
    }
    if (last_ms >= 0) sweep_behind(st, a, it[0].tenant, prev_ms, last_ms);
    return CS_OK;
}

int cs_events_relay(struct cs_store *st, struct cs_arena *a, const struct cs_outbox_item *it)
{
    int item_rc = CS_OK;
    int rc = cs_events_relay_run(st, a, it, 1, &item_rc);
    return rc ? rc : item_rc;
}

int cs_events_publish(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *type,
                      json_object *data, int64_t now_ms)
{
    unsigned char bin[8];
    char hex[17], ts[CS_ISO_MAX];
    randombytes_buf(bin, sizeof(bin));
    sodium_bin2hex(hex, sizeof(hex), bin, sizeof(bin));
    cs_time_iso(now_ms, CS_ISO_Z, ts);
    char *id = NULL;
    struct feed_edge edge;
    int rc = feed_edge(st, a, tenant, &edge);
    long long prev_ms = edge.ms;
    if (!rc) rc = event_id(a, &edge, now_ms, hex, &id);
    if (!rc) rc = store_event(st, a, tenant, id, type, type, ts, data, NULL, now_ms);
    if (!rc) sweep_behind(st, a, tenant, prev_ms, now_ms);
    return rc;
}

bool cs_events_wanted(const char *type, const char *const *types, size_t ntypes)
{
    if (ntypes == 0) return true;
    for (size_t i = 0; type && i < ntypes; i++)
        if (strcmp(types[i], type) == 0) return true;
    return false;
}

/* A stored event is used only when it has the fields the wire form needs. */
static bool well_formed(const struct cs_doc *d)
{
    json_object *data;
    return d->id && strlen(d->id) < CS_EVENTS_ID_MAX &&
           json_object_is_type(d->body, json_type_object) && cs_json_get_str(d->body, "type") &&
           cs_json_get_str(d->body, "timestamp") &&
           json_object_object_get_ex(d->body, "data", &data) &&
           json_object_is_type(data, json_type_object);
}

int cs_events_read(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *after,
                   const char *const *types, size_t ntypes, size_t limit, struct cs_doc_list *out,
                   const char **scanned, bool *more)
{
    struct cs_query q = {.sort = "_id", .limit = limit ? (int64_t)limit : 100};
    *scanned = NULL;
    *more = false;
    *out = (struct cs_doc_list){0};
    if (after && *after) {
        int rc = cs_query_where(&q, "_id", CS_OP_GT, cs_val_str(after));
        if (rc) return rc;
    }
    struct cs_doc_list all;
    int rc = cs_store_find(st, a, tenant, CS_EVENTS_COLL, &q, &all);
    if (rc) return rc;
    out->docs = all.n ? cs_arena_alloc(a, all.n * sizeof(*out->docs)) : NULL;
    if (all.n && !out->docs) return CS_ERR_NOMEM;
    for (size_t i = 0; i < all.n; i++) {
        *scanned = all.docs[i].id;
        if (well_formed(&all.docs[i]) &&
            cs_events_wanted(cs_json_get_str(all.docs[i].body, "type"), types, ntypes))
            out->docs[out->n++] = all.docs[i];
    }
    out->total = -1;
    *more = (int64_t)all.n == q.limit;
    return CS_OK;
}

int cs_events_latest(struct cs_store *st, struct cs_arena *a, const char *tenant, const char **id)
{
    struct cs_query q = {.sort = "_id", .desc = true, .limit = 1};
    struct cs_doc_list l;
    *id = NULL;
    int rc = cs_store_find(st, a, tenant, CS_EVENTS_COLL, &q, &l);
    if (!rc && l.n) *id = l.docs[0].id;
    return rc;
}

json_object *cs_events_message(struct cs_arena *a, const struct cs_doc *d)
{
    if (!well_formed(d)) return NULL;
    json_object *data = NULL;
    json_object_object_get_ex(d->body, "data", &data);
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(a));
    cs_jb_str(&o, "id", d->id);
    cs_jb_str(&o, "type", cs_json_get_str(d->body, "type"));
    cs_jb_str(&o, "timestamp", cs_json_get_str(d->body, "timestamp"));
    cs_jb_add(&o, "data", json_object_get(data));
    return cs_jb_done(&o) ? NULL : o.obj;
}

int cs_events_parse_types(struct cs_arena *a, const char *list, const char **types, size_t *ntypes,
                          const char **bad)
{
    *ntypes = 0;
    *bad = NULL;
    if (!list || !*list) return CS_OK;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        char *name = cs_arena_strndup(a, p, n);
        if (!name) return CS_ERR_NOMEM;
        if (n && !cs_events_type_known(name)) {
            *bad = name;
            return CS_ERR_VALIDATION;
        }
        bool dup = false;
        for (size_t i = 0; i < *ntypes; i++) dup = dup || strcmp(types[i], name) == 0;
        if (n && !dup) {
            if (*ntypes == CS_EVENTS_MAX_TYPES) {
                *bad = name;
                return CS_ERR_VALIDATION;
            }
            types[(*ntypes)++] = name;
        }
        p += n;
        if (*p == ',') p++;
    }
    return CS_OK;
}

double cs_events_threshold(struct cs_store *st, struct cs_arena *a, const char *tenant)
{
    struct cs_doc d;
    if (cs_store_get(st, a, tenant, CS_EVENTS_SETTINGS_COLL, CS_EVENTS_SETTINGS_ID, &d))
        return CS_EVENTS_SENTIMENT_THRESHOLD;
    json_object *v;
    /* Read back like outside input: a number in [0, 1], else the default. */
    if (!json_object_object_get_ex(d.body, "sentiment_alert_threshold", &v) ||
        !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
        return CS_EVENTS_SENTIMENT_THRESHOLD;
    double t = json_object_get_double(v);
    return isfinite(t) && t >= 0 && t <= 1 ? t : CS_EVENTS_SENTIMENT_THRESHOLD;
}

int cs_events_sentiment_check(struct cs_store *st, struct cs_arena *a, const char *tenant,
                              json_object *data, const char *level_name, double score,
                              int64_t now_ms, bool *alerted)
{
    if (alerted) *alerted = false;
    bool harsh =
        level_name && (strcmp(level_name, "ANGRY") == 0 || strcmp(level_name, "IRATE") == 0);
    double threshold = cs_events_threshold(st, a, tenant);
    bool low = score < threshold;
    if (!harsh && !low) return CS_OK;
    struct cs_jb b;
    cs_jb_init(&b, data);
    cs_jb_str(&b, "sentiment", level_name);
    cs_jb_double(&b, "sentiment_score", score, 4);
    cs_jb_double(&b, "threshold", threshold, 4);
    cs_jb_str(&b, "reason", harsh ? "sentiment_level" : "score_below_threshold");
    int rc = cs_jb_done(&b);
    if (!rc) rc = cs_notify_stage(st, a, tenant, "sentiment.alert", data, now_ms, NULL);
    if (!rc && alerted) *alerted = true;
    return rc;
}

int cs_events_watch(struct cs_store *st, struct cs_arena *a, const char *tenant, int64_t now_ms)
{
    struct cs_jb jb;
    cs_jb_init(&jb, cs_json_object(a));
    cs_jb_str(&jb, "tenant", tenant);
    cs_jb_int(&jb, "last_seen_ms", now_ms);
    if (cs_jb_done(&jb)) return CS_ERR_NOMEM;
    json_object *b = jb.obj;
    int rc =
        cs_store_put(st, a, CS_SYSTEM_TENANT, CS_EVENTS_WATCHERS_COLL, tenant, b, now_ms, NULL);
    return rc == CS_ERR_CONFLICT ? CS_OK : rc; /* others kept marking it: as good */
}

int cs_events_watched(struct cs_store *st, struct cs_arena *a, int64_t since_ms,
                      const char **tenants, size_t max, size_t *n)
{
    struct cs_query q = {.limit = (int64_t)max};
    *n = 0;
    int rc = cs_query_where(&q, "last_seen_ms", CS_OP_GTE, cs_val_int(since_ms));
    struct cs_doc_list l;
    if (!rc) rc = cs_store_find(st, a, CS_SYSTEM_TENANT, CS_EVENTS_WATCHERS_COLL, &q, &l);
    for (size_t i = 0; !rc && i < l.n && *n < max; i++) {
        const char *t = cs_json_get_str(l.docs[i].body, "tenant");
        /* Read back like outside input: the document names the tenant it is filed under. */
        if (t && strcmp(t, l.docs[i].id) == 0 && strcmp(t, CS_SYSTEM_TENANT) != 0)
            tenants[(*n)++] = t;
    }
    return rc;
}
