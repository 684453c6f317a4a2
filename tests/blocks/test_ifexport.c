// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_ifexport.c - ifexport (blocks/ifexport.c): frames of
 * dev wrapped in DATA messages and DATA messages unwrapped, byte for byte
 * as docs/flyif.md draws them (the expected bytes are written by hand
 * from the diagram, not by blocks/flyif.c); malformed messages dropped
 * and counted; the LINK message's layout; the interface state read over
 * rtnetlink against what /sys/class/net says of lo.
 */
#include "harness.h"
#include "blocks/flyif.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kv_lo[] = { "dev", "lo", NULL };

/* A frame at dev_in leaves at out behind "4c 46 01 01 LEN 00 00". */
static void test_ifexport_wrap(void **state)
{
	struct tb *t = tb_new("ifexport", kv_lo);
	uint8_t f[200], want[208];
	struct lana_burst v;
	uint32_t len = mk_eth(f, 46);	/* 60 bytes */
	int rc;

	(void)state;
	memcpy(want, (const uint8_t[]){ 0x4c, 0x46, 0x01, 0x01, 0x00, 0x3c,
					0x00, 0x00 }, 8);
	memcpy(want + 8, f, len);
	burst_init(&v);
	v.in_port = 1;			/* dev_in */
	burst_add(&v, f, len);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 0);	/* out */
	assert_frame(v.pkt[0], want, len + 8);
	assert_int_equal(tb_stat(t, "data_out"), 1);
	assert_int_equal(tb_stat(t, "malformed"), 0);
	burst_free(&v, rc);
	tb_free(t);
}

/* A DATA message at in leaves at dev_out as the frame it holds. */
static void test_ifexport_unwrap(void **state)
{
	struct tb *t = tb_new("ifexport", kv_lo);
	uint8_t f[200], msg[208];
	struct lana_burst v;
	uint32_t len = mk_eth(f, 100);	/* 114 = 0x72 bytes */
	int rc;

	(void)state;
	memcpy(msg, (const uint8_t[]){ 0x4c, 0x46, 0x01, 0x01, 0x00, 0x72,
				       0xab, 0xcd }, 8);	/* reserved: ignored */
	memcpy(msg + 8, f, len);
	burst_init(&v);
	v.in_port = 0;
	burst_add(&v, msg, len + 8);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 1);	/* dev_out */
	assert_frame(v.pkt[0], f, len);
	assert_int_equal(tb_stat(t, "data_in"), 1);
	burst_free(&v, rc);
	tb_free(t);
}

/*
 * Malformed messages at in are dropped and each counted: every rule of
 * docs/flyif.md "Receiving" broken once, and a LINK message, which only
 * the importer takes.
 */
static void test_ifexport_malformed(void **state)
{
	struct tb *t = tb_new("ifexport", kv_lo);
	static const struct {
		uint8_t h[8];
		uint32_t plen;	/* payload bytes after the header */
		uint32_t cut;	/* total length, when shorter than 8 + plen */
	} bad[] = {
		{ { 0x4c, 0x46, 0x01, 0x01, 0x00, 0x3c }, 60, 7 },  /* short */
		{ { 0x46, 0x4c, 0x01, 0x01, 0x00, 0x3c }, 60, 0 },  /* magic */
		{ { 0x4c, 0x46, 0x02, 0x01, 0x00, 0x3c }, 60, 0 },  /* version */
		{ { 0x4c, 0x46, 0x01, 0x03, 0x00, 0x3c }, 60, 0 },  /* type */
		{ { 0x4c, 0x46, 0x01, 0x00, 0x00, 0x3c }, 60, 0 },  /* type 0 */
		{ { 0x4c, 0x46, 0x01, 0x01, 0x00, 0x3d }, 60, 0 },  /* len + 1 */
		{ { 0x4c, 0x46, 0x01, 0x01, 0x00, 0x3b }, 60, 0 },  /* len - 1 */
		{ { 0x4c, 0x46, 0x01, 0x01, 0x00, 0x0d }, 13, 0 },  /* < MAC hdr */
		{ { 0x4c, 0x46, 0x01, 0x02, 0x00, 0x38 }, 56, 0 },  /* LINK */
	};
	const unsigned int n = sizeof(bad) / sizeof(bad[0]);
	uint8_t msg[8 + 64];
	struct lana_burst v;
	unsigned int i;
	int rc;

	(void)state;
	burst_init(&v);
	v.in_port = 0;
	for (i = 0; i < n; i++) {
		memcpy(msg, bad[i].h, 8);
		memset(msg + 8, 0x5a, sizeof(msg) - 8);
		burst_add(&v, msg, bad[i].cut ? bad[i].cut : 8 + bad[i].plen);
	}
	/* and one good message among them */
	memcpy(msg, (const uint8_t[]){ 0x4c, 0x46, 0x01, 0x01, 0x00, 0x0e,
				       0x00, 0x00 }, 8);
	burst_add(&v, msg, 8 + 14);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < n; i++)
		assert_int_equal(v.verdict[i], LANA_DROP);
	assert_int_equal(v.verdict[n], 1);
	assert_int_equal(lana_pkt_len(v.pkt[n]), 14);
	assert_int_equal(tb_stat(t, "malformed"), n);
	assert_int_equal(tb_stat(t, "data_in"), 1);
	burst_free(&v, rc);
	tb_free(t);
}

