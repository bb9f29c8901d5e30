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
#include "cs/json.h"
#include "cs/log.h"
#include "cs/notify.h"
#include "cs/store.h"

#define S 1000LL
static const int64_t default_schedule[] = {5 * S, 5 * 60 * S, 30 * 60 * S, 2 * 3600 * S,
                                           5 * 3600 * S, 10 * 3600 * S, 10 * 3600 * S};
#define N_DEFAULT (sizeof(default_schedule) / sizeof(*default_schedule))

/* What one attempt came to, for the delivery log and the settle call. */
struct attempt {
    long status;       /* HTTP status, 0 when none arrived */
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
        return v4_public((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
    if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_MULTICAST(a) ||
        IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_SITELOCAL(a))
        return false;
    return (b[0] & 0xfe) != 0xfc; /* fc00::/7 unique local */
}

struct guard {
    bool allow_private;
    bool refused;
};

/* Checks the address curl is about to connect to, after DNS, so a hostname that
 * resolves to an internal address is caught as well as a literal one. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct guard *g = arg;
    (void)purpose;
    if (!g->allow_private && !cs_webhook_addr_public(&addr->addr)) {
        g->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n; /* subscribers' answers are not kept: only the status counts */
}

static struct curl_slist *headers(struct cs_arena *a, const char *id, int64_t ts, const char *sig)
{
    const char *lines[] = {
        "Content-Type: application/json",
        "User-Agent: cs-webhooks/1",
        cs_arena_printf(a, "webhook-id: %s", id),
        cs_arena_printf(a, "webhook-timestamp: %lld", (long long)ts),
        cs_arena_printf(a, "webhook-signature: %s", sig),
        "Expect:", /* no 100-continue round trip */
    };
    struct curl_slist *h = NULL;
    for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
        struct curl_slist *next = lines[i] ? curl_slist_append(h, lines[i]) : NULL;
        if (!next) {
            curl_slist_free_all(h);
            return NULL;
        }
        h = next;
    }
    return h;
}

/* One POST. Fills status/latency/error; never fails as a whole: a transport problem
 * is an attempt that did not succeed. */
static void post(CURL *c, struct cs_arena *a, const struct cs_webhook_dispatch_cfg *cfg,
                 const char *url, const struct cs_webhook_key *key, const char *id,
                 const char *body, struct attempt *at)
{
    int64_t ts = now(cfg) / 1000;
    char sig[CS_WEBHOOK_SIG_MAX];
    struct curl_slist *h = NULL;
    if (cs_webhook_sign(key, id, ts, body, strlen(body), sig) || !(h = headers(a, id, ts, sig))) {
        at->error = "signing failed";
        return;
    }
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    struct guard g = {.allow_private = cfg->allow_private};
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &g);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 5000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, cfg->timeout_ms ? cfg->timeout_ms : 10000L);
    double t0 = cs_mono_ms();
    CURLcode rc = curl_easy_perform(c);
    at->latency_ms = cs_mono_ms() - t0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &at->status);
    curl_slist_free_all(h);
    sodium_memzero(sig, sizeof(sig));
    if (g.refused) at->error = "destination not allowed";
    else if (rc == CURLE_OPERATION_TIMEDOUT) at->error = "timeout";
    else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) at->error = "connection failed";
    else if (rc != CURLE_OK) at->error = "transport error";
    else if (at->status < 200 || at->status > 299) at->error = "non-2xx response";
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
    json_object *d = cs_json_object(a);
    char iso[CS_ISO_MAX];
    cs_time_iso(at_ms, CS_ISO_Z_MS, iso);
    if (!d) return CS_ERR_NOMEM;
    int rc = cs_json_add_str(d, "subscription_id", it->topic);
    if (!rc) rc = cs_json_add_str(d, "event_id", it->id);
    if (!rc) rc = cs_json_add_str(d, "event_type", it->type);
    if (!rc) rc = cs_json_add_int(d, "attempt", it->attempts);
    if (!rc && at->status) rc = cs_json_add_int(d, "status_code", at->status);
    if (!rc && !at->status) rc = cs_json_add_str(d, "status_code", NULL);
    if (!rc) rc = cs_json_add_double(d, "latency_ms", at->latency_ms, 1);
    if (!rc) rc = cs_json_add_str(d, "error", at->error);
    if (!rc) rc = cs_json_add_str(d, "outcome", outcome_name(at->outcome));
    if (!rc) rc = cs_json_add_str(d, "attempted_at", iso);
    if (!rc && at->outcome == CS_OUTBOX_RETRY) {
        cs_time_iso(at->next_due_ms, CS_ISO_Z_MS, iso);
        rc = cs_json_add_str(d, "next_attempt_at", iso);
    }
    if (rc) return rc;
    return cs_store_insert(st, a, it->tenant, CS_WEBHOOK_DELIVERIES_COLL, NULL, d, NULL, at_ms, NULL);
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
    if (!*url || !cfg->server_key ||
        cs_webhook_unseal(cfg->server_key, cs_json_get_str(sub.body, "secret_sealed"), a, &secret) ||
        cs_webhook_secret_parse(secret, key)) {
        *gone = "subscription unreadable"; /* sealed under another server secret */
    }
    if (secret) sodium_memzero(secret, strlen(secret));
    return CS_OK;
}

