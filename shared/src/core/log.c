#include "cs/log.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cs/clock.h"

static int log_level = CS_LOG_INFO;
static const char *log_fn = "cs";

void cs_log_set_level(int level) { log_level = level; }
void cs_log_set_function(const char *fn_name) { log_fn = fn_name; }

int cs_log_level_parse(const char *s)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

static const char *level_name(int level)
{
    switch (level) {
    case CS_LOG_DEBUG: return "debug";
    case CS_LOG_INFO: return "info";
    case CS_LOG_WARN: return "warn";
    default: return "error";
    }
}

/* Builds the line with json-c so every value is escaped; one fputs keeps lines whole
 * when several worker threads log at once. */
static void emit(json_object *o)
{
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    if (s) {
        flockfile(stderr);
        fputs(s, stderr);
        fputc('\n', stderr);
        funlockfile(stderr);
    }
    json_object_put(o);
}

static json_object *line(int level, const char *msg)
{
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    char ts[CS_ISO_MAX];
    cs_time_iso(cs_now_ms(), CS_ISO_Z_MS, ts);
    json_object_object_add(o, "ts", json_object_new_string(ts));
    json_object_object_add(o, "level", json_object_new_string(level_name(level)));
    json_object_object_add(o, "fn", json_object_new_string(log_fn));
    json_object_object_add(o, "msg", json_object_new_string(msg));
    return o;
}

void cs_log_va(int level, const char *msg, va_list kv)
{
    if (level < log_level) return;
    json_object *o = line(level, msg);
    if (!o) return;
    for (;;) {
        const char *k = va_arg(kv, const char *);
        if (!k) break;
        const char *v = va_arg(kv, const char *);
        json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
    }
    emit(o);
}

void cs_log(int level, const char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    cs_log_va(level, msg, ap);
    va_end(ap);
}

void cs_log_access(const struct cs_access_log *e)
{
    int level = e->status >= 500 ? CS_LOG_ERROR : CS_LOG_INFO;
    if (level < log_level) return;
    json_object *o = line(level, "request");
    if (!o) return;
    if (e->request_id)
        json_object_object_add(o, "request_id", json_object_new_string(e->request_id));
    if (e->tenant) json_object_object_add(o, "tenant", json_object_new_string(e->tenant));
    json_object_object_add(o, "method", json_object_new_string(e->method ? e->method : "-"));
    json_object_object_add(o, "route", json_object_new_string(e->route ? e->route : "-"));
    json_object_object_add(o, "status", json_object_new_int(e->status));
    if (e->error) json_object_object_add(o, "error", json_object_new_string(e->error));
    json_object_object_add(o, "latency_ms", json_object_new_double(e->latency_ms));
    emit(o);
}
