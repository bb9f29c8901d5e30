/* Lambda custom runtime: one loop around cs_app_handle, speaking the Runtime API
 * (GET /invocation/next, POST /invocation/{id}/response or /error, POST /init/error). */
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/buf.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/function.h"
#include "cs/json.h"
#include "cs/log.h"
#include "cs/net.h"
#include "runtime.h"

#define API_PREFIX "/2018-06-01/runtime"

struct invocation {
    struct cs_buf body;
    char request_id[128];
    int64_t deadline_ms;
    int overflow;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct invocation *inv = arg;
    if (cs_buf_append(&inv->body, p, size * n) != 0) {
        inv->overflow = 1;
        return 0; /* makes curl fail the transfer */
    }
    return size * n;
}

static bool id_ok(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-') return false;
    return true;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct invocation *inv = arg;
    size_t len = size * n;
    char line[256];
    if (len >= sizeof(line)) return len;
    memcpy(line, p, len);
    line[len] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    char *colon = strchr(line, ':');
    if (!colon) return len;
    *colon = '\0';
    const char *v = colon + 1;
    while (*v == ' ') v++;
    if (strcasecmp(line, "Lambda-Runtime-Aws-Request-Id") == 0 &&
        strlen(v) < sizeof(inv->request_id) && id_ok(v))
        snprintf(inv->request_id, sizeof(inv->request_id), "%s", v);
    else if (strcasecmp(line, "Lambda-Runtime-Deadline-Ms") == 0)
        inv->deadline_ms = strtoll(v, NULL, 10);
    return len;
}

static int post(CURL *c, const char *url, const char *body, size_t len, const char *error_type)
{
    char et[160];
    const char *headers[2] = {NULL, NULL};
    if (error_type) {
        snprintf(et, sizeof(et), "Lambda-Runtime-Function-Error-Type: %s", error_type);
        headers[0] = et;
    }
    /* The Runtime API's small JSON status is discarded (cs_net_prepare: no body callback). */
    const struct cs_net_opts o = {
        .url = url, .headers = headers, .body = body, .body_len = len, .timeout_ms = 30000};
    long status;
    CURLcode rc = cs_net_perform(c, &o, &status, NULL);
    return rc == CURLE_OK && status >= 200 && status < 300 ? 0 : -1;
}

static const char *error_body(struct cs_arena *a, const char *type, const char *msg)
{
    json_object *o = cs_json_object(a);
    if (!o || cs_json_add_str(o, "errorMessage", msg) || cs_json_add_str(o, "errorType", type))
        return "{}";
    return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

void cs_rt_lambda_init_error(const char *api, const char *type, const char *why)
{
    CURL *c = curl_easy_init();
    struct cs_arena *a = cs_arena_new(0);
    if (c && a) {
        char url[512];
        snprintf(url, sizeof(url), "http://%s" API_PREFIX "/init/error", api);
        const char *body = error_body(a, type, why);
        (void)post(c, url, body, strlen(body), type);
    }
    cs_arena_destroy(a);
    curl_easy_cleanup(c);
}

static int next_invocation(CURL *c, const char *api, struct invocation *inv)
{
    char url[512];
    snprintf(url, sizeof(url), "http://%s" API_PREFIX "/invocation/next", api);
    /* No timeout: the Runtime API holds this request until an event arrives. */
    const struct cs_net_opts o = {
        .url = url, .on_body = on_body, .body_arg = inv, .on_header = on_header, .header_arg = inv};
    long status;
    CURLcode rc = cs_net_perform(c, &o, &status, NULL);
    if (rc != CURLE_OK || status != 200 || !inv->request_id[0]) return -1;
    return 0;
}

static void handle(CURL *c, const char *api, struct cs_worker *w, struct invocation *inv)
{
    struct cs_req req;
    struct cs_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    char url[512];
    int version = 2;
    const char *out = NULL;
    size_t len = 0;
    if (w->env->fn->run) { /* a scheduled function: EventBridge events, no HTTP */
        const char *task_error = NULL;
        int rc = cs_rt_scheduled(w, inv->body.data, inv->body.len, inv->deadline_ms, &out, &len,
                                 &task_error);
        /* A failed run is an error invocation, so Lambda's metrics and alarms see it. */
        const char *type = task_error                         ? task_error
                           : rc == CS_ERR_BAD_REQUEST || !out ? "InvalidEvent"
                           : rc                               ? "Function.ScheduledRunFailed"
                                                              : NULL;
        snprintf(url, sizeof(url), "http://%s" API_PREFIX "/invocation/%s/%s", api, inv->request_id,
                 type ? "error" : "response");
        if (type) {
            out =
                error_body(w->arena, type,
                           task_error                         ? cs_error_name(rc)
                           : rc == CS_ERR_BAD_REQUEST || !out ? "not an EventBridge scheduled event"
                                                              : cs_error_name(rc));
            len = strlen(out);
        }
        (void)post(c, url, out, len, type);
        return;
    }
    if (cs_event_to_req(w->arena, inv->body.data, inv->body.len, &req, &version) != 0) {
        snprintf(url, sizeof(url), "http://%s" API_PREFIX "/invocation/%s/error", api,
                 inv->request_id);
        const char *body = error_body(w->arena, "InvalidEvent", "not an API Gateway proxy event");
        (void)post(c, url, body, strlen(body), "InvalidEvent");
        return;
    }
    req.deadline_ms = inv->deadline_ms;
    cs_app_handle(w, &req, &resp);
    snprintf(url, sizeof(url), "http://%s" API_PREFIX "/invocation/%s/response", api,
             inv->request_id);
    if (cs_event_from_resp(w->arena, &resp, version, &out, &len) != 0) {
        snprintf(url, sizeof(url), "http://%s" API_PREFIX "/invocation/%s/error", api,
                 inv->request_id);
        out = error_body(w->arena, "Runtime.OutOfMemory", "response could not be serialized");
        len = strlen(out);
    }
    if (post(c, url, out, len, NULL) != 0)
        cs_log(CS_LOG_WARN, "runtime api rejected the response", "request_id", inv->request_id,
               NULL);
}

int cs_rt_lambda(struct cs_env *env, const char *api)
{
    struct cs_worker w;
    const char *why = NULL;
    if (cs_worker_init(&w, env, &why)) {
        cs_rt_lambda_init_error(api, "Runtime.InitError", why);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    int rc = c ? 0 : 1;
    while (c) {
        struct invocation inv;
        memset(&inv, 0, sizeof(inv));
        cs_buf_init(&inv.body, w.arena, CS_RT_MAX_EVENT);
        if (next_invocation(c, api, &inv) != 0) {
            cs_log(CS_LOG_ERROR, "runtime api unreachable", inv.overflow ? "reason" : NULL,
                   "event larger than the payload limit", NULL);
            rc = 1;
            break;
        }
        handle(c, api, &w, &inv);
        cs_arena_reset(w.arena);
    }
    curl_easy_cleanup(c);
    curl_global_cleanup();
    cs_worker_clean_up(&w);
    return rc;
}
