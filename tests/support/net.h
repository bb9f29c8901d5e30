/* Socket helpers shared by the loopback servers the tests start (fake_lambda_api.c,
 * fake_provider.c). */
#ifndef CS_TEST_NET_H
#define CS_TEST_NET_H

#include <stddef.h>

/* Sends all n bytes of p on fd, retrying short writes and EINTR, without SIGPIPE when
 * the peer has gone. 0 when everything was sent, -1 otherwise. */
int test_send_all(int fd, const char *p, size_t n);

#endif
