/* The ai-generate binary itself, run as Lambda runs it (--invoke of an API Gateway
 * event), pointed by CS_PROVIDERS_FILE at a fake OpenAI-compatible server on loopback:
 * the provider's SSE stream arrives as one buffered text/event-stream body (Lambda
 * cannot stream), a failing provider falls back to builtin, and the key named by
 * api_key_env is sent to the provider but never written to the logs.
 *
 * Needs CS_TEST_BIN, CS_TEST_TMP and CS_DATA_DIR as build.sh test sets them. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../support/fake_lambda_api.h"
#include "../support/fake_provider.h"
#include "../support/temp_store.h"
#include "../support/test.h"
#include "../support/test_jwt.h"

#define JWT_SECRET "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_VALUE "sk-local-test-key-0123456789"

static const char *bin_dir, *tmp_dir, *data_dir;
static struct temp_db db; /* the children's store */

static const char *const stream_chunks[] = {
    "data: "
    "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"llama-3.1-8b-instruct\","
    "\"choices\":"
    "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":null}"
    "]}\n\n",
    "data: "
    "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"llama-3.1-8b-instruct\","
    "\"choices\":"
    "[{\"index\":0,\"delta\":{\"content\":\" there!\"},\"finish_reason\":\"stop\"}],"
    "\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":3,\"total_tokens\":33}}\n\n",
    "data: [DONE]\n\n",
    NULL,
};

static char *make_token(void)
{
    return test_jwt_sign(JWT_SECRET, "acme", "ai-invoke-test", NULL, 0, 600);
}

/* Runs ai-generate --invoke on an event with `body`; returns the parsed response event
 * and the child's stderr in *err (free both). */
static json_object *invoke(const char *providers_path, const char *body, char **err)
{
    char *tok = make_token();
    if (!tok) return NULL;
    json_object *ev = json_object_new_object(), *h = json_object_new_object(),
                *rc = json_object_new_object(), *http = json_object_new_object();
    char bearer[4200];
    snprintf(bearer, sizeof(bearer), "Bearer %s", tok);
    json_object_object_add(h, "authorization", json_object_new_string(bearer));
    json_object_object_add(h, "content-type", json_object_new_string("application/json"));
    json_object_object_add(http, "method", json_object_new_string("POST"));
    json_object_object_add(http, "path", json_object_new_string("/api/v1/ai/generate"));
    json_object_object_add(rc, "http", http);
    json_object_object_add(ev, "version", json_object_new_string("2.0"));
    json_object_object_add(ev, "rawPath", json_object_new_string("/api/v1/ai/generate"));
    json_object_object_add(ev, "rawQueryString", json_object_new_string(""));
    json_object_object_add(ev, "headers", h);
    json_object_object_add(ev, "requestContext", rc);
    json_object_object_add(ev, "body", json_object_new_string(body));
    json_object_object_add(ev, "isBase64Encoded", json_object_new_boolean(0));
    char evp[600], outp[600], errp[600], bin[600], var[700], store[sizeof(db.uri) + 16], data[700],
        prov[700];
    snprintf(evp, sizeof(evp), "%s/ai-invoke-%d.json", tmp_dir, (int)getpid());
    snprintf(outp, sizeof(outp), "%s/ai-invoke-%d.out", tmp_dir, (int)getpid());
    snprintf(errp, sizeof(errp), "%s/ai-invoke-%d.err", tmp_dir, (int)getpid());
    snprintf(bin, sizeof(bin), "%s/ai-generate", bin_dir);
    snprintf(var, sizeof(var), "CS_VAR=%s/ai-invoke-var", tmp_dir);
    snprintf(store, sizeof(store), "CS_STORE_URI=%s", db.uri);
    snprintf(data, sizeof(data), "CS_DATA_DIR=%s", data_dir);
    snprintf(prov, sizeof(prov), "CS_PROVIDERS_FILE=%s", providers_path);
    const char *js = json_object_to_json_string(ev);
    int w = test_write_file(evp, js, strlen(js));
    json_object_put(ev);
    free(tok);
    if (w) return NULL;
    char *envp[] = {var,
                    store,
                    data,
                    prov,
                    (char *)"CS_JWT_SECRET=" JWT_SECRET,
                    (char *)"LOCAL_LLM_KEY=" KEY_VALUE,
                    (char *)"CS_LOG_LEVEL=debug",
                    NULL};
    char *argv[] = {bin, (char *)"--invoke", evp, NULL};
    pid_t pid = test_child_start(bin, argv, envp, NULL, outp, errp);
    int code = pid > 0 ? test_child_wait(pid, 60000) : -1;
    char *out = test_read_file(outp, NULL);
    *err = test_read_file(errp, NULL);
    CHECK_INT(code, 0);
    json_object *r = out ? json_tokener_parse(out) : NULL;
    free(out);
    unlink(evp);
    unlink(outp);
    unlink(errp);
    return r;
}

static const char *str_at(json_object *o, const char *k1, const char *k2)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k1, &v)) return NULL;
    if (k2 && !json_object_object_get_ex(v, k2, &v)) return NULL;
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Starts a fake provider playing s and writes, to path, a providers file whose default
 * entry is that provider; NULL (nothing left running) on failure. */
