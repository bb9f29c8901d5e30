/* Private to the MongoDB plugin: what its reporting operations (store_mongo_rp.c) need
 * from the document store (store_mongo.c). */
#ifndef CS_STORE_MONGO_INT_H
#define CS_STORE_MONGO_INT_H

#include <mongoc/mongoc.h>

#include "store/store_int.h"
#include "store/store_rp_backend.h"

/* A collection of the handle's database, on the handle's client; the caller destroys it. */
mongoc_collection_t *cs_mg_collection(struct cs_store *st, const char *name);
/* libmongoc's error as ours (logs the numbers only). */
int cs_mg_error(const bson_error_t *e);

extern const struct cs_rp_store_ops cs_mg_rp_ops;
/* Writes a staged reporting payload (a JSON array of `resource` records, checked as an
 * import is) when its carrier document is moved: idempotent, so a sweep may repeat it. */
int cs_mg_rp_write_staged(struct cs_store *st, const char *tenant, const char *resource,
                          const char *payload, int64_t now_ms);

#endif
