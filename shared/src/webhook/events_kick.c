/* Delivery at once (cs/events.h): after a commit that staged events, an asynchronous
 * Lambda Invoke of the dispatcher, so an event need not wait for the next one-minute
 * schedule. On the one outbound client (cs_net_perform), signed by libcurl's SigV4. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cs/events.h"
#include "cs/log.h"
#include "cs/net.h"

static __thread bool staged;

void cs_events_mark_staged(void) { staged = true; }

bool cs_events_take_staged(void)
{
    bool was = staged;
    staged = false;
    return was;
}

int cs_lambda_invoke_event(const struct cs_lambda_target *t, const char *payload, long *status)
{
    *status = 0;
    if (!t->region || !t->key_id || !t->secret || !t->function || !payload) return CS_ERR_CONFIG;
    char url[512], sigv4[96], host[300], tok[2048];
    if (t->endpoint)
        snprintf(host, sizeof(host), "%s", t->endpoint);
    else
        snprintf(host, sizeof(host), "https://lambda.%s.amazonaws.com", t->region);
    if (snprintf(url, sizeof(url), "%s/2015-03-31/functions/%s/invocations", host, t->function) >=
            (int)sizeof(url) ||
        snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:lambda", t->region) >= (int)sizeof(sigv4))
        return CS_ERR_CONFIG;
    const char *headers[3] = {"X-Amz-Invocation-Type: Event", NULL, NULL};
    if (t->session_token) {
        if (snprintf(tok, sizeof(tok), "X-Amz-Security-Token: %s", t->session_token) >=
            (int)sizeof(tok))
            return CS_ERR_CONFIG;
        headers[1] = tok;
    }
    CURL *c = curl_easy_init();
    if (!c) return CS_ERR_NOMEM;
    const struct cs_net_opts o = {.url = url,
                                  .headers = headers,
                                  .body = payload,
                                  .body_len = strlen(payload),
                                  .timeout_ms = 2000,
                                  .connect_timeout_ms = 1000,
                                  .aws_sigv4 = sigv4,
                                  .aws_key = t->key_id,
                                  .aws_secret = t->secret};
    CURLcode cc = cs_net_perform(c, &o, status, NULL);
    curl_easy_cleanup(c);
    if (cc == CURLE_OUT_OF_MEMORY) return CS_ERR_NOMEM;
    return *status == 202 ? CS_OK : CS_ERR_UPSTREAM;
}

/* The Lambda's own environment, read once (not by a handler). */
static struct cs_lambda_target target;
static const char *kick_fn, *after_relay_fn;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    target = (struct cs_lambda_target){.endpoint = getenv("CS_LAMBDA_ENDPOINT"),
                                       .region = getenv("AWS_REGION"),
                                       .key_id = getenv("AWS_ACCESS_KEY_ID"),
                                       .secret = getenv("AWS_SECRET_ACCESS_KEY"),
                                       .session_token = getenv("AWS_SESSION_TOKEN")};
    kick_fn = getenv("CS_EVENTS_KICK_FUNCTION");
    after_relay_fn = getenv("CS_EVENTS_KICK_AFTER_RELAY");
}

static void invoke(const char *fn)
{
    struct cs_lambda_target t = target;
    t.function = fn;
    long status = 0;
    /* A scheduled-event body: the function runs as on its schedule (runtime/sched.c). */
    static const char body[] = "{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\","
                               "\"detail\":{\"kick\":\"cs.events\"}}";
    if (cs_lambda_invoke_event(&t, body, &status) != CS_OK) {
        char st[24];
        snprintf(st, sizeof(st), "%ld", status);
        cs_log(CS_LOG_WARN, "event delivery kick failed; the schedule delivers", "status", st,
               NULL);
    }
}

void cs_events_kick(void)
{
    pthread_once(&once, load);
    if (kick_fn && *kick_fn) invoke(kick_fn);
}

void cs_events_kick_broadcaster(void)
{
    pthread_once(&once, load);
    if (after_relay_fn && *after_relay_fn) invoke(after_relay_fn);
}
