// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_gen.c - gen (blocks/gen.c): count, size, addresses and
 * sequence numbers, defaults, rate pacing and live rate.
 */
#include "harness.h"

#include <string.h>

static uint64_t be64_at(const uint8_t *d)
{
	uint64_t x = 0;
	int i;

	for (i = 0; i < 8; i++)
		x = x << 8 | d[i];
	return x;
}

/* Check one generated frame: header, sequence number @seq, zero rest. */
static void check_gen_frame(struct lana_pkt *p, uint32_t size,
			    const uint8_t *dst, const uint8_t *src,
			    uint64_t seq)
{
	const uint8_t *d = lana_pkt_data(p);
	uint32_t i;

	assert_int_equal(lana_pkt_len(p), size);
	assert_memory_equal(d, dst, 6);
	assert_memory_equal(d + 6, src, 6);
	assert_int_equal(d[12], 0x88);
	assert_int_equal(d[13], 0xb5);
	assert_int_equal(be64_at(d + 14), seq);
	for (i = 22; i < size; i++)
		if (d[i])
			fail_msg("byte %u of frame %llu is %#x", i,
				 (unsigned long long)seq, d[i]);
}

static void test_gen_count(void **state)
{
	static const char *const kv[] = { "count", "100", "size", "1500B",
					  "src", "02:aa:bb:cc:dd:ee",
					  "dst", "00:11:22:33:44:55", NULL };
	static const uint8_t src[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	struct tb *t = tb_new("gen", kv);
	struct lana_burst v;
	uint64_t seq = 0;
	unsigned int polls = 0, i;
	int n;

	/* dirty the pool so that "rest zero" is really checked */
	for (i = 0; i < 64; i++) {
		struct lana_pkt *p = lana_pkt_get(1600);

		memset(lana_pkt_data(p), 0xee, 1600);
		lana_pkt_free(p);
	}
	for (;;) {
		burst_init(&v);
		n = tb_poll(t, &v);
		if (n < 0)
			break;
		assert_int_equal(n, v.n);
		assert_int_equal(n, seq + LANA_BURST <= 100 ? LANA_BURST :
				 100 - seq);
		for (i = 0; i < v.n; i++)
			check_gen_frame(v.pkt[i], 1500, mac_dst, src, seq++);
		burst_free(&v, 0);
		assert_true(++polls < 10);
	}
	assert_int_equal(seq, 100);
	assert_int_equal(polls, 4);		/* 32 + 32 + 32 + 4 */
	burst_init(&v);
	assert_int_equal(tb_poll(t, &v), -1); /* stays ended */
	assert_int_equal(v.n, 0);
	assert_int_equal(tb_stat(t, "sent"), 100);
	tb_free(t);
}

static void test_gen_defaults(void **state)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	struct tb *t = tb_new("gen", NULL);	/* unlimited, unpaced */
	struct lana_burst v;
	uint64_t seq = 0;
	unsigned int round, i;

	for (round = 0; round < 3; round++) {
		burst_init(&v);
		assert_int_equal(tb_poll(t, &v), LANA_BURST);
		for (i = 0; i < v.n; i++)
			check_gen_frame(v.pkt[i], 64, bcast, src, seq++);
		burst_free(&v, 0);
	}
	assert_int_equal(tb_stat(t, "sent"), 3 * LANA_BURST);
	tb_free(t);
}

/*
 * Pacing: 60-byte frames cost (60 + 24) * 8 = 672 bit on the wire, so
 * 6.72 Mbit/s is 10 frames per ms. Poll for ~5 ms: the token bucket may
 * never give more than rate * elapsed (+ the first frame); allow 2x.
 */
static void test_gen_rate(void **state)
{
	static const char *const kv[] = { "size", "60B", "rate", "6720000",
					  NULL };
	struct tb *t = tb_new("gen", kv);
	struct lana_burst v;
	uint64_t t0 = lana_now_ns(), el, total = 0, allowed;
	unsigned int polls = 0;
	int n;

	do {
		burst_init(&v);
		n = tb_poll(t, &v);
		assert_true(n >= 0);
		total += (uint64_t)n;
		polls++;
		burst_free(&v, 0);
		el = lana_now_ns() - t0;
	} while (el < 5000000);
	allowed = el * 10 / 1000000 + 1;
	if (total > 2 * allowed + 2)
		fail_msg("%llu frames in %llu ns at 10/ms",
			 (unsigned long long)total, (unsigned long long)el);
	assert_true(total >= 2);
	assert_true(polls > total);	/* many polls returned 0 */
	assert_int_equal(tb_stat(t, "sent"), total);

	/* live: rate 0 means as fast as possible */
	assert_int_equal(tb_set(t, "rate", "0"), 0);
	burst_init(&v);
	assert_int_equal(tb_poll(t, &v), LANA_BURST);
	burst_free(&v, 0);

	/* and back to a slow rate: 1 frame per ~67 ms at 10 kbit/s */
	assert_int_equal(tb_set(t, "rate", "10kbit"), 0);
	total = 0;
	t0 = lana_now_ns();
	do {
		burst_init(&v);
		n = tb_poll(t, &v);
		total += (uint64_t)n;
		burst_free(&v, 0);
	} while (lana_now_ns() - t0 < 2000000);
	assert_true(total <= 1);
	tb_free(t);
}

static const struct CMUnitTest gen_tests[] = {
	cmocka_unit_test(test_gen_count),
	cmocka_unit_test(test_gen_defaults),
	cmocka_unit_test(test_gen_rate),
};

BLOCK_TESTS(gen, gen_tests);
