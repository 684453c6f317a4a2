// SPDX-License-Identifier: GPL-2.0
/*
 * runtime/engine.c - the userspace engine's control side: registry,
 * builder, notifier and transactions (thesis ch. 4.2.1-4.2.4, 5.2.4).
 *
 * Registry: the running graph is one graph version (struct lana_gver): a
 * flat table indexed by IDP holding the instance and the bindings of its
 * OUT ports, the list of packet sources and the version's canonical full
 * plan. Workers (runtime/ppe.c) read it under RCU (liburcu QSBR).
 *
 * Transactions (lana_engine_apply): the next full plan is computed with
 * lana_plan_apply(), the reference semantics of an edit plan, and
 * validated; the builder constructs NEW/REPLACE instances, SETs are
 * applied to kept instances; on any failure everything done is undone and
 * the running version is untouched. Otherwise the next version's table is
 * built (kept instances are the same objects, so their state carries
 * over), published with one rcu_assign_pointer(), the notifier delivers the
 * events, and the old version and the instances that left are destroyed
 * after a grace period (call_rcu).
 */
#define LANA_ENGINE_CORE
#include "engine_internal.h"
#include "blocks/catalogue.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define MAX_TYPES	64
#define MAX_IDP		(1u << 24)	/* table size limit of a version */

/* ------------------------------------------------------- extra types */

static const struct lana_block_type *extra_types[MAX_TYPES];
static unsigned int nextra;

int lana_engine_register_type(const struct lana_block_type *bt)
{
	if (lana_engine_find_type(bt->name) &&
	    lana_engine_find_type(bt->name) != lana_catalogue_find(bt->name))
		return -EEXIST;
	if (nextra == MAX_TYPES)
		return -ENOSPC;
	extra_types[nextra++] = bt;
	return 0;
}

void lana_engine_unregister_types(void)
{
	nextra = 0;
}

const struct lana_block_type *lana_engine_find_type(const char *name)
{
	unsigned int i;

	for (i = 0; i < nextra; i++)
		if (!strcmp(extra_types[i]->name, name))
			return extra_types[i];
	return lana_catalogue_find(name);
}

/* ------------------------------------------------------------ helpers */

int lana_engine_worker(void)
{
	return lana_cur_worker ? (int)lana_cur_worker->id : -1;
}

unsigned int lana_engine_nr_workers(const struct lana_engine *e)
{
	return e->nworkers;
}

void lana_engine_log(struct lana_engine *e, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e && e->o.log)
		e->o.log(level, msg);
	else
		fprintf(stderr, "lana: %s\n", msg);
}

static struct lana_binst *binst(const struct lana_block *b)
{
	return b ? b->eng_priv : NULL;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ devices */

int lana_engine_dev_add(struct lana_engine *e, struct lana_block *b,
			struct lana_dev *d, int fd)
{
	struct lana_devreg *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->bi = binst(b);
	r->dev = d;
	r->fd = fd;
	atomic_init(&r->ended, false);
	pthread_mutex_lock(&e->dev_lock);
	r->next = e->devs;
	e->devs = r;
	pthread_mutex_unlock(&e->dev_lock);
	return 0;
}

void lana_engine_dev_del(struct lana_engine *e, struct lana_dev *d)
{
	struct lana_devreg **pp, *r;

	pthread_mutex_lock(&e->dev_lock);
	for (pp = &e->devs; (r = *pp); pp = &r->next) {
		if (r->dev == d) {
			*pp = r->next;
			free(r);
			break;
		}
	}
	pthread_mutex_unlock(&e->dev_lock);
}

/* Forget devices @bi left registered (a block that did not close them). */
static void devs_forget(struct lana_engine *e, struct lana_binst *bi)
{
	struct lana_devreg **pp, *r;

	pthread_mutex_lock(&e->dev_lock);
	pp = &e->devs;
	while ((r = *pp)) {
		if (r->bi == bi) {
			*pp = r->next;
			free(r);
		} else {
			pp = &r->next;
		}
	}
	pthread_mutex_unlock(&e->dev_lock);
}

static bool has_devs(struct lana_engine *e, struct lana_binst *bi)
{
	struct lana_devreg *r;
	bool found = false;

	pthread_mutex_lock(&e->dev_lock);
	for (r = e->devs; r && !found; r = r->next)
		found = r->bi == bi;
	pthread_mutex_unlock(&e->dev_lock);
	return found;
}

/* ------------------------------------------------------------ builder */

/*
 * Per-instance storage (name, parameters): one malloc per item on a list,
 * freed with the instance. An arena's 256 KiB chunks would cost too much
 * per block in 100k-block graphs.
 */
struct bmem {
	struct bmem *next;
	max_align_t data[];
};

static void *bmem_alloc(struct lana_binst *bi, size_t n)
{
	struct bmem *m = xcalloc(1, sizeof(*m) + n);

	m->next = bi->mem;
	bi->mem = m;
	return m->data;
}

static char *bmem_strdup(struct lana_binst *bi, const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(bmem_alloc(bi, n), s, n);
}

static void bmem_free(struct lana_binst *bi)
{
	struct bmem *m, *next;

	for (m = bi->mem; m; m = next) {
		next = m->next;
		free(m);
	}
	bi->mem = NULL;
}

static void copy_scalar(struct lana_binst *a, struct lana_value *d,
			const struct lana_value *s)
{
	size_t n;

	*d = *s;
	switch (s->type) {
	case LANA_PT_STRING:
	case LANA_PT_ENUM:
		d->str = bmem_strdup(a, s->str ? s->str : "");
		break;
	case LANA_PT_FILTER:
		d->filter.expr = bmem_strdup(a, s->filter.expr ?
					     s->filter.expr : "");
		n = (size_t)s->filter.n * sizeof(*s->filter.insns);
		d->filter.insns = bmem_alloc(a, n);
		if (n)
			memcpy(d->filter.insns, s->filter.insns, n);
		break;
	}
}

/* Deep copy of @s into @a (strings, lists, filter programs). */
static void copy_value(struct lana_binst *a, struct lana_value *d,
		       const struct lana_value *s)
{
	uint32_t k;

	if (s->type != LANA_PT_LIST) {
		copy_scalar(a, d, s);
		return;
	}
	*d = *s;
	d->list.items = bmem_alloc(a, ((size_t)s->list.n + 1) *
					 sizeof(*d->list.items));
	for (k = 0; k < s->list.n; k++)
		copy_scalar(a, &d->list.items[k], &s->list.items[k]);
}

/* The default of unsigned parameter @name of @bt (0 if none). */
static uint64_t param_default(const struct lana_block_type *bt,
			      const char *name)
{
	const struct lana_param *pd = lana_param_find(bt, name);
	struct lana_arena a = { 0 };
	struct lana_value v;
	char err[128];
	uint64_t r = 0;

	if (pd && pd->def &&
	    !lana_value_parse(&a, pd->type, pd, pd->def, &v, err, sizeof(err)))
		r = lana_value_as_uint(&v);
	lana_arena_free(&a);
	return r;
}

/* Port-group count for lana_port_count(): the instance's value or default. */
static uint64_t binst_count(const char *name, void *ctx)
{
	struct lana_binst *bi = ctx;
	int idx = lana_param_index(bi->b.type, name);

	if (idx >= 0 && (uint32_t)idx < bi->nparams &&
	    bi->params[idx].type != LANA_PT_NONE)
		return lana_value_as_uint(&bi->params[idx]);
	return param_default(bi->b.type, name);
}

static void binst_free(struct lana_engine *e, struct lana_binst *bi)
{
	if (bi->inited && bi->b.type->fini)
		bi->b.type->fini(&bi->b);
	devs_forget(e, bi);
	free(bi->b.priv);
	free(bi->b.pcpu);
	bmem_free(bi);
	free(bi);
}

static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/*
 * The builder (thesis 4.2.2, 5.2.4): an instance from a NEW or REPLACE
 * instruction. Returns 0 or -errno with @msg set.
 */
static int binst_new(struct lana_engine *e, const struct lana_insn *in,
		     struct lana_binst **out, char *msg, size_t msglen)
{
	const struct lana_block_type *bt = lana_engine_find_type(in->type);
	struct lana_binst *bi;
	uint32_t i;
	int r;

