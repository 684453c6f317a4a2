// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/txn_inc.c - the userspace engine's incremental transactions
 * (thesis 4.2.4): an edit checked against the running version's tables
 * and the table copied and patched, instead of the full build of
 * lana_txn_full() (engine/txn.c). Built from the same steps of the
 * shared transaction core (constructors, SETs, events, publish).
 *
 * The incremental path checks an edit against the running version's
 * tables instead of the full plan. It follows lana_plan_apply() (plan/
 * apply.c) instruction by instruction on an overlay of the touched blocks
 * and OUT ports, then checks what lana_plan_validate() of the result would
 * check for what the edit touched: parameters of SET (types, symbols,
 * ranges, live flag), port ranges and frame compatibility of every binding
 * the edit made or whose end it changed, no binding into a deleted block.
 * Bindings into a REPLACEd block from blocks the edit does not touch are
 * covered when the new type keeps the old IN ports (same index, same
 * frame); otherwise, and in any other doubt, the check answers "cannot
 * decide" and the transaction takes the full path, which also writes the
 * error message of a refused edit. So both paths accept exactly the same
 * edits, with the same messages (tests/unit/test_engine.c compares them).
 * Cost: O(instructions of the edit + ports of the blocks it touches).
 */
#define LANA_ENGINE_CORE
#include "engine_internal.h"
#include "blocks/catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct oset {
	const struct lana_pattr *pa;
	struct oset *next;
};

/* A touched OUT port: its binding in the running version and after. */
struct oedge {
	uint32_t idp;		/* map key: idp and port, 8 bytes */
	uint32_t port;
	uint32_t dst, dport;	/* after the edit so far; dst 0: unbound */
	uint32_t odst, odport;	/* in the running version */
	struct oedge *next;	/* same source */
};

/* A touched block. */
struct oblk {
	uint32_t idp;		/* map key */
	bool alive;
	bool in_old;		/* the running version has a block here */
	bool made;		/* NEW or REPLACE */
	bool replaced;
	bool del;
	const struct lana_block_type *bt;	/* catalogue type, now */
	const struct lana_block_type *obt;	/* catalogue type, running */
	const char *name;
	const struct lana_insn *def;	/* NEW/REPLACE, else params of obi */
	struct lana_inst *obi;		/* running instance */
	struct oset *sets;		/* SETs since def, newest first */
	struct oedge *edges;
	int64_t dindeg;			/* change of the in-degree */
};

struct inc {
	struct lana_gver *old;
	struct lana_arena a;
	struct lana_map bmap;		/* idp -> blks index */
	struct lana_map emap;		/* (idp, port) -> edges index */
	VEC(struct oblk *) blks;
	VEC(struct oedge *) edges;
	uint32_t max_new;		/* largest IDP of a NEW */
	bool nomem;			/* an overlay allocation failed */
};

static struct oblk *ob_get(struct inc *c, uint32_t idp)
{
	const struct lana_gver *v = c->old;
	struct oblk *o;
	uint32_t i;

	if (lana_map_getn(&c->bmap, (const char *)&idp, 4, &i))
		return c->blks.v[i];
	o = lana_arena_try_alloc(&c->a, sizeof(*o));
	if (!o || VEC_TRY_RESERVE(&c->blks, 1))
		goto nomem;
	o->idp = idp;
	if (idp < v->ntab && v->tab[idp].b) {
		o->obi = lana_inst_of(v->tab[idp].b);
		o->in_old = o->alive = true;
		o->bt = o->obt = lana_catalogue_find(o->obi->b.type->name);
		o->name = o->obi->b.name;
	}
	if (lana_map_try_putn(&c->bmap, (const char *)&o->idp, 4, c->blks.n,
			      NULL) < 0)
		goto nomem;
	c->blks.v[c->blks.n++] = o;	/* room reserved */
	return o;
nomem:
	c->nomem = true;
	return NULL;
}

/* Port-group count of @ctx (struct oblk) as it stands in the edit. */
static uint64_t ob_count(const char *name, void *ctx)
{
	const struct oblk *o = ctx;
	const struct oset *s;

	for (s = o->sets; s; s = s->next)
		if (!strcmp(s->pa->key, name))
			return lana_value_as_uint(&s->pa->val);
	if (!o->def)
		return o->obi ? lana_inst_count(name, o->obi) : 0;
	return lana_pattr_uint(o->bt, o->def->params, o->def->nparams, name);
}

