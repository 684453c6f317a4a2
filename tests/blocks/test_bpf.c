// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_bpf.c - bpf (blocks/bpf.c): "tcp port 80" on hand-built
 * TCP/UDP frames, live filter change, invalid programs (a jump past the
 * end, an opcode libpcap does not implement).
 */
#include "harness.h"

#include <string.h>

static void test_bpf(void **state)
{
	static const char *const kv[] = { "filter", "tcp port 80", NULL };
	struct tb *t = tb_new("bpf", kv);
	struct lana_burst v;
	uint8_t f[6][128];
	uint32_t len[6];
	static const uint8_t want_tcp80[6] = { 0, 0, 1, 1, 1, 1 };
	static const uint8_t want_udp80[6] = { 1, 1, 1, 0, 0, 1 };
	unsigned int i;
	int rc;

	len[0] = mk_ip4(f[0], 6, 40000, 80);	/* TCP to 80 */
	len[1] = mk_ip4(f[1], 6, 80, 40000);	/* TCP from 80 */
	len[2] = mk_ip4(f[2], 6, 40000, 443);	/* TCP to 443 */
	len[3] = mk_ip4(f[3], 17, 40000, 80);	/* UDP to 80 */
	len[4] = mk_ip4(f[4], 17, 80, 53);	/* UDP from 80 */
	len[5] = mk_eth(f[5], 46);		/* not even IP */
	f[5][12] = 0x86;			/* ARP */
	f[5][13] = 0x06;

	burst_init(&v);
	for (i = 0; i < 6; i++)
		burst_add(&v, f[i], len[i]);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < 6; i++)
		assert_int_equal(v.verdict[i], want_tcp80[i]);
	for (i = 0; i < 6; i++)
		assert_frame(v.pkt[i], f[i], len[i]);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "matched"), 2);
	assert_int_equal(tb_stat(t, "rejected"), 4);

	/* live change: the next burst runs the new program */
	assert_int_equal(tb_set(t, "filter", "udp port 80"), 0);
	burst_init(&v);
	for (i = 0; i < 6; i++)
		burst_add(&v, f[i], len[i]);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < 6; i++)
		assert_int_equal(v.verdict[i], want_udp80[i]);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "matched"), 4);
	assert_int_equal(tb_stat(t, "rejected"), 8);

	/* a third program: the retired ones are freed in fini (LSan) */
	assert_int_equal(tb_set(t, "filter", "ip"), 0);
	burst_init(&v);
	burst_add(&v, f[5], len[5]);
	burst_add(&v, f[2], len[2]);
	rc = tb_rx(t, &v);
	assert_int_equal(v.verdict[0], 1);
	assert_int_equal(v.verdict[1], 0);
	burst_free(&v, rc);
	tb_free(t);
}

static void test_bpf_invalid(void **state)
{
	static const char *const kv[] = { "filter", "tcp", NULL };
	struct tb *t = tb_new("bpf", kv);
	/* jump past the end of the program: bpf_validate() refuses it */
	struct lana_bpf_insn bad[2] = {
		{ .code = 0x15, .jt = 5, .jf = 0, .k = 0 },	/* jeq #0 */
		{ .code = 0x06, .k = 0xffff },			/* ret */
	};
	/*
	 * a RET with a bit libpcap does not know: bpf_validate() passes it,
	 * bpf_filter() aborts on it; lana_bpf_check() refuses it
	 */
	struct lana_bpf_insn badret[2] = {
		{ .code = 0x28, .k = 12 },			/* ldh [12] */
		{ .code = 0x8006, .k = 0xffff },
	};
	struct lana_value fv = { .type = LANA_PT_FILTER };
	struct lana_burst v;
	uint8_t f[128];
	uint32_t len = mk_ip4(f, 6, 1, 2);
	int rc;

	fv.filter.expr = "bad";
	fv.filter.n = 2;
	fv.filter.insns = bad;
	assert_int_not_equal(tb_set_value(t, 0, &fv), 0);
	fv.filter.n = 0;
	assert_int_not_equal(tb_set_value(t, 0, &fv), 0);
	fv.filter.n = 2;
	fv.filter.insns = badret;
	assert_int_not_equal(tb_set_value(t, 0, &fv), 0);

	/* the old program still runs */
	burst_init(&v);
	burst_add(&v, f, len);
	rc = tb_rx(t, &v);
	assert_int_equal(v.verdict[0], 0);
	burst_free(&v, rc);
	tb_free(t);
}

static const struct CMUnitTest bpf_tests[] = {
	cmocka_unit_test(test_bpf),
	cmocka_unit_test(test_bpf_invalid),
};

BLOCK_TESTS(bpf, bpf_tests);
