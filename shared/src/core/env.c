#include "cs/env.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/ai.h"
#include "cs/clock.h"
#include "cs/function.h"
#include "cs/log.h"
#include "cs/models.h"

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max || s[0] == '-') return CS_ERR_CONFIG;
    *out = v;
    return CS_OK;
}

static const char *or_default(const char *(*get)(const char *), const char *name, const char *dflt)
{
    const char *v = get(name);
    return v && *v ? v : dflt;
}

int cs_config_load(struct cs_config *cfg, const char *(*get)(const char *name), const char **why)
{
    memset(cfg, 0, sizeof(*cfg));
    unsigned long v;
    cfg->var_dir = or_default(get, "CS_VAR", "var");
    cfg->data_dir = or_default(get, "CS_DATA_DIR", "data");
    cfg->store_uri = get("CS_STORE_URI");
    cfg->cors_origin = or_default(get, "CS_CORS_ORIGIN", "*");
    *why = "CS_MAX_BODY";
    if (parse_uint(or_default(get, "CS_MAX_BODY", "1048576"), 1024, 64ul << 20, &v))
        return CS_ERR_CONFIG;
    cfg->max_body = v;
    *why = "CS_THREADS";
    if (parse_uint(or_default(get, "CS_THREADS", "2"), 1, 64, &v)) return CS_ERR_CONFIG;
    cfg->threads = (unsigned)v;
    *why = "CS_RATE_LIMIT";
    if (parse_uint(or_default(get, "CS_RATE_LIMIT", "6000"), 1, 10000000, &v)) return CS_ERR_CONFIG;
    cfg->rate_limit = (unsigned)v;
    *why = "CS_TOKEN_TTL";
    if (parse_uint(or_default(get, "CS_TOKEN_TTL", "3600"), 60, 86400 * 7, &v))
        return CS_ERR_CONFIG;
    cfg->token_ttl_s = (int64_t)v;
    *why = "CS_TOKEN_SKEW";
    if (parse_uint(or_default(get, "CS_TOKEN_SKEW", "5"), 0, 300, &v)) return CS_ERR_CONFIG;
    cfg->token_skew_s = (int64_t)v;
    cfg->trusted_proxies = or_default(get, "CS_TRUSTED_PROXIES", "");
    *why = "CS_LOG_LEVEL";
    cfg->log_level = cs_log_level_parse(or_default(get, "CS_LOG_LEVEL", "info"));
    if (cfg->log_level < 0) return CS_ERR_CONFIG;
    *why = "CS_JWT_SECRET";
    const char *secret = get("CS_JWT_SECRET");
    if (secret && *secret) {
        if (cs_jwt_key_parse(secret, &cfg->jwt_key)) return CS_ERR_CONFIG;
        cfg->jwt_key_set = true;
        *why = "CS_JWT_SECRET_PREVIOUS";
        if (cs_keyring_parse(secret, get("CS_JWT_SECRET_PREVIOUS"), &cfg->keyring))
            return CS_ERR_CONFIG;
    }
    *why = NULL;
    return CS_OK;
}

static const char *process_env(const char *name) { return getenv(name); }

/* Request and session ids, one per request: libsodium's randombytes_buf is one
 * getrandom system call per use. Each thread instead keeps a ChaCha20 key seeded once
 * from it and draws "fast key erasure" style: every draw replaces the key with the first
 * 32 bytes of the keystream, so earlier output cannot be recomputed from a later state.
 * A forked child reseeds (fork_gen), so it never repeats its parent's stream. */
#define RANDOM_DRAW_MAX 256

static unsigned fork_gen = 1;
static void on_fork_child(void) { fork_gen++; }
static void random_setup(void) { pthread_atfork(NULL, NULL, on_fork_child); }