static uint32_t ob_nports(struct oblk *o, unsigned int dir)
{
	return o->bt ? lana_port_count(o->bt, dir, ob_count, o) : 0;
}

static const struct lana_port *ob_port(struct oblk *o, unsigned int dir,
				       uint32_t i)
{
	return o->bt ? lana_port_at(o->bt, dir, i, ob_count, o, NULL) : NULL;
}

/* Binding of OUT port @idp.@port in version @v, or NULL. */
static const struct lana_bind *old_bind(const struct lana_gver *v,
					uint32_t idp, uint32_t port)
{
	const struct lana_gnode *g;

	if (idp >= v->ntab || !v->tab[idp].b || port >= v->tab[idp].nout)
		return NULL;
	g = &v->tab[idp];
	return g->out[port].dst ? &g->out[port] : NULL;
}

static struct oedge *oe_find(struct inc *c, uint32_t idp, uint32_t port)
{
	uint32_t key[2] = { idp, port }, i;

	if (!lana_map_getn(&c->emap, (const char *)key, 8, &i))
		return NULL;
	return c->edges.v[i];
}

/*
 * The overlay of OUT port @o.@port, made from the running binding; NULL
 * (c->nomem set) when out of memory.
 */
static struct oedge *oe_get(struct inc *c, struct oblk *o, uint32_t port)
{
	struct oedge *e = oe_find(c, o->idp, port);
	const struct lana_bind *b;

	if (e)
		return e;
	e = lana_arena_try_alloc(&c->a, sizeof(*e));
	if (!e || VEC_TRY_RESERVE(&c->edges, 1))
		goto nomem;
	e->idp = o->idp;	/* the map key: set before the insertion */
	e->port = port;
	if (lana_map_try_putn(&c->emap, (const char *)&e->idp, 8, c->edges.n,
			      NULL) < 0)
		goto nomem;
	b = old_bind(c->old, o->idp, port);
	if (b) {
		e->dst = e->odst = b->dst;
		e->dport = e->odport = b->dport;
	}
	e->next = o->edges;
	o->edges = e;
	c->edges.v[c->edges.n++] = e;	/* room reserved */
	return e;
nomem:
	c->nomem = true;
	return NULL;
}

/* Unbind @o's OUT ports from @from on (lana_plan_apply's unbind_from). */
static void ob_unbind_from(struct inc *c, struct oblk *o, uint32_t from)
{
	struct oedge *e;
	uint32_t p;

	if (o->in_old)
		for (p = from; p < c->old->tab[o->idp].nout; p++)
			if (old_bind(c->old, o->idp, p))
				oe_get(c, o, p);	/* NULL: c->nomem */
	for (e = o->edges; e; e = e->next)
		if (e->port >= from)
			e->dst = e->dport = 0;
}

/* A SET's parameter as lana_plan_validate() checks it in the result. */
static bool set_param_ok(const struct lana_block_type *bt,
			 const struct lana_pattr *a)
{
	const struct lana_port *pt;

	if (lana_pattr_check(bt, a, true, NULL, 0))
		return false;
	/* a live port-group count: instances keep their port count */
	for (pt = bt->ports; pt && pt->name; pt++)
		if (pt->count && !strcmp(pt->count, a->key))
			return false;
	return true;
}

