// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_tee.c - tee (blocks/tee.c): a copy per further port
 * through the worker backlog, none for n = 1; and in the engine
 * gen -> tee(n = 3) -> counters (copies through the backlog).
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static void test_tee(void **state)
{
	static const char *const kv[] = { "n", "3", NULL };
	struct tb *t = tb_new("tee", kv);
	struct lana_worker w;
	struct lana_burst v;
	uint8_t f[4][256];
	uint32_t len[4];
	unsigned int i, k;
	int rc;

	memset(&w, 0, sizeof(w));
	w.bl = calloc(LANA_BACKLOG, sizeof(*w.bl));
	assert_non_null(w.bl);
	lana_cur_worker = &w;

	burst_init(&v);
	for (i = 0; i < 4; i++) {
		len[i] = mk_eth(f[i], 46 + 50 * i);
		burst_add(&v, f[i], len[i]);
	}
	v.pkt[2]->ts_ns = 12345;
	rc = tb_rx(t, &v);
	assert_int_equal(rc, 0);	/* originals to out[0] */
	for (i = 0; i < 4; i++)
		assert_frame(v.pkt[i], f[i], len[i]);

	/* 2 copies per packet went to the backlog, on ports 1 and 2 */
	assert_int_equal(w.bl_tail - w.bl_head, 8);
	for (k = 0; k < 8; k++) {
		struct lana_blog *q = &w.bl[k];

		i = k / 2;
		assert_int_equal(q->idp, 7);
		assert_int_equal(q->port, 1 + k % 2);
		assert_ptr_not_equal(q->p, v.pkt[i]);
		assert_frame(q->p, f[i], len[i]);
		if (i == 2)
			assert_int_equal(q->p->ts_ns, 12345);
		lana_pkt_free(q->p);
	}
	assert_int_equal(tb_stat(t, "nomem"), 0);
	lana_cur_worker = NULL;
	free(w.bl);
	burst_free(&v, rc);
	tb_free(t);
}

static void test_tee_one(void **state)
{
	static const char *const kv[] = { "n", "1", NULL };
	struct tb *t = tb_new("tee", kv);
	struct lana_worker w;
	struct lana_burst v;
	uint8_t f[64];
	int rc;

	memset(&w, 0, sizeof(w));
	w.bl = calloc(LANA_BACKLOG, sizeof(*w.bl));
	assert_non_null(w.bl);
	lana_cur_worker = &w;
	burst_init(&v);
	burst_add(&v, f, mk_eth(f, 46));
	rc = tb_rx(t, &v);
	assert_int_equal(rc, 0);
	assert_int_equal(w.bl_tail, 0);	/* n = 1: no copies */
	lana_cur_worker = NULL;
	free(w.bl);
	burst_free(&v, rc);
	tb_free(t);
}

static void test_engine_tee(void **state)
{
	struct lana_engine *e = engine_run(
		"g :: gen(count = 1000, size = 100B);\n"
		"t :: tee(n = 3);\n"
		"g -> t;\n"
		"t[0] -> c0 :: counter() -> drop();\n"
		"t[1] -> c1 :: counter() -> drop();\n"
		"t[2] -> c2 :: counter() -> drop();\n");
	unsigned int i;

	assert_int_equal(engine_stat(e, "g", "sent"), 1000);
	for (i = 0; i < 3; i++) {
		char name[4] = { 'c', (char)('0' + i), 0, 0 };

		assert_int_equal(engine_stat(e, name, "packets"), 1000);
		assert_int_equal(engine_stat(e, name, "bytes"), 100000);
	}
	assert_int_equal(engine_stat(e, "t", "nomem"), 0);
	lana_engine_free(e);
	lana_pkt_pool_drain();
}

static const struct CMUnitTest tee_tests[] = {
	cmocka_unit_test(test_tee),
	cmocka_unit_test(test_tee_one),
	cmocka_unit_test(test_engine_tee),
};

BLOCK_TESTS(tee, tee_tests);
