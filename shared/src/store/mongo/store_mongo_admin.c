/* See store_mongo_admin.h. */
#include "store/mongo/store_mongo_admin.h"

#include <mongoc/mongoc.h>
#include <stdio.h>
#include <string.h>

static int fail(int code, char *why, size_t cap, const char *what, const char *detail)
{
    if (cap) snprintf(why, cap, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    return code;
}

/* Checks the spec's shape: each member an array of documents with a name and a key. */
static int spec_valid(const bson_t *spec, char *why, size_t cap)
{
    bson_iter_t coll, idx, f;
    if (!bson_iter_init(&coll, spec)) return fail(CS_ERR_FORMAT, why, cap, "bad spec", NULL);
    while (bson_iter_next(&coll)) {
        if (!BSON_ITER_HOLDS_ARRAY(&coll) || !bson_iter_recurse(&coll, &idx))
            return fail(CS_ERR_FORMAT, why, cap, "not an array of indexes", bson_iter_key(&coll));
        while (bson_iter_next(&idx)) {
            bson_iter_t doc;
            if (!BSON_ITER_HOLDS_DOCUMENT(&idx) || !bson_iter_recurse(&idx, &doc) ||
                !bson_iter_find(&doc, "name") || !bson_iter_recurse(&idx, &f) ||
                !bson_iter_find(&f, "key") || !BSON_ITER_HOLDS_DOCUMENT(&f))
                return fail(CS_ERR_FORMAT, why, cap, "index without name or key",
                            bson_iter_key(&coll));
        }
    }
    return CS_OK;
}

static int create_indexes(mongoc_client_t *client, const char *db, const bson_iter_t *coll,
                          size_t *applied, char *why, size_t cap)
{
    bson_t cmd = BSON_INITIALIZER, reply;
    bson_error_t err;
    BSON_APPEND_UTF8(&cmd, "createIndexes", bson_iter_key(coll));
    BSON_APPEND_VALUE(&cmd, "indexes", bson_iter_value((bson_iter_t *)coll));
    bool ok = mongoc_client_write_command_with_opts(client, db, &cmd, NULL, &reply, &err);
    bson_destroy(&reply);
    bson_destroy(&cmd);
    if (!ok) return fail(CS_ERR_STORE, why, cap, bson_iter_key(coll), err.message);
    bson_iter_t idx;
    if (bson_iter_recurse(coll, &idx))
        while (bson_iter_next(&idx)) (*applied)++;
    return CS_OK;
}

int cs_mongo_apply_indexes(const char *uri_str, const char *spec_json, size_t len, size_t *applied,
                           char *why, size_t cap)
{
    *applied = 0;
    bson_error_t err;
    bson_t *spec = bson_new_from_json((const uint8_t *)spec_json, (ssize_t)len, &err);
    if (!spec) return fail(CS_ERR_FORMAT, why, cap, "index spec is not valid JSON", err.message);
    int rc = spec_valid(spec, why, cap);
    mongoc_init();
    mongoc_uri_t *uri = rc ? NULL : mongoc_uri_new_with_error(uri_str, &err);
    if (!rc && !uri)
        rc = fail(CS_ERR_CONFIG, why, cap, "CS_STORE_URI is not a valid MongoDB URI", NULL);
    mongoc_client_t *client = uri ? mongoc_client_new_from_uri_with_error(uri, &err) : NULL;
    if (!rc && !client) rc = fail(CS_ERR_CONFIG, why, cap, "cannot create a client", NULL);
    if (client) mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
    const char *db = uri && mongoc_uri_get_database(uri) ? mongoc_uri_get_database(uri) : "cs";
    bson_iter_t coll;
    if (!rc && bson_iter_init(&coll, spec))
        while (rc == CS_OK && bson_iter_next(&coll))
            rc = create_indexes(client, db, &coll, applied, why, cap);
    mongoc_client_destroy(client);
    mongoc_uri_destroy(uri);
    bson_destroy(spec);
    return rc;
}
