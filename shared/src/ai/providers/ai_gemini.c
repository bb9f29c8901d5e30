/* Gemini API: POST {base}/v1beta/models/{model}:generateContent, streamed with
 * :streamGenerateContent?alt=sse (each SSE data is a partial GenerateContentResponse;
 * the one carrying finishReason ends it), and :batchEmbedContents for embeddings.
 * The key goes in the x-goog-api-key header rather than the URL, so URLs can be logged. */
#include <string.h>

#include "ai/ai_int.h"
#include "cs/arena.h"
#include "cs/json.h"

#define GEMINI_BASE "https://generativelanguage.googleapis.com"

static const char *bare_model(const char *m) { return strncmp(m, "models/", 7) == 0 ? m + 7 : m; }

static json_object *text_parts(const char *text)
{
    json_object *parts = json_object_new_array();
    json_object *p = json_object_new_object();
    if (!parts || !p || json_object_array_add(parts, p)) {
        json_object_put(parts);
        json_object_put(p);
        return NULL;
    }
    if (cs_json_add_str(p, "text", text ? text : "")) {
        json_object_put(parts);
        return NULL;
    }
    return parts;
}

static int add_content(json_object *arr, const char *role, const char *text)
{
    struct cs_jb c;
    cs_jb_init(&c, json_object_new_object());
    cs_jb_str(&c, "role", role);
    cs_jb_add(&c, "parts", text_parts(text));
    int rc = cs_jb_done(&c);
    if (!rc && json_object_array_add(arr, c.obj)) rc = CS_ERR_NOMEM;
    if (rc) json_object_put(c.obj);
    return rc;
}

static int key_header(struct cs_arena *a, const char *key, struct ai_req *out)
{
    if (!key) return CS_OK;
    out->headers[0] = cs_arena_printf(a, "x-goog-api-key: %s", key);
    return out->headers[0] ? CS_OK : CS_ERR_NOMEM;
}

static int chat_request(struct cs_arena *a, const struct cs_ai_provider *p, const char *key,
                        const struct cs_ai_chat *chat, bool stream, struct ai_req *out)
{
    memset(out, 0, sizeof(*out));
    struct cs_jb o, si, gc;
    cs_jb_init(&o, cs_json_object(a));
    json_object *contents = json_object_new_array();
    cs_jb_add(&o, "contents", contents);
    int rc = cs_jb_done(&o); /* contents is o's from here */
    for (size_t i = 0; !rc && i < chat->nmsgs; i++)
        rc = add_content(contents, strcmp(chat->msgs[i].role, "assistant") == 0 ? "model" : "user",
                         chat->msgs[i].content);
    if (!rc && chat->system) {
        cs_jb_init(&si, json_object_new_object());
        cs_jb_add(&si, "parts", text_parts(chat->system));
        cs_jb_nest(&o, "systemInstruction", &si);
    }
    cs_jb_init(&gc, json_object_new_object());
    cs_jb_int(&gc, "maxOutputTokens", chat->max_tokens > 0 ? chat->max_tokens : 512);
    if (chat->temperature >= 0) cs_jb_double(&gc, "temperature", chat->temperature, 3);
    cs_jb_nest(&o, "generationConfig", &gc);
    if (!rc) rc = cs_jb_done(&o);
    if (!rc) rc = key_header(a, key, out);
    if (rc) return rc;
    const char *path =
        cs_arena_printf(a, "/v1beta/models/%s:%s", bare_model(p->model),
                        stream ? "streamGenerateContent?alt=sse" : "generateContent");
    return ai_req_finish(a, out, p->base_url, GEMINI_BASE, path, o.obj);
}

static void read_usage(json_object *u, struct cs_ai_usage *out)
{
    if (!json_object_is_type(u, json_type_object)) return;
    out->prompt_tokens = cs_json_get_int(u, "promptTokenCount", out->prompt_tokens);
    out->completion_tokens = cs_json_get_int(u, "candidatesTokenCount", out->completion_tokens);
    out->total_tokens =
        cs_json_get_int(u, "totalTokenCount", out->prompt_tokens + out->completion_tokens);
}

/* Appends the text parts of the first candidate; CS_ERR_UPSTREAM when there is none
 * (a blocked prompt answers with promptFeedback and no candidates). */
static int candidate_text(json_object *o, struct cs_buf *b, size_t *nparts)
{
    json_object *parts = ai_json_path(o, "candidates.0.content.parts");
    if (!json_object_is_type(parts, json_type_array)) return CS_ERR_UPSTREAM;
    for (size_t i = 0; i < json_object_array_length(parts); i++) {
        const char *t = cs_json_get_str(json_object_array_get_idx(parts, i), "text");
        if (!t) continue;
        if (cs_buf_puts(b, t)) return CS_ERR_NOMEM;
        (*nparts)++;
    }
    return CS_OK;
}

