// SPDX-License-Identifier: GPL-2.0
/*
 * engine/graph.c - graph versions, the registry of both engines (thesis
 * 4.2.1, 5.2.4): a version is one table indexed by IDP holding each
 * instance and the bindings of its OUT ports, with the version's
 * canonical full plan. Readers (the packet path) find it under RCU; the
 * engine's glue publishes and retires versions, this file makes, fills
 * and frees them.
 */
#include "txn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lana_graph *lana_graph_new(struct lana_core *c, uint32_t ntab)
{
	struct lana_graph *g = calloc(1, c->glue->ver_size);

	if (!g)
		return NULL;
	g->ntab = ntab;
	g->tab = calloc(ntab ? ntab : 1, sizeof(*g->tab));
	g->plan = calloc(1, sizeof(*g->plan));
	if (!g->tab || !g->plan) {
		free(g->tab);
		free(g->plan);
		free(g);
		return NULL;
	}
	lana_plan_init(g->plan);
	if (c->glue->ver_init && c->glue->ver_init(c, g)) {
		lana_graph_free(c, g);
		return NULL;
	}
	return g;
}

void lana_graph_free(struct lana_core *c, struct lana_graph *g)
{
	struct lana_inst *in, *next;

	struct lana_live_old *lo, *lnext;

	for (in = g->dead; in; in = next) {
		next = in->dead_next;
		lana_inst_free(c, in);
	}
	for (lo = g->dead_live; lo; lo = lnext) {
		lnext = lo->next;
		lo->release(lo->obj);
		free(lo);
	}
	if (c->glue->ver_fini)
		c->glue->ver_fini(c, g);
	free(g->tab);
	lana_plan_free(g->plan);
	free(g->plan);
	free(g);
}

void lana_graph_free_all(struct lana_core *c, struct lana_graph *g)
{
	uint32_t i;

	for (i = 0; i < g->ntab; i++) {
		struct lana_inst *in = lana_inst_of(g->tab[i].b);

		if (in) {
			in->dead_next = g->dead;
			g->dead = in;
		}
	}
	lana_graph_free(c, g);
}

/*
 * The slots of @nv's NEW instructions: the instance @made holds for the
 * IDP (made by this transaction; only those the plan still has count),
 * else @old's. *@nbind: bindings they need.
 */
static int fill_nodes(struct lana_graph *nv, const struct lana_graph *old,
		      struct lana_block *const *made, size_t *nbind)
{
	const struct lana_plan *p = nv->plan;
	uint32_t i;

	*nbind = 0;
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];
		struct lana_gnode *g;
		struct lana_inst *bi;

		if (in->op != LANA_OP_NEW)
			continue;
		g = &nv->tab[in->idp];
		g->b = made[in->idp];
		if (!g->b && in->idp < old->ntab)
			g->b = old->tab[in->idp].b;
		if (!g->b)
			return -EINVAL;	/* lana_plan_apply guarantees it */
		bi = lana_inst_of(g->b);
		g->rx = g->b->type->rx;
		g->live = bi->live;
		g->stride = bi->stride;
		g->nout = bi->nout;
		*nbind += bi->nout;
		if (g->b->type->event)
			nv->nevent++;
	}
	return 0;
}

/* Point every slot's @out into @bp, then set the plan's BINDs. */
static void fill_binds(struct lana_graph *nv, struct lana_bind *bp)
{
	const struct lana_plan *p = nv->plan;
	uint32_t i;

	for (i = 0; i < nv->ntab; i++) {
		struct lana_gnode *g = &nv->tab[i];

		if (!g->b)
			continue;
		g->out = bp;
		bp += g->nout;
	}
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];
		struct lana_gnode *g;

		if (in->op != LANA_OP_BIND)
			continue;
		g = &nv->tab[in->idp];
		if (in->port < g->nout && in->dst < nv->ntab &&
		    nv->tab[in->dst].b) {
			g->out[in->port].dst = in->dst;
			g->out[in->port].dport = in->dport;
		}
	}
}