	*out = NULL;
	if (!bt) {
		set_err(msg, msglen, "unknown block type '%s'", in->type);
		return -EINVAL;
	}
	if (!(bt->engines & LANA_ENGINE_USER)) {
		set_err(msg, msglen, "block type '%s' does not run in the userspace engine",
			bt->name);
		return -EOPNOTSUPP;
	}
	bi = xcalloc(1, sizeof(*bi));
	bi->b.type = bt;
	bi->b.idp = in->idp;
	bi->b.name = bmem_strdup(bi, in->name ? in->name : "");
	bi->b.eng = e;
	bi->b.eng_priv = bi;
	atomic_init(&bi->ended, false);
	bi->nparams = lana_param_count(bt);
	bi->params = bmem_alloc(bi, ((size_t)bi->nparams + 1) *
				     sizeof(*bi->params));
	for (i = 0; i < in->nparams; i++) {
		int idx = lana_param_index(bt, in->params[i].key);

		if (idx < 0) {
			set_err(msg, msglen, "block type '%s' has no parameter '%s'",
				bt->name, in->params[i].key);
			binst_free(e, bi);
			return -EINVAL;
		}
		copy_value(bi, &bi->params[idx], &in->params[i].val);
	}
	bi->nout = lana_port_count(bt, LANA_PORT_OUT, binst_count, bi);
	bi->stride = (uint32_t)round_up(LANA_PCPU_HDR + bt->pcpu_size,
					LANA_CACHELINE);
	bi->b.pcpu = aligned_alloc(LANA_CACHELINE,
				   (size_t)bi->stride * e->nworkers);
	if (bt->priv_size)
		bi->b.priv = calloc(1, bt->priv_size);
	if (!bi->b.pcpu || (bt->priv_size && !bi->b.priv)) {
		set_err(msg, msglen, "out of memory");
		binst_free(e, bi);
		return -ENOMEM;
	}
	memset(bi->b.pcpu, 0, (size_t)bi->stride * e->nworkers);
	if (bt->init) {
		r = bt->init(&bi->b, bi->params);
		if (r) {
			if (r > 0)
				r = -r;
			if (bi->err[0])
				set_err(msg, msglen, "%s", bi->err);
			else
				set_err(msg, msglen, "%s", strerror(-r));
			binst_free(e, bi);
			return r;
		}
	}
	bi->inited = true;
	if (bt->poll || has_devs(e, bi))
		bi->worker = e->next_src++ % e->nworkers;
	*out = bi;
	return 0;
}

/* ------------------------------------------------------ graph versions */

/*
 * A version with a table of @ntab slots: empty, or when @old is given a
 * copy of @old's table, in-degrees and binding pool (flat memcpy; the
 * slots above old->ntab empty).
 */
static struct lana_gver *gver_alloc(struct lana_engine *e, uint32_t ntab,
				    const struct lana_gver *old)
{
	struct lana_gver *v = xcalloc(1, sizeof(*v));
	uint32_t n = old ? old->ntab : 0;

	v->e = e;
	v->ntab = ntab;
	v->tab = xmalloc((size_t)ntab * sizeof(*v->tab));
	v->indeg = xmalloc((size_t)ntab * sizeof(*v->indeg));
	if (n) {
		memcpy(v->tab, old->tab, (size_t)n * sizeof(*v->tab));
		memcpy(v->indeg, old->indeg, (size_t)n * sizeof(*v->indeg));
	}
	memset(v->tab + n, 0, (size_t)(ntab - n) * sizeof(*v->tab));
	memset(v->indeg + n, 0, (size_t)(ntab - n) * sizeof(*v->indeg));
	if (old && old->pool) {
		v->pool = old->pool;
		atomic_fetch_add(&v->pool->refs, 1);
	}
	v->wsrc = xcalloc((size_t)e->nworkers + 1, sizeof(*v->wsrc));
	lana_plan_init(&v->plan);
	return v;
}

/* @out is an array of its own, not in @v's pool. */
static bool own_out(const struct lana_gver *v, const struct lana_bind *out)
{
	return out && !(v->pool && out >= v->pool->b &&
			out < v->pool->b + v->pool->n);
}

/* Free @v and destroy the instances that left the graph with it. */
static void gver_destroy(struct lana_gver *v)
{
	struct lana_binst *bi, *next;
	uint32_t i;

	for (bi = v->dead; bi; bi = next) {
		next = bi->dead_next;
		binst_free(v->e, bi);
	}
	if (v->free_all)
		for (i = 0; i < v->ntab; i++)
			if (own_out(v, v->tab[i].out))
				free(v->tab[i].out);
	for (i = 0; i < v->nfreeb; i++)
		free(v->freeb[i]);
	free(v->freeb);
	if (v->pool && atomic_fetch_sub(&v->pool->refs, 1) == 1)
		free(v->pool);
	free(v->tab);
	free(v->indeg);
	free(v->src);
	free(v->wsrc);
	lana_plan_free(&v->plan);
	if (v->pedit) {
		lana_plan_free(v->pedit);
		free(v->pedit);
	}
	free(v);
}

/*
 * Make @v->plan the version's own canonical plan: apply the pending edit
 * (lana_plan_apply, the reference semantics) and cache the checksum.
 * Control thread, under e->lock. 0 or -errno (logged; cannot happen for an
 * edit the transaction accepted).
 */
static int gver_materialise(struct lana_gver *v)
{
	struct lana_plan np;
	char err[256];
	int r;

	if (v->pedit) {
		r = lana_plan_apply(&v->plan, v->pedit, &np, err, sizeof(err));
		if (r) {
			lana_engine_log(v->e, LOG_ERR,
					"cannot build the running plan: %s", err);
			return r;
		}
		lana_plan_free(&v->plan);
		v->plan = np;
		lana_plan_free(v->pedit);
		free(v->pedit);
		v->pedit = NULL;
	}
	lana_plan_crc(&v->plan);
	return 0;
}

static void gver_rcu_free(struct rcu_head *head)
{
	gver_destroy(caa_container_of(head, struct lana_gver, rcu));
}

/*
 * Hand @v to the reclaim thread. call_rcu wants a registered, online
 * caller (liburcu rcu-api.md); the control thread is registered for the
 * duration of the call only, so it never holds up a grace period.
 */
static void gver_retire(struct lana_gver *v)
{
	rcu_register_thread();
	call_rcu(&v->rcu, gver_rcu_free);
	rcu_unregister_thread();
}

/*
 * Fill the tables of @nv from its plan: instances already in nv->tab[idp].b
 * (made by this transaction) or kept from @old. Sources: blocks with a poll
 * op and registered devices, grouped by their worker.
 */
static void gver_fill(struct lana_engine *e, struct lana_gver *nv,
		      const struct lana_gver *old)
{
	const struct lana_plan *p = &nv->plan;
	struct lana_block **made = xmalloc((size_t)nv->ntab * sizeof(*made));
	struct lana_devreg *r;
	uint32_t i, nbind = 0, nsrc = 0, w, *fillp;
	struct lana_bind *bp;

	/* made by this transaction: only those the plan still has count */
	for (i = 0; i < nv->ntab; i++)
		made[i] = nv->tab[i].b;
	memset(nv->tab, 0, (size_t)nv->ntab * sizeof(*nv->tab));
	for (i = 0; i < p->insns.n; i++) {
		const struct lana_insn *in = &p->insns.v[i];
		struct lana_gnode *g;
		struct lana_binst *bi;

		if (in->op != LANA_OP_NEW)
			continue;
		g = &nv->tab[in->idp];
		g->b = made[in->idp];
		if (!g->b && in->idp < old->ntab)
			g->b = old->tab[in->idp].b;
		if (!g->b)
			abort();	/* lana_plan_apply guarantees it */
		bi = binst(g->b);
		g->rx = g->b->type->rx;
		g->stride = bi->stride;
		g->nout = bi->nout;
		nbind += bi->nout;
		if (g->b->type->event)
			nv->nevent++;
		if (g->b->type->poll) {
			nv->wsrc[bi->worker + 1]++;
			nsrc++;
		}
	}
	nv->pool = xcalloc(1, sizeof(*nv->pool) +
			      ((size_t)nbind + 1) * sizeof(*nv->pool->b));
	atomic_init(&nv->pool->refs, 1);
	nv->pool->n = (size_t)nbind + 1;
	bp = nv->pool->b;
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
		if (in->port < g->nout) {
			g->out[in->port].dst = in->dst;
			g->out[in->port].dport = in->dport;
			nv->indeg[in->dst]++;
		}
	}
	free(made);

