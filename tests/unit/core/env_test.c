/* Configuration from the environment (shared/src/core/env.c): defaults, every CS_* variable
 * refused when malformed with the variable (never its value) named, and the cold-start
 * path naming the function in its logs before anything can fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../support/test.h"
#include "cs/env.h"
#include "cs/error.h"
#include "cs/function.h"
#include "cs/log.h"

static const char *vars[16][2];
static size_t nvars;

static const char *lookup(const char *name)
{
    for (size_t i = 0; i < nvars; i++)
        if (strcmp(vars[i][0], name) == 0) return vars[i][1];
    return NULL;
}

static void set(const char *name, const char *value)
{
    for (size_t i = 0; i < nvars; i++)
        if (strcmp(vars[i][0], name) == 0) {
            vars[i][1] = value;
            return;
        }
    vars[nvars][0] = name;
    vars[nvars][1] = value;
    nvars++;
}

static void test_defaults(void)
{
    nvars = 0;
    struct cs_config c;
    const char *why = "unset";
    REQUIRE(cs_config_load(&c, lookup, &why) == CS_OK);
    CHECK(why == NULL);
    CHECK_STR(c.var_dir, "var");
    CHECK_STR(c.data_dir, "data");
    CHECK(c.store_uri == NULL); /* cs_env_init derives it from var_dir */
    CHECK_INT(c.max_body, 1048576);
    CHECK_INT(c.threads, 2);
    CHECK_INT(c.rate_limit, 6000);
    CHECK_INT(c.token_ttl_s, 3600);
    CHECK_STR(c.cors_origin, "*");
    CHECK_INT(c.log_level, CS_LOG_INFO);
    CHECK(!c.jwt_key_set);
    /* Empty values read as unset. */
    set("CS_MAX_BODY", "");
    set("CS_LOG_LEVEL", "");
    set("CS_JWT_SECRET", "");
    REQUIRE(cs_config_load(&c, lookup, &why) == CS_OK);
    CHECK_INT(c.max_body, 1048576);
    CHECK(!c.jwt_key_set);
}

