// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_vlan.c - vlan (blocks/vlan.c): push, pop and filter
 * byte-exact, live vid and pcp, a missing op; and in the engine pcap_in ->
 * vlan push -> vlan filter -> vlan pop -> pcap_out giving back the input
 * file.
 */
#include "harness.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_vlan_push(void **state)
{
	static const char *const kv[] = { "op", "push", "vid", "100",
					  "pcp", "5", NULL };
	struct tb *t = tb_new("vlan", kv);
	struct lana_burst v;
	uint8_t f[64], want[64];
	uint32_t len = mk_eth(f, 46);
	int rc;

	/* expected: MACs, 81 00, TCI = 101 0 000001100100 = 0xa064, rest */
	memcpy(want, f, 12);
	want[12] = 0x81;
	want[13] = 0x00;
	want[14] = 0xa0;
	want[15] = 0x64;
	memcpy(want + 16, f + 12, len - 12);

	burst_init(&v);
	burst_add(&v, f, len);
	burst_add(&v, f, 13);		/* runt: no EtherType */
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 0);
	assert_int_equal(v.verdict[1], LANA_DROP);
	assert_frame(v.pkt[0], want, len + 4);
	burst_free(&v, rc);

	/* live: vid 4094, pcp 0 -> TCI 0x0ffe; all good -> single port */
	assert_int_equal(tb_set(t, "vid", "4094"), 0);
	assert_int_equal(tb_set(t, "pcp", "0"), 0);
	want[14] = 0x0f;
	want[15] = 0xfe;
	burst_init(&v);
	burst_add(&v, f, len);
	burst_add(&v, f, len);
	rc = tb_rx(t, &v);
	assert_true(rc == 0 || (rc == LANA_RX_VERDICTS && !v.verdict[0] &&
				!v.verdict[1]));
	assert_frame(v.pkt[0], want, len + 4);
	assert_frame(v.pkt[1], want, len + 4);
	burst_free(&v, rc);

	assert_int_equal(tb_stat(t, "pushed"), 3);
	assert_int_equal(tb_stat(t, "dropped"), 1);
	tb_free(t);
}

/* A frame tagged with @vid and @pcp: MACs, 81 00, TCI, 08 00, payload. */
static uint32_t mk_tagged(uint8_t *f, uint16_t vid, uint8_t pcp,
			  uint32_t plen)
{
	uint8_t tmp[2048];
	uint32_t len = mk_eth(tmp, plen);

	memcpy(f, tmp, 12);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = (uint8_t)((pcp << 5) | (vid >> 8));
	f[15] = (uint8_t)vid;
	memcpy(f + 16, tmp + 12, len - 12);
	return len + 4;
}

static void test_vlan_pop(void **state)
{
	static const char *const kv[] = { "op", "pop", "vid", "300", NULL };
	struct tb *t = tb_new("vlan", kv);
	struct lana_burst v;
	uint8_t tag300[128], tag301[128], plain[128], qinq[128];
	uint32_t l300 = mk_tagged(tag300, 300, 6, 50);
	uint32_t l301 = mk_tagged(tag301, 301, 0, 50);
	uint32_t lplain = mk_eth(plain, 50);
	uint32_t lq;
	int rc;

	/* 802.1ad outer tag (TPID 0x88a8) with VID 300 is not 802.1Q */
	memcpy(qinq, tag300, l300);
	qinq[12] = 0x88;
	qinq[13] = 0xa8;
	lq = l300;

	burst_init(&v);
	burst_add(&v, tag300, l300);
	burst_add(&v, tag301, l301);
	burst_add(&v, plain, lplain);
	burst_add(&v, qinq, lq);
	burst_add(&v, tag300, 16);	/* tag but no EtherType after it */
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 0);
	assert_frame(v.pkt[0], plain, lplain);	/* tag removed exactly */
	assert_int_equal(v.verdict[1], 1);
	assert_frame(v.pkt[1], tag301, l301);	/* rejects untouched */
	assert_int_equal(v.verdict[2], 1);
	assert_frame(v.pkt[2], plain, lplain);
	assert_int_equal(v.verdict[3], 1);
	assert_int_equal(v.verdict[4], 1);
	burst_free(&v, rc);

	/* live vid: now 301 pops and 300 is rejected */
	assert_int_equal(tb_set(t, "vid", "301"), 0);
	burst_init(&v);
	burst_add(&v, tag300, l300);
	burst_add(&v, tag301, l301);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 1);
	assert_int_equal(v.verdict[1], 0);
	assert_frame(v.pkt[1], plain, lplain);
	burst_free(&v, rc);

	assert_int_equal(tb_stat(t, "popped"), 2);
	assert_int_equal(tb_stat(t, "rejected"), 5);
	tb_free(t);
}

