// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_diff.c - edit plans: the diff rules one by one, the
 * summary line, apply errors, and the property apply(old, diff(old, new))
 * == new (up to IDP numbering) over random graph pairs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/plan.h"
#include "blocks/catalogue.h"

/* ------------------------------------------------------------ builders */

static uint32_t blk(struct lana_plan *p, uint32_t idp, const char *type,
		    const char *name)
{
	struct lana_insn in = { .op = LANA_OP_NEW, .idp = idp };

	in.type = lana_arena_strdup(&p->arena, type);
	in.name = lana_arena_strdup(&p->arena, name);
	VEC_PUSH(&p->insns, in);
	return p->insns.n - 1;
}

static void prm(struct lana_plan *p, uint32_t i, const char *key,
		struct lana_value v)
{
	struct lana_insn *in = &p->insns.v[i];
	struct lana_pattr *a = lana_arena_alloc(&p->arena,
				(in->nparams + 1) * sizeof(*a));

	if (in->nparams)
		memcpy(a, in->params, in->nparams * sizeof(*a));
	a[in->nparams].key = lana_arena_strdup(&p->arena, key);
	if (v.type == LANA_PT_STRING || v.type == LANA_PT_ENUM)
		v.str = lana_arena_strdup(&p->arena, v.str);
	a[in->nparams].val = v;
	in->params = a;
	in->nparams++;
}

static struct lana_value vu(uint8_t t, uint64_t u)
{
	struct lana_value v = { .type = t };

	v.u = u;
	return v;
}

static struct lana_value vb(bool b)
{
	struct lana_value v = { .type = LANA_PT_BOOL };

	v.b = b;
	return v;
}

static struct lana_value vs(uint8_t t, const char *s)
{
	struct lana_value v = { .type = t };

	v.str = s;
	return v;
}

static void edge(struct lana_plan *p, uint8_t op, uint32_t s, uint32_t sp,
		 uint32_t d, uint32_t dp)
{
	struct lana_insn in = { .op = op, .idp = s, .port = sp, .dst = d,
				.dport = dp };

	VEC_PUSH(&p->insns, in);
}

/* Knobs for the base graph used by the rule tests. */
struct g {
	bool promisc;
	bool no_promisc;
	uint64_t n;		/* tee n */
	uint64_t rate;		/* gen rate (live) */
	const char *ctype;	/* type of c */
	bool no_c;
	bool t1_to_c;		/* t.out[1] -> c instead of d */
	bool no_t1;		/* t.out[1] unbound */
	bool add_x;		/* c -> x (counter) -> d */
};

/*
 * src(eth) -> t(tee n) ; t.out[0] -> c ; t.out[1] -> d(drop) ;
 * c -> d ; g(gen) -> src. IDPs 1..5 unless blocks are added or removed.
 */
static void build(struct lana_plan *p, const struct g *o)
{
	uint32_t i, id = 1, src, t, c = 0, d, gg, x = 0;

	lana_plan_init(p);
	src = id++;
	i = blk(p, src, "eth", "src");
	prm(p, i, "dev", vs(LANA_PT_STRING, "veth0"));
	if (!o->no_promisc)
		prm(p, i, "promisc", vb(o->promisc));
	t = id++;
	i = blk(p, t, "tee", "t");
	prm(p, i, "n", vu(LANA_PT_U8, o->n ? o->n : 2));
	if (!o->no_c) {
		c = id++;
		blk(p, c, o->ctype ? o->ctype : "counter", "c");
	}
	d = id++;
	blk(p, d, "drop", "d");
	gg = id++;
	i = blk(p, gg, "gen", "g");
	prm(p, i, "size", vu(LANA_PT_SIZE, 64));
	prm(p, i, "rate", vu(LANA_PT_RATE, o->rate));
	if (o->add_x) {
		x = id++;
		blk(p, x, "counter", "x");
	}
	edge(p, LANA_OP_BIND, src, 0, t, 0);
	if (c)
		edge(p, LANA_OP_BIND, t, 0, c, 0);
	if (!o->no_t1 && (o->n ? o->n : 2) > 1)
		edge(p, LANA_OP_BIND, t, 1, o->t1_to_c && c ? c : d, 0);
	if (c && x) {
		edge(p, LANA_OP_BIND, c, 0, x, 0);
		edge(p, LANA_OP_BIND, x, 0, d, 0);
	} else if (c) {
		edge(p, LANA_OP_BIND, c, 0, d, 0);
	}
	edge(p, LANA_OP_BIND, gg, 0, src, 0);
}

