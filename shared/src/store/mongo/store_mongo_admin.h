/* Operator tasks on a MongoDB store, shared by tools/cs-mongo-indexes and the store
 * contract test: applying the index definitions of infra/mongodb/indexes.json. */
#ifndef CS_STORE_MONGO_ADMIN_H
#define CS_STORE_MONGO_ADMIN_H

#include <stddef.h>

#include "cs/error.h"

/* Creates the indexes `spec` defines ({"<collection>": [<createIndexes spec>, ...]}, in
 * extended JSON) in the URI's database ("cs" when it names none). Idempotent: existing
 * identical indexes are kept. `applied` counts the index specs sent. On failure `why`
 * gets a short reason (never the URI, which may hold a password).
 * CS_ERR_FORMAT for a malformed spec, CS_ERR_CONFIG for a bad URI, CS_ERR_STORE when the
 * server refuses or cannot be reached. */
CS_MUST_CHECK int cs_mongo_apply_indexes(const char *uri, const char *spec, size_t len,
                                         size_t *applied, char *why, size_t whycap);

#endif