static void sodium_random(void *buf, size_t n)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    static __thread unsigned char key[crypto_stream_chacha20_KEYBYTES];
    static __thread unsigned seeded_gen;
    if (n > RANDOM_DRAW_MAX) {
        randombytes_sysrandom_implementation.buf(buf, n);
        return;
    }
    pthread_once(&once, random_setup);
    if (seeded_gen != fork_gen) {
        randombytes_sysrandom_implementation.buf(key, sizeof(key));
        seeded_gen = fork_gen;
    }
    static const unsigned char nonce[crypto_stream_chacha20_NONCEBYTES]; /* a new key each draw */
    unsigned char block[crypto_stream_chacha20_KEYBYTES + RANDOM_DRAW_MAX];
    crypto_stream_chacha20(block, sizeof(key) + n, nonce, key);
    memcpy(key, block, sizeof(key));
    memcpy(buf, block + sizeof(key), n);
    sodium_memzero(block, sizeof(key) + n);
}

/* The same stream behind libsodium's randombytes_*, which every id, event id and key
 * of the library draws from: its default (sysrandom) is one getrandom call per draw,
 * one to three per ticket. Large draws and the seeds still come from getrandom. */
static uint32_t stream_random(void)
{
    uint32_t r;
    sodium_random(&r, sizeof(r));
    return r;
}

static void stream_stir(void) {}

static const char *stream_name(void) { return "cs-chacha20-fke"; }

static randombytes_implementation stream_impl = {
    /* libsodium takes it non-const */
    .implementation_name = stream_name,
    .random = stream_random,
    .stir = stream_stir,
    .uniform = NULL, /* libsodium's own rejection sampling over .random */
    .buf = sodium_random,
    .close = NULL,
};

static void stream_install(void) { randombytes_set_implementation(&stream_impl); }

int cs_env_init(struct cs_env *env, const struct cs_function *fn, const char **why)
{
    static pthread_once_t stream_once = PTHREAD_ONCE_INIT;
    memset(env, 0, sizeof(*env));
    env->fn = fn;
    env->now_ms = cs_now_ms;
    env->random = sodium_random;
    /* Named first, so that every init failure below is logged under the function's own
     * name rather than the library default. */
    cs_log_set_function(fn->name);
    pthread_once(&stream_once, stream_install); /* before sodium_init, as libsodium asks */
    if (sodium_init() < 0) {
        *why = "libsodium failed to initialise";
        return CS_ERR_INTERNAL;
    }
    int rc = cs_config_load(&env->cfg, process_env, why);
    if (rc) return rc;
    cs_log_set_level(env->cfg.log_level);
    if (fn->max_body > env->cfg.max_body) env->cfg.max_body = fn->max_body;
    if (!env->cfg.store_uri) {
        /* The default lives for the whole process, like the environment it came from. */
        static char uri[4096];
        snprintf(uri, sizeof(uri), "sqlite://%s/cs.db", env->cfg.var_dir);
        env->cfg.store_uri = uri;
    }
    if ((fn->auth == CS_AUTH_BEARER || (fn->needs & CS_NEED_JWT)) && !env->cfg.jwt_key_set) {
        *why = "CS_JWT_SECRET is not set";
        return CS_ERR_CONFIG;
    }
    if (fn->needs & CS_NEED_MODELS) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/models", env->cfg.data_dir);
        rc = cs_models_open_only(dir, fn->models, &env->models);
        if (rc) {
            *why = "built-in models could not be loaded from CS_DATA_DIR/models";
            return rc;
        }
    }
    if (fn->needs & CS_NEED_AI) {
        /* Keys are looked up by name at call time; the strings live for the process. */
        static char ai_paths[8192];
        struct cs_ai_config ai_cfg;
        rc = cs_ai_config_load(&ai_cfg, process_env, env->cfg.data_dir, ai_paths, sizeof(ai_paths),
                               why);
        if (!rc) rc = cs_ai_open(&ai_cfg, &env->ai, why);
        if (rc) return rc;
    }
    if (fn->init && (rc = fn->init(env))) {
        *why = "function init failed";
        return rc;
    }
    return CS_OK;
}

void cs_env_clean_up(struct cs_env *env)
{
    if (env->fn && env->fn->fini) env->fn->fini(env);
    env->triage_policy = NULL;
    cs_ai_close(env->ai);
    env->ai = NULL;
    if (env->models) cs_models_close(env->models);
    env->models = NULL;
}
