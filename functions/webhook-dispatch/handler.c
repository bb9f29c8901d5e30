/* The webhook dispatcher: drains due outbox items (cs_webhook_dispatch) with the
 * environment's clock, random source and server secret (which unseals subscription
 * secrets). */
#include "handler.h"

#include <stdlib.h>
#include <string.h>

#include "cs/app.h"
#include "cs/env.h"
#include "cs/events.h"
#include "cs/function.h"
#include "cs/json.h"
#include "cs/webhook.h"

/* CS_WEBHOOK_ALLOW_PRIVATE=1 lets subscriber URLs reach loopback and private addresses
 * (local receivers under build.sh serve, the tests); read once at cold start. */
static bool allow_private;
/* CS_WEBHOOK_CONCURRENCY / CS_WEBHOOK_TENANT_CONCURRENCY: deliveries in flight at once,
 * in all and per tenant (0 or unset: the defaults of cs/webhook.h). */
static size_t concurrency, per_tenant;

static size_t env_count(const char *name, size_t max)
{
    const char *v = getenv(name);
    char *end = NULL;
    unsigned long n = v && *v ? strtoul(v, &end, 10) : 0;
    return end && *end == '\0' && n <= max ? (size_t)n : 0;
}

static const char *getenv_ro(const char *name) { return getenv(name); }

CS_INIT(fn_webhook_dispatch_init)
{
    const char *v = getenv("CS_WEBHOOK_ALLOW_PRIVATE");
    allow_private = v && strcmp(v, "1") == 0;
    concurrency = env_count("CS_WEBHOOK_CONCURRENCY", 256);
    per_tenant = env_count("CS_WEBHOOK_TENANT_CONCURRENCY", 256);
    (void)env;
    /* The relay sweeps the feeds it writes to (cs/events.h retention). */
    const char *why = NULL;
    return cs_events_retention_load(getenv_ro, &why);
}

/* Stop claiming this long before the Lambda deadline, so the request in flight (at
 * most the HTTP timeout) finishes and the run returns in time. */
#define DEADLINE_MARGIN_MS 12000

CS_RUN(fn_webhook_dispatch_run)
{
    struct cs_env *env = w->env;
    struct cs_webhook_dispatch_cfg cfg = {
        .keys = &env->cfg.keyring,
        .now_ms = env->now_ms,
        .random = env->random,
        .allow_private = allow_private,
        .concurrency = concurrency,
        .per_tenant = per_tenant,
    };
    if (deadline_ms) {
        /* Short timeouts still get half of their time for claiming. */
        int64_t left = deadline_ms - env->now_ms();
        deadline_ms -=
            left / 2 < DEADLINE_MARGIN_MS ? (left > 0 ? left / 2 : 0) : DEADLINE_MARGIN_MS;
    }
    struct cs_webhook_dispatch_stats st = {0};
    int rc = cs_webhook_dispatch(w->store, w->arena, &cfg, deadline_ms, stop, &st);
    /* On Lambda the broadcaster runs on its own schedule: start it now for what came in. */
    if (st.relayed) cs_events_kick_broadcaster();
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(w->arena));
    cs_jb_int(&o, "claimed", (int64_t)st.claimed);
    cs_jb_int(&o, "delivered", (int64_t)st.delivered);
    cs_jb_int(&o, "retried", (int64_t)st.retried);
    cs_jb_int(&o, "dead", (int64_t)st.dead);
    cs_jb_int(&o, "lost_lease", (int64_t)st.lost_lease);
    cs_jb_int(&o, "relayed", (int64_t)st.relayed);
    if (cs_jb_done(&o)) return rc ? rc : CS_ERR_NOMEM;
    *summary = o.obj;
    return rc;
}