	/* sources, grouped by worker (counting sort) */
	pthread_mutex_lock(&e->dev_lock);
	for (r = e->devs; r; r = r->next) {
		uint32_t idp = r->bi->b.idp;

		if (idp < nv->ntab && nv->tab[idp].b == &r->bi->b) {
			nv->wsrc[r->bi->worker + 1]++;
			nsrc++;
		}
	}
	for (w = 0; w < e->nworkers; w++)
		nv->wsrc[w + 1] += nv->wsrc[w];
	nv->nsrc = nsrc;
	nv->src = xcalloc((size_t)nsrc + 1, sizeof(*nv->src));
	fillp = xcalloc(e->nworkers, sizeof(*fillp));
	for (w = 0; w < e->nworkers; w++)
		fillp[w] = nv->wsrc[w];
	for (i = 0; i < nv->ntab; i++) {
		struct lana_gnode *g = &nv->tab[i];
		struct lana_binst *bi;
		struct lana_src *s;

		if (!g->b || !g->b->type->poll)
			continue;
		bi = binst(g->b);
		s = &nv->src[fillp[bi->worker]++];
		s->b = g->b;
		s->dev = NULL;
		s->fd = -1;
		s->ended = &bi->ended;
	}
	for (r = e->devs; r; r = r->next) {
		uint32_t idp = r->bi->b.idp;
		struct lana_src *s;

		if (idp >= nv->ntab || nv->tab[idp].b != &r->bi->b)
			continue;
		s = &nv->src[fillp[r->bi->worker]++];
		s->b = &r->bi->b;
		s->dev = r->dev;
		s->fd = r->fd;
		s->ended = &r->ended;
	}
	pthread_mutex_unlock(&e->dev_lock);
	free(fillp);
}

/* ------------------------------------------------------------ notifier */

struct event {
	unsigned int ev;
	struct lana_binst *src;
	struct lana_binst *extra;	/* UNBIND: the former destination */
};

struct notifier {
	struct lana_engine *e;
	const struct lana_gver *v;	/* version for neighbours */
	const struct lana_gver *old;
	struct rev {
		uint32_t *start;	/* reverse CSR: idp -> sources */
		uint32_t *src;
	} rv, rold;
	uint64_t stamp;
};

static void notify_one(struct notifier *n, struct lana_binst *bi,
		       const struct event *ev)
{
	if (!bi || !bi->b.type->event || bi->ev_stamp == n->stamp)
		return;
	bi->ev_stamp = n->stamp;
	bi->b.type->event(&bi->b, ev->ev, &ev->src->b);
}

/* Reverse adjacency (who binds into each IDP) of @v, counting sort. */
static void rev_build(struct rev *rv, const struct lana_gver *v)
{
	uint32_t i, p, nb = 0, *fill;

	rv->start = xcalloc((size_t)v->ntab + 1, sizeof(*rv->start));
	for (i = 0; i < v->ntab; i++)
		for (p = 0; p < v->tab[i].nout; p++)
			if (v->tab[i].out[p].dst) {
				rv->start[v->tab[i].out[p].dst + 1]++;
				nb++;
			}
	for (i = 0; i < v->ntab; i++)
		rv->start[i + 1] += rv->start[i];
	rv->src = xcalloc((size_t)nb + 1, sizeof(*rv->src));
	fill = xcalloc((size_t)v->ntab + 1, sizeof(*fill));
	memcpy(fill, rv->start, (size_t)v->ntab * sizeof(*fill));
	for (i = 0; i < v->ntab; i++)
		for (p = 0; p < v->tab[i].nout; p++)
			if (v->tab[i].out[p].dst)
				rv->src[fill[v->tab[i].out[p].dst]++] = i;
	free(fill);
}