/* One instruction, as lana_plan_apply's step(); false: cannot decide. */
static bool inc_step(struct inc *c, const struct lana_insn *in)
{
	const struct lana_block_type *bt;
	struct oblk *o, *d;
	struct oedge *e;
	struct oset *s;
	uint32_t dst, dport;

	switch (in->op) {
	case LANA_OP_NEW:
		if (!in->idp || in->idp >= LANA_MAX_IDP)
			return false;
		o = ob_get(c, in->idp);
		if (!o)
			return false;
		bt = lana_catalogue_find(in->type);
		if (o->alive || o->in_old || o->made || o->edges || !bt)
			return false;
		o->alive = o->made = true;
		o->def = in;
		o->bt = bt;
		o->name = in->name ? in->name : "";
		if (in->idp > c->max_new)
			c->max_new = in->idp;
		return true;
	case LANA_OP_REPLACE:
		o = ob_get(c, in->idp);
		if (!o)
			return false;
		bt = lana_catalogue_find(in->type);
		if (!o->alive || o->made || !o->in_old || !bt)
			return false;
		o->made = o->replaced = true;
		o->def = in;
		o->bt = bt;
		o->name = in->name ? in->name : "";
		o->sets = NULL;
		ob_unbind_from(c, o, ob_nports(o, LANA_PORT_OUT));
		return true;
	case LANA_OP_SET:
		o = ob_get(c, in->idp);
		if (!o)
			return false;
		if (!o->alive || !o->bt || in->nparams != 1 ||
		    !set_param_ok(o->bt, &in->params[0]))
			return false;
		s = lana_arena_try_alloc(&c->a, sizeof(*s));
		if (!s) {
			c->nomem = true;
			return false;
		}
		s->pa = &in->params[0];
		s->next = o->sets;
		o->sets = s;
		return true;
	case LANA_OP_DEL:
		o = ob_get(c, in->idp);
		if (!o)
			return false;
		if (!o->alive || o->made || !o->in_old ||
		    strcmp(o->name, in->name ? in->name : ""))
			return false;
		o->alive = false;
		o->del = true;
		ob_unbind_from(c, o, 0);
		return true;
	case LANA_OP_BIND:
		o = ob_get(c, in->idp);
		if (!o)
			return false;
		d = ob_get(c, in->dst);
		if (!d || !o->alive || !d->alive)
			return false;
		e = oe_get(c, o, in->port);
		if (!e)
			return false;
		e->dst = in->dst;
		e->dport = in->dport;
		return true;
	case LANA_OP_UNBIND:
		o = ob_get(c, in->idp);
		if (!o)
			return false;
		if (!o->alive)
			return false;
		e = oe_find(c, in->idp, in->port);
		if (e) {
			dst = e->dst;
			dport = e->dport;
		} else {
			const struct lana_bind *b = old_bind(c->old, in->idp,
							     in->port);

			dst = b ? b->dst : 0;
			dport = b ? b->dport : 0;
		}
		if (!dst || dst != in->dst || dport != in->dport)
			return false;
		e = oe_get(c, o, in->port);
		if (!e)
			return false;
		e->dst = e->dport = 0;
		return true;
	default:
		return false;
	}
}

/* A binding in the result: both ends alive, ports in range, frames fit. */
static bool inc_edge_ok(struct inc *c, struct oblk *s, uint32_t port,
			uint32_t dst, uint32_t dport)
{
	struct oblk *d = ob_get(c, dst);
	const struct lana_port *sp, *dp;

	if (!s || !d || !s->alive || !d->alive)
		return false;
	sp = ob_port(s, LANA_PORT_OUT, port);
	dp = ob_port(d, LANA_PORT_IN, dport);
	return sp && dp && lana_frame_compatible(sp->frame, dp->frame);
}

/* The IN ports of REPLACEd @o cover its running instance's (index, frame). */
static bool inc_in_covered(struct oblk *o)
{
	uint32_t p, n;

	if (!o->obt)
		return false;
	n = lana_port_count(o->obt, LANA_PORT_IN, lana_inst_count, o->obi);
	for (p = 0; p < n; p++) {
		const struct lana_port *op, *np;

		op = lana_port_at(o->obt, LANA_PORT_IN, p, lana_inst_count,
				  o->obi, NULL);
		np = ob_port(o, LANA_PORT_IN, p);
		if (!op || !np || op->frame != np->frame)
			return false;
	}
	return true;
}

