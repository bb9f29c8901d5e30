/* /api/v1/customer/webhooks: subscriptions that cs/notify.h fans events out to and
 * webhook-dispatch delivers. The signing secret is returned once, on creation; it is
 * stored sealed (cs_webhook_seal) and never listed or logged. */
#include "handler.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/function.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/notify.h"
#include "cs/store.h"
#include "cs/webhook.h"

#define MAX_SUBSCRIPTIONS 100
#define URL_MAX 2048

static const struct cs_field create_fields[] = {
    {.name = "url",
     .type = CS_J_STRING,
     .required = true,
     .min_len = 10,
     .max_len = URL_MAX,
     .format = CS_FMT_URL},
    {.name = "events",
     .type = CS_J_ARRAY,
     .required = true,
     .min_len = 1,
     .max_len = 32,
     .items = CS_J_STRING},
    {.name = "secret", .type = CS_J_STRING, .nullable = true, .min_len = 1, .max_len = 120},
};
static const struct cs_schema create_schema = {create_fields, 3};

/* http(s) with a host, parsed by libcurl as the dispatcher will: the schema only looks
 * at the prefix. Plain http stays allowed for receivers on a private network. */
/* libcurl reads "http:///path" as host "path", so the authority is checked by hand too:
 * something other than '/' must follow "://". */
static bool has_authority(const char *url)
{
    const char *sep = strstr(url, "://");
    return sep && sep[3] != '\0' && sep[3] != '/';
}

/* A host that names this machine or a private network: literal loopback, private,
 * link-local and other non-public addresses (the dispatcher's own rule,
 * cs_webhook_addr_public) and "localhost". Names that resolve to such addresses are still
 * refused at delivery, after DNS. */
static bool host_internal(const char *host)
{
    char lit[64];
    size_t n = strlen(host);
    if (strcasecmp(host, "localhost") == 0 ||
        (n > 10 && strcasecmp(host + n - 10, ".localhost") == 0))
        return true;
    if (host[0] == '[' && n >= 2 && n - 2 < sizeof(lit)) { /* [v6] */
        memcpy(lit, host + 1, n - 2);
        lit[n - 2] = '\0';
    } else if (n < sizeof(lit)) {
        memcpy(lit, host, n + 1);
    } else {
        return false;
    }
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    if (inet_pton(AF_INET, lit, &v4.sin_addr) == 1)
        return !cs_webhook_addr_public((struct sockaddr *)&v4);
    if (inet_pton(AF_INET6, lit, &v6.sin6_addr) == 1)
        return !cs_webhook_addr_public((struct sockaddr *)&v6);
    return false;
}

/* *internal: the URL is well formed but names a loopback or private host. */
static bool url_ok(const char *url, bool *internal)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] &&
              (strcasecmp(scheme, "https") == 0 || strcasecmp(scheme, "http") == 0);
    *internal = ok && host_internal(host);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok && has_authority(url) && !strpbrk(url, " \t\r\n");
}

/* CS_WEBHOOK_ALLOW_PRIVATE=1 (local receivers, as under build.sh serve's tests): the
 * dispatcher delivers to loopback and private addresses, so registering them is fine;
 * otherwise they are refused here, where the user can see why, rather than failing on
 * every delivery. Read once at cold start. */
static bool allow_private;

CS_INIT(fn_customer_webhooks_init)
{
    const char *v = getenv("CS_WEBHOOK_ALLOW_PRIVATE");
    allow_private = v && strcmp(v, "1") == 0;
    (void)env;
    return CS_OK;
}

static int check_events(const struct cs_req *req, struct cs_resp *resp, json_object *events)
{
    int rc = CS_OK;
    for (size_t i = 0; i < json_object_array_length(events); i++) {
        const char *e = json_object_get_string(json_object_array_get_idx(events, i));
        if (cs_notify_type_known(e) || strcmp(e, "*") == 0) continue;
        cs_resp_field_error(resp, "body", "events",
                            cs_arena_printf(req->arena, "Unknown event type at index %zu", i),
                            "enum");
        rc = CS_ERR_VALIDATION;
    }
    return rc;
}

/* The signing secret: a given "whsec_<base64>" as is; any other given string is taken
 * as the raw key bytes (seed 000 shows a plain "your_webhook_secret") and returned in
 * the whsec_ form that Standard Webhooks libraries expect; none: a fresh one. */
