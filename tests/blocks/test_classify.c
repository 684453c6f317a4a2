// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_classify.c - classify (blocks/classify.c): hand-built
 * frames (ARP, IPv4 TCP to port 80, IPv4 UDP, IPv6) through filters
 * ["arp", "tcp port 80", "ip"]: the first matching filter decides, so the
 * TCP frame, which "ip" matches too, goes to out[1]; IPv6 matches none.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Ethernet with EtherType @et and @plen payload bytes. */
static uint32_t mk_et(uint8_t *f, uint16_t et, uint32_t plen)
{
	uint32_t len = mk_eth(f, plen);

	f[12] = (uint8_t)(et >> 8);
	f[13] = (uint8_t)et;
	return len;
}

static void test_classify(void **state)
{
	static const char *const kv[] = {
		"filters", "[\"arp\", \"tcp port 80\", \"ip\"]", NULL
	};
	struct tb *t = tb_new("classify", kv);
	struct lana_burst v;
	uint8_t f[6][128];
	uint32_t len[6];
	/* ARP, TCP:80, UDP:53, IPv6, TCP:443, ARP */
	static const uint16_t want[6] = { 0, 1, 2, 3, 2, 0 };
	unsigned int i;
	int rc;

	len[0] = mk_et(f[0], 0x0806, 28);
	len[1] = mk_ip4(f[1], 6, 40000, 80);
	len[2] = mk_ip4(f[2], 17, 40000, 53);
	len[3] = mk_et(f[3], 0x86dd, 40);
	len[4] = mk_ip4(f[4], 6, 40000, 443);
	len[5] = mk_et(f[5], 0x0806, 28);
	burst_init(&v);
	for (i = 0; i < 6; i++)
		burst_add(&v, f[i], len[i]);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < 6; i++)
		assert_int_equal(v.verdict[i], want[i]);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "out0"), 2);
	assert_int_equal(tb_stat(t, "out1"), 1);
	assert_int_equal(tb_stat(t, "out2"), 2);
	assert_int_equal(tb_stat(t, "other"), 1);
	tb_free(t);
}

/* In the engine: the port group follows the list, other is optional. */
static void test_classify_engine(void **state)
{
	struct lana_engine *e;
	char *pcap = tmp_path("classify");
	struct tframe fr[4];
	unsigned int i;

	/* 2 ARP, then 2 IPv4 UDP frames */
	for (i = 0; i < 4; i++) {
		memset(&fr[i], 0, sizeof(fr[i]));
		fr[i].len = i < 2 ? mk_et(fr[i].data, 0x0806, 46) :
				    mk_ip4(fr[i].data, 17, 40000, 53);
		fr[i].ts_ns = 1767225600ull * 1000000000ull + i * 1000;
	}
	write_pcap(pcap, "65535B", fr, 4, false);
	{
		char src[512];

		snprintf(src, sizeof(src),
			 "p :: pcap_in(file = \"%s\");"
			 "p -> k :: classify(filters = [\"ip\", \"arp\"]);"
			 "k[0] -> ci :: counter() -> drop();"
			 "k[1] -> ca :: counter() -> drop();", pcap);
		e = engine_run(src);
	}
	assert_int_equal(engine_stat(e, "ci", "packets"), 2);
	assert_int_equal(engine_stat(e, "ca", "packets"), 2);
	assert_int_equal(engine_stat(e, "k", "out0"), 2);
	assert_int_equal(engine_stat(e, "k", "out1"), 2);
	assert_int_equal(engine_stat(e, "k", "other"), 0);
	lana_engine_free(e);
	unlink(pcap);
	free(pcap);
}

static const struct CMUnitTest classify_tests[] = {
	cmocka_unit_test(test_classify),
	cmocka_unit_test(test_classify_engine),
};

BLOCK_TESTS(classify, classify_tests);