/*
 * Deliver @ev (thesis 4.2.3): to the source block itself, then to the
 * blocks subscribed to it: its neighbours (both directions) in the new
 * version, or for DEL its neighbours in the old one.
 */
static void notify(struct notifier *n, const struct event *ev)
{
	bool del = ev->ev == LANA_EV_DEL;
	const struct lana_gver *v = del ? n->old : n->v;
	struct rev *rv = del ? &n->rold : &n->rv;
	uint32_t idp = ev->src->b.idp, p, i;
	const struct lana_gnode *g;

	n->stamp = ++n->e->ev_stamp;
	notify_one(n, ev->src, ev);
	notify_one(n, ev->extra, ev);
	if (idp >= v->ntab || v->tab[idp].b != &ev->src->b)
		return;
	g = &v->tab[idp];
	for (p = 0; p < g->nout; p++)
		if (g->out[p].dst)
			notify_one(n, binst(v->tab[g->out[p].dst].b), ev);
	if (!rv->start)
		rev_build(rv, v);
	for (i = rv->start[idp]; i < rv->start[idp + 1]; i++)
		notify_one(n, binst(v->tab[rv->src[i]].b), ev);
}

/* ---------------------------------------------------------- transactions */

struct made {
	uint32_t insn;		/* 1-based instruction index */
	struct lana_binst *bi;
};

struct undo_set {
	struct lana_binst *bi;
	uint32_t pidx;
	struct lana_value old;
};

struct txn {
	struct lana_engine *e;
	struct lana_gver *old;
	struct lana_gver *nv;
	const struct lana_plan *edit;
	VEC(struct made) made;
	VEC(struct undo_set) undo;
	VEC(struct event) ev;
	char *err;
	size_t errlen;
};

static void insn_err(struct txn *t, uint32_t n, const char *msg)
{
	const struct lana_insn *in = &t->edit->insns.v[n - 1];

	if (in->op == LANA_OP_SET)
		set_err(t->err, t->errlen, "instruction %u (SET %u %s %s): %s",
			n, in->idp, in->name ? in->name : "",
			in->nparams ? in->params[0].key : "", msg);
	else
		set_err(t->err, t->errlen, "instruction %u (%s %u %s %s): %s",
			n, lana_op_name(in->op), in->idp,
			in->name ? in->name : "", in->type ? in->type : "",
			msg);
}

/* The instance at @idp after this transaction's constructors. */
static struct lana_binst *txn_block(struct txn *t, uint32_t idp)
{
	if (idp < t->nv->ntab && t->nv->tab[idp].b)
		return binst(t->nv->tab[idp].b);
	if (idp < t->old->ntab)
		return binst(t->old->tab[idp].b);
	return NULL;
}

static bool is_made(struct txn *t, struct lana_binst *bi)
{
	return bi->b.idp >= t->old->ntab ||
	       t->old->tab[bi->b.idp].b != &bi->b;
}

/* Undo the SETs applied to kept instances, newest first. */
static void txn_revert_sets(struct txn *t)
{
	uint32_t i;

	for (i = t->undo.n; i-- > 0;) {
		struct undo_set *u = &t->undo.v[i];

		if (!is_made(t, u->bi) && u->old.type != LANA_PT_NONE &&
		    u->bi->b.type->set &&
		    u->bi->b.type->set(&u->bi->b, u->pidx, &u->old))
			lana_engine_log(t->e, LOG_ERR,
					"%s: could not restore parameter %u",
					u->bi->b.name, u->pidx);
		u->bi->params[u->pidx] = u->old;
	}
}

static int txn_set(struct txn *t, uint32_t n, const struct lana_insn *in)
{
	struct lana_binst *bi = txn_block(t, in->idp);
	struct undo_set u;
	struct lana_value nvl;
	char msg[300];
	int idx, r;

	if (!bi || !in->nparams) {
		insn_err(t, n, "no such block");
		return -EINVAL;
	}
	idx = lana_param_index(bi->b.type, in->params[0].key);
	if (idx < 0) {
		insn_err(t, n, "no such parameter");
		return -EINVAL;
	}
	if (!bi->b.type->set) {
		snprintf(msg, sizeof(msg), "block type '%s' cannot change '%s' live",
			 bi->b.type->name, in->params[0].key);
		insn_err(t, n, msg);
		return -EOPNOTSUPP;
	}
	copy_value(bi, &nvl, &in->params[0].val);
	bi->err[0] = 0;
	r = bi->b.type->set(&bi->b, (unsigned int)idx, &nvl);
	if (r) {
		if (r > 0)
			r = -r;
		insn_err(t, n, bi->err[0] ? bi->err : strerror(-r));
		return r;
	}
	u.bi = bi;
	u.pidx = (uint32_t)idx;
	u.old = bi->params[idx];
	VEC_PUSH(&t->undo, u);
	bi->params[idx] = nvl;
	return 0;
}

/* Constructors and SETs of the edit; all or nothing. */
static int txn_build(struct txn *t)
{
	const struct lana_plan *ed = t->edit;
	char msg[300];
	uint32_t i;
	int r;

	for (i = 0; i < ed->insns.n; i++) {
		const struct lana_insn *in = &ed->insns.v[i];
		struct made m;

		if (in->op != LANA_OP_NEW && in->op != LANA_OP_REPLACE)
			continue;
		msg[0] = 0;
		r = binst_new(t->e, in, &m.bi, msg, sizeof(msg));
		if (r) {
			insn_err(t, i + 1, msg);
			return r;
		}
		m.insn = i + 1;
		VEC_PUSH(&t->made, m);
		/* an IDP made twice in one edit: the last one counts */
		t->nv->tab[in->idp].b = &m.bi->b;
	}
	for (i = 0; i < ed->insns.n; i++) {
		const struct lana_insn *in = &ed->insns.v[i];

		if (in->op != LANA_OP_SET)
			continue;
		r = txn_set(t, i + 1, in);
		if (r) {
			txn_revert_sets(t);
			return r;
		}
	}
	return 0;
}

/* Destroy the instances this transaction made that are not in nv. */
static void txn_drop_made(struct txn *t, bool all)
{
	uint32_t i;

	for (i = 0; i < t->made.n; i++) {
		struct lana_binst *bi = t->made.v[i].bi;

		if (all || t->nv->tab[bi->b.idp].b != &bi->b)
			binst_free(t->e, bi);
	}
}

