/* The training worker: claims queued jobs and trains them (cs/ml_worker.h) until none
 * is due, the deadline nears or a stop is asked for. */
#include "handler.h"

#include <errno.h>
#include <stdlib.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/env.h"
#include "cs/function.h"
#include "cs/json.h"
#include "cs/ml_worker.h"

/* CS_TRAINING_LEASE_MS: how long a claim holds without renewal (renewed every epoch);
 * a crashed worker's job is taken over this long after its last epoch. */
static int64_t lease_ms = 60000;

CS_INIT(fn_ai_training_worker_init)
{
    (void)env;
    const char *v = getenv("CS_TRAINING_LEASE_MS");
    if (!v || !*v) return CS_OK;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || n < 500 || n > 3600000) return CS_ERR_CONFIG;
    lease_ms = n;
    return CS_OK;
}

CS_RUN(fn_ai_training_worker_run)
{
    struct cs_env *env = w->env;
    struct cs_ml_worker_cfg cfg = {.var_dir = env->cfg.var_dir,
                                   .builtin = env->models,
                                   .lease_ms = lease_ms,
                                   .now_ms = env->now_ms,
                                   .random = env->random,
                                   .stop = stop};
    int64_t jobs = 0;
    int rc = CS_OK;
    for (;;) {
        if ((stop && *stop) || (deadline_ms && env->now_ms() > deadline_ms - lease_ms)) break;
        bool ran = false;
        rc = cs_ml_worker_run_one(w->store, w->arena, &cfg, &ran);
        if (rc || !ran) break;
        jobs++;
    }
    json_object *o = cs_json_object(w->arena);
    if (o && !cs_json_add_int(o, "jobs", jobs)) *summary = o;
    return rc;
}
