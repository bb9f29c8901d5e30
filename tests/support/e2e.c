#include "e2e.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool e2e_matches(const char *s, const char *pattern)
{
    regex_t re;
    if (!s || regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0) return false;
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

/* Both the body and the key id come from one parse of the variable. */
static int key_fields(const char *key_env, char *body, size_t cap, char *key_id, size_t kcap)
{
    json_object *key = json_tokener_parse(getenv(key_env) ? getenv(key_env) : "");
    if (!key) return -1;
    snprintf(body, cap, "{\"api_key\":\"%s\",\"api_secret\":\"%s\"}", jstr(key, "api_key"),
             jstr(key, "api_secret"));
    if (key_id) snprintf(key_id, kcap, "%s", jstr(key, "api_key"));
    json_object_put(key);
    return 0;
}

int e2e_token_body(const char *key_env, char *body, size_t cap)
{
    return key_fields(key_env, body, cap, NULL, 0);
}

int e2e_token_for_key(const char *key_env, char *out, size_t cap, char *key_id, size_t kcap)
{
    char body[512];
    if (key_fields(key_env, body, sizeof(body), key_id, kcap)) return -1;
    const char *h[] = {"Content-Type: application/json", NULL};
    struct http_result r;
    int rc = http_do("POST", "/api/v1/auth/token", body, h, &r);
    const char *t = r.json ? jstr(r.json, "access_token") : NULL;
    if (rc || r.status != 200 || !t)
        rc = -1;
    else
        snprintf(out, cap, "Authorization: Bearer %s", t);
    http_result_free(&r);
    return rc;
}

int e2e_call(const char *auth, const char *method, const char *path, const char *body,
             struct http_result *r)
{
    const char *h[] = {"Content-Type: application/json", auth, NULL};
    return http_do(method, path, body, h, r);
}
