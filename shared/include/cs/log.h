/* Structured logs: one JSON object per line on stderr.
 *
 * Only metadata is logged (request id, tenant, method, route pattern, status, latency,
 * error name). Never bodies, query strings, tokens, keys or passwords: callers pass
 * fields explicitly, there is no "log the request" helper on purpose.
 */
#ifndef CS_LOG_H
#define CS_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum cs_log_level { CS_LOG_DEBUG, CS_LOG_INFO, CS_LOG_WARN, CS_LOG_ERROR };

void cs_log_set_level(int level);
void cs_log_set_function(const char *fn_name);
/* Parses "debug|info|warn|error"; -1 when unknown. */
int cs_log_level_parse(const char *s);

/* Emits {"ts":..,"level":..,"fn":..,"msg":msg, k1:v1, ...}; kv is a NULL-terminated
 * list of key, value string pairs. */
void cs_log(int level, const char *msg, ...) __attribute__((sentinel));
/* cs_log with the key/value list as a va_list (for forwarders such as store plugins). */
void cs_log_va(int level, const char *msg, va_list kv);

struct cs_access_log {
    const char *request_id;
    const char *tenant;
    const char *method;
    const char *route; /* the matched pattern, not the raw path (no ids, no PII) */
    int status;
    const char *error; /* error name or NULL */
    double latency_ms;
};
void cs_log_access(const struct cs_access_log *e);

#endif
