/* Fuzzes the API Gateway event translation (runtime/event.c): any bytes through
 * cs_event_to_req, and for accepted events a response built from the request's own
 * headers (so repeated and odd names reach the comma-joining and multiValueHeaders code)
 * through cs_event_from_resp in the event's version. One arena, reset per input, as the
 * Lambda loop does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/http.h"
#include "runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_arena *arena;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena) arena = cs_arena_new(16 * 1024 * 1024);
    if (!arena) abort();
    struct cs_req req;
    memset(&req, 0, sizeof(req));
    int version = 0;
    if (cs_event_to_req(arena, (const char *)data, size, &req, &version) == 0) {
        /* What the transport promises the core. */
        if (!req.method || !req.path || req.path[0] != '/' || !req.query) abort();
        if (version != 1 && version != 2) abort();
        if (req.nheaders > CS_RT_MAX_HEADERS) abort();
        for (size_t i = 0; i < req.nheaders; i++) {
            const char *n = req.headers[i].name;
            if (!n || !req.headers[i].value) abort();
            for (; *n; n++)
                if (*n >= 'A' && *n <= 'Z') abort(); /* names are folded */
        }
        volatile unsigned char sink = 0;
        for (size_t i = 0; i < req.body_len; i++) sink ^= (unsigned char)req.body[i];
        (void)sink;

        struct cs_resp resp;
        memset(&resp, 0, sizeof(resp));
        resp.status = 200 + (int)(size % 400);
        resp.content_type = "application/json";
        resp.body = req.body;
        resp.body_len = req.body_len;
        for (size_t i = 0; i < req.nheaders && resp.nheaders < CS_MAX_RESP_HEADERS; i++)
            (void)cs_resp_header(&resp, req.headers[i].name, req.headers[i].value);
        (void)cs_resp_header(&resp, "x-request-id", "fuzz");
        const char *out = NULL;
        size_t len = 0;
        if (cs_event_from_resp(arena, &resp, version, &out, &len) == 0 &&
            (!out || strlen(out) != len))
            abort();
    }
    cs_arena_reset(arena);
    return 0;
}