/* After the last instruction (check_edges + lana_plan_validate's part). */
static bool inc_finish(struct inc *c)
{
	const struct lana_gver *old = c->old;
	uint32_t i, p;

	for (i = 0; i < c->edges.n; i++) {
		struct oedge *e = c->edges.v[i];
		struct oblk *o;

		if (e->odst) {
			o = ob_get(c, e->odst);
			if (!o)
				return false;
			o->dindeg--;
		}
		if (!e->dst)
			continue;
		o = ob_get(c, e->dst);
		if (!o)
			return false;
		o->dindeg++;
		if (!inc_edge_ok(c, ob_get(c, e->idp), e->port, e->dst,
				 e->dport))
			return false;
	}
	for (i = 0; i < c->blks.n; i++) {
		struct oblk *o = c->blks.v[i];
		const struct lana_gnode *g;
		int64_t indeg;

		if (!o->in_old)
			continue;
		indeg = (int64_t)old->indeg[o->idp] + o->dindeg;
		if (o->del && indeg)
			return false;
		if (!o->replaced)
			continue;
		/* kept OUT bindings against the new type */
		g = &old->tab[o->idp];
		for (p = 0; p < g->nout; p++)
			if (g->out[p].dst && !oe_find(c, o->idp, p) &&
			    !inc_edge_ok(c, o, p, g->out[p].dst,
					 g->out[p].dport))
				return false;
		/* kept IN bindings from untouched blocks */
		if (indeg && !inc_in_covered(o))
			return false;
	}
	return true;
}

static int cmp_idp(const void *x, const void *y)
{
	const struct oblk *a = *(const struct oblk *const *)x;
	const struct oblk *b = *(const struct oblk *const *)y;

	return a->idp < b->idp ? -1 : a->idp > b->idp;
}

/* Deep copy of @s (an edit plan the caller keeps) into @d: 0 or -ENOMEM. */
static int plan_copy(struct lana_plan *d, const struct lana_plan *s)
{
	struct lana_arena *a = &d->arena;
	uint32_t i;

	lana_plan_init(d);
	d->flags = s->flags;
	d->base_crc = s->base_crc;
	d->insns.v = malloc(((size_t)s->insns.n + 1) * sizeof(*d->insns.v));
	if (!d->insns.v)
		return -ENOMEM;
	d->insns.cap = s->insns.n + 1;
	for (i = 0; i < s->insns.n; i++) {
		struct lana_insn *in = &d->insns.v[i];

		*in = s->insns.v[i];
		d->insns.n = i + 1;
		if (in->type && !(in->type = lana_arena_try_strdup(a, in->type)))
			return -ENOMEM;
		if (in->name && !(in->name = lana_arena_try_strdup(a, in->name)))
			return -ENOMEM;
		if (lana_pattr_try_copy(a, s->insns.v[i].params, in->nparams,
					&in->params))
			return -ENOMEM;
	}
	return 0;
}

/* A copy of @n bindings at @b (NULL when @n is 0); *@nomem on failure. */
static struct lana_bind *binds_dup(const struct lana_bind *b, uint32_t n,
				   bool *nomem)
{
	struct lana_bind *d;

	if (!n)
		return NULL;
	d = calloc(n, sizeof(*d));
	if (!d) {
		*nomem = true;
		return NULL;
	}
	if (b)
		memcpy(d, b, (size_t)n * sizeof(*d));
	return d;
}

/* Apply @o's overlay edges to @out (@n ports). */
static void ob_patch_out(const struct oblk *o, struct lana_bind *out,
			 uint32_t n)
{
	const struct oedge *e;

	for (e = o->edges; e; e = e->next) {
		if (e->port >= n)
			continue;
		out[e->port].dst = e->dst;
		out[e->port].dport = e->dport;
	}
}

/* @b is the instance at its IDP in @v. */
static bool in_ver(const struct lana_gver *v, const struct lana_block *b)
{
	return b->idp < v->ntab && v->tab[b->idp].b == b;
}

struct inc_src {
	struct lana_txn *t;
	struct lana_engine *e;
};

/* lana_gver_sources() callback of inc_sources(). */
static void inc_src_each(struct lana_srcb *sb, void *ctx)
{
	const struct inc_src *is = ctx;
	const struct lana_gver *old = lana_gver_of(is->t->old);
	const struct lana_gver *nv = sb->v;
	struct lana_devreg *r;
	uint32_t i;

	for (i = 0; i < old->nsrc; i++) {
		const struct lana_src *s = &old->src[i];

		if (in_ver(nv, s->b))
			lana_srcb_put(sb, s->worker, s);
	}
	for (i = 0; i < is->t->made.n; i++) {
		struct lana_inst *in = is->t->made.v[i].in;

		if (in->b.type->poll && in_ver(nv, &in->b))
			lana_srcb_inst(sb, lana_binst_of(&in->b));
	}
	for (r = is->e->devs; r; r = r->next)
		if (in_ver(nv, &r->bi->inst.b) && !in_ver(old, &r->bi->inst.b))
			lana_srcb_dev(sb, r);
}