static int signing_secret(const struct cs_req *req, struct cs_resp *resp, const char *given,
                          const char **out)
{
    if (!given) {
        char *s = cs_arena_alloc(req->arena, CS_WEBHOOK_SECRET_MAX);
        if (!s) return CS_ERR_NOMEM;
        cs_webhook_secret_new(req->env->random, s);
        *out = s;
        return CS_OK;
    }
    struct cs_webhook_key k;
    size_t n = strlen(given);
    if (strncmp(given, CS_WEBHOOK_SECRET_PREFIX, strlen(CS_WEBHOOK_SECRET_PREFIX)) == 0) {
        if (cs_webhook_secret_parse(given, &k) == CS_OK) {
            sodium_memzero(&k, sizeof(k));
            *out = given;
            return CS_OK;
        }
    } else if (n >= CS_WEBHOOK_KEY_MIN && n <= CS_WEBHOOK_KEY_MAX) {
        char *s = cs_arena_alloc(req->arena, CS_WEBHOOK_SECRET_MAX);
        if (!s) return CS_ERR_NOMEM;
        memcpy(s, CS_WEBHOOK_SECRET_PREFIX, strlen(CS_WEBHOOK_SECRET_PREFIX));
        sodium_bin2base64(s + strlen(CS_WEBHOOK_SECRET_PREFIX),
                          CS_WEBHOOK_SECRET_MAX - strlen(CS_WEBHOOK_SECRET_PREFIX),
                          (const unsigned char *)given, n, sodium_base64_VARIANT_ORIGINAL);
        *out = s;
        return CS_OK;
    }
    cs_resp_field_error(resp, "body", "secret",
                        "Secret must be whsec_<base64> of 16-64 bytes, or 16-64 characters",
                        "value_error");
    return CS_ERR_VALIDATION;
}

static json_object *sub_json(struct cs_arena *a, const struct cs_doc *d)
{
    json_object *events = NULL;
    char iso[CS_ISO_MAX];
    cs_time_iso(d->created_ms, CS_ISO_Z, iso);
    json_object_object_get_ex(d->body, "events", &events);
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(a));
    cs_jb_str(&o, "id", d->id);
    cs_jb_str(&o, "url", cs_json_get_str(d->body, "url"));
    cs_jb_add(&o, "events", events ? json_object_get(events) : json_object_new_array());
    cs_jb_bool(&o, "active", cs_json_get_bool(d->body, "active", true));
    cs_jb_str(&o, "created_at", iso);
    return cs_jb_done(&o) ? NULL : o.obj;
}

static int create(const struct cs_req *req, struct cs_resp *resp)
{
    json_object *body = NULL;
    int rc = cs_app_read_json(req, resp, &create_schema, &body);
    if (rc) return rc;
    const char *url = cs_json_get_str(body, "url");
    json_object *events = NULL;
    json_object_object_get_ex(body, "events", &events);
    bool internal = false;
    if (!url_ok(url, &internal)) {
        cs_resp_field_error(resp, "body", "url", "URL must be http(s)://host/...", "url_parsing");
        rc = CS_ERR_VALIDATION;
    } else if (internal && !allow_private) {
        cs_resp_field_error(resp, "body", "url",
                            "URL names a loopback or private address, where deliveries are refused "
                            "(CS_WEBHOOK_ALLOW_PRIVATE=1 allows local receivers)",
                            "value_error");
        rc = CS_ERR_VALIDATION;
    }
    int erc = check_events(req, resp, events);
    if (rc || erc) return CS_ERR_VALIDATION;
    const char *secret = NULL;
    if ((rc = signing_secret(req, resp, cs_json_get_str(body, "secret"), &secret))) return rc;
    int64_t n = 0;
    if ((rc = cs_store_count(req->store, req->auth.tenant, CS_WEBHOOKS_COLL, NULL, 0, &n)))
        return rc;
    if (n >= MAX_SUBSCRIPTIONS) {
        resp->err_message = "Webhook limit reached (100 per tenant); delete one first";
        resp->err_code_name = "limit_reached";
        return CS_ERR_CONFLICT;
    }
    struct cs_doc d;
    rc = cs_webhook_subscribe(req->store, req->arena, req->auth.tenant, &req->env->cfg.jwt_key, url,
                              events, secret, req->now_ms, &d);
    json_object *out = rc ? NULL : sub_json(req->arena, &d);
    if (!rc && (!out || cs_json_add_str(out, "secret", secret))) rc = CS_ERR_NOMEM;
    if (!rc) rc = cs_family_ok(CS_FAMILY_PREDICT, req, resp, 201, out);
    return rc;
}

