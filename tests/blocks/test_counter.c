// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_counter.c - counter (blocks/counter.c): packets and
 * bytes summed over bursts of varied sizes.
 */
#include "harness.h"

#include <string.h>

static void test_counter(void **state)
{
	struct tb *t = tb_new("counter", NULL);
	struct lana_burst v;
	uint8_t f[2048];
	uint64_t packets = 0, bytes = 0;
	unsigned int round, i;

	memset(f, 0x5a, sizeof(f));
	for (round = 0; round < 4; round++) {
		unsigned int n = round == 3 ? LANA_BURST : round + 1;
		int rc;

		burst_init(&v);
		for (i = 0; i < n; i++) {
			uint32_t len = 60 + 97 * i % 1400 + round;

			burst_add(&v, f, len);
			packets++;
			bytes += len;
		}
		rc = tb_rx(t, &v);
		assert_int_equal(rc, 0);	/* one port for the burst */
		burst_free(&v, rc);
	}
	assert_int_equal(tb_stat(t, "packets"), packets);
	assert_int_equal(tb_stat(t, "bytes"), bytes);
	assert_int_equal(packets, 1 + 2 + 3 + LANA_BURST);
	tb_free(t);
}

static const struct CMUnitTest counter_tests[] = {
	cmocka_unit_test(test_counter),
};

BLOCK_TESTS(counter, counter_tests);
