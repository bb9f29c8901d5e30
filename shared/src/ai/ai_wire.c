/* Helpers shared by the provider wire formats (ai_openai.c, ai_anthropic.c,
 * ai_gemini.c): reading untrusted response JSON and building request URLs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "cs/arena.h"
#include "cs/json.h"

/* Provider bodies are untrusted: the same depth limit as request bodies, and the tree
 * is released with the arena. NULL for anything that is not one JSON value. */
json_object *ai_json_parse(struct cs_arena *a, const char *body, size_t len)
{
    if (!body || len == 0 || len > AI_BODY_CAP) return NULL;
    json_tokener *tok = json_tokener_new_ex(CS_JSON_MAX_DEPTH);
    if (!tok) return NULL;
    json_object *o = json_tokener_parse_ex(tok, body, (int)len);
    int done = json_tokener_get_error(tok) == json_tokener_success &&
               json_tokener_get_parse_end(tok) == len;
    json_tokener_free(tok);
    if (!o) return NULL;
    if (!done || cs_json_own(a, o)) {
        if (!done) json_object_put(o);
        return NULL;
    }
    return o;
}

json_object *ai_json_path(json_object *o, const char *path)
{
    char key[64];
    while (o && *path) {
        size_t n = strcspn(path, ".");
        if (n == 0 || n >= sizeof(key)) return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        path += n + (path[n] == '.');
        if (json_object_is_type(o, json_type_array)) {
            char *end;
            errno = 0;
            unsigned long i = strtoul(key, &end, 10);
            if (errno || *end || i >= json_object_array_length(o)) return NULL;
            o = json_object_array_get_idx(o, i);
        } else if (!json_object_is_type(o, json_type_object) ||
                   !json_object_object_get_ex(o, key, &o)) {
            return NULL;
        }
    }
    return o;
}

const char *ai_join_url(struct cs_arena *a, const char *base, const char *dflt, const char *path)
{
    if (!base || !*base) base = dflt;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') n--;
    return cs_arena_printf(a, "%.*s%s", (int)n, base, path);
}

const char *ai_body_string(struct cs_arena *a, json_object *o, size_t *len)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    char *copy = s ? cs_arena_strndup(a, s, n) : NULL;
    *len = copy ? n : 0;
    return copy;
}

int ai_req_finish(struct cs_arena *a, struct ai_req *out, const char *base, const char *dflt,
                  const char *path, json_object *body)
{
    out->url = path ? ai_join_url(a, base, dflt, path) : NULL;
    out->body = ai_body_string(a, body, &out->body_len);
    return out->url && out->body ? CS_OK : CS_ERR_NOMEM;
}

const char *ai_json_strdup(struct cs_arena *a, json_object *o)
{
    return json_object_is_type(o, json_type_string) ? cs_arena_strdup(a, json_object_get_string(o))
                                                    : NULL;
}

int ai_add_msg(json_object *arr, const char *role, const char *content)
{
    struct cs_jb m;
    cs_jb_init(&m, json_object_new_object());
    cs_jb_str(&m, "role", role);
    cs_jb_str(&m, "content", content);
    int rc = cs_jb_done(&m);
    if (!rc && json_object_array_add(arr, m.obj)) rc = CS_ERR_NOMEM;
    if (rc) json_object_put(m.obj);
    return rc;
}

/* A JSON array of numbers as floats; *dims 0 takes the array's length, otherwise the
 * length must match. */
int ai_parse_vector(struct cs_arena *a, json_object *arr, unsigned *dims, float **out)
{
    if (!json_object_is_type(arr, json_type_array)) return CS_ERR_UPSTREAM;
    size_t n = json_object_array_length(arr);
    if (n == 0 || n > CS_AI_MAX_DIMS || (*dims && n != *dims)) return CS_ERR_UPSTREAM;
    float *v = cs_arena_alloc(a, n * sizeof(float));
    if (!v) return CS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(x, json_type_double) && !json_object_is_type(x, json_type_int))
            return CS_ERR_UPSTREAM;
        v[i] = (float)json_object_get_double(x);
    }
    *dims = (unsigned)n;
    *out = v;
    return CS_OK;
}

int64_t ai_estimate_tokens(const char *s)
{
    return s ? (int64_t)((strlen(s) + AI_BYTES_PER_TOKEN - 1) / AI_BYTES_PER_TOKEN) : 0;
}