static struct fake_provider *start_provider(const struct fake_reply *s, size_t n, char *path,
                                            size_t cap)
{
    struct fake_provider *fp = fake_provider_start(s, n);
    if (!fp) return NULL;
    char cfg[1024];
    snprintf(cfg, sizeof(cfg),
             "{\"providers\":[{\"id\":\"local_llama\",\"provider\":\"openai\",\"model\":\"llama-3."
             "1-8b-instruct\","
             "\"base_url\":\"%s/v1\",\"api_key_env\":\"LOCAL_LLM_KEY\",\"default\":true}]}",
             fake_provider_url(fp));
    snprintf(path, cap, "%s/ai-invoke-providers-%d.json", tmp_dir, (int)getpid());
    if (test_write_file(path, cfg, strlen(cfg))) {
        fake_provider_stop(fp);
        return NULL;
    }
    return fp;
}

static void test_stream_buffered_on_lambda(void)
{
    if (!bin_dir) TEST_SKIP("CS_TEST_BIN not set");
    struct fake_reply s[] = {{.status = 200, .chunks = stream_chunks}};
    char path[600];
    struct fake_provider *fp = start_provider(s, 1, path, sizeof(path));
    REQUIRE(fp);
    char *err = NULL;
    json_object *r = invoke(path, "{\"prompt\":\"Say hello\",\"stream\":true}", &err);
    REQUIRE(r);
    json_object *sc = NULL;
    json_object_object_get_ex(r, "statusCode", &sc);
    CHECK_INT(json_object_get_int(sc), 200);
    CHECK_STR(str_at(r, "headers", "content-type"), "text/event-stream");
    const char *body = str_at(r, "body", NULL);
    REQUIRE(body);
    const char *d1 = strstr(body, "event: delta\ndata: {\"text\":\"Hello\"}\n\n");
    const char *d2 = strstr(body, "event: delta\ndata: {\"text\":\" there!\"}\n\n");
    const char *done = strstr(body, "event: done\ndata: ");
    CHECK(d1 && d2 && done && d1 < d2 && d2 < done);
    json_object *env = done ? json_tokener_parse(done + 18) : NULL;
    json_object *data = NULL;
    json_object_object_get_ex(env, "data", &data);
    CHECK_STR(str_at(data, "generated_text", NULL), "Hello there!");
    CHECK_STR(str_at(data, "provider", NULL), "openai");
    CHECK_STR(str_at(data, "provider_id", NULL), "local_llama");
    CHECK_STR(str_at(data, "model", NULL), "llama-3.1-8b-instruct");
    json_object_put(env);
    const char *head = fake_provider_head(fp, 0);
    CHECK(head && strstr(head, "Authorization: Bearer " KEY_VALUE) != NULL);
    CHECK(err && strstr(err, KEY_VALUE) == NULL); /* never in the logs */
    CHECK(err && strstr(err, "Say hello") == NULL);
    json_object_put(r);
    free(err);
    unlink(path);
    fake_provider_stop(fp);
}

static void test_failing_provider_falls_back(void)
{
    if (!bin_dir) TEST_SKIP("CS_TEST_BIN not set");
    struct fake_reply s[] = {{.status = 502, .body = "<html>bad gateway</html>"}};
    char path[600];
    struct fake_provider *fp = start_provider(s, 1, path, sizeof(path));
    REQUIRE(fp);
    char *err = NULL;
    json_object *r = invoke(path, "{\"prompt\":\"How do I reset my password?\"}", &err);
    REQUIRE(r);
    json_object *b = json_tokener_parse(str_at(r, "body", NULL) ? str_at(r, "body", NULL) : "");
    json_object *data = NULL;
    json_object_object_get_ex(b, "data", &data);
    CHECK_STR(str_at(data, "provider", NULL), "builtin");
    json_object *fb = NULL;
    CHECK(json_object_object_get_ex(data, "fallback", &fb) && json_object_get_boolean(fb));
    CHECK_INT(fake_provider_count(fp), 3); /* first attempt + 2 retries on 502 */
    CHECK(err && strstr(err, "ai provider attempt failed") != NULL);
    CHECK(err && strstr(err, KEY_VALUE) == NULL);
    json_object_put(b);
    json_object_put(r);
    free(err);
    unlink(path);
    fake_provider_stop(fp);
}

int main(void)
{
    bin_dir = getenv("CS_TEST_BIN");
    tmp_dir = getenv("CS_TEST_TMP");
    data_dir = getenv("CS_DATA_DIR");
    if (!data_dir) data_dir = "data";
    if (!tmp_dir) tmp_dir = "/tmp";
    temp_db_init(&db, "ai-invoke");
    TEST_RUN(test_stream_buffered_on_lambda);
    TEST_RUN(test_failing_provider_falls_back);
    temp_db_remove(&db);
    char p[700];
    snprintf(p, sizeof(p), "%s/ai-invoke-var", tmp_dir);
    rmdir(p);
    return test_done();
}
