/* Signed webhooks (Standard Webhooks, https://www.standardwebhooks.com):
 *
 *   webhook-id:        a message id, the same on every retry of one event
 *   webhook-timestamp: Unix seconds of this attempt
 *   webhook-signature: "v1,<base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`>"
 *
 * Secrets read "whsec_<base64>" and the HMAC key is the decoded bytes, so receivers can
 * verify with the existing Standard Webhooks libraries. Verification accepts a
 * space-separated list of signatures (key rotation), refuses timestamps outside a
 * five-minute window, and compares in constant time.
 *
 * Signing secrets are kept sealed at rest (crypto_secretbox under a key derived from
 * the deployment's server secret with crypto_kdf); they never reach logs.
 *
 * Delivery of outbox items to subscriptions (cs/notify.h) is cs_webhook_dispatch.
 */
#ifndef CS_WEBHOOK_H
#define CS_WEBHOOK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/auth.h"
#include "cs/error.h"

struct cs_arena;
struct cs_doc;
struct cs_store;
struct sockaddr;

#define CS_WEBHOOK_SECRET_PREFIX "whsec_"
#define CS_WEBHOOK_KEY_MIN 16 /* bytes; Standard Webhooks libraries make 24 or 32 */
#define CS_WEBHOOK_KEY_MAX 64
#define CS_WEBHOOK_NEW_KEY_BYTES 32
/* "whsec_" + base64 of CS_WEBHOOK_KEY_MAX bytes + NUL */
#define CS_WEBHOOK_SECRET_MAX 104
/* "v1," + base64 of 32 bytes + NUL */
#define CS_WEBHOOK_SIG_MAX 52
#define CS_WEBHOOK_TOLERANCE_S 300
#define CS_WEBHOOK_ID_MAX 128
/* A signature header longer than this is refused unread (a list of 32 signatures). */
#define CS_WEBHOOK_SIG_HEADER_MAX 2048

/* The tenant's subscriptions live in CS_WEBHOOKS_COLL (cs/notify.h); one document per
 * delivery attempt in this collection; replay guards for incoming webhooks in the next. */
#define CS_WEBHOOK_DELIVERIES_COLL "webhook_deliveries"
#define CS_WEBHOOK_RECEIVED_COLL "webhooks_received"

/* Incoming webhooks (webhook-receiver): each tenant's receiver settings are one document
 * (id CS_WEBHOOK_RECEIVER_ID) holding the sealed secret helpdesks sign with and the
 * escalation threshold above which escalation.predicted is emitted. */
#define CS_WEBHOOK_RECEIVER_COLL "webhook_receiver"
#define CS_WEBHOOK_RECEIVER_ID "config"
#define CS_WEBHOOK_DEFAULT_THRESHOLD 0.7

struct cs_webhook_key {
    unsigned char bytes[CS_WEBHOOK_KEY_MAX];
    size_t len;
};

/* Parses "whsec_<base64>" (the prefix is optional, as in the reference libraries) into
 * the HMAC key. CS_ERR_INVALID when not base64 or shorter than CS_WEBHOOK_KEY_MIN bytes
 * or longer than CS_WEBHOOK_KEY_MAX. */
CS_MUST_CHECK int cs_webhook_secret_parse(const char *secret, struct cs_webhook_key *out);
/* A fresh "whsec_" secret of CS_WEBHOOK_NEW_KEY_BYTES random bytes from `random`. */
void cs_webhook_secret_new(void (*random)(void *buf, size_t n), char out[CS_WEBHOOK_SECRET_MAX]);

/* "v1,<base64>" for the message; ts_s is the webhook-timestamp value. */
CS_MUST_CHECK int cs_webhook_sign(const struct cs_webhook_key *k, const char *id, int64_t ts_s,
                                  const char *body, size_t len, char out[CS_WEBHOOK_SIG_MAX]);

enum cs_webhook_reject {
    CS_WEBHOOK_OK,
    CS_WEBHOOK_MISSING_HEADERS, /* id, timestamp or signature absent or malformed */
    CS_WEBHOOK_STALE,           /* timestamp outside +-CS_WEBHOOK_TOLERANCE_S of now */
    CS_WEBHOOK_BAD_SIGNATURE,   /* no v1 signature in the list matches */
};

/* Checks the three header values (NULL when absent) against the body at `now_s`.
 * Returns CS_OK, or CS_ERR_UNAUTHORIZED with *why (may be NULL) saying which check
 * failed. The timestamp is checked before the MAC so stale messages cost no HMAC. */
CS_MUST_CHECK int cs_webhook_verify(const struct cs_webhook_key *k, const char *id,
                                    const char *timestamp, const char *signatures, const char *body,
                                    size_t len, int64_t now_s, enum cs_webhook_reject *why);
/* Stable snake_case name of a rejection ("invalid_signature"), for error bodies. */
const char *cs_webhook_reject_name(enum cs_webhook_reject why);