/* The LINK message of docs/flyif.md, written out by hand. */
static void test_ifexport_link_layout(void **state)
{
	const struct flyif_link l = {
		.flags = FLYIF_F_UP | FLYIF_F_CARRIER | FLYIF_F_RUNNING,
		.mtu = 1400,
		.mac = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 },
		.interval_ms = 200,
		.seq = 0x01020304,
		.rx_packets = 5,
		.rx_bytes = 0x0102030405060708ull,
		.tx_packets = 0x100000000ull,
		.tx_bytes = 1500,
	};
	static const uint8_t want[64] = {
		0x4c, 0x46, 0x01, 0x02, 0x00, 0x38, 0x00, 0x00,	/* header */
		0x00, 0x00, 0x00, 0x07,				/* flags */
		0x00, 0x00, 0x05, 0x78,				/* mtu 1400 */
		0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 0x00, 0x00,	/* mac */
		0x00, 0x00, 0x00, 0xc8,				/* 200 ms */
		0x01, 0x02, 0x03, 0x04,				/* seq */
		0, 0, 0, 0, 0, 0, 0, 5,				/* rx_packets */
		1, 2, 3, 4, 5, 6, 7, 8,				/* rx_bytes */
		0, 0, 0, 1, 0, 0, 0, 0,				/* tx_packets */
		0, 0, 0, 0, 0, 0, 0x05, 0xdc,			/* tx_bytes */
	};
	uint8_t got[64];
	struct flyif_link back;
	uint32_t plen = 0;

	(void)state;
	memset(got, 0xee, sizeof(got));
	flyif_link_msg(got, &l);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(flyif_parse(want, sizeof(want), &plen), FLYIF_T_LINK);
	assert_int_equal(plen, 56);
	assert_int_equal(flyif_link_read(want + 8, &back), 0);
	assert_int_equal(back.flags, 7);
	assert_int_equal(back.mtu, 1400);
	assert_memory_equal(back.mac, l.mac, 6);
	assert_int_equal(back.interval_ms, 200);
	assert_int_equal(back.seq, 0x01020304);
	assert_true(back.rx_bytes == 0x0102030405060708ull);
	assert_true(back.tx_packets == 0x100000000ull);
	assert_int_equal(back.tx_bytes, 1500);
}

/* Read /sys/class/net/lo/NAME as a number (base 0: "0x9" is hex). */
static unsigned long sys_lo(const char *name)
{
	char path[64], buf[64];
	unsigned long v;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/lo/%s", name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	v = strtoul(buf, NULL, 0);
	return v;
}

/*
 * The state the block reads (rtnetlink) against sysfs: lo's MTU, its
 * all-zero MAC address, its IFF_UP flag; an unknown interface is refused
 * at init.
 */
static void test_ifexport_query(void **state)
{
	static const char *const kv_none[] = { "dev", "lana-nx9", NULL };
	static const uint8_t zero[6];
	struct flyif_link l;
	struct tb *t;

	(void)state;
	memset(&l, 0xff, sizeof(l));
	assert_int_equal(flyif_nl_query("lo", &l), 0);
	assert_int_equal(l.mtu, sys_lo("mtu"));
	assert_memory_equal(l.mac, zero, 6);
	assert_int_equal(!!(l.flags & FLYIF_F_UP), sys_lo("flags") & 1);
	assert_int_equal(!!(l.flags & FLYIF_F_CARRIER),
			 (sys_lo("flags") & 1) && sys_lo("carrier"));
	assert_int_equal(flyif_nl_query("lana-nx9", &l), -ENODEV);
	assert_int_equal(tb_try("ifexport", kv_none, &t), -ENODEV);
	assert_non_null(strstr(t->err, "lana-nx9"));
	tb_free(t);
}

static const struct CMUnitTest ifexport_tests[] = {
	cmocka_unit_test(test_ifexport_wrap),
	cmocka_unit_test(test_ifexport_unwrap),
	cmocka_unit_test(test_ifexport_malformed),
	cmocka_unit_test(test_ifexport_link_layout),
	cmocka_unit_test(test_ifexport_query),
};

BLOCK_TESTS(ifexport, ifexport_tests);
