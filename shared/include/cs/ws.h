/* WebSocket connections of the real-time API (seed 001), shared by the connection
 * routes (functions/websocket-connection) and the broadcaster (websocket-broadcast).
 *
 * Gateways (API Gateway on AWS, runtime/ws.c locally) name a connection only by its id,
 * so connections live in the system tenant's CS_WS_CONNECTIONS_COLL keyed by that id,
 * each naming its customer tenant once authenticated; what they receive is read from
 * that tenant's feed only. Documents carry `expires_ms` (their TTL): a connection not
 * renewed in time counts as gone.
 */
#ifndef CS_WS_H
#define CS_WS_H

#include <stdbool.h>
#include <stdint.h>

struct cs_doc;

#define CS_WS_CONNECTIONS_COLL "ws_connections"
#define CS_WS_TTL_MS (2 * 3600 * 1000LL) /* API Gateway's own limit on a connection */
#define CS_WS_PENDING_MS (60 * 1000LL)   /* to send {"action":"auth"} after connecting */
#define CS_WS_ID_MAX 128

/* An id as gateways make them: 1..127 of [A-Za-z0-9_=+/-]. */
bool cs_ws_connection_id_ok(const char *id);
/* True when the stored connection is well formed and not past its TTL at now_ms. */
bool cs_ws_connection_live(const struct cs_doc *d, int64_t now_ms);

#endif
