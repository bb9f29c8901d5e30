/* Fan-out of domain events to webhook subscriptions through the store's outbox. */
#include "cs/notify.h"

#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/events.h"
#include "cs/json.h"
#include "cs/store.h"

const char *const cs_notify_types[] = {"ticket.created",
                                       "escalation.predicted",
                                       "sla.breach_risk",
                                       "churn.detected",
                                       "session.created",
                                       "session.escalated",
                                       "session.resolved",
                                       "session.abandoned",
                                       "review.queue_update",
                                       "sentiment.alert",
                                       NULL};

bool cs_notify_type_known(const char *type)
{
    for (const char *const *t = cs_notify_types; type && *t; t++)
        if (strcmp(*t, type) == 0) return true;
    return false;
}

static bool wants(json_object *sub, const char *type)
{
    json_object *active, *events;
    if (json_object_object_get_ex(sub, "active", &active) && !json_object_get_boolean(active))
        return false;
    if (!json_object_object_get_ex(sub, "events", &events) ||
        !json_object_is_type(events, json_type_array))
        return false;
    for (size_t i = 0; i < json_object_array_length(events); i++) {
        const char *e = json_object_get_string(json_object_array_get_idx(events, i));
        if (e && (strcmp(e, type) == 0 || strcmp(e, "*") == 0)) return true;
    }
    return false;
}

static json_object *envelope(const char *type, json_object *data, int64_t now_ms)
{
    char ts[CS_ISO_MAX];
    cs_time_iso(now_ms, CS_ISO_Z, ts);
    struct cs_jb o; /* checked: a failed add would store an envelope without its type */
    cs_jb_init(&o, json_object_new_object());
    /* The sessions seed (003, "Webhook Payload") names the event "event"; Standard
     * Webhooks receivers read "type". Both carry the same value. */
    cs_jb_str(&o, "event", type);
    cs_jb_str(&o, "type", type);
    cs_jb_str(&o, "timestamp", ts);
    cs_jb_add(&o, "data", data ? json_object_get(data) : json_object_new_object());
    if (cs_jb_done(&o)) {
        json_object_put(o.obj);
        return NULL;
    }
    return o.obj;
}

int cs_notify_stage(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *type,
                    json_object *data, int64_t now_ms, size_t *staged)
{
    if (staged) *staged = 0;
    if (!cs_notify_type_known(type)) return CS_ERR_INVALID;
    struct cs_query q = {.limit = 1000};
    struct cs_doc_list subs;
    int rc = cs_store_find(st, a, tenant, CS_WEBHOOKS_COLL, &q, &subs);
    if (rc) return rc;
    json_object *payload = envelope(type, data, now_ms);
    if (!payload) return CS_ERR_NOMEM;
    for (size_t i = 0; i < subs.n && rc == CS_OK; i++) {
        if (!wants(subs.docs[i].body, type)) continue;
        rc = cs_store_stage(st, tenant, subs.docs[i].id, type, payload);
        if (rc == CS_OK && staged) (*staged)++;
    }
    /* Every event is also a real-time one (cs/events.h), written with the same change. */
    if (rc == CS_OK) rc = cs_store_stage(st, tenant, CS_EVENTS_TOPIC, type, payload);
    if (rc == CS_OK) cs_events_mark_staged(); /* cs_events_kick after the commit */
    json_object_put(payload);
    return rc;
}