static int list(const struct cs_req *req, struct cs_resp *resp)
{
    struct cs_query q = {.limit = MAX_SUBSCRIPTIONS};
    struct cs_doc_list subs;
    int rc = cs_store_find(req->store, req->arena, req->auth.tenant, CS_WEBHOOKS_COLL, &q, &subs);
    if (rc) return rc;
    struct cs_jb out;
    cs_jb_init(&out, cs_json_object(req->arena));
    json_object *arr = json_object_new_array();
    cs_jb_add(&out, "webhooks", arr);
    if (cs_jb_done(&out)) return CS_ERR_NOMEM; /* arr is out's from here */
    for (size_t i = 0; i < subs.n; i++) {
        /* sub_json's object is the arena's; the array takes a reference of its own. */
        json_object *s = json_object_get(sub_json(req->arena, &subs.docs[i]));
        if (!s || json_object_array_add(arr, s)) {
            json_object_put(s);
            return CS_ERR_NOMEM;
        }
    }
    cs_jb_int(&out, "total", (int64_t)subs.n);
    if (cs_jb_done(&out)) return CS_ERR_NOMEM;
    return cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, out.obj);
}

static int delete (const struct cs_req *req, struct cs_resp *resp)
{
    const char *id = cs_req_param(req, "id");
    int rc = cs_store_delete(req->store, req->auth.tenant, CS_WEBHOOKS_COLL, id, -1);
    if (rc == CS_ERR_NOT_FOUND) resp->err_message = "Webhook not found";
    if (rc) return rc;
    /* Events already queued for it are dead-lettered by the dispatcher. */
    struct cs_jb out;
    cs_jb_init(&out, cs_json_object(req->arena));
    cs_jb_str(&out, "id", id);
    cs_jb_bool(&out, "deleted", true);
    if (cs_jb_done(&out)) return CS_ERR_NOMEM;
    return cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, out.obj);
}

static int64_t query_int(const struct cs_req *req, const char *name, int64_t dflt, int64_t lo,
                         int64_t hi, bool *bad)
{
    const char *s = cs_req_query(req, name);
    if (!s) return dflt;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) *bad = true;
    return v;
}

static const char *const delivery_fields[] = {"event_id",    "event_type",   "attempt",
                                              "status_code", "latency_ms",   "error",
                                              "outcome",     "attempted_at", "next_attempt_at"};

static int deliveries(const struct cs_req *req, struct cs_resp *resp)
{
    const char *id = cs_req_param(req, "id");
    bool bad = false;
    int64_t limit = query_int(req, "limit", 50, 1, 200, &bad);
    int64_t offset = query_int(req, "offset", 0, 0, 1000000, &bad);
    if (bad) {
        resp->err_message = "limit must be 1-200 and offset 0-1000000";
        return CS_ERR_VALIDATION;
    }
    struct cs_query q = {
        .sort = "_created", .desc = true, .limit = limit, .offset = offset, .want_total = true};
    int rc = cs_query_where(&q, "subscription_id", CS_OP_EQ, cs_val_str(id));
    struct cs_doc_list log;
    if (!rc)
        rc = cs_store_find(req->store, req->arena, req->auth.tenant, CS_WEBHOOK_DELIVERIES_COLL, &q,
                           &log);
    if (rc) return rc;
    struct cs_doc sub;
    if (log.total == 0 &&
        (rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_WEBHOOKS_COLL, id, &sub))) {
        if (rc == CS_ERR_NOT_FOUND) resp->err_message = "Webhook not found";
        return rc;
    }
    struct cs_jb out;
    cs_jb_init(&out, cs_json_object(req->arena));
    json_object *arr = json_object_new_array();
    cs_jb_str(&out, "webhook_id", id);
    cs_jb_add(&out, "deliveries", arr);
    if (cs_jb_done(&out)) return CS_ERR_NOMEM; /* arr is out's from here */
    for (size_t i = 0; i < log.n; i++) {
        json_object *v;
        struct cs_jb d;
        cs_jb_init(&d, json_object_new_object());
        cs_jb_str(&d, "id", log.docs[i].id);
        /* Stored fields as they are, a null status_code included. */
        for (size_t k = 0; k < sizeof(delivery_fields) / sizeof(*delivery_fields); k++)
            if (json_object_object_get_ex(log.docs[i].body, delivery_fields[k], &v))
                cs_jb_ref(&d, delivery_fields[k], v);
        rc = cs_jb_done(&d);
        if (!rc && json_object_array_add(arr, d.obj)) rc = CS_ERR_NOMEM;
        if (rc) {
            json_object_put(d.obj);
            return rc;
        }
    }
    cs_jb_int(&out, "total", log.total);
    cs_jb_int(&out, "limit", limit);
    cs_jb_int(&out, "offset", offset);
    if (cs_jb_done(&out)) return CS_ERR_NOMEM;
    return cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, out.obj);
}

