// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_drop.c - drop (blocks/drop.c): every packet gets the
 * verdict LANA_DROP.
 */
#include "harness.h"

static void test_drop(void **state)
{
	struct tb *t = tb_new("drop", NULL);
	struct lana_burst v;
	uint8_t f[64];
	unsigned int i;
	int rc;

	burst_init(&v);
	for (i = 0; i < 5; i++)
		burst_add(&v, f, mk_eth(f, 10 + i));
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	for (i = 0; i < 5; i++)
		assert_int_equal(v.verdict[i], LANA_DROP);
	burst_free(&v, rc);
	tb_free(t);
}

static const struct CMUnitTest drop_tests[] = {
	cmocka_unit_test(test_drop),
};

BLOCK_TESTS(drop, drop_tests);