static void test_vlan_filter(void **state)
{
	static const char *const kv[] = { "op", "filter", "vid", "42", NULL };
	struct tb *t = tb_new("vlan", kv);
	struct lana_burst v;
	uint8_t tag42[128], tag43[128], plain[128];
	uint32_t l42 = mk_tagged(tag42, 42, 3, 40);
	uint32_t l43 = mk_tagged(tag43, 43, 3, 40);
	uint32_t lplain = mk_eth(plain, 40);
	int rc;

	burst_init(&v);
	burst_add(&v, plain, lplain);
	burst_add(&v, tag42, l42);
	burst_add(&v, tag43, l43);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	assert_int_equal(v.verdict[0], 1);
	assert_int_equal(v.verdict[1], 0);
	assert_int_equal(v.verdict[2], 1);
	/* filter never modifies frames */
	assert_frame(v.pkt[0], plain, lplain);
	assert_frame(v.pkt[1], tag42, l42);
	assert_frame(v.pkt[2], tag43, l43);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "passed"), 1);
	assert_int_equal(tb_stat(t, "rejected"), 2);

	/* out-of-range live values are refused and change nothing */
	assert_int_not_equal(tb_set(t, "vid", "4095"), 0);
	assert_non_null(strstr(t->err, "vid"));
	burst_init(&v);
	burst_add(&v, tag42, l42);
	rc = tb_rx(t, &v);
	assert_true(rc == 0 || (rc == LANA_RX_VERDICTS && v.verdict[0] == 0));
	burst_free(&v, rc);
	tb_free(t);
}

static void test_vlan_bad_op(void **state)
{
	struct tb *t;

	/* the compiler rejects a missing op; init must too */
	assert_int_not_equal(tb_try("vlan", NULL, &t), 0);
	assert_non_null(strstr(t->err, "op"));
	tb_free(t);
}

static void test_engine_pcap_vlan(void **state)
{
	struct tframe fr[70];
	char *in = tmp_path("ein"), *out = tmp_path("eout");
	char src[1024], errbuf[PCAP_ERRBUF_SIZE];
	struct lana_engine *e;
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned int i;
	pcap_t *pc;

	mk_frames(fr, 70);
	write_pcap(in, "65535B", fr, 70, false);
	snprintf(src, sizeof(src),
		 "pcap_in(file = \"%s\", loop = 2)\n"
		 "  -> vlan(op = push, vid = 7, pcp = 1)\n"
		 "  -> f :: vlan(op = filter, vid = 7)\n"
		 "  -> p :: vlan(op = pop, vid = 7)\n"
		 "  -> pcap_out(file = \"%s\");\n", in, out);
	e = engine_run(src);
	assert_int_equal(engine_stat(e, "f", "passed"), 140);
	assert_int_equal(engine_stat(e, "p", "popped"), 140);
	lana_engine_free(e);	/* fini closes the file */
	lana_pkt_pool_drain();

	pc = pcap_open_offline(out, errbuf);
	if (!pc)
		fail_msg("%s", errbuf);
	for (i = 0; i < 140; i++) {
		const struct tframe *f = &fr[i % 70];

		assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
		assert_int_equal(h->caplen, f->len);
		assert_memory_equal(data, f->data, f->len);
		assert_int_equal((uint64_t)h->ts.tv_sec * 1000000 +
				 (uint64_t)h->ts.tv_usec, f->ts_ns / 1000);
	}
	assert_int_equal(pcap_next_ex(pc, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(pc);
	unlink(in);
	unlink(out);
	free(in);
	free(out);
}

/*
 * A frame whose TCP checksum is left to offload (csum_start 34 = 14 + 20,
 * csum_offset 16) stays partial through push and pop: the metadata
 * moves with the L4 header, 4 bytes (the tag) each way.
 */
static void test_vlan_partial(void **state)
{
	static const char *const push[] = { "op", "push", "vid", "7", NULL };
	static const char *const pop[] = { "op", "pop", "vid", "7", NULL };
	struct tb *tp = tb_new("vlan", push), *to = tb_new("vlan", pop);
	struct lana_burst v;
	uint8_t f[128];
	uint32_t len = mk_eth(f, 100);
	int rc;

	(void)state;
	burst_init(&v);
	burst_add(&v, f, len);
	v.pkt[0]->off.flags = LANA_PKT_F_NEEDS_CSUM;
	v.pkt[0]->off.gso_type = LANA_GSO_TCPV4;
	v.pkt[0]->off.gso_size = 1448;
	v.pkt[0]->off.hdr_len = 54;
	v.pkt[0]->off.csum_start = 34;
	v.pkt[0]->off.csum_offset = 16;
	rc = tb_rx(tp, &v);
	assert_true(rc == 0 || (rc == LANA_RX_VERDICTS && !v.verdict[0]));
	assert_true(lana_pkt_partial(v.pkt[0]));
	assert_int_equal(v.pkt[0]->off.csum_start, 38);
	assert_int_equal(v.pkt[0]->off.hdr_len, 58);
	assert_int_equal(v.pkt[0]->off.csum_offset, 16);
	assert_int_equal(v.pkt[0]->off.gso_size, 1448);
	rc = tb_rx(to, &v);
	assert_true(rc == 0 || (rc == LANA_RX_VERDICTS && !v.verdict[0]));
	assert_int_equal(v.pkt[0]->off.csum_start, 34);
	assert_int_equal(v.pkt[0]->off.hdr_len, 54);
	assert_frame(v.pkt[0], f, len);
	burst_free(&v, rc);
	tb_free(tp);
	tb_free(to);
}

static const struct CMUnitTest vlan_tests[] = {
	cmocka_unit_test(test_vlan_partial),
	cmocka_unit_test(test_vlan_push),
	cmocka_unit_test(test_vlan_pop),
	cmocka_unit_test(test_vlan_filter),
	cmocka_unit_test(test_vlan_bad_op),
	cmocka_unit_test(test_engine_pcap_vlan),
};

BLOCK_TESTS(vlan, vlan_tests);
