/* Delivery of outbox items to webhook subscriptions: claim, sign, POST, log, settle. */
#include "cs/webhook.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/events.h"
#include "cs/json.h"
#include "cs/log.h"
#include "cs/net.h"
#include "cs/notify.h"
#include "cs/store.h"

#define S 1000LL
static const int64_t default_schedule[] = {5 * S,        5 * 60 * S,    30 * 60 * S,  2 * 3600 * S,
                                           5 * 3600 * S, 10 * 3600 * S, 10 * 3600 * S};
#define N_DEFAULT (sizeof(default_schedule) / sizeof(*default_schedule))

/* What one attempt came to, for the delivery log and the settle call. */
struct attempt {
    long status; /* HTTP status, 0 when none arrived */
    double latency_ms;
    const char *error; /* short static reason, NULL on 2xx */
    enum cs_outbox_outcome outcome;
    int64_t next_due_ms;
};

static int64_t now(const struct cs_webhook_dispatch_cfg *cfg)
{
    return cfg->now_ms ? cfg->now_ms() : cs_now_ms();
}

int64_t cs_webhook_retry_delay(const struct cs_webhook_dispatch_cfg *cfg, int64_t attempt)
{
    const int64_t *sched = cfg->nschedule ? cfg->schedule_ms : default_schedule;
    size_t n = cfg->nschedule ? cfg->nschedule : N_DEFAULT;
    if (attempt < 1 || (size_t)attempt > n) return -1;
    int64_t d = sched[attempt - 1];
    if (cfg->jitter_off || d <= 0) return d;
    /* Up to +20%, so subscribers that failed together do not retry together. */
    uint32_t r = 0;
    (cfg->random ? cfg->random : randombytes_buf)(&r, sizeof(r));
    return d + (int64_t)((double)d * 0.2 * ((double)r / 4294967295.0));
}

static bool v4_public(uint32_t a)
{
    uint8_t b0 = (uint8_t)(a >> 24), b1 = (uint8_t)(a >> 16);
    if (b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224) return false;
    if (b0 == 100 && (b1 & 0xc0) == 64) return false; /* 100.64/10 carrier-grade NAT */
    if (b0 == 169 && b1 == 254) return false;         /* link-local, cloud metadata */
    if (b0 == 172 && (b1 & 0xf0) == 16) return false;
    if (b0 == 192 && b1 == 168) return false;
    if (b0 == 192 && b1 == 0 && (uint8_t)(a >> 8) == 0) return false; /* 192.0.0/24 */
    if (b0 == 198 && (b1 & 0xfe) == 18) return false;                 /* benchmarking */
    return true;
}

bool cs_webhook_addr_public(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return v4_public(ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr));
    if (sa->sa_family != AF_INET6) return false;
    const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    const uint8_t *b = a->s6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a))
        return v4_public((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 |
                         b[15]);
    if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_MULTICAST(a) ||
        IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_SITELOCAL(a))
        return false;
    return (b[0] & 0xfe) != 0xfc; /* fc00::/7 unique local */
}

/* The signed delivery's own header lines (cs_net_prepare adds Content-Type). */
static const char **headers(struct cs_arena *a, const char *id, int64_t ts, const char *sig)
{
    const char **h = cs_arena_alloc(a, 4 * sizeof(*h));
    if (!h) return NULL;
    h[0] = cs_arena_printf(a, "webhook-id: %s", id);
    h[1] = cs_arena_printf(a, "webhook-timestamp: %lld", (long long)ts);
    h[2] = cs_arena_printf(a, "webhook-signature: %s", sig);
    h[3] = NULL;
    return h[0] && h[1] && h[2] ? h : NULL;
}

/* One delivery in flight. Deliveries outlive the claim (and the arena reset) that
 * started them, so what they need is copied here, on the heap, and freed at the end. */
struct flight {
    CURL *easy;
    struct cs_net_call call;  /* header list and address guard of the transfer */
    struct cs_outbox_item it; /* id, tenant, topic, type copied */
    char *body;
    double t0;
    bool busy;
};

static void flight_free(struct flight *f)
{
    if (f->easy) curl_easy_cleanup(f->easy);
    cs_net_call_clean_up(&f->call);
    free((char *)f->it.id);
    free((char *)f->it.tenant);
    free((char *)f->it.topic);
    free((char *)f->it.type);
    free(f->body);
    memset(f, 0, sizeof(*f));
}