/* Events of the edit's instructions, for the notifier. */
static void txn_edit_events(struct txn *t)
{
	const struct lana_plan *ed = t->edit;
	struct lana_gver *nv = t->nv;
	uint32_t i;

	for (i = 0; i < ed->insns.n; i++) {
		const struct lana_insn *in = &ed->insns.v[i];
		struct event ev = { 0 };

		switch (in->op) {
		case LANA_OP_BIND:
			ev.ev = LANA_EV_BIND;
			ev.src = txn_block(t, in->idp);
			break;
		case LANA_OP_UNBIND:
			ev.ev = LANA_EV_UNBIND;
			ev.src = txn_block(t, in->idp);
			ev.extra = txn_block(t, in->dst);
			break;
		case LANA_OP_SET:
			ev.ev = LANA_EV_SET;
			ev.src = txn_block(t, in->idp);
			break;
		case LANA_OP_REPLACE:
			/* the new instance learns its kept bindings */
			ev.ev = LANA_EV_BIND;
			ev.src = txn_block(t, in->idp);
			break;
		default:
			break;
		}
		if (ev.src && ev.src->b.idp < nv->ntab &&
		    nv->tab[ev.src->b.idp].b == &ev.src->b)
			VEC_PUSH(&t->ev, ev);
	}
}

/* Instance @bi of the running version leaves the graph with it. */
static void txn_leave(struct txn *t, struct lana_binst *bi)
{
	struct event ev = { .ev = LANA_EV_DEL, .src = bi };

	bi->dead_next = t->old->dead;
	t->old->dead = bi;
	VEC_PUSH(&t->ev, ev);
}

/* Leaving instances of a full build: in old, not (the same) in nv. */
static void txn_leaving_scan(struct txn *t)
{
	struct lana_gver *old = t->old, *nv = t->nv;
	uint32_t i;

	for (i = 0; i < old->ntab; i++) {
		struct lana_block *b = old->tab[i].b;

		if (b && !(i < nv->ntab && nv->tab[i].b == b))
			txn_leave(t, binst(b));
	}
}

/*
 * Publish t->nv (one RCU pointer swap), deliver the events (thesis 4.2.3)
 * and hand the running version to the reclaim thread.
 */
static void txn_publish(struct txn *t)
{
	struct lana_engine *e = t->e;
	struct notifier n = { .e = e, .v = t->nv, .old = t->old };
	uint32_t i;

	t->nv->gen = ++e->gen;
	rcu_assign_pointer(e->cur, t->nv);
	if (t->nv->nevent || t->old->nevent)
		for (i = 0; i < t->ev.n; i++)
			notify(&n, &t->ev.v[i]);
	free(n.rv.start);
	free(n.rv.src);
	free(n.rold.start);
	free(n.rold.src);
	gver_retire(t->old);
}

/*
 * The full path: the next plan by lana_plan_apply() (the reference
 * semantics) and lana_plan_validate(), a fresh table built from it
 * (gver_fill). Used when the incremental check cannot decide; it also
 * produces every error message of a refused edit.
 */
static int txn_full(struct txn *t)
{
	struct lana_engine *e = t->e;
	struct lana_plan np;
	uint32_t i, max = 0;
	int r;

	r = lana_plan_apply(&t->old->plan, t->edit, &np, t->err, t->errlen);
	if (r)
		goto out;
	r = lana_plan_validate(&np, t->err, t->errlen);
	if (r)
		goto out;
	for (i = 0; i < np.insns.n; i++)
		if (np.insns.v[i].op == LANA_OP_NEW && np.insns.v[i].idp > max)
			max = np.insns.v[i].idp;
	if (max >= MAX_IDP) {
		set_err(t->err, t->errlen,
			"IDP %u too large for the engine (limit %u)", max,
			MAX_IDP - 1);
		r = -E2BIG;
		goto out;
	}
	t->nv = gver_alloc(e, max + 1, NULL);
	r = txn_build(t);
	if (r) {
		txn_drop_made(t, true);
		gver_destroy(t->nv);
		goto out;
	}
	t->nv->plan = np;	/* moved; its crc is computed on demand */
	lana_plan_init(&np);
	gver_fill(e, t->nv, t->old);
	txn_drop_made(t, false);
	txn_edit_events(t);
	txn_leaving_scan(t);
	t->old->free_all = true;	/* nv shares no bindings with it */
	e->txn_full++;
	txn_publish(t);
out:
	lana_plan_free(&np);
	return r;
}

/* --------------------------------------------- incremental transactions */

/*
 * The incremental path checks an edit against the running version's
 * tables instead of the full plan. It follows lana_plan_apply() (lang/
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
	struct lana_binst *obi;		/* running instance */
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
};

static struct oblk *ob_get(struct inc *c, uint32_t idp)
{
	const struct lana_gver *v = c->old;
	struct oblk *o;
	uint32_t i;

	if (lana_map_getn(&c->bmap, (const char *)&idp, 4, &i))
		return c->blks.v[i];
	o = lana_arena_alloc(&c->a, sizeof(*o));
	o->idp = idp;
	if (idp < v->ntab && v->tab[idp].b) {
		o->obi = binst(v->tab[idp].b);
		o->in_old = o->alive = true;
		o->bt = o->obt = lana_catalogue_find(o->obi->b.type->name);
		o->name = o->obi->b.name;
	}
	lana_map_putn(&c->bmap, (const char *)&o->idp, 4, c->blks.n, NULL);
	VEC_PUSH(&c->blks, o);
	return o;
}