static int deliver(struct cs_store *st, struct cs_arena *a, CURL *c,
                   const struct cs_webhook_dispatch_cfg *cfg, const struct cs_outbox_item *it,
                   struct cs_webhook_dispatch_stats *stats)
{
    struct attempt at = {0};
    const char *url = NULL, *gone = NULL;
    struct cs_webhook_key key;
    int rc = subscription(st, a, cfg, it, &url, &key, &gone);
    if (rc) return rc;
    if (gone) {
        at.error = gone;
    } else {
        const char *body = json_object_to_json_string_ext(it->payload, JSON_C_TO_STRING_PLAIN);
        post(c, a, cfg, url, &key, it->id, body ? body : "{}", &at);
    }
    sodium_memzero(&key, sizeof(key));
    decide(cfg, it, &at, gone != NULL);
    int64_t t = now(cfg);
    rc = record(st, a, it, &at, t);
    if (rc == CS_ERR_NOMEM) return rc;
    if (rc) cs_log(CS_LOG_WARN, "delivery log write failed", "tenant", it->tenant, "event_id", it->id, NULL);
    rc = cs_store_outbox_settle(st, it, at.outcome, at.next_due_ms, t);
    if (rc == CS_ERR_CONFLICT) {
        /* Our lease ran out and another dispatcher owns the item now. */
        stats->lost_lease++;
        return CS_OK;
    }
    if (rc) return rc;
    if (at.outcome == CS_OUTBOX_DONE) stats->delivered++;
    else if (at.outcome == CS_OUTBOX_RETRY) stats->retried++;
    else stats->dead++;
    cs_log(at.outcome == CS_OUTBOX_DONE ? CS_LOG_DEBUG : CS_LOG_INFO, "webhook attempt", "tenant",
           it->tenant, "subscription", it->topic, "event_id", it->id, "outcome",
           outcome_name(at.outcome), "error", at.error, NULL);
    return CS_OK;
}

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
    CURL *c = curl_easy_init();
    if (!c) return CS_ERR_NOMEM;
    int rc = CS_OK;
    while (rc == CS_OK && !(stop && *stop) && !(deadline_ms && now(cfg) >= deadline_ms)) {
        struct cs_outbox_item *items = NULL;
        size_t n = 0;
        rc = cs_store_outbox_claim(st, a, now(cfg), lease, cfg->batch ? cfg->batch : 16, &items, &n);
        if (rc || n == 0) break;
        stats->claimed += n;
        for (size_t i = 0; i < n && rc == CS_OK && !(stop && *stop); i++) rc = deliver(st, a, c, cfg, &items[i], stats);
        /* Claimed items we did not reach (stop, or a store failure) come back when their
         * lease expires: nothing is lost. */
        cs_arena_reset(a);
    }
    curl_easy_cleanup(c);
    return rc;
}