static int flight_copy(struct flight *f, const struct cs_outbox_item *it)
{
    f->it = *it;
    f->it.payload = NULL;
    f->it.id = strdup(it->id);
    f->it.tenant = strdup(it->tenant);
    f->it.topic = strdup(it->topic);
    f->it.type = strdup(it->type);
    const char *body = json_object_to_json_string_ext(it->payload, JSON_C_TO_STRING_PLAIN);
    f->body = strdup(body ? body : "{}");
    f->busy = true;
    return f->it.id && f->it.tenant && f->it.topic && f->it.type && f->body ? CS_OK : CS_ERR_NOMEM;
}

/* Prepares the signed POST on f->easy. A failure here is an attempt that did not
 * succeed (at->error set), not a dispatcher failure. */
static void prepare_post(struct flight *f, struct cs_arena *a,
                         const struct cs_webhook_dispatch_cfg *cfg, const char *url,
                         const struct cs_webhook_key *key, struct attempt *at)
{
    int64_t ts = now(cfg) / 1000;
    char sig[CS_WEBHOOK_SIG_MAX];
    const char **hdr = NULL;
    if (cs_webhook_sign(key, f->it.id, ts, f->body, strlen(f->body), sig) ||
        !(hdr = headers(a, f->it.id, ts, sig)) || !(f->easy = curl_easy_init())) {
        at->error = hdr ? "transport error" : "signing failed";
        sodium_memzero(sig, sizeof(sig));
        return;
    }
    sodium_memzero(sig, sizeof(sig));
    const struct cs_net_opts o = {
        .url = url,
        .headers = hdr,
        .body = f->body,
        .body_len = strlen(f->body),
        .timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 10000,
        .connect_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 5000,
        .user_agent = "cs-webhooks/1",
        /* The SSRF guard: no delivery to loopback, private or metadata addresses. */
        .allow_addr = cfg->allow_private ? NULL : cs_webhook_addr_public,
    }; /* subscribers' answers are not kept: only the status counts */
    if (cs_net_prepare(f->easy, &o, &f->call)) {
        at->error = "transport error";
        return;
    }
    curl_easy_setopt(f->easy, CURLOPT_PRIVATE, (void *)f);
}

/* What a finished transfer came to. */
static void read_result(struct flight *f, CURLcode rc, struct attempt *at)
{
    at->latency_ms = cs_mono_ms() - f->t0;
    curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &at->status);
    if (f->call.refused)
        at->error = "destination not allowed";
    else if (rc == CURLE_OPERATION_TIMEDOUT)
        at->error = "timeout";
    else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
        at->error = "connection failed";
    else if (rc != CURLE_OK)
        at->error = "transport error";
    else if (at->status < 200 || at->status > 299)
        at->error = "non-2xx response";
}
static void decide(const struct cs_webhook_dispatch_cfg *cfg, const struct cs_outbox_item *it,
                   struct attempt *at, bool final)
{
    if (!at->error) {
        at->outcome = CS_OUTBOX_DONE;
        return;
    }
    int64_t delay = final ? -1 : cs_webhook_retry_delay(cfg, it->attempts);
    at->outcome = delay < 0 ? CS_OUTBOX_DEAD : CS_OUTBOX_RETRY;
    at->next_due_ms = delay < 0 ? 0 : now(cfg) + delay;
}

static const char *outcome_name(enum cs_outbox_outcome o)
{
    return o == CS_OUTBOX_DONE ? "delivered" : o == CS_OUTBOX_RETRY ? "retry" : "dead";
}

/* The delivery log: one document per attempt, never the payload. */
static int record(struct cs_store *st, struct cs_arena *a, const struct cs_outbox_item *it,
                  const struct attempt *at, int64_t at_ms)
{
    struct cs_jb d;
    char iso[CS_ISO_MAX];
    cs_time_iso(at_ms, CS_ISO_Z_MS, iso);
    cs_jb_init(&d, cs_json_object(a));
    cs_jb_str(&d, "subscription_id", it->topic);
    cs_jb_str(&d, "event_id", it->id);
    cs_jb_str(&d, "event_type", it->type);
    cs_jb_int(&d, "attempt", it->attempts);
    if (at->status)
        cs_jb_int(&d, "status_code", at->status);
    else
        cs_jb_null(&d, "status_code");
    cs_jb_double(&d, "latency_ms", at->latency_ms, 1);
    cs_jb_str(&d, "error", at->error);
    cs_jb_str(&d, "outcome", outcome_name(at->outcome));
    cs_jb_str(&d, "attempted_at", iso);
    if (at->outcome == CS_OUTBOX_RETRY) {
        cs_time_iso(at->next_due_ms, CS_ISO_Z_MS, iso);
        cs_jb_str(&d, "next_attempt_at", iso);
    }
    int rc = cs_jb_done(&d);
    if (rc) return rc;
    return cs_store_insert(st, a, it->tenant, CS_WEBHOOK_DELIVERIES_COLL, NULL, d.obj, NULL, at_ms,
                           NULL);
}

