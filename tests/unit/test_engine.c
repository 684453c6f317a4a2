// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_engine.c - the userspace engine: transactions, PPE,
 * backlog, loop guard, notifier, patches under load.
 *
 * Graphs are built by hand as full plans (NEW + BIND) from the catalogue's
 * blocks (gen, fwd, counter, tee, drop, vlan, bpf, pcap_in); every expected
 * count is derived from the graph (packets generated, hops, copies), never
 * read back from the code under test. The random edits are checked against
 * an independent reference model of the documented semantics (rm_*).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "runtime/engine.h"
#define LANA_ENGINE_CORE	/* the table checks of test_incremental_random */
#include "runtime/engine_internal.h"
#include "blocks/catalogue.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------- plan helpers */

#include "plan_build.h"

/* gen(count, rate) with idp 1, named "g". */
static void plan_gen(struct lana_plan *p, uint64_t count, uint64_t rate)
{
	plan_new(p, 1, "gen", "g");
	plan_param(p, "count", LANA_PT_U64, count);
	if (rate)
		plan_param(p, "rate", LANA_PT_RATE, rate);
}

/* ------------------------------------------------------ engine helpers */

static void quiet_log(int level, const char *msg)
{
	(void)level;
	(void)msg;
}

static struct lana_engine *engine(unsigned int workers)
{
	struct lana_engine_opts o = { .workers = workers, .log = quiet_log };
	struct lana_engine *e = lana_engine_new(&o);

	assert_non_null(e);
	return e;
}

