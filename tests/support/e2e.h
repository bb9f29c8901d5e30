/* Helpers shared by the end-to-end tests (tests/e2e), which talk to the real stack that
 * tests/run.sh t_e2e starts and describes in CS_TEST_* variables: CS_TEST_BASE_URL (read
 * by http_do), CS_TEST_KEY_A / CS_TEST_KEY_B (cs-admin create-key output, a JSON object
 * with api_key and api_secret) and CS_TEST_JWT_SECRET.
 *
 * Responses are read with the getters of json_path.h, which this header brings in.
 */
#ifndef CS_TEST_E2E_H
#define CS_TEST_E2E_H

#include <stdbool.h>
#include <stddef.h>

#include "http_client.h"
#include "json_path.h"

/* Whether s (may be NULL: no) matches the POSIX extended regular expression pattern. */
bool e2e_matches(const char *s, const char *pattern);

/* Writes the /api/v1/auth/token request body for the API key in the environment
 * variable key_env (CS_TEST_KEY_A/B). 0 on success, -1 when the variable is missing or
 * not JSON. */
int e2e_token_body(const char *key_env, char *body, size_t cap);

/* Exchanges the API key in the environment variable key_env (CS_TEST_KEY_A/B) for an
 * access token at /api/v1/auth/token and writes "Authorization: Bearer <token>" to
 * out. When key_id is not NULL the key's api_key is copied there too. 0 on success,
 * -1 when the variable is missing or the exchange fails. */
int e2e_token_for_key(const char *key_env, char *out, size_t cap, char *key_id, size_t kcap);

/* METHOD path with a JSON body and the given "Authorization: ..." header (NULL: none),
 * as http_do; the caller frees r. */
int e2e_call(const char *auth, const char *method, const char *path, const char *body,
             struct http_result *r);

#endif