/* Seals a secret read under an older server key again under the current one, so a
 * later rotation can drop the old key. Best effort: a failure (a concurrent change of
 * the subscription, say) leaves the old sealing, which still opens. */
static void reseal(struct cs_store *st, struct cs_arena *a,
                   const struct cs_webhook_dispatch_cfg *cfg, const char *tenant,
                   const struct cs_doc *sub, const char *secret)
{
    char *sealed = NULL;
    /* sub->body is this call's copy: changing it in place is fine. */
    if (cs_webhook_seal(&cfg->keys->key[0], secret, a, &sealed) ||
        cs_json_add_str(sub->body, "secret_sealed", sealed) ||
        cs_store_update(st, a, tenant, CS_WEBHOOKS_COLL, sub->id, sub->version, sub->body, NULL,
                        now(cfg), NULL))
        cs_log(CS_LOG_INFO, "webhook secret not re-sealed", "tenant", tenant, "subscription",
               sub->id, NULL);
}

/* Loads the subscription's URL and key; *gone when it was deleted or switched off. */
static int subscription(struct cs_store *st, struct cs_arena *a,
                        const struct cs_webhook_dispatch_cfg *cfg, const struct cs_outbox_item *it,
                        const char **url, struct cs_webhook_key *key, const char **gone)
{
    struct cs_doc sub;
    int rc = cs_store_get(st, a, it->tenant, CS_WEBHOOKS_COLL, it->topic, &sub);
    if (rc == CS_ERR_NOT_FOUND) {
        *gone = "subscription deleted";
        return CS_OK;
    }
    if (rc) return rc;
    if (!cs_json_get_bool(sub.body, "active", true)) {
        *gone = "subscription inactive";
        return CS_OK;
    }
    *url = cs_json_get_str(sub.body, "url");
    char *secret = NULL;
    bool stale = false;
    if (!*url || !cfg->keys ||
        cs_webhook_unseal(cfg->keys, cs_json_get_str(sub.body, "secret_sealed"), a, &secret,
                          &stale) ||
        cs_webhook_secret_parse(secret, key)) {
        *gone = "subscription unreadable"; /* sealed under a key the ring no longer has */
    } else if (stale) {
        reseal(st, a, cfg, it->tenant, &sub, secret);
    }
    if (secret) sodium_memzero(secret, strlen(secret));
    return CS_OK;
}

/* Logs, settles and counts one attempt, then frees the flight. */
static int settle(struct cs_store *st, struct cs_arena *a,
                  const struct cs_webhook_dispatch_cfg *cfg, struct flight *f, struct attempt *at,
                  bool final, struct cs_webhook_dispatch_stats *stats)
{
    const struct cs_outbox_item *it = &f->it;
    decide(cfg, it, at, final);
    int64_t t = now(cfg);
    int rc = record(st, a, it, at, t);
    if (rc && rc != CS_ERR_NOMEM) {
        cs_log(CS_LOG_WARN, "delivery log write failed", "tenant", it->tenant, "event_id", it->id,
               NULL);
        rc = CS_OK;
    }
    if (!rc) rc = cs_store_outbox_settle(st, it, at->outcome, at->next_due_ms, t);
    if (rc == CS_ERR_CONFLICT) {
        /* Our lease ran out and another dispatcher owns the item now. */
        stats->lost_lease++;
        rc = CS_OK;
    } else if (!rc) {
        if (at->outcome == CS_OUTBOX_DONE)
            stats->delivered++;
        else if (at->outcome == CS_OUTBOX_RETRY)
            stats->retried++;
        else
            stats->dead++;
        cs_log(at->outcome == CS_OUTBOX_DONE ? CS_LOG_DEBUG : CS_LOG_INFO, "webhook attempt",
               "tenant", it->tenant, "subscription", it->topic, "event_id", it->id, "outcome",
               outcome_name(at->outcome), "error", at->error, NULL);
    }
    flight_free(f);
    return rc;
}

