// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_ether.c - ether (blocks/ether.c): src and dst written
 * byte-exact (expected frames written out by hand), each alone, neither,
 * live SETs and a refused one (a group address as src), runt frames, and
 * a partial (checksum offload + GSO) frame passing intact.
 */
#include "harness.h"

#include <string.h>

/* 00:11:22:33:44:55 <- 66:77:88:99:aa:bb, IPv4, six payload bytes */
static const uint8_t frame_in[20] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0x08, 0x00,
	0xde, 0xad, 0xbe, 0xef, 0x01, 0x02,
};

static void test_ether_both(void **state)
{
	static const char *const kv[] = { "src", "02:00:00:00:00:01",
					  "dst", "0a:0b:0c:0d:0e:0f", NULL };
	/* dst first (bytes 0..5), then src (6..11), rest untouched */
	static const uint8_t want[20] = {
		0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x08, 0x00,
		0xde, 0xad, 0xbe, 0xef, 0x01, 0x02,
	};
	/* 14 bytes: the smallest frame with a whole MAC header */
	static const uint8_t want14[14] = {
		0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x08, 0x00,
	};
	struct tb *t = tb_new("ether", kv);
	struct lana_burst v;
	int rc;

	(void)state;
	burst_init(&v);
	burst_add(&v, frame_in, sizeof(frame_in));
	burst_add(&v, frame_in, 13);		/* runt: no whole EtherType */
	burst_add(&v, frame_in, 14);
	burst_add(&v, frame_in, 0);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 0);
	assert_int_equal(v.verdict[1], LANA_DROP);
	assert_int_equal(v.verdict[2], 0);
	assert_int_equal(v.verdict[3], LANA_DROP);
	assert_frame(v.pkt[0], want, sizeof(want));
	assert_frame(v.pkt[2], want14, sizeof(want14));
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "rewritten"), 2);
	assert_int_equal(tb_stat(t, "dropped"), 2);
	tb_free(t);
}

static void test_ether_one(void **state)
{
	static const char *const src_only[] = { "src", "02:aa:bb:cc:dd:ee",
						NULL };
	static const char *const dst_only[] = { "dst", "ff:ff:ff:ff:ff:ff",
						NULL };
	static const uint8_t want_src[20] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
		0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
		0x08, 0x00,
		0xde, 0xad, 0xbe, 0xef, 0x01, 0x02,
	};
	static const uint8_t want_dst[20] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		0x08, 0x00,
		0xde, 0xad, 0xbe, 0xef, 0x01, 0x02,
	};
	struct tb *ts = tb_new("ether", src_only);
	struct tb *td = tb_new("ether", dst_only);
	struct lana_burst v;
	int rc;

	(void)state;
	burst_init(&v);
	burst_add(&v, frame_in, sizeof(frame_in));
	rc = tb_rx(ts, &v);
	assert_true(rc == 0 || (rc == LANA_RX_VERDICTS && !v.verdict[0]));
	assert_frame(v.pkt[0], want_src, sizeof(want_src));
	burst_free(&v, rc);

	burst_init(&v);
	burst_add(&v, frame_in, sizeof(frame_in));
	rc = tb_rx(td, &v);
	assert_true(rc == 0 || (rc == LANA_RX_VERDICTS && !v.verdict[0]));
	assert_frame(v.pkt[0], want_dst, sizeof(want_dst));
	burst_free(&v, rc);
	assert_int_equal(tb_stat(ts, "rewritten"), 1);
	assert_int_equal(tb_stat(td, "rewritten"), 1);
	assert_int_equal(tb_stat(td, "dropped"), 0);
	tb_free(ts);
	tb_free(td);
}

