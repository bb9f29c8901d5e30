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
static struct fn_sfn_target sfn;

CS_INIT(fn_ai_training_worker_init)
{
    (void)env;
    sfn = (struct fn_sfn_target){.endpoint = getenv("CS_SFN_ENDPOINT"),
                                 .region = getenv("AWS_REGION"),
                                 .key_id = getenv("AWS_ACCESS_KEY_ID"),
                                 .secret = getenv("AWS_SECRET_ACCESS_KEY"),
                                 .session_token = getenv("AWS_SESSION_TOKEN"),
                                 .state_machine = getenv("CS_TRAINING_STATE_MACHINE")};
    if (sfn.state_machine && !*sfn.state_machine) sfn.state_machine = NULL;
    const char *v = getenv("CS_TRAINING_LEASE_MS");
    if (!v || !*v) return CS_OK;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || n < 500 || n > 3600000) return CS_ERR_CONFIG;
    lease_ms = n;
    return CS_OK;
}

static struct cs_ml_worker_cfg cfg_of(struct cs_env *env, const volatile sig_atomic_t *stop)
{
    return (struct cs_ml_worker_cfg){.var_dir = env->cfg.var_dir,
                                     .start_steps =
                                         sfn.state_machine ? fn_ai_training_worker_sfn_start : NULL,
                                     .steps_user = &sfn,
                                     .builtin = env->models,
                                     .lease_ms = lease_ms,
                                     .now_ms = env->now_ms,
                                     .random = env->random,
                                     .stop = stop};
}

/* One step of the training state machine: the event is outside input. */
int fn_ai_training_worker_task(struct cs_worker *w, json_object *event, json_object **result,
                               const char **error_type)
{
    struct cs_ml_step s;
    const char *why = NULL;
    int rc = cs_ml_step_parse(event, &s, &why);
    if (rc) {
        *error_type = "InvalidStep";
        return rc;
    }
    struct cs_ml_worker_cfg cfg = cfg_of(w->env, NULL);
    return cs_ml_step_run(w->store, w->arena, &cfg, &s, result, error_type);
}

CS_RUN(fn_ai_training_worker_run)
{
    struct cs_env *env = w->env;
    struct cs_ml_worker_cfg cfg = cfg_of(env, stop);
    int64_t jobs = 0;
    int rc = CS_OK;
    for (;;) {
        if ((stop && *stop) || (deadline_ms && env->now_ms() > deadline_ms - lease_ms)) break;
        bool ran = false;
        rc = cs_ml_worker_run_one(w->store, w->arena, &cfg, &ran);
        if (rc || !ran) break;
        jobs++;
    }
    struct cs_jb b;
    cs_jb_init(&b, cs_json_object(w->arena));
    cs_jb_int(&b, "jobs", jobs);
    if (!cs_jb_done(&b)) *summary = b.obj;
    return rc;
}
