// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_vxlan.c - the vxlan block over loopback sockets.
 *
 * The block binds 127.0.0.1:P; three peers (127.0.0.2..4:P, plain UDP
 * sockets of the test) stand for the remote VTEPs. Expected bytes are
 * written by hand from RFC 7348 sec. 5 (flags 0x08, 3 reserved bytes,
 * the VNI in network byte order, 1 reserved byte).
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NPEER 3

static uint16_t test_port(void)
{
	return (uint16_t)(40000 + getpid() % 20000);
}

static const char *const kv3[] = {
	"vni", "1193046",	/* 0x123456 */
	"local", "127.0.0.1",
	"remote", "[\"127.0.0.2\", \"127.0.0.3\", \"127.0.0.4\"]",
	"port", NULL,		/* filled in */
	NULL
};

struct fix {
	struct tb *t;
	int peer[NPEER];
	uint16_t port;
};

static void fix_up(struct fix *f, const char *learning)
{
	char port[8];
	const char *kv[12];
	unsigned int i;

	f->port = test_port();
	snprintf(port, sizeof(port), "%u", f->port);
	memcpy(kv, kv3, sizeof(kv3));
	kv[7] = port;
	kv[8] = learning ? "learning" : NULL;
	kv[9] = learning;
	kv[10] = NULL;
	for (i = 0; i < NPEER; i++)
		f->peer[i] = udp_peer_open(2 + i, f->port);
	f->t = tb_new("vxlan", kv);
}

static void fix_down(struct fix *f)
{
	unsigned int i;

	tb_free(f->t);
	for (i = 0; i < NPEER; i++)
		close(f->peer[i]);
}

/* Send @frame from peer @i to the block, VXLAN header @hdr in front. */
static void peer_send(struct fix *f, unsigned int i, const uint8_t *hdr,
		      const uint8_t *frame, uint32_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(f->port) };
	uint8_t buf[1600];

	a.sin_addr.s_addr = htonl(0x7f000001u);
	memcpy(buf, hdr, 8);
	memcpy(buf + 8, frame, len);
	assert_int_equal(sendto(f->peer[i], buf, len + 8, 0,
				(struct sockaddr *)&a, sizeof(a)),
			 (ssize_t)(len + 8));
}

/* Run the block's recv op until it returns packets (up to 100 ms). */
static int recv_some(struct fix *f, struct lana_burst *v)
{
	int i, r = 0;

	for (i = 0; i < 100 && !r; i++) {
		burst_init(v);
		r = tb_recv(f->t, v);
		if (!r)
			usleep(1000);
	}
	return r;
}

static const uint8_t hdr_ok[8] = { 0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0 };

/* Broadcast: one datagram per remote, header bytes from RFC 7348. */
static void test_vxlan_encap_replicate(void **state)
{
	struct fix f;
	struct lana_burst v;
	uint8_t fr[64], want[80], got[1600];
	uint32_t len = mk_eth(fr, 40);
	unsigned int i;
	int rc;

	(void)state;
	fix_up(&f, NULL);
	memset(fr, 0xff, 6);	/* broadcast */
	memcpy(want, hdr_ok, 8);
	memcpy(want + 8, fr, len);
	burst_init(&v);
	burst_add(&v, fr, len);
	rc = tb_rx(f.t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], LANA_STOLEN);
	for (i = 0; i < NPEER; i++) {
		int n = udp_peer_read(f.peer[i], got, sizeof(got));

		assert_int_equal(n, (int)len + 8);
		assert_memory_equal(got, want, len + 8);
	}
	assert_int_equal(tb_stat(f.t, "tx"), NPEER);
	/* unknown unicast floods too */
	mk_eth(fr, 40);
	burst_init(&v);
	burst_add(&v, fr, len);
	tb_rx(f.t, &v);
	for (i = 0; i < NPEER; i++)
		assert_int_equal(udp_peer_read(f.peer[i], got, sizeof(got)),
				 (int)len + 8);
	fix_down(&f);
}