/* The edit plan's instructions, one per line, via the disassembler. */
static char *diff_text(const struct g *a, const struct g *b,
		       struct lana_diff_stats *st)
{
	struct lana_plan o, n, e, out, back;
	struct lana_buf t = { 0 };
	char err[256] = "";
	char *nl;

	build(&o, a);
	build(&n, b);
	if (lana_plan_diff(&o, &n, &e, st, err, sizeof(err)))
		fail_msg("diff: %s", err);
	assert_int_equal(e.flags, LANA_PLAN_F_EDIT);
	assert_int_equal(e.base_crc, lana_plan_crc(&o));
	if (lana_plan_validate(&e, err, sizeof(err)))
		fail_msg("validate edit: %s", err);
	/* every rule test also checks that applying the edit gives new */
	if (lana_plan_apply(&o, &e, &out, err, sizeof(err)))
		fail_msg("apply: %s", err);
	if (lana_plan_diff(&n, &out, &back, NULL, err, sizeof(err)))
		fail_msg("diff back: %s", err);
	assert_int_equal(back.insns.n, 0);
	lana_plan_disasm(&e, &t);
	/* drop the header line with the crc and the BEGIN line */
	nl = strchr(t.data, '\n');
	nl = strchr(nl + 1, '\n') + 1;
	nl = strdup(nl);
	lana_buf_free(&t);
	lana_plan_free(&o);
	lana_plan_free(&n);
	lana_plan_free(&e);
	lana_plan_free(&out);
	lana_plan_free(&back);
	return nl;
}

static void expect_diff(const struct g *a, const struct g *b,
			const char *want, struct lana_diff_stats *st)
{
	struct lana_diff_stats dummy;
	char *got = diff_text(a, b, st ? st : &dummy);

	assert_string_equal(got, want);
	free(got);
}

/* ------------------------------------------------------------- rules */

static void test_unchanged(void **state)
{
	struct g a = { 0 };
	struct lana_diff_stats st;
	struct lana_buf b = { 0 };

	expect_diff(&a, &a, "COMMIT\n", &st);
	lana_diff_summary(&st, &b);
	assert_string_equal(b.data, "no changes");
	lana_buf_free(&b);
}

static void test_live_set(void **state)
{
	struct g a = { 0 }, b = { .promisc = true, .rate = 1000000 };
	struct lana_diff_stats st;

	expect_diff(&a, &b,
		    "SET     1 src promisc=true\n"
		    "SET     5 g rate=1mbit\n"
		    "COMMIT\n", &st);
	assert_int_equal(st.set, 2);
	assert_int_equal(st.replaced, 0);
}

static void test_nonlive_replace(void **state)
{
	struct g a = { 0 }, b = { .n = 3 };

	expect_diff(&a, &b, "REPLACE 2 t tee n=3\nCOMMIT\n", NULL);
}

static void test_type_change(void **state)
{
	struct g a = { 0 }, b = { .ctype = "fwd" };

	/* fwd has the same ports: the bindings stay, nothing to rebind */
	expect_diff(&a, &b, "REPLACE 3 c fwd\nCOMMIT\n", NULL);
}

static void test_live_param_removed(void **state)
{
	struct g a = { 0 }, b = { .no_promisc = true };

	expect_diff(&a, &b, "REPLACE 1 src eth dev=\"veth0\"\nCOMMIT\n", NULL);
	expect_diff(&b, &a,
		    "REPLACE 1 src eth dev=\"veth0\" promisc=false\nCOMMIT\n",
		    NULL);
}

static void test_new_block(void **state)
{
	struct g a = { 0 }, b = { .add_x = true };
	struct lana_diff_stats st;

	expect_diff(&a, &b,
		    "NEW     6 x counter\n"
		    "BIND    3.0 -> 6 x.in\n"
		    "BIND    6 x.out -> 4.0\n"
		    "COMMIT\n", &st);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.bound, 1);
	assert_int_equal(st.rebound, 1);
}

