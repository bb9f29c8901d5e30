/* WebSocket connection documents (cs/ws.h). */
#include "cs/ws.h"

#include <string.h>

#include "cs/json.h"
#include "cs/store.h"

bool cs_ws_connection_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n < CS_WS_ID_MAX &&
           strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_=+/-") == n;
}

bool cs_ws_connection_live(const struct cs_doc *d, int64_t now_ms)
{
    json_object *exp, *types;
    /* Read back like outside input. */
    return json_object_is_type(d->body, json_type_object) &&
           json_object_object_get_ex(d->body, "expires_ms", &exp) &&
           json_object_is_type(exp, json_type_int) && json_object_get_int64(exp) > now_ms &&
           json_object_object_get_ex(d->body, "types", &types) &&
           json_object_is_type(types, json_type_array);
}
