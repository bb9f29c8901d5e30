/* OpenAI wire format: Chat Completions (POST {base}/chat/completions, streamed as SSE
 * `data: {chunk}` lines ending with `data: [DONE]`) and Embeddings (POST
 * {base}/embeddings). The same format serves any OpenAI-compatible server (llama.cpp
 * server, vLLM, Ollama, LM Studio) by base URL, which is why a missing key is allowed:
 * local servers take none. */
#include <string.h>

#include "ai/ai_int.h"
#include "cs/arena.h"
#include "cs/json.h"

#define OPENAI_BASE "https://api.openai.com/v1"

static int auth_header(struct cs_arena *a, const char *key, struct ai_req *out)
{
    if (!key) return CS_OK;
    out->headers[0] = cs_arena_printf(a, "Authorization: Bearer %s", key);
    return out->headers[0] ? CS_OK : CS_ERR_NOMEM;
}

static int chat_request(struct cs_arena *a, const struct cs_ai_provider *p, const char *key,
                        const struct cs_ai_chat *chat, bool stream, struct ai_req *out)
{
    memset(out, 0, sizeof(*out));
    struct cs_jb o, so;
    cs_jb_init(&o, cs_json_object(a));
    json_object *msgs = json_object_new_array();
    cs_jb_add(&o, "messages", msgs);
    cs_jb_str(&o, "model", p->model);
    int rc = cs_jb_done(&o); /* msgs is o's from here */
    if (!rc && chat->system) rc = ai_add_msg(msgs, "system", chat->system);
    for (size_t i = 0; !rc && i < chat->nmsgs; i++) {
        const char *text = chat->msgs[i].content;
        rc = ai_add_msg(msgs, strcmp(chat->msgs[i].role, "assistant") == 0 ? "assistant" : "user",
                        text ? text : "");
    }
    cs_jb_int(&o, "max_tokens", chat->max_tokens > 0 ? chat->max_tokens : 512);
    if (chat->temperature >= 0) cs_jb_double(&o, "temperature", chat->temperature, 3);
    cs_jb_bool(&o, "stream", stream);
    if (stream) {
        cs_jb_init(&so, json_object_new_object());
        cs_jb_bool(&so, "include_usage", true);
        cs_jb_nest(&o, "stream_options", &so);
    }
    if (!rc) rc = cs_jb_done(&o);
    if (!rc) rc = auth_header(a, key, out);
    if (rc) return rc;
    return ai_req_finish(a, out, p->base_url, OPENAI_BASE, "/chat/completions", o.obj);
}

static void read_usage(json_object *u, struct cs_ai_usage *out)
{
    if (!json_object_is_type(u, json_type_object)) return;
    out->prompt_tokens = cs_json_get_int(u, "prompt_tokens", out->prompt_tokens);
    out->completion_tokens = cs_json_get_int(u, "completion_tokens", out->completion_tokens);
    out->total_tokens =
        cs_json_get_int(u, "total_tokens", out->prompt_tokens + out->completion_tokens);
}

static int chat_parse(struct cs_arena *a, const char *body, size_t len, struct cs_ai_reply *out)
{
    json_object *o = ai_json_parse(a, body, len);
    if (!o || ai_json_path(o, "error")) return CS_ERR_UPSTREAM;
    json_object *content = ai_json_path(o, "choices.0.message.content");
    if (!json_object_is_type(content, json_type_string)) return CS_ERR_UPSTREAM;
    out->text = ai_json_strdup(a, content);
    out->model = ai_json_strdup(a, ai_json_path(o, "model"));
    out->finish_reason = ai_json_strdup(a, ai_json_path(o, "choices.0.finish_reason"));
    read_usage(ai_json_path(o, "usage"), &out->usage);
    return out->text ? CS_OK : CS_ERR_NOMEM;
}

static int stream_event(struct ai_stream *s, const char *event, const char *data, size_t len)
{
    (void)event;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        s->done = true;
        return CS_OK;
    }
    json_object *o = ai_json_parse(s->arena, data, len);
    if (!o || ai_json_path(o, "error")) {
        s->failed = true;
        return CS_ERR_UPSTREAM;
    }
    if (!s->model) s->model = ai_json_strdup(s->arena, ai_json_path(o, "model"));
    read_usage(ai_json_path(o, "usage"), &s->usage);
    json_object *fin = ai_json_path(o, "choices.0.finish_reason");
    if (json_object_is_type(fin, json_type_string)) s->finish = ai_json_strdup(s->arena, fin);
    json_object *d = ai_json_path(o, "choices.0.delta.content");
    if (!json_object_is_type(d, json_type_string)) return CS_OK; /* role-only or usage chunk */
    return ai_stream_delta(s, json_object_get_string(d), (size_t)json_object_get_string_len(d));
}

static int embed_request(struct cs_arena *a, const struct cs_ai_provider *p, const char *key,
                         const char *const *texts, size_t n, unsigned dims, struct ai_req *out)
{
    memset(out, 0, sizeof(*out));
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(a));
    json_object *in = json_object_new_array();
    cs_jb_add(&o, "input", in);
    if (cs_jb_done(&o)) return CS_ERR_NOMEM;
    /* A failed string would otherwise go out as a null input. */
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_new_string(texts[i]);
        if (!t || json_object_array_add(in, t)) {
            json_object_put(t);
            return CS_ERR_NOMEM;
        }
    }
    cs_jb_str(&o, "model", p->embedding_model ? p->embedding_model : p->model);
    cs_jb_str(&o, "encoding_format", "float");
    if (dims) cs_jb_int(&o, "dimensions", dims);
    int rc = cs_jb_done(&o);
    if (!rc) rc = auth_header(a, key, out);
    if (rc) return rc;
    return ai_req_finish(a, out, p->base_url, OPENAI_BASE, "/embeddings", o.obj);
}

static int embed_parse(struct cs_arena *a, const char *body, size_t len, size_t n,
                       struct cs_ai_embeddings *out)
{
    json_object *o = ai_json_parse(a, body, len);
    json_object *data = o ? ai_json_path(o, "data") : NULL;
    if (!json_object_is_type(data, json_type_array) || json_object_array_length(data) != n)
        return CS_ERR_UPSTREAM;
    out->vec = cs_arena_alloc(a, n * sizeof(float *));
    if (!out->vec) return CS_ERR_NOMEM;
    unsigned dims = out->dims;
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(data, i);
        /* `index` says which input a vector belongs to; servers may reorder. */
        int64_t idx = cs_json_get_int(item, "index", (int64_t)i);
        if (idx < 0 || (size_t)idx >= n || out->vec[idx]) return CS_ERR_UPSTREAM;
        int rc = ai_parse_vector(a, ai_json_path(item, "embedding"), &dims, &out->vec[idx]);
        if (rc) return rc;
    }
    out->n = n;
    out->dims = dims;
    out->model = ai_json_strdup(a, ai_json_path(o, "model"));
    read_usage(ai_json_path(o, "usage"), &out->usage);
    return CS_OK;
}

const struct ai_wire ai_wire_openai = {
    .name = "openai",
    .chat_request = chat_request,
    .chat_parse = chat_parse,
    .stream_event = stream_event,
    .embed_request = embed_request,
    .embed_parse = embed_parse,
};
