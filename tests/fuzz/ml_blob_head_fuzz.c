/* libFuzzer target: a blob head document read back from the store (cs/ml_blob.h) is
 * checked like outside input: a head that parses has a size within bounds, the chunk
 * count that size needs and a sum re-encoded as 64 lower-case hex digits (it becomes a
 * file name), whatever the stored JSON says. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cs/ml_blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_tokener *tok = json_tokener_new_ex(32);
    json_object *o = tok ? json_tokener_parse_ex(tok, (const char *)data, (int)size) : NULL;
    json_tokener_free(tok);
    if (!o) return 0;
    struct cs_ml_blob_head h;
    if (cs_ml_blob_head_parse(o, &h) == CS_OK) {
        if (h.size < 0 || h.size > (int64_t)CS_ML_BLOB_MAX ||
            h.chunks != (h.size + CS_ML_BLOB_CHUNK - 1) / CS_ML_BLOB_CHUNK ||
            strlen(h.hex) != CS_ML_BLOB_SUM_HEX || strspn(h.hex, "0123456789abcdef") != 64)
            abort();
    }
    json_object_put(o);
    return 0;
}