static int chat_parse(struct cs_arena *a, const char *body, size_t len, struct cs_ai_reply *out)
{
    json_object *o = ai_json_parse(a, body, len);
    if (!o || ai_json_path(o, "error")) return CS_ERR_UPSTREAM;
    struct cs_buf text;
    cs_buf_init(&text, a, AI_BODY_CAP);
    size_t nparts = 0;
    int rc = candidate_text(o, &text, &nparts);
    if (rc) return rc;
    if (!nparts) return CS_ERR_UPSTREAM;
    out->text = cs_buf_str(&text);
    out->model = ai_json_strdup(a, ai_json_path(o, "modelVersion"));
    out->finish_reason = ai_json_strdup(a, ai_json_path(o, "candidates.0.finishReason"));
    read_usage(ai_json_path(o, "usageMetadata"), &out->usage);
    return CS_OK;
}

static int stream_event(struct ai_stream *s, const char *event, const char *data, size_t len)
{
    (void)event;
    json_object *o = ai_json_parse(s->arena, data, len);
    if (!o || ai_json_path(o, "error")) {
        s->failed = true;
        return CS_ERR_UPSTREAM;
    }
    if (!s->model) s->model = ai_json_strdup(s->arena, ai_json_path(o, "modelVersion"));
    read_usage(ai_json_path(o, "usageMetadata"), &s->usage);
    struct cs_buf piece;
    cs_buf_init(&piece, s->arena, AI_BODY_CAP);
    size_t nparts = 0;
    if (ai_json_path(o, "candidates.0.content.parts")) {
        int rc = candidate_text(o, &piece, &nparts);
        if (!rc && piece.len) rc = ai_stream_delta(s, piece.data, piece.len);
        if (rc) return rc;
    }
    json_object *fin = ai_json_path(o, "candidates.0.finishReason");
    if (json_object_is_type(fin, json_type_string)) {
        s->finish = ai_json_strdup(s->arena, fin);
        s->done = true;
    }
    return CS_OK;
}

static int embed_request(struct cs_arena *a, const struct cs_ai_provider *p, const char *key,
                         const char *const *texts, size_t n, unsigned dims, struct ai_req *out)
{
    memset(out, 0, sizeof(*out));
    const char *model = bare_model(p->embedding_model ? p->embedding_model : p->model);
    const char *qualified = cs_arena_printf(a, "models/%s", model);
    struct cs_jb o;
    cs_jb_init(&o, cs_json_object(a));
    json_object *reqs = json_object_new_array();
    cs_jb_add(&o, "requests", reqs);
    if (!qualified || cs_jb_done(&o)) return CS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        struct cs_jb r, content;
        cs_jb_init(&r, json_object_new_object());
        cs_jb_str(&r, "model", qualified);
        cs_jb_init(&content, json_object_new_object());
        cs_jb_add(&content, "parts", text_parts(texts[i]));
        cs_jb_nest(&r, "content", &content);
        if (dims) cs_jb_int(&r, "outputDimensionality", dims);
        int rc = cs_jb_done(&r);
        if (!rc && json_object_array_add(reqs, r.obj)) rc = CS_ERR_NOMEM;
        if (rc) {
            json_object_put(r.obj);
            return rc;
        }
    }
    int rc = key_header(a, key, out);
    if (rc) return rc;
    const char *path = cs_arena_printf(a, "/v1beta/%s:batchEmbedContents", qualified);
    return ai_req_finish(a, out, p->base_url, GEMINI_BASE, path, o.obj);
}

static int embed_parse(struct cs_arena *a, const char *body, size_t len, size_t n,
                       struct cs_ai_embeddings *out)
{
    json_object *o = ai_json_parse(a, body, len);
    json_object *embs = o ? ai_json_path(o, "embeddings") : NULL;
    if (!json_object_is_type(embs, json_type_array) || json_object_array_length(embs) != n)
        return CS_ERR_UPSTREAM;
    out->vec = cs_arena_alloc(a, n * sizeof(float *));
    if (!out->vec) return CS_ERR_NOMEM;
    unsigned dims = out->dims;
    for (size_t i = 0; i < n; i++) {
        int rc = ai_parse_vector(a, ai_json_path(json_object_array_get_idx(embs, i), "values"),
                                 &dims, &out->vec[i]);
        if (rc) return rc;
    }
    out->n = n;
    out->dims = dims;
    return CS_OK;
}

const struct ai_wire ai_wire_gemini = {
    .name = "gemini",
    .chat_request = chat_request,
    .chat_parse = chat_parse,
    .stream_event = stream_event,
    .embed_request = embed_request,
    .embed_parse = embed_parse,
};
