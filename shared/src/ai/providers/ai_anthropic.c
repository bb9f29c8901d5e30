/* Anthropic Messages API: POST {base}/v1/messages with x-api-key and anthropic-version.
 * Streaming sends named SSE events: message_start (model, input tokens),
 * content_block_delta (text_delta pieces), message_delta (stop reason, output tokens),
 * message_stop (the end), ping, and error. Anthropic has no embeddings endpoint. */
#include <string.h>

#include "ai/ai_int.h"
#include "cs/arena.h"
#include "cs/json.h"

#define ANTHROPIC_BASE "https://api.anthropic.com"
#define ANTHROPIC_VERSION "anthropic-version: 2023-06-01"

static int chat_request(struct cs_arena *a, const struct cs_ai_provider *p, const char *key,
                        const struct cs_ai_chat *chat, bool stream, struct ai_req *out)
{
    memset(out, 0, sizeof(*out));
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(a));
    json_object *msgs = json_object_new_array();
    cs_jb_add(&o, "messages", msgs);
    cs_jb_str(&o, "model", p->model);
    /* max_tokens is required by this API. */
    cs_jb_int(&o, "max_tokens", chat->max_tokens > 0 ? chat->max_tokens : 512);
    if (chat->system) cs_jb_str(&o, "system", chat->system);
    int rc = cs_jb_done(&o); /* msgs is o's from here */
    /* The API refuses an empty content; a lone space stands in for one. */
    for (size_t i = 0; !rc && i < chat->nmsgs; i++) {
        const char *text = chat->msgs[i].content;
        rc = ai_add_msg(msgs, strcmp(chat->msgs[i].role, "assistant") == 0 ? "assistant" : "user",
                        text && *text ? text : " ");
    }
    if (chat->temperature >= 0)
        cs_jb_double(&o, "temperature", chat->temperature > 1 ? 1 : chat->temperature, 3);
    if (stream) cs_jb_bool(&o, "stream", true);
    if (!rc) rc = cs_jb_done(&o);
    if (rc) return rc;
    size_t h = 0;
    out->headers[h++] = ANTHROPIC_VERSION;
    if (key && !(out->headers[h++] = cs_arena_printf(a, "x-api-key: %s", key))) return CS_ERR_NOMEM;
    return ai_req_finish(a, out, p->base_url, ANTHROPIC_BASE, "/v1/messages", o.obj);
}

static void read_usage(json_object *u, struct cs_ai_usage *out)
{
    if (!json_object_is_type(u, json_type_object)) return;
    out->prompt_tokens = cs_json_get_int(u, "input_tokens", out->prompt_tokens);
    out->completion_tokens = cs_json_get_int(u, "output_tokens", out->completion_tokens);
    out->total_tokens = out->prompt_tokens + out->completion_tokens;
}

static int chat_parse(struct cs_arena *a, const char *body, size_t len, struct cs_ai_reply *out)
{
    json_object *o = ai_json_parse(a, body, len);
    json_object *content = o ? ai_json_path(o, "content") : NULL;
    if (!json_object_is_type(content, json_type_array) ||
        strcmp(cs_json_get_str(o, "type") ? cs_json_get_str(o, "type") : "", "message") != 0)
        return CS_ERR_UPSTREAM;
    struct cs_buf text;
    cs_buf_init(&text, a, AI_BODY_CAP);
    size_t n = json_object_array_length(content), blocks = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *b = json_object_array_get_idx(content, i);
        const char *type = cs_json_get_str(b, "type"), *t = cs_json_get_str(b, "text");
        if (!type || strcmp(type, "text") != 0 || !t) continue;
        if (cs_buf_puts(&text, t)) return CS_ERR_NOMEM;
        blocks++;
    }
    if (!blocks) return CS_ERR_UPSTREAM;
    out->text = cs_buf_str(&text);
    out->model = ai_json_strdup(a, ai_json_path(o, "model"));
    out->finish_reason = ai_json_strdup(a, ai_json_path(o, "stop_reason"));
    read_usage(ai_json_path(o, "usage"), &out->usage);
    return CS_OK;
}

static int stream_event(struct ai_stream *s, const char *event, const char *data, size_t len)
{
    if (strcmp(event, "ping") == 0) return CS_OK;
    json_object *o = ai_json_parse(s->arena, data, len);
    const char *type = o ? cs_json_get_str(o, "type") : NULL;
    if (!type || strcmp(type, "error") == 0 || strcmp(event, "error") == 0) {
        s->failed = true;
        return CS_ERR_UPSTREAM;
    }
    if (strcmp(type, "message_start") == 0) {
        s->model = ai_json_strdup(s->arena, ai_json_path(o, "message.model"));
        read_usage(ai_json_path(o, "message.usage"), &s->usage);
    } else if (strcmp(type, "content_block_delta") == 0) {
        json_object *t = ai_json_path(o, "delta.text");
        const char *dt = cs_json_get_str(ai_json_path(o, "delta"), "type");
        if (dt && strcmp(dt, "text_delta") == 0 && json_object_is_type(t, json_type_string))
            return ai_stream_delta(s, json_object_get_string(t),
                                   (size_t)json_object_get_string_len(t));
    } else if (strcmp(type, "message_delta") == 0) {
        json_object *u = ai_json_path(o, "usage");
        /* message_delta carries the cumulative output count only. */
        if (json_object_is_type(u, json_type_object)) {
            s->usage.completion_tokens =
                cs_json_get_int(u, "output_tokens", s->usage.completion_tokens);
            s->usage.total_tokens = s->usage.prompt_tokens + s->usage.completion_tokens;
        }
        const char *stop = cs_json_get_str(ai_json_path(o, "delta"), "stop_reason");
        if (stop) s->finish = cs_arena_strdup(s->arena, stop);
    } else if (strcmp(type, "message_stop") == 0) {
        s->done = true;
    }
    return CS_OK;
}

const struct ai_wire ai_wire_anthropic = {
    .name = "anthropic",
    .chat_request = chat_request,
    .chat_parse = chat_parse,
    .stream_event = stream_event,
};