/*
 * Sources of nv: the running version's that stay (same instance), then
 * the made instances' (poll op, registered devices), grouped by worker.
 * O(sources + devices + made), not O(blocks).
 */
static int inc_sources(struct lana_txn *t)
{
	struct inc_src is = { .t = t, .e = lana_gver_of(t->old)->e };

	return lana_gver_sources(is.e, lana_gver_of(t->nv), inc_src_each, &is);
}

/*
 * Slot @g of made instance @o: its bindings, kept ones of a REPLACE.
 * Out of memory: *@nomem set, the slot without bindings.
 */
static void inc_made_slot(const struct lana_gver *old, struct lana_gver *nv,
			  const struct oblk *o, bool *nomem)
{
	struct lana_gnode *g = &nv->tab[o->idp];
	const struct lana_inst *bi = lana_inst_of(g->b);

	g->rx = bi->b.type->rx;
	g->live = bi->live;
	g->stride = bi->stride;
	g->nout = bi->nout;
	g->out = binds_dup(NULL, bi->nout, nomem);
	if (!g->out)
		return;
	if (o->replaced) {
		const struct lana_gnode *og = &old->tab[o->idp];
		uint32_t keep = og->nout < g->nout ? og->nout : g->nout;

		if (keep)	/* g->out is NULL when nout == 0 */
			memcpy(g->out, og->out, (size_t)keep * sizeof(*g->out));
	}
	ob_patch_out(o, g->out, g->nout);
	if (bi->b.type->event)
		nv->nevent++;
}

/*
 * What inc_build() made and inc_commit() installs: the running version's
 * binding arrays nv no longer uses (freed with it), the leaving instances,
 * the binding arrays made for nv, the pending edit of nv's plan.
 */
struct inc_out {
	VEC(struct lana_bind *) fb;
	VEC(struct oblk *) leave;
	VEC(struct lana_bind *) made;
	struct lana_plan *pedit;
};

/* Release what a failed inc_build() made (nv itself is freed after). */
static void inc_out_free(struct inc_out *io)
{
	uint32_t i;

	for (i = 0; i < io->made.n; i++)
		free(io->made.v[i]);
	VEC_FREE(&io->made);
	VEC_FREE(&io->fb);
	VEC_FREE(&io->leave);
	if (io->pedit) {
		lana_plan_free(io->pedit);
		free(io->pedit);
		io->pedit = NULL;
	}
}

/*
 * Build nv from the running version: the table was copied by
 * lana_gver_copy; patch the touched slots, in-degrees, event count,
 * sources and loop guard; collect the leaving instances (DEL events in
 * IDP order, as the full path's) and copy the edit for nv's plan. Touches
 * nothing but nv and @io: 0, or -ENOMEM (then inc_out_free(), free nv).
 */
static int inc_build(struct lana_txn *t, struct inc *c, struct inc_out *io)
{
	struct lana_gver *old = lana_gver_of(t->old), *nv = lana_gver_of(t->nv);
	bool nomem = false;
	uint32_t i;

	/* at most one of each per touched block: no push below allocates */
	if (VEC_TRY_RESERVE(&io->fb, c->blks.n) ||
	    VEC_TRY_RESERVE(&io->leave, c->blks.n) ||
	    VEC_TRY_RESERVE(&io->made, c->blks.n))
		return -ENOMEM;
	for (i = 0; i < c->blks.n && !nomem; i++) {
		struct oblk *o = c->blks.v[i];
		struct lana_gnode *g;

		if (o->in_old && (o->del || o->replaced)) {
			if (lana_gver_own_out(old, old->tab[o->idp].out))
				VEC_PUSH(&io->fb, old->tab[o->idp].out);
			VEC_PUSH(&io->leave, o);
			if (o->obi->b.type->event)
				nv->nevent--;
		}
		if (o->del) {
			memset(&nv->tab[o->idp], 0, sizeof(nv->tab[o->idp]));
			nv->indeg[o->idp] = 0;
			continue;
		}
		if (!o->alive)
			continue;
		g = &nv->tab[o->idp];
		nv->indeg[o->idp] = (uint32_t)((int64_t)nv->indeg[o->idp] +
					       o->dindeg);
		if (o->made) {
			inc_made_slot(old, nv, o, &nomem);
			if (g->out)
				VEC_PUSH(&io->made, g->out);
		} else if (o->edges) {
			if (lana_gver_own_out(old, g->out))
				VEC_PUSH(&io->fb, g->out);
			g->out = binds_dup(g->out, g->nout, &nomem);
			if (!g->out)
				continue;	/* nomem, or no ports */
			VEC_PUSH(&io->made, g->out);
			ob_patch_out(o, g->out, g->nout);
		}
	}
	if (nomem || inc_sources(t) || lana_graph_hops(t->nv, &t->nv->max_hops))
		return -ENOMEM;
	if (!t->owned) {
		io->pedit = malloc(sizeof(*io->pedit));
		if (!io->pedit)
			return -ENOMEM;
		if (plan_copy(io->pedit, t->edit))
			return -ENOMEM;
	}
	if (io->leave.n > 1)
		qsort(io->leave.v, io->leave.n, sizeof(*io->leave.v), cmp_idp);
	return 0;
}