/* neither address: frames pass unchanged; then SETs take effect */
static void test_ether_live(void **state)
{
	static const uint8_t want_src[20] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x07,
		0x08, 0x00,
		0xde, 0xad, 0xbe, 0xef, 0x01, 0x02,
	};
	static const uint8_t want_both[20] = {
		0x33, 0x33, 0x00, 0x00, 0x00, 0x01,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x08,
		0x08, 0x00,
		0xde, 0xad, 0xbe, 0xef, 0x01, 0x02,
	};
	struct tb *t = tb_new("ether", NULL);
	struct lana_burst v;
	int rc;

	(void)state;
	burst_init(&v);
	burst_add(&v, frame_in, sizeof(frame_in));
	burst_add(&v, frame_in, 10);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 0);
	assert_int_equal(v.verdict[1], LANA_DROP);
	assert_frame(v.pkt[0], frame_in, sizeof(frame_in));
	burst_free(&v, rc);

	/* live SET of src */
	assert_int_equal(tb_set(t, "src", "02:00:00:00:00:07"), 0);
	burst_init(&v);
	burst_add(&v, frame_in, sizeof(frame_in));
	rc = tb_rx(t, &v);
	assert_true(rc == 0 || (rc == LANA_RX_VERDICTS && !v.verdict[0]));
	assert_frame(v.pkt[0], want_src, sizeof(want_src));
	burst_free(&v, rc);

	/* a group address as src is refused, and changes nothing */
	assert_int_not_equal(tb_set(t, "src", "01:00:5e:00:00:01"), 0);
	assert_non_null(strstr(t->err, "src 01:00:5e:00:00:01 is a group"));
	burst_init(&v);
	burst_add(&v, frame_in, sizeof(frame_in));
	rc = tb_rx(t, &v);
	assert_frame(v.pkt[0], want_src, sizeof(want_src));
	burst_free(&v, rc);

	/* dst may be a group address (IPv6 all-nodes 33:33:00:00:00:01) */
	assert_int_equal(tb_set(t, "dst", "33:33:00:00:00:01"), 0);
	assert_int_equal(tb_set(t, "src", "02:00:00:00:00:08"), 0);
	burst_init(&v);
	burst_add(&v, frame_in, sizeof(frame_in));
	rc = tb_rx(t, &v);
	assert_frame(v.pkt[0], want_both, sizeof(want_both));
	burst_free(&v, rc);

	assert_int_equal(tb_stat(t, "rewritten"), 4);
	assert_int_equal(tb_stat(t, "dropped"), 1);
	tb_free(t);
}

/* a group address as src at init fails too */
static void test_ether_bad_src(void **state)
{
	static const char *const kv[] = { "src", "ff:ff:ff:ff:ff:ff", NULL };
	struct tb *t;

	(void)state;
	assert_int_not_equal(tb_try("ether", kv, &t), 0);
	assert_non_null(strstr(t->err, "individual"));
	tb_free(t);
}

/*
 * A TCP frame whose checksum is left to offload and that is a GSO
 * super-frame passes with its metadata untouched (no LANA_BT_FINAL).
 */
static void test_ether_partial(void **state)
{
	static const char *const kv[] = { "src", "02:00:00:00:00:01", NULL };
	struct tb *t = tb_new("ether", kv);
	struct lana_burst v;
	uint8_t f[128], want[128];
	uint32_t len = mk_eth(f, 100);
	int rc;

	(void)state;
	assert_false(t->b.type->flags & LANA_BT_FINAL);
	memcpy(want, f, len);
	memcpy(want + 6, (const uint8_t[]){ 0x02, 0, 0, 0, 0, 0x01 }, 6);
	burst_init(&v);
	burst_add(&v, f, len);
	v.pkt[0]->off.flags = LANA_PKT_F_NEEDS_CSUM;
	v.pkt[0]->off.gso_type = LANA_GSO_TCPV4;
	v.pkt[0]->off.gso_size = 1448;
	v.pkt[0]->off.hdr_len = 54;
	v.pkt[0]->off.csum_start = 34;
	v.pkt[0]->off.csum_offset = 16;
	rc = tb_rx(t, &v);
	assert_true(rc == 0 || (rc == LANA_RX_VERDICTS && !v.verdict[0]));
	assert_true(lana_pkt_partial(v.pkt[0]));
	assert_int_equal(v.pkt[0]->off.csum_start, 34);
	assert_int_equal(v.pkt[0]->off.csum_offset, 16);
	assert_int_equal(v.pkt[0]->off.hdr_len, 54);
	assert_int_equal(v.pkt[0]->off.gso_size, 1448);
	assert_frame(v.pkt[0], want, len);
	burst_free(&v, rc);
	tb_free(t);
}

static const struct CMUnitTest ether_tests[] = {
	cmocka_unit_test(test_ether_both),
	cmocka_unit_test(test_ether_one),
	cmocka_unit_test(test_ether_live),
	cmocka_unit_test(test_ether_bad_src),
	cmocka_unit_test(test_ether_partial),
};

BLOCK_TESTS(ether, ether_tests);