static void test_deleted_block(void **state)
{
	struct g a = { 0 }, b = { .no_c = true };
	struct lana_diff_stats st;

	/* c's own binding c -> d goes with the DEL; t.out[0] -> c is unbound */
	expect_diff(&a, &b,
		    "UNBIND  2.0 -> 3.0\n"
		    "DEL     3 c\n"
		    "COMMIT\n", &st);
	assert_int_equal(st.unbound, 1);
	assert_int_equal(st.deleted, 1);
}

static void test_rebind_unbind(void **state)
{
	struct g a = { 0 }, b = { .t1_to_c = true }, c = { .no_t1 = true };
	struct lana_diff_stats st;

	expect_diff(&a, &b, "BIND    2.1 -> 3.0\nCOMMIT\n", &st);
	assert_int_equal(st.rebound, 1);
	assert_int_equal(st.bound, 0);
	assert_int_equal(st.unbound, 0);
	expect_diff(&a, &c, "UNBIND  2.1 -> 4.0\nCOMMIT\n", &st);
	assert_int_equal(st.unbound, 1);
	expect_diff(&c, &a, "BIND    2.1 -> 4.0\nCOMMIT\n", &st);
	assert_int_equal(st.bound, 1);
}

static void test_replace_drops_port(void **state)
{
	struct g a = { 0 }, b = { .n = 1 };

	/* tee n=1 has no out[1]: the REPLACE drops that binding itself */
	expect_diff(&a, &b, "REPLACE 2 t tee n=1\nCOMMIT\n", NULL);
}

static void test_order(void **state)
{
	struct g a = { .add_x = true };
	struct g b = { .n = 3, .rate = 5000, .promisc = true, .no_c = true,
		       .ctype = "fwd" };
	struct lana_diff_stats st;
	struct lana_buf s = { 0 };

	/* a: 1 src 2 t 3 c 4 d 5 g 6 x; b: c and x gone, others changed */
	b.add_x = false;
	expect_diff(&a, &b,
		    "REPLACE 2 t tee n=3\n"
		    "SET     1 src promisc=true\n"
		    "SET     5 g rate=5kbit\n"
		    "UNBIND  2 t.out[0] -> 3.0\n"
		    "DEL     3 c\n"
		    "DEL     6 x\n"
		    "COMMIT\n", &st);
	lana_diff_summary(&st, &s);
	assert_string_equal(s.data, "1 replaced, 2 set, 1 unbound, 2 deleted");
	lana_buf_free(&s);
}

/* Fresh IDPs: above the old maximum, in the new plan's order. */
static void test_fresh_idps(void **state)
{
	struct lana_plan o, n, e;
	char err[256];
	uint32_t i;

	lana_plan_init(&o);
	lana_plan_init(&n);
	blk(&o, 3, "counter", "a");
	blk(&o, 10, "counter", "b");
	blk(&o, 7, "drop", "z");
	edge(&o, LANA_OP_BIND, 3, 0, 7, 0);
	edge(&o, LANA_OP_BIND, 10, 0, 7, 0);
	/* new: q, p added (in that order), a, b kept, z kept; numbered 1.. */
	blk(&n, 1, "counter", "q");
	blk(&n, 2, "counter", "p");
	blk(&n, 3, "counter", "a");
	blk(&n, 4, "counter", "b");
	blk(&n, 5, "drop", "z");
	edge(&n, LANA_OP_BIND, 3, 0, 1, 0);	/* a -> q */
	edge(&n, LANA_OP_BIND, 1, 0, 2, 0);	/* q -> p */
	edge(&n, LANA_OP_BIND, 2, 0, 5, 0);	/* p -> z */
	edge(&n, LANA_OP_BIND, 4, 0, 5, 0);	/* b -> z */
	assert_int_equal(lana_plan_diff(&o, &n, &e, NULL, err, sizeof(err)), 0);
	assert_int_equal(e.insns.n, 5);
	assert_int_equal(e.insns.v[0].op, LANA_OP_NEW);
	assert_string_equal(e.insns.v[0].name, "q");
	assert_int_equal(e.insns.v[0].idp, 11);
	assert_string_equal(e.insns.v[1].name, "p");
	assert_int_equal(e.insns.v[1].idp, 12);
	/* BINDs in (src, port) order: 3.0 -> 11, 11.0 -> 12, 12.0 -> 7 */
	for (i = 2; i < 5; i++)
		assert_int_equal(e.insns.v[i].op, LANA_OP_BIND);
	assert_int_equal(e.insns.v[2].idp, 3);
	assert_int_equal(e.insns.v[2].dst, 11);
	assert_int_equal(e.insns.v[3].idp, 11);
	assert_int_equal(e.insns.v[3].dst, 12);
	assert_int_equal(e.insns.v[4].idp, 12);
	assert_int_equal(e.insns.v[4].dst, 7);
	lana_plan_free(&o);
	lana_plan_free(&n);
	lana_plan_free(&e);
}

