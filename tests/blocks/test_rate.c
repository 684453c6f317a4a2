// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_rate.c - rate (blocks/rate.c): the token bucket by
 * hand. rate = 8 Mbit/s is 10^6 bytes/s, 1 byte per microsecond; a burst
 * of frames within a few microseconds adds a few bytes of credit, never
 * a whole 1000-byte frame, so the counts below follow from the burst
 * alone: floor(burst / 1000) frames of 1000 bytes pass.
 */
#include "harness.h"

#include <string.h>
#include <unistd.h>

/* A burst of @n frames of @len bytes. */
static void burst_of(struct lana_burst *v, unsigned int n, uint32_t len)
{
	uint8_t f[1500];
	unsigned int i;

	mk_eth(f, len - 14);
	burst_init(v);
	for (i = 0; i < n; i++)
		burst_add(v, f, len);
}

/* Verdicts of @v: how many went to out (0) and how many were @what. */
static void verdicts(const struct lana_burst *v, unsigned int *out,
		     unsigned int *what, uint16_t w)
{
	unsigned int i;

	*out = *what = 0;
	for (i = 0; i < v->n; i++) {
		if (v->verdict[i] == 0)
			(*out)++;
		else if (v->verdict[i] == w)
			(*what)++;
	}
}

static void test_police(void **state)
{
	static const char *const kv[] = { "rate", "8000000", "burst", "16384B",
					  NULL };
	struct tb *t = tb_new("rate", kv);
	struct lana_burst v;
	unsigned int pass, drop;
	int rc;

	/* a full bucket: 16 of 32 (16000 <= 16384 < 17000) */
	burst_of(&v, 32, 1000);
	rc = tb_rx(t, &v);
	assert_int_equal(rc, LANA_RX_VERDICTS);
	verdicts(&v, &pass, &drop, LANA_DROP);
	assert_int_equal(pass, 16);
	assert_int_equal(drop, 16);
	/* in order: the first 16 pass */
	assert_int_equal(v.verdict[15], 0);
	assert_int_equal(v.verdict[16], LANA_DROP);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "passed"), 16);
	assert_int_equal(tb_stat(t, "dropped"), 16);

	/* 50 ms refill 50000 bytes, capped at the burst: 16 again */
	usleep(50000);
	burst_of(&v, 32, 1000);
	rc = tb_rx(t, &v);
	verdicts(&v, &pass, &drop, LANA_DROP);
	assert_int_equal(pass, 16);
	burst_free(&v, rc);

	/* a live SET of the burst to 4000 bytes: 4 of 32 after a refill */
	assert_int_equal(tb_set(t, "burst", "4000B"), 0);
	usleep(50000);
	burst_of(&v, 32, 1000);
	rc = tb_rx(t, &v);
	verdicts(&v, &pass, &drop, LANA_DROP);
	assert_int_equal(pass, 4);
	assert_int_equal(drop, 28);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "passed"), 36);
	assert_int_equal(tb_stat(t, "dropped"), 60);
	assert_int_equal(tb_stat(t, "queued"), 0);

	/* refused live values keep the old ones */
	assert_int_not_equal(tb_set(t, "rate", "0"), 0);
	assert_non_null(strstr(t->err, "rate is required and must be > 0"));
	assert_int_not_equal(tb_set(t, "burst", "10B"), 0);
	assert_non_null(strstr(t->err, "burst 10 out of range 64B..1GiB"));
	usleep(50000);
	burst_of(&v, 8, 1000);
	rc = tb_rx(t, &v);
	verdicts(&v, &pass, &drop, LANA_DROP);
	assert_int_equal(pass, 4);
	burst_free(&v, rc);
	tb_free(t);
}

/*
 * shape outside an engine (its timer never fires): 32 frames, 16 pass,
 * 16 queue (16000 of 20000 bytes); 32 more at once: nothing passes while
 * frames wait, 4 fit the queue (20000), 28 dropped. tb_free() frees the
 * 20 queued frames (ASan's leak check).
 */
static void test_shape_queue(void **state)
{
	static const char *const kv[] = { "rate", "8000000", "burst", "16384B",
					  "mode", "shape", "limit", "20000B",
					  NULL };
	struct tb *t = tb_new("rate", kv);
	struct lana_burst v;
	unsigned int pass, stolen;
	int rc;

	burst_of(&v, 32, 1000);
	rc = tb_rx(t, &v);
	verdicts(&v, &pass, &stolen, LANA_STOLEN);
	assert_int_equal(pass, 16);
	assert_int_equal(stolen, 16);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "queued"), 16000);

	burst_of(&v, 32, 1000);
	rc = tb_rx(t, &v);
	verdicts(&v, &pass, &stolen, LANA_STOLEN);
	assert_int_equal(pass, 0);
	assert_int_equal(stolen, 4);
	burst_free(&v, rc);
	assert_int_equal(tb_stat(t, "passed"), 16);
	assert_int_equal(tb_stat(t, "dropped"), 28);
	assert_int_equal(tb_stat(t, "queued"), 20000);
	tb_free(t);
}

static uint64_t now_ms(void)
{
	return lana_now_ns() / 1000000;
}

/*
 * shape in the engine: 50 frames of 1000 bytes at 8 Mbit/s (1 ms each)
 * with a burst of 2000 bytes: 2 go at once, the other 48 wait for their
 * credit, so the run takes at least 48 ms, and none is lost (the queue
 * holds 64 KiB). engine_run() returns once the queue is empty (the
 * block's busy op).
 */
static void test_shape_engine(void **state)
{
	struct lana_engine *e;
	uint64_t t0 = now_ms(), dt;

	e = engine_run("g :: gen(count = 50, size = 1000B) -> "
		       "r :: rate(rate = 8000000, burst = 2000B, mode = shape) "
		       "-> c :: counter() -> drop();");
	dt = now_ms() - t0;
	print_message("shaped 50 frames in %llu ms\n", (unsigned long long)dt);
	assert_int_equal(engine_stat(e, "c", "packets"), 50);
	assert_int_equal(engine_stat(e, "r", "passed"), 50);
	assert_int_equal(engine_stat(e, "r", "dropped"), 0);
	assert_int_equal(engine_stat(e, "r", "queued"), 0);
	assert_true(dt >= 45);
	assert_true(dt < 5000);
	lana_engine_free(e);
}

static const struct CMUnitTest rate_tests[] = {
	cmocka_unit_test(test_police),
	cmocka_unit_test(test_shape_queue),
	cmocka_unit_test(test_shape_engine),
};

BLOCK_TESTS(rate, rate_tests);