static void apply_ok(struct lana_engine *e, struct lana_plan *p)
{
	char err[512] = "";
	int r = lana_engine_apply(e, p, err, sizeof(err));

	if (r)
		fail_msg("apply: %d %s", r, err);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void wait_idle(struct lana_engine *e, unsigned int timeout_ms)
{
	unsigned int t;

	for (t = 0; t < timeout_ms; t++) {
		if (lana_engine_idle(e))
			return;
		sleep_ms(1);
	}
	fail_msg("engine not idle after %u ms", timeout_ms);
}

struct one {
	const char *name;
	struct lana_block_stats s;
	bool found;
};

static int one_cb(const struct lana_block_stats *s, void *ctx)
{
	struct one *o = ctx;

	o->s = *s;
	o->found = true;
	return 0;
}

static struct lana_block_stats stats_of(struct lana_engine *e,
					const char *name)
{
	struct one o = { .name = name };

	assert_int_equal(lana_engine_stats(e, name, one_cb, &o), 0);
	assert_true(o.found);
	return o.s;
}

/* The block type's own counter @key ("packets" of counter). */
static uint64_t stat_of(struct lana_engine *e, const char *name,
			const char *key)
{
	struct lana_block_stats s = stats_of(e, name);
	unsigned int i;

	for (i = 0; i < s.nstat; i++)
		if (!strcmp(s.stat[i].name, key))
			return s.stat[i].value;
	fail_msg("%s has no counter %s", name, key);
	return 0;
}

/* Count the blocks (not the engine's own record, IDP 0, which is last). */
static int count_cb(const struct lana_block_stats *s, void *ctx)
{
	if (s->idp != LANA_ENGINE_STATS_IDP)
		(*(unsigned int *)ctx)++;
	return 0;
}

struct engine_rec {
	unsigned int calls;		/* records seen */
	unsigned int at;		/* index of the engine's record */
	struct lana_block_stats s;	/* the engine's record */
};

static int engine_rec_cb(const struct lana_block_stats *s, void *ctx)
{
	struct engine_rec *r = ctx;

	if (s->idp == LANA_ENGINE_STATS_IDP) {
		r->s = *s;
		r->at = r->calls;
	}
	r->calls++;
	return 0;
}

/*
 * The engine's own record of a full stats dump (what `lanarun show`
 * prints as engine drops): checked to come last, once, named and typed as
 * engine/stats.h says; *@loop, *@unbound, *@nomem: its named counters.
 * Returns its drops.
 */
static uint64_t engine_drops(struct lana_engine *e, uint64_t *loop,
			     uint64_t *unbound, uint64_t *nomem)
{
	struct engine_rec r = { .at = ~0u };
	unsigned int i;

	assert_int_equal(lana_engine_stats(e, NULL, engine_rec_cb, &r), 0);
	assert_int_equal(r.at, r.calls - 1);
	assert_string_equal(r.s.name, "(engine)");
	assert_string_equal(r.s.type, "engine");
	assert_int_equal(r.s.nstat, 3);
	*loop = *unbound = *nomem = ~0ull;
	for (i = 0; i < r.s.nstat; i++) {
		if (!strcmp(r.s.stat[i].name, "loop_drops"))
			*loop = r.s.stat[i].value;
		else if (!strcmp(r.s.stat[i].name, "unbound_drops"))
			*unbound = r.s.stat[i].value;
		else if (!strcmp(r.s.stat[i].name, "nomem_drops"))
			*nomem = r.s.stat[i].value;
	}
	assert_true(*loop != ~0ull && *unbound != ~0ull && *nomem != ~0ull);
	return r.s.drops;
}

static uint32_t running_crc(struct lana_engine *e)
{
	struct lana_plan p;
	uint32_t crc;

	assert_int_equal(lana_engine_plan(e, &p), 0);
	crc = lana_plan_crc(&p);
	lana_plan_free(&p);
	return crc;
}

/* ----------------------------------------------------------------- tests */

/* gen(count=N) -> counter -> drop: every packet counted once, everywhere. */
static void test_run_count(void **state)
{
	const uint64_t n = 100000;
	struct lana_engine *e = engine(1);
	struct lana_engine_counters c;
	struct lana_block_stats s;
	struct lana_plan p;

	lana_plan_init(&p);
	plan_gen(&p, n, 0);
	plan_new(&p, 2, "counter", "c");
	plan_new(&p, 3, "drop", "d");
	plan_bind(&p, 1, 0, 2, 0);
	plan_bind(&p, 2, 0, 3, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	wait_idle(e, 20000);

	assert_int_equal(stat_of(e, "c", "packets"), n);
	assert_int_equal(stat_of(e, "c", "bytes"), n * 64);
	s = stats_of(e, "g");
	assert_int_equal(s.packets, n);
	assert_int_equal(s.bytes, n * 64);
	assert_string_equal(s.type, "gen");
	s = stats_of(e, "c");
	assert_int_equal(s.packets, n);
	assert_int_equal(s.bytes, n * 64);
	assert_int_equal(s.drops, 0);
	s = stats_of(e, "d");
	assert_int_equal(s.packets, n);
	assert_int_equal(s.drops, n);
	lana_engine_counters(e, &c);
	assert_int_equal(c.generation, 1);
	assert_int_equal(c.unbound_drops, 0);
	assert_int_equal(c.loop_drops, 0);
	assert_int_equal(lana_engine_stats(e, "nosuch", one_cb, NULL),
			 -ENOENT);

	/* the running plan is the canonical form of what was applied */
	{
		struct lana_plan q;

		assert_int_equal(lana_engine_plan(e, &q), 0);
		assert_int_equal(q.insns.n, 5);
		assert_int_equal(lana_plan_crc(&q), lana_plan_crc(&p));
		lana_plan_free(&q);
	}
	lana_engine_free(e);
	lana_plan_free(&p);
}

/*
 * The table op's paging (blocks/lana_block.h): a switch that learned 1000
 * addresses from gen (frame i from 02:00:00:00:00:01 + i, src_count
 * 1000) into port 1, read with pages of 1, 2, 7, 128, 999, 1000 and 4096
 * rows, lists each address once (a bitmap of the 48-bit values minus the
 * first), on port 1, and the read ends with a page shorter than asked
 * for; a read at the end's cursor gives nothing.
 */
struct table_chk {
	unsigned int page;
	bool done;
};

static int table_cb(const struct lana_block_stats *s, void *ctx)
{
	struct table_chk *c = ctx;
	const struct lana_block *b = s->block;
	static struct lana_row rows[4096];
	static bool seen[1000];
	unsigned int n, k, total = 0;
	uint32_t pos = 0;

	assert_non_null(b);
	assert_non_null(b->type->table);
	memset(seen, 0, sizeof(seen));
	do {
		n = b->type->table(b, &pos, rows, c->page);
		assert_true(n <= c->page);
		for (k = 0; k < n; k++) {
			unsigned int m[6];
			uint64_t v;

			assert_int_equal(rows[k].ncol, 4);
			assert_string_equal(rows[k].col[0].key, "mac");
			assert_string_equal(rows[k].col[2].key, "port");
			assert_int_equal(sscanf(rows[k].col[0].val,
						"%2x:%2x:%2x:%2x:%2x:%2x",
						&m[0], &m[1], &m[2], &m[3],
						&m[4], &m[5]), 6);
			v = (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 |
			    (uint64_t)m[2] << 24 | (uint64_t)m[3] << 16 |
			    (uint64_t)m[4] << 8 | m[5];
			v -= 0x020000000001ull;
			assert_true(v < 1000);
			assert_false(seen[v]);
			seen[v] = true;
			assert_string_equal(rows[k].col[2].val, "1");
			assert_string_equal(rows[k].col[1].val, "-");
		}
		total += n;
	} while (n == c->page);
	assert_int_equal(total, 1000);
	assert_int_equal(b->type->table(b, &pos, rows, c->page), 0);
	c->done = true;
	return 0;
}

static void test_table_paging(void **state)
{
	static const unsigned int pages[] = { 1, 2, 7, 128, 999, 1000, 4096 };
	struct lana_engine *e = engine(1);
	struct lana_plan p;
	unsigned int i;

	lana_plan_init(&p);
	plan_gen(&p, 1000, 0);
	plan_param(&p, "src_count", LANA_PT_U32, 1000);
	plan_new(&p, 2, "switch", "s");
	plan_param(&p, "ports", LANA_PT_U32, 2);
	plan_param(&p, "max_entries", LANA_PT_U32, 1000);
	plan_new(&p, 3, "drop", "d0");
	plan_new(&p, 4, "drop", "d1");
	plan_bind(&p, 1, 0, 2, 1);
	plan_bind(&p, 2, 0, 3, 0);
	plan_bind(&p, 2, 1, 4, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	wait_idle(e, 20000);
	assert_int_equal(stat_of(e, "s", "entries"), 1000);
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		struct table_chk c = { .page = pages[i] };

		assert_int_equal(lana_engine_stats(e, "s", table_cb, &c), 0);
		assert_true(c.done);
	}
	lana_engine_free(e);
	lana_plan_free(&p);
}

/* Unbound OUT port: packets freed and counted as the block's drops. */
static void test_unbound(void **state)
{
	const uint64_t n = 5000;
	struct lana_engine *e = engine(1);
	struct lana_engine_counters c;
	struct lana_plan p;

	lana_plan_init(&p);
	plan_gen(&p, n, 0);
	plan_new(&p, 2, "fwd", "f");
	plan_bind(&p, 1, 0, 2, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	wait_idle(e, 20000);
	lana_engine_counters(e, &c);
	assert_int_equal(c.unbound_drops, n);
	assert_int_equal(stats_of(e, "f").drops, n);
	assert_int_equal(stats_of(e, "f").packets, n);
	{
		uint64_t loop, unbound, nomem;

		/* n packets from gen, every one out of f's unbound port */
		assert_int_equal(engine_drops(e, &loop, &unbound, &nomem), n);
		assert_int_equal(unbound, n);
		assert_int_equal(loop, 0);
		assert_int_equal(nomem, 0);
	}
	lana_engine_free(e);
	lana_plan_free(&p);
}

/* Two workers, two sources feeding one counter: per-worker counts summed. */
static void test_two_workers(void **state)
{
	const uint64_t n = 200000;
	struct lana_engine *e = engine(2);
	struct lana_plan p;

	lana_plan_init(&p);
	plan_gen(&p, n, 0);
	plan_new(&p, 2, "gen", "g2");
	plan_param(&p, "count", LANA_PT_U64, n);
	plan_param(&p, "size", LANA_PT_SIZE, 100);
	plan_new(&p, 3, "counter", "c");
	plan_new(&p, 4, "drop", "d");
	plan_bind(&p, 1, 0, 3, 0);
	plan_bind(&p, 2, 0, 3, 0);
	plan_bind(&p, 3, 0, 4, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	wait_idle(e, 20000);
	assert_int_equal(stat_of(e, "c", "packets"), 2 * n);
	assert_int_equal(stats_of(e, "c").packets, 2 * n);
	assert_int_equal(stats_of(e, "c").bytes, n * 64 + n * 100);
	assert_int_equal(stats_of(e, "d").drops, 2 * n);
	lana_engine_free(e);
	lana_plan_free(&p);
}

/* tee(n=2): the copy goes through the backlog; both reach the counter. */
static void test_tee_backlog(void **state)
{
	const uint64_t n = 50000;
	struct lana_engine *e = engine(1);
	struct lana_engine_counters c;
	struct lana_plan p;

	lana_plan_init(&p);
	plan_gen(&p, n, 0);
	plan_new(&p, 2, "tee", "t");
	plan_param(&p, "n", LANA_PT_U8, 3);
	plan_new(&p, 3, "counter", "c");
	plan_new(&p, 4, "counter", "c2");
	plan_new(&p, 5, "drop", "d");
	plan_bind(&p, 1, 0, 2, 0);
	plan_bind(&p, 2, 0, 3, 0);
	plan_bind(&p, 2, 1, 3, 0);
	plan_bind(&p, 2, 2, 4, 0);
	plan_bind(&p, 3, 0, 5, 0);
	plan_bind(&p, 4, 0, 5, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	wait_idle(e, 20000);
	assert_int_equal(stat_of(e, "c", "packets"), 2 * n);
	assert_int_equal(stat_of(e, "c2", "packets"), n);
	assert_int_equal(stats_of(e, "d").drops, 3 * n);
	lana_engine_counters(e, &c);
	assert_int_equal(c.nomem_drops, 0);
	assert_int_equal(c.unbound_drops, 0);
	lana_engine_free(e);
	lana_plan_free(&p);
}

/*
 * A cycle (built by hand, the compiler would refuse it): the loop guard
 * ends it. g -> f1 -> f2 -> f1 ...: 3 blocks and a cycle, so the bound is
 * 3 hops (lana_graph_hops(): the number of blocks when there is a cycle,
 * no vlink): f1 (hop 1), f2 (2), f1 (3), then dropped. With a tail of
 * k fwds before the cycle, 3 + k blocks: the tail (k hops), then the
 * cycle takes 3 more hops: f1, f2, f1 again.
 */
static void test_loop_guard(void **state)
{
	const uint64_t n = 1000;
	struct lana_engine *e;
	struct lana_engine_counters c;
	struct lana_plan p;
	uint64_t loop, unbound, nomem;
	uint32_t k, i;

	for (k = 0; k <= 4; k += 4) {
		e = engine(1);
		lana_plan_init(&p);
		plan_gen(&p, n, 0);
		for (i = 0; i < k; i++) {
			char nm[16];

			snprintf(nm, sizeof(nm), "t%u", i);
			plan_new(&p, 4 + i, "fwd", nm);
		}
		plan_new(&p, 2, "fwd", "f1");
		plan_new(&p, 3, "counter", "f2");
		for (i = 0; i < k; i++)
			plan_bind(&p, i ? 4 + i - 1 : 1, 0, 4 + i, 0);
		plan_bind(&p, k ? 4 + k - 1 : 1, 0, 2, 0);
		plan_bind(&p, 2, 0, 3, 0);
		plan_bind(&p, 3, 0, 2, 0);
		apply_ok(e, &p);
		assert_int_equal(lana_engine_start(e), 0);
		wait_idle(e, 20000);
		lana_engine_counters(e, &c);
		assert_int_equal(c.loop_drops, n);
		assert_int_equal(stats_of(e, "f1").packets, 2 * n);
		assert_int_equal(stat_of(e, "f2", "packets"), n);
		assert_int_equal(engine_drops(e, &loop, &unbound, &nomem), n);
		assert_int_equal(loop, n);
		assert_int_equal(unbound, 0);
		lana_engine_free(e);
		lana_plan_free(&p);
	}
}

/*
 * gen(count = @n) -> c1 -> ... -> c@len -> drop. @edit: first the same
 * blocks with only gen -> c1 -> drop bound (not started: gen sends
 * nothing yet), then the chain as an edit (diff), so that the version
 * that runs is built by the incremental path.
 */
static void run_chain(uint32_t len, uint64_t n, bool edit)
{
	struct lana_engine *e = engine(1);
	struct lana_engine_counters c;
	struct lana_plan p, run, ed;
	uint64_t loop, unbound, nomem, fast0, fast1, full;
	char err[256], nm[16];
	uint32_t i;

	lana_plan_init(&p);
	plan_gen(&p, n, 0);
	for (i = 1; i <= len; i++) {
		snprintf(nm, sizeof(nm), "c%u", i);
		plan_new(&p, 1 + i, "counter", nm);
	}
	plan_new(&p, len + 2, "drop", "d");
	for (i = 1; i <= len + 1; i++)
		plan_bind(&p, i, 0, i + 1, 0);
	if (edit) {
		/* the same blocks, the chain cut after c1 (c1 -> d) */
		struct lana_plan q;

		lana_plan_init(&q);
		plan_gen(&q, n, 0);
		for (i = 1; i <= len; i++) {
			snprintf(nm, sizeof(nm), "c%u", i);
			plan_new(&q, 1 + i, "counter", nm);
		}
		plan_new(&q, len + 2, "drop", "d");
		plan_bind(&q, 1, 0, 2, 0);
		plan_bind(&q, 2, 0, len + 2, 0);
		apply_ok(e, &q);
		lana_plan_free(&q);
		lana_engine_txn_counts(e, &fast0, &full);
		assert_int_equal(lana_engine_plan(e, &run), 0);
		assert_int_equal(lana_plan_diff(&run, &p, &ed, NULL, err,
						sizeof(err)), 0);
		apply_ok(e, &ed);
		lana_engine_txn_counts(e, &fast1, &full);
		assert_int_equal(fast1, fast0 + 1);	/* built incrementally */
		lana_plan_free(&ed);
		lana_plan_free(&run);
	} else {
		apply_ok(e, &p);
	}
	assert_int_equal(lana_engine_start(e), 0);
	wait_idle(e, 60000);
	for (i = 1; i <= len; i++) {
		snprintf(nm, sizeof(nm), "c%u", i);
		if (stat_of(e, nm, "packets") != n)
			fail_msg("chain of %u: %s counted %llu, want %llu",
				 len, nm,
				 (unsigned long long)stat_of(e, nm, "packets"),
				 (unsigned long long)n);
	}
	assert_int_equal(stats_of(e, "d").packets, n);
	lana_engine_counters(e, &c);
	assert_int_equal(c.loop_drops, 0);
	assert_int_equal(engine_drops(e, &loop, &unbound, &nomem), 0);
	lana_engine_free(e);
	lana_plan_free(&p);
}

/*
 * Acyclic chains longer than any fixed loop guard (256 before issue 9)
 * lose no packet: n in at gen, n counted by each of @len counters, n at
 * the drop at the end (the loop guard is the longest path, len + 1 hops).
 */
static void test_long_chain(void **state)
{
	run_chain(300, 2000, false);
	run_chain(1000, 2000, false);
	run_chain(1000, 500, true);
}

/* Stale base crc -> -ESTALE; a fresh edit applies once, then is stale. */
static void test_stale(void **state)
{
	struct lana_engine *e = engine(1);
	struct lana_plan p, q, run, ed;
	char err[256];
	uint32_t crc0;

	lana_plan_init(&p);
	plan_gen(&p, 10, 0);
	plan_new(&p, 2, "drop", "d");
	plan_bind(&p, 1, 0, 2, 0);
	apply_ok(e, &p);
	crc0 = running_crc(e);

	/* q: p plus a counter between gen and drop */
	lana_plan_init(&q);
	plan_gen(&q, 10, 0);
	plan_new(&q, 2, "drop", "d");
	plan_new(&q, 3, "counter", "c");
	plan_bind(&q, 1, 0, 3, 0);
	plan_bind(&q, 3, 0, 2, 0);
	assert_int_equal(lana_engine_plan(e, &run), 0);
	assert_int_equal(lana_plan_diff(&run, &q, &ed, NULL, err, sizeof(err)),
			 0);
	assert_int_equal(ed.base_crc, crc0);

	ed.base_crc ^= 1;
	assert_int_equal(lana_engine_apply(e, &ed, err, sizeof(err)), -ESTALE);
	assert_non_null(strstr(err, "base"));
	assert_int_equal(running_crc(e), crc0);

	ed.base_crc ^= 1;
	apply_ok(e, &ed);
	assert_int_not_equal(running_crc(e), crc0);
	assert_int_equal(lana_engine_apply(e, &ed, err, sizeof(err)), -ESTALE);
	lana_plan_free(&ed);
	lana_plan_free(&run);

	/* same graph as q now: its plan names the same blocks */
	assert_int_equal(lana_engine_plan(e, &run), 0);
	assert_int_equal(lana_plan_diff(&run, &q, &ed, NULL, err, sizeof(err)),
			 0);
	assert_int_equal(ed.insns.n, 0);
	lana_plan_free(&ed);
	lana_plan_free(&run);
	lana_plan_free(&p);
	lana_plan_free(&q);
	lana_engine_free(e);
}

/* A failing constructor leaves the graph and its counters untouched. */
static void test_atomic(void **state)
{
	const uint64_t n = 3000;
	struct lana_engine *e = engine(1);
	struct lana_engine_counters c0, c1;
	struct lana_plan p, q;
	char err[512];
	uint32_t crc0;
	int r;

	lana_plan_init(&p);
	plan_gen(&p, n, 0);
	plan_new(&p, 2, "counter", "c");
	plan_new(&p, 3, "drop", "d");
	plan_bind(&p, 1, 0, 2, 0);
	plan_bind(&p, 2, 0, 3, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	wait_idle(e, 20000);
	crc0 = running_crc(e);
	lana_engine_counters(e, &c0);

	/* q: p + a counter (constructs fine) + pcap_in of a missing file */
	lana_plan_init(&q);
	plan_gen(&q, n, 0);
	plan_new(&q, 2, "counter", "c");
	plan_new(&q, 3, "drop", "d");
	plan_new(&q, 4, "counter", "extra");
	plan_new(&q, 5, "pcap_in", "bad");
	plan_str(&q, "file", "/nonexistent/lana-test.pcap");
	plan_bind(&q, 1, 0, 4, 0);
	plan_bind(&q, 4, 0, 2, 0);
	plan_bind(&q, 2, 0, 3, 0);
	plan_bind(&q, 5, 0, 3, 0);
	r = lana_engine_apply(e, &q, err, sizeof(err));
	assert_true(r < 0);
	assert_non_null(strstr(err, "instruction 2 (NEW"));
	assert_non_null(strstr(err, "bad pcap_in"));
	assert_int_equal(running_crc(e), crc0);
	lana_engine_counters(e, &c1);
	assert_int_equal(c1.generation, c0.generation);
	assert_int_equal(stat_of(e, "c", "packets"), n);
	assert_int_equal(stats_of(e, "g").packets, n);
	assert_int_equal(lana_engine_stats(e, "extra", one_cb, NULL),
			 -ENOENT);
	lana_engine_free(e);
	lana_plan_free(&p);
	lana_plan_free(&q);
}

/*
 * Insert a counter between two others while gen runs: the kept counters
 * are the same instances (values carry over), the new one counts.
 */
static void test_patch_insert(void **state)
{
	const uint64_t n = 60000;	/* ~0.6 s at 100k pps */
	const uint64_t rate = 100000ull * (64 + 24) * 8;
	struct lana_engine *e = engine(1);
	struct lana_plan p, q;
	uint64_t a, b, m, before;

	lana_plan_init(&p);
	plan_gen(&p, n, rate);
	plan_new(&p, 2, "counter", "a");
	plan_new(&p, 3, "counter", "b");
	plan_new(&p, 4, "drop", "d");
	plan_bind(&p, 1, 0, 2, 0);
	plan_bind(&p, 2, 0, 3, 0);
	plan_bind(&p, 3, 0, 4, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	sleep_ms(200);
	before = stat_of(e, "b", "packets");
	assert_true(before > 0);
	assert_true(before < n);

	lana_plan_init(&q);
	plan_gen(&q, n, rate);
	plan_new(&q, 2, "counter", "a");
	plan_new(&q, 3, "counter", "b");
	plan_new(&q, 4, "drop", "d");
	plan_new(&q, 5, "counter", "m");
	plan_bind(&q, 1, 0, 2, 0);
	plan_bind(&q, 2, 0, 5, 0);
	plan_bind(&q, 5, 0, 3, 0);
	plan_bind(&q, 3, 0, 4, 0);
	apply_ok(e, &q);
	wait_idle(e, 20000);
	a = stat_of(e, "a", "packets");
	b = stat_of(e, "b", "packets");
	m = stat_of(e, "m", "packets");
	assert_int_equal(a, n);
	assert_int_equal(b, n);		/* same instance: nothing lost */
	assert_true(m > 0);
	assert_true(m <= n - before);
	assert_int_equal(stats_of(e, "g").packets, n);
	lana_engine_free(e);
	lana_plan_free(&p);
	lana_plan_free(&q);
}

/* SET of a live parameter (gen rate) keeps the instance and its state. */
static void test_set_live(void **state)
{
	struct lana_engine *e = engine(1);
	struct lana_plan p, q, run;
	uint32_t i;
	bool seen = false;

	lana_plan_init(&p);
	plan_gen(&p, 1000, 8000000);
	plan_new(&p, 2, "counter", "c");
	plan_new(&p, 3, "drop", "d");
	plan_bind(&p, 1, 0, 2, 0);
	plan_bind(&p, 2, 0, 3, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	sleep_ms(20);

	lana_plan_init(&q);
	plan_new(&q, 1, "gen", "g");
	plan_param(&q, "count", LANA_PT_U64, 1000);
	plan_param(&q, "rate", LANA_PT_RATE, 0);
	plan_new(&q, 2, "counter", "c");
	plan_new(&q, 3, "drop", "d");
	plan_bind(&q, 1, 0, 2, 0);
	plan_bind(&q, 2, 0, 3, 0);
	/* rate 0 = unlimited: the rest goes at once */
	apply_ok(e, &q);
	wait_idle(e, 5000);
	assert_int_equal(stats_of(e, "g").packets, 1000);
	assert_int_equal(stat_of(e, "c", "packets"), 1000);
	assert_int_equal(lana_engine_plan(e, &run), 0);
	for (i = 0; i < run.insns.n; i++) {
		struct lana_insn *in = &run.insns.v[i];
		uint32_t k;

		if (in->op != LANA_OP_NEW || strcmp(in->name, "g"))
			continue;
		for (k = 0; k < in->nparams; k++)
			if (!strcmp(in->params[k].key, "rate")) {
				assert_int_equal(in->params[k].val.u, 0);
				seen = true;
			}
	}
	assert_true(seen);
	lana_plan_free(&run);
	lana_engine_free(e);
	lana_plan_free(&p);
	lana_plan_free(&q);
}

/* ------------------------------------------------- SET rollback */

/*
 * A gen whose set op records every call ("name=rate ") and refuses the
 * rate 13: a transaction that SETs two kept blocks, the second refused,
 * must undo the first through its set op (the block's live state), keep
 * the running plan, and name the refused instruction.
 */
static struct lana_block_type tgen;
static char setlog[512];

static int tgen_set(struct lana_block *b, unsigned int pidx,
		    const struct lana_value *v)
{
	size_t l = strlen(setlog);

	snprintf(setlog + l, sizeof(setlog) - l, "%s=%llu ", b->name,
		 (unsigned long long)v->u);
	if (v->u == 13) {
		lana_block_error(b, "rate 13 refused");
		return -EINVAL;
	}
	return 0;
}

static uint64_t plan_rate_of(struct lana_engine *e, const char *name)
{
	struct lana_plan run;
	uint64_t r = UINT64_MAX;
	uint32_t i, k;

	assert_int_equal(lana_engine_plan(e, &run), 0);
	for (i = 0; i < run.insns.n; i++) {
		struct lana_insn *in = &run.insns.v[i];

		if (in->op != LANA_OP_NEW || strcmp(in->name, name))
			continue;
		for (k = 0; k < in->nparams; k++)
			if (!strcmp(in->params[k].key, "rate"))
				r = in->params[k].val.u;
	}
	lana_plan_free(&run);
	return r;
}

/* g1 gen(rate = @r1) -> d1 drop, g2 gen(rate = @r2) -> d2 drop */
static void plan_two_gens(struct lana_plan *p, uint64_t r1, uint64_t r2)
{
	lana_plan_init(p);
	plan_new(p, 1, "gen", "g1");
	plan_param(p, "count", LANA_PT_U64, 1);
	plan_param(p, "rate", LANA_PT_RATE, r1);
	plan_new(p, 2, "gen", "g2");
	plan_param(p, "count", LANA_PT_U64, 1);
	plan_param(p, "rate", LANA_PT_RATE, r2);
	plan_new(p, 3, "drop", "d1");
	plan_new(p, 4, "drop", "d2");
	plan_bind(p, 1, 0, 3, 0);
	plan_bind(p, 2, 0, 4, 0);
}

static void test_set_rollback(void **state)
{
	struct lana_engine *e;
	struct lana_plan p, q;
	char err[256] = "";

	tgen = *lana_catalogue_find("gen");
	tgen.set = tgen_set;
	assert_int_equal(lana_engine_register_type(&tgen), 0);
	e = engine(1);		/* not started: no packet moves */
	plan_two_gens(&p, 1000, 2000);
	apply_ok(e, &p);

	/* g1 1000 -> 5000 is accepted, then g2 2000 -> 13 is refused */
	setlog[0] = 0;
	plan_two_gens(&q, 5000, 13);
	assert_int_equal(lana_engine_apply(e, &q, err, sizeof(err)), -EINVAL);
	/* g1's SET ran, g2's was refused, g1 was given its old rate back */
	assert_string_equal(setlog, "g1=5000 g2=13 g1=1000 ");
	assert_non_null(strstr(err, "(SET 2 g2 rate): rate 13 refused"));
	assert_int_equal(plan_rate_of(e, "g1"), 1000);
	assert_int_equal(plan_rate_of(e, "g2"), 2000);

	/* the graph still takes a good edit from where it was */
	setlog[0] = 0;
	lana_plan_free(&q);
	plan_two_gens(&q, 5000, 2000);
	apply_ok(e, &q);
	assert_string_equal(setlog, "g1=5000 ");
	assert_int_equal(plan_rate_of(e, "g1"), 5000);

	lana_engine_free(e);
	lana_engine_unregister_types();
	lana_plan_free(&p);
	lana_plan_free(&q);
}

/* ------------------------------------- SET and the published version */

/*
 * A packet sees one graph version, parameters included (thesis 4.2.4):
 * g gen -> h fwd (holds the first burst while @hold is set) -> v vlan(push,
 * vid 100) -> s1 drop. With the burst held inside the running version, an
 * apply SETs v's vid to 200 and moves v's output to s2. The held packet
 * must leave the old way with the old tag (s1, vid 100); with the SET
 * applied to the live instance before the publish it would reach s1 with
 * vid 200, with the PPE re-reading the version per hop s2. Packets of the
 * new version get vid 200 at s2. @extra unconnected drop blocks in the
 * second plan make the edit big enough for the full build path, so both
 * paths (txn_inc.c, engine/txn.c) are checked.
 */
static struct lana_block_type thold, tsink;
static const struct lana_block_type *real_drop;
static int hold_on, held;
static uint16_t tags[2][8];
static unsigned int ntags[2];

static int thold_rx(struct lana_block *b, struct lana_burst *v)
{
	if (__atomic_load_n(&hold_on, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&held, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&hold_on, __ATOMIC_SEQ_CST))
			sleep_ms(1);
	}
	return 0;
}

/* record the TCI of each frame (bytes 14..15), by sink (s1: 0, s2: 1) */
static int tsink_rx(struct lana_block *b, struct lana_burst *v)
{
	unsigned int k = strcmp(b->name, "s1") != 0, i;

	for (i = 0; i < v->n; i++) {
		const uint8_t *d = lana_pkt_data(v->pkt[i]);

		if (ntags[k] < 8)
			tags[k][ntags[k]] = (uint16_t)(d[14] << 8 | d[15]);
		ntags[k]++;
	}
	return real_drop->rx(b, v);
}

static void plan_held(struct lana_plan *p, uint64_t count, uint64_t vid,
		      uint32_t sink, unsigned int extra)
{
	unsigned int i;

	lana_plan_init(p);
	plan_gen(p, count, 0);
	plan_new(p, 2, "fwd", "h");
	plan_new(p, 3, "vlan", "v");
	plan_enum(p, "op", "push");
	plan_param(p, "vid", LANA_PT_U16, vid);
	plan_new(p, 4, "drop", "s1");
	plan_new(p, 5, "drop", "s2");
	for (i = 0; i < extra; i++) {
		char nm[16];

		snprintf(nm, sizeof(nm), "x%u", i);
		plan_new(p, 6 + i, "drop", nm);
	}
	plan_bind(p, 1, 0, 2, 0);
	plan_bind(p, 2, 0, 3, 0);
	plan_bind(p, 3, 0, sink, 0);
}

static void run_set_version(unsigned int extra)
{
	struct lana_engine *e = engine(1);
	uint64_t fast0, full0, fast1, full1;
	struct lana_plan a, b, c;
	unsigned int t;

	memset(tags, 0, sizeof(tags));
	ntags[0] = ntags[1] = 0;
	plan_held(&a, 1, 100, 4, 0);
	plan_held(&b, 1, 200, 5, extra);
	plan_held(&c, 2, 200, 5, extra);	/* count 2: a REPLACE of g */
	__atomic_store_n(&hold_on, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&held, 0, __ATOMIC_SEQ_CST);
	apply_ok(e, &a);
	assert_int_equal(lana_engine_start(e), 0);
	for (t = 0; t < 5000 && !__atomic_load_n(&held, __ATOMIC_SEQ_CST); t++)
		sleep_ms(1);
	assert_int_equal(__atomic_load_n(&held, __ATOMIC_SEQ_CST), 1);

	lana_engine_txn_counts(e, &fast0, &full0);
	apply_ok(e, &b);	/* returns with the packet still held */
	lana_engine_txn_counts(e, &fast1, &full1);
	if (extra)
		assert_int_equal(full1, full0 + 1);
	else
		assert_int_equal(fast1, fast0 + 1);
	assert_int_equal(ntags[0] + ntags[1], 0);
	__atomic_store_n(&hold_on, 0, __ATOMIC_SEQ_CST);
	wait_idle(e, 5000);
	/* the held packet: old wiring, old tag (TPID 8100 then TCI 100) */
	assert_int_equal(ntags[0], 1);
	assert_int_equal(ntags[1], 0);
	assert_int_equal(tags[0][0], 100);

	apply_ok(e, &c);	/* new packets run in the new version */
	wait_idle(e, 5000);
	assert_int_equal(ntags[0], 1);
	assert_int_equal(ntags[1], 2);
	assert_int_equal(tags[1][0], 200);
	assert_int_equal(tags[1][1], 200);
	assert_int_equal(stat_of(e, "v", "pushed"), 3);
	lana_engine_free(e);
	lana_plan_free(&a);
	lana_plan_free(&b);
	lana_plan_free(&c);
}

static void test_set_version(void **state)
{
	thold = *lana_catalogue_find("fwd");
	thold.rx = thold_rx;
	real_drop = lana_catalogue_find("drop");
	tsink = *real_drop;
	tsink.rx = tsink_rx;
	assert_int_equal(lana_engine_register_type(&thold), 0);
	assert_int_equal(lana_engine_register_type(&tsink), 0);
	run_set_version(0);
	run_set_version(5000);
	lana_engine_unregister_types();
}

/*
 * A live op that fails mid-transaction: two vlan blocks, SET v1 vid 11
 * (made) and v2 vid 13 (refused by the test's live op) in one apply. The
 * apply fails naming v2's SET, v1's new object is freed and its old one
 * stays in use: traffic afterwards is tagged 10 and 20; every live object
 * made is freed by the end (hand count: 2 at the start, 1 for v1's SET,
 * 1 more for the later good apply).
 */
static struct lana_block_type tvlan;
static const struct lana_block_type *real_vlan;
static int live_made, live_freed;
static void *live_obj[8];	/* made, in order; NULL once freed */

static int tvlan_live(struct lana_block *b, const struct lana_value *params,
		      void **out)
{
	int r;

	if (params[1].type != LANA_PT_NONE && params[1].u == 13) {
		lana_block_error(b, "vid 13 refused");
		return -EINVAL;
	}
	r = real_vlan->live(b, params, out);
	if (!r && live_made < 8)
		live_obj[live_made++] = *out;
	return r;
}

/* every object freed once, and only objects the live op made */
static void tvlan_live_free(void *obj)
{
	int i;

	for (i = 0; i < live_made && live_obj[i] != obj; i++)
		;
	if (i == live_made)
		fail_msg("live_free of %p: not made, or freed twice", obj);
	live_obj[i] = NULL;
	live_freed++;
	real_vlan->live_free(obj);
}

/* g1 gen(count @n) -> v1 vlan(push, vid @v1) -> s1; g2 ... -> s2 */
static void plan_two_vlans(struct lana_plan *p, uint64_t n, uint64_t v1,
			   uint64_t v2)
{
	lana_plan_init(p);
	plan_new(p, 1, "gen", "g1");
	plan_param(p, "count", LANA_PT_U64, n);
	plan_new(p, 2, "gen", "g2");
	plan_param(p, "count", LANA_PT_U64, n);
	plan_new(p, 3, "vlan", "v1");
	plan_enum(p, "op", "push");
	plan_param(p, "vid", LANA_PT_U16, v1);
	plan_new(p, 4, "vlan", "v2");
	plan_enum(p, "op", "push");
	plan_param(p, "vid", LANA_PT_U16, v2);
	plan_new(p, 5, "drop", "s1");
	plan_new(p, 6, "drop", "s2");
	plan_bind(p, 1, 0, 3, 0);
	plan_bind(p, 2, 0, 4, 0);
	plan_bind(p, 3, 0, 5, 0);
	plan_bind(p, 4, 0, 6, 0);
}

static void test_set_live_rollback(void **state)
{
	struct lana_engine *e;
	struct lana_plan p, q;
	char err[256] = "";

	real_vlan = lana_catalogue_find("vlan");
	assert_int_equal(strcmp(real_vlan->params[1].name, "vid"), 0);
	tvlan = *real_vlan;
	tvlan.live = tvlan_live;
	tvlan.live_free = tvlan_live_free;
	real_drop = lana_catalogue_find("drop");
	tsink = *real_drop;
	tsink.rx = tsink_rx;
	assert_int_equal(lana_engine_register_type(&tvlan), 0);
	assert_int_equal(lana_engine_register_type(&tsink), 0);
	live_made = live_freed = 0;
	memset(live_obj, 0, sizeof(live_obj));
	memset(tags, 0, sizeof(tags));
	ntags[0] = ntags[1] = 0;

	e = engine(1);		/* not started: the gens wait */
	plan_two_vlans(&p, 1, 10, 20);
	apply_ok(e, &p);
	assert_int_equal(live_made, 2);
	plan_two_vlans(&q, 1, 11, 13);
	assert_int_equal(lana_engine_apply(e, &q, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "(SET 4 v2 vid): vid 13 refused"));
	assert_int_equal(live_made, 3);		/* v1's new one, then freed */
	assert_int_equal(live_freed, 1);
	assert_int_equal(lana_engine_start(e), 0);
	wait_idle(e, 5000);
	assert_int_equal(ntags[0], 1);
	assert_int_equal(ntags[1], 1);
	assert_int_equal(tags[0][0], 10);
	assert_int_equal(tags[1][0], 20);

	/* a good SET later replaces v1's object; the old one goes too */
	lana_plan_free(&q);
	plan_two_vlans(&q, 1, 11, 20);
	apply_ok(e, &q);
	assert_int_equal(live_made, 4);
	lana_engine_free(e);
	assert_int_equal(live_freed, 4);
	lana_engine_unregister_types();
	lana_plan_free(&p);
	lana_plan_free(&q);
}

/* ------------------------------------------- notifier and destructors */

static const struct lana_block_type *real_fwd;
static unsigned int n_init, n_fini;
static char evlog[4096];

static int tfwd_init(struct lana_block *b, const struct lana_value *v)
{
	__atomic_add_fetch(&n_init, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void tfwd_fini(struct lana_block *b)
{
	__atomic_add_fetch(&n_fini, 1, __ATOMIC_SEQ_CST);
}

static int tfwd_rx(struct lana_block *b, struct lana_burst *v)
{
	return 0;
}

static void tfwd_event(struct lana_block *b, unsigned int ev,
		       const struct lana_block *src)
{
	static const char *const names[] = { "?", "bind", "unbind", "set",
					     "del" };
	size_t l = strlen(evlog);

	snprintf(evlog + l, sizeof(evlog) - l, "%s:%s(%s) ", b->name,
		 names[ev < 5 ? ev : 0], src->name);
}

static struct lana_block_type tfwd;

static void wait_fini(unsigned int want)
{
	unsigned int t;

	for (t = 0; t < 5000; t++) {
		if (__atomic_load_n(&n_fini, __ATOMIC_SEQ_CST) >= want)
			break;
		sleep_ms(1);
	}
	assert_int_equal(__atomic_load_n(&n_fini, __ATOMIC_SEQ_CST), want);
}

static void test_notifier(void **state)
{
	struct lana_engine *e;
	struct lana_plan p, q;
	unsigned int nblk = 0;
	char err[256];

	real_fwd = lana_catalogue_find("fwd");
	tfwd = *real_fwd;
	tfwd.init = tfwd_init;
	tfwd.fini = tfwd_fini;
	tfwd.rx = tfwd_rx;
	tfwd.event = tfwd_event;
	assert_int_equal(lana_engine_register_type(&tfwd), 0);
	assert_int_equal(lana_engine_register_type(&tfwd), -EEXIST);
	n_init = n_fini = 0;
	evlog[0] = 0;
	e = engine(1);

	/* x -> d */
	lana_plan_init(&p);
	plan_new(&p, 1, "fwd", "x");
	plan_new(&p, 2, "drop", "d");
	plan_bind(&p, 1, 0, 2, 0);
	apply_ok(e, &p);
	assert_string_equal(evlog, "x:bind(x) ");
	assert_int_equal(n_init, 1);

	/* x -> y -> d: x rebound (x and its new neighbour y hear it) */
	evlog[0] = 0;
	lana_plan_init(&q);
	plan_new(&q, 1, "fwd", "x");
	plan_new(&q, 2, "drop", "d");
	plan_new(&q, 3, "fwd", "y");
	plan_bind(&q, 1, 0, 3, 0);
	plan_bind(&q, 3, 0, 2, 0);
	apply_ok(e, &q);
	assert_non_null(strstr(evlog, "x:bind(x)"));
	assert_non_null(strstr(evlog, "y:bind(x)"));
	assert_non_null(strstr(evlog, "y:bind(y)"));
	assert_non_null(strstr(evlog, "x:bind(y)"));
	assert_int_equal(n_init, 2);

	/* back to x -> d: y leaves (DEL to itself and its old neighbours) */
	evlog[0] = 0;
	apply_ok(e, &p);
	assert_non_null(strstr(evlog, "x:bind(x)"));
	assert_non_null(strstr(evlog, "y:del(y)"));
	assert_non_null(strstr(evlog, "x:del(y)"));
	wait_fini(1);		/* after a grace period */

	assert_int_equal(lana_engine_flush(e, err, sizeof(err)), 0);
	assert_int_equal(lana_engine_stats(e, NULL, count_cb, &nblk), 0);
	assert_int_equal(nblk, 0);
	assert_non_null(strstr(evlog, "x:del(x)"));
	wait_fini(2);
	lana_engine_free(e);
	lana_engine_unregister_types();
	assert_int_equal(n_fini, n_init);
	lana_plan_free(&p);
	lana_plan_free(&q);
}

/* Destructors of the graph run at lana_engine_free. */
static void test_free_runs_fini(void **state)
{
	struct lana_engine *e;
	struct lana_plan p;

	tfwd = *lana_catalogue_find("fwd");
	tfwd.init = tfwd_init;
	tfwd.fini = tfwd_fini;
	assert_int_equal(lana_engine_register_type(&tfwd), 0);
	n_init = n_fini = 0;
	e = engine(2);
	lana_plan_init(&p);
	plan_new(&p, 1, "fwd", "x");
	plan_new(&p, 2, "fwd", "y");
	plan_bind(&p, 1, 0, 2, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	lana_engine_free(e);
	lana_engine_unregister_types();
	assert_int_equal(n_init, 2);
	assert_int_equal(n_fini, 2);
	lana_plan_free(&p);
}

/* --------------------------------------------------- patches under load */

/*
 * gen at a steady rate -> f -> c1 -> sink -> drop on two workers while the
 * control thread applies 200 patches adding and removing an unrelated
 * branch: the sink sees every generated packet exactly once.
 */
static void test_patch_under_load(void **state)
{
	const uint64_t n = 200000;	/* ~2 s at 100k pps */
	const uint64_t rate = 100000ull * (64 + 24) * 8;
	struct lana_engine *e = engine(2);
	struct lana_engine_counters c;
	struct lana_plan base, branch;
	unsigned int i;

	lana_plan_init(&base);
	plan_gen(&base, n, rate);
	plan_new(&base, 2, "fwd", "f");
	plan_new(&base, 3, "counter", "c1");
	plan_new(&base, 4, "counter", "sink");
	plan_new(&base, 5, "drop", "d");
	plan_bind(&base, 1, 0, 2, 0);
	plan_bind(&base, 2, 0, 3, 0);
	plan_bind(&base, 3, 0, 4, 0);
	plan_bind(&base, 4, 0, 5, 0);

	lana_plan_init(&branch);
	plan_gen(&branch, n, rate);
	plan_new(&branch, 2, "fwd", "f");
	plan_new(&branch, 3, "counter", "c1");
	plan_new(&branch, 4, "counter", "sink");
	plan_new(&branch, 5, "drop", "d");
	plan_new(&branch, 6, "fwd", "u");
	plan_new(&branch, 7, "counter", "uc");
	plan_new(&branch, 8, "drop", "ud");
	plan_bind(&branch, 1, 0, 2, 0);
	plan_bind(&branch, 2, 0, 3, 0);
	plan_bind(&branch, 3, 0, 4, 0);
	plan_bind(&branch, 4, 0, 5, 0);
	plan_bind(&branch, 6, 0, 7, 0);
	plan_bind(&branch, 7, 0, 8, 0);

	apply_ok(e, &base);
	assert_int_equal(lana_engine_start(e), 0);
	for (i = 0; i < 200; i++) {
		apply_ok(e, i % 2 ? &base : &branch);
		sleep_ms(5);
	}
	assert_false(lana_engine_idle(e));	/* the patches ran under load */
	wait_idle(e, 20000);
	lana_engine_counters(e, &c);
	assert_int_equal(c.generation, 201);
	assert_int_equal(stats_of(e, "g").packets, n);
	assert_int_equal(stat_of(e, "c1", "packets"), n);
	assert_int_equal(stat_of(e, "sink", "packets"), n);
	assert_int_equal(stats_of(e, "d").drops, n);
	assert_int_equal(c.unbound_drops, 0);
	lana_engine_free(e);
	lana_plan_free(&base);
	lana_plan_free(&branch);
}

/* Path A (a1 -> a2) or path B (b1 -> b2); @a selects fwd's target. */
static void flip_plan(struct lana_plan *p, uint64_t n, uint64_t rate, bool a)
{
	lana_plan_init(p);
	plan_gen(p, n, rate);
	plan_new(p, 2, "fwd", "f");
	plan_new(p, 3, "counter", "a1");
	plan_new(p, 4, "counter", "a2");
	plan_new(p, 5, "counter", "b1");
	plan_new(p, 6, "counter", "b2");
	plan_new(p, 7, "counter", "sink");
	plan_new(p, 8, "drop", "d");
	plan_bind(p, 1, 0, 2, 0);
	plan_bind(p, 2, 0, a ? 3 : 5, 0);
	plan_bind(p, 3, 0, 4, 0);
	plan_bind(p, 4, 0, 7, 0);
	plan_bind(p, 5, 0, 6, 0);
	plan_bind(p, 6, 0, 7, 0);
	plan_bind(p, 7, 0, 8, 0);
}

/*
 * Two alternative paths flipped 1000 times while packets flow: every
 * packet went through one whole path (a1 == a2, b1 == b2) and none was
 * lost or duplicated (a1 + b1 == generated == sink).
 */
static void test_flip_paths(void **state)
{
	const uint64_t n = 300000;	/* ~1 s at 300k pps */
	const uint64_t rate = 300000ull * (64 + 24) * 8;
	struct lana_engine *e = engine(2);
	struct lana_plan pa, pb;
	uint64_t a1, a2, b1, b2;
	unsigned int i;

	flip_plan(&pa, n, rate, true);
	flip_plan(&pb, n, rate, false);
	apply_ok(e, &pa);
	assert_int_equal(lana_engine_start(e), 0);
	for (i = 0; i < 1000; i++) {
		struct timespec ts = { 0, 300000 };

		apply_ok(e, i % 2 ? &pa : &pb);
		nanosleep(&ts, NULL);
	}
	wait_idle(e, 20000);
	a1 = stat_of(e, "a1", "packets");
	a2 = stat_of(e, "a2", "packets");
	b1 = stat_of(e, "b1", "packets");
	b2 = stat_of(e, "b2", "packets");
	assert_int_equal(a1, a2);
	assert_int_equal(b1, b2);
	assert_int_equal(a1 + b1, n);
	assert_int_equal(stat_of(e, "sink", "packets"), n);
	assert_int_equal(stats_of(e, "g").packets, n);
	assert_true(a1 > 0);
	assert_true(b1 > 0);
	lana_engine_free(e);
	lana_plan_free(&pa);
	lana_plan_free(&pb);
}

/*
 * Version @one or the other of the two-edge flip: two sources g and g2
 * (one per worker) into fwd f, which selects path 1 (counter c1, then
 * fwd chain m1 -> n1 -> o1) or path 2 (c2 -> m2 -> n2 -> o2):
 *   @one:  f -> c1,  o1 -> b1,  o2 -> x
 *   !@one: f -> c2,  o2 -> b2,  o1 -> x
 * and b1, b2, x -> sink -> drop. Each version changes TWO edges, f's and
 * the one out of the end of the path it selects, so a packet that took
 * f's edge in one version and o1's (or o2's) in the next ends up in x.
 * The chain only widens the window between the two edges.
 */
static void flip2_plan(struct lana_plan *p, uint64_t n, bool one)
{
	static const char *const chain[2][3] = {
		{ "m1", "n1", "o1" }, { "m2", "n2", "o2" },
	};
	unsigned int k, j;

	lana_plan_init(p);
	plan_gen(p, n, 0);
	plan_new(p, 2, "gen", "g2");
	plan_param(p, "count", LANA_PT_U64, n);
	plan_new(p, 3, "fwd", "f");
	plan_new(p, 4, "counter", "c1");
	plan_new(p, 5, "counter", "c2");
	plan_new(p, 6, "counter", "b1");
	plan_new(p, 7, "counter", "b2");
	plan_new(p, 8, "counter", "x");
	plan_new(p, 9, "counter", "sink");
	plan_new(p, 10, "drop", "d");
	/* path k: c at 4 + k, chain at 11 + 3k .. 13 + 3k */
	for (k = 0; k < 2; k++) {
		for (j = 0; j < 3; j++)
			plan_new(p, 11 + 3 * k + j, "fwd", chain[k][j]);
		plan_bind(p, 4 + k, 0, 11 + 3 * k, 0);
		plan_bind(p, 11 + 3 * k, 0, 12 + 3 * k, 0);
		plan_bind(p, 12 + 3 * k, 0, 13 + 3 * k, 0);
	}
	plan_bind(p, 1, 0, 3, 0);
	plan_bind(p, 2, 0, 3, 0);
	plan_bind(p, 3, 0, one ? 4 : 5, 0);
	plan_bind(p, 13, 0, one ? 6 : 8, 0);
	plan_bind(p, 16, 0, one ? 8 : 7, 0);
	plan_bind(p, 6, 0, 9, 0);
	plan_bind(p, 7, 0, 9, 0);
	plan_bind(p, 8, 0, 9, 0);
	plan_bind(p, 9, 0, 10, 0);
}

/*
 * A packet runs its whole way in the one version its worker took at the
 * start of the round. Both paths are flipped, two edges per version, for
 * as long as the two sources (one per worker, unpaced) send. A packet
 * that saw one version at f and the next at the end of its path would be
 * counted in x; so x == 0, every packet that entered c1 left to b1
 * (c1 == b1, c2 == b2), and none was lost or duplicated
 * (b1 + b2 == sink == 2n, each source sent n).
 */
static void test_flip_two_edges(void **state)
{
	const uint64_t n = 6000000;	/* ~0.3 s at full speed */
	struct lana_engine *e = engine(2);
	struct lana_plan p1, p2;
	uint64_t c1, c2, b1, b2;
	unsigned int i;

	flip2_plan(&p1, n, true);
	flip2_plan(&p2, n, false);
	apply_ok(e, &p1);
	assert_int_equal(lana_engine_start(e), 0);
	for (i = 0; i < 100000 && !lana_engine_idle(e); i++) {
		struct timespec ts = { 0, 50000 };

		apply_ok(e, i % 2 ? &p1 : &p2);
		nanosleep(&ts, NULL);
	}
	wait_idle(e, 20000);
	fprintf(stderr, "[ INFO     ] %u flips while the sources ran\n", i);
	c1 = stat_of(e, "c1", "packets");
	c2 = stat_of(e, "c2", "packets");
	b1 = stat_of(e, "b1", "packets");
	b2 = stat_of(e, "b2", "packets");
	assert_int_equal(stat_of(e, "x", "packets"), 0);
	assert_int_equal(c1, b1);
	assert_int_equal(c2, b2);
	assert_int_equal(b1 + b2, 2 * n);
	assert_int_equal(stat_of(e, "sink", "packets"), 2 * n);
	assert_int_equal(stats_of(e, "g").packets, n);
	assert_int_equal(stats_of(e, "g2").packets, n);
	assert_true(i > 1);
	assert_true(b1 > 0);
	assert_true(b2 > 0);
	lana_engine_free(e);
	lana_plan_free(&p1);
	lana_plan_free(&p2);
}

/* Flush removes everything; the engine keeps working afterwards. */
static void test_flush(void **state)
{
	struct lana_engine *e = engine(1);
	struct lana_engine_counters c;
	struct lana_plan p, run;
	unsigned int nblk = 0;
	char err[256];

	lana_plan_init(&p);
	plan_gen(&p, 100, 0);
	plan_new(&p, 2, "counter", "c");
	plan_new(&p, 3, "drop", "d");
	plan_bind(&p, 1, 0, 2, 0);
	plan_bind(&p, 2, 0, 3, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	wait_idle(e, 5000);
	assert_int_equal(lana_engine_flush(e, err, sizeof(err)), 0);
	assert_int_equal(lana_engine_stats(e, NULL, count_cb, &nblk), 0);
	assert_int_equal(nblk, 0);
	assert_int_equal(lana_engine_plan(e, &run), 0);
	assert_int_equal(run.insns.n, 0);
	lana_plan_free(&run);
	assert_true(lana_engine_idle(e));
	lana_engine_counters(e, &c);
	assert_int_equal(c.generation, 2);

	/* again: fresh instances, fresh counters */
	apply_ok(e, &p);
	wait_idle(e, 5000);
	assert_int_equal(stat_of(e, "c", "packets"), 100);
	lana_engine_free(e);
	lana_plan_free(&p);
}

/* Invalid plans are refused before anything is built. */
static void test_invalid(void **state)
{
	struct lana_engine *e = engine(1);
	struct lana_plan p;
	char err[256] = "";

	lana_plan_init(&p);
	plan_new(&p, 1, "nosuchtype", "x");
	assert_int_equal(lana_engine_apply(e, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "nosuchtype"));
	lana_plan_free(&p);

	lana_plan_init(&p);
	plan_new(&p, 1, "fwd", "x");
	plan_bind(&p, 1, 5, 1, 0);	/* no OUT port 5 */
	assert_int_equal(lana_engine_apply(e, &p, err, sizeof(err)), -EINVAL);
	lana_plan_free(&p);
	assert_null(lana_engine_new(&(struct lana_engine_opts){ .workers = 0 }));
	lana_engine_free(e);
}

/* ----------------------------------------------- incremental transactions */

/* lana_plan_crc() of the plan lana_engine_plan() serves (what clients use). */
static uint32_t served_crc(struct lana_engine *e)
{
	return running_crc(e);
}

/* An edit plan from lana_plan_diff(@run -> @to) (@run: the caller's view). */
static void make_edit(struct lana_plan *run, const struct lana_plan *to,
		      struct lana_plan *ed)
{
	char err[256];

	if (lana_plan_diff(run, to, ed, NULL, err, sizeof(err)))
		fail_msg("diff: %s", err);
}

/*
 * Edits after edits without a PLAN_GET in between: the client keeps its
 * own copy of the running plan (lana_plan_apply of each edit it sent) and
 * names its checksum as the next base. The engine, whose plan is stale
 * after an incremental transaction, must materialise it to check the base:
 * the right base is accepted, the previous one is -ESTALE, and the plan
 * finally served is the client's copy, byte for byte (same checksum).
 */
static void test_edit_chain_no_plan_get(void **state)
{
	struct lana_engine *e = engine(1);
	struct lana_plan p, q, r, view, next, ed, ed2, old_view;
	uint64_t fast0, full0, fast1, full1;
	char err[512];

	/* p: g -> a -> d */
	lana_plan_init(&p);
	plan_gen(&p, 10, 0);
	plan_new(&p, 2, "counter", "a");
	plan_new(&p, 3, "drop", "d");
	plan_bind(&p, 1, 0, 2, 0);
	plan_bind(&p, 2, 0, 3, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_plan(e, &view), 0);
	lana_engine_txn_counts(e, &fast0, &full0);

	/* q: g -> a -> m -> d (NEW m, BIND a -> m, BIND m -> d) */
	lana_plan_init(&q);
	plan_gen(&q, 10, 0);
	plan_new(&q, 2, "counter", "a");
	plan_new(&q, 3, "drop", "d");
	plan_new(&q, 4, "fwd", "m");
	plan_bind(&q, 1, 0, 2, 0);
	plan_bind(&q, 2, 0, 4, 0);
	plan_bind(&q, 4, 0, 3, 0);
	make_edit(&view, &q, &ed);
	apply_ok(e, &ed);

	/* the client's own copy of the running plan */
	assert_int_equal(lana_plan_apply(&view, &ed, &next, err, sizeof(err)),
			 0);
	old_view = view;
	view = next;

	/* r: q with m a counter (REPLACE) and the gen rate changed (SET) */
	lana_plan_init(&r);
	plan_new(&r, 1, "gen", "g");
	plan_param(&r, "count", LANA_PT_U64, 10);
	plan_param(&r, "rate", LANA_PT_RATE, 8000000);
	plan_new(&r, 2, "counter", "a");
	plan_new(&r, 3, "drop", "d");
	plan_new(&r, 4, "counter", "m");
	plan_bind(&r, 1, 0, 2, 0);
	plan_bind(&r, 2, 0, 4, 0);
	plan_bind(&r, 4, 0, 3, 0);
	make_edit(&view, &r, &ed2);
	assert_int_equal(ed2.base_crc, lana_plan_crc(&view));
	assert_int_not_equal(ed2.base_crc, lana_plan_crc(&old_view));

	/* the base of before the first edit: stale */
	ed2.base_crc = lana_plan_crc(&old_view);
	assert_int_equal(lana_engine_apply(e, &ed2, err, sizeof(err)),
			 -ESTALE);
	ed2.base_crc = lana_plan_crc(&view);
	apply_ok(e, &ed2);		/* materialised, then checked */

	/* and a third edit on top, again without PLAN_GET */
	assert_int_equal(lana_plan_apply(&view, &ed2, &next, err, sizeof(err)),
			 0);
	lana_plan_free(&view);
	view = next;
	lana_plan_free(&ed);
	make_edit(&view, &q, &ed);	/* back to q */
	apply_ok(e, &ed);
	assert_int_equal(lana_plan_apply(&view, &ed, &next, err, sizeof(err)),
			 0);
	lana_plan_free(&view);
	view = next;

	/* served plan == the client's copy */
	assert_int_equal(served_crc(e), lana_plan_crc(&view));
	lana_engine_txn_counts(e, &fast1, &full1);
	assert_int_equal(fast1 - fast0, 3);	/* all three incremental */
	assert_int_equal(full1, full0);
	assert_string_equal(stats_of(e, "m").type, "fwd");	/* q again */

	lana_plan_free(&old_view);
	lana_plan_free(&view);
	lana_plan_free(&ed);
	lana_plan_free(&ed2);
	lana_plan_free(&p);
	lana_plan_free(&q);
	lana_plan_free(&r);
	lana_engine_free(e);
}

/* A filter value of bpf from @expr (compiled by lana_value_parse). */
static void plan_filter(struct lana_plan *p, const char *expr)
{
	const struct lana_block_type *bt = lana_catalogue_find("bpf");
	const struct lana_param *pd = lana_param_find(bt, "filter");
	struct lana_insn *in = &p->insns.v[p->insns.n - 1];
	struct lana_pattr *a = lana_arena_alloc(&p->arena, sizeof(*a));
	char err[256];

	a->key = lana_arena_strdup(&p->arena, "filter");
	if (lana_value_parse(&p->arena, LANA_PT_FILTER, pd, expr, &a->val,
			     err, sizeof(err)))
		fail_msg("filter: %s", err);
	in->params = a;
	in->nparams = 1;
	p->crc = 0;
}

/*
 * bpf with its own rx, answering verdicts: every packet of a burst but the
 * last out of port 0, the last out of port 1 (tsplit_all: every packet
 * out of port 0).
 */
static struct lana_block_type tsplit;
static bool tsplit_all;

static int tsplit_rx(struct lana_block *b, struct lana_burst *v)
{
	uint16_t i;

	for (i = 0; i < v->n; i++)
		v->verdict[i] = !tsplit_all && i == v->n - 1;
	return LANA_RX_VERDICTS;
}

/* gen(count = @n) -> @len tsplit blocks, both ports to the next -> drop. */
static void run_split_chain(uint32_t len, uint64_t n)
{
	struct lana_engine *e = engine(1);
	uint64_t loop, unbound, nomem;
	struct lana_plan p;
	char nm[16];
	uint32_t i;

	lana_plan_init(&p);
	for (i = 1; i <= len; i++) {
		snprintf(nm, sizeof(nm), "s%u", i);
		plan_new(&p, 1 + i, "bpf", nm);
		plan_filter(&p, "len > 0");
	}
	plan_gen(&p, n, 0);
	plan_new(&p, len + 2, "drop", "d");
	for (i = 1; i <= len + 1; i++) {
		plan_bind(&p, i, 0, i + 1, 0);
		if (i > 1)
			plan_bind(&p, i, 1, i + 1, 0);
	}
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	wait_idle(e, 60000);
	for (i = 1; i <= len; i += len / 10) {
		snprintf(nm, sizeof(nm), "s%u", i);
		if (stats_of(e, nm).packets != n)
			fail_msg("%s counted %llu, want %llu", nm,
				 (unsigned long long)stats_of(e, nm).packets,
				 (unsigned long long)n);
	}
	assert_int_equal(stats_of(e, "d").packets, n);
	assert_int_equal(engine_drops(e, &loop, &unbound, &nomem), 0);
	lana_engine_free(e);
	lana_plan_free(&p);
}

/*
 * Chains of blocks that answer verdicts: splitting every burst (31 of 32
 * packets one way, nested: the deepest lanad goes), and 30000 of them
 * sending every packet one way, which must not nest at all (a nested call
 * per block overflows the worker's stack long before the end). Every
 * packet reaches every block once: n each, n at the drop.
 */
static void test_split_deep(void **state)
{
	tsplit = *lana_catalogue_find("bpf");
	tsplit.rx = tsplit_rx;
	assert_int_equal(lana_engine_register_type(&tsplit), 0);
	tsplit_all = false;
	run_split_chain(100, 4000);
	tsplit_all = true;
	run_split_chain(30000, 100);
	lana_engine_unregister_types();
}

/*
 * The engine keeps its own deep copy of an incremental edit (to build the
 * plan on demand): the caller frees the edit (strings, filter program)
 * before the plan is asked for, and the served plan has the new filter.
 */
static void test_edit_copy_kept(void **state)
{
	struct lana_engine *e = engine(1);
	struct lana_plan p, ed, run;
	uint64_t fast0, full0, fast1, full1;
	uint32_t i;
	bool seen = false;

	lana_plan_init(&p);
	plan_gen(&p, 1, 0);
	plan_new(&p, 2, "bpf", "f");
	plan_filter(&p, "udp");
	plan_new(&p, 3, "drop", "d");
	plan_bind(&p, 1, 0, 2, 0);
	plan_bind(&p, 2, 0, 3, 0);
	apply_ok(e, &p);
	lana_engine_txn_counts(e, &fast0, &full0);

	lana_plan_init(&ed);
	ed.flags = LANA_PLAN_F_EDIT;
	ed.base_crc = running_crc(e);
	plan_new(&ed, 2, "bpf", "f");
	ed.insns.v[0].op = LANA_OP_SET;
	ed.insns.v[0].type = NULL;
	plan_filter(&ed, "tcp port 80");
	apply_ok(e, &ed);
	memset(ed.insns.v, 0xa5, ed.insns.n * sizeof(*ed.insns.v));
	lana_plan_free(&ed);

	lana_engine_txn_counts(e, &fast1, &full1);
	assert_int_equal(fast1 - fast0, 1);
	assert_int_equal(lana_engine_plan(e, &run), 0);
	for (i = 0; i < run.insns.n; i++) {
		const struct lana_insn *in = &run.insns.v[i];

		if (in->op == LANA_OP_NEW && in->idp == 2) {
			assert_int_equal(in->nparams, 1);
			assert_string_equal(in->params[0].val.filter.expr,
					    "tcp port 80");
			assert_true(in->params[0].val.filter.n > 0);
			seen = true;
		}
	}
	assert_true(seen);
	lana_plan_free(&run);
	lana_plan_free(&p);
	lana_engine_free(e);
}

/* ---- random edits against an independent reference model
 *
 * The model (rm_*) is a small interpreter of the documented semantics,
 * written from docs/plan-format.md ("Validation", "Diff", "Applying an
 * edit plan"), docs/runtime.md ("Counters", "Loop guard and engine drops")
 * and docs/blocks.md (ports and behaviour of each type). It calls nothing
 * of engine/, runtime/, plan/apply.c, plan/diff.c, plan/check.c or
 * blocks/: it keeps the intended graph (blocks with their type and
 * parameters, one binding per OUT port), decides whether an edit is
 * accepted, and computes every block's packets and drops and the engine's
 * unbound drops from the frames the sources emit.
 *
 * Restriction: only the types whose counts follow from the graph alone
 * are modelled: fwd, counter, drop, tee (n <= RM_PORTS), gen with a
 * count (64-byte untagged frames; 0 = unlimited is never generated) and
 * vlan with op pop or filter (gen's frames carry no tag, so all of them
 * leave at reject; push is not generated: it would make the frames'
 * tags and lengths part of the state). bpf depends on frame contents,
 * eth/tap on the host, pcap_* on files. vlan's eth IN port also makes a
 * REPLACE of a fwd by a vlan one the incremental path cannot decide, so
 * the engine's full path runs too. Edits
 * after which a source would emit into a cycle (the loop guard's drops
 * depend on the hop bound) or would make more than RM_MAX_PKTS packet
 * arrivals (the backlog could overflow: nomem drops) are not sent.
 */

enum rm_type { RM_NONE, RM_FWD, RM_COUNTER, RM_DROP, RM_TEE, RM_GEN,
	       RM_VLAN };

#define RM_PORTS	8	/* OUT ports the model keeps per block */
#define RM_MAX_PKTS	2000	/* packet arrivals per transaction */
#define RM_FRAME	64	/* gen's default size (docs/blocks.md) */

static const char *const rm_names[] = {
	[RM_FWD] = "fwd", [RM_COUNTER] = "counter", [RM_DROP] = "drop",
	[RM_TEE] = "tee", [RM_GEN] = "gen", [RM_VLAN] = "vlan",
};

struct rm_block {
	enum rm_type type;		/* RM_NONE: the IDP is free */
	char name[24];
	bool has_n, has_count, has_rate;	/* parameters present */
	bool has_op, has_vid, has_pcp;
	uint64_t n, count, rate, vid, pcp;
	const char *op;			/* vlan: "pop" or "filter" */
	uint64_t rejected;		/* vlan's counter */
	uint32_t dst[RM_PORTS];		/* OUT port -> IDP (0: unbound) */
	uint32_t dport[RM_PORTS];
	uint64_t packets, drops;	/* counters of this instance */
	bool fresh;			/* instance made by the last txn */
};

struct rm {
	struct rm_block *b;	/* indexed by IDP */
	uint32_t cap;		/* entries of @b */
	uint64_t unbound;	/* engine's unbound drops, cumulative */
};

static enum rm_type rm_type_of(const char *s)
{
	unsigned int t;

	for (t = RM_FWD; t <= RM_VLAN; t++)
		if (s && !strcmp(s, rm_names[t]))
			return t;
	return RM_NONE;
}

static uint32_t rm_nout(const struct rm_block *b)
{
	switch (b->type) {
	case RM_FWD:
	case RM_COUNTER:
	case RM_GEN:
		return 1;
	case RM_TEE:
		return b->has_n ? (uint32_t)b->n : 2;
	case RM_VLAN:	/* out, reject */
		return 2;
	default:
		return 0;
	}
}

static uint32_t rm_nin(const struct rm_block *b)
{
	return b->type != RM_NONE && b->type != RM_GEN;
}

static void rm_grow(struct rm *m, uint32_t idp)
{
	if (idp < m->cap)
		return;
	m->b = realloc(m->b, (idp + 64) * sizeof(*m->b));
	assert_non_null(m->b);
	memset(&m->b[m->cap], 0, (idp + 64 - m->cap) * sizeof(*m->b));
	m->cap = idp + 64;
}

static void rm_copy(struct rm *d, const struct rm *s)
{
	*d = *s;
	d->b = malloc(s->cap * sizeof(*s->b));
	assert_non_null(d->b);
	memcpy(d->b, s->b, s->cap * sizeof(*s->b));
}

static void rm_free(struct rm *m)
{
	free(m->b);
	memset(m, 0, sizeof(*m));
}

static struct rm_block *rm_get(const struct rm *m, uint32_t idp)
{
	return idp && idp < m->cap && m->b[idp].type != RM_NONE ?
	       &m->b[idp] : NULL;
}

/*
 * Parameter @a of a block of type @t valid (known key of the type, its
 * declared type, in range; live when @live): docs/blocks.md.
 */
static bool rm_param_ok(enum rm_type t, const struct lana_pattr *a, bool live)
{
	if (t == RM_TEE && !strcmp(a->key, "n"))
		return !live && a->val.type == LANA_PT_U8 &&
		       a->val.u >= 1 && a->val.u <= 64;
	if (t == RM_GEN && !strcmp(a->key, "count"))
		return !live && a->val.type == LANA_PT_U64;
	if (t == RM_GEN && !strcmp(a->key, "rate"))
		return a->val.type == LANA_PT_RATE;
	if (t == RM_VLAN && !strcmp(a->key, "op"))
		return !live && a->val.type == LANA_PT_ENUM &&
		       (!strcmp(a->val.str, "push") ||
			!strcmp(a->val.str, "pop") ||
			!strcmp(a->val.str, "filter"));
	if (t == RM_VLAN && !strcmp(a->key, "vid"))
		return a->val.type == LANA_PT_U16 && a->val.u >= 1 &&
		       a->val.u <= 4094;
	if (t == RM_VLAN && !strcmp(a->key, "pcp"))
		return a->val.type == LANA_PT_U8 && a->val.u <= 7;
	return false;
}

static void rm_set_param(struct rm_block *b, const struct lana_pattr *a)
{
	if (!strcmp(a->key, "n")) {
		b->has_n = true;
		b->n = a->val.u;
	} else if (!strcmp(a->key, "count")) {
		b->has_count = true;
		b->count = a->val.u;
	} else if (!strcmp(a->key, "op")) {
		b->has_op = true;
		b->op = !strcmp(a->val.str, "pop") ? "pop" :
			!strcmp(a->val.str, "filter") ? "filter" : "push";
	} else if (!strcmp(a->key, "vid")) {
		b->has_vid = true;
		b->vid = a->val.u;
	} else if (!strcmp(a->key, "pcp")) {
		b->has_pcp = true;
		b->pcp = a->val.u;
	} else {
		b->has_rate = true;
		b->rate = a->val.u;
	}
}

/* A NEW/REPLACE instruction's instance, valid by itself. */
static bool rm_make(const struct lana_insn *in, struct rm_block *b)
{
	uint32_t k, j;

	memset(b, 0, sizeof(*b));
	b->type = rm_type_of(in->type);
	if (b->type == RM_NONE || !in->idp)
		return false;
	for (k = 0; k < in->nparams; k++) {
		if (!rm_param_ok(b->type, &in->params[k], false))
			return false;
		for (j = 0; j < k; j++)
			if (!strcmp(in->params[j].key, in->params[k].key))
				return false;
		rm_set_param(b, &in->params[k]);
	}
	if (b->type == RM_VLAN && !b->has_op)
		return false;	/* op is required */
	assert_true(rm_nout(b) <= RM_PORTS);	/* the generator's limit */
	snprintf(b->name, sizeof(b->name), "%s", in->name);
	b->fresh = true;
	return true;
}

/*
 * Edit plan @ed applied to @m (plan-format.md "Validation" of an edit
 * plan, then "Applying an edit plan"): true and the result in @out, or
 * false (refused; @out untouched). New instances are marked fresh and
 * start at zero; kept blocks keep their counters.
 */
static bool rm_apply(const struct rm *m, const struct lana_plan *ed,
		     struct rm *out)
{
	struct rm r;
	uint32_t i, j, p;
	struct rm_block nb;

	/* validation: what the plan shows without the base */
	for (i = 0; i < ed->insns.n; i++) {
		const struct lana_insn *in = &ed->insns.v[i];

		if ((in->op == LANA_OP_NEW || in->op == LANA_OP_REPLACE) &&
		    !rm_make(in, &nb))
			return false;
		if (in->op == LANA_OP_SET && in->nparams != 1)
			return false;
		for (j = 0; j < ed->insns.n; j++) {
			const struct lana_insn *d = &ed->insns.v[j];

			if (d->op != LANA_OP_NEW && d->op != LANA_OP_REPLACE)
				continue;
			if (j != i && d->idp == in->idp &&
			    (in->op == LANA_OP_NEW || in->op == LANA_OP_REPLACE))
				return false;	/* IDPs unique */
			if (d->idp == in->idp && in->op == LANA_OP_DEL)
				return false;	/* defined and deleted */
			if (d->idp == in->idp && in->op == LANA_OP_SET &&
			    !rm_param_ok(rm_type_of(d->type), in->params, true))
				return false;
		}
	}
	for (i = 0; i < ed->insns.n; i++) {
		const struct lana_insn *in = &ed->insns.v[i];
		const struct lana_insn *s = NULL, *d = NULL;

		struct rm_block x;

		if (in->op != LANA_OP_BIND)
			continue;
		for (j = 0; j < ed->insns.n; j++) {
			const struct lana_insn *y = &ed->insns.v[j];

			if (y->op == LANA_OP_BIND && j < i && y->idp == in->idp &&
			    y->port == in->port)
				return false;	/* an OUT port bound once */
			if (y->op != LANA_OP_NEW && y->op != LANA_OP_REPLACE)
				continue;
			if (y->idp == in->idp)
				s = y;
			if (y->idp == in->dst)
				d = y;
		}
		/* each end the plan defines: its ports as defined there */
		if (s && (rm_make(s, &x), in->port >= rm_nout(&x)))
			return false;
		if (d && (rm_make(d, &x), in->dport >= rm_nin(&x)))
			return false;
	}

	/* application, instruction by instruction, on a copy */
	rm_copy(&r, m);
	for (i = 0; i < r.cap; i++)
		r.b[i].fresh = false;
	for (i = 0; i < ed->insns.n; i++) {
		const struct lana_insn *in = &ed->insns.v[i];
		struct rm_block *b = rm_get(&r, in->idp), *d;

		switch (in->op) {
		case LANA_OP_NEW:
			if (b)
				goto refuse;
			rm_grow(&r, in->idp);
			rm_make(in, &r.b[in->idp]);
			break;
		case LANA_OP_REPLACE:
			if (!b)
				goto refuse;
			rm_make(in, &nb);
			for (p = 0; p < RM_PORTS && p < rm_nout(&nb); p++) {
				nb.dst[p] = b->dst[p];
				nb.dport[p] = b->dport[p];
			}
			*b = nb;
			break;
		case LANA_OP_SET:
			if (!b || !rm_param_ok(b->type, in->params, true))
				goto refuse;
			rm_set_param(b, in->params);
			break;
		case LANA_OP_DEL:
			if (!b || strcmp(b->name, in->name))
				goto refuse;
			memset(b, 0, sizeof(*b));
			break;
		case LANA_OP_BIND:
			d = rm_get(&r, in->dst);
			if (!b || !d)
				goto refuse;
			if (in->port >= RM_PORTS)
				goto refuse;	/* beyond any modelled instance */
			b->dst[in->port] = in->dst;
			b->dport[in->port] = in->dport;
			break;
		case LANA_OP_UNBIND:
			if (!b || in->port >= RM_PORTS ||
			    b->dst[in->port] != in->dst ||
			    b->dport[in->port] != in->dport)
				goto refuse;
			b->dst[in->port] = 0;
			b->dport[in->port] = 0;
			break;
		default:
			goto refuse;
		}
	}
	/* afterwards: no binding to a deleted block, no port out of range */
	for (i = 0; i < r.cap; i++) {
		struct rm_block *b = rm_get(&r, i), *d;

		if (!b)
			continue;
		for (p = 0; p < RM_PORTS; p++) {
			if (!b->dst[p])
				continue;
			d = rm_get(&r, b->dst[p]);
			if (!d || p >= rm_nout(b) || b->dport[p] >= rm_nin(d))
				goto refuse;
		}
	}
	*out = r;
	return true;
refuse:
	rm_free(&r);
	return false;
}

/*
 * Full plan @to (a model) sent where @from runs: plan-format.md "Diff".
 * Blocks are matched by name; a match of the same type whose parameters
 * differ at most in the value of a live one (gen's rate) keeps its
 * instance and counters, any other match is replaced (fresh, zero), and
 * blocks only in @to are new, numbered from @from's largest IDP + 1 in
 * @to's order. Returns the model of the running graph afterwards, or
 * false when @to has two blocks of one name (the match is ambiguous).
 */
static bool rm_diff(const struct rm *from, const struct rm *to, struct rm *out)
{
	uint32_t *map = calloc(to->cap + 1, sizeof(*map));
	uint32_t i, j, p, maxidp = 0;
	struct rm r = { .unbound = from->unbound };

	assert_non_null(map);
	for (i = 1; i < from->cap; i++)
		if (rm_get(from, i))
			maxidp = i;
	for (i = 1; i < to->cap; i++) {
		const struct rm_block *b = rm_get(to, i);

		if (!b)
			continue;
		for (j = 1; j < i; j++)
			if (rm_get(to, j) && !strcmp(to->b[j].name, b->name))
				goto ambiguous;
		for (j = 1; j < from->cap; j++)
			if (rm_get(from, j) && !strcmp(from->b[j].name, b->name))
				break;
		map[i] = j < from->cap ? j : ++maxidp;
	}
	for (i = 1; i < to->cap; i++) {
		const struct rm_block *b = rm_get(to, i);
		const struct rm_block *o;
		struct rm_block *n;

		if (!b)
			continue;
		rm_grow(&r, map[i]);
		n = &r.b[map[i]];
		*n = *b;
		o = rm_get(from, map[i]);
		n->packets = n->drops = n->rejected = 0;
		n->fresh = true;
		if (o && !strcmp(o->name, b->name) && o->type == b->type &&
		    o->has_n == b->has_n && (!b->has_n || o->n == b->n) &&
		    o->has_count == b->has_count &&
		    (!b->has_count || o->count == b->count) &&
		    o->has_rate == b->has_rate &&
		    o->has_op == b->has_op && (!b->has_op || !strcmp(o->op, b->op)) &&
		    o->has_vid == b->has_vid && o->has_pcp == b->has_pcp) {
			n->packets = o->packets;
			n->drops = o->drops;
			n->rejected = o->rejected;
			n->fresh = false;
		}
		for (p = 0; p < RM_PORTS; p++)
			n->dst[p] = b->dst[p] ? map[b->dst[p]] : 0;
	}
	free(map);
	*out = r;
	return true;
ambiguous:
	free(map);
	rm_free(&r);
	return false;
}

/*
 * Packet arrivals (blocks entered) of @k frames leaving block @idp at
 * every OUT port and on: added to *@total; false when a path comes back
 * to a block on it (a cycle) or *@total passes RM_MAX_PKTS.
 */
static bool rm_reach(const struct rm *m, uint32_t idp, uint64_t k,
		     uint64_t *total, uint8_t *onpath)
{
	const struct rm_block *b = rm_get(m, idp);
	uint32_t p;
	bool ok = true;

	if (onpath[idp])
		return false;
	onpath[idp] = 1;
	for (p = 0; ok && p < rm_nout(b); p++) {
		if (!b->dst[p])
			continue;
		*total += k;
		ok = *total <= RM_MAX_PKTS &&
		     rm_reach(m, b->dst[p], k, total, onpath);
	}
	onpath[idp] = 0;
	return ok;
}

/* The frames of every fresh gen of @m end in bounded, acyclic paths. */
static bool rm_traffic_ok(const struct rm *m)
{
	uint8_t *onpath = calloc(m->cap, 1);
	uint64_t total = 0;
	uint32_t i;
	bool ok = true;

	assert_non_null(onpath);
	for (i = 1; ok && i < m->cap; i++) {
		const struct rm_block *b = rm_get(m, i);

		if (b && b->type == RM_GEN && b->fresh)
			ok = rm_reach(m, i, b->count, &total, onpath);
	}
	free(onpath);
	return ok;
}

/* @k packets leave @idp at OUT port @p (runtime.md "Counters"). */
static void rm_flow(struct rm *m, uint32_t idp, uint64_t k);

static void rm_out(struct rm *m, uint32_t idp, uint32_t p, uint64_t k)
{
	struct rm_block *b = &m->b[idp];

	if (b->dst[p]) {
		rm_flow(m, b->dst[p], k);
	} else {	/* unbound: the engine's drop, counted on the block */
		b->drops += k;
		m->unbound += k;
	}
}

/* @k packets enter @idp: per docs/blocks.md. */
static void rm_flow(struct rm *m, uint32_t idp, uint64_t k)
{
	struct rm_block *b = &m->b[idp];
	uint32_t p;

	b->packets += k;
	switch (b->type) {
	case RM_DROP:
		b->drops += k;
		break;
	case RM_FWD:
	case RM_COUNTER:
		rm_out(m, idp, 0, k);
		break;
	case RM_TEE:	/* one packet on each of the n ports */
		for (p = 0; p < rm_nout(b); p++)
			rm_out(m, idp, p, k);
		break;
	case RM_VLAN:	/* gen's frames carry no tag: all to reject */
		assert_string_not_equal(b->op, "push");
		b->rejected += k;
		rm_out(m, idp, 1, k);
		break;
	default:
		fail_msg("model: packets into %s (%u)", b->name, idp);
	}
}

/* Every fresh gen of @m sends its count frames (counted as its packets). */
static void rm_run(struct rm *m)
{
	uint32_t i;

	for (i = 1; i < m->cap; i++) {
		struct rm_block *b = rm_get(m, i);

		if (b && b->type == RM_GEN && b->fresh) {
			b->packets += b->count;
			rm_out(m, i, 0, b->count);
		}
	}
}

/* The model's graph as a canonical full plan (plan-format.md). */
static void rm_plan(const struct rm *m, struct lana_plan *p)
{
	uint32_t i, k;

	lana_plan_init(p);
	for (i = 1; i < m->cap; i++) {
		const struct rm_block *b = rm_get(m, i);

		if (!b)
			continue;
		plan_new(p, i, rm_names[b->type], b->name);
		if (b->has_n)
			plan_param(p, "n", LANA_PT_U8, b->n);
		if (b->has_count)
			plan_param(p, "count", LANA_PT_U64, b->count);
		if (b->has_rate)
			plan_param(p, "rate", LANA_PT_RATE, b->rate);
		if (b->has_op)
			plan_enum(p, "op", b->op);
		if (b->has_vid)
			plan_param(p, "vid", LANA_PT_U16, b->vid);
		if (b->has_pcp)
			plan_param(p, "pcp", LANA_PT_U8, b->pcp);
	}
	for (i = 1; i < m->cap; i++)
		for (k = 0; rm_get(m, i) && k < RM_PORTS; k++)
			if (m->b[i].dst[k])
				plan_bind(p, i, k, m->b[i].dst[k],
					  m->b[i].dport[k]);
}

struct rm_seen {
	struct lana_block_stats *s;	/* by IDP */
	uint32_t cap, nblk;
	struct lana_block_stats eng;
};

static int rm_seen_cb(const struct lana_block_stats *s, void *ctx)
{
	struct rm_seen *v = ctx;

	if (s->idp == LANA_ENGINE_STATS_IDP) {
		v->eng = *s;
		return 0;
	}
	v->nblk++;
	if (s->idp < v->cap)
		v->s[s->idp] = *s;
	return 0;
}

static uint64_t rm_stat(const struct lana_block_stats *s, const char *key)
{
	unsigned int i;

	for (i = 0; i < s->nstat; i++)
		if (!strcmp(s->stat[i].name, key))
			return s->stat[i].value;
	fail_msg("%s has no counter %s", s->name, key);
	return 0;
}

/*
 * Every block's packets, bytes and drops, the counter blocks' own
 * counters, gen's sent and the engine's drops equal the model's.
 */
static void rm_check(struct lana_engine *e, const struct rm *m, uint32_t edit)
{
	struct rm_seen v = { .cap = m->cap };
	uint32_t i, nblk = 0;

	v.s = calloc(m->cap, sizeof(*v.s));
	assert_non_null(v.s);
	assert_int_equal(lana_engine_stats(e, NULL, rm_seen_cb, &v), 0);
	for (i = 1; i < m->cap; i++) {
		const struct rm_block *b = rm_get(m, i);
		const struct lana_block_stats *s = &v.s[i];

		if (!b)
			continue;
		nblk++;
		if (!s->name || strcmp(s->name, b->name))
			fail_msg("edit %u: no block %s at %u", edit, b->name, i);
		if (s->packets != b->packets || s->drops != b->drops ||
		    s->bytes != b->packets * RM_FRAME)
			fail_msg("edit %u: %s (%s %u): packets %llu bytes %llu drops %llu, model %llu %llu %llu",
				 edit, b->name, rm_names[b->type], i,
				 (unsigned long long)s->packets,
				 (unsigned long long)s->bytes,
				 (unsigned long long)s->drops,
				 (unsigned long long)b->packets,
				 (unsigned long long)(b->packets * RM_FRAME),
				 (unsigned long long)b->drops);
		if (b->type == RM_COUNTER)
			assert_int_equal(rm_stat(s, "packets"), b->packets);
		if (b->type == RM_GEN)
			assert_int_equal(rm_stat(s, "sent"), b->packets);
		if (b->type == RM_VLAN)
			assert_int_equal(rm_stat(s, "rejected"), b->rejected);
	}
	assert_int_equal(v.nblk, nblk);
	if (rm_stat(&v.eng, "unbound_drops") != m->unbound ||
	    rm_stat(&v.eng, "loop_drops") || rm_stat(&v.eng, "nomem_drops") ||
	    v.eng.drops != m->unbound)
		fail_msg("edit %u: engine drops %llu (unbound %llu), model unbound %llu",
			 edit, (unsigned long long)v.eng.drops,
			 (unsigned long long)rm_stat(&v.eng, "unbound_drops"),
			 (unsigned long long)m->unbound);
	free(v.s);
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static const char *const rtypes[] = { "fwd", "counter", "drop", "tee",
				      "gen", "vlan" };

static uint32_t rnd_serial;	/* unique block names */

/*
 * A NEW or REPLACE of a random type (sometimes unknown, or bad params);
 * often of type @same when not NULL (a REPLACE's block: new parameters).
 */
static void rnd_block(struct lana_plan *p, uint8_t op, uint32_t idp,
		      const char *name, const char *same)
{
	const char *type = rnd(40) ? rtypes[rnd(6)] : "nosuchtype";

	if (same && !rnd(3))
		type = same;
	struct lana_insn *in;

	plan_new(p, idp, type, name);
	in = &p->insns.v[p->insns.n - 1];
	in->op = op;
	if (!strcmp(type, "tee") && rnd(3))
		plan_param(p, "n", LANA_PT_U8, rnd(25) ? 1 + rnd(4) : 0);
	if (!strcmp(type, "gen")) {
		plan_param(p, "count", LANA_PT_U64, 1 + rnd(8));
		if (rnd(2))
			plan_param(p, "rate", rnd(30) ? LANA_PT_RATE : LANA_PT_U64,
				   1000000000);
	}
	if (!strcmp(type, "vlan")) {	/* never push: see the model */
		if (rnd(20))
			plan_enum(p, "op", rnd(2) ? "pop" : "filter");
		if (rnd(2))
			plan_param(p, "vid", LANA_PT_U16,
				   rnd(30) ? 1 + rnd(100) : 5000);
	}
}

/* Name of the block @idp in full plan @p, or NULL. */
static const struct lana_insn *find_new(const struct lana_plan *p,
					uint32_t idp)
{
	uint32_t i;

	for (i = 0; i < p->insns.n; i++)
		if (p->insns.v[i].op == LANA_OP_NEW && p->insns.v[i].idp == idp)
			return &p->insns.v[i];
	return NULL;
}

/* A block of @run (usually), or any IDP up to @max. */
static uint32_t rnd_idp(const struct lana_plan *run, uint32_t max)
{
	uint32_t i, nb = 0;

	for (i = 0; i < run->insns.n && run->insns.v[i].op == LANA_OP_NEW; i++)
		nb++;
	if (!nb || !rnd(8))
		return 1 + rnd(max);
	return run->insns.v[rnd(nb)].idp;
}

/* A random edit of @run (mostly sensible, sometimes wrong). */
static void rnd_edit(struct lana_plan *run, struct lana_plan *ed,
		     uint32_t *next_idp)
{
	uint32_t n = 1 + rnd(2) + rnd(2) * rnd(4), k, maxidp = *next_idp;
	char name[32];

	lana_plan_init(ed);
	ed->flags = LANA_PLAN_F_EDIT;
	for (k = 0; k < n; k++) {
		uint32_t idp = rnd_idp(run, maxidp);
		const struct lana_insn *b = find_new(run, idp);
		struct lana_insn *in;

		switch (rnd(7)) {
		case 0:		/* NEW, usually a fresh IDP */
			if (rnd(10))
				idp = (*next_idp)++;
			snprintf(name, sizeof(name), "n%u", ++rnd_serial);
			rnd_block(ed, LANA_OP_NEW, idp, name, NULL);
			break;
		case 1:		/* REPLACE */
			rnd_block(ed, LANA_OP_REPLACE, idp,
				  b ? b->name : "ghost", b ? b->type : NULL);
			break;
		case 2:		/* SET */
			plan_new(ed, idp, "x", b ? b->name : "ghost");
			in = &ed->insns.v[ed->insns.n - 1];
			in->op = LANA_OP_SET;
			in->type = NULL;
			switch (rnd(5)) {
			case 0:		/* gen's live rate, 1 Gbit/s and up */
				plan_param(ed, "rate", LANA_PT_RATE,
					   1000000000 + rnd(9));
				break;
			case 1:
				plan_param(ed, "vid", LANA_PT_U16,
					   rnd(8) ? 1 + rnd(4094) : 4095);
				break;
			case 2:
				if (rnd(2))
					plan_param(ed, "count", LANA_PT_U64,
						   1 + rnd(9));
				else
					plan_param(ed, "pcp", LANA_PT_U8, rnd(9));
				break;
			case 3:
				plan_param(ed, "n", LANA_PT_U8, 1 + rnd(3));
				break;
			default:
				plan_param(ed, "vid", LANA_PT_U32, 7);
				break;
			}
			break;
		case 3:		/* DEL */
			plan_new(ed, idp, "x", b && rnd(8) ? b->name : "other");
			in = &ed->insns.v[ed->insns.n - 1];
			in->op = LANA_OP_DEL;
			in->type = NULL;
			break;
		case 4:		/* UNBIND of an existing binding, or not */
		{
			uint32_t i, j = rnd(run->insns.n + 1);

			for (i = j; i < run->insns.n; i++)
				if (run->insns.v[i].op == LANA_OP_BIND)
					break;
			if (i < run->insns.n && rnd(6)) {
				const struct lana_insn *bi = &run->insns.v[i];

				plan_bind(ed, bi->idp, bi->port, bi->dst, bi->dport);
			} else {
				plan_bind(ed, idp, rnd(3), 1 + rnd(maxidp), 0);
			}
			ed->insns.v[ed->insns.n - 1].op = LANA_OP_UNBIND;
			break;
		}
		default:	/* BIND */
			plan_bind(ed, idp, rnd(4) ? 0 : rnd(4),
				  rnd(8) ? rnd_idp(run, maxidp) : *next_idp - 1,
				  rnd(10) ? 0 : 1);
			break;
		}
	}
	ed->base_crc = lana_plan_crc(run);
}

/* The published table of @e is exactly full plan @p. */
static void check_tables(struct lana_engine *e, const struct lana_plan *p)
{
	const struct lana_gver *v = e->cur;
	uint32_t i, nblk = 0, nbind = 0, nsrc = 0, tblk = 0, tbind = 0;
	uint32_t *indeg = calloc(v->ntab + 1, sizeof(*indeg));

	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];
		const struct lana_gnode *g;

		if (in->idp >= v->ntab)
			fail_msg("insn %u op %u idp %u ntab %u", i, in->op,
				 in->idp, v->ntab);
		g = &v->tab[in->idp];
		if (in->op == LANA_OP_NEW) {
			assert_non_null(g->b);
			assert_string_equal(g->b->name, in->name);
			assert_string_equal(g->b->type->name, in->type);
			assert_ptr_equal(g->rx, g->b->type->rx);
			nblk++;
			nsrc += g->b->type->poll != NULL;
			continue;
		}
		assert_true(in->port < g->nout);
		assert_int_equal(g->out[in->port].dst, in->dst);
		assert_int_equal(g->out[in->port].dport, in->dport);
		assert_true(in->dst < v->ntab);
		indeg[in->dst]++;
		nbind++;
	}
	for (i = 0; i < v->ntab; i++) {
		const struct lana_gnode *g = &v->tab[i];
		uint32_t k;

		assert_int_equal(v->indeg[i], indeg[i]);
		if (!g->b)
			continue;
		tblk++;
		assert_int_equal(g->b->idp, i);
		for (k = 0; k < g->nout; k++)
			tbind += g->out[k].dst != 0;
	}
	assert_int_equal(tblk, nblk);
	assert_int_equal(tbind, nbind);
	assert_int_equal(v->nsrc, nsrc);
	assert_int_equal(v->wsrc[e->nworkers], nsrc);
	for (i = 0; i < v->nsrc; i++)
		assert_ptr_equal(v->tab[v->src[i].b->idp].b, v->src[i].b);
	free(indeg);
}

/* Print edit @ed (when an expectation fails: what was sent). */
static void dump_plan(const char *what, const struct lana_plan *ed)
{
	struct lana_buf b = { 0 };

	lana_plan_disasm(ed, &b);
	fprintf(stderr, "%s:\n%s", what, b.data ? b.data : "");
	free(b.data);
}

/*
 * Random edits, valid and not, against the reference model (rm_* above):
 * the engine accepts exactly the edits the model accepts, serves the
 * model's plan (its CRC), publishes its table (check_tables), and after
 * every transaction, once the frames of the sources it started have
 * gone through, every block's packets, bytes and drops and the engine's
 * drops equal the model's. Sources: the gens of the random edits (count
 * 1..8) and, after each accepted edit, an injector gen of K = 1..8 frames
 * bound to a random block (the previous injector deleted in the same
 * transaction). Every 4th edit, with up to 3 more, is sent as the
 * model's full plan (the engine diffs it: kept instances keep their
 * counters, plan-format.md "Diff"). As an additional check, a refused
 * incremental edit has the message of the plan library's reference
 * (lana_plan_apply); the expectations never come from it. Both
 * transaction paths must have run.
 */
static void test_incremental_random(void **state)
{
	struct lana_engine *e = engine(2);
	struct rm m = { 0 }, m2, m3;
	struct lana_plan run, ed, np;
	uint64_t fast, full, fast0, full0, injected = 0;
	uint32_t i, next_idp, ok = 0, bad = 0, skipped = 0, nfull = 0;
	uint32_t inj = 0, inj_serial = 0, touched;
	char err[512], rerr[512];

	if (getenv("LANA_TEST_SEED"))	/* reproduce or explore */
		rnd_state = (uint32_t)strtoul(getenv("LANA_TEST_SEED"), NULL, 0);
	/* b1 -> b2 -> ... -> b30, tees at 3, 9, ..., b3.out[1] -> b10 */
	for (i = 1; i <= 30; i++) {
		rm_grow(&m, i);
		m.b[i].type = i % 3 ? RM_FWD : (i % 2 ? RM_TEE : RM_COUNTER);
		snprintf(m.b[i].name, sizeof(m.b[i].name), "b%u", i);
		if (i < 30)
			m.b[i].dst[0] = i + 1;
	}
	m.b[3].dst[1] = 10;
	rm_plan(&m, &run);
	apply_ok(e, &run);
	assert_int_equal(lana_engine_start(e), 0);
	lana_engine_txn_counts(e, &fast0, &full0);
	next_idp = 31;

	for (i = 0; i < 3000; i++) {
		bool mok, as_full = i % 4 == 3;
		int r;

		rnd_edit(&run, &ed, &next_idp);
		mok = rm_apply(&m, &ed, &m2);
		if (mok && as_full) {
			uint32_t k;

			/* up to 3 more edits: the full plan differs more */
			for (k = rnd(4); k; k--) {
				struct lana_plan tmp, ed2;
				struct rm m4;

				rm_plan(&m2, &tmp);
				rnd_edit(&tmp, &ed2, &next_idp);
				if (rm_apply(&m2, &ed2, &m4)) {
					rm_free(&m2);
					m2 = m4;
				}
				lana_plan_free(&ed2);
				lana_plan_free(&tmp);
			}
			if (rm_diff(&m, &m2, &m3)) {
				lana_plan_free(&ed);
				rm_plan(&m2, &ed);	/* sent: the full plan */
				rm_free(&m2);
				m2 = m3;
			} else {
				as_full = false;
			}
		}
		if (mok && !rm_traffic_ok(&m2)) {
			skipped++;	/* a source would feed a cycle */
			rm_free(&m2);
			lana_plan_free(&ed);
			continue;
		}
		if (as_full && !mok) {
			lana_plan_free(&ed);
			continue;
		}
		rerr[0] = err[0] = 0;
		r = lana_engine_apply(e, &ed, err, sizeof(err));
		if (!mok) {
			int rr;

			if (!r) {
				dump_plan("edit", &ed);
				fail_msg("edit %u: engine accepted, model refuses",
					 i);
			}
			/* additional check: the plan library's message */
			rr = lana_plan_validate(&ed, rerr, sizeof(rerr));
			if (!rr) {
				rr = lana_plan_apply(&run, &ed, &np, rerr,
						     sizeof(rerr));
				if (!rr)
					rr = lana_plan_validate(&np, rerr,
								sizeof(rerr));
				lana_plan_free(&np);
			}
			assert_int_not_equal(rr, 0);
			assert_string_equal(err, rerr);
			bad++;
			lana_plan_free(&ed);
			continue;
		}
		if (r) {
			dump_plan("edit", &ed);
			fail_msg("edit %u: engine refused: %s", i, err);
		}
		ok++;
		nfull += as_full;
		/* the next injection: often at a block this edit touched */
		touched = ed.insns.n && rnd(2) ?
			  ed.insns.v[rnd(ed.insns.n)].idp : 0;
		lana_plan_free(&ed);
		rm_free(&m);
		m = m2;
		rm_run(&m);
		wait_idle(e, 10000);
		rm_check(e, &m, i);
		lana_plan_free(&run);
		rm_plan(&m, &run);
		check_tables(e, &run);
		assert_int_equal(served_crc(e), lana_plan_crc(&run));
		{
			uint32_t k;

			for (k = 1; k < m.cap; k++)
				if (rm_get(&m, k) && k >= next_idp)
					next_idp = k + 1;
		}

		/* inject K frames at a random block with an IN port */
		{
			uint32_t t, nin = 0, k = 1 + rnd(8);
			char name[24];

			for (t = 1; t < m.cap; t++)
				nin += rm_get(&m, t) && rm_nin(&m.b[t]);
			if (!nin)
				continue;
			nin = rnd(nin);
			for (t = 1; t < m.cap; t++)
				if (rm_get(&m, t) && rm_nin(&m.b[t]) && !nin--)
					break;
			if (rm_get(&m, touched) && rm_nin(&m.b[touched]))
				t = touched;
			if (t == inj)	/* the last injector, replaced */
				continue;
			lana_plan_init(&ed);
			ed.flags = LANA_PLAN_F_EDIT;
			ed.base_crc = lana_plan_crc(&run);
			snprintf(name, sizeof(name), "inj%u", inj_serial);
			if (inj && rm_get(&m, inj) &&
			    !strcmp(m.b[inj].name, name)) {
				plan_new(&ed, inj, "x", name);
				ed.insns.v[0].op = LANA_OP_DEL;
				ed.insns.v[0].type = NULL;
			}
			inj = next_idp++;
			snprintf(name, sizeof(name), "inj%u", ++inj_serial);
			plan_new(&ed, inj, "gen", name);
			plan_param(&ed, "count", LANA_PT_U64, k);
			plan_bind(&ed, inj, 0, t, 0);
			assert_true(rm_apply(&m, &ed, &m2));
			if (!rm_traffic_ok(&m2)) {
				skipped++;
				rm_free(&m2);
				lana_plan_free(&ed);
				inj = 0;
				continue;
			}
			apply_ok(e, &ed);
			lana_plan_free(&ed);
			rm_free(&m);
			m = m2;
			rm_run(&m);
			injected += k;
			wait_idle(e, 10000);
			rm_check(e, &m, i);
			lana_plan_free(&run);
			rm_plan(&m, &run);
			check_tables(e, &run);
		}
	}
	assert_int_equal(served_crc(e), lana_plan_crc(&run));
	lana_engine_txn_counts(e, &fast, &full);
	fast -= fast0;
	full -= full0;
	/* both outcomes and both paths happened, mostly incrementally */
	fprintf(stderr, "[ INFO     ] %u accepted (%u as full plans; %lu incremental, %lu full txns), %u refused, %u not sent (cycle/size), %llu frames injected, %llu unbound drops\n",
		ok, nfull, (unsigned long)fast, (unsigned long)full, bad,
		skipped, (unsigned long long)injected,
		(unsigned long long)m.unbound);
	assert_true(ok > 300);
	assert_true(bad > 300);
	assert_true(nfull > 10);
	assert_true(full > 0);
	assert_true(fast > 2 * full);
	lana_engine_stop(e);
	lana_plan_free(&run);
	rm_free(&m);
	lana_engine_free(e);
}

/* ----------------------------------------------- descriptor sources */

/*
 * lana_fdsrc_new(): a gen whose init opens a pipe and registers its read
 * end; each byte written to the pipe becomes one 60-byte frame starting
 * with that byte. The idle worker sleeps in poll(2) and must wake for the
 * descriptor (no timer, no busy loop is armed), frames must reach the
 * sink in the order written, and once the block is deleted its recv op
 * must never run again (its fini closed the pipe and freed the source).
 */
static struct lana_block_type tfd;
static int fd_w = -1;		/* the write end, the test's */
static int fd_r = -1;
static struct lana_fdsrc *fd_src;
static int fd_finied, fd_recv_after_fini;
static uint8_t fd_seen[16];
static unsigned int fd_nseen;

static int tfd_recv(struct lana_block *b, struct lana_burst *v)
{
	uint8_t buf[LANA_BURST];
	ssize_t n, i;

	if (__atomic_load_n(&fd_finied, __ATOMIC_SEQ_CST))
		__atomic_store_n(&fd_recv_after_fini, 1, __ATOMIC_SEQ_CST);
	n = read(fd_r, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		struct lana_pkt *p = lana_pkt_get(60);

		assert_non_null(p);
		memset(lana_pkt_data(p), 0, 60);
		lana_pkt_data(p)[0] = buf[i];
		v->pkt[v->n++] = p;
	}
	return v->n;
}

static int tfd_init(struct lana_block *b, const struct lana_value *params)
{
	int fds[2];

	if (pipe(fds))
		return -errno;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	fd_r = fds[0];
	fd_w = fds[1];
	fd_src = lana_fdsrc_new(b, fd_r, tfd_recv);
	return fd_src ? 0 : -ENOMEM;
}

static void tfd_fini(struct lana_block *b)
{
	lana_fdsrc_free(fd_src);
	fd_src = NULL;
	__atomic_store_n(&fd_finied, 1, __ATOMIC_SEQ_CST);
	close(fd_r);
	close(fd_w);
}

static int tfd_sink_rx(struct lana_block *b, struct lana_burst *v)
{
	unsigned int i;

	for (i = 0; i < v->n; i++) {
		if (fd_nseen < sizeof(fd_seen))
			fd_seen[fd_nseen] = lana_pkt_data(v->pkt[i])[0];
		__atomic_add_fetch(&fd_nseen, 1, __ATOMIC_SEQ_CST);
	}
	return real_drop->rx(b, v);
}

static void wait_seen(unsigned int n)
{
	unsigned int t;

	for (t = 0; t < 5000 && __atomic_load_n(&fd_nseen,
						 __ATOMIC_SEQ_CST) < n; t++)
		sleep_ms(1);
}

static void test_fdsrc(void **state)
{
	struct lana_engine *e;
	struct lana_plan p, q;

	tfd = *lana_catalogue_find("gen");
	tfd.init = tfd_init;
	tfd.fini = tfd_fini;
	tfd.live = NULL;
	tfd.live_free = NULL;
	tfd.poll = NULL;
	tfd.set = NULL;
	real_drop = lana_catalogue_find("drop");
	tsink = *real_drop;
	tsink.rx = tfd_sink_rx;
	assert_int_equal(lana_engine_register_type(&tfd), 0);
	assert_int_equal(lana_engine_register_type(&tsink), 0);
	fd_nseen = 0;
	fd_finied = fd_recv_after_fini = 0;

	e = engine(2);
	lana_plan_init(&p);
	plan_gen(&p, 1, 0);
	plan_new(&p, 2, "drop", "s");
	plan_bind(&p, 1, 0, 2, 0);
	apply_ok(e, &p);
	assert_int_equal(lana_engine_start(e), 0);
	sleep_ms(50);		/* the workers are asleep in poll(2) now */
	assert_int_equal(write(fd_w, "abc", 3), 3);
	wait_seen(3);
	sleep_ms(20);
	assert_int_equal(write(fd_w, "de", 2), 2);
	wait_seen(5);
	assert_int_equal(fd_nseen, 5);
	assert_memory_equal(fd_seen, "abcde", 5);
	assert_int_equal(stats_of(e, "g").packets, 5);
	assert_int_equal(stats_of(e, "g").bytes, 5 * 60);

	/* delete the block: fini frees the source, recv never runs again */
	lana_plan_init(&q);
	plan_new(&q, 2, "drop", "s");
	apply_ok(e, &q);
	sleep_ms(100);
	assert_int_equal(__atomic_load_n(&fd_finied, __ATOMIC_SEQ_CST), 1);
	assert_int_equal(__atomic_load_n(&fd_recv_after_fini,
					 __ATOMIC_SEQ_CST), 0);
	lana_engine_free(e);
	lana_engine_unregister_types();
	lana_plan_free(&p);
	lana_plan_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_count),
		cmocka_unit_test(test_table_paging),
		cmocka_unit_test(test_unbound),
		cmocka_unit_test(test_two_workers),
		cmocka_unit_test(test_tee_backlog),
		cmocka_unit_test(test_loop_guard),
		cmocka_unit_test(test_long_chain),
		cmocka_unit_test(test_split_deep),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_atomic),
		cmocka_unit_test(test_patch_insert),
		cmocka_unit_test(test_set_live),
		cmocka_unit_test(test_set_rollback),
		cmocka_unit_test(test_set_version),
		cmocka_unit_test(test_set_live_rollback),
		cmocka_unit_test(test_notifier),
		cmocka_unit_test(test_free_runs_fini),
		cmocka_unit_test(test_patch_under_load),
		cmocka_unit_test(test_flip_paths),
		cmocka_unit_test(test_flip_two_edges),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_edit_chain_no_plan_get),
		cmocka_unit_test(test_edit_copy_kept),
		cmocka_unit_test(test_incremental_random),
		cmocka_unit_test(test_fdsrc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
