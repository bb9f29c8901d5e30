/* libFuzzer target: the client address the login guard keys on (cs_req_client) from an
 * outside X-Forwarded-For header, with the peer trusted or not, and the role list
 * checks (cs_roles_valid, cs_principal_has_any_role) on outside role names. The first
 * byte picks trusted or not; the rest, split at the first NUL, is the header and a
 * role list. */
#include <stdint.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/env.h"
#include "cs/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static struct cs_arena *a;
    if (!a) a = cs_arena_new(1u << 20);
    cs_arena_reset(a);
    char *s = cs_arena_strndup(a, (const char *)data + 1, size - 1);
    if (!s) return 0;
    const char *roles = s + strlen(s); /* after the first NUL, if any */
    if ((size_t)(roles - s) < size - 1) roles++;
    static struct cs_env env;
    env.cfg.trusted_proxies = data[0] & 1 ? "127.0.0.1" : "";
    struct cs_header h = {"x-forwarded-for", s};
    struct cs_req req;
    memset(&req, 0, sizeof(req));
    req.env = &env;
    req.arena = a;
    req.headers = &h;
    req.nheaders = 1;
    req.peer_addr = "127.0.0.1";
    const char *c = cs_req_client(&req);
    if (!c || strlen(c) > 64 || strchr(c, ',')) __builtin_trap();
    (void)cs_roles_valid(roles);
    struct cs_principal p = {.tenant = "t", .subject = "s", .roles = {roles}, .nroles = 1};
    (void)cs_principal_has_any_role(&p, s);
    return 0;
}