/* Seals a secret for storage: base64(nonce || secretbox) under a subkey of `server`
 * (crypto_kdf, context "cswhsec1"); the string is allocated in `a`. */
CS_MUST_CHECK int cs_webhook_seal(const struct cs_jwt_key *server, const char *secret,
                                  struct cs_arena *a, char **sealed);
/* Opens what cs_webhook_seal made under any key of the ring; *stale (may be NULL) says
 * it was not sealed under the current key (or predates key ids), so the caller should
 * seal it again. CS_ERR_FORMAT when it was tampered with or sealed under a key the ring
 * no longer has; CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_webhook_unseal(const struct cs_keyring *ring, const char *sealed,
                                    struct cs_arena *a, char **secret, bool *stale);

/* ---- Delivery ----
 * The dispatcher claims due outbox items (leased), loads each item's subscription (the
 * item's topic is the subscription id), POSTs the payload signed with the
 * subscription's secret, records one CS_WEBHOOK_DELIVERIES_COLL document per attempt
 * (status, latency, error, attempt number; never the body), and settles the item: DONE
 * on 2xx, RETRY after schedule[attempt - 1] plus up to 20% jitter, DEAD after the last
 * attempt or when the subscription is gone or inactive. The lease outlives the HTTP
 * timeout, so no item is sent twice within a lease; a crashed dispatcher's items come
 * back when their lease expires. */
#define CS_WEBHOOK_MAX_SCHEDULE 16

#define CS_WEBHOOK_CONCURRENCY 32
#define CS_WEBHOOK_TENANT_CONCURRENCY 8

struct cs_webhook_dispatch_cfg {
    const struct cs_keyring *keys; /* unseal subscription secrets; key[0] re-seals stale ones */
    int64_t (*now_ms)(void);
    void (*random)(void *buf, size_t n);
    /* Delay before retry i+1 after failed attempt i+1; attempts = nschedule + 1.
     * nschedule 0: the default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
    int64_t schedule_ms[CS_WEBHOOK_MAX_SCHEDULE];
    size_t nschedule;
    long connect_timeout_ms; /* 0: 5000 */
    long timeout_ms;         /* whole request; 0: 10000 */
    int64_t lease_ms;        /* 0: 60000; raised to timeout + 30 s when shorter */
    size_t batch;            /* items per claim; 0: 16 */
    /* Deliveries in flight at once (libcurl multi), and at most per tenant, so one
     * tenant's hanging endpoints leave the other slots to the rest. 0: the defaults. */
    size_t concurrency; /* 0: CS_WEBHOOK_CONCURRENCY */
    size_t per_tenant;  /* 0: CS_WEBHOOK_TENANT_CONCURRENCY; at most concurrency */
    bool jitter_off;    /* tests that check exact due times */
    /* Subscriber URLs may resolve to loopback, private and link-local addresses only
     * when set (local receivers under `build.sh serve`); otherwise such a connection is
     * refused, so a subscription cannot make us call internal services. */
    bool allow_private;
};

/* True for a unicast address on the public internet: not loopback, private (RFC 1918,
 * fc00::/7), shared (100.64/10), link-local, multicast, unspecified or reserved. */
bool cs_webhook_addr_public(const struct sockaddr *sa);

struct cs_webhook_dispatch_stats {
    size_t claimed, delivered, retried, dead, lost_lease;
    size_t relayed; /* real-time events moved into their tenant's feed (cs/events.h) */
};

/* Creates a subscription document in `tenant`'s CS_WEBHOOKS_COLL with the fields
 * cs/notify.h reads (url, events, active) and the secret sealed under `server`.
 * `events` is copied. The plain secret is not stored. */
CS_MUST_CHECK int cs_webhook_subscribe(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                       const struct cs_jwt_key *server, const char *url,
                                       json_object *events, const char *secret, int64_t now_ms,
                                       struct cs_doc *out);

/* Delivers due items until none is due and none is in flight, `deadline_ms` passes
 * (0: none; no new claims after it, deliveries in flight finish) or *stop becomes
 * nonzero (may be NULL; deliveries in flight are abandoned and come back when their
 * leases expire); adds to *stats (may be NULL). Up to cfg->concurrency POSTs run at
 * once, each subscription's events one after another in order. `a` is reset between
 * steps. Fails only when the store does (CS_ERR_STORE) or memory runs out. */
CS_MUST_CHECK int cs_webhook_dispatch(struct cs_store *st, struct cs_arena *a,
                                      const struct cs_webhook_dispatch_cfg *cfg,
                                      int64_t deadline_ms, const volatile sig_atomic_t *stop,
                                      struct cs_webhook_dispatch_stats *stats);
/* The delay after failed attempt `attempt` (1-based), jitter included; -1 when that
 * was the last attempt. */
int64_t cs_webhook_retry_delay(const struct cs_webhook_dispatch_cfg *cfg, int64_t attempt);

#endif
