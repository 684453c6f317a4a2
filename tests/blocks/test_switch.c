// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_switch.c - switch (blocks/switch.c): a hand-played
 * sequence of frames between hosts A, B, C on a 3-port switch, with the
 * port each must leave at worked out from IEEE 802.1D's rules (learn the
 * source, forward a known destination, flood unknown and broadcast ones
 * to every other port, never back to the ingress port), then aging, a
 * full table, a hub, static entries, and flooding through the engine.
 * Flooded copies are collected from a fake worker backlog, as for tee.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const uint8_t MA[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MB[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t MC[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const uint8_t MBC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct lana_worker w;

static void backlog_on(void)
{
	memset(&w, 0, sizeof(w));
	w.bl = calloc(LANA_BACKLOG, sizeof(*w.bl));
	assert_non_null(w.bl);
	lana_cur_worker = &w;
}

static void backlog_off(void)
{
	while (w.bl_head != w.bl_tail)
		lana_pkt_free(w.bl[w.bl_head++].p);
	lana_cur_worker = NULL;
	free(w.bl);
}

/*
 * One frame @src -> @dst into port @in; returns its verdict and stores
 * the ports its flooded copies went to in @copies (a bit per port).
 */
static int send1(struct tb *t, uint16_t in, const uint8_t *src,
		 const uint8_t *dst, unsigned int *copies)
{
	struct lana_burst v;
	uint8_t f[64];
	int rc, verdict;

	mk_eth(f, 46);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	burst_init(&v);
	v.in_port = in;
	burst_add(&v, f, 60);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	verdict = v.verdict[0];
	*copies = 0;
	while (w.bl_head != w.bl_tail) {
		struct lana_blog *q = &w.bl[w.bl_head++];

		assert_memory_equal(lana_pkt_data(q->p), f, 60);
		*copies |= 1u << q->port;
		lana_pkt_free(q->p);
	}
	lana_pkt_free(v.pkt[0]);	/* a verdict: still the test's */
	return verdict;
}

static void test_switch_learn(void **state)
{
	static const char *const kv[] = { "ports", "3", NULL };
	struct tb *t = tb_new("switch", kv);
	unsigned int cp;

	backlog_on();
	/* A (port 0) -> B: B unknown, flood to 1 (verdict) and 2 (copy) */
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);
	assert_int_equal(cp, 1u << 2);
	/* B (port 1) -> A: A was learned on 0 */
	assert_int_equal(send1(t, 1, MB, MA, &cp), 0);
	assert_int_equal(cp, 0);
	/* A -> B again: B now known on 1, no flood */
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);
	assert_int_equal(cp, 0);
	/* C (port 2) -> broadcast: to 0 (verdict) and 1 (copy) */
	assert_int_equal(send1(t, 2, MC, MBC, &cp), 0);
	assert_int_equal(cp, 1u << 1);
	/* B -> C: C learned on 2 from its broadcast */
	assert_int_equal(send1(t, 1, MB, MC, &cp), 2);
	/* a frame to A entering port 0, A's own port: filtered */
	assert_int_equal(send1(t, 0, MC, MA, &cp), LANA_DROP);
	assert_int_equal(cp, 0);
	/* ... which moved C to port 0 at once: B -> C goes to 0 now */
	assert_int_equal(send1(t, 1, MB, MC, &cp), 0);
	assert_int_equal(tb_stat(t, "entries"), 3);
	assert_int_equal(tb_stat(t, "table_full"), 0);
	/* by hand, from the seven frames above */
	assert_int_equal(tb_stat(t, "rx0"), 3);
	assert_int_equal(tb_stat(t, "rx1"), 3);
	assert_int_equal(tb_stat(t, "rx2"), 1);
	assert_int_equal(tb_stat(t, "flooded0"), 1);
	assert_int_equal(tb_stat(t, "flooded1"), 0);
	assert_int_equal(tb_stat(t, "flooded2"), 1);
	assert_int_equal(tb_stat(t, "dropped0"), 1);
	/* tx0: B->A, C's broadcast, B->C; tx1: A->B flood, A->B, bcast copy;
	 * tx2: A->B flood copy, B->C */
	assert_int_equal(tb_stat(t, "tx0"), 3);
	assert_int_equal(tb_stat(t, "tx1"), 3);
	assert_int_equal(tb_stat(t, "tx2"), 2);
	backlog_off();
	tb_free(t);
}

static void test_switch_aging(void **state)
{
	static const char *const kv[] = { "ports", "2", "aging", "20ms", NULL };
	struct tb *t = tb_new("switch", kv);
	unsigned int cp;

	backlog_on();
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);	/* flood, learn A */
	assert_int_equal(send1(t, 1, MB, MA, &cp), 0);	/* A known */
	assert_int_equal(tb_stat(t, "entries"), 2);
	usleep(60000);
	/* both aged out: A unknown, the frame floods (to port 0, the only
	 * other port: the same verdict, but counted as flooded) */
	assert_int_equal(send1(t, 1, MB, MA, &cp), 0);
	assert_int_equal(tb_stat(t, "flooded1"), 1);
	/* A's lookup deleted it; B was learned again by that frame */
	assert_int_equal(tb_stat(t, "entries"), 1);
	/* a live SET of aging to 10 s keeps what is learned */
	assert_int_equal(tb_set(t, "aging", "10s"), 0);
	usleep(60000);
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);
	assert_int_equal(tb_stat(t, "flooded0"), 1);	/* the first frame only */
	backlog_off();
	tb_free(t);
}

