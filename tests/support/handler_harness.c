#include "handler_harness.h"

#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cs/arena.h"
#include "cs/http.h"
#include "test_jwt.h"

/* A fixed key: tokens are minted here and checked by the same process. */
static const char hh_secret[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

int hh_init(struct hh *h, const struct cs_function *fn, const char *name)
{
    memset(h, 0, sizeof(*h));
    temp_db_init(&h->db, name);
    setenv("CS_STORE_URI", h->db.uri, 1);
    setenv("CS_JWT_SECRET", hh_secret, 1);
    setenv("CS_LOG_LEVEL", "error", 1);
    setenv("CS_RATE_LIMIT", "100000", 1);
    if (!getenv("CS_DATA_DIR")) setenv("CS_DATA_DIR", "data", 1);
    const char *why = NULL;
    if (sodium_init() < 0 || cs_env_init(&h->env, fn, &why)) {
        fprintf(stderr, "  hh_init: env: %s\n", why ? why : "?");
        return -1;
    }
    if (cs_worker_init(&h->w, &h->env, &why)) {
        fprintf(stderr, "  hh_init: worker: %s\n", why ? why : "?");
        cs_env_clean_up(&h->env);
        return -1;
    }
    h->ready = 1;
    return 0;
}

static char *dup_or_null(const char *s, size_t n)
{
    if (!s) return NULL;
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static const char *resp_header(const struct cs_resp *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (r->headers[i].name && strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

int hh_call(struct hh *h, const char *method, const char *target, const char *body,
            const char *tenant, const char *const *roles, size_t nroles, struct hh_answer *out)
{
    memset(out, 0, sizeof(*out));
    char path[1024];
    const char *q = strchr(target, '?');
    size_t plen = q ? (size_t)(q - target) : strlen(target);
    if (plen >= sizeof(path)) return -1;
    memcpy(path, target, plen);
    path[plen] = '\0';

    char *token = NULL, authz[2048];
    struct cs_header hdr[3];
    size_t nh = 0;
    if (tenant) {
        token = test_jwt_sign(hh_secret, tenant, "hh-user", roles, nroles, 3600);
        if (!token) return -1;
        snprintf(authz, sizeof(authz), "Bearer %s", token);
        hdr[nh++] = (struct cs_header){"authorization", authz};
    }
    if (body) hdr[nh++] = (struct cs_header){"content-type", "application/json"};

    struct cs_req req;
    struct cs_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    req.method = method;
    req.path = path;
    req.query = q ? q + 1 : "";
    req.headers = hdr;
    req.nheaders = nh;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    cs_app_handle(&h->w, &req, &resp);

    out->status = resp.status;
    out->body = dup_or_null(resp.body ? resp.body : "", resp.body ? resp.body_len : 0);
    out->content_type =
        dup_or_null(resp.content_type ? resp.content_type : "application/json",
                    strlen(resp.content_type ? resp.content_type : "application/json"));
    const char *ra = resp_header(&resp, "retry-after");
    out->retry_after = ra ? dup_or_null(ra, strlen(ra)) : NULL;
    cs_arena_reset(h->w.arena);
    free(token);
    return out->body ? 0 : -1;
}

void hh_answer_clean_up(struct hh_answer *a)
{
    free(a->body);
    free(a->content_type);
    free(a->retry_after);
    memset(a, 0, sizeof(*a));
}

void hh_clean_up(struct hh *h)
{
    if (h->ready) {
        cs_worker_clean_up(&h->w);
        cs_env_clean_up(&h->env);
    }
    temp_db_remove(&h->db);
    h->ready = 0;
}

/* ---- golden comparison ---- */

/* Keys whose values change from run to run. Suffix rules catch the seeds' many
 * "<thing>_id" and "<thing>_at" fields; ids the client chose come back as sent and stay. */
static int masked_key(const char *k)
{
    static const char *const client_ids[] = {
        "companyId", "customerId", "customer_id", "ticket_id",   "interaction_id",
        "tenant_id", "agent_id",   "model_id",    "provider_id", NULL};
    for (size_t i = 0; client_ids[i]; i++)
        if (strcmp(k, client_ids[i]) == 0) return 0;
    static const char *const exact[] = {
        "id",        "request_id", "requestId",     "timestamp",          "access_token",
        "token",     "secret",     "restore_token", "processing_time_ms", "latency_ms",
        "createdAt", "updatedAt",  "sessionId",     "expires_in_s",       NULL};
    for (size_t i = 0; exact[i]; i++)
        if (strcmp(k, exact[i]) == 0) return 1;
    size_t n = strlen(k);
    static const char *const suffix[] = {"_id", "_at", "Id", "At", "_time", NULL};
    for (size_t i = 0; suffix[i]; i++) {
        size_t m = strlen(suffix[i]);
        if (n > m && strcmp(k + n - m, suffix[i]) == 0) return 1;
    }
    return 0;
}

/* "2026-12-07T11:13:48..." : a time the clock gave, wherever it appears. */
static int looks_like_timestamp(const char *s)
{
    return strlen(s) >= 19 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':';
}

static void mask(json_object *o)
{
    if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++) {
            json_object *v = json_object_array_get_idx(o, i);
            if (json_object_is_type(v, json_type_string) &&
                looks_like_timestamp(json_object_get_string(v)))
                json_object_array_put_idx(o, i, json_object_new_string("<time>"));
            else
                mask(v);
        }
        return;
    }
    if (!json_object_is_type(o, json_type_object)) return;
    json_object_object_foreach(o, k, v)
    {
        if (v && masked_key(k) && !json_object_is_type(v, json_type_object) &&
            !json_object_is_type(v, json_type_array))
            json_object_object_add(o, k, json_object_new_string("<masked>"));
        else if (json_object_is_type(v, json_type_string) &&
                 looks_like_timestamp(json_object_get_string(v)))
            json_object_object_add(o, k, json_object_new_string("<time>"));
        else
            mask(v);
    }
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb) break;
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) break;
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

static int mkdirs_for(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) && errno != EEXIST) return -1;
        *p = '/';
    }
    return 0;
}

int hh_golden_match(const char *name, const char *body)
{
    const char *dir = getenv("CS_GOLDEN_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s.json", dir && *dir ? dir : "tests/handler/golden", name);
    json_object *got = json_tokener_parse(body);
    if (!got) {
        fprintf(stderr, "  golden %s: answer is not JSON: %.200s\n", name, body);
        return 0;
    }
    mask(got);
    const char *text = json_object_to_json_string_ext(
        got, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
    int ok = 0;
    const char *upd = getenv("CS_GOLDEN_UPDATE");
    if (upd && strcmp(upd, "1") == 0) {
        FILE *f = mkdirs_for(path) == 0 ? fopen(path, "w") : NULL;
        if (f) {
            fprintf(f, "%s\n", text);
            ok = fclose(f) == 0;
        }
        if (!ok) fprintf(stderr, "  golden %s: cannot write %s\n", name, path);
    } else {
        char *want = read_file(path);
        size_t tl = strlen(text);
        ok = want && strncmp(want, text, tl) == 0 && (want[tl] == '\n' || want[tl] == '\0') &&
             (want[tl] == '\0' || want[tl + 1] == '\0');
        if (!ok)
            fprintf(stderr, "  golden %s differs (CS_GOLDEN_UPDATE=1 rewrites %s)\n  got:\n%s\n",
                    name, path, text);
        free(want);
    }
    json_object_put(got);
    return ok;
}