/* Port-group count of @ctx (struct oblk) as it stands in the edit. */
static uint64_t ob_count(const char *name, void *ctx)
{
	const struct oblk *o = ctx;
	const struct oset *s;
	uint32_t i;

	for (s = o->sets; s; s = s->next)
		if (!strcmp(s->pa->key, name))
			return lana_value_as_uint(&s->pa->val);
	if (!o->def)
		return o->obi ? binst_count(name, o->obi) : 0;
	for (i = 0; i < o->def->nparams; i++)
		if (!strcmp(o->def->params[i].key, name))
			return lana_value_as_uint(&o->def->params[i].val);
	return param_default(o->bt, name);
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

/* The overlay of OUT port @o.@port, made from the running binding. */
static struct oedge *oe_get(struct inc *c, struct oblk *o, uint32_t port)
{
	struct oedge *e = oe_find(c, o->idp, port);
	const struct lana_bind *b;

	if (e)
		return e;
	e = lana_arena_alloc(&c->a, sizeof(*e));
	e->idp = o->idp;
	e->port = port;
	b = old_bind(c->old, o->idp, port);
	if (b) {
		e->dst = e->odst = b->dst;
		e->dport = e->odport = b->dport;
	}
	e->next = o->edges;
	o->edges = e;
	lana_map_putn(&c->emap, (const char *)&e->idp, 8, c->edges.n, NULL);
	VEC_PUSH(&c->edges, e);
	return e;
}

/* Unbind @o's OUT ports from @from on (lana_plan_apply's unbind_from). */
static void ob_unbind_from(struct inc *c, struct oblk *o, uint32_t from)
{
	struct oedge *e;
	uint32_t p;

	if (o->in_old)
		for (p = from; p < c->old->tab[o->idp].nout; p++)
			if (old_bind(c->old, o->idp, p))
				oe_get(c, o, p);
	for (e = o->edges; e; e = e->next)
		if (e->port >= from)
			e->dst = e->dport = 0;
}

static bool sym_ok(const struct lana_param *pd, const char *s)
{
	const char *const *sym;

	if (!pd->symbols)
		return true;
	for (sym = pd->symbols; *sym; sym++)
		if (s && !strcmp(*sym, s))
			return true;
	return false;
}

/* A SET's parameter as lana_plan_validate() checks it in the result. */
static bool set_param_ok(const struct lana_block_type *bt,
			 const struct lana_pattr *a)
{
	const struct lana_param *pd = lana_param_find(bt, a->key);
	const struct lana_value *v = &a->val;
	const struct lana_port *pt;
	char msg[160];
	uint32_t k;

	if (!pd || !(pd->flags & LANA_PF_LIVE) || v->type != pd->type)
		return false;
	if (v->type == LANA_PT_LIST) {
		if (v->list.elem != pd->elem)
			return false;
		for (k = 0; k < v->list.n; k++)
			if (v->list.elem == LANA_PT_ENUM &&
			    !sym_ok(pd, v->list.items[k].str))
				return false;
	}
	if (v->type == LANA_PT_ENUM && !sym_ok(pd, v->str))
		return false;
	if (lana_value_check_range(pd, v, msg, sizeof(msg)))
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
		if (!in->idp || in->idp >= MAX_IDP)
			return false;
		o = ob_get(c, in->idp);
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
		if (!o->alive || !o->bt || in->nparams != 1 ||
		    !set_param_ok(o->bt, &in->params[0]))
			return false;
		s = lana_arena_alloc(&c->a, sizeof(*s));
		s->pa = &in->params[0];
		s->next = o->sets;
		o->sets = s;
		return true;
	case LANA_OP_DEL:
		o = ob_get(c, in->idp);
		if (!o->alive || o->made || !o->in_old ||
		    strcmp(o->name, in->name ? in->name : ""))
			return false;
		o->alive = false;
		o->del = true;
		ob_unbind_from(c, o, 0);
		return true;
	case LANA_OP_BIND:
		o = ob_get(c, in->idp);
		d = ob_get(c, in->dst);
		if (!o->alive || !d->alive)
			return false;
		e = oe_get(c, o, in->port);
		e->dst = in->dst;
		e->dport = in->dport;
		return true;
	case LANA_OP_UNBIND:
		o = ob_get(c, in->idp);
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

	if (!s->alive || !d->alive)
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
	n = lana_port_count(o->obt, LANA_PORT_IN, binst_count, o->obi);
	for (p = 0; p < n; p++) {
		const struct lana_port *op, *np;

		op = lana_port_at(o->obt, LANA_PORT_IN, p, binst_count,
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

		if (e->odst)
			ob_get(c, e->odst)->dindeg--;
		if (!e->dst)
			continue;
		ob_get(c, e->dst)->dindeg++;
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

/* Deep copy of @s (an edit plan the caller keeps) into @d. */
static void plan_copy(struct lana_plan *d, const struct lana_plan *s)
{
	struct lana_arena *a = &d->arena;
	uint32_t i, k, j;

	lana_plan_init(d);
	d->flags = s->flags;
	d->base_crc = s->base_crc;
	d->insns.v = xmalloc(((size_t)s->insns.n + 1) * sizeof(*d->insns.v));
	d->insns.cap = s->insns.n + 1;
	d->insns.n = s->insns.n;
	for (i = 0; i < s->insns.n; i++) {
		struct lana_insn *in = &d->insns.v[i];

		*in = s->insns.v[i];
		if (in->type)
			in->type = lana_arena_strdup(a, in->type);
		if (in->name)
			in->name = lana_arena_strdup(a, in->name);
		if (!in->nparams)
			continue;
		in->params = lana_arena_memdup(a, in->params, (size_t)in->nparams *
					       sizeof(*in->params));
		for (k = 0; k < in->nparams; k++) {
			struct lana_value *v = &in->params[k].val;
			struct lana_value *it = v;
			uint32_t n = 1;

			in->params[k].key = lana_arena_strdup(a, in->params[k].key);
			if (v->type == LANA_PT_LIST) {
				n = v->list.n;
				v->list.items = n ? lana_arena_memdup(a,
						v->list.items, (size_t)n *
						sizeof(*v->list.items)) : NULL;
				it = v->list.items;
			}
			for (j = 0; j < n; j++) {
				if ((it[j].type == LANA_PT_STRING ||
				     it[j].type == LANA_PT_ENUM) && it[j].str)
					it[j].str = lana_arena_strdup(a, it[j].str);
				if (it[j].type != LANA_PT_FILTER)
					continue;
				if (it[j].filter.expr)
					it[j].filter.expr = lana_arena_strdup(a,
							it[j].filter.expr);
				if (it[j].filter.n)
					it[j].filter.insns = lana_arena_memdup(a,
						it[j].filter.insns,
						(size_t)it[j].filter.n *
						sizeof(*it[j].filter.insns));
			}
		}
	}
}

/* A copy of @n bindings at @b (NULL when @n is 0). */
static struct lana_bind *binds_dup(const struct lana_bind *b, uint32_t n)
{
	struct lana_bind *d;

	if (!n)
		return NULL;
	d = xcalloc(n, sizeof(*d));
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

/*
 * Sources of nv: the running version's that stay (same instance), then
 * the made instances' (poll op, registered devices), grouped by worker.
 * O(sources + devices + made), not O(blocks).
 */
static void inc_sources(struct txn *t)
{
	struct lana_engine *e = t->e;
	struct lana_gver *old = t->old, *nv = t->nv;
	uint32_t i, w, *fillp, nsrc = 0;
	struct lana_devreg *r;
	int pass;

	fillp = xcalloc((size_t)e->nworkers + 1, sizeof(*fillp));
	pthread_mutex_lock(&e->dev_lock);
	for (pass = 0; pass < 2; pass++) {
		if (pass) {
			for (w = 0; w < e->nworkers; w++)
				nv->wsrc[w + 1] += nv->wsrc[w];
			nv->nsrc = nsrc;
			nv->src = xcalloc((size_t)nsrc + 1, sizeof(*nv->src));
			memcpy(fillp, nv->wsrc, e->nworkers * sizeof(*fillp));
		}
		for (i = 0; i < old->nsrc; i++) {
			const struct lana_src *s = &old->src[i];
			unsigned int sw = binst(s->b)->worker;

			if (!in_ver(nv, s->b))
				continue;
			if (!pass) {
				nv->wsrc[sw + 1]++;
				nsrc++;
			} else {
				nv->src[fillp[sw]++] = *s;
			}
		}
		for (i = 0; i < t->made.n; i++) {
			struct lana_binst *bi = t->made.v[i].bi;
			struct lana_src *s;

			if (!bi->b.type->poll || !in_ver(nv, &bi->b))
				continue;
			if (!pass) {
				nv->wsrc[bi->worker + 1]++;
				nsrc++;
				continue;
			}
			s = &nv->src[fillp[bi->worker]++];
			s->b = &bi->b;
			s->dev = NULL;
			s->fd = -1;
			s->ended = &bi->ended;
		}
		for (r = e->devs; r; r = r->next) {
			struct lana_src *s;

			if (!in_ver(nv, &r->bi->b) || in_ver(old, &r->bi->b))
				continue;
			if (!pass) {
				nv->wsrc[r->bi->worker + 1]++;
				nsrc++;
				continue;
			}
			s = &nv->src[fillp[r->bi->worker]++];
			s->b = &r->bi->b;
			s->dev = r->dev;
			s->fd = r->fd;
			s->ended = &r->ended;
		}
	}
	pthread_mutex_unlock(&e->dev_lock);
	free(fillp);
}

/*
 * Build nv from the running version: the table was copied by gver_alloc;
 * patch the touched slots, in-degrees, event count and sources; collect
 * the leaving instances (DEL events in IDP order, as txn_leaving_scan).
 */
static void inc_build(struct txn *t, struct inc *c)
{
	struct lana_gver *old = t->old, *nv = t->nv;
	VEC(struct lana_bind *) fb = { 0 };
	VEC(struct oblk *) leave = { 0 };
	uint32_t i;

	for (i = 0; i < c->blks.n; i++) {
		struct oblk *o = c->blks.v[i];
		struct lana_gnode *g;
		struct lana_binst *bi;

		if (o->in_old && (o->del || o->replaced)) {
			if (own_out(old, old->tab[o->idp].out))
				VEC_PUSH(&fb, old->tab[o->idp].out);
			VEC_PUSH(&leave, o);
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
			bi = binst(g->b);
			g->rx = bi->b.type->rx;
			g->stride = bi->stride;
			g->nout = bi->nout;
			g->out = binds_dup(NULL, bi->nout);
			if (o->replaced) {
				const struct lana_gnode *og = &old->tab[o->idp];
				uint32_t keep = og->nout < g->nout ? og->nout :
						g->nout;

				if (keep)	/* g->out is NULL when nout == 0 */
					memcpy(g->out, og->out,
					       (size_t)keep * sizeof(*g->out));
			}
			ob_patch_out(o, g->out, g->nout);
			if (bi->b.type->event)
				nv->nevent++;
		} else if (o->edges) {
			if (own_out(old, g->out))
				VEC_PUSH(&fb, g->out);
			g->out = binds_dup(g->out, g->nout);
			ob_patch_out(o, g->out, g->nout);
		}
	}
	old->freeb = fb.v;
	old->nfreeb = fb.n;
	inc_sources(t);
	if (leave.n > 1)
		qsort(leave.v, leave.n, sizeof(*leave.v), cmp_idp);
	txn_edit_events(t);
	for (i = 0; i < leave.n; i++)
		txn_leave(t, leave.v[i]->obi);
	VEC_FREE(&leave);
}

#define TXN_UNDECIDED 1

/*
 * The incremental path. Returns TXN_UNDECIDED when the check cannot
 * decide (nothing done: take the full path), else 0 or the builder's
 * -errno.
 * @owned: t->edit is the caller's to give away (*@owned then NULL).
 */
static int txn_fast(struct txn *t, struct lana_plan **owned)
{
	struct lana_engine *e = t->e;
	struct lana_gver *old = t->old;
	struct inc c = { .old = old };
	uint32_t i, ntab;
	int r = TXN_UNDECIDED;

	/* big edits (a new graph): the full build is as fast, and compact */
	if (t->edit->insns.n > 4096 && t->edit->insns.n / 4 > old->ntab)
		return TXN_UNDECIDED;
	for (i = 0; i < t->edit->insns.n; i++)
		if (!inc_step(&c, &t->edit->insns.v[i]))
			goto out;
	if (!inc_finish(&c))
		goto out;
	ntab = c.max_new >= old->ntab ? c.max_new + 1 : old->ntab;
	t->nv = gver_alloc(e, ntab, old);
	t->nv->nevent = old->nevent;
	r = txn_build(t);
	if (r) {
		txn_drop_made(t, true);
		gver_destroy(t->nv);
		goto out;
	}
	inc_build(t, &c);
	txn_drop_made(t, false);
	/* the plan: the running one + this edit, materialised on demand */
	t->nv->plan = old->plan;
	lana_plan_init(&old->plan);
	if (*owned) {
		t->nv->pedit = *owned;
		*owned = NULL;
	} else {
		t->nv->pedit = xmalloc(sizeof(*t->nv->pedit));
		plan_copy(t->nv->pedit, t->edit);
	}
	e->txn_fast++;
	txn_publish(t);
out:
	VEC_FREE(&c.blks);
	VEC_FREE(&c.edges);
	lana_map_free(&c.bmap);
	lana_map_free(&c.emap);
	lana_arena_free(&c.a);
	return r;
}

static int txn_run(struct lana_engine *e, const struct lana_plan *plan,
		   char *err, size_t errlen)
{
	struct txn t = { .e = e, .old = e->cur, .err = err, .errlen = errlen };
	struct lana_plan *diffed = NULL;
	int r;

	if (!(plan->flags & LANA_PLAN_F_EDIT)) {
		r = lana_plan_validate(plan, err, errlen);
		if (r)
			return r;
		r = gver_materialise(t.old);
		if (r)
			return r;
		diffed = xmalloc(sizeof(*diffed));
		r = lana_plan_diff(&t.old->plan, plan, diffed, NULL, err,
				   errlen);
		if (r) {
			free(diffed);
			return r;
		}
		t.edit = diffed;
	} else {
		uint32_t crc;

		r = gver_materialise(t.old);
		if (r)
			return r;
		crc = lana_plan_crc(&t.old->plan);
		if (plan->base_crc != crc) {
			set_err(err, errlen,
				"edit plan applies to base 0x%08x, the running graph is 0x%08x",
				plan->base_crc, crc);
			return -ESTALE;
		}
		r = lana_plan_validate(plan, err, errlen);
		if (r)
			return r;
		t.edit = plan;
	}
	r = txn_fast(&t, &diffed);
	if (r == TXN_UNDECIDED)
		r = txn_full(&t);
	if (diffed) {
		lana_plan_free(diffed);
		free(diffed);
	}
	VEC_FREE(&t.made);
	VEC_FREE(&t.undo);
	VEC_FREE(&t.ev);
	return r;
}

int lana_engine_apply(struct lana_engine *e, const struct lana_plan *plan,
		      char *err, size_t errlen)
{
	int r;

	if (err && errlen)
		err[0] = 0;
	pthread_mutex_lock(&e->lock);
	r = txn_run(e, plan, err, errlen);
	pthread_mutex_unlock(&e->lock);
	return r;
}

int lana_engine_flush(struct lana_engine *e, char *err, size_t errlen)
{
	struct lana_plan empty;
	int r;

	lana_plan_init(&empty);
	r = lana_engine_apply(e, &empty, err, errlen);
	lana_plan_free(&empty);
	return r;
}

int lana_engine_plan(struct lana_engine *e, struct lana_plan *out)
{
	struct lana_buf b = { 0 };
	char err[256];
	int r;

	pthread_mutex_lock(&e->lock);
	r = gver_materialise(e->cur);
	if (!r)
		r = lana_plan_encode(&e->cur->plan, &b, err, sizeof(err));
	pthread_mutex_unlock(&e->lock);
	if (r) {
		lana_plan_init(out);
		lana_buf_free(&b);
		return r;
	}
	r = lana_plan_decode(b.data, b.len, out, err, sizeof(err));
	lana_buf_free(&b);
	return r;
}

void lana_engine_txn_counts(struct lana_engine *e, uint64_t *fast,
			    uint64_t *full)
{
	pthread_mutex_lock(&e->lock);
	*fast = e->txn_fast;
	*full = e->txn_full;
	pthread_mutex_unlock(&e->lock);
}

/* ---------------------------------------------------------------- stats */

static void block_stats(struct lana_engine *e, const struct lana_gnode *g,
			struct lana_block_stats *s)
{
	const struct lana_block *b = g->b;
	unsigned int w;

	memset(s, 0, sizeof(*s));
	s->idp = b->idp;
	s->name = b->name;
	s->type = b->type->name;
	for (w = 0; w < e->nworkers; w++) {
		const struct lana_bcnt *c = lana_bcnt_of(b, w, g->stride);

		s->packets += __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
		s->bytes += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
		s->drops += __atomic_load_n(&c->drops, __ATOMIC_RELAXED);
	}
	s->nstat = lana_block_stats(b, s->stat,
				    sizeof(s->stat) / sizeof(s->stat[0]));
}

int lana_engine_stats(struct lana_engine *e, const char *name,
		      int (*cb)(const struct lana_block_stats *s, void *ctx),
		      void *ctx)
{
	struct lana_block_stats s;
	const struct lana_gver *v;
	bool found = false;
	uint32_t i;
	int r = 0;

	pthread_mutex_lock(&e->lock);
	v = e->cur;
	for (i = 0; i < v->ntab && !r; i++) {
		const struct lana_gnode *g = &v->tab[i];

		if (!g->b || (name && strcmp(name, g->b->name)))
			continue;
		found = true;
		block_stats(e, g, &s);
		r = cb(&s, ctx);
		if (name)
			break;
	}
	pthread_mutex_unlock(&e->lock);
	if (name && !found)
		return -ENOENT;
	return r;
}

void lana_engine_counters(struct lana_engine *e,
			  struct lana_engine_counters *c)
{
	unsigned int w;

	memset(c, 0, sizeof(*c));
	pthread_mutex_lock(&e->lock);
	c->generation = e->gen;
	for (w = 0; w < e->nworkers; w++) {
		struct lana_worker *wk = &e->w[w];

		c->loop_drops += __atomic_load_n(&wk->loop_drops,
						 __ATOMIC_RELAXED);
		c->unbound_drops += __atomic_load_n(&wk->unbound_drops,
						    __ATOMIC_RELAXED);
		c->nomem_drops += __atomic_load_n(&wk->nomem_drops,
						  __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&e->lock);
}

bool lana_engine_idle(struct lana_engine *e)
{
	const struct lana_gver *v;
	bool idle = true;
	uint32_t i;

	pthread_mutex_lock(&e->lock);
	v = e->cur;
	for (i = 0; i < v->nsrc && idle; i++)
		if (!atomic_load(v->src[i].ended))
			idle = false;
	for (i = 0; i < e->nworkers && idle; i++)
		if (atomic_load(&e->w[i].busy))
			idle = false;
	pthread_mutex_unlock(&e->lock);
	return idle;
}

/* ------------------------------------------------------------ lifecycle */

struct lana_engine *lana_engine_new(const struct lana_engine_opts *o)
{
	struct lana_engine *e;
	unsigned int i;

	if (!o || !o->workers || o->workers > 1024) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->o = *o;
	e->nworkers = o->workers;
	e->max_hops = o->max_hops ? o->max_hops : LANA_MAX_HOPS;
	if (e->max_hops > 65000)
		e->max_hops = 65000;
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->dev_lock, NULL);
	atomic_init(&e->stop, false);
	e->w = aligned_alloc(LANA_CACHELINE,
			     round_up(sizeof(*e->w) * e->nworkers,
				      LANA_CACHELINE));
	if (!e->w) {
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	memset(e->w, 0, sizeof(*e->w) * e->nworkers);
	for (i = 0; i < e->nworkers; i++) {
		e->w[i].e = e;
		e->w[i].id = i;
		atomic_init(&e->w[i].busy, 0);
		e->w[i].bl = xcalloc(LANA_BACKLOG, sizeof(*e->w[i].bl));
	}
	e->cur = gver_alloc(e, 1, NULL);
	lana_plan_crc(&e->cur->plan);
	return e;
}

int lana_engine_start(struct lana_engine *e)
{
	unsigned int i;
	int r;

	if (e->running)
		return 0;
	atomic_store(&e->stop, false);
	for (i = 0; i < e->nworkers; i++) {
		r = pthread_create(&e->w[i].th, NULL, lana_ppe_worker, &e->w[i]);
		if (r) {
			lana_engine_stop(e);
			return -r;
		}
		e->w[i].started = true;
	}
	e->running = true;
	return 0;
}

void lana_engine_stop(struct lana_engine *e)
{
	unsigned int i;

	atomic_store(&e->stop, true);
	for (i = 0; i < e->nworkers; i++) {
		if (!e->w[i].started)
			continue;
		pthread_join(e->w[i].th, NULL);
		e->w[i].started = false;
		atomic_store(&e->w[i].busy, 0);
	}
	e->running = false;
}

void lana_engine_free(struct lana_engine *e)
{
	struct lana_gver *v;
	unsigned int i;

	if (!e)
		return;
	lana_engine_stop(e);
	rcu_barrier();		/* destructors of earlier versions */
	v = e->cur;
	for (i = 0; i < v->ntab; i++) {
		struct lana_binst *bi = binst(v->tab[i].b);

		if (bi) {
			bi->dead_next = v->dead;
			v->dead = bi;
		}
	}
	e->cur = NULL;
	v->free_all = true;
	gver_destroy(v);	/* no reader left: workers are gone */
	while (e->devs)
		lana_engine_dev_del(e, e->devs->dev);
	for (i = 0; i < e->nworkers; i++)
		free(e->w[i].bl);
	free(e->w);
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->dev_lock);
	free(e);
}