static void test_diff_errors(void **state)
{
	struct lana_plan o, n, e;
	char err[256] = "";

	lana_plan_init(&o);
	lana_plan_init(&n);
	blk(&o, 1, "counter", "a");
	blk(&o, 2, "counter", "a");
	assert_int_equal(lana_plan_diff(&o, &n, &e, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "old plan: block name 'a' used twice"));
	assert_int_equal(e.insns.n, 0);
	lana_plan_free(&o);
	n.flags = LANA_PLAN_F_EDIT;
	assert_int_equal(lana_plan_diff(&o, &n, &e, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "new plan is an edit plan"));
	lana_plan_free(&n);
}

static void test_summary(void **state)
{
	struct lana_diff_stats st = { .added = 2, .replaced = 1, .set = 1,
				      .bound = 3, .rebound = 1, .unbound = 2,
				      .deleted = 1 };
	struct lana_buf b = { 0 };

	lana_diff_summary(&st, &b);
	assert_string_equal(b.data, "2 new, 1 replaced, 1 set, 3 bound, "
			    "1 rebound, 2 unbound, 1 deleted");
	memset(&st, 0, sizeof(st));
	st.rebound = 4;
	b.len = 0;
	lana_diff_summary(&st, &b);
	assert_string_equal(b.data, "4 rebound");
	lana_buf_free(&b);
}

/* ------------------------------------------------------- apply errors */

static void expect_apply_fail(struct lana_plan *e, const char *what)
{
	struct lana_plan base, out;
	struct lana_buf before = { 0 }, after = { 0 };
	struct g a = { 0 };
	char err[256] = "";

	build(&base, &a);
	lana_plan_encode(&base, &before, err, sizeof(err));
	if (!e->base_crc)
		e->base_crc = lana_plan_crc(&base);
	if (lana_plan_apply(&base, e, &out, err, sizeof(err)) == 0)
		fail_msg("apply accepted: %s", what);
	if (!strstr(err, what))
		fail_msg("error '%s' does not name '%s'", err, what);
	assert_int_equal(out.insns.n, 0);
	/* the base is untouched */
	base.crc = 0;
	lana_plan_encode(&base, &after, err, sizeof(err));
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.data, after.data, before.len);
	lana_buf_free(&before);
	lana_buf_free(&after);
	lana_plan_free(&base);
	lana_plan_free(e);
}

static void edit_init(struct lana_plan *e)
{
	lana_plan_init(e);
	e->flags = LANA_PLAN_F_EDIT;
}