/* ---- The incoming receiver: POST creates or rotates its secret (shown once) and sets
 * the threshold; GET shows the settings without the secret. ---- */

static const struct cs_field receiver_fields[] = {
    {.name = "escalation_threshold",
     .type = CS_J_NUMBER,
     .nullable = true,
     .has_min = true,
     .min = 0.0,
     .has_max = true,
     .max = 1.0},
};
static const struct cs_schema receiver_schema = {receiver_fields, 1};

static int receiver_json(const struct cs_req *req, bool configured, double threshold,
                         json_object **out)
{
    const char *path =
        cs_arena_printf(req->arena, "/api/v1/webhooks/incoming/%s", req->auth.tenant);
    if (!path) return CS_ERR_NOMEM; /* not a null url_path */
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(req->arena));
    cs_jb_bool(&o, "configured", configured);
    cs_jb_str(&o, "url_path", path);
    cs_jb_double(&o, "escalation_threshold", threshold, 4);
    if (cs_jb_done(&o)) return CS_ERR_NOMEM;
    *out = o.obj;
    return CS_OK;
}

static int receiver_set(const struct cs_req *req, struct cs_resp *resp)
{
    json_object *body = NULL;
    int rc = req->body_len ? cs_app_read_json(req, resp, &receiver_schema, &body) : CS_OK;
    if (rc) return rc;
    double threshold =
        cs_json_get_double(body, "escalation_threshold", CS_WEBHOOK_DEFAULT_THRESHOLD);
    char *secret = cs_arena_alloc(req->arena, CS_WEBHOOK_SECRET_MAX), *sealed = NULL;
    if (!secret) return CS_ERR_NOMEM;
    cs_webhook_secret_new(req->env->random, secret);
    if ((rc = cs_webhook_seal(&req->env->cfg.jwt_key, secret, req->arena, &sealed))) return rc;
    struct cs_jb doc;
    cs_jb_init(&doc, cs_json_object(req->arena));
    cs_jb_str(&doc, "secret_sealed", sealed);
    cs_jb_double(&doc, "escalation_threshold", threshold, 4);
    if (cs_jb_done(&doc)) return CS_ERR_NOMEM;
    rc = cs_store_put(req->store, req->arena, req->auth.tenant, CS_WEBHOOK_RECEIVER_COLL,
                      CS_WEBHOOK_RECEIVER_ID, doc.obj, req->now_ms, NULL);
    if (rc) return rc;
    json_object *out = NULL;
    if ((rc = receiver_json(req, true, threshold, &out))) return rc;
    if (cs_json_add_str(out, "secret", secret)) return CS_ERR_NOMEM;
    return cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, out);
}

static int receiver_get(const struct cs_req *req, struct cs_resp *resp)
{
    struct cs_doc d;
    int rc = cs_store_get(req->store, req->arena, req->auth.tenant, CS_WEBHOOK_RECEIVER_COLL,
                          CS_WEBHOOK_RECEIVER_ID, &d);
    if (rc && rc != CS_ERR_NOT_FOUND) return rc;
    double threshold =
        rc ? CS_WEBHOOK_DEFAULT_THRESHOLD
           : cs_json_get_double(d.body, "escalation_threshold", CS_WEBHOOK_DEFAULT_THRESHOLD);
    json_object *out = NULL;
    if ((rc = receiver_json(req, rc == CS_OK, threshold, &out))) return rc;
    return cs_family_ok(CS_FAMILY_PREDICT, req, resp, 200, out);
}

CS_HANDLER(fn_customer_webhooks)
{
    const char *pattern = req->route->pattern;
    if (strstr(pattern, "webhook-receiver"))
        return strcmp(req->method, "POST") == 0 ? receiver_set(req, resp) : receiver_get(req, resp);
    if (strcmp(req->method, "POST") == 0) return create(req, resp);
    if (strcmp(req->method, "DELETE") == 0) return delete (req, resp);
    if (strstr(pattern, "/deliveries")) return deliveries(req, resp);
    return list(req, resp);
}
