/* RFC 6455 framing: see ws_frame.h for why it is written here. */
#include "ws_frame.h"

#include <nettle/sha1.h>
#include <sodium.h>
#include <string.h>

#define GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

long cs_ws_parse(unsigned char *buf, size_t n, size_t max_payload, struct cs_ws_frame *f)
{
    if (n < 2) return CS_WS_NEED_MORE;
    unsigned op = buf[0] & 0x0f;
    bool fin = buf[0] & 0x80, masked = buf[1] & 0x80;
    if (buf[0] & 0x70) return CS_WS_BAD_FRAME; /* no extension was negotiated */
    if (!(op <= CS_WS_BINARY || (op >= CS_WS_CLOSE && op <= CS_WS_PONG))) return CS_WS_BAD_FRAME;
    if (!masked) return CS_WS_BAD_FRAME;
    uint64_t len = buf[1] & 0x7f;
    size_t at = 2;
    if (len == 126) {
        if (n < 4) return CS_WS_NEED_MORE;
        len = (uint64_t)buf[2] << 8 | buf[3];
        if (len < 126) return CS_WS_BAD_FRAME; /* not the minimal encoding */
        at = 4;
    } else if (len == 127) {
        if (n < 10) return CS_WS_NEED_MORE;
        len = 0;
        for (int i = 0; i < 8; i++) len = len << 8 | buf[2 + i];
        if (len >> 63 || len < 65536) return CS_WS_BAD_FRAME;
        at = 10;
    }
    if (op >= CS_WS_CLOSE && (!fin || len > 125)) return CS_WS_BAD_FRAME;
    if (len > max_payload) return CS_WS_TOO_BIG;
    if (n - at < 4 || n - at - 4 < len) return CS_WS_NEED_MORE;
    const unsigned char *mask = buf + at;
    unsigned char *p = buf + at + 4;
    for (size_t i = 0; i < len; i++) p[i] ^= mask[i & 3];
    *f = (struct cs_ws_frame){
        .fin = fin, .opcode = (enum cs_ws_opcode)op, .payload = p, .len = (size_t)len};
    return (long)(at + 4 + len);
}

size_t cs_ws_header(unsigned char out[CS_WS_HEADER_MAX], enum cs_ws_opcode op, size_t len)
{
    out[0] = (unsigned char)(0x80 | op);
    if (len < 126) {
        out[1] = (unsigned char)len;
        return 2;
    }
    if (len <= 0xffff) {
        out[1] = 126;
        out[2] = (unsigned char)(len >> 8);
        out[3] = (unsigned char)len;
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; i++) out[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

bool cs_ws_accept_key(const char *key, char out[CS_WS_ACCEPT_LEN + 1])
{
    unsigned char raw[32];
    size_t n = 0, klen = key ? strlen(key) : 0;
    if (klen != 24 ||
        sodium_base642bin(raw, sizeof(raw), key, klen, NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n != 16)
        return false;
    struct sha1_ctx ctx;
    unsigned char digest[SHA1_DIGEST_SIZE];
    sha1_init(&ctx);
    sha1_update(&ctx, klen, (const uint8_t *)key);
    sha1_update(&ctx, sizeof(GUID) - 1, (const uint8_t *)GUID);
    sha1_digest(&ctx, sizeof(digest), digest);
    sodium_bin2base64(out, CS_WS_ACCEPT_LEN + 1, digest, sizeof(digest),
                      sodium_base64_VARIANT_ORIGINAL);
    return true;
}