static void test_apply_errors(void **state)
{
	struct lana_plan e;
	uint32_t i;

	edit_init(&e);
	e.base_crc = 0x12345678;
	expect_apply_fail(&e, "edit plan applies to base 0x12345678");

	edit_init(&e);
	i = blk(&e, 4, "drop", "d");
	e.insns.v[i].op = LANA_OP_DEL;
	/* d is the target of t.out[1] and c.out */
	expect_apply_fail(&e, "instruction 1 (DEL d): block 4 still bound from 2.1");

	edit_init(&e);
	edge(&e, LANA_OP_UNBIND, 2, 1, 3, 0);
	expect_apply_fail(&e, "instruction 1 (UNBIND 2.1 -> 3.0): OUT port 2.1 is bound to 4.0, not 3.0");

	edit_init(&e);
	edge(&e, LANA_OP_UNBIND, 3, 5, 4, 0);
	expect_apply_fail(&e, "OUT port 3.5 is not bound");

	edit_init(&e);
	i = blk(&e, 2, "tee", "t");
	e.insns.v[i].op = LANA_OP_SET;
	prm(&e, i, "n", vu(LANA_PT_U8, 3));
	expect_apply_fail(&e, "instruction 1 (SET t): parameter 'n' of 'tee' is not live");

	edit_init(&e);
	blk(&e, 6, "counter", "new");
	blk(&e, 3, "counter", "c2");
	expect_apply_fail(&e, "instruction 2 (NEW c2): IDP 3 already in use by 'c'");

	edit_init(&e);
	i = blk(&e, 3, "counter", "x");
	e.insns.v[i].op = LANA_OP_DEL;
	expect_apply_fail(&e, "block 3 is 'c', not 'x'");

	edit_init(&e);
	i = blk(&e, 42, "counter", "x");
	e.insns.v[i].op = LANA_OP_REPLACE;
	expect_apply_fail(&e, "no block with IDP 42");

	edit_init(&e);
	edge(&e, LANA_OP_BIND, 1, 0, 5, 0);	/* gen has no IN port */
	expect_apply_fail(&e, "instruction 1 (BIND 1.0 -> 5.0): IN port 5.0 out of range");

	edit_init(&e);
	i = blk(&e, 2, "tee", "t");
	e.insns.v[i].op = LANA_OP_REPLACE;
	prm(&e, i, "n", vu(LANA_PT_U8, 1));
	edge(&e, LANA_OP_BIND, 2, 1, 4, 0);	/* out[1] no longer exists */
	expect_apply_fail(&e, "instruction 2 (BIND 2.1 -> 4.0): OUT port 2.1 out of range");

	edit_init(&e);
	blk(&e, 7, "nosuch", "q");
	expect_apply_fail(&e, "unknown block type 'nosuch'");
}

/* Successful apply: canonical output order and REPLACE/DEL semantics. */
static void test_apply_canonical(void **state)
{
	struct lana_plan base, e, out;
	struct g a = { 0 };
	char err[256] = "";
	struct lana_buf t = { 0 };
	uint32_t i;

	build(&base, &a);
	edit_init(&e);
	e.base_crc = lana_plan_crc(&base);
	blk(&e, 20, "counter", "z");
	i = blk(&e, 2, "tee", "t");	/* n=1: out[1] -> d dropped */
	e.insns.v[i].op = LANA_OP_REPLACE;
	prm(&e, i, "n", vu(LANA_PT_U8, 1));
	i = blk(&e, 5, "gen", "g");
	e.insns.v[i].op = LANA_OP_SET;
	prm(&e, i, "rate", vu(LANA_PT_RATE, 1000));
	edge(&e, LANA_OP_BIND, 20, 0, 4, 0);
	edge(&e, LANA_OP_BIND, 2, 0, 20, 0);	/* rebind t.out[0] */
	edge(&e, LANA_OP_UNBIND, 3, 0, 4, 0);
	i = blk(&e, 3, "counter", "c");
	e.insns.v[i].op = LANA_OP_DEL;
	if (lana_plan_apply(&base, &e, &out, err, sizeof(err)))
		fail_msg("%s", err);
	lana_plan_disasm(&out, &t);
	assert_non_null(strstr(t.data,
		"NEW     1 src eth dev=\"veth0\" promisc=false\n"
		"NEW     2 t tee n=1\n"
		"NEW     4 d drop\n"
		"NEW     5 g gen size=64B rate=1kbit\n"
		"NEW     20 z counter\n"
		"BIND    1 src.out -> 2 t.in\n"
		"BIND    2 t.out[0] -> 20 z.in\n"
		"BIND    5 g.out -> 1 src.in\n"
		"BIND    20 z.out -> 4 d.in\n"
		"COMMIT\n"));
	if (lana_plan_validate(&out, err, sizeof(err)))
		fail_msg("%s", err);
	lana_buf_free(&t);
	lana_plan_free(&base);
	lana_plan_free(&e);
	lana_plan_free(&out);
}

/* ------------------------------------------------------ random graphs */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64* (Vigna, "An experimental exploration of Marsaglia's
	 * xorshift generators", 2016) */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 33) % n;
}

#define NNAMES 24

/* One random block: type and parameters (catalogue order). */
struct rblk {
	bool on;
	int type;	/* 0 counter 1 fwd 2 drop 3 tee 4 eth 5 gen 6 vlan */
	uint64_t n;	/* tee n */
	bool promisc;
	uint64_t size, rate;
	uint64_t vid;
	uint32_t idp;
};

