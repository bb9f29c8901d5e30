/* Domain events for webhook subscribers: `ticket.created`, `session.escalated`, ...
 *
 * A change that subscribers should hear about stages its event before the store write
 * that makes the change; the store then writes both in one operation (the outbox of
 * cs/store.h), and the dispatcher delivers later with retries. One outbox item is
 * staged per matching subscription, with the subscription's id as the topic, so each
 * subscriber receives its events in order and a slow one holds up no other.
 *
 * Subscriptions are documents of the tenant's `webhooks` collection:
 *   { "url": "...", "events": ["ticket.created", ...] or ["*"], "active": true, ... }
 * The payload follows the Standard Webhooks convention:
 *   { "type": "<event type>", "timestamp": "<ISO 8601 Z>", "data": { ... } }
 */
#ifndef CS_NOTIFY_H
#define CS_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"

struct cs_arena;
struct cs_store;

#define CS_WEBHOOKS_COLL "webhooks"

/* The event types subscribers may ask for, NULL-terminated. */
extern const char *const cs_notify_types[];
bool cs_notify_type_known(const char *type);

/* Stages `type` with `data` for every active subscription of `tenant` that wants it;
 * *staged (may be NULL) gets how many. The caller's next insert/update/delete on `st`
 * writes them; cs_store_outbox_flush writes them when no change follows. Staging
 * nothing is not an error. CS_ERR_INVALID for an unknown type. */
CS_MUST_CHECK int cs_notify_stage(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                  const char *type, json_object *data, int64_t now_ms,
                                  size_t *staged);

#endif