/* Starts the delivery of a claimed item on a free flight: loads its subscription and
 * hands the signed POST to the multi handle, or settles at once when the subscription is
 * gone or the request could not be prepared. */
static int start(struct cs_store *st, struct cs_arena *a, const struct cs_webhook_dispatch_cfg *cfg,
                 CURLM *m, struct flight *f, const struct cs_outbox_item *it,
                 struct cs_webhook_dispatch_stats *stats)
{
    int rc = flight_copy(f, it);
    if (rc) {
        flight_free(f);
        return rc;
    }
    struct attempt at = {0};
    const char *url = NULL, *gone = NULL;
    struct cs_webhook_key key;
    rc = subscription(st, a, cfg, &f->it, &url, &key, &gone);
    if (rc) {
        flight_free(f); /* the lease brings the item back */
        return rc;
    }
    if (gone)
        at.error = gone;
    else
        prepare_post(f, a, cfg, url, &key, &at);
    sodium_memzero(&key, sizeof(key));
    if (!at.error && curl_multi_add_handle(m, f->easy) != CURLM_OK) at.error = "transport error";
    if (at.error) return settle(st, a, cfg, f, &at, gone != NULL, stats);
    f->t0 = cs_mono_ms();
    return CS_OK;
}

/* Settles every transfer the multi handle reports done; *freed counts them. */
static int reap(struct cs_store *st, struct cs_arena *a, const struct cs_webhook_dispatch_cfg *cfg,
                CURLM *m, struct cs_webhook_dispatch_stats *stats, size_t *freed)
{
    int rc = CS_OK, left = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(m, &left))) {
        if (msg->msg != CURLMSG_DONE) continue;
        struct flight *f = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f);
        CURLcode done = msg->data.result;
        curl_multi_remove_handle(m, msg->easy_handle);
        if (!f) continue;
        struct attempt at = {0};
        read_result(f, done, &at);
        int r = settle(st, a, cfg, f, &at, false, stats);
        if (r && !rc) rc = r;
        (*freed)++;
    }
    return rc;
}

/* A tenant's run of real-time items (cs/events.h) goes into its feed, not to a
 * subscriber: written and settled in the store's request scope (on SQLite shared
 * transactions of up to 64 operations, about 30 events), so a burst of tickets costs the
 * other processes one write to see per ~30 events instead of two per event.
 * An item that can never be relayed is closed as dead; a store failure leaves the leases
 * to bring the run back. */
static int relay(struct cs_store *st, struct cs_arena *a, const struct cs_webhook_dispatch_cfg *cfg,
                 const struct cs_outbox_item *it, size_t n, struct cs_webhook_dispatch_stats *stats)
{
    int *item_rc = cs_arena_alloc(a, n * sizeof(*item_rc));
    if (!item_rc) return CS_ERR_NOMEM;
    cs_store_scope_begin(st);
    int rc = cs_events_relay_run(st, a, it, n, item_rc);
    for (size_t i = 0; rc == CS_OK && i < n; i++) {
        rc = cs_store_outbox_settle(st, &it[i], item_rc[i] ? CS_OUTBOX_DEAD : CS_OUTBOX_DONE, 0,
                                    now(cfg));
        if (rc == CS_ERR_CONFLICT) rc = CS_OK; /* another dispatcher relayed it (stored once) */
    }
    int end = cs_store_scope_end(st);
    if (!rc) rc = end;
    if (!rc) stats->relayed += n;
    return rc;
}

/* Claims up to `limit` items and starts them on free flights; *again says whether more
 * may be due at once (a full claim, a full run, or a relayed head of a backend that hands
 * out no runs: the topic's next event waits behind it). */