/* A datagram from peer 1 teaches its inner source MAC; unicast follows. */
static void test_vxlan_learn(void **state)
{
	struct fix f;
	struct lana_burst v;
	uint8_t fr[64], got[1600], back[64];
	uint32_t len = mk_eth(fr, 40);
	unsigned int i;

	(void)state;
	fix_up(&f, NULL);
	/* peer 1 (127.0.0.3) sends a frame from mac_src to mac_dst */
	peer_send(&f, 1, hdr_ok, fr, len);
	assert_int_equal(recv_some(&f, &v), 1);
	assert_frame(v.pkt[0], fr, len);	/* decapsulated */
	burst_free(&v, 0);
	assert_int_equal(tb_stat(f.t, "rx"), 1);
	assert_int_equal(tb_stat(f.t, "entries"), 1);
	/* a frame to mac_src now goes to peer 1 only */
	memcpy(back, mac_src, 6);
	memcpy(back + 6, mac_dst, 6);
	memcpy(back + 12, fr + 12, len - 12);
	burst_init(&v);
	burst_add(&v, back, len);
	tb_rx(f.t, &v);
	assert_int_equal(udp_peer_read(f.peer[1], got, sizeof(got)), (int)len + 8);
	assert_memory_equal(got + 8, back, len);
	for (i = 0; i < NPEER; i++)
		if (i != 1)
			assert_int_equal(udp_peer_read(f.peer[i], got, sizeof(got)),
					 -1);
	assert_int_equal(tb_stat(f.t, "tx"), 1);
	fix_down(&f);

	/* learning = false: the same frame floods to all three */
	fix_up(&f, "false");
	peer_send(&f, 1, hdr_ok, fr, len);
	assert_int_equal(recv_some(&f, &v), 1);
	burst_free(&v, 0);
	assert_int_equal(tb_stat(f.t, "entries"), 0);
	burst_init(&v);
	burst_add(&v, back, len);
	tb_rx(f.t, &v);
	for (i = 0; i < NPEER; i++)
		assert_int_equal(udp_peer_read(f.peer[i], got, sizeof(got)),
				 (int)len + 8);
	fix_down(&f);
}

/* Another VNI, or flags without I, or extra flags: dropped, counted. */
static void test_vxlan_bad_vni(void **state)
{
	static const uint8_t other[8] = { 0x08, 0, 0, 0, 0x56, 0x34, 0x12, 0 };
	static const uint8_t noi[8] = { 0x00, 0, 0, 0, 0x12, 0x34, 0x56, 0 };
	static const uint8_t extra[8] = { 0x88, 0, 0, 0, 0x12, 0x34, 0x56, 0 };
	struct fix f;
	struct lana_burst v;
	uint8_t fr[64];
	uint32_t len = mk_eth(fr, 40);
	int i;

	(void)state;
	fix_up(&f, NULL);
	peer_send(&f, 0, other, fr, len);
	peer_send(&f, 0, noi, fr, len);
	peer_send(&f, 0, extra, fr, len);
	peer_send(&f, 0, hdr_ok, fr, len);	/* the control */
	usleep(20000);
	for (i = 0; i < 100 && tb_stat(f.t, "rx") == 0; i++) {
		burst_init(&v);
		tb_recv(f.t, &v);
		burst_free(&v, 0);
	}
	assert_int_equal(tb_stat(f.t, "rx"), 1);
	assert_int_equal(tb_stat(f.t, "bad_vni"), 1);
	assert_int_equal(tb_stat(f.t, "bad_flags"), 2);
	assert_int_equal(tb_stat(f.t, "entries"), 1);	/* only the good one */
	fix_down(&f);
}

/* Drain @t's recv op until it returns nothing 5 times running; datagrams. */
static unsigned int drain(struct tb *t)
{
	struct lana_burst v;
	unsigned int got = 0, idle = 0;
	int r;

	while (idle < 5) {
		burst_init(&v);
		r = tb_recv(t, &v);
		burst_free(&v, 0);
		if (r > 0) {
			got += (unsigned int)r;
			idle = 0;
		} else {
			idle++;
			usleep(2000);
		}
	}
	return got;
}

/*
 * Two vxlan blocks, VNIs 0x123456 and 0x654321, on one local address and
 * port share one socket (runtime/udp.c lana_udp_open_keyed()): whichever
 * worker drains it, each block gets exactly the datagrams of its VNI;
 * one of a VNI neither has is counted once. Then 300 datagrams for the
 * second block drained by the first: its ring holds 256 (the documented
 * bound), the other 44 are counted as rx_qfull.
 */