static void test_values(void)
{
    nvars = 0;
    set("CS_MAX_BODY", "2048");
    set("CS_THREADS", "8");
    set("CS_RATE_LIMIT", "1");
    set("CS_TOKEN_TTL", "60");
    set("CS_LOG_LEVEL", "debug");
    set("CS_CORS_ORIGIN", "https://a.example");
    set("CS_STORE_URI", "sqlite:///tmp/x.db");
    set("CS_JWT_SECRET", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    struct cs_config c;
    const char *why;
    REQUIRE(cs_config_load(&c, lookup, &why) == CS_OK);
    CHECK_INT(c.max_body, 2048);
    CHECK_INT(c.threads, 8);
    CHECK_INT(c.rate_limit, 1);
    CHECK_INT(c.token_ttl_s, 60);
    CHECK_INT(c.log_level, CS_LOG_DEBUG);
    CHECK_STR(c.cors_origin, "https://a.example");
    CHECK_STR(c.store_uri, "sqlite:///tmp/x.db");
    CHECK(c.jwt_key_set);
    CHECK_INT(c.jwt_key.bytes[0], 0x01);
    CHECK_INT(c.jwt_key.bytes[31], 0xef);
}

static void test_refused(void)
{
    static const char *const bad[][2] = {
        {"CS_MAX_BODY", "abc"},
        {"CS_MAX_BODY", "-1"},
        {"CS_MAX_BODY", "1023"},
        {"CS_MAX_BODY", "67108865"},
        {"CS_MAX_BODY", "10k"},
        {"CS_MAX_BODY", "99999999999999999999999"},
        {"CS_MAX_BODY", "1e6"},
        {"CS_THREADS", "0"},
        {"CS_THREADS", "65"},
        {"CS_THREADS", "two"},
        {"CS_RATE_LIMIT", "0"},
        {"CS_RATE_LIMIT", "10000001"},
        {"CS_TOKEN_TTL", "59"},
        {"CS_TOKEN_TTL", "604801"},
        {"CS_TOKEN_TTL", "3600s"},
        {"CS_LOG_LEVEL", "verbose"},
        {"CS_LOG_LEVEL", "INFO"},
        {"CS_JWT_SECRET", "c2hvcnQ="},
        {"CS_JWT_SECRET", "not a key at all"},
        {"CS_JWT_SECRET", "0123456789abcdef0123456789abcdef"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        nvars = 0;
        set(bad[i][0], bad[i][1]);
        struct cs_config c;
        const char *why = NULL;
        int rc = cs_config_load(&c, lookup, &why);
        if (rc != CS_ERR_CONFIG) fprintf(stderr, "  accepted %s=%s\n", bad[i][0], bad[i][1]);
        CHECK_INT(rc, CS_ERR_CONFIG);
        CHECK_STR(why, bad[i][0]); /* names the variable, never echoes the value */
    }
}

static int fake_init_called;
static int fake_init(struct cs_env *env)
{
    (void)env;
    fake_init_called++;
    return CS_ERR_INTERNAL;
}

static void fake_fini(struct cs_env *env) { env->triage_policy = NULL; }

static int never_called(const struct cs_req *req, struct cs_resp *resp)
{
    (void)req;
    (void)resp;
    return CS_ERR_INTERNAL;
}

static const struct cs_function bearer_fn = {
    .name = "env-probe",
    .family = CS_FAMILY_TRIAGE,
    .auth = CS_AUTH_BEARER,
    .handle = never_called,
};
static const struct cs_function init_fn = {
    .name = "init-probe",
    .family = CS_FAMILY_TRIAGE,
    .init = fake_init,
    .fini = fake_fini,
    .handle = never_called,
};

static void test_env_init(void)
{
    struct cs_env env;
    const char *why = NULL;
    /* The process environment this time: a bad value fails the cold start... */
    unsetenv("CS_JWT_SECRET");
    setenv("CS_MAX_BODY", "lots", 1);
    CHECK_INT(cs_env_init(&env, &bearer_fn, &why), CS_ERR_CONFIG);
    CHECK_STR(why, "CS_MAX_BODY");
    /* ...and what main() logs next names this function, not the library default. */
    fflush(stderr);
    FILE *f = tmpfile();
    int saved = dup(2);
    REQUIRE(f != NULL && saved >= 0);
    dup2(fileno(f), 2);
    cs_log(CS_LOG_ERROR, "init failed", "reason", why, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char text[1024];
    fseek(f, 0, SEEK_SET);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    CHECK(strstr(text, "\"fn\":\"env-probe\"") != NULL);
    CHECK(strstr(text, "lots") == NULL);
    unsetenv("CS_MAX_BODY");

    /* A bearer function cannot start without a signing key. */
    CHECK_INT(cs_env_init(&env, &bearer_fn, &why), CS_ERR_CONFIG);
    CHECK_STR(why, "CS_JWT_SECRET is not set");
    setenv("CS_JWT_SECRET", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 1);
    setenv("CS_VAR", "/tmp/cs-env-test", 1);
    unsetenv("CS_STORE_URI");
    REQUIRE(cs_env_init(&env, &bearer_fn, &why) == CS_OK);
    CHECK_STR(env.cfg.store_uri, "sqlite:///tmp/cs-env-test/cs.db");
    CHECK(env.now_ms != NULL && env.now_ms() > 1700000000000LL);
    unsigned char r1[16] = {0}, r2[16] = {0};
    env.random(r1, sizeof(r1));
    env.random(r2, sizeof(r2));
    CHECK(memcmp(r1, r2, sizeof(r1)) != 0);
    cs_env_clean_up(&env);

    /* A failing init hook is an init error with its reason. */
    fake_init_called = 0;
    CHECK_INT(cs_env_init(&env, &init_fn, &why), CS_ERR_INTERNAL);
    CHECK_INT(fake_init_called, 1);
    CHECK_STR(why, "function init failed");
    cs_env_clean_up(&env);
    unsetenv("CS_JWT_SECRET");
    unsetenv("CS_VAR");
}

int main(void)
{
    TEST_RUN(test_defaults);
    TEST_RUN(test_values);
    TEST_RUN(test_refused);
    TEST_RUN(test_env_init);
    return test_done();
}
