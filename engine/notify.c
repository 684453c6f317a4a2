// SPDX-License-Identifier: GPL-2.0
/*
 * engine/notify.c - the notifier (thesis 4.2.3) of both engines: after a
 * transaction published its version, each event (BIND, UNBIND, SET, DEL)
 * goes to the block it is about and to the blocks subscribed to it, its
 * neighbours in the graph. Blocks bound to each other are subscribed
 * automatically; a block whose type has no event op gets nothing.
 */
#include "txn.h"

#include <stdlib.h>
#include <string.h>

static void notify_one(struct lana_notifier *n, struct lana_inst *in,
		       const struct lana_event *ev)
{
	if (!in || !in->b.type->event || in->ev_stamp == n->stamp)
		return;
	in->ev_stamp = n->stamp;
	in->b.type->event(&in->b, ev->ev, &ev->src->b);
}

/*
 * Reverse adjacency (who binds into each IDP) of @v, counting sort.
 * Out of memory: rv->start stays NULL and lana_notify() scans the table.
 */
static void rev_build(struct lana_rev *rv, const struct lana_graph *v)
{
	uint32_t i, p, nb = 0, *fill;

	rv->start = calloc((size_t)v->ntab + 1, sizeof(*rv->start));
	if (!rv->start)
		return;
	for (i = 0; i < v->ntab; i++)
		for (p = 0; p < v->tab[i].nout; p++)
			if (v->tab[i].out[p].dst) {
				rv->start[v->tab[i].out[p].dst + 1]++;
				nb++;
			}
	for (i = 0; i < v->ntab; i++)
		rv->start[i + 1] += rv->start[i];
	rv->src = calloc((size_t)nb + 1, sizeof(*rv->src));
	fill = calloc((size_t)v->ntab + 1, sizeof(*fill));
	if (!rv->src || !fill) {
		free(rv->start);
		free(rv->src);
		free(fill);
		rv->start = rv->src = NULL;
		return;
	}
	memcpy(fill, rv->start, (size_t)v->ntab * sizeof(*fill));
	for (i = 0; i < v->ntab; i++)
		for (p = 0; p < v->tab[i].nout; p++)
			if (v->tab[i].out[p].dst)
				rv->src[fill[v->tab[i].out[p].dst]++] = i;
	free(fill);
}

void lana_notify(struct lana_notifier *n, const struct lana_event *ev)
{
	bool del = ev->ev == LANA_EV_DEL;
	const struct lana_graph *v = del ? n->old : n->v;
	struct lana_rev *rv = del ? &n->rold : &n->rv;
	uint32_t idp = ev->src->b.idp, p, i;
	const struct lana_gnode *g;

	n->stamp = ++n->core->ev_stamp;
	notify_one(n, ev->src, ev);
	notify_one(n, ev->extra, ev);
	if (idp >= v->ntab || v->tab[idp].b != &ev->src->b)
		return;
	g = &v->tab[idp];
	for (p = 0; p < g->nout; p++)
		if (g->out[p].dst)
			notify_one(n, lana_inst_of(v->tab[g->out[p].dst].b), ev);
	if (!rv->start)
		rev_build(rv, v);
	if (!rv->start) {
		/*
		 * No memory for the table (the version is published: events
		 * cannot fail): the same blocks, in the same order, by a scan.
		 */
		for (i = 0; i < v->ntab; i++)
			for (p = 0; p < v->tab[i].nout; p++)
				if (v->tab[i].out[p].dst == idp)
					notify_one(n, lana_inst_of(v->tab[i].b),
						   ev);
		return;
	}
	for (i = rv->start[idp]; i < rv->start[idp + 1]; i++)
		notify_one(n, lana_inst_of(v->tab[rv->src[i]].b), ev);
}

void lana_notifier_free(struct lana_notifier *n)
{
	free(n->rv.start);
	free(n->rv.src);
	free(n->rold.start);
	free(n->rold.src);
	n->rv.start = n->rv.src = n->rold.start = n->rold.src = NULL;
}