static int claim_and_start(struct cs_store *st, struct cs_arena *a,
                           const struct cs_webhook_dispatch_cfg *cfg, CURLM *m, struct flight *fl,
                           size_t cap, size_t limit, size_t per_tenant, int64_t lease,
                           struct cs_webhook_dispatch_stats *stats, size_t *started, bool *again)
{
    struct cs_outbox_item *items = NULL;
    size_t n = 0, next = 0, heads = 0, followers = 0;
    *started = 0;
    *again = false;
    int rc = cs_store_outbox_claim(st, a, now(cfg), lease, limit, per_tenant, &items, &n);
    for (size_t i = 0; rc == CS_OK && i < n;) {
        heads++;
        if (strcmp(items[i].topic, CS_EVENTS_TOPIC) == 0) {
            size_t j = i + 1; /* the head's run: the same tenant's topic, in order */
            while (j < n && strcmp(items[j].topic, CS_EVENTS_TOPIC) == 0 &&
                   strcmp(items[j].tenant, items[i].tenant) == 0)
                j++;
            rc = relay(st, a, cfg, &items[i], j - i, stats);
            *started += j - i; /* settled already */
            followers += j - i - 1;
            if (!cs_store_outbox_runs(st)) *again = true;
            i = j;
            continue;
        }
        stats->claimed++;
        while (next < cap && fl[next].busy) next++;
        if (next == cap) break; /* cannot happen: limit <= free flights */
        rc = start(st, a, cfg, m, &fl[next], &items[i], stats);
        (*started)++;
        i++;
    }
    if (heads >= limit || followers >= CS_OUTBOX_RUN_MAX) *again = true;
    /* Claimed items not started (a store failure) come back when their lease expires. */
    return rc;
}

static size_t busy_count(const struct flight *fl, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < cap; i++) n += fl[i].busy;
    return n;
}

/* Claims again at once after a delivery settled (the topic's next event may be due) or
 * a full claim; otherwise no more often than this while deliveries are in flight. */
#define IDLE_CLAIM_MS 250

int cs_webhook_dispatch(struct cs_store *st, struct cs_arena *a,
                        const struct cs_webhook_dispatch_cfg *cfg, int64_t deadline_ms,
                        const volatile sig_atomic_t *stop, struct cs_webhook_dispatch_stats *stats)
{
    struct cs_webhook_dispatch_stats local = {0};
    if (!stats) stats = &local;
    long timeout = cfg->timeout_ms ? cfg->timeout_ms : 10000L;
    int64_t lease = cfg->lease_ms ? cfg->lease_ms : 60 * S;
    /* The lease must outlive the request, or a slow subscriber gets the event twice. */
    if (lease < timeout + 30 * S) lease = timeout + 30 * S;
    size_t cap = cfg->concurrency ? cfg->concurrency : CS_WEBHOOK_CONCURRENCY;
    size_t per_tenant = cfg->per_tenant ? cfg->per_tenant : CS_WEBHOOK_TENANT_CONCURRENCY;
    if (per_tenant > cap) per_tenant = cap;
    size_t batch = cfg->batch ? cfg->batch : 16;
    struct flight *fl = calloc(cap, sizeof(*fl));
    CURLM *m = fl ? curl_multi_init() : NULL;
    if (!m) {
        free(fl);
        return CS_ERR_NOMEM;
    }
    int rc = CS_OK;
    bool claim_now = true;
    double next_claim = 0;
    for (;;) {
        if (stop && *stop) break; /* in-flight items come back when their leases expire */
        bool late = deadline_ms && now(cfg) >= deadline_ms;
        size_t inflight = busy_count(fl, cap);
        if (rc == CS_OK && !late && inflight < cap && (claim_now || cs_mono_ms() >= next_claim)) {
            size_t want = cap - inflight < batch ? cap - inflight : batch, started = 0;
            /* A claim that left nothing behind is not repeated at once: what arrives
             * meanwhile waits for the next one (IDLE_CLAIM_MS, or the next run of the
             * loop), so a stream of events is relayed in runs, not one by one. */
            rc = claim_and_start(st, a, cfg, m, fl, cap, want, per_tenant, lease, stats, &started,
                                 &claim_now);
            next_claim = cs_mono_ms() + IDLE_CLAIM_MS;
            inflight = busy_count(fl, cap);
            if (started == 0 && inflight == 0) break; /* nothing due: the run is over */
        } else if (inflight == 0) {
            break; /* past the deadline or after a store failure, with nothing in flight */
        }
        int running = 0;
        curl_multi_perform(m, &running);
        size_t freed = 0;
        int r = reap(st, a, cfg, m, stats, &freed);
        if (r && !rc) rc = r;
        if (freed)
            claim_now = true;
        else if (busy_count(fl, cap))
            curl_multi_poll(m, NULL, 0, IDLE_CLAIM_MS, NULL);
        cs_arena_reset(a);
    }
    for (size_t i = 0; i < cap; i++) {
        if (!fl[i].busy) continue;
        if (fl[i].easy) curl_multi_remove_handle(m, fl[i].easy);
        flight_free(&fl[i]);
    }
    curl_multi_cleanup(m);
    free(fl);
    return rc;
}