int lana_graph_fill(struct lana_core *c, struct lana_graph *nv,
		    const struct lana_graph *old)
{
	struct lana_block **made;
	struct lana_bind *bp;
	size_t nbind;
	uint32_t i;
	int r;

	made = malloc((size_t)nv->ntab * sizeof(*made));
	if (!made)
		return -ENOMEM;
	for (i = 0; i < nv->ntab; i++)
		made[i] = nv->tab[i].b;
	memset(nv->tab, 0, (size_t)nv->ntab * sizeof(*nv->tab));
	nv->nevent = 0;
	r = fill_nodes(nv, old, made, &nbind);
	free(made);
	if (r)
		return r;
	bp = c->glue->binds_alloc(nv, nbind + 1);
	if (!bp)
		return -ENOMEM;
	fill_binds(nv, bp);
	return 0;
}

/* The destination slot of @g's binding @b, or NULL when it is unbound. */
static const struct lana_gnode *bind_dst(const struct lana_graph *g,
					 const struct lana_bind *b)
{
	if (!b->dst || b->dst >= g->ntab || !g->tab[b->dst].b)
		return NULL;
	return &g->tab[b->dst];
}

static bool is_vlink(const struct lana_gnode *n)
{
	return n->b->type->flags & LANA_BT_VLINK;
}

/*
 * Kahn's topological sort of @g, an edge into a vlink block left out
 * (it ends a path); @indeg and @queue have ntab entries. Returns the
 * longest path in edges, or UINT32_MAX when some block is on a cycle.
 */
static uint32_t longest_path(const struct lana_graph *g, uint32_t *indeg,
			     uint32_t *queue, uint32_t *dist, uint32_t nblocks)
{
	uint32_t i, p, head = 0, tail = 0, len = 0;

	for (i = 0; i < g->ntab; i++)
		if (g->tab[i].b && !indeg[i])
			queue[tail++] = i;
	while (head < tail) {
		const struct lana_gnode *u = &g->tab[queue[head]];
		/* a vlink's outputs carry frames from outside: a new path */
		uint32_t d = (is_vlink(u) ? 0 : dist[queue[head]]) + 1;

		head++;
		for (p = 0; p < u->nout; p++) {
			const struct lana_gnode *w = bind_dst(g, &u->out[p]);
			uint32_t x = u->out[p].dst;

			if (!w)
				continue;
			if (d > len)
				len = d;
			if (is_vlink(w))
				continue;
			if (d > dist[x])
				dist[x] = d;
			if (!--indeg[x])
				queue[tail++] = x;
		}
	}
	return tail < nblocks ? UINT32_MAX : len;
}

int lana_graph_hops(const struct lana_graph *g, uint32_t *hops)
{
	uint32_t *indeg, *queue, *dist, i, p, nblocks = 0, nvlink = 0, len;
	size_t n = g->ntab ? g->ntab : 1;
	uint64_t bound;

	indeg = calloc(n, sizeof(*indeg));
	queue = calloc(n, sizeof(*queue));
	dist = calloc(n, sizeof(*dist));
	if (!indeg || !queue || !dist) {
		free(indeg);
		free(queue);
		free(dist);
		return -ENOMEM;
	}
	for (i = 0; i < g->ntab; i++) {
		const struct lana_gnode *u = &g->tab[i];

		if (!u->b)
			continue;
		nblocks++;
		if (is_vlink(u))
			nvlink++;
		for (p = 0; p < u->nout; p++) {
			const struct lana_gnode *w = bind_dst(g, &u->out[p]);

			if (w && !is_vlink(w))
				indeg[u->out[p].dst]++;
		}
	}
	len = longest_path(g, indeg, queue, dist, nblocks);
	if (len == UINT32_MAX)
		len = nblocks;	/* a cycle: longer than any simple path */
	free(indeg);
	free(queue);
	free(dist);
	bound = (uint64_t)len * ((uint64_t)nvlink + 1);
	*hops = bound > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)bound;
	return 0;
}