/*
 * Past the point of no return: the running version gives up its bindings
 * and plan to nv (its plan: the running one + this edit, materialised on
 * demand), the events are queued, the leaving instances put on its dead
 * list. Allocates nothing.
 */
static void inc_commit(struct lana_txn *t, struct inc_out *io)
{
	struct lana_gver *old = lana_gver_of(t->old), *nv = lana_gver_of(t->nv);
	struct lana_plan *empty = nv->plan;
	uint32_t i;

	old->freeb = io->fb.v;
	old->nfreeb = io->fb.n;
	io->fb.v = NULL;
	io->fb.n = io->fb.cap = 0;
	VEC_FREE(&io->made);	/* nv owns them now */
	lana_txn_edit_events(t);
	for (i = 0; i < io->leave.n; i++)
		lana_txn_leave(t, io->leave.v[i]->obi);
	VEC_FREE(&io->leave);
	nv->plan = t->old->plan;
	t->old->plan = empty;
	if (t->owned) {
		nv->pedit = t->owned;
		t->owned = NULL;
	} else {
		nv->pedit = io->pedit;
		io->pedit = NULL;
	}
}

int lana_txn_inc(struct lana_txn *t)
{
	struct lana_gver *old = lana_gver_of(t->old);
	struct lana_engine *e = old->e;
	struct inc c = { .old = old };
	struct inc_out io = { 0 };
	struct lana_gver *nv;
	uint32_t i, ntab;
	int r = LANA_TXN_UNDECIDED;

	/* big edits (a new graph): the full build is as fast, and compact */
	if (t->edit->insns.n > 4096 && t->edit->insns.n / 4 > old->ntab)
		return LANA_TXN_UNDECIDED;
	for (i = 0; i < t->edit->insns.n; i++)
		if (!inc_step(&c, &t->edit->insns.v[i]))
			goto undecided;
	if (!inc_finish(&c))
		goto undecided;
	ntab = c.max_new >= old->ntab ? c.max_new + 1 : old->ntab;
	nv = lana_gver_copy(e, ntab, old);
	if (!nv) {
		r = -ENOMEM;
		goto nomem;
	}
	t->nv = &nv->g;
	r = lana_txn_build(t);
	if (r)
		goto fail;
	r = inc_build(t, &c, &io);
	if (r) {
		lana_txn_revert_sets(t);
		goto fail;
	}
	lana_txn_drop_made(t, false);
	inc_commit(t, &io);
	e->txn_fast++;
	lana_txn_publish(t);
	goto out;
undecided:
	/* out of memory in the check is no reason to try the full path */
	if (!c.nomem)
		goto out;
	r = -ENOMEM;
	goto nomem;
fail:
	inc_out_free(&io);
	lana_txn_drop_made(t, true);
	lana_graph_free(&e->core, t->nv);
	t->nv = NULL;
	if (r != -ENOMEM)
		goto out;
nomem:
	if (t->err && t->errlen)
		snprintf(t->err, t->errlen, "out of memory");
out:
	VEC_FREE(&c.blks);
	VEC_FREE(&c.edges);
	lana_map_free(&c.bmap);
	lana_map_free(&c.emap);
	lana_arena_free(&c.a);
	return r;
}
