/* Access tokens for tests that reach a function from outside (a child process, the
 * real stack) and so must sign with the key that side was given. */
#ifndef CS_TEST_JWT_H
#define CS_TEST_JWT_H

#include <stddef.h>
#include <stdint.h>

/* A token (without "Bearer ") for tenant/subject with roles[0..nroles) (at most
 * CS_MAX_ROLES), signed with the base64 key secret and valid for ttl_s seconds from the
 * wall clock's now. malloc'd, the caller frees; NULL when the key or signing fails. */
char *test_jwt_sign(const char *secret, const char *tenant, const char *subject,
                    const char *const *roles, size_t nroles, int64_t ttl_s);

#endif