struct rgraph {
	struct rblk b[NNAMES];
	/* target of (block, out port): name index + 1 (0: unbound), port */
	uint8_t to[NNAMES][4];
	uint8_t toport[NNAMES][4];
};

static const char *const rtypes[] = { "counter", "fwd", "drop", "tee",
				      "eth", "gen", "vlan" };

static uint32_t r_outs(const struct rblk *b)
{
	switch (b->type) {
	case 2:
		return 0;
	case 3:
		return (uint32_t)b->n;
	case 6:
		return 2;	/* out, reject */
	default:
		return 1;
	}
}

static bool r_has_in(const struct rblk *b)
{
	return b->type != 5;
}

static void r_block(struct rblk *b)
{
	b->on = true;
	b->type = (int)rnd(7);
	b->n = 1 + rnd(4);
	b->promisc = rnd(2);
	b->size = 64 << rnd(3);
	b->rate = rnd(3) * 1000;
	b->vid = 1 + rnd(3);
}

static void r_edges(struct rgraph *g, const struct rgraph *keep)
{
	uint32_t i, p, j;

	memset(g->to, 0, sizeof(g->to));
	memset(g->toport, 0, sizeof(g->toport));
	for (i = 0; i < NNAMES; i++) {
		if (!g->b[i].on)
			continue;
		for (p = 0; p < r_outs(&g->b[i]); p++) {
			if (keep && keep->b[i].on && p < 4 && keep->to[i][p] &&
			    g->b[keep->to[i][p] - 1].on &&
			    r_has_in(&g->b[keep->to[i][p] - 1]) && rnd(10) < 7) {
				g->to[i][p] = keep->to[i][p];
				continue;
			}
			if (rnd(2))
				continue;
			j = rnd(NNAMES);
			if (g->b[j].on && r_has_in(&g->b[j]))
				g->to[i][p] = (uint8_t)(j + 1);
		}
	}
}

static void r_plan(const struct rgraph *g, struct lana_plan *p)
{
	char name[16];
	uint32_t i, k, pt;

	lana_plan_init(p);
	for (i = 0; i < NNAMES; i++) {
		const struct rblk *b = &g->b[i];

		if (!b->on)
			continue;
		snprintf(name, sizeof(name), "b%u", i);
		k = blk(p, b->idp, rtypes[b->type], name);
		switch (b->type) {
		case 3:
			prm(p, k, "n", vu(LANA_PT_U8, b->n));
			break;
		case 4:
			prm(p, k, "dev", vs(LANA_PT_STRING, "eth0"));
			prm(p, k, "promisc", vb(b->promisc));
			break;
		case 5:
			prm(p, k, "size", vu(LANA_PT_SIZE, b->size));
			prm(p, k, "rate", vu(LANA_PT_RATE, b->rate));
			break;
		case 6:
			prm(p, k, "op", vs(LANA_PT_ENUM, "push"));
			prm(p, k, "vid", vu(LANA_PT_U16, b->vid));
			break;
		}
	}
	for (i = 0; i < NNAMES; i++)
		for (pt = 0; pt < 4; pt++)
			if (g->to[i][pt])
				edge(p, LANA_OP_BIND, g->b[i].idp, pt,
				     g->b[g->to[i][pt] - 1].idp,
				     g->toport[i][pt]);
}

