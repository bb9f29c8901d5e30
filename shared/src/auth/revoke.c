/* Key revocation and disabled users (contract in cs/auth.h).
 *
 * The system tenant's "revoked" collection holds one document per revoked subject (an
 * API key id "ck_..." or a user id "usr_...", both random and so unique across
 * tenants) with the tenant it belongs to. Each process keeps the whole list, reloaded
 * at most every CS_REVOKE_CACHE_MS: a request costs a hash-free linear scan of a short
 * list, and the store sees one read per process per period, not one per request.
 */
#include "cs/auth.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/json.h"
#include "cs/store.h"

#define REVOKED_COLL "revoked"
#define REVOKED_MAX 100000

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static char **cached; /* "tenant\nsubject" strings, malloc'd: the cache outlives requests */
static size_t ncached;
static int64_t loaded_ms = -1;

static void cache_free(void)
{
    for (size_t i = 0; i < ncached; i++) free(cached[i]);
    free(cached);
    cached = NULL;
    ncached = 0;
}

void cs_revoked_reset_cache(void)
{
    pthread_mutex_lock(&cache_lock);
    cache_free();
    loaded_ms = -1;
    pthread_mutex_unlock(&cache_lock);
}

static char *entry_of(const char *tenant, const char *subject)
{
    size_t t = strlen(tenant), s = strlen(subject);
    char *e = malloc(t + s + 2);
    if (!e) return NULL;
    memcpy(e, tenant, t);
    e[t] = '\n';
    memcpy(e + t + 1, subject, s + 1);
    return e;
}

/* Reads the whole list (pages of the store's maximum); called with cache_lock held. */
static int cache_load(struct cs_store *st, struct cs_arena *a)
{
    char **list = NULL;
    size_t n = 0;
    int rc = CS_OK;
    for (int64_t off = 0; off < REVOKED_MAX;) {
        struct cs_query q = {.limit = 1000, .offset = off, .sort = "_id"};
        struct cs_doc_list page;
        rc = cs_store_find(st, a, CS_SYSTEM_TENANT, REVOKED_COLL, &q, &page);
        if (rc) break;
        char **grown = realloc(list, (n + page.n + 1) * sizeof(*list));
        if (!grown) {
            rc = CS_ERR_NOMEM;
            break;
        }
        list = grown;
        for (size_t i = 0; i < page.n; i++) {
            const char *tenant = cs_json_get_str(page.docs[i].body, "tenant");
            if (!tenant || !page.docs[i].id) continue; /* read back: checked like input */
            if (!(list[n] = entry_of(tenant, page.docs[i].id))) {
                rc = CS_ERR_NOMEM;
                break;
            }
            n++;
        }
        if (rc || page.n < 1000) break;
        off += (int64_t)page.n;
    }
    if (rc) {
        for (size_t i = 0; i < n; i++) free(list[i]);
        free(list);
        return rc;
    }
    cache_free();
    cached = list;
    ncached = n;
    return CS_OK;
}

int cs_revoked_check(struct cs_store *st, struct cs_arena *a, const struct cs_principal *p,
                     int64_t now_ms)
{
    if (!st || !p->tenant || !p->subject) return CS_OK;
    pthread_mutex_lock(&cache_lock);
    int rc = CS_OK;
    if (loaded_ms < 0 || now_ms - loaded_ms >= CS_REVOKE_CACHE_MS || now_ms < loaded_ms) {
        rc = cache_load(st, a);
        if (!rc) loaded_ms = now_ms;
    }
    bool hit = false;
    size_t t = strlen(p->tenant);
    for (size_t i = 0; !rc && !hit && i < ncached; i++)
        hit = strncmp(cached[i], p->tenant, t) == 0 && cached[i][t] == '\n' &&
              strcmp(cached[i] + t + 1, p->subject) == 0;
    pthread_mutex_unlock(&cache_lock);
    if (rc) return rc;
    return hit ? CS_ERR_BAD_TOKEN : CS_OK;
}

static int revoke_subject(struct cs_store *st, struct cs_arena *a, const char *tenant,
                          const char *subject, int64_t now_ms)
{
    json_object *body = cs_json_object(a);
    if (!body) return CS_ERR_NOMEM;
    int rc = cs_json_add_str(body, "tenant", tenant);
    if (!rc)
        rc = cs_store_insert(st, a, CS_SYSTEM_TENANT, REVOKED_COLL, subject, body, NULL, now_ms,
                             NULL);
    return rc == CS_ERR_EXISTS ? CS_OK : rc;
}

static int flag_true(void *flag, struct cs_doc *d) { return cs_json_add_bool(d->body, flag, true); }

/* Sets `flag` true on the document (cs_store_modify retries a concurrent update). */
static int set_flag(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                    const char *id, const char *flag, int64_t now_ms)
{
    const struct cs_store_modify m = {.tenant = tenant,
                                      .coll = coll,
                                      .id = id,
                                      .mutate = flag_true,
                                      .ctx = (void *)flag,
                                      .now_ms = now_ms};
    return cs_store_modify(st, a, &m, NULL);
}

int cs_apikey_revoke(struct cs_store *st, struct cs_arena *a, const char *api_key, int64_t now_ms)
{
    if (!api_key || !*api_key || strlen(api_key) > CS_STORE_ID_MAX) return CS_ERR_NOT_FOUND;
    struct cs_doc d;
    int rc = cs_store_get(st, a, CS_SYSTEM_TENANT, "api_keys", api_key, &d);
    const char *tenant = rc ? NULL : cs_json_get_str(d.body, "tenant");
    if (!rc && !tenant) rc = CS_ERR_FORMAT;
    if (!rc) rc = set_flag(st, a, CS_SYSTEM_TENANT, "api_keys", api_key, "revoked", now_ms);
    if (!rc) rc = revoke_subject(st, a, tenant, api_key, now_ms);
    return rc;
}

int cs_user_disable(struct cs_store *st, struct cs_arena *a, const char *username, int64_t now_ms)
{
    if (!username || !*username || strlen(username) > CS_STORE_ID_MAX) return CS_ERR_NOT_FOUND;
    struct cs_doc login;
    int rc = cs_store_get(st, a, CS_SYSTEM_TENANT, "logins", username, &login);
    const char *tenant = rc ? NULL : cs_json_get_str(login.body, "tenant");
    const char *uid = rc ? NULL : cs_json_get_str(login.body, "user_id");
    if (!rc && (!tenant || !uid || !cs_tenant_valid(tenant))) rc = CS_ERR_FORMAT;
    if (!rc) rc = set_flag(st, a, tenant, "users", uid, "disabled", now_ms);
    if (!rc) rc = revoke_subject(st, a, tenant, uid, now_ms);
    return rc;
}
