/* Scheduled functions (cs_function.run): an EventBridge scheduled event on Lambda or
 * from `--invoke`, and `--loop` for local serving, which runs the work about once a
 * second until SIGTERM or SIGINT. */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/function.h"
#include "cs/json.h"
#include "cs/log.h"
#include "runtime.h"

#define LOOP_INTERVAL_MS 1000

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* {"source":"aws.events","detail-type":"Scheduled Event",...}: the shape EventBridge
 * sends for schedule rules. Anything else is refused, not run. */
static bool is_scheduled_event(struct cs_arena *a, const char *event, size_t len)
{
    json_object *ev = NULL;
    if (cs_json_parse(event, len, a, &ev, NULL) != CS_OK ||
        !json_object_is_type(ev, json_type_object))
        return false;
    const char *src = cs_json_get_str(ev, "source"), *type = cs_json_get_str(ev, "detail-type");
    return src && type && strcmp(src, "aws.events") == 0 && strcmp(type, "Scheduled Event") == 0;
}

/* A state machine's task event (cs_function.task): its result, or its error type. */
static int run_task(struct cs_worker *w, const char *event, size_t len, const char **out,
                    size_t *out_len, const char **error_type)
{
    json_object *ev = NULL, *res = NULL;
    if (cs_json_parse(event, len, w->arena, &ev, NULL) != CS_OK ||
        !json_object_is_type(ev, json_type_object))
        return CS_ERR_BAD_REQUEST;
    const char *et = NULL;
    int rc = w->env->fn->task(w, ev, &res, &et);
    if (rc) {
        *error_type = et ? et : cs_error_name(rc);
        return rc;
    }
    *out = res ? json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN) : "{}";
    *out_len = strlen(*out);
    return CS_OK;
}

int cs_rt_scheduled(struct cs_worker *w, const char *event, size_t len, int64_t deadline_ms,
                    const char **out, size_t *out_len, const char **error_type)
{
    const struct cs_function *fn = w->env->fn;
    *error_type = NULL;
    if (fn->run && fn->task && !is_scheduled_event(w->arena, event, len))
        return run_task(w, event, len, out, out_len, error_type);
    if (!fn->run || !is_scheduled_event(w->arena, event, len)) return CS_ERR_BAD_REQUEST;
    json_object *summary = NULL;
    int rc = fn->run(w, deadline_ms, NULL, &summary);
    json_object *res = cs_json_object(w->arena);
    if (!res) return CS_ERR_NOMEM;
    if (cs_json_add_bool(res, "ok", rc == CS_OK) ||
        (rc && cs_json_add_str(res, "error", cs_error_name(rc))) ||
        (summary && cs_json_add(res, "summary", json_object_get(summary))))
        return CS_ERR_NOMEM;
    *out = json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN);
    *out_len = strlen(*out);
    return rc;
}

static void nap(int ms)
{
    for (int slept = 0; slept < ms && !stopping; slept += 50) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int cs_rt_loop(struct cs_env *env)
{
    if (!env->fn->run) return 2;
    struct cs_worker w;
    const char *why = NULL;
    if (cs_worker_init(&w, env, &why)) {
        cs_log(CS_LOG_ERROR, "init failed", "reason", why, NULL);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    cs_log(CS_LOG_INFO, "loop started", NULL);
    while (!stopping) {
        json_object *summary = NULL;
        int rc = w.env->fn->run(&w, 0, &stopping, &summary);
        if (rc) cs_log(CS_LOG_WARN, "scheduled run failed", "error", cs_error_name(rc), NULL);
        cs_arena_reset(w.arena);
        nap(LOOP_INTERVAL_MS);
    }
    cs_log(CS_LOG_INFO, "loop stopped", NULL);
    cs_worker_clean_up(&w);
    return 0;
}