static void test_vxlan_shared_demux(void **state)
{
	static const uint8_t hdr_b[8] = { 0x08, 0, 0, 0, 0x65, 0x43, 0x21, 0 };
	static const uint8_t hdr_x[8] = { 0x08, 0, 0, 0, 0x00, 0x00, 0x99, 0 };
	const char *kvb[] = { "vni", "6636321", "local", "127.0.0.1",
			      "port", NULL, NULL };
	char port[8];
	struct fix f;
	struct tb *tb2;
	uint8_t fr[64];
	uint32_t len = mk_eth(fr, 40);
	unsigned int i, k, ga, gb;

	(void)state;
	fix_up(&f, NULL);
	snprintf(port, sizeof(port), "%u", f.port);
	kvb[5] = port;
	tb2 = tb_new("vxlan", kvb);
	for (i = 0; i < 5; i++)
		peer_send(&f, 0, hdr_ok, fr, len);
	for (i = 0; i < 7; i++)
		peer_send(&f, 1, hdr_b, fr, len);
	peer_send(&f, 2, hdr_x, fr, len);
	usleep(20000);
	ga = drain(f.t);	/* A's worker drains the socket */
	gb = drain(tb2);	/* B's finds its 7 in its ring */
	assert_int_equal(ga, 5);
	assert_int_equal(tb_stat(f.t, "rx"), 5);
	assert_int_equal(gb, 7);
	assert_int_equal(tb_stat(tb2, "rx"), 7);
	assert_int_equal(tb_stat(f.t, "bad_vni") + tb_stat(tb2, "bad_vni"), 1);
	assert_int_equal(tb_stat(tb2, "rx_qfull"), 0);

	for (k = 0; k < 6; k++) {
		for (i = 0; i < 50; i++)
			peer_send(&f, 1, hdr_b, fr, len);
		usleep(20000);
		assert_int_equal(drain(f.t), 0);
	}
	assert_int_equal(drain(tb2), 256);
	assert_int_equal(tb_stat(tb2, "rx"), 7 + 256);
	assert_int_equal(tb_stat(tb2, "rx_qfull"), 300 - 256);
	assert_int_equal(tb_stat(f.t, "rx_qfull"), 0);
	tb_free(tb2);
	fix_down(&f);
}

/* No remote and nothing learned: dropped as no_remote. */
static void test_vxlan_no_remote(void **state)
{
	static const char *const kv[] = { "vni", "42", "local", "127.0.0.1",
					  "port", "4", NULL };
	struct lana_burst v;
	uint8_t fr[64];
	uint32_t len = mk_eth(fr, 40);
	struct tb *t;
	int rc;

	(void)state;
	t = tb_new("vxlan", kv);
	burst_init(&v);
	burst_add(&v, fr, len);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], LANA_DROP);
	assert_int_equal(tb_stat(t, "no_remote"), 1);
	burst_free(&v, rc);
	tb_free(t);
}

/* The check op: a bad address, a family mismatch, named by item. */
static void test_vxlan_check(void **state)
{
	const struct lana_block_type *bt = lana_catalogue_find("vxlan");
	struct lana_value p[8], items[2];
	unsigned int bp, bi;
	char msg[128];

	(void)state;
	memset(p, 0, sizeof(p));
	p[1] = (struct lana_value){ .type = LANA_PT_STRING,
				    .str = "10.0.0.1" };
	items[0] = (struct lana_value){ .type = LANA_PT_STRING,
					.str = "10.0.0.2" };
	items[1] = (struct lana_value){ .type = LANA_PT_STRING,
					.str = "10.0.0.300" };
	p[2].type = LANA_PT_LIST;
	p[2].list.elem = LANA_PT_STRING;
	p[2].list.n = 2;
	p[2].list.items = items;
	assert_int_equal(bt->check(p, &bp, &bi, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(bp, 2);
	assert_int_equal(bi, 1);
	items[1].str = "fd00::1";
	assert_int_equal(bt->check(p, &bp, &bi, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(bi, 1);
	assert_non_null(strstr(msg, "IPv6"));
	items[1].str = "10.0.0.3";
	assert_int_equal(bt->check(p, &bp, &bi, msg, sizeof(msg)), 0);
	p[1].str = "host.example";
	assert_int_equal(bt->check(p, &bp, &bi, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(bp, 1);
}

static const struct CMUnitTest vxlan_tests[] = {
	cmocka_unit_test(test_vxlan_encap_replicate),
	cmocka_unit_test(test_vxlan_learn),
	cmocka_unit_test(test_vxlan_bad_vni),
	cmocka_unit_test(test_vxlan_shared_demux),
	cmocka_unit_test(test_vxlan_no_remote),
	cmocka_unit_test(test_vxlan_check),
};

BLOCK_TESTS(vxlan, vxlan_tests);
