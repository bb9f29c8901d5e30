/* Delivery at once (cs/events.h): after a commit that staged events, an asynchronous
 * Lambda Invoke of the dispatcher, so an event need not wait for the next one-minute
 * schedule. SigV4 comes from libcurl (CURLOPT_AWS_SIGV4), not from hand-written code. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cs/events.h"
#include "cs/log.h"

static __thread bool staged;

void cs_events_mark_staged(void) { staged = true; }

bool cs_events_take_staged(void)
{
    bool was = staged;
    staged = false;
    return was;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
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
    CURL *c = curl_easy_init();
    if (!c) return CS_ERR_NOMEM;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *h2 = h ? curl_slist_append(h, "X-Amz-Invocation-Type: Event") : NULL;
    if (h2 && t->session_token &&
        snprintf(tok, sizeof(tok), "X-Amz-Security-Token: %s", t->session_token) < (int)sizeof(tok))
        h2 = curl_slist_append(h2, tok);
    if (!h2) {
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return CS_ERR_NOMEM;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(c, CURLOPT_USERNAME, t->key_id);
    curl_easy_setopt(c, CURLOPT_PASSWORD, t->secret);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
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
