// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_oom.c - out of memory on lanad's apply path (issue 9).
 *
 * This program is linked with -Wl,--wrap=malloc,--wrap=calloc,
 * --wrap=realloc (Makefile.am): every allocation the static libraries
 * make goes through the counters below, and allocation number N of one
 * apply can be made to fail. For N = 1, 2, ... until an apply sees no
 * failure, the apply must return -ENOMEM with "out of memory", the
 * running graph must be unchanged (its canonical plan's checksum is the
 * hand-built G0's, the counter of a kept block unchanged), and the same
 * apply without failure must then succeed and give the hand-built
 * result. Run under ASan, LeakSanitizer also checks nothing leaks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "runtime/engine.h"
#define LANA_ENGINE_CORE
#include "runtime/engine_internal.h"
#include "blocks/catalogue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------ failing malloc */

void *__real_malloc(size_t n);
void *__real_calloc(size_t nmemb, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t nmemb, size_t size);
void *__wrap_realloc(void *p, size_t n);

static unsigned long seen;	/* allocations since arm() */
static unsigned long fail_at;	/* 0: none fails */
static int armed;

static int inject(void)
{
	if (!armed)
		return 0;
	return ++seen == fail_at;
}

void *__wrap_malloc(size_t n)
{
	return inject() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t nmemb, size_t size)
{
	return inject() ? NULL : __real_calloc(nmemb, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return inject() ? NULL : __real_realloc(p, n);
}

static void arm(unsigned long n)
{
	seen = 0;
	fail_at = n;
	armed = 1;
}

static void disarm(void)
{
	armed = 0;
}

/* ---------------------------------------------------------- plan helpers */

#include "plan_build.h"

/* ------------------------------------------------------------- graphs */

/*
 * G0: g (gen count=50) -> c (counter) -> t (tee n=2) -> d1 (drop),
 * t.1 -> d2 (drop). Canonical order: NEWs by IDP, BINDs by source.
 */
static void g0(struct lana_plan *p)
{
	lana_plan_init(p);
	plan_new(p, 1, "gen", "g");
	plan_param(p, "count", LANA_PT_U64, 50);
	plan_new(p, 2, "counter", "c");
	plan_new(p, 3, "tee", "t");
	plan_param(p, "n", LANA_PT_U8, 2);
	plan_new(p, 4, "drop", "d1");
	plan_new(p, 5, "drop", "d2");
	plan_bind(p, 1, 0, 2, 0);
	plan_bind(p, 2, 0, 3, 0);
	plan_bind(p, 3, 0, 4, 0);
	plan_bind(p, 3, 1, 5, 0);
}

/*
 * G1, a full plan: g's rate set (a live SET), c kept, t replaced (n=3),
 * d1 replaced by a vlan block (other IN frame: the incremental path
 * cannot decide, the full path runs), d2 deleted, c2 and d3 new; with the
 * IDPs lana_plan_diff() gives new blocks (after the largest, in order).
 */
static void g1(struct lana_plan *p)
{
	lana_plan_init(p);
	plan_new(p, 1, "gen", "g");
	plan_param(p, "count", LANA_PT_U64, 50);
	plan_param(p, "rate", LANA_PT_RATE, 1000);
	plan_new(p, 2, "counter", "c");
	plan_new(p, 3, "tee", "t");
	plan_param(p, "n", LANA_PT_U8, 3);
	plan_new(p, 4, "vlan", "d1");
	plan_enum(p, "op", "push");
	plan_param(p, "vid", LANA_PT_U16, 10);
	plan_new(p, 6, "counter", "c2");
	plan_new(p, 7, "drop", "d3");
	plan_bind(p, 1, 0, 2, 0);
	plan_bind(p, 2, 0, 3, 0);
	plan_bind(p, 3, 0, 4, 0);
	plan_bind(p, 3, 1, 6, 0);
	plan_bind(p, 3, 2, 7, 0);
	plan_bind(p, 6, 0, 7, 0);
}

/* The edit plan E on G0 (incremental path) and G2, the graph it gives. */
static void edit_e(struct lana_plan *p, uint32_t base)
{
	struct lana_insn set = { .op = LANA_OP_SET, .idp = 1 };
	struct lana_insn un = {
		.op = LANA_OP_UNBIND, .idp = 3, .port = 1, .dst = 5,
	};
	struct lana_insn del = { .op = LANA_OP_DEL, .idp = 5 };

	lana_plan_init(p);
	p->flags = LANA_PLAN_F_EDIT;
	p->base_crc = base;
	set.name = lana_arena_strdup(&p->arena, "g");
	VEC_PUSH(&p->insns, set);
	plan_param(p, "rate", LANA_PT_RATE, 1000);
	VEC_PUSH(&p->insns, un);
	del.name = lana_arena_strdup(&p->arena, "d2");
	VEC_PUSH(&p->insns, del);
	plan_new(p, 6, "counter", "c2");
	plan_bind(p, 3, 1, 6, 0);
	plan_bind(p, 6, 0, 4, 0);
}

static void g2(struct lana_plan *p)
{
	lana_plan_init(p);
	plan_new(p, 1, "gen", "g");
	plan_param(p, "count", LANA_PT_U64, 50);
	plan_param(p, "rate", LANA_PT_RATE, 1000);
	plan_new(p, 2, "counter", "c");
	plan_new(p, 3, "tee", "t");
	plan_param(p, "n", LANA_PT_U8, 2);
	plan_new(p, 4, "drop", "d1");
	plan_new(p, 6, "counter", "c2");
	plan_bind(p, 1, 0, 2, 0);
	plan_bind(p, 2, 0, 3, 0);
	plan_bind(p, 3, 0, 4, 0);
	plan_bind(p, 3, 1, 6, 0);
	plan_bind(p, 6, 0, 4, 0);
}

/* ------------------------------------------------------ engine helpers */

static void quiet_log(int level, const char *msg)
{
	(void)level;
	(void)msg;
}

/* The checksum of the running graph's canonical plan. */
static uint32_t running_crc(struct lana_engine *e)
{
	struct lana_plan p;
	uint32_t crc;

	assert_int_equal(lana_engine_plan(e, &p), 0);
	crc = lana_plan_crc(&p);
	lana_plan_free(&p);
	return crc;
}

static int packets_cb(const struct lana_block_stats *s, void *ctx)
{
	*(uint64_t *)ctx = s->packets;
	return 0;
}

static uint64_t packets(struct lana_engine *e, const char *name)
{
	uint64_t n = UINT64_MAX;

	assert_int_equal(lana_engine_stats(e, name, packets_cb, &n), 0);
	return n;
}

/* An engine running G0 whose gen has sent its 50 packets, then stopped. */
static struct lana_engine *engine_g0(uint32_t crc0)
{
	struct lana_engine_opts o = { .workers = 1, .log = quiet_log };
	struct lana_engine *e = lana_engine_new(&o);
	struct timespec ts = { 0, 5 * 1000000 };
	struct lana_plan p;
	char err[512] = "";
	int i;

	assert_non_null(e);
	g0(&p);
	if (lana_engine_apply(e, &p, err, sizeof(err)))
		fail_msg("G0: %s", err);
	lana_plan_free(&p);
	assert_int_equal(lana_engine_start(e), 0);
	for (i = 0; i < 2000 && packets(e, "c") < 50; i++)
		nanosleep(&ts, NULL);
	lana_engine_stop(e);
	assert_int_equal(packets(e, "c"), 50);
	assert_int_equal(running_crc(e), crc0);
	return e;
}

/*
 * Apply @next to G0 with allocation N failing, N = 1, 2, ... until an
 * apply sees fewer than N allocations; @fast, @full: the paths taken by
 * the successful apply. Returns the number of failures injected.
 */
static unsigned long sweep(struct lana_plan *next, uint32_t want,
			   uint64_t *fast, uint64_t *full)
{
	struct lana_plan p;
	unsigned long n;
	uint32_t crc0;

	g0(&p);
	crc0 = lana_plan_crc(&p);
	lana_plan_free(&p);
	for (n = 1;; n++) {
		struct lana_engine *e = engine_g0(crc0);
		uint64_t f0, u0;
		char err[512] = "";
		int r;

		lana_engine_txn_counts(e, &f0, &u0);
		arm(n);
		r = lana_engine_apply(e, next, err, sizeof(err));
		disarm();
		if (seen < n) {
			/* no failure injected: the apply must simply work */
			if (r)
				fail_msg("N=%lu (none failed): %d %s", n, r,
					 err);
			assert_int_equal(running_crc(e), want);
			lana_engine_txn_counts(e, fast, full);
			*fast -= f0;
			*full -= u0;
			lana_engine_free(e);
			return n - 1;
		}
		if (r != -ENOMEM || !strstr(err, "out of memory"))
			fail_msg("N=%lu: want -ENOMEM \"out of memory\", got %d \"%s\"",
				 n, r, err);
		if (running_crc(e) != crc0)
			fail_msg("N=%lu: the running graph changed", n);
		assert_int_equal(packets(e, "c"), 50);
		assert_int_equal(packets(e, "d1"), 50);
		/* lanad keeps serving: the same apply now succeeds */
		if (lana_engine_apply(e, next, err, sizeof(err)))
			fail_msg("N=%lu: apply after the failure: %s", n, err);
		assert_int_equal(running_crc(e), want);
		assert_int_equal(packets(e, "c"), 50);	/* kept: same state */
		lana_engine_free(e);
	}
}

/* ---------------------------------------------------------------- tests */

/* The injection works: plain allocations through the wrapper fail. */
static void test_wrapper_injects(void **state)
{
	void *p;

	(void)state;
	arm(2);
	p = malloc(8);
	assert_non_null(p);
	assert_null(malloc(8));
	disarm();
	assert_int_equal(seen, 2);
	free(p);
}

static void test_full_plan(void **state)
{
	struct lana_plan p, w;
	uint64_t fast = 0, full = 0;
	unsigned long n;

	(void)state;
	g1(&p);
	g1(&w);
	n = sweep(&p, lana_plan_crc(&w), &fast, &full);
	print_message("full plan G1: %lu allocation failures survived (fast %llu, full %llu)\n",
		      n, (unsigned long long)fast, (unsigned long long)full);
	assert_true(n > 20);
	assert_int_equal(full, 1);	/* the full build path ran */
	lana_plan_free(&p);
	lana_plan_free(&w);
}

static void test_edit_plan(void **state)
{
	struct lana_plan p, w, b;
	uint64_t fast = 0, full = 0;
	unsigned long n;

	(void)state;
	g0(&b);
	edit_e(&p, lana_plan_crc(&b));
	g2(&w);
	n = sweep(&p, lana_plan_crc(&w), &fast, &full);
	print_message("edit plan E: %lu allocation failures survived (fast %llu, full %llu)\n",
		      n, (unsigned long long)fast, (unsigned long long)full);
	assert_true(n > 10);
	assert_int_equal(fast, 1);	/* the incremental path ran */
	lana_plan_free(&p);
	lana_plan_free(&w);
	lana_plan_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrapper_injects),
		cmocka_unit_test(test_full_plan),
		cmocka_unit_test(test_edit_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
