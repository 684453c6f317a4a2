// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_fwd.c - fwd (blocks/fwd.c): the burst passes to out
 * untouched.
 */
#include "harness.h"

#include <string.h>

static void test_fwd(void **state)
{
	struct tb *t = tb_new("fwd", NULL);
	struct lana_burst v;
	uint8_t f[64], g[64];
	uint32_t len = mk_eth(f, 30);
	int rc;

	burst_init(&v);
	burst_add(&v, f, len);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, 0);
	memcpy(g, f, len);
	assert_frame(v.pkt[0], g, len);
	burst_free(&v, rc);
	tb_free(t);
}

static const struct CMUnitTest fwd_tests[] = {
	cmocka_unit_test(test_fwd),
};

BLOCK_TESTS(fwd, fwd_tests);
