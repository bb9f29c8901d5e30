/* RFC 6455 framing for the local WebSocket gateway (runtime/ws.c).
 *
 * Written here rather than taken from libwebsockets (Debian's libwebsockets-dev 4.1):
 * that library owns the event loop and the HTTP server, builds against OpenSSL and
 * would be linked into every function binary (the runtime is one library), costing
 * every cold start, while the gateway needs only the server side of the framing: parse
 * masked client frames, write unmasked server frames, compute Sec-WebSocket-Accept.
 * SHA-1 comes from Debian's nettle and base64 from libsodium; the parser is fuzzed
 * (tests/fuzz/ws_frame_fuzz.c).
 */
#ifndef CS_WS_FRAME_H
#define CS_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cs_ws_opcode {
    CS_WS_CONT = 0x0,
    CS_WS_TEXT = 0x1,
    CS_WS_BINARY = 0x2,
    CS_WS_CLOSE = 0x8,
    CS_WS_PING = 0x9,
    CS_WS_PONG = 0xA,
};

/* Why a frame was refused; the close code to send is given beside each. */
enum cs_ws_status {
    CS_WS_NEED_MORE = 0,  /* not a whole frame yet */
    CS_WS_BAD_FRAME = -1, /* 1002: reserved bits, unknown opcode, unmasked, bad control */
    CS_WS_TOO_BIG = -2,   /* 1009: payload beyond the caller's limit */
};

struct cs_ws_frame {
    bool fin;
    enum cs_ws_opcode opcode;
    unsigned char *payload; /* points into the caller's buffer, unmasked in place */
    size_t len;
};

/* Parses the client frame at buf[0..n): > 0 is the number of bytes it takes (the frame
 * is in *f, its payload unmasked in place), else a cs_ws_status. Client frames must be
 * masked (RFC 6455 5.1); control frames must be final and at most 125 bytes. */
long cs_ws_parse(unsigned char *buf, size_t n, size_t max_payload, struct cs_ws_frame *f);

#define CS_WS_HEADER_MAX 10
/* Writes the header of an unmasked server frame (final) carrying `len` bytes; returns
 * its size. */
size_t cs_ws_header(unsigned char out[CS_WS_HEADER_MAX], enum cs_ws_opcode op, size_t len);

#define CS_WS_ACCEPT_LEN 28
/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
 * False when the key is not 16 bytes in base64 (RFC 6455 4.1). out gets 29 bytes. */
bool cs_ws_accept_key(const char *key, char out[CS_WS_ACCEPT_LEN + 1]);

#endif
