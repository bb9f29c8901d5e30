/* Brute-force guard for /auth/login and /auth/token (contract in cs/auth.h).
 *
 * One small document per key in the system tenant's "login_guard" collection:
 * {"fails": n, "next_ms": t}. Keys are hashes, so the collection never becomes a list
 * of login names or client addresses. Two keys per attempt: "a:" the (account, client)
 * pair and "c:" the client alone (a spray over many names from one place).
 */
#include "cs/auth.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/store.h"

#define GUARD_COLL "login_guard"

enum { KEY_ACCOUNT, KEY_CLIENT, NKEYS };

static const int free_fails[NKEYS] = {CS_GUARD_FREE_ACCOUNT, CS_GUARD_FREE_CLIENT};

/* "a:<32 hex>" of BLAKE2b(account NUL client), "c:<32 hex>" of BLAKE2b(client). */
static void guard_id(int which, const char *account, const char *client, char out[40])
{
    unsigned char h[16];
    crypto_generichash_state s;
    crypto_generichash_init(&s, NULL, 0, sizeof(h));
    if (which == KEY_ACCOUNT) {
        crypto_generichash_update(&s, (const unsigned char *)account, strlen(account) + 1);
    }
    crypto_generichash_update(&s, (const unsigned char *)client, strlen(client));
    crypto_generichash_final(&s, h, sizeof(h));
    out[0] = which == KEY_ACCOUNT ? 'a' : 'c';
    out[1] = ':';
    sodium_bin2hex(out + 2, 33, h, sizeof(h));
}

/* Failures recorded more than CS_GUARD_FORGET_S ago no longer count. */
static int64_t live_fails(const struct cs_doc *d, int64_t now_ms)
{
    if (now_ms - d->updated_ms > (int64_t)CS_GUARD_FORGET_S * 1000) return 0;
    int64_t n = cs_json_get_int(d->body, "fails", 0);
    return n > 0 && n < 1000000 ? n : 0; /* read back from the store: checked like input */
}

static int64_t delay_ms(int which, int64_t fails)
{
    int64_t over = fails - free_fails[which];
    if (over <= 0) return 0;
    int64_t s = over >= 7 ? CS_GUARD_MAX_DELAY_S : (int64_t)1 << (over - 1);
    return (s < CS_GUARD_MAX_DELAY_S ? s : CS_GUARD_MAX_DELAY_S) * 1000;
}

static const char *client_or_unknown(const char *client)
{
    return client && *client ? client : "unknown";
}

int cs_login_guard_check(struct cs_store *st, struct cs_arena *a, const char *account,
                         const char *client, int64_t now_ms, int64_t *retry_after_s)
{
    client = client_or_unknown(client);
    *retry_after_s = 0;
    int64_t wait = 0;
    for (int k = 0; k < NKEYS; k++) {
        char id[40];
        guard_id(k, account ? account : "", client, id);
        struct cs_doc d;
        int rc = cs_store_get(st, a, CS_SYSTEM_TENANT, GUARD_COLL, id, &d);
        if (rc == CS_ERR_NOT_FOUND) continue;
        if (rc) return rc;
        if (live_fails(&d, now_ms) == 0) continue;
        int64_t next = cs_json_get_int(d.body, "next_ms", 0);
        if (next > now_ms && next - now_ms > wait) wait = next - now_ms;
    }
    if (wait <= 0) return CS_OK;
    *retry_after_s = (wait + 999) / 1000;
    return CS_ERR_RATE_LIMITED;
}

struct failure {
    struct cs_arena *a;
    int which;
    int64_t now_ms;
};

/* Counts one more failure on top of the live ones, whoever counted them. */
static int count_failure(void *ctx, struct cs_doc *d)
{
    const struct failure *f = ctx;
    int64_t fails = (d->version ? live_fails(d, f->now_ms) : 0) + 1;
    struct cs_jb body;
    cs_jb_init(&body, cs_json_object(f->a));
    if (cs_jb_done(&body)) return CS_ERR_NOMEM;
    cs_jb_int(&body, "fails", fails);
    cs_jb_int(&body, "next_ms", f->now_ms + delay_ms(f->which, fails));
    d->body = body.obj;
    return cs_jb_done(&body);
}

static int record_failure(struct cs_store *st, struct cs_arena *a, int which, const char *id,
                          int64_t now_ms)
{
    struct failure f = {.a = a, .which = which, .now_ms = now_ms};
    const struct cs_store_modify m = {.tenant = CS_SYSTEM_TENANT,
                                      .coll = GUARD_COLL,
                                      .id = id,
                                      .flags = CS_MODIFY_CREATE,
                                      .mutate = count_failure,
                                      .ctx = &f,
                                      .now_ms = now_ms};
    return cs_store_modify(st, a, &m, NULL);
}

int cs_login_guard_failed(struct cs_store *st, struct cs_arena *a, const char *account,
                          const char *client, int64_t now_ms)
{
    client = client_or_unknown(client);
    for (int k = 0; k < NKEYS; k++) {
        char id[40];
        guard_id(k, account ? account : "", client, id);
        int rc = record_failure(st, a, k, id, now_ms);
        if (rc) return rc;
    }
    return CS_OK;
}

int cs_login_guard_passed(struct cs_store *st, const char *account, const char *client)
{
    char id[40];
    guard_id(KEY_ACCOUNT, account ? account : "", client_or_unknown(client), id);
    int rc = cs_store_delete(st, CS_SYSTEM_TENANT, GUARD_COLL, id, -1);
    return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}

int cs_login_guarded(const struct cs_req *req, struct cs_resp *resp, const char *account,
                     const char *secret, cs_credential_fn check, struct cs_principal *out)
{
    const char *client = cs_req_client(req);
    int64_t retry = 0;
    int rc = cs_login_guard_check(req->store, req->arena, account, client, req->now_ms, &retry);
    if (rc == CS_ERR_RATE_LIMITED) {
        (void)cs_resp_header(resp, "retry-after",
                             cs_arena_printf(req->arena, "%lld", (long long)retry));
        return rc;
    }
    if (rc) return rc;
    rc = check(req->store, req->arena, account, secret, out);
    if (rc == CS_ERR_BAD_CREDENTIALS) {
        int grc = cs_login_guard_failed(req->store, req->arena, account, client, req->now_ms);
        return grc ? grc : rc;
    }
    if (rc == CS_OK) {
        int grc = cs_login_guard_passed(req->store, account, client);
        if (grc) return grc;
    }
    return rc;
}
