/* RFC 6455 framing of the local WebSocket gateway (runtime/ws_frame.c) against the
 * RFC's own examples (sections 1.3 and 5.7), plus what a server must refuse. */
#include <string.h>

#include "../../support/test.h"
#include "ws_frame.h"

static void test_accept_key(void)
{
    char out[CS_WS_ACCEPT_LEN + 1];
    CHECK(cs_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out));
    CHECK_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); /* RFC 6455 section 1.3 */
    CHECK(!cs_ws_accept_key("c2hvcnQ=", out));      /* not 16 bytes */
    CHECK(!cs_ws_accept_key("not base64 at all!!!!!!!", out));
    CHECK(!cs_ws_accept_key(NULL, out));
}

static void test_masked_hello(void)
{
    /* Section 5.7: a masked "Hello". */
    unsigned char f[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    struct cs_ws_frame fr;
    for (size_t n = 0; n < sizeof(f); n++) CHECK_INT(cs_ws_parse(f, n, 100, &fr), CS_WS_NEED_MORE);
    CHECK_INT(cs_ws_parse(f, sizeof(f), 100, &fr), sizeof(f));
    CHECK(fr.fin);
    CHECK_INT(fr.opcode, CS_WS_TEXT);
    CHECK_INT(fr.len, 5);
    CHECK(memcmp(fr.payload, "Hello", 5) == 0);
}

static void test_refusals(void)
{
    struct cs_ws_frame fr;
    unsigned char unmasked[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'}; /* 5.7's server frame */
    CHECK_INT(cs_ws_parse(unmasked, sizeof(unmasked), 100, &fr), CS_WS_BAD_FRAME);
    unsigned char rsv[] = {0xc1, 0x80, 0, 0, 0, 0};
    CHECK_INT(cs_ws_parse(rsv, sizeof(rsv), 100, &fr), CS_WS_BAD_FRAME);
    unsigned char op3[] = {0x83, 0x80, 0, 0, 0, 0};
    CHECK_INT(cs_ws_parse(op3, sizeof(op3), 100, &fr), CS_WS_BAD_FRAME);
    unsigned char frag_ping[] = {0x09, 0x80, 0, 0, 0, 0};
    CHECK_INT(cs_ws_parse(frag_ping, sizeof(frag_ping), 100, &fr), CS_WS_BAD_FRAME);
    unsigned char long_ping[] = {0x89, 0xfe, 0x00, 0x7e};
    CHECK_INT(cs_ws_parse(long_ping, sizeof(long_ping), 1000, &fr), CS_WS_BAD_FRAME);
    unsigned char big[] = {0x81, 0xff, 0, 0, 0, 0, 0, 1, 0, 0};
    CHECK_INT(cs_ws_parse(big, sizeof(big), 4096, &fr), CS_WS_TOO_BIG);
    unsigned char nonminimal[] = {0x81, 0xfe, 0x00, 0x05};
    CHECK_INT(cs_ws_parse(nonminimal, sizeof(nonminimal), 4096, &fr), CS_WS_BAD_FRAME);
}

static void test_headers(void)
{
    unsigned char h[CS_WS_HEADER_MAX];
    CHECK_INT(cs_ws_header(h, CS_WS_TEXT, 5), 2);
    CHECK_INT(h[0], 0x81);
    CHECK_INT(h[1], 5);
    CHECK_INT(cs_ws_header(h, CS_WS_TEXT, 256), 4); /* section 5.7: 256 bytes */
    CHECK(h[1] == 126 && h[2] == 0x01 && h[3] == 0x00);
    CHECK_INT(cs_ws_header(h, CS_WS_BINARY, 65536), 10);
    CHECK(h[0] == 0x82 && h[1] == 127 && h[7] == 0x01 && h[8] == 0 && h[9] == 0);
}

int main(void)
{
    TEST_RUN(test_accept_key);
    TEST_RUN(test_masked_hello);
    TEST_RUN(test_refusals);
    TEST_RUN(test_headers);
    return test_done();
}
