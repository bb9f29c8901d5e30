/* Webhook subscriptions: the documents cs/notify.h fans events out to. */
#include "cs/webhook.h"

#include <sodium.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/json.h"
#include "cs/notify.h"
#include "cs/store.h"

int cs_webhook_subscribe(struct cs_store *st, struct cs_arena *a, const char *tenant,
                         const struct cs_jwt_key *server, const char *url, json_object *events,
                         const char *secret, int64_t now_ms, struct cs_doc *out)
{
    struct cs_webhook_key k;
    if (!url || !json_object_is_type(events, json_type_array) ||
        cs_webhook_secret_parse(secret, &k))
        return CS_ERR_INVALID;
    char *sealed = NULL;
    int rc = cs_webhook_seal(server, secret, a, &sealed);
    if (rc) return rc;
    json_object *copy = NULL;
    if (json_object_deep_copy(events, &copy, NULL) != 0) return CS_ERR_NOMEM;
    struct cs_jb doc;
    cs_jb_init(&doc, cs_json_object(a));
    cs_jb_str(&doc, "url", url);
    cs_jb_add(&doc, "events", copy);
    cs_jb_bool(&doc, "active", true);
    cs_jb_str(&doc, "secret_sealed", sealed);
    if ((rc = cs_jb_done(&doc))) return rc;
    char hex[25];
    unsigned char raw[12];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
    /* In the arena: the store's result may point at the id it was given. */
    const char *id = cs_arena_printf(a, "wh_%s", hex);
    if (!id) return CS_ERR_NOMEM;
    return cs_store_insert(st, a, tenant, CS_WEBHOOKS_COLL, id, doc.obj, NULL, now_ms, out);
}
