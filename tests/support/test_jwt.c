#include "test_jwt.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs/arena.h"
#include "cs/auth.h"

char *test_jwt_sign(const char *secret, const char *tenant, const char *subject,
                    const char *const *roles, size_t nroles, int64_t ttl_s)
{
    struct cs_jwt_key key;
    if (!secret || nroles > CS_MAX_ROLES || cs_jwt_key_parse(secret, &key) != CS_OK) return NULL;
    struct cs_principal p;
    memset(&p, 0, sizeof(p));
    p.tenant = tenant;
    p.subject = subject;
    for (size_t i = 0; i < nroles; i++) p.roles[i] = roles[i];
    p.nroles = nroles;
    /* The arena holds the token only until it is copied out for the caller. */
    struct cs_arena *a = cs_arena_new(0);
    char *tok = NULL, *copy = NULL;
    if (a && cs_jwt_sign(&key, &p, (int64_t)time(NULL), ttl_s, a, &tok) == CS_OK)
        copy = strdup(tok);
    cs_arena_destroy(a);
    return copy;
}