/* Number the blocks: ascending with gaps, or shuffled. */
static void r_number(struct rgraph *g)
{
	uint32_t i, j, ids[NNAMES], t, next = 0;

	/* sometimes sparse IDPs: the hash-map paths instead of arrays */
	if (rnd(4) == 0)
		next = 0x40000000u + rnd(1000);
	for (i = 0; i < NNAMES; i++) {
		next += 1 + rnd(3);
		ids[i] = next;
	}
	if (rnd(2)) {
		for (i = NNAMES - 1; i > 0; i--) {
			j = rnd(i + 1);
			t = ids[i];
			ids[i] = ids[j];
			ids[j] = t;
		}
	}
	for (i = 0; i < NNAMES; i++)
		g->b[i].idp = ids[i];
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The graph of @p as sorted text lines, independent of IDPs:
 * "B name type k=v ..." and "E src port dst dport".
 */
static char *canon(const struct lana_plan *p)
{
	char **lines = calloc(p->insns.n + 1, sizeof(char *));
	struct lana_map names = { 0 };
	struct lana_buf b = { 0 }, l = { 0 };
	uint32_t i, k, si, di;
	char *r;

	for (i = 0; i < p->insns.n; i++)
		if (p->insns.v[i].op == LANA_OP_NEW)
			lana_map_putn(&names, (const char *)&p->insns.v[i].idp,
				      4, i, NULL);
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];

		l.len = 0;
		if (in->op == LANA_OP_NEW) {
			lana_buf_printf(&l, "B %s %s", in->name, in->type);
			for (k = 0; k < in->nparams; k++) {
				lana_buf_printf(&l, " %s=", in->params[k].key);
				lana_value_format(&in->params[k].val, &l);
			}
		} else {
			assert_true(lana_map_getn(&names, (const char *)&in->idp,
						  4, &si));
			assert_true(lana_map_getn(&names, (const char *)&in->dst,
						  4, &di));
			lana_buf_printf(&l, "E %s %u %s %u",
					p->insns.v[si].name, in->port,
					p->insns.v[di].name, in->dport);
		}
		lines[i] = strdup(l.data);
	}
	qsort(lines, p->insns.n, sizeof(*lines), cmp_str);
	for (i = 0; i < p->insns.n; i++) {
		lana_buf_printf(&b, "%s\n", lines[i]);
		free(lines[i]);
	}
	lana_buf_putc(&b, 0);
	r = strdup(b.data);
	free(lines);
	lana_buf_free(&b);
	lana_buf_free(&l);
	lana_map_free(&names);
	return r;
}

static void mutate(const struct rgraph *a, struct rgraph *b)
{
	uint32_t i, r;

	*b = *a;
	for (i = 0; i < NNAMES; i++) {
		struct rblk *x = &b->b[i];

		if (!x->on) {
			if (rnd(8) == 0)
				r_block(x);
			continue;
		}
		r = rnd(20);
		if (r < 2)
			x->on = false;
		else if (r < 4)
			x->type = (int)rnd(7);
		else if (r < 6)
			x->n = 1 + rnd(4);		/* tee: ports change */
		else if (r < 8)
			x->promisc = !x->promisc;	/* live */
		else if (r < 9)
			x->rate += 1000;		/* live */
		else if (r < 10)
			x->size *= 2;			/* not live */
		else if (r < 11)
			x->vid = 1 + rnd(3);		/* live */
	}
	r_number(b);
	r_edges(b, a);
}

static struct lana_diff_stats total;

static void check_pair(struct lana_plan *o, struct lana_plan *n)
{
	struct lana_plan e, d, out, same;
	struct lana_diff_stats st;
	struct lana_buf bytes = { 0 };
	char err[256] = "";
	char *want, *got;
	uint32_t i, cnt[LANA_OP_MAX] = { 0 };

	if (lana_plan_diff(o, n, &e, &st, err, sizeof(err)))
		fail_msg("diff: %s", err);
	if (lana_plan_validate(&e, err, sizeof(err)))
		fail_msg("validate edit: %s", err);
	for (i = 0; i < e.insns.n; i++)
		cnt[e.insns.v[i].op]++;
	assert_int_equal(cnt[LANA_OP_NEW], st.added);
	assert_int_equal(cnt[LANA_OP_REPLACE], st.replaced);
	assert_int_equal(cnt[LANA_OP_SET], st.set);
	assert_int_equal(cnt[LANA_OP_BIND], st.bound + st.rebound);
	assert_int_equal(cnt[LANA_OP_UNBIND], st.unbound);
	assert_int_equal(cnt[LANA_OP_DEL], st.deleted);
	total.added += st.added;
	total.replaced += st.replaced;
	total.set += st.set;
	total.bound += st.bound;
	total.rebound += st.rebound;
	total.unbound += st.unbound;
	total.deleted += st.deleted;
	/* the edit plan survives the binary form */
	if (lana_plan_encode(&e, &bytes, err, sizeof(err)))
		fail_msg("encode: %s", err);
	if (lana_plan_decode(bytes.data, bytes.len, &d, err, sizeof(err)))
		fail_msg("decode: %s", err);
	if (lana_plan_apply(o, &d, &out, err, sizeof(err)))
		fail_msg("apply: %s", err);
	if (lana_plan_validate(&out, err, sizeof(err)))
		fail_msg("validate result: %s", err);
	want = canon(n);
	got = canon(&out);
	assert_string_equal(got, want);
	free(want);
	free(got);
	/* diff(x, x) is empty */
	assert_int_equal(lana_plan_diff(n, n, &same, NULL, err, sizeof(err)), 0);
	assert_int_equal(same.insns.n, 0);
	lana_plan_free(&same);
	assert_int_equal(lana_plan_diff(&out, n, &same, NULL, err, sizeof(err)), 0);
	assert_int_equal(same.insns.n, 0);
	lana_plan_free(&same);
	lana_buf_free(&bytes);
	lana_plan_free(&e);
	lana_plan_free(&d);
	lana_plan_free(&out);
}

