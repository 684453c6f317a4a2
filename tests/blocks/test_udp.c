// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_udp.c - the udp block over loopback sockets: one
 * datagram per frame both ways, the server side answering the last
 * sender, a given remote with its own port.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint16_t base_port(void)
{
	return (uint16_t)(20000 + getpid() % 15000);
}

static void send_to_block(int fd, uint16_t port, const void *d, size_t n)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(0x7f000001u);
	assert_int_equal(sendto(fd, d, n, 0, (struct sockaddr *)&a, sizeof(a)),
			 (ssize_t)n);
}

static int recv_some(struct tb *t, struct lana_burst *v)
{
	int i, r = 0;

	for (i = 0; i < 100 && !r; i++) {
		burst_init(v);
		r = tb_recv(t, v);
		if (!r)
			usleep(1000);
	}
	return r;
}

/* No remote: nothing to answer yet, then always the last sender. */
static void test_udp_server(void **state)
{
	uint16_t p = base_port();
	char port[8];
	const char *kv[] = { "local", "127.0.0.1", "port", port, NULL };
	static const uint8_t hello[] = "hello", one[] = "one", two[] = "two";
	int c1 = udp_peer_open(2, (uint16_t)(p + 1)), c2 = udp_peer_open(3, (uint16_t)(p + 2));
	struct lana_burst v;
	uint8_t buf[64];
	struct tb *t;
	int rc;

	(void)state;
	snprintf(port, sizeof(port), "%u", p);
	t = tb_new("udp", kv);
	burst_init(&v);
	burst_add(&v, hello, sizeof(hello));
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], LANA_DROP);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "no_peer"), 1);

	send_to_block(c1, p, one, sizeof(one));
	assert_int_equal(recv_some(t, &v), 1);
	assert_frame(v.pkt[0], one, sizeof(one));	/* one datagram, as is */
	burst_free(&v, 0);
	burst_init(&v);
	burst_add(&v, hello, sizeof(hello));
	tb_rx(t, &v);
	assert_int_equal(udp_peer_read(c1, buf, sizeof(buf)), (int)sizeof(hello));
	assert_memory_equal(buf, hello, sizeof(hello));

	send_to_block(c2, p, two, sizeof(two));
	assert_int_equal(recv_some(t, &v), 1);
	burst_free(&v, 0);
	burst_init(&v);
	burst_add(&v, hello, sizeof(hello));
	tb_rx(t, &v);
	assert_int_equal(udp_peer_read(c2, buf, sizeof(buf)), (int)sizeof(hello));
	assert_int_equal(udp_peer_read(c1, buf, sizeof(buf)), -1);
	assert_int_equal(tb_stat(t, "tx"), 2);
	assert_int_equal(tb_stat(t, "rx"), 2);
	tb_free(t);
	close(c1);
	close(c2);
}

/* remote "ADDR:PORT": sent there, from the local port. */
static void test_udp_remote(void **state)
{
	uint16_t p = base_port();
	char port[8], remote[32];
	const char *kv[] = { "local", "127.0.0.1", "port", port,
			     "remote", remote, NULL };
	static const uint8_t hi[] = "hi";
	int peer = udp_peer_open(4, (uint16_t)(p + 3));
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	struct lana_burst v;
	uint8_t buf[64];
	struct tb *t;
	int i;
	ssize_t r = -1;

	(void)state;
	snprintf(port, sizeof(port), "%u", p);
	snprintf(remote, sizeof(remote), "127.0.0.4:%u", p + 3);
	t = tb_new("udp", kv);
	burst_init(&v);
	burst_add(&v, hi, sizeof(hi));
	tb_rx(t, &v);
	for (i = 0; i < 100 && r < 0; i++) {
		r = recvfrom(peer, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &fl);
		if (r < 0)
			usleep(1000);
	}
	assert_int_equal(r, (ssize_t)sizeof(hi));
	assert_int_equal(ntohs(from.sin_port), p);
	tb_free(t);
	close(peer);
}

static const struct CMUnitTest udp_tests[] = {
	cmocka_unit_test(test_udp_server),
	cmocka_unit_test(test_udp_remote),
};

BLOCK_TESTS(udp, udp_tests);
