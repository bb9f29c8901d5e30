/* The long-lived environment of a function process: configuration, the models mapped
 * at cold start, the signing key, and the clock and random source handlers must use
 * (tests replace them). Built once per process by cs_env_init; read-only afterwards,
 * so worker threads share it.
 */
#ifndef CS_ENV_H
#define CS_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/auth.h"
#include "cs/error.h"

struct cs_function;
struct cs_models;
struct cs_ai;

struct cs_config {
    const char *store_uri; /* CS_STORE_URI, default sqlite://<var>/cs.db */
    const char *var_dir;   /* CS_VAR, default ./var */
    const char *data_dir;  /* CS_DATA_DIR, default ./data */
    size_t max_body;       /* CS_MAX_BODY bytes, default 1 MiB */
    unsigned threads;      /* CS_THREADS FastCGI workers, default 2 */
    unsigned rate_limit;   /* CS_RATE_LIMIT requests/min/tenant default, default 600 */
    int64_t token_ttl_s;   /* CS_TOKEN_TTL, default 3600 */
    int64_t token_skew_s;  /* CS_TOKEN_SKEW clock skew on exp/nbf/iat, 0..300, default 5 */
    /* CS_TRUSTED_PROXIES: comma list of peer addresses (a load balancer in front of
     * nginx) whose X-Forwarded-For names the client; default none. */
    const char *trusted_proxies;
    const char *cors_origin; /* CS_CORS_ORIGIN, default "*" */
    int log_level;           /* CS_LOG_LEVEL debug|info|warn|error, default info */
    bool jwt_key_set;
    struct cs_jwt_key jwt_key; /* CS_JWT_SECRET (base64 or hex, >= 32 bytes) */
    struct cs_keyring keyring; /* jwt_key first, then CS_JWT_SECRET_PREVIOUS */
};

struct cs_triage_policy;

struct cs_env {
    struct cs_config cfg;
    const struct cs_function *fn;
    struct cs_models *models; /* NULL unless the function needs models */
    struct cs_ai *ai;         /* NULL unless the function needs AI (cs/ai.h) */
    /* The default triage policy, for the functions that classify tickets; loaded by
     * their init hook (cs_insights_policy_init), NULL elsewhere. */
    struct cs_triage_policy *triage_policy;
    int64_t (*now_ms)(void);
    void (*random)(void *buf, size_t n);
};

/* Reads the configuration from a getenv-like lookup (so tests pass their own). Strings
 * point into what `get` returns or into static defaults. CS_ERR_CONFIG on a malformed
 * value, with `why` naming the variable (never its value). */
CS_MUST_CHECK int cs_config_load(struct cs_config *cfg, const char *(*get)(const char *name),
                                 const char **why);

/* Builds the environment for `fn`: config from the process environment, models when the
 * function needs them, then fn->init. `why` receives a short reason on failure. */
CS_MUST_CHECK int cs_env_init(struct cs_env *env, const struct cs_function *fn, const char **why);
void cs_env_clean_up(struct cs_env *env);

#endif
