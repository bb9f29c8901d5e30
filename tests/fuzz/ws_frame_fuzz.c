/* Fuzzes the WebSocket frame parser of the local gateway (runtime/ws_frame.c): client
 * bytes as they arrive, parsed frame after frame as the gateway does, with its
 * promises checked: a frame lies inside the input, a control frame is final and at most
 * 125 bytes, a payload never passes the limit, and unmasking twice gives the input
 * back. Also the handshake key. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *buf = malloc(size ? size : 1), *orig = malloc(size ? size : 1);
    if (!buf || !orig) abort();
    memcpy(buf, data, size);
    memcpy(orig, data, size);
    size_t at = 0, max = 4096;
    while (at < size) {
        struct cs_ws_frame f;
        long used = cs_ws_parse(buf + at, size - at, max, &f);
        if (used <= 0) break;
        if ((size_t)used > size - at) abort();
        if (f.payload < buf + at || f.payload + f.len > buf + at + used) abort();
        if (f.len > max) abort();
        if (f.opcode >= CS_WS_CLOSE && (!f.fin || f.len > 125)) abort();
        /* Unmasking is its own inverse: masking again gives the bytes that came in. */
        const unsigned char *mask = f.payload - 4;
        for (size_t i = 0; i < f.len; i++)
            if ((unsigned char)(f.payload[i] ^ mask[i & 3]) != orig[(size_t)(f.payload - buf) + i])
                abort();
        unsigned char h[CS_WS_HEADER_MAX];
        size_t hl = cs_ws_header(h, f.opcode, f.len);
        if (hl < 2 || hl > CS_WS_HEADER_MAX) abort();
        at += (size_t)used;
    }
    char key[64], out[CS_WS_ACCEPT_LEN + 1];
    size_t kn = size < sizeof(key) - 1 ? size : sizeof(key) - 1;
    memcpy(key, data, kn);
    key[kn] = '\0';
    if (cs_ws_accept_key(key, out) && strlen(out) != CS_WS_ACCEPT_LEN) abort();
    free(buf);
    free(orig);
    return 0;
}