/* max_entries = 2: A and B learned, C not (table_full), C's frames flood */
static void test_switch_full(void **state)
{
	static const char *const kv[] = { "ports", "3", "max_entries", "2",
					  NULL };
	struct tb *t = tb_new("switch", kv);
	unsigned int cp;

	backlog_on();
	send1(t, 0, MA, MBC, &cp);
	send1(t, 1, MB, MBC, &cp);
	send1(t, 2, MC, MBC, &cp);
	assert_int_equal(tb_stat(t, "entries"), 2);
	assert_int_equal(tb_stat(t, "table_full"), 1);
	/* A -> C: unknown, floods to 1 and 2 */
	assert_int_equal(send1(t, 0, MA, MC, &cp), 1);
	assert_int_equal(cp, 1u << 2);
	/* A -> B: known */
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);
	assert_int_equal(cp, 0);
	backlog_off();
	tb_free(t);
}

/* learning = false: a hub; a static entry still forwards */
static void test_switch_hub_static(void **state)
{
	static const char *const kv[] = {
		"ports", "3", "learning", "false",
		"static", "[\"02:00:00:00:00:0c 2\"]", NULL
	};
	struct tb *t = tb_new("switch", kv);
	unsigned int cp;

	backlog_on();
	assert_int_equal(send1(t, 1, MB, MA, &cp), 0);
	assert_int_equal(cp, 1u << 2);
	assert_int_equal(send1(t, 0, MA, MB, &cp), 1);	/* B not learned */
	assert_int_equal(cp, 1u << 2);
	assert_int_equal(send1(t, 0, MA, MC, &cp), 2);	/* static */
	assert_int_equal(cp, 0);
	assert_int_equal(tb_stat(t, "entries"), 1);
	backlog_off();
	tb_free(t);

	/* a static entry is not moved by learning */
	{
		static const char *const kv2[] = {
			"ports", "3", "static", "[\"02:00:00:00:00:0c 2\"]", NULL
		};

		t = tb_new("switch", kv2);
		backlog_on();
		send1(t, 0, MC, MBC, &cp);	/* C seen on port 0 */
		assert_int_equal(send1(t, 1, MB, MC, &cp), 2);
		backlog_off();
		tb_free(t);
	}
}

static void test_switch_bad(void **state)
{
	static const char *const k1[] = { "ports", "2", "static",
					  "[\"02:00:00:00:00:0c 5\"]", NULL };
	static const char *const k2[] = { "ports", "2", "static",
					  "[\"01:00:5e:00:00:01 1\"]", NULL };
	static const char *const k3[] = { "ports", "2", "static",
					  "[\"nonsense\"]", NULL };
	struct tb *t;

	assert_int_not_equal(tb_try("switch", k1, &t), 0);
	assert_non_null(strstr(t->err, "want \"MAC PORT\" with PORT 0..1"));
	tb_free(t);
	assert_int_not_equal(tb_try("switch", k2, &t), 0);
	assert_non_null(strstr(t->err, "a group address"));
	tb_free(t);
	assert_int_not_equal(tb_try("switch", k3, &t), 0);
	assert_non_null(strstr(t->err, "static entry 'nonsense'"));
	tb_free(t);
}

/*
 * In the engine: 10 broadcast frames into port 0 of a 3-port switch
 * reach ports 1 and 2 (the copy through the backlog), not port 0.
 */
static void test_switch_engine(void **state)
{
	struct lana_engine *e;

	e = engine_run("g :: gen(count = 10, dst = ff:ff:ff:ff:ff:ff);"
		       "s :: switch(ports = 3);"
		       "g -> [0]s;"
		       "s[0] -> c0 :: counter() -> drop();"
		       "s[1] -> c1 :: counter() -> drop();"
		       "s[2] -> c2 :: counter() -> drop();");
	assert_int_equal(engine_stat(e, "c0", "packets"), 0);
	assert_int_equal(engine_stat(e, "c1", "packets"), 10);
	assert_int_equal(engine_stat(e, "c2", "packets"), 10);
	assert_int_equal(engine_stat(e, "s", "flooded0"), 10);
	assert_int_equal(engine_stat(e, "s", "tx1"), 10);
	assert_int_equal(engine_stat(e, "s", "tx2"), 10);
	assert_int_equal(engine_stat(e, "s", "entries"), 1);
	lana_engine_free(e);
}

static const struct CMUnitTest switch_tests[] = {
	cmocka_unit_test(test_switch_learn),
	cmocka_unit_test(test_switch_aging),
	cmocka_unit_test(test_switch_full),
	cmocka_unit_test(test_switch_hub_static),
	cmocka_unit_test(test_switch_bad),
	cmocka_unit_test(test_switch_engine),
};

BLOCK_TESTS(switch, switch_tests);