static void test_random_pairs(void **state)
{
	struct rgraph *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct lana_plan o, n;
	uint32_t iter, i, gen;

	rng_state = 0x9e3779b97f4a7c15ull;
	for (iter = 0; iter < 300; iter++) {
		memset(a, 0, sizeof(*a));
		for (i = 0; i < NNAMES; i++)
			if (rnd(10) < 6)
				r_block(&a->b[i]);
		r_number(a);
		r_edges(a, NULL);
		r_plan(a, &o);
		/* a chain of edits: each new graph mutates the last one */
		for (gen = 0; gen < 3; gen++) {
			mutate(a, b);
			r_plan(b, &n);
			check_pair(&o, &n);
			lana_plan_free(&o);
			o = n;
			*a = *b;
		}
		lana_plan_free(&o);
	}
	/* the generator must exercise every kind of instruction */
	print_message("random pairs: %u new, %u replaced, %u set, %u bound, "
		      "%u rebound, %u unbound, %u deleted\n", total.added,
		      total.replaced, total.set, total.bound, total.rebound,
		      total.unbound, total.deleted);
	assert_true(total.added && total.replaced && total.set &&
		    total.bound && total.rebound && total.unbound &&
		    total.deleted);
	free(a);
	free(b);
}

/*
 * Two 100k-block chains: the diff of a large plan gives exactly the
 * expected edits (speed is measured by bench/compile, not here).
 */
static void test_big_diff(void **state)
{
	struct lana_plan o, n, e;
	char name[32], err[256];
	uint32_t i, N = 100000, k, want = 0;

	lana_plan_init(&o);
	lana_plan_init(&n);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "blk/%u", i);
		k = blk(&o, i + 1, "tee", name);
		prm(&o, k, "n", vu(LANA_PT_U8, 2));
		k = blk(&n, i + 1, i % 1000 ? "tee" : "fwd", name);
		if (i % 1000)
			prm(&n, k, "n", vu(LANA_PT_U8, 2));
	}
	for (i = 0; i + 1 < N; i++) {
		edge(&o, LANA_OP_BIND, i + 1, 0, i + 2, 0);
		edge(&n, LANA_OP_BIND, i + 1, 0, i + 2, 0);
		if (i % 7 == 0)
			edge(&o, LANA_OP_BIND, i + 1, 1, N - i, 0);
	}
	lana_plan_crc(&o);
	assert_int_equal(lana_plan_diff(&o, &n, &e, NULL, err, sizeof(err)), 0);
	/* 100 REPLACEs; an UNBIND per port-1 edge unless fwd lost the port */
	for (i = 0; i < N; i++) {
		want += i % 1000 == 0;
		want += i + 1 < N && i % 7 == 0 && i % 1000 != 0;
	}
	assert_int_equal(e.insns.n, want);
	lana_plan_free(&o);
	lana_plan_free(&n);
	lana_plan_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_live_set),
		cmocka_unit_test(test_nonlive_replace),
		cmocka_unit_test(test_type_change),
		cmocka_unit_test(test_live_param_removed),
		cmocka_unit_test(test_new_block),
		cmocka_unit_test(test_deleted_block),
		cmocka_unit_test(test_rebind_unbind),
		cmocka_unit_test(test_replace_drops_port),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_fresh_idps),
		cmocka_unit_test(test_diff_errors),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_apply_errors),
		cmocka_unit_test(test_apply_canonical),
		cmocka_unit_test(test_random_pairs),
		cmocka_unit_test(test_big_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
